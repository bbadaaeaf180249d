use crate::rules::{Context, Section, declare_rule};

declare_rule! {
    /// Some nodes can run workloads.
    ///
    /// ## What it checks
    /// That at least one worker pool has nodes, or the master pool sets
    /// `allowWorkerCapability`.
    ///
    /// ## Why it matters
    /// Control-plane nodes are tainted so that ordinary pods are not scheduled
    /// on them. A cluster with only masters (and no worker capability) accepts
    /// deployments but never runs them: every pod stays `Pending`.
    ///
    /// ## Example
    /// ```json
    /// {"nodePools": [{"name": "control-plane", "role": "master", "size": 3, "instanceType": "m7i.large"}]}
    /// ```
    pub static NO_WORKLOAD_CAPACITY = Rule {
        code: "pools/no-workload-capacity",
        severity: Error,
    };
}

/// The parts of the spec the check reads.
pub(crate) const READS: &[Section] = &[Section::NodePools];

pub(crate) fn check(cx: &mut Context) {
    let capable = cx.spec.pools().any(|p| p.worker_capable() && *p.size > 0);
    if !capable {
        let span = cx.key_span("/nodePools", cx.spec.node_pools.span);
        cx.emit(&NO_WORKLOAD_CAPACITY, span, "no node can run workloads")
            .with_help("add a worker pool with at least one node, or set \"allowWorkerCapability\": true on the master pool");
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::testing::{base, fires, quiet, with};

    #[test]
    fn fires_with_only_masters_or_empty_workers() {
        let masters_only = with(|s| {
            s["nodePools"].as_array_mut().unwrap().pop();
        });
        fires(&NO_WORKLOAD_CAPACITY, &masters_only);
        fires(
            &NO_WORKLOAD_CAPACITY,
            &with(|s| s["nodePools"][1]["size"] = json!(0)),
        );
    }

    #[test]
    fn quiet_with_workers_or_worker_capable_masters() {
        quiet(&NO_WORKLOAD_CAPACITY, &base());
        let capable_masters = with(|s| {
            s["nodePools"].as_array_mut().unwrap().pop();
            s["nodePools"][0]["allowWorkerCapability"] = json!(true);
        });
        quiet(&NO_WORKLOAD_CAPACITY, &capable_masters);
    }
}

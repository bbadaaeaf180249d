use crate::rules::{Context, Section, declare_rule};
use crate::spec::Role;

declare_rule! {
    /// `allowWorkerCapability` is set on master pools only.
    ///
    /// ## What it checks
    /// Whether a worker pool sets `allowWorkerCapability`.
    ///
    /// ## Why it matters
    /// The setting removes the control-plane taint from master nodes; worker
    /// nodes run workloads anyway, so on a worker pool it does nothing. It
    /// usually means the setting was meant for the master pool.
    ///
    /// ## Example
    /// ```json
    /// {"name": "workers", "role": "worker", "size": 3, "instanceType": "m7i.large",
    ///  "allowWorkerCapability": true}
    /// ```
    pub static WORKER_CAPABILITY_ON_WORKER = Rule {
        code: "pools/worker-capability-on-worker",
        severity: Warning,
    };
}

/// The parts of the spec the check reads.
pub(crate) const READS: &[Section] = &[Section::NodePools];

pub(crate) fn check(cx: &mut Context) {
    for pool in cx.spec.pools() {
        if let (Role::Worker, Some(flag)) = (*pool.role, &pool.allow_worker_capability) {
            cx.emit(
                &WORKER_CAPABILITY_ON_WORKER,
                flag.span,
                "`allowWorkerCapability` has no effect on a worker pool",
            )
            .with_help("remove it, or move it to the master pool");
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::testing::{base, fires, quiet, with};

    #[test]
    fn fires_on_a_worker_pool() {
        fires(
            &WORKER_CAPABILITY_ON_WORKER,
            &with(|s| s["nodePools"][1]["allowWorkerCapability"] = json!(true)),
        );
    }

    #[test]
    fn quiet_on_the_master_pool() {
        quiet(&WORKER_CAPABILITY_ON_WORKER, &base());
        quiet(
            &WORKER_CAPABILITY_ON_WORKER,
            &with(|s| s["nodePools"][0]["allowWorkerCapability"] = json!(true)),
        );
    }
}

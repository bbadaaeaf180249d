use crate::rules::{Context, Section, declare_rule};

declare_rule! {
    /// The cluster has exactly one master pool.
    ///
    /// ## What it checks
    /// That exactly one node pool has `"role": "master"`.
    ///
    /// ## Why it matters
    /// The master pool is the control plane: the API server, etcd, the
    /// scheduler and the controllers. Without one there is no cluster; with
    /// two, the provisioner could not tell which nodes form etcd's quorum.
    ///
    /// ## Example
    /// ```json
    /// {"nodePools": [{"name": "workers", "role": "worker", "size": 3, "instanceType": "m7i.large"}]}
    /// ```
    /// No pool is a master pool.
    pub static MASTER_COUNT = Rule {
        code: "pools/master-count",
        severity: Error,
    };
}

/// The parts of the spec the check reads.
pub(crate) const READS: &[Section] = &[Section::NodePools];

pub(crate) fn check(cx: &mut Context) {
    let masters: Vec<_> = cx.spec.masters().collect();
    match masters.as_slice() {
        [] => {
            let span = cx.key_span("/nodePools", cx.spec.node_pools.span);
            cx.emit(&MASTER_COUNT, span, "the cluster has no master pool")
                .with_help("add a pool with \"role\": \"master\" and a size of 1, 3 or 5");
        }
        [_] => {}
        [first, rest @ ..] => {
            for extra in rest {
                cx.emit(
                    &MASTER_COUNT,
                    extra.role.span,
                    "the cluster has more than one master pool",
                )
                .with_primary_label("another master pool")
                .with_label(first.role.span, "the first master pool")
                .with_help("merge the master pools into one, or make this one a worker pool");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::testing::{at, base, fires, quiet, with};

    #[test]
    fn fires_on_no_master_and_on_a_second_one() {
        let none = with(|s| s["nodePools"][0]["role"] = json!("worker"));
        let found = fires(&MASTER_COUNT, &none);
        assert_eq!(found[0].message, "the cluster has no master pool");
        let two = with(|s| s["nodePools"][1]["role"] = json!("master"));
        let found = fires(&MASTER_COUNT, &two);
        assert_eq!(found.len(), 1);
        assert_eq!(at(&found[0]), "\"master\"");
    }

    #[test]
    fn quiet_with_one_master_pool() {
        quiet(&MASTER_COUNT, &base());
    }
}

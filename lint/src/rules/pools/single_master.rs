use crate::rules::{Context, Section, declare_rule};

declare_rule! {
    /// A single master node has no high availability.
    ///
    /// ## What it checks
    /// Whether the master pool has exactly one node. It is allowed; this note
    /// says what it costs.
    ///
    /// ## Why it matters
    /// With one control-plane node, losing that node (or its zone) stops the
    /// Kubernetes API and loses etcd's data unless it is backed up elsewhere.
    /// Fine for development; production clusters use 3.
    ///
    /// ## Example
    /// ```json
    /// {"name": "control-plane", "role": "master", "size": 1, "instanceType": "m7i.large"}
    /// ```
    pub static SINGLE_MASTER = Rule {
        code: "pools/single-master",
        severity: Note,
    };
}

/// The parts of the spec the check reads.
pub(crate) const READS: &[Section] = &[Section::NodePools];

pub(crate) fn check(cx: &mut Context) {
    for pool in cx.spec.masters() {
        if *pool.size == 1 {
            cx.emit(
                &SINGLE_MASTER,
                pool.size.span,
                "one master node: the control plane is not highly available",
            )
            .with_help(
                "use 3 master nodes for a cluster that survives the loss of a node or a zone",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::diagnostic::Severity;
    use crate::rules::testing::{base, fires, quiet, with};

    #[test]
    fn notes_a_single_master() {
        let found = fires(
            &SINGLE_MASTER,
            &with(|s| s["nodePools"][0]["size"] = json!(1)),
        );
        assert_eq!(found[0].severity, Severity::Note);
    }

    #[test]
    fn quiet_with_three() {
        quiet(&SINGLE_MASTER, &base());
    }
}

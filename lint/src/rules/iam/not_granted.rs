use crate::rules::declare_rule;

declare_rule! {
    /// Every required action is granted.
    ///
    /// ## What it checks
    /// For each action the required policies allow (by default the seed's
    /// four, `policies/`), on each resource they allow it on, whether some
    /// `Allow` statement of the granted policies allows it: matching the
    /// action (`*` and `?`, any letter case, `NotAction`) and covering the
    /// resource (ARN globbing, `NotResource`). One finding per required
    /// statement lists the actions nothing grants.
    ///
    /// ## Why it matters
    /// The provisioner stops with `AccessDenied` at the first call it is not
    /// granted, with part of the cluster built. Finding it here costs
    /// nothing.
    ///
    /// ## Example
    /// A role granted `controller.json`, `nodes.json` and `deployment.json`
    /// but not `control-plane.json`: `ec2:CreateVolume` and the other
    /// control-plane actions are not granted.
    pub static NOT_GRANTED = Rule {
        code: "iam/not-granted",
        severity: Error,
    };
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::iam::testing::{allow, coverage, coverage_codes};

    #[test]
    fn fires_for_actions_nothing_grants() {
        let required = allow(json!(["ec2:RunInstances", "ec2:CreateVpc"]), json!("*"));
        let found = coverage(&required, &[allow(json!("ec2:RunInstances"), json!("*"))]);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].rule.code, NOT_GRANTED.code);
        assert_eq!(
            found[0].message,
            "a required action is not granted: ec2:CreateVpc"
        );
    }

    #[test]
    fn quiet_when_granted_even_by_wildcards() {
        let required = allow(json!(["ec2:RunInstances", "ec2:CreateVpc"]), json!("*"));
        assert!(coverage_codes(&required, &[allow(json!("ec2:*"), json!("*"))]).is_empty());
    }
}

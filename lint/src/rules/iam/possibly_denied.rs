use crate::rules::declare_rule;

declare_rule! {
    /// No required action may be denied by a conditional `Deny`.
    ///
    /// ## What it checks
    /// Required actions that are allowed, but that a `Deny` with a
    /// `Condition` also matches: whether it applies depends on the request.
    ///
    /// ## Why it matters
    /// A region guard (`aws:RequestedRegion`) or a tag guard denies the
    /// provisioner's calls whenever the condition holds for them; check that
    /// it does not.
    ///
    /// ## Example
    /// Granted `ec2:*`; a `Deny` of `ec2:*` when `aws:RequestedRegion` is not
    /// `us-east-1`.
    pub static POSSIBLY_DENIED = Rule {
        code: "iam/possibly-denied",
        severity: Warning,
    };
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::iam::testing::{allow, coverage_codes, statements};

    #[test]
    fn fires_under_a_conditional_deny() {
        let required = allow(json!("ec2:RunInstances"), json!("*"));
        let granted = statements(json!([
            {"Effect": "Allow", "Action": "ec2:*", "Resource": "*"},
            {"Effect": "Deny", "Action": "ec2:*", "Resource": "*",
             "Condition": {"StringNotEquals": {"aws:RequestedRegion": "us-east-1"}}}
        ]));
        assert_eq!(
            coverage_codes(&required, &[granted]),
            [POSSIBLY_DENIED.code]
        );
    }

    #[test]
    fn quiet_without_denies() {
        let required = allow(json!("ec2:RunInstances"), json!("*"));
        assert!(coverage_codes(&required, &[allow(json!("ec2:*"), json!("*"))]).is_empty());
    }
}

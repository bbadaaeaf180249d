use crate::rules::declare_rule;

declare_rule! {
    /// No required action is explicitly denied.
    ///
    /// ## What it checks
    /// Required actions that an unconditional `Deny` of the granted policies
    /// matches (on any part of the required resource). An explicit deny wins
    /// over every allow.
    ///
    /// ## Why it matters
    /// No grant can fix it: the call fails with `AccessDenied` until the
    /// `Deny` changes. Guard-rail policies (deny everything outside a
    /// Region, deny deleting logs) catch the provisioner this way.
    ///
    /// ## Example
    /// Required `ec2:CreateVpc`; granted `ec2:*` with a `Deny` of
    /// `ec2:CreateVpc`.
    pub static DENIED = Rule {
        code: "iam/denied",
        severity: Error,
    };
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::iam::testing::{allow, coverage_codes, statements};

    #[test]
    fn fires_when_a_deny_applies() {
        let required = allow(json!("ec2:CreateVpc"), json!("*"));
        let granted = statements(json!([
            {"Effect": "Allow", "Action": "ec2:*", "Resource": "*"},
            {"Effect": "Deny", "Action": "ec2:CreateVpc", "Resource": "*"}
        ]));
        assert_eq!(coverage_codes(&required, &[granted]), [DENIED.code]);
    }

    #[test]
    fn quiet_when_the_deny_is_about_other_actions() {
        let required = allow(json!("ec2:CreateVpc"), json!("*"));
        let granted = statements(json!([
            {"Effect": "Allow", "Action": "ec2:*", "Resource": "*"},
            {"Effect": "Deny", "Action": "ec2:DeleteVpc", "Resource": "*"}
        ]));
        assert!(coverage_codes(&required, &[granted]).is_empty());
    }
}

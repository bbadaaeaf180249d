use crate::rules::declare_rule;

declare_rule! {
    /// Required actions are not granted only under conditions.
    ///
    /// ## What it checks
    /// Required actions that only `Allow` statements with a `Condition`
    /// grant (and the required policies do not have the same condition). The
    /// conditions depend on each request, which is not known offline.
    ///
    /// ## Why it matters
    /// Whether the provisioner's calls satisfy the condition (a tag, a
    /// Region, a source address) decides whether they succeed; this is worth
    /// a look, not necessarily a fix.
    ///
    /// ## Example
    /// Required `iam:PassRole` on `*`; granted only with
    /// `{"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}`.
    pub static CONDITIONALLY_GRANTED = Rule {
        code: "iam/conditionally-granted",
        severity: Warning,
    };
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::iam::testing::{allow, coverage_codes, statements};

    #[test]
    fn fires_when_only_a_conditional_allow_grants() {
        let required = allow(json!("iam:PassRole"), json!("*"));
        let granted = statements(
            json!([{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*",
            "Condition": {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}}]),
        );
        assert_eq!(
            coverage_codes(&required, &[granted]),
            [CONDITIONALLY_GRANTED.code]
        );
    }

    #[test]
    fn quiet_with_an_unconditional_allow() {
        let required = allow(json!("iam:PassRole"), json!("*"));
        assert!(coverage_codes(&required, &[allow(json!("iam:PassRole"), json!("*"))]).is_empty());
    }
}

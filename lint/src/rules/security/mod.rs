//! Exposure and secrets.

pub mod api_open_to_world;
pub mod credentials_in_spec;
pub mod ssh_open_to_world;

use crate::diagnostic::{Rule, Severity};

/// The IAM rules whose findings are security weaknesses (too much
/// granted, to whom), not mistakes in a document's form.
const IAM_SECURITY_RULES: &[&str] = &[
    "iam/allow-not-action",
    "iam/allow-not-resource",
    "iam/passrole-star",
    "iam/privilege-escalation",
    "iam/sensitive-read-on-all",
    "iam/service-linked-role-unscoped",
    "iam/service-wildcard",
    "iam/trust-missing-external-id",
    "iam/trust-organization-without-external-id",
    "iam/unused-grant",
];

/// A security rule's weight on GitHub's scale (code scanning's
/// `security-severity`: 9.0 and above critical, 7.0 high, 4.0 medium,
/// below that low); `None` for a rule that is not about security.
pub fn security_severity(rule: &Rule) -> Option<f64> {
    if rule.group() != "security" && !IAM_SECURITY_RULES.contains(&rule.code) {
        return None;
    }
    Some(match (rule.code, rule.default_severity) {
        // Whoever holds the policy can make themselves administrator.
        ("iam/privilege-escalation", _) => 9.0,
        (_, Severity::Error) => 7.5,
        (_, Severity::Warning) => 5.0,
        (_, Severity::Note) => 3.0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_security_rules_are_rules_and_weigh_as_github_reads_them() {
        for code in IAM_SECURITY_RULES {
            assert!(crate::rules::find(code).is_some(), "{code} is no rule");
        }
        let weight = |code: &str| crate::rules::find(code).and_then(security_severity);
        assert_eq!(weight("iam/privilege-escalation"), Some(9.0));
        assert!(weight("security/ssh-open-to-world").is_some());
        assert_eq!(weight("iam/duplicate-action"), None);
        assert_eq!(weight("pools/master-size"), None);
    }
}

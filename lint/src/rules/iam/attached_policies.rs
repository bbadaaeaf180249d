use crate::rules::declare_rule;

declare_rule! {
    /// A role's managed policies fit the per-role quota.
    ///
    /// ## What it checks
    /// The number of managed policies granted together (a spec's
    /// `iam.policies`, or the files `awscluster iam lint`/`check` get as
    /// managed policies) against the managed policies a role can have
    /// attached: 10 by default (the `L-0DA4ABF3` quota, raisable to 20; give
    /// the raised value in awscluster.toml's `[quotas]`).
    ///
    /// ## Why it matters
    /// `AttachRolePolicy` fails past the quota, and the role ends up with
    /// some of its permissions.
    ///
    /// ## Example
    /// Eleven policy files in one spec's `iam.policies`.
    pub static ATTACHED_POLICIES = Rule {
        code: "iam/attached-policies",
        severity: Error,
    };
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::iam::Usage;
    use crate::rules::Settings;
    use crate::rules::iam::{check_policy, check_set};
    use crate::source::SourceFile;

    fn policies(n: usize) -> Vec<crate::iam::policy::Policy> {
        (0..n)
            .map(|i| {
                let text = format!(r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b{i}/*"}}]}}"#);
                let file = Arc::new(SourceFile::new(format!("p{i}.json"), text));
                check_policy(&file, Usage::Managed, &Settings::default()).policy.unwrap()
            })
            .collect()
    }

    #[test]
    fn fires_past_ten_and_quiet_up_to_ten_or_a_raised_quota() {
        let eleven = policies(11);
        let refs: Vec<_> = eleven.iter().collect();
        let found = check_set(&refs, Usage::Managed, &Settings::default());
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].rule.code, ATTACHED_POLICIES.code);
        assert_eq!(found[0].labels.len(), 11);
        assert!(check_set(&refs[..10], Usage::Managed, &Settings::default()).is_empty());
        let mut raised = Settings::default();
        raised.quotas.insert("L-0DA4ABF3".into(), 20.0);
        assert!(check_set(&refs, Usage::Managed, &raised).is_empty());
    }
}

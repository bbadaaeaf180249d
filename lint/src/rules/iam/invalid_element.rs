use crate::rules::declare_rule;

declare_rule! {
    /// Policy elements are ones IAM knows, where IAM expects them.
    ///
    /// ## What it checks
    /// Every key of a policy (`Version`, `Id`, `Statement`), of a statement
    /// (`Sid`, `Effect`, `Principal`, `NotPrincipal`, `Action`, `NotAction`,
    /// `Resource`, `NotResource`, `Condition`) and of a principal (`AWS`,
    /// `Service`, `Federated`, `CanonicalUser`); element names are
    /// case-sensitive. Also a statement with both an element and its `Not`
    /// form, and a `Resource` in a trust policy.
    ///
    /// A document is read as one of three kinds, from what it names: with no
    /// `Principal`, an identity policy; with a `Principal` and only STS
    /// actions (`sts:AssumeRole`, `sts:TagSession`, …), a role's trust
    /// policy; with a `Principal` and other actions, a resource-based
    /// policy (an S3 bucket's, an SQS queue's, a KMS key's, a secret's),
    /// whose statements name a `Resource` as identity policies do.
    ///
    /// ## Why it matters
    /// IAM refuses the whole document for one unknown element (`MalformedPolicyDocument`),
    /// and some tools silently skip it, so the policy grants other than it
    /// reads.
    ///
    /// ## Example
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Actions": "s3:GetObject", "Resource": "*"}]}
    /// ```
    /// `Actions` is reported, with "did you mean `Action`?".
    pub static INVALID_ELEMENT = Rule {
        code: "iam/invalid-element",
        severity: Error,
    };
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::iam::testing::{allow, fires, quiet, seed, statements};

    #[test]
    fn fires_on_unknown_misplaced_and_conflicting_elements() {
        let found = fires(
            &INVALID_ELEMENT,
            &statements(json!([{"Effect": "Allow", "Actions": "s3:GetObject", "Resource": "*"}])),
        );
        assert_eq!(found[0].help.as_deref(), Some("did you mean `Action`?"));
        let found = fires(
            &INVALID_ELEMENT,
            &statements(json!([{"effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}])),
        );
        assert_eq!(
            found[0].help.as_deref(),
            Some("element names are case-sensitive: write `Effect`")
        );
        fires(
            &INVALID_ELEMENT,
            &statements(
                json!([{"Effect": "Allow", "Action": "s3:GetObject", "NotAction": "s3:PutObject", "Resource": "*"}]),
            ),
        );
        fires(
            &INVALID_ELEMENT,
            &statements(
                json!([{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "sts:AssumeRole", "Resource": "*"}]),
            ),
        );
        fires(
            &INVALID_ELEMENT,
            &statements(
                json!([{"Effect": "Allow", "Principal": {"Account": "123456789012"}, "Action": "sts:AssumeRole"}]),
            ),
        );
    }

    #[test]
    fn quiet_on_resource_based_policies_which_name_principals_and_resources() {
        let principal = json!({"AWS": "arn:aws:iam::111122223333:root"});
        for (action, resource) in [
            (
                "sqs:SendMessage",
                "arn:aws:sqs:us-east-1:111122223333:events",
            ),
            ("s3:GetObject", "arn:aws:s3:::logs/*"),
            ("kms:Decrypt", "*"),
            ("secretsmanager:GetSecretValue", "*"),
        ] {
            let doc = statements(json!([{"Effect": "Allow", "Principal": principal,
                "Action": action, "Resource": resource}]));
            let all = crate::rules::iam::testing::lint(&doc);
            assert!(
                all.iter().all(|d| d.severity != crate::Severity::Error),
                "{action}: {:#?}",
                crate::rules::testing::summarize(&all)
            );
        }
    }

    #[test]
    fn quiet_on_the_grammar() {
        quiet(&INVALID_ELEMENT, &allow(json!("s3:GetObject"), json!("*")));
        quiet(&INVALID_ELEMENT, &seed("controller.json"));
    }
}

use crate::rules::declare_rule;

declare_rule! {
    /// Policies and statements have the elements IAM requires.
    ///
    /// ## What it checks
    /// A policy has a `Statement`; every statement an `Effect` and an
    /// `Action` (or `NotAction`); in a trust policy and in a resource-based
    /// policy, every statement a `Principal` (or `NotPrincipal`): a document
    /// that names a principal in one statement is one of those. (A missing `Resource` has its own
    /// rule, `iam/missing-resource`.)
    ///
    /// ## Why it matters
    /// IAM refuses the document: a statement that does not say whether it
    /// allows or denies, or what, means nothing.
    ///
    /// ## Example
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Action": "s3:GetObject", "Resource": "*"}]}
    /// ```
    pub static MISSING_ELEMENT = Rule {
        code: "iam/missing-element",
        severity: Error,
    };
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::iam::testing::{allow, fires, quiet, statements};

    #[test]
    fn fires_on_missing_statement_effect_action_and_principal() {
        fires(&MISSING_ELEMENT, &json!({"Version": "2012-10-17"}));
        fires(
            &MISSING_ELEMENT,
            &statements(json!([{"Action": "s3:GetObject", "Resource": "*"}])),
        );
        fires(
            &MISSING_ELEMENT,
            &statements(json!([{"Effect": "Allow", "Resource": "*"}])),
        );
        fires(
            &MISSING_ELEMENT,
            &statements(json!([
                {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"},
                {"Effect": "Allow", "Action": "sts:TagSession"}
            ])),
        );
        let found = fires(
            &MISSING_ELEMENT,
            &statements(json!([
                {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                 "Action": "sqs:SendMessage", "Resource": "*"},
                {"Effect": "Allow", "Action": "sqs:ReceiveMessage", "Resource": "*"}
            ])),
        );
        assert_eq!(
            found[0].message,
            "statement 2 of a resource-based policy has no `Principal`"
        );
    }

    #[test]
    fn quiet_on_complete_statements() {
        quiet(&MISSING_ELEMENT, &allow(json!("s3:GetObject"), json!("*")));
        quiet(
            &MISSING_ELEMENT,
            &statements(json!([{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}])),
        );
    }
}

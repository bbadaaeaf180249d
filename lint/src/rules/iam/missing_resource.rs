use crate::rules::declare_rule;

declare_rule! {
    /// Statements of identity policies name their resources.
    ///
    /// ## What it checks
    /// That every statement of an identity policy (one without `Principal`)
    /// has a `Resource` or a `NotResource`.
    ///
    /// ## Why it matters
    /// IAM requires it in identity policies and refuses the document
    /// without it. Write `"Resource": "*"` where the actions apply to
    /// everything (and check that they should).
    ///
    /// ## Example
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ec2:DescribeInstances"}]}
    /// ```
    pub static MISSING_RESOURCE = Rule {
        code: "iam/missing-resource",
        severity: Error,
    };
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::iam::testing::{allow, fires, quiet, statements};

    #[test]
    fn fires_without_resource() {
        fires(
            &MISSING_RESOURCE,
            &statements(json!([{"Effect": "Allow", "Action": "ec2:DescribeInstances"}])),
        );
    }

    #[test]
    fn quiet_with_resource_not_resource_or_in_trust_policies() {
        quiet(
            &MISSING_RESOURCE,
            &allow(json!("ec2:DescribeInstances"), json!("*")),
        );
        quiet(
            &MISSING_RESOURCE,
            &statements(
                json!([{"Effect": "Deny", "Action": "s3:*", "NotResource": "arn:aws:s3:::logs/*"}]),
            ),
        );
        quiet(
            &MISSING_RESOURCE,
            &statements(
                json!([{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]),
            ),
        );
    }
}

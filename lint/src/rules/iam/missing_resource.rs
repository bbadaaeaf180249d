use crate::rules::declare_rule;

declare_rule! {
    /// Statements of identity and resource-based policies name their resources.
    ///
    /// ## What it checks
    /// That every statement of an identity policy (one without `Principal`)
    /// and of a resource-based policy (a `Principal` and actions other than
    /// STS's: a bucket, queue, key or secret policy) has a `Resource` or a
    /// `NotResource`. Trust policies have none.
    ///
    /// ## Why it matters
    /// IAM requires it in identity policies and refuses the document
    /// without it; S3, SQS and Secrets Manager refuse a resource policy
    /// without it, and KMS accepts one but ignores the statement. Write `"Resource": "*"` where the actions apply to
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
    fn fires_on_a_resource_based_policy_without_resource() {
        let found = fires(
            &MISSING_RESOURCE,
            &statements(json!([{"Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "s3:GetObject"}])),
        );
        assert!(
            found[0]
                .help
                .as_deref()
                .unwrap_or("")
                .contains("resource-based")
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

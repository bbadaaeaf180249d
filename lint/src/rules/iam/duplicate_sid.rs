use crate::rules::declare_rule;

declare_rule! {
    /// Statement IDs are unique in a policy.
    ///
    /// ## What it checks
    /// That no two statements of one policy have the same non-empty `Sid`.
    ///
    /// ## Why it matters
    /// IAM Access Analyzer reports duplicate Sids as an error and some
    /// services refuse them; a Sid that names two statements does not
    /// identify either in a review or an audit.
    ///
    /// ## Example
    /// ```json
    /// {"Statement": [{"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
    ///                {"Sid": "Read", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}]}
    /// ```
    pub static DUPLICATE_SID = Rule {
        code: "iam/duplicate-sid",
        severity: Error,
    };
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::iam::testing::{fires, quiet, statements};

    #[test]
    fn fires_on_a_repeated_sid() {
        fires(
            &DUPLICATE_SID,
            &statements(json!([
                {"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
                {"Sid": "Read", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}
            ])),
        );
    }

    #[test]
    fn quiet_on_distinct_or_absent_sids() {
        quiet(
            &DUPLICATE_SID,
            &statements(json!([
                {"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
                {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"},
                {"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}
            ])),
        );
    }
}

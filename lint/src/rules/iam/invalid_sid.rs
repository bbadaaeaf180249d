use crate::rules::declare_rule;

declare_rule! {
    /// Statement IDs have only letters and digits.
    ///
    /// ## What it checks
    /// That every `Sid` consists of `A-Z`, `a-z` and `0-9`.
    ///
    /// ## Why it matters
    /// IAM refuses identity policies whose Sids have other characters
    /// (spaces, hyphens, underscores are common slips).
    ///
    /// ## Example
    /// ```json
    /// {"Sid": "read-only", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
    /// ```
    pub static INVALID_SID = Rule {
        code: "iam/invalid-sid",
        severity: Error,
    };
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::iam::testing::{fires, quiet, statements};

    #[test]
    fn fires_on_punctuation() {
        fires(
            &INVALID_SID,
            &statements(
                json!([{"Sid": "read-only", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]),
            ),
        );
        fires(
            &INVALID_SID,
            &statements(
                json!([{"Sid": "Read Only", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]),
            ),
        );
    }

    #[test]
    fn quiet_on_alphanumerics() {
        quiet(
            &INVALID_SID,
            &statements(
                json!([{"Sid": "ReadOnly2", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]),
            ),
        );
    }
}

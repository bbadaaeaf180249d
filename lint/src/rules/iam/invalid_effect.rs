use crate::rules::declare_rule;

declare_rule! {
    /// `Effect` is exactly `Allow` or `Deny`.
    ///
    /// ## What it checks
    /// The value of every statement's `Effect`, letter case included.
    ///
    /// ## Why it matters
    /// IAM accepts only these two values; `"allow"` makes the whole document
    /// invalid.
    ///
    /// ## Example
    /// ```json
    /// {"Effect": "allow", "Action": "s3:GetObject", "Resource": "*"}
    /// ```
    pub static INVALID_EFFECT = Rule {
        code: "iam/invalid-effect",
        severity: Error,
    };
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::iam::testing::{allow, fires, quiet, statements};

    #[test]
    fn fires_on_other_values_and_case() {
        let found = fires(
            &INVALID_EFFECT,
            &statements(json!([{"Effect": "allow", "Action": "s3:GetObject", "Resource": "*"}])),
        );
        assert_eq!(
            found[0].help.as_deref(),
            Some("write \"Allow\": the value is case-sensitive")
        );
        fires(
            &INVALID_EFFECT,
            &statements(json!([{"Effect": "Permit", "Action": "s3:GetObject", "Resource": "*"}])),
        );
    }

    #[test]
    fn quiet_on_allow_and_deny() {
        quiet(&INVALID_EFFECT, &allow(json!("s3:GetObject"), json!("*")));
        quiet(
            &INVALID_EFFECT,
            &statements(json!([{"Effect": "Deny", "Action": "s3:GetObject", "Resource": "*"}])),
        );
    }
}

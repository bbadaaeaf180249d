use crate::rules::declare_rule;

declare_rule! {
    /// A policy states its language version.
    ///
    /// ## What it checks
    /// That the policy has a `Version` element.
    ///
    /// ## Why it matters
    /// Without it IAM reads the policy in the 2008-10-17 language, where
    /// policy variables such as `${aws:username}` are plain text: a resource
    /// `arn:aws:s3:::home/${aws:username}/*` then matches nothing.
    ///
    /// ## Example
    /// ```json
    /// {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
    /// ```
    pub static MISSING_VERSION = Rule {
        code: "iam/missing-version",
        severity: Warning,
    };
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::iam::testing::{allow, fires, quiet};

    #[test]
    fn fires_without_version() {
        fires(
            &MISSING_VERSION,
            &json!({"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}),
        );
    }

    #[test]
    fn quiet_with_one() {
        quiet(&MISSING_VERSION, &allow(json!("s3:GetObject"), json!("*")));
    }
}

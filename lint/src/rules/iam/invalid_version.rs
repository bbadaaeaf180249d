use crate::rules::declare_rule;

declare_rule! {
    /// `Version` is one of IAM's two language versions.
    ///
    /// ## What it checks
    /// That `Version` is `2012-10-17` (or the old `2008-10-17`).
    ///
    /// ## Why it matters
    /// The version names a language, not a date: IAM refuses any other
    /// value, such as today's date.
    ///
    /// ## Example
    /// ```json
    /// {"Version": "2024-01-01", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
    /// ```
    pub static INVALID_VERSION = Rule {
        code: "iam/invalid-version",
        severity: Error,
    };
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::iam::testing::{allow, fires, quiet};

    #[test]
    fn fires_on_a_date() {
        let mut doc = allow(json!("s3:GetObject"), json!("*"));
        doc["Version"] = json!("2024-01-01");
        fires(&INVALID_VERSION, &doc);
    }

    #[test]
    fn quiet_on_the_two_versions() {
        quiet(&INVALID_VERSION, &allow(json!("s3:GetObject"), json!("*")));
        let mut doc = allow(json!("s3:GetObject"), json!("*"));
        doc["Version"] = json!("2008-10-17");
        quiet(&INVALID_VERSION, &doc);
    }
}

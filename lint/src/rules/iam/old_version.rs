use crate::rules::declare_rule;

declare_rule! {
    /// The policy uses the current language version, 2012-10-17.
    ///
    /// ## What it checks
    /// Whether `Version` is `2008-10-17`.
    ///
    /// ## Why it matters
    /// The old language has no policy variables and lacks newer features;
    /// policies written today assume the current one.
    ///
    /// ## Example
    /// ```json
    /// {"Version": "2008-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
    /// ```
    pub static OLD_VERSION = Rule {
        code: "iam/old-version",
        severity: Warning,
    };
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::iam::testing::{allow, fires, quiet};

    #[test]
    fn fires_on_2008() {
        let mut doc = allow(json!("s3:GetObject"), json!("*"));
        doc["Version"] = json!("2008-10-17");
        fires(&OLD_VERSION, &doc);
    }

    #[test]
    fn quiet_on_2012() {
        quiet(&OLD_VERSION, &allow(json!("s3:GetObject"), json!("*")));
    }
}

use crate::rules::declare_rule;

declare_rule! {
    /// Required actions are granted on the resources they are needed on.
    ///
    /// ## What it checks
    /// Required actions that a granted `Allow` statement names, but whose
    /// resources do not cover (all of) the required resource: the required
    /// `arn:*:iam::*:role/*` against a granted `arn:aws:iam::*:role/app-*`,
    /// say. The finding points at the statements that grant elsewhere.
    ///
    /// ## Why it matters
    /// The permission works in tests on the resources it covers and fails on
    /// the others: another partition, another naming scheme, another account.
    ///
    /// ## Example
    /// Required `iam:GetRole` on `arn:*:iam::*:role/*`; granted on
    /// `arn:aws:iam::*:role/app-*` only.
    pub static GRANTED_ON_OTHER_RESOURCES = Rule {
        code: "iam/granted-on-other-resources",
        severity: Error,
    };
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::iam::testing::{allow, coverage, coverage_codes};

    #[test]
    fn fires_when_the_grant_is_narrower_and_labels_it() {
        let required = allow(json!("iam:GetRole"), json!("arn:*:iam::*:role/*"));
        let found = coverage(
            &required,
            &[allow(
                json!("iam:GetRole"),
                json!("arn:aws:iam::*:role/app-*"),
            )],
        );
        assert_eq!(found[0].rule.code, GRANTED_ON_OTHER_RESOURCES.code);
        assert_eq!(found[0].labels[1].file.display_path(), "granted0.json");
    }

    #[test]
    fn quiet_when_the_grant_covers() {
        let required = allow(json!("iam:GetRole"), json!("arn:*:iam::*:role/*"));
        assert!(
            coverage_codes(
                &required,
                &[allow(json!("iam:GetRole"), json!("arn:*:iam::*:role/*"))]
            )
            .is_empty()
        );
    }
}

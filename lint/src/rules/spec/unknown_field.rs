use crate::rules::declare_rule;

declare_rule! {
    /// Every field is one the spec defines.
    ///
    /// ## What it checks
    /// Each key against the fields the schema allows at its place, and
    /// suggests the closest known field when the key looks like a typo.
    ///
    /// ## Why it matters
    /// A misspelled optional field is silently ignored by tools that skip
    /// unknown keys: `availabilityZone` instead of `availabilityZones` would
    /// spread a pool over every zone instead of the one intended.
    ///
    /// ## Example
    /// ```json
    /// {"nodePools": [{"name": "workers", "instanceTyp": "m7i.large"}]}
    /// ```
    /// `instanceTyp` is reported, with "did you mean `instanceType`?".
    pub static UNKNOWN_FIELD = Rule {
        code: "spec/unknown-field",
        severity: Error,
    };
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::testing::{at, base, fires, quiet, with};

    #[test]
    fn fires_on_a_misspelled_field_with_a_suggestion() {
        let spec = with(|s| s["placement"]["dynamic"]["availabilityZone"] = json!(["us-east-1a"]));
        let found = fires(&UNKNOWN_FIELD, &spec);
        assert_eq!(at(&found[0]), "\"availabilityZone\"");
        assert_eq!(
            found[0].help.as_deref(),
            Some("did you mean `availabilityZones`?")
        );
    }

    #[test]
    fn quiet_on_known_fields() {
        quiet(&UNKNOWN_FIELD, &base());
    }
}

use crate::rules::declare_rule;

declare_rule! {
    /// Every value has the type and form the schema requires.
    ///
    /// ## What it checks
    /// The spec against `schemas/cluster.schema.json`: required fields are
    /// present, values have the right type (a number is not a string),
    /// enumerations hold one of their values, and `placement` has exactly one
    /// of `dynamic` and `static`.
    ///
    /// ## Why it matters
    /// The other rules reason about a well-formed spec; a spec with schema
    /// errors gets only these findings (and the checks that work on any
    /// document) until they are fixed.
    ///
    /// ## Example
    /// ```json
    /// {"nodePools": [{"name": "workers", "role": "worker", "size": "three"}]}
    /// ```
    /// `size` must be an integer.
    pub static INVALID_VALUE = Rule {
        code: "spec/invalid-value",
        severity: Error,
    };
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::testing::{at, base, fires, lint, quiet, with};

    #[test]
    fn fires_on_a_wrong_type_and_stops_semantic_rules() {
        let spec = with(|s| s["nodePools"][0]["size"] = json!("three"));
        let found = fires(&INVALID_VALUE, &spec);
        assert_eq!(at(&found[0]), "\"three\"");
        // No semantic rule runs on a spec that does not match the schema.
        assert!(
            lint(&spec)
                .iter()
                .all(|d| d.rule.group() == "spec" || d.rule.group() == "security")
        );
    }

    #[test]
    fn quiet_on_a_valid_spec() {
        quiet(&INVALID_VALUE, &base());
    }
}

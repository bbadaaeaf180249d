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

    /// A misspelt required field is one finding, with the suggestion, not
    /// also a missing field; the spec is read as meant, so the other rules
    /// still run, and the value is checked under its meant name.
    #[test]
    fn a_misspelt_required_field_is_one_finding_and_the_rest_is_linted() {
        let spec = with(|s| {
            let pool = s["nodePools"][1].as_object_mut().unwrap();
            let value = pool.remove("instanceType").unwrap();
            pool.insert("instanceTyp".into(), value);
            s["nodePools"][0]["size"] = json!(2);
        });
        let found = crate::rules::testing::lint(&spec);
        let codes: Vec<&str> = found.iter().map(|d| d.rule.code).collect();
        assert_eq!(
            codes
                .iter()
                .filter(|c| c.starts_with("spec/"))
                .collect::<Vec<_>>(),
            [&"spec/unknown-field"],
            "{codes:?}"
        );
        assert!(codes.contains(&"pools/master-size"), "{codes:?}");

        let spec = with(|s| {
            let pool = s["nodePools"][1].as_object_mut().unwrap();
            pool.remove("instanceType");
            pool.insert("instanceTyp".into(), json!(7));
        });
        let found = crate::rules::testing::lint(&spec);
        let messages: Vec<&str> = found.iter().map(|d| d.message.as_str()).collect();
        assert!(
            messages.contains(&"`nodePools[1].instanceType` must be a string, found a number"),
            "{messages:?}"
        );
        assert!(
            !messages.iter().any(|m| m.starts_with("missing required")),
            "{messages:?}"
        );
    }

    /// YAML merge keys: one finding at the `<<`, and no "missing required
    /// field" for what the merge would have brought.
    #[test]
    fn a_yaml_merge_key_is_one_finding_at_the_key() {
        let text = [
            "name: prod-east",
            "region: us-east-1",
            "sshKeyName: ops",
            "placement:",
            "  dynamic:",
            "    availabilityZones: [us-east-1a, us-east-1b, us-east-1c]",
            "defaults: &defaults",
            "  role: worker",
            "  size: 3",
            "  instanceType: m7i.large",
            "nodePools:",
            "  - name: control-plane",
            "    role: master",
            "    size: 3",
            "    instanceType: m7i.large",
            "  - name: workers",
            "    <<: *defaults",
            "",
        ]
        .join("\n");
        let text = text.as_str();
        let found = crate::rules::testing::lint_text("s.cluster.yaml", text);
        let merge: Vec<_> = found
            .iter()
            .filter(|d| d.message.contains("merge keys"))
            .collect();
        assert_eq!(merge.len(), 1, "{found:#?}");
        assert_eq!(at(merge[0]), "<<");
        assert!(
            !found
                .iter()
                .any(|d| d.message.starts_with("missing required")),
            "{found:#?}"
        );
        // `defaults` is an unknown field; the pools are damaged and their
        // rules wait; the rest is linted.
        assert!(found.iter().any(|d| d.message.contains("`defaults`")));
    }

    #[test]
    fn quiet_on_known_fields() {
        quiet(&UNKNOWN_FIELD, &base());
    }
}

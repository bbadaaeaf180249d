//! The spec's JSON Schema.
//!
//! The checked-in `schemas/cluster.schema.json` is what editors use and what
//! the linter validates against; it is generated from the model (see the
//! drift test below), so the two cannot disagree.

use std::sync::OnceLock;

use serde_json::Value as Json;

use crate::source::Node;

/// The cluster spec schema, as checked in.
pub const CLUSTER_SCHEMA: &str = include_str!("../../../schemas/cluster.schema.json");

fn schema() -> &'static (Json, jsonschema::Validator) {
    static SCHEMA: OnceLock<(Json, jsonschema::Validator)> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let json: Json = serde_json::from_str(CLUSTER_SCHEMA).expect("the embedded schema is JSON");
        let validator = jsonschema::draft202012::new(&json).expect("the embedded schema is valid");
        (json, validator)
    })
}

/// Validates `root` against the schema, handing each error to `report`;
/// returns whether it matched.
pub fn validate(root: &Node, mut report: impl FnMut(&Json, &jsonschema::ValidationError)) -> bool {
    let (schema, validator) = schema();
    let instance = root.to_json();
    let mut valid = true;
    for error in validator.iter_errors(&instance) {
        valid = false;
        report(schema, &error);
    }
    valid
}

#[cfg(test)]
/// Optional fields are left out, never set to null: dropping schemars'
/// `null` alternatives keeps errors inside optional objects precise
/// (an `anyOf` failure would hide them).
pub(crate) fn strip_null_alternatives(schema: &mut serde_json::Value) {
    use serde_json::Value;
    match schema {
        Value::Object(map) => {
            if let Some(Value::Array(types)) = map.get_mut("type") {
                types.retain(|t| t != "null");
                if types.len() == 1 {
                    let single = types.remove(0);
                    map.insert("type".into(), single);
                }
            }
            if let Some(Value::Array(any_of)) = map.get("anyOf") {
                let rest: Vec<Value> = any_of
                    .iter()
                    .filter(|s| **s != serde_json::json!({"type": "null"}))
                    .cloned()
                    .collect();
                if rest.len() == 1 {
                    map.remove("anyOf");
                    if let Value::Object(inner) = &rest[0] {
                        for (k, v) in inner {
                            map.entry(k.clone()).or_insert_with(|| v.clone());
                        }
                    }
                }
            }
            map.values_mut().for_each(strip_null_alternatives);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_null_alternatives),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    /// The checked-in schema must be exactly what the model generates.
    /// Regenerate with `UPDATE_SCHEMAS=1 cargo test -p awscluster-lint`.
    #[test]
    fn checked_in_schema_matches_the_model() {
        let mut generated =
            serde_json::to_value(schemars::schema_for!(crate::spec::ClusterSpec)).unwrap();
        super::strip_null_alternatives(&mut generated);
        let mut text = serde_json::to_string_pretty(&generated).unwrap();
        text.push('\n');
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../schemas/cluster.schema.json"
        );
        if std::env::var_os("UPDATE_SCHEMAS").is_some() {
            std::fs::write(path, &text).unwrap();
            return;
        }
        assert!(
            text == super::CLUSTER_SCHEMA,
            "schemas/cluster.schema.json is stale: run `UPDATE_SCHEMAS=1 cargo test -p awscluster-lint` and commit it"
        );
    }
}

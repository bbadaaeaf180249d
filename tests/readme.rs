//! The README says what the code does: its rule table is generated from the
//! registry, and the spec reference names every field of the schema.

mod common;

use common::{root, run};

fn readme() -> String {
    std::fs::read_to_string(root().join("README.md")).unwrap()
}

/// Regenerate with `cargo run -- rules --format markdown` and paste it
/// between the markers.
#[test]
fn the_rule_table_is_the_registrys() {
    let readme = readme();
    let start = readme
        .find("<!-- rules:begin -->\n")
        .expect("rules:begin marker")
        + "<!-- rules:begin -->\n".len();
    let end = readme.find("<!-- rules:end -->").expect("rules:end marker");
    let generated = run(&["rules", "--format", "markdown"]).stdout;
    assert!(
        readme[start..end] == generated,
        "the README's rule table is stale: replace it with `cargo run -- rules --format markdown`"
    );
}

#[test]
fn every_spec_field_is_documented() {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("schemas/cluster.schema.json")).unwrap(),
    )
    .unwrap();
    let mut fields = Vec::new();
    collect_properties(&schema, &mut fields);
    let readme = readme();
    for field in fields {
        // As `field`, or as the last part of a path: `a.field`, `a.field[]`.
        let documented = readme.match_indices(field.as_str()).any(|(i, _)| {
            let before = readme[..i].chars().next_back();
            let after = readme[i + field.len()..].chars().next();
            matches!(before, Some('`' | '.')) && matches!(after, Some('`' | '['))
        });
        assert!(documented, "the README's spec reference lacks `{field}`");
    }
}

fn collect_properties(schema: &serde_json::Value, out: &mut Vec<String>) {
    match schema {
        serde_json::Value::Object(map) => {
            if let Some(serde_json::Value::Object(props)) = map.get("properties") {
                out.extend(props.keys().filter(|k| *k != "$schema").cloned());
            }
            map.values().for_each(|v| collect_properties(v, out));
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_properties(v, out)),
        _ => {}
    }
}

#[test]
fn the_two_commands_are_there() {
    let readme = readme();
    assert!(readme.contains("cargo run --release -- lint fixtures/clusters/default.cluster.json"));
    assert!(readme.contains("scripts/test"));
    let ci = std::fs::read_to_string(root().join(".ci/run")).unwrap();
    assert!(
        ci.contains("\nscripts/test\n"),
        ".ci/run must run the README's test command"
    );
}

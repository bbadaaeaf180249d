//! Linting one spec file, from text to findings.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::diagnostic::Diagnostic;
use crate::fleet::{Group, Needs};
use crate::layout::Layout;
use crate::rules::Section;
use crate::rules::spec::invalid_value::INVALID_VALUE;
use crate::rules::spec::schema::{self, ProblemKind};
use crate::rules::{self, Context, Settings, Sink};
use crate::source::Value;
use crate::source::{self, SourceFile};
use crate::spec::{self, ClusterSpec};

use super::iam::PolicySets;

/// Lints a file's raw content. Text that is not UTF-8 is a finding at the
/// first bad byte, never an error.
pub fn check_bytes(path: &std::path::Path, bytes: Vec<u8>, settings: &Settings) -> Vec<Diagnostic> {
    check_spec(
        &Arc::new(SourceFile::from_bytes(path, bytes)),
        settings,
        &PolicySets::default(),
    )
}

/// Every finding for one spec file, sorted by position.
///
/// A file that does not parse gets one syntax finding. Otherwise every
/// rule runs: the ones that read the document as it is, and the ones that
/// read the typed spec on every part of it that is well-formed (see
/// [`read_spec`]), so that one run shows everything.
/// Specs of one run share `sets`, so that policy files several of them
/// name are checked and reported once.
pub fn check_spec(
    file: &Arc<SourceFile>,
    settings: &Settings,
    sets: &PolicySets,
) -> Vec<Diagnostic> {
    check_spec_with_needs(file, settings, sets).0
}

/// [`check_spec`], with what the spec needs of each quota and the group
/// whose quotas it draws on, when the spec could be read.
pub fn check_spec_with_needs(
    file: &Arc<SourceFile>,
    settings: &Settings,
    sets: &PolicySets,
) -> (Vec<Diagnostic>, Option<(Group, Needs)>) {
    let mut sink = Sink::new(Arc::clone(file));
    let Some(root) = crate::rules::spec::read_document(file, &mut sink) else {
        return (sink.into_diagnostics(), None);
    };
    rules::run_tree_rules(&root, &mut sink);
    let Some((spec, damaged)) = read_spec(&root, &mut sink) else {
        return (finish(sink), None);
    };
    let layout = Layout::of(&spec);
    let mut cx = Context {
        spec: &spec,
        root: &root,
        layout: &layout,
        settings,
        sink: &mut sink,
        quota_needs: Needs::new(),
    };
    rules::run_spec_rules(&mut cx, &damaged);
    let needs = std::mem::take(&mut cx.quota_needs);
    if !damaged.contains(&Section::Iam)
        && let Some(iam) = spec.iam.as_ref().filter(|i| !i.policies.is_empty())
    {
        let list = root.key_span_at("/iam/policies").unwrap_or(iam.span);
        sink.extend(super::iam::check_spec_policies(
            file,
            &iam.policies,
            list,
            settings,
            sets,
        ));
    }
    // In preflight: the policies the credentials really have.
    if let Some(principal) = settings.live.as_ref().and_then(|l| l.principal.as_ref()) {
        let at = root
            .key_span_at("/cloudAccount/assumeRole/roleArn")
            .unwrap_or(spec.name.span);
        sink.extend(super::iam::check_live_policies(
            principal,
            (Arc::clone(file), at),
            settings,
        ));
    }
    (finish(sink), Some((Group::of(&spec), needs)))
}

/// Reads the typed spec, reporting every way it does not match the schema;
/// with the parts that do not match (`damaged`), for which the rules that
/// read them are skipped.
///
/// The model enforces everything the schema says but one thing (a
/// placement has exactly one of its forms), so a spec it reads with a
/// well-formed placement is valid: the schema's validator, slow to build,
/// is only started to explain a spec that is not, with every problem at
/// once and precise messages. A test holds the two to the same verdicts.
///
/// A spec that does not match is repaired for the other rules: unknown
/// fields are left out, a misspelt required field is read under the name
/// it was meant to have (its value is then checked too), and each
/// top-level part that still does not match is left out, or for a
/// required part replaced by a placeholder no rule reads.
pub fn read_spec(root: &source::Node, sink: &mut Sink) -> Option<(ClusterSpec, Vec<Section>)> {
    if let Ok(spec) = spec::de::from_node::<ClusterSpec>(root)
        && spec.placement.dynamic.is_some() != spec.placement.static_.is_some()
        && !spec.exceeds_limits()
    {
        return Some((spec, Vec::new()));
    }
    let problems = schema::validate(root, sink);
    if problems.is_empty() {
        // The schema is generated from the model, so this means they
        // disagree; still a finding at the value, never a panic.
        if let Err(error) = spec::de::from_node::<ClusterSpec>(root) {
            sink.emit(
                &INVALID_VALUE,
                error.span.unwrap_or(root.span),
                error.message,
            );
        }
        return None;
    }
    let mut repaired = root.clone();
    let mut renamed: Vec<String> = Vec::new();
    // Looked up, not searched: a file may hold thousands of problems.
    let missing: HashSet<(&str, &str)> = problems
        .iter()
        .filter_map(|p| match &p.kind {
            ProblemKind::Missing(field) => Some((p.pointer.as_str(), field.as_str())),
            _ => None,
        })
        .collect();
    // Per object: keys to leave out, and keys to read under the name meant.
    type Edit<'p> = (HashSet<&'p str>, Vec<(&'p str, &'p str)>);
    let mut edits: HashMap<&str, Edit> = HashMap::new();
    for p in &problems {
        let ProblemKind::Unknown { key, suggestion } = &p.kind else {
            continue;
        };
        let edit = edits.entry(p.pointer.as_str()).or_default();
        match suggestion
            .as_deref()
            .filter(|s| missing.contains(&(p.pointer.as_str(), *s)))
        {
            Some(meant) => {
                edit.1.push((key.as_str(), meant));
                renamed.push(format!("{}/{}", p.pointer, escape_pointer(meant)));
            }
            None => {
                edit.0.insert(key.as_str());
            }
        }
    }
    for (pointer, (remove, rename)) in edits {
        let Some(Value::Object(members)) = repaired.pointer_mut(pointer).map(|n| &mut n.value)
        else {
            continue;
        };
        if !remove.is_empty() {
            members.retain(|m| !remove.contains(m.key.as_str()));
        }
        for (key, meant) in rename {
            for m in members.iter_mut().filter(|m| m.key == key) {
                m.key = meant.to_string();
            }
        }
    }
    let mut damaged: Vec<Section> = Vec::new();
    let mut damage = |pointer: &str, kind: &ProblemKind| {
        let first = pointer
            .trim_start_matches('/')
            .split('/')
            .next()
            .unwrap_or("");
        let section = match (first, kind) {
            ("", ProblemKind::Missing(field)) => Section::of_key(field),
            ("", ProblemKind::Unknown { .. }) => None,
            ("", _) => {
                damaged.extend(Section::ALL);
                None
            }
            (_, ProblemKind::Unknown { .. }) => None,
            (key, _) => Section::of_key(&key.replace("~1", "/").replace("~0", "~")),
        };
        damaged.extend(section);
    };
    let suggested: HashSet<(&str, &str)> = problems
        .iter()
        .filter_map(|q| match &q.kind {
            ProblemKind::Unknown {
                suggestion: Some(s),
                ..
            } => Some((q.pointer.as_str(), s.as_str())),
            _ => None,
        })
        .collect();
    let renamed_to = |pointer: &str, field: &str| suggested.contains(&(pointer, field));
    for p in &problems {
        // A field read under its meant name is checked in the second round.
        if let ProblemKind::Missing(field) = &p.kind
            && renamed_to(&p.pointer, field)
        {
            continue;
        }
        damage(&p.pointer, &p.kind);
    }
    if !renamed.is_empty() {
        // The values read under their meant names are checked now, not in
        // the next run.
        let inside_renamed = |pointer: &str| {
            renamed.iter().any(|r| {
                pointer
                    .strip_prefix(r.as_str())
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
            })
        };
        for p in schema::validate_where(&repaired, sink, &inside_renamed) {
            damage(&p.pointer, &p.kind);
        }
    }
    damaged.sort_unstable();
    damaged.dedup();
    if damaged.len() == Section::ALL.len() {
        return None;
    }
    let Value::Object(members) = &mut repaired.value else {
        return None;
    };
    let template = placeholder();
    for section in &damaged {
        members.retain(|m| m.key != section.key());
        if !section.optional()
            && let Some(value) = template.get(section.key())
        {
            members.push(source::Member {
                key: section.key().to_string(),
                key_span: source::Span::default(),
                value: value.clone(),
            });
        }
    }
    let spec = spec::de::from_node::<ClusterSpec>(&repaired).ok()?;
    (spec.placement.dynamic.is_some() != spec.placement.static_.is_some())
        .then_some((spec, damaged))
}

/// Values for the required parts of a spec, standing in for parts that do
/// not match the schema. No rule that runs reads them.
fn placeholder() -> source::Node {
    const TEMPLATE: &str = r#"{"name": "placeholder", "region": "us-east-1", "sshKeyName": "placeholder",
        "placement": {"dynamic": {"availabilityZones": ["us-east-1a"]}},
        "nodePools": [{"name": "placeholder", "role": "master", "size": 1, "instanceType": "m7i.large"}]}"#;
    let mut node = source::parse(&SourceFile::new("placeholder.json", TEMPLATE.to_string()))
        .unwrap_or(source::Node {
            span: source::Span::default(),
            value: Value::Null,
        });
    node.walk_mut(&mut |n| n.span = source::Span::default());
    node
}

fn escape_pointer(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// Orders the findings (the sink has masked the secrets in their excerpts).
fn finish(sink: Sink) -> Vec<Diagnostic> {
    let mut diagnostics = sink.into_diagnostics();
    diagnostics.sort_by(Diagnostic::order);
    diagnostics
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    /// Every variant of `value` with one change: each value replaced by
    /// each JSON type, each key removed, an unknown key added to each object.
    fn mutations(value: &Value) -> Vec<Value> {
        let replacements = [
            json!("x"),
            json!(7),
            json!(0),
            json!(70000),
            json!(-1),
            json!(2.5),
            json!(true),
            json!(null),
            json!({}),
            json!([]),
            json!(["x"]),
        ];
        let mut out = Vec::new();
        for r in &replacements {
            out.push(r.clone());
        }
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    let mut without = map.clone();
                    without.remove(k);
                    out.push(Value::Object(without));
                    for m in mutations(v) {
                        let mut changed = map.clone();
                        changed.insert(k.clone(), m);
                        out.push(Value::Object(changed));
                    }
                }
                let mut extra = map.clone();
                extra.insert("unknownField".into(), json!(1));
                out.push(Value::Object(extra));
            }
            Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    for m in mutations(v) {
                        let mut changed = items.clone();
                        changed[i] = m;
                        out.push(Value::Array(changed));
                    }
                }
            }
            _ => {}
        }
        out
    }

    /// The fast path (the model alone) and the schema must call the same
    /// specs valid: checked on every one-change variant of a dynamic and a
    /// static spec, and on every fixture.
    #[test]
    fn the_model_and_the_schema_agree_on_what_is_valid() {
        let mut texts: Vec<String> = Vec::new();
        for base in [
            crate::rules::testing::base(),
            crate::rules::testing::base_static(),
        ] {
            let mut base = base;
            base["tags"] = json!({"team": "a"});
            base["kubernetes"] = json!({"podCidr": "192.168.0.0/16"});
            base["cloudAccount"] = json!({"assumeRole": {"roleArn": "arn:aws:iam::123456789012:role/x", "externalId": "abc"}});
            base["nodePools"][1]["capacity"] = json!({"spot": {"maxPricePercentOfOnDemand": 50}});
            base["nodePools"][1]["metadataHopLimit"] = json!(2);
            base["nodePools"][1]["rootVolume"] = json!({"sizeGib": 40, "type": "gp3"});
            base["nodePools"][1]["instanceProfile"] = json!("nodes");
            base["apiServer"] = json!({"scheme": "internal", "allowedCidrs": ["203.0.113.0/24"]});
            base["kubernetes"]["cniIngress"] =
                json!([{"protocol": "tcp", "fromPort": 179, "toPort": 179}]);
            base["iam"] = json!({"policies": []});
            texts.extend(mutations(&base).iter().map(|v| v.to_string()));
        }
        let fixtures =
            std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/clusters"));
        let mut stack = vec![fixtures.to_path_buf()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "json") {
                    texts.push(std::fs::read_to_string(path).unwrap());
                }
            }
        }
        assert!(texts.len() > 1000, "{} variants", texts.len());
        for text in texts {
            let file = Arc::new(SourceFile::new("s.json", text.clone()));
            let Ok(root) = source::parse(&file) else {
                continue;
            };
            let model = spec::de::from_node::<ClusterSpec>(&root).is_ok_and(|s| {
                s.placement.dynamic.is_some() != s.placement.static_.is_some()
                    && !s.exceeds_limits()
            });
            let schema =
                crate::rules::spec::schema::validate(&root, &mut Sink::new(Arc::clone(&file)))
                    .is_empty();
            assert_eq!(
                model, schema,
                "model says {model}, schema says {schema} for {text}"
            );
        }
    }

    /// A schema finding in one part of the spec does not hold back the rules
    /// about the others: one run shows everything.
    #[test]
    fn schema_findings_do_not_hide_the_other_parts_findings() {
        let spec = crate::rules::testing::with(|s| {
            s["tags"] = json!({"team": 7});
            s["bastion"]["allowedCidrs"] = json!(["0.0.0.0/0"]);
            s["nodePools"][0]["size"] = json!(2);
            s["region"] = json!(42);
        });
        let codes: Vec<&str> = crate::rules::testing::lint(&spec)
            .iter()
            .map(|d| d.rule.code)
            .collect();
        for code in [
            "spec/invalid-value",
            "security/ssh-open-to-world",
            "pools/master-size",
        ] {
            assert!(codes.contains(&code), "{code} missing from {codes:?}");
        }
        // The rules that read the broken parts wait for them.
        assert!(!codes.contains(&"network/unknown-region"), "{codes:?}");
        assert!(!codes.iter().any(|c| c.starts_with("tags/")), "{codes:?}");
    }

    /// Every prefix of a valid spec, and every single-byte corruption of its
    /// first 512 bytes, lints without panicking, in both formats.
    #[test]
    fn damaged_input_never_panics() {
        let settings = Settings::default();
        let fixtures = [
            (
                "d.cluster.json",
                include_str!("../../../fixtures/clusters/default.cluster.json"),
            ),
            (
                "s.cluster.yaml",
                include_str!("../../../fixtures/clusters/static.cluster.yaml"),
            ),
        ];
        for (name, text) in fixtures {
            let bytes = text.as_bytes();
            for end in 0..bytes.len() {
                check_bytes(std::path::Path::new(name), bytes[..end].to_vec(), &settings);
            }
            for at in 0..bytes.len().min(512) {
                for replacement in [b'"', b'{', b']', b':', b'\n', 0xff] {
                    let mut damaged = bytes.to_vec();
                    damaged[at] = replacement;
                    check_bytes(std::path::Path::new(name), damaged, &settings);
                }
            }
        }
    }
}

//! The schema's findings: unknown fields and invalid values, with the
//! field's name, the types or values expected, and a suggestion when a name
//! looks like a typo.

use jsonschema::error::{TypeKind, ValidationErrorKind};
use serde_json::Value as Json;

use super::{invalid_value::INVALID_VALUE, unknown_field::UNKNOWN_FIELD};
use crate::rules::Sink;
use crate::source::{Node, Span, Value};
use crate::suggest;

/// One way a spec does not match the schema, where: the JSON pointer of
/// the object or value concerned.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub pointer: String,
    pub kind: ProblemKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ProblemKind {
    /// A key the object does not define, and the field it most likely
    /// meant.
    Unknown {
        key: String,
        suggestion: Option<String>,
    },
    /// A YAML merge key (`<<`), which YAML 1.2 does not have.
    MergeKey,
    /// A required field the object lacks.
    Missing(String),
    /// A value of the wrong type or form.
    Invalid,
}

/// Validates `root` against the schema and reports every way it does not
/// match, once: a missing field is not reported when the object has an
/// unknown key that is its misspelling (the unknown key's finding says
/// so), nor in an object with a merge key. Returns the problems, reported
/// or not; none when the spec matches.
pub fn validate(root: &Node, sink: &mut Sink) -> Vec<Problem> {
    validate_where(root, sink, &|_| true)
}

/// As [`validate`], reporting only the problems at pointers `report`
/// accepts.
pub fn validate_where(
    root: &Node,
    sink: &mut Sink,
    report_at: &dyn Fn(&str) -> bool,
) -> Vec<Problem> {
    let mut found: Vec<(Problem, Option<crate::diagnostic::Diagnostic>)> = Vec::new();
    let yaml = crate::source::Format::of(sink.file()) == crate::source::Format::Yaml;
    let mut unreported = 0;
    crate::spec::schema::validate(root, |schema, error| {
        // Past the first hundred, a problem is counted, not described:
        // describing one looks the value up, and thousands of them would
        // cost the document's size squared.
        if found.len() >= MAX_REPORTED {
            let bare = bare_problems(error);
            unreported += bare.iter().filter(|p| report_at(&p.pointer)).count();
            found.extend(bare.into_iter().map(|p| (p, None)));
            return;
        }
        let mut scratch = Sink::new(std::sync::Arc::clone(sink.file()));
        let room = MAX_REPORTED - found.len();
        let problems = report(root, schema, error, &mut scratch, yaml, room);
        let findings = scratch.into_diagnostics();
        unreported += problems[findings.len()..]
            .iter()
            .filter(|p| report_at(&p.pointer))
            .count();
        found.extend(
            problems.into_iter().zip(
                findings
                    .into_iter()
                    .map(Some)
                    .chain(std::iter::repeat_with(|| None)),
            ),
        );
    });
    if unreported > 0 {
        let anchor = match &root.value {
            Value::Object(members) if !members.is_empty() => members[0].key_span,
            _ => Span::new(root.span.start as usize, root.span.start as usize + 1),
        };
        sink.emit(
            &INVALID_VALUE,
            anchor,
            format!("and {unreported} more values do not match the schema"),
        )
        .with_help(format!(
            "the first {MAX_REPORTED} are reported; fix them and lint again"
        ));
    }
    // A missing field explained by an unknown key that is its misspelling,
    // or by a merge key: looked up, not searched.
    let mut suggested: std::collections::HashSet<(String, String)> = Default::default();
    let mut merged: std::collections::HashSet<String> = Default::default();
    for (p, _) in &found {
        match &p.kind {
            ProblemKind::Unknown {
                suggestion: Some(s),
                ..
            } => {
                suggested.insert((p.pointer.clone(), s.clone()));
            }
            ProblemKind::MergeKey => {
                merged.insert(p.pointer.clone());
            }
            _ => {}
        }
    }
    let explained = |pointer: &str, field: &str| {
        merged.contains(pointer) || suggested.contains(&(pointer.to_string(), field.to_string()))
    };
    let keep: Vec<bool> = found
        .iter()
        .map(|(p, _)| match &p.kind {
            ProblemKind::Missing(field) => !explained(&p.pointer, field),
            _ => true,
        })
        .collect();
    let mut problems = Vec::with_capacity(found.len());
    for ((problem, finding), keep) in found.into_iter().zip(keep) {
        if keep
            && report_at(&problem.pointer)
            && let Some(d) = finding
        {
            sink.extend([d]);
        }
        problems.push(problem);
    }
    problems
}

/// Schema findings described per file; the rest are counted.
const MAX_REPORTED: usize = 100;

/// The problems of an error, without their findings.
fn bare_problems(error: &jsonschema::ValidationError) -> Vec<Problem> {
    let pointer = error.instance_path().as_str().to_string();
    let problem = |kind| Problem {
        pointer: pointer.clone(),
        kind,
    };
    match error.kind() {
        ValidationErrorKind::AdditionalProperties { unexpected } => unexpected
            .iter()
            .map(|key| {
                problem(ProblemKind::Unknown {
                    key: key.clone(),
                    suggestion: None,
                })
            })
            .collect(),
        ValidationErrorKind::Required { property } => vec![problem(ProblemKind::Missing(
            property.as_str().unwrap_or_default().to_string(),
        ))],
        _ => vec![problem(ProblemKind::Invalid)],
    }
}

/// Reports one validation error; returns one problem per finding, in order.
/// `room` is how many more findings the file may have: the problems past
/// it come back without one, after those with.
fn report(
    root: &Node,
    schema: &Json,
    error: &jsonschema::ValidationError,
    sink: &mut Sink,
    yaml: bool,
    room: usize,
) -> Vec<Problem> {
    let path = error.instance_path().as_str();
    let node = root.pointer(path);
    let span = root.span_at(path);
    let field = field_name(path);
    let problem = |kind| Problem {
        pointer: path.to_string(),
        kind,
    };
    match error.kind() {
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            let known = known_properties(schema, error.schema_path().as_str());
            let mut problems = Vec::new();
            // The keys' places, found once for the object (the last of a
            // duplicated key, as the schema reads it).
            let key_spans: std::collections::HashMap<&str, Span> = match node.map(|n| &n.value) {
                Some(Value::Object(members)) => members
                    .iter()
                    .map(|m| (m.key.as_str(), m.key_span))
                    .collect(),
                _ => Default::default(),
            };
            let (described, counted) = unexpected.split_at(unexpected.len().min(room));
            for name in described {
                let key_span = key_spans.get(name.as_str()).copied().unwrap_or(span);
                if yaml && name == "<<" {
                    sink.emit(
                        &UNKNOWN_FIELD,
                        key_span,
                        "YAML merge keys (`<<`) are not supported",
                    )
                    .with_primary_label("a merge key")
                    .with_help("write the merged fields out here: awscluster reads YAML 1.2, which has no merge keys (an alias `*name` of a whole value works)");
                    problems.push(problem(ProblemKind::MergeKey));
                    continue;
                }
                let file = std::sync::Arc::clone(sink.file());
                let d = sink.emit(
                    &UNKNOWN_FIELD,
                    key_span,
                    format!("unknown field `{name}`{}", in_object(path)),
                );
                d.with_primary_label("not a field here");
                let suggestion = suggest::closest(name, known.iter().map(String::as_str));
                match suggestion {
                    // Unsafe: a guess, and the field then means something.
                    Some(best) => d.with_help(format!("did you mean `{best}`?")).with_fix(
                        crate::fix::replace_string(
                            &file.text,
                            key_span,
                            best,
                            crate::fix::Applicability::Unsafe,
                        ),
                    ),
                    None if !known.is_empty() => d.with_help(format!(
                        "the fields here are {}",
                        suggest::list(known.iter().map(String::as_str))
                    )),
                    None => d,
                };
                problems.push(problem(ProblemKind::Unknown {
                    key: name.clone(),
                    suggestion: suggestion.map(str::to_string),
                }));
            }
            problems.extend(counted.iter().map(|name| {
                problem(ProblemKind::Unknown {
                    key: name.clone(),
                    suggestion: None,
                })
            }));
            problems
        }
        ValidationErrorKind::Required { property } => {
            let name = property.as_str().unwrap_or_default();
            let at = required_span(root, path);
            sink.emit(
                &INVALID_VALUE,
                at,
                format!("missing required field `{name}`{}", in_object(path)),
            )
            .with_primary_label(format!("`{name}` is required here"));
            vec![problem(ProblemKind::Missing(name.to_string()))]
        }
        other => {
            report_invalid(root, schema, error, sink, other, node, span, &field);
            vec![problem(ProblemKind::Invalid)]
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn report_invalid(
    root: &Node,
    schema: &Json,
    error: &jsonschema::ValidationError,
    sink: &mut Sink,
    kind: &ValidationErrorKind,
    node: Option<&Node>,
    span: Span,
    field: &str,
) {
    let path = error.instance_path().as_str();
    match kind {
        ValidationErrorKind::Type { kind } => {
            let expected = match kind {
                TypeKind::Single(t) => article(&t.to_string()),
                TypeKind::Multiple(set) => set
                    .iter()
                    .map(|t| article(&t.to_string()))
                    .collect::<Vec<_>>()
                    .join(" or "),
            };
            let found = node.map_or("nothing", |n| n.value.type_name());
            sink.emit(
                &INVALID_VALUE,
                span,
                format!("{field} must be {expected}, found {found}"),
            )
            .with_primary_label(format!("expected {expected}"));
        }
        ValidationErrorKind::Enum { options } => {
            let allowed: Vec<&str> = options
                .as_array()
                .map(|a| a.iter().filter_map(Json::as_str).collect())
                .unwrap_or_default();
            let d = sink.emit(
                &INVALID_VALUE,
                span,
                format!(
                    "{field} must be one of {}",
                    suggest::list(allowed.iter().copied())
                ),
            );
            d.with_primary_label("not an allowed value");
            if let Some(best) = node
                .and_then(Node::as_str)
                .and_then(|v| suggest::closest(v, allowed.iter().copied()))
            {
                d.with_help(format!("did you mean `{best}`?"));
            }
        }
        ValidationErrorKind::OneOfNotValid { .. }
        | ValidationErrorKind::OneOfMultipleValid { .. } => {
            let options = one_of_required(schema, error.schema_path().as_str());
            let message = if options.is_empty() {
                format!("{field} does not match any of the forms it can take")
            } else {
                format!(
                    "{field} needs exactly one of {}",
                    suggest::list(options.iter().map(String::as_str))
                )
            };
            sink.emit(&INVALID_VALUE, object_span(root, path), message);
        }
        ValidationErrorKind::Minimum { limit } => {
            sink.emit(
                &INVALID_VALUE,
                span,
                format!("{field} must be at least {limit}"),
            );
        }
        ValidationErrorKind::MinItems { limit } => {
            sink.emit(
                &INVALID_VALUE,
                span,
                format!(
                    "{field} must have at least {limit} item{}",
                    if *limit == 1 { "" } else { "s" }
                ),
            );
        }
        ValidationErrorKind::MaxItems { limit } => {
            let count = match node.map(|n| &n.value) {
                Some(Value::Array(items)) => items.len(),
                _ => 0,
            };
            sink.emit(
                &INVALID_VALUE,
                object_span(root, path),
                format!("{field} has {count} items; a spec takes at most {limit}"),
            )
            .with_help("the most is from AWS's own limits: no cluster can use more");
        }
        ValidationErrorKind::MinLength { limit } => {
            sink.emit(
                &INVALID_VALUE,
                span,
                format!(
                    "{field} must be at least {limit} character{} long",
                    if *limit == 1 { "" } else { "s" }
                ),
            );
        }
        _ => {
            sink.emit(&INVALID_VALUE, span, format!("{field}: {}", error.masked()));
        }
    }
}

/// "`nodePools[1].size`" for a pointer, for messages.
fn field_name(pointer: &str) -> String {
    if pointer.is_empty() {
        return "the spec".to_string();
    }
    let mut out = String::new();
    for segment in pointer.trim_start_matches('/').split('/') {
        let segment = segment.replace("~1", "/").replace("~0", "~");
        if segment.bytes().all(|b| b.is_ascii_digit()) {
            out.push_str(&format!("[{segment}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&segment);
        }
    }
    format!("`{out}`")
}

fn in_object(pointer: &str) -> String {
    if pointer.is_empty() {
        String::new()
    } else {
        format!(" in {}", field_name(pointer))
    }
}

fn article(t: &str) -> String {
    match t {
        "integer" | "object" | "array" => format!("an {t}"),
        "null" => t.to_string(),
        _ => format!("a {t}"),
    }
}

/// Where a missing field should have been: the key of the object that lacks
/// it (short and easy to spot), or the start of the document.
fn required_span(root: &Node, pointer: &str) -> Span {
    root.key_span_at(pointer)
        .unwrap_or_else(|| object_span(root, pointer))
}

fn object_span(root: &Node, pointer: &str) -> Span {
    if let Some(key) = root.key_span_at(pointer) {
        return key;
    }
    let node = root.pointer(pointer).unwrap_or(root);
    match &node.value {
        // An array element or the root: its opening bracket (for YAML, its
        // first key), rather than the whole block.
        Value::Object(members)
            if !members.is_empty() && node.span.start == members[0].key_span.start =>
        {
            members[0].key_span
        }
        Value::Object(_) | Value::Array(_) => {
            Span::new(node.span.start as usize, node.span.start as usize + 1)
        }
        _ => node.span,
    }
}

/// The properties the schema allows where `additionalProperties` failed.
fn known_properties(schema: &Json, keyword_path: &str) -> Vec<String> {
    let object_path = keyword_path
        .strip_suffix("/additionalProperties")
        .unwrap_or(keyword_path);
    schema
        .pointer(object_path)
        .and_then(|s| s.get("properties"))
        .and_then(Json::as_object)
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default()
}

/// For a `oneOf` of `required` alternatives, the alternatives' names.
fn one_of_required(schema: &Json, keyword_path: &str) -> Vec<String> {
    schema
        .pointer(keyword_path)
        .and_then(Json::as_array)
        .map(|alternatives| {
            alternatives
                .iter()
                .filter_map(|a| {
                    a.get("required")?
                        .as_array()?
                        .first()?
                        .as_str()
                        .map(String::from)
                })
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::rules::spec::{invalid_value::INVALID_VALUE, unknown_field::UNKNOWN_FIELD};
    use crate::rules::testing::{at, base, fires, with};

    /// Unsafe (the field then means something): the closest known name,
    /// in the key alone.
    #[test]
    fn the_fix_renames_a_misspelt_field_when_unsafe_fixes_are_allowed() {
        let spec = with(|s| {
            let t = s["nodePools"][1]
                .as_object_mut()
                .and_then(|p| p.remove("instanceType"))
                .expect("a type");
            s["nodePools"][1]["instanceTyp"] = t;
        });
        let text = serde_json::to_string_pretty(&spec).expect("json");
        assert_eq!(
            crate::fix::fixed_by(
                &UNKNOWN_FIELD,
                "s.json",
                &text,
                crate::fix::Applicability::Unsafe,
                &crate::rules::testing::lint_text
            ),
            text.replace("\"instanceTyp\"", "\"instanceType\"")
        );
    }

    #[test]
    fn unknown_fields_point_at_the_key_and_suggest_the_closest() {
        let spec = with(|s| s["nodePools"][0]["instanceTyp"] = json!("m5.large"));
        let found = fires(&UNKNOWN_FIELD, &spec);
        assert_eq!(at(&found[0]), "\"instanceTyp\"");
        assert_eq!(
            found[0].message,
            "unknown field `instanceTyp` in `nodePools[0]`"
        );
        assert_eq!(
            found[0].help.as_deref(),
            Some("did you mean `instanceType`?")
        );
    }

    #[test]
    fn type_errors_name_the_field_and_the_types() {
        let spec = with(|s| s["nodePools"][1]["size"] = json!("three"));
        let found = fires(&INVALID_VALUE, &spec);
        assert_eq!(
            found[0].message,
            "`nodePools[1].size` must be an integer, found a string"
        );
        assert_eq!(at(&found[0]), "\"three\"");
    }

    #[test]
    fn missing_fields_point_at_the_object_that_lacks_them() {
        let spec = with(|s| {
            s["nodePools"][0]
                .as_object_mut()
                .unwrap()
                .remove("instanceType");
        });
        let found = fires(&INVALID_VALUE, &spec);
        assert_eq!(
            found[0].message,
            "missing required field `instanceType` in `nodePools[0]`"
        );
        assert_eq!(at(&found[0]), "{");

        let spec = with(|s| {
            s.as_object_mut().unwrap().remove("region");
        });
        let found = fires(&INVALID_VALUE, &spec);
        assert_eq!(found[0].message, "missing required field `region`");
    }

    #[test]
    fn enum_values_suggest_the_closest() {
        let spec = with(|s| s["nodePools"][1]["role"] = json!("wroker"));
        let found = fires(&INVALID_VALUE, &spec);
        assert_eq!(
            found[0].message,
            "`nodePools[1].role` must be one of `master`, `worker`"
        );
        assert_eq!(found[0].help.as_deref(), Some("did you mean `worker`?"));
    }

    /// Lists longer than AWS's limits allow are one finding at the list,
    /// and thousands of wrong values are reported a hundred at a time.
    #[test]
    fn long_lists_and_many_problems_are_bounded() {
        let zones: Vec<String> = (0..40).map(|i| format!("us-east-1{i}")).collect();
        let spec = with(|s| s["placement"]["dynamic"]["availabilityZones"] = json!(zones));
        let found = fires(&INVALID_VALUE, &spec);
        assert_eq!(
            found[0].message,
            "`placement.dynamic.availabilityZones` has 40 items; a spec takes at most 32"
        );
        let tags: serde_json::Map<String, serde_json::Value> =
            (0..5000).map(|i| (format!("k{i}"), json!(i))).collect();
        let spec = with(|s| s["tags"] = serde_json::Value::Object(tags));
        let found = fires(&INVALID_VALUE, &spec);
        assert_eq!(found.len(), 101);
        assert!(
            found
                .iter()
                .any(|d| d.message == "and 4900 more values do not match the schema")
        );
    }

    #[test]
    fn placement_needs_exactly_one_form() {
        let spec = with(|s| s["placement"] = json!({}));
        let found = fires(&INVALID_VALUE, &spec);
        assert_eq!(
            found[0].message,
            "`placement` needs exactly one of `dynamic`, `static`"
        );
        assert_eq!(at(&found[0]), "\"placement\"");
        let mut both = base();
        both["placement"]["static"] =
            json!({"vpcId": "vpc-01234567", "vpcCidr": "10.0.0.0/16", "subnets": []});
        fires(&INVALID_VALUE, &both);
    }
}

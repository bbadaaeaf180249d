//! SARIF 2.1.0, for code scanning (GitHub and others). Every rule is listed
//! with its documentation, so that viewers can explain a result offline.
//!
//! Results are written as they are produced, one at a time, so that the
//! report of a large run needs no more memory than its findings do.
//! Locations count columns and offsets in code points (`columnKind`); files
//! under the current directory are relative URIs against `%SRCROOT%`,
//! others absolute `file:` URIs; message strings double their braces, as
//! SARIF's message format asks (§3.11.5).

use std::io::{self, Write};

use serde::ser::{Serialize, SerializeSeq, Serializer};
use serde_json::{Value, json};

use super::uri::artifact_uri;
use super::{Emitter, INFORMATION_URI, TOOL, VERSION};
use crate::diagnostic::{Diagnostic, Label, Severity};
use crate::rules::{self, Rule};
use crate::run::Outcome;

pub struct Sarif;

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

/// A SARIF message string: literal braces doubled.
fn message(text: &str) -> String {
    text.replace('{', "{{").replace('}', "}}")
}

/// `pools/master-size` → `MasterSize`: SARIF wants an identifier-like name.
fn pascal_name(rule: &Rule) -> String {
    rule.code
        .rsplit('/')
        .next()
        .unwrap_or(rule.code)
        .split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next().map_or(String::new(), |f| {
                f.to_ascii_uppercase().to_string() + c.as_str()
            })
        })
        .collect()
}

fn descriptor(rule: &Rule) -> Value {
    let docs = message(&rule.docs());
    let summary = message(rule.summary());
    let mut configuration = json!({"level": level(rule.default_severity)});
    // SARIF's default is enabled.
    if !rule.on_by_default {
        configuration["enabled"] = json!(false);
    }
    // GitHub code scanning ranks security findings by this, and lists a
    // rule as security only with the tag.
    let properties = match crate::rules::security::security_severity(rule) {
        Some(weight) => {
            let mut tags = vec![rule.group()];
            if rule.group() != "security" {
                tags.push("security");
            }
            json!({"tags": tags, "security-severity": format!("{weight:.1}")})
        }
        None => json!({"tags": [rule.group()]}),
    };
    json!({
        "id": rule.code,
        "name": pascal_name(rule),
        "shortDescription": {"text": summary},
        "fullDescription": {"text": docs},
        "help": {"text": docs, "markdown": format!("**{summary}**\n\n{docs}")},
        "helpUri": rule.help_uri(),
        "defaultConfiguration": configuration,
        "properties": properties
    })
}

fn physical(label: &Label, cwd: &std::path::Path) -> Value {
    let (start, end) = (label.start(), label.end());
    let file = &label.file;
    let (uri, relative) = artifact_uri(&file.path, cwd);
    let mut artifact = json!({"uri": uri});
    if relative {
        artifact["uriBaseId"] = json!("%SRCROOT%");
    }
    let offset = file.char_offset(label.span.start);
    json!({
        "artifactLocation": artifact,
        "region": {
            "startLine": start.line,
            "startColumn": start.column,
            "endLine": end.line,
            "endColumn": end.column,
            "charOffset": offset,
            "charLength": file.char_offset(label.span.end) - offset
        }
    })
}

fn result(d: &Diagnostic, cwd: &std::path::Path) -> Value {
    let index = rules::all().iter().position(|r| r.code == d.rule.code);
    let mut text = d.message.clone();
    if let Some(help) = &d.help {
        text.push_str("\nhelp: ");
        text.push_str(help);
    }
    let mut result = json!({
        "ruleId": d.rule.code,
        "level": level(d.severity),
        "message": {"text": message(&text)},
        "locations": [{"physicalLocation": physical(d.primary(), cwd)}],
    });
    if let Some(i) = index {
        result["ruleIndex"] = json!(i);
    }
    let related: Vec<Value> = d
        .labels
        .iter()
        .skip(1)
        .enumerate()
        .map(|(i, l)| {
            json!({
                "id": i + 1,
                "physicalLocation": physical(l, cwd),
                "message": {"text": message(l.message.as_deref().unwrap_or("related location"))}
            })
        })
        .collect();
    if !related.is_empty() {
        result["relatedLocations"] = Value::Array(related);
    }
    result
}

/// The run's results, serialized one by one as the writer takes them.
struct Results<'a>(&'a Outcome);

impl Serialize for Results<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.0.diagnostics.len()))?;
        for d in &self.0.diagnostics {
            seq.serialize_element(&result(d, &self.0.cwd))?;
        }
        seq.end()
    }
}

#[derive(serde::Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Value,
    column_kind: &'static str,
    results: Results<'a>,
    properties: Value,
}

impl Emitter for Sarif {
    fn emit(&self, outcome: &Outcome, out: &mut dyn io::Write) -> io::Result<()> {
        let log = Log {
            schema: "https://json.schemastore.org/sarif-2.1.0.json",
            version: "2.1.0",
            runs: [Run {
                tool: json!({"driver": {
                    "name": TOOL,
                    "version": VERSION,
                    "semanticVersion": VERSION,
                    "informationUri": INFORMATION_URI,
                    "rules": rules::all().iter().map(|r| descriptor(r)).collect::<Vec<_>>(),
                }}),
                column_kind: "unicodeCodePoints",
                results: Results(outcome),
                properties: json!({"catalogs": {
                    "instanceTypes": crate::catalog::instance_catalog_source(),
                    "quotaDefaults": crate::catalog::quota_defaults_source(),
                    "iamActions": crate::iam::catalog::version(),
                }}),
            }],
        };
        // Serialized through a buffer of its own: serde's many small writes
        // are then plain copies, not calls through `dyn Write`.
        let mut buffered = io::BufWriter::with_capacity(64 * 1024, &mut *out);
        serde_json::to_writer_pretty(&mut buffered, &log)?;
        writeln!(buffered)?;
        buffered.flush()
    }
}

//! SARIF 2.1.0, for code scanning (GitHub and others). Every rule is listed
//! with its documentation, so that viewers can explain a result offline.

use std::io;

use serde_json::{Value, json};

use super::{Emitter, INFORMATION_URI, TOOL, VERSION};
use crate::diagnostic::{Label, Severity};
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
    let docs = rule.docs();
    json!({
        "id": rule.code,
        "name": pascal_name(rule),
        "shortDescription": {"text": rule.summary()},
        "fullDescription": {"text": docs},
        "help": {"text": docs, "markdown": format!("**{}**\n\n{docs}", rule.summary())},
        "defaultConfiguration": {"level": level(rule.default_severity)},
        "properties": {"tags": [rule.group()]}
    })
}

fn physical(label: &Label) -> Value {
    let (start, end) = (label.start(), label.end());
    json!({
        "artifactLocation": {"uri": label.file.display_path(), "uriBaseId": "%SRCROOT%"},
        "region": {
            "startLine": start.line,
            "startColumn": start.column,
            "endLine": end.line,
            "endColumn": end.column,
            "charOffset": label.span.start,
            "charLength": label.span.end - label.span.start
        }
    })
}

impl Emitter for Sarif {
    fn emit(&self, outcome: &Outcome, out: &mut dyn io::Write) -> io::Result<()> {
        let all = rules::all();
        let results: Vec<Value> = outcome
            .diagnostics
            .iter()
            .map(|d| {
                let index = all.iter().position(|r| r.code == d.rule.code);
                let mut text = d.message.clone();
                if let Some(help) = &d.help {
                    text.push_str("\nhelp: ");
                    text.push_str(help);
                }
                let mut result = json!({
                    "ruleId": d.rule.code,
                    "level": level(d.severity),
                    "message": {"text": text},
                    "locations": [{"physicalLocation": physical(d.primary())}],
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
                            "physicalLocation": physical(l),
                            "message": {"text": l.message.as_deref().unwrap_or("related location")}
                        })
                    })
                    .collect();
                if !related.is_empty() {
                    result["relatedLocations"] = Value::Array(related);
                }
                result
            })
            .collect();
        let log = json!({
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [{
                "tool": {"driver": {
                    "name": TOOL,
                    "version": VERSION,
                    "semanticVersion": VERSION,
                    "informationUri": INFORMATION_URI,
                    "rules": all.iter().map(|r| descriptor(r)).collect::<Vec<_>>(),
                }},
                "columnKind": "unicodeCodePoints",
                "results": results,
                "properties": {"catalogs": {
                    "instanceTypes": crate::catalog::instance_catalog_source(),
                    "quotaDefaults": crate::catalog::quota_defaults_source(),
                    "iamActions": crate::iam::catalog::version(),
                }},
            }]
        });
        serde_json::to_writer_pretty(&mut *out, &log)?;
        writeln!(out)
    }
}

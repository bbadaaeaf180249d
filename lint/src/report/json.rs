//! For programs: one JSON document, described by
//! `schemas/report.schema.json`.

use std::io::{self, Write};

use serde::Serialize;

use super::{Emitter, TOOL, VERSION};
use crate::diagnostic::{Diagnostic, Label, Severity};
use crate::run::Outcome;

/// The JSON report's schema, as checked in.
pub const REPORT_SCHEMA: &str = include_str!("../../../schemas/report.schema.json");

/// Version of the report's shape; bumped on incompatible changes.
const REPORT_VERSION: u32 = 1;

pub struct Json;

#[derive(Serialize)]
struct Report<'a> {
    version: u32,
    tool: Tool,
    summary: Summary,
    diagnostics: Diagnostics<'a>,
}

/// The findings, one compact line each (for `grep` as much as for
/// parsers). They are serialized on every core a window at a time, so a
/// large run's report is quick and costs only one window's memory.
struct Diagnostics<'a>(&'a [Diagnostic]);

impl Serialize for Diagnostics<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error, SerializeSeq};
        let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
        crate::run::pool::windows(
            self.0,
            |d| serde_json::value::to_raw_value(&diagnostic(d)),
            |line| seq.serialize_element(&line.map_err(S::Error::custom)?),
        )?;
        seq.end()
    }
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
    catalogs: Catalogs,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Catalogs {
    instance_types: &'static str,
    quota_defaults: &'static str,
    iam_actions: &'static str,
}

#[derive(Serialize)]
struct Summary {
    files: usize,
    errors: usize,
    warnings: usize,
    notes: usize,
    /// Paths that could not be checked.
    failures: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    skipped: Option<usize>,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    code: &'static str,
    severity: Severity,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<&'a str>,
    location: Location,
    labels: Vec<JsonLabel<'a>>,
}

#[derive(Serialize)]
struct JsonLabel<'a> {
    location: Location,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<&'a str>,
    primary: bool,
}

#[derive(Serialize, Clone)]
struct Location {
    file: String,
    start: Position,
    end: Position,
    offset: u32,
    length: u32,
}

#[derive(Serialize, Clone)]
struct Position {
    line: usize,
    column: usize,
}

fn location(label: &Label) -> Location {
    let (start, end) = (label.start(), label.end());
    Location {
        file: label.file.display_path(),
        start: Position {
            line: start.line,
            column: start.column,
        },
        end: Position {
            line: end.line,
            column: end.column,
        },
        offset: label.span.start,
        length: label.span.end - label.span.start,
    }
}

fn diagnostic(d: &Diagnostic) -> JsonDiagnostic<'_> {
    let labels: Vec<JsonLabel> = d
        .labels
        .iter()
        .enumerate()
        .map(|(i, l)| JsonLabel {
            location: location(l),
            message: l.message.as_deref(),
            primary: i == 0,
        })
        .collect();
    JsonDiagnostic {
        code: d.rule.code,
        severity: d.severity,
        message: &d.message,
        help: d.help.as_deref(),
        // The primary label's, already worked out.
        location: labels
            .first()
            .map_or_else(|| location(d.primary()), |l| l.location.clone()),
        labels,
    }
}

impl Emitter for Json {
    fn emit(&self, outcome: &Outcome, out: &mut dyn io::Write) -> io::Result<()> {
        let report = Report {
            version: REPORT_VERSION,
            tool: Tool {
                name: TOOL,
                version: VERSION,
                catalogs: Catalogs {
                    instance_types: crate::catalog::instance_catalog_source(),
                    quota_defaults: crate::catalog::quota_defaults_source(),
                    iam_actions: crate::iam::catalog::version(),
                },
            },
            summary: Summary {
                files: outcome.files.len(),
                errors: outcome.count(Severity::Error),
                warnings: outcome.count(Severity::Warning),
                notes: outcome.count(Severity::Note),
                failures: outcome.failures.len(),
                skipped: outcome.skipped.map(|(n, _)| n),
            },
            diagnostics: Diagnostics(&outcome.diagnostics),
        };
        // Serialized through a buffer of its own: serde's many small writes
        // are then plain copies, not calls through `dyn Write`.
        let mut buffered = io::BufWriter::with_capacity(64 * 1024, &mut *out);
        serde_json::to_writer_pretty(&mut buffered, &report)?;
        writeln!(buffered)?;
        buffered.flush()
    }
}

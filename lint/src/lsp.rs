//! `awscluster lsp`: the linter as a language server over stdio, for spec
//! files (`*.cluster.json|yaml|yml`), IAM policy files (JSON with a
//! top-level `Statement`) and `awscluster.toml`. Each open document is
//! linted from the editor's text on open and on every change, with the
//! configuration the `lint` command would find for it (an open
//! `awscluster.toml` shows its own problems); hover over a finding shows its
//! rule's docs, code actions apply its fix, and completion offers the
//! Regions, the zones of the spec's Region and the instance types offered
//! there.
//!
//! The server is synchronous, as the linter is: one message at a time; a
//! typical spec lints in a few milliseconds (see the README's
//! "Performance").

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use lsp_server::{Connection, Message, Notification, Request, RequestId, Response};
use lsp_types as lsp;
use serde_json::{Value, json};

use crate::diagnostic::{Diagnostic, Rule, Severity, SourceFile, Span};
use crate::error::Error;
use crate::fix::{Applicability, Fix};

/// What an open document is to the linter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Spec,
    Policy,
    Config,
}

fn kind_of(path: &Path, text: &str) -> Option<Kind> {
    let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
    if name == crate::config::FILE_NAME {
        Some(Kind::Config)
    } else if [".cluster.json", ".cluster.yaml", ".cluster.yml"]
        .iter()
        .any(|s| name.ends_with(s))
    {
        Some(Kind::Spec)
    } else if name.ends_with(".json") && text.contains("\"Statement\"") {
        Some(Kind::Policy)
    } else {
        None
    }
}

struct Document {
    path: PathBuf,
    text: String,
    /// The last lint's findings in this document, for hover and actions.
    found: Vec<Shown>,
}

/// A finding in the document, or a problem of the configuration (which is
/// no rule's: it stops every run until fixed).
struct Shown {
    span: Span,
    severity: Severity,
    rule: Option<&'static Rule>,
    message: String,
    fix: Option<Fix>,
}

impl Shown {
    fn of(d: Diagnostic) -> Shown {
        Shown {
            span: d.labels[0].span,
            severity: d.severity,
            rule: Some(d.rule),
            message: match &d.help {
                Some(help) => format!("{}\nhelp: {help}", d.message),
                None => d.message,
            },
            fix: d.fix,
        }
    }
}

/// Serves the protocol on stdio until the client says exit.
pub fn serve() -> Result<(), String> {
    let (connection, threads) = Connection::stdio();
    run(&connection)?;
    drop(connection);
    threads.join().map_err(|e| e.to_string())
}

/// The server loop on any connection (the tests use an in-memory one).
pub fn run(connection: &Connection) -> Result<(), String> {
    let capabilities = json!({
        "textDocumentSync": {"openClose": true, "change": 1},
        "hoverProvider": true,
        "codeActionProvider": {"codeActionKinds": ["quickfix"]},
        "completionProvider": {"triggerCharacters": ["\"", " ", "-"]},
    });
    let (id, _params) = connection.initialize_start().map_err(|e| e.to_string())?;
    connection
        .initialize_finish(
            id,
            json!({
                "capabilities": capabilities,
                "serverInfo": {"name": "awscluster", "version": env!("CARGO_PKG_VERSION")},
            }),
        )
        .map_err(|e| e.to_string())?;
    let mut documents: HashMap<String, Document> = HashMap::new();
    for message in &connection.receiver {
        match message {
            Message::Request(request) => {
                if connection
                    .handle_shutdown(&request)
                    .map_err(|e| e.to_string())?
                {
                    return Ok(());
                }
                let response = answer(&documents, request);
                send(connection, Message::Response(response))?;
            }
            Message::Notification(note) => {
                if let Some(uri) = update(&mut documents, note) {
                    publish(connection, &mut documents, &uri)?;
                }
            }
            Message::Response(_) => {}
        }
    }
    Ok(())
}

fn send(connection: &Connection, message: Message) -> Result<(), String> {
    connection.sender.send(message).map_err(|e| e.to_string())
}

/// Applies a document notification; returns the URI to lint again.
fn update(documents: &mut HashMap<String, Document>, note: Notification) -> Option<String> {
    match note.method.as_str() {
        "textDocument/didOpen" => {
            let params: lsp::DidOpenTextDocumentParams =
                serde_json::from_value(note.params).ok()?;
            let uri = params.text_document.uri.as_str().to_string();
            documents.insert(
                uri.clone(),
                Document {
                    path: path_of(&uri),
                    text: params.text_document.text,
                    found: Vec::new(),
                },
            );
            Some(uri)
        }
        "textDocument/didChange" => {
            let params: lsp::DidChangeTextDocumentParams =
                serde_json::from_value(note.params).ok()?;
            let uri = params.text_document.uri.as_str().to_string();
            let document = documents.get_mut(&uri)?;
            // Full sync: the last change is the whole text.
            let text = params.content_changes.into_iter().last()?.text;
            document.text = text;
            Some(uri)
        }
        "textDocument/didClose" => {
            let params: lsp::DidCloseTextDocumentParams =
                serde_json::from_value(note.params).ok()?;
            documents.remove(params.text_document.uri.as_str());
            None
        }
        _ => None,
    }
}

/// The path a `file:` URI names (percent-decoded); any other URI is taken
/// as a name, for its extension.
fn path_of(uri: &str) -> PathBuf {
    let Some(rest) = uri.strip_prefix("file://") else {
        return PathBuf::from(uri.rsplit('/').next().unwrap_or(uri));
    };
    let bytes = rest.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                out.push((hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0)) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    PathBuf::from(String::from_utf8_lossy(&out).into_owned())
}

/// Lints a document's text as `lint` would the file: the configuration
/// found from its directory, its severities and ignores applied.
fn lint(path: &Path, text: &str) -> Vec<Shown> {
    let check: Check = match kind_of(path, text) {
        None => return Vec::new(),
        Some(Kind::Config) => return configuration_problems(path, text),
        Some(Kind::Spec) => |file, settings| {
            crate::run::spec::check_spec(file, settings, &crate::run::iam::PolicySets::default())
        },
        Some(Kind::Policy) => |file, settings| {
            crate::rules::iam::check_policy(file, crate::iam::Usage::Managed, settings).diagnostics
        },
    };
    let file = Arc::new(SourceFile::from_bytes(path, text.as_bytes().to_vec()));
    let dir = path
        .parent()
        .filter(|d| d.is_dir())
        .map(Path::to_path_buf)
        .or_else(|| std::env::current_dir().ok())
        .unwrap_or_default();
    let request = crate::run::Request::default();
    let found = match crate::run::prepare(&request, &dir) {
        Ok(prepared) => {
            let found = check(&file, &prepared.settings);
            crate::run::finish(&prepared, vec![path.to_path_buf()], found, Vec::new()).diagnostics
        }
        // A broken awscluster.toml: the defaults, rather than nothing.
        Err(_) => check(&file, &crate::rules::Settings::default()),
    };
    found
        .into_iter()
        .filter(|d| d.file().path == path)
        .map(Shown::of)
        .collect()
}

/// How a document's findings are made from its text.
type Check = fn(&Arc<SourceFile>, &crate::rules::Settings) -> Vec<Diagnostic>;

/// The problems `awscluster.toml`'s text has, each with the fix its guess
/// offers (an unknown rule code's closest).
fn configuration_problems(path: &Path, text: &str) -> Vec<Shown> {
    let root = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let file = Arc::new(SourceFile::new(path, text.to_string()));
    let Err(Error::Config { problems, .. }) = crate::config::Config::parse(file, root) else {
        return Vec::new();
    };
    problems
        .into_iter()
        .map(|p| Shown {
            span: p.span,
            severity: Severity::Error,
            rule: None,
            message: p.message,
            fix: p.fix,
        })
        .collect()
}

fn publish(
    connection: &Connection,
    documents: &mut HashMap<String, Document>,
    uri: &str,
) -> Result<(), String> {
    let Some(document) = documents.get_mut(uri) else {
        return Ok(());
    };
    let found = lint(&document.path, &document.text);
    let diagnostics: Vec<Value> = found
        .iter()
        .map(|d| {
            let mut diagnostic = json!({
                "range": range(&document.text, d.span),
                "severity": match d.severity {
                    Severity::Error => 1,
                    Severity::Warning => 2,
                    Severity::Note => 3,
                },
                "code": d.rule.map_or("config/invalid", |r| r.code),
                "source": "awscluster",
                "message": d.message,
            });
            if let Some(rule) = d.rule {
                diagnostic["codeDescription"] = json!({"href": rule.help_uri()});
            }
            diagnostic
        })
        .collect();
    document.found = found;
    send(
        connection,
        Message::Notification(Notification::new(
            "textDocument/publishDiagnostics".to_string(),
            json!({"uri": uri, "diagnostics": diagnostics}),
        )),
    )
}

/// An LSP position (line, UTF-16 code units) of a byte offset.
fn position(text: &str, offset: u32) -> Value {
    let offset = (offset as usize).min(text.len());
    let offset = (0..=offset)
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0);
    let before = &text[..offset];
    let line = before.matches('\n').count();
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    let character: usize = before[start..].chars().map(char::len_utf16).sum();
    json!({"line": line, "character": character})
}

fn range(text: &str, span: crate::diagnostic::Span) -> Value {
    json!({"start": position(text, span.start), "end": position(text, span.end)})
}

/// The byte offset of an LSP position.
fn offset(text: &str, position: &lsp::Position) -> usize {
    let mut at = 0;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        if i == position.line as usize {
            let mut units = 0;
            for (j, c) in line.char_indices() {
                if units >= position.character as usize || c == '\n' {
                    return at + j;
                }
                units += c.len_utf16();
            }
            return at + line.len();
        }
        at += line.len();
    }
    text.len()
}

fn answer(documents: &HashMap<String, Document>, request: Request) -> Response {
    let id: RequestId = request.id.clone();
    let result = match request.method.as_str() {
        "textDocument/hover" => serde_json::from_value::<lsp::HoverParams>(request.params)
            .ok()
            .and_then(|p| {
                let d =
                    documents.get(p.text_document_position_params.text_document.uri.as_str())?;
                hover(d, &p.text_document_position_params.position)
            })
            .unwrap_or(Value::Null),
        "textDocument/codeAction" => {
            serde_json::from_value::<lsp::CodeActionParams>(request.params)
                .ok()
                .and_then(|p| {
                    let uri = p.text_document.uri.as_str().to_string();
                    let d = documents.get(&uri)?;
                    Some(actions(&uri, d, &p.range))
                })
                .unwrap_or(json!([]))
        }
        "textDocument/completion" => {
            serde_json::from_value::<lsp::CompletionParams>(request.params)
                .ok()
                .and_then(|p| {
                    let d = documents.get(p.text_document_position.text_document.uri.as_str())?;
                    Some(complete(
                        &d.path,
                        &d.text,
                        &p.text_document_position.position,
                    ))
                })
                .unwrap_or(json!([]))
        }
        _ => {
            return Response::new_err(
                id,
                lsp_server::ErrorCode::MethodNotFound as i32,
                format!("awscluster does not answer {}", request.method),
            );
        }
    };
    Response::new_ok(id, result)
}

fn hover(document: &Document, position: &lsp::Position) -> Option<Value> {
    let at = offset(&document.text, position);
    let (d, rule) = document.found.iter().find_map(|d| {
        let holds = d.span.start as usize <= at && at <= d.span.end as usize;
        Some((d, d.rule.filter(|_| holds)?))
    })?;
    Some(json!({
        "contents": {
            "kind": "markdown",
            "value": format!("**{}** ({})\n\n{}\n\n{}", rule.code, d.severity.as_str(), rule.summary(), rule.docs()),
        },
        "range": range(&document.text, d.span),
    }))
}

fn actions(uri: &str, document: &Document, wanted: &lsp::Range) -> Value {
    let (from, to) = (
        offset(&document.text, &wanted.start),
        offset(&document.text, &wanted.end),
    );
    let list: Vec<Value> = document
        .found
        .iter()
        .filter(|d| (d.span.start as usize) <= to && from <= d.span.end as usize)
        .filter_map(|d| {
            let fix = d.fix.as_ref()?;
            let edits: Vec<Value> = fix
                .edits
                .iter()
                .map(|e| json!({"range": range(&document.text, e.span), "newText": e.replacement}))
                .collect();
            let unsafe_ = fix.applicability == Applicability::Unsafe;
            Some(json!({
                "title": format!("{}{}", fix.title, if unsafe_ { " (may change meaning)" } else { "" }),
                "kind": "quickfix",
                "isPreferred": !unsafe_,
                "edit": {"changes": {uri: edits}},
            }))
        })
        .collect();
    Value::Array(list)
}

/// Completion of the values the catalogs know, by the key being written:
/// `region`, a zone in `availabilityZones`, an `instanceType` offered in
/// the spec's Region.
fn complete(path: &Path, text: &str, position: &lsp::Position) -> Value {
    let at = offset(text, position);
    let before = &text[..at];
    let catalog = crate::catalog::instances();
    let region = spec_region(path, text).filter(|r| catalog.has_region(r));
    let key = current_key(before);
    let (values, detail): (Vec<String>, &str) = match key.as_deref() {
        Some("region") => (
            catalog.regions().map(str::to_string).collect(),
            "AWS Region",
        ),
        Some("availabilityZones") => match &region {
            Some(r) => (
                catalog.zones(r).into_iter().map(str::to_string).collect(),
                "Availability Zone",
            ),
            None => (Vec::new(), ""),
        },
        Some("instanceType") => (
            catalog
                .names()
                .filter(|t| {
                    region
                        .as_deref()
                        .is_none_or(|r| catalog.offered_in_region(t, r) != Some(false))
                })
                .map(str::to_string)
                .collect(),
            "instance type",
        ),
        _ => (Vec::new(), ""),
    };
    let items: Vec<Value> = values
        .into_iter()
        .map(|v| json!({"label": v, "kind": 12, "detail": detail}))
        .collect();
    Value::Array(items)
}

/// The spec's `region`: from the document when it parses, else from the
/// last text that did not end mid-value (a line `region: X`).
fn spec_region(path: &Path, text: &str) -> Option<String> {
    let file = SourceFile::from_bytes(path, text.as_bytes().to_vec());
    if let Ok(root) = crate::source::parse(&file) {
        return root.get("region")?.as_str().map(str::to_string);
    }
    text.lines().find_map(|line| {
        let rest = line.trim_start().trim_start_matches(['"', '\'']);
        let rest = rest.strip_prefix("region")?;
        let value = rest
            .trim_start_matches(['"', '\''])
            .trim_start()
            .strip_prefix(':')?
            .trim()
            .trim_matches([',', '"', '\'', ' ']);
        Some(value.to_string())
    })
}

/// The key whose value the text before the cursor is in: the last key on
/// the cursor's line, or, inside a list, the key that opened it.
fn current_key(before: &str) -> Option<String> {
    let keys = ["region", "availabilityZones", "instanceType"];
    let key_on = |line: &str| -> Option<String> {
        keys.iter()
            .filter_map(|k| line.rfind(k).map(|i| (i, *k)))
            .filter(|(i, k)| {
                let after = line[i + k.len()..].trim_start_matches(['"', '\'']);
                after.trim_start().starts_with(':')
            })
            .max_by_key(|(i, _)| *i)
            .map(|(_, k)| k.to_string())
    };
    let line = before.rsplit('\n').next().unwrap_or(before);
    if let Some(key) = key_on(line) {
        return Some(key);
    }
    // A list item line: the nearest list-opening key above, unless a list
    // closed in between.
    for line in before.rsplit('\n').skip(1).take(50) {
        if line.contains(']') && !line.contains('[') {
            return None;
        }
        if let Some(key) = key_on(line) {
            return (key == "availabilityZones").then_some(key);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_utf16_units_and_go_both_ways() {
        let text = "a\n\"é😀x\": 1\n";
        let x = text.find('x').expect("x") as u32;
        assert_eq!(position(text, x), json!({"line": 1, "character": 4}));
        let back = offset(
            text,
            &lsp::Position {
                line: 1,
                character: 4,
            },
        );
        assert_eq!(back, x as usize);
    }

    #[test]
    fn the_region_is_the_specs_even_mid_edit() {
        let path = Path::new("s.cluster.json");
        let whole = r#"{"description": "region eu", "region": "us-east-2"}"#;
        assert_eq!(spec_region(path, whole).as_deref(), Some("us-east-2"));
        let typing = "name: x\nregion: eu-west-1\nnodePools:\n  - instanceType: [";
        assert_eq!(
            spec_region(Path::new("s.cluster.yaml"), typing).as_deref(),
            Some("eu-west-1")
        );
    }

    #[test]
    fn file_uris_are_decoded() {
        assert_eq!(
            path_of("file:///tmp/a%20b/x.cluster.json"),
            PathBuf::from("/tmp/a b/x.cluster.json")
        );
    }

    #[test]
    fn the_key_being_written_is_found_on_the_line_or_above_a_list_item() {
        assert_eq!(
            current_key("  \"region\": \"us-").as_deref(),
            Some("region")
        );
        assert_eq!(
            current_key("availabilityZones:\n  - us-east-1a\n  - ").as_deref(),
            Some("availabilityZones")
        );
        assert_eq!(
            current_key("  instanceType: m7").as_deref(),
            Some("instanceType")
        );
        assert_eq!(current_key("  name: x"), None);
    }
}

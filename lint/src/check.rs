//! Linting one spec file, from text to findings.

use std::sync::Arc;

use crate::diagnostic::Diagnostic;
use crate::layout::Layout;
use crate::rules::security::credentials_in_spec::secret_spans;
use crate::rules::spec::{
    duplicate_key::DUPLICATE_KEY, invalid_value::INVALID_VALUE, syntax::SYNTAX,
};
use crate::rules::{self, Context, Settings, Sink};
use crate::source::{self, SourceFile};
use crate::spec::{self, ClusterSpec};

/// Lints a file's raw content. Text that is not UTF-8 is a finding at the
/// first bad byte (the rest is shown as best it can be), never an error.
pub fn check_bytes(path: &std::path::Path, bytes: Vec<u8>, settings: &Settings) -> Vec<Diagnostic> {
    match String::from_utf8(bytes) {
        Ok(text) => check_spec(&Arc::new(SourceFile::new(path, text)), settings),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
            let file = Arc::new(SourceFile::new(path, text));
            let mut sink = Sink::new(Arc::clone(&file));
            // The bad byte became U+FFFD in the lossy copy: underline all of it.
            sink.emit(
                &SYNTAX,
                crate::source::Span::new(at, at + char::REPLACEMENT_CHARACTER.len_utf8()),
                "the file is not UTF-8 text",
            )
            .with_help("save the spec as UTF-8");
            sink.into_diagnostics()
        }
    }
}

/// The spec's `iam.policies` as written, when it is a list of strings.
fn policy_paths(root: &source::Node) -> Option<Vec<crate::spec::Spanned<String>>> {
    let source::Value::Array(items) = &root.pointer("/iam/policies")?.value else {
        return None;
    };
    items
        .iter()
        .map(|n| {
            n.as_str()
                .map(|s| crate::spec::Spanned::new(n.span, s.to_string()))
        })
        .collect()
}

/// Every finding for one spec file, sorted by position.
///
/// The stages stop early where going on would only produce noise: a file
/// that does not parse gets one syntax finding; a spec that does not match
/// the schema gets its schema findings (and the checks that work on any
/// document), not the semantic rules, which assume a well-formed spec.
pub fn check_spec(file: &Arc<SourceFile>, settings: &Settings) -> Vec<Diagnostic> {
    let mut sink = Sink::new(Arc::clone(file));
    let root = match source::parse(file) {
        Ok(root) => root,
        Err(error) => {
            let d = sink.emit(&SYNTAX, error.span, error.message);
            if let Some(help) = error.help {
                d.with_help(help);
            }
            return sink.into_diagnostics();
        }
    };
    for dup in source::duplicate_keys(&root) {
        sink.emit(
            &DUPLICATE_KEY,
            dup.again,
            format!("duplicate key `{}`", dup.key),
        )
        .with_primary_label("defined again here")
        .with_label(dup.first, "first defined here")
        .with_help("remove one of them: tools disagree on which one wins");
    }
    rules::run_tree_rules(&root, &mut sink);
    // The policies a spec names can take as long to check as the spec
    // itself: the first time they are seen, check them on another core
    // while the spec is checked here.
    let policies = policy_paths(&root);
    let list = root.key_span_at("/iam/policies").unwrap_or(root.span);
    std::thread::scope(|scope| {
        let early = policies
            .as_ref()
            .filter(|p| !p.is_empty() && !crate::iam::run::is_cached(file, p, settings))
            .map(|p| {
                scope.spawn(move || crate::iam::run::check_spec_policies(file, p, list, settings))
            });
        if !spec::schema::validate(&root, &mut sink) {
            return;
        }
        match spec::de::from_node::<ClusterSpec>(&root) {
            Ok(spec) => {
                let layout = Layout::of(&spec);
                let mut cx = Context {
                    spec: &spec,
                    root: &root,
                    layout: &layout,
                    settings,
                    sink: &mut sink,
                };
                rules::run_spec_rules(&mut cx);
                let found = match (early, &policies) {
                    (Some(handle), _) => handle
                        .join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                    (None, Some(p)) if !p.is_empty() => {
                        crate::iam::run::check_spec_policies(file, p, list, settings)
                    }
                    _ => Vec::new(),
                };
                sink.extend(found);
            }
            // The schema is generated from the model, so this means they
            // disagree; still a finding at the value, never a panic.
            Err(error) => {
                sink.emit(
                    &INVALID_VALUE,
                    error.span.unwrap_or(root.span),
                    error.message,
                );
            }
        }
    });
    let mut diagnostics = sink.into_diagnostics();
    // Reports quote the source; a secret in it must not travel further
    // (into CI logs), whichever finding's excerpt would show it.
    let secrets = secret_spans(&root);
    if !secrets.is_empty() {
        let masked = Arc::new(file.masked(&secrets));
        for label in diagnostics.iter_mut().flat_map(|d| d.labels.iter_mut()) {
            if Arc::ptr_eq(&label.file, file) {
                label.file = Arc::clone(&masked);
            }
        }
    }
    diagnostics.sort_by_cached_key(Diagnostic::sort_key);
    diagnostics
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every prefix of a valid spec, and every single-byte corruption of its
    /// first 512 bytes, lints without panicking, in both formats.
    #[test]
    fn damaged_input_never_panics() {
        let settings = Settings::default();
        let fixtures = [
            (
                "d.cluster.json",
                include_str!("../../fixtures/clusters/default.cluster.json"),
            ),
            (
                "s.cluster.yaml",
                include_str!("../../fixtures/clusters/static.cluster.yaml"),
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

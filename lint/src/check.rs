//! Linting one spec file, from text to findings.

use std::sync::Arc;

use crate::diagnostic::Diagnostic;
use crate::layout::Layout;
use crate::rules::spec::{duplicate_key::DUPLICATE_KEY, invalid_value::INVALID_VALUE, syntax::SYNTAX};
use crate::rules::{self, Context, Settings, Sink};
use crate::source::{self, SourceFile};
use crate::spec::{self, ClusterSpec};

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
        sink.emit(&DUPLICATE_KEY, dup.again, format!("duplicate key `{}`", dup.key))
            .with_primary_label("defined again here")
            .with_label(dup.first, "first defined here")
            .with_help("remove one of them: tools disagree on which one wins");
    }
    rules::run_tree_rules(&root, &mut sink);
    if spec::schema::validate(&root, &mut sink) {
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
            }
            // The schema is generated from the model, so this means they
            // disagree; still a finding at the value, never a panic.
            Err(error) => {
                sink.emit(&INVALID_VALUE, error.span.unwrap_or(root.span), error.message);
            }
        }
    }
    let mut diagnostics = sink.into_diagnostics();
    diagnostics.sort_by_cached_key(Diagnostic::sort_key);
    diagnostics
}

//! The one finding type every check produces, the rules that produce them,
//! and the files they point into.
//!
//! Findings are data: a rule that finds a problem returns a [`Diagnostic`],
//! never an `Err`. `Err` is reserved for the tool failing to do its job.
//! This module depends on nothing else in the crate, so that every layer
//! (readers, rules, runs, reports) can use it.

pub mod escape;
pub mod fix;
mod rule;
mod sink;
mod text;

pub use rule::Rule;
pub(crate) use rule::declare_rule;
pub use sink::Sink;
pub use text::{LineCol, SourceFile, Span};

use std::fmt;
use std::sync::Arc;

use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A place in a file, with what to say about it.
#[derive(Clone, Debug)]
pub struct Label {
    pub file: Arc<SourceFile>,
    pub span: Span,
    pub message: Option<String>,
}

impl Label {
    pub fn start(&self) -> LineCol {
        self.file.line_col(self.span.start)
    }

    /// The position just past the span; an empty span ends where it starts.
    pub fn end(&self) -> LineCol {
        self.file.line_col(self.span.end)
    }
}

/// One finding: which rule, how severe, what, where and what to do.
#[derive(Clone, Debug)]
pub struct Diagnostic {
    pub rule: &'static Rule,
    pub severity: Severity,
    pub message: String,
    /// The first label is the primary location; the others add context.
    pub labels: Vec<Label>,
    pub help: Option<String>,
    /// An edit of the finding's file that resolves it (`--fix`, an
    /// editor's code action).
    pub fix: Option<fix::Fix>,
}

impl Diagnostic {
    pub fn new(
        rule: &'static Rule,
        file: &Arc<SourceFile>,
        span: Span,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            rule,
            severity: rule.default_severity,
            message: message.into(),
            labels: vec![Label {
                file: Arc::clone(file),
                span: file.clamp(span),
                message: None,
            }],
            help: None,
            fix: None,
        }
    }

    pub fn code(&self) -> &'static str {
        self.rule.code
    }

    pub fn primary(&self) -> &Label {
        &self.labels[0]
    }

    pub fn file(&self) -> &Arc<SourceFile> {
        &self.primary().file
    }

    /// Text under the primary location's underline.
    pub fn with_primary_label(&mut self, message: impl Into<String>) -> &mut Self {
        self.labels[0].message = Some(message.into());
        self
    }

    /// Another location in the same file.
    pub fn with_label(&mut self, span: Span, message: impl Into<String>) -> &mut Self {
        let file = Arc::clone(self.file());
        self.with_label_in(file, span, message)
    }

    /// A location in another file (a policy a spec refers to, say).
    pub fn with_label_in(
        &mut self,
        file: Arc<SourceFile>,
        span: Span,
        message: impl Into<String>,
    ) -> &mut Self {
        self.labels.push(Label {
            span: file.clamp(span),
            file,
            message: Some(message.into()),
        });
        self
    }

    pub fn with_fix(&mut self, fix: fix::Fix) -> &mut Self {
        self.fix = Some(fix);
        self
    }

    pub fn with_help(&mut self, help: impl Into<String>) -> &mut Self {
        self.help = Some(help.into());
        self
    }

    /// Orders findings by file, position, then code, so output is stable
    /// whatever order the rules ran in.
    pub fn order(&self, other: &Diagnostic) -> std::cmp::Ordering {
        fn shown(file: &SourceFile) -> &[u8] {
            let path = file.path.as_os_str().as_encoded_bytes();
            path.strip_prefix(b"./").unwrap_or(path)
        }
        let (a, b) = (self.file(), other.file());
        let by_file = if Arc::ptr_eq(a, b) {
            std::cmp::Ordering::Equal
        } else {
            shown(a).cmp(shown(b))
        };
        by_file
            .then(self.primary().span.cmp(&other.primary().span))
            .then(self.rule.code.cmp(other.rule.code))
    }
}

//! The one finding type every check produces, and how it renders with miette.
//!
//! Findings are data: a rule that finds a problem returns a [`Diagnostic`],
//! never an `Err`. `Err` is reserved for the tool failing to do its job.

use std::fmt;
use std::sync::Arc;

use serde::Serialize;

use crate::rules::Rule;
use crate::source::{LineCol, SourceFile, Span};

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
                span,
                message: None,
            }],
            help: None,
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
            file,
            span,
            message: Some(message.into()),
        });
        self
    }

    pub fn with_help(&mut self, help: impl Into<String>) -> &mut Self {
        self.help = Some(help.into());
        self
    }

    /// Orders findings by file, position, then code, so output is stable
    /// whatever order the rules ran in.
    pub fn sort_key(&self) -> (String, Span, &'static str) {
        (
            self.file().display_path(),
            self.primary().span,
            self.rule.code,
        )
    }
}

/// miette's view of a diagnostic: the labels in the primary file are drawn
/// on its source; labels in other files become related reports.
pub struct Rendered<'a> {
    diagnostic: &'a Diagnostic,
    source: FileSource,
    related: Vec<RelatedLabel<'a>>,
}

impl<'a> Rendered<'a> {
    pub fn new(diagnostic: &'a Diagnostic) -> Self {
        let file = diagnostic.file();
        let related = diagnostic
            .labels
            .iter()
            .filter(|l| !Arc::ptr_eq(&l.file, file))
            .map(|label| RelatedLabel {
                label,
                source: FileSource::new(&label.file),
            })
            .collect();
        Rendered {
            diagnostic,
            source: FileSource::new(file),
            related,
        }
    }
}

/// A file's text for miette.
struct FileSource {
    file: Arc<SourceFile>,
}

impl FileSource {
    fn new(file: &Arc<SourceFile>) -> Self {
        FileSource {
            file: Arc::clone(file),
        }
    }
}

impl miette::SourceCode for FileSource {
    fn read_span<'b>(
        &'b self,
        span: &miette::SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'b> + 'b>, miette::MietteError> {
        miette::SourceCode::read_span(&*self.file, span, context_lines_before, context_lines_after)
    }
}

impl fmt::Debug for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.diagnostic, f)
    }
}

impl fmt::Display for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diagnostic.message)
    }
}

impl std::error::Error for Rendered<'_> {}

impl miette::Diagnostic for Rendered<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(self.diagnostic.rule.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diagnostic.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Note => miette::Severity::Advice,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.diagnostic
            .help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        let file = self.diagnostic.file();
        Some(Box::new(
            self.diagnostic
                .labels
                .iter()
                .enumerate()
                .filter(|(_, l)| Arc::ptr_eq(&l.file, file))
                .map(|(i, l)| {
                    if i == 0 {
                        miette::LabeledSpan::new_primary_with_span(l.message.clone(), l.span)
                    } else {
                        miette::LabeledSpan::new_with_span(l.message.clone(), l.span)
                    }
                }),
        ))
    }

    fn related<'b>(&'b self) -> Option<Box<dyn Iterator<Item = &'b dyn miette::Diagnostic> + 'b>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(
            self.related.iter().map(|r| r as &dyn miette::Diagnostic),
        ))
    }
}

struct RelatedLabel<'a> {
    label: &'a Label,
    source: FileSource,
}

impl fmt::Debug for RelatedLabel<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.label, f)
    }
}

impl fmt::Display for RelatedLabel<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label.message.as_deref().unwrap_or("related location"))
    }
}

impl std::error::Error for RelatedLabel<'_> {}

impl miette::Diagnostic for RelatedLabel<'_> {
    fn severity(&self) -> Option<miette::Severity> {
        Some(miette::Severity::Advice)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        Some(Box::new(std::iter::once(
            miette::LabeledSpan::new_primary_with_span(None, self.label.span),
        )))
    }
}

//! Where the findings about one file go while it is checked.

use std::sync::Arc;

use super::{Diagnostic, Rule, SourceFile, Span};

pub struct Sink {
    file: Arc<SourceFile>,
    out: Vec<Diagnostic>,
    /// Where the file holds secrets: no excerpt of it may show them.
    secrets: Vec<Span>,
}

impl Sink {
    pub fn new(file: Arc<SourceFile>) -> Sink {
        Sink {
            file,
            out: Vec::new(),
            secrets: Vec::new(),
        }
    }

    pub fn file(&self) -> &Arc<SourceFile> {
        &self.file
    }

    /// Records a finding at `span` and returns it for labels and help.
    pub fn emit(
        &mut self,
        rule: &'static Rule,
        span: Span,
        message: impl Into<String>,
    ) -> &mut Diagnostic {
        let at = self.out.len();
        self.out
            .push(Diagnostic::new(rule, &self.file, span, message));
        &mut self.out[at]
    }

    pub fn len(&self) -> usize {
        self.out.len()
    }

    pub fn is_empty(&self) -> bool {
        self.out.is_empty()
    }

    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.out
    }

    /// Marks a secret in the file: every excerpt of the file, in every
    /// finding and every format, shows it masked.
    pub fn mask(&mut self, secret: Span) {
        self.secrets.push(secret);
    }

    /// The findings, their excerpts of this file masked where it holds
    /// secrets (reports quote the source, and a secret must not travel
    /// further, into CI logs, whichever finding's excerpt would show it).
    pub fn into_diagnostics(self) -> Vec<Diagnostic> {
        let mut out = self.out;
        if !self.secrets.is_empty() {
            let masked = Arc::new(self.file.masked(&self.secrets));
            for label in out.iter_mut().flat_map(|d| d.labels.iter_mut()) {
                if Arc::ptr_eq(&label.file, &self.file) {
                    label.file = Arc::clone(&masked);
                }
            }
        }
        out
    }

    /// Adds findings made elsewhere (in other files, say).
    pub fn extend(&mut self, found: impl IntoIterator<Item = Diagnostic>) {
        self.out.extend(found);
    }
}

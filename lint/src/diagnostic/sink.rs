//! Where the findings about one file go while it is checked.

use std::sync::Arc;

use super::{Diagnostic, Rule, SourceFile, Span};

pub struct Sink {
    file: Arc<SourceFile>,
    out: Vec<Diagnostic>,
}

impl Sink {
    pub fn new(file: Arc<SourceFile>) -> Sink {
        Sink {
            file,
            out: Vec::new(),
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

    pub fn into_diagnostics(self) -> Vec<Diagnostic> {
        self.out
    }

    /// Adds findings made elsewhere (in other files, say).
    pub fn extend(&mut self, found: impl IntoIterator<Item = Diagnostic>) {
        self.out.extend(found);
    }
}

//! For people: each finding with its source excerpt, then a summary line.
//!
//! ```text
//! pools/master-size
//!
//!   × a master pool of 2 nodes
//!     ╭─[spec.cluster.json:41:15]
//!  40 │       "role": "master",
//!  41 │       "size": 2,
//!     ·               ┬
//!     ·               ╰── must be 1, 3 or 5
//!  42 │       "instanceType": "m7i.large",
//!     ╰────
//!   help: use 3, which tolerates the loss of one node
//! ```
//!
//! Everything that comes from the input (messages quote it, excerpts and
//! file names are it) is shown with control and bidirectional characters
//! escaped. Messages and help wrap to the width, never inside a word, a
//! `code span` or an ARN. The header's position is the primary label's,
//! its column counted in code points as in every other format.

mod excerpt;
mod wrap;

use std::io;
use std::sync::Arc;

use super::{Emitter, Style};
use crate::diagnostic::escape::escape;
use crate::diagnostic::{Diagnostic, Label, Severity, SourceFile};
use crate::run::Outcome;

pub use wrap::wrap;

pub struct Human {
    pub style: Style,
}

impl Emitter for Human {
    fn emit(&self, outcome: &Outcome, out: &mut dyn io::Write) -> io::Result<()> {
        for diagnostic in &outcome.diagnostics {
            out.write_all(render_diagnostic(diagnostic, self.style).as_bytes())?;
        }
        writeln!(out, "{}", summary(outcome))
    }
}

/// Colours, when the style asks for them.
pub(crate) struct Paint {
    color: bool,
    severity: Severity,
}

impl Paint {
    fn code(&self, severity: Severity) -> &'static str {
        match severity {
            Severity::Error => "\x1b[31m",
            Severity::Warning => "\x1b[33m",
            Severity::Note => "\x1b[36m",
        }
    }

    fn wrap(&self, text: &str, code: &str) -> String {
        if self.color {
            format!("{code}{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    fn severity(&self, text: &str) -> String {
        self.wrap(text, self.code(self.severity))
    }

    fn label(&self, text: &str, primary: bool) -> String {
        if primary {
            self.severity(text)
        } else {
            self.wrap(text, "\x1b[34m")
        }
    }

    fn bold(&self, text: &str) -> String {
        self.wrap(text, "\x1b[1m")
    }
}

/// What the human format shows of a finding or of an error.
pub(crate) struct View<'a> {
    pub code: Option<&'a str>,
    pub severity: Severity,
    pub message: &'a str,
    /// The first is the primary location.
    pub labels: &'a [Label],
    pub help: Option<&'a str>,
}

pub(crate) fn render_diagnostic(d: &Diagnostic, style: Style) -> String {
    render(
        &View {
            code: Some(d.rule.code),
            severity: d.severity,
            message: &d.message,
            labels: &d.labels,
            help: d.help.as_deref(),
        },
        style,
    )
}

pub(crate) fn render(view: &View, style: Style) -> String {
    let paint = Paint {
        color: style.color,
        severity: view.severity,
    };
    let width = style.width.max(40);
    let mut out = String::new();
    if let Some(code) = view.code {
        out.push_str(&paint.bold(&paint.severity(code)));
        out.push_str("\n\n");
    }
    let symbol = match view.severity {
        Severity::Error => "×",
        Severity::Warning => "⚠",
        Severity::Note => "☞",
    };
    let first = format!("  {} ", paint.severity(symbol));
    let message = wrap(&escape(view.message), width, "    ", "    ");
    out.push_str(&first);
    out.push_str(message.trim_start());
    out.push('\n');

    // One excerpt per file, the primary file first.
    let mut files: Vec<&Arc<SourceFile>> = Vec::new();
    for label in view.labels {
        if !files.iter().any(|f| Arc::ptr_eq(f, &label.file)) {
            files.push(&label.file);
        }
    }
    for (i, file) in files.iter().enumerate() {
        let labels: Vec<(&Label, bool)> = view
            .labels
            .iter()
            .enumerate()
            .filter(|(_, l)| Arc::ptr_eq(&l.file, file))
            .map(|(j, l)| (l, i == 0 && j == 0))
            .collect();
        excerpt::render(&mut out, file, &labels, width, &paint);
    }
    if let Some(help) = view.help {
        out.push_str(&wrap(&escape(help), width, "  help: ", "        "));
        out.push('\n');
    }
    out.push('\n');
    out
}

/// "Checked 3 files: 1 error, 2 warnings." and its variants.
pub fn summary(outcome: &Outcome) -> String {
    let files = outcome.files.len();
    let mut skipped = match outcome.skipped {
        Some((n, what)) => format!(" Skipped {n} {what}."),
        None => String::new(),
    };
    match outcome.failures.len() {
        0 => {}
        1 => skipped.push_str(" Could not check 1 path (see the error)."),
        n => skipped.push_str(&format!(" Could not check {n} paths (see the errors).")),
    }
    if files == 0 && outcome.failures.is_empty() {
        return format!("{}{skipped}", outcome.looked_for);
    }
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let counts: Vec<String> = [
        (Severity::Error, "error"),
        (Severity::Warning, "warning"),
        (Severity::Note, "note"),
    ]
    .into_iter()
    .map(|(s, word)| (outcome.count(s), word))
    .filter(|(n, _)| *n > 0)
    .map(|(n, word)| plural(n, word))
    .collect();
    let found = if counts.is_empty() {
        "no problems".to_string()
    } else {
        counts.join(", ")
    };
    format!("Checked {}: {found}.{skipped}", plural(files, "file"))
}

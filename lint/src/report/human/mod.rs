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
        if self.style.quiet {
            if outcome.diagnostics.is_empty() && outcome.failures.is_empty() {
                return Ok(());
            }
            return writeln!(out, "{}", summary(outcome));
        }
        // Rendered on every core a window at a time, as the JSON report is.
        crate::run::pool::windows(
            &outcome.diagnostics,
            |d| render_diagnostic(d, self.style),
            |text| out.write_all(text.as_bytes()),
        )?;
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::diagnostic::escape::needs_escape;
    use crate::diagnostic::{Diagnostic, Span};
    use crate::rules::spec::syntax::SYNTAX;

    fn outcome(diagnostics: Vec<Diagnostic>) -> Outcome {
        Outcome {
            files: vec!["x".into()],
            diagnostics,
            deny_warnings: false,
            failures: Vec::new(),
            skipped: None,
            looked_for: String::new(),
            cwd: ".".into(),
        }
    }

    fn render_all(outcome: &Outcome, width: usize) -> String {
        let mut out = Vec::new();
        Human {
            style: Style {
                color: false,
                width,
                quiet: false,
            },
        }
        .emit(outcome, &mut out)
        .unwrap();
        String::from_utf8(out).unwrap()
    }

    /// Every control, C1 and bidirectional character, wherever it comes
    /// from (file name, message, label, help, excerpt), is shown escaped.
    #[test]
    fn nothing_from_the_input_reaches_the_terminal_raw() {
        let nasty = "\u{1b}[2J\u{9b}31m\u{202e}\u{2066}\u{7f}\u{0}\r\u{8}";
        let text = format!("{{\"a\": \"{nasty}\",\n\t\"b\": \"{nasty}\"}}\n");
        let file = Arc::new(SourceFile::new(format!("spec{nasty}.json"), text.clone()));
        let at = text.find('\u{202e}').unwrap();
        let mut d = Diagnostic::new(
            &SYNTAX,
            &file,
            Span::new(at, at + 3),
            format!("bad {nasty}"),
        );
        d.with_primary_label(format!("here {nasty}"))
            .with_label(Span::new(text.rfind('\t').unwrap(), text.len() - 2), nasty)
            .with_help(format!("fix {nasty}"));
        let shown = render_all(&outcome(vec![d]), 100);
        let raw: Vec<char> = shown
            .chars()
            .filter(|&c| needs_escape(c) && c != '\n')
            .collect();
        assert!(raw.is_empty(), "raw {raw:?} in\n{shown}");
        assert!(shown.contains("spec\\u{1b}[2J"), "{shown}");
        assert!(shown.contains("\\u{202e}"), "{shown}");
    }

    #[test]
    fn invalid_bytes_show_as_hex() {
        let file = Arc::new(SourceFile::from_bytes(
            "x.json",
            b"{\"a\": \"\xff\"}".to_vec(),
        ));
        let d = Diagnostic::new(&SYNTAX, &file, Span::new(7, 8), "not UTF-8");
        let shown = render_all(&outcome(vec![d]), 100);
        assert!(shown.contains(r#"{"a": "\xff"}"#), "{shown}");
    }

    /// A label over many lines shows its first lines and its last, and says
    /// how many it leaves out; a file with many labels shows the first few.
    #[test]
    fn long_excerpts_are_capped() {
        let text: String = (0..100).map(|i| format!("line {i}\n")).collect();
        let file = Arc::new(SourceFile::new("x.json", text.clone()));
        let d = Diagnostic::new(&SYNTAX, &file, Span::new(0, text.len() - 1), "all of it");
        let shown = render_all(&outcome(vec![d]), 100);
        assert!(shown.contains("… 95 more lines"), "{shown}");
        assert!(shown.lines().count() < 20, "{shown}");

        let mut d = Diagnostic::new(&SYNTAX, &file, Span::new(0, 4), "many places");
        for i in 1..50 {
            let at = text.find(&format!("line {i}\n")).unwrap();
            d.with_label(Span::new(at, at + 4), "again");
        }
        let shown = render_all(&outcome(vec![d]), 100);
        assert!(
            shown.contains("… and 42 more places in this file"),
            "{shown}"
        );
    }

    /// Messages wrap to the width, but a code span is never broken: the
    /// ARN in it can be copied whole.
    #[test]
    fn messages_wrap_without_breaking_code_spans() {
        let file = Arc::new(SourceFile::new("x.json", "{}".to_string()));
        let arn =
            "arn:aws:iam::123456789012:role/aws-service-role/eks-fargate-pods.amazonaws.com/X";
        let mut d = Diagnostic::new(
            &SYNTAX,
            &file,
            Span::new(0, 1),
            format!("a long message that goes on and on before it names `{arn}` and ends"),
        );
        d.with_help(format!("write `{arn}` instead of what is there now"));
        let shown = render_all(&outcome(vec![d]), 60);
        assert_eq!(shown.matches(arn).count(), 2, "{shown}");
        for line in shown.lines().filter(|l| !l.contains(arn)) {
            assert!(line.chars().count() <= 60, "{line}");
        }
    }
}

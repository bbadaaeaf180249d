//! For GitHub Actions: workflow commands that annotate the pull request's
//! files (`::error file=…,line=…::message`).

use std::io;

use super::Emitter;
use crate::diagnostic::Severity;
use crate::diagnostic::escape::escape;
use crate::run::Outcome;

pub struct Github;

impl Emitter for Github {
    fn emit(&self, outcome: &Outcome, out: &mut dyn io::Write) -> io::Result<()> {
        for d in &outcome.diagnostics {
            let command = match d.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Note => "notice",
            };
            let label = d.primary();
            let (start, end) = (label.start(), label.end());
            // Control and bidirectional characters from the input are shown
            // escaped (the log is read on a terminal, or rendered); the line
            // break before the help is the annotation's own.
            let mut message = escape(&d.message).into_owned();
            if let Some(help) = &d.help {
                message.push_str("\nhelp: ");
                message.push_str(&escape(help));
            }
            writeln!(
                out,
                "::{command} file={},line={},endLine={},col={},endColumn={},title={}::{}",
                property(&escape(&label.file.display_path())),
                start.line,
                end.line,
                start.column,
                end.column,
                property(&format!("awscluster {}", d.rule.code)),
                data(&message),
            )?;
        }
        Ok(())
    }
}

/// Escapes a command's message, as the runner's toolkit does.
fn data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a command property: the message escapes plus `:` and `,`,
/// which separate properties.
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_as_the_actions_toolkit_does() {
        assert_eq!(data("100% done\r\nnext"), "100%25 done%0D%0Anext");
        assert_eq!(property("a:b,c%"), "a%3Ab%2Cc%25");
    }

    #[test]
    fn input_cannot_inject_workflow_commands_or_terminal_sequences() {
        use crate::diagnostic::{Diagnostic, SourceFile, Span};
        let file = std::sync::Arc::new(SourceFile::new("a\u{1b}[31m.json", "x".repeat(10)));
        let d = Diagnostic::new(
            &crate::rules::spec::syntax::SYNTAX,
            &file,
            Span::new(1, 2),
            "bad `\u{1b}]0;title\u{7}` and\n::error::fake and \u{202e}",
        );
        let outcome = crate::run::Outcome {
            files: vec![file.path.clone()],
            diagnostics: vec![d],
            deny_warnings: false,
            failures: Vec::new(),
            skipped: None,
            looked_for: String::new(),
            cwd: std::path::PathBuf::from("."),
        };
        let mut out = Vec::new();
        Github.emit(&outcome, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text.lines().count(), 1, "{text}");
        assert!(
            !text
                .chars()
                .any(|c| crate::diagnostic::escape::needs_escape(c) && c != '\n')
        );
        assert!(text.contains("a\\u{1b}[31m.json"), "{text}");
        assert!(text.contains("\\u{202e}"), "{text}");
    }
}

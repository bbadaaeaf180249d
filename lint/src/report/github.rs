//! For GitHub Actions: workflow commands that annotate the pull request's
//! files (`::error file=…,line=…::message`).

use std::io;

use super::Emitter;
use crate::diagnostic::Severity;
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
            let mut message = d.message.clone();
            if let Some(help) = &d.help {
                message.push_str("\nhelp: ");
                message.push_str(help);
            }
            writeln!(
                out,
                "::{command} file={},line={},endLine={},col={},endColumn={},title={}::{}",
                property(&label.file.display_path()),
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
}

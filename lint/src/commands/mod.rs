//! The linter's commands, behind the command line: each writes its output
//! and returns the exit status, so the binary only parses and dispatches.

use std::io::{self, Write};

use crate::error::Error;
use crate::report::{self, Format, Style};
use crate::rules;
use crate::run::{self, Request};
use crate::suggest;

pub mod fix;
pub mod iam;
pub mod init;

/// Exit status when the tool could not do its job.
pub const EXIT_FAILURE: u8 = 2;

/// `awscluster lint`: findings to `out`, problems running to `err`.
pub fn lint(
    request: &Request,
    cwd: &std::path::Path,
    format: Format,
    style: Style,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<u8> {
    report_outcome(run::lint(request, cwd), format, style, out, err)
}

/// A stream whose reader may stop reading (`awscluster plan | head`):
/// once the pipe is closed, what is written is dropped and the command
/// goes on to its end, so that its exit status is its own and nothing it
/// was doing (an apply) is cut short by a pager.
pub struct UntilClosed<W: Write> {
    inner: W,
    closed: bool,
}

impl<W: Write> UntilClosed<W> {
    pub fn new(inner: W) -> UntilClosed<W> {
        UntilClosed {
            inner,
            closed: false,
        }
    }

    fn outcome<T>(&mut self, result: io::Result<T>, dropped: T) -> io::Result<T> {
        match result {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(dropped)
            }
            other => other,
        }
    }
}

impl<W: Write> Write for UntilClosed<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.closed {
            return Ok(buf.len());
        }
        let result = self.inner.write(buf);
        self.outcome(result, buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.closed {
            return Ok(());
        }
        let result = self.inner.flush();
        self.outcome(result, ())
    }
}

/// `awscluster lsp`: serves until the client says exit.
pub fn lsp() -> Result<(), String> {
    crate::lsp::serve()
}

/// Writes a run's findings (or why it could not run) and returns its exit
/// status.
pub fn report_outcome(
    outcome: Result<run::Outcome, Error>,
    format: Format,
    style: Style,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<u8> {
    let outcome = match outcome {
        Ok(outcome) => outcome,
        Err(e) => {
            // Said if stderr is still there; the status is 2 either way.
            let _ = print_error(&e, style, err);
            return Ok(EXIT_FAILURE);
        }
    };
    // The status is the findings', whatever happens to the output: a
    // reader that stopped reading (`| head`), on stdout or stderr, does not
    // turn errors into 0.
    match report::emitter(format, style).emit(&outcome, out) {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => return Err(e),
        _ => {}
    }
    for failure in &outcome.failures {
        if print_error(failure, style, err).is_err() {
            break;
        }
    }
    Ok(outcome.exit_code())
}

/// Writes an error: with the source excerpt the way findings look when it
/// has one (a bad `awscluster.toml`), else as one line.
pub fn print_error(error: &Error, style: Style, err: &mut dyn Write) -> io::Result<()> {
    match error {
        Error::Config { file, problems } => {
            for crate::error::ConfigProblem { span, message, .. } in problems {
                let labels = [crate::diagnostic::Label {
                    file: std::sync::Arc::clone(file),
                    span: file.clamp(*span),
                    message: None,
                }];
                let text = report::render_view(
                    &report::View {
                        code: Some("config/invalid"),
                        severity: crate::diagnostic::Severity::Error,
                        message,
                        labels: &labels,
                        help: None,
                    },
                    style,
                );
                err.write_all(text.as_bytes())?;
            }
            Ok(())
        }
        other => writeln!(
            err,
            "error: {}",
            crate::diagnostic::escape::escape(&other.to_string())
        ),
    }
}

/// How `awscluster rules` prints the registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RulesFormat {
    Text,
    Markdown,
    Json,
}

const EXPLAIN_ONE: &str = "`awscluster explain CODE` tells more about one.";

/// A rule's line in `rules` and `explain GROUP`: code, default level,
/// summary.
fn rule_line(rule: &crate::diagnostic::Rule) -> String {
    format!(
        "  {:<40} {:<8} {}",
        rule.code,
        rule.default_level(),
        rule.summary()
    )
}

/// `awscluster rules`: every rule with its default severity and summary.
pub fn rules(format: RulesFormat, out: &mut dyn Write) -> io::Result<()> {
    match format {
        RulesFormat::Text => {
            let mut group = "";
            for rule in rules::all() {
                if rule.group() != group {
                    if !group.is_empty() {
                        writeln!(out)?;
                    }
                    group = rule.group();
                    writeln!(out, "{group}")?;
                }
                writeln!(out, "{}", rule_line(rule))?;
            }
            writeln!(out, "\n{EXPLAIN_ONE}")
        }
        RulesFormat::Markdown => out.write_all(rule_table().as_bytes()),
        RulesFormat::Json => {
            let list: Vec<serde_json::Value> = rules::all()
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "code": r.code,
                        "group": r.group(),
                        "severity": r.default_severity,
                        "enabled": r.on_by_default,
                        "summary": r.summary(),
                        "docs": r.docs(),
                    })
                })
                .collect();
            serde_json::to_writer_pretty(&mut *out, &list)?;
            writeln!(out)
        }
    }
}

/// The README's rule table, generated from the registry; each row has an
/// anchor for links to it.
pub fn rule_table() -> String {
    let mut table = String::from("| Code | Default | What it checks |\n|---|---|---|\n");
    for rule in rules::all() {
        table.push_str(&format!(
            "| <a id=\"{}\"></a>`{}` | {} | {} |\n",
            rule.anchor(),
            rule.code,
            rule.default_level(),
            rule.summary().replace('|', "\\|")
        ));
    }
    table
}

/// `awscluster explain CODE`: one rule's documentation; `explain GROUP`:
/// the group's rules, one line each.
pub fn explain(code: &str, out: &mut dyn Write) -> Result<(), ExplainError> {
    let group = code.trim_end_matches('/');
    if rules::groups().contains(&group) {
        writeln!(out, "{group}").map_err(ExplainError::Io)?;
        for rule in rules::all().iter().filter(|r| r.group() == group) {
            writeln!(out, "{}", rule_line(rule)).map_err(ExplainError::Io)?;
        }
        return writeln!(out, "\n{EXPLAIN_ONE}").map_err(ExplainError::Io);
    }
    let Some(rule) = rules::find(code) else {
        let known = rules::all().iter().map(|r| r.code).chain(rules::groups());
        let hint = suggest::closest(code, known).map_or_else(
            || "; `awscluster rules` lists them".to_string(),
            |b| format!("; did you mean `{b}`?"),
        );
        return Err(ExplainError::Unknown(format!(
            "unknown rule or group `{code}`{hint}"
        )));
    };
    writeln!(
        out,
        "{} ({})\n\n{}\n\n{}",
        rule.code,
        if rule.on_by_default {
            format!("{} by default", rule.default_severity)
        } else {
            format!(
                "off by default; `-W {}` or `[rules]` turns it on, as a {}",
                rule.code, rule.default_severity
            )
        },
        rule.summary(),
        rule.docs()
    )
    .map_err(ExplainError::Io)
}

#[derive(Debug)]
pub enum ExplainError {
    Unknown(String),
    Io(io::Error),
}

/// The schemas `awscluster schema` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schema {
    Cluster,
    Config,
    Report,
    Quotas,
}

pub fn schema(which: Schema, out: &mut dyn Write) -> io::Result<()> {
    out.write_all(
        match which {
            Schema::Cluster => crate::spec::schema::CLUSTER_SCHEMA,
            Schema::Config => crate::config::CONFIG_SCHEMA,
            Schema::Report => crate::report::REPORT_SCHEMA,
            Schema::Quotas => crate::live::QUOTAS_SCHEMA,
        }
        .as_bytes(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer whose reader has gone after `room` bytes.
    struct Closes {
        room: usize,
        written: Vec<u8>,
    }

    impl Write for Closes {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if self.written.len() >= self.room {
                return Err(io::ErrorKind::BrokenPipe.into());
            }
            let n = buf.len().min(self.room - self.written.len());
            self.written.extend_from_slice(&buf[..n]);
            Ok(n)
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// Fails every write as a full disk does.
    struct Full;

    impl Write for Full {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::ErrorKind::StorageFull.into())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_closed_pipe_drops_the_rest_and_other_errors_still_fail() {
        let mut out = UntilClosed::new(Closes {
            room: 4,
            written: Vec::new(),
        });
        for _ in 0..3 {
            assert!(writeln!(out, "line").is_ok());
        }
        assert!(out.flush().is_ok());
        assert_eq!(out.inner.written, b"line");
        assert!(writeln!(UntilClosed::new(Full), "line").is_err());
    }
}

//! For people: each finding with its source excerpt (miette), then a
//! summary line.

use std::io;

use miette::{GraphicalReportHandler, GraphicalTheme};

use super::{Emitter, Style};
use crate::diagnostic::{Rendered, Severity};
use crate::run::Outcome;

pub struct Human {
    pub style: Style,
}

impl Emitter for Human {
    fn emit(&self, outcome: &Outcome, out: &mut dyn io::Write) -> io::Result<()> {
        let theme = if self.style.color {
            GraphicalTheme::unicode()
        } else {
            GraphicalTheme::unicode_nocolor()
        };
        let handler = GraphicalReportHandler::new_themed(theme)
            .with_width(self.style.width)
            .with_links(false);
        for diagnostic in &outcome.diagnostics {
            let mut text = String::new();
            handler
                .render_report(&mut text, &Rendered::new(diagnostic))
                .map_err(io::Error::other)?;
            out.write_all(text.as_bytes())?;
        }
        writeln!(out, "{}", summary(outcome))
    }
}

/// "Checked 3 files: 1 error, 2 warnings." and its variants.
pub fn summary(outcome: &Outcome) -> String {
    let files = outcome.files.len();
    if files == 0 {
        return format!(
            "No spec files found (directories are searched for {}).",
            crate::config::DEFAULT_INCLUDE.join(", ")
        );
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
    format!("Checked {}: {found}.", plural(files, "file"))
}

//! Reports: one file per output format, all behind [`Emitter`].

mod github;
mod human;
pub(crate) use human::{View, render as render_view};
mod json;
mod sarif;
mod uri;

use std::io;

use crate::run::Outcome;

pub use human::summary;
pub use json::REPORT_SCHEMA;

/// The output formats `--format` accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    Sarif,
    Github,
}

/// How the human format looks.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
    pub width: usize,
    /// `--quiet`: the human format prints only its summary line, and
    /// nothing when there is no finding.
    pub quiet: bool,
}

impl Default for Style {
    fn default() -> Self {
        Style {
            color: false,
            width: 100,
            quiet: false,
        }
    }
}

/// Writes a run's findings in one format.
pub trait Emitter {
    fn emit(&self, outcome: &Outcome, out: &mut dyn io::Write) -> io::Result<()>;
}

pub fn emitter(format: Format, style: Style) -> Box<dyn Emitter> {
    match format {
        Format::Human => Box::new(human::Human { style }),
        Format::Json => Box::new(json::Json),
        Format::Sarif => Box::new(sarif::Sarif),
        Format::Github => Box::new(github::Github),
    }
}

/// The tool's name and version, as reports state them.
pub const TOOL: &str = "awscluster";
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
pub const INFORMATION_URI: &str = env!("CARGO_PKG_REPOSITORY");

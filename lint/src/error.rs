//! What stops awscluster from doing its job (exit status 2), as opposed to
//! findings, which are data.

use std::path::PathBuf;
use std::sync::Arc;

use crate::diagnostic::fix::Fix;
use crate::source::{SourceFile, Span};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read `{}`: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error("`{}` does not exist", path.display())]
    NotFound { path: PathBuf },

    #[error("`{}` is {kind}, not a file: awscluster reads files and pipes", path.display())]
    NotAFile { path: PathBuf, kind: &'static str },

    #[error(
        "`{}` is larger than the {limit}-byte limit (`--max-file-size` or `[files] max-file-size` raise it)",
        path.display()
    )]
    TooLarge { path: PathBuf, limit: u64 },

    /// Every problem of a configuration file, each at its place.
    #[error("{}", problems.iter().map(|p| p.message.as_str()).collect::<Vec<_>>().join("; "))]
    Config {
        file: Arc<SourceFile>,
        problems: Vec<ConfigProblem>,
    },

    #[error("{0}")]
    Usage(String),

    #[error("cannot walk `{}`: {message}", path.display())]
    Walk { path: PathBuf, message: String },
}

/// One problem of a configuration file.
#[derive(Debug, Clone)]
pub struct ConfigProblem {
    pub span: Span,
    pub message: String,
    /// The edit of the file for a likely typo (a rule code's did-you-mean):
    /// a guess, which `--unsafe-fixes` applies.
    pub fix: Option<Fix>,
}

//! What stops awscluster from doing its job (exit status 2), as opposed to
//! findings, which are data.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

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

    #[error("{message}")]
    Config {
        file: Arc<SourceFile>,
        span: Span,
        message: String,
    },

    #[error("{0}")]
    Usage(String),

    #[error("cannot walk `{}`: {message}", path.display())]
    Walk { path: PathBuf, message: String },
}

impl miette::Diagnostic for Error {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        match self {
            Error::Config { .. } => Some(Box::new("config/invalid")),
            _ => None,
        }
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        match self {
            Error::Config { file, .. } => Some(&**file as &dyn miette::SourceCode),
            _ => None,
        }
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        match self {
            Error::Config { span, .. } => Some(Box::new(std::iter::once(
                miette::LabeledSpan::new_primary_with_span(None, *span),
            ))),
            _ => None,
        }
    }
}

//! What a fix of a finding is: edits of its file by span, safe or not.
//! Applying them is the top-level `fix` module's.

use super::Span;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Applicability {
    /// Cannot change what the file means.
    Safe,
    /// Might: applied with `--unsafe-fixes` only.
    Unsafe,
}

/// Replaces the text at `span` (an insertion when it is empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub span: Span,
    pub replacement: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    /// What it does, for the report and an editor's menu ("replace with
    /// `10.0.0.0/16`").
    pub title: String,
    pub applicability: Applicability,
    /// In the finding's own file, not overlapping.
    pub edits: Vec<Edit>,
}

impl Fix {
    pub fn safe(title: impl Into<String>, edits: Vec<Edit>) -> Fix {
        Fix {
            title: title.into(),
            applicability: Applicability::Safe,
            edits,
        }
    }

    pub fn unsafe_(title: impl Into<String>, edits: Vec<Edit>) -> Fix {
        Fix {
            title: title.into(),
            applicability: Applicability::Unsafe,
            edits,
        }
    }

    /// One replacement.
    pub fn replace(
        applicability: Applicability,
        span: Span,
        replacement: impl Into<String>,
    ) -> Fix {
        let replacement = replacement.into();
        Fix {
            title: format!("replace with `{replacement}`"),
            applicability,
            edits: vec![Edit { span, replacement }],
        }
    }
}

/// Replaces the string value at `span` of `text` with `value`, inside its
/// quotes when it has them (JSON's, YAML's quoted forms), so that the file
/// keeps its style. `value` is plain: letters, digits and punctuation that
/// need no escape in either format.
pub fn replace_string(text: &str, span: Span, value: &str, applicability: Applicability) -> Fix {
    let (start, end) = (span.start as usize, span.end as usize);
    let written = text.get(start..end).unwrap_or_default();
    let quoted = written.len() >= 2
        && ((written.starts_with('"') && written.ends_with('"'))
            || (written.starts_with('\'') && written.ends_with('\'')));
    let span = if quoted {
        Span::new(start + 1, end - 1)
    } else {
        span
    };
    Fix {
        title: format!("replace with `{value}`"),
        applicability,
        edits: vec![Edit {
            span,
            replacement: value.to_string(),
        }],
    }
}

//! Fixes a finding offers: edits of its file by span, which `--fix`
//! applies. A safe fix cannot change what the file means; an unsafe one
//! might (a guess at a typo, a value the spec only mirrors), and waits for
//! `--unsafe-fixes`. Edits keep everything around them as it is: comments,
//! key order, indentation.

use std::path::Path;
use std::sync::Arc;

use crate::diagnostic::{Diagnostic, SourceFile, Span};

pub use crate::diagnostic::fix::{Applicability, Edit, Fix, replace_string};

/// `text` with the fixes applied, in order of position; a fix that
/// overlaps one already taken waits for the next pass. Returns the new
/// text and how many fixes were applied.
pub fn apply(text: &str, fixes: &[&Fix]) -> (String, usize) {
    let mut chosen: Vec<&Fix> = Vec::new();
    let mut taken: Vec<Span> = Vec::new();
    let mut sorted: Vec<&Fix> = fixes.to_vec();
    sorted.sort_by_key(|f| f.edits.iter().map(|e| e.span.start).min());
    for fix in sorted {
        let in_bounds = fix.edits.iter().all(|e| {
            e.span.end as usize <= text.len()
                && text.is_char_boundary(e.span.start as usize)
                && text.is_char_boundary(e.span.end as usize)
        });
        let overlaps = fix.edits.iter().any(|e| {
            taken
                .iter()
                .any(|t| e.span.start < t.end && t.start < e.span.end || e.span == *t)
        });
        if in_bounds && !overlaps {
            taken.extend(fix.edits.iter().map(|e| e.span));
            chosen.push(fix);
        }
    }
    let mut edits: Vec<&Edit> = chosen.iter().flat_map(|f| &f.edits).collect();
    edits.sort_by_key(|e| (e.span.start, e.span.end));
    let mut out = String::with_capacity(text.len());
    let mut at = 0usize;
    for edit in edits {
        let (start, end) = (edit.span.start as usize, edit.span.end as usize);
        out.push_str(&text[at..start]);
        out.push_str(&edit.replacement);
        at = end;
    }
    out.push_str(&text[at..]);
    (out, chosen.len())
}

/// Passes at most: each pass applies what does not overlap, and a fix
/// that breaks another is found again by the next lint.
const PASSES: usize = 10;

/// What fixing one file did.
#[derive(Debug)]
pub struct Fixed {
    pub text: String,
    pub applied: usize,
}

/// Fixes `text` (of the file at `path`) as far as `check` finds fixes in
/// it of at most `allowed` applicability, linting again after each pass.
pub fn fix_text(
    path: &Path,
    text: String,
    allowed: Applicability,
    check: &dyn Fn(&Arc<SourceFile>) -> Vec<Diagnostic>,
) -> Fixed {
    let mut text = text;
    let mut applied = 0;
    for _ in 0..PASSES {
        let file = Arc::new(SourceFile::from_bytes(path, text.clone().into_bytes()));
        let found = check(&file);
        let fixes: Vec<&Fix> = fixable(&found, path, allowed).collect();
        if fixes.is_empty() {
            break;
        }
        let (next, n) = apply(&text, &fixes);
        if n == 0 || next == text {
            break;
        }
        applied += n;
        text = next;
    }
    Fixed { text, applied }
}

/// The fixes of `found` in the file at `path` that `allowed` permits.
pub fn fixable<'a>(
    found: &'a [Diagnostic],
    path: &'a Path,
    allowed: Applicability,
) -> impl Iterator<Item = &'a Fix> {
    found
        .iter()
        .filter(move |d| d.file().path == path)
        .filter_map(|d| d.fix.as_ref())
        .filter(move |f| f.applicability <= allowed)
}

/// A unified diff of a file's fix, for `--diff`.
pub fn diff(path: &Path, before: &str, after: &str) -> String {
    let name = path.display().to_string();
    similar::TextDiff::from_lines(before, after)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{name}"), &format!("b/{name}"))
        .to_string()
}

/// For the rules' tests: `text` (of a file named `name`) fixed by `rule`'s
/// fixes of at most `allowed` applicability, as `--fix` does (linted again
/// after each pass). Panics when the rule offers no fix, or still fires.
#[cfg(test)]
pub(crate) fn fixed_by(
    rule: &crate::diagnostic::Rule,
    name: &str,
    text: &str,
    allowed: Applicability,
    lint: &dyn Fn(&str, &str) -> Vec<Diagnostic>,
) -> String {
    let path = Path::new(name);
    let only_rule = |file: &Arc<SourceFile>| -> Vec<Diagnostic> {
        lint(name, &file.text)
            .into_iter()
            .filter(|d| d.rule.code == rule.code)
            .collect()
    };
    let first = only_rule(&Arc::new(SourceFile::from_bytes(
        path,
        text.as_bytes().to_vec(),
    )));
    assert!(
        fixable(&first, path, allowed).next().is_some(),
        "{} offers no fix: {first:?}",
        rule.code
    );
    let fixed = fix_text(path, text.to_string(), allowed, &only_rule);
    let left = lint(name, &fixed.text);
    assert!(
        left.iter().all(|d| d.rule.code != rule.code),
        "{} still fires after its fix:\n{}",
        rule.code,
        fixed.text
    );
    fixed.text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(start: usize, end: usize, with: &str) -> Fix {
        Fix::replace(Applicability::Safe, Span::new(start, end), with)
    }

    #[test]
    fn edits_apply_by_position_and_keep_the_rest() {
        let text = "{\"a\": 1, // note\n \"b\": 2}";
        let (out, n) = apply(text, &[&at(18, 21, "\"c\""), &at(1, 4, "\"x\"")]);
        assert_eq!(out, "{\"x\": 1, // note\n \"c\": 2}");
        assert_eq!(n, 2);
    }

    #[test]
    fn a_string_keeps_its_quotes_or_their_absence() {
        for (text, span, out) in [
            ("a: \"x1\"", Span::new(3, 7), "a: \"yy\""),
            ("a: 'x1'", Span::new(3, 7), "a: 'yy'"),
            ("a: x1", Span::new(3, 5), "a: yy"),
        ] {
            let fix = replace_string(text, span, "yy", Applicability::Safe);
            assert_eq!(apply(text, &[&fix]).0, out);
        }
    }

    #[test]
    fn an_overlapping_fix_waits_and_one_out_of_bounds_is_dropped() {
        let (out, n) = apply("abcdef", &[&at(0, 3, "X"), &at(2, 4, "Y"), &at(5, 99, "Z")]);
        assert_eq!((out.as_str(), n), ("Xdef", 1));
    }

    #[test]
    fn the_diff_names_the_file_and_the_changed_lines() {
        let d = diff(Path::new("s.json"), "a\nb\nc\n", "a\nB\nc\n");
        assert!(d.contains("--- a/s.json") && d.contains("-b\n+B\n"), "{d}");
    }
}

//! Source files and the position-keeping document tree that every finding
//! points into.
//!
//! Specs arrive as JSON or YAML. Both are parsed into the same [`Node`] tree,
//! whose every value and key carries the byte range it came from, so that a
//! rule can point at `nodePools[1].size` in either format without knowing
//! which one it is looking at.

mod json;
mod yaml;

use std::fmt;
use std::path::{Path, PathBuf};

/// A byte range in a source file. `u32` keeps nodes small; specs are far
/// below 4 GiB and the loader refuses anything larger.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span {
            start: start as u32,
            end: end.max(start) as u32,
        }
    }

    pub fn len(&self) -> usize {
        (self.end - self.start) as usize
    }

    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }
}

impl From<Span> for miette::SourceSpan {
    fn from(span: Span) -> Self {
        (span.start as usize, span.len()).into()
    }
}

/// A 1-based line and column; columns count Unicode scalar values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    pub line: usize,
    pub column: usize,
}

/// The file formats a document can be written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Json,
    Yaml,
}

impl Format {
    /// JSON unless the extension says YAML: JSON is the canonical format.
    pub fn from_path(path: &Path) -> Format {
        match path.extension().and_then(|e| e.to_str()) {
            Some(ext) if ext.eq_ignore_ascii_case("yaml") || ext.eq_ignore_ascii_case("yml") => {
                Format::Yaml
            }
            _ => Format::Json,
        }
    }
}

/// A file's text with a line index for turning spans into positions.
#[derive(Debug)]
pub struct SourceFile {
    /// The path as the user should see it (relative when they gave it so).
    pub path: PathBuf,
    pub text: String,
    line_starts: Vec<u32>,
    /// miette also breaks lines at a lone `\r`; such files are excerpted
    /// the slow way.
    has_cr: bool,
}

impl SourceFile {
    pub fn new(path: impl Into<PathBuf>, text: String) -> SourceFile {
        let line_starts = std::iter::once(0)
            .chain(
                text.bytes()
                    .enumerate()
                    .filter(|&(_, b)| b == b'\n')
                    .map(|(i, _)| i as u32 + 1),
            )
            .collect();
        let has_cr = text.contains('\r');
        SourceFile {
            path: path.into(),
            text,
            line_starts,
            has_cr,
        }
    }

    pub fn format(&self) -> Format {
        Format::from_path(&self.path)
    }

    /// The path with forward slashes, as reports and annotations want it.
    pub fn display_path(&self) -> String {
        let s = self.path.to_string_lossy();
        let s = s.strip_prefix("./").unwrap_or(&s);
        s.replace('\\', "/")
    }

    pub fn line_col(&self, offset: u32) -> LineCol {
        let offset = offset.min(self.text.len() as u32);
        let line = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.line_starts[line] as usize;
        let end = floor_char_boundary(&self.text, offset as usize);
        LineCol {
            line: line + 1,
            column: self.text[start..end].chars().count() + 1,
        }
    }

    pub fn text_at(&self, span: Span) -> &str {
        self.text
            .get(span.start as usize..span.end as usize)
            .unwrap_or("")
    }
}

impl miette::SourceCode for SourceFile {
    fn read_span<'a>(
        &'a self,
        span: &miette::SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        // miette finds lines by scanning from the start of the text, for
        // every label; starting a line before the context it needs gives
        // the same excerpt without reading the whole file each time.
        let (window, skipped) = if self.has_cr {
            (0, 0)
        } else {
            let line = self
                .line_starts
                .partition_point(|&start| start as usize <= span.offset())
                .saturating_sub(1);
            let first = line.saturating_sub(context_lines_before + 1);
            (self.line_starts[first] as usize, first)
        };
        let text = self
            .text
            .get(window..)
            .ok_or(miette::MietteError::OutOfBounds)?;
        let local = miette::SourceSpan::new((span.offset() - window).into(), span.len());
        let inner = text.read_span(&local, context_lines_before, context_lines_after)?;
        // Named after the file, so excerpts say where they come from.
        let language = match self.format() {
            Format::Json => "JSON",
            Format::Yaml => "YAML",
        };
        Ok(Box::new(
            miette::MietteSpanContents::new_named(
                self.display_path(),
                inner.data(),
                miette::SourceSpan::new(
                    (inner.span().offset() + window).into(),
                    inner.span().len(),
                ),
                inner.line() + skipped,
                inner.column(),
                inner.line_count() + skipped,
            )
            .with_language(language),
        ))
    }
}

impl SourceFile {
    /// A copy with the characters of `secrets` replaced by `*` (quotes and
    /// punctuation kept), for reports that quote the source.
    pub fn masked(&self, secrets: &[Span]) -> SourceFile {
        let mut bytes = self.text.clone().into_bytes();
        for span in secrets {
            if let Some(region) = bytes.get_mut(span.start as usize..span.end as usize) {
                for b in region
                    .iter_mut()
                    .filter(|b| b.is_ascii_alphanumeric() || **b == b'/' || **b == b'+')
                {
                    *b = b'*';
                }
            }
        }
        // Only ASCII bytes were replaced, by ASCII: still UTF-8.
        SourceFile::new(
            self.path.clone(),
            String::from_utf8_lossy(&bytes).into_owned(),
        )
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// A value in a parsed document, with the range it spans.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub span: Span,
    pub value: Value,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    String(String),
    Array(Vec<Node>),
    Object(Vec<Member>),
}

/// One key of an object. Members keep their order and their duplicates:
/// the loader reports duplicates instead of silently keeping one.
#[derive(Clone, Debug, PartialEq)]
pub struct Member {
    pub key: String,
    pub key_span: Span,
    pub value: Node,
}

impl Value {
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "an array",
            Value::Object(_) => "an object",
        }
    }
}

impl Node {
    /// The member for `key`; the last one wins, as in JSON Schema validation.
    pub fn member(&self, key: &str) -> Option<&Member> {
        match &self.value {
            Value::Object(members) => members.iter().rev().find(|m| m.key == key),
            _ => None,
        }
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        self.member(key).map(|m| &m.value)
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// Follows an RFC 6901 JSON pointer; `None` when it leads nowhere.
    pub fn pointer(&self, pointer: &str) -> Option<&Node> {
        self.pointer_segments(pointer).map(|(node, _)| node)
    }

    /// The span a finding about `pointer` should underline: the value, or
    /// for the document root its first key so that the label stays short.
    pub fn span_at(&self, pointer: &str) -> Span {
        self.pointer_segments(pointer)
            .map(|(node, _)| node.span)
            .unwrap_or(self.span)
    }

    /// The span of the key that leads to `pointer` (for "unknown field").
    pub fn key_span_at(&self, pointer: &str) -> Option<Span> {
        self.pointer_segments(pointer).and_then(|(_, key)| key)
    }

    fn pointer_segments(&self, pointer: &str) -> Option<(&Node, Option<Span>)> {
        if pointer.is_empty() {
            return Some((self, None));
        }
        let mut node = self;
        let mut key_span = None;
        for raw in pointer.strip_prefix('/')?.split('/') {
            let segment = raw.replace("~1", "/").replace("~0", "~");
            match &node.value {
                Value::Object(members) => {
                    let member = members.iter().rev().find(|m| m.key == segment)?;
                    key_span = Some(member.key_span);
                    node = &member.value;
                }
                Value::Array(items) => {
                    node = items.get(segment.parse::<usize>().ok()?)?;
                    key_span = None;
                }
                _ => return None,
            }
        }
        Some((node, key_span))
    }

    /// The plain JSON value, duplicates resolved the way serde_json and
    /// most JSON tools resolve them (the last one wins).
    pub fn to_json(&self) -> serde_json::Value {
        match &self.value {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Number(n) => serde_json::Value::Number(n.clone()),
            Value::String(s) => serde_json::Value::String(s.clone()),
            Value::Array(items) => items.iter().map(Node::to_json).collect(),
            Value::Object(members) => {
                let mut map = serde_json::Map::with_capacity(members.len());
                for m in members {
                    map.insert(m.key.clone(), m.value.to_json());
                }
                serde_json::Value::Object(map)
            }
        }
    }

    /// Every node of the tree, depth first, with the key it sits under.
    pub fn walk<'a>(&'a self, visit: &mut impl FnMut(Option<&'a Member>, &'a Node)) {
        visit(None, self);
        self.walk_children(visit);
    }

    fn walk_children<'a>(&'a self, visit: &mut impl FnMut(Option<&'a Member>, &'a Node)) {
        match &self.value {
            Value::Array(items) => {
                for item in items {
                    visit(None, item);
                    item.walk_children(visit);
                }
            }
            Value::Object(members) => {
                for m in members {
                    visit(Some(m), &m.value);
                    m.value.walk_children(visit);
                }
            }
            _ => {}
        }
    }
}

/// A document that could not be parsed, and where.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntaxError {
    pub message: String,
    pub span: Span,
    /// What the user most likely has to do, when the parser can tell.
    pub help: Option<String>,
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Parses `file` in the format its name says.
pub fn parse(file: &SourceFile) -> Result<Node, SyntaxError> {
    match file.format() {
        Format::Json => json::parse(&file.text),
        Format::Yaml => yaml::parse(&file.text),
    }
}

/// A key that occurs twice in one object.
#[derive(Debug, Clone)]
pub struct DuplicateKey {
    pub key: String,
    pub first: Span,
    pub again: Span,
}

/// Every duplicated key in the document, in source order.
pub fn duplicate_keys(root: &Node) -> Vec<DuplicateKey> {
    let mut found = Vec::new();
    root.walk(&mut |_, node| {
        if let Value::Object(members) = &node.value {
            for (i, m) in members.iter().enumerate() {
                if let Some(first) = members[..i].iter().find(|f| f.key == m.key) {
                    found.push(DuplicateKey {
                        key: m.key.clone(),
                        first: first.key_span,
                        again: m.key_span,
                    });
                }
            }
        }
    });
    found.sort_by_key(|d| d.again);
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters_not_bytes() {
        let file = SourceFile::new("x.json", "{\n  \"é\": 1\n}".to_string());
        let offset = file.text.find('1').unwrap() as u32;
        assert_eq!(file.line_col(offset), LineCol { line: 2, column: 8 });
        assert_eq!(file.line_col(0), LineCol { line: 1, column: 1 });
    }

    #[test]
    fn pointer_follows_objects_and_arrays() {
        let root = json::parse(r#"{"a": [{"b/c": 1}, {"d": true}]}"#).unwrap();
        assert_eq!(
            root.pointer("/a/0/b~1c").map(|n| n.to_json()),
            Some(serde_json::json!(1))
        );
        assert!(root.pointer("/a/2").is_none());
        assert!(root.pointer("/a/x").is_none());
        let span = root.key_span_at("/a/1/d").unwrap();
        assert_eq!(
            &r#"{"a": [{"b/c": 1}, {"d": true}]}"#[span.start as usize..span.end as usize],
            "\"d\""
        );
    }

    #[test]
    fn duplicate_keys_are_found_at_every_depth() {
        let root = json::parse(r#"{"a": 1, "b": {"c": 1, "c": 2}, "a": 3}"#).unwrap();
        let dups: Vec<_> = duplicate_keys(&root).into_iter().map(|d| d.key).collect();
        assert_eq!(dups, ["c", "a"]);
    }
}

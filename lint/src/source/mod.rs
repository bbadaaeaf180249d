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
use std::path::Path;

pub use crate::diagnostic::{LineCol, SourceFile, Span};

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

impl Format {
    pub fn of(file: &SourceFile) -> Format {
        Format::from_path(&file.path)
    }
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

    /// The node at an RFC 6901 JSON pointer, to change it.
    pub fn pointer_mut(&mut self, pointer: &str) -> Option<&mut Node> {
        if pointer.is_empty() {
            return Some(self);
        }
        let mut node = self;
        for raw in pointer.strip_prefix('/')?.split('/') {
            let segment = unescape_segment(raw);
            node = match &mut node.value {
                Value::Object(members) => {
                    &mut members.iter_mut().rev().find(|m| m.key == segment)?.value
                }
                Value::Array(items) => items.get_mut(segment.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        Some(node)
    }

    fn pointer_segments(&self, pointer: &str) -> Option<(&Node, Option<Span>)> {
        if pointer.is_empty() {
            return Some((self, None));
        }
        let mut node = self;
        let mut key_span = None;
        for raw in pointer.strip_prefix('/')?.split('/') {
            let segment = unescape_segment(raw);
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

    /// Every node of the tree, depth first, to change it.
    pub fn walk_mut(&mut self, visit: &mut impl FnMut(&mut Node)) {
        visit(self);
        match &mut self.value {
            Value::Array(items) => items.iter_mut().for_each(|i| i.walk_mut(visit)),
            Value::Object(members) => members.iter_mut().for_each(|m| m.value.walk_mut(visit)),
            _ => {}
        }
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

/// An RFC 6901 pointer segment, `~1` and `~0` unescaped (without copying
/// the segment when it has neither).
fn unescape_segment(raw: &str) -> std::borrow::Cow<'_, str> {
    if raw.contains('~') {
        std::borrow::Cow::Owned(raw.replace("~1", "/").replace("~0", "~"))
    } else {
        std::borrow::Cow::Borrowed(raw)
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
    match Format::of(file) {
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

/// Every duplicated key in the document, in source order. Linear in the
/// document's size: large objects are checked through a hash map.
pub fn duplicate_keys(root: &Node) -> Vec<DuplicateKey> {
    let mut found = Vec::new();
    let mut first_of: std::collections::HashMap<&str, Span> = std::collections::HashMap::new();
    root.walk(&mut |_, node| {
        let Value::Object(members) = &node.value else {
            return;
        };
        if members.len() <= 16 {
            for (i, m) in members.iter().enumerate() {
                if let Some(first) = members[..i].iter().find(|f| f.key == m.key) {
                    found.push(DuplicateKey {
                        key: m.key.clone(),
                        first: first.key_span,
                        again: m.key_span,
                    });
                }
            }
            return;
        }
        first_of.clear();
        for m in members {
            match first_of.entry(m.key.as_str()) {
                std::collections::hash_map::Entry::Occupied(first) => found.push(DuplicateKey {
                    key: m.key.clone(),
                    first: *first.get(),
                    again: m.key_span,
                }),
                std::collections::hash_map::Entry::Vacant(slot) => {
                    slot.insert(m.key_span);
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
        // Large objects go through the map, with the same answers.
        let mut text = String::from("{");
        for i in 0..100 {
            text.push_str(&format!("\"k{}\": {i},", i % 40));
        }
        text.push_str("\"z\": 0}");
        let root = json::parse(&text).unwrap();
        let dups = duplicate_keys(&root);
        assert_eq!(dups.len(), 60);
        assert_eq!(dups[0].key, "k0");
        let at = |span: Span| &text[span.start as usize..span.end as usize];
        assert_eq!((at(dups[0].first), at(dups[0].again)), ("\"k0\"", "\"k0\""));
        assert!(dups[0].first < dups[0].again);
    }
}

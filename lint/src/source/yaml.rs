//! YAML into the same spanned tree as JSON, through saphyr's event parser
//! (it reports a position for every event, which the tree keeps).
//!
//! Plain scalars are resolved with the YAML 1.2 core schema, so `on` and `no`
//! stay strings (YAML 1.1 made them booleans, a classic source of surprises).

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, Span as YamlSpan, Tag};

use super::{Member, Node, Span, SyntaxError, Value};

/// Aliases copy the anchored node; this bounds the copies so that a small
/// file cannot expand into gigabytes ("billion laughs"). A value costs 1,
/// and 64 bytes of string 1 more.
const MAX_ALIAS_COST: usize = 100_000;
const MAX_DEPTH: usize = 128;

pub fn parse(text: &str) -> Result<Node, SyntaxError> {
    let offsets = CharOffsets::new(text);
    let mut builder = Builder {
        offsets: &offsets,
        anchors: HashMap::new(),
        aliases: Vec::new(),
        alias_cost: 0,
    };
    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<Frame> = Vec::new();
    let mut root: Option<Node> = None;
    let mut documents = 0;

    while let Some(event) = parser.next_event() {
        let (event, span) = event.map_err(|e| {
            let at = offsets.byte(e.marker().index());
            SyntaxError {
                message: e.info().to_string(),
                span: Span::new(at, at),
                help: None,
            }
        })?;
        let span = builder.span(span);
        let node = match event {
            Event::DocumentStart(_) => {
                documents += 1;
                if documents > 1 {
                    return Err(SyntaxError {
                        message: "a spec file holds one YAML document; found a second one".into(),
                        span,
                        help: Some("split the documents into separate files".into()),
                    });
                }
                continue;
            }
            Event::Scalar(value, style, anchor, tag) => {
                let node = Node {
                    span,
                    value: resolve_scalar(&value, style, tag.as_deref()).map_err(|message| {
                        SyntaxError {
                            message,
                            span,
                            help: None,
                        }
                    })?,
                };
                builder.anchor(anchor, Anchored::Scalar(node.clone()));
                node
            }
            Event::Alias(id) => {
                let node = builder.alias(id, span)?;
                if let Some(collection) = node.pending {
                    if stack.last().is_some_and(Frame::awaits_key) {
                        return Err(SyntaxError {
                            message: "mapping keys must be plain strings".into(),
                            span,
                            help: Some("an alias of a list or a mapping cannot be a key".into()),
                        });
                    }
                    // Copied once the tree is complete: until then the
                    // anchored collection is being filled in.
                    let path = child_path(&stack);
                    builder.aliases.push((path, collection, span));
                }
                node.node
            }
            Event::SequenceStart(anchor, ref tag) | Event::MappingStart(anchor, ref tag) => {
                if let Some(tag) = tag.as_deref() {
                    check_collection_tag(tag, span)?;
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(SyntaxError {
                        message: format!("nesting deeper than {MAX_DEPTH} levels"),
                        span,
                        help: None,
                    });
                }
                stack.push(Frame {
                    start: span,
                    anchor,
                    kind: if matches!(event, Event::MappingStart(..)) {
                        Kind::Map
                    } else {
                        Kind::Seq
                    },
                    items: Vec::new(),
                    members: Vec::new(),
                    pending_key: None,
                });
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(frame) = stack.pop() else { continue };
                let end = frame
                    .items
                    .last()
                    .map(|n| n.span)
                    .or_else(|| frame.members.last().map(|m| m.value.span))
                    .map_or(span.end, |s| s.end.max(frame.start.end));
                // Flow collections end at their closing bracket; block ones
                // at their last value (the parser's end marker sits on the
                // next line, which would stretch the underline).
                let end = if builder.offsets.text_at(span).starts_with([']', '}']) {
                    span.end
                } else {
                    end
                };
                let node = Node {
                    span: Span {
                        start: frame.start.start,
                        end,
                    },
                    value: match frame.kind {
                        Kind::Seq => Value::Array(frame.items),
                        Kind::Map => Value::Object(frame.members),
                    },
                };
                if frame.anchor != 0 {
                    let path = child_path(&stack);
                    builder.anchor(frame.anchor, Anchored::Collection(path));
                }
                node
            }
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => {
                continue;
            }
        };
        match stack.last_mut() {
            None => root = Some(node),
            Some(frame) => frame.push(node)?,
        }
    }

    if let Some(root) = root.as_mut() {
        builder.resolve_aliases(root)?;
    }
    match root {
        Some(node) if node.value != Value::Null || documents > 0 && !node.span.is_empty() => {
            Ok(node)
        }
        _ => Err(SyntaxError {
            message: "the file is empty; expected a YAML mapping".into(),
            span: Span::new(0, 0),
            help: None,
        }),
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Map,
    Seq,
}

struct Frame {
    start: Span,
    anchor: usize,
    kind: Kind,
    items: Vec<Node>,
    members: Vec<Member>,
    pending_key: Option<(String, Span)>,
}

impl Frame {
    /// Whether the next node completed in this frame is a mapping key.
    fn awaits_key(&self) -> bool {
        self.kind == Kind::Map && self.pending_key.is_none()
    }

    /// The index the next completed node takes in this frame.
    fn next_index(&self) -> usize {
        match self.kind {
            Kind::Seq => self.items.len(),
            Kind::Map => self.members.len(),
        }
    }

    fn push(&mut self, node: Node) -> Result<(), SyntaxError> {
        match self.kind {
            Kind::Seq => self.items.push(node),
            Kind::Map => match self.pending_key.take() {
                None => {
                    let key = match node.value {
                        Value::String(s) => s,
                        Value::Number(n) => n.to_string(),
                        Value::Bool(b) => b.to_string(),
                        Value::Null => "null".to_string(),
                        Value::Array(_) | Value::Object(_) => {
                            return Err(SyntaxError {
                                message: "mapping keys must be plain strings".into(),
                                span: node.span,
                                help: None,
                            });
                        }
                    };
                    self.pending_key = Some((key, node.span));
                }
                Some((key, key_span)) => self.members.push(Member {
                    key,
                    key_span,
                    value: node,
                }),
            },
        }
        Ok(())
    }
}

/// Where the node that completes next goes: the indices, from the root,
/// of the frames it sits in and of its place in the innermost one.
fn child_path(stack: &[Frame]) -> Vec<usize> {
    stack.iter().map(Frame::next_index).collect()
}

/// What an anchor stands for: a scalar (copied at once, it is small and
/// may be a mapping key) or a collection, found again by its path once the
/// document is complete, so that anchoring copies nothing.
enum Anchored {
    Scalar(Node),
    Collection(Vec<usize>),
}

/// An alias's node: the copy, or a placeholder for a collection copied
/// later.
struct AliasNode {
    node: Node,
    pending: Option<Vec<usize>>,
}

struct Builder<'a> {
    offsets: &'a CharOffsets<'a>,
    anchors: HashMap<usize, Anchored>,
    /// Aliases of collections, in document order: where the copy goes, the
    /// anchored collection's path, and the alias's span.
    aliases: Vec<(Vec<usize>, Vec<usize>, Span)>,
    alias_cost: usize,
}

impl Builder<'_> {
    fn span(&self, span: YamlSpan) -> Span {
        Span::new(
            self.offsets.byte(span.start.index()),
            self.offsets.byte(span.end.index()),
        )
    }

    fn anchor(&mut self, anchor: usize, anchored: Anchored) {
        if anchor != 0 {
            self.anchors.insert(anchor, anchored);
        }
    }

    fn charge(&mut self, node: &Node, span: Span) -> Result<(), SyntaxError> {
        self.alias_cost = self.alias_cost.saturating_add(cost(node));
        if self.alias_cost > MAX_ALIAS_COST {
            return Err(SyntaxError {
                message: "aliases expand to too many values".into(),
                span,
                help: Some("write the repeated values out, or use fewer nested aliases".into()),
            });
        }
        Ok(())
    }

    /// An alias is its anchored node again, placed where the alias is.
    fn alias(&mut self, id: usize, span: Span) -> Result<AliasNode, SyntaxError> {
        match self.anchors.get(&id) {
            None => Err(SyntaxError {
                message: "alias to an unknown anchor".into(),
                span,
                help: None,
            }),
            Some(Anchored::Scalar(node)) => {
                let mut node = node.clone();
                node.span = span;
                self.charge(&node, span)?;
                Ok(AliasNode {
                    node,
                    pending: None,
                })
            }
            Some(Anchored::Collection(path)) => Ok(AliasNode {
                node: Node {
                    span,
                    value: Value::Null,
                },
                pending: Some(path.clone()),
            }),
        }
    }

    /// Copies each collection alias's anchored collection into its place,
    /// in document order, so that an anchored collection holding aliases
    /// is copied with them resolved.
    fn resolve_aliases(&mut self, root: &mut Node) -> Result<(), SyntaxError> {
        for (at, anchored, span) in std::mem::take(&mut self.aliases) {
            let Some(original) = node_at(root, &anchored) else {
                continue;
            };
            // Copies of copies nest: the result stays within the depth the
            // parser allows, so that nothing later recurses too deep.
            if at.len() + depth(original) > MAX_DEPTH {
                return Err(SyntaxError {
                    message: format!("aliases nest deeper than {MAX_DEPTH} levels"),
                    span,
                    help: Some("write the repeated values out, or use fewer nested aliases".into()),
                });
            }
            let mut copy = original.clone();
            self.charge(&copy, span)?;
            copy.span = span;
            if let Some(place) = node_at_mut(root, &at) {
                *place = copy;
            }
        }
        Ok(())
    }
}

/// How many levels a node has, counted without recursion (a tree may be
/// deeper than a recursion could go before this says so).
fn depth(node: &Node) -> usize {
    let mut deepest = 0;
    let mut stack = vec![(node, 1usize)];
    while let Some((n, d)) = stack.pop() {
        deepest = deepest.max(d);
        if d > MAX_DEPTH {
            break;
        }
        match &n.value {
            Value::Array(items) => stack.extend(items.iter().map(|i| (i, d + 1))),
            Value::Object(members) => stack.extend(members.iter().map(|m| (&m.value, d + 1))),
            _ => {}
        }
    }
    deepest
}

fn node_at<'n>(root: &'n Node, path: &[usize]) -> Option<&'n Node> {
    path.iter().try_fold(root, |node, &i| match &node.value {
        Value::Array(items) => items.get(i),
        Value::Object(members) => members.get(i).map(|m| &m.value),
        _ => None,
    })
}

fn node_at_mut<'n>(root: &'n mut Node, path: &[usize]) -> Option<&'n mut Node> {
    path.iter()
        .try_fold(root, |node, &i| match &mut node.value {
            Value::Array(items) => items.get_mut(i),
            Value::Object(members) => members.get_mut(i).map(|m| &mut m.value),
            _ => None,
        })
}

fn cost(node: &Node) -> usize {
    let mut total = 0usize;
    node.walk(&mut |member, n| {
        total += 1 + member.map_or(0, |m| m.key.len() / 64);
        if let Value::String(s) = &n.value {
            total += s.len() / 64;
        }
    });
    total
}

fn check_collection_tag(tag: &Tag, span: Span) -> Result<(), SyntaxError> {
    if tag.is_yaml_core_schema() && matches!(tag.suffix.as_str(), "map" | "seq") {
        Ok(())
    } else {
        Err(unsupported_tag(tag, span))
    }
}

fn unsupported_tag(tag: &Tag, span: Span) -> SyntaxError {
    SyntaxError {
        message: format!("the YAML tag `{tag}` is not supported"),
        span,
        help: Some("specs use plain YAML: remove the tag".into()),
    }
}

fn resolve_scalar(text: &str, style: ScalarStyle, tag: Option<&Tag>) -> Result<Value, String> {
    if let Some(tag) = tag {
        let core = tag.is_yaml_core_schema();
        return match (core, tag.suffix.as_str()) {
            (true, "str") => Ok(Value::String(text.to_string())),
            (true, "int" | "float") => {
                number(text).ok_or_else(|| format!("`{text}` is not a valid !!{}", tag.suffix))
            }
            (true, "bool") => match plain(text) {
                Value::Bool(b) => Ok(Value::Bool(b)),
                _ => Err(format!("`{text}` is not a valid !!bool")),
            },
            (true, "null") => Ok(Value::Null),
            _ => Err(format!("the YAML tag `{tag}` is not supported")),
        };
    }
    Ok(match style {
        ScalarStyle::Plain => plain(text),
        _ => Value::String(text.to_string()),
    })
}

/// YAML 1.2 core schema resolution of a plain scalar.
fn plain(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => Value::Null,
        "true" | "True" | "TRUE" => Value::Bool(true),
        "false" | "False" | "FALSE" => Value::Bool(false),
        _ => number(text).unwrap_or_else(|| Value::String(text.to_string())),
    }
}

fn number(text: &str) -> Option<Value> {
    let int = |digits: &str, radix| {
        i64::from_str_radix(digits, radix)
            .ok()
            .map(|n| Value::Number(n.into()))
    };
    if let Some(hex) = text.strip_prefix("0x") {
        return int(hex, 16);
    }
    if let Some(oct) = text.strip_prefix("0o") {
        return int(oct, 8);
    }
    let body = text.strip_prefix(['-', '+']).unwrap_or(text);
    if body.is_empty() {
        return None;
    }
    if body.bytes().all(|b| b.is_ascii_digit()) {
        return text
            .trim_start_matches('+')
            .parse::<i64>()
            .ok()
            .map(|n| Value::Number(n.into()))
            .or_else(|| float(text));
    }
    let mantissa_ok = {
        let mantissa = body.split(['e', 'E']).next().unwrap_or("");
        let mut parts = mantissa.splitn(2, '.');
        let whole = parts.next().unwrap_or("");
        let frac = parts.next();
        whole.bytes().all(|b| b.is_ascii_digit())
            && frac.is_none_or(|f| f.bytes().all(|b| b.is_ascii_digit()))
            && (!whole.is_empty() || frac.is_some_and(|f| !f.is_empty()))
    };
    if mantissa_ok { float(text) } else { None }
}

fn float(text: &str) -> Option<Value> {
    let f: f64 = text.trim_start_matches('+').parse().ok()?;
    serde_json::Number::from_f64(f).map(Value::Number)
}

/// saphyr reports positions in characters; miette and the reports want bytes.
struct CharOffsets<'a> {
    text: &'a str,
    /// `None` for ASCII text, where the two coincide.
    bytes_by_char: Option<Vec<u32>>,
}

impl<'a> CharOffsets<'a> {
    fn new(text: &'a str) -> Self {
        let bytes_by_char = (!text.is_ascii()).then(|| {
            text.char_indices()
                .map(|(b, _)| b as u32)
                .chain(std::iter::once(text.len() as u32))
                .collect()
        });
        CharOffsets {
            text,
            bytes_by_char,
        }
    }

    fn byte(&self, char_index: usize) -> usize {
        match &self.bytes_by_char {
            None => char_index.min(self.text.len()),
            Some(map) => map.get(char_index).map_or(self.text.len(), |&b| b as usize),
        }
    }

    fn text_at(&self, span: Span) -> &'a str {
        self.text
            .get(span.start as usize..span.end as usize)
            .unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn at(text: &str, span: Span) -> &str {
        &text[span.start as usize..span.end as usize]
    }

    #[test]
    fn resolves_scalars_with_the_core_schema() {
        let text = "a: 1\nb: -2.5\nc: true\nd: ~\ne: on\nf: '3'\ng: 0x1F\nh: 1e3\ni: .5\nj: 12abc\nk: !!str 7\n";
        let root = parse(text).unwrap();
        assert_eq!(
            root.to_json(),
            json!({"a": 1, "b": -2.5, "c": true, "d": null, "e": "on", "f": "3", "g": 31,
                   "h": 1000.0, "i": 0.5, "j": "12abc", "k": "7"})
        );
    }

    #[test]
    fn spans_point_at_keys_and_values() {
        let text = "name: prod\nnodePools:\n  - name: cp\n    size: 3\n";
        let root = parse(text).unwrap();
        let size = root.pointer("/nodePools/0/size").unwrap();
        assert_eq!(at(text, size.span), "3");
        assert_eq!(
            at(text, root.key_span_at("/nodePools/0/size").unwrap()),
            "size"
        );
        let pools = root.get("nodePools").unwrap();
        assert_eq!(at(text, pools.span), "- name: cp\n    size: 3");
    }

    #[test]
    fn flow_collections_span_their_brackets() {
        let text = "azs: [a, b]\ntags: {x: y}\n";
        let root = parse(text).unwrap();
        assert_eq!(at(text, root.get("azs").unwrap().span), "[a, b]");
        assert_eq!(at(text, root.get("tags").unwrap().span), "{x: y}");
    }

    #[test]
    fn spans_are_bytes_even_after_multibyte_text() {
        let text = "description: café ☕\nsize: 3\n";
        let root = parse(text).unwrap();
        assert_eq!(at(text, root.get("size").unwrap().span), "3");
    }

    #[test]
    fn aliases_copy_their_anchor_and_bombs_are_refused() {
        let root = parse("a: &x [1, 2]\nb: *x\n").unwrap();
        assert_eq!(root.to_json(), json!({"a": [1, 2], "b": [1, 2]}));
        let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..8 {
            let p = i - 1;
            bomb.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        assert_eq!(
            parse(&bomb).unwrap_err().message,
            "aliases expand to too many values"
        );
    }

    #[test]
    fn aliases_of_collections_copy_them_with_their_own_aliases_resolved() {
        let root =
            parse("a: &a [1, 2]\nb: &b {x: *a, y: 3}\nc: *b\nd: [*a, *b]\n&k key: *k\n").unwrap();
        assert_eq!(
            root.to_json(),
            json!({"a": [1, 2], "b": {"x": [1, 2], "y": 3}, "c": {"x": [1, 2], "y": 3},
                   "d": [[1, 2], {"x": [1, 2], "y": 3}], "key": "key"})
        );
        let text = "a: &a [1, 2]\nc: *a\n";
        let root = parse(text).unwrap();
        assert_eq!(at(text, root.get("c").unwrap().span), "*a");
        assert!(
            parse("a: &a [*a]\n").is_err(),
            "an alias inside its own anchor"
        );
    }

    /// Anchors on every level of a deep document: anchoring copies
    /// nothing (the mutation test measures the memory), and it reads.
    #[test]
    fn nested_anchors_on_every_level_read() {
        let mut text = String::new();
        for depth in 0..100 {
            text.push_str(&" ".repeat(depth * 2));
            text.push_str(&format!("k{depth}: &a{depth}\n"));
            for i in 0..50 {
                text.push_str(&" ".repeat(depth * 2 + 2));
                text.push_str(&format!("v{i}: {i}\n"));
            }
        }
        let root = parse(&text).unwrap();
        assert!(root.get("k0").is_some());
    }

    /// Aliases of aliases nest no deeper than the parser would; a list's
    /// alias is no mapping key.
    #[test]
    fn aliases_stay_within_the_depth_limit_and_out_of_keys() {
        let mut text = String::from("a0: &a0 [[[[[[[[[[x]]]]]]]]]]\n");
        for i in 1..40 {
            text.push_str(&format!("a{i}: &a{i} [[[[[[[[[[*a{}]]]]]]]]]]\n", i - 1));
        }
        let message = parse(&text).unwrap_err().message;
        assert!(message.contains("nest deeper"), "{message}");
        assert!(parse("a: &a [1]\n? *a\n: 2\n").is_err());
    }

    #[test]
    fn a_long_string_aliased_many_times_is_refused() {
        let mut text = format!("a: &a {}\nb: [", "x".repeat(100_000));
        for _ in 0..100 {
            text.push_str("*a, ");
        }
        text.push_str("]\n");
        assert_eq!(
            parse(&text).unwrap_err().message,
            "aliases expand to too many values"
        );
    }

    #[test]
    fn keeps_duplicate_keys_and_refuses_odd_input() {
        let root = parse("a: 1\na: 2\n").unwrap();
        let Value::Object(members) = &root.value else {
            panic!()
        };
        assert_eq!(members.len(), 2);
        assert!(
            parse("a: 1\n---\nb: 2\n")
                .unwrap_err()
                .message
                .contains("second")
        );
        assert!(parse("").unwrap_err().message.contains("empty"));
        assert!(
            parse("a: !custom 1\n")
                .unwrap_err()
                .message
                .contains("not supported")
        );
        assert!(parse("a: [1, 2\n").is_err());
        assert!(parse("? [a]\n: 1\n").unwrap_err().message.contains("keys"));
    }
}

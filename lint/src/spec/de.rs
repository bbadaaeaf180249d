//! serde over the spanned tree: the typed spec is read straight from
//! [`Node`]s, and every [`Spanned`](super::Spanned) field gets the range of
//! the value (or key) it was read from.

use std::fmt;

use serde::de::value::BorrowedStrDeserializer;
use serde::de::{self, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use serde::forward_to_deserialize_any;

use super::spanned;
use crate::source::{Member, Node, Span, Value};

/// Why a tree could not be read as the requested type, and where.
#[derive(Debug, Clone, PartialEq)]
pub struct Error {
    pub message: String,
    pub span: Option<Span>,
}

impl Error {
    fn or_span(mut self, span: Span) -> Self {
        self.span.get_or_insert(span);
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl de::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error {
            message: msg.to_string(),
            span: None,
        }
    }
}

/// Reads a `T` from `node`.
pub fn from_node<'de, T: de::Deserialize<'de>>(node: &'de Node) -> Result<T, Error> {
    T::deserialize(NodeDeserializer(node)).map_err(|e| e.or_span(node.span))
}

struct NodeDeserializer<'de>(&'de Node);

impl<'de> de::Deserializer<'de> for NodeDeserializer<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let node = self.0;
        let result = match &node.value {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Number(n) => {
                if let Some(u) = n.as_u64() {
                    visitor.visit_u64(u)
                } else if let Some(i) = n.as_i64() {
                    visitor.visit_i64(i)
                } else {
                    let f = n.as_f64().unwrap_or(f64::NAN);
                    // JSON Schema counts 3.0 as an integer; so does the model.
                    if f.fract() == 0.0 && f >= 0.0 && f < u64::MAX as f64 {
                        visitor.visit_u64(f as u64)
                    } else if f.fract() == 0.0 && f < 0.0 && f > i64::MIN as f64 {
                        visitor.visit_i64(f as i64)
                    } else {
                        visitor.visit_f64(f)
                    }
                }
            }
            Value::String(s) => visitor.visit_borrowed_str(s),
            Value::Array(items) => visitor.visit_seq(Items(items.iter())),
            Value::Object(members) => visitor.visit_map(Members::new(members)),
        };
        result.map_err(|e| e.or_span(node.span))
    }

    /// Optional fields are left out, never `null`, as the schema says.
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0.value {
            Value::Null => Err(Error {
                message: "null is not a value here; leave the field out instead".into(),
                span: Some(self.0.span),
            }),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        if name == spanned::NAME {
            return visitor.visit_map(SpannedAccess::new(self.0.span, Some(self.0), None));
        }
        let _ = fields;
        // serde would also read a struct from an array, by position; a spec
        // writes objects.
        match &self.0.value {
            Value::Object(_) => self.deserialize_any(visitor),
            other => Err(Error {
                message: format!("expected an object, found {}", other.type_name()),
                span: Some(self.0.span),
            }),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match &self.0.value {
            Value::String(s) => visitor
                .visit_enum(s.as_str().into_deserializer())
                .map_err(|e: Error| e.or_span(self.0.span)),
            other => Err(Error {
                message: format!("expected a string, found {}", other.type_name()),
                span: Some(self.0.span),
            }),
        }
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct newtype_struct seq tuple
        tuple_struct map identifier ignored_any
    }
}

struct Items<'de>(std::slice::Iter<'de, Node>);

impl<'de> SeqAccess<'de> for Items<'de> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        match self.0.next() {
            None => Ok(None),
            Some(node) => seed
                .deserialize(NodeDeserializer(node))
                .map(Some)
                .map_err(|e| e.or_span(node.span)),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

struct Members<'de> {
    members: std::slice::Iter<'de, Member>,
    /// For large objects, whether each member is overridden by a later one
    /// of the same key (found once through a map, not by a scan per key).
    overridden: Option<Vec<bool>>,
    index: usize,
    value: Option<&'de Node>,
}

impl<'de> Members<'de> {
    fn new(members: &'de [Member]) -> Self {
        let overridden = (members.len() > 16).then(|| {
            let mut last: std::collections::HashMap<&str, usize> =
                std::collections::HashMap::with_capacity(members.len());
            for (i, m) in members.iter().enumerate() {
                last.insert(m.key.as_str(), i);
            }
            members
                .iter()
                .enumerate()
                .map(|(i, m)| last.get(m.key.as_str()) != Some(&i))
                .collect()
        });
        Members {
            members: members.iter(),
            overridden,
            index: 0,
            value: None,
        }
    }

    fn is_overridden(&self, member: &Member, index: usize) -> bool {
        match &self.overridden {
            Some(flags) => flags[index],
            None => self
                .members
                .as_slice()
                .iter()
                .any(|later| later.key == member.key),
        }
    }
}

impl<'de> MapAccess<'de> for Members<'de> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        // A duplicated key is reported on its own (spec/duplicate-key); here
        // the last one wins, as in the schema validation and most tools.
        let member = loop {
            let Some(member) = self.members.next() else {
                return Ok(None);
            };
            let index = self.index;
            self.index += 1;
            if !self.is_overridden(member, index) {
                break member;
            }
        };
        self.value = Some(&member.value);
        seed.deserialize(KeyDeserializer {
            key: &member.key,
            span: member.key_span,
        })
        .map(Some)
        .map_err(|e| e.or_span(member.key_span))
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let node = self
            .value
            .take()
            .ok_or_else(|| de::Error::custom("value requested before its key"))?;
        seed.deserialize(NodeDeserializer(node))
            .map_err(|e| e.or_span(node.span))
    }
}

/// Keys are strings; a `Spanned` key gets the key's own range.
struct KeyDeserializer<'de> {
    key: &'de str,
    span: Span,
}

impl<'de> de::Deserializer<'de> for KeyDeserializer<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_borrowed_str(self.key)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        if name == spanned::NAME {
            visitor.visit_map(SpannedAccess::new(self.span, None, Some(self.key)))
        } else {
            self.deserialize_any(visitor)
        }
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map enum identifier ignored_any
    }
}

/// Presents a node as the three-field struct [`Spanned`](super::Spanned)
/// asks for: start, end, then the value itself.
struct SpannedAccess<'de> {
    span: Span,
    node: Option<&'de Node>,
    key: Option<&'de str>,
    field: usize,
}

impl<'de> SpannedAccess<'de> {
    fn new(span: Span, node: Option<&'de Node>, key: Option<&'de str>) -> Self {
        SpannedAccess {
            span,
            node,
            key,
            field: 0,
        }
    }
}

impl<'de> MapAccess<'de> for SpannedAccess<'de> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        let Some(&name) = spanned::FIELDS.get(self.field) else {
            return Ok(None);
        };
        seed.deserialize(BorrowedStrDeserializer::<Error>::new(name))
            .map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let field = self.field;
        self.field += 1;
        match field {
            0 => seed.deserialize(self.span.start.into_deserializer()),
            1 => seed.deserialize(self.span.end.into_deserializer()),
            _ => match (self.node, self.key) {
                (Some(node), _) => seed
                    .deserialize(NodeDeserializer(node))
                    .map_err(|e| e.or_span(node.span)),
                (None, Some(key)) => seed.deserialize(KeyDeserializer {
                    key,
                    span: self.span,
                }),
                (None, None) => Err(de::Error::custom("spanned value without a source")),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::Deserialize;

    use super::*;
    use crate::source::SourceFile;
    use crate::spec::Spanned;

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    struct Pool {
        name: Spanned<String>,
        size: Spanned<u32>,
        role: Spanned<Role>,
        spot: Option<Spanned<f64>>,
        zones: Option<Vec<Spanned<String>>>,
        labels: Option<BTreeMap<Spanned<String>, String>>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "lowercase")]
    enum Role {
        Master,
        Worker,
    }

    fn parse(text: &str) -> Node {
        crate::source::parse(&SourceFile::new("t.json", text.to_string())).unwrap()
    }

    fn at(text: &str, span: Span) -> &str {
        &text[span.start as usize..span.end as usize]
    }

    #[test]
    fn spanned_fields_get_value_and_key_ranges() {
        let text = r#"{"name": "cp", "size": 3.0, "role": "master", "spot": 60, "zones": ["a"], "labels": {"k": "v"}}"#;
        let node = parse(text);
        let pool: Pool = from_node(&node).unwrap();
        assert_eq!(at(text, pool.name.span), r#""cp""#);
        assert_eq!(*pool.size, 3);
        assert_eq!(at(text, pool.role.span), r#""master""#);
        assert_eq!(*pool.role, Role::Master);
        assert_eq!(*pool.spot.unwrap(), 60.0);
        assert_eq!(at(text, pool.zones.unwrap()[0].span), r#""a""#);
        let labels = pool.labels.unwrap();
        let (key, _) = labels.iter().next().unwrap();
        assert_eq!(at(text, key.span), r#""k""#);
    }

    #[test]
    fn the_last_of_duplicate_keys_wins() {
        let node = parse(r#"{"name": "a", "size": 1, "role": "master", "name": "b"}"#);
        let pool: Pool = from_node(&node).unwrap();
        assert_eq!(*pool.name, "b");
    }

    #[test]
    fn errors_carry_the_span_of_the_offending_value() {
        let text = r#"{"name": "cp", "size": -1, "role": "master"}"#;
        let err = from_node::<Pool>(&parse(text)).unwrap_err();
        assert_eq!(at(text, err.span.unwrap()), "-1");

        let text = r#"{"name": "cp", "size": 1, "role": "boss"}"#;
        let err = from_node::<Pool>(&parse(text)).unwrap_err();
        assert_eq!(at(text, err.span.unwrap()), r#""boss""#);
        assert!(err.message.contains("unknown variant"), "{}", err.message);

        let text = r#"{"name": "cp", "size": 1, "role": "master", "colour": 1}"#;
        let err = from_node::<Pool>(&parse(text)).unwrap_err();
        assert_eq!(at(text, err.span.unwrap()), r#""colour""#);
    }
}

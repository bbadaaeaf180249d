//! A value with the source range it was read from.

use std::fmt;
use std::ops::Deref;

use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};

use crate::source::Span;

/// `T` with the span of the source it came from, so that rules can point at
/// the exact value they are about.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Spanned<T> {
    pub span: Span,
    pub value: T,
}

impl<T> Spanned<T> {
    pub fn new(span: Span, value: T) -> Self {
        Spanned { span, value }
    }
}

impl<T> Deref for Spanned<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T: fmt::Debug> fmt::Debug for Spanned<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?} @{}..{}",
            self.value, self.span.start, self.span.end
        )
    }
}

/// The spanned tree's deserializer recognises this struct name and answers
/// with the node's span; the names cannot collide with a user's field since
/// they are not valid spec keys.
pub(crate) const NAME: &str = "$awscluster::Spanned";
pub(crate) const START: &str = "$awscluster::start";
pub(crate) const END: &str = "$awscluster::end";
pub(crate) const VALUE: &str = "$awscluster::value";
pub(crate) const FIELDS: &[&str] = &[START, END, VALUE];

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Spanned<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SpannedVisitor<T>(std::marker::PhantomData<T>);

        impl<'de, T: Deserialize<'de>> Visitor<'de> for SpannedVisitor<T> {
            type Value = Spanned<T>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a value from a spanned document")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Spanned<T>, A::Error> {
                let mut start = None;
                let mut end = None;
                let mut value = None;
                while let Some(key) = map.next_key::<&str>()? {
                    match key {
                        START => start = Some(map.next_value::<u32>()?),
                        END => end = Some(map.next_value::<u32>()?),
                        VALUE => value = Some(map.next_value::<T>()?),
                        other => return Err(de::Error::unknown_field(other, FIELDS)),
                    }
                }
                match (start, end, value) {
                    (Some(start), Some(end), Some(value)) => Ok(Spanned {
                        span: Span { start, end },
                        value,
                    }),
                    _ => Err(de::Error::custom("spanned value without its span")),
                }
            }
        }

        deserializer.deserialize_struct(NAME, FIELDS, SpannedVisitor(std::marker::PhantomData))
    }
}

#[cfg(test)]
impl<T: schemars::JsonSchema> schemars::JsonSchema for Spanned<T> {
    fn inline_schema() -> bool {
        T::inline_schema()
    }

    fn schema_name() -> std::borrow::Cow<'static, str> {
        T::schema_name()
    }

    fn schema_id() -> std::borrow::Cow<'static, str> {
        T::schema_id()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        T::json_schema(generator)
    }
}

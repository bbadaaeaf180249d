//! The user's tags, which go onto every resource next to awscluster's own.

pub mod invalid_key;
pub mod invalid_value;
pub mod managed_key;
pub mod reserved_prefix;
pub mod too_many;

/// Whether AWS accepts `c` in a tag key or value: letters, digits and
/// spaces in any script, and `_ . : / = + - @`.
pub fn allowed_char(c: char) -> bool {
    c.is_alphanumeric() || c == ' ' || "_.:/=+-@".contains(c)
}

//! Reading the file: syntax, duplicate keys and the schema.

pub mod duplicate_key;
pub mod invalid_value;
pub mod schema;
pub mod syntax;
pub mod unknown_field;

//! Reading the file: syntax, duplicate keys and the schema.

pub mod duplicate_key;
pub mod invalid_value;
pub mod schema;
pub mod syntax;
pub mod unknown_field;

use std::sync::Arc;

use crate::diagnostic::SourceFile;
use crate::rules::Sink;
use crate::source::{self, Node};

/// A file's document, for specs and policies alike: UTF-8 text, parsed in
/// the format its name says, every duplicated key reported. `None` when
/// there is no document to check (the findings say why).
pub fn read_document(file: &Arc<SourceFile>, sink: &mut Sink) -> Option<Node> {
    if !file.invalid_bytes().is_empty() {
        syntax::report_not_utf8(sink, file);
        return None;
    }
    match source::parse(file) {
        Ok(root) => {
            duplicate_key::report(sink, &source::duplicate_keys(&root));
            Some(root)
        }
        Err(error) => {
            syntax::report(sink, &error);
            None
        }
    }
}

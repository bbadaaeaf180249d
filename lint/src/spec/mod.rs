//! The cluster spec: its model, how it is read from the spanned tree, and
//! its JSON Schema.

pub mod de;
mod model;
pub mod schema;
mod spanned;

pub use model::*;
pub use spanned::Spanned;

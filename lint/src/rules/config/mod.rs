//! Findings about the configuration itself.

pub mod unused_ignore;

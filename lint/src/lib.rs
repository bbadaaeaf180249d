//! `awscluster-lint`: everything about a cluster spec that can be decided
//! offline, without talking to AWS: the spec model and its loading with
//! source positions, the rules, the catalogs, the configuration and the
//! reports. Synchronous; no AWS SDK.

pub mod catalog;
pub mod cidr;
pub mod commands;
pub mod config;
pub mod diagnostic;
pub mod error;
pub mod fix;
pub mod fleet;
pub mod iam;
pub mod input;
pub mod layout;
pub mod live;
pub mod lsp;
pub mod naming;
pub mod report;
pub mod rules;
pub mod run;
pub mod settings;
pub mod source;
pub mod spec;
pub mod suggest;
pub mod tagging;

/// The seeded generator the randomized tests of both crates share.
#[cfg(test)]
#[path = "../../tests/common/rng.rs"]
mod test_rng;

pub use diagnostic::{Diagnostic, Severity};

//! Provisioning: `plan`, `apply`, `destroy` and `status` against AWS, for
//! specs the linter passed. State lives in AWS: every resource is tagged
//! at creation and found again by its tags (see `discover`).
//!
//! The commands build their tokio runtime themselves, so nothing async
//! starts unless one of them runs.

pub mod apply;
pub mod clients;
pub mod commands;
pub mod desired;
pub mod destroy;
pub mod discover;
pub mod error;
pub mod permissions;
pub mod plan;
pub mod progress;
pub mod render;
pub mod wait;

pub use commands::{Format, Request, Target};
pub use error::Error;

//! Provisioning: `plan`, `apply`, `destroy` and `status` against AWS, for
//! specs the linter passed. State lives in AWS: every resource is tagged
//! at creation and found again by its tags (see `observe`).
//!
//! The commands build their tokio runtime themselves, so nothing async
//! starts unless one of them runs.

pub mod account;
pub mod apply;
pub mod aws;
pub mod commands;
pub mod desired;
pub mod destroy;
pub mod kind;
pub mod names;
pub mod observe;
pub mod plan;
pub mod preflight;
pub mod prices;
pub mod progress;
pub mod render;
pub mod resources;

pub use aws::error::Error;
pub use aws::{permissions, wait};
pub use commands::{Format, Request, Target};

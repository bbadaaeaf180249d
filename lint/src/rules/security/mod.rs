//! Exposure and secrets.

pub mod api_open_to_world;
pub mod credentials_in_spec;
pub mod ssh_open_to_world;

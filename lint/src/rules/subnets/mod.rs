//! Tags on static placement's existing subnets.

pub mod foreign_cluster;
pub mod missing_tags;

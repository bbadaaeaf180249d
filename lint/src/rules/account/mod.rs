//! The cloud account awscluster works in.

pub mod external_id;
pub mod role_arn;

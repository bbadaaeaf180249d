//! Talking to AWS: the clients, what a failed call means, the permission
//! table and its guard, and the ways of calling and waiting that make a
//! run safe to interrupt and to retry.

pub mod call;
pub mod clients;
pub mod error;
pub mod permissions;
pub mod wait;

//! What `awscluster preflight` learned of the live account, for the rules
//! to compare a spec against. Gathering it is the provisioner's job (the
//! only part that talks to AWS); this is plain data, so that every check
//! stays a synchronous rule with its tests beside it.
//!
//! `None` for a fact means it was not looked at (offline lint); a fact
//! that could not be read is `None` with an [`Unchecked`] saying why, which
//! `live/could-not-check` reports.

use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, Default)]
pub struct Live {
    /// Who the credentials are (an ARN), for the report's heading.
    pub caller: Option<String>,
    /// The Region's Availability Zones and their state (`available`,
    /// `impaired`, …).
    pub zones: Option<BTreeMap<String, String>>,
    /// The (instance type, zone) pairs EC2 offers, for the spec's types.
    pub offerings: Option<BTreeSet<(String, String)>>,
    /// Whether the spec's key pair exists in the Region.
    pub key_pair: Option<bool>,
    /// Each image as the spec writes it. An image not in the map was not
    /// checked.
    pub images: BTreeMap<String, Image>,
    /// The architectures each of the spec's instance types supports.
    pub architectures: Option<BTreeMap<String, Vec<String>>>,
    /// The account's quota values, by quota code: they replace both AWS's
    /// defaults and `awscluster.toml`'s values.
    pub quotas: BTreeMap<String, f64>,
    /// What the account already uses of each quota, by quota code.
    pub usage: BTreeMap<String, f64>,
    /// Where each quota value came from, by quota code ("applied value in
    /// Service Quotas", …).
    pub quota_origin: BTreeMap<String, String>,
    pub unchecked: Vec<Unchecked>,
}

/// What AWS says of an image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Image {
    /// No such image (or parameter) in the Region.
    Missing,
    /// There, with the architecture it reports, if any.
    Found { architecture: Option<String> },
}

/// A check that could not run: its call was refused or is not
/// implemented where the credentials point.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unchecked {
    /// What was not checked ("the key pair", "quota L-1216C47A").
    pub what: String,
    /// The spec value it concerns, as a JSON pointer (`/sshKeyName`).
    pub pointer: String,
    /// The IAM action that would let it run.
    pub action: String,
    /// AWS's answer.
    pub reason: String,
}

//! What `awscluster preflight` learned of the live account, for the rules
//! to compare a spec against. Gathering it is the provisioner's job (the
//! only part that talks to AWS); this is plain data, so that every check
//! stays a synchronous rule with its tests beside it.
//!
//! `None` for a fact means it was not looked at (offline lint); a fact
//! that could not be read is `None` with an [`Unchecked`] saying why, which
//! `live/could-not-check` reports.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::Error;

/// Where a quota value came from when neither the account nor
/// awscluster.toml gave one.
pub const TABLE_ORIGIN: &str = "AWS's default for a new account, from the built-in table";

#[derive(Debug, Clone, Default)]
pub struct Live {
    /// The Region the facts are of: the quota rules use them only for a
    /// spec there (a snapshot is of one Region).
    pub region: Option<String>,
    /// Who the credentials are (an ARN), for the report's heading.
    pub caller: Option<String>,
    /// The Region's Availability Zones and their state (`available`,
    /// `impaired`, …).
    pub zones: Option<BTreeMap<String, String>>,
    /// The (instance type, zone) pairs EC2 offers, for the spec's types.
    pub offerings: Option<BTreeSet<(String, String)>>,
    /// Whether each key pair the specs name exists in the Region; a name
    /// not in the map was not checked.
    pub key_pairs: BTreeMap<String, bool>,
    /// Each image as the spec writes it. An image not in the map was not
    /// checked.
    pub images: BTreeMap<String, Image>,
    /// The architectures each of the spec's instance types supports.
    pub architectures: Option<BTreeMap<String, Vec<String>>>,
    /// The account's quota values, by quota code: they replace both AWS's
    /// defaults and `awscluster.toml`'s values.
    pub quotas: BTreeMap<String, f64>,
    /// Static specs' VPCs and subnets as AWS holds them, by VPC id.
    pub networks: BTreeMap<String, Network>,
    /// The policies IAM holds for the credentials' role or user.
    pub principal: Option<PrincipalPolicies>,
    /// What the account already uses of each quota, by quota code.
    pub usage: BTreeMap<String, f64>,
    /// Where each quota value came from, by quota code ("applied value in
    /// Service Quotas", …).
    pub quota_origin: BTreeMap<String, String>,
    pub unchecked: Vec<Unchecked>,
}

impl Live {
    /// The network of a static spec, as AWS holds it, when it was read.
    pub fn network_of(&self, spec: &crate::spec::ClusterSpec) -> Option<&Network> {
        self.networks.get(spec.static_placement()?.vpc_id.as_str())
    }

    /// The checks that could not run that concern `spec`.
    pub fn unchecked_for<'a>(
        &'a self,
        spec: &'a crate::spec::ClusterSpec,
    ) -> impl Iterator<Item = &'a Unchecked> {
        self.unchecked.iter().filter(|u| match &u.subject {
            None => true,
            Some(value) => {
                spec.ssh_key_name.as_str() == value
                    || spec
                        .static_placement()
                        .is_some_and(|p| p.vpc_id.as_str() == value)
                    || spec.images().any(|image| image == value)
            }
        })
    }
}

/// The policies IAM holds for a role or a user, its groups' included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrincipalPolicies {
    /// `role ProvisionerRole`, `user ci`.
    pub principal: String,
    pub policies: Vec<LivePolicy>,
}

/// One policy document as IAM holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LivePolicy {
    /// Where IAM holds it, as findings name it.
    pub name: String,
    /// The role, user or group it belongs to: size quotas are per owner.
    pub owner: String,
    pub usage: crate::iam::Usage,
    /// The document, URL-decoded.
    pub document: String,
}

/// A static spec's network as AWS holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Network {
    /// The VPC's block; `None`: no such VPC.
    pub vpc: Option<String>,
    /// The spec's subnets AWS has, by id.
    pub subnets: BTreeMap<String, Subnet>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subnet {
    pub vpc_id: String,
    pub cidr: String,
    pub zone: String,
    /// Whether its route table (its own, else the VPC's main one) sends
    /// 0.0.0.0/0 to an internet gateway; `None`: no route table found.
    pub public: Option<bool>,
    pub tags: BTreeMap<String, String>,
    /// Free addresses, as AWS counts them.
    pub free: Option<u64>,
}

/// What AWS says of an image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Image {
    /// No such image (or parameter) in the Region.
    Missing,
    /// There, with the architecture and root device it reports, if any
    /// (the root volume's mapping must name the device).
    Found {
        architecture: Option<String>,
        root_device: Option<String>,
    },
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
    /// The spec value it concerns (a key pair's name, an image, a VPC id)
    /// when it concerns only the specs that name it; `None`: every spec.
    pub subject: Option<String>,
}

/// An account's quotas and their usage in one Region, recorded by
/// `awscluster quotas snapshot` for `lint --quotas` and `preflight
/// --quotas` (a CI job without credentials).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[cfg_attr(test, schemars(extend("$id" = "https://raw.githubusercontent.com/awscluster/awscluster/main/schemas/quotas.schema.json")))]
pub struct Snapshot {
    /// When it was taken, RFC 3339 in UTC.
    pub taken_at: String,
    /// The AWS account, 12 digits.
    pub account: String,
    /// The Region the values are of.
    pub region: String,
    /// By quota code (`L-1216C47A`).
    pub quotas: BTreeMap<String, SnapshotQuota>,
}

/// One quota in a snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
pub struct SnapshotQuota {
    /// The quota's value.
    pub value: f64,
    /// Where the value came from ("applied value in Service Quotas", …).
    pub origin: String,
    /// What the account used of it when the snapshot was taken; absent
    /// when it could not be counted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<f64>,
}

impl Snapshot {
    pub fn read(path: &Path) -> Result<Snapshot, Error> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
            path: path.to_path_buf(),
            source,
        })?;
        serde_json::from_str(&text).map_err(|e| {
            Error::Usage(format!(
                "`{}` is not a quota snapshot ({e}); `awscluster quotas snapshot` makes one",
                path.display()
            ))
        })
    }

    /// The facts a snapshot gives: quota values and usage, nothing else.
    pub fn into_live(self) -> Live {
        let mut live = Live {
            region: Some(self.region),
            ..Live::default()
        };
        for (code, quota) in self.quotas {
            if let Some(usage) = quota.usage {
                live.usage.insert(code.clone(), usage);
            }
            // A value the snapshot could only take from the built-in table
            // says nothing of the account: awscluster.toml's wins over it.
            if quota.origin == TABLE_ORIGIN {
                continue;
            }
            live.quotas.insert(code.clone(), quota.value);
            live.quota_origin.insert(
                code.clone(),
                format!(
                    "{}, in the snapshot of account {} taken {}",
                    quota.origin, self.account, self.taken_at
                ),
            );
        }
        live
    }
}

/// The JSON Schema of a quota snapshot.
pub const QUOTAS_SCHEMA: &str = include_str!("../../schemas/quotas.schema.json");

#[cfg(test)]
mod tests {
    use super::*;

    /// `schemas/quotas.schema.json` is what the type says. Regenerate with
    /// `UPDATE_SCHEMAS=1`.
    #[test]
    fn checked_in_schema_matches_the_type() {
        let mut schema = serde_json::to_value(schemars::schema_for!(Snapshot)).unwrap();
        crate::spec::schema::strip_null_alternatives(&mut schema);
        let mut text = serde_json::to_string_pretty(&schema).unwrap();
        text.push('\n');
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../schemas/quotas.schema.json");
        if std::env::var_os("UPDATE_SCHEMAS").is_some() {
            std::fs::write(path, &text).unwrap();
            return;
        }
        assert!(
            text == QUOTAS_SCHEMA,
            "schemas/quotas.schema.json is stale: run with UPDATE_SCHEMAS=1"
        );
    }

    #[test]
    fn a_snapshot_gives_values_usage_and_where_they_came_from() {
        let snapshot: Snapshot = serde_json::from_str(
            r#"{"takenAt": "2026-12-06T04:00:00Z", "account": "123456789012", "region": "us-east-1",
                "quotas": {"L-F678F1CE": {"value": 5, "origin": "applied value in Service Quotas", "usage": 4},
                           "L-0263D0A3": {"value": 5, "origin": "AWS's default, from Service Quotas"},
                           "L-1216C47A": {"value": 5, "origin": "AWS's default for a new account, from the built-in table", "usage": 8}}}"#,
        )
        .expect("a snapshot");
        let live = snapshot.into_live();
        assert_eq!(live.region.as_deref(), Some("us-east-1"));
        assert_eq!(live.quotas["L-F678F1CE"], 5.0);
        assert_eq!(live.usage.get("L-F678F1CE"), Some(&4.0));
        assert_eq!(live.usage.get("L-0263D0A3"), None);
        // The table's value is no fact of the account; the usage is.
        assert_eq!(live.quotas.get("L-1216C47A"), None);
        assert_eq!(live.usage.get("L-1216C47A"), Some(&8.0));
        assert_eq!(
            live.quota_origin["L-F678F1CE"],
            "applied value in Service Quotas, in the snapshot of account 123456789012 taken 2026-12-06T04:00:00Z"
        );
        // Anything else is refused, not guessed at.
        assert!(serde_json::from_str::<Snapshot>(r#"{"account": "1"}"#).is_err());
    }
}

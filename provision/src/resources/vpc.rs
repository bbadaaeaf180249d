//! The VPC: the spec's block, with DNS support and DNS hostnames on (the
//! nodes find each other and the AWS cloud provider names them by their
//! private DNS names, which need both). EC2 sets one attribute per call,
//! after the create: both are observed and repaired like any attribute.

use aws_sdk_ec2::types as ec2;

use super::{
    Cx, Did, Fit, Op, Ref, Resolve, Resource, Shown, Work, created_id, on_off, owned_filter,
    show_tags, tag_change, tag_spec, tags_of,
};
use crate::aws::call::{create, gone, settled};
use crate::aws::clients::Clients;
use crate::aws::error::{AwsResult, Error, missing};
use crate::aws::permissions::{EC2, Permission, op};
use crate::aws::wait::released;
use crate::desired::{Desired, Network};
use crate::kind::Kind;
use crate::names::{self, Role, Tags};
use crate::observe::Observed as All;

pub const CALLS: &[Permission] = &[
    op(EC2, "CreateVpc", &["ec2:CreateVpc", "ec2:CreateTags"]),
    op(EC2, "DescribeVpcs", &["ec2:DescribeVpcs"]),
    op(EC2, "DescribeVpcAttribute", &["ec2:DescribeVpcAttribute"]),
    op(EC2, "ModifyVpcAttribute", &["ec2:ModifyVpcAttribute"]),
    op(EC2, "DeleteVpc", &["ec2:DeleteVpc"]),
];

#[derive(Debug, Clone)]
pub struct Vpc;

#[derive(Debug, Clone)]
pub struct Spec {
    pub name: String,
    pub cidr: String,
    pub tags: Tags,
}

#[derive(Debug, Clone)]
pub struct Observed {
    pub id: String,
    pub name: String,
    pub cidr: String,
    pub dns_support: bool,
    pub dns_hostnames: bool,
    pub tags: Tags,
}

#[derive(Debug, Clone)]
pub enum Change {
    DnsSupport(bool),
    DnsHostnames(bool),
    Tags(Tags),
}

impl Resource for Vpc {
    const KIND: Kind = Kind::Vpc;
    type World = All;
    type Wants = Desired;
    type Spec = Spec;
    type Observed = Observed;
    type Change = Change;

    fn wanted(d: &Desired) -> Vec<Spec> {
        match &d.network {
            Network::Dynamic { cidr, .. } => {
                let name = d.vpc_name();
                vec![Spec {
                    tags: d.tags(&name, Role::Common),
                    name,
                    cidr: cidr.clone(),
                }]
            }
            Network::Static { .. } => Vec::new(),
        }
    }

    fn observed(all: &All) -> &[Observed] {
        &all.vpcs
    }

    fn spec_name(spec: &Spec) -> &str {
        &spec.name
    }

    fn name(o: &Observed) -> &str {
        &o.name
    }

    fn id(o: &Observed) -> &str {
        &o.id
    }

    fn owned(o: &Observed, cluster: &str) -> bool {
        names::is_owned(&o.tags, cluster) && o.name == names::naming::vpc(cluster)
    }

    fn refs(_spec: &Spec) -> Vec<Ref> {
        Vec::new()
    }

    fn fits(spec: &Spec, o: &Observed, _ids: &dyn Resolve) -> Fit {
        if o.cidr == spec.cidr {
            Fit::Yes
        } else {
            Fit::Block(format!(
                "its block is {} and the spec's is {}; a VPC's block cannot change: destroy the cluster first",
                o.cidr, spec.cidr
            ))
        }
    }

    fn uses(o: &Observed, all: &All) -> usize {
        all.subnets.iter().filter(|s| s.vpc_id == o.id).count()
            + all
                .gateways
                .iter()
                .filter(|g| g.attached_to.contains(&o.id))
                .count()
            + all.groups.iter().filter(|g| g.vpc_id == o.id).count()
            + all.route_tables.iter().filter(|t| t.vpc_id == o.id).count()
    }

    fn diff(spec: &Spec, o: &Observed, _ids: &dyn Resolve) -> Vec<Change> {
        let mut changes = Vec::new();
        if !o.dns_support {
            changes.push(Change::DnsSupport(true));
        }
        if !o.dns_hostnames {
            changes.push(Change::DnsHostnames(true));
        }
        changes.extend(tag_change(&spec.tags, &o.tags).map(Change::Tags));
        changes
    }

    fn show(change: &Change) -> Shown {
        match change {
            Change::DnsSupport(on) => Shown::new("DNS support", on_off(!on), on_off(*on)),
            Change::DnsHostnames(on) => Shown::new("DNS hostnames", on_off(!on), on_off(*on)),
            Change::Tags(tags) => show_tags(tags),
        }
    }

    fn describe(spec: &Spec) -> String {
        format!("{}, DNS support and hostnames on", spec.cidr)
    }

    fn describe_observed(o: &Observed) -> String {
        o.cidr.clone()
    }

    fn work(op: Op<Vpc>) -> Work {
        Work::Vpc(op)
    }
}

/// The cluster's VPCs: owned, and with the name the cluster gave (an
/// existing VPC a platform team tagged for the cluster is not its own).
pub async fn observe(clients: &Clients, cluster: &str) -> Result<Vec<Observed>, Error> {
    let pages = clients
        .ec2
        .describe_vpcs()
        .filters(owned_filter(cluster))
        .into_paginator()
        .send()
        .try_collect()
        .await
        .on("DescribeVpcs", cluster)?;
    let mut found = Vec::new();
    for v in pages.iter().flat_map(|p| p.vpcs()) {
        let tags = tags_of(v.tags());
        let name = names::name_of(&tags).to_string();
        let Some(id) = v.vpc_id() else {
            return Err(missing("DescribeVpcs", cluster, "VpcId"));
        };
        if !names::is_owned(&tags, cluster) || name != names::naming::vpc(cluster) {
            continue;
        }
        let (dns_support, dns_hostnames) = tokio::try_join!(
            attribute(clients, id, ec2::VpcAttributeName::EnableDnsSupport),
            attribute(clients, id, ec2::VpcAttributeName::EnableDnsHostnames),
        )?;
        found.push(Observed {
            id: id.to_string(),
            cidr: v
                .cidr_block()
                .ok_or_else(|| missing("DescribeVpcs", id, "CidrBlock"))?
                .to_string(),
            name,
            dns_support,
            dns_hostnames,
            tags,
        });
    }
    Ok(found)
}

/// The block of a VPC given by id (static placement's); `None` when it
/// does not exist.
pub async fn by_id(clients: &Clients, id: &str) -> Result<Option<String>, Error> {
    let out = clients
        .ec2
        .describe_vpcs()
        .filters(super::filter("vpc-id", vec![id.to_string()]))
        .send()
        .await
        .on("DescribeVpcs", id)?;
    Ok(out
        .vpcs()
        .iter()
        .find(|v| v.vpc_id() == Some(id))
        .and_then(|v| v.cidr_block().map(str::to_string)))
}

async fn attribute(
    clients: &Clients,
    id: &str,
    which: ec2::VpcAttributeName,
) -> Result<bool, Error> {
    let out = clients
        .ec2
        .describe_vpc_attribute()
        .vpc_id(id)
        .attribute(which.clone())
        .send()
        .await
        .on("DescribeVpcAttribute", id)?;
    let value = match which {
        ec2::VpcAttributeName::EnableDnsHostnames => out.enable_dns_hostnames(),
        _ => out.enable_dns_support(),
    };
    value
        .and_then(|v| v.value())
        .ok_or_else(|| missing("DescribeVpcAttribute", id, which.as_str()))
}

pub async fn run(cx: &Cx<'_>, step: usize, op: &Op<Vpc>) -> Result<Did, Error> {
    match op {
        Op::Create(spec) => {
            let retry = cx.retry(step, Some(Kind::Vpc));
            let id = create(
                retry.get(),
                || {
                    let call = cx
                        .clients
                        .ec2_once
                        .create_vpc()
                        .cidr_block(&spec.cidr)
                        .tag_specifications(tag_spec(ec2::ResourceType::Vpc, &spec.tags));
                    async {
                        let out = call.send().await.on("CreateVpc", &spec.name)?;
                        created_id("CreateVpc", &spec.name, out.vpc().and_then(|v| v.vpc_id()))
                    }
                },
                || find(cx, &spec.name),
            )
            .await?;
            cx.produced(step, &id);
            // Hostnames need DNS support first.
            for change in [Change::DnsSupport(true), Change::DnsHostnames(true)] {
                change_one(cx, step, &id, &spec.name, &change).await?;
            }
            Ok(Did::Created(id))
        }
        Op::Update { id, spec, changes } => {
            cx.produced(step, id);
            for change in changes {
                change_one(cx, step, id, &spec.name, change).await?;
            }
            Ok(Did::Changed(super::said::<Vpc>(changes)))
        }
        Op::Delete(o) => {
            released("VPC", cx.timing, || async {
                gone(
                    cx.ec2()
                        .delete_vpc()
                        .vpc_id(&o.id)
                        .send()
                        .await
                        .on("DeleteVpc", &o.name),
                )
            })
            .await?;
            Ok(Did::Deleted)
        }
    }
}

/// The VPC of that name the cluster owns, if AWS shows one.
async fn find(cx: &Cx<'_>, name: &str) -> Result<Option<String>, Error> {
    let out = cx
        .ec2()
        .describe_vpcs()
        .filters(owned_filter(cx.cluster))
        .filters(super::filter("tag:Name", vec![name.to_string()]))
        .send()
        .await
        .on("DescribeVpcs", name)?;
    Ok(out
        .vpcs()
        .iter()
        .filter(|v| {
            let tags = tags_of(v.tags());
            names::is_owned(&tags, cx.cluster) && names::name_of(&tags) == name
        })
        .filter(|v| v.vpc_id().is_some_and(|id| !cx.doomed(id)))
        .find_map(|v| v.vpc_id().map(str::to_string)))
}

async fn change_one(
    cx: &Cx<'_>,
    step: usize,
    id: &str,
    name: &str,
    change: &Change,
) -> Result<(), Error> {
    let retry = cx.retry(step, Some(Kind::Vpc));
    match change {
        Change::DnsSupport(on) | Change::DnsHostnames(on) => {
            let value = ec2::AttributeBooleanValue::builder().value(*on).build();
            settled(retry.get(), || {
                let call = cx.ec2().modify_vpc_attribute().vpc_id(id);
                let call = match change {
                    Change::DnsHostnames(_) => call.enable_dns_hostnames(value.clone()),
                    _ => call.enable_dns_support(value.clone()),
                };
                async { call.send().await.on("ModifyVpcAttribute", name) }
            })
            .await?;
        }
        Change::Tags(tags) => cx.tag(step, id, name, tags).await?,
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::testing::{NoRefs, tags_for};

    fn observed(dns: bool, hostnames: bool) -> Observed {
        Observed {
            id: "vpc-1".into(),
            name: "demo-vpc".into(),
            cidr: "10.0.0.0/16".into(),
            dns_support: dns,
            dns_hostnames: hostnames,
            tags: tags_for("demo", "demo-vpc", Role::Common),
        }
    }

    fn spec() -> Spec {
        Spec {
            name: "demo-vpc".into(),
            cidr: "10.0.0.0/16".into(),
            tags: tags_for("demo", "demo-vpc", Role::Common),
        }
    }

    #[test]
    fn dns_attributes_that_drifted_are_changes() {
        assert!(Vpc::diff(&spec(), &observed(true, true), &NoRefs).is_empty());
        let changes = Vpc::diff(&spec(), &observed(true, false), &NoRefs);
        assert_eq!(changes.len(), 1);
        assert_eq!(
            Vpc::show(&changes[0]),
            Shown::new("DNS hostnames", "off", "on")
        );
        let both = Vpc::diff(&spec(), &observed(false, false), &NoRefs);
        assert_eq!(both.len(), 2);
    }

    #[test]
    fn another_block_does_not_fit() {
        let mut other = observed(true, true);
        other.cidr = "10.9.0.0/16".into();
        let Fit::Block(why) = Vpc::fits(&spec(), &other, &NoRefs) else {
            panic!("another block cannot be changed");
        };
        assert!(why.contains("destroy the cluster first"), "{why}");
    }

    #[test]
    fn a_vpc_is_the_clusters_only_with_its_tag_and_its_name() {
        let o = observed(true, true);
        assert!(Vpc::owned(&o, "demo"));
        assert!(!Vpc::owned(&o, "demo2"));
        let mut renamed = o.clone();
        renamed.name = "platform-vpc".into();
        assert!(!Vpc::owned(&renamed, "demo"));
    }
}

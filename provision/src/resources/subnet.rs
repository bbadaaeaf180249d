//! The subnets of dynamic placement, a public and a private one per zone,
//! in the blocks the linter's layout gives. Public ones map a public IP on
//! launch (the bastion is reached through it), set by a second call after
//! the create; both kinds carry the tags load balancer controllers find
//! them by.

use aws_sdk_ec2::types as ec2;
use awscluster_lint::spec::SubnetKind;

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
    op(EC2, "CreateSubnet", &["ec2:CreateSubnet", "ec2:CreateTags"]),
    op(EC2, "DescribeSubnets", &["ec2:DescribeSubnets"]),
    op(EC2, "ModifySubnetAttribute", &["ec2:ModifySubnetAttribute"]),
    op(EC2, "DeleteSubnet", &["ec2:DeleteSubnet"]),
];

#[derive(Debug, Clone)]
pub struct Subnet;

#[derive(Debug, Clone)]
pub struct Spec {
    pub name: String,
    pub vpc: Ref,
    pub zone: String,
    pub cidr: String,
    pub kind: SubnetKind,
    pub tags: Tags,
}

impl Spec {
    fn public_ip_on_launch(&self) -> bool {
        self.kind == SubnetKind::Public
    }
}

#[derive(Debug, Clone)]
pub struct Observed {
    pub id: String,
    pub name: String,
    pub vpc_id: String,
    pub zone: String,
    pub cidr: String,
    pub public_ip_on_launch: bool,
    pub tags: Tags,
}

#[derive(Debug, Clone)]
pub enum Change {
    PublicIpOnLaunch(bool),
    Tags(Tags),
}

impl Resource for Subnet {
    const KIND: Kind = Kind::Subnet;
    type World = All;
    type Wants = Desired;
    type Spec = Spec;
    type Observed = Observed;
    type Change = Change;

    fn wanted(d: &Desired) -> Vec<Spec> {
        let Network::Dynamic { zones, .. } = &d.network else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for z in zones {
            for (kind, cidr) in [
                (SubnetKind::Public, &z.public_cidr),
                (SubnetKind::Private, &z.private_cidr),
            ] {
                let name = d.subnet_name(kind, &z.zone);
                let (role, elb_key) = match kind {
                    SubnetKind::Public => (Role::Public, names::ELB_ROLE_KEY),
                    SubnetKind::Private => (Role::Private, names::INTERNAL_ELB_ROLE_KEY),
                };
                let mut tags = d.tags(&name, role);
                tags.insert(names::kubernetes_key(&d.cluster), names::OWNED.into());
                tags.insert(elb_key.into(), "1".into());
                out.push(Spec {
                    name,
                    vpc: d.vpc_ref(),
                    zone: z.zone.clone(),
                    cidr: cidr.clone(),
                    kind,
                    tags,
                });
            }
        }
        out
    }

    fn observed(all: &All) -> &[Observed] {
        &all.subnets
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
        names::is_owned(&o.tags, cluster)
    }

    fn refs(spec: &Spec) -> Vec<Ref> {
        vec![spec.vpc.clone()]
    }

    fn fits(spec: &Spec, o: &Observed, ids: &dyn Resolve) -> Fit {
        if !ids.id(&spec.vpc).is_some_and(|vpc| vpc.is(&o.vpc_id)) {
            return Fit::Replace(format!("it is in {}, not in the cluster's VPC", o.vpc_id));
        }
        if o.cidr != spec.cidr || o.zone != spec.zone {
            return Fit::Block(format!(
                "it is {} in {} and the spec says {} in {}: a subnet cannot move; destroy the cluster first",
                o.cidr, o.zone, spec.cidr, spec.zone
            ));
        }
        Fit::Yes
    }

    fn uses(o: &Observed, all: &All) -> usize {
        all.instances.iter().filter(|i| i.subnet_id == o.id).count()
            + all
                .nat_gateways
                .iter()
                .filter(|n| n.subnet_id == o.id)
                .count()
            + all
                .route_tables
                .iter()
                .filter(|t| t.associations.values().any(|s| s == &o.id))
                .count()
    }

    fn diff(spec: &Spec, o: &Observed, _ids: &dyn Resolve) -> Vec<Change> {
        let mut changes = Vec::new();
        if o.public_ip_on_launch != spec.public_ip_on_launch() {
            changes.push(Change::PublicIpOnLaunch(spec.public_ip_on_launch()));
        }
        changes.extend(tag_change(&spec.tags, &o.tags).map(Change::Tags));
        changes
    }

    fn show(change: &Change) -> Shown {
        match change {
            Change::PublicIpOnLaunch(on) => {
                Shown::new("public IP on launch", on_off(!on), on_off(*on))
            }
            Change::Tags(tags) => show_tags(tags),
        }
    }

    fn describe(spec: &Spec) -> String {
        format!("{} {} in {}", spec.kind, spec.cidr, spec.zone)
    }

    fn describe_observed(o: &Observed) -> String {
        format!("{} in {}", o.cidr, o.zone)
    }

    fn work(op: Op<Subnet>) -> Work {
        Work::Subnet(op)
    }
}

/// The subnets the cluster owns (the discovery keeps those of its own
/// VPCs).
pub async fn observe(clients: &Clients, cluster: &str) -> Result<Vec<Observed>, Error> {
    let pages = clients
        .ec2
        .describe_subnets()
        .filters(owned_filter(cluster))
        .into_paginator()
        .send()
        .try_collect()
        .await
        .on("DescribeSubnets", cluster)?;
    let mut found = Vec::new();
    for s in pages.iter().flat_map(|p| p.subnets()) {
        let observed = read(s)?;
        if names::is_owned(&observed.tags, cluster) {
            found.push(observed);
        }
    }
    Ok(found)
}

/// Subnets by id (static placement's): those that exist.
pub async fn by_ids(clients: &Clients, ids: &[String]) -> Result<Vec<Observed>, Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let out = clients
        .ec2
        .describe_subnets()
        .filters(super::filter("subnet-id", ids.to_vec()))
        .send()
        .await
        .on("DescribeSubnets", ids.join(", "))?;
    out.subnets()
        .iter()
        .map(read)
        .filter(|s| s.as_ref().map_or(true, |s| ids.contains(&s.id)))
        .collect()
}

fn read(s: &ec2::Subnet) -> Result<Observed, Error> {
    let id = s
        .subnet_id()
        .ok_or_else(|| missing("DescribeSubnets", "a subnet", "SubnetId"))?;
    let field = |value: Option<&str>, what: &str| {
        value
            .map(str::to_string)
            .ok_or_else(|| missing("DescribeSubnets", id, what))
    };
    let tags = tags_of(s.tags());
    Ok(Observed {
        id: id.to_string(),
        name: names::name_of(&tags).to_string(),
        vpc_id: field(s.vpc_id(), "VpcId")?,
        zone: field(s.availability_zone(), "AvailabilityZone")?,
        cidr: field(s.cidr_block(), "CidrBlock")?,
        public_ip_on_launch: s
            .map_public_ip_on_launch()
            .ok_or_else(|| missing("DescribeSubnets", id, "MapPublicIpOnLaunch"))?,
        tags,
    })
}

pub async fn run(cx: &Cx<'_>, step: usize, op: &Op<Subnet>) -> Result<Did, Error> {
    match op {
        Op::Create(spec) => {
            let vpc = cx.id(&spec.vpc)?;
            let retry = cx.retry(step, Some(Kind::Subnet));
            let id = create(
                retry.get(),
                || {
                    let call = cx
                        .clients
                        .ec2_once
                        .create_subnet()
                        .vpc_id(&vpc)
                        .cidr_block(&spec.cidr)
                        .availability_zone(&spec.zone)
                        .tag_specifications(tag_spec(ec2::ResourceType::Subnet, &spec.tags));
                    async {
                        let out = call.send().await.on("CreateSubnet", &spec.name)?;
                        created_id(
                            "CreateSubnet",
                            &spec.name,
                            out.subnet().and_then(|s| s.subnet_id()),
                        )
                    }
                },
                || find(cx, &vpc, spec),
            )
            .await?;
            if spec.public_ip_on_launch() {
                change_one(cx, step, &id, &spec.name, &Change::PublicIpOnLaunch(true)).await?;
            }
            cx.produced(step, &id);
            Ok(Did::Created(id))
        }
        Op::Update { id, spec, changes } => {
            for change in changes {
                change_one(cx, step, id, &spec.name, change).await?;
            }
            cx.produced(step, id);
            Ok(Did::Changed(super::said::<Subnet>(changes)))
        }
        Op::Delete(o) => {
            released("subnet", cx.timing, || async {
                gone(
                    cx.ec2()
                        .delete_subnet()
                        .subnet_id(&o.id)
                        .send()
                        .await
                        .on("DeleteSubnet", &o.name),
                )
            })
            .await?;
            Ok(Did::Deleted)
        }
    }
}

/// The subnet a lost create may have made: the cluster's, with that name,
/// in the VPC (EC2 also refuses a second subnet on the same block, and
/// this finds the first).
async fn find(cx: &Cx<'_>, vpc: &str, spec: &Spec) -> Result<Option<String>, Error> {
    let out = cx
        .ec2()
        .describe_subnets()
        .filters(super::filter("vpc-id", vec![vpc.to_string()]))
        .filters(owned_filter(cx.cluster))
        .send()
        .await
        .on("DescribeSubnets", &spec.name)?;
    for s in out.subnets() {
        let o = read(s)?;
        if o.vpc_id == vpc
            && o.name == spec.name
            && o.cidr == spec.cidr
            && names::is_owned(&o.tags, cx.cluster)
            && !cx.doomed(&o.id)
        {
            return Ok(Some(o.id));
        }
    }
    Ok(None)
}

async fn change_one(
    cx: &Cx<'_>,
    step: usize,
    id: &str,
    name: &str,
    change: &Change,
) -> Result<(), Error> {
    match change {
        Change::PublicIpOnLaunch(on) => {
            let retry = cx.retry(step, Some(Kind::Subnet));
            settled(retry.get(), || {
                let call = cx
                    .ec2()
                    .modify_subnet_attribute()
                    .subnet_id(id)
                    .map_public_ip_on_launch(
                        ec2::AttributeBooleanValue::builder().value(*on).build(),
                    );
                async { call.send().await.on("ModifySubnetAttribute", name) }
            })
            .await?;
        }
        Change::Tags(tags) => cx.tag(step, id, name, tags).await?,
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::resources::Id;
    use crate::resources::testing::{Refs, tags_for};

    fn spec(kind: SubnetKind) -> Spec {
        Spec {
            name: "demo-subnet-public-us-east-1a".into(),
            vpc: Ref::new(Kind::Vpc, "demo-vpc"),
            zone: "us-east-1a".into(),
            cidr: "10.0.0.0/20".into(),
            kind,
            tags: tags_for("demo", "demo-subnet-public-us-east-1a", Role::Public),
        }
    }

    fn observed(public_ip: bool) -> Observed {
        Observed {
            id: "subnet-1".into(),
            name: "demo-subnet-public-us-east-1a".into(),
            vpc_id: "vpc-1".into(),
            zone: "us-east-1a".into(),
            cidr: "10.0.0.0/20".into(),
            public_ip_on_launch: public_ip,
            tags: tags_for("demo", "demo-subnet-public-us-east-1a", Role::Public),
        }
    }

    fn refs(vpc: Id) -> Refs {
        Refs(HashMap::from([(Ref::new(Kind::Vpc, "demo-vpc"), vpc)]))
    }

    #[test]
    fn a_public_subnet_maps_public_ips_and_a_private_one_does_not() {
        let ids = refs(Id::Known("vpc-1".into()));
        assert!(Subnet::diff(&spec(SubnetKind::Public), &observed(true), &ids).is_empty());
        let off = Subnet::diff(&spec(SubnetKind::Public), &observed(false), &ids);
        assert_eq!(off.len(), 1);
        assert_eq!(
            Subnet::show(&off[0]),
            Shown::new("public IP on launch", "off", "on")
        );
        let private = Subnet::diff(&spec(SubnetKind::Private), &observed(true), &ids);
        assert_eq!(
            Subnet::show(&private[0]),
            Shown::new("public IP on launch", "on", "off")
        );
    }

    #[test]
    fn a_subnet_of_another_vpc_is_replaced_and_a_moved_block_blocks() {
        let ours = refs(Id::Known("vpc-1".into()));
        assert_eq!(
            Subnet::fits(&spec(SubnetKind::Public), &observed(true), &ours),
            Fit::Yes
        );
        let other = refs(Id::Known("vpc-2".into()));
        assert!(matches!(
            Subnet::fits(&spec(SubnetKind::Public), &observed(true), &other),
            Fit::Replace(_)
        ));
        let new_vpc = refs(Id::Step(0));
        assert!(matches!(
            Subnet::fits(&spec(SubnetKind::Public), &observed(true), &new_vpc),
            Fit::Replace(_)
        ));
        let mut moved = observed(true);
        moved.cidr = "10.0.16.0/20".into();
        assert!(matches!(
            Subnet::fits(&spec(SubnetKind::Public), &moved, &ours),
            Fit::Block(_)
        ));
    }
}

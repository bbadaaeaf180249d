//! The Elastic IP of each zone's NAT gateway. An address that is
//! associated is never released, whatever the plan says of it: AWS refuses
//! to release an address a NAT gateway uses, and an address associated
//! with something the cluster does not own is not the plan's to cut.

use aws_sdk_ec2::types as ec2;

use super::{
    Cx, Did, Op, Ref, Resolve, Resource, Shown, Work, created_id, owned_filter, show_tags,
    tag_change, tag_spec, tags_of,
};
use crate::aws::call::{create, gone};
use crate::aws::clients::Clients;
use crate::aws::error::{AwsResult, Error, missing};
use crate::aws::permissions::{EC2, Permission, op};
use crate::aws::wait::released;
use crate::desired::Desired;
use crate::kind::Kind;
use crate::names::{self, Role, Tags};
use crate::observe::Observed as All;

pub const CALLS: &[Permission] = &[
    op(
        EC2,
        "AllocateAddress",
        &["ec2:AllocateAddress", "ec2:CreateTags"],
    ),
    op(EC2, "DescribeAddresses", &["ec2:DescribeAddresses"]),
    op(EC2, "ReleaseAddress", &["ec2:ReleaseAddress"]),
];

#[derive(Debug, Clone)]
pub struct ElasticIp;

#[derive(Debug, Clone)]
pub struct Spec {
    pub name: String,
    pub zone: String,
    pub tags: Tags,
}

#[derive(Debug, Clone)]
pub struct Observed {
    pub allocation_id: String,
    pub name: String,
    pub association_id: Option<String>,
    pub tags: Tags,
}

#[derive(Debug, Clone)]
pub enum Change {
    Tags(Tags),
}

impl Resource for ElasticIp {
    const KIND: Kind = Kind::ElasticIp;
    type World = All;
    type Wants = Desired;
    type Spec = Spec;
    type Observed = Observed;
    type Change = Change;

    fn wanted(d: &Desired) -> Vec<Spec> {
        if !d.is_dynamic() {
            return Vec::new();
        }
        d.zones
            .iter()
            .map(|zone| {
                let name = d.eip_name(zone);
                Spec {
                    tags: d.tags(&name, Role::Common),
                    name,
                    zone: zone.clone(),
                }
            })
            .collect()
    }

    fn observed(all: &All) -> &[Observed] {
        &all.addresses
    }

    fn spec_name(spec: &Spec) -> &str {
        &spec.name
    }

    fn name(o: &Observed) -> &str {
        &o.name
    }

    fn id(o: &Observed) -> &str {
        &o.allocation_id
    }

    fn owned(o: &Observed, cluster: &str) -> bool {
        names::is_owned(&o.tags, cluster)
    }

    fn refs(_spec: &Spec) -> Vec<Ref> {
        Vec::new()
    }

    fn uses(o: &Observed, all: &All) -> usize {
        usize::from(o.association_id.is_some())
            + all
                .nat_gateways
                .iter()
                .filter(|n| n.allocation_ids.contains(&o.allocation_id))
                .count()
    }

    fn deletable(o: &Observed, all: &All, kept: &dyn Fn(Kind, &str) -> bool) -> Result<(), String> {
        let users: Vec<&str> = all
            .nat_gateways
            .iter()
            .filter(|n| n.allocation_ids.contains(&o.allocation_id))
            .map(|n| n.id.as_str())
            .collect();
        if let Some(nat) = users.iter().find(|nat| kept(Kind::NatGateway, nat)) {
            return Err(format!("NAT gateway {nat}, which stays, uses it"));
        }
        match &o.association_id {
            Some(association) if users.is_empty() => Err(format!(
                "it is associated ({association}) with something the cluster does not own"
            )),
            _ => Ok(()),
        }
    }

    fn diff(spec: &Spec, o: &Observed, _ids: &dyn Resolve) -> Vec<Change> {
        tag_change(&spec.tags, &o.tags)
            .map(Change::Tags)
            .into_iter()
            .collect()
    }

    fn show(change: &Change) -> Shown {
        match change {
            Change::Tags(tags) => show_tags(tags),
        }
    }

    fn describe(spec: &Spec) -> String {
        format!("for the NAT gateway in {}", spec.zone)
    }

    fn describe_observed(o: &Observed) -> String {
        match &o.association_id {
            Some(_) => "associated".into(),
            None => "not associated".into(),
        }
    }

    fn work(op: Op<ElasticIp>) -> Work {
        Work::ElasticIp(op)
    }
}

pub async fn observe(clients: &Clients, cluster: &str) -> Result<Vec<Observed>, Error> {
    let out = clients
        .ec2
        .describe_addresses()
        .filters(owned_filter(cluster))
        .send()
        .await
        .on("DescribeAddresses", cluster)?;
    let mut found = Vec::new();
    for a in out.addresses() {
        let o = read(a)?;
        if names::is_owned(&o.tags, cluster) {
            found.push(o);
        }
    }
    Ok(found)
}

fn read(a: &ec2::Address) -> Result<Observed, Error> {
    let tags = tags_of(a.tags());
    Ok(Observed {
        allocation_id: a
            .allocation_id()
            .ok_or_else(|| missing("DescribeAddresses", "an address", "AllocationId"))?
            .to_string(),
        name: names::name_of(&tags).to_string(),
        association_id: a.association_id().map(str::to_string),
        tags,
    })
}

pub async fn run(cx: &Cx<'_>, step: usize, op: &Op<ElasticIp>) -> Result<Did, Error> {
    match op {
        Op::Create(spec) => {
            let retry = cx.retry(step, Some(Kind::ElasticIp));
            let id = create(
                retry.get(),
                || {
                    let call = cx
                        .clients
                        .ec2_once
                        .allocate_address()
                        .domain(ec2::DomainType::Vpc)
                        .tag_specifications(tag_spec(ec2::ResourceType::ElasticIp, &spec.tags));
                    async {
                        let out = call.send().await.on("AllocateAddress", &spec.name)?;
                        created_id("AllocateAddress", &spec.name, out.allocation_id())
                    }
                },
                || find(cx, &spec.name),
            )
            .await?;
            cx.produced(step, &id);
            Ok(Did::Created(id))
        }
        Op::Update { id, spec, changes } => {
            for change in changes {
                match change {
                    Change::Tags(tags) => cx.tag(step, id, &spec.name, tags).await?,
                }
            }
            cx.produced(step, id);
            Ok(Did::Changed(super::said::<ElasticIp>(changes)))
        }
        Op::Delete(o) => {
            released("Elastic IP", cx.timing, || async {
                gone(
                    cx.ec2()
                        .release_address()
                        .allocation_id(&o.allocation_id)
                        .send()
                        .await
                        .on("ReleaseAddress", &o.name),
                )
            })
            .await?;
            Ok(Did::Deleted)
        }
    }
}

async fn find(cx: &Cx<'_>, name: &str) -> Result<Option<String>, Error> {
    let out = cx
        .ec2()
        .describe_addresses()
        .filters(owned_filter(cx.cluster))
        .filters(super::filter("tag:Name", vec![name.to_string()]))
        .send()
        .await
        .on("DescribeAddresses", name)?;
    for a in out.addresses() {
        let o = read(a)?;
        if o.name == name && names::is_owned(&o.tags, cx.cluster) && !cx.doomed(&o.allocation_id) {
            return Ok(Some(o.allocation_id));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::nat_gateway;
    use crate::resources::testing::tags_for;

    fn address(id: &str, association: Option<&str>) -> Observed {
        Observed {
            allocation_id: id.into(),
            name: "demo-eip-us-east-1a".into(),
            association_id: association.map(str::to_string),
            tags: tags_for("demo", "demo-eip-us-east-1a", Role::Common),
        }
    }

    #[test]
    fn an_address_a_kept_nat_gateway_uses_is_never_released() {
        let all = All {
            nat_gateways: vec![nat_gateway::testing::nat(
                "nat-1",
                "available",
                &["eipalloc-1"],
            )],
            ..All::default()
        };
        let used = address("eipalloc-1", Some("eipassoc-1"));
        let keep_nat = |kind: Kind, id: &str| kind == Kind::NatGateway && id == "nat-1";
        assert!(ElasticIp::deletable(&used, &all, &keep_nat).is_err());
        // Its NAT gateway goes too: the address is released after it.
        assert!(ElasticIp::deletable(&used, &all, &|_, _| false).is_ok());
        // Associated with something else: left alone.
        let elsewhere = address("eipalloc-2", Some("eipassoc-2"));
        assert!(ElasticIp::deletable(&elsewhere, &all, &|_, _| false).is_err());
        assert!(ElasticIp::deletable(&address("eipalloc-3", None), &all, &|_, _| false).is_ok());
        // Of two, the one in use is kept.
        assert!(ElasticIp::uses(&used, &all) > ElasticIp::uses(&address("eipalloc-3", None), &all));
    }
}

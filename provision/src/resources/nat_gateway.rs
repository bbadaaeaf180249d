//! A NAT gateway per zone, in its public subnet with the zone's Elastic IP:
//! the private subnets' way out. Created with a client token, waited for
//! until available (all of a run's in one poll), and replaced when it
//! failed or stands in the wrong subnet or on the wrong address.

use std::collections::HashMap;

use aws_sdk_ec2::types as ec2;
use awscluster_lint::spec::SubnetKind;

use super::{
    Cx, Did, Fit, Op, Ref, Resolve, Resource, Shown, Work, created_id, filter, owned_filter,
    show_tags, tag_change, tag_spec, tags_of,
};
use crate::aws::call::{client_token, create, gone};
use crate::aws::clients::Clients;
use crate::aws::error::{AwsResult, Certainty, Error, missing};
use crate::aws::permissions::{EC2, Permission, op};
use crate::desired::Desired;
use crate::kind::Kind;
use crate::names::{self, Role, Tags};
use crate::observe::Observed as All;

pub const CALLS: &[Permission] = &[
    op(
        EC2,
        "CreateNatGateway",
        &["ec2:CreateNatGateway", "ec2:CreateTags"],
    ),
    op(EC2, "DescribeNatGateways", &["ec2:DescribeNatGateways"]),
    op(EC2, "DeleteNatGateway", &["ec2:DeleteNatGateway"]),
];

#[derive(Debug, Clone)]
pub struct NatGateway;

#[derive(Debug, Clone)]
pub struct Spec {
    pub name: String,
    pub zone: String,
    pub subnet: Ref,
    pub address: Ref,
    pub tags: Tags,
}

#[derive(Debug, Clone)]
pub struct Observed {
    pub id: String,
    pub name: String,
    pub subnet_id: String,
    pub state: ec2::NatGatewayState,
    pub allocation_ids: Vec<String>,
    pub tags: Tags,
}

#[derive(Debug, Clone)]
pub enum Change {
    /// Pending: wait until it is available.
    Available,
    Tags(Tags),
}

/// What a poll says of a NAT gateway.
#[derive(Debug, Clone)]
pub struct Polled {
    pub state: ec2::NatGatewayState,
    pub failure: Option<(String, String)>,
}

impl Resource for NatGateway {
    const KIND: Kind = Kind::NatGateway;
    type World = All;
    type Wants = Desired;
    /// The Elastic IP a replacement needs is the old one's until it is
    /// deleted.
    const DELETE_BEFORE_REPLACING: bool = true;
    type Spec = Spec;
    type Observed = Observed;
    type Change = Change;

    fn wanted(d: &Desired) -> Vec<Spec> {
        if !d.is_dynamic() {
            return Vec::new();
        }
        d.zones
            .iter()
            .filter_map(|zone| {
                let name = d.nat_name(zone);
                Some(Spec {
                    tags: d.tags(&name, Role::Common),
                    name,
                    zone: zone.clone(),
                    subnet: d.subnet_ref(SubnetKind::Public, zone)?,
                    address: Ref::new(Kind::ElasticIp, d.eip_name(zone)),
                })
            })
            .collect()
    }

    fn observed(all: &All) -> &[Observed] {
        &all.nat_gateways
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

    fn gone(o: &Observed) -> bool {
        !matches!(
            o.state,
            ec2::NatGatewayState::Pending | ec2::NatGatewayState::Available
        )
    }

    fn refs(spec: &Spec) -> Vec<Ref> {
        vec![spec.subnet.clone(), spec.address.clone()]
    }

    fn fits(spec: &Spec, o: &Observed, ids: &dyn Resolve) -> Fit {
        let in_subnet = ids.id(&spec.subnet).is_some_and(|s| s.is(&o.subnet_id));
        let on_address = ids
            .id(&spec.address)
            .is_some_and(|a| o.allocation_ids.iter().any(|id| a.is(id)));
        if in_subnet && on_address {
            Fit::Yes
        } else {
            Fit::Replace(format!(
                "it is in {} on {}, not in the zone's public subnet on its Elastic IP",
                o.subnet_id,
                o.allocation_ids.join(", ")
            ))
        }
    }

    fn uses(o: &Observed, all: &All) -> usize {
        all.route_tables
            .iter()
            .filter(|t| t.routes.values().any(|target| target == &o.id))
            .count()
            + usize::from(o.state == ec2::NatGatewayState::Available)
    }

    fn diff(spec: &Spec, o: &Observed, _ids: &dyn Resolve) -> Vec<Change> {
        let mut changes = Vec::new();
        if o.state == ec2::NatGatewayState::Pending {
            changes.push(Change::Available);
        }
        changes.extend(tag_change(&spec.tags, &o.tags).map(Change::Tags));
        changes
    }

    fn show(change: &Change) -> Shown {
        match change {
            Change::Available => Shown::new("state", "pending", "available"),
            Change::Tags(tags) => show_tags(tags),
        }
    }

    fn describe(spec: &Spec) -> String {
        format!("in the public subnet of {}", spec.zone)
    }

    fn describe_observed(o: &Observed) -> String {
        format!("{} in {}", o.state.as_str(), o.subnet_id)
    }

    fn work(op: Op<NatGateway>) -> Work {
        Work::NatGateway(op)
    }
}

/// The cluster's NAT gateways, but those long deleted.
pub async fn observe(clients: &Clients, cluster: &str) -> Result<Vec<Observed>, Error> {
    let pages = clients
        .ec2
        .describe_nat_gateways()
        .filter(owned_filter(cluster))
        .into_paginator()
        .send()
        .try_collect()
        .await
        .on("DescribeNatGateways", cluster)?;
    let mut found = Vec::new();
    for n in pages.iter().flat_map(|p| p.nat_gateways()) {
        let o = read(n)?;
        if names::is_owned(&o.tags, cluster) && o.state != ec2::NatGatewayState::Deleted {
            found.push(o);
        }
    }
    Ok(found)
}

fn read(n: &ec2::NatGateway) -> Result<Observed, Error> {
    let id = n
        .nat_gateway_id()
        .ok_or_else(|| missing("DescribeNatGateways", "a NAT gateway", "NatGatewayId"))?;
    let tags = tags_of(n.tags());
    Ok(Observed {
        id: id.to_string(),
        name: names::name_of(&tags).to_string(),
        subnet_id: n
            .subnet_id()
            .ok_or_else(|| missing("DescribeNatGateways", id, "SubnetId"))?
            .to_string(),
        state: n
            .state()
            .ok_or_else(|| missing("DescribeNatGateways", id, "State"))?
            .clone(),
        allocation_ids: n
            .nat_gateway_addresses()
            .iter()
            .filter_map(|a| a.allocation_id().map(str::to_string))
            .collect(),
        tags,
    })
}

/// What a poll sees of `ids`; ids EC2 does not show yet are left out.
async fn poll(clients: &Clients, ids: Vec<String>) -> Result<HashMap<String, Polled>, Error> {
    let out = clients
        .ec2
        .describe_nat_gateways()
        .filter(filter("nat-gateway-id", ids.clone()))
        .send()
        .await
        .on("DescribeNatGateways", ids.join(", "))?;
    let mut seen = HashMap::new();
    for n in out.nat_gateways() {
        let o = read(n)?;
        let failure = n.failure_code().map(|code| {
            (
                code.to_string(),
                n.failure_message().unwrap_or_default().to_string(),
            )
        });
        seen.insert(
            o.id,
            Polled {
                state: o.state,
                failure,
            },
        );
    }
    Ok(seen)
}

async fn available(cx: &Cx<'_>, id: &str, name: &str) -> Result<(), Error> {
    cx.nat_gateways
        .wait(
            id,
            &format!("NAT gateway {name} ({id}) to be available"),
            cx.timing,
            |ids| poll(cx.clients, ids),
            |seen| match seen {
                None => Ok(None),
                Some(p) if p.state == ec2::NatGatewayState::Pending => Ok(None),
                Some(p) if p.state == ec2::NatGatewayState::Available => Ok(Some(())),
                Some(p) => {
                    let state = p.state.as_str();
                    let (code, message) = p
                        .failure
                        .clone()
                        .unwrap_or(("NatGatewayFailed".into(), String::new()));
                    Err(Error::Aws {
                        operation: "CreateNatGateway",
                        resource: name.to_string(),
                        code,
                        message: format!("the NAT gateway is {state}: {message}"),
                        certainty: Certainty::Refused,
                    })
                }
            },
        )
        .await
}

pub async fn run(cx: &Cx<'_>, step: usize, op: &Op<NatGateway>) -> Result<Did, Error> {
    match op {
        Op::Create(spec) => {
            let subnet = cx.id(&spec.subnet)?;
            let address = cx.id(&spec.address)?;
            let retry = cx.retry(step, Some(Kind::NatGateway));
            let token = client_token();
            let id = create(
                retry.get(),
                || {
                    let call = cx
                        .clients
                        .ec2_once
                        .create_nat_gateway()
                        .subnet_id(&subnet)
                        .allocation_id(&address)
                        .client_token(&token)
                        .tag_specifications(tag_spec(ec2::ResourceType::Natgateway, &spec.tags));
                    async {
                        let out = call.send().await.on("CreateNatGateway", &spec.name)?;
                        created_id(
                            "CreateNatGateway",
                            &spec.name,
                            out.nat_gateway().and_then(|n| n.nat_gateway_id()),
                        )
                    }
                },
                || find(cx, &spec.name, &subnet),
            )
            .await?;
            available(cx, &id, &spec.name).await?;
            cx.produced(step, &id);
            Ok(Did::Created(id))
        }
        Op::Update { id, spec, changes } => {
            for change in changes {
                match change {
                    Change::Available => available(cx, id, &spec.name).await?,
                    Change::Tags(tags) => cx.tag(step, id, &spec.name, tags).await?,
                }
            }
            cx.produced(step, id);
            Ok(Did::Changed(super::said::<NatGateway>(changes)))
        }
        Op::Delete(o) => {
            if !matches!(
                o.state,
                ec2::NatGatewayState::Deleting | ec2::NatGatewayState::Deleted
            ) {
                gone(
                    cx.ec2()
                        .delete_nat_gateway()
                        .nat_gateway_id(&o.id)
                        .send()
                        .await
                        .on("DeleteNatGateway", &o.name),
                )?;
            }
            // Its address is only free once it is gone.
            cx.nat_gateways
                .wait(
                    &o.id,
                    &format!("NAT gateway {} ({}) to be deleted", o.name, o.id),
                    cx.timing,
                    |ids| poll(cx.clients, ids),
                    |seen| {
                        Ok(seen
                            .is_none_or(|p| p.state == ec2::NatGatewayState::Deleted)
                            .then_some(()))
                    },
                )
                .await?;
            Ok(Did::Deleted)
        }
    }
}

/// A live NAT gateway of that name in the subnet, the cluster's.
async fn find(cx: &Cx<'_>, name: &str, subnet: &str) -> Result<Option<String>, Error> {
    let out = cx
        .ec2()
        .describe_nat_gateways()
        .filter(owned_filter(cx.cluster))
        .filter(filter("subnet-id", vec![subnet.to_string()]))
        .send()
        .await
        .on("DescribeNatGateways", name)?;
    for n in out.nat_gateways() {
        let o = read(n)?;
        if o.name == name
            && o.subnet_id == subnet
            && names::is_owned(&o.tags, cx.cluster)
            && !NatGateway::gone(&o)
            && !cx.doomed(&o.id)
        {
            return Ok(Some(o.id));
        }
    }
    Ok(None)
}

#[cfg(test)]
pub mod testing {
    use super::Observed;
    use crate::names::Role;
    use crate::resources::testing::tags_for;

    pub fn nat(id: &str, state: &str, addresses: &[&str]) -> Observed {
        Observed {
            id: id.into(),
            name: "demo-nat-us-east-1a".into(),
            subnet_id: "subnet-1".into(),
            state: aws_sdk_ec2::types::NatGatewayState::from(state),
            allocation_ids: addresses.iter().map(|a| a.to_string()).collect(),
            tags: tags_for("demo", "demo-nat-us-east-1a", Role::Common),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::resources::Id;
    use crate::resources::testing::{Refs, tags_for};

    fn spec() -> Spec {
        Spec {
            name: "demo-nat-us-east-1a".into(),
            zone: "us-east-1a".into(),
            subnet: Ref::new(Kind::Subnet, "demo-subnet-public-us-east-1a"),
            address: Ref::new(Kind::ElasticIp, "demo-eip-us-east-1a"),
            tags: tags_for("demo", "demo-nat-us-east-1a", Role::Common),
        }
    }

    fn ids(address: &str) -> Refs {
        Refs(HashMap::from([
            (
                Ref::new(Kind::Subnet, "demo-subnet-public-us-east-1a"),
                Id::Known("subnet-1".into()),
            ),
            (
                Ref::new(Kind::ElasticIp, "demo-eip-us-east-1a"),
                Id::Known(address.into()),
            ),
        ]))
    }

    #[test]
    fn a_pending_gateway_is_waited_for_and_a_failed_one_is_not_kept() {
        let pending = testing::nat("nat-1", "pending", &["eipalloc-1"]);
        let changes = NatGateway::diff(&spec(), &pending, &ids("eipalloc-1"));
        assert_eq!(
            NatGateway::show(&changes[0]),
            Shown::new("state", "pending", "available")
        );
        assert!(!NatGateway::gone(&pending));
        assert!(NatGateway::gone(&testing::nat("nat-2", "failed", &[])));
        assert!(NatGateway::gone(&testing::nat("nat-3", "deleting", &[])));
    }

    #[test]
    fn a_gateway_on_another_address_is_replaced() {
        let nat = testing::nat("nat-1", "available", &["eipalloc-1"]);
        assert_eq!(
            NatGateway::fits(&spec(), &nat, &ids("eipalloc-1")),
            Fit::Yes
        );
        assert!(matches!(
            NatGateway::fits(&spec(), &nat, &ids("eipalloc-2")),
            Fit::Replace(_)
        ));
    }
}

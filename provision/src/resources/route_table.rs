//! Route tables of dynamic placement: the public one (a default route to
//! the internet gateway, every public subnet associated) and one per zone
//! for its private subnet (a default route to the zone's NAT gateway).
//!
//! A default route that leads elsewhere (to a NAT gateway since replaced)
//! cannot be changed with the permissions the seed's policies grant
//! (`ec2:ReplaceRoute` and `ec2:DeleteRoute` are not in them): the table
//! is replaced instead, its subnets moved to the new one.

use std::collections::BTreeMap;

use aws_sdk_ec2::types as ec2;
use awscluster_lint::spec::SubnetKind;

use super::{
    Cx, Did, Fit, Id, Op, Ref, Resolve, Resource, Shown, Work, created_id, filter, owned_filter,
    show_tags, tag_change, tag_spec, tags_of,
};
use crate::aws::call::{client_token, create, done_unless, gone, settled};
use crate::aws::clients::Clients;
use crate::aws::error::{AwsResult, Error, missing};
use crate::aws::permissions::{EC2, Permission, op};
use crate::aws::wait::released;
use crate::desired::{Desired, Network};
use crate::kind::Kind;
use crate::names::{self, Role, Tags};
use crate::observe::Observed as All;

pub const CALLS: &[Permission] = &[
    op(
        EC2,
        "CreateRouteTable",
        &["ec2:CreateRouteTable", "ec2:CreateTags"],
    ),
    op(EC2, "DescribeRouteTables", &["ec2:DescribeRouteTables"]),
    op(EC2, "CreateRoute", &["ec2:CreateRoute"]),
    op(EC2, "AssociateRouteTable", &["ec2:AssociateRouteTable"]),
    op(
        EC2,
        "DisassociateRouteTable",
        &["ec2:DisassociateRouteTable"],
    ),
    op(EC2, "DeleteRouteTable", &["ec2:DeleteRouteTable"]),
];

const DEFAULT_ROUTE: &str = "0.0.0.0/0";

#[derive(Debug, Clone)]
pub struct RouteTable;

#[derive(Debug, Clone)]
pub struct Spec {
    pub name: String,
    pub vpc: Ref,
    /// Where the default route goes: the internet gateway or a NAT gateway.
    pub target: Ref,
    pub subnets: Vec<Ref>,
    pub what: String,
    pub tags: Tags,
}

#[derive(Debug, Clone)]
pub struct Observed {
    pub id: String,
    pub name: String,
    pub vpc_id: String,
    /// Destination block → gateway or NAT gateway id.
    pub routes: BTreeMap<String, String>,
    /// Association id → subnet id.
    pub associations: BTreeMap<String, String>,
    pub tags: Tags,
}

#[derive(Debug, Clone)]
pub enum Change {
    DefaultRoute,
    Associate(Ref),
    Tags(Tags),
}

impl Resource for RouteTable {
    const KIND: Kind = Kind::RouteTable;
    type World = All;
    type Wants = Desired;
    type Spec = Spec;
    type Observed = Observed;
    type Change = Change;

    fn wanted(d: &Desired) -> Vec<Spec> {
        let Network::Dynamic { zones, .. } = &d.network else {
            return Vec::new();
        };
        let public = d.public_route_table_name();
        let mut out = vec![Spec {
            tags: d.tags(&public, Role::Public),
            name: public,
            vpc: d.vpc_ref(),
            target: Ref::new(Kind::InternetGateway, d.igw_name()),
            subnets: zones
                .iter()
                .filter_map(|z| d.subnet_ref(SubnetKind::Public, &z.zone))
                .collect(),
            what: "default route to the internet gateway, associated with the public subnets"
                .into(),
        }];
        for z in zones {
            let name = d.private_route_table_name(&z.zone);
            out.push(Spec {
                tags: d.tags(&name, Role::Private),
                name,
                vpc: d.vpc_ref(),
                target: Ref::new(Kind::NatGateway, d.nat_name(&z.zone)),
                subnets: d
                    .subnet_ref(SubnetKind::Private, &z.zone)
                    .into_iter()
                    .collect(),
                what: format!("default route to the NAT gateway in {}", z.zone),
            });
        }
        out
    }

    fn observed(all: &All) -> &[Observed] {
        &all.route_tables
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
        let mut refs = vec![spec.vpc.clone(), spec.target.clone()];
        refs.extend(spec.subnets.iter().cloned());
        refs
    }

    fn fits(spec: &Spec, o: &Observed, ids: &dyn Resolve) -> Fit {
        if !ids.id(&spec.vpc).is_some_and(|vpc| vpc.is(&o.vpc_id)) {
            return Fit::Replace(format!("it is in {}, not in the cluster's VPC", o.vpc_id));
        }
        match o.routes.get(DEFAULT_ROUTE) {
            Some(to) if !ids.id(&spec.target).is_some_and(|t| t.is(to)) => Fit::Replace(format!(
                "its default route goes to {to}, not to {} {}",
                spec.target.kind, spec.target.name
            )),
            _ => Fit::Yes,
        }
    }

    fn uses(o: &Observed, _all: &All) -> usize {
        o.associations.len()
    }

    fn diff(spec: &Spec, o: &Observed, ids: &dyn Resolve) -> Vec<Change> {
        let mut changes = Vec::new();
        if !o.routes.contains_key(DEFAULT_ROUTE) {
            changes.push(Change::DefaultRoute);
        }
        for subnet in &spec.subnets {
            let associated = match ids.id(subnet) {
                Some(Id::Known(id)) => o.associations.values().any(|s| s == &id),
                _ => false,
            };
            if !associated {
                changes.push(Change::Associate(subnet.clone()));
            }
        }
        changes.extend(tag_change(&spec.tags, &o.tags).map(Change::Tags));
        changes
    }

    fn show(change: &Change) -> Shown {
        match change {
            Change::DefaultRoute => Shown::new("default route", "none", "added"),
            Change::Associate(subnet) => Shown::new("subnets", "", format!("+ {}", subnet.name)),
            Change::Tags(tags) => show_tags(tags),
        }
    }

    fn describe(spec: &Spec) -> String {
        spec.what.clone()
    }

    fn describe_observed(o: &Observed) -> String {
        format!(
            "{} route(s), {} subnet(s)",
            o.routes.len(),
            o.associations.len()
        )
    }

    fn work(op: Op<RouteTable>) -> Work {
        Work::RouteTable(op)
    }
}

pub async fn observe(clients: &Clients, cluster: &str) -> Result<Vec<Observed>, Error> {
    let pages = clients
        .ec2
        .describe_route_tables()
        .filters(owned_filter(cluster))
        .into_paginator()
        .send()
        .try_collect()
        .await
        .on("DescribeRouteTables", cluster)?;
    let mut found = Vec::new();
    for t in pages.iter().flat_map(|p| p.route_tables()) {
        let o = read(t)?;
        if names::is_owned(&o.tags, cluster) {
            found.push(o);
        }
    }
    Ok(found)
}

fn read(t: &ec2::RouteTable) -> Result<Observed, Error> {
    let id = t
        .route_table_id()
        .ok_or_else(|| missing("DescribeRouteTables", "a route table", "RouteTableId"))?;
    let tags = tags_of(t.tags());
    Ok(Observed {
        id: id.to_string(),
        name: names::name_of(&tags).to_string(),
        vpc_id: t
            .vpc_id()
            .ok_or_else(|| missing("DescribeRouteTables", id, "VpcId"))?
            .to_string(),
        routes: t
            .routes()
            .iter()
            .filter_map(|r| {
                // Whatever the route leads to: one to a transit gateway or
                // an interface is a default route like any other.
                let target = r
                    .gateway_id()
                    .or(r.nat_gateway_id())
                    .or(r.transit_gateway_id())
                    .or(r.network_interface_id())
                    .or(r.instance_id())
                    .or(r.vpc_peering_connection_id())
                    .or(r.egress_only_internet_gateway_id())
                    .or(r.local_gateway_id())
                    .or(r.carrier_gateway_id())
                    .or(r.core_network_arn())
                    .unwrap_or("blackhole");
                Some((r.destination_cidr_block()?.to_string(), target.to_string()))
            })
            .collect(),
        associations: t
            .associations()
            .iter()
            .filter_map(|a| {
                Some((
                    a.route_table_association_id()?.to_string(),
                    a.subnet_id()?.to_string(),
                ))
            })
            .collect(),
        tags,
    })
}

pub async fn run(cx: &Cx<'_>, step: usize, op: &Op<RouteTable>) -> Result<Did, Error> {
    match op {
        Op::Create(spec) => {
            let vpc = cx.id(&spec.vpc)?;
            let retry = cx.retry(step, Some(Kind::RouteTable));
            let token = client_token();
            let id = create(
                retry.get(),
                || {
                    let call = cx
                        .clients
                        .ec2_once
                        .create_route_table()
                        .vpc_id(&vpc)
                        .client_token(&token)
                        .tag_specifications(tag_spec(ec2::ResourceType::RouteTable, &spec.tags));
                    async {
                        let out = call.send().await.on("CreateRouteTable", &spec.name)?;
                        created_id(
                            "CreateRouteTable",
                            &spec.name,
                            out.route_table().and_then(|t| t.route_table_id()),
                        )
                    }
                },
                || find(cx, &spec.name, &vpc),
            )
            .await?;
            // The route and the associations need only the table: together.
            let changes: Vec<Change> = std::iter::once(Change::DefaultRoute)
                .chain(spec.subnets.iter().cloned().map(Change::Associate))
                .collect();
            futures_util::future::try_join_all(
                changes.iter().map(|c| change_one(cx, step, &id, spec, c)),
            )
            .await?;
            cx.produced(step, &id);
            Ok(Did::Created(id))
        }
        Op::Update { id, spec, changes } => {
            for change in changes {
                change_one(cx, step, id, spec, change).await?;
            }
            cx.produced(step, id);
            Ok(Did::Changed(super::said::<RouteTable>(changes)))
        }
        Op::Delete(o) => {
            for association in o.associations.keys() {
                gone(
                    cx.ec2()
                        .disassociate_route_table()
                        .association_id(association)
                        .send()
                        .await
                        .on("DisassociateRouteTable", &o.name),
                )?;
            }
            released("route table", cx.timing, || async {
                gone(
                    cx.ec2()
                        .delete_route_table()
                        .route_table_id(&o.id)
                        .send()
                        .await
                        .on("DeleteRouteTable", &o.name),
                )
            })
            .await?;
            Ok(Did::Deleted)
        }
    }
}

async fn find(cx: &Cx<'_>, name: &str, vpc: &str) -> Result<Option<String>, Error> {
    let out = cx
        .ec2()
        .describe_route_tables()
        .filters(owned_filter(cx.cluster))
        .filters(filter("vpc-id", vec![vpc.to_string()]))
        .send()
        .await
        .on("DescribeRouteTables", name)?;
    for t in out.route_tables() {
        let o = read(t)?;
        if o.name == name
            && o.vpc_id == vpc
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
    spec: &Spec,
    change: &Change,
) -> Result<(), Error> {
    let retry = cx.retry(step, Some(Kind::RouteTable));
    match change {
        Change::DefaultRoute => {
            let target = cx.id(&spec.target)?;
            let result = settled(retry.get(), || {
                let call = cx
                    .ec2()
                    .create_route()
                    .route_table_id(id)
                    .destination_cidr_block(DEFAULT_ROUTE);
                let call = match spec.target.kind {
                    Kind::NatGateway => call.nat_gateway_id(&target),
                    _ => call.gateway_id(&target),
                };
                async { call.send().await.on("CreateRoute", &spec.name) }
            })
            .await;
            // There already: the answer to an earlier attempt was lost.
            done_unless(result, &["RouteAlreadyExists"])
        }
        Change::Associate(subnet) => associate(cx, step, id, spec, &cx.id(subnet)?).await,
        Change::Tags(tags) => cx.tag(step, id, &spec.name, tags).await,
    }
}

/// Associates the subnet with the table. A subnet has one table: one
/// still associated with another of the cluster's tables (being replaced)
/// is moved; with a table the cluster does not own, the error stands.
async fn associate(
    cx: &Cx<'_>,
    step: usize,
    table: &str,
    spec: &Spec,
    subnet: &str,
) -> Result<(), Error> {
    let retry = cx.retry(step, Some(Kind::RouteTable));
    let attempt = || async {
        settled(retry.get(), || {
            let call = cx
                .ec2()
                .associate_route_table()
                .route_table_id(table)
                .subnet_id(subnet);
            async { call.send().await.on("AssociateRouteTable", &spec.name) }
        })
        .await
    };
    let err = match attempt().await {
        Ok(_) => return Ok(()),
        Err(e) if e.code() == Some("Resource.AlreadyAssociated") => e,
        Err(e) => return Err(e),
    };
    let out = cx
        .ec2()
        .describe_route_tables()
        .filters(filter("association.subnet-id", vec![subnet.to_string()]))
        .send()
        .await
        .on("DescribeRouteTables", subnet)?;
    for t in out.route_tables() {
        let o = read(t)?;
        let Some((association, _)) = o.associations.iter().find(|(_, s)| *s == subnet) else {
            continue;
        };
        if o.id == table {
            return Ok(());
        }
        if !names::is_owned(&o.tags, cx.cluster) {
            return Err(err);
        }
        gone(
            cx.ec2()
                .disassociate_route_table()
                .association_id(association)
                .send()
                .await
                .on("DisassociateRouteTable", &o.name),
        )?;
        attempt().await?;
        return Ok(());
    }
    Err(err)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::resources::testing::{Refs, tags_for};

    fn spec() -> Spec {
        Spec {
            name: "demo-rt-private-us-east-1a".into(),
            vpc: Ref::new(Kind::Vpc, "demo-vpc"),
            target: Ref::new(Kind::NatGateway, "demo-nat-us-east-1a"),
            subnets: vec![Ref::new(Kind::Subnet, "demo-subnet-private-us-east-1a")],
            what: String::new(),
            tags: tags_for("demo", "demo-rt-private-us-east-1a", Role::Private),
        }
    }

    fn ids(nat: Id, subnet: Id) -> Refs {
        Refs(HashMap::from([
            (Ref::new(Kind::Vpc, "demo-vpc"), Id::Known("vpc-1".into())),
            (Ref::new(Kind::NatGateway, "demo-nat-us-east-1a"), nat),
            (
                Ref::new(Kind::Subnet, "demo-subnet-private-us-east-1a"),
                subnet,
            ),
        ]))
    }

    fn table(route: Option<&str>, subnet: Option<&str>) -> Observed {
        Observed {
            id: "rtb-1".into(),
            name: "demo-rt-private-us-east-1a".into(),
            vpc_id: "vpc-1".into(),
            routes: route
                .map(|r| (DEFAULT_ROUTE.to_string(), r.to_string()))
                .into_iter()
                .collect(),
            associations: subnet
                .map(|s| ("rtbassoc-1".to_string(), s.to_string()))
                .into_iter()
                .collect(),
            tags: tags_for("demo", "demo-rt-private-us-east-1a", Role::Private),
        }
    }

    #[test]
    fn a_missing_route_or_association_is_added() {
        let ids = ids(Id::Known("nat-1".into()), Id::Known("subnet-1".into()));
        assert!(
            RouteTable::diff(&spec(), &table(Some("nat-1"), Some("subnet-1")), &ids).is_empty()
        );
        let bare = RouteTable::diff(&spec(), &table(None, None), &ids);
        assert_eq!(bare.len(), 2);
        assert!(matches!(bare[0], Change::DefaultRoute));
        assert!(
            matches!(&bare[1], Change::Associate(r) if r.name == "demo-subnet-private-us-east-1a")
        );
    }

    #[test]
    fn a_route_to_another_gateway_replaces_the_table() {
        let to_new_nat = ids(Id::Step(4), Id::Known("subnet-1".into()));
        assert!(matches!(
            RouteTable::fits(
                &spec(),
                &table(Some("nat-old"), Some("subnet-1")),
                &to_new_nat
            ),
            Fit::Replace(_)
        ));
        assert_eq!(
            RouteTable::fits(&spec(), &table(None, Some("subnet-1")), &to_new_nat),
            Fit::Yes
        );
    }
}

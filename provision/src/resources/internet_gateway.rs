//! The internet gateway of dynamic placement, attached to the VPC (a
//! second call after the create, observed and repaired like any
//! attribute).

use aws_sdk_ec2::types as ec2;

use super::{
    Cx, Did, Op, Ref, Resolve, Resource, Shown, Work, created_id, owned_filter, show_tags,
    tag_change, tag_spec, tags_of,
};
use crate::aws::call::{create, done_unless, gone, settled};
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
        "CreateInternetGateway",
        &["ec2:CreateInternetGateway", "ec2:CreateTags"],
    ),
    op(
        EC2,
        "DescribeInternetGateways",
        &["ec2:DescribeInternetGateways"],
    ),
    op(EC2, "AttachInternetGateway", &["ec2:AttachInternetGateway"]),
    op(EC2, "DetachInternetGateway", &["ec2:DetachInternetGateway"]),
    op(EC2, "DeleteInternetGateway", &["ec2:DeleteInternetGateway"]),
];

#[derive(Debug, Clone)]
pub struct InternetGateway;

#[derive(Debug, Clone)]
pub struct Spec {
    pub name: String,
    pub vpc: Ref,
    pub tags: Tags,
}

#[derive(Debug, Clone)]
pub struct Observed {
    pub id: String,
    pub name: String,
    /// The VPCs it is attached to (at most one).
    pub attached_to: Vec<String>,
    pub tags: Tags,
}

#[derive(Debug, Clone)]
pub enum Change {
    /// Attach it to the VPC, detached first from the ones it is in.
    Attach {
        detach_from: Vec<String>,
    },
    Tags(Tags),
}

impl Resource for InternetGateway {
    const KIND: Kind = Kind::InternetGateway;
    type World = All;
    type Wants = Desired;
    type Spec = Spec;
    type Observed = Observed;
    type Change = Change;

    fn wanted(d: &Desired) -> Vec<Spec> {
        if !d.is_dynamic() {
            return Vec::new();
        }
        let name = d.igw_name();
        vec![Spec {
            tags: d.tags(&name, Role::Common),
            name,
            vpc: d.vpc_ref(),
        }]
    }

    fn observed(all: &All) -> &[Observed] {
        &all.gateways
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

    fn uses(o: &Observed, all: &All) -> usize {
        o.attached_to.len()
            + all
                .route_tables
                .iter()
                .filter(|t| t.routes.values().any(|target| target == &o.id))
                .count()
    }

    fn diff(spec: &Spec, o: &Observed, ids: &dyn Resolve) -> Vec<Change> {
        let mut changes = Vec::new();
        let vpc = ids.id(&spec.vpc);
        let attached = o
            .attached_to
            .iter()
            .any(|v| vpc.as_ref().is_some_and(|vpc| vpc.is(v)));
        if !attached {
            changes.push(Change::Attach {
                detach_from: o.attached_to.clone(),
            });
        }
        changes.extend(tag_change(&spec.tags, &o.tags).map(Change::Tags));
        changes
    }

    fn show(change: &Change) -> Shown {
        match change {
            Change::Attach { detach_from } if detach_from.is_empty() => {
                Shown::new("attached to", "nothing", "the VPC")
            }
            Change::Attach { detach_from } => {
                Shown::new("attached to", detach_from.join(", "), "the VPC")
            }
            Change::Tags(tags) => show_tags(tags),
        }
    }

    fn describe(_spec: &Spec) -> String {
        "attached to the VPC".into()
    }

    fn describe_observed(o: &Observed) -> String {
        match o.attached_to.first() {
            Some(vpc) => format!("attached to {vpc}"),
            None => "detached".into(),
        }
    }

    fn work(op: Op<InternetGateway>) -> Work {
        Work::InternetGateway(op)
    }
}

pub async fn observe(clients: &Clients, cluster: &str) -> Result<Vec<Observed>, Error> {
    let pages = clients
        .ec2
        .describe_internet_gateways()
        .filters(owned_filter(cluster))
        .into_paginator()
        .send()
        .try_collect()
        .await
        .on("DescribeInternetGateways", cluster)?;
    let mut found = Vec::new();
    for g in pages.iter().flat_map(|p| p.internet_gateways()) {
        let o = read(g)?;
        if names::is_owned(&o.tags, cluster) {
            found.push(o);
        }
    }
    Ok(found)
}

fn read(g: &ec2::InternetGateway) -> Result<Observed, Error> {
    let id = g
        .internet_gateway_id()
        .ok_or_else(|| missing("DescribeInternetGateways", "a gateway", "InternetGatewayId"))?;
    let tags = tags_of(g.tags());
    Ok(Observed {
        id: id.to_string(),
        name: names::name_of(&tags).to_string(),
        attached_to: g
            .attachments()
            .iter()
            .filter_map(|a| a.vpc_id().map(str::to_string))
            .collect(),
        tags,
    })
}

pub async fn run(cx: &Cx<'_>, step: usize, op: &Op<InternetGateway>) -> Result<Did, Error> {
    match op {
        Op::Create(spec) => {
            let retry = cx.retry(step, Some(Kind::InternetGateway));
            let id = create(
                retry.get(),
                || {
                    let call = cx
                        .clients
                        .ec2_once
                        .create_internet_gateway()
                        .tag_specifications(tag_spec(
                            ec2::ResourceType::InternetGateway,
                            &spec.tags,
                        ));
                    async {
                        let out = call.send().await.on("CreateInternetGateway", &spec.name)?;
                        created_id(
                            "CreateInternetGateway",
                            &spec.name,
                            out.internet_gateway().and_then(|g| g.internet_gateway_id()),
                        )
                    }
                },
                || find(cx, &spec.name),
            )
            .await?;
            let attach = Change::Attach {
                detach_from: Vec::new(),
            };
            change_one(cx, step, &id, spec, &attach).await?;
            cx.produced(step, &id);
            Ok(Did::Created(id))
        }
        Op::Update { id, spec, changes } => {
            for change in changes {
                change_one(cx, step, id, spec, change).await?;
            }
            cx.produced(step, id);
            Ok(Did::Changed(super::said::<InternetGateway>(changes)))
        }
        Op::Delete(o) => {
            for vpc in &o.attached_to {
                released("internet gateway", cx.timing, || async {
                    gone(done_unless(
                        cx.ec2()
                            .detach_internet_gateway()
                            .internet_gateway_id(&o.id)
                            .vpc_id(vpc)
                            .send()
                            .await
                            .on("DetachInternetGateway", &o.name),
                        &["Gateway.NotAttached"],
                    ))
                })
                .await?;
            }
            gone(
                cx.ec2()
                    .delete_internet_gateway()
                    .internet_gateway_id(&o.id)
                    .send()
                    .await
                    .on("DeleteInternetGateway", &o.name),
            )?;
            Ok(Did::Deleted)
        }
    }
}

async fn find(cx: &Cx<'_>, name: &str) -> Result<Option<String>, Error> {
    let out = cx
        .ec2()
        .describe_internet_gateways()
        .filters(owned_filter(cx.cluster))
        .filters(super::filter("tag:Name", vec![name.to_string()]))
        .send()
        .await
        .on("DescribeInternetGateways", name)?;
    for g in out.internet_gateways() {
        let o = read(g)?;
        if o.name == name && names::is_owned(&o.tags, cx.cluster) && !cx.doomed(&o.id) {
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
    match change {
        Change::Attach { detach_from } => {
            for vpc in detach_from {
                gone(done_unless(
                    cx.ec2()
                        .detach_internet_gateway()
                        .internet_gateway_id(id)
                        .vpc_id(vpc)
                        .send()
                        .await
                        .on("DetachInternetGateway", &spec.name),
                    &["Gateway.NotAttached"],
                ))?;
            }
            let vpc = cx.id(&spec.vpc)?;
            let retry = cx.retry(step, Some(Kind::InternetGateway));
            let attached = settled(retry.get(), || {
                let call = cx
                    .ec2()
                    .attach_internet_gateway()
                    .internet_gateway_id(id)
                    .vpc_id(&vpc);
                async { call.send().await.on("AttachInternetGateway", &spec.name) }
            })
            .await;
            match attached {
                Ok(_) => {}
                // Attached already, to this VPC: the answer to an earlier
                // attempt was lost. AWS says the same when the VPC has
                // another gateway: that error stands.
                Err(e) if e.code() == Some("Resource.AlreadyAssociated") => {
                    let out = cx
                        .ec2()
                        .describe_internet_gateways()
                        .internet_gateway_ids(id)
                        .send()
                        .await
                        .on("DescribeInternetGateways", &spec.name)?;
                    let ours = out
                        .internet_gateways()
                        .iter()
                        .flat_map(|g| g.attachments())
                        .any(|a| a.vpc_id() == Some(vpc.as_str()));
                    if !ours {
                        return Err(e);
                    }
                }
                Err(e) => return Err(e),
            }
        }
        Change::Tags(tags) => cx.tag(step, id, &spec.name, tags).await?,
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::resources::Id;
    use crate::resources::testing::{Refs, tags_for};

    #[test]
    fn a_detached_gateway_is_attached_and_one_in_another_vpc_moved() {
        let spec = Spec {
            name: "demo-igw".into(),
            vpc: Ref::new(Kind::Vpc, "demo-vpc"),
            tags: tags_for("demo", "demo-igw", Role::Common),
        };
        let ids = Refs(HashMap::from([(
            Ref::new(Kind::Vpc, "demo-vpc"),
            Id::Known("vpc-1".into()),
        )]));
        let mut o = Observed {
            id: "igw-1".into(),
            name: "demo-igw".into(),
            attached_to: vec!["vpc-1".into()],
            tags: spec.tags.clone(),
        };
        assert!(InternetGateway::diff(&spec, &o, &ids).is_empty());
        o.attached_to.clear();
        let changes = InternetGateway::diff(&spec, &o, &ids);
        assert_eq!(
            InternetGateway::show(&changes[0]),
            Shown::new("attached to", "nothing", "the VPC")
        );
        o.attached_to = vec!["vpc-9".into()];
        let changes = InternetGateway::diff(&spec, &o, &ids);
        assert!(
            matches!(&changes[0], Change::Attach { detach_from } if detach_from == &["vpc-9".to_string()])
        );
    }
}

//! A worker pool's Auto Scaling group: exactly `size` instances of the
//! pool's launch template (its latest version) over the private subnets
//! of the pool's zones.

use std::collections::HashMap;

use aws_sdk_autoscaling::types as asg;
use awscluster_lint::spec::SubnetKind;

use super::{Cx, Did, Id, Op, Ref, Resolve, Resource, Shown, Work, show_tags, tag_change};
use crate::aws::call::{create, gone, settled};
use crate::aws::clients::Clients;
use crate::aws::error::{AwsResult, Error, missing};
use crate::aws::permissions::{ASG, AUTO_SCALING_ROLE, Permission, op};
use crate::desired::Desired;
use crate::kind::Kind;
use crate::names::{self, Role, Tags};
use crate::observe::Observed as All;

pub const CALLS: &[Permission] = &[
    // Launching a group's instances from a launch template is authorized
    // as the caller running them, their instance profile's role passed.
    op(
        ASG,
        "CreateAutoScalingGroup",
        &[
            "autoscaling:CreateAutoScalingGroup",
            "autoscaling:CreateOrUpdateTags",
            "ec2:RunInstances",
            "ec2:CreateTags",
            "iam:PassRole",
        ],
    )
    .creating(&AUTO_SCALING_ROLE),
    op(
        ASG,
        "UpdateAutoScalingGroup",
        &[
            "autoscaling:UpdateAutoScalingGroup",
            "ec2:RunInstances",
            "iam:PassRole",
        ],
    ),
    op(
        ASG,
        "CreateOrUpdateTags",
        &["autoscaling:CreateOrUpdateTags"],
    ),
    op(
        ASG,
        "DescribeAutoScalingGroups",
        &["autoscaling:DescribeAutoScalingGroups"],
    ),
    op(
        ASG,
        "DeleteAutoScalingGroup",
        &["autoscaling:DeleteAutoScalingGroup"],
    ),
];

/// The launch template version a group launches: the newest, so that a
/// template's new version reaches the pool's next instances.
const LATEST: &str = "$Latest";

#[derive(Debug, Clone)]
pub struct AutoScalingGroup;

#[derive(Debug, Clone)]
pub struct Spec {
    pub name: String,
    pub template: Ref,
    pub size: i32,
    pub zones: Vec<String>,
    pub subnets: Vec<Ref>,
    /// The route tables of its subnets: its nodes boot with a way out.
    pub after: Vec<Ref>,
    pub tags: Tags,
}

#[derive(Debug, Clone)]
pub struct Observed {
    pub name: String,
    pub min: i32,
    pub max: i32,
    pub desired: i32,
    pub subnets: Vec<String>,
    /// The template's name and version.
    pub template: Option<(String, String)>,
    /// `Delete in progress` while it goes away.
    pub status: Option<String>,
    pub tags: Tags,
}

#[derive(Debug, Clone)]
pub enum Change {
    Size { from: (i32, i32, i32) },
    Subnets { from: Vec<String> },
    Template { from: Option<(String, String)> },
    Tags(Tags),
}

impl Resource for AutoScalingGroup {
    const KIND: Kind = Kind::AutoScalingGroup;
    type World = All;
    type Wants = Desired;
    /// A name is unique in a Region: the old group must be gone first.
    const DELETE_BEFORE_REPLACING: bool = true;
    type Spec = Spec;
    type Observed = Observed;
    type Change = Change;

    fn wanted(d: &Desired) -> Vec<Spec> {
        d.pools
            .iter()
            .map(|p| Spec {
                tags: {
                    let mut tags = d.tags(&p.name, Role::Node);
                    tags.insert(names::kubernetes_key(&d.cluster), names::OWNED.into());
                    tags
                },
                name: p.name.clone(),
                template: Ref::new(Kind::LaunchTemplate, p.name.clone()),
                // The linter caps pool sizes far below i32's range.
                size: i32::try_from(p.size).unwrap_or(i32::MAX),
                zones: p.zones.clone(),
                subnets: p
                    .zones
                    .iter()
                    .filter_map(|z| d.subnet_ref(SubnetKind::Private, z))
                    .collect(),
                after: p
                    .zones
                    .iter()
                    .filter_map(|z| d.route_table_ref(SubnetKind::Private, z))
                    .collect(),
            })
            .collect()
    }

    fn observed(all: &All) -> &[Observed] {
        &all.auto_scaling_groups
    }

    fn spec_name(spec: &Spec) -> &str {
        &spec.name
    }

    fn name(o: &Observed) -> &str {
        &o.name
    }

    fn id(o: &Observed) -> &str {
        &o.name
    }

    fn owned(o: &Observed, cluster: &str) -> bool {
        names::is_owned(&o.tags, cluster)
    }

    /// A group being deleted cannot be updated: a new one is made once it
    /// is gone.
    fn gone(o: &Observed) -> bool {
        o.status.as_deref() == Some("Delete in progress")
    }

    fn refs(spec: &Spec) -> Vec<Ref> {
        let mut refs = vec![spec.template.clone()];
        refs.extend(spec.subnets.iter().cloned());
        refs.extend(spec.after.iter().cloned());
        refs
    }

    fn diff(spec: &Spec, o: &Observed, ids: &dyn Resolve) -> Vec<Change> {
        let mut changes = Vec::new();
        let size = spec.size;
        if (o.min, o.max, o.desired) != (size, size, size) {
            changes.push(Change::Size {
                from: (o.min, o.max, o.desired),
            });
        }
        let wanted: Vec<Option<Id>> = spec.subnets.iter().map(|s| ids.id(s)).collect();
        let same = wanted.len() == o.subnets.len()
            && wanted.iter().all(|s| {
                s.as_ref()
                    .is_some_and(|s| o.subnets.iter().any(|have| s.is(have)))
            });
        if !same {
            changes.push(Change::Subnets {
                from: o.subnets.clone(),
            });
        }
        if o.template
            .as_ref()
            .is_none_or(|(name, version)| name != &spec.template.name || version != LATEST)
        {
            changes.push(Change::Template {
                from: o.template.clone(),
            });
        }
        changes.extend(tag_change(&spec.tags, &o.tags).map(Change::Tags));
        changes
    }

    fn show(change: &Change) -> Shown {
        match change {
            Change::Size {
                from: (min, max, desired),
            } => Shown::new(
                "size",
                format!("{desired} (min {min}, max {max})"),
                "the spec's",
            ),
            Change::Subnets { from } => Shown::new(
                "subnets",
                from.join(", "),
                "the private subnets of its zones",
            ),
            Change::Template { from } => Shown::new(
                "launch template",
                from.as_ref()
                    .map_or("none".into(), |(n, v)| format!("{n} {v}")),
                format!("its own, {LATEST}"),
            ),
            Change::Tags(tags) => show_tags(tags),
        }
    }

    fn describe(spec: &Spec) -> String {
        format!("{} node(s) over {}", spec.size, spec.zones.join(", "))
    }

    fn describe_observed(o: &Observed) -> String {
        format!("{} node(s)", o.desired)
    }

    fn work(op: Op<AutoScalingGroup>) -> Work {
        Work::AutoScalingGroup(op)
    }
}

fn read(g: &asg::AutoScalingGroup) -> Result<Observed, Error> {
    let name = g.auto_scaling_group_name().ok_or_else(|| {
        missing(
            "DescribeAutoScalingGroups",
            "a group",
            "AutoScalingGroupName",
        )
    })?;
    let number = |value: Option<i32>, what: &str| {
        value.ok_or_else(|| missing("DescribeAutoScalingGroups", name, what))
    };
    Ok(Observed {
        name: name.to_string(),
        min: number(g.min_size(), "MinSize")?,
        max: number(g.max_size(), "MaxSize")?,
        desired: number(g.desired_capacity(), "DesiredCapacity")?,
        subnets: g
            .vpc_zone_identifier()
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
        template: g.launch_template().map(|t| {
            (
                t.launch_template_name().unwrap_or_default().to_string(),
                t.version().unwrap_or("$Default").to_string(),
            )
        }),
        status: g.status().map(str::to_string),
        tags: g
            .tags()
            .iter()
            .filter_map(|t| {
                Some((
                    t.key()?.to_string(),
                    t.value().unwrap_or_default().to_string(),
                ))
            })
            .collect(),
    })
}

pub async fn observe(clients: &Clients, cluster: &str) -> Result<Vec<Observed>, Error> {
    let filter = asg::Filter::builder()
        .name(format!("tag:{}", names::owned_key(cluster)))
        .values(names::OWNED)
        .build();
    let pages = clients
        .autoscaling
        .describe_auto_scaling_groups()
        .filters(filter)
        .into_paginator()
        .send()
        .try_collect()
        .await
        .on("DescribeAutoScalingGroups", cluster)?;
    let mut found = Vec::new();
    for g in pages.iter().flat_map(|p| p.auto_scaling_groups()) {
        let o = read(g)?;
        if names::is_owned(&o.tags, cluster) {
            found.push(o);
        }
    }
    Ok(found)
}

fn request_tags(name: &str, tags: &Tags) -> Vec<asg::Tag> {
    tags.iter()
        .map(|(k, v)| {
            asg::Tag::builder()
                .resource_id(name)
                .resource_type("auto-scaling-group")
                .key(k)
                .value(v)
                // The launch template tags the instances; the cluster's tag
                // is propagated too, as Cluster API Provider AWS does, so
                // that an instance launched otherwise still carries it.
                .propagate_at_launch(k.starts_with("kubernetes.io/cluster/"))
                .build()
        })
        .collect()
}

async fn subnets(cx: &Cx<'_>, spec: &Spec) -> Result<String, Error> {
    let mut ids = Vec::new();
    for s in &spec.subnets {
        ids.push(cx.id(s)?);
    }
    Ok(ids.join(","))
}

pub async fn run(cx: &Cx<'_>, step: usize, op: &Op<AutoScalingGroup>) -> Result<Did, Error> {
    match op {
        Op::Create(spec) => {
            let zone_identifier = subnets(cx, spec).await?;
            let retry = cx.retry(step, None);
            let tags = request_tags(&spec.name, &spec.tags);
            create(
                retry.get(),
                || {
                    let call = cx
                        .clients
                        .autoscaling_once
                        .create_auto_scaling_group()
                        .auto_scaling_group_name(&spec.name)
                        .launch_template(
                            asg::LaunchTemplateSpecification::builder()
                                .launch_template_name(&spec.template.name)
                                .version(LATEST)
                                .build(),
                        )
                        .min_size(spec.size)
                        .max_size(spec.size)
                        .desired_capacity(spec.size)
                        .vpc_zone_identifier(&zone_identifier)
                        .set_tags(Some(tags.clone()));
                    async {
                        call.send().await.on("CreateAutoScalingGroup", &spec.name)?;
                        Ok(spec.name.clone())
                    }
                },
                || find(cx, &spec.name),
            )
            .await?;
            cx.produced(step, &spec.name);
            Ok(Did::Created(spec.name.clone()))
        }
        Op::Update { id, spec, changes } => {
            let resize = changes.iter().any(|c| !matches!(c, Change::Tags(_)));
            if resize {
                let zone_identifier = subnets(cx, spec).await?;
                let retry = cx.retry(step, None);
                settled(retry.get(), || {
                    let call = cx
                        .clients
                        .autoscaling
                        .update_auto_scaling_group()
                        .auto_scaling_group_name(&spec.name)
                        .launch_template(
                            asg::LaunchTemplateSpecification::builder()
                                .launch_template_name(&spec.template.name)
                                .version(LATEST)
                                .build(),
                        )
                        .min_size(spec.size)
                        .max_size(spec.size)
                        .desired_capacity(spec.size)
                        .vpc_zone_identifier(&zone_identifier);
                    async { call.send().await.on("UpdateAutoScalingGroup", &spec.name) }
                })
                .await?;
            }
            for change in changes {
                if let Change::Tags(tags) = change {
                    cx.clients
                        .autoscaling
                        .create_or_update_tags()
                        .set_tags(Some(request_tags(&spec.name, tags)))
                        .send()
                        .await
                        .on("CreateOrUpdateTags", &spec.name)?;
                }
            }
            cx.produced(step, id);
            Ok(Did::Changed(super::said::<AutoScalingGroup>(changes)))
        }
        Op::Delete(o) => {
            let deleted = gone(
                cx.clients
                    .autoscaling
                    .delete_auto_scaling_group()
                    .auto_scaling_group_name(&o.name)
                    .force_delete(true)
                    .send()
                    .await
                    .on("DeleteAutoScalingGroup", &o.name),
            )?;
            if deleted {
                // Its instances terminate first; its group goes after.
                cx.auto_scaling_groups
                    .wait(
                        &o.name,
                        &format!("Auto Scaling group {} to be deleted", o.name),
                        cx.timing,
                        |names| poll(cx.clients, names),
                        |seen| Ok(seen.is_none().then_some(())),
                    )
                    .await?;
            }
            Ok(Did::Deleted)
        }
    }
}

/// Which of the groups still exist.
async fn poll(clients: &Clients, names: Vec<String>) -> Result<HashMap<String, ()>, Error> {
    let out = clients
        .autoscaling
        .describe_auto_scaling_groups()
        .set_auto_scaling_group_names(Some(names.clone()))
        .send()
        .await
        .on("DescribeAutoScalingGroups", names.join(", "))?;
    Ok(out
        .auto_scaling_groups()
        .iter()
        .filter_map(|g| g.auto_scaling_group_name())
        .filter(|n| names.iter().any(|w| w == n))
        .map(|n| (n.to_string(), ()))
        .collect())
}

/// The group of that name, when it is the cluster's (names are unique in
/// a Region: Auto Scaling refuses a second one as `AlreadyExists`).
async fn find(cx: &Cx<'_>, name: &str) -> Result<Option<String>, Error> {
    let out = cx
        .clients
        .autoscaling
        .describe_auto_scaling_groups()
        .auto_scaling_group_names(name)
        .send()
        .await
        .on("DescribeAutoScalingGroups", name)?;
    for g in out.auto_scaling_groups() {
        let o = read(g)?;
        if o.name == name && names::is_owned(&o.tags, cx.cluster) {
            return Ok(Some(o.name));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::resources::testing::{Refs, tags_for};

    #[test]
    fn size_subnets_and_template_are_compared() {
        let spec = Spec {
            name: "demo-workers".into(),
            template: Ref::new(Kind::LaunchTemplate, "demo-workers"),
            size: 2,
            zones: vec!["us-east-1a".into()],
            subnets: vec![Ref::new(Kind::Subnet, "a")],
            after: Vec::new(),
            tags: tags_for("demo", "demo-workers", Role::Node),
        };
        let ids = Refs(HashMap::from([(
            Ref::new(Kind::Subnet, "a"),
            Id::Known("subnet-a".into()),
        )]));
        let mut o = Observed {
            name: "demo-workers".into(),
            min: 2,
            max: 2,
            desired: 2,
            subnets: vec!["subnet-a".into()],
            template: Some(("demo-workers".into(), "$Latest".into())),
            status: None,
            tags: spec.tags.clone(),
        };
        assert!(AutoScalingGroup::diff(&spec, &o, &ids).is_empty());
        o.desired = 3;
        o.template = Some(("demo-workers".into(), "1".into()));
        let shown: Vec<String> = AutoScalingGroup::diff(&spec, &o, &ids)
            .iter()
            .map(|c| AutoScalingGroup::show(c).attribute)
            .collect();
        assert_eq!(shown, ["size", "launch template"]);
    }
}

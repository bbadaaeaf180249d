//! The instances awscluster runs itself: the bastion and the control-plane
//! nodes (worker pools' instances are their Auto Scaling groups'). Each
//! is run with a client token and waited for until it runs, all of a
//! run's in one poll.
//!
//! What EC2 cannot change on a running instance (its type, image, key,
//! subnet) is a replacement: done for the bastion, refused for a
//! control-plane node, which holds an etcd member that only its operator
//! may let go.

use std::collections::HashMap;

use aws_sdk_ec2::types as ec2;
use awscluster_lint::spec::SubnetKind;

use super::bootstrap::{self, Bootstrap};
use super::{
    Cx, Did, Fit, Id, Op, Ref, Resolve, Resource, Shown, Work, created_id, filter, owned_filter,
    show_tags, tag_change, tag_spec, tags_of,
};
use crate::aws::call::{client_token, create, gone, settled};
use crate::aws::clients::Clients;
use crate::aws::error::{AwsResult, Certainty, Error, missing};
use crate::aws::permissions::{EC2, Permission, op};
use crate::desired::{Desired, Machine, MachineSettings};
use crate::kind::Kind;
use crate::names::{self, Role, Tags};
use crate::observe::Observed as All;

pub const CALLS: &[Permission] = &[
    op(EC2, "DescribeImages", &["ec2:DescribeImages"]),
    // A machine launched with an instance profile needs its role passed
    // (RunInstances' IamInstanceProfile).
    op(
        EC2,
        "RunInstances",
        &["ec2:RunInstances", "ec2:CreateTags", "iam:PassRole"],
    ),
    op(EC2, "DescribeInstances", &["ec2:DescribeInstances"]),
    op(
        EC2,
        "ModifyInstanceAttribute",
        &["ec2:ModifyInstanceAttribute"],
    ),
    op(EC2, "TerminateInstances", &["ec2:TerminateInstances"]),
];

#[derive(Debug, Clone)]
pub struct Instance;

#[derive(Debug, Clone)]
pub struct Spec {
    pub name: String,
    pub instance_type: String,
    /// An AMI id or `resolve:ssm:<parameter>`, as EC2 takes it.
    pub image: String,
    pub key_name: String,
    pub subnet: Ref,
    pub groups: Vec<Ref>,
    /// What EC2 gets: the spec's, or the boot document that fetches it.
    pub user_data: Option<String>,
    /// The spec's user data in Secrets Manager, for a machine with an
    /// instance profile to read it with.
    pub bootstrap: Option<Bootstrap>,
    /// What it waits for without naming it: the route table of its subnet,
    /// so that it boots with a way out.
    pub after: Vec<Ref>,
    pub role: Role,
    /// Instance profile, metadata hop limit, root volume.
    pub settings: MachineSettings,
    pub tags: Tags,
}

#[derive(Debug, Clone)]
pub struct Observed {
    pub id: String,
    pub name: String,
    pub state: ec2::InstanceStateName,
    pub subnet_id: String,
    pub instance_type: String,
    pub image_id: String,
    pub key_name: Option<String>,
    pub groups: Vec<String>,
    /// The instance profile's name, from its ARN.
    pub profile: Option<String>,
    pub tags: Tags,
}

#[derive(Debug, Clone)]
pub enum Change {
    Groups { from: Vec<String> },
    Tags(Tags),
}

/// What a poll says of an instance.
#[derive(Debug, Clone)]
pub struct Polled {
    pub state: ec2::InstanceStateName,
    pub reason: Option<String>,
}

impl Spec {
    fn of(d: &Desired, m: &Machine) -> Option<Spec> {
        let mut tags = d.tags(&m.name, m.role);
        tags.insert(names::kubernetes_key(&d.cluster), names::OWNED.into());
        let bootstrap = m
            .user_data
            .as_deref()
            .filter(|_| m.machine.instance_profile.is_some())
            .map(|data| Bootstrap::machine(&d.cluster, &m.name, data));
        let user_data = match &bootstrap {
            Some(b) => Some(b.boot_document(&d.region)),
            None => m.user_data.clone(),
        };
        Some(Spec {
            name: m.name.clone(),
            instance_type: m.instance_type.clone(),
            image: m.image.clone(),
            key_name: d.key_name.clone(),
            subnet: d.subnet_ref(m.subnet, &m.zone)?,
            groups: m.groups.iter().map(|g| d.group_ref(*g)).collect(),
            user_data,
            bootstrap,
            after: d.route_table_ref(m.subnet, &m.zone).into_iter().collect(),
            role: m.role,
            settings: m.machine.clone(),
            tags,
        })
    }
}

impl Resource for Instance {
    const KIND: Kind = Kind::Instance;
    type World = All;
    type Wants = Desired;
    type Spec = Spec;
    type Observed = Observed;
    type Change = Change;

    fn wanted(d: &Desired) -> Vec<Spec> {
        d.bastion
            .iter()
            .chain(&d.masters)
            .filter_map(|m| Spec::of(d, m))
            .collect()
    }

    fn observed(all: &All) -> &[Observed] {
        &all.instances
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
        matches!(
            o.state,
            ec2::InstanceStateName::ShuttingDown | ec2::InstanceStateName::Terminated
        )
    }

    fn refs(spec: &Spec) -> Vec<Ref> {
        let mut refs = vec![spec.subnet.clone()];
        refs.extend(spec.groups.iter().cloned());
        refs.extend(spec.after.iter().cloned());
        refs
    }

    fn fits(spec: &Spec, o: &Observed, ids: &dyn Resolve) -> Fit {
        let mut differs = Vec::new();
        if !ids.id(&spec.subnet).is_some_and(|s| s.is(&o.subnet_id)) {
            differs.push(format!("it is in {}, not in its subnet", o.subnet_id));
        }
        if o.instance_type != spec.instance_type {
            differs.push(format!(
                "its type is {}, the spec's {}",
                o.instance_type, spec.instance_type
            ));
        }
        // An SSM parameter resolves to an AMI id, which EC2 reports.
        if !spec.image.starts_with("resolve:ssm:") && o.image_id != spec.image {
            differs.push(format!(
                "its image is {}, the spec's {}",
                o.image_id, spec.image
            ));
        }
        if o.profile != spec.settings.instance_profile {
            differs.push(format!(
                "its instance profile is {}, the spec's {}",
                o.profile.as_deref().unwrap_or("none"),
                spec.settings.instance_profile.as_deref().unwrap_or("none")
            ));
        }
        if o.key_name.as_deref() != Some(spec.key_name.as_str()) {
            differs.push(format!(
                "its key pair is {}, the spec's {}",
                o.key_name.as_deref().unwrap_or("none"),
                spec.key_name
            ));
        }
        if differs.is_empty() {
            Fit::Yes
        } else if spec.role == Role::ControlPlane {
            Fit::Block(format!(
                "{}; apply does not replace control-plane nodes (each holds an etcd member): \
                 replace it yourself (terminate it, then apply)",
                differs.join("; ")
            ))
        } else {
            Fit::Replace(differs.join("; "))
        }
    }

    fn uses(o: &Observed, all: &All) -> usize {
        2 * all
            .load_balancers
            .iter()
            .filter(|lb| lb.instances.contains(&o.id))
            .count()
            + usize::from(o.state == ec2::InstanceStateName::Running)
    }

    fn diff(spec: &Spec, o: &Observed, ids: &dyn Resolve) -> Vec<Change> {
        let mut changes = Vec::new();
        let wanted: Vec<Option<Id>> = spec.groups.iter().map(|g| ids.id(g)).collect();
        let same = wanted.len() == o.groups.len()
            && wanted.iter().all(|g| {
                g.as_ref()
                    .is_some_and(|g| o.groups.iter().any(|have| g.is(have)))
            });
        if !same {
            changes.push(Change::Groups {
                from: o.groups.clone(),
            });
        }
        changes.extend(tag_change(&spec.tags, &o.tags).map(Change::Tags));
        changes
    }

    fn show(change: &Change) -> Shown {
        match change {
            Change::Groups { from } => Shown::new("security groups", from.join(", "), "the spec's"),
            Change::Tags(tags) => show_tags(tags),
        }
    }

    fn describe(spec: &Spec) -> String {
        let subnet = if spec.role == Role::Bastion {
            SubnetKind::Public
        } else {
            SubnetKind::Private
        };
        format!("{} in a {subnet} subnet", spec.instance_type)
    }

    fn describe_observed(o: &Observed) -> String {
        format!("{} {}", o.instance_type, o.state.as_str())
    }

    fn work(op: Op<Instance>) -> Work {
        Work::Instance(op)
    }
}

fn read(i: &ec2::Instance) -> Result<Observed, Error> {
    let id = i
        .instance_id()
        .ok_or_else(|| missing("DescribeInstances", "an instance", "InstanceId"))?;
    let tags = tags_of(i.tags());
    let field = |value: Option<&str>, what: &str| {
        value
            .map(str::to_string)
            .ok_or_else(|| missing("DescribeInstances", id, what))
    };
    let state = i
        .state()
        .and_then(|s| s.name())
        .ok_or_else(|| missing("DescribeInstances", id, "State"))?
        .clone();
    Ok(Observed {
        id: id.to_string(),
        name: names::name_of(&tags).to_string(),
        // A terminated instance has left its subnet.
        subnet_id: i.subnet_id().unwrap_or_default().to_string(),
        instance_type: field(i.instance_type().map(|t| t.as_str()), "InstanceType")?,
        image_id: field(i.image_id(), "ImageId")?,
        key_name: i.key_name().map(str::to_string),
        profile: i
            .iam_instance_profile()
            .and_then(|p| p.arn())
            .and_then(|arn| arn.rsplit('/').next())
            .map(str::to_string),
        groups: i
            .security_groups()
            .iter()
            .filter_map(|g| g.group_id().map(str::to_string))
            .collect(),
        state,
        tags,
    })
}

/// The cluster's own instances, not yet terminated (those of its Auto
/// Scaling groups are the groups' business).
pub async fn observe(clients: &Clients, cluster: &str) -> Result<Vec<Observed>, Error> {
    let pages = clients
        .ec2
        .describe_instances()
        .filters(owned_filter(cluster))
        .filters(filter(
            "instance-state-name",
            ["pending", "running", "stopping", "stopped", "shutting-down"]
                .map(String::from)
                .to_vec(),
        ))
        .into_paginator()
        .send()
        .try_collect()
        .await
        .on("DescribeInstances", cluster)?;
    let mut found = Vec::new();
    for i in pages
        .iter()
        .flat_map(|p| p.reservations())
        .flat_map(|r| r.instances())
    {
        let o = read(i)?;
        if names::is_owned(&o.tags, cluster)
            && !o.tags.contains_key(names::AUTO_SCALING_GROUP_KEY)
            && o.state != ec2::InstanceStateName::Terminated
        {
            found.push(o);
        }
    }
    Ok(found)
}

async fn poll(clients: &Clients, ids: Vec<String>) -> Result<HashMap<String, Polled>, Error> {
    let out = clients
        .ec2
        .describe_instances()
        .filters(filter("instance-id", ids.clone()))
        .send()
        .await
        .on("DescribeInstances", ids.join(", "))?;
    let mut seen = HashMap::new();
    for i in out.reservations().iter().flat_map(|r| r.instances()) {
        let o = read(i)?;
        let reason = i
            .state_reason()
            .and_then(|r| r.message())
            .map(str::to_string);
        seen.insert(
            o.id,
            Polled {
                state: o.state,
                reason,
            },
        );
    }
    Ok(seen)
}

pub async fn run(cx: &Cx<'_>, step: usize, op: &Op<Instance>) -> Result<Did, Error> {
    match op {
        Op::Create(spec) => {
            let id = launch(cx, step, spec).await?;
            cx.instances
                .wait(
                    &id,
                    &format!("instance {} ({id}) to run", spec.name),
                    cx.timing,
                    |ids| poll(cx.clients, ids),
                    |seen| match seen {
                        None => Ok(None),
                        Some(p) if p.state == ec2::InstanceStateName::Pending => Ok(None),
                        Some(p) if p.state == ec2::InstanceStateName::Running => Ok(Some(())),
                        Some(p) => Err(Error::Aws {
                            operation: "RunInstances",
                            resource: spec.name.clone(),
                            code: "InstanceNotRunning".into(),
                            message: format!(
                                "the instance is {}{}",
                                p.state.as_str(),
                                p.reason
                                    .as_deref()
                                    .map(|r| format!(": {r}"))
                                    .unwrap_or_default()
                            ),
                            certainty: Certainty::Refused,
                        }),
                    },
                )
                .await?;
            cx.produced(step, &id);
            Ok(Did::Created(id))
        }
        Op::Update { id, spec, changes } => {
            for change in changes {
                match change {
                    Change::Groups { .. } => {
                        let mut groups = Vec::new();
                        for g in &spec.groups {
                            groups.push(cx.id(g)?);
                        }
                        let retry = cx.retry(step, None);
                        settled(retry.get(), || {
                            let call = cx
                                .ec2()
                                .modify_instance_attribute()
                                .instance_id(id)
                                .set_groups(Some(groups.clone()));
                            async { call.send().await.on("ModifyInstanceAttribute", &spec.name) }
                        })
                        .await?;
                    }
                    Change::Tags(tags) => cx.tag(step, id, &spec.name, tags).await?,
                }
            }
            cx.produced(step, id);
            Ok(Did::Changed(super::said::<Instance>(changes)))
        }
        Op::Delete(o) => {
            if !Instance::gone(o) {
                gone(
                    cx.ec2()
                        .terminate_instances()
                        .instance_ids(&o.id)
                        .send()
                        .await
                        .on("TerminateInstances", &o.name),
                )?;
            }
            cx.instances
                .wait(
                    &o.id,
                    &format!("instance {} ({}) to terminate", o.name, o.id),
                    cx.timing,
                    |ids| poll(cx.clients, ids),
                    |seen| {
                        Ok(seen
                            .is_none_or(|p| p.state == ec2::InstanceStateName::Terminated)
                            .then_some(()))
                    },
                )
                .await?;
            // A control-plane machine's bootstrap data goes with it, read
            // or not.
            if o.tags.get(names::ROLE_KEY).map(String::as_str) == Some(Role::ControlPlane.as_str())
            {
                bootstrap::delete(cx.clients, &bootstrap::machine_secret(cx.cluster, &o.name))
                    .await?;
            }
            Ok(Did::Deleted)
        }
    }
}

async fn launch(cx: &Cx<'_>, step: usize, spec: &Spec) -> Result<String, Error> {
    let subnet = cx.id(&spec.subnet)?;
    let mut groups = Vec::new();
    for g in &spec.groups {
        groups.push(cx.id(g)?);
    }
    let device = cx.root_device(&spec.image).await?;
    if let Some(b) = &spec.bootstrap {
        bootstrap::put(cx, b, &spec.tags).await?;
    }
    let token = client_token();
    let retry = cx.retry(step, None);
    create(
        retry.get(),
        || {
            let mut call = cx
                .clients
                .ec2_once
                .run_instances()
                .image_id(&spec.image)
                .instance_type(ec2::InstanceType::from(spec.instance_type.as_str()))
                .min_count(1)
                .max_count(1)
                .key_name(&spec.key_name)
                .subnet_id(&subnet)
                .set_security_group_ids(Some(groups.clone()))
                .client_token(&token)
                .metadata_options(
                    ec2::InstanceMetadataOptionsRequest::builder()
                        .http_tokens(ec2::HttpTokensState::Required)
                        .http_endpoint(ec2::InstanceMetadataEndpointState::Enabled)
                        .http_put_response_hop_limit(spec.settings.metadata_hop_limit)
                        .build(),
                )
                .set_iam_instance_profile(spec.settings.instance_profile.as_ref().map(|name| {
                    ec2::IamInstanceProfileSpecification::builder()
                        .name(name)
                        .build()
                }))
                .block_device_mappings(
                    ec2::BlockDeviceMapping::builder()
                        .device_name(&device)
                        .ebs(
                            ec2::EbsBlockDevice::builder()
                                .encrypted(true)
                                .volume_size(spec.settings.root_volume_gib)
                                .volume_type(ec2::VolumeType::from(
                                    spec.settings.root_volume_type.as_str(),
                                ))
                                .build(),
                        )
                        .build(),
                )
                .tag_specifications(tag_spec(ec2::ResourceType::Instance, &spec.tags))
                .tag_specifications(tag_spec(ec2::ResourceType::Volume, &spec.tags));
            if let Some(data) = &spec.user_data {
                call = call.user_data(aws_smithy_types::base64::encode(data));
            }
            async {
                let out = call.send().await.on("RunInstances", &spec.name)?;
                created_id(
                    "RunInstances",
                    &spec.name,
                    out.instances().first().and_then(|i| i.instance_id()),
                )
            }
        },
        || find(cx, &spec.name),
    )
    .await
}

/// A live instance of that name, the cluster's.
async fn find(cx: &Cx<'_>, name: &str) -> Result<Option<String>, Error> {
    let out = cx
        .ec2()
        .describe_instances()
        .filters(owned_filter(cx.cluster))
        .filters(filter("tag:Name", vec![name.to_string()]))
        .send()
        .await
        .on("DescribeInstances", name)?;
    for i in out.reservations().iter().flat_map(|r| r.instances()) {
        let o = read(i)?;
        if o.name == name
            && names::is_owned(&o.tags, cx.cluster)
            && !Instance::gone(&o)
            && !cx.doomed(&o.id)
        {
            return Ok(Some(o.id));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::resources::testing::{Refs, tags_for};

    fn spec(role: Role) -> Spec {
        Spec {
            name: "demo-control-plane-0".into(),
            instance_type: "m7i.large".into(),
            image: "ami-04681a1dbd79675a5".into(),
            key_name: "ops".into(),
            subnet: Ref::new(Kind::Subnet, "s"),
            groups: vec![
                Ref::new(Kind::SecurityGroup, "cp"),
                Ref::new(Kind::SecurityGroup, "node"),
            ],
            user_data: None,
            bootstrap: None,
            after: Vec::new(),
            role,
            settings: MachineSettings {
                instance_profile: Some("control-plane.cluster-api-provider-aws.sigs.k8s.io".into()),
                metadata_hop_limit: 2,
                root_volume_gib: 40,
                root_volume_type: "gp3".into(),
            },
            tags: tags_for("demo", "demo-control-plane-0", role),
        }
    }

    fn ids() -> Refs {
        Refs(HashMap::from([
            (Ref::new(Kind::Subnet, "s"), Id::Known("subnet-1".into())),
            (
                Ref::new(Kind::SecurityGroup, "cp"),
                Id::Known("sg-cp".into()),
            ),
            (
                Ref::new(Kind::SecurityGroup, "node"),
                Id::Known("sg-node".into()),
            ),
        ]))
    }

    fn observed() -> Observed {
        Observed {
            id: "i-1".into(),
            name: "demo-control-plane-0".into(),
            state: ec2::InstanceStateName::Running,
            subnet_id: "subnet-1".into(),
            instance_type: "m7i.large".into(),
            image_id: "ami-04681a1dbd79675a5".into(),
            key_name: Some("ops".into()),
            groups: vec!["sg-node".into(), "sg-cp".into()],
            profile: Some("control-plane.cluster-api-provider-aws.sigs.k8s.io".into()),
            tags: tags_for("demo", "demo-control-plane-0", Role::ControlPlane),
        }
    }

    #[test]
    fn groups_are_repaired_in_place() {
        assert!(Instance::diff(&spec(Role::ControlPlane), &observed(), &ids()).is_empty());
        let mut one = observed();
        one.groups.pop();
        let changes = Instance::diff(&spec(Role::ControlPlane), &one, &ids());
        assert!(matches!(&changes[0], Change::Groups { from } if from == &["sg-node".to_string()]));
    }

    #[test]
    fn another_type_replaces_the_bastion_and_blocks_for_a_master() {
        let mut other = observed();
        other.instance_type = "m7i.xlarge".into();
        assert!(matches!(
            Instance::fits(&spec(Role::Bastion), &other, &ids()),
            Fit::Replace(_)
        ));
        let Fit::Block(why) = Instance::fits(&spec(Role::ControlPlane), &other, &ids()) else {
            panic!("a master is not replaced");
        };
        assert!(
            why.contains("its type is m7i.xlarge, the spec's m7i.large"),
            "{why}"
        );
        let mut ssm = spec(Role::ControlPlane);
        ssm.image = "resolve:ssm:/aws/service/x".into();
        assert_eq!(Instance::fits(&ssm, &observed(), &ids()), Fit::Yes);
    }
}

//! The nodes' instance profiles `account setup` makes, each holding its
//! role: what EC2 launches the machines with. A profile of the same name
//! made otherwise is used as it is.

use super::iam_entity::{self, tags_of};
use super::{Cx, Did, Fit, Op, Ref, Resolve, Resource, Shown, Work, show_tags, tag_change};
use crate::account::{Observed as All, Wanted};
use crate::aws::call::{create, found, gone, settled};
use crate::aws::clients::Clients;
use crate::aws::error::{AwsResult, Certainty, Error, missing};
use crate::aws::permissions::{IAM, Permission, op};
use crate::kind::Kind;
use crate::names::{self, Tags};

pub const CALLS: &[Permission] = &[
    op(
        IAM,
        "CreateInstanceProfile",
        &["iam:CreateInstanceProfile", "iam:TagInstanceProfile"],
    ),
    op(IAM, "GetInstanceProfile", &["iam:GetInstanceProfile"]),
    op(IAM, "ListInstanceProfiles", &["iam:ListInstanceProfiles"]),
    // Adding a role to a profile passes it (the IAM guide, "Using an IAM
    // role to grant permissions to applications running on EC2").
    op(
        IAM,
        "AddRoleToInstanceProfile",
        &["iam:AddRoleToInstanceProfile", "iam:PassRole"],
    ),
    op(
        IAM,
        "RemoveRoleFromInstanceProfile",
        &["iam:RemoveRoleFromInstanceProfile"],
    ),
    op(IAM, "TagInstanceProfile", &["iam:TagInstanceProfile"]),
    op(IAM, "DeleteInstanceProfile", &["iam:DeleteInstanceProfile"]),
];

#[derive(Debug, Clone)]
pub struct InstanceProfile;

#[derive(Debug, Clone)]
pub struct Spec {
    pub name: String,
    pub role: Ref,
    pub tags: Tags,
}

#[derive(Debug, Clone)]
pub struct Observed {
    pub name: String,
    pub path: String,
    /// The roles it holds (at most one).
    pub roles: Vec<String>,
    pub tags: Tags,
}

#[derive(Debug, Clone)]
pub enum Change {
    /// Hold the spec's role, the others removed first.
    Role {
        remove: Vec<String>,
    },
    Tags(Tags),
}

impl Resource for InstanceProfile {
    const KIND: Kind = Kind::InstanceProfile;
    type World = All;
    type Wants = Wanted;
    type Spec = Spec;
    type Observed = Observed;
    type Change = Change;

    fn wanted(d: &Wanted) -> Vec<Spec> {
        d.profiles.clone()
    }

    fn observed(all: &All) -> &[Observed] {
        &all.profiles
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

    fn owned(o: &Observed, _cluster: &str) -> bool {
        names::is_account_owned(&o.path, &o.tags)
    }

    fn refs(spec: &Spec) -> Vec<Ref> {
        vec![spec.role.clone()]
    }

    fn fits(_spec: &Spec, o: &Observed, _ids: &dyn Resolve) -> Fit {
        if InstanceProfile::owned(o, "") {
            Fit::Yes
        } else {
            Fit::Foreign(format!(
                "exists, made outside awscluster (at {}, with {}): used as it is",
                o.path,
                if o.roles.is_empty() {
                    "no role".to_string()
                } else {
                    o.roles.join(", ")
                }
            ))
        }
    }

    fn diff(spec: &Spec, o: &Observed, ids: &dyn Resolve) -> Vec<Change> {
        let mut changes = Vec::new();
        let role = ids.id(&spec.role);
        let holds = o.roles.len() == 1 && role.as_ref().is_some_and(|r| r.is(&o.roles[0]));
        if !holds {
            changes.push(Change::Role {
                remove: o
                    .roles
                    .iter()
                    .filter(|r| !role.as_ref().is_some_and(|id| id.is(r)))
                    .cloned()
                    .collect(),
            });
        }
        changes.extend(tag_change(&spec.tags, &o.tags).map(Change::Tags));
        changes
    }

    fn show(change: &Change) -> Shown {
        match change {
            Change::Role { remove } => Shown::new("role", remove.join(", "), "the spec's"),
            Change::Tags(tags) => show_tags(tags),
        }
    }

    fn describe(spec: &Spec) -> String {
        format!("holding {}", spec.role.name)
    }

    fn describe_observed(o: &Observed) -> String {
        format!("holding {}", o.roles.join(", "))
    }

    fn work(op: Op<InstanceProfile>) -> Work {
        Work::InstanceProfile(op)
    }
}

/// The profiles `names` and those under setup's path.
pub async fn observe(clients: &Clients, names_wanted: &[String]) -> Result<Vec<Observed>, Error> {
    let pages = clients
        .iam
        .list_instance_profiles()
        .path_prefix(names::ACCOUNT_PATH)
        .into_paginator()
        .send()
        .try_collect()
        .await
        .on("ListInstanceProfiles", names::ACCOUNT_PATH)?;
    let listed = pages
        .iter()
        .flat_map(|p| p.instance_profiles())
        .map(|p| p.instance_profile_name().to_string());
    iam_entity::read_each(names_wanted, listed, |name| async move {
        read(clients, &name).await
    })
    .await
}

async fn read(clients: &Clients, name: &str) -> Result<Option<Observed>, Error> {
    let Some(out) = found(
        clients
            .iam
            .get_instance_profile()
            .instance_profile_name(name)
            .send()
            .await
            .on("GetInstanceProfile", name),
    )?
    else {
        return Ok(None);
    };
    let p = out
        .instance_profile()
        .ok_or_else(|| missing("GetInstanceProfile", name, "InstanceProfile"))?;
    Ok(Some(Observed {
        name: name.to_string(),
        path: p.path().to_string(),
        roles: p
            .roles()
            .iter()
            .map(|r| r.role_name().to_string())
            .collect(),
        tags: tags_of(p.tags()),
    }))
}

pub async fn run(cx: &Cx<'_>, step: usize, op: &Op<InstanceProfile>) -> Result<Did, Error> {
    let iam = &cx.clients.iam;
    match op {
        Op::Create(spec) => {
            let tags = iam_entity::to_iam(&spec.tags)?;
            let retry = cx.retry(step, Some(Kind::InstanceProfile));
            create(
                retry.get(),
                || {
                    let call = iam
                        .create_instance_profile()
                        .instance_profile_name(&spec.name)
                        .path(names::ACCOUNT_PATH)
                        .set_tags(Some(tags.clone()));
                    async {
                        call.send().await.on("CreateInstanceProfile", &spec.name)?;
                        Ok(spec.name.clone())
                    }
                },
                || find(cx, &spec.name),
            )
            .await?;
            add_role(cx, step, spec).await?;
            cx.produced(step, &spec.name);
            Ok(Did::Created(spec.name.clone()))
        }
        Op::Update { id, spec, changes } => {
            for change in changes {
                match change {
                    Change::Role { remove } => {
                        for role in remove {
                            remove_role(cx, id, role).await?;
                        }
                        add_role(cx, step, spec).await?;
                    }
                    Change::Tags(tags) => {
                        iam.tag_instance_profile()
                            .instance_profile_name(id)
                            .set_tags(Some(iam_entity::to_iam(tags)?))
                            .send()
                            .await
                            .on("TagInstanceProfile", id)?;
                    }
                }
            }
            cx.produced(step, id);
            Ok(Did::Changed(super::said::<InstanceProfile>(changes)))
        }
        Op::Delete(o) => {
            for role in &o.roles {
                remove_role(cx, &o.name, role).await?;
            }
            gone(
                iam.delete_instance_profile()
                    .instance_profile_name(&o.name)
                    .send()
                    .await
                    .on("DeleteInstanceProfile", &o.name),
            )?;
            Ok(Did::Deleted)
        }
    }
}

/// Takes `role` out of `profile`. When the answer leaves it unknown
/// whether IAM did (a lost answer; the emulator fails a second removal
/// with a 500), the profile is read again.
async fn remove_role(cx: &Cx<'_>, profile: &str, role: &str) -> Result<(), Error> {
    let removed = cx
        .clients
        .iam
        .remove_role_from_instance_profile()
        .instance_profile_name(profile)
        .role_name(role)
        .send()
        .await
        .on("RemoveRoleFromInstanceProfile", profile);
    match gone(removed) {
        Err(e) if e.certainty() == Certainty::Unknown => {
            let held = read(cx.clients, profile)
                .await?
                .is_some_and(|o| o.roles.iter().any(|r| r == role));
            if held { Err(e) } else { Ok(()) }
        }
        other => other.map(|_| ()),
    }
}

async fn add_role(cx: &Cx<'_>, step: usize, spec: &Spec) -> Result<(), Error> {
    let role = cx.id(&spec.role)?;
    let retry = cx.retry(step, Some(Kind::InstanceProfile));
    let added = settled(retry.get(), || {
        let call = cx
            .clients
            .iam
            .add_role_to_instance_profile()
            .instance_profile_name(&spec.name)
            .role_name(&role);
        async { call.send().await.on("AddRoleToInstanceProfile", &spec.name) }
    })
    .await;
    match added {
        // Held already: the answer to an earlier attempt was lost.
        Err(e) if e.code() == Some("LimitExceeded") => {
            let held = read(cx.clients, &spec.name)
                .await?
                .is_some_and(|o| o.roles.contains(&role));
            if held { Ok(()) } else { Err(e) }
        }
        other => other.map(|_| ()),
    }
}

async fn find(cx: &Cx<'_>, name: &str) -> Result<Option<String>, Error> {
    Ok(read(cx.clients, name)
        .await?
        .filter(|o| InstanceProfile::owned(o, ""))
        .map(|o| o.name))
}

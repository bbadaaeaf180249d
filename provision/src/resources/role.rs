//! A role `account setup` makes: the provisioning role (trusted by the
//! account that provisions, with its external ID) and the nodes' roles
//! (trusted by EC2), each with its managed policies attached. A role of
//! the same name made otherwise (by hand, or by Cluster API Provider AWS's
//! `clusterawsadm`) is used as it is and never changed or deleted.

use super::iam_entity::{self, attachments, decode_document, show_attach, show_detach, tags_of};
use super::{Cx, Did, Fit, Op, Ref, Resolve, Resource, Shown, Work, show_tags, tag_change};
use crate::account::{Observed as All, Wanted};
use crate::aws::call::{create, found, gone, settled};
use crate::aws::clients::Clients;
use crate::aws::error::{AwsResult, Error, missing};
use crate::aws::permissions::{IAM, Permission, op};
use crate::kind::Kind;
use crate::names::{self, Tags};

pub const CALLS: &[Permission] = &[
    op(IAM, "CreateRole", &["iam:CreateRole", "iam:TagRole"]),
    op(IAM, "GetRole", &["iam:GetRole"]),
    op(IAM, "ListRoles", &["iam:ListRoles"]),
    op(
        IAM,
        "ListAttachedRolePolicies",
        &["iam:ListAttachedRolePolicies"],
    ),
    op(
        IAM,
        "UpdateAssumeRolePolicy",
        &["iam:UpdateAssumeRolePolicy"],
    ),
    op(IAM, "AttachRolePolicy", &["iam:AttachRolePolicy"]),
    op(IAM, "DetachRolePolicy", &["iam:DetachRolePolicy"]),
    op(IAM, "TagRole", &["iam:TagRole"]),
    op(IAM, "DeleteRole", &["iam:DeleteRole"]),
];

#[derive(Debug, Clone)]
pub struct Role;

#[derive(Debug, Clone)]
pub struct Spec {
    pub name: String,
    /// Who may assume it; `None` keeps the one it has (the provisioning
    /// role setup made before, when setup is run again without saying who
    /// provisions).
    pub trust: Option<serde_json::Value>,
    /// What the plan says it is for.
    pub purpose: String,
    /// Its managed policies, by name.
    pub policies: Vec<Ref>,
    pub tags: Tags,
}

#[derive(Debug, Clone)]
pub struct Observed {
    pub name: String,
    pub path: String,
    pub trust: Option<serde_json::Value>,
    /// The managed policies attached: (name, ARN).
    pub attached: Vec<(String, String)>,
    pub tags: Tags,
}

#[derive(Debug, Clone)]
pub enum Change {
    /// The trust policy to set.
    Trust(serde_json::Value),
    Attach(Vec<Ref>),
    /// Setup's own policies the role should no longer have, by ARN.
    Detach(Vec<String>),
    Tags(Tags),
}

impl Resource for Role {
    const KIND: Kind = Kind::Role;
    type World = All;
    type Wants = Wanted;
    type Spec = Spec;
    type Observed = Observed;
    type Change = Change;

    fn wanted(d: &Wanted) -> Vec<Spec> {
        d.roles.clone()
    }

    fn observed(all: &All) -> &[Observed] {
        &all.roles
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
        spec.policies.clone()
    }

    fn fits(_spec: &Spec, o: &Observed, _ids: &dyn Resolve) -> Fit {
        if Role::owned(o, "") {
            Fit::Yes
        } else {
            Fit::Foreign(format!(
                "exists, made outside awscluster (at {}): used as it is",
                o.path
            ))
        }
    }

    fn diff(spec: &Spec, o: &Observed, ids: &dyn Resolve) -> Vec<Change> {
        let mut changes = Vec::new();
        if let Some(trust) = &spec.trust
            && o.trust.as_ref() != Some(trust)
        {
            changes.push(Change::Trust(trust.clone()));
        }
        let (attach, detach) = attachments(&spec.policies, &o.attached, ids);
        if !attach.is_empty() {
            changes.push(Change::Attach(attach));
        }
        if !detach.is_empty() {
            changes.push(Change::Detach(detach));
        }
        changes.extend(tag_change(&spec.tags, &o.tags).map(Change::Tags));
        changes
    }

    fn show(change: &Change) -> Shown {
        match change {
            Change::Trust(_) => Shown::new("trust policy", "another", "the setup's"),
            Change::Attach(refs) => show_attach(refs),
            Change::Detach(arns) => show_detach(arns),
            Change::Tags(tags) => show_tags(tags),
        }
    }

    fn describe(spec: &Spec) -> String {
        format!(
            "{}, with {}",
            spec.purpose,
            spec.policies
                .iter()
                .map(|p| p.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )
    }

    fn describe_observed(o: &Observed) -> String {
        format!("{} polic(ies) attached", o.attached.len())
    }

    fn work(op: Op<Role>) -> Work {
        Work::Role(op)
    }
}

/// The roles `names` and those under setup's path: each with its trust
/// policy, tags and managed policies. A name that does not exist is left
/// out.
pub async fn observe(clients: &Clients, names_wanted: &[String]) -> Result<Vec<Observed>, Error> {
    let pages = clients
        .iam
        .list_roles()
        .path_prefix(names::ACCOUNT_PATH)
        .into_paginator()
        .send()
        .try_collect()
        .await
        .on("ListRoles", names::ACCOUNT_PATH)?;
    let listed = pages
        .iter()
        .flat_map(|p| p.roles())
        .map(|r| r.role_name().to_string());
    iam_entity::read_each(names_wanted, listed, |name| async move {
        read(clients, &name).await
    })
    .await
}

async fn read(clients: &Clients, name: &str) -> Result<Option<Observed>, Error> {
    let Some(role) = found(
        clients
            .iam
            .get_role()
            .role_name(name)
            .send()
            .await
            .on("GetRole", name),
    )?
    else {
        return Ok(None);
    };
    let role = role
        .role()
        .ok_or_else(|| missing("GetRole", name, "Role"))?;
    let attached = clients
        .iam
        .list_attached_role_policies()
        .role_name(name)
        .into_paginator()
        .send()
        .try_collect()
        .await
        .on("ListAttachedRolePolicies", name)?;
    Ok(Some(Observed {
        name: name.to_string(),
        path: role.path().to_string(),
        trust: role.assume_role_policy_document().and_then(decode_document),
        attached: attached
            .iter()
            .flat_map(|p| p.attached_policies())
            .filter_map(|p| Some((p.policy_name()?.to_string(), p.policy_arn()?.to_string())))
            .collect(),
        tags: tags_of(role.tags()),
    }))
}

pub async fn run(cx: &Cx<'_>, step: usize, op: &Op<Role>) -> Result<Did, Error> {
    let iam = &cx.clients.iam;
    match op {
        Op::Create(spec) => {
            let trust = spec
                .trust
                .as_ref()
                .ok_or_else(|| {
                    Error::Usage(format!(
                        "the role {} is gone: say who provisions (--trust-account and --external-id) to make it again",
                        spec.name
                    ))
                })?
                .to_string();
            let tags = iam_entity::to_iam(&spec.tags)?;
            let retry = cx.retry(step, Some(Kind::Role));
            create(
                retry.get(),
                || {
                    let call = iam
                        .create_role()
                        .role_name(&spec.name)
                        .path(names::ACCOUNT_PATH)
                        .assume_role_policy_document(&trust)
                        .description(&spec.purpose)
                        .set_tags(Some(tags.clone()));
                    async {
                        call.send().await.on("CreateRole", &spec.name)?;
                        Ok(spec.name.clone())
                    }
                },
                || find(cx, &spec.name),
            )
            .await?;
            attach(cx, step, &spec.name, &spec.policies).await?;
            cx.produced(step, &spec.name);
            Ok(Did::Created(spec.name.clone()))
        }
        Op::Update { id, changes, .. } => {
            for change in changes {
                match change {
                    Change::Trust(trust) => {
                        iam.update_assume_role_policy()
                            .role_name(id)
                            .policy_document(trust.to_string())
                            .send()
                            .await
                            .on("UpdateAssumeRolePolicy", id)?;
                    }
                    Change::Attach(refs) => attach(cx, step, id, refs).await?,
                    Change::Detach(arns) => {
                        for arn in arns {
                            gone(
                                iam.detach_role_policy()
                                    .role_name(id)
                                    .policy_arn(arn)
                                    .send()
                                    .await
                                    .on("DetachRolePolicy", id),
                            )?;
                        }
                    }
                    Change::Tags(tags) => {
                        iam.tag_role()
                            .role_name(id)
                            .set_tags(Some(iam_entity::to_iam(tags)?))
                            .send()
                            .await
                            .on("TagRole", id)?;
                    }
                }
            }
            cx.produced(step, id);
            Ok(Did::Changed(super::said::<Role>(changes)))
        }
        Op::Delete(o) => {
            for (_, arn) in &o.attached {
                gone(
                    iam.detach_role_policy()
                        .role_name(&o.name)
                        .policy_arn(arn)
                        .send()
                        .await
                        .on("DetachRolePolicy", &o.name),
                )?;
            }
            gone(
                iam.delete_role()
                    .role_name(&o.name)
                    .send()
                    .await
                    .on("DeleteRole", &o.name),
            )?;
            Ok(Did::Deleted)
        }
    }
}

async fn attach(cx: &Cx<'_>, step: usize, role: &str, policies: &[Ref]) -> Result<(), Error> {
    let retry = cx.retry(step, Some(Kind::Role));
    for p in policies {
        let arn = cx.id(p)?;
        settled(retry.get(), || {
            let call = cx
                .clients
                .iam
                .attach_role_policy()
                .role_name(role)
                .policy_arn(&arn);
            async { call.send().await.on("AttachRolePolicy", role) }
        })
        .await?;
    }
    Ok(())
}

/// The role of that name, when setup made it.
async fn find(cx: &Cx<'_>, name: &str) -> Result<Option<String>, Error> {
    Ok(read(cx.clients, name)
        .await?
        .filter(|o| Role::owned(o, ""))
        .map(|o| o.name))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::resources::Id;
    use crate::resources::testing::Refs;

    #[test]
    fn a_role_made_otherwise_is_used_as_it_is() {
        let spec = Spec {
            name: "nodes.cluster-api-provider-aws.sigs.k8s.io".into(),
            trust: Some(serde_json::json!({"Version": "2012-10-17"})),
            purpose: "the worker nodes' role".into(),
            policies: vec![Ref::new(Kind::ManagedPolicy, "awscluster-nodes")],
            tags: names::account_tags("nodes.cluster-api-provider-aws.sigs.k8s.io"),
        };
        let mut o = Observed {
            name: spec.name.clone(),
            path: "/".into(),
            trust: spec.trust.clone(),
            attached: vec![],
            tags: Tags::new(),
        };
        assert!(matches!(
            Role::fits(&spec, &o, &Refs(HashMap::new())),
            Fit::Foreign(_)
        ));
        o.path = names::ACCOUNT_PATH.into();
        o.tags = spec.tags.clone();
        let ids = Refs(HashMap::from([(
            Ref::new(Kind::ManagedPolicy, "awscluster-nodes"),
            Id::Known("arn:aws:iam::1:policy/awscluster/awscluster-nodes".into()),
        )]));
        assert_eq!(Role::fits(&spec, &o, &ids), Fit::Yes);
        assert!(matches!(
            &Role::diff(&spec, &o, &ids)[..],
            [Change::Attach(_)]
        ));
        o.attached = vec![
            (
                "awscluster-nodes".into(),
                "arn:aws:iam::1:policy/awscluster/awscluster-nodes".into(),
            ),
            (
                "awscluster-old".into(),
                "arn:aws:iam::1:policy/awscluster/awscluster-old".into(),
            ),
            (
                "someone-elses".into(),
                "arn:aws:iam::1:policy/someone-elses".into(),
            ),
        ];
        let changes = Role::diff(&spec, &o, &ids);
        assert!(
            matches!(&changes[..], [Change::Detach(arns)] if arns == &["arn:aws:iam::1:policy/awscluster/awscluster-old".to_string()]),
            "only setup's own policies are detached: {changes:?}"
        );
    }
}

//! Setup's policies attached to an existing IAM user, for the access-key
//! option of the seed's cloud account (`account setup --user NAME`). The
//! user is the account owner's: setup never makes or deletes it, only
//! attaches its own policies (deleting a policy detaches it).

use super::iam_entity::{attachments, show_attach, show_detach};
use super::{Cx, Did, Op, Ref, Resolve, Resource, Shown, Work};
use crate::account::{Observed as All, Wanted};
use crate::aws::call::{gone, settled};
use crate::aws::clients::Clients;
use crate::aws::error::{AwsResult, Error};
use crate::aws::permissions::{IAM, Permission, op};
use crate::kind::Kind;

pub const CALLS: &[Permission] = &[
    op(IAM, "GetUser", &["iam:GetUser"]),
    op(
        IAM,
        "ListAttachedUserPolicies",
        &["iam:ListAttachedUserPolicies"],
    ),
    op(IAM, "AttachUserPolicy", &["iam:AttachUserPolicy"]),
    op(IAM, "DetachUserPolicy", &["iam:DetachUserPolicy"]),
];

#[derive(Debug, Clone)]
pub struct UserPolicies;

#[derive(Debug, Clone)]
pub struct Spec {
    pub user: String,
    pub policies: Vec<Ref>,
}

#[derive(Debug, Clone)]
pub struct Observed {
    pub user: String,
    /// Its managed policies: (name, ARN).
    pub attached: Vec<(String, String)>,
}

#[derive(Debug, Clone)]
pub enum Change {
    Attach(Vec<Ref>),
    Detach(Vec<String>),
}

impl Resource for UserPolicies {
    const KIND: Kind = Kind::UserPolicies;
    /// The user is not setup's: deleting setup's policies detaches them.
    const DELETES: bool = false;
    type World = All;
    type Wants = Wanted;
    type Spec = Spec;
    type Observed = Observed;
    type Change = Change;

    fn wanted(d: &Wanted) -> Vec<Spec> {
        d.users.clone()
    }

    fn observed(all: &All) -> &[Observed] {
        &all.users
    }

    fn spec_name(spec: &Spec) -> &str {
        &spec.user
    }

    fn name(o: &Observed) -> &str {
        &o.user
    }

    fn id(o: &Observed) -> &str {
        &o.user
    }

    fn owned(_o: &Observed, _cluster: &str) -> bool {
        false
    }

    fn refs(spec: &Spec) -> Vec<Ref> {
        spec.policies.clone()
    }

    fn diff(spec: &Spec, o: &Observed, ids: &dyn Resolve) -> Vec<Change> {
        let (attach, detach) = attachments(&spec.policies, &o.attached, ids);
        let mut changes = Vec::new();
        if !attach.is_empty() {
            changes.push(Change::Attach(attach));
        }
        if !detach.is_empty() {
            changes.push(Change::Detach(detach));
        }
        changes
    }

    fn show(change: &Change) -> Shown {
        match change {
            Change::Attach(refs) => show_attach(refs),
            Change::Detach(arns) => show_detach(arns),
        }
    }

    fn describe(spec: &Spec) -> String {
        format!(
            "the provisioning user, with {}",
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

    fn work(op: Op<UserPolicies>) -> Work {
        Work::UserPolicies(op)
    }
}

/// The user's managed policies; an error when the user does not exist
/// (setup uses a user, it never makes one).
pub async fn observe(clients: &Clients, user: &str) -> Result<Observed, Error> {
    match clients
        .iam
        .get_user()
        .user_name(user)
        .send()
        .await
        .on("GetUser", user)
    {
        Ok(_) => {}
        Err(e) if e.is_not_found() => {
            return Err(Error::Spec(format!("there is no IAM user named {user}")));
        }
        Err(e) => return Err(e),
    }
    let pages = clients
        .iam
        .list_attached_user_policies()
        .user_name(user)
        .into_paginator()
        .send()
        .try_collect()
        .await
        .on("ListAttachedUserPolicies", user)?;
    Ok(Observed {
        user: user.to_string(),
        attached: pages
            .iter()
            .flat_map(|p| p.attached_policies())
            .filter_map(|p| Some((p.policy_name()?.to_string(), p.policy_arn()?.to_string())))
            .collect(),
    })
}

pub async fn run(cx: &Cx<'_>, step: usize, op: &Op<UserPolicies>) -> Result<Did, Error> {
    match op {
        Op::Create(spec) => {
            attach(cx, step, &spec.user, &spec.policies).await?;
            Ok(Did::Changed(format!(
                "{} polic(ies) attached",
                spec.policies.len()
            )))
        }
        Op::Update { id, changes, .. } => {
            for change in changes {
                match change {
                    Change::Attach(refs) => attach(cx, step, id, refs).await?,
                    Change::Detach(arns) => {
                        for arn in arns {
                            gone(
                                cx.clients
                                    .iam
                                    .detach_user_policy()
                                    .user_name(id)
                                    .policy_arn(arn)
                                    .send()
                                    .await
                                    .on("DetachUserPolicy", id),
                            )?;
                        }
                    }
                }
            }
            Ok(Did::Changed(super::said::<UserPolicies>(changes)))
        }
        // Never planned: the user is not setup's.
        Op::Delete(_) => Ok(Did::Nothing),
    }
}

async fn attach(cx: &Cx<'_>, step: usize, user: &str, policies: &[Ref]) -> Result<(), Error> {
    let retry = cx.retry(step, None);
    for p in policies {
        let arn = cx.id(p)?;
        settled(retry.get(), || {
            let call = cx
                .clients
                .iam
                .attach_user_policy()
                .user_name(user)
                .policy_arn(&arn);
            async { call.send().await.on("AttachUserPolicy", user) }
        })
        .await?;
    }
    Ok(())
}

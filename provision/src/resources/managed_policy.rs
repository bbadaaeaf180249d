//! A managed policy `account setup` makes: one of the seed's four (or the
//! hardened ones), or a part of one split to fit IAM's quota of 6,144
//! characters a managed policy. Its document is compared with the one
//! setup would write; a difference is a new default version (IAM keeps
//! five: the oldest one that is not the default goes first).

use aws_sdk_iam::types as iam;

use super::{Cx, Did, Op, Ref, Resolve, Resource, Shown, Work, iam_entity, show_tags, tag_change};
use crate::account::{Observed as All, Wanted};
use crate::aws::call::{create, gone};
use crate::aws::clients::Clients;
use crate::aws::error::{AwsResult, Error, missing};
use crate::aws::permissions::{IAM, Permission, op};
use crate::kind::Kind;
use crate::names::{self, Tags};

pub const CALLS: &[Permission] = &[
    op(IAM, "CreatePolicy", &["iam:CreatePolicy", "iam:TagPolicy"]),
    op(IAM, "ListPolicies", &["iam:ListPolicies"]),
    op(IAM, "GetPolicy", &["iam:GetPolicy"]),
    op(IAM, "GetPolicyVersion", &["iam:GetPolicyVersion"]),
    op(IAM, "ListPolicyVersions", &["iam:ListPolicyVersions"]),
    op(IAM, "CreatePolicyVersion", &["iam:CreatePolicyVersion"]),
    op(IAM, "DeletePolicyVersion", &["iam:DeletePolicyVersion"]),
    op(IAM, "TagPolicy", &["iam:TagPolicy"]),
    op(IAM, "ListEntitiesForPolicy", &["iam:ListEntitiesForPolicy"]),
    op(IAM, "DetachGroupPolicy", &["iam:DetachGroupPolicy"]),
    op(IAM, "DeletePolicy", &["iam:DeletePolicy"]),
];

/// Versions IAM keeps of a managed policy.
const MAX_VERSIONS: usize = 5;

#[derive(Debug, Clone)]
pub struct ManagedPolicy;

#[derive(Debug, Clone)]
pub struct Spec {
    pub name: String,
    pub document: serde_json::Value,
    /// Where the document comes from, for the plan.
    pub source: String,
    pub tags: Tags,
}

#[derive(Debug, Clone)]
pub struct Observed {
    pub arn: String,
    pub name: String,
    pub path: String,
    /// The default version's document, decoded.
    pub document: Option<serde_json::Value>,
    /// The users it is attached to: only setup attaches its policies to a
    /// user, so these are the provisioning users.
    pub users: Vec<String>,
    pub tags: Tags,
}

#[derive(Debug, Clone)]
pub enum Change {
    Document,
    Tags(Tags),
}

impl Resource for ManagedPolicy {
    const KIND: Kind = Kind::ManagedPolicy;
    type World = All;
    type Wants = Wanted;
    type Spec = Spec;
    type Observed = Observed;
    type Change = Change;

    fn wanted(d: &Wanted) -> Vec<Spec> {
        d.policies.clone()
    }

    fn observed(all: &All) -> &[Observed] {
        &all.policies
    }

    fn spec_name(spec: &Spec) -> &str {
        &spec.name
    }

    fn name(o: &Observed) -> &str {
        &o.name
    }

    fn id(o: &Observed) -> &str {
        &o.arn
    }

    fn owned(o: &Observed, _cluster: &str) -> bool {
        names::is_account_owned(&o.path, &o.tags)
    }

    fn refs(_spec: &Spec) -> Vec<Ref> {
        Vec::new()
    }

    fn diff(spec: &Spec, o: &Observed, _ids: &dyn Resolve) -> Vec<Change> {
        let mut changes = Vec::new();
        if o.document.as_ref() != Some(&spec.document) {
            changes.push(Change::Document);
        }
        changes.extend(tag_change(&spec.tags, &o.tags).map(Change::Tags));
        changes
    }

    fn show(change: &Change) -> Shown {
        match change {
            Change::Document => Shown::new("document", "another", "a new default version"),
            Change::Tags(tags) => show_tags(tags),
        }
    }

    fn describe(spec: &Spec) -> String {
        format!(
            "{}, {} characters",
            spec.source,
            spec.document
                .to_string()
                .chars()
                .filter(|c| !c.is_whitespace())
                .count()
        )
    }

    fn describe_observed(o: &Observed) -> String {
        o.arn.clone()
    }

    fn work(op: Op<ManagedPolicy>) -> Work {
        Work::ManagedPolicy(op)
    }
}

/// The policies under setup's path, with their documents and tags.
pub async fn observe(clients: &Clients) -> Result<Vec<Observed>, Error> {
    let pages = clients
        .iam
        .list_policies()
        .scope(iam::PolicyScopeType::Local)
        .path_prefix(names::ACCOUNT_PATH)
        .into_paginator()
        .send()
        .try_collect()
        .await
        .on("ListPolicies", names::ACCOUNT_PATH)?;
    let arns: Vec<String> = pages
        .iter()
        .flat_map(|p| p.policies())
        .filter_map(|p| p.arn().map(str::to_string))
        .collect();
    let found = futures_util::future::join_all(arns.iter().map(|arn| read(clients, arn))).await;
    let mut out = Vec::new();
    for o in found {
        let o = o?;
        if names::is_account_owned(&o.path, &o.tags) {
            out.push(o);
        }
    }
    Ok(out)
}

async fn read(clients: &Clients, arn: &str) -> Result<Observed, Error> {
    let out = clients
        .iam
        .get_policy()
        .policy_arn(arn)
        .send()
        .await
        .on("GetPolicy", arn)?;
    let policy = out
        .policy()
        .ok_or_else(|| missing("GetPolicy", arn, "Policy"))?;
    let version = policy
        .default_version_id()
        .ok_or_else(|| missing("GetPolicy", arn, "DefaultVersionId"))?;
    let document = clients
        .iam
        .get_policy_version()
        .policy_arn(arn)
        .version_id(version)
        .send()
        .await
        .on("GetPolicyVersion", arn)?
        .policy_version()
        .and_then(|v| v.document())
        .and_then(iam_entity::decode_document);
    let users = clients
        .iam
        .list_entities_for_policy()
        .policy_arn(arn)
        .entity_filter(iam::EntityType::User)
        .into_paginator()
        .send()
        .try_collect()
        .await
        .on("ListEntitiesForPolicy", arn)?;
    Ok(Observed {
        arn: arn.to_string(),
        name: policy
            .policy_name()
            .ok_or_else(|| missing("GetPolicy", arn, "PolicyName"))?
            .to_string(),
        path: policy.path().unwrap_or("/").to_string(),
        document,
        users: users
            .iter()
            .flat_map(|p| p.policy_users())
            .filter_map(|u| u.user_name().map(str::to_string))
            .collect(),
        tags: iam_entity::tags_of(policy.tags()),
    })
}

pub async fn run(cx: &Cx<'_>, step: usize, op: &Op<ManagedPolicy>) -> Result<Did, Error> {
    let iam = &cx.clients.iam;
    match op {
        Op::Create(spec) => {
            let document = spec.document.to_string();
            let tags = iam_entity::to_iam(&spec.tags)?;
            let retry = cx.retry(step, Some(Kind::ManagedPolicy));
            let arn = create(
                retry.get(),
                || {
                    let call = iam
                        .create_policy()
                        .policy_name(&spec.name)
                        .path(names::ACCOUNT_PATH)
                        .policy_document(&document)
                        .description("made by awscluster account setup")
                        .set_tags(Some(tags.clone()));
                    async {
                        let out = call.send().await.on("CreatePolicy", &spec.name)?;
                        super::created_id(
                            "CreatePolicy",
                            &spec.name,
                            out.policy().and_then(|p| p.arn()),
                        )
                    }
                },
                || find(cx, &spec.name),
            )
            .await?;
            cx.produced(step, &arn);
            Ok(Did::Created(arn))
        }
        Op::Update { id, spec, changes } => {
            for change in changes {
                match change {
                    Change::Document => new_version(cx, id, spec).await?,
                    Change::Tags(tags) => {
                        iam.tag_policy()
                            .policy_arn(id)
                            .set_tags(Some(iam_entity::to_iam(tags)?))
                            .send()
                            .await
                            .on("TagPolicy", &spec.name)?;
                    }
                }
            }
            cx.produced(step, id);
            Ok(Did::Changed(super::said::<ManagedPolicy>(changes)))
        }
        Op::Delete(o) => {
            delete(cx, o).await?;
            Ok(Did::Deleted)
        }
    }
}

/// A new default version, after the oldest one that is not the default
/// when IAM already keeps five.
async fn new_version(cx: &Cx<'_>, arn: &str, spec: &Spec) -> Result<(), Error> {
    let iam = &cx.clients.iam;
    let versions = iam
        .list_policy_versions()
        .policy_arn(arn)
        .send()
        .await
        .on("ListPolicyVersions", &spec.name)?;
    let old: Vec<&iam::PolicyVersion> = versions
        .versions()
        .iter()
        .filter(|v| !v.is_default_version())
        .collect();
    if versions.versions().len() >= MAX_VERSIONS
        && let Some(oldest) = old
            .iter()
            .min_by_key(|v| v.create_date().map(|d| d.secs()))
            .and_then(|v| v.version_id())
    {
        gone(
            iam.delete_policy_version()
                .policy_arn(arn)
                .version_id(oldest)
                .send()
                .await
                .on("DeletePolicyVersion", &spec.name),
        )?;
    }
    iam.create_policy_version()
        .policy_arn(arn)
        .policy_document(spec.document.to_string())
        .set_as_default(true)
        .send()
        .await
        .on("CreatePolicyVersion", &spec.name)?;
    Ok(())
}

/// Detached from every user, group and role that holds it, its old
/// versions deleted, then itself.
async fn delete(cx: &Cx<'_>, o: &Observed) -> Result<(), Error> {
    let iam = &cx.clients.iam;
    let entities = match iam
        .list_entities_for_policy()
        .policy_arn(&o.arn)
        .send()
        .await
        .on("ListEntitiesForPolicy", &o.name)
    {
        Ok(out) => out,
        Err(e) if e.is_not_found() => return Ok(()),
        Err(e) => return Err(e),
    };
    for r in entities.policy_roles().iter().filter_map(|r| r.role_name()) {
        gone(
            iam.detach_role_policy()
                .role_name(r)
                .policy_arn(&o.arn)
                .send()
                .await
                .on("DetachRolePolicy", r),
        )?;
    }
    for u in entities.policy_users().iter().filter_map(|u| u.user_name()) {
        gone(
            iam.detach_user_policy()
                .user_name(u)
                .policy_arn(&o.arn)
                .send()
                .await
                .on("DetachUserPolicy", u),
        )?;
    }
    for g in entities
        .policy_groups()
        .iter()
        .filter_map(|g| g.group_name())
    {
        gone(
            iam.detach_group_policy()
                .group_name(g)
                .policy_arn(&o.arn)
                .send()
                .await
                .on("DetachGroupPolicy", g),
        )?;
    }
    let versions = iam
        .list_policy_versions()
        .policy_arn(&o.arn)
        .send()
        .await
        .on("ListPolicyVersions", &o.name)?;
    for v in versions
        .versions()
        .iter()
        .filter(|v| !v.is_default_version())
    {
        if let Some(id) = v.version_id() {
            gone(
                iam.delete_policy_version()
                    .policy_arn(&o.arn)
                    .version_id(id)
                    .send()
                    .await
                    .on("DeletePolicyVersion", &o.name),
            )?;
        }
    }
    gone(
        iam.delete_policy()
            .policy_arn(&o.arn)
            .send()
            .await
            .on("DeletePolicy", &o.name),
    )?;
    Ok(())
}

/// The policy of that name setup made, if IAM shows it.
async fn find(cx: &Cx<'_>, name: &str) -> Result<Option<String>, Error> {
    Ok(observe(cx.clients)
        .await?
        .into_iter()
        .find(|o| o.name == name && !cx.doomed(&o.arn))
        .map(|o| o.arn))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::testing::NoRefs;

    #[test]
    fn another_document_is_a_new_version() {
        let doc = serde_json::json!({"Version": "2012-10-17", "Statement": []});
        let spec = Spec {
            name: "awscluster-nodes".into(),
            document: doc.clone(),
            source: "policies/nodes.json".into(),
            tags: names::account_tags("awscluster-nodes"),
        };
        let mut o = Observed {
            arn: "arn:aws:iam::123456789012:policy/awscluster/awscluster-nodes".into(),
            name: "awscluster-nodes".into(),
            path: names::ACCOUNT_PATH.into(),
            document: Some(doc),
            users: Vec::new(),
            tags: spec.tags.clone(),
        };
        assert!(ManagedPolicy::diff(&spec, &o, &NoRefs).is_empty());
        o.document = Some(serde_json::json!({"Version": "2012-10-17"}));
        assert!(matches!(
            ManagedPolicy::diff(&spec, &o, &NoRefs)[..],
            [Change::Document]
        ));
        assert!(ManagedPolicy::owned(&o, ""));
        o.path = "/".into();
        assert!(!ManagedPolicy::owned(&o, ""), "at setup's path only");
    }
}

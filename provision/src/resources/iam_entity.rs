//! What the account's IAM kinds share: tags as IAM takes and gives them,
//! documents as IAM answers them, the managed policies a role or a user
//! holds, and finding entities by name and under setup's path.

use std::future::Future;

use aws_sdk_iam::types as iam;

use super::{Id, Ref, Resolve, Shown};
use crate::aws::error::Error;
use crate::names::{self, Tags};

pub fn to_iam(tags: &Tags) -> Result<Vec<iam::Tag>, Error> {
    tags.iter()
        .map(|(k, v)| {
            iam::Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(|e| Error::Spec(format!("internal error building a tag: {e}")))
        })
        .collect()
}

pub fn tags_of(tags: &[iam::Tag]) -> Tags {
    tags.iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect()
}

/// A policy document as IAM answers it: URL-encoded JSON on AWS, plain
/// JSON from some emulators. `None` when it is neither.
pub fn decode_document(text: &str) -> Option<serde_json::Value> {
    serde_json::from_str(text)
        .ok()
        .or_else(|| serde_json::from_str(&percent_decode(text)?).ok())
}

/// `%7B%22Version%22…` → `{"Version"…`; `None` for a malformed escape.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = text.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// How the managed policies a role or a user holds (name, ARN) differ
/// from those it should: the ones to attach, and setup's own (under its
/// path) to detach. Others' policies are never detached.
pub fn attachments(
    wanted: &[Ref],
    attached: &[(String, String)],
    ids: &dyn Resolve,
) -> (Vec<Ref>, Vec<String>) {
    let wanted: Vec<(&Ref, Option<Id>)> = wanted.iter().map(|p| (p, ids.id(p))).collect();
    let is = |id: &Option<Id>, arn: &str| id.as_ref().is_some_and(|id| id.is(arn));
    let attach = wanted
        .iter()
        .filter(|(_, id)| !attached.iter().any(|(_, arn)| is(id, arn)))
        .map(|(r, _)| (*r).clone())
        .collect();
    let setups = format!(":policy{}", names::ACCOUNT_PATH);
    let detach = attached
        .iter()
        .filter(|(_, arn)| arn.contains(&setups) && !wanted.iter().any(|(_, id)| is(id, arn)))
        .map(|(_, arn)| arn.clone())
        .collect();
    (attach, detach)
}

pub fn show_attach(refs: &[Ref]) -> Shown {
    let names: Vec<String> = refs.iter().map(|r| format!("+ {}", r.name)).collect();
    Shown::new("policies", "", names.join(", "))
}

pub fn show_detach(arns: &[String]) -> Shown {
    let names: Vec<String> = arns.iter().map(|a| format!("- {a}")).collect();
    Shown::new("policies", "", names.join(", "))
}

/// Reads each entity of `wanted` and of `listed` (what a list under
/// setup's path found) once, together; one that does not exist is left
/// out.
pub async fn read_each<T, F, Fut>(
    wanted: &[String],
    listed: impl Iterator<Item = String>,
    read: F,
) -> Result<Vec<T>, Error>
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = Result<Option<T>, Error>>,
{
    let mut all: Vec<String> = wanted.to_vec();
    for name in listed {
        if !all.contains(&name) {
            all.push(name);
        }
    }
    let found = futures_util::future::try_join_all(all.into_iter().map(read)).await?;
    Ok(found.into_iter().flatten().collect())
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::kind::Kind;
    use crate::resources::testing::Refs;

    #[test]
    fn documents_are_read_as_aws_and_as_the_emulator_answer_them() {
        let doc = serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"}]});
        assert_eq!(decode_document(&doc.to_string()), Some(doc.clone()));
        let encoded = "%7B%22Version%22%3A%20%222012-10-17%22%2C%20%22Statement%22%3A%20%5B%7B%22Effect%22%3A%20%22Allow%22%2C%20%22Action%22%3A%20%22ec2%3ADescribe%2A%22%2C%20%22Resource%22%3A%20%22%2A%22%7D%5D%7D";
        assert_eq!(decode_document(encoded), Some(doc));
        assert_eq!(decode_document("%7"), None);
    }

    #[test]
    fn only_setups_own_policies_are_detached() {
        let nodes = Ref::new(Kind::ManagedPolicy, "awscluster-nodes");
        let arn = |name: &str| format!("arn:aws:iam::1:policy/awscluster/{name}");
        let ids = Refs(HashMap::from([(
            nodes.clone(),
            Id::Known(arn("awscluster-nodes")),
        )]));
        let (attach, detach) = attachments(std::slice::from_ref(&nodes), &[], &ids);
        assert_eq!((attach, detach), (vec![nodes.clone()], vec![]));
        let held = [
            ("awscluster-nodes".to_string(), arn("awscluster-nodes")),
            ("awscluster-old".to_string(), arn("awscluster-old")),
            (
                "someone-elses".to_string(),
                "arn:aws:iam::1:policy/someone-elses".to_string(),
            ),
        ];
        let (attach, detach) = attachments(&[nodes], &held, &ids);
        assert!(attach.is_empty());
        assert_eq!(detach, [arn("awscluster-old")]);
    }
}

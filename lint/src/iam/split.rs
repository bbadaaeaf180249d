//! Repacking statements into as few managed policies as fit a size limit,
//! checked by the coverage engine to grant exactly what the originals grant.

use std::sync::Arc;

use serde_json::{Map, Value, json};

use super::eval::Granted;
use super::policy::{Effect, Policy, Statement, read_unchecked};
use super::required::from_policies;
use crate::source::SourceFile;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum SplitError {
    #[error(
        "a single action of {statement} needs {size} characters, more than the {limit} allowed"
    )]
    TooLarge {
        statement: String,
        size: usize,
        limit: usize,
    },
    #[error("the repacked policies would not grant exactly the same: {0}")]
    Changed(String),
}

/// Characters IAM counts (white space excluded) of a JSON value.
fn size(value: &Value) -> usize {
    value
        .to_string()
        .chars()
        .filter(|c| !c.is_whitespace())
        .count()
}

fn list(items: &[String]) -> Value {
    match items {
        [one] => json!(one),
        many => json!(many),
    }
}

/// A statement as JSON again, with its actions (deduplicated, written
/// order kept) replaced by `actions`.
fn to_json(st: &Statement, actions: &[String]) -> Value {
    let mut out = Map::new();
    if let Some(sid) = st.sid.as_ref().filter(|s| !s.is_empty()) {
        out.insert("Sid".into(), json!(sid.as_str()));
    }
    let effect = match st.effect.as_ref().map(|e| **e) {
        Some(Effect::Deny) => "Deny",
        _ => "Allow",
    };
    out.insert("Effect".into(), json!(effect));
    let negated = st.actions.as_ref().is_some_and(|a| a.negated);
    out.insert(
        if negated { "NotAction" } else { "Action" }.into(),
        list(actions),
    );
    if let Some(resources) = &st.resources {
        let items: Vec<String> = resources.items.iter().map(|r| r.to_string()).collect();
        out.insert(
            if resources.negated {
                "NotResource"
            } else {
                "Resource"
            }
            .into(),
            list(&items),
        );
    }
    if !st.conditions.is_empty() {
        let mut operators = Map::new();
        for c in &st.conditions {
            let keys = operators
                .entry(c.operator.to_string())
                .or_insert_with(|| Value::Object(Map::new()));
            let values: Vec<String> = c.values.iter().map(|v| v.to_string()).collect();
            if let Value::Object(keys) = keys {
                keys.insert(c.key.to_string(), list(&values));
            }
        }
        out.insert("Condition".into(), Value::Object(operators));
    }
    Value::Object(out)
}

fn document(statements: Vec<Value>) -> Value {
    json!({"Version": super::policy::CURRENT_VERSION, "Statement": statements})
}

/// The share of the limit a document is packed to: the room
/// `iam/policy-size-near-limit` asks for, so that the next action fits.
const PACKED_SHARE: f64 = 0.9;

/// The identity statements of all `policies`, in order, with each action
/// item that another statement (or an item of its own) already grants at
/// least as widely left out, and the statements left with nothing
/// dropped: the redundancy analysis of the policies as one.
fn without_redundancy(policies: &[Policy]) -> Vec<(Statement, Vec<String>)> {
    let mut statements: Vec<Statement> = Vec::new();
    for policy in policies {
        for st in policy.statements.iter().filter(|st| st.principal.is_none()) {
            let mut st = st.clone();
            st.index = statements.len();
            statements.push(st);
        }
    }
    let Some(first) = policies.first() else {
        return Vec::new();
    };
    let combined = Policy {
        file: std::sync::Arc::clone(&first.file),
        kind: first.kind,
        version: None,
        statements,
    };
    let found = super::redundancy::analyze(&combined);
    let mut dropped: std::collections::HashSet<(usize, usize)> = std::collections::HashSet::new();
    dropped.extend(found.duplicates.iter().map(|&(st, item, _)| (st, item)));
    dropped.extend(found.covered_within.iter().map(|&(st, item, _)| (st, item)));
    dropped.extend(
        found
            .covered_by_other
            .iter()
            .map(|&(st, item, _, _)| (st, item)),
    );
    let whole: std::collections::HashSet<usize> =
        found.statements.iter().map(|(st, _)| *st).collect();
    combined
        .statements
        .into_iter()
        .filter(|st| !whole.contains(&st.index))
        .filter_map(|st| {
            let actions = st.actions.as_ref()?;
            let items: Vec<String> = actions
                .items
                .iter()
                .enumerate()
                .filter(|(i, _)| actions.negated || !dropped.contains(&(st.index, *i)))
                .map(|(_, a)| a.to_string())
                .collect();
            (!items.is_empty()).then_some((st, items))
        })
        .collect()
}

/// Repacks the statements of `policies` (identity policies) into documents
/// of at most `limit` characters each (packed to 90% of it where the
/// statements allow, for room to grow), as few as first-fit decreasing
/// finds, with what the policies grant more than once granted once.
pub fn split(policies: &[Policy], limit: usize) -> Result<Vec<Value>, SplitError> {
    let overhead = size(&document(Vec::new()));
    let target = ((limit as f64 * PACKED_SHARE) as usize).max(overhead + 1);
    let mut pieces: Vec<Value> = Vec::new();
    for (st, items) in without_redundancy(policies) {
        let negated = st.actions.as_ref().is_some_and(|a| a.negated);
        let whole = to_json(&st, &items);
        if size(&whole) + overhead <= target
            || (negated || items.len() == 1) && size(&whole) + overhead <= limit
        {
            pieces.push(whole);
            continue;
        }
        // Too big for one document: the same statement over chunks of
        // its actions (NotAction lists cannot be split this way).
        if negated {
            return Err(SplitError::TooLarge {
                statement: st.name(),
                size: size(&whole),
                limit,
            });
        }
        let mut chunk: Vec<String> = Vec::new();
        for item in items {
            chunk.push(item);
            if size(&to_json(&st, &chunk)) + overhead > target {
                let last = chunk.pop().unwrap_or_default();
                if chunk.is_empty() {
                    let alone = to_json(&st, std::slice::from_ref(&last));
                    if size(&alone) + overhead > limit {
                        return Err(SplitError::TooLarge {
                            statement: st.name(),
                            size: size(&alone) + overhead,
                            limit,
                        });
                    }
                    pieces.push(alone);
                    continue;
                }
                pieces.push(to_json(&st, &chunk));
                chunk = vec![last];
            }
        }
        if !chunk.is_empty() {
            pieces.push(to_json(&st, &chunk));
        }
    }
    // Sids must stay unique within a document; chunks of one statement
    // share theirs, so number them.
    let mut seen: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut next: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for piece in &mut pieces {
        if let Some(sid) = piece.get("Sid").and_then(Value::as_str).map(String::from) {
            let mut candidate = sid.clone();
            while seen.contains(&candidate) {
                let n = next.entry(sid.clone()).or_insert(2);
                candidate = format!("{sid}{n}");
                *n += 1;
            }
            piece["Sid"] = json!(candidate);
            seen.insert(candidate);
        }
    }

    pieces.sort_by_key(|p| std::cmp::Reverse(size(p)));
    let mut bins: Vec<(usize, Vec<Value>)> = Vec::new();
    for piece in pieces {
        // One comma between statements.
        let need = size(&piece) + 1;
        match bins.iter_mut().find(|(used, _)| used + need <= target) {
            Some((used, statements)) => {
                *used += need;
                statements.push(piece);
            }
            None => bins.push((overhead + need, vec![piece])),
        }
    }
    let documents: Vec<Value> = bins.into_iter().map(|(_, s)| document(s)).collect();
    verify(policies, &documents)?;
    Ok(documents)
}

/// Every action either set allows, on every resource, decides the same
/// under the other set.
fn verify(original: &[Policy], documents: &[Value]) -> Result<(), SplitError> {
    let repacked: Vec<Policy> = documents
        .iter()
        .enumerate()
        .map(|(i, doc)| {
            let text = serde_json::to_string_pretty(doc).unwrap_or_default();
            let file = Arc::new(SourceFile::new(format!("split-{}.json", i + 1), text));
            read_unchecked(&file).ok_or_else(|| {
                SplitError::Changed(format!("document {} does not read back", i + 1))
            })
        })
        .collect::<Result<_, _>>()?;
    for (from, to) in [
        (original, repacked.as_slice()),
        (repacked.as_slice(), original),
    ] {
        let (from_index, to_index) = (Granted::new(from), Granted::new(to));
        for req in from_policies(from) {
            let before = from_index
                .evaluate_under(&req.action, &req.resource, &req.conditions)
                .decision;
            let after = to_index
                .evaluate_under(&req.action, &req.resource, &req.conditions)
                .decision;
            if before != after {
                return Err(SplitError::Changed(format!(
                    "{} on {} is {} before and {} after",
                    req.action,
                    req.resource,
                    before.as_str(),
                    after.as_str()
                )));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn builtin() -> Vec<Policy> {
        super::super::required::builtin()
            .iter()
            .map(|(name, text)| {
                let file = Arc::new(SourceFile::new(*name, text.to_string()));
                read_unchecked(&file).unwrap()
            })
            .collect()
    }

    #[test]
    fn repacks_the_seed_into_documents_that_fit_and_grant_the_same() {
        let policies = builtin();
        for limit in [6_144, 4_096, 2_048] {
            let docs = split(&policies, limit).unwrap();
            for doc in &docs {
                assert!(size(doc) <= limit, "{} > {limit}", size(doc));
            }
            // What was granted twice is granted once: smaller than the
            // inputs, and packed to 90% where the statements allow.
            let total: usize = policies.iter().map(Policy::size).sum();
            let packed: usize = docs.iter().map(size).sum();
            assert!(packed < total, "{packed} of {total}");
            assert!(
                docs.len() >= packed.div_ceil(limit),
                "{} documents for {limit}",
                docs.len()
            );
        }
        // The seed's 9,497 characters fit in two managed policies.
        assert_eq!(split(&policies, 6_144).unwrap().len(), 2);
    }

    #[test]
    fn refuses_a_limit_no_statement_fits() {
        let err = split(&builtin(), 100).unwrap_err();
        assert!(matches!(err, SplitError::TooLarge { .. }), "{err}");
    }
}

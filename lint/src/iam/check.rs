//! Linting policy documents: one at a time (grammar, names, resources,
//! redundancy, security, size) and as a set (sizes that add up, how many
//! are attached).

use std::sync::Arc;

use super::policy::{self, Policy, PolicyKind};
use super::{PolicyContext, PolicyFacts, Usage};
use crate::diagnostic::Diagnostic;
use crate::rules::iam::{attached_policies::ATTACHED_POLICIES, policy_size};
use crate::rules::spec::{duplicate_key::DUPLICATE_KEY, syntax::SYNTAX};
use crate::rules::{self, Check, Settings, Sink};
use crate::source::{self, SourceFile, Span};

/// Quota codes of the IAM quotas the size rules use.
pub const TRUST_POLICY_QUOTA: &str = "L-C07B4B0D";
pub const MANAGED_POLICIES_PER_ROLE_QUOTA: &str = "L-0DA4ABF3";

/// A policy document that was read, with its findings.
pub struct Checked {
    pub file: Arc<SourceFile>,
    pub policy: Option<Policy>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Parses one policy document and reads its grammar: syntax, duplicate
/// keys and grammar findings, no lints.
pub fn read_with_grammar(file: &Arc<SourceFile>) -> (Option<(source::Node, Policy)>, Sink) {
    let mut sink = Sink::new(Arc::clone(file));
    let root = match source::parse(file) {
        Ok(root) => root,
        Err(error) => {
            let d = sink.emit(&SYNTAX, error.span, error.message);
            if let Some(help) = error.help {
                d.with_help(help);
            }
            return (None, sink);
        }
    };
    for dup in source::duplicate_keys(&root) {
        sink.emit(
            &DUPLICATE_KEY,
            dup.again,
            format!("duplicate key `{}`", dup.key),
        )
        .with_primary_label("defined again here")
        .with_label(dup.first, "first defined here")
        .with_help(
            "remove one of them: IAM, the console and other tools disagree on which one wins",
        );
    }
    let policy = policy::read(file, &root, &mut sink);
    (policy.map(|p| (root, p)), sink)
}

/// Parses and lints one policy document. Size is checked here for managed
/// and trust policies, whose quota is per document; inline quotas are per
/// set (see [`check_set`]).
pub fn check_policy(file: &Arc<SourceFile>, usage: Usage, settings: &Settings) -> Checked {
    let (read, mut sink) = read_with_grammar(file);
    let policy = read.map(|(root, policy)| {
        let facts = PolicyFacts::of(&policy);
        let mut cx = PolicyContext {
            policy: &policy,
            facts: &facts,
            sink: &mut sink,
        };
        for rule in rules::all() {
            if let Check::Policy(check) = rule.check {
                check(&mut cx);
            }
        }
        let (limit, what) = match (policy.kind, usage) {
            (PolicyKind::Trust, _) => (
                quota(settings, TRUST_POLICY_QUOTA, 2_048.0) as usize,
                "a role trust policy".to_string(),
            ),
            (PolicyKind::Identity, Usage::Managed) => (
                Usage::Managed.limit(),
                Usage::Managed.describe().to_string(),
            ),
            (PolicyKind::Identity, _) => (0, String::new()),
        };
        if limit > 0 {
            policy_size::report(
                &mut sink,
                document_anchor(&root),
                policy.size(),
                limit,
                &what,
                None,
            );
        }
        policy
    });
    let mut diagnostics = sink.into_diagnostics();
    diagnostics.sort_by_cached_key(Diagnostic::sort_key);
    Checked {
        file: Arc::clone(file),
        policy,
        diagnostics,
    }
}

/// Reads a policy for what it says, without linting it (the built-in
/// required policies, documents read back after repacking).
pub fn read_policy(file: &Arc<SourceFile>) -> Option<Policy> {
    read_with_grammar(file).0.map(|(_, policy)| policy)
}

/// Where a finding about a whole document points: its first key.
pub fn document_anchor(root: &source::Node) -> Span {
    match &root.value {
        source::Value::Object(members) if !members.is_empty() => members[0].key_span,
        _ => Span::new(root.span.start as usize, root.span.start as usize + 1),
    }
}

fn quota(settings: &Settings, code: &str, default: f64) -> f64 {
    settings
        .quotas
        .get(code)
        .copied()
        .or_else(|| crate::catalog::quota(code).map(|q| q.default))
        .unwrap_or(default)
}

/// Checks that apply to policies together: inline policies share one
/// quota; a role has a limited number of managed policies attached.
pub fn check_set(policies: &[&Policy], usage: Usage, settings: &Settings) -> Vec<Diagnostic> {
    let identity: Vec<&Policy> = policies
        .iter()
        .copied()
        .filter(|p| p.kind == PolicyKind::Identity)
        .collect();
    let Some(first) = identity.first() else {
        return Vec::new();
    };
    let mut sink = Sink::new(Arc::clone(&first.file));
    let anchor = |p: &Policy| Span::new(0, p.file.text.chars().next().map_or(0, char::len_utf8));
    match usage {
        Usage::Managed => {
            let limit = quota(settings, MANAGED_POLICIES_PER_ROLE_QUOTA, 10.0) as usize;
            if identity.len() > limit {
                let d = sink.emit(
                    &ATTACHED_POLICIES,
                    anchor(first),
                    format!(
                        "{} managed policies for one role; a role takes {limit}",
                        identity.len()
                    ),
                );
                for p in &identity[1..] {
                    d.with_label_in(Arc::clone(&p.file), anchor(p), "also attached");
                }
                d.with_help(format!(
                    "merge policies (`awscluster iam split` repacks them), or raise the quota `{MANAGED_POLICIES_PER_ROLE_QUOTA}` (to 20) and set it in awscluster.toml"
                ));
            }
        }
        inline => {
            let total: usize = identity.iter().map(|p| p.size()).sum();
            let others: Vec<(Arc<SourceFile>, Span)> = identity[1..]
                .iter()
                .map(|p| (Arc::clone(&p.file), anchor(p)))
                .collect();
            policy_size::report(
                &mut sink,
                anchor(first),
                total,
                inline.limit(),
                inline.describe(),
                Some(&others),
            );
        }
    }
    sink.into_diagnostics()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_policies_have_the_sizes_the_guide_implies() {
        let sizes: Vec<usize> = crate::iam::required::builtin()
            .iter()
            .map(|(name, text)| {
                let file = Arc::new(SourceFile::new(*name, text.to_string()));
                check_policy(&file, Usage::Managed, &Settings::default())
                    .policy
                    .unwrap()
                    .size()
            })
            .collect();
        assert_eq!(sizes, [5_897, 2_072, 715, 813]);
    }
}

//! IAM policies: grammar, names, resources, redundancy, security, trust,
//! size and coverage; and linting a policy document, alone (grammar, names,
//! resources, redundancy, security, size) and as a set (sizes that add up,
//! how many are attached).

pub mod allow_not_action;
pub mod allow_not_resource;
pub mod attached_policies;
pub mod conditionally_granted;
pub mod coverage;
pub mod denied;
pub mod duplicate_action;
pub mod duplicate_sid;
pub mod empty_array;
pub mod granted_on_other_resources;
pub mod hardcoded_partition;
pub mod invalid_arn;
pub mod invalid_effect;
pub mod invalid_element;
pub mod invalid_sid;
pub mod invalid_version;
pub mod missing_element;
pub mod missing_resource;
pub mod missing_version;
pub mod not_granted;
pub mod old_version;
pub mod passrole_star;
pub mod policy_not_found;
pub mod policy_size;
pub mod policy_size_near_limit;
pub mod possibly_denied;
pub mod privilege_escalation;
pub mod redundant_action;
pub mod redundant_statement;
pub mod resource_mismatch;
pub mod sensitive_read_on_all;
pub mod service_linked_role_mismatch;
pub mod service_linked_role_unscoped;
pub mod service_wildcard;
pub mod trust_missing_external_id;
pub mod unknown_action;
pub mod unknown_condition_operator;
pub mod unknown_service;
pub mod unsupported_condition_key;
pub mod unused_grant;
pub mod wildcard_matches_nothing;
pub mod wrong_type;

#[cfg(test)]
pub(crate) mod testing;

use std::sync::Arc;

use crate::diagnostic::{Diagnostic, Rule};
use crate::iam::policy::{self, GrammarRules, Policy, PolicyKind};
use crate::iam::{PolicyFacts, Usage};
use crate::rules::{self, Check, Settings, Sink};
use crate::source::{self, SourceFile, Span};
use attached_policies::ATTACHED_POLICIES;
use policy_size::Measure;

/// What a policy rule sees.
pub struct PolicyContext<'a> {
    pub policy: &'a Policy,
    pub facts: &'a PolicyFacts,
    pub settings: &'a Settings,
    pub sink: &'a mut Sink,
}

impl PolicyContext<'_> {
    pub fn emit(
        &mut self,
        rule: &'static Rule,
        span: Span,
        message: impl Into<String>,
    ) -> &mut Diagnostic {
        self.sink.emit(rule, span, message)
    }
}

/// The rules the policy grammar reports.
pub static GRAMMAR: GrammarRules = GrammarRules {
    duplicate_sid: &duplicate_sid::DUPLICATE_SID,
    empty_array: &empty_array::EMPTY_ARRAY,
    invalid_effect: &invalid_effect::INVALID_EFFECT,
    invalid_element: &invalid_element::INVALID_ELEMENT,
    invalid_sid: &invalid_sid::INVALID_SID,
    invalid_version: &invalid_version::INVALID_VERSION,
    missing_element: &missing_element::MISSING_ELEMENT,
    missing_resource: &missing_resource::MISSING_RESOURCE,
    missing_version: &missing_version::MISSING_VERSION,
    old_version: &old_version::OLD_VERSION,
    wrong_type: &wrong_type::WRONG_TYPE,
};

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
    let Some(root) = crate::rules::spec::read_document(file, &mut sink) else {
        return (None, sink);
    };
    let policy = policy::read(file, &root, &mut sink, &GRAMMAR);
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
            settings,
            sink: &mut sink,
        };
        for entry in rules::registry() {
            if let Check::Policy(check) = entry.check {
                check(&mut cx);
            }
        }
        // An inline policy is measured alone here; the inline policies of
        // one entity add up in `check_set`.
        let quota = match policy.kind {
            PolicyKind::Trust => Some((
                quota(settings, TRUST_POLICY_QUOTA, 2_048.0) as usize,
                Measure::Characters,
                "a role trust policy",
            )),
            PolicyKind::Resource => policy_size::resource_policy_quota(&policy)
                .map(|(limit, what)| (limit, Measure::Bytes, what)),
            PolicyKind::Identity => {
                Some((usage.limit(), Measure::Characters, usage.describe_one()))
            }
        };
        if let Some((limit, measure, what)) = quota {
            policy_size::report(
                &mut sink,
                document_anchor(&root),
                (measure.of(&policy), measure),
                limit,
                what,
                None,
            );
        }
        policy
    });
    let mut diagnostics = sink.into_diagnostics();
    diagnostics.sort_by(Diagnostic::order);
    Checked {
        file: Arc::clone(file),
        policy,
        diagnostics,
    }
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

/// Checks that apply to the policies of one principal together: inline
/// policies share one quota; a role has a limited number of managed
/// policies attached; what they let the principal do to itself. Only for
/// documents known to be attached together.
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
    sink.extend(privilege_escalation::findings(identity.iter().copied()));
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
        // One document was measured alone already.
        _ if identity.len() < 2 => {}
        inline => {
            let total: usize = identity.iter().map(|p| p.size()).sum();
            let others: Vec<(Arc<SourceFile>, Span)> = identity[1..]
                .iter()
                .map(|p| (Arc::clone(&p.file), anchor(p)))
                .collect();
            policy_size::report(
                &mut sink,
                anchor(first),
                (total, Measure::Characters),
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

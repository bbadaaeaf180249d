//! The permissions provisioning requires, and how far a set of policies
//! grants them.
//!
//! By default the requirement is the seed's four policies (`policies/`,
//! compiled in): every action they allow, on every resource they allow it
//! on. A requirement can also come from other policy files, or from a plain
//! list of actions, one per line, each optionally followed by the resource
//! ARNs it is needed on:
//!
//! ```text
//! # what the nightly job needs
//! ec2:DescribeInstances
//! s3:GetObject arn:aws:s3:::reports/*
//! ```

use std::collections::BTreeMap;
use std::sync::Arc;

use super::catalog::catalog;
use super::eval::{self, Decision, StatementRef, Verdict};
use super::policy::{Condition, Policy};
use crate::diagnostic::Diagnostic;
use crate::rules::iam::{
    conditionally_granted::CONDITIONALLY_GRANTED, denied::DENIED,
    granted_on_other_resources::GRANTED_ON_OTHER_RESOURCES, not_granted::NOT_GRANTED,
    possibly_denied::POSSIBLY_DENIED,
};
use crate::rules::spec::syntax::SYNTAX;
use crate::rules::{Rule, Sink};
use crate::source::{SourceFile, Span};

/// The seed's four policies, as shipped in `policies/`.
pub fn builtin() -> &'static [(&'static str, &'static str)] {
    &[
        (
            "policies/controller.json",
            include_str!("../../../policies/controller.json"),
        ),
        (
            "policies/control-plane.json",
            include_str!("../../../policies/control-plane.json"),
        ),
        (
            "policies/nodes.json",
            include_str!("../../../policies/nodes.json"),
        ),
        (
            "policies/deployment.json",
            include_str!("../../../policies/deployment.json"),
        ),
    ]
}

/// Where a requirement comes from.
#[derive(Debug, Clone)]
pub enum Origin<'p> {
    Statement(StatementRef<'p>),
    Line { file: Arc<SourceFile>, span: Span },
}

impl Origin<'_> {
    pub fn file(&self) -> &Arc<SourceFile> {
        match self {
            Origin::Statement(r) => &r.policy.file,
            Origin::Line { file, .. } => file,
        }
    }

    pub fn span(&self) -> Span {
        match self {
            Origin::Statement(r) => r.statement.anchor(),
            Origin::Line { span, .. } => *span,
        }
    }

    /// "statement `X` of policies/controller.json", for messages.
    pub fn describe(&self) -> String {
        match self {
            Origin::Statement(r) => {
                format!("{} of {}", r.statement.name(), r.policy.file.display_path())
            }
            Origin::Line { file, span } => format!(
                "line {} of {}",
                file.line_col(span.start).line,
                file.display_path()
            ),
        }
    }

    fn key(&self) -> (String, Span) {
        (self.file().display_path(), self.span())
    }
}

/// One action needed on one resource (an ARN, an ARN pattern or `*`).
#[derive(Debug, Clone)]
pub struct Requirement<'p> {
    pub action: String,
    pub resource: String,
    /// The conditions the requiring statement itself has: a grant under
    /// the same conditions meets it.
    pub conditions: Vec<Condition>,
    pub origin: Origin<'p>,
}

/// Every action the `Allow` statements of `policies` allow, expanded over
/// the catalog, on each resource they allow it on.
pub fn from_policies(policies: &[Policy]) -> Vec<Requirement<'_>> {
    let mut out = Vec::new();
    for policy in policies {
        for statement in &policy.statements {
            let Some(actions) = &statement.actions else {
                continue;
            };
            if !statement.is_allow() || actions.negated || statement.principal.is_some() {
                continue;
            }
            let resources: Vec<String> = match &statement.resources {
                Some(r) if !r.negated => r.items.iter().map(|i| i.to_string()).collect(),
                _ => vec!["*".to_string()],
            };
            let mut names: Vec<String> = Vec::new();
            for item in &actions.items {
                let expanded = catalog().expand(item);
                if expanded.is_empty() {
                    names.push(item.to_string());
                } else {
                    names.extend(
                        expanded
                            .iter()
                            .map(|(s, a)| format!("{}:{}", s.prefix, a.name)),
                    );
                }
            }
            names.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
            let origin = Origin::Statement(StatementRef { policy, statement });
            for name in names {
                for resource in &resources {
                    out.push(Requirement {
                        action: name.clone(),
                        resource: resource.clone(),
                        conditions: statement.conditions.clone(),
                        origin: origin.clone(),
                    });
                }
            }
        }
    }
    out
}

/// Reads a list of actions (one per line, optional resource ARNs after it).
/// Lines that are not `service:action` are findings.
pub fn from_text(file: &Arc<SourceFile>, sink: &mut Sink) -> Vec<Requirement<'static>> {
    let mut out = Vec::new();
    let mut offset = 0;
    for line in file.text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let content = line.split('#').next().unwrap_or("").trim_end();
        let mut words = content.split_whitespace();
        let Some(action) = words.next() else { continue };
        let at = start + content.find(action).unwrap_or(0);
        let span = Span::new(at, at + action.len());
        if !action.contains(':') && action != "*" {
            sink.emit(&SYNTAX, span, format!("`{action}` is not an action name"))
                .with_help("write one action per line, `service:Action`, optionally followed by resource ARNs");
            continue;
        }
        let resources: Vec<&str> = words.collect();
        let resources = if resources.is_empty() {
            vec!["*"]
        } else {
            resources
        };
        for resource in resources {
            out.push(Requirement {
                action: action.to_string(),
                resource: resource.to_string(),
                conditions: Vec::new(),
                origin: Origin::Line {
                    file: Arc::clone(file),
                    span,
                },
            });
        }
    }
    out
}

/// The rule that reports a decision short of "allowed".
pub fn rule_for(decision: Decision) -> Option<&'static Rule> {
    match decision {
        Decision::Allowed => None,
        Decision::AllowedUnderConditions => Some(&CONDITIONALLY_GRANTED),
        Decision::PossiblyDenied => Some(&POSSIBLY_DENIED),
        Decision::AllowedOnOtherResources => Some(&GRANTED_ON_OTHER_RESOURCES),
        Decision::Denied => Some(&DENIED),
        Decision::NotGranted => Some(&NOT_GRANTED),
    }
}

/// Each requirement with its verdict.
pub fn evaluate_all<'p, 'g>(
    required: &[Requirement<'p>],
    granted: &'g [Policy],
) -> Vec<Verdict<'g>> {
    let granted = eval::Granted::new(granted);
    required
        .iter()
        .map(|r| granted.evaluate_under(&r.action, &r.resource, &r.conditions))
        .collect()
}

/// Where coverage findings point: at each requirement's origin (`iam
/// check`), or all at one place (a spec's `iam.policies`).
#[derive(Clone)]
pub enum Anchor {
    Origin,
    At(Arc<SourceFile>, Span),
}

/// Findings for every requirement not plainly allowed, one per required
/// statement (or line) and decision, naming the actions and the deciding
/// statements.
pub fn findings(
    required: &[Requirement],
    verdicts: &[Verdict],
    anchor: &Anchor,
) -> Vec<Diagnostic> {
    type Group<'a> = (Vec<&'a Requirement<'a>>, Vec<StatementRef<'a>>);
    let mut groups: BTreeMap<((String, Span), Decision), Group> = BTreeMap::new();
    for (req, verdict) in required.iter().zip(verdicts) {
        if verdict.decision == Decision::Allowed {
            continue;
        }
        let entry = groups
            .entry((req.origin.key(), verdict.decision))
            .or_default();
        entry.0.push(req);
        for d in &verdict.deciding {
            if !entry
                .1
                .iter()
                .any(|e| std::ptr::eq(e.statement, d.statement))
            {
                entry.1.push(*d);
            }
        }
    }
    let mut out = Vec::new();
    for ((_, decision), (reqs, deciding)) in groups {
        let Some(rule) = rule_for(decision) else {
            continue;
        };
        let origin = &reqs[0].origin;
        let mut resources: Vec<&str> = Vec::new();
        for r in &reqs {
            if !resources.contains(&r.resource.as_str()) {
                resources.push(&r.resource);
            }
        }
        // One resource for all (the usual case): say it once.
        let shared = match resources.as_slice() {
            ["*"] => Some(String::new()),
            [one] => Some(format!(" on {one}")),
            _ => None,
        };
        let mut actions: Vec<String> = Vec::new();
        for r in &reqs {
            let text = match &shared {
                Some(_) => r.action.clone(),
                None => format!("{} on {}", r.action, r.resource),
            };
            if !actions.contains(&text) {
                actions.push(text);
            }
        }
        let shown: Vec<&str> = actions.iter().take(6).map(String::as_str).collect();
        let more = if actions.len() > 6 {
            format!(" and {} more", actions.len() - 6)
        } else {
            String::new()
        };
        let subject = if actions.len() == 1 {
            "a required action is".to_string()
        } else {
            format!("{} required actions are", actions.len())
        };
        let message = format!(
            "{subject} {}{}: {}{more}",
            decision.as_str(),
            shared.unwrap_or_default(),
            shown.join(", ")
        );
        let (file, span) = match anchor {
            Anchor::Origin => (Arc::clone(origin.file()), origin.span()),
            Anchor::At(file, span) => (Arc::clone(file), *span),
        };
        let mut d = Diagnostic::new(rule, &file, span, message);
        if matches!(anchor, Anchor::At(..)) {
            d.with_primary_label(format!("required by {}", origin.describe()));
        } else {
            d.with_primary_label("required here");
        }
        for r in deciding.iter().take(5) {
            d.with_label_in(
                Arc::clone(&r.policy.file),
                r.statement.anchor(),
                label_for(decision),
            );
        }
        d.with_help(help_for(decision));
        out.push(d);
    }
    out
}

fn label_for(decision: Decision) -> &'static str {
    match decision {
        Decision::Denied => "denies it",
        Decision::PossiblyDenied => "may deny or allows it",
        Decision::AllowedUnderConditions => "allows it only under this condition",
        Decision::AllowedOnOtherResources => "allows it on other resources",
        _ => "decides it",
    }
}

fn help_for(decision: Decision) -> &'static str {
    match decision {
        Decision::NotGranted => {
            "add the actions to a policy of the role (`awscluster iam print` shows the required policies)"
        }
        Decision::AllowedOnOtherResources => {
            "widen the granting statement's Resource to cover what is required"
        }
        Decision::AllowedUnderConditions => {
            "make sure the condition holds for the provisioner's requests, or grant without it"
        }
        Decision::Denied => "remove the action from the Deny, or narrow the Deny's resources",
        Decision::PossiblyDenied => {
            "check that the Deny's condition does not hold for the provisioner's requests"
        }
        Decision::Allowed => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iam::Usage;
    use crate::iam::check::check_policy;
    use crate::rules::Settings;

    fn builtin_policies() -> Vec<Policy> {
        builtin()
            .iter()
            .map(|(name, text)| {
                let file = Arc::new(SourceFile::new(*name, text.to_string()));
                check_policy(&file, Usage::Managed, &Settings::default())
                    .policy
                    .unwrap()
            })
            .collect()
    }

    #[test]
    fn the_seed_grants_what_the_seed_requires() {
        let policies = builtin_policies();
        let required = from_policies(&policies);
        assert!(required.len() > 200, "{} requirements", required.len());
        let verdicts = evaluate_all(&required, &policies);
        let decisions: std::collections::BTreeSet<Decision> =
            verdicts.iter().map(|v| v.decision).collect();
        // Everything is allowed: conditional requirements by the same
        // conditional grants.
        assert_eq!(decisions, [Decision::Allowed].into_iter().collect());
    }

    #[test]
    fn a_missing_policy_shows_as_not_granted_grouped_by_statement() {
        let policies = builtin_policies();
        let required = from_policies(&policies);
        let granted: Vec<Policy> = builtin_policies().into_iter().skip(1).collect();
        let verdicts = evaluate_all(&required, &granted);
        let found = findings(&required, &verdicts, &Anchor::Origin);
        let not_granted: Vec<_> = found
            .iter()
            .filter(|d| d.rule.code == NOT_GRANTED.code)
            .collect();
        assert!(!not_granted.is_empty());
        assert!(
            not_granted[0]
                .message
                .contains("required actions are not granted"),
            "{}",
            not_granted[0].message
        );
        assert_eq!(
            not_granted[0].file().display_path(),
            "policies/controller.json"
        );
    }

    #[test]
    fn reads_action_lists() {
        let file = Arc::new(SourceFile::new(
            "needs.txt",
            "# nightly\nec2:DescribeInstances\ns3:GetObject arn:aws:s3:::a/* arn:aws:s3:::b/*\nnot-an-action\n".to_string(),
        ));
        let mut sink = Sink::new(Arc::clone(&file));
        let reqs = from_text(&file, &mut sink);
        let pairs: Vec<(&str, &str)> = reqs
            .iter()
            .map(|r| (r.action.as_str(), r.resource.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("ec2:DescribeInstances", "*"),
                ("s3:GetObject", "arn:aws:s3:::a/*"),
                ("s3:GetObject", "arn:aws:s3:::b/*")
            ]
        );
        let problems = sink.into_diagnostics();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].primary().start().line, 4);
    }
}

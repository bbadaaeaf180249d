//! The permissions provisioning requires, and how far a set of policies
//! grants them.
//!
//! By default the requirement is what the provisioner calls:
//! `policies/hardened/provision.json`, compiled in, which the provisioner's
//! permission table prints (a test there keeps the two equal). Every action
//! it allows is required, on every resource it allows it on, under its
//! conditions. A requirement can also come from other policy files (the
//! seed's four in `policies/`, for CAPA's needs), or from a plain
//! list of actions, one per line, each optionally followed by the resource
//! ARNs it is needed on:
//!
//! ```text
//! # what the nightly job needs
//! ec2:DescribeInstances
//! s3:GetObject arn:aws:s3:::reports/*
//! ```

use std::sync::Arc;

use super::catalog::catalog;
use super::eval::{self, StatementRef, Verdict};
use super::policy::{Condition, Policy};
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

/// What the provisioner calls, as shipped in `policies/hardened/`: the
/// default requirement.
pub fn provisioning() -> (&'static str, &'static str) {
    (
        "policies/hardened/provision.json",
        include_str!("../../../policies/hardened/provision.json"),
    )
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

    pub fn key(&self) -> (String, Span) {
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
            // Each action, and whether it has no resource types.
            let mut names: Vec<(String, bool)> = Vec::new();
            for item in &actions.items {
                let expanded = catalog().expand(item);
                if expanded.is_empty() {
                    let star_only = catalog()
                        .action(item)
                        .is_some_and(|(_, action)| action.star_only());
                    names.push((item.to_string(), star_only));
                } else {
                    names.extend(
                        expanded
                            .iter()
                            .map(|(s, a)| (format!("{}:{}", s.prefix, a.name), a.star_only())),
                    );
                }
            }
            names.dedup_by(|a, b| a.0.eq_ignore_ascii_case(&b.0));
            let origin = Origin::Statement(StatementRef { policy, statement });
            // What the statement grants, not what it seems to: an action
            // with no resource types is granted only by a statement about
            // `*` (a statement naming other resources grants it nothing,
            // which `iam/resource-mismatch` reports).
            let names_star = resources.iter().any(|r| super::pattern::matches(r, "*"));
            for (name, star_only) in names {
                if star_only {
                    if names_star {
                        out.push(Requirement {
                            action: name.clone(),
                            resource: "*".to_string(),
                            conditions: statement.conditions.clone(),
                            origin: origin.clone(),
                        });
                    }
                    continue;
                }
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

/// A line of a list of actions that names no action.
pub struct BadLine {
    pub span: Span,
    pub action: String,
}

/// Reads a list of actions (one per line, optional resource ARNs after it),
/// and the lines that are not `service:action`.
pub fn from_text(file: &Arc<SourceFile>) -> (Vec<Requirement<'static>>, Vec<BadLine>) {
    let mut out = Vec::new();
    let mut bad = Vec::new();
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
            bad.push(BadLine {
                span,
                action: action.to_string(),
            });
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
    (out, bad)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iam::eval::Decision;

    fn builtin_policies() -> Vec<Policy> {
        builtin()
            .iter()
            .map(|(name, text)| {
                let file = Arc::new(SourceFile::new(*name, text.to_string()));
                super::super::policy::read_unchecked(&file).unwrap()
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
    fn reads_action_lists() {
        let file = Arc::new(SourceFile::new(
            "needs.txt",
            "# nightly\nec2:DescribeInstances\ns3:GetObject arn:aws:s3:::a/* arn:aws:s3:::b/*\nnot-an-action\n".to_string(),
        ));
        let (reqs, bad) = from_text(&file);
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
        assert_eq!(bad.len(), 1);
        assert_eq!(file.line_col(bad[0].span.start).line, 4);
    }
}

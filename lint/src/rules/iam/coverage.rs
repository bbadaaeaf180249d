//! Coverage findings: what the coverage engine decided for each required
//! action, reported by the rule of its decision.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::{
    conditionally_granted::CONDITIONALLY_GRANTED, denied::DENIED,
    granted_on_other_resources::GRANTED_ON_OTHER_RESOURCES, not_granted::NOT_GRANTED,
    possibly_denied::POSSIBLY_DENIED,
};
use crate::diagnostic::{Diagnostic, Rule};
use crate::iam::eval::{Decision, StatementRef, Verdict};
use crate::iam::required::Requirement;
use crate::source::{SourceFile, Span};

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
            "add the actions to a policy of the role (`policies/hardened/provision.json` grants what provisioning calls)"
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
    use crate::iam::policy::{Policy, read_unchecked};
    use crate::iam::required::{builtin, evaluate_all, from_policies};

    fn builtin_policies() -> Vec<Policy> {
        builtin()
            .iter()
            .map(|(name, text)| {
                read_unchecked(&Arc::new(SourceFile::new(*name, text.to_string()))).unwrap()
            })
            .collect()
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
}

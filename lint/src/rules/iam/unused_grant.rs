use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::diagnostic::Diagnostic;
use crate::iam::catalog::catalog;
use crate::iam::pattern;
use crate::iam::policy::{Policy, Statement};
use crate::iam::required::Requirement;
use crate::rules::declare_rule;
use crate::source::Span;

declare_rule! {
    /// What the granted policies allow that nothing requires (`iam check --unused`).
    ///
    /// ## What it checks
    /// With `awscluster iam check --unused`, every `Allow` statement of the
    /// granted policies is expanded over the action catalog (wildcards and
    /// `NotAction` included), and the actions that no requirement names are
    /// listed, grouped by service, with the items of the statement that grant
    /// nothing required labelled. Off otherwise.
    ///
    /// Actions are compared by name: an action that is required somewhere
    /// counts as used wherever it is granted, so a statement granting it on
    /// more resources than needed is not reported here (`iam/resource-mismatch`
    /// and the coverage findings say where resources are wrong).
    ///
    /// ## Why it matters
    /// Every action beyond what the work needs is one more thing a leaked
    /// credential can do. This is the list to cut a policy down by.
    ///
    /// ## Example
    /// `awscluster iam check --granted role.json --unused` with a statement
    /// granting `ec2:*` where provisioning needs forty EC2 actions.
    pub static UNUSED_GRANT = Rule {
        code: "iam/unused-grant",
        severity: Note,
        opt_in: true,
    };
}

/// The most action names a finding spells out per service.
const NAMES_PER_SERVICE: usize = 5;

/// For each granted `Allow` statement that grants actions no requirement
/// names, one finding listing them by service.
pub fn findings(requirements: &[Requirement], granted: &[Policy]) -> Vec<Diagnostic> {
    let mut literal = std::collections::HashSet::new();
    let mut patterns: Vec<&str> = Vec::new();
    for r in requirements {
        if r.action.contains(['*', '?']) {
            patterns.push(&r.action);
        } else {
            literal.insert(r.action.to_ascii_lowercase());
        }
    }
    let required = |name: &str| {
        literal.contains(&name.to_ascii_lowercase())
            || patterns
                .iter()
                .any(|p| pattern::matches_ignore_case(p, name))
    };
    let mut out = Vec::new();
    for policy in granted {
        for statement in &policy.statements {
            if statement.is_allow() && statement.principal.is_none() {
                out.extend(finding(policy, statement, &required));
            }
        }
    }
    out
}

fn finding(
    policy: &Policy,
    statement: &Statement,
    required: &dyn Fn(&str) -> bool,
) -> Option<Diagnostic> {
    let values = statement.actions.as_ref()?;
    // Each granted action once, with the item that grants it.
    let mut granted: BTreeSet<String> = BTreeSet::new();
    // Items that grant nothing required: they can go.
    let mut idle: Vec<Span> = Vec::new();
    if values.negated {
        for (service, action) in catalog().expand("*") {
            let name = format!("{}:{}", service.prefix, action.name);
            if !values
                .items
                .iter()
                .any(|i| pattern::matches_ignore_case(i, &name))
            {
                granted.insert(name);
            }
        }
    } else {
        for item in &values.items {
            let names: Vec<String> = catalog()
                .expand(item)
                .iter()
                .map(|(service, action)| format!("{}:{}", service.prefix, action.name))
                .collect();
            if !names.is_empty() && !names.iter().any(|n| required(n)) {
                idle.push(item.span);
            }
            granted.extend(names);
        }
    }
    let total = granted.len();
    let unused: Vec<&String> = granted.iter().filter(|name| !required(name)).collect();
    if unused.is_empty() {
        return None;
    }
    let mut by_service: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for name in &unused {
        let (service, action) = name.split_once(':').unwrap_or((name, ""));
        by_service.entry(service).or_default().push(action);
    }
    let groups: Vec<String> = by_service
        .iter()
        .map(|(service, actions)| {
            let shown: Vec<&str> = actions.iter().take(NAMES_PER_SERVICE).copied().collect();
            let more = actions.len().saturating_sub(NAMES_PER_SERVICE);
            let tail = if more > 0 {
                format!(", and {more} more")
            } else {
                String::new()
            };
            format!("{service} ({}: {}{tail})", actions.len(), shown.join(", "))
        })
        .collect();
    let mut d = Diagnostic::new(
        &UNUSED_GRANT,
        &policy.file,
        statement.anchor(),
        format!(
            "{} grants {} of its {total} actions that nothing requires: {}",
            statement.name(),
            unused.len(),
            groups.join("; ")
        ),
    );
    for span in idle {
        d.with_label_in(Arc::clone(&policy.file), span, "grants nothing required");
    }
    d.with_help("remove the actions, or narrow the wildcards to what is required (`awscluster iam required` prints what the provisioner calls)");
    Some(d)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::iam::Usage;
    use crate::rules::Settings;
    use crate::rules::iam::check_policy;
    use crate::source::SourceFile;

    fn policy(name: &str, statements: serde_json::Value) -> Policy {
        let text = serde_json::to_string_pretty(
            &json!({"Version": "2012-10-17", "Statement": statements}),
        )
        .unwrap();
        check_policy(
            &Arc::new(SourceFile::new(name, text)),
            Usage::Managed,
            &Settings::default(),
        )
        .policy
        .unwrap()
    }

    #[test]
    fn lists_what_nothing_requires_by_service() {
        let required = [policy(
            "required.json",
            json!([{"Effect": "Allow",
            "Action": ["ec2:DescribeVpcs", "ec2:CreateVpc"], "Resource": "*"}]),
        )];
        let requirements = crate::iam::required::from_policies(&required);
        let granted = [policy(
            "granted.json",
            json!([
                {"Sid": "Network", "Effect": "Allow", "Action": ["ec2:DescribeVpcs", "ec2:CreateVpc", "ec2:DeleteVpc", "s3:GetObject"], "Resource": "*"},
                {"Sid": "Exact", "Effect": "Allow", "Action": "ec2:DescribeVpcs", "Resource": "*"}
            ]),
        )];
        let found = findings(&requirements, &granted);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(
            found[0].message,
            "statement `Network` grants 2 of its 4 actions that nothing requires: ec2 (1: DeleteVpc); s3 (1: GetObject)"
        );
        let labelled: Vec<&str> = found[0].labels[1..]
            .iter()
            .map(|l| l.file.text_at(l.span))
            .collect();
        assert_eq!(labelled, ["\"ec2:DeleteVpc\"", "\"s3:GetObject\""]);
    }

    #[test]
    fn wildcards_and_not_action_are_expanded() {
        let required = [policy(
            "required.json",
            json!([{"Effect": "Allow", "Action": "ec2:DescribeVpcs", "Resource": "*"}]),
        )];
        let requirements = crate::iam::required::from_policies(&required);
        let found = findings(
            &requirements,
            &[policy(
                "g.json",
                json!([{"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"}]),
            )],
        );
        assert!(found[0].message.contains("ec2 ("), "{}", found[0].message);
        assert!(found[0].message.contains(", and "), "{}", found[0].message);
        let found = findings(
            &requirements,
            &[policy(
                "g.json",
                json!([{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]),
            )],
        );
        assert!(found[0].message.contains("s3 ("), "{}", found[0].message);
        assert!(!found[0].message.contains("iam ("), "{}", found[0].message);
        // A statement granting only what is required says nothing.
        assert!(findings(&requirements, &required).is_empty());
    }
}

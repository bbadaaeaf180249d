//! IAM policies: the grammar, the action catalog, the policy lints, size
//! quotas, and the coverage engine that decides whether a set of policies
//! grants what provisioning needs.

pub mod arn;
pub mod catalog;
pub mod escalation;
pub mod eval;
pub mod pattern;
pub mod policy;
pub mod redundancy;
pub mod required;
pub mod split;

use catalog::{Action, Service};
use policy::{Policy, Statement};

/// How a policy document is used, which decides its size quota.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Usage {
    /// A customer managed policy: 6,144 characters each.
    Managed,
    /// Inline policies of one user: 2,048 characters together.
    InlineUser,
    /// Inline policies of one group: 5,120 characters together.
    InlineGroup,
    /// Inline policies of one role: 10,240 characters together.
    InlineRole,
}

impl Usage {
    pub fn limit(self) -> usize {
        match self {
            Usage::Managed => 6_144,
            Usage::InlineUser => 2_048,
            Usage::InlineGroup => 5_120,
            Usage::InlineRole => 10_240,
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Usage::Managed => "a managed policy",
            Usage::InlineUser => "the inline policies of a user",
            Usage::InlineGroup => "the inline policies of a group",
            Usage::InlineRole => "the inline policies of a role",
        }
    }

    /// What one document of this use is, for its own size.
    pub fn describe_one(self) -> &'static str {
        match self {
            Usage::Managed => "a managed policy",
            Usage::InlineUser => "an inline policy of a user",
            Usage::InlineGroup => "an inline policy of a group",
            Usage::InlineRole => "an inline policy of a role",
        }
    }
}

/// What one item of a statement's `Action` (or `NotAction`) names.
#[derive(Debug)]
pub struct ResolvedItem {
    /// Index into the statement's items.
    pub item: usize,
    pub actions: Vec<(&'static Service, &'static Action)>,
    pub problem: Option<NameProblem>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum NameProblem {
    /// Not `service:action` (and not `*`).
    Malformed,
    UnknownService,
    UnknownAction,
    /// A wildcard that matches no action of the catalog.
    MatchesNothing,
}

/// A policy with its statements' action items looked up in the catalog,
/// done once for every rule.
pub struct PolicyFacts {
    /// One list per statement, aligned with `policy.statements`.
    pub resolved: Vec<Vec<ResolvedItem>>,
    redundancy: std::cell::OnceCell<redundancy::Redundancy>,
}

impl PolicyFacts {
    pub fn of(policy: &Policy) -> PolicyFacts {
        PolicyFacts {
            resolved: {
                // Generated documents repeat the same items thousands of
                // times: each distinct one is looked up once.
                let mut known = std::collections::HashMap::new();
                policy
                    .statements
                    .iter()
                    .map(|st| resolve_statement(st, &mut known))
                    .collect()
            },
            redundancy: std::cell::OnceCell::new(),
        }
    }

    /// What the policy says twice, worked out once for the rules that ask.
    pub fn redundancy(&self, policy: &Policy) -> &redundancy::Redundancy {
        self.redundancy.get_or_init(|| redundancy::analyze(policy))
    }

    /// The actions a statement's `Action` grants or denies, duplicates
    /// removed; `None` for `NotAction` statements (everything but a list).
    pub fn actions_of(
        &self,
        statement: &Statement,
    ) -> Option<Vec<(&'static Service, &'static Action)>> {
        let values = statement.actions.as_ref()?;
        if values.negated {
            return None;
        }
        let items = &self.resolved[statement.index];
        // One item (the usual case) holds no duplicates; several are
        // deduplicated by address, in order (a wildcard can expand to
        // hundreds of actions).
        if let [only] = items.as_slice() {
            return Some(only.actions.clone());
        }
        let mut seen = std::collections::HashSet::new();
        let mut out: Vec<(&'static Service, &'static Action)> = Vec::new();
        for item in items {
            for &(s, a) in &item.actions {
                if seen.insert(std::ptr::from_ref(a) as usize) {
                    out.push((s, a));
                }
            }
        }
        Some(out)
    }

    /// Whether every item of the statement's `Action` names known actions.
    pub fn all_known(&self, statement: &Statement) -> bool {
        self.resolved[statement.index]
            .iter()
            .all(|r| r.problem.is_none())
    }
}

/// What an action item names, by its text.
type Lookups = std::collections::HashMap<
    String,
    (
        Vec<(&'static Service, &'static Action)>,
        Option<NameProblem>,
    ),
>;

fn resolve_statement(statement: &Statement, known: &mut Lookups) -> Vec<ResolvedItem> {
    let Some(values) = &statement.actions else {
        return Vec::new();
    };
    values
        .items
        .iter()
        .enumerate()
        .map(|(item, text)| {
            let (actions, problem) = known
                .entry(text.to_string())
                .or_insert_with(|| resolve_item(text))
                .clone();
            ResolvedItem {
                item,
                actions,
                problem,
            }
        })
        .collect()
}

/// What one action item names in the catalog, and what is wrong with it.
fn resolve_item(
    text: &str,
) -> (
    Vec<(&'static Service, &'static Action)>,
    Option<NameProblem>,
) {
    let catalog = catalog::catalog();
    if text == "*" {
        return (catalog.expand("*"), None);
    }
    let Some((prefix, name)) = text.split_once(':') else {
        return (Vec::new(), Some(NameProblem::Malformed));
    };
    if name.is_empty() || name.contains(':') {
        return (Vec::new(), Some(NameProblem::Malformed));
    }
    let wildcard_service = prefix.contains(['*', '?']);
    if !wildcard_service && catalog.service(prefix).is_none() {
        return (Vec::new(), Some(NameProblem::UnknownService));
    }
    let actions = catalog.expand(text);
    let problem = match (actions.is_empty(), text.contains(['*', '?'])) {
        (false, _) => None,
        (true, true) => Some(NameProblem::MatchesNothing),
        (true, false) => Some(NameProblem::UnknownAction),
    };
    (actions, problem)
}

/// Whether a condition key is global (`aws:…`), which every action supports.
pub fn is_global_key(key: &str) -> bool {
    key.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("aws:"))
}

/// Whether a condition key as written (`aws:RequestTag/team`) is the
/// catalog's key (`aws:RequestTag/${TagKey}`), in any letter case.
pub fn key_matches(catalog_key: &str, written: &str) -> bool {
    pattern::matches_ignore_case(&pattern::arn_format_pattern(catalog_key), written)
}

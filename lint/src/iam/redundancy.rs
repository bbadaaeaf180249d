//! What a policy says twice: repeated actions, actions a wildcard of the
//! same statement already covers, and actions (or whole statements) a
//! broader statement already grants.

use std::collections::HashMap;

use super::pattern;
use super::policy::{Condition, Policy, Statement};

#[derive(Debug, Default)]
pub struct Redundancy {
    /// (statement, item, the earlier identical item).
    pub duplicates: Vec<(usize, usize, usize)>,
    /// (statement, item, the item of the same statement covering it).
    pub covered_within: Vec<(usize, usize, usize)>,
    /// (statement, item, covering statement, covering item), leaving out
    /// statements that are redundant as a whole.
    pub covered_by_other: Vec<(usize, usize, usize, usize)>,
    /// (statement, the statements that together cover it).
    pub statements: Vec<(usize, Vec<usize>)>,
}

fn same_conditions(a: &[Condition], b: &[Condition]) -> bool {
    let key = |c: &Condition| {
        let mut values: Vec<String> = c.values.iter().map(|v| v.to_string()).collect();
        values.sort();
        (
            c.operator.to_ascii_lowercase(),
            c.key.to_ascii_lowercase(),
            values,
        )
    };
    let mut a: Vec<_> = a.iter().map(key).collect();
    let mut b: Vec<_> = b.iter().map(key).collect();
    a.sort();
    b.sort();
    a == b
}

/// How many candidate covers are looked at per item: a policy of thousands
/// of overlapping statements costs the same per item as a small one, and a
/// redundancy found past this many candidates goes unreported.
const MAX_CANDIDATES: usize = 64;
/// Resource pairs compared to decide that one statement's resources cover
/// another's; past it, the statements are taken not to cover each other.
const MAX_RESOURCE_PAIRS: usize = 4_096;

/// Whether `b` applies at least wherever `a` does, apart from actions: same
/// effect, no condition `a` lacks, and resources covering `a`'s.
fn scope_covers(b: &Statement, a: &Statement) -> bool {
    let (Some(ea), Some(eb)) = (&a.effect, &b.effect) else {
        return false;
    };
    if **ea != **eb {
        return false;
    }
    if !(b.conditions.is_empty() || same_conditions(&a.conditions, &b.conditions)) {
        return false;
    }
    match (&a.resources, &b.resources) {
        (Some(ra), Some(rb)) if !ra.negated && !rb.negated => {
            if rb.items.iter().any(|g| g.as_str() == "*") {
                return true;
            }
            ra.items.len().saturating_mul(rb.items.len()) <= MAX_RESOURCE_PAIRS
                && ra
                    .items
                    .iter()
                    .all(|r| rb.items.iter().any(|g| super::arn::covers(g, r)))
        }
        _ => false,
    }
}

/// Lower-cased `service:` of an action item, or `None` when the service part
/// has a wildcard (such an item may cover any service's actions).
fn service_of(item: &str) -> Option<String> {
    let (service, _) = item.split_once(':')?;
    (!service.contains(['*', '?'])).then(|| service.to_ascii_lowercase())
}

fn has_wildcard(item: &str) -> bool {
    item.contains(['*', '?'])
}

/// Where actions are listed: each literal name and each wildcard item, by
/// statement, so that a cover is looked up instead of searched for.
struct Index {
    /// Lower-cased literal action -> (statement, item), in policy order.
    literals: HashMap<String, Vec<(usize, usize)>>,
    /// Lower-cased service -> wildcard items naming it, in policy order.
    wildcards: HashMap<String, Vec<(usize, usize)>>,
    /// Wildcard items whose service part is itself a wildcard (`*`, `e*:…`).
    any_service: Vec<(usize, usize)>,
}

impl Index {
    fn of(policy: &Policy) -> Index {
        let mut index = Index {
            literals: HashMap::new(),
            wildcards: HashMap::new(),
            any_service: Vec::new(),
        };
        for st in &policy.statements {
            let Some(actions) = plain(st) else { continue };
            for (i, item) in actions.items.iter().enumerate() {
                let at = (st.index, i);
                if !has_wildcard(item) {
                    index
                        .literals
                        .entry(item.to_ascii_lowercase())
                        .or_default()
                        .push(at);
                } else if let Some(service) = service_of(item) {
                    index.wildcards.entry(service).or_default().push(at);
                } else {
                    index.any_service.push(at);
                }
            }
        }
        index
    }

    /// Items of other statements than `own` that may cover `item` (the same
    /// name, or a wildcard of its service or of any service), in policy
    /// order, at most `limit`.
    fn candidates(&self, item: &str, own: usize, limit: usize) -> Vec<(usize, usize)> {
        let others = |list: &Vec<(usize, usize)>| {
            list.iter()
                .filter(|(st, _)| *st != own)
                .take(limit)
                .copied()
                .collect::<Vec<_>>()
        };
        let mut out: Vec<(usize, usize)> = Vec::new();
        if let Some(same) = self.literals.get(&item.to_ascii_lowercase()) {
            out.extend(others(same));
        }
        if let Some(service) = service_of(item)
            && let Some(w) = self.wildcards.get(&service)
        {
            out.extend(others(w));
        }
        out.extend(others(&self.any_service));
        out.sort_unstable();
        out.truncate(limit);
        out
    }
}

fn plain(s: &Statement) -> Option<&super::policy::Values> {
    s.actions.as_ref().filter(|a| !a.negated)
}

pub fn analyze(policy: &Policy) -> Redundancy {
    let mut out = Redundancy::default();
    let index = Index::of(policy);
    let statements = &policy.statements;

    // Within a statement: an item listed again, or covered by a wildcard of
    // the same statement.
    let mut settled: Vec<Vec<bool>> = Vec::with_capacity(statements.len());
    for st in statements {
        let mut done = Vec::new();
        if let Some(actions) = plain(st) {
            let mut first: HashMap<String, usize> = HashMap::new();
            // This statement's wildcards, by the service they name.
            let mut wildcards: HashMap<Option<String>, Vec<usize>> = HashMap::new();
            for (i, item) in actions.items.iter().enumerate() {
                if has_wildcard(item) {
                    wildcards.entry(service_of(item)).or_default().push(i);
                }
            }
            for (j, item) in actions.items.iter().enumerate() {
                let i = *first.entry(item.to_ascii_lowercase()).or_insert(j);
                if i != j {
                    out.duplicates.push((st.index, j, i));
                    done.push(true);
                    continue;
                }
                let same_service = wildcards.get(&service_of(item)).into_iter().flatten();
                let any_service = wildcards.get(&None).into_iter().flatten();
                let within = same_service
                    .chain(any_service)
                    .copied()
                    .filter(|&i| i != j)
                    .take(MAX_CANDIDATES)
                    .find(|&i| {
                        !actions.items[i].eq_ignore_ascii_case(item)
                            && pattern::covers(&actions.items[i], item, true)
                    });
                if let Some(i) = within {
                    out.covered_within.push((st.index, j, i));
                    done.push(true);
                    continue;
                }
                done.push(false);
            }
        }
        settled.push(done);
    }

    // Across statements: an item some other statement grants at least as
    // widely. Statement pairs are compared once, when an item first asks.
    let mut scope: HashMap<(usize, usize), bool> = HashMap::new();
    let mut covers_scope = |b: usize, a: usize| {
        *scope
            .entry((b, a))
            .or_insert_with(|| a != b && scope_covers(&statements[b], &statements[a]))
    };
    for a in statements {
        let Some(actions) = plain(a) else { continue };
        let mut covered: Vec<(usize, usize, usize)> = Vec::new();
        for (j, item) in actions.items.iter().enumerate() {
            if settled[a.index][j] {
                continue;
            }
            let by = index
                .candidates(item, a.index, MAX_CANDIDATES)
                .into_iter()
                .find(|&(b, y)| {
                    let Some(b_actions) = plain(&statements[b]) else {
                        return false;
                    };
                    let cover = &b_actions.items[y];
                    if !covers_scope(b, a.index) || !pattern::covers(cover, item, true) {
                        return false;
                    }
                    // Two statements that cover each other: the later one is
                    // the redundant one.
                    let mutual = covers_scope(a.index, b) && pattern::covers(item, cover, true);
                    !mutual || b < a.index
                });
            if let Some((b, y)) = by {
                covered.push((j, b, y));
            }
        }
        let open = (0..actions.items.len())
            .filter(|&j| !settled[a.index][j])
            .count();
        if open > 0 && covered.len() == open {
            let mut by: Vec<usize> = covered.iter().map(|c| c.1).collect();
            by.sort_unstable();
            by.dedup();
            out.statements.push((a.index, by));
        } else {
            out.covered_by_other
                .extend(covered.into_iter().map(|(j, b, y)| (a.index, j, b, y)));
        }
    }
    out
}

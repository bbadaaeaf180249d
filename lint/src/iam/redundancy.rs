//! What a policy says twice: repeated actions, actions a wildcard of the
//! same statement already covers, and actions (or whole statements) a
//! broader statement already grants.

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
        (Some(ra), Some(rb)) if !ra.negated && !rb.negated => ra
            .items
            .iter()
            .all(|r| rb.items.iter().any(|g| super::arn::covers(g, r))),
        _ => false,
    }
}

pub fn analyze(policy: &Policy) -> Redundancy {
    let mut out = Redundancy::default();
    fn plain(s: &Statement) -> Option<&super::policy::Values> {
        s.actions.as_ref().filter(|a| !a.negated)
    }
    let mut settled: Vec<Vec<bool>> = Vec::new();
    for st in &policy.statements {
        let mut done = Vec::new();
        if let Some(actions) = plain(st) {
            // Only a wildcard covers another name.
            let wildcards: Vec<usize> = (0..actions.items.len())
                .filter(|&i| actions.items[i].contains(['*', '?']))
                .collect();
            let mut first: std::collections::HashMap<String, usize> =
                std::collections::HashMap::new();
            for (j, item) in actions.items.iter().enumerate() {
                let i = *first.entry(item.to_ascii_lowercase()).or_insert(j);
                if i != j {
                    out.duplicates.push((st.index, j, i));
                    done.push(true);
                    continue;
                }
                let within = wildcards.iter().copied().find(|&i| {
                    i != j
                        && !actions.items[i].eq_ignore_ascii_case(item)
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

    // Statement pairs are compared once, not once per action; literal
    // names are looked up, not compared one by one.
    let n = policy.statements.len();
    let literals: Vec<std::collections::HashMap<String, usize>> = policy
        .statements
        .iter()
        .map(|st| {
            plain(st)
                .map(|a| {
                    let mut map = std::collections::HashMap::new();
                    for (i, item) in a.items.iter().enumerate() {
                        if !item.contains(['*', '?']) {
                            map.entry(item.to_ascii_lowercase()).or_insert(i);
                        }
                    }
                    map
                })
                .unwrap_or_default()
        })
        .collect();
    let mut scope = vec![false; n * n];
    for a in &policy.statements {
        for b in &policy.statements {
            scope[b.index * n + a.index] = a.index != b.index && scope_covers(b, a);
        }
    }
    for a in &policy.statements {
        let Some(actions) = plain(a) else { continue };
        let mut covered: Vec<(usize, usize, usize)> = Vec::new();
        for (j, item) in actions.items.iter().enumerate() {
            if settled[a.index][j] {
                continue;
            }
            let lower = item.to_ascii_lowercase();
            let by = policy.statements.iter().find_map(|b| {
                if !scope[b.index * n + a.index] {
                    return None;
                }
                let b_actions = plain(b)?;
                // Only an identical name or a wildcard can cover an action.
                let y = literals[b.index].get(lower.as_str()).copied().or_else(|| {
                    b_actions
                        .items
                        .iter()
                        .position(|y| y.contains(['*', '?']) && pattern::covers(y, item, true))
                })?;
                // Two statements that cover each other: the later one is
                // the redundant one.
                let mutual = scope[a.index * n + b.index]
                    && pattern::covers(item, &b_actions.items[y], true);
                (!mutual || b.index < a.index).then_some((b.index, y))
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

use crate::rules::{Context, Section, declare_rule};

declare_rule! {
    /// The master pool has 1, 3 or 5 nodes.
    ///
    /// ## What it checks
    /// The `size` of the master pool.
    ///
    /// ## Why it matters
    /// The control-plane nodes run etcd, which needs a majority of its members
    /// to accept a write. With an even count the extra member adds a machine to
    /// pay for and a member that can fail, but no failure tolerance: 2 members
    /// tolerate no failure (like 1), 4 tolerate one (like 3). More than 5 slows
    /// every write down. The seed guide allows 1, 3 or 5.
    ///
    /// ## Example
    /// ```json
    /// {"name": "control-plane", "role": "master", "size": 2, "instanceType": "m7i.large"}
    /// ```
    pub static MASTER_SIZE = Rule {
        code: "pools/master-size",
        severity: Error,
    };
}

/// The parts of the spec the check reads.
pub(crate) const READS: &[Section] = &[Section::NodePools];

pub(crate) fn check(cx: &mut Context) {
    for pool in cx.spec.masters() {
        let size = *pool.size;
        if ![1, 3, 5].contains(&size) {
            let suggestion = match size {
                0 => "1 (no high availability) or 3",
                2 => "3, which tolerates the loss of one node",
                4 => "3 or 5; 4 tolerates no more failures than 3",
                _ => "5, the most etcd handles well",
            };
            let d = cx.emit(
                &MASTER_SIZE,
                pool.size.span,
                format!("a master pool of {size} nodes"),
            );
            d.with_primary_label("must be 1, 3 or 5")
                .with_help(format!("use {suggestion}"));
            // Unsafe: it adds or removes a machine, and 4 could as well
            // have been meant as 5.
            let to = match size {
                2 | 4 => Some(3),
                6.. => Some(5),
                _ => None,
            };
            if let Some(to) = to {
                d.with_fix(crate::fix::Fix::replace(
                    crate::fix::Applicability::Unsafe,
                    pool.size.span,
                    to.to_string(),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::testing::{at, fires, quiet, with};

    /// Unsafe (a machine more or less): 2 and 4 become 3, with
    /// `--unsafe-fixes` only.
    #[test]
    fn the_fix_makes_it_three_when_unsafe_fixes_are_allowed() {
        for size in [2, 4] {
            let text = crate::rules::testing::spec_text(&with(|s| {
                s["nodePools"][0]["size"] = json!(size)
            }));
            let before = text.replace(&format!("\"size\": {size}"), "\"size\": 3");
            assert_eq!(
                crate::rules::testing::fixed(&MASTER_SIZE, "s.json", &text, true),
                before
            );
            let safe = crate::fix::fix_text(
                std::path::Path::new("s.json"),
                text.clone(),
                crate::fix::Applicability::Safe,
                &|f| crate::rules::testing::lint_text("s.json", &f.text),
            );
            assert_eq!(safe.applied, 0, "not a safe fix");
        }
    }

    #[test]
    fn fires_on_even_and_oversized_pools() {
        for size in [0, 2, 4, 7] {
            let spec = with(|s| s["nodePools"][0]["size"] = json!(size));
            let found = fires(&MASTER_SIZE, &spec);
            assert_eq!(at(&found[0]), size.to_string());
        }
    }

    #[test]
    fn quiet_on_one_three_and_five() {
        for size in [1, 3, 5] {
            quiet(
                &MASTER_SIZE,
                &with(|s| s["nodePools"][0]["size"] = json!(size)),
            );
        }
    }
}

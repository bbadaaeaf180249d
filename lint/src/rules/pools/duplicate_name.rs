use crate::rules::{Context, Section, declare_rule};

declare_rule! {
    /// Pool names are unique.
    ///
    /// ## What it checks
    /// That no two node pools share a name.
    ///
    /// ## Why it matters
    /// Each pool's AWS resources are named and found again by the pool name.
    /// Two pools with one name would fight over one Auto Scaling group: the
    /// second apply would resize the first pool.
    ///
    /// ## Example
    /// ```json
    /// {"nodePools": [{"name": "workers", "role": "worker", "size": 3, "instanceType": "m7i.large"},
    ///                {"name": "workers", "role": "worker", "size": 2, "instanceType": "g4dn.xlarge"}]}
    /// ```
    pub static DUPLICATE_NAME = Rule {
        code: "pools/duplicate-name",
        severity: Error,
    };
}

/// The parts of the spec the check reads.
pub(crate) const READS: &[Section] = &[Section::NodePools];

pub(crate) fn check(cx: &mut Context) {
    let pools: Vec<_> = cx.spec.pools().collect();
    for (i, pool) in pools.iter().enumerate() {
        if let Some(first) = pools[..i].iter().find(|p| *p.name == *pool.name) {
            cx.emit(
                &DUPLICATE_NAME,
                pool.name.span,
                format!("two pools are named `{}`", *pool.name),
            )
            .with_primary_label("used again here")
            .with_label(first.name.span, "first used here")
            .with_help("give each pool its own name");
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::testing::{base, fires, quiet, with};

    #[test]
    fn fires_on_the_second_use() {
        let found = fires(
            &DUPLICATE_NAME,
            &with(|s| s["nodePools"][1]["name"] = json!("control-plane")),
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].labels.len(), 2);
    }

    #[test]
    fn quiet_on_distinct_names() {
        quiet(&DUPLICATE_NAME, &base());
    }
}

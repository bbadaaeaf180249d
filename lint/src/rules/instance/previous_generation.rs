use crate::catalog;
use crate::rules::instance::uses;
use crate::rules::{Context, declare_rule};

declare_rule! {
    /// Instance types are of the current generation.
    ///
    /// ## What it checks
    /// Whether EC2 lists an instance type as previous generation (the
    /// catalog's `current_generation` flag).
    ///
    /// ## Why it matters
    /// Previous-generation types cost more for less, are offered in fewer
    /// zones, lack features such as ENA or Nitro, and are the next to be
    /// retired. The seed guide's `m3.large` example is one.
    ///
    /// ## Example
    /// ```json
    /// {"name": "workers", "instanceType": "m3.large"}
    /// ```
    pub static PREVIOUS_GENERATION = Rule {
        code: "instance/previous-generation",
        severity: Warning,
    };
}

pub(crate) fn check(cx: &mut Context) {
    let catalog = catalog::instances();
    for u in uses(cx) {
        let Some(t) = catalog.get(*u.instance_type) else {
            continue;
        };
        if !t.current_generation {
            let family = t.family();
            let current: Vec<&str> = catalog
                .types()
                .iter()
                .filter(|c| {
                    c.current_generation
                        && c.name.split_once('.').map(|(_, size)| size)
                            == t.name.split_once('.').map(|(_, size)| size)
                        && c.family().starts_with(&family[..1])
                        && c.architectures == t.architectures
                })
                .map(|c| c.name)
                .collect();
            let d = cx.emit(
                &PREVIOUS_GENERATION,
                u.instance_type.span,
                format!(
                    "`{}` ({}) is a previous-generation instance type",
                    t.name, u.owner
                ),
            );
            if let Some(suggestion) = current.last() {
                d.with_help(format!(
                    "a current type of the same size, such as `{suggestion}`, costs less for more"
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::testing::{base, fires, quiet, with};

    #[test]
    fn fires_on_the_seeds_m3_large() {
        let found = fires(
            &PREVIOUS_GENERATION,
            &with(|s| s["nodePools"][1]["instanceType"] = json!("m3.large")),
        );
        assert!(found[0].help.as_deref().unwrap_or("").contains(".large"));
    }

    #[test]
    fn quiet_on_current_types() {
        quiet(&PREVIOUS_GENERATION, &base());
    }
}

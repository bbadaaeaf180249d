use crate::catalog;
use crate::rules::{Context, Section, declare_rule};
use crate::suggest;

declare_rule! {
    /// The Region exists.
    ///
    /// ## What it checks
    /// `region` against the Regions in the catalog (the commercial Regions
    /// EC2 lists), with a suggestion for likely typos.
    ///
    /// ## Why it matters
    /// Every API call goes to the Region's endpoint; an unknown Region fails
    /// before anything is checked or created, with a DNS error that does not
    /// name the typo.
    ///
    /// ## Example
    /// ```json
    /// {"region": "us-east1"}
    /// ```
    pub static UNKNOWN_REGION = Rule {
        code: "network/unknown-region",
        severity: Error,
    };
}

/// The parts of the spec the check reads.
pub(crate) const READS: &[Section] = &[Section::Region];

pub(crate) fn check(cx: &mut Context) {
    let catalog = catalog::instances();
    let region = &cx.spec.region;
    if catalog.has_region(region) {
        return;
    }
    let d = cx.emit(
        &UNKNOWN_REGION,
        region.span,
        format!("unknown Region `{}`", region.as_str()),
    );
    d.with_primary_label("not a Region in the catalog");
    if let Some(best) = suggest::closest(region, catalog.regions()) {
        d.with_help(format!("did you mean `{best}`?"));
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::testing::{base, fires, quiet, with};

    #[test]
    fn fires_on_a_typo() {
        let found = fires(&UNKNOWN_REGION, &with(|s| s["region"] = json!("us-east1")));
        assert_eq!(found[0].help.as_deref(), Some("did you mean `us-east-1`?"));
    }

    #[test]
    fn quiet_on_a_known_region() {
        quiet(&UNKNOWN_REGION, &base());
    }
}

use crate::rules::{Context, Section, declare_rule};
use crate::spec::Spanned;

declare_rule! {
    /// Zone lists name each zone once.
    ///
    /// ## What it checks
    /// Dynamic placement's `availabilityZones` and every pool's
    /// `availabilityZones` for a zone listed twice.
    ///
    /// ## Why it matters
    /// A repeated zone in the placement would ask for two subnets with the
    /// same role in one zone; in a pool it skews the round-robin spread
    /// (`[a, a, b]` puts two thirds of the nodes in `a`). Either way it is
    /// rarely what was meant: usually another zone was.
    ///
    /// ## Example
    /// ```json
    /// {"availabilityZones": ["us-east-1a", "us-east-1b", "us-east-1a"]}
    /// ```
    pub static DUPLICATE_AZ = Rule {
        code: "network/duplicate-az",
        severity: Error,
    };
}

/// The parts of the spec the check reads.
pub(crate) const READS: &[Section] = &[Section::Placement];

pub(crate) fn check(cx: &mut Context) {
    let mut lists: Vec<&Spanned<Vec<Spanned<String>>>> = Vec::new();
    if let Some(d) = cx.spec.dynamic() {
        lists.push(&d.availability_zones);
    }
    lists.extend(
        cx.spec
            .pools()
            .filter_map(|p| p.availability_zones.as_ref()),
    );
    for list in lists {
        for (i, zone) in list.iter().enumerate() {
            if let Some(first) = list[..i].iter().find(|z| z.as_str() == zone.as_str()) {
                cx.emit(
                    &DUPLICATE_AZ,
                    zone.span,
                    format!("`{}` is listed twice", zone.as_str()),
                )
                .with_primary_label("listed again")
                .with_label(first.span, "first listed here")
                .with_help("list each zone once");
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
    fn fires_in_placement_and_pool_lists() {
        fires(
            &DUPLICATE_AZ,
            &with(|s| s["placement"]["dynamic"]["availabilityZones"][2] = json!("us-east-1a")),
        );
        fires(
            &DUPLICATE_AZ,
            &with(|s| s["nodePools"][1]["availabilityZones"] = json!(["us-east-1b", "us-east-1b"])),
        );
    }

    #[test]
    fn quiet_on_distinct_zones() {
        quiet(&DUPLICATE_AZ, &base());
    }
}

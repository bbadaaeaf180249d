use crate::catalog;
use crate::rules::instance::uses;
use crate::rules::{Context, Section, declare_rule};

declare_rule! {
    /// Instance types are offered in the Region and in the zones they land in.
    ///
    /// ## What it checks
    /// Each instance type against EC2's offerings for the spec's Region and for
    /// every zone the pool places nodes in (the bastion goes to the first
    /// zone): the catalog's offline, the account's own in `preflight`
    /// (`ec2:DescribeInstanceTypeOfferings`).
    ///
    /// ## Why it matters
    /// Not every type is sold in every Region, nor in every zone of a Region.
    /// EC2 answers `Unsupported` at launch time, after the network exists; an
    /// Auto Scaling group just keeps failing to launch in that zone.
    ///
    /// ## Example
    /// ```json
    /// {"region": "us-east-1", "placement": {"dynamic": {"availabilityZones": ["us-east-1e"]}},
    ///  "nodePools": [{"name": "workers", "instanceType": "m7i.large"}]}
    /// ```
    pub static NOT_OFFERED = Rule {
        code: "instance/not-offered",
        severity: Error,
    };
}

/// The parts of the spec the check reads.
pub(crate) const READS: &[Section] = &[
    Section::Region,
    Section::NodePools,
    Section::Bastion,
    Section::Placement,
];

pub(crate) fn check(cx: &mut Context) {
    let catalog = catalog::instances();
    let region = cx.spec.region.as_str();
    // What the account reports wins over the catalog.
    if let Some(live) = cx.settings.live.as_ref().and_then(|l| l.offerings.as_ref()) {
        for u in uses(cx) {
            let name = *u.instance_type;
            let missing: Vec<&str> = u
                .zones
                .iter()
                .copied()
                .filter(|zone| !live.contains(&(name.to_string(), zone.to_string())))
                .collect();
            if !missing.is_empty() {
                cx.emit(
                    &NOT_OFFERED,
                    u.instance_type.span,
                    format!(
                        "`{name}` ({}) is not offered in {} in this account",
                        u.owner,
                        missing.join(", ")
                    ),
                )
                .with_help("move the pool to zones that offer the type, or choose another type");
            }
        }
        return;
    }
    for u in uses(cx) {
        let name = *u.instance_type;
        match catalog.offered_in_region(name, region) {
            // Unknown type or Region: reported by their own rules.
            None => continue,
            Some(false) => {
                cx.emit(&NOT_OFFERED, u.instance_type.span, format!("`{name}` ({}) is not offered in {region}", u.owner))
                    .with_help("choose a type offered in the Region: `aws ec2 describe-instance-type-offerings --region REGION`");
                continue;
            }
            Some(true) => {}
        }
        let missing: Vec<&str> = u
            .zones
            .iter()
            .copied()
            .filter(|zone| catalog.offered_in_zone(name, region, zone) == Some(false))
            .collect();
        if !missing.is_empty() {
            cx.emit(
                &NOT_OFFERED,
                u.instance_type.span,
                format!(
                    "`{name}` ({}) is not offered in {}",
                    u.owner,
                    missing.join(", ")
                ),
            )
            .with_help("move the pool to zones that offer the type, or choose another type");
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::testing::{base, fires, quiet, with};

    #[test]
    fn live_offerings_win_over_the_catalog() {
        use crate::live::Live;
        use crate::rules::testing::findings_with;
        let mut offered = std::collections::BTreeSet::new();
        for zone in ["us-east-1a", "us-east-1b", "us-east-1c"] {
            for kind in ["m7i.large", "m7i.xlarge", "t3.micro"] {
                offered.insert((kind.to_string(), zone.to_string()));
            }
        }
        let all = Live {
            offerings: Some(offered.clone()),
            ..Live::default()
        };
        assert!(findings_with(&NOT_OFFERED, &base(), all).is_empty());
        offered.remove(&("m7i.large".to_string(), "us-east-1b".to_string()));
        let some = Live {
            offerings: Some(offered),
            ..Live::default()
        };
        let found = findings_with(&NOT_OFFERED, &base(), some);
        assert!(
            found.iter().any(|d| d
                .message
                .ends_with("is not offered in us-east-1b in this account")),
            "{found:?}"
        );
    }

    /// A zone of us-east-1 that lacks a type the Region offers, found in the
    /// catalog rather than hard-coded so the test survives regeneration.
    fn zone_lacking(instance_type: &str) -> Option<&'static str> {
        let c = catalog::instances();
        c.zones("us-east-1")
            .into_iter()
            .find(|z| c.offered_in_zone(instance_type, "us-east-1", z) == Some(false))
    }

    #[test]
    fn fires_on_a_type_missing_from_the_region() {
        let c = catalog::instances();
        let absent = c
            .names()
            .find(|n| c.offered_in_region(n, "us-east-1") == Some(false))
            .expect("some type is not sold in us-east-1");
        fires(
            &NOT_OFFERED,
            &with(|s| s["nodePools"][1]["instanceType"] = json!(absent)),
        );
    }

    #[test]
    fn fires_on_a_zone_missing_the_type() {
        let zone = zone_lacking("m7i.large").expect("a us-east-1 zone without m7i.large");
        let spec = with(|s| {
            s["placement"]["dynamic"]["availabilityZones"] = json!(["us-east-1a", zone]);
        });
        let found = fires(&NOT_OFFERED, &spec);
        assert!(found[0].message.contains(zone));
    }

    #[test]
    fn quiet_where_offered() {
        quiet(&NOT_OFFERED, &base());
    }
}

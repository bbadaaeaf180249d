use crate::rules::{Context, Section, declare_rule};
use crate::suggest;

declare_rule! {
    /// A pool's zones are among the placement's.
    ///
    /// ## What it checks
    /// Each zone in a pool's `availabilityZones` against the placement's zones
    /// (the dynamic placement's list, or the zones of the static subnets).
    ///
    /// ## Why it matters
    /// Nodes are placed in the private subnet of their zone. A zone without
    /// the cluster's subnets has nowhere to put them.
    ///
    /// ## Example
    /// ```json
    /// {"placement": {"dynamic": {"availabilityZones": ["us-east-1a", "us-east-1b"]}},
    ///  "nodePools": [{"name": "workers", "availabilityZones": ["us-east-1c"]}]}
    /// ```
    pub static AZ_NOT_IN_PLACEMENT = Rule {
        code: "pools/az-not-in-placement",
        severity: Error,
    };
}

/// The parts of the spec the check reads.
pub(crate) const READS: &[Section] = &[Section::NodePools, Section::Placement];

pub(crate) fn check(cx: &mut Context) {
    let layout = cx.layout;
    for pool in cx.spec.pools() {
        let Some(zones) = &pool.availability_zones else {
            continue;
        };
        for zone in zones.iter() {
            if !layout.zones.iter().any(|z| z == zone.as_str()) {
                let d = cx.emit(
                    &AZ_NOT_IN_PLACEMENT,
                    zone.span,
                    format!(
                        "pool `{}` uses `{}`, which is not one of the placement's zones",
                        *pool.name,
                        zone.as_str()
                    ),
                );
                match suggest::closest(zone, layout.zones.iter().map(String::as_str)) {
                    Some(best) => d.with_help(format!("did you mean `{best}`?")),
                    None => d.with_help(format!(
                        "the placement's zones are {}",
                        suggest::list(layout.zones.iter().map(String::as_str))
                    )),
                };
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::testing::{at, base, base_static, fires, quiet, with};

    #[test]
    fn fires_on_a_zone_outside_the_placement() {
        let spec = with(|s| {
            s["placement"]["dynamic"]["availabilityZones"] = json!(["us-east-1a", "us-east-1b"]);
            s["nodePools"][1]["availabilityZones"] = json!(["us-east-1c"]);
        });
        let found = fires(&AZ_NOT_IN_PLACEMENT, &spec);
        assert_eq!(at(&found[0]), "\"us-east-1c\"");
        let mut spec = base_static();
        spec["nodePools"][1]["availabilityZones"] = json!(["us-east-1c"]);
        fires(&AZ_NOT_IN_PLACEMENT, &spec);
    }

    #[test]
    fn quiet_when_inside() {
        quiet(&AZ_NOT_IN_PLACEMENT, &base());
        quiet(
            &AZ_NOT_IN_PLACEMENT,
            &with(|s| s["nodePools"][1]["availabilityZones"] = json!(["us-east-1b"])),
        );
    }
}

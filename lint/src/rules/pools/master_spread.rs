use crate::rules::{Context, Section, declare_rule};

declare_rule! {
    /// Master nodes are spread over as many zones as they can use.
    ///
    /// ## What it checks
    /// That the master pool's nodes land in `min(size, zones available)`
    /// distinct Availability Zones, where the zones available are the
    /// placement's. Nodes go round-robin over the pool's zones.
    ///
    /// ## Why it matters
    /// etcd survives the loss of a minority of its members. Three masters in
    /// one zone are all lost with that zone; three masters in three zones
    /// survive it. A zone outage is the failure multi-AZ placement is for.
    ///
    /// ## Example
    /// ```json
    /// {"placement": {"dynamic": {"availabilityZones": ["us-east-1a", "us-east-1b", "us-east-1c"]}},
    ///  "nodePools": [{"name": "control-plane", "role": "master", "size": 3,
    ///                 "instanceType": "m7i.large", "availabilityZones": ["us-east-1a"]}]}
    /// ```
    pub static MASTER_SPREAD = Rule {
        code: "pools/master-spread",
        severity: Warning,
    };
}

/// The parts of the spec the check reads.
pub(crate) const READS: &[Section] = &[Section::NodePools, Section::Placement];

pub(crate) fn check(cx: &mut Context) {
    let available = cx.layout.zones.len();
    for (i, pool) in cx.spec.pools().enumerate() {
        if *pool.role != crate::spec::Role::Master {
            continue;
        }
        let placement = &cx.layout.pools[i];
        let used = placement.nodes.iter().filter(|&&n| n > 0).count();
        let possible = (*pool.size as usize).min(available);
        if used < possible {
            let span = pool
                .availability_zones
                .as_ref()
                .map_or(pool.name.span, |z| z.span);
            cx.emit(
                &MASTER_SPREAD,
                span,
                format!("{} master nodes in {used} zone{} though the placement has {available}",
                    *pool.size, if used == 1 { "" } else { "s" }),
            )
            .with_primary_label("the master pool's zones")
            .with_help(format!(
                "list {possible} zones here (or none, to use all of the placement's) so that losing one zone keeps a quorum"
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::testing::{base, fires, quiet, with};

    #[test]
    fn fires_when_masters_share_a_zone_that_need_not() {
        let spec = with(|s| s["nodePools"][0]["availabilityZones"] = json!(["us-east-1a"]));
        let found = fires(&MASTER_SPREAD, &spec);
        assert_eq!(
            found[0].message,
            "3 master nodes in 1 zone though the placement has 3"
        );
        let spec =
            with(|s| s["nodePools"][0]["availabilityZones"] = json!(["us-east-1a", "us-east-1b"]));
        fires(&MASTER_SPREAD, &spec);
    }

    #[test]
    fn quiet_when_spread_as_far_as_possible() {
        quiet(&MASTER_SPREAD, &base());
        // One zone in the placement: nothing better is possible.
        let spec = with(|s| s["placement"]["dynamic"]["availabilityZones"] = json!(["us-east-1a"]));
        quiet(&MASTER_SPREAD, &spec);
        // Five masters over three zones use all three.
        quiet(
            &MASTER_SPREAD,
            &with(|s| s["nodePools"][0]["size"] = json!(5)),
        );
    }
}

use crate::catalog;
use crate::rules::instance::uses;
use crate::rules::{Context, Section, declare_rule};

declare_rule! {
    /// Spot pools use instance types sold as spot.
    ///
    /// ## What it checks
    /// For each pool with `capacity.spot`, that its instance type lists `spot`
    /// among its usage classes.
    ///
    /// ## Why it matters
    /// Some types (bare metal and the newest families, typically) are sold
    /// on-demand only. A spot request for them is never fulfilled and the pool
    /// stays empty.
    ///
    /// ## Example
    /// ```json
    /// {"name": "batch", "instanceType": "u-6tb1.metal", "capacity": {"spot": {"maxPricePercentOfOnDemand": 70}}}
    /// ```
    pub static SPOT_UNSUPPORTED = Rule {
        code: "instance/spot-unsupported",
        severity: Error,
    };
}

/// The parts of the spec the check reads.
pub(crate) const READS: &[Section] = &[Section::NodePools, Section::Bastion, Section::Placement];

pub(crate) fn check(cx: &mut Context) {
    let catalog = catalog::instances();
    for u in uses(cx) {
        let Some(t) = catalog.get(*u.instance_type) else {
            continue;
        };
        if u.spot && !t.spot {
            cx.emit(
                &SPOT_UNSUPPORTED,
                u.instance_type.span,
                format!("`{}` ({}) is not sold as spot", t.name(), u.owner),
            )
            .with_help("choose a type that supports spot, or run the pool on-demand");
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::testing::{fires, quiet, with};

    fn spot_pool(instance_type: &str) -> serde_json::Value {
        with(|s| {
            s["nodePools"][1]["instanceType"] = json!(instance_type);
            s["nodePools"][1]["capacity"] = json!({"spot": {"maxPricePercentOfOnDemand": 70}});
        })
    }

    #[test]
    fn fires_on_an_on_demand_only_type() {
        let c = catalog::instances();
        let on_demand_only = c
            .types()
            .iter()
            .find(|t| !t.spot && c.offered_in_region(t.name(), "us-east-1") == Some(true))
            .expect("an on-demand-only type in us-east-1");
        fires(&SPOT_UNSUPPORTED, &spot_pool(on_demand_only.name()));
    }

    #[test]
    fn quiet_on_spot_capable_types() {
        quiet(&SPOT_UNSUPPORTED, &spot_pool("m7i.large"));
    }
}

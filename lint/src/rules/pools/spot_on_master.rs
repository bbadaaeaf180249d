use crate::rules::{Context, Section, declare_rule};
use crate::spec::Role;

declare_rule! {
    /// Spot capacity is for worker pools only.
    ///
    /// ## What it checks
    /// Whether the master pool sets `capacity.spot`.
    ///
    /// ## Why it matters
    /// EC2 reclaims spot instances with two minutes' notice whenever it needs
    /// the capacity back, often several at once. Losing a majority of the
    /// control plane that way takes etcd and the API down. The seed guide
    /// offers spot for worker pools only.
    ///
    /// ## Example
    /// ```json
    /// {"name": "control-plane", "role": "master", "size": 3, "instanceType": "m7i.large",
    ///  "capacity": {"spot": {"maxPricePercentOfOnDemand": 50}}}
    /// ```
    pub static SPOT_ON_MASTER = Rule {
        code: "pools/spot-on-master",
        severity: Error,
    };
}

/// The parts of the spec the check reads.
pub(crate) const READS: &[Section] = &[Section::NodePools];

pub(crate) fn check(cx: &mut Context) {
    for pool in cx.spec.pools() {
        if let (Role::Master, Some(spot)) = (*pool.role, pool.spot()) {
            cx.emit(
                &SPOT_ON_MASTER,
                spot.span,
                "the master pool cannot run on spot instances",
            )
            .with_help("remove `capacity.spot` from the master pool; use spot for worker pools");
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::testing::{base, fires, quiet, with};

    #[test]
    fn fires_on_a_spot_master_pool() {
        fires(
            &SPOT_ON_MASTER,
            &with(|s| {
                s["nodePools"][0]["capacity"] = json!({"spot": {"maxPricePercentOfOnDemand": 50}});
            }),
        );
    }

    #[test]
    fn quiet_on_spot_workers() {
        quiet(&SPOT_ON_MASTER, &base());
        quiet(
            &SPOT_ON_MASTER,
            &with(|s| {
                s["nodePools"][1]["capacity"] = json!({"spot": {"maxPricePercentOfOnDemand": 50}});
            }),
        );
    }
}

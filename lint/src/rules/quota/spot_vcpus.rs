use crate::rules::{Context, Section, declare_rule};

declare_rule! {
    /// Spot vCPUs fit the Region's spot quota for each instance class.
    ///
    /// ## What it checks
    /// The vCPUs of the spot pools at their peak (size plus one node of
    /// surge), per spot quota class: Standard (`L-34B43A08`), G and VT
    /// (`L-3819A6DF`), P, X, F, Inf, DL and Trn. An error when they are more
    /// than the quota as the value `awscluster.toml`'s `[quotas]` gives (`quota/near-limit` warns from 80% of it; without
    /// a value, `quota/unverified` notes a need that reaches AWS's default).
    ///
    /// ## Why it matters
    /// Spot requests past the quota fail with `MaxSpotInstanceCountExceeded`
    /// and the pool stays short of nodes.
    ///
    /// ## Example
    /// ```json
    /// {"nodePools": [{"name": "gpu", "role": "worker", "size": 2, "instanceType": "g4dn.xlarge",
    ///                 "capacity": {"spot": {"maxPricePercentOfOnDemand": 60}}}]}
    /// ```
    pub static SPOT_VCPUS = Rule {
        code: "quota/spot-vcpus",
        severity: Error,
    };
}

/// The parts of the spec the check reads.
pub(crate) const READS: &[Section] = &[Section::NodePools, Section::Bastion, Section::Placement];

pub(crate) fn check(cx: &mut Context) {
    super::vcpus::check(cx, &SPOT_VCPUS, true);
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::quota::tests::fires_with_quota;
    use crate::rules::testing::{base, fires, quiet, with};

    #[test]
    fn fires_on_a_spot_gpu_pool() {
        let spec = with(|s| {
            s["nodePools"][1]["instanceType"] = json!("g4dn.xlarge");
            s["nodePools"][1]["capacity"] = json!({"spot": {"maxPricePercentOfOnDemand": 60}});
        });
        fires_with_quota(&SPOT_VCPUS, &spec, "L-3819A6DF", 8.0);
        // Without the account's value, the new-account default of 0 gives a
        // note of another rule.
        quiet(&SPOT_VCPUS, &spec);
        let notes = fires(&crate::rules::quota::unverified::UNVERIFIED, &spec);
        assert!(
            notes
                .iter()
                .any(|d| d.message.contains("16 spot vCPUs of `L-3819A6DF`"))
        );
    }

    #[test]
    fn quiet_without_spot_pools() {
        quiet(&SPOT_VCPUS, &base());
    }
}

use crate::rules::{Context, declare_rule};

declare_rule! {
    /// Spot vCPUs fit the Region's spot quota for each instance class.
    ///
    /// ## What it checks
    /// The vCPUs of the spot pools at their peak (size plus one node of
    /// surge), per spot quota class: Standard (`L-34B43A08`), G and VT
    /// (`L-3819A6DF`), P, X, F, Inf, DL and Trn. Warns from 80% of AWS's
    /// default (5 vCPUs Standard, 0 for the others) or of the value
    /// `awscluster.toml` gives.
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
        severity: Warning,
    };
}

pub(crate) fn check(cx: &mut Context) {
    super::vcpus::check(cx, &SPOT_VCPUS, true);
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::testing::{base, fires, quiet, with};

    #[test]
    fn fires_on_a_spot_gpu_pool() {
        let spec = with(|s| {
            s["nodePools"][1]["instanceType"] = json!("g4dn.xlarge");
            s["nodePools"][1]["capacity"] = json!({"spot": {"maxPricePercentOfOnDemand": 60}});
        });
        let found = fires(&SPOT_VCPUS, &spec);
        assert_eq!(
            found[0].message,
            "the cluster needs 16 spot vCPUs; the quota is 0 (AWS's default)"
        );
    }

    #[test]
    fn quiet_without_spot_pools() {
        quiet(&SPOT_VCPUS, &base());
    }
}

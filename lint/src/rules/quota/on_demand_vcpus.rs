use crate::rules::{Context, declare_rule};

declare_rule! {
    /// On-demand vCPUs fit the Region's quota for each instance class.
    ///
    /// ## What it checks
    /// The vCPUs of the on-demand pools and the bastion at their peak (each
    /// pool at its size plus one node of rolling-update surge), summed per
    /// quota class: Standard (A, C, D, H, I, M, R, T, Z: `L-1216C47A`), G and VT
    /// (`L-DB2E81BA`), P, X, F, Inf, DL, Trn, HPC and high memory. Warns from
    /// 80% of the quota: AWS's default for a new account (5 vCPUs Standard, 0
    /// for the other classes) unless `awscluster.toml` gives the account's real
    /// value.
    ///
    /// ## Why it matters
    /// EC2 refuses launches past the quota with `VcpuLimitExceeded`; an Auto
    /// Scaling group keeps retrying silently. GPU classes start at 0 on new
    /// accounts, and increases take days. The defaults are account-specific
    /// (AWS raises them with use), so set the real values once:
    /// `[quotas] "L-1216C47A" = 256`.
    ///
    /// ## Example
    /// ```json
    /// {"nodePools": [{"name": "gpu", "role": "worker", "size": 2, "instanceType": "g4dn.xlarge"}]}
    /// ```
    /// 3 × 4 vCPUs of G and VT against a default quota of 0.
    pub static ON_DEMAND_VCPUS = Rule {
        code: "quota/on-demand-vcpus",
        severity: Warning,
    };
}

pub(crate) fn check(cx: &mut Context) {
    super::vcpus::check(cx, &ON_DEMAND_VCPUS, false);
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::Settings;
    use crate::rules::testing::{base, fires, lint_text_with};

    #[test]
    fn fires_against_the_default_standard_quota_with_labels_per_pool() {
        let found = fires(&ON_DEMAND_VCPUS, &base());
        // 3 masters + 1 surge, 3 workers + 1 surge, 2 vCPUs each; bastion 2.
        assert_eq!(
            found[0].message,
            "the cluster needs 18 on-demand vCPUs; the quota is 5 (AWS's default)"
        );
        assert_eq!(found[0].labels.len(), 4);
    }

    #[test]
    fn quiet_when_the_configured_quota_has_room() {
        let mut settings = Settings::default();
        settings.quotas.insert("L-1216C47A".into(), 64.0);
        let text = serde_json::to_string_pretty(&base()).unwrap();
        let found = lint_text_with("s.json", &text, &settings);
        assert!(found.iter().all(|d| d.rule.code != ON_DEMAND_VCPUS.code));
        // ...and fires again at 80% of it.
        settings.quotas.insert("L-1216C47A".into(), 20.0);
        let found = lint_text_with("s.json", &text, &settings);
        let d = found
            .iter()
            .find(|d| d.rule.code == ON_DEMAND_VCPUS.code)
            .unwrap();
        assert_eq!(
            d.message,
            "the cluster alone uses 18 of 20 on-demand vCPUs (90% of the quota, as configured)"
        );
        let _ = json!(null);
    }
}

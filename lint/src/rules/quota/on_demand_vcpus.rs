use crate::rules::{Context, Section, declare_rule};

declare_rule! {
    /// On-demand vCPUs fit the Region's quota for each instance class.
    ///
    /// ## What it checks
    /// The vCPUs of the on-demand pools and the bastion at their peak (each
    /// pool at its size plus one node of rolling-update surge), summed per
    /// quota class: Standard (A, C, D, H, I, M, R, T, Z: `L-1216C47A`), G and VT
    /// (`L-DB2E81BA`), P, X, F, Inf, DL, Trn, HPC and high memory. An error
    /// when they are more than the quota as the value `awscluster.toml`'s `[quotas]` gives (`quota/near-limit` warns from 80% of it; without
    /// a value, `quota/unverified` notes a need that reaches AWS's default).
    /// AWS's defaults for a new account (5 vCPUs Standard, 0 for the other
    /// classes) are not the account's quota: AWS raises them with use.
    ///
    /// ## Why it matters
    /// EC2 refuses launches past the quota with `VcpuLimitExceeded`; an Auto
    /// Scaling group keeps retrying silently. GPU classes start at 0 on new
    /// accounts, and increases take days.
    ///
    /// ## Example
    /// ```toml
    /// [quotas]
    /// "L-1216C47A" = 16   # the default cluster needs 18 Standard vCPUs at peak
    /// ```
    pub static ON_DEMAND_VCPUS = Rule {
        code: "quota/on-demand-vcpus",
        severity: Error,
    };
}

/// The parts of the spec the check reads.
pub(crate) const READS: &[Section] = &[Section::NodePools, Section::Bastion, Section::Placement];

pub(crate) fn check(cx: &mut Context) {
    super::vcpus::check(cx, &ON_DEMAND_VCPUS, false);
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::Settings;
    use crate::rules::testing::{base, lint_text_with, quiet, with};

    fn lint_with_quota(value: f64) -> Vec<crate::diagnostic::Diagnostic> {
        let mut settings = Settings::default();
        settings.quotas.insert("L-1216C47A".into(), value);
        let text = serde_json::to_string_pretty(&base()).unwrap();
        lint_text_with("s.json", &text, &settings)
    }

    #[test]
    fn fires_past_the_accounts_quota_with_labels_per_pool() {
        let found: Vec<_> = lint_with_quota(16.0)
            .into_iter()
            .filter(|d| d.rule.code == ON_DEMAND_VCPUS.code)
            .collect();
        // 3 masters + 1 surge, 3 workers + 1 surge, 2 vCPUs each; bastion 2.
        assert_eq!(
            found[0].message,
            "the cluster needs 18 on-demand vCPUs; the account's quota is 16"
        );
        assert_eq!(found[0].labels.len(), 4);
    }

    /// AWS's default for a new account (5) is not the account's quota:
    /// without the real value, the need is a note of another rule.
    #[test]
    fn quiet_without_the_accounts_value_or_with_room() {
        quiet(&ON_DEMAND_VCPUS, &base());
        let gpu = with(|s| s["nodePools"][1]["instanceType"] = json!("g4dn.xlarge"));
        quiet(&ON_DEMAND_VCPUS, &gpu);
        assert!(
            lint_with_quota(64.0)
                .iter()
                .all(|d| d.rule.code != ON_DEMAND_VCPUS.code)
        );
        assert!(
            lint_with_quota(20.0)
                .iter()
                .all(|d| d.rule.code != ON_DEMAND_VCPUS.code)
        );
    }
}

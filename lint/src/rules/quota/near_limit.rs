use crate::rules::declare_rule;

declare_rule! {
    /// The cluster leaves room under the account's quotas.
    ///
    /// ## What it checks
    /// Every quota the cluster uses (vCPUs per instance class, on-demand
    /// and spot; VPCs; internet gateways; NAT gateways per zone; Elastic
    /// IPs; classic load balancers) whose value is known, from
    /// `awscluster.toml`'s `[quotas]`: a warning when the cluster alone uses
    /// 80% of it or more (awslimitchecker's threshold), without exceeding
    /// it (that is the quota's own rule, an error). The account's current
    /// usage counts too, but offline it is not known: leave room for it.
    ///
    /// ## Why it matters
    /// A quota nearly used up by one cluster fails the next change: a pool
    /// grown by two nodes, a rolling update's surge, a second cluster in the
    /// Region.
    ///
    /// ## Example
    /// ```toml
    /// [quotas]
    /// "L-1216C47A" = 20   # the cluster needs 18 on-demand Standard vCPUs
    /// ```
    pub static NEAR_LIMIT = Rule {
        code: "quota/near-limit",
        severity: Warning,
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Settings;
    use crate::rules::testing::{base, lint_text_with};

    fn codes(quota: f64) -> Vec<&'static str> {
        let mut settings = Settings::default();
        settings.quotas.insert("L-1216C47A".into(), quota);
        let text = serde_json::to_string_pretty(&base()).unwrap();
        lint_text_with("s.json", &text, &settings)
            .iter()
            .map(|d| d.rule.code)
            .collect()
    }

    #[test]
    fn fires_from_80_percent_of_a_known_quota() {
        // 18 vCPUs of Standard at peak.
        assert!(codes(20.0).contains(&NEAR_LIMIT.code));
        assert!(codes(22.5).contains(&NEAR_LIMIT.code));
    }

    #[test]
    fn quiet_with_room_or_past_the_quota() {
        assert!(!codes(64.0).contains(&NEAR_LIMIT.code));
        let over = codes(10.0);
        assert!(!over.contains(&NEAR_LIMIT.code));
        assert!(over.contains(&"quota/on-demand-vcpus"));
    }
}

use crate::rules::network::zones_span;
use crate::rules::{Context, Section, declare_rule};

declare_rule! {
    /// The cluster's NAT gateways fit the per-zone quota.
    ///
    /// ## What it checks
    /// Dynamic placement creates one NAT gateway in each zone. The quota
    /// "NAT gateways per Availability Zone" (`L-FE5A380F`, default 5) counts
    /// per zone, not per Region. An error when a zone's NAT gateways are more
    /// than it, as the value `awscluster.toml`'s `[quotas]` gives (`quota/near-limit` warns from 80% of it; without
    /// a value, `quota/unverified` notes a need that reaches AWS's default).
    ///
    /// ## Why it matters
    /// Without its NAT gateway, a zone's nodes cannot reach the internet or
    /// AWS's APIs, and never join the cluster.
    ///
    /// ## Example
    /// ```toml
    /// [quotas]
    /// "L-FE5A380F" = 0
    /// ```
    pub static NAT_GATEWAYS = Rule {
        code: "quota/nat-gateways",
        severity: Error,
    };
}

/// The parts of the spec the check reads.
pub(crate) const READS: &[Section] = &[Section::Placement, Section::NodePools];

pub(crate) fn check(cx: &mut Context) {
    if cx.spec.dynamic().is_some() && !cx.layout.zones.is_empty() {
        let span = zones_span(cx);
        super::report(
            cx,
            &NAT_GATEWAYS,
            "L-FE5A380F",
            1.0,
            "NAT gateways in each zone",
            span,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::quota::tests::fires_with_quota;
    use crate::rules::testing::{base, quiet};

    #[test]
    fn fires_past_the_accounts_quota() {
        fires_with_quota(&NAT_GATEWAYS, &base(), "L-FE5A380F", 0.0);
    }

    #[test]
    fn quiet_under_the_default() {
        quiet(&NAT_GATEWAYS, &base());
    }
}

use crate::rules::network::zones_span;
use crate::rules::{Context, Section, declare_rule};

declare_rule! {
    /// The cluster's internet gateway fits the Region's quota.
    ///
    /// ## What it checks
    /// Dynamic placement creates one internet gateway. An error when that is
    /// more than "Internet gateways per Region" (`L-A4707A72`, AWS's default
    /// 5) as the value `awscluster.toml`'s `[quotas]` gives (`quota/near-limit` warns from 80% of it; without
    /// a value, `quota/unverified` notes a need that reaches AWS's default).
    ///
    /// ## Why it matters
    /// Without its internet gateway the VPC has no route out: no NAT, no
    /// bastion, no public load balancer.
    ///
    /// ## Example
    /// ```toml
    /// [quotas]
    /// "L-A4707A72" = 0
    /// ```
    pub static INTERNET_GATEWAYS = Rule {
        code: "quota/internet-gateways",
        severity: Error,
    };
}

/// The parts of the spec the check reads.
pub(crate) const READS: &[Section] = &[Section::Placement];

pub(crate) fn check(cx: &mut Context) {
    if cx.spec.dynamic().is_some() {
        let span = zones_span(cx);
        super::report(
            cx,
            &INTERNET_GATEWAYS,
            "L-A4707A72",
            1.0,
            "internet gateways",
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
        fires_with_quota(&INTERNET_GATEWAYS, &base(), "L-A4707A72", 0.0);
    }

    #[test]
    fn quiet_under_the_default() {
        quiet(&INTERNET_GATEWAYS, &base());
    }
}

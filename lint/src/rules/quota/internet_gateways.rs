use crate::rules::network::zones_span;
use crate::rules::{Context, declare_rule};

declare_rule! {
    /// The cluster's internet gateway fits the Region's quota.
    ///
    /// ## What it checks
    /// Dynamic placement creates one internet gateway. Warns from 80% of
    /// "Internet gateways per Region" (`L-A4707A72`, default 5, or the value
    /// `awscluster.toml` gives).
    ///
    /// ## Why it matters
    /// Without its internet gateway the VPC has no route out: no NAT, no
    /// bastion, no public load balancer.
    ///
    /// ## Example
    /// ```toml
    /// [quotas]
    /// "L-A4707A72" = 1
    /// ```
    pub static INTERNET_GATEWAYS = Rule {
        code: "quota/internet-gateways",
        severity: Warning,
    };
}

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
    fn fires_when_the_quota_leaves_no_room() {
        fires_with_quota(&INTERNET_GATEWAYS, &base(), "L-A4707A72", 1.0);
    }

    #[test]
    fn quiet_under_the_default() {
        quiet(&INTERNET_GATEWAYS, &base());
    }
}

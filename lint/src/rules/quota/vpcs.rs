use crate::rules::network::zones_span;
use crate::rules::{Context, Section, declare_rule};

declare_rule! {
    /// The cluster's VPC fits the Region's VPC quota.
    ///
    /// ## What it checks
    /// Dynamic placement creates one VPC; static placement none. An error
    /// when that is more than "VPCs per Region" (`L-F678F1CE`, AWS's default
    /// 5) as the value `awscluster.toml`'s `[quotas]` gives (`quota/near-limit` warns from 80% of it; without
    /// a value, `quota/unverified` notes a need that reaches AWS's default).
    ///
    /// ## Why it matters
    /// `CreateVpc` fails with `VpcLimitExceeded` once the Region holds as many
    /// VPCs as the quota, default VPC included.
    ///
    /// ## Example
    /// ```toml
    /// # awscluster.toml: an account allowed none
    /// [quotas]
    /// "L-F678F1CE" = 0
    /// ```
    pub static VPCS = Rule {
        code: "quota/vpcs",
        severity: Error,
    };
}

/// The parts of the spec the check reads.
pub(crate) const READS: &[Section] = &[Section::Placement];

pub(crate) fn check(cx: &mut Context) {
    if cx.spec.dynamic().is_some() {
        let span = zones_span(cx);
        super::report(cx, &VPCS, "L-F678F1CE", 1.0, "VPCs", span);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::quota::tests::fires_with_quota;
    use crate::rules::testing::{base, base_static, quiet};

    #[test]
    fn fires_past_the_accounts_quota() {
        fires_with_quota(&VPCS, &base(), "L-F678F1CE", 0.0);
    }

    #[test]
    fn quiet_under_the_default_or_with_static_placement() {
        quiet(&VPCS, &base());
        quiet(&VPCS, &base_static());
    }
}

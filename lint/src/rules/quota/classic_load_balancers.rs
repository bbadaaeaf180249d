use crate::rules::{Context, Section, declare_rule};

declare_rule! {
    /// The API server's load balancer fits the Region's quota.
    ///
    /// ## What it checks
    /// Every cluster creates one classic load balancer for its API server.
    /// An error when that is more than "Classic Load Balancers per Region"
    /// (`L-E9E9831D`, AWS's default 20) as the value `awscluster.toml`'s `[quotas]` gives (`quota/near-limit` warns from 80% of it; without
    /// a value, `quota/unverified` notes a need that reaches AWS's default).
    ///
    /// ## Why it matters
    /// The load balancer is created last: at the quota, the apply fails after
    /// everything else was built.
    ///
    /// ## Example
    /// ```toml
    /// [quotas]
    /// "L-E9E9831D" = 0
    /// ```
    pub static CLASSIC_LOAD_BALANCERS = Rule {
        code: "quota/classic-load-balancers",
        severity: Error,
    };
}

/// The parts of the spec the check reads.
pub(crate) const READS: &[Section] = &[Section::Name];

pub(crate) fn check(cx: &mut Context) {
    let span = cx.spec.name.span;
    super::report(
        cx,
        &CLASSIC_LOAD_BALANCERS,
        "L-E9E9831D",
        1.0,
        "classic load balancers",
        span,
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::quota::tests::fires_with_quota;
    use crate::rules::testing::{base, quiet};

    #[test]
    fn fires_past_the_accounts_quota() {
        fires_with_quota(&CLASSIC_LOAD_BALANCERS, &base(), "L-E9E9831D", 0.0);
    }

    #[test]
    fn quiet_under_the_default() {
        quiet(&CLASSIC_LOAD_BALANCERS, &base());
    }
}

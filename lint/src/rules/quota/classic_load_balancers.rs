use crate::rules::{Context, declare_rule};

declare_rule! {
    /// The API server's load balancer fits the Region's quota.
    ///
    /// ## What it checks
    /// Every cluster creates one classic load balancer for its API server.
    /// Warns from 80% of "Classic Load Balancers per Region" (`L-E9E9831D`,
    /// default 20) or of the value `awscluster.toml` gives.
    ///
    /// ## Why it matters
    /// The load balancer is created last: at the quota, the apply fails after
    /// everything else was built.
    ///
    /// ## Example
    /// ```toml
    /// [quotas]
    /// "L-E9E9831D" = 1
    /// ```
    pub static CLASSIC_LOAD_BALANCERS = Rule {
        code: "quota/classic-load-balancers",
        severity: Warning,
    };
}

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
    fn fires_when_the_quota_leaves_no_room() {
        fires_with_quota(&CLASSIC_LOAD_BALANCERS, &base(), "L-E9E9831D", 1.0);
    }

    #[test]
    fn quiet_under_the_default() {
        quiet(&CLASSIC_LOAD_BALANCERS, &base());
    }
}

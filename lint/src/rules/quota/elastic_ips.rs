use crate::rules::network::zones_span;
use crate::rules::{Context, Section, declare_rule};

declare_rule! {
    /// The cluster's Elastic IPs fit the Region's quota.
    ///
    /// ## What it checks
    /// Dynamic placement allocates one Elastic IP per zone, for its NAT
    /// gateway. An error when they are more than "EC2-VPC Elastic IPs"
    /// (`L-0263D0A3`, AWS's default 5) as the value `awscluster.toml`'s `[quotas]` gives (`quota/near-limit` warns from 80% of it; without
    /// a value, `quota/unverified` notes a need that reaches AWS's default).
    ///
    /// ## Why it matters
    /// Five Elastic IPs is the usual ceiling of a new account: one 3-zone
    /// cluster uses 3, so a second one in the Region does not fit, and a
    /// 4- or 5-zone cluster alone nearly or fully exhausts it.
    ///
    /// ## Example
    /// ```toml
    /// [quotas]
    /// "L-0263D0A3" = 2   # and three zones: three NAT gateways
    /// ```
    pub static ELASTIC_IPS = Rule {
        code: "quota/elastic-ips",
        severity: Error,
    };
}

/// The parts of the spec the check reads.
pub(crate) const READS: &[Section] = &[Section::Placement, Section::NodePools];

pub(crate) fn check(cx: &mut Context) {
    if cx.spec.dynamic().is_some() {
        let span = zones_span(cx);
        let count = cx.layout.zones.len() as f64;
        super::report(cx, &ELASTIC_IPS, "L-0263D0A3", count, "Elastic IPs", span);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::quota::tests::fires_with_quota;
    use crate::rules::testing::{base, fires, quiet, with};

    #[test]
    fn fires_past_the_accounts_quota() {
        fires_with_quota(&ELASTIC_IPS, &base(), "L-0263D0A3", 2.0);
    }

    /// Four zones need 4 of a new account's 5: a note, not this error,
    /// while the account's value is not known.
    #[test]
    fn quiet_without_the_accounts_value() {
        quiet(&ELASTIC_IPS, &base());
        let spec = with(|s| {
            s["placement"]["dynamic"]["availabilityZones"] =
                json!(["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d"]);
        });
        quiet(&ELASTIC_IPS, &spec);
        fires(&crate::rules::quota::unverified::UNVERIFIED, &spec);
    }
}

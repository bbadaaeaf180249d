use crate::rules::network::zones_span;
use crate::rules::{Context, declare_rule};

declare_rule! {
    /// The cluster's Elastic IPs fit the Region's quota.
    ///
    /// ## What it checks
    /// Dynamic placement allocates one Elastic IP per zone, for its NAT
    /// gateway. Warns from 80% of "EC2-VPC Elastic IPs" (`L-0263D0A3`,
    /// default 5) or of the value `awscluster.toml` gives.
    ///
    /// ## Why it matters
    /// Five Elastic IPs is the usual ceiling of a new account: one 3-zone
    /// cluster uses 3, so a second one in the Region does not fit, and a
    /// 4- or 5-zone cluster alone nearly or fully exhausts it.
    ///
    /// ## Example
    /// ```json
    /// {"placement": {"dynamic": {"availabilityZones": ["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d"]}}}
    /// ```
    /// 4 of 5 Elastic IPs.
    pub static ELASTIC_IPS = Rule {
        code: "quota/elastic-ips",
        severity: Warning,
    };
}

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
    use crate::rules::testing::{base, fires, quiet, with};

    #[test]
    fn fires_from_four_zones() {
        let spec = with(|s| {
            s["placement"]["dynamic"]["availabilityZones"] =
                json!(["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d"]);
        });
        let found = fires(&ELASTIC_IPS, &spec);
        assert_eq!(
            found[0].message,
            "the cluster alone uses 4 of 5 Elastic IPs (80% of the quota, AWS's default)"
        );
    }

    #[test]
    fn quiet_with_three() {
        quiet(&ELASTIC_IPS, &base());
    }
}

use crate::cidr;
use crate::rules::network::written_cidrs;
use crate::rules::{Context, Section, declare_rule};

declare_rule! {
    /// CIDR blocks parse.
    ///
    /// ## What it checks
    /// Every CIDR in the spec (the VPC's, static subnets', the pod and service
    /// networks, the bastion's allowed sources) is `address/prefix`; IPv4
    /// everywhere but the bastion's sources, which may be IPv6.
    ///
    /// ## Why it matters
    /// A block that does not parse stops the apply at the first call that uses
    /// it, and leaves every other network rule unable to check anything.
    ///
    /// ## Example
    /// ```json
    /// {"placement": {"dynamic": {"vpcCidr": "10.0.0.0"}}}
    /// ```
    /// The prefix length is missing.
    pub static INVALID_CIDR = Rule {
        code: "network/invalid-cidr",
        severity: Error,
    };
}

/// The parts of the spec the check reads.
pub(crate) const READS: &[Section] = &[
    Section::Placement,
    Section::Bastion,
    Section::ApiServer,
    Section::Kubernetes,
];

pub(crate) fn check(cx: &mut Context) {
    for field in written_cidrs(cx.spec) {
        let result = if field.v4_only {
            cidr::parse_v4(&field.value).map(|_| ())
        } else {
            cidr::parse_any(&field.value).map(|_| ())
        };
        if let Err(e) = result {
            let d = cx.emit(&INVALID_CIDR, field.value.span, e.message);
            d.with_primary_label(field.what.clone());
            if let Some(help) = e.help {
                d.with_help(help);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::testing::{at, base, base_static, fires, quiet, with};

    #[test]
    fn fires_on_every_kind_of_cidr_field() {
        let found = fires(
            &INVALID_CIDR,
            &with(|s| s["placement"]["dynamic"]["vpcCidr"] = json!("10.0.0.0")),
        );
        assert_eq!(at(&found[0]), "\"10.0.0.0\"");
        assert_eq!(
            found[0].help.as_deref(),
            Some("for this single address write `10.0.0.0/32`")
        );
        fires(
            &INVALID_CIDR,
            &with(|s| s["kubernetes"] = json!({"podCidr": "192.168.0.0/33"})),
        );
        fires(
            &INVALID_CIDR,
            &with(|s| s["bastion"]["allowedCidrs"] = json!(["office"])),
        );
        let mut spec = base_static();
        spec["placement"]["static"]["subnets"][1]["cidr"] = json!("10.1.64.0/18x");
        fires(&INVALID_CIDR, &spec);
    }

    #[test]
    fn quiet_on_valid_blocks_including_ipv6_sources() {
        quiet(&INVALID_CIDR, &base());
        quiet(
            &INVALID_CIDR,
            &with(|s| s["bastion"]["allowedCidrs"] = json!(["2001:db8::/32"])),
        );
    }
}

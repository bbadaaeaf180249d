use ipnet::Ipv4Net;

use crate::cidr;
use crate::rules::{Context, Section, declare_rule};
use crate::spec::Spanned;

declare_rule! {
    /// The VPC, pod and service networks do not overlap.
    ///
    /// ## What it checks
    /// The pod network (default `192.168.0.0/16`), the service network
    /// (default `10.96.0.0/12`) and the VPC block, pairwise.
    ///
    /// ## Why it matters
    /// Pods, services and nodes must each have addresses that route to them
    /// alone. When the pod network overlaps the VPC, traffic to a node may go
    /// to a pod instead; when the service network overlaps either, service IPs
    /// capture traffic meant for real hosts. The cluster comes up and then
    /// misroutes in ways that are hard to trace.
    ///
    /// ## Example
    /// ```json
    /// {"placement": {"dynamic": {"vpcCidr": "10.96.0.0/16"}}}
    /// ```
    /// Inside the default service network.
    pub static CIDR_OVERLAP = Rule {
        code: "network/cidr-overlap",
        severity: Error,
    };
}

/// The parts of the spec the check reads.
pub(crate) const READS: &[Section] = &[Section::Placement, Section::Kubernetes];

pub(crate) fn check(cx: &mut Context) {
    let parse =
        |what: &'static str, s: Spanned<&str>| cidr::network_v4(&s).map(|n| (what, n, s.span));
    let blocks: Vec<(&str, Ipv4Net, crate::source::Span)> = [
        super::vpc_cidr(cx.spec).and_then(|v| parse("the VPC", v)),
        parse("the pod network", cx.spec.pod_cidr()),
        parse("the service network", cx.spec.service_cidr()),
    ]
    .into_iter()
    .flatten()
    .collect();
    for (i, (what, net, span)) in blocks.iter().enumerate() {
        for (other_what, other, other_span) in &blocks[..i] {
            if cidr::overlaps(net, other) {
                cx.emit(
                    &CIDR_OVERLAP,
                    *span,
                    format!("{what} `{net}` overlaps {other_what} `{other}`"),
                )
                .with_label(*other_span, other_what.to_string())
                .with_help("give the VPC, the pods and the services separate blocks");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::testing::{base, fires, quiet, with};

    #[test]
    fn fires_on_each_overlapping_pair() {
        fires(
            &CIDR_OVERLAP,
            &with(|s| s["placement"]["dynamic"]["vpcCidr"] = json!("10.96.0.0/16")),
        );
        fires(
            &CIDR_OVERLAP,
            &with(|s| s["kubernetes"] = json!({"podCidr": "10.0.0.0/16"})),
        );
        let found = fires(
            &CIDR_OVERLAP,
            &with(|s| s["kubernetes"] = json!({"podCidr": "10.96.0.0/16"})),
        );
        assert_eq!(
            found[0].message,
            "the service network `10.96.0.0/12` overlaps the pod network `10.96.0.0/16`"
        );
    }

    #[test]
    fn quiet_on_the_defaults() {
        quiet(&CIDR_OVERLAP, &base());
    }
}

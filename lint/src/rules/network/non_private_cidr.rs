use crate::cidr;
use crate::rules::{Context, Section, declare_rule};
use crate::spec::Spanned;

declare_rule! {
    /// The VPC and Kubernetes networks use private address space.
    ///
    /// ## What it checks
    /// That the VPC block and the pod and service networks lie inside the
    /// RFC 1918 private ranges: `10.0.0.0/8`, `172.16.0.0/12`,
    /// `192.168.0.0/16`.
    ///
    /// ## Why it matters
    /// AWS allows publicly routable blocks, but addresses used inside the
    /// cluster shadow the same addresses on the internet: nodes and pods can
    /// no longer reach the real owners of those addresses. It is almost always
    /// a typo (`100.0.0.0/16` for `10.0.0.0/16`).
    ///
    /// ## Example
    /// ```json
    /// {"placement": {"dynamic": {"vpcCidr": "100.0.0.0/16"}}}
    /// ```
    pub static NON_PRIVATE_CIDR = Rule {
        code: "network/non-private-cidr",
        severity: Warning,
    };
}

/// The parts of the spec the check reads.
pub(crate) const READS: &[Section] = &[Section::Placement, Section::Kubernetes];

pub(crate) fn check(cx: &mut Context) {
    let mut blocks: Vec<(&str, Spanned<&str>)> = Vec::new();
    if let Some(vpc) = super::vpc_cidr(cx.spec) {
        blocks.push(("the VPC", vpc));
    }
    blocks.push(("the pod network", cx.spec.pod_cidr()));
    blocks.push(("the service network", cx.spec.service_cidr()));
    for (what, block) in blocks {
        let Some(net) = cidr::network_v4(&block) else {
            continue;
        };
        if !cidr::is_private(&net) {
            cx.emit(
                &NON_PRIVATE_CIDR,
                block.span,
                format!("{what} `{net}` is not in private address space"),
            )
            .with_help(format!(
                "use a block inside {}",
                cidr::PRIVATE_V4.join(", ")
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::testing::{base, fires, quiet, with};

    #[test]
    fn fires_on_public_blocks() {
        fires(
            &NON_PRIVATE_CIDR,
            &with(|s| s["placement"]["dynamic"]["vpcCidr"] = json!("100.0.0.0/16")),
        );
        fires(
            &NON_PRIVATE_CIDR,
            &with(|s| s["kubernetes"] = json!({"podCidr": "8.0.0.0/16"})),
        );
    }

    #[test]
    fn quiet_on_private_blocks() {
        quiet(&NON_PRIVATE_CIDR, &base());
        quiet(
            &NON_PRIVATE_CIDR,
            &with(|s| s["placement"]["dynamic"]["vpcCidr"] = json!("172.31.0.0/16")),
        );
    }
}

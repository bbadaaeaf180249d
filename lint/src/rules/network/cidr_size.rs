use crate::cidr;
use crate::rules::{Context, Section, declare_rule};
use crate::spec::Spanned;

/// The largest and smallest blocks a VPC or subnet can have.
pub const LARGEST_PREFIX: u8 = 16;
pub const SMALLEST_PREFIX: u8 = 28;

declare_rule! {
    /// VPC and subnet blocks are between /16 and /28.
    ///
    /// ## What it checks
    /// The prefix length of the VPC block and of static placement's subnets.
    ///
    /// ## Why it matters
    /// AWS accepts IPv4 blocks from /16 (65,536 addresses) to /28 (16) for
    /// VPCs and subnets and refuses anything else when the VPC or subnet is
    /// created.
    ///
    /// ## Example
    /// ```json
    /// {"placement": {"dynamic": {"vpcCidr": "10.0.0.0/8"}}}
    /// ```
    pub static CIDR_SIZE = Rule {
        code: "network/cidr-size",
        severity: Error,
    };
}

/// The parts of the spec the check reads.
pub(crate) const READS: &[Section] = &[Section::Placement];

pub(crate) fn check(cx: &mut Context) {
    let mut blocks: Vec<(String, Spanned<&str>)> = Vec::new();
    if let Some(vpc) = super::vpc_cidr(cx.spec) {
        blocks.push(("the VPC".into(), vpc));
    }
    if let Some(s) = cx.spec.static_placement() {
        for subnet in s.subnets.iter() {
            blocks.push((
                format!("subnet `{}`", subnet.id.as_str()),
                Spanned::new(subnet.cidr.span, subnet.cidr.as_str()),
            ));
        }
    }
    for (what, block) in blocks {
        let Some(net) = cidr::network_v4(&block) else {
            continue;
        };
        let prefix = net.prefix_len();
        if !(LARGEST_PREFIX..=SMALLEST_PREFIX).contains(&prefix) {
            cx.emit(
                &CIDR_SIZE,
                block.span,
                format!(
                    "{what} is a /{prefix}; AWS allows /{LARGEST_PREFIX} to /{SMALLEST_PREFIX}"
                ),
            )
            .with_help(if prefix < LARGEST_PREFIX {
                format!("use a /{LARGEST_PREFIX} (65,536 addresses) or smaller")
            } else {
                format!("use a /{SMALLEST_PREFIX} (16 addresses) or larger")
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::testing::{base, base_static, fires, quiet, with};

    #[test]
    fn fires_on_blocks_too_large_or_small() {
        fires(
            &CIDR_SIZE,
            &with(|s| s["placement"]["dynamic"]["vpcCidr"] = json!("10.0.0.0/8")),
        );
        fires(
            &CIDR_SIZE,
            &with(|s| s["placement"]["dynamic"]["vpcCidr"] = json!("10.0.0.0/29")),
        );
        let mut spec = base_static();
        spec["placement"]["static"]["subnets"][0]["cidr"] = json!("10.1.0.0/30");
        fires(&CIDR_SIZE, &spec);
    }

    #[test]
    fn quiet_within_the_range() {
        quiet(&CIDR_SIZE, &base());
        quiet(&CIDR_SIZE, &base_static());
    }
}

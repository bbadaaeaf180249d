use crate::cidr;
use crate::rules::{Context, Section, declare_rule};

declare_rule! {
    /// Static subnets do not overlap.
    ///
    /// ## What it checks
    /// The blocks of static placement's subnets, pairwise.
    ///
    /// ## Why it matters
    /// Subnets of one VPC never overlap: AWS refuses it. Two overlapping
    /// entries mean one of them has the wrong block, and every capacity
    /// estimate for them is wrong too.
    ///
    /// ## Example
    /// ```json
    /// {"subnets": [{"id": "subnet-0a1b2c3d", "cidr": "10.1.0.0/20"}, {"id": "subnet-0e0f0a0b", "cidr": "10.1.8.0/21"}]}
    /// ```
    pub static SUBNET_OVERLAP = Rule {
        code: "network/subnet-overlap",
        severity: Error,
    };
}

/// The parts of the spec the check reads.
pub(crate) const READS: &[Section] = &[Section::Placement];

pub(crate) fn check(cx: &mut Context) {
    let Some(placement) = cx.spec.static_placement() else {
        return;
    };
    let subnets: Vec<_> = placement
        .subnets
        .iter()
        .filter_map(|s| cidr::network_v4(&s.cidr).map(|n| (s, n)))
        .collect();
    for (i, (subnet, net)) in subnets.iter().enumerate() {
        for (other, other_net) in &subnets[..i] {
            if other.id.as_str() != subnet.id.as_str() && cidr::overlaps(net, other_net) {
                cx.emit(
                    &SUBNET_OVERLAP,
                    subnet.cidr.span,
                    format!(
                        "subnet `{}` ({net}) overlaps subnet `{}` ({other_net})",
                        subnet.id.as_str(),
                        other.id.as_str()
                    ),
                )
                .with_label(other.cidr.span, "overlapping block")
                .with_help("check both blocks against `aws ec2 describe-subnets`");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::testing::{base_static, fires, quiet};

    #[test]
    fn fires_on_overlapping_blocks() {
        let mut spec = base_static();
        spec["placement"]["static"]["subnets"][2]["cidr"] = json!("10.1.8.0/21");
        fires(&SUBNET_OVERLAP, &spec);
    }

    #[test]
    fn quiet_on_disjoint_blocks() {
        quiet(&SUBNET_OVERLAP, &base_static());
    }
}

use crate::cidr;
use crate::rules::{Context, Section, declare_rule};

declare_rule! {
    /// Static subnets lie inside the VPC block.
    ///
    /// ## What it checks
    /// Each static subnet's block against the VPC's `vpcCidr`.
    ///
    /// ## Why it matters
    /// A subnet's block is always inside its VPC's. One that is not means the
    /// spec names the wrong VPC, or a subnet of another VPC, or mistyped a
    /// block; the nodes would be placed somewhere other than intended.
    ///
    /// ## Example
    /// ```json
    /// {"vpcCidr": "10.1.0.0/16", "subnets": [{"id": "subnet-0a1b2c3d", "cidr": "10.2.0.0/20"}]}
    /// ```
    pub static SUBNET_OUTSIDE_VPC = Rule {
        code: "network/subnet-outside-vpc",
        severity: Error,
    };
}

/// The parts of the spec the check reads.
pub(crate) const READS: &[Section] = &[Section::Placement];

pub(crate) fn check(cx: &mut Context) {
    let Some(placement) = cx.spec.static_placement() else {
        return;
    };
    let Some(vpc) = cidr::network_v4(&placement.vpc_cidr) else {
        return;
    };
    for subnet in placement.subnets.iter() {
        let Some(net) = cidr::network_v4(&subnet.cidr) else {
            continue;
        };
        if !vpc.contains(&net) {
            cx.emit(
                &SUBNET_OUTSIDE_VPC,
                subnet.cidr.span,
                format!(
                    "subnet `{}` ({net}) is outside the VPC's {vpc}",
                    subnet.id.as_str()
                ),
            )
            .with_label(placement.vpc_cidr.span, "the VPC's block")
            .with_help("check the subnet's block and that it belongs to this VPC");
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::testing::{base_static, fires, quiet};

    #[test]
    fn fires_on_a_subnet_of_another_block() {
        let mut spec = base_static();
        spec["placement"]["static"]["subnets"][3]["cidr"] = json!("10.2.128.0/18");
        fires(&SUBNET_OUTSIDE_VPC, &spec);
    }

    #[test]
    fn quiet_inside() {
        quiet(&SUBNET_OUTSIDE_VPC, &base_static());
    }
}

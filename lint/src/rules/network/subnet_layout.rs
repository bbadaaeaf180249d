use crate::rules::{Context, Section, declare_rule};

declare_rule! {
    /// The VPC block is large enough to split into the zones' subnets.
    ///
    /// ## What it checks
    /// For dynamic placement, that the subnet layout fits: with N zones the
    /// VPC is split into N + 1 equal blocks (rounded up to a power of two),
    /// blocks 1 to N become the private subnets and block 0 is split into N
    /// public subnets (rounded up likewise). Every subnet must be a /28 or
    /// larger. `awscluster` uses the layout of Cluster API Provider AWS; with
    /// `10.0.0.0/16` and three zones the private subnets are the /18s at
    /// `10.0.64.0`, `10.0.128.0` and `10.0.192.0`, the public ones the /20s at
    /// `10.0.0.0`, `10.0.16.0` and `10.0.32.0`.
    ///
    /// ## Why it matters
    /// A VPC too small for its zones cannot hold the subnets the cluster needs;
    /// the VPC would be created and the first subnet refused.
    ///
    /// ## Example
    /// ```json
    /// {"placement": {"dynamic": {"vpcCidr": "10.0.0.0/26",
    ///   "availabilityZones": ["us-east-1a", "us-east-1b", "us-east-1c"]}}}
    /// ```
    /// Three zones need public subnets of /30: smaller than AWS allows.
    pub static SUBNET_LAYOUT = Rule {
        code: "network/subnet-layout",
        severity: Error,
    };
}

/// The parts of the spec the check reads.
pub(crate) const READS: &[Section] = &[Section::Placement, Section::NodePools];

pub(crate) fn check(cx: &mut Context) {
    let Some(too_small) = &cx.layout.too_small else {
        return;
    };
    let Some(vpc) = super::vpc_cidr(cx.spec) else {
        return;
    };
    let zones = too_small.zones;
    // The largest VPC prefix that fits: each extra bit halves the subnets.
    let needed = too_small.vpc.prefix_len() - (too_small.prefix - crate::layout::MIN_SUBNET_PREFIX);
    cx.emit(
        &SUBNET_LAYOUT,
        vpc.span,
        format!(
            "`{}` is too small for {zones} zone{}: the public subnets would be /{}, smaller than /{}",
            too_small.vpc,
            if zones == 1 { "" } else { "s" },
            too_small.prefix,
            crate::layout::MIN_SUBNET_PREFIX
        ),
    )
    .with_help(format!("use a /{needed} or larger VPC block, or fewer zones"));
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::testing::{base, fires, quiet, with};

    #[test]
    fn fires_when_the_subnets_do_not_fit() {
        let found = fires(
            &SUBNET_LAYOUT,
            &with(|s| s["placement"]["dynamic"]["vpcCidr"] = json!("10.0.0.0/26")),
        );
        assert_eq!(
            found[0].help.as_deref(),
            Some("use a /24 or larger VPC block, or fewer zones")
        );
    }

    #[test]
    fn quiet_when_they_do() {
        quiet(&SUBNET_LAYOUT, &base());
        quiet(
            &SUBNET_LAYOUT,
            &with(|s| s["placement"]["dynamic"]["vpcCidr"] = json!("10.0.0.0/24")),
        );
    }
}

use crate::cidr;
use crate::layout::PlannedSubnet;
use crate::rules::{Context, Section, declare_rule};
use crate::source::Span;
use crate::spec::SubnetKind;

/// Addresses AWS reserves in every subnet: network, router, DNS, future
/// use and broadcast.
pub const RESERVED: u64 = 5;
/// Free addresses a load balancer needs in each of its subnets to scale.
pub const LOAD_BALANCER: u64 = 8;

declare_rule! {
    /// Every subnet has room for what goes into it.
    ///
    /// ## What it checks
    /// Each subnet's size (computed for dynamic placement, as given for static)
    /// against what it must hold:
    /// - a private subnet: the nodes of every pool in its zone (a pool's nodes
    ///   go round-robin over the pool's zones), one extra node per pool for a
    ///   rolling update's surge, and the 5 addresses AWS reserves;
    /// - a public subnet: the 8 free addresses the API server's load balancer
    ///   needs, the zone's NAT gateway (dynamic placement), the bastion (in the
    ///   first zone), and the 5 reserved.
    ///
    /// Pod addresses are not counted: pods use the pod network, not the VPC.
    ///
    /// ## Why it matters
    /// A full subnet fails launches with `InsufficientFreeAddressesInSubnet`,
    /// typically at the worst time: during a scale-up or a rolling update.
    ///
    /// ## Example
    /// ```json
    /// {"placement": {"dynamic": {"vpcCidr": "10.0.0.0/24", "availabilityZones": ["us-east-1a", "us-east-1b", "us-east-1c"]}},
    ///  "nodePools": [{"name": "workers", "role": "worker", "size": 200, "instanceType": "m7i.large"}]}
    /// ```
    /// Each private /26 has room for 57 nodes; the pool puts 66 or 67 in each zone.
    pub static SUBNET_CAPACITY = Rule {
        code: "network/subnet-capacity",
        severity: Error,
    };
}

/// The parts of the spec the check reads.
pub(crate) const READS: &[Section] = &[Section::Placement, Section::NodePools, Section::Bastion];

pub(crate) fn check(cx: &mut Context) {
    let layout = cx.layout;
    let first_zone = layout.zones.first();
    let dynamic = cx.spec.dynamic().is_some();
    let has_bastion = cx.spec.bastion.is_some();
    for subnet in &layout.subnets {
        let (needed, parts) = match subnet.kind {
            SubnetKind::Private => {
                let nodes = u64::from(layout.nodes_in(&subnet.zone));
                let surge = u64::from(layout.pools_in(&subnet.zone));
                (
                    nodes + surge + RESERVED,
                    format!("{nodes} nodes + {surge} for rolling updates + {RESERVED} reserved"),
                )
            }
            SubnetKind::Public => {
                let nat = u64::from(dynamic);
                let bastion = u64::from(has_bastion && first_zone == Some(&subnet.zone));
                (
                    LOAD_BALANCER + nat + bastion + RESERVED,
                    format!(
                        "{LOAD_BALANCER} for the load balancer{}{} + {RESERVED} reserved",
                        if nat > 0 { " + 1 NAT gateway" } else { "" },
                        if bastion > 0 { " + 1 bastion" } else { "" },
                    ),
                )
            }
        };
        let size = cidr::size(&subnet.cidr);
        if needed > size {
            let span = subnet_span(cx, subnet);
            cx.emit(
                &SUBNET_CAPACITY,
                span,
                format!(
                    "the {} subnet {} in {} has {size} addresses but needs {needed}",
                    subnet.kind, subnet.cidr, subnet.zone
                ),
            )
            .with_primary_label(parts)
            .with_help(if dynamic {
                "use a larger VPC block, spread the pools over more zones, or make them smaller"
            } else {
                "use a larger subnet, spread the pools over more zones, or make them smaller"
            });
        }
    }
}

fn subnet_span(cx: &Context, subnet: &PlannedSubnet) -> Span {
    match (
        subnet.static_index,
        cx.spec.static_placement(),
        cx.spec.dynamic(),
    ) {
        (Some(i), Some(s), _) => s.subnets.get(i).map_or(s.subnets.span, |s| s.cidr.span),
        (_, _, Some(d)) => d.vpc_cidr(d.span).span,
        _ => cx.spec.placement.span,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::testing::{base, base_static, fires, quiet, with};

    #[test]
    fn fires_when_private_subnets_overflow() {
        let spec = with(|s| {
            s["placement"]["dynamic"]["vpcCidr"] = json!("10.0.0.0/24");
            s["nodePools"][1]["size"] = json!(200);
        });
        let found = fires(&SUBNET_CAPACITY, &spec);
        assert_eq!(found.len(), 3);
        assert_eq!(
            found[0].message,
            "the private subnet 10.0.0.64/26 in us-east-1a has 64 addresses but needs 75"
        );
    }

    #[test]
    fn fires_on_a_static_private_subnet_and_says_what_it_holds() {
        let mut spec = base_static();
        spec["placement"]["static"]["subnets"][1]["cidr"] = json!("10.1.64.0/28");
        spec["nodePools"][1]["size"] = json!(20);
        let found = fires(&SUBNET_CAPACITY, &spec);
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].labels[0].message.as_deref(),
            Some("12 nodes + 2 for rolling updates + 5 reserved")
        );
        assert_eq!(crate::rules::testing::at(&found[0]), "\"10.1.64.0/28\"");
    }

    #[test]
    fn quiet_with_room() {
        quiet(&SUBNET_CAPACITY, &base());
        quiet(&SUBNET_CAPACITY, &base_static());
    }
}

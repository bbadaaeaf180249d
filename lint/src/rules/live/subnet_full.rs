use crate::rules::{Context, Section, declare_rule};
use crate::spec::SubnetKind;

/// A classic load balancer needs this many free addresses in each of its
/// subnets ("Subnets for your Classic Load Balancer": at least 8).
pub const LOAD_BALANCER_ADDRESSES: u64 = 8;

declare_rule! {
    /// A static spec's subnets have the free addresses the cluster takes (checked by `preflight`).
    ///
    /// ## What it checks
    /// Each existing private subnet's free addresses (as AWS counts them)
    /// against the nodes the spec places in its zone; each public subnet's
    /// against the 8 a classic load balancer needs, plus the bastion's one
    /// in the first zone.
    ///
    /// ## Why it matters
    /// An existing subnet is often shared and nearly full. EC2 refuses a
    /// launch there (`InsufficientFreeAddressesInSubnet`) and the load
    /// balancer cannot scale, after everything else is built.
    ///
    /// ## Example
    /// ```text
    /// private subnet-0a1b2c3d (us-east-1a): 2 free addresses, 3 nodes placed there
    /// ```
    pub static SUBNET_FULL = Rule {
        code: "live/subnet-full",
        severity: Error,
    };
}

/// The parts of the spec the check reads.
pub(crate) const READS: &[Section] = &[Section::Placement, Section::NodePools, Section::Bastion];

pub(crate) fn check(cx: &mut Context) {
    let (Some(network), Some(placement)) = (cx.live_network(), cx.spec.static_placement()) else {
        return;
    };
    let first_zone = cx.layout.zones.first().map(String::as_str);
    for subnet in placement.subnets.iter() {
        let Some(found) = network.subnets.get(subnet.id.as_str()) else {
            continue;
        };
        let zone = subnet.availability_zone.as_str();
        let (need, what) = match *subnet.kind {
            SubnetKind::Private => {
                let nodes: u64 = cx
                    .layout
                    .pools
                    .iter()
                    .flat_map(|p| p.zones.iter().zip(&p.nodes))
                    .filter(|(z, _)| z.as_str() == zone)
                    .map(|(_, n)| u64::from(*n))
                    .sum();
                (nodes, format!("{nodes} node(s) placed in {zone}"))
            }
            SubnetKind::Public => {
                let bastion = u64::from(cx.spec.bastion.is_some() && first_zone == Some(zone));
                (
                    LOAD_BALANCER_ADDRESSES + bastion,
                    if bastion == 1 {
                        "the load balancer's 8 and the bastion's 1".to_string()
                    } else {
                        "the load balancer's 8".to_string()
                    },
                )
            }
        };
        // A count AWS did not give is not judged.
        if let Some(free) = found.free
            && free < need
        {
            cx.emit(
                &SUBNET_FULL,
                subnet.id.span,
                format!(
                    "subnet `{}` has {} free address(es); the cluster takes {need}: {what}",
                    subnet.id.as_str(),
                    free
                ),
            )
            .with_help("free addresses in it, or name a larger subnet of the zone");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::Live;
    use crate::rules::live::network_mismatch::tests::as_in_aws;
    use crate::rules::testing::{base_static, findings_with};

    #[test]
    fn fires_when_a_subnet_cannot_hold_what_goes_there() {
        let mut network = as_in_aws();
        if let Some(s) = network.subnets.get_mut("subnet-0000000000000000b") {
            s.free = Some(1);
        }
        if let Some(s) = network.subnets.get_mut("subnet-0000000000000000a") {
            s.free = Some(8);
        }
        let live = Live {
            networks: [("vpc-0a1b2c3d4e5f67890".to_string(), network)].into(),
            ..Live::default()
        };
        let found = findings_with(&SUBNET_FULL, &base_static(), live);
        let messages: Vec<&str> = found.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert!(
            messages[0].starts_with(
                "subnet `subnet-0000000000000000a` has 8 free address(es); the cluster takes 9"
            ),
            "{messages:?}"
        );
        assert!(
            messages[1].starts_with("subnet `subnet-0000000000000000b` has 1 free address(es)"),
            "{messages:?}"
        );
    }

    #[test]
    fn quiet_with_room() {
        let live = Live {
            networks: [("vpc-0a1b2c3d4e5f67890".to_string(), as_in_aws())].into(),
            ..Live::default()
        };
        assert!(findings_with(&SUBNET_FULL, &base_static(), live).is_empty());
    }
}

use crate::rules::{Context, Section, declare_rule};
use crate::spec::SubnetKind;

declare_rule! {
    /// Every zone of a static placement has a public and a private subnet.
    ///
    /// ## What it checks
    /// For each zone the static subnets cover, that there is at least one
    /// `public` and one `private` subnet in it.
    ///
    /// ## Why it matters
    /// Nodes go into the private subnet of their zone and reach the internet
    /// through a NAT gateway in the public subnet of the same zone; the API
    /// server's load balancer needs a public subnet in each zone it serves.
    /// A zone with only one kind cannot host nodes or cannot be reached.
    ///
    /// ## Example
    /// ```json
    /// {"subnets": [{"id": "subnet-0a1b2c3d", "availabilityZone": "us-east-1a", "type": "private"}]}
    /// ```
    pub static AZ_MISSING_SUBNET = Rule {
        code: "network/az-missing-subnet",
        severity: Error,
    };
}

/// The parts of the spec the check reads.
pub(crate) const READS: &[Section] = &[Section::Placement, Section::NodePools];

pub(crate) fn check(cx: &mut Context) {
    let Some(placement) = cx.spec.static_placement() else {
        return;
    };
    for zone in &cx.layout.zones {
        for kind in [SubnetKind::Public, SubnetKind::Private] {
            let has = placement
                .subnets
                .iter()
                .any(|s| s.availability_zone.as_str() == zone && *s.kind == kind);
            if !has {
                let other = placement
                    .subnets
                    .iter()
                    .find(|s| s.availability_zone.as_str() == zone)
                    .map_or(placement.subnets.span, |s| s.availability_zone.span);
                cx.emit(
                    &AZ_MISSING_SUBNET,
                    other,
                    format!("{zone} has no {kind} subnet"),
                )
                .with_help(format!(
                    "add the {kind} subnet of {zone}, or remove {zone} from the placement"
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{base_static, fires, quiet};

    #[test]
    fn fires_on_a_zone_without_its_public_subnet() {
        let mut spec = base_static();
        spec["placement"]["static"]["subnets"]
            .as_array_mut()
            .unwrap()
            .remove(2);
        let found = fires(&AZ_MISSING_SUBNET, &spec);
        assert_eq!(found[0].message, "us-east-1b has no public subnet");
    }

    #[test]
    fn quiet_when_complete() {
        quiet(&AZ_MISSING_SUBNET, &base_static());
    }
}

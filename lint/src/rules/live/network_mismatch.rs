use crate::rules::{Context, Section, declare_rule};
use crate::spec::SubnetKind;

declare_rule! {
    /// A static spec's VPC and subnets are what AWS holds (checked by `preflight`).
    ///
    /// ## What it checks
    /// With static placement: the VPC exists with the spec's block; each
    /// subnet exists, in that VPC, with the spec's block and zone, and is
    /// the kind the spec says: public when its route table (its own, or the
    /// VPC's main one) sends traffic to an internet gateway, private
    /// otherwise.
    ///
    /// ## Why it matters
    /// A static spec only mirrors a network someone else made. A subnet
    /// that moved, or a "public" one without a way out, makes `apply` stop
    /// (it checks the ids, blocks and zones first) or, worse for the route,
    /// builds a bastion and a load balancer nothing can reach.
    ///
    /// ## Example
    /// ```json
    /// {"id": "subnet-0a1b2c3d", "availabilityZone": "us-east-1a", "cidr": "10.1.0.0/20", "type": "public"}
    /// ```
    pub static NETWORK_MISMATCH = Rule {
        code: "live/network-mismatch",
        severity: Error,
    };
}

/// The parts of the spec the check reads.
pub(crate) const READS: &[Section] = &[Section::Placement];

pub(crate) fn check(cx: &mut Context) {
    let (Some(network), Some(placement)) = (cx.live_network(), cx.spec.static_placement()) else {
        return;
    };
    let vpc_id = placement.vpc_id.as_str();
    match &network.vpc {
        None => {
            cx.emit(
                &NETWORK_MISMATCH,
                placement.vpc_id.span,
                format!("there is no VPC `{vpc_id}` in {}", cx.spec.region.as_str()),
            )
            .with_help("name a VPC of this Region and account");
        }
        Some(block) if block != placement.vpc_cidr.as_str() => {
            cx.emit(
                &NETWORK_MISMATCH,
                placement.vpc_cidr.span,
                format!("VPC `{vpc_id}` has the block {block} in AWS"),
            )
            .with_help(format!("write `{block}`, as AWS reports it"));
        }
        Some(_) => {}
    }
    for subnet in placement.subnets.iter() {
        let id = subnet.id.as_str();
        let Some(found) = network.subnets.get(id) else {
            cx.emit(
                &NETWORK_MISMATCH,
                subnet.id.span,
                format!("there is no subnet `{id}` in {}", cx.spec.region.as_str()),
            )
            .with_help("name a subnet of the VPC, as `aws ec2 describe-subnets` lists them");
            continue;
        };
        if found.vpc_id != vpc_id {
            cx.emit(
                &NETWORK_MISMATCH,
                subnet.id.span,
                format!("subnet `{id}` is in `{}`, not in `{vpc_id}`", found.vpc_id),
            );
        }
        if found.cidr != subnet.cidr.as_str() {
            cx.emit(
                &NETWORK_MISMATCH,
                subnet.cidr.span,
                format!("subnet `{id}` has the block {} in AWS", found.cidr),
            )
            .with_help(format!("write `{}`, as AWS reports it", found.cidr));
        }
        if found.zone != subnet.availability_zone.as_str() {
            cx.emit(
                &NETWORK_MISMATCH,
                subnet.availability_zone.span,
                format!("subnet `{id}` is in {} in AWS", found.zone),
            )
            .with_help(format!("write `{}`, as AWS reports it", found.zone));
        }
        let public = *subnet.kind == SubnetKind::Public;
        match found.public {
            Some(false) if public => {
                cx.emit(
                    &NETWORK_MISMATCH,
                    subnet.kind.span,
                    format!("subnet `{id}` has no route to an internet gateway: it is not public"),
                )
                .with_help("route 0.0.0.0/0 to the VPC's internet gateway in its route table, or declare it private");
            }
            Some(true) if !public => {
                cx.emit(
                    &NETWORK_MISMATCH,
                    subnet.kind.span,
                    format!("subnet `{id}` routes to an internet gateway: it is public"),
                )
                .with_help("declare it public, or name a private subnet (one routed through a NAT gateway)");
            }
            _ => {}
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::live::{Live, Network, Subnet};
    use crate::rules::testing::{at, base, base_static, findings_with};

    /// The network of `base_static()`, as AWS would report it.
    pub(crate) fn as_in_aws() -> Network {
        let spec = base_static();
        let mut subnets = BTreeMap::new();
        for s in spec["placement"]["static"]["subnets"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let tags = s["tags"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect();
            subnets.insert(
                s["id"].as_str().unwrap_or_default().to_string(),
                Subnet {
                    vpc_id: "vpc-0a1b2c3d4e5f67890".into(),
                    cidr: s["cidr"].as_str().unwrap_or_default().into(),
                    zone: s["availabilityZone"].as_str().unwrap_or_default().into(),
                    public: Some(s["type"] == "public"),
                    tags,
                    free: Some(4000),
                },
            );
        }
        Network {
            vpc: Some("10.1.0.0/16".into()),
            subnets,
        }
    }

    fn live(network: Network) -> Live {
        Live {
            networks: [("vpc-0a1b2c3d4e5f67890".to_string(), network)].into(),
            ..Live::default()
        }
    }

    #[test]
    fn quiet_when_aws_holds_what_the_spec_says_or_placement_is_dynamic() {
        assert!(findings_with(&NETWORK_MISMATCH, &base_static(), live(as_in_aws())).is_empty());
        assert!(findings_with(&NETWORK_MISMATCH, &base(), live(as_in_aws())).is_empty());
    }

    #[test]
    fn fires_on_each_difference_at_its_value() {
        let mut network = as_in_aws();
        network.vpc = Some("10.2.0.0/16".into());
        network.subnets.remove("subnet-0000000000000000d");
        if let Some(s) = network.subnets.get_mut("subnet-0000000000000000a") {
            s.cidr = "10.1.1.0/24".into();
            s.public = Some(false);
        }
        if let Some(s) = network.subnets.get_mut("subnet-0000000000000000b") {
            s.zone = "us-east-1c".into();
            s.vpc_id = "vpc-other".into();
        }
        let found = findings_with(&NETWORK_MISMATCH, &base_static(), live(network));
        let messages: Vec<&str> = found.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            messages,
            // In the file's order (the test spec's keys are sorted).
            [
                "subnet `subnet-0000000000000000a` has the block 10.1.1.0/24 in AWS",
                "subnet `subnet-0000000000000000a` has no route to an internet gateway: it is not public",
                "subnet `subnet-0000000000000000b` is in us-east-1c in AWS",
                "subnet `subnet-0000000000000000b` is in `vpc-other`, not in `vpc-0a1b2c3d4e5f67890`",
                "there is no subnet `subnet-0000000000000000d` in us-east-1",
                "VPC `vpc-0a1b2c3d4e5f67890` has the block 10.2.0.0/16 in AWS",
            ]
        );
        assert_eq!(at(&found[0]), "\"10.1.0.0/20\"");
    }
}

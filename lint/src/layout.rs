//! What a spec will create: its Availability Zones, its subnets (computed
//! for dynamic placement, as given for static), and how many nodes of each
//! pool land in each zone. Rules check this; the provisioner builds it.
//!
//! ## Subnet layout (dynamic placement)
//!
//! The layout of Cluster API Provider AWS, which the seed's policies were
//! written for: with N zones, the VPC block is split into N + 1 equal blocks
//! (the smallest power of two that is at least N + 1); blocks 1..=N are the
//! zones' private subnets, in zone order, and block 0 is split again into N
//! equal blocks (the smallest power of two that is at least N), the zones'
//! public subnets. With `10.0.0.0/16` and three zones: private
//! `10.0.64.0/18`, `10.0.128.0/18`, `10.0.192.0/18`; public `10.0.0.0/20`,
//! `10.0.16.0/20`, `10.0.32.0/20`.
//!
//! ## Node placement
//!
//! A pool's nodes go round-robin over its zones in the order listed: node
//! `i` lands in zone `i mod k`, so a pool of 5 over 3 zones puts 2, 2, 1.

use ipnet::Ipv4Net;

use crate::cidr;
use crate::spec::{ClusterSpec, SubnetKind};

/// The smallest subnet AWS allows.
pub const MIN_SUBNET_PREFIX: u8 = 28;

#[derive(Debug, Clone, PartialEq)]
pub struct PlannedSubnet {
    pub zone: String,
    pub kind: SubnetKind,
    pub cidr: Ipv4Net,
    /// For static placement, the subnet's index in `placement.static.subnets`.
    pub static_index: Option<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PoolPlacement {
    /// The zones the pool uses, as listed (or the placement's), distinct.
    pub zones: Vec<String>,
    /// Nodes per zone, aligned with `zones`.
    pub nodes: Vec<u32>,
}

/// Why the dynamic layout could not be computed.
#[derive(Debug, Clone, PartialEq)]
pub struct LayoutTooSmall {
    pub vpc: Ipv4Net,
    pub zones: usize,
    /// The prefix the subnets would need, past /28.
    pub prefix: u8,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    /// The placement's zones, distinct, in order of first mention.
    pub zones: Vec<String>,
    /// The VPC block, host bits cleared; `None` when it does not parse.
    pub vpc: Option<Ipv4Net>,
    pub subnets: Vec<PlannedSubnet>,
    /// Set when dynamic placement's VPC is too small for its zones.
    pub too_small: Option<LayoutTooSmall>,
    /// One per node pool, in spec order.
    pub pools: Vec<PoolPlacement>,
}

impl Layout {
    pub fn of(spec: &ClusterSpec) -> Layout {
        let mut zones: Vec<String> = Vec::new();
        let mut add_zone = |z: &str| {
            if !zones.iter().any(|known| known == z) {
                zones.push(z.to_string());
            }
        };
        let (vpc, subnets, too_small) = if let Some(dynamic) = spec.dynamic() {
            for z in dynamic.availability_zones.iter() {
                add_zone(z);
            }
            let vpc = cidr::network_v4(&dynamic.vpc_cidr(dynamic.span));
            let (subnets, too_small) = match vpc {
                Some(vpc) => match dynamic_subnets(vpc, &zones) {
                    Ok(subnets) => (subnets, None),
                    Err(e) => (Vec::new(), Some(e)),
                },
                None => (Vec::new(), None),
            };
            (vpc, subnets, too_small)
        } else if let Some(placement) = spec.static_placement() {
            let mut subnets = Vec::new();
            for (i, s) in placement.subnets.iter().enumerate() {
                add_zone(&s.availability_zone);
                if let Some(net) = cidr::network_v4(&s.cidr) {
                    subnets.push(PlannedSubnet {
                        zone: s.availability_zone.to_string(),
                        kind: *s.kind,
                        cidr: net,
                        static_index: Some(i),
                    });
                }
            }
            (cidr::network_v4(&placement.vpc_cidr), subnets, None)
        } else {
            (None, Vec::new(), None)
        };

        let pools = spec
            .pools()
            .map(|pool| {
                let mut pool_zones: Vec<String> = Vec::new();
                match &pool.availability_zones {
                    Some(listed) => {
                        for z in listed.iter() {
                            if !pool_zones.iter().any(|p| p == z.as_str()) {
                                pool_zones.push(z.to_string());
                            }
                        }
                    }
                    None => pool_zones.clone_from(&zones),
                }
                let nodes = spread(*pool.size, pool_zones.len());
                PoolPlacement {
                    zones: pool_zones,
                    nodes,
                }
            })
            .collect();

        Layout {
            zones,
            vpc,
            subnets,
            too_small,
            pools,
        }
    }

    /// Nodes of every pool in `zone`.
    pub fn nodes_in(&self, zone: &str) -> u32 {
        self.pools
            .iter()
            .flat_map(|p| p.zones.iter().zip(&p.nodes))
            .filter(|(z, _)| *z == zone)
            .map(|(_, n)| n)
            .sum()
    }

    /// Pools with at least one node in `zone`.
    pub fn pools_in(&self, zone: &str) -> u32 {
        self.pools
            .iter()
            .filter(|p| {
                p.zones
                    .iter()
                    .zip(&p.nodes)
                    .any(|(z, &n)| z == zone && n > 0)
            })
            .count() as u32
    }
}

/// Round-robin: `size` nodes over `zones` zones.
fn spread(size: u32, zones: usize) -> Vec<u32> {
    if zones == 0 {
        return Vec::new();
    }
    let k = zones as u32;
    (0..k).map(|i| size / k + u32::from(i < size % k)).collect()
}

fn bits_for(count: usize) -> u8 {
    (count.max(1) as u32).next_power_of_two().trailing_zeros() as u8
}

fn dynamic_subnets(vpc: Ipv4Net, zones: &[String]) -> Result<Vec<PlannedSubnet>, LayoutTooSmall> {
    let n = zones.len();
    if n == 0 {
        return Ok(Vec::new());
    }
    let private_prefix = vpc.prefix_len() + bits_for(n + 1);
    let public_prefix = private_prefix + bits_for(n);
    if public_prefix > MIN_SUBNET_PREFIX {
        return Err(LayoutTooSmall {
            vpc,
            zones: n,
            prefix: public_prefix,
        });
    }
    let blocks: Vec<Ipv4Net> = vpc
        .subnets(private_prefix)
        .map_err(|_| LayoutTooSmall {
            vpc,
            zones: n,
            prefix: private_prefix,
        })?
        .take(n + 1)
        .collect();
    let publics: Vec<Ipv4Net> = blocks[0]
        .subnets(public_prefix)
        .map_err(|_| LayoutTooSmall {
            vpc,
            zones: n,
            prefix: public_prefix,
        })?
        .take(n)
        .collect();
    let mut subnets = Vec::with_capacity(2 * n);
    for (i, zone) in zones.iter().enumerate() {
        subnets.push(PlannedSubnet {
            zone: zone.clone(),
            kind: SubnetKind::Public,
            cidr: publics[i],
            static_index: None,
        });
        subnets.push(PlannedSubnet {
            zone: zone.clone(),
            kind: SubnetKind::Private,
            cidr: blocks[i + 1],
            static_index: None,
        });
    }
    Ok(subnets)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zones(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("z{i}")).collect()
    }

    fn cidrs(subnets: &[PlannedSubnet], kind: SubnetKind) -> Vec<String> {
        subnets
            .iter()
            .filter(|s| s.kind == kind)
            .map(|s| s.cidr.to_string())
            .collect()
    }

    #[test]
    fn three_zones_match_cluster_api_provider_aws() {
        let subnets = dynamic_subnets("10.0.0.0/16".parse().unwrap(), &zones(3)).unwrap();
        assert_eq!(
            cidrs(&subnets, SubnetKind::Private),
            ["10.0.64.0/18", "10.0.128.0/18", "10.0.192.0/18"]
        );
        assert_eq!(
            cidrs(&subnets, SubnetKind::Public),
            ["10.0.0.0/20", "10.0.16.0/20", "10.0.32.0/20"]
        );
    }

    #[test]
    fn one_and_four_zones() {
        let one = dynamic_subnets("10.0.0.0/16".parse().unwrap(), &zones(1)).unwrap();
        assert_eq!(cidrs(&one, SubnetKind::Private), ["10.0.128.0/17"]);
        assert_eq!(cidrs(&one, SubnetKind::Public), ["10.0.0.0/17"]);
        let four = dynamic_subnets("10.0.0.0/16".parse().unwrap(), &zones(4)).unwrap();
        assert_eq!(cidrs(&four, SubnetKind::Private).len(), 4);
        assert_eq!(cidrs(&four, SubnetKind::Private)[0], "10.0.32.0/19");
        assert_eq!(
            cidrs(&four, SubnetKind::Public),
            ["10.0.0.0/21", "10.0.8.0/21", "10.0.16.0/21", "10.0.24.0/21"]
        );
    }

    #[test]
    fn too_small_vpcs_are_reported_not_split() {
        let err = dynamic_subnets("10.0.0.0/26".parse().unwrap(), &zones(3)).unwrap_err();
        assert_eq!(err.prefix, 30);
        assert!(dynamic_subnets("10.0.0.0/24".parse().unwrap(), &zones(3)).is_ok());
    }

    #[test]
    fn nodes_go_round_robin() {
        assert_eq!(spread(5, 3), [2, 2, 1]);
        assert_eq!(spread(1, 3), [1, 0, 0]);
        assert_eq!(spread(3, 0), [0u32; 0]);
    }
}

//! EC2 instance types and where they are offered.

use std::collections::HashMap;

/// One instance type, as EC2 describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct InstanceType {
    pub name: &'static str,
    pub vcpus: u32,
    pub memory_mib: u64,
    pub current_generation: bool,
    /// Comma-separated, such as `x86_64` or `arm64`.
    pub architectures: &'static str,
    pub spot: bool,
    pub max_network_interfaces: u32,
    pub ipv4_per_interface: u32,
    pub network_performance: &'static str,
}

impl InstanceType {
    /// The family: `m5` for `m5.large`, `u-6tb1` for `u-6tb1.metal`.
    pub fn family(&self) -> &'static str {
        self.name.split_once('.').map_or(self.name, |(f, _)| f)
    }
}

/// Which types are offered somewhere: bit `i` stands for the catalog's
/// type `i`.
#[derive(Debug, Clone)]
pub struct Offerings(Vec<u64>);

impl Offerings {
    fn from_hex(hex: &str) -> Option<Offerings> {
        let bytes = hex.as_bytes();
        let mut words = Vec::with_capacity(bytes.len().div_ceil(16));
        let mut end = bytes.len();
        while end > 0 {
            let start = end.saturating_sub(16);
            words.push(u64::from_str_radix(hex.get(start..end)?, 16).ok()?);
            end = start;
        }
        Some(Offerings(words))
    }

    pub fn contains(&self, index: usize) -> bool {
        self.0
            .get(index / 64)
            .is_some_and(|w| w >> (index % 64) & 1 == 1)
    }
}

#[derive(Debug)]
struct Region {
    name: &'static str,
    offered: Offerings,
    zones: Vec<(&'static str, Offerings)>,
}

#[derive(Debug)]
pub struct InstanceCatalog {
    types: Vec<InstanceType>,
    by_name: HashMap<&'static str, usize>,
    regions: Vec<Region>,
}

impl InstanceCatalog {
    /// Parses the generated files. They are compiled in and checked by the
    /// tests, so a malformed line is a build defect: it is skipped rather
    /// than allowed to take the linter down.
    pub fn parse(types: &'static str, offerings: &'static str) -> InstanceCatalog {
        let types: Vec<InstanceType> = types
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .filter_map(parse_type)
            .collect();
        let by_name = types.iter().enumerate().map(|(i, t)| (t.name, i)).collect();
        let mut regions: Vec<Region> = Vec::new();
        for line in offerings.lines().filter(|l| !l.starts_with('#')) {
            let mut fields = line.split(' ');
            let (Some(kind), Some(name), Some(hex)) = (fields.next(), fields.next(), fields.next())
            else {
                continue;
            };
            let Some(offered) = Offerings::from_hex(hex) else {
                continue;
            };
            match kind {
                "region" => regions.push(Region {
                    name,
                    offered,
                    zones: Vec::new(),
                }),
                "zone" => {
                    if let Some(region) = regions.last_mut() {
                        region.zones.push((name, offered));
                    }
                }
                _ => {}
            }
        }
        InstanceCatalog {
            types,
            by_name,
            regions,
        }
    }

    pub fn get(&self, name: &str) -> Option<&InstanceType> {
        self.by_name.get(name).map(|&i| &self.types[i])
    }

    pub fn types(&self) -> &[InstanceType] {
        &self.types
    }

    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.types.iter().map(|t| t.name)
    }

    pub fn regions(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.regions.iter().map(|r| r.name)
    }

    pub fn has_region(&self, region: &str) -> bool {
        self.region(region).is_some()
    }

    fn region(&self, name: &str) -> Option<&Region> {
        self.regions.iter().find(|r| r.name == name)
    }

    /// The Region's Availability Zones; empty for an unknown Region.
    pub fn zones(&self, region: &str) -> Vec<&'static str> {
        self.region(region)
            .map(|r| r.zones.iter().map(|(z, _)| *z).collect())
            .unwrap_or_default()
    }

    /// Whether `instance_type` is offered in `region`; `None` when either is
    /// unknown to the catalog.
    pub fn offered_in_region(&self, instance_type: &str, region: &str) -> Option<bool> {
        let index = *self.by_name.get(instance_type)?;
        Some(self.region(region)?.offered.contains(index))
    }

    /// Whether `instance_type` is offered in the zone `zone` of `region`.
    pub fn offered_in_zone(&self, instance_type: &str, region: &str, zone: &str) -> Option<bool> {
        let index = *self.by_name.get(instance_type)?;
        let (_, offered) = self
            .region(region)?
            .zones
            .iter()
            .find(|(z, _)| *z == zone)?;
        Some(offered.contains(index))
    }
}

fn parse_type(line: &'static str) -> Option<InstanceType> {
    let mut f = line.split('\t');
    Some(InstanceType {
        name: f.next()?,
        vcpus: f.next()?.parse().ok()?,
        memory_mib: f.next()?.parse().ok()?,
        current_generation: f.next()? == "1",
        architectures: f.next()?,
        spot: f.next()? == "1",
        max_network_interfaces: f.next()?.parse().ok()?,
        ipv4_per_interface: f.next()?.parse().ok()?,
        network_performance: f.next().unwrap_or(""),
    })
}

#[cfg(test)]
mod tests {
    use crate::catalog::instances as catalog;

    #[test]
    fn every_generated_line_parses() {
        let lines = include_str!("../../data/instance-types.tsv")
            .lines()
            .filter(|l| !l.starts_with('#'))
            .count();
        assert_eq!(catalog().types().len(), lines);
        let offering_lines = include_str!("../../data/offerings.txt")
            .lines()
            .filter(|l| !l.starts_with('#'))
            .count();
        let c = catalog();
        let zones: usize = c.regions().map(|r| c.zones(r).len()).sum();
        assert_eq!(c.regions().count() + zones, offering_lines);
    }

    #[test]
    fn knows_types_regions_and_offerings() {
        let c = catalog();
        let m = c.get("m7i.large").unwrap();
        assert_eq!(
            (m.vcpus, m.memory_mib, m.current_generation, m.spot),
            (2, 8192, true, true)
        );
        assert_eq!(m.family(), "m7i");
        assert!(!c.get("m3.large").unwrap().current_generation);
        assert!(
            c.get("g2.2xlarge").is_none(),
            "retired types are not in the catalog"
        );
        assert!(c.has_region("us-east-1"));
        assert!(c.zones("us-east-1").contains(&"us-east-1a"));
        assert_eq!(c.offered_in_region("m7i.large", "us-east-1"), Some(true));
        assert_eq!(c.offered_in_region("m7i.large", "mars-1"), None);
        assert_eq!(
            c.offered_in_zone("m7i.large", "us-east-1", "us-east-1a"),
            Some(true)
        );
    }
}

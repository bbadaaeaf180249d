//! EC2 instance types and where they are offered.

/// The longest instance type name the catalog holds. Names are kept in
/// the entry, not behind a pointer: a static table of 1,400 `&str` needs
/// as many load-time relocations, a cost every run pays before `main`.
const NAME_CAPACITY: usize = 24;

/// One instance type, as EC2 describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct InstanceType {
    name: [u8; NAME_CAPACITY],
    name_len: u8,
    pub vcpus: u32,
    pub memory_mib: u64,
    pub current_generation: bool,
    /// Runs arm64 images (Graviton, Apple silicon); the others run x86_64.
    pub arm64: bool,
    pub spot: bool,
    pub max_network_interfaces: u32,
    pub ipv4_per_interface: u32,
}

impl InstanceType {
    /// `m5.large`.
    pub fn name(&self) -> &str {
        match std::str::from_utf8(&self.name[..usize::from(self.name_len)]) {
            Ok(name) => name,
            // `new` copies a whole `&str`, so this cannot happen.
            Err(_) => unreachable!("an instance type name is a copied &str"),
        }
    }

    /// The family: `m5` for `m5.large`, `u-6tb1` for `u-6tb1.metal`.
    pub fn family(&self) -> &str {
        let name = self.name();
        name.split_once('.').map_or(name, |(f, _)| f)
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) const fn new(
        name: &str,
        vcpus: u32,
        memory_mib: u64,
        current_generation: bool,
        arm64: bool,
        spot: bool,
        max_network_interfaces: u32,
        ipv4_per_interface: u32,
    ) -> InstanceType {
        let bytes = name.as_bytes();
        // Evaluated when the catalog is compiled: a longer name fails the
        // build, not a run.
        assert!(bytes.len() <= NAME_CAPACITY, "raise NAME_CAPACITY");
        let mut inline = [0u8; NAME_CAPACITY];
        let mut i = 0;
        while i < bytes.len() {
            inline[i] = bytes[i];
            i += 1;
        }
        InstanceType {
            name: inline,
            name_len: bytes.len() as u8,
            vcpus,
            memory_mib,
            current_generation,
            arm64,
            spot,
            max_network_interfaces,
            ipv4_per_interface,
        }
    }
}

/// Which types are offered somewhere: bit `i` (of word `i / 64`) stands for
/// the catalog's type `i`.
pub type Offerings = [u64];

fn contains(offerings: &Offerings, index: usize) -> bool {
    offerings
        .get(index / 64)
        .is_some_and(|w| w >> (index % 64) & 1 == 1)
}

/// A Region's offerings, and its zones' with theirs.
#[derive(Debug)]
pub struct RegionOfferings {
    pub name: &'static str,
    pub offered: &'static Offerings,
    pub zones: &'static [(&'static str, &'static Offerings)],
}

/// The generated catalog: static data compiled into the binary, so there
/// is nothing to load or parse.
#[derive(Debug)]
pub struct InstanceCatalog {
    types: &'static [InstanceType],
    regions: &'static [RegionOfferings],
}

impl InstanceCatalog {
    pub const fn new(types: &'static [InstanceType], regions: &'static [RegionOfferings]) -> Self {
        InstanceCatalog { types, regions }
    }

    fn index(&self, name: &str) -> Option<usize> {
        self.types.binary_search_by(|t| t.name().cmp(name)).ok()
    }

    pub fn get(&self, name: &str) -> Option<&'static InstanceType> {
        self.index(name).map(|i| &self.types[i])
    }

    pub fn types(&self) -> &'static [InstanceType] {
        self.types
    }

    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.types.iter().map(InstanceType::name)
    }

    pub fn regions(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.regions.iter().map(|r| r.name)
    }

    pub fn has_region(&self, region: &str) -> bool {
        self.region(region).is_some()
    }

    fn region(&self, name: &str) -> Option<&'static RegionOfferings> {
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
        let index = self.index(instance_type)?;
        Some(contains(self.region(region)?.offered, index))
    }

    /// Whether `instance_type` is offered in the zone `zone` of `region`.
    pub fn offered_in_zone(&self, instance_type: &str, region: &str, zone: &str) -> Option<bool> {
        let index = self.index(instance_type)?;
        let (_, offered) = self
            .region(region)?
            .zones
            .iter()
            .find(|(z, _)| *z == zone)?;
        Some(contains(offered, index))
    }
}

#[cfg(test)]
mod tests {
    use crate::catalog::instances as catalog;

    #[test]
    fn types_are_sorted_for_binary_search_and_bitsets_fit() {
        let c = catalog();
        assert!(c.types().windows(2).all(|w| w[0].name() < w[1].name()));
        let words = c.types().len().div_ceil(64);
        for region in crate::catalog::generated::REGIONS {
            assert_eq!(region.offered.len(), words, "{}", region.name);
            assert!(!region.zones.is_empty(), "{} has no zones", region.name);
            for (zone, offered) in region.zones {
                assert!(zone.starts_with(region.name), "{zone} in {}", region.name);
                assert_eq!(offered.len(), words);
            }
        }
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

//! AWS's default service quotas, and which quota an instance type's vCPUs
//! count against.

use std::sync::OnceLock;

/// What a quota is counted over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuotaScope {
    Account,
    Region,
    Zone,
    Vpc,
    SecurityGroup,
    RouteTable,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Quota {
    /// Service Quotas service code (`ec2`, `vpc`, `elasticloadbalancing`).
    pub service: &'static str,
    /// Service Quotas quota code, such as `L-0263D0A3`.
    pub code: &'static str,
    pub default: f64,
    pub scope: QuotaScope,
    pub name: &'static str,
    /// `moto` or the documentation page the default comes from.
    pub source: &'static str,
}

/// Every quota the rules know, from the generated table.
pub fn quotas() -> &'static [Quota] {
    static QUOTAS: OnceLock<Vec<Quota>> = OnceLock::new();
    QUOTAS.get_or_init(|| {
        include_str!("../../data/quotas.tsv")
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|line| {
                let mut f = line.split('\t');
                Some(Quota {
                    service: f.next()?,
                    code: f.next()?,
                    default: f.next()?.parse().ok()?,
                    scope: match f.next()? {
                        "zone" => QuotaScope::Zone,
                        "account" => QuotaScope::Account,
                        "vpc" => QuotaScope::Vpc,
                        "group" => QuotaScope::SecurityGroup,
                        "table" => QuotaScope::RouteTable,
                        _ => QuotaScope::Region,
                    },
                    name: f.next()?,
                    source: f.next()?,
                })
            })
            .collect()
    })
}

pub fn quota(code: &str) -> Option<&'static Quota> {
    quotas().iter().find(|q| q.code == code)
}

/// The vCPU quota an instance type counts against, on-demand or spot.
///
/// EC2 groups families into quota classes by their leading letters: the
/// standard class (A, C, D, H, I, M, R, T, Z) and one class each for G and
/// VT, P, X, F, Inf, DL, Trn, HPC and high memory (`u-`). Multi-letter
/// prefixes are matched first, so `inf2` is Inf, not I. `None` for families
/// with no vCPU quota of this kind (Mac instances run on dedicated hosts).
pub fn vcpu_quota_code(instance_type: &str, spot: bool) -> Option<&'static str> {
    let family = instance_type.split('.').next().unwrap_or(instance_type);
    let class = if family.starts_with("u-") || family.starts_with("u7i") {
        "u"
    } else if let Some(prefix) = ["inf", "trn", "hpc", "dl", "vt", "mac"]
        .into_iter()
        .find(|p| family.starts_with(p))
    {
        prefix
    } else {
        family.get(..1)?
    };
    let (on_demand, spot_code) = match class {
        "a" | "c" | "d" | "h" | "i" | "m" | "r" | "t" | "z" => ("L-1216C47A", Some("L-34B43A08")),
        "g" | "vt" => ("L-DB2E81BA", Some("L-3819A6DF")),
        "p" => ("L-417A185B", Some("L-7212CCBC")),
        "x" => ("L-7295265B", Some("L-E3A00192")),
        "f" => ("L-74FC7D96", Some("L-88CF9481")),
        "inf" => ("L-1945791B", Some("L-B5D1601B")),
        "dl" => ("L-6E869C2A", Some("L-85EED4F7")),
        "trn" => ("L-2C3B7624", Some("L-6B0D517C")),
        "hpc" => ("L-F7808C92", None),
        "u" => ("L-43DA4232", None),
        _ => return None,
    };
    if spot { spot_code } else { Some(on_demand) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_quota_line_parses_and_codes_are_unique() {
        let lines = include_str!("../../data/quotas.tsv")
            .lines()
            .filter(|l| !l.starts_with('#'))
            .count();
        assert_eq!(quotas().len(), lines);
        let mut codes: Vec<_> = quotas().iter().map(|q| q.code).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), lines);
    }

    #[test]
    fn instance_classes_map_to_their_quota() {
        assert_eq!(vcpu_quota_code("m7i.large", false), Some("L-1216C47A"));
        assert_eq!(vcpu_quota_code("m7i.large", true), Some("L-34B43A08"));
        assert_eq!(vcpu_quota_code("g4dn.xlarge", true), Some("L-3819A6DF"));
        assert_eq!(vcpu_quota_code("inf2.xlarge", false), Some("L-1945791B"));
        assert_eq!(vcpu_quota_code("i4i.large", false), Some("L-1216C47A"));
        assert_eq!(vcpu_quota_code("trn1.2xlarge", false), Some("L-2C3B7624"));
        assert_eq!(vcpu_quota_code("t3.micro", false), Some("L-1216C47A"));
        assert_eq!(vcpu_quota_code("u-6tb1.metal", false), Some("L-43DA4232"));
        assert_eq!(vcpu_quota_code("mac1.metal", false), None);
        // Every code a class maps to has a default in the table.
        for t in crate::catalog::instances().types() {
            for spot in [false, true] {
                if let Some(code) = vcpu_quota_code(t.name(), spot) {
                    assert!(
                        quota(code).is_some(),
                        "{code} for {} has no default",
                        t.name()
                    );
                }
            }
        }
    }
}

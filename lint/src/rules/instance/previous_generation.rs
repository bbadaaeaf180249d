use crate::catalog::{self, InstanceType};
use crate::rules::instance::uses;
use crate::rules::{Context, Section, declare_rule};

declare_rule! {
    /// Instance types are of the current generation.
    ///
    /// ## What it checks
    /// Whether the instance type's family is one that EC2's documentation
    /// lists as previous generation ("Specifications for Amazon EC2
    /// previous generation instances",
    /// <https://docs.aws.amazon.com/ec2/latest/instancetypes/pg.html>): A1,
    /// C1, C3, C4, G3, I2, M1, M2, M3, M4, P2, P3, P3dn, R3, R4 and T1. The
    /// list, not EC2's `CurrentGeneration` flag, decides: the flag differs
    /// within one generation and changes from month to month. The help
    /// names the newest current type of the same class, size and
    /// architecture, when the catalog has one.
    ///
    /// ## Why it matters
    /// AWS still supports previous-generation types but steers new work to
    /// current ones: previous-generation families get no new sizes or
    /// Regions, and are the ones AWS retires (as it retired CC1 and CG1).
    /// The seed guide's `m3.large` example is one.
    ///
    /// ## Example
    /// ```json
    /// {"name": "workers", "instanceType": "m3.large"}
    /// ```
    pub static PREVIOUS_GENERATION = Rule {
        code: "instance/previous-generation",
        severity: Warning,
    };
}

/// The parts of the spec the check reads.
pub(crate) const READS: &[Section] = &[Section::NodePools, Section::Bastion, Section::Placement];

pub(crate) fn check(cx: &mut Context) {
    let catalog = catalog::instances();
    for u in uses(cx) {
        let Some(t) = catalog.get(*u.instance_type) else {
            continue;
        };
        if t.current_generation {
            continue;
        }
        let d = cx.emit(
            &PREVIOUS_GENERATION,
            u.instance_type.span,
            format!(
                "`{}` ({}) is of a previous-generation family",
                t.name(),
                u.owner
            ),
        );
        match successor(t) {
            Some(newer) => d.with_help(format!(
                "`{newer}` is the newest current type of the same class and size"
            )),
            None => d.with_help(
                "choose a current-generation type: EC2's documentation lists the current families",
            ),
        };
    }
}

/// A family's parts: `m` `7` `i` for `m7i`, `p` `3` `dn` for `p3dn`.
fn parts(family: &str) -> Option<(&str, u32, &str)> {
    let class_end = family.find(|c: char| !c.is_ascii_lowercase())?;
    let rest = &family[class_end..];
    let digits_end = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    let generation = rest[..digits_end].parse().ok()?;
    Some((&family[..class_end], generation, &rest[digits_end..]))
}

/// The newest current-generation type of `t`'s class (the letters before
/// the generation), size and architecture, among the families without
/// special capabilities: Intel (`i`) first, then the plain family, then AMD
/// (`a`) for x86; Graviton (`g`) for Arm.
pub fn successor(t: &InstanceType) -> Option<&'static str> {
    let (class, _, _) = parts(t.family())?;
    let size = t.name().split_once('.')?.1;
    let arm = t.arm64;
    let preference: &[&str] = if arm { &["g"] } else { &["i", "", "a"] };
    catalog::instances()
        .types()
        .iter()
        .filter(|c| c.current_generation && c.arm64 == arm)
        .filter(|c| c.name().split_once('.').map(|(_, s)| s) == Some(size))
        .filter_map(|c| {
            let (c_class, generation, attributes) = parts(c.family())?;
            let rank = preference.iter().position(|p| *p == attributes)?;
            (c_class == class && !c.family().contains('-')).then_some((generation, rank, c.name()))
        })
        .max_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)))
        .map(|(_, _, name)| name)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::testing::{base, fires, quiet, with};

    #[test]
    fn fires_on_the_documented_previous_generation_families() {
        for old in [
            "m3.large",
            "m4.large",
            "c4.xlarge",
            "r4.2xlarge",
            "t1.micro",
            "i2.xlarge",
        ] {
            let found = fires(
                &PREVIOUS_GENERATION,
                &with(|s| s["nodePools"][1]["instanceType"] = json!(old)),
            );
            assert!(found[0].message.contains(old));
        }
    }

    /// The generation of a whole family is one: no type of m5, m6i, c5,
    /// g5 or c6i is flagged, whatever EC2's flag said in some month.
    #[test]
    fn quiet_on_current_families() {
        quiet(&PREVIOUS_GENERATION, &base());
        for current in [
            "m5.large",
            "m6i.large",
            "m6a.large",
            "c5.xlarge",
            "c6i.large",
            "r6i.large",
            "g5.xlarge",
            "t3.micro",
            "t2.micro",
        ] {
            quiet(
                &PREVIOUS_GENERATION,
                &with(|s| s["nodePools"][1]["instanceType"] = json!(current)),
            );
        }
    }

    #[test]
    fn suggests_the_newest_type_of_the_same_class_size_and_architecture() {
        let c = catalog::instances();
        let successor = |name: &str| successor(c.get(name).unwrap());
        let m4 = successor("m4.large").unwrap();
        assert!(m4.starts_with('m') && m4.ends_with(".large"), "{m4}");
        let (_, generation, attributes) = parts(m4.split('.').next().unwrap()).unwrap();
        assert!(
            generation >= 7 && ["i", "", "a"].contains(&attributes),
            "{m4}"
        );
        assert_eq!(successor("t1.micro").map(|s| &s[..1]), Some("t"));
        let arm = successor("a1.large");
        assert!(arm.is_none_or(|s| s.contains('g')), "{arm:?}");
        // Every previous-generation type gets either nothing or a current
        // type of its own class and size.
        for t in c.types().iter().filter(|t| !t.current_generation) {
            if let Some(s) = super::successor(t) {
                let newer = c.get(s).unwrap();
                assert!(newer.current_generation, "{} -> {s}", t.name());
                assert_eq!(t.name().split('.').nth(1), s.split('.').nth(1));
                assert_eq!(&t.name()[..1], &s[..1]);
            }
        }
        assert!(
            c.types()
                .iter()
                .any(|t| t.name() == "m5.large" && t.current_generation)
        );
    }
}

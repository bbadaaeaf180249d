//! Specs checked in one run that share a Region and an account draw on the
//! same regional quotas: a fleet. Each is first checked alone; what each
//! needs of every quota is then summed per Region and account, and the
//! quota rules of a spec in a fleet count the others' needs as usage.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::spec::ClusterSpec;

/// Which quotas a spec draws on: its Region's, in the account its
/// `assumeRole` names, else the credentials' own (`None`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Group {
    pub region: String,
    pub account: Option<String>,
}

impl Group {
    pub fn of(spec: &ClusterSpec) -> Group {
        Group {
            region: spec.region.to_string(),
            account: spec
                .assume_role()
                .and_then(|r| account_of(&r.role_arn))
                .map(str::to_string),
        }
    }
}

/// The account field of an ARN (`arn:aws:iam::123456789012:role/x`).
fn account_of(arn: &str) -> Option<&str> {
    arn.split(':').nth(4).filter(|a| !a.is_empty())
}

/// One spec's needs, by quota code.
pub type Needs = BTreeMap<&'static str, f64>;

/// Each spec's need of one quota.
type Users = Vec<(PathBuf, f64)>;

/// The needs of every spec of a run, by group and quota code.
#[derive(Debug, Clone, Default)]
pub struct Fleet {
    needs: BTreeMap<Group, BTreeMap<&'static str, Users>>,
    specs: BTreeMap<Group, usize>,
}

/// What the other specs of a spec's fleet need of one quota.
#[derive(Debug, Clone, PartialEq)]
pub struct Others<'f> {
    pub needs: f64,
    /// The first few of them (the report names them), and how many in all.
    pub named: Vec<&'f Path>,
    pub count: usize,
}

/// Fleet findings name at most this many other specs: the report of a
/// fleet of hundreds stays linear in its size.
const NAMED: usize = 3;

impl Fleet {
    pub fn add(&mut self, group: Group, spec: &Path, needs: &Needs) {
        *self.specs.entry(group.clone()).or_default() += 1;
        let codes = self.needs.entry(group).or_default();
        for (code, need) in needs {
            codes
                .entry(code)
                .or_default()
                .push((spec.to_path_buf(), *need));
        }
    }

    /// Whether some group holds more than one spec: only then does a second
    /// look change anything.
    pub fn shared(&self) -> bool {
        self.specs.values().any(|n| *n > 1)
    }

    pub fn is_shared(&self, group: &Group) -> bool {
        self.specs.get(group).is_some_and(|n| *n > 1)
    }

    /// What the specs of `spec`'s group other than it need of `code`.
    pub fn others(&self, group: &Group, code: &str, spec: &Path) -> Option<Others<'_>> {
        let users = self.needs.get(group)?.get(code)?;
        let mut others = Others {
            needs: 0.0,
            named: Vec::new(),
            count: 0,
        };
        for (path, need) in users.iter().filter(|(p, _)| p != spec) {
            others.needs += need;
            others.count += 1;
            if others.named.len() < NAMED {
                others.named.push(path);
            }
        }
        (others.count > 0).then_some(others)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(region: &str) -> Group {
        Group {
            region: region.into(),
            account: None,
        }
    }

    #[test]
    fn others_are_the_groups_needs_but_the_specs_own() {
        let mut fleet = Fleet::default();
        let vpc = |n: f64| Needs::from([("L-F678F1CE", n)]);
        fleet.add(group("us-east-1"), Path::new("a"), &vpc(1.0));
        fleet.add(group("us-east-1"), Path::new("b"), &vpc(1.0));
        fleet.add(group("us-east-1"), Path::new("c"), &Needs::new());
        fleet.add(group("eu-west-1"), Path::new("d"), &vpc(1.0));
        let others = fleet
            .others(&group("us-east-1"), "L-F678F1CE", Path::new("a"))
            .expect("b");
        assert_eq!(others.needs, 1.0);
        assert_eq!(others.named, [Path::new("b")]);
        assert_eq!(
            fleet.others(&group("eu-west-1"), "L-F678F1CE", Path::new("d")),
            None,
            "alone in its Region"
        );
        assert!(fleet.is_shared(&group("us-east-1")));
        assert!(!fleet.is_shared(&group("eu-west-1")));
    }

    #[test]
    fn many_others_are_counted_and_a_few_named() {
        let mut fleet = Fleet::default();
        let paths: Vec<PathBuf> = (0..100).map(|i| PathBuf::from(format!("s{i}"))).collect();
        for p in &paths {
            fleet.add(group("us-east-1"), p, &Needs::from([("L-0263D0A3", 3.0)]));
        }
        let others = fleet
            .others(&group("us-east-1"), "L-0263D0A3", &paths[0])
            .expect("others");
        assert_eq!(
            (others.needs, others.count, others.named.len()),
            (297.0, 99, 3)
        );
    }

    #[test]
    fn the_account_is_the_assumed_roles() {
        assert_eq!(
            account_of("arn:aws:iam::123456789012:role/x"),
            Some("123456789012")
        );
        assert_eq!(account_of("not-an-arn"), None);
    }
}

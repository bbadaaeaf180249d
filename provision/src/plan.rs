//! The difference between what a spec asks for and what AWS holds: the
//! only place that decides. A plan is a list of steps, each one resource
//! and what to do to it (create, change which attributes, keep, delete),
//! with the steps it must wait for. `apply` runs exactly these steps;
//! `status` shows them as states; `destroy` is a plan of deletions.
//!
//! Pure: computed from a discovery, so it is tested without AWS.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use crate::account;
use crate::desired::Desired;
use crate::kind::Kind;
use crate::observe::Observed;
use crate::resources::{
    Fit, Id, Op, Ref, Resolve, Resource, Shown, Work, auto_scaling_group::AutoScalingGroup,
    elastic_ip::ElasticIp, instance::Instance, instance_profile::InstanceProfile,
    internet_gateway::InternetGateway, launch_template::LaunchTemplate, load_balancer,
    managed_policy::ManagedPolicy, nat_gateway::NatGateway, role::Role, route_table::RouteTable,
    security_group, subnet::Subnet, user_policies::UserPolicies, vpc::Vpc,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Create,
    Keep,
    Change,
    Delete,
}

#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub action: Action,
    pub kind: Kind,
    pub name: String,
    /// The resource AWS holds, for all but a creation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// What it is, or why it is deleted.
    pub reason: String,
    /// For a change: each attribute that differs.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<Shown>,
    /// Why the difference cannot be applied (a VPC's block, a load
    /// balancer someone else owns): apply refuses the whole plan.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocked: Option<String>,
    /// The steps this one waits for, by position in the plan.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub after: Vec<usize>,
    #[serde(skip)]
    pub work: Work,
}

/// Whose resources a plan is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// A cluster's, in its Region.
    Cluster,
    /// The account's IAM, made by `account setup` for all its clusters.
    Account,
}

#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub scope: Scope,
    /// The cluster's name (empty for the account).
    pub cluster: String,
    pub region: String,
    pub steps: Vec<Step>,
    /// What each name in the steps stands for: an id, or the step that
    /// creates it.
    #[serde(skip)]
    pub refs: HashMap<Ref, Id>,
}

impl Plan {
    pub fn count(&self, action: Action) -> usize {
        self.steps.iter().filter(|s| s.action == action).count()
    }

    /// Nothing to create, change or delete.
    pub fn is_noop(&self) -> bool {
        self.steps.iter().all(|s| s.action == Action::Keep)
    }

    pub fn blocked(&self) -> impl Iterator<Item = &Step> {
        self.steps.iter().filter(|s| s.blocked.is_some())
    }

    /// The ids of what the plan deletes: a resource found again after a
    /// lost answer is never one of these (the one a new one replaces
    /// has the same name).
    pub fn doomed(&self) -> std::collections::HashSet<String> {
        self.steps
            .iter()
            .filter(|s| s.action == Action::Delete)
            .filter_map(|s| s.id.clone())
            .collect()
    }

    /// Per step: the kinds of the resources it refers to that a step of
    /// this plan creates (a NotFound about those is eventual consistency).
    pub fn fresh(&self) -> Vec<Vec<Kind>> {
        self.steps
            .iter()
            .map(|s| {
                let mut kinds: Vec<Kind> = s
                    .after
                    .iter()
                    .filter_map(|&i| self.steps.get(i))
                    .filter(|d| d.action == Action::Create)
                    .map(|d| d.kind)
                    .collect();
                kinds.sort();
                kinds.dedup();
                kinds
            })
            .collect()
    }
}

/// What apply would do to bring AWS to `desired`.
pub fn plan(desired: &Desired, observed: &Observed) -> Plan {
    build(&desired.cluster, &desired.region, Some(desired), observed)
}

/// Every resource the cluster owns, deleted in reverse dependency order.
pub fn destroy(cluster: &str, region: &str, observed: &Observed) -> Plan {
    build(cluster, region, None, observed)
}

/// What `account setup` would do to bring IAM to `wanted`.
pub fn account(wanted: &account::Wanted, observed: &account::Observed) -> Plan {
    build_account(Some(wanted), observed)
}

/// Everything `account setup` made, deleted (`account teardown`).
pub fn account_teardown(observed: &account::Observed) -> Plan {
    build_account(None, observed)
}

fn build_account(wanted: Option<&account::Wanted>, observed: &account::Observed) -> Plan {
    let mut b = Builder::new("", wanted, observed);
    b.unwanted = "made by account setup and not asked for";
    b.kind::<ManagedPolicy>();
    b.kind::<Role>();
    b.kind::<InstanceProfile>();
    b.kind::<UserPolicies>();
    b.finish(Scope::Account, "")
}

fn build(cluster: &str, region: &str, desired: Option<&Desired>, observed: &Observed) -> Plan {
    let mut b = Builder::new(cluster, desired, observed);
    if let Some(d) = desired {
        for r in d.existing_ids() {
            let id = Id::Known(r.name.clone());
            b.refs.insert(r, id);
        }
    }
    b.kind::<Vpc>();
    b.kind::<Subnet>();
    b.kind::<InternetGateway>();
    b.kind::<ElasticIp>();
    b.kind::<NatGateway>();
    b.kind::<RouteTable>();
    b.kind::<security_group::SecurityGroup>();
    b.kind::<security_group::Rules>();
    b.kind::<load_balancer::LoadBalancer>();
    b.kind::<Instance>();
    b.kind::<load_balancer::Members>();
    b.kind::<LaunchTemplate>();
    b.kind::<AutoScalingGroup>();
    b.finish(Scope::Cluster, region)
}

/// Whether a resource may be deleted, given the discovery and what the
/// plan keeps.
type Deletable<'a, W> = Box<dyn Fn(&W, &dyn Fn(Kind, &str) -> bool) -> Result<(), String> + 'a>;

/// A deletion decided while going through the kinds, placed at the end.
struct Deletion<'a, W> {
    step: Step,
    deletable: Deletable<'a, W>,
}

fn delete_step<R: Resource>(o: &R::Observed, reason: String) -> Step {
    Step {
        action: Action::Delete,
        kind: R::KIND,
        name: R::name(o).to_string(),
        id: Some(R::id(o).to_string()),
        reason,
        changes: Vec::new(),
        blocked: None,
        after: Vec::new(),
        work: R::work(Op::Delete(o.clone())),
    }
}

/// Plans one world of resources (a cluster's, the account's) against
/// what asks for them.
struct Builder<'a, W, D> {
    /// Whose the resources are: the cluster's name (what its ownership
    /// tag names).
    cluster: &'a str,
    desired: Option<&'a D>,
    observed: &'a W,
    steps: Vec<Step>,
    deletions: Vec<Deletion<'a, W>>,
    refs: HashMap<Ref, Id>,
    /// The step that creates or changes each name: what refers to it waits
    /// for that step.
    by_ref: HashMap<Ref, usize>,
    /// What the plan keeps, by kind and id.
    kept: HashSet<(Kind, String)>,
    /// Why an owned resource nothing asks for is deleted.
    unwanted: &'static str,
}

impl<W, D> Resolve for Builder<'_, W, D> {
    fn id(&self, r: &Ref) -> Option<Id> {
        self.refs.get(r).cloned()
    }
}

impl<'a, W, D> Builder<'a, W, D> {
    fn new(cluster: &'a str, desired: Option<&'a D>, observed: &'a W) -> Builder<'a, W, D> {
        Builder {
            cluster,
            desired,
            observed,
            steps: Vec::new(),
            deletions: Vec::new(),
            refs: HashMap::new(),
            by_ref: HashMap::new(),
            kept: HashSet::new(),
            unwanted: "owned by the cluster and not in the spec",
        }
    }

    fn kind<R: Resource<World = W, Wants = D>>(&mut self) {
        let wanted = self.desired.map(R::wanted).unwrap_or_default();
        let observed = R::observed(self.observed);
        let mut claimed = vec![false; observed.len()];
        // Why observed resources of a wanted name were not kept.
        let mut replaced: HashMap<usize, String> = HashMap::new();
        for spec in wanted {
            let name = R::spec_name(&spec).to_string();
            let this = Ref::new(R::KIND, name.clone());
            let mut fitting: Vec<usize> = Vec::new();
            let mut blocking: Option<(usize, String)> = None;
            let mut foreign: Option<(usize, String)> = None;
            for (i, o) in observed.iter().enumerate() {
                if claimed[i] || R::name(o) != name || R::gone(o) {
                    continue;
                }
                match R::fits(&spec, o, self) {
                    Fit::Yes => fitting.push(i),
                    Fit::Replace(why) => {
                        replaced.insert(i, format!("replaced: {why}"));
                    }
                    Fit::Block(why) => {
                        blocking.get_or_insert((i, why));
                    }
                    Fit::Foreign(why) => {
                        foreign.get_or_insert((i, why));
                    }
                }
            }
            // Of duplicates, the most used is kept; the order of ids
            // decides between equals, the same way every run.
            fitting.sort_by_key(|&i| {
                (
                    std::cmp::Reverse(R::uses(&observed[i], self.observed)),
                    R::id(&observed[i]),
                )
            });
            let after = self.after(&R::refs(&spec));
            if let Some(&best) = fitting.first() {
                let o = &observed[best];
                claimed[best] = true;
                for &dup in &fitting[1..] {
                    replaced.insert(dup, format!("a duplicate of {} ({})", name, R::id(o)));
                }
                let id = R::id(o).to_string();
                self.kept.insert((R::KIND, id.clone()));
                self.refs.insert(this.clone(), Id::Known(id.clone()));
                let changes = R::diff(&spec, o, self);
                if changes.is_empty() {
                    self.push(Step {
                        action: Action::Keep,
                        kind: R::KIND,
                        name,
                        id: Some(id),
                        reason: R::describe(&spec),
                        changes: Vec::new(),
                        blocked: None,
                        after: Vec::new(),
                        work: Work::None,
                    });
                } else {
                    let shown = changes.iter().map(R::show).collect();
                    let n = self.push(Step {
                        action: Action::Change,
                        kind: R::KIND,
                        name,
                        id: Some(id.clone()),
                        reason: R::describe(&spec),
                        changes: shown,
                        blocked: None,
                        after,
                        work: R::work(Op::Update { id, spec, changes }),
                    });
                    self.by_ref.insert(this, n);
                }
            } else if let Some((i, why)) = blocking {
                let o = &observed[i];
                claimed[i] = true;
                let id = R::id(o).to_string();
                self.kept.insert((R::KIND, id.clone()));
                self.refs.insert(this, Id::Known(id.clone()));
                self.push(Step {
                    action: Action::Change,
                    kind: R::KIND,
                    name,
                    id: Some(id),
                    reason: R::describe_observed(o),
                    changes: Vec::new(),
                    blocked: Some(why),
                    after: Vec::new(),
                    work: Work::None,
                });
            } else if let Some((i, why)) = foreign {
                // Someone else's, and good enough to use: used as it is,
                // never changed or deleted.
                let o = &observed[i];
                claimed[i] = true;
                let id = R::id(o).to_string();
                self.refs.insert(this, Id::Known(id.clone()));
                self.push(Step {
                    action: Action::Keep,
                    kind: R::KIND,
                    name,
                    id: Some(id),
                    reason: why,
                    changes: Vec::new(),
                    blocked: None,
                    after: Vec::new(),
                    work: Work::None,
                });
            } else {
                let mut after = after;
                if R::DELETE_BEFORE_REPLACING {
                    // What holds what the new one needs goes first: the
                    // ones of its name not kept, those going away
                    // included.
                    for (i, o) in observed.iter().enumerate() {
                        if claimed[i] || R::name(o) != name || !R::owned(o, self.cluster) {
                            continue;
                        }
                        claimed[i] = true;
                        let reason = replaced.remove(&i).unwrap_or_else(|| "going away".into());
                        after.push(self.push(delete_step::<R>(o, reason)));
                    }
                }
                let n = self.steps.len();
                self.refs.insert(this.clone(), Id::Step(n));
                self.by_ref.insert(this, n);
                self.push(Step {
                    action: Action::Create,
                    kind: R::KIND,
                    name,
                    id: None,
                    reason: R::describe(&spec),
                    changes: Vec::new(),
                    blocked: None,
                    after,
                    work: R::work(Op::Create(spec)),
                });
            }
        }
        if !R::DELETES {
            return;
        }
        for (i, o) in observed.iter().enumerate() {
            if claimed[i] || !R::owned(o, self.cluster) {
                continue;
            }
            let reason = replaced.remove(&i).unwrap_or_else(|| self.unwanted.into());
            let kept = o.clone();
            self.deletions.push(Deletion {
                step: delete_step::<R>(o, reason),
                // Asked once the whole plan knows what it keeps.
                deletable: Box::new(move |all, is_kept| R::deletable(&kept, all, is_kept)),
            });
        }
    }

    /// The steps that create or change what `refs` name.
    fn after(&self, refs: &[Ref]) -> Vec<usize> {
        let mut after: Vec<usize> = refs
            .iter()
            .filter_map(|r| self.by_ref.get(r).copied())
            .collect();
        after.sort_unstable();
        after.dedup();
        after
    }

    fn push(&mut self, step: Step) -> usize {
        self.steps.push(step);
        self.steps.len() - 1
    }

    /// Deletions go last, in reverse order of creation: each after every
    /// creation and change (nothing is deleted while the plan still builds
    /// what replaces it), and after the deletions of what stands in it.
    /// One that something the plan keeps still uses is left, saying why.
    fn finish(mut self, scope: Scope, region: &str) -> Plan {
        let building: Vec<usize> = self
            .steps
            .iter()
            .enumerate()
            .filter(|(_, s)| matches!(s.action, Action::Create | Action::Change))
            .map(|(i, _)| i)
            .collect();
        let mut deletions = std::mem::take(&mut self.deletions);
        deletions.sort_by_key(|d| std::cmp::Reverse(d.step.kind));
        let is_kept = |kind: Kind, id: &str| self.kept.contains(&(kind, id.to_string()));
        let mut last = Vec::new();
        for deletion in deletions {
            match (deletion.deletable)(self.observed, &is_kept) {
                Ok(()) => last.push(deletion.step),
                Err(why) => {
                    let mut step = deletion.step;
                    step.action = Action::Keep;
                    step.reason = format!("{}; not deleted: {why}", step.reason);
                    step.work = Work::None;
                    last.push(step);
                }
            }
        }
        for mut step in last {
            if step.action == Action::Delete {
                let waits_for = step.kind.deleted_after_all();
                let mut after = building.clone();
                after.extend(
                    self.steps
                        .iter()
                        .enumerate()
                        .filter(|(_, s)| s.action == Action::Delete && waits_for.contains(&s.kind))
                        .map(|(i, _)| i),
                );
                step.after = after;
            }
            self.steps.push(step);
        }
        Plan {
            scope,
            cluster: self.cluster.to_string(),
            region: region.to_string(),
            steps: self.steps,
            refs: self.refs,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use awscluster_lint::run::{Validated, validate};

    use super::*;
    use crate::names::{self, Role};
    use crate::resources::{elastic_ip, instance, nat_gateway, vpc};

    pub fn demo() -> Desired {
        let validated = validate(
            Path::new("../fixtures/provision/demo.cluster.json"),
            Some(Path::new("../fixtures/provision/awscluster.toml")),
            &[],
            Path::new("."),
            Some(awscluster_lint::run::Provisioning::default()),
        )
        .expect("the fixture reads");
        let Validated::Ready { spec, layout, .. } = validated else {
            panic!("the fixture lints clean");
        };
        Desired::of(&spec, &layout, None).expect("the fixture can be provisioned")
    }

    fn vpc(id: &str, cidr: &str) -> vpc::Observed {
        vpc::Observed {
            id: id.into(),
            name: "demo-vpc".into(),
            cidr: cidr.into(),
            dns_support: true,
            dns_hostnames: true,
            tags: names::creation_tags(
                &[("team".into(), "platform".into())],
                "demo",
                "demo-vpc",
                Role::Common,
            ),
        }
    }

    fn steps(plan: &Plan, action: Action) -> Vec<(Kind, String)> {
        plan.steps
            .iter()
            .filter(|s| s.action == action)
            .map(|s| (s.kind, s.name.clone()))
            .collect()
    }

    #[test]
    fn a_new_cluster_is_all_creations_each_after_what_it_refers_to() {
        let plan = plan(&demo(), &Observed::default());
        assert_eq!(plan.count(Action::Create), plan.steps.len());
        // 31 resources, the rules of 4 groups, the masters' registration.
        assert_eq!(plan.steps.len(), 36);
        let index = |kind: Kind, name: &str| {
            plan.steps
                .iter()
                .position(|s| s.kind == kind && s.name == name)
                .unwrap_or_else(|| panic!("{kind} {name}"))
        };
        let subnet = index(Kind::Subnet, "demo-subnet-private-us-east-1a");
        assert_eq!(plan.steps[subnet].after, [index(Kind::Vpc, "demo-vpc")]);
        let nat = &plan.steps[index(Kind::NatGateway, "demo-nat-us-east-1a")];
        assert_eq!(
            nat.after,
            [
                index(Kind::Subnet, "demo-subnet-public-us-east-1a"),
                index(Kind::ElasticIp, "demo-eip-us-east-1a")
            ]
        );
        let master = &plan.steps[index(Kind::Instance, "demo-control-plane-0")];
        assert!(
            master
                .after
                .contains(&index(Kind::RouteTable, "demo-rt-private-us-east-1a"))
        );
        assert!(
            master
                .after
                .contains(&index(Kind::SecurityGroup, "demo-controlplane"))
        );
        // Rules wait for every group they name, never for the instances.
        let rules = &plan.steps[index(Kind::SecurityGroupRules, "demo-node")];
        assert!(
            rules
                .after
                .contains(&index(Kind::SecurityGroup, "demo-controlplane"))
        );
        let members = &plan.steps[index(Kind::LoadBalancerInstances, "demo-apiserver")];
        assert_eq!(
            members.after.len(),
            4,
            "the load balancer and the three masters"
        );
        for step in &plan.steps {
            assert!(step.after.iter().all(|&a| a < plan.steps.len()));
        }
        assert!(plan.fresh()[subnet].contains(&Kind::Vpc));
    }

    #[test]
    fn duplicates_and_what_the_spec_dropped_are_deleted_last() {
        let mut existing = Observed {
            vpcs: vec![vpc("vpc-2", "10.0.0.0/16"), vpc("vpc-1", "10.0.0.0/16")],
            ..Observed::default()
        };
        // The second VPC is in use: a subnet is in it.
        existing.subnets.push(crate::resources::subnet::Observed {
            id: "subnet-9".into(),
            name: "demo-subnet-public-us-east-1a".into(),
            vpc_id: "vpc-2".into(),
            zone: "us-east-1a".into(),
            cidr: "10.0.0.0/20".into(),
            public_ip_on_launch: true,
            tags: names::creation_tags(&[], "demo", "x", Role::Public),
        });
        let plan = plan(&demo(), &existing);
        let vpc_steps: Vec<(Action, Option<&str>)> = plan
            .steps
            .iter()
            .filter(|s| s.kind == Kind::Vpc)
            .map(|s| (s.action, s.id.as_deref()))
            .collect();
        assert_eq!(
            vpc_steps,
            [
                (Action::Keep, Some("vpc-2")),
                (Action::Delete, Some("vpc-1"))
            ]
        );
        let delete = plan
            .steps
            .iter()
            .position(|s| s.action == Action::Delete)
            .expect("a deletion");
        let creations: Vec<usize> = (0..delete)
            .filter(|&i| matches!(plan.steps[i].action, Action::Create | Action::Change))
            .collect();
        assert_eq!(
            plan.steps[delete].after, creations,
            "deleted once the rest is built"
        );
        assert!(
            plan.steps[delete]
                .reason
                .contains("a duplicate of demo-vpc (vpc-2)")
        );
    }

    #[test]
    fn a_vpc_with_another_block_blocks_the_plan() {
        let existing = Observed {
            vpcs: vec![vpc("vpc-1", "10.9.0.0/16")],
            ..Observed::default()
        };
        let plan = plan(&demo(), &existing);
        let blocked: Vec<&Step> = plan.blocked().collect();
        assert_eq!(blocked.len(), 1);
        assert!(
            blocked[0]
                .blocked
                .as_deref()
                .is_some_and(|b| b.contains("destroy the cluster first")),
            "{:?}",
            blocked[0]
        );
    }

    #[test]
    fn an_address_in_use_is_never_deleted() {
        let existing = Observed {
            addresses: vec![elastic_ip::Observed {
                allocation_id: "eipalloc-x".into(),
                name: "demo-eip-us-east-9z".into(),
                association_id: Some("eipassoc-1".into()),
                tags: names::creation_tags(&[], "demo", "demo-eip-us-east-9z", Role::Common),
            }],
            ..Observed::default()
        };
        let plan = plan(&demo(), &existing);
        let step = plan
            .steps
            .iter()
            .find(|s| s.kind == Kind::ElasticIp && s.id.as_deref() == Some("eipalloc-x"))
            .expect("a step for it");
        assert_eq!(step.action, Action::Keep);
        assert!(step.reason.contains("not deleted"), "{}", step.reason);
    }

    /// The zone's network as a previous apply left it, the NAT gateway on
    /// `nat_address`.
    fn zone_a(nat_state: &str, nat_addresses: &[&str]) -> Observed {
        let tags = |name: &str, role| names::creation_tags(&[], "demo", name, role);
        let mut vpc = vpc("vpc-1", "10.0.0.0/16");
        vpc.tags = tags("demo-vpc", Role::Common);
        let mut nat = nat_gateway::testing::nat("nat-1", nat_state, nat_addresses);
        nat.subnet_id = "subnet-a".into();
        Observed {
            vpcs: vec![vpc],
            subnets: vec![crate::resources::subnet::Observed {
                id: "subnet-a".into(),
                name: "demo-subnet-public-us-east-1a".into(),
                vpc_id: "vpc-1".into(),
                zone: "us-east-1a".into(),
                cidr: "10.0.0.0/20".into(),
                public_ip_on_launch: true,
                tags: tags("demo-subnet-public-us-east-1a", Role::Public),
            }],
            addresses: vec![elastic_ip::Observed {
                allocation_id: "eipalloc-1".into(),
                name: "demo-eip-us-east-1a".into(),
                association_id: None,
                tags: tags("demo-eip-us-east-1a", Role::Common),
            }],
            nat_gateways: vec![nat],
            ..Observed::default()
        }
    }

    /// A NAT gateway holds its address: one on the wrong address, or going
    /// away, is deleted before its replacement is created, and a lost
    /// answer to that create never finds the old one.
    #[test]
    fn a_nat_gateway_is_deleted_before_its_replacement() {
        for (state, addresses) in [
            ("available", &["eipalloc-9"][..]),
            ("deleting", &["eipalloc-1"][..]),
        ] {
            let plan = plan(&demo(), &zone_a(state, addresses));
            let old = plan
                .steps
                .iter()
                .position(|s| s.kind == Kind::NatGateway && s.id.as_deref() == Some("nat-1"))
                .expect("a step for the old one");
            let new = plan
                .steps
                .iter()
                .position(|s| {
                    s.kind == Kind::NatGateway
                        && s.name == "demo-nat-us-east-1a"
                        && s.action == Action::Create
                })
                .expect("a new one");
            assert_eq!(plan.steps[old].action, Action::Delete, "{state}");
            assert!(
                plan.steps[new].after.contains(&old),
                "{state}: {:?}",
                plan.steps[new].after
            );
            assert!(plan.doomed().contains("nat-1"));
        }
    }

    /// An address a NAT gateway the plan keeps still uses is left, even
    /// when its name is not the spec's.
    #[test]
    fn an_address_a_kept_nat_gateway_uses_is_left() {
        let mut existing = zone_a("available", &["eipalloc-1", "eipalloc-9"]);
        existing.addresses.push(elastic_ip::Observed {
            allocation_id: "eipalloc-9".into(),
            name: "demo-eip-old".into(),
            association_id: Some("eipassoc-9".into()),
            tags: names::creation_tags(&[], "demo", "demo-eip-old", Role::Common),
        });
        let plan = plan(&demo(), &existing);
        let nat = plan
            .steps
            .iter()
            .find(|s| s.id.as_deref() == Some("nat-1"))
            .expect("nat");
        // Kept (its tags lack the spec's: a change).
        assert_eq!(nat.action, Action::Change);
        assert!(
            !plan
                .steps
                .iter()
                .any(|s| s.name == "demo-nat-us-east-1a" && s.action == Action::Create)
        );
        let old = plan
            .steps
            .iter()
            .find(|s| s.id.as_deref() == Some("eipalloc-9"))
            .expect("a step for the old address");
        assert_eq!(old.action, Action::Keep);
        assert!(
            old.reason.contains("which stays, uses it"),
            "{}",
            old.reason
        );
    }

    #[test]
    fn destroy_deletes_what_stands_in_a_resource_first() {
        let mut existing = Observed {
            vpcs: vec![vpc("vpc-1", "10.0.0.0/16")],
            ..Observed::default()
        };
        existing.nat_gateways.push(nat_gateway::testing::nat(
            "nat-1",
            "available",
            &["eipalloc-1"],
        ));
        existing.addresses.push(elastic_ip::Observed {
            allocation_id: "eipalloc-1".into(),
            name: "demo-eip-us-east-1a".into(),
            association_id: Some("eipassoc-1".into()),
            tags: names::creation_tags(&[], "demo", "demo-eip-us-east-1a", Role::Common),
        });
        existing.instances.push(instance::Observed {
            id: "i-1".into(),
            name: "demo-bastion".into(),
            state: aws_sdk_ec2::types::InstanceStateName::Running,
            subnet_id: "subnet-1".into(),
            instance_type: "t3.micro".into(),
            image_id: "ami-1".into(),
            key_name: Some("ops".into()),
            groups: vec![],
            profile: None,
            tags: names::creation_tags(&[], "demo", "demo-bastion", Role::Bastion),
        });
        let plan = destroy("demo", "us-east-1", &existing);
        assert_eq!(plan.count(Action::Delete), 4);
        let at = |kind| {
            plan.steps
                .iter()
                .position(|s| s.kind == kind)
                .expect("step")
        };
        assert!(
            plan.steps[at(Kind::ElasticIp)]
                .after
                .contains(&at(Kind::NatGateway))
        );
        let vpc = &plan.steps[at(Kind::Vpc)];
        assert!(
            vpc.after.contains(&at(Kind::Instance)) && vpc.after.contains(&at(Kind::NatGateway))
        );
        assert!(plan.steps[at(Kind::Instance)].after.is_empty());
        assert_eq!(
            steps(&plan, Action::Delete)[0].0,
            Kind::Instance,
            "reverse order of creation"
        );
    }
}

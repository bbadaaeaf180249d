//! The difference between what a spec asks for and what AWS holds: what
//! apply would create, keep, change or delete, and why. Pure: computed
//! from a discovery, so it is tested without AWS.

use std::collections::{BTreeMap, BTreeSet};

use awscluster_lint::spec::SubnetKind;
use serde::Serialize;

use crate::desired::{Desired, GroupRole, Network, Source};
use crate::discover::{Existing, Group, IngressRule};

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
    pub kind: &'static str,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub reason: String,
    /// Set when the difference cannot be applied in place (a VPC's block, a
    /// load balancer someone else owns): apply refuses the whole plan.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub blocked: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub cluster: String,
    pub region: String,
    pub steps: Vec<Step>,
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
        self.steps.iter().filter(|s| s.blocked)
    }
}

struct Builder<'a> {
    desired: &'a Desired,
    existing: &'a Existing,
    steps: Vec<Step>,
}

impl Builder<'_> {
    fn push(
        &mut self,
        action: Action,
        kind: &'static str,
        name: impl Into<String>,
        id: Option<&str>,
        reason: impl Into<String>,
    ) {
        self.steps.push(Step {
            action,
            kind,
            name: name.into(),
            id: id.map(str::to_string),
            reason: reason.into(),
            blocked: false,
        });
    }

    fn blocked(
        &mut self,
        kind: &'static str,
        name: impl Into<String>,
        id: Option<&str>,
        reason: impl Into<String>,
    ) {
        self.push(Action::Change, kind, name, id, reason);
        if let Some(last) = self.steps.last_mut() {
            last.blocked = true;
        }
    }

    fn group_id(&self, role: GroupRole) -> Option<&str> {
        let name = &self.desired.group(role)?.name;
        self.existing
            .groups
            .iter()
            .find(|g| &g.name == name)
            .map(|g| g.id.as_str())
    }
}

/// Ingress rules of a group as EC2 would report them, given the ids of the
/// groups they refer to; `None` while a referred group does not exist yet.
pub fn wanted_ingress(
    desired: &Desired,
    role: GroupRole,
    group_ids: &dyn Fn(GroupRole) -> Option<String>,
) -> Option<Vec<IngressRule>> {
    let spec = desired.group(role)?;
    let mut rules = Vec::new();
    for rule in &spec.ingress {
        let source = match &rule.source {
            Source::Cidr(c) => c.clone(),
            Source::Group(g) => group_ids(*g)?,
        };
        rules.push(IngressRule {
            protocol: rule.protocol.to_string(),
            from_port: rule.from_port,
            to_port: rule.to_port,
            source,
        });
    }
    rules.sort();
    rules.dedup();
    Some(rules)
}

/// Rules to add and rules to revoke to bring `group` to `wanted`.
pub fn rule_diff(group: &Group, wanted: &[IngressRule]) -> (Vec<IngressRule>, Vec<IngressRule>) {
    let have: BTreeSet<&IngressRule> = group.ingress.iter().collect();
    let want: BTreeSet<&IngressRule> = wanted.iter().collect();
    (
        want.difference(&have).map(|r| (*r).clone()).collect(),
        have.difference(&want).map(|r| (*r).clone()).collect(),
    )
}

/// What apply would do.
pub fn plan(desired: &Desired, existing: &Existing) -> Plan {
    let mut b = Builder {
        desired,
        existing,
        steps: Vec::new(),
    };
    network(&mut b);
    groups(&mut b);
    load_balancer(&mut b);
    machines(&mut b);
    pools(&mut b);
    extras(&mut b);
    Plan {
        cluster: desired.cluster.clone(),
        region: desired.region.clone(),
        steps: b.steps,
    }
}

fn network(b: &mut Builder) {
    let d = b.desired;
    let e = b.existing;
    let Network::Dynamic { cidr, zones } = &d.network else {
        return;
    };
    let vpc_name = d.vpc_name();
    let vpc = e.vpcs.iter().find(|v| v.name == vpc_name);
    match vpc {
        None => b.push(Action::Create, "vpc", &vpc_name, None, format!("{cidr}, with DNS support and hostnames")),
        Some(v) if &v.cidr != cidr => b.blocked("vpc", &vpc_name, Some(&v.id), format!("its block is {} and the spec's is {cidr}; a VPC's block cannot change: destroy the cluster first", v.cidr)),
        Some(v) => b.push(Action::Keep, "vpc", &vpc_name, Some(&v.id), cidr.clone()),
    }
    for z in zones {
        for (kind, block) in [
            (SubnetKind::Public, &z.public_cidr),
            (SubnetKind::Private, &z.private_cidr),
        ] {
            let name = d.subnet_name(kind, &z.zone);
            match e.subnets.iter().find(|s| s.name == name) {
                None => b.push(Action::Create, "subnet", &name, None, format!("{kind} {block} in {}", z.zone)),
                Some(s) if &s.cidr != block || s.zone != z.zone => b.blocked(
                    "subnet",
                    &name,
                    Some(&s.id),
                    format!("it is {} in {} and the spec says {block} in {}: a subnet cannot move; destroy the cluster first", s.cidr, s.zone, z.zone),
                ),
                Some(s) => b.push(Action::Keep, "subnet", &name, Some(&s.id), format!("{kind} {block} in {}", z.zone)),
            }
        }
    }
    let igw_name = d.igw_name();
    match e.gateways.iter().find(|g| g.name == igw_name) {
        None => b.push(
            Action::Create,
            "internet-gateway",
            &igw_name,
            None,
            "attached to the VPC",
        ),
        Some(g) if vpc.is_some_and(|v| !g.attached_to.contains(&v.id)) => b.push(
            Action::Change,
            "internet-gateway",
            &igw_name,
            Some(&g.id),
            "not attached to the VPC: attach it",
        ),
        Some(g) => b.push(
            Action::Keep,
            "internet-gateway",
            &igw_name,
            Some(&g.id),
            "attached to the VPC",
        ),
    }
    for z in zones {
        let eip = d.eip_name(&z.zone);
        match e.addresses.iter().find(|a| a.name == eip) {
            None => b.push(
                Action::Create,
                "elastic-ip",
                &eip,
                None,
                format!("for the NAT gateway in {}", z.zone),
            ),
            Some(a) => b.push(
                Action::Keep,
                "elastic-ip",
                &eip,
                Some(&a.allocation_id),
                format!("for the NAT gateway in {}", z.zone),
            ),
        }
        let nat = d.nat_name(&z.zone);
        match e.nat_gateways.iter().find(|n| n.name == nat && n.is_live()) {
            None => b.push(
                Action::Create,
                "nat-gateway",
                &nat,
                None,
                format!("in the public subnet of {}", z.zone),
            ),
            Some(n) => b.push(
                Action::Keep,
                "nat-gateway",
                &nat,
                Some(&n.id),
                format!("{} in the public subnet of {}", n.state, z.zone),
            ),
        }
    }
    route_tables(b, zones.iter().map(|z| z.zone.as_str()).collect());
}

fn route_tables(b: &mut Builder, zones: Vec<&str>) {
    let d = b.desired;
    let e = b.existing;
    let subnet_id = |kind, zone: &str| {
        let name = d.subnet_name(kind, zone);
        e.subnets
            .iter()
            .find(|s| s.name == name)
            .map(|s| s.id.clone())
    };
    let public = d.public_route_table_name();
    let igw = e
        .gateways
        .iter()
        .find(|g| g.name == d.igw_name())
        .map(|g| g.id.clone());
    let public_subnets: Vec<Option<String>> = zones
        .iter()
        .map(|z| subnet_id(SubnetKind::Public, z))
        .collect();
    table_step(
        b,
        &public,
        igw,
        &public_subnets,
        "default route to the internet gateway, associated with the public subnets",
    );
    for zone in zones {
        let name = d.private_route_table_name(zone);
        let nat = e
            .nat_gateways
            .iter()
            .find(|n| n.name == d.nat_name(zone) && n.is_live())
            .map(|n| n.id.clone());
        table_step(
            b,
            &name,
            nat,
            &[subnet_id(SubnetKind::Private, zone)],
            &format!("default route to the NAT gateway in {zone}"),
        );
    }
}

/// A route table with a default route to `target` and `subnets`
/// associated; `None` where the target or a subnet is still to be created.
fn table_step(
    b: &mut Builder,
    name: &str,
    target: Option<String>,
    subnets: &[Option<String>],
    what: &str,
) {
    let Some(table) = b.existing.route_tables.iter().find(|t| t.name == name) else {
        b.push(Action::Create, "route-table", name, None, what);
        return;
    };
    let mut missing = Vec::new();
    match &target {
        Some(t) if table.routes.get("0.0.0.0/0") != Some(t) => {
            missing.push("the default route".to_string())
        }
        None => missing.push("the default route".to_string()),
        _ => {}
    }
    let associated: BTreeSet<&String> = table.associations.values().collect();
    let unassociated = subnets
        .iter()
        .filter(|s| s.as_ref().is_none_or(|s| !associated.contains(s)))
        .count();
    if unassociated > 0 {
        missing.push(format!("{unassociated} subnet association(s)"));
    }
    if missing.is_empty() {
        b.push(Action::Keep, "route-table", name, Some(&table.id), what);
    } else {
        b.push(
            Action::Change,
            "route-table",
            name,
            Some(&table.id),
            format!("add {}", missing.join(" and ")),
        );
    }
}

fn groups(b: &mut Builder) {
    let d = b.desired;
    for spec in &d.groups {
        let found = b.existing.groups.iter().find(|g| g.name == spec.name);
        let rules = spec.ingress.len();
        match found {
            None => b.push(
                Action::Create,
                "security-group",
                &spec.name,
                None,
                format!("with {rules} ingress rule(s)"),
            ),
            Some(g) => {
                let ids = |role| b.group_id(role).map(str::to_string);
                let wanted = wanted_ingress(d, spec.role, &ids);
                let Some(wanted) = wanted else {
                    let id = g.id.clone();
                    b.push(
                        Action::Change,
                        "security-group",
                        &spec.name,
                        Some(&id),
                        "add the rules that refer to groups still to be created",
                    );
                    continue;
                };
                let (add, revoke) = rule_diff(g, &wanted);
                if add.is_empty() && revoke.is_empty() {
                    b.push(
                        Action::Keep,
                        "security-group",
                        &spec.name,
                        Some(&g.id),
                        format!("{rules} ingress rule(s)"),
                    );
                } else {
                    let mut what = Vec::new();
                    if !add.is_empty() {
                        what.push(format!("add {} ingress rule(s)", add.len()));
                    }
                    if !revoke.is_empty() {
                        what.push(format!(
                            "revoke {} ingress rule(s) the spec does not ask for",
                            revoke.len()
                        ));
                    }
                    let id = g.id.clone();
                    b.push(
                        Action::Change,
                        "security-group",
                        &spec.name,
                        Some(&id),
                        what.join(", "),
                    );
                }
            }
        }
    }
}

fn load_balancer(b: &mut Builder) {
    let d = b.desired;
    let name = d.load_balancer_name();
    let what = "classic ELB, TCP 6443 across the public subnets";
    match &b.existing.load_balancer {
        None => b.push(Action::Create, "load-balancer", &name, None, what),
        Some(lb) if !lb.owned => b.blocked(
            "load-balancer",
            &name,
            None,
            format!("a load balancer named {name} exists and is not owned by cluster {}: awscluster will not touch it", d.cluster),
        ),
        Some(lb) => {
            let masters: Vec<&str> = d
                .masters
                .iter()
                .filter_map(|m| b.existing.instances.iter().find(|i| i.name == m.name && i.is_live()))
                .map(|i| i.id.as_str())
                .collect();
            let unregistered = masters.iter().filter(|id| !lb.instances.iter().any(|i| i == *id)).count()
                + (d.masters.len() - masters.len());
            if unregistered > 0 {
                b.push(Action::Change, "load-balancer", &name, None, format!("register {unregistered} control-plane instance(s)"));
            } else {
                b.push(Action::Keep, "load-balancer", &name, None, what);
            }
        }
    }
}

fn machines(b: &mut Builder) {
    let d = b.desired;
    for m in d.bastion.iter().chain(&d.masters) {
        match b
            .existing
            .instances
            .iter()
            .find(|i| i.name == m.name && i.is_live())
        {
            None => b.push(
                Action::Create,
                "instance",
                &m.name,
                None,
                format!("{} in a {} subnet of {}", m.instance_type, m.subnet, m.zone),
            ),
            Some(i) => {
                let id = i.id.clone();
                let reason = if i.instance_type == m.instance_type {
                    format!("{} {}", i.instance_type, i.state)
                } else {
                    format!(
                        "{} {} (the spec says {}: replace the node to change it)",
                        i.instance_type, i.state, m.instance_type
                    )
                };
                b.push(Action::Keep, "instance", &m.name, Some(&id), reason);
            }
        }
    }
}

fn pools(b: &mut Builder) {
    let d = b.desired;
    let e = b.existing;
    for pool in &d.pools {
        let buying = if pool.spot.is_some() {
            "spot"
        } else {
            "on-demand"
        };
        match e.launch_templates.iter().find(|t| t.name == pool.name) {
            None => b.push(
                Action::Create,
                "launch-template",
                &pool.name,
                None,
                format!("{} {buying}", pool.instance_type),
            ),
            Some(t) => {
                let mut changed = Vec::new();
                if t.instance_type != pool.instance_type {
                    changed.push(format!(
                        "instance type {} → {}",
                        t.instance_type, pool.instance_type
                    ));
                }
                // An SSM parameter resolves to an AMI id EC2 reports instead.
                if !pool.image.starts_with("resolve:ssm:") && t.image != pool.image {
                    changed.push(format!("image {} → {}", t.image, pool.image));
                }
                if changed.is_empty() {
                    b.push(
                        Action::Keep,
                        "launch-template",
                        &pool.name,
                        Some(&t.id),
                        format!("{} {buying}", pool.instance_type),
                    );
                } else {
                    b.push(
                        Action::Change,
                        "launch-template",
                        &pool.name,
                        Some(&t.id),
                        format!("new version: {} (new instances use it)", changed.join(", ")),
                    );
                }
            }
        }
        let subnets = pool_subnets(d, e, &pool.zones);
        let size = pool.size as i32;
        match e.auto_scaling_groups.iter().find(|g| g.name == pool.name) {
            None => b.push(
                Action::Create,
                "auto-scaling-group",
                &pool.name,
                None,
                format!("{} node(s) over {}", pool.size, pool.zones.join(", ")),
            ),
            Some(g) => {
                let mut changed = Vec::new();
                if (g.min, g.max, g.desired) != (size, size, size) {
                    changed.push(format!("size {} → {size}", g.desired));
                }
                let have: BTreeSet<&String> = g.subnets.iter().collect();
                if subnets.iter().any(Option::is_none)
                    || subnets.iter().flatten().collect::<BTreeSet<_>>() != have
                {
                    changed.push(format!(
                        "subnets → the private subnets of {}",
                        pool.zones.join(", ")
                    ));
                }
                if changed.is_empty() {
                    b.push(
                        Action::Keep,
                        "auto-scaling-group",
                        &pool.name,
                        None,
                        format!("{size} node(s) over {}", pool.zones.join(", ")),
                    );
                } else {
                    b.push(
                        Action::Change,
                        "auto-scaling-group",
                        &pool.name,
                        None,
                        changed.join(", "),
                    );
                }
            }
        }
    }
}

/// The private subnet of each zone, by id; `None` for one still to create.
pub fn pool_subnets(d: &Desired, e: &Existing, zones: &[String]) -> Vec<Option<String>> {
    zones
        .iter()
        .map(|z| match &d.network {
            Network::Dynamic { .. } => {
                let name = d.subnet_name(SubnetKind::Private, z);
                e.subnets
                    .iter()
                    .find(|s| s.name == name)
                    .map(|s| s.id.clone())
            }
            Network::Static { subnets, .. } => subnets
                .iter()
                .find(|s| &s.zone == z && s.kind == SubnetKind::Private)
                .map(|s| s.id.clone()),
        })
        .collect()
}

/// What the cluster owns and the spec no longer asks for, or holds twice.
pub fn unwanted(d: &Desired, e: &Existing) -> Existing {
    let mut names: BTreeMap<&'static str, BTreeSet<String>> = BTreeMap::new();
    let mut want = |kind, name: String| {
        names.entry(kind).or_default().insert(name);
    };
    if let Network::Dynamic { zones, .. } = &d.network {
        want("vpc", d.vpc_name());
        want("igw", d.igw_name());
        want("rt", d.public_route_table_name());
        for z in zones {
            want("subnet", d.subnet_name(SubnetKind::Public, &z.zone));
            want("subnet", d.subnet_name(SubnetKind::Private, &z.zone));
            want("eip", d.eip_name(&z.zone));
            want("nat", d.nat_name(&z.zone));
            want("rt", d.private_route_table_name(&z.zone));
        }
    }
    for g in &d.groups {
        want("sg", g.name.clone());
    }
    for m in d.bastion.iter().chain(&d.masters) {
        want("instance", m.name.clone());
    }
    for p in &d.pools {
        want("pool", p.name.clone());
    }
    // The first of each name is the one kept; later ones are duplicates.
    let keep = |kind: &'static str, seen: &mut BTreeSet<String>, name: &str| -> bool {
        names.get(kind).is_some_and(|n| n.contains(name)) && seen.insert(name.to_string())
    };
    let mut out = Existing::default();
    macro_rules! split {
        ($field:ident, $kind:literal, $pred:expr) => {{
            let mut seen = BTreeSet::new();
            out.$field = e
                .$field
                .iter()
                .filter(|r| !($pred(r) && keep($kind, &mut seen, &r.name)))
                .cloned()
                .collect();
        }};
    }
    split!(vpcs, "vpc", |_| true);
    split!(subnets, "subnet", |_| true);
    split!(gateways, "igw", |_| true);
    split!(addresses, "eip", |_| true);
    split!(nat_gateways, "nat", |n: &crate::discover::NatGateway| n
        .is_live());
    split!(route_tables, "rt", |_| true);
    split!(groups, "sg", |_| true);
    split!(instances, "instance", |i: &crate::discover::Instance| i
        .is_live());
    split!(launch_templates, "pool", |_| true);
    split!(auto_scaling_groups, "pool", |_| true);
    // NAT gateways already on their way out need no step.
    out.nat_gateways.retain(|n| n.state != "deleting");
    out.instances.retain(|i| i.state != "shutting-down");
    out
}

fn extras(b: &mut Builder) {
    let extra = unwanted(b.desired, b.existing);
    for (kind, name, id) in extra.resources() {
        b.push(
            Action::Delete,
            kind,
            name,
            Some(id),
            "owned by the cluster and not in the spec (or a duplicate)",
        );
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use awscluster_lint::run::{Validated, validate};

    use super::*;
    use crate::discover::{AutoScalingGroup, NatGateway, Vpc};

    fn demo() -> Desired {
        let validated = validate(
            Path::new("../fixtures/provision/demo.cluster.json"),
            Some(Path::new("../fixtures/provision/awscluster.toml")),
            Path::new("."),
            Some(awscluster_lint::run::Provisioning::default()),
        )
        .expect("the fixture reads");
        let Validated::Ready { spec, layout, .. } = validated else {
            panic!("the fixture lints clean");
        };
        Desired::of(&spec, &layout, None).expect("the fixture can be provisioned")
    }

    fn vpc(id: &str, cidr: &str) -> Vpc {
        Vpc {
            id: id.into(),
            name: "demo-vpc".into(),
            cidr: cidr.into(),
            tags: Default::default(),
        }
    }

    fn steps(plan: &Plan, action: Action) -> Vec<(String, String)> {
        plan.steps
            .iter()
            .filter(|s| s.action == action)
            .map(|s| (s.kind.to_string(), s.name.clone()))
            .collect()
    }

    #[test]
    fn a_new_cluster_is_all_creations_in_dependency_order() {
        let plan = plan(&demo(), &Existing::default());
        assert_eq!(plan.count(Action::Create), plan.steps.len());
        assert_eq!(plan.steps.len(), 31);
        let kinds: Vec<&str> = plan.steps.iter().map(|s| s.kind).collect();
        let first = |k| kinds.iter().position(|x| *x == k).expect("present");
        assert!(first("vpc") < first("subnet"));
        assert!(first("nat-gateway") < first("route-table"));
        assert!(first("security-group") < first("load-balancer"));
        assert!(first("launch-template") < first("auto-scaling-group"));
    }

    #[test]
    fn duplicates_and_what_the_spec_dropped_are_deleted() {
        let existing = Existing {
            vpcs: vec![vpc("vpc-1", "10.0.0.0/16"), vpc("vpc-2", "10.0.0.0/16")],
            auto_scaling_groups: vec![AutoScalingGroup {
                name: "demo-old-pool".into(),
                min: 1,
                max: 1,
                desired: 1,
                subnets: vec![],
            }],
            ..Existing::default()
        };
        let plan = plan(&demo(), &existing);
        assert_eq!(
            steps(&plan, Action::Delete),
            [
                (
                    "auto-scaling-group".to_string(),
                    "demo-old-pool".to_string()
                ),
                ("vpc".to_string(), "demo-vpc".to_string())
            ]
        );
        let deleted_vpc = plan
            .steps
            .iter()
            .find(|s| s.action == Action::Delete && s.kind == "vpc");
        assert_eq!(
            deleted_vpc.and_then(|s| s.id.as_deref()),
            Some("vpc-2"),
            "the first is kept"
        );
        assert_eq!(
            steps(&plan, Action::Keep),
            [("vpc".to_string(), "demo-vpc".to_string())]
        );
    }

    #[test]
    fn a_vpc_with_another_block_blocks_the_plan() {
        let existing = Existing {
            vpcs: vec![vpc("vpc-1", "10.9.0.0/16")],
            ..Existing::default()
        };
        let plan = plan(&demo(), &existing);
        let blocked: Vec<&Step> = plan.blocked().collect();
        assert_eq!(blocked.len(), 1);
        assert!(
            blocked[0].reason.contains("destroy the cluster first"),
            "{}",
            blocked[0].reason
        );
    }

    #[test]
    fn a_pending_nat_gateway_is_kept_and_a_failed_one_replaced() {
        let nat = |id: &str, zone: &str, state: &str| NatGateway {
            id: id.into(),
            name: format!("demo-nat-{zone}"),
            subnet_id: "subnet-1".into(),
            state: state.into(),
            allocation_ids: vec![],
        };
        let existing = Existing {
            nat_gateways: vec![
                nat("nat-a", "us-east-1a", "pending"),
                nat("nat-b", "us-east-1b", "failed"),
            ],
            ..Existing::default()
        };
        let d = demo();
        let plan = plan(&d, &existing);
        let nat_steps: Vec<(Action, Option<&str>)> = plan
            .steps
            .iter()
            .filter(|s| s.kind == "nat-gateway")
            .map(|s| (s.action, s.id.as_deref()))
            .collect();
        assert_eq!(
            nat_steps,
            [
                (Action::Keep, Some("nat-a")),
                (Action::Create, None),
                (Action::Create, None),
                (Action::Delete, Some("nat-b")),
            ]
        );
    }

    #[test]
    fn rules_are_compared_with_the_groups_ids_filled_in() {
        let d = demo();
        let ids = |role: GroupRole| Some(format!("sg-{}", role.suffix()));
        let wanted = wanted_ingress(&d, GroupRole::Node, &ids).expect("all groups known");
        let mut group = Group {
            id: "sg-node".into(),
            name: "demo-node".into(),
            vpc_id: "vpc-1".into(),
            ingress: wanted.clone(),
        };
        assert_eq!(rule_diff(&group, &wanted), (vec![], vec![]));
        let stray = IngressRule {
            protocol: "tcp".into(),
            from_port: 22,
            to_port: 22,
            source: "0.0.0.0/0".into(),
        };
        group.ingress.remove(0);
        group.ingress.push(stray.clone());
        let (add, revoke) = rule_diff(&group, &wanted);
        assert_eq!((add.len(), revoke), (1, vec![stray]));
        // A rule naming a group that does not exist yet cannot be compared.
        assert_eq!(wanted_ingress(&d, GroupRole::Node, &|_| None), None);
    }
}

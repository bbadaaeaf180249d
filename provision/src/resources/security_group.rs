//! The cluster's security groups and their ingress rules. Groups refer to
//! each other (the control plane admits the nodes, the nodes the control
//! plane), so they are two kinds of step: every group is created empty
//! ([`SecurityGroup`]), then each group's rules are written ([`Rules`]).
//! Rules are compared one by one: a missing one is authorized, one the
//! spec does not have is revoked.

use aws_sdk_ec2::types as ec2;

use super::{
    Cx, Did, Fit, Id, Op, Ref, Resolve, Resource, Shown, Work, created_id, filter, owned_filter,
    show_tags, tag_change, tag_spec, tags_of,
};
use crate::aws::call::{create, done_unless, gone, settled};
use crate::aws::clients::Clients;
use crate::aws::error::{AwsResult, Error, missing};
use crate::aws::permissions::{EC2, Permission, op};
use crate::aws::wait::released;
use crate::desired::{Desired, Source, has_ports};
use crate::kind::Kind;
use crate::names::{self, Tags};
use crate::observe::Observed as All;

pub const CALLS: &[Permission] = &[
    op(
        EC2,
        "CreateSecurityGroup",
        &["ec2:CreateSecurityGroup", "ec2:CreateTags"],
    ),
    op(
        EC2,
        "DescribeSecurityGroups",
        &["ec2:DescribeSecurityGroups"],
    ),
    op(
        EC2,
        "AuthorizeSecurityGroupIngress",
        &["ec2:AuthorizeSecurityGroupIngress"],
    ),
    op(
        EC2,
        "RevokeSecurityGroupIngress",
        &["ec2:RevokeSecurityGroupIngress"],
    ),
    op(EC2, "DeleteSecurityGroup", &["ec2:DeleteSecurityGroup"]),
];

#[derive(Debug, Clone)]
pub struct SecurityGroup;

#[derive(Debug, Clone)]
pub struct Spec {
    pub name: String,
    pub vpc: Ref,
    pub description: String,
    pub tags: Tags,
}

#[derive(Debug, Clone)]
pub struct Observed {
    pub id: String,
    pub name: String,
    pub vpc_id: String,
    pub ingress: Vec<Rule>,
    pub tags: Tags,
}

/// One ingress permission as EC2 reports it, one source each. `protocol`
/// is AWS's: `tcp`, or `-1` for all traffic (ports then -1). The source is
/// an IPv4 or IPv6 block, a prefix list (`pl-…`) or a group (`sg-…`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Rule {
    pub protocol: String,
    pub from_port: i32,
    pub to_port: i32,
    /// A CIDR block, or a group id.
    pub source: String,
}

#[derive(Debug, Clone)]
pub enum Change {
    Tags(Tags),
}

impl Resource for SecurityGroup {
    const KIND: Kind = Kind::SecurityGroup;
    type World = All;
    type Wants = Desired;
    type Spec = Spec;
    type Observed = Observed;
    type Change = Change;

    fn wanted(d: &Desired) -> Vec<Spec> {
        d.groups
            .iter()
            .map(|g| Spec {
                tags: d.tags(&g.name, g.role.role_tag()),
                name: g.name.clone(),
                vpc: d.vpc_ref(),
                description: format!("{} of cluster {}", g.role.suffix(), d.cluster),
            })
            .collect()
    }

    fn observed(all: &All) -> &[Observed] {
        &all.groups
    }

    fn spec_name(spec: &Spec) -> &str {
        &spec.name
    }

    fn name(o: &Observed) -> &str {
        &o.name
    }

    fn id(o: &Observed) -> &str {
        &o.id
    }

    fn owned(o: &Observed, cluster: &str) -> bool {
        names::is_owned(&o.tags, cluster)
    }

    fn refs(spec: &Spec) -> Vec<Ref> {
        vec![spec.vpc.clone()]
    }

    fn fits(spec: &Spec, o: &Observed, ids: &dyn Resolve) -> Fit {
        if ids.id(&spec.vpc).is_some_and(|vpc| vpc.is(&o.vpc_id)) {
            Fit::Yes
        } else {
            Fit::Replace(format!("it is in {}, not in the cluster's VPC", o.vpc_id))
        }
    }

    fn uses(o: &Observed, all: &All) -> usize {
        all.instances
            .iter()
            .filter(|i| i.groups.contains(&o.id))
            .count()
            + all
                .groups
                .iter()
                .filter(|g| g.ingress.iter().any(|r| r.source == o.id))
                .count()
    }

    fn diff(spec: &Spec, o: &Observed, _ids: &dyn Resolve) -> Vec<Change> {
        tag_change(&spec.tags, &o.tags)
            .map(Change::Tags)
            .into_iter()
            .collect()
    }

    fn show(change: &Change) -> Shown {
        match change {
            Change::Tags(tags) => show_tags(tags),
        }
    }

    fn describe(spec: &Spec) -> String {
        spec.description.clone()
    }

    fn describe_observed(o: &Observed) -> String {
        format!("{} ingress rule(s)", o.ingress.len())
    }

    fn work(op: Op<SecurityGroup>) -> Work {
        Work::SecurityGroup(op)
    }
}

/// A group's ingress rules.
#[derive(Debug, Clone)]
pub struct Rules;

#[derive(Debug, Clone)]
pub struct RulesSpec {
    /// The group's name.
    pub name: String,
    pub group: Ref,
    pub rules: Vec<Wanted>,
}

/// A rule as the spec asks it: its source a block or one of the groups.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Wanted {
    pub protocol: String,
    pub from_port: i32,
    pub to_port: i32,
    pub source: WantedSource,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum WantedSource {
    Cidr(String),
    Group(Ref),
}

impl Wanted {
    /// The rule as EC2 reports it, when its source group's id is known.
    fn resolved(&self, ids: &dyn Resolve) -> Option<Rule> {
        let source = match &self.source {
            WantedSource::Cidr(c) => c.clone(),
            WantedSource::Group(g) => match ids.id(g)? {
                Id::Known(id) => id,
                Id::Step(_) => return None,
            },
        };
        Some(Rule {
            protocol: self.protocol.clone(),
            from_port: self.from_port,
            to_port: self.to_port,
            source,
        })
    }

    fn shown(&self) -> String {
        let p = &self.protocol;
        let ports = if !has_ports(p) {
            format!("protocol {p}")
        } else if self.from_port == self.to_port {
            format!("{p} {}", self.from_port)
        } else {
            format!("{p} {}-{}", self.from_port, self.to_port)
        };
        let source = match &self.source {
            WantedSource::Cidr(c) => c.clone(),
            WantedSource::Group(g) => g.name.clone(),
        };
        format!("{ports} from {source} ({})", self.description)
    }
}

#[derive(Debug, Clone)]
pub enum RulesChange {
    Authorize(Vec<Wanted>),
    Revoke(Vec<Rule>),
}

impl Resource for Rules {
    const KIND: Kind = Kind::SecurityGroupRules;
    type World = All;
    type Wants = Desired;
    /// A group's rules go with it.
    const DELETES: bool = false;
    type Spec = RulesSpec;
    type Observed = Observed;
    type Change = RulesChange;

    fn wanted(d: &Desired) -> Vec<RulesSpec> {
        d.groups
            .iter()
            .map(|g| {
                let mut rules: Vec<Wanted> = g
                    .ingress
                    .iter()
                    .map(|r| Wanted {
                        protocol: r.protocol.clone(),
                        from_port: r.from_port,
                        to_port: r.to_port,
                        source: match &r.source {
                            Source::Cidr(c) => WantedSource::Cidr(c.clone()),
                            Source::Group(role) => WantedSource::Group(d.group_ref(*role)),
                        },
                        description: r.description.clone(),
                    })
                    .collect();
                rules.sort();
                RulesSpec {
                    name: g.name.clone(),
                    group: d.group_ref(g.role),
                    rules,
                }
            })
            .collect()
    }

    fn observed(all: &All) -> &[Observed] {
        &all.groups
    }

    fn spec_name(spec: &RulesSpec) -> &str {
        &spec.name
    }

    fn name(o: &Observed) -> &str {
        &o.name
    }

    fn id(o: &Observed) -> &str {
        &o.id
    }

    fn owned(o: &Observed, cluster: &str) -> bool {
        names::is_owned(&o.tags, cluster)
    }

    fn refs(spec: &RulesSpec) -> Vec<Ref> {
        let mut refs = vec![spec.group.clone()];
        for rule in &spec.rules {
            if let WantedSource::Group(g) = &rule.source
                && !refs.contains(g)
            {
                refs.push(g.clone());
            }
        }
        refs
    }

    /// The rules of the group the plan keeps; another group of the name
    /// (a duplicate, or one replaced) is deleted, its rules with it.
    fn fits(spec: &RulesSpec, o: &Observed, ids: &dyn Resolve) -> Fit {
        if ids.id(&spec.group).is_some_and(|g| g.is(&o.id)) {
            Fit::Yes
        } else {
            Fit::Replace(format!("the rules of another group of the name ({})", o.id))
        }
    }

    fn diff(spec: &RulesSpec, o: &Observed, ids: &dyn Resolve) -> Vec<RulesChange> {
        let mut authorize = Vec::new();
        let mut wanted = Vec::new();
        for rule in &spec.rules {
            match rule.resolved(ids) {
                Some(r) if o.ingress.contains(&r) => wanted.push(r),
                Some(r) => {
                    wanted.push(r);
                    authorize.push(rule.clone());
                }
                None => authorize.push(rule.clone()),
            }
        }
        let revoke: Vec<Rule> = o
            .ingress
            .iter()
            .filter(|r| !wanted.contains(r))
            .cloned()
            .collect();
        let mut changes = Vec::new();
        if !authorize.is_empty() {
            changes.push(RulesChange::Authorize(authorize));
        }
        if !revoke.is_empty() {
            changes.push(RulesChange::Revoke(revoke));
        }
        changes
    }

    fn show(change: &RulesChange) -> Shown {
        match change {
            RulesChange::Authorize(rules) => Shown::new(
                "ingress",
                "",
                rules
                    .iter()
                    .map(|r| format!("+ {}", r.shown()))
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            RulesChange::Revoke(rules) => Shown::new(
                "ingress",
                "",
                rules
                    .iter()
                    .map(|r| {
                        format!(
                            "- {} {}-{} from {}",
                            r.protocol, r.from_port, r.to_port, r.source
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
        }
    }

    fn describe(spec: &RulesSpec) -> String {
        format!("{} ingress rule(s)", spec.rules.len())
    }

    fn describe_observed(o: &Observed) -> String {
        format!("{} ingress rule(s)", o.ingress.len())
    }

    fn work(op: Op<Rules>) -> Work {
        Work::SecurityGroupRules(op)
    }
}

pub async fn observe(clients: &Clients, cluster: &str) -> Result<Vec<Observed>, Error> {
    let pages = clients
        .ec2
        .describe_security_groups()
        .filters(owned_filter(cluster))
        .into_paginator()
        .send()
        .try_collect()
        .await
        .on("DescribeSecurityGroups", cluster)?;
    let mut found = Vec::new();
    for g in pages.iter().flat_map(|p| p.security_groups()) {
        let o = read(g)?;
        if names::is_owned(&o.tags, cluster) {
            found.push(o);
        }
    }
    Ok(found)
}

fn read(g: &ec2::SecurityGroup) -> Result<Observed, Error> {
    let id = g
        .group_id()
        .ok_or_else(|| missing("DescribeSecurityGroups", "a group", "GroupId"))?;
    let mut ingress = Vec::new();
    for p in g.ip_permissions() {
        let protocol = p
            .ip_protocol()
            .ok_or_else(|| missing("DescribeSecurityGroups", id, "IpProtocol"))?
            .to_string();
        // Only TCP, UDP and ICMP rules have ports; AWS reports none for
        // all traffic (`-1`) or another protocol (`4`, IP-in-IP).
        let (from_port, to_port) = if !has_ports(&protocol) {
            (-1, -1)
        } else {
            (
                p.from_port()
                    .ok_or_else(|| missing("DescribeSecurityGroups", id, "FromPort"))?,
                p.to_port()
                    .ok_or_else(|| missing("DescribeSecurityGroups", id, "ToPort"))?,
            )
        };
        let rule = |source: &str| Rule {
            protocol: protocol.clone(),
            from_port,
            to_port,
            source: source.to_string(),
        };
        // Every kind of source, so that one the spec does not have (an IPv6
        // block, a prefix list) is shown and revoked like any other.
        ingress.extend(p.ip_ranges().iter().filter_map(|r| r.cidr_ip()).map(rule));
        ingress.extend(
            p.ipv6_ranges()
                .iter()
                .filter_map(|r| r.cidr_ipv6())
                .map(rule),
        );
        ingress.extend(
            p.prefix_list_ids()
                .iter()
                .filter_map(|r| r.prefix_list_id())
                .map(rule),
        );
        ingress.extend(
            p.user_id_group_pairs()
                .iter()
                .filter_map(|r| r.group_id())
                .map(rule),
        );
    }
    ingress.sort();
    let tags = tags_of(g.tags());
    Ok(Observed {
        id: id.to_string(),
        name: g
            .group_name()
            .ok_or_else(|| missing("DescribeSecurityGroups", id, "GroupName"))?
            .to_string(),
        vpc_id: g
            .vpc_id()
            .ok_or_else(|| missing("DescribeSecurityGroups", id, "VpcId"))?
            .to_string(),
        ingress,
        tags,
    })
}

/// One ingress rule as EC2 takes it.
fn permission(protocol: &str, from_port: i32, to_port: i32, source: &str) -> ec2::IpPermission {
    // Ports always sent: -1 for a protocol without them, which AWS
    // ignores ("traffic on all ports is allowed, regardless of any ports
    // you specify", AuthorizeSecurityGroupIngress) and moto requires.
    let (from_port, to_port) = if has_ports(protocol) {
        (from_port, to_port)
    } else {
        (-1, -1)
    };
    let p = ec2::IpPermission::builder()
        .ip_protocol(protocol)
        .from_port(from_port)
        .to_port(to_port);
    if source.starts_with("sg-") {
        p.user_id_group_pairs(ec2::UserIdGroupPair::builder().group_id(source).build())
            .build()
    } else if source.starts_with("pl-") {
        p.prefix_list_ids(ec2::PrefixListId::builder().prefix_list_id(source).build())
            .build()
    } else if source.contains(':') {
        p.ipv6_ranges(ec2::Ipv6Range::builder().cidr_ipv6(source).build())
            .build()
    } else {
        p.ip_ranges(ec2::IpRange::builder().cidr_ip(source).build())
            .build()
    }
}

pub async fn run(cx: &Cx<'_>, step: usize, op: &Op<SecurityGroup>) -> Result<Did, Error> {
    match op {
        Op::Create(spec) => {
            let vpc = cx.id(&spec.vpc)?;
            let retry = cx.retry(step, Some(Kind::SecurityGroup));
            let id = create(
                retry.get(),
                || {
                    let call = cx
                        .clients
                        .ec2_once
                        .create_security_group()
                        .group_name(&spec.name)
                        .description(&spec.description)
                        .vpc_id(&vpc)
                        .tag_specifications(tag_spec(ec2::ResourceType::SecurityGroup, &spec.tags));
                    async {
                        let out = call.send().await.on("CreateSecurityGroup", &spec.name)?;
                        created_id("CreateSecurityGroup", &spec.name, out.group_id())
                    }
                },
                || find(cx, &spec.name, &vpc),
            )
            .await?;
            cx.produced(step, &id);
            Ok(Did::Created(id))
        }
        Op::Update { id, spec, changes } => {
            for change in changes {
                match change {
                    Change::Tags(tags) => cx.tag(step, id, &spec.name, tags).await?,
                }
            }
            cx.produced(step, id);
            Ok(Did::Changed(super::said::<SecurityGroup>(changes)))
        }
        Op::Delete(o) => {
            // Its rules first: a rule naming another group holds that
            // group, and the groups of a cluster name each other.
            revoke(cx, &o.id, &o.name, &o.ingress).await?;
            released("security group", cx.timing, || async {
                gone(
                    cx.ec2()
                        .delete_security_group()
                        .group_id(&o.id)
                        .send()
                        .await
                        .on("DeleteSecurityGroup", &o.name),
                )
            })
            .await?;
            Ok(Did::Deleted)
        }
    }
}

/// The group of that name in the VPC, when it is the cluster's (a name is
/// unique in a VPC: EC2 refuses a second one as `InvalidGroup.Duplicate`).
async fn find(cx: &Cx<'_>, name: &str, vpc: &str) -> Result<Option<String>, Error> {
    let out = cx
        .ec2()
        .describe_security_groups()
        .filters(filter("vpc-id", vec![vpc.to_string()]))
        .filters(filter("group-name", vec![name.to_string()]))
        .send()
        .await
        .on("DescribeSecurityGroups", name)?;
    for g in out.security_groups() {
        let o = read(g)?;
        if o.name == name
            && o.vpc_id == vpc
            && names::is_owned(&o.tags, cx.cluster)
            && !cx.doomed(&o.id)
        {
            return Ok(Some(o.id));
        }
    }
    Ok(None)
}

pub async fn run_rules(cx: &Cx<'_>, step: usize, op: &Op<Rules>) -> Result<Did, Error> {
    match op {
        Op::Create(spec) => {
            let group = cx.id(&spec.group)?;
            authorize(cx, step, &group, &spec.name, &spec.rules).await?;
            cx.produced(step, &group);
            Ok(Did::Changed(format!(
                "{} rule(s) authorized",
                spec.rules.len()
            )))
        }
        Op::Update { id, spec, changes } => {
            for change in changes {
                match change {
                    RulesChange::Authorize(rules) => {
                        authorize(cx, step, id, &spec.name, rules).await?
                    }
                    RulesChange::Revoke(rules) => revoke(cx, id, &spec.name, rules).await?,
                }
            }
            cx.produced(step, id);
            Ok(Did::Changed(super::said::<Rules>(changes)))
        }
        // Never planned: a group's rules go with it.
        Op::Delete(_) => Ok(Did::Nothing),
    }
}

async fn authorize(
    cx: &Cx<'_>,
    step: usize,
    group: &str,
    name: &str,
    rules: &[Wanted],
) -> Result<(), Error> {
    let mut permissions = Vec::new();
    for rule in rules {
        let source = match &rule.source {
            WantedSource::Cidr(c) => c.clone(),
            WantedSource::Group(g) => cx.id(g)?,
        };
        permissions.push(permission(
            &rule.protocol,
            rule.from_port,
            rule.to_port,
            &source,
        ));
    }
    let retry = cx.retry(step, Some(Kind::SecurityGroup));
    let result = settled(retry.get(), || {
        let call = cx
            .ec2()
            .authorize_security_group_ingress()
            .group_id(group)
            .set_ip_permissions(Some(permissions.clone()));
        async { call.send().await.on("AuthorizeSecurityGroupIngress", name) }
    })
    .await;
    // There already: the answer to an earlier attempt was lost.
    done_unless(result, &["InvalidPermission.Duplicate"])
}

async fn revoke(cx: &Cx<'_>, group: &str, name: &str, rules: &[Rule]) -> Result<(), Error> {
    if rules.is_empty() {
        return Ok(());
    }
    let permissions: Vec<ec2::IpPermission> = rules
        .iter()
        .map(|r| permission(&r.protocol, r.from_port, r.to_port, &r.source))
        .collect();
    gone(
        cx.ec2()
            .revoke_security_group_ingress()
            .group_id(group)
            .set_ip_permissions(Some(permissions))
            .send()
            .await
            .on("RevokeSecurityGroupIngress", name),
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::resources::testing::{Refs, tags_for};

    fn wanted(source: WantedSource) -> Wanted {
        Wanted {
            protocol: "tcp".into(),
            from_port: 10250,
            to_port: 10250,
            source,
            description: "kubelet API".into(),
        }
    }

    fn group(ingress: Vec<Rule>) -> Observed {
        Observed {
            id: "sg-node".into(),
            name: "demo-node".into(),
            vpc_id: "vpc-1".into(),
            ingress,
            tags: tags_for("demo", "demo-node", names::Role::Common),
        }
    }

    fn rule(source: &str) -> Rule {
        Rule {
            protocol: "tcp".into(),
            from_port: 10250,
            to_port: 10250,
            source: source.into(),
        }
    }

    #[test]
    fn rules_are_compared_with_the_groups_ids_filled_in() {
        let cp = Ref::new(Kind::SecurityGroup, "demo-controlplane");
        let node = Ref::new(Kind::SecurityGroup, "demo-node");
        let spec = RulesSpec {
            name: "demo-node".into(),
            group: node.clone(),
            rules: vec![wanted(WantedSource::Group(cp.clone()))],
        };
        let ids = Refs(HashMap::from([
            (cp.clone(), Id::Known("sg-cp".into())),
            (node.clone(), Id::Known("sg-node".into())),
        ]));
        assert!(Rules::diff(&spec, &group(vec![rule("sg-cp")]), &ids).is_empty());
        // One missing, one the spec does not have.
        let changes = Rules::diff(&spec, &group(vec![rule("0.0.0.0/0")]), &ids);
        assert!(matches!(&changes[0], RulesChange::Authorize(a) if a.len() == 1));
        assert!(matches!(&changes[1], RulesChange::Revoke(r) if r == &[rule("0.0.0.0/0")]));
        // A rule naming a group still to be created is always added.
        let new_cp = Refs(HashMap::from([
            (cp, Id::Step(3)),
            (node, Id::Known("sg-node".into())),
        ]));
        let changes = Rules::diff(&spec, &group(vec![]), &new_cp);
        assert!(matches!(&changes[0], RulesChange::Authorize(a) if a.len() == 1));
    }

    /// A rule from an IPv6 block or a prefix list is read like any other,
    /// so that it is revoked when the spec does not have it.
    #[test]
    fn every_kind_of_source_is_read_and_written_back() {
        let permission = ec2::IpPermission::builder()
            .ip_protocol("tcp")
            .from_port(22)
            .to_port(22)
            .ipv6_ranges(ec2::Ipv6Range::builder().cidr_ipv6("::/0").build())
            .prefix_list_ids(
                ec2::PrefixListId::builder()
                    .prefix_list_id("pl-1234")
                    .build(),
            )
            .build();
        let g = ec2::SecurityGroup::builder()
            .group_id("sg-1")
            .group_name("demo-bastion")
            .vpc_id("vpc-1")
            .ip_permissions(permission)
            .build();
        let o = read(&g).expect("reads");
        let sources: Vec<&str> = o.ingress.iter().map(|r| r.source.as_str()).collect();
        assert_eq!(sources, ["::/0", "pl-1234"]);
        let v6 = super::permission("tcp", 22, 22, "::/0");
        assert_eq!(v6.ipv6_ranges()[0].cidr_ipv6(), Some("::/0"));
        let list = super::permission("tcp", 22, 22, "pl-1234");
        assert_eq!(list.prefix_list_ids()[0].prefix_list_id(), Some("pl-1234"));
    }

    #[test]
    fn the_rules_of_a_group_the_plan_does_not_keep_are_not_compared() {
        let node = Ref::new(Kind::SecurityGroup, "demo-node");
        let spec = RulesSpec {
            name: "demo-node".into(),
            group: node.clone(),
            rules: Vec::new(),
        };
        let other = Refs(HashMap::from([(node, Id::Known("sg-other".into()))]));
        assert!(matches!(
            Rules::fits(&spec, &group(vec![]), &other),
            Fit::Replace(_)
        ));
    }
}

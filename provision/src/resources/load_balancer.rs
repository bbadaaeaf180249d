//! The API server's classic load balancer: TCP 6443 across the public
//! subnets, in its own security group, probing the masters' port 6443,
//! with the attributes set after the create (idle timeout, cross-zone
//! balancing). The control-plane instances are registered with it as a
//! step of their own ([`Members`]), once they run.
//!
//! A load balancer of the cluster's name that the cluster does not own is
//! never touched: the plan is blocked instead.

use aws_sdk_elasticloadbalancing::types as elb;
use awscluster_lint::spec::{LoadBalancerScheme, SubnetKind};

use super::{
    Cx, Did, Fit, Id, Op, Ref, Resolve, Resource, Shown, Work, on_off, show_tags, tag_change,
};
use crate::aws::call::{create, gone, settled};
use crate::aws::clients::Clients;
use crate::aws::error::{AwsResult, Error, missing};
use crate::aws::permissions::{ELB, LOAD_BALANCING_ROLE, Permission, op};
use crate::desired::{Desired, GroupRole};
use crate::kind::Kind;
use crate::names::{self, Role, Tags};
use crate::observe::Observed as All;

pub const CALLS: &[Permission] = &[
    op(
        ELB,
        "CreateLoadBalancer",
        &[
            "elasticloadbalancing:CreateLoadBalancer",
            "elasticloadbalancing:AddTags",
        ],
    )
    .creating(&LOAD_BALANCING_ROLE),
    op(
        ELB,
        "DescribeLoadBalancers",
        &["elasticloadbalancing:DescribeLoadBalancers"],
    ),
    op(ELB, "DescribeTags", &["elasticloadbalancing:DescribeTags"]),
    op(ELB, "AddTags", &["elasticloadbalancing:AddTags"]),
    op(
        ELB,
        "DescribeLoadBalancerAttributes",
        &["elasticloadbalancing:DescribeLoadBalancerAttributes"],
    ),
    op(
        ELB,
        "ModifyLoadBalancerAttributes",
        &["elasticloadbalancing:ModifyLoadBalancerAttributes"],
    ),
    op(
        ELB,
        "ConfigureHealthCheck",
        &["elasticloadbalancing:ConfigureHealthCheck"],
    ),
    op(
        ELB,
        "CreateLoadBalancerListeners",
        &["elasticloadbalancing:CreateLoadBalancerListeners"],
    ),
    op(
        ELB,
        "AttachLoadBalancerToSubnets",
        &["elasticloadbalancing:AttachLoadBalancerToSubnets"],
    ),
    op(
        ELB,
        "DetachLoadBalancerFromSubnets",
        &["elasticloadbalancing:DetachLoadBalancerFromSubnets"],
    ),
    op(
        ELB,
        "ApplySecurityGroupsToLoadBalancer",
        &["elasticloadbalancing:ApplySecurityGroupsToLoadBalancer"],
    ),
    op(
        ELB,
        "RegisterInstancesWithLoadBalancer",
        &["elasticloadbalancing:RegisterInstancesWithLoadBalancer"],
    ),
    op(
        ELB,
        "DeregisterInstancesFromLoadBalancer",
        &["elasticloadbalancing:DeregisterInstancesFromLoadBalancer"],
    ),
    op(
        ELB,
        "DeleteLoadBalancer",
        &["elasticloadbalancing:DeleteLoadBalancer"],
    ),
];

/// The Kubernetes API's port, on the load balancer and on the masters.
pub const API_PORT: i32 = 6443;

#[derive(Debug, Clone)]
pub struct LoadBalancer;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthCheck {
    pub target: String,
    pub interval: i32,
    pub timeout: i32,
    pub unhealthy_threshold: i32,
    pub healthy_threshold: i32,
}

impl HealthCheck {
    /// A TCP connection to the API server's port, as Cluster API Provider
    /// AWS checks it (its `DefaultAPIServerHealthCheck*` values): every 5 s,
    /// 4 s to answer, out after 6 failures, back after 2 successes, so a
    /// restarting API server (an upgrade) is not taken out at once.
    pub fn api_server() -> HealthCheck {
        HealthCheck {
            target: format!("TCP:{API_PORT}"),
            interval: 5,
            timeout: 4,
            unhealthy_threshold: 6,
            healthy_threshold: 2,
        }
    }

    fn shown(&self) -> String {
        format!(
            "{} every {} s, timeout {} s, {} down / {} up",
            self.target,
            self.interval,
            self.timeout,
            self.unhealthy_threshold,
            self.healthy_threshold
        )
    }
}

/// Seconds a connection may stay idle: long enough for watches, which
/// hold a connection open for minutes (Cluster API Provider AWS's value).
pub const IDLE_TIMEOUT: i32 = 600;

#[derive(Debug, Clone)]
pub struct Spec {
    pub name: String,
    /// `internet-facing` or `internal`.
    pub scheme: String,
    pub vpc: Ref,
    pub subnets: Vec<Ref>,
    pub group: Ref,
    pub health_check: HealthCheck,
    pub idle_timeout: i32,
    pub cross_zone: bool,
    pub tags: Tags,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listener {
    pub protocol: String,
    pub port: i32,
    pub instance_protocol: String,
    pub instance_port: i32,
}

impl Listener {
    fn api_server() -> Listener {
        Listener {
            protocol: "TCP".into(),
            port: API_PORT,
            instance_protocol: "TCP".into(),
            instance_port: API_PORT,
        }
    }

    fn request(&self) -> Result<elb::Listener, Error> {
        elb::Listener::builder()
            .protocol(&self.protocol)
            .load_balancer_port(self.port)
            .instance_protocol(&self.instance_protocol)
            .instance_port(self.instance_port)
            .build()
            .map_err(|e| Error::Spec(format!("internal error building a listener: {e}")))
    }
}

#[derive(Debug, Clone)]
pub struct Observed {
    pub name: String,
    /// False when it exists without this cluster's ownership tag.
    pub owned: bool,
    pub scheme: String,
    pub vpc_id: String,
    pub subnets: Vec<String>,
    pub groups: Vec<String>,
    pub listeners: Vec<Listener>,
    pub health_check: Option<HealthCheck>,
    pub idle_timeout: i32,
    pub cross_zone: bool,
    pub instances: Vec<String>,
    pub tags: Tags,
}

#[derive(Debug, Clone)]
pub enum Change {
    Subnets {
        attach: Vec<Ref>,
        detach: Vec<String>,
    },
    Groups {
        from: Vec<String>,
    },
    Listener,
    HealthCheck {
        from: Option<HealthCheck>,
    },
    IdleTimeout {
        from: i32,
    },
    CrossZone,
    Tags(Tags),
}

impl Resource for LoadBalancer {
    const KIND: Kind = Kind::LoadBalancer;
    type World = All;
    type Wants = Desired;
    type Spec = Spec;
    type Observed = Observed;
    type Change = Change;

    fn wanted(d: &Desired) -> Vec<Spec> {
        let name = d.load_balancer_name();
        // An internal load balancer has its nodes in the private subnets.
        let kind = match d.api_scheme {
            LoadBalancerScheme::InternetFacing => SubnetKind::Public,
            LoadBalancerScheme::Internal => SubnetKind::Private,
        };
        vec![Spec {
            tags: d.tags(&name, Role::ApiServer),
            name,
            scheme: d.api_scheme.to_string(),
            vpc: d.vpc_ref(),
            subnets: d
                .zones
                .iter()
                .filter_map(|z| d.subnet_ref(kind, z))
                .collect(),
            group: d.group_ref(GroupRole::ApiServerLb),
            health_check: HealthCheck::api_server(),
            idle_timeout: IDLE_TIMEOUT,
            cross_zone: true,
        }]
    }

    fn observed(all: &All) -> &[Observed] {
        &all.load_balancers
    }

    fn spec_name(spec: &Spec) -> &str {
        &spec.name
    }

    fn name(o: &Observed) -> &str {
        &o.name
    }

    fn id(o: &Observed) -> &str {
        &o.name
    }

    fn owned(o: &Observed, cluster: &str) -> bool {
        o.owned && names::is_owned(&o.tags, cluster)
    }

    fn refs(spec: &Spec) -> Vec<Ref> {
        let mut refs = spec.subnets.clone();
        refs.push(spec.group.clone());
        refs
    }

    fn fits(spec: &Spec, o: &Observed, ids: &dyn Resolve) -> Fit {
        if !o.owned {
            return Fit::Block(format!(
                "a load balancer named {} exists and is not owned by the cluster: awscluster will not touch it",
                o.name
            ));
        }
        if !ids.id(&spec.vpc).is_some_and(|vpc| vpc.is(&o.vpc_id)) {
            return Fit::Block(format!(
                "it is in {}, not in the cluster's VPC; a load balancer cannot move: destroy the cluster first",
                o.vpc_id
            ));
        }
        if o.scheme != spec.scheme {
            return Fit::Block(format!(
                "its scheme is {} and the spec's is {}; a load balancer's scheme cannot change: destroy the cluster first",
                o.scheme, spec.scheme
            ));
        }
        Fit::Yes
    }

    fn diff(spec: &Spec, o: &Observed, ids: &dyn Resolve) -> Vec<Change> {
        let mut changes = Vec::new();
        let wanted: Vec<(Ref, Option<Id>)> = spec
            .subnets
            .iter()
            .map(|s| (s.clone(), ids.id(s)))
            .collect();
        let attach: Vec<Ref> = wanted
            .iter()
            .filter(|(_, id)| {
                !o.subnets
                    .iter()
                    .any(|s| id.as_ref().is_some_and(|id| id.is(s)))
            })
            .map(|(r, _)| r.clone())
            .collect();
        let detach: Vec<String> = o
            .subnets
            .iter()
            .filter(|s| {
                !wanted
                    .iter()
                    .any(|(_, id)| id.as_ref().is_some_and(|id| id.is(s)))
            })
            .cloned()
            .collect();
        if !attach.is_empty() || !detach.is_empty() {
            changes.push(Change::Subnets { attach, detach });
        }
        let group = ids.id(&spec.group);
        if !(o.groups.len() == 1 && group.is_some_and(|g| g.is(&o.groups[0]))) {
            changes.push(Change::Groups {
                from: o.groups.clone(),
            });
        }
        if !o.listeners.contains(&Listener::api_server()) {
            changes.push(Change::Listener);
        }
        if o.health_check.as_ref() != Some(&spec.health_check) {
            changes.push(Change::HealthCheck {
                from: o.health_check.clone(),
            });
        }
        if o.idle_timeout != spec.idle_timeout {
            changes.push(Change::IdleTimeout {
                from: o.idle_timeout,
            });
        }
        if o.cross_zone != spec.cross_zone {
            changes.push(Change::CrossZone);
        }
        changes.extend(tag_change(&spec.tags, &o.tags).map(Change::Tags));
        changes
    }

    fn show(change: &Change) -> Shown {
        match change {
            Change::Subnets { attach, detach } => Shown::new(
                "subnets",
                detach
                    .iter()
                    .map(|s| format!("- {s}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                attach
                    .iter()
                    .map(|s| format!("+ {}", s.name))
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
            Change::Groups { from } => Shown::new(
                "security groups",
                from.join(", "),
                "the load balancer's group",
            ),
            Change::Listener => Shown::new(
                "listener",
                "none on 6443",
                format!("TCP {API_PORT} → TCP {API_PORT}"),
            ),
            Change::HealthCheck { from } => Shown::new(
                "health check",
                from.as_ref().map_or("none".into(), HealthCheck::shown),
                HealthCheck::api_server().shown(),
            ),
            Change::IdleTimeout { from } => Shown::new(
                "idle timeout",
                format!("{from} s"),
                format!("{IDLE_TIMEOUT} s"),
            ),
            Change::CrossZone => Shown::new("cross-zone balancing", "off", on_off(true)),
            Change::Tags(tags) => show_tags(tags),
        }
    }

    fn describe(spec: &Spec) -> String {
        format!(
            "classic ELB, {}, TCP {API_PORT} across {} subnet(s), health check {}",
            spec.scheme,
            spec.subnets.len(),
            spec.health_check.target
        )
    }

    fn describe_observed(o: &Observed) -> String {
        format!("{} instance(s) registered", o.instances.len())
    }

    fn work(op: Op<LoadBalancer>) -> Work {
        Work::LoadBalancer(op)
    }
}

/// The control-plane instances registered with the load balancer.
#[derive(Debug, Clone)]
pub struct Members;

#[derive(Debug, Clone)]
pub struct MembersSpec {
    pub name: String,
    pub load_balancer: Ref,
    pub instances: Vec<Ref>,
}

#[derive(Debug, Clone)]
pub enum MembersChange {
    Register(Vec<Ref>),
    Deregister(Vec<String>),
}

impl Resource for Members {
    const KIND: Kind = Kind::LoadBalancerInstances;
    type World = All;
    type Wants = Desired;
    /// The registrations go with the load balancer.
    const DELETES: bool = false;
    type Spec = MembersSpec;
    type Observed = Observed;
    type Change = MembersChange;

    fn wanted(d: &Desired) -> Vec<MembersSpec> {
        if d.masters.is_empty() {
            return Vec::new();
        }
        let name = d.load_balancer_name();
        vec![MembersSpec {
            load_balancer: Ref::new(Kind::LoadBalancer, name.clone()),
            name,
            instances: d
                .masters
                .iter()
                .map(|m| Ref::new(Kind::Instance, m.name.clone()))
                .collect(),
        }]
    }

    fn observed(all: &All) -> &[Observed] {
        &all.load_balancers
    }

    fn spec_name(spec: &MembersSpec) -> &str {
        &spec.name
    }

    fn name(o: &Observed) -> &str {
        &o.name
    }

    fn id(o: &Observed) -> &str {
        &o.name
    }

    fn owned(o: &Observed, cluster: &str) -> bool {
        LoadBalancer::owned(o, cluster)
    }

    fn refs(spec: &MembersSpec) -> Vec<Ref> {
        let mut refs = vec![spec.load_balancer.clone()];
        refs.extend(spec.instances.iter().cloned());
        refs
    }

    fn fits(_spec: &MembersSpec, o: &Observed, _ids: &dyn Resolve) -> Fit {
        if o.owned {
            Fit::Yes
        } else {
            Fit::Block(format!("the load balancer {} is not the cluster's", o.name))
        }
    }

    fn diff(spec: &MembersSpec, o: &Observed, ids: &dyn Resolve) -> Vec<MembersChange> {
        let wanted: Vec<(Ref, Option<Id>)> = spec
            .instances
            .iter()
            .map(|i| (i.clone(), ids.id(i)))
            .collect();
        let register: Vec<Ref> = wanted
            .iter()
            .filter(|(_, id)| {
                !o.instances
                    .iter()
                    .any(|i| id.as_ref().is_some_and(|id| id.is(i)))
            })
            .map(|(r, _)| r.clone())
            .collect();
        let deregister: Vec<String> = o
            .instances
            .iter()
            .filter(|i| {
                !wanted
                    .iter()
                    .any(|(_, id)| id.as_ref().is_some_and(|id| id.is(i)))
            })
            .cloned()
            .collect();
        let mut changes = Vec::new();
        if !register.is_empty() {
            changes.push(MembersChange::Register(register));
        }
        if !deregister.is_empty() {
            changes.push(MembersChange::Deregister(deregister));
        }
        changes
    }

    fn show(change: &MembersChange) -> Shown {
        match change {
            MembersChange::Register(refs) => Shown::new(
                "instances",
                "",
                refs.iter()
                    .map(|r| format!("+ {}", r.name))
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
            MembersChange::Deregister(ids) => Shown::new(
                "instances",
                "",
                ids.iter()
                    .map(|i| format!("- {i}"))
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
        }
    }

    fn describe(spec: &MembersSpec) -> String {
        format!(
            "{} control-plane instance(s) registered",
            spec.instances.len()
        )
    }

    fn describe_observed(o: &Observed) -> String {
        format!("{} instance(s) registered", o.instances.len())
    }

    fn work(op: Op<Members>) -> Work {
        Work::LoadBalancerInstances(op)
    }
}

/// The load balancer of the cluster's name, whoever owns it.
pub async fn observe(clients: &Clients, cluster: &str) -> Result<Vec<Observed>, Error> {
    let name = names::naming::load_balancer(cluster);
    let out = match clients
        .elb
        .describe_load_balancers()
        .load_balancer_names(&name)
        .send()
        .await
        .on("DescribeLoadBalancers", &name)
    {
        Ok(out) => out,
        Err(e) if e.is_not_found() => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let Some(lb) = out
        .load_balancer_descriptions()
        .iter()
        .find(|lb| lb.load_balancer_name() == Some(name.as_str()))
    else {
        return Ok(Vec::new());
    };
    let (tags, attributes) = tokio::try_join!(
        async {
            clients
                .elb
                .describe_tags()
                .load_balancer_names(&name)
                .send()
                .await
                .on("DescribeTags", &name)
        },
        async {
            clients
                .elb
                .describe_load_balancer_attributes()
                .load_balancer_name(&name)
                .send()
                .await
                .on("DescribeLoadBalancerAttributes", &name)
        },
    )?;
    let tags: Tags = tags
        .tag_descriptions()
        .iter()
        .filter(|d| d.load_balancer_name() == Some(name.as_str()))
        .flat_map(|d| d.tags())
        .map(|t| {
            (
                t.key().to_string(),
                t.value().unwrap_or_default().to_string(),
            )
        })
        .collect();
    let attributes = attributes.load_balancer_attributes().ok_or_else(|| {
        missing(
            "DescribeLoadBalancerAttributes",
            &name,
            "LoadBalancerAttributes",
        )
    })?;
    Ok(vec![Observed {
        owned: names::is_owned(&tags, cluster),
        scheme: lb
            .scheme()
            .ok_or_else(|| missing("DescribeLoadBalancers", &name, "Scheme"))?
            .to_string(),
        vpc_id: lb
            .vpc_id()
            .ok_or_else(|| missing("DescribeLoadBalancers", &name, "VPCId"))?
            .to_string(),
        subnets: lb.subnets().to_vec(),
        groups: lb.security_groups().to_vec(),
        listeners: lb
            .listener_descriptions()
            .iter()
            .filter_map(|d| d.listener())
            .map(|l| Listener {
                protocol: l.protocol().to_ascii_uppercase(),
                port: l.load_balancer_port(),
                instance_protocol: l
                    .instance_protocol()
                    .unwrap_or(l.protocol())
                    .to_ascii_uppercase(),
                instance_port: l.instance_port(),
            })
            .collect(),
        health_check: lb.health_check().map(|h| HealthCheck {
            target: h.target().to_string(),
            interval: h.interval(),
            timeout: h.timeout(),
            unhealthy_threshold: h.unhealthy_threshold(),
            healthy_threshold: h.healthy_threshold(),
        }),
        idle_timeout: attributes
            .connection_settings()
            .map(|c| c.idle_timeout())
            .ok_or_else(|| {
                missing(
                    "DescribeLoadBalancerAttributes",
                    &name,
                    "ConnectionSettings",
                )
            })?,
        cross_zone: attributes
            .cross_zone_load_balancing()
            .map(|c| c.enabled())
            .ok_or_else(|| {
                missing(
                    "DescribeLoadBalancerAttributes",
                    &name,
                    "CrossZoneLoadBalancing",
                )
            })?,
        instances: lb
            .instances()
            .iter()
            .filter_map(|i| i.instance_id().map(str::to_string))
            .collect(),
        tags,
        name,
    }])
}

/// The load balancer of that name, when it carries the cluster's tag.
async fn find(cx: &Cx<'_>, name: &str) -> Result<Option<String>, Error> {
    let found = observe(cx.clients, cx.cluster).await?;
    Ok(found
        .into_iter()
        .find(|o| o.name == name && LoadBalancer::owned(o, cx.cluster))
        .map(|o| o.name))
}

fn request_tags(tags: &Tags) -> Result<Vec<elb::Tag>, Error> {
    tags.iter()
        .map(|(k, v)| {
            elb::Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(|e| Error::Spec(format!("internal error building a tag: {e}")))
        })
        .collect()
}

pub async fn run(cx: &Cx<'_>, step: usize, op: &Op<LoadBalancer>) -> Result<Did, Error> {
    match op {
        Op::Create(spec) => {
            let mut subnets = Vec::new();
            for s in &spec.subnets {
                subnets.push(cx.id(s)?);
            }
            let group = cx.id(&spec.group)?;
            let listener = Listener::api_server().request()?;
            let tags = request_tags(&spec.tags)?;
            let retry = cx.retry(step, Some(Kind::LoadBalancer));
            create(
                retry.get(),
                || {
                    let call = cx
                        .clients
                        .elb_once
                        .create_load_balancer()
                        .load_balancer_name(&spec.name)
                        .scheme(&spec.scheme)
                        .listeners(listener.clone())
                        .set_subnets(Some(subnets.clone()))
                        .security_groups(&group)
                        .set_tags(Some(tags.clone()));
                    async {
                        call.send().await.on("CreateLoadBalancer", &spec.name)?;
                        Ok(spec.name.clone())
                    }
                },
                || find(cx, &spec.name),
            )
            .await?;
            for change in [
                Change::HealthCheck { from: None },
                Change::IdleTimeout { from: 0 },
            ] {
                change_one(cx, step, spec, &change).await?;
            }
            cx.produced(step, &spec.name);
            Ok(Did::Created(spec.name.clone()))
        }
        Op::Update { id, spec, changes } => {
            for change in changes {
                change_one(cx, step, spec, change).await?;
            }
            cx.produced(step, id);
            Ok(Did::Changed(super::said::<LoadBalancer>(changes)))
        }
        Op::Delete(o) => {
            gone(
                cx.clients
                    .elb
                    .delete_load_balancer()
                    .load_balancer_name(&o.name)
                    .send()
                    .await
                    .on("DeleteLoadBalancer", &o.name),
            )?;
            Ok(Did::Deleted)
        }
    }
}

async fn change_one(cx: &Cx<'_>, step: usize, spec: &Spec, change: &Change) -> Result<(), Error> {
    let lb = &cx.clients.elb;
    let name = spec.name.as_str();
    let retry = cx.retry(step, Some(Kind::LoadBalancer));
    match change {
        Change::Subnets { attach, detach } => {
            // Attached first: a load balancer keeps at least one subnet.
            if !attach.is_empty() {
                let mut ids = Vec::new();
                for s in attach {
                    ids.push(cx.id(s)?);
                }
                settled(retry.get(), || {
                    let call = lb
                        .attach_load_balancer_to_subnets()
                        .load_balancer_name(name)
                        .set_subnets(Some(ids.clone()));
                    async { call.send().await.on("AttachLoadBalancerToSubnets", name) }
                })
                .await?;
            }
            if !detach.is_empty() {
                lb.detach_load_balancer_from_subnets()
                    .load_balancer_name(name)
                    .set_subnets(Some(detach.clone()))
                    .send()
                    .await
                    .on("DetachLoadBalancerFromSubnets", name)?;
            }
        }
        Change::Groups { .. } => {
            let group = cx.id(&spec.group)?;
            settled(retry.get(), || {
                let call = lb
                    .apply_security_groups_to_load_balancer()
                    .load_balancer_name(name)
                    .security_groups(&group);
                async {
                    call.send()
                        .await
                        .on("ApplySecurityGroupsToLoadBalancer", name)
                }
            })
            .await?;
        }
        Change::Listener => {
            lb.create_load_balancer_listeners()
                .load_balancer_name(name)
                .listeners(Listener::api_server().request()?)
                .send()
                .await
                .on("CreateLoadBalancerListeners", name)?;
        }
        Change::HealthCheck { .. } => {
            let h = &spec.health_check;
            let check = elb::HealthCheck::builder()
                .target(&h.target)
                .interval(h.interval)
                .timeout(h.timeout)
                .unhealthy_threshold(h.unhealthy_threshold)
                .healthy_threshold(h.healthy_threshold)
                .build()
                .map_err(|e| Error::Spec(format!("internal error building a health check: {e}")))?;
            settled(retry.get(), || {
                let call = lb
                    .configure_health_check()
                    .load_balancer_name(name)
                    .health_check(check.clone());
                async { call.send().await.on("ConfigureHealthCheck", name) }
            })
            .await?;
        }
        Change::IdleTimeout { .. } | Change::CrossZone => {
            // Both in one call: each is set to the spec's value.
            let attributes = elb::LoadBalancerAttributes::builder()
                .connection_settings(
                    elb::ConnectionSettings::builder()
                        .idle_timeout(spec.idle_timeout)
                        .build()
                        .map_err(|e| {
                            Error::Spec(format!("internal error building attributes: {e}"))
                        })?,
                )
                .cross_zone_load_balancing(
                    elb::CrossZoneLoadBalancing::builder()
                        .enabled(spec.cross_zone)
                        .build(),
                )
                .build();
            settled(retry.get(), || {
                let call = lb
                    .modify_load_balancer_attributes()
                    .load_balancer_name(name)
                    .load_balancer_attributes(attributes.clone());
                async { call.send().await.on("ModifyLoadBalancerAttributes", name) }
            })
            .await?;
        }
        Change::Tags(tags) => {
            lb.add_tags()
                .load_balancer_names(name)
                .set_tags(Some(request_tags(tags)?))
                .send()
                .await
                .on("AddTags", name)?;
        }
    }
    Ok(())
}

pub async fn run_members(cx: &Cx<'_>, step: usize, op: &Op<Members>) -> Result<Did, Error> {
    match op {
        Op::Create(spec) => {
            register(cx, step, spec, &spec.instances).await?;
            Ok(Did::Changed(format!(
                "{} instance(s) registered",
                spec.instances.len()
            )))
        }
        Op::Update { spec, changes, .. } => {
            for change in changes {
                match change {
                    MembersChange::Register(refs) => register(cx, step, spec, refs).await?,
                    MembersChange::Deregister(ids) => {
                        let instances: Vec<elb::Instance> = ids
                            .iter()
                            .map(|i| elb::Instance::builder().instance_id(i).build())
                            .collect();
                        cx.clients
                            .elb
                            .deregister_instances_from_load_balancer()
                            .load_balancer_name(&spec.name)
                            .set_instances(Some(instances))
                            .send()
                            .await
                            .on("DeregisterInstancesFromLoadBalancer", &spec.name)?;
                    }
                }
            }
            Ok(Did::Changed(super::said::<Members>(changes)))
        }
        // Never planned: the registrations go with the load balancer.
        Op::Delete(_) => Ok(Did::Nothing),
    }
}

async fn register(cx: &Cx<'_>, step: usize, spec: &MembersSpec, refs: &[Ref]) -> Result<(), Error> {
    let mut instances = Vec::new();
    for r in refs {
        instances.push(elb::Instance::builder().instance_id(cx.id(r)?).build());
    }
    let retry = cx.retry(step, None);
    settled(retry.get(), || {
        let call = cx
            .clients
            .elb
            .register_instances_with_load_balancer()
            .load_balancer_name(&spec.name)
            .set_instances(Some(instances.clone()));
        async {
            call.send()
                .await
                .on("RegisterInstancesWithLoadBalancer", &spec.name)
        }
    })
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::resources::testing::{Refs, tags_for};

    fn spec() -> Spec {
        Spec {
            name: "demo-apiserver".into(),
            scheme: "internet-facing".into(),
            vpc: Ref::new(Kind::Vpc, "demo-vpc"),
            subnets: vec![Ref::new(Kind::Subnet, "a"), Ref::new(Kind::Subnet, "b")],
            group: Ref::new(Kind::SecurityGroup, "demo-apiserver-lb"),
            health_check: HealthCheck::api_server(),
            idle_timeout: IDLE_TIMEOUT,
            cross_zone: true,
            tags: tags_for("demo", "demo-apiserver", Role::ApiServer),
        }
    }

    fn ids() -> Refs {
        Refs(HashMap::from([
            (Ref::new(Kind::Vpc, "demo-vpc"), Id::Known("vpc-1".into())),
            (Ref::new(Kind::Subnet, "a"), Id::Known("subnet-a".into())),
            (Ref::new(Kind::Subnet, "b"), Id::Known("subnet-b".into())),
            (
                Ref::new(Kind::SecurityGroup, "demo-apiserver-lb"),
                Id::Known("sg-lb".into()),
            ),
            (Ref::new(Kind::Instance, "m0"), Id::Known("i-0".into())),
            (Ref::new(Kind::Instance, "m1"), Id::Step(7)),
        ]))
    }

    fn observed() -> Observed {
        Observed {
            name: "demo-apiserver".into(),
            owned: true,
            scheme: "internet-facing".into(),
            vpc_id: "vpc-1".into(),
            subnets: vec!["subnet-a".into(), "subnet-b".into()],
            groups: vec!["sg-lb".into()],
            listeners: vec![Listener::api_server()],
            health_check: Some(HealthCheck::api_server()),
            idle_timeout: IDLE_TIMEOUT,
            cross_zone: true,
            instances: vec!["i-0".into(), "i-gone".into()],
            tags: tags_for("demo", "demo-apiserver", Role::ApiServer),
        }
    }

    #[test]
    fn every_attribute_set_after_the_create_is_compared() {
        assert!(LoadBalancer::diff(&spec(), &observed(), &ids()).is_empty());
        let mut drifted = observed();
        drifted.health_check = Some(HealthCheck {
            target: "TCP:80".into(),
            ..HealthCheck::api_server()
        });
        drifted.idle_timeout = 60;
        drifted.cross_zone = false;
        drifted.subnets.pop();
        let shown: Vec<String> = LoadBalancer::diff(&spec(), &drifted, &ids())
            .iter()
            .map(|c| LoadBalancer::show(c).attribute)
            .collect();
        assert_eq!(
            shown,
            [
                "subnets",
                "health check",
                "idle timeout",
                "cross-zone balancing"
            ]
        );
    }

    #[test]
    fn one_someone_else_owns_blocks() {
        let mut foreign = observed();
        foreign.owned = false;
        assert!(matches!(
            LoadBalancer::fits(&spec(), &foreign, &ids()),
            Fit::Block(_)
        ));
        assert!(!LoadBalancer::owned(&foreign, "demo"));
    }

    #[test]
    fn the_masters_are_registered_and_strangers_deregistered() {
        let spec = MembersSpec {
            name: "demo-apiserver".into(),
            load_balancer: Ref::new(Kind::LoadBalancer, "demo-apiserver"),
            instances: vec![
                Ref::new(Kind::Instance, "m0"),
                Ref::new(Kind::Instance, "m1"),
            ],
        };
        let changes = Members::diff(&spec, &observed(), &ids());
        assert!(
            matches!(&changes[0], MembersChange::Register(r) if r.len() == 1 && r[0].name == "m1")
        );
        assert!(
            matches!(&changes[1], MembersChange::Deregister(d) if d == &["i-gone".to_string()])
        );
    }
}

//! One module per kind of resource, each with the same parts: what the
//! spec asks for (`Spec`, from [`Desired`]), how the resource is observed
//! (`Observed`, every attribute that matters), how the two differ (a
//! typed `Change` per attribute), how it is created, updated and deleted,
//! and the AWS calls those make with the IAM actions each needs
//! (`CALLS`). The plan ([`crate::plan`]) decides with the [`Resource`]
//! trait; apply runs each step through [`Work::run`].

pub mod auto_scaling_group;
pub mod bootstrap;
pub mod elastic_ip;
pub mod iam_entity;
pub mod image;
pub mod instance;
pub mod instance_profile;
pub mod internet_gateway;
pub mod launch_template;
pub mod load_balancer;
pub mod managed_policy;
pub mod nat_gateway;
pub mod role;
pub mod route_table;
pub mod security_group;
pub mod subnet;
pub mod user_policies;
pub mod vpc;

use std::collections::{HashMap, HashSet};
use std::fmt::Debug;
use std::sync::OnceLock;

use aws_sdk_ec2::types as ec2;

use crate::aws::call::Retry;
use crate::aws::clients::Clients;
use crate::aws::error::{AwsResult, Error};
use crate::aws::permissions::{EC2, Permission, op};
use crate::aws::wait::{Batch, Timing};
use crate::kind::Kind;
use crate::names::{self, Tags};

/// Every call the provisioner makes, by the module that makes it.
pub const CALLS: &[&[Permission]] = &[
    COMMON,
    vpc::CALLS,
    subnet::CALLS,
    internet_gateway::CALLS,
    elastic_ip::CALLS,
    nat_gateway::CALLS,
    route_table::CALLS,
    security_group::CALLS,
    load_balancer::CALLS,
    instance::CALLS,
    launch_template::CALLS,
    auto_scaling_group::CALLS,
    bootstrap::CALLS,
    crate::prices::CALLS,
];

/// Every call `account setup` makes, by the module that makes it.
pub const ACCOUNT_CALLS: &[&[Permission]] = &[
    managed_policy::CALLS,
    role::CALLS,
    instance_profile::CALLS,
    user_policies::CALLS,
];

/// Calls every EC2 kind makes: tags set again when they drifted.
const COMMON: &[Permission] = &[op(EC2, "CreateTags", &["ec2:CreateTags"])];

/// A resource a desired one refers to: by kind and by the name awscluster
/// gives it, which is what finds it again.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Ref {
    pub kind: Kind,
    pub name: String,
}

impl Ref {
    pub fn new(kind: Kind, name: impl Into<String>) -> Ref {
        Ref {
            kind,
            name: name.into(),
        }
    }
}

/// What a reference stands for in a plan: the id of a resource AWS holds,
/// or the step of this run that creates it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Id {
    Known(String),
    Step(usize),
}

impl Id {
    /// Whether this is the resource with id `id`.
    pub fn is(&self, id: &str) -> bool {
        matches!(self, Id::Known(known) if known == id)
    }

    /// For plans: the id, or "(new)".
    pub fn shown(&self) -> String {
        match self {
            Id::Known(id) => id.clone(),
            Id::Step(_) => "(new)".into(),
        }
    }
}

/// How a plan's references resolve: what each name is, or `None` for a
/// resource neither held nor created (which blocks what refers to it).
pub trait Resolve {
    fn id(&self, r: &Ref) -> Option<Id>;
}

/// One attribute's difference, as a plan shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Shown {
    pub attribute: String,
    pub from: String,
    pub to: String,
}

impl Shown {
    pub fn new(
        attribute: impl Into<String>,
        from: impl Into<String>,
        to: impl Into<String>,
    ) -> Shown {
        Shown {
            attribute: attribute.into(),
            from: from.into(),
            to: to.into(),
        }
    }
}

/// The tags a resource should carry and does not: one change of every
/// kind that has tags.
pub fn tag_change(want: &Tags, have: &Tags) -> Option<Tags> {
    let missing = names::missing_tags(want, have);
    (!missing.is_empty()).then_some(missing)
}

pub fn show_tags(missing: &Tags) -> Shown {
    let keys: Vec<&str> = missing.keys().map(String::as_str).collect();
    Shown::new("tags", "missing or different", keys.join(", "))
}

/// Whether an observed resource can stand for what the spec asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fit {
    Yes,
    /// No, but a new one can take its place: created, and the old one
    /// deleted once nothing uses it.
    Replace(String),
    /// No, and it cannot be replaced without losing what is on it: the
    /// plan is blocked, saying why.
    Block(String),
    /// Someone else's, of the name awscluster would give, and as good:
    /// used as it is, never changed or deleted.
    Foreign(String),
}

/// The changes of a step, as its progress line says them.
pub fn said<R: Resource>(changes: &[R::Change]) -> String {
    changes
        .iter()
        .map(|c| {
            let shown = R::show(c);
            format!("{} → {}", shown.attribute, shown.to)
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// What a plan decides for one kind of resource.
pub trait Resource: 'static {
    const KIND: Kind;
    /// Whether a resource of this kind the spec does not ask for is
    /// deleted (the load balancer's registrations go with it instead).
    const DELETES: bool = true;
    /// Whether one that is replaced is deleted before its replacement is
    /// created, because it holds what the new one needs (a NAT gateway
    /// its Elastic IP).
    const DELETE_BEFORE_REPLACING: bool = false;
    /// The discovery resources of this kind are found in: a cluster's, or
    /// the account's.
    type World;
    /// What asks for them: a cluster's spec, or the account's setup.
    type Wants;
    type Spec: Clone + Debug;
    type Observed: Clone + Debug + 'static;
    type Change: Clone + Debug;

    /// What the spec asks for of this kind.
    fn wanted(d: &Self::Wants) -> Vec<Self::Spec>;
    /// What AWS holds of this kind, from the discovery.
    fn observed(all: &Self::World) -> &[Self::Observed];

    fn spec_name(spec: &Self::Spec) -> &str;
    fn name(o: &Self::Observed) -> &str;
    fn id(o: &Self::Observed) -> &str;
    /// Whether it carries the cluster's `owned` tag (checked again before
    /// anything is deleted, whatever the discovery's filters did).
    fn owned(o: &Self::Observed, cluster: &str) -> bool;
    /// Whether it is going away or gone (a failed NAT gateway, a
    /// terminated instance): such a one is never kept.
    fn gone(_o: &Self::Observed) -> bool {
        false
    }

    /// What the spec refers to: created before it, and in the plan's
    /// dependencies.
    fn refs(spec: &Self::Spec) -> Vec<Ref>;
    /// Whether an observed resource can become the spec by changes.
    fn fits(_spec: &Self::Spec, _o: &Self::Observed, _ids: &dyn Resolve) -> Fit {
        Fit::Yes
    }
    /// How much of the cluster uses it: of duplicates (a create whose
    /// answer was lost and that ran again), the most used is kept.
    fn uses(_o: &Self::Observed, _all: &Self::World) -> usize {
        0
    }
    /// `Err(why)` when an unwanted one must stay: something that stays
    /// still uses it (an address associated with a kept NAT gateway).
    fn deletable(
        _o: &Self::Observed,
        _all: &Self::World,
        _kept: &dyn Fn(Kind, &str) -> bool,
    ) -> Result<(), String> {
        Ok(())
    }

    fn diff(spec: &Self::Spec, o: &Self::Observed, ids: &dyn Resolve) -> Vec<Self::Change>;
    fn show(change: &Self::Change) -> Shown;
    /// A line for the plan: what it is.
    fn describe(spec: &Self::Spec) -> String;
    fn describe_observed(o: &Self::Observed) -> String;

    fn work(op: Op<Self>) -> Work
    where
        Self: Sized;
}

/// What one step does to one resource.
#[derive(Debug, Clone)]
pub enum Op<R: Resource> {
    Create(R::Spec),
    Update {
        id: String,
        spec: R::Spec,
        changes: Vec<R::Change>,
    },
    Delete(R::Observed),
}

/// A step's work, by kind.
#[derive(Debug, Clone)]
pub enum Work {
    /// Nothing: the resource is as the spec asks.
    None,
    Vpc(Op<vpc::Vpc>),
    Subnet(Op<subnet::Subnet>),
    InternetGateway(Op<internet_gateway::InternetGateway>),
    ElasticIp(Op<elastic_ip::ElasticIp>),
    NatGateway(Op<nat_gateway::NatGateway>),
    RouteTable(Op<route_table::RouteTable>),
    SecurityGroup(Op<security_group::SecurityGroup>),
    SecurityGroupRules(Op<security_group::Rules>),
    LoadBalancer(Op<load_balancer::LoadBalancer>),
    Instance(Op<instance::Instance>),
    LoadBalancerInstances(Op<load_balancer::Members>),
    LaunchTemplate(Op<launch_template::LaunchTemplate>),
    AutoScalingGroup(Op<auto_scaling_group::AutoScalingGroup>),
    ManagedPolicy(Op<managed_policy::ManagedPolicy>),
    Role(Op<role::Role>),
    InstanceProfile(Op<instance_profile::InstanceProfile>),
    UserPolicies(Op<user_policies::UserPolicies>),
}

/// What a step did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Did {
    Nothing,
    /// Created; its id.
    Created(String),
    /// Changed; what.
    Changed(String),
    Deleted,
}

impl Work {
    /// Runs the step; the id it gives later steps is in `cx` once done.
    pub async fn run(&self, cx: &Cx<'_>, step: usize) -> Result<Did, Error> {
        match self {
            Work::None => Ok(Did::Nothing),
            Work::Vpc(op) => vpc::run(cx, step, op).await,
            Work::Subnet(op) => subnet::run(cx, step, op).await,
            Work::InternetGateway(op) => internet_gateway::run(cx, step, op).await,
            Work::ElasticIp(op) => elastic_ip::run(cx, step, op).await,
            Work::NatGateway(op) => nat_gateway::run(cx, step, op).await,
            Work::RouteTable(op) => route_table::run(cx, step, op).await,
            Work::SecurityGroup(op) => security_group::run(cx, step, op).await,
            Work::SecurityGroupRules(op) => security_group::run_rules(cx, step, op).await,
            Work::LoadBalancer(op) => load_balancer::run(cx, step, op).await,
            Work::Instance(op) => instance::run(cx, step, op).await,
            Work::LoadBalancerInstances(op) => load_balancer::run_members(cx, step, op).await,
            Work::LaunchTemplate(op) => launch_template::run(cx, step, op).await,
            Work::AutoScalingGroup(op) => auto_scaling_group::run(cx, step, op).await,
            Work::ManagedPolicy(op) => managed_policy::run(cx, step, op).await,
            Work::Role(op) => role::run(cx, step, op).await,
            Work::InstanceProfile(op) => instance_profile::run(cx, step, op).await,
            Work::UserPolicies(op) => user_policies::run(cx, step, op).await,
        }
    }
}

/// What every step of one run shares: the clients, the ids earlier steps
/// produced (by step, each written once), and the waits of each kind.
pub struct Cx<'a> {
    pub clients: &'a Clients,
    pub timing: &'a Timing,
    pub cluster: &'a str,
    /// How each name of the plan resolves.
    refs: &'a HashMap<Ref, Id>,
    /// Per step: the id of what it created or kept.
    outputs: Vec<OnceLock<String>>,
    /// Per step: the kinds of the resources it refers to that this run
    /// created.
    fresh: Vec<Vec<Kind>>,
    /// What the plan deletes, by id.
    doomed: HashSet<String>,
    pub nat_gateways: Batch<nat_gateway::Polled>,
    pub instances: Batch<instance::Polled>,
    pub auto_scaling_groups: Batch<()>,
    /// Root device names of images, looked up once per run.
    root_devices: image::RootDevices,
}

impl<'a> Cx<'a> {
    pub fn new(
        clients: &'a Clients,
        timing: &'a Timing,
        cluster: &'a str,
        refs: &'a HashMap<Ref, Id>,
        fresh: Vec<Vec<Kind>>,
        doomed: HashSet<String>,
        root_devices: image::RootDevices,
    ) -> Cx<'a> {
        Cx {
            clients,
            timing,
            cluster,
            refs,
            outputs: (0..fresh.len()).map(|_| OnceLock::new()).collect(),
            fresh,
            doomed,
            nat_gateways: Batch::default(),
            instances: Batch::default(),
            auto_scaling_groups: Batch::default(),
            root_devices,
        }
    }

    pub fn ec2(&self) -> &aws_sdk_ec2::Client {
        &self.clients.ec2
    }

    /// The id `r` stands for now: known from the start, or produced by the
    /// step that created it (which the plan made this step wait for).
    pub fn id(&self, r: &Ref) -> Result<String, Error> {
        match self.refs.get(r) {
            Some(Id::Known(id)) => Ok(id.clone()),
            Some(Id::Step(step)) => self
                .outputs
                .get(*step)
                .and_then(OnceLock::get)
                .cloned()
                .ok_or_else(|| Error::Spec(format!("{} {} was not created", r.kind, r.name))),
            None => Err(Error::Spec(format!(
                "{} {} is neither in AWS nor in the plan",
                r.kind, r.name
            ))),
        }
    }

    /// Whether the plan deletes the resource with this id: after a lost
    /// answer, such a one (of the name a replacement has) is never taken
    /// for the replacement.
    pub fn doomed(&self, id: &str) -> bool {
        self.doomed.contains(id)
    }

    /// Records what a step created or kept, for the steps after it.
    pub fn produced(&self, step: usize, id: &str) {
        if let Some(slot) = self.outputs.get(step) {
            let _ = slot.set(id.to_string());
        }
    }

    /// How step `step` retries; `own` is the kind it creates, which its
    /// own follow-up calls refer to.
    pub fn retry(&self, step: usize, own: Option<Kind>) -> RetryFor<'_> {
        let mut fresh = self.fresh.get(step).cloned().unwrap_or_default();
        fresh.extend(own);
        RetryFor {
            timing: self.timing,
            attempts: self.clients.max_attempts,
            fresh,
        }
    }

    /// The root device of an image, which its root volume's mapping must
    /// name.
    pub async fn root_device(&self, image: &str) -> Result<String, Error> {
        self.root_devices.of(self.clients, image).await
    }

    /// Sets tags a resource lacks (EC2 kinds).
    pub async fn tag(&self, step: usize, id: &str, name: &str, tags: &Tags) -> Result<(), Error> {
        let retry = self.retry(step, None);
        crate::aws::call::settled(retry.get(), || {
            let call = self
                .ec2()
                .create_tags()
                .resources(id)
                .set_tags(Some(ec2_tags(tags)));
            async { call.send().await.on("CreateTags", name) }
        })
        .await?;
        Ok(())
    }
}

/// A step's [`Retry`], owning its list of fresh kinds.
pub struct RetryFor<'a> {
    timing: &'a Timing,
    attempts: u32,
    fresh: Vec<Kind>,
}

impl RetryFor<'_> {
    pub fn get(&self) -> Retry<'_> {
        Retry {
            timing: self.timing,
            attempts: self.attempts,
            fresh: &self.fresh,
        }
    }
}

pub fn ec2_tags(tags: &Tags) -> Vec<ec2::Tag> {
    tags.iter()
        .map(|(k, v)| ec2::Tag::builder().key(k).value(v).build())
        .collect()
}

pub fn tag_spec(kind: ec2::ResourceType, tags: &Tags) -> ec2::TagSpecification {
    ec2::TagSpecification::builder()
        .resource_type(kind)
        .set_tags(Some(ec2_tags(tags)))
        .build()
}

/// Tags as EC2 reports them.
pub fn tags_of(tags: &[ec2::Tag]) -> Tags {
    tags.iter()
        .filter_map(|t| {
            Some((
                t.key()?.to_string(),
                t.value().unwrap_or_default().to_string(),
            ))
        })
        .collect()
}

/// The filter that asks EC2 for what the cluster owns. EC2 honours it;
/// what comes back is checked again ([`names::is_owned`]).
pub fn owned_filter(cluster: &str) -> ec2::Filter {
    ec2::Filter::builder()
        .name(format!("tag:{}", names::owned_key(cluster)))
        .values(names::OWNED)
        .build()
}

/// A filter on a list of values (ids): unlike a list of ids, it answers
/// for the ones that exist instead of failing on one that does not.
pub fn filter(name: &str, values: Vec<String>) -> ec2::Filter {
    ec2::Filter::builder()
        .name(name)
        .set_values(Some(values))
        .build()
}

/// The id AWS gave in a create's answer, which it always gives.
pub fn created_id(operation: &'static str, name: &str, id: Option<&str>) -> Result<String, Error> {
    id.map(str::to_string)
        .ok_or_else(|| crate::aws::error::missing(operation, name, "id"))
}

/// `on`/`off`, for plans.
pub fn on_off(value: bool) -> &'static str {
    if value { "on" } else { "off" }
}

#[cfg(test)]
pub mod testing {
    use std::collections::HashMap;

    use super::{Id, Ref, Resolve};
    use crate::names::{self, Role, Tags};

    /// References that resolve to nothing.
    pub struct NoRefs;

    impl Resolve for NoRefs {
        fn id(&self, _r: &Ref) -> Option<Id> {
            None
        }
    }

    /// References resolved from a table.
    pub struct Refs(pub HashMap<Ref, Id>);

    impl Resolve for Refs {
        fn id(&self, r: &Ref) -> Option<Id> {
            self.0.get(r).cloned()
        }
    }

    pub fn tags_for(cluster: &str, name: &str, role: Role) -> Tags {
        names::creation_tags(&[], cluster, name, role)
    }
}

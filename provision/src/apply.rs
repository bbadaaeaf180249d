//! apply: brings AWS to the spec. Walks the dependency graph in phases,
//! with the independent work of a phase (each zone's subnets, Elastic IP,
//! NAT gateway and route table; the load balancer beside the bastion) in
//! flight together. Every creation carries its tags, so a run cut off at
//! any point is picked up by the next one's discovery: nothing is created
//! twice. After a failure, no new work starts; what is in flight finishes.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use aws_sdk_ec2::types as ec2;
use awscluster_lint::spec::SubnetKind;
use futures_util::future::join_all;

use crate::clients::Clients;
use crate::desired::{Desired, GroupRole, Machine, Network, WorkerPool};
use crate::discover::{self, Existing, IngressRule};
use crate::error::{AwsResult, Error};
use crate::plan::{pool_subnets, rule_diff, unwanted, wanted_ingress};
use crate::progress::Progress;
use crate::wait::{Timing, settled, until};

/// Every instance's root volume, encrypted: room for a node's images and
/// logs (an image's own root snapshot is usually 8 GiB).
pub const ROOT_VOLUME_GIB: i32 = 40;

/// How a run ended.
#[derive(Debug, Default)]
pub struct Outcome {
    pub created: usize,
    pub changed: usize,
    pub deleted: usize,
    pub failures: Vec<Error>,
    /// Stopped by Ctrl-C.
    pub interrupted: bool,
}

/// What a step did.
pub(crate) enum Did<T> {
    Kept(T),
    Created(T, String),
    Changed(T, String),
    /// Deleted; the id.
    Deleted(T, String),
}

#[derive(Default)]
struct Ids {
    vpc: Option<String>,
    subnets: BTreeMap<(SubnetKind, String), String>,
    gateway: Option<String>,
    nat_gateways: BTreeMap<String, String>,
    groups: BTreeMap<GroupRole, String>,
    masters: BTreeMap<String, String>,
    root_devices: BTreeMap<String, String>,
}

pub(crate) struct Run<'a> {
    pub clients: &'a Clients,
    pub timing: &'a Timing,
    pub progress: &'a Progress,
    /// Set on Ctrl-C, and on the first failure unless `keep_going`: no new
    /// step starts.
    pub stop: &'a AtomicBool,
    /// Destroy goes on past a failure: its next pass retries.
    pub keep_going: bool,
    pub failures: Mutex<Vec<Error>>,
    pub created: AtomicUsize,
    pub changed: AtomicUsize,
    pub deleted: AtomicUsize,
}

impl<'a> Run<'a> {
    pub fn new(
        clients: &'a Clients,
        timing: &'a Timing,
        progress: &'a Progress,
        stop: &'a AtomicBool,
    ) -> Run<'a> {
        Run {
            clients,
            timing,
            progress,
            stop,
            keep_going: false,
            failures: Mutex::new(Vec::new()),
            created: AtomicUsize::new(0),
            changed: AtomicUsize::new(0),
            deleted: AtomicUsize::new(0),
        }
    }

    pub fn stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    pub fn fail(&self, label: &str, error: Error) {
        if !self.keep_going {
            self.stop.store(true, Ordering::SeqCst);
        }
        self.progress
            .finish(label, &format!("FAILED {label}: {error}"));
        self.failures
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(error);
    }

    /// Runs one step unless the run is stopping; `None` when it did not
    /// run or failed (the failure is recorded).
    pub(crate) async fn step<T>(
        &self,
        label: String,
        work: impl Future<Output = Result<Did<T>, Error>>,
    ) -> Option<T> {
        if self.stopped() {
            return None;
        }
        self.progress.start(&label);
        match work.await {
            Ok(Did::Kept(v)) => {
                // The plan already listed what is kept.
                self.progress.finish_quietly(&label);
                Some(v)
            }
            Ok(Did::Created(v, id)) => {
                self.created.fetch_add(1, Ordering::SeqCst);
                self.progress
                    .finish(&label, &format!("created {label} ({id})"));
                Some(v)
            }
            Ok(Did::Deleted(v, id)) => {
                self.deleted.fetch_add(1, Ordering::SeqCst);
                self.progress
                    .finish(&label, &format!("deleted {label} ({id})"));
                Some(v)
            }
            Ok(Did::Changed(v, what)) => {
                self.changed.fetch_add(1, Ordering::SeqCst);
                self.progress
                    .finish(&label, &format!("changed {label}: {what}"));
                Some(v)
            }
            Err(e) => {
                self.fail(&label, e);
                None
            }
        }
    }

    pub fn outcome(self, interrupted: bool) -> Outcome {
        Outcome {
            created: self.created.into_inner(),
            changed: self.changed.into_inner(),
            deleted: self.deleted.into_inner(),
            failures: self
                .failures
                .into_inner()
                .unwrap_or_else(|p| p.into_inner()),
            interrupted,
        }
    }
}

struct Apply<'a> {
    run: Run<'a>,
    d: &'a Desired,
    e: &'a Existing,
    ids: Mutex<Ids>,
}

fn tag_spec(kind: ec2::ResourceType, tags: &[(String, String)]) -> ec2::TagSpecification {
    ec2::TagSpecification::builder()
        .resource_type(kind)
        .set_tags(Some(ec2_tags(tags)))
        .build()
}

fn ec2_tags(tags: &[(String, String)]) -> Vec<ec2::Tag> {
    tags.iter()
        .map(|(k, v)| ec2::Tag::builder().key(k).value(v).build())
        .collect()
}

/// Brings AWS to `d`, starting from the discovery `e`.
pub async fn apply(
    clients: &Clients,
    d: &Desired,
    e: &Existing,
    timing: &Timing,
    progress: &Progress,
    stop: &AtomicBool,
) -> Outcome {
    let a = Apply {
        run: Run::new(clients, timing, progress, stop),
        d,
        e,
        ids: Mutex::new(Ids::default()),
    };
    a.network().await;
    if !a.run.stopped() {
        // Routing waits on NAT gateways; the groups, and what needs them,
        // go on meanwhile.
        let after_groups = async {
            a.groups().await;
            if !a.run.stopped() {
                tokio::join!(a.load_balancer(), a.bastion());
            }
        };
        tokio::join!(a.routing(), after_groups);
    }
    if !a.run.stopped() {
        tokio::join!(a.masters(), a.pools());
    }
    if !a.run.stopped() {
        let extra = unwanted(d, e);
        crate::destroy::delete(&a.run, &extra).await;
    }
    let interrupted = interrupted(&a.run);
    a.run.outcome(interrupted)
}

impl Apply<'_> {
    fn ids(&self) -> std::sync::MutexGuard<'_, Ids> {
        self.ids.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn ec2(&self) -> &aws_sdk_ec2::Client {
        &self.run.clients.ec2
    }

    /// The VPC, its subnets and its internet gateway; for static
    /// placement, the given ones, checked.
    async fn network(&self) {
        let d = self.d;
        match &d.network {
            Network::Static {
                vpc_id, subnets, ..
            } => {
                let mut ids = self.ids();
                ids.vpc = Some(vpc_id.clone());
                for s in subnets {
                    ids.subnets.insert((s.kind, s.zone.clone()), s.id.clone());
                }
            }
            Network::Dynamic { cidr, zones } => {
                let Some(vpc) = self
                    .run
                    .step(format!("vpc {}", d.vpc_name()), self.vpc(cidr))
                    .await
                else {
                    return;
                };
                self.ids().vpc = Some(vpc.clone());
                let subnets = zones.iter().flat_map(|z| {
                    [
                        (SubnetKind::Public, z.zone.clone(), z.public_cidr.clone()),
                        (SubnetKind::Private, z.zone.clone(), z.private_cidr.clone()),
                    ]
                });
                let subnets = join_all(subnets.map(|(kind, zone, cidr)| {
                    let vpc = vpc.clone();
                    async move {
                        let name = d.subnet_name(kind, &zone);
                        if let Some(id) = self
                            .run
                            .step(
                                format!("subnet {name}"),
                                self.subnet(&vpc, kind, &zone, &cidr),
                            )
                            .await
                        {
                            self.ids().subnets.insert((kind, zone), id);
                        }
                    }
                }));
                let gateway = async {
                    if let Some(id) = self
                        .run
                        .step(
                            format!("internet-gateway {}", d.igw_name()),
                            self.gateway(&vpc),
                        )
                        .await
                    {
                        self.ids().gateway = Some(id);
                    }
                };
                tokio::join!(subnets, gateway);
            }
        }
    }

    async fn vpc(&self, cidr: &str) -> Result<Did<String>, Error> {
        let name = self.d.vpc_name();
        if let Some(v) = self.e.vpcs.iter().find(|v| v.name == name) {
            return Ok(Did::Kept(v.id.clone()));
        }
        let out = self
            .ec2()
            .create_vpc()
            .cidr_block(cidr)
            .tag_specifications(tag_spec(
                ec2::ResourceType::Vpc,
                &self.d.tags(&name, "common"),
            ))
            .send()
            .await
            .on("CreateVpc", &name)?;
        let id = out
            .vpc()
            .and_then(|v| v.vpc_id())
            .unwrap_or_default()
            .to_string();
        // Two calls: EC2 takes one attribute per call. Hostnames need DNS
        // support first.
        for hostnames in [false, true] {
            let on = ec2::AttributeBooleanValue::builder().value(true).build();
            settled(self.run.timing, || {
                let mut call = self.ec2().modify_vpc_attribute().vpc_id(&id);
                call = if hostnames {
                    call.enable_dns_hostnames(on.clone())
                } else {
                    call.enable_dns_support(on.clone())
                };
                async { call.send().await.on("ModifyVpcAttribute", &name) }
            })
            .await?;
        }
        Ok(Did::Created(id.clone(), id))
    }

    async fn subnet(
        &self,
        vpc: &str,
        kind: SubnetKind,
        zone: &str,
        cidr: &str,
    ) -> Result<Did<String>, Error> {
        let d = self.d;
        let name = d.subnet_name(kind, zone);
        if let Some(s) = self.e.subnets.iter().find(|s| s.name == name) {
            return Ok(Did::Kept(s.id.clone()));
        }
        let mut tags = d.tags(&name, &kind.to_string());
        // How load balancer controllers find the cluster's subnets.
        tags.push((
            format!("kubernetes.io/cluster/{}", d.cluster),
            "owned".into(),
        ));
        tags.push((
            match kind {
                SubnetKind::Public => "kubernetes.io/role/elb",
                SubnetKind::Private => "kubernetes.io/role/internal-elb",
            }
            .into(),
            "1".into(),
        ));
        let out = settled(self.run.timing, || {
            let call = self
                .ec2()
                .create_subnet()
                .vpc_id(vpc)
                .cidr_block(cidr)
                .availability_zone(zone)
                .tag_specifications(tag_spec(ec2::ResourceType::Subnet, &tags));
            async { call.send().await.on("CreateSubnet", &name) }
        })
        .await?;
        let id = out
            .subnet()
            .and_then(|s| s.subnet_id())
            .unwrap_or_default()
            .to_string();
        if kind == SubnetKind::Public {
            settled(self.run.timing, || {
                let call = self
                    .ec2()
                    .modify_subnet_attribute()
                    .subnet_id(&id)
                    .map_public_ip_on_launch(
                        ec2::AttributeBooleanValue::builder().value(true).build(),
                    );
                async { call.send().await.on("ModifySubnetAttribute", &name) }
            })
            .await?;
        }
        Ok(Did::Created(id.clone(), id))
    }

    async fn gateway(&self, vpc: &str) -> Result<Did<String>, Error> {
        let name = self.d.igw_name();
        let (id, created) = match self.e.gateways.iter().find(|g| g.name == name) {
            Some(g) if g.attached_to.iter().any(|v| v == vpc) => {
                return Ok(Did::Kept(g.id.clone()));
            }
            Some(g) => (g.id.clone(), false),
            None => {
                let out = self
                    .ec2()
                    .create_internet_gateway()
                    .tag_specifications(tag_spec(
                        ec2::ResourceType::InternetGateway,
                        &self.d.tags(&name, "common"),
                    ))
                    .send()
                    .await
                    .on("CreateInternetGateway", &name)?;
                let id = out
                    .internet_gateway()
                    .and_then(|g| g.internet_gateway_id())
                    .unwrap_or_default()
                    .to_string();
                (id, true)
            }
        };
        settled(self.run.timing, || {
            let call = self
                .ec2()
                .attach_internet_gateway()
                .internet_gateway_id(&id)
                .vpc_id(vpc);
            async { call.send().await.on("AttachInternetGateway", &name) }
        })
        .await?;
        Ok(if created {
            Did::Created(id.clone(), id)
        } else {
            Did::Changed(id, "attached to the VPC".into())
        })
    }

    /// Per zone: Elastic IP, NAT gateway, private route table; and the
    /// public route table. Dynamic placement only.
    async fn routing(&self) {
        let Network::Dynamic { zones, .. } = &self.d.network else {
            return;
        };
        let per_zone = join_all(zones.iter().map(|z| self.zone_routing(&z.zone)));
        let public = async {
            let gateway = self.ids().gateway.clone();
            let subnets: Vec<Option<String>> = zones
                .iter()
                .map(|z| {
                    self.ids()
                        .subnets
                        .get(&(SubnetKind::Public, z.zone.clone()))
                        .cloned()
                })
                .collect();
            if let (Some(gateway), Some(subnets)) =
                (gateway, subnets.into_iter().collect::<Option<Vec<_>>>())
            {
                let name = self.d.public_route_table_name();
                self.run
                    .step(
                        format!("route-table {name}"),
                        self.route_table(&name, "public", Target::Gateway(&gateway), &subnets),
                    )
                    .await;
            }
        };
        tokio::join!(per_zone, public);
    }

    async fn zone_routing(&self, zone: &str) {
        let d = self.d;
        let public = self
            .ids()
            .subnets
            .get(&(SubnetKind::Public, zone.to_string()))
            .cloned();
        let private = self
            .ids()
            .subnets
            .get(&(SubnetKind::Private, zone.to_string()))
            .cloned();
        let (Some(public), Some(private)) = (public, private) else {
            return;
        };
        let Some(allocation) = self
            .run
            .step(
                format!("elastic-ip {}", d.eip_name(zone)),
                self.address(zone),
            )
            .await
        else {
            return;
        };
        let Some(nat) = self
            .run
            .step(
                format!("nat-gateway {}", d.nat_name(zone)),
                self.nat_gateway(zone, &public, &allocation),
            )
            .await
        else {
            return;
        };
        self.ids()
            .nat_gateways
            .insert(zone.to_string(), nat.clone());
        let name = d.private_route_table_name(zone);
        self.run
            .step(
                format!("route-table {name}"),
                self.route_table(&name, "private", Target::Nat(&nat), &[private]),
            )
            .await;
    }

    async fn address(&self, zone: &str) -> Result<Did<String>, Error> {
        let name = self.d.eip_name(zone);
        if let Some(a) = self.e.addresses.iter().find(|a| a.name == name) {
            return Ok(Did::Kept(a.allocation_id.clone()));
        }
        let out = self
            .ec2()
            .allocate_address()
            .domain(ec2::DomainType::Vpc)
            .tag_specifications(tag_spec(
                ec2::ResourceType::ElasticIp,
                &self.d.tags(&name, "common"),
            ))
            .send()
            .await
            .on("AllocateAddress", &name)?;
        let id = out.allocation_id().unwrap_or_default().to_string();
        Ok(Did::Created(id.clone(), id))
    }

    async fn nat_gateway(
        &self,
        zone: &str,
        subnet: &str,
        allocation: &str,
    ) -> Result<Did<String>, Error> {
        let name = self.d.nat_name(zone);
        let (id, created) = match self
            .e
            .nat_gateways
            .iter()
            .find(|n| n.name == name && n.is_live())
        {
            Some(n) if n.state == "available" => return Ok(Did::Kept(n.id.clone())),
            // Pending: an earlier run created it; wait for it below.
            Some(n) => (n.id.clone(), false),
            None => {
                let out = settled(self.run.timing, || {
                    let call = self
                        .ec2()
                        .create_nat_gateway()
                        .subnet_id(subnet)
                        .allocation_id(allocation)
                        .tag_specifications(tag_spec(
                            ec2::ResourceType::Natgateway,
                            &self.d.tags(&name, "common"),
                        ));
                    async { call.send().await.on("CreateNatGateway", &name) }
                })
                .await?;
                let id = out
                    .nat_gateway()
                    .and_then(|n| n.nat_gateway_id())
                    .unwrap_or_default()
                    .to_string();
                (id, true)
            }
        };
        until(
            &format!("NAT gateway {name} ({id}) to be available"),
            self.run.timing,
            || async {
                let out = self
                    .ec2()
                    .describe_nat_gateways()
                    .nat_gateway_ids(&id)
                    .send()
                    .await
                    .on("DescribeNatGateways", &name);
                let out = match out {
                    Err(e) if e.is_not_found() => return Ok(None),
                    other => other?,
                };
                let Some(nat) = out.nat_gateways().first().map(discover::nat_gateway) else {
                    return Ok(None);
                };
                match nat.state.as_str() {
                    "available" => Ok(Some(())),
                    "pending" => Ok(None),
                    state => Err(Error::Aws {
                        operation: "CreateNatGateway",
                        resource: name.clone(),
                        code: out
                            .nat_gateways()
                            .first()
                            .and_then(|n| n.failure_code())
                            .unwrap_or("NatGatewayFailed")
                            .to_string(),
                        message: format!(
                            "the NAT gateway is {state}: {}",
                            out.nat_gateways()
                                .first()
                                .and_then(|n| n.failure_message())
                                .unwrap_or("")
                        ),
                    }),
                }
            },
        )
        .await?;
        Ok(if created {
            Did::Created(id.clone(), id)
        } else {
            Did::Changed(id, "became available".into())
        })
    }

    async fn route_table(
        &self,
        name: &str,
        role: &str,
        target: Target<'_>,
        subnets: &[String],
    ) -> Result<Did<()>, Error> {
        let vpc = self.ids().vpc.clone().unwrap_or_default();
        let (table, created) = match self.e.route_tables.iter().find(|t| t.name == name) {
            Some(t) => (t.clone(), false),
            None => {
                let out = self
                    .ec2()
                    .create_route_table()
                    .vpc_id(&vpc)
                    .tag_specifications(tag_spec(
                        ec2::ResourceType::RouteTable,
                        &self.d.tags(name, role),
                    ))
                    .send()
                    .await
                    .on("CreateRouteTable", name)?;
                let id = out
                    .route_table()
                    .and_then(|t| t.route_table_id())
                    .unwrap_or_default()
                    .to_string();
                (
                    discover::RouteTable {
                        id,
                        name: name.to_string(),
                        routes: BTreeMap::new(),
                        associations: BTreeMap::new(),
                    },
                    true,
                )
            }
        };
        let mut changes = Vec::new();
        let target_id = match target {
            Target::Gateway(id) | Target::Nat(id) => id,
        };
        if table.routes.get("0.0.0.0/0").map(String::as_str) != Some(target_id) {
            settled(self.run.timing, || {
                let mut call = self
                    .ec2()
                    .create_route()
                    .route_table_id(&table.id)
                    .destination_cidr_block("0.0.0.0/0");
                call = match target {
                    Target::Gateway(id) => call.gateway_id(id),
                    Target::Nat(id) => call.nat_gateway_id(id),
                };
                async { call.send().await.on("CreateRoute", name) }
            })
            .await?;
            changes.push("default route");
        }
        for subnet in subnets {
            if !table.associations.values().any(|s| s == subnet) {
                settled(self.run.timing, || {
                    let call = self
                        .ec2()
                        .associate_route_table()
                        .route_table_id(&table.id)
                        .subnet_id(subnet);
                    async { call.send().await.on("AssociateRouteTable", name) }
                })
                .await?;
                changes.push("subnet association");
            }
        }
        Ok(if created {
            Did::Created((), table.id)
        } else if changes.is_empty() {
            Did::Kept(())
        } else {
            Did::Changed((), format!("added {}", changes.join(", ")))
        })
    }

    /// Every group, created empty; then their rules, which refer to each
    /// other.
    async fn groups(&self) {
        let d = self.d;
        join_all(d.groups.iter().map(|g| async move {
            if let Some(id) = self
                .run
                .step(format!("security-group {}", g.name), self.group(g.role))
                .await
            {
                self.ids().groups.insert(g.role, id);
            }
        }))
        .await;
        if self.run.stopped() {
            return;
        }
        join_all(d.groups.iter().map(|g| async move {
            self.run
                .step(
                    format!("security-group {} rules", g.name),
                    self.rules(g.role),
                )
                .await;
        }))
        .await;
    }

    async fn group(&self, role: GroupRole) -> Result<Did<String>, Error> {
        let d = self.d;
        let Some(spec) = d.group(role) else {
            return Err(Error::Spec(format!(
                "no {} group in the spec",
                role.suffix()
            )));
        };
        if let Some(g) = self.e.groups.iter().find(|g| g.name == spec.name) {
            return Ok(Did::Kept(g.id.clone()));
        }
        let vpc = self.ids().vpc.clone().unwrap_or_default();
        let out = settled(self.run.timing, || {
            let call = self
                .ec2()
                .create_security_group()
                .group_name(&spec.name)
                .description(format!("{} of cluster {}", role.suffix(), d.cluster))
                .vpc_id(&vpc)
                .tag_specifications(tag_spec(
                    ec2::ResourceType::SecurityGroup,
                    &d.tags(&spec.name, role.role_tag()),
                ));
            async { call.send().await.on("CreateSecurityGroup", &spec.name) }
        })
        .await?;
        let id = out.group_id().unwrap_or_default().to_string();
        Ok(Did::Created(id.clone(), id))
    }

    async fn rules(&self, role: GroupRole) -> Result<Did<()>, Error> {
        let d = self.d;
        let Some(spec) = d.group(role) else {
            return Ok(Did::Kept(()));
        };
        let ids = self.ids().groups.clone();
        let Some(id) = ids.get(&role).cloned() else {
            return Ok(Did::Kept(()));
        };
        let lookup = |r: GroupRole| ids.get(&r).cloned();
        let Some(wanted) = wanted_ingress(d, role, &lookup) else {
            return Err(Error::Spec(format!(
                "a group {} refers to was not created",
                spec.name
            )));
        };
        let current = self
            .e
            .groups
            .iter()
            .find(|g| g.id == id)
            .cloned()
            .unwrap_or(discover::Group {
                id: id.clone(),
                name: spec.name.clone(),
                vpc_id: String::new(),
                ingress: Vec::new(),
            });
        let (add, revoke) = rule_diff(&current, &wanted);
        if add.is_empty() && revoke.is_empty() {
            return Ok(Did::Kept(()));
        }
        if !add.is_empty() {
            let permissions: Vec<ec2::IpPermission> = add.iter().map(permission).collect();
            settled(self.run.timing, || {
                let call = self
                    .ec2()
                    .authorize_security_group_ingress()
                    .group_id(&id)
                    .set_ip_permissions(Some(permissions.clone()));
                async {
                    call.send()
                        .await
                        .on("AuthorizeSecurityGroupIngress", &spec.name)
                }
            })
            .await?;
        }
        if !revoke.is_empty() {
            self.ec2()
                .revoke_security_group_ingress()
                .group_id(&id)
                .set_ip_permissions(Some(revoke.iter().map(permission).collect()))
                .send()
                .await
                .on("RevokeSecurityGroupIngress", &spec.name)?;
        }
        Ok(Did::Changed(
            (),
            format!("{} rule(s) added, {} revoked", add.len(), revoke.len()),
        ))
    }

    async fn load_balancer(&self) {
        let d = self.d;
        let name = d.load_balancer_name();
        self.run
            .step(
                format!("load-balancer {name}"),
                self.ensure_load_balancer(&name),
            )
            .await;
    }

    async fn ensure_load_balancer(&self, name: &str) -> Result<Did<()>, Error> {
        use aws_sdk_elasticloadbalancing::types as elb;
        let d = self.d;
        match &self.e.load_balancer {
            Some(lb) if !lb.owned => {
                return Err(Error::Spec(format!(
                    "a load balancer named {name} exists and is not owned by cluster {}; awscluster will not touch it",
                    d.cluster
                )));
            }
            Some(_) => return Ok(Did::Kept(())),
            None => {}
        }
        let subnets: Vec<String> = d
            .zones
            .iter()
            .filter_map(|z| {
                self.ids()
                    .subnets
                    .get(&(SubnetKind::Public, z.clone()))
                    .cloned()
            })
            .collect();
        let group = self.ids().groups.get(&GroupRole::ApiServerLb).cloned();
        let Some(group) = group else {
            return Err(Error::Spec(
                "the load balancer's security group was not created".into(),
            ));
        };
        let listener = elb::Listener::builder()
            .protocol("TCP")
            .load_balancer_port(6443)
            .instance_protocol("TCP")
            .instance_port(6443)
            .build()
            .map_err(internal)?;
        let tags = d
            .tags(name, "apiserver")
            .into_iter()
            .map(|(k, v)| {
                elb::Tag::builder()
                    .key(k)
                    .value(v)
                    .build()
                    .map_err(internal)
            })
            .collect::<Result<Vec<_>, _>>()?;
        settled(self.run.timing, || {
            let call = self
                .run
                .clients
                .elb
                .create_load_balancer()
                .load_balancer_name(name)
                .listeners(listener.clone())
                .set_subnets(Some(subnets.clone()))
                .security_groups(&group)
                .set_tags(Some(tags.clone()));
            async { call.send().await.on("CreateLoadBalancer", name) }
        })
        .await?;
        let check = elb::HealthCheck::builder()
            .target("TCP:6443")
            .interval(10)
            .timeout(5)
            .unhealthy_threshold(3)
            .healthy_threshold(2)
            .build()
            .map_err(internal)?;
        self.run
            .clients
            .elb
            .configure_health_check()
            .load_balancer_name(name)
            .health_check(check)
            .send()
            .await
            .on("ConfigureHealthCheck", name)?;
        Ok(Did::Created((), name.to_string()))
    }

    async fn bastion(&self) {
        if let Some(m) = &self.d.bastion {
            self.run
                .step(format!("instance {}", m.name), self.machine(m))
                .await;
        }
    }

    async fn masters(&self) {
        let d = self.d;
        join_all(d.masters.iter().map(|m| async move {
            if let Some(id) = self
                .run
                .step(format!("instance {}", m.name), self.machine(m))
                .await
            {
                self.ids().masters.insert(m.name.clone(), id);
            }
        }))
        .await;
        if self.run.stopped() || d.masters.is_empty() {
            return;
        }
        let name = d.load_balancer_name();
        self.run
            .step(
                format!("load-balancer {name} instances"),
                self.register(&name),
            )
            .await;
    }

    async fn register(&self, name: &str) -> Result<Did<()>, Error> {
        use aws_sdk_elasticloadbalancing::types as elb;
        let registered: Vec<String> = self
            .e
            .load_balancer
            .as_ref()
            .map(|lb| lb.instances.clone())
            .unwrap_or_default();
        let missing: Vec<String> = self
            .ids()
            .masters
            .values()
            .filter(|id| !registered.contains(id))
            .cloned()
            .collect();
        if missing.is_empty() {
            return Ok(Did::Kept(()));
        }
        let instances: Vec<elb::Instance> = missing
            .iter()
            .map(|id| elb::Instance::builder().instance_id(id).build())
            .collect();
        settled(self.run.timing, || {
            let call = self
                .run
                .clients
                .elb
                .register_instances_with_load_balancer()
                .load_balancer_name(name)
                .set_instances(Some(instances.clone()));
            async {
                call.send()
                    .await
                    .on("RegisterInstancesWithLoadBalancer", name)
            }
        })
        .await?;
        Ok(Did::Changed(
            (),
            format!("registered {}", missing.join(", ")),
        ))
    }

    /// The root device an image boots from, which the encrypted root volume
    /// must name. An SSM parameter cannot be looked up without resolving
    /// it, so it gets the Amazon Linux device, `/dev/xvda`.
    async fn root_device(&self, image: &str) -> Result<String, Error> {
        if image.starts_with("resolve:ssm:") {
            return Ok("/dev/xvda".into());
        }
        if let Some(device) = self.ids().root_devices.get(image) {
            return Ok(device.clone());
        }
        let out = self
            .ec2()
            .describe_images()
            .image_ids(image)
            .send()
            .await
            .on("DescribeImages", image)?;
        let Some(device) = out.images().first().and_then(|i| i.root_device_name()) else {
            return Err(Error::Spec(format!(
                "image {image} does not exist in {}",
                self.d.region
            )));
        };
        self.ids()
            .root_devices
            .insert(image.to_string(), device.to_string());
        Ok(device.to_string())
    }

    async fn machine(&self, m: &Machine) -> Result<Did<String>, Error> {
        let d = self.d;
        if let Some(i) = self
            .e
            .instances
            .iter()
            .find(|i| i.name == m.name && i.is_live())
        {
            return Ok(Did::Kept(i.id.clone()));
        }
        let subnet = self.ids().subnets.get(&(m.subnet, m.zone.clone())).cloned();
        let Some(subnet) = subnet else {
            return Err(Error::Spec(format!(
                "no {} subnet in {} for {}",
                m.subnet, m.zone, m.name
            )));
        };
        let groups: Vec<String> = m
            .groups
            .iter()
            .filter_map(|g| self.ids().groups.get(g).cloned())
            .collect();
        let device = self.root_device(&m.image).await?;
        let tags = d.tags(&m.name, m.role_tag);
        let out = settled(self.run.timing, || {
            let mut call = self
                .ec2()
                .run_instances()
                .image_id(&m.image)
                .instance_type(ec2::InstanceType::from(m.instance_type.as_str()))
                .min_count(1)
                .max_count(1)
                .key_name(&d.key_name)
                .subnet_id(&subnet)
                .set_security_group_ids(Some(groups.clone()))
                .metadata_options(
                    ec2::InstanceMetadataOptionsRequest::builder()
                        .http_tokens(ec2::HttpTokensState::Required)
                        .http_endpoint(ec2::InstanceMetadataEndpointState::Enabled)
                        .build(),
                )
                .block_device_mappings(
                    ec2::BlockDeviceMapping::builder()
                        .device_name(&device)
                        .ebs(
                            ec2::EbsBlockDevice::builder()
                                .encrypted(true)
                                .volume_size(ROOT_VOLUME_GIB)
                                .volume_type(ec2::VolumeType::Gp3)
                                .build(),
                        )
                        .build(),
                )
                .tag_specifications(tag_spec(ec2::ResourceType::Instance, &tags))
                .tag_specifications(tag_spec(ec2::ResourceType::Volume, &tags));
            if let Some(data) = &m.user_data {
                call = call.user_data(aws_smithy_types::base64::encode(data));
            }
            async { call.send().await.on("RunInstances", &m.name) }
        })
        .await?;
        let id = out
            .instances()
            .first()
            .and_then(|i| i.instance_id())
            .unwrap_or_default()
            .to_string();
        until(
            &format!("instance {} ({id}) to run", m.name),
            self.run.timing,
            || async {
                let out = self
                    .ec2()
                    .describe_instances()
                    .instance_ids(&id)
                    .send()
                    .await
                    .on("DescribeInstances", &m.name);
                let out = match out {
                    Err(e) if e.is_not_found() => return Ok(None),
                    other => other?,
                };
                let state = out
                    .reservations()
                    .iter()
                    .flat_map(|r| r.instances())
                    .find_map(|i| i.state().and_then(|s| s.name()).cloned());
                match state {
                    Some(ec2::InstanceStateName::Running) => Ok(Some(())),
                    Some(ec2::InstanceStateName::Pending) | None => Ok(None),
                    Some(other) => Err(Error::Aws {
                        operation: "RunInstances",
                        resource: m.name.clone(),
                        code: "InstanceNotRunning".into(),
                        message: format!("the instance is {}", other.as_str()),
                    }),
                }
            },
        )
        .await?;
        Ok(Did::Created(id.clone(), id))
    }

    async fn pools(&self) {
        join_all(self.d.pools.iter().map(|p| async move {
            if self
                .run
                .step(
                    format!("launch-template {}", p.name),
                    self.launch_template(p),
                )
                .await
                .is_some()
            {
                self.run
                    .step(
                        format!("auto-scaling-group {}", p.name),
                        self.auto_scaling_group(p),
                    )
                    .await;
            }
        }))
        .await;
    }

    async fn template_data(&self, p: &WorkerPool) -> Result<ec2::RequestLaunchTemplateData, Error> {
        let d = self.d;
        let device = self.root_device(&p.image).await?;
        let tags = ec2_tags(&d.tags(&p.name, "node"));
        let mut data = ec2::RequestLaunchTemplateData::builder()
            .image_id(&p.image)
            .instance_type(ec2::InstanceType::from(p.instance_type.as_str()))
            .key_name(&d.key_name)
            .set_security_group_ids(
                self.ids()
                    .groups
                    .get(&GroupRole::Node)
                    .map(|g| vec![g.clone()]),
            )
            .metadata_options(
                ec2::LaunchTemplateInstanceMetadataOptionsRequest::builder()
                    .http_tokens(ec2::LaunchTemplateHttpTokensState::Required)
                    .http_endpoint(ec2::LaunchTemplateInstanceMetadataEndpointState::Enabled)
                    .build(),
            )
            .block_device_mappings(
                ec2::LaunchTemplateBlockDeviceMappingRequest::builder()
                    .device_name(device)
                    .ebs(
                        ec2::LaunchTemplateEbsBlockDeviceRequest::builder()
                            .encrypted(true)
                            .volume_size(ROOT_VOLUME_GIB)
                            .volume_type(ec2::VolumeType::Gp3)
                            .build(),
                    )
                    .build(),
            )
            .tag_specifications(
                ec2::LaunchTemplateTagSpecificationRequest::builder()
                    .resource_type(ec2::ResourceType::Instance)
                    .set_tags(Some(tags.clone()))
                    .build(),
            )
            .tag_specifications(
                ec2::LaunchTemplateTagSpecificationRequest::builder()
                    .resource_type(ec2::ResourceType::Volume)
                    .set_tags(Some(tags))
                    .build(),
            );
        if let Some(user_data) = &p.user_data {
            data = data.user_data(aws_smithy_types::base64::encode(user_data));
        }
        if let Some(spot) = &p.spot {
            data = data.instance_market_options(
                ec2::LaunchTemplateInstanceMarketOptionsRequest::builder()
                    .market_type(ec2::MarketType::Spot)
                    .spot_options(
                        ec2::LaunchTemplateSpotMarketOptionsRequest::builder()
                            .set_max_price(spot.max_price.clone())
                            .build(),
                    )
                    .build(),
            );
        }
        Ok(data.build())
    }

    async fn launch_template(&self, p: &WorkerPool) -> Result<Did<()>, Error> {
        let existing = self.e.launch_templates.iter().find(|t| t.name == p.name);
        if let Some(t) = existing {
            let same_type = t.instance_type == p.instance_type;
            let same_image = p.image.starts_with("resolve:ssm:") || t.image == p.image;
            if same_type && same_image {
                return Ok(Did::Kept(()));
            }
            let data = self.template_data(p).await?;
            let out = self
                .ec2()
                .create_launch_template_version()
                .launch_template_id(&t.id)
                .launch_template_data(data)
                .send()
                .await
                .on("CreateLaunchTemplateVersion", &p.name)?;
            let version = out
                .launch_template_version()
                .and_then(|v| v.version_number())
                .unwrap_or_default();
            return Ok(Did::Changed(
                (),
                format!("version {version}; new instances use it"),
            ));
        }
        let data = self.template_data(p).await?;
        let out = self
            .ec2()
            .create_launch_template()
            .launch_template_name(&p.name)
            .launch_template_data(data)
            .tag_specifications(tag_spec(
                ec2::ResourceType::LaunchTemplate,
                &self.d.tags(&p.name, "node"),
            ))
            .send()
            .await
            .on("CreateLaunchTemplate", &p.name)?;
        let id = out
            .launch_template()
            .and_then(|t| t.launch_template_id())
            .unwrap_or_default()
            .to_string();
        Ok(Did::Created((), id))
    }

    async fn auto_scaling_group(&self, p: &WorkerPool) -> Result<Did<()>, Error> {
        use aws_sdk_autoscaling::types as asg;
        let d = self.d;
        let mut subnets = Vec::new();
        for (zone, id) in p.zones.iter().zip(self.subnet_ids(&p.zones)) {
            match id {
                Some(id) => subnets.push(id),
                None => {
                    return Err(Error::Spec(format!(
                        "no private subnet in {zone} for pool {}",
                        p.pool
                    )));
                }
            }
        }
        let size = p.size as i32;
        let zone_identifier = subnets.join(",");
        if let Some(g) = self.e.auto_scaling_groups.iter().find(|g| g.name == p.name) {
            let same_subnets = {
                let mut have = g.subnets.clone();
                have.sort();
                let mut want = subnets.clone();
                want.sort();
                have == want
            };
            if (g.min, g.max, g.desired) == (size, size, size) && same_subnets {
                return Ok(Did::Kept(()));
            }
            self.run
                .clients
                .autoscaling
                .update_auto_scaling_group()
                .auto_scaling_group_name(&p.name)
                .min_size(size)
                .max_size(size)
                .desired_capacity(size)
                .vpc_zone_identifier(&zone_identifier)
                .send()
                .await
                .on("UpdateAutoScalingGroup", &p.name)?;
            return Ok(Did::Changed(
                (),
                format!("size {size} over {}", p.zones.join(", ")),
            ));
        }
        let tags: Vec<asg::Tag> = d
            .tags(&p.name, "node")
            .into_iter()
            .map(|(k, v)| {
                asg::Tag::builder()
                    .resource_id(&p.name)
                    .resource_type("auto-scaling-group")
                    .key(k)
                    .value(v)
                    // The launch template tags the instances.
                    .propagate_at_launch(false)
                    .build()
            })
            .collect();
        settled(self.run.timing, || {
            let call = self
                .run
                .clients
                .autoscaling
                .create_auto_scaling_group()
                .auto_scaling_group_name(&p.name)
                .launch_template(
                    asg::LaunchTemplateSpecification::builder()
                        .launch_template_name(&p.name)
                        .version("$Latest")
                        .build(),
                )
                .min_size(size)
                .max_size(size)
                .desired_capacity(size)
                .vpc_zone_identifier(&zone_identifier)
                .set_tags(Some(tags.clone()));
            async { call.send().await.on("CreateAutoScalingGroup", &p.name) }
        })
        .await?;
        Ok(Did::Created((), p.name.clone()))
    }

    fn subnet_ids(&self, zones: &[String]) -> Vec<Option<String>> {
        let ids = self.ids();
        let found = pool_subnets(self.d, self.e, zones);
        zones
            .iter()
            .zip(found)
            .map(|(z, f)| f.or_else(|| ids.subnets.get(&(SubnetKind::Private, z.clone())).cloned()))
            .collect()
    }
}

#[derive(Clone, Copy)]
enum Target<'a> {
    Gateway(&'a str),
    Nat(&'a str),
}

/// One ingress rule as EC2 takes it.
pub fn permission(rule: &IngressRule) -> ec2::IpPermission {
    let mut p = ec2::IpPermission::builder().ip_protocol(&rule.protocol);
    if rule.protocol != "-1" {
        p = p.from_port(rule.from_port).to_port(rule.to_port);
    }
    if rule.source.starts_with("sg-") {
        p.user_id_group_pairs(
            ec2::UserIdGroupPair::builder()
                .group_id(&rule.source)
                .build(),
        )
        .build()
    } else {
        p.ip_ranges(ec2::IpRange::builder().cidr_ip(&rule.source).build())
            .build()
    }
}

fn internal(e: impl std::fmt::Display) -> Error {
    Error::Spec(format!("internal error building a request: {e}"))
}

/// Stopped with no failure: Ctrl-C.
pub(crate) fn interrupted(run: &Run) -> bool {
    run.stopped() && run.failures.lock().map(|f| f.is_empty()).unwrap_or(false)
}

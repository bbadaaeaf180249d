//! What a validated spec asks AWS to hold: every resource with the name
//! and tags it is found again by. Built from the spec and the layout the
//! linter computed, so the provisioner and the rules cannot disagree on
//! subnets or node placement.

use std::path::Path;

use awscluster_lint::layout::Layout;
use awscluster_lint::spec::{ClusterSpec, LoadBalancerScheme, Role as PoolRole, SubnetKind};

use crate::aws::error::Error;
use crate::kind::Kind;
use crate::names::{self, Role, Tags, naming};
use crate::resources::Ref;

#[derive(Debug, Clone)]
pub struct Desired {
    pub cluster: String,
    pub region: String,
    pub key_name: String,
    /// The spec's tags, added to everything created.
    pub user_tags: Vec<(String, String)>,
    pub network: Network,
    /// The zones the cluster uses, in spec order.
    pub zones: Vec<String>,
    pub groups: Vec<GroupSpec>,
    pub bastion: Option<Machine>,
    pub masters: Vec<Machine>,
    pub pools: Vec<WorkerPool>,
    /// Where the API's load balancer is: in the public subnets
    /// (internet-facing) or the private ones (internal).
    pub api_scheme: LoadBalancerScheme,
}

#[derive(Debug, Clone)]
pub enum Network {
    /// A VPC awscluster creates, with a public and a private subnet per zone.
    Dynamic {
        cidr: String,
        zones: Vec<ZoneNetwork>,
    },
    /// An existing VPC and subnets: checked and used, never changed.
    Static {
        vpc_id: String,
        cidr: String,
        subnets: Vec<ExistingSubnet>,
    },
}

#[derive(Debug, Clone)]
pub struct ZoneNetwork {
    pub zone: String,
    pub public_cidr: String,
    pub private_cidr: String,
}

#[derive(Debug, Clone)]
pub struct ExistingSubnet {
    pub id: String,
    pub zone: String,
    pub cidr: String,
    pub kind: SubnetKind,
}

/// The cluster's security groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum GroupRole {
    Bastion,
    ApiServerLb,
    ControlPlane,
    Node,
}

impl GroupRole {
    pub const ALL: [GroupRole; 4] = [
        GroupRole::Bastion,
        GroupRole::ApiServerLb,
        GroupRole::ControlPlane,
        GroupRole::Node,
    ];

    pub fn suffix(self) -> &'static str {
        match self {
            GroupRole::Bastion => naming::BASTION_GROUP,
            GroupRole::ApiServerLb => naming::API_SERVER_LB_GROUP,
            GroupRole::ControlPlane => naming::CONTROL_PLANE_GROUP,
            GroupRole::Node => naming::NODE_GROUP,
        }
    }

    pub fn role_tag(self) -> Role {
        match self {
            GroupRole::Bastion => Role::Bastion,
            GroupRole::ApiServerLb => Role::ApiServer,
            GroupRole::ControlPlane | GroupRole::Node => Role::Common,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Source {
    Cidr(String),
    Group(GroupRole),
}

/// One ingress rule. `protocol` is AWS's: `tcp`, `udp`, or an IP protocol
/// number (`4`, IP-in-IP), whose rules have no ports (-1).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Ingress {
    pub protocol: String,
    pub from_port: i32,
    pub to_port: i32,
    pub source: Source,
    pub description: String,
}

/// Whether rules of `protocol` name ports.
pub fn has_ports(protocol: &str) -> bool {
    matches!(
        protocol,
        "tcp" | "udp" | "icmp" | "icmpv6" | "6" | "17" | "1" | "58"
    )
}

#[derive(Debug, Clone)]
pub struct GroupSpec {
    pub role: GroupRole,
    pub name: String,
    pub ingress: Vec<Ingress>,
}

/// An instance awscluster runs itself (the bastion, control-plane nodes).
#[derive(Debug, Clone)]
pub struct Machine {
    pub name: String,
    pub pool: String,
    pub instance_type: String,
    /// An AMI id or `resolve:ssm:<parameter>`, as EC2 takes it.
    pub image: String,
    pub user_data: Option<String>,
    pub zone: String,
    pub subnet: SubnetKind,
    pub groups: Vec<GroupRole>,
    pub role: Role,
    pub machine: MachineSettings,
}

/// The control-plane machines' names, from the spec alone (a spec whose
/// images no longer resolve still names them, for `destroy`).
pub fn control_plane_names(spec: &ClusterSpec, layout: &Layout) -> Vec<String> {
    spec.pools()
        .zip(&layout.pools)
        .filter(|(pool, _)| *pool.role == PoolRole::Master)
        .flat_map(|(pool, placement)| {
            let count: u32 = placement.nodes.iter().sum();
            (0..count as usize).map(|n| naming::control_plane_instance(&spec.name, &pool.name, n))
        })
        .collect()
}

/// How a machine is launched, beyond its type and image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MachineSettings {
    /// The IAM instance profile it runs with, by name.
    pub instance_profile: Option<String>,
    /// Network hops IMDSv2 answers across.
    pub metadata_hop_limit: i32,
    /// The root volume's size (GiB) and type.
    pub root_volume_gib: i32,
    pub root_volume_type: String,
}

impl MachineSettings {
    fn of(pool: &awscluster_lint::spec::NodePool) -> MachineSettings {
        let (size, kind) = pool.root_volume();
        MachineSettings {
            instance_profile: Some(pool.instance_profile().to_string()),
            // The linter bounds these far below i32's range.
            metadata_hop_limit: i32::try_from(pool.metadata_hop_limit()).unwrap_or(i32::MAX),
            root_volume_gib: i32::try_from(size).unwrap_or(i32::MAX),
            root_volume_type: kind.to_string(),
        }
    }

    /// The bastion's: no IAM role, and metadata kept to the host (nothing
    /// runs in containers on it).
    fn bastion() -> MachineSettings {
        MachineSettings {
            instance_profile: None,
            metadata_hop_limit: 1,
            root_volume_gib: i32::try_from(awscluster_lint::spec::machines::ROOT_VOLUME_GIB)
                .unwrap_or(40),
            root_volume_type: "gp3".into(),
        }
    }
}

/// A worker pool: a launch template and an Auto Scaling group.
#[derive(Debug, Clone)]
pub struct WorkerPool {
    /// The name of both the launch template and the group.
    pub name: String,
    pub pool: String,
    pub instance_type: String,
    pub image: String,
    pub user_data: Option<String>,
    pub zones: Vec<String>,
    pub size: u32,
    /// Set for spot pools.
    pub spot: Option<SpotPrice>,
    pub machine: MachineSettings,
}

/// A spot pool's cap: a percentage of the on-demand price of its type in
/// its Region.
#[derive(Debug, Clone, PartialEq)]
pub struct SpotPrice {
    pub percent: f64,
    /// The on-demand price: from the spec or the price file, or, when
    /// neither gives it, looked up in the Price List API before the plan
    /// ([`crate::prices`]). `None` at 100% without one: spot's own cap is
    /// the on-demand price.
    pub on_demand: Option<OnDemand>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OnDemand {
    /// USD per hour.
    pub price: f64,
    pub source: PriceSource,
}

/// Where an on-demand price came from, as the plan says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PriceSource {
    /// `capacity.spot.onDemandPrice`.
    Spec,
    /// `--on-demand-prices FILE`.
    File,
    /// `pricing:GetProducts`.
    PriceList,
}

impl SpotPrice {
    /// The maximum price, USD per hour as EC2 takes it; `None` leaves
    /// spot's own cap, the on-demand price.
    pub fn max_price(&self) -> Option<String> {
        self.on_demand
            .as_ref()
            .map(|d| format_price(d.price * self.percent / 100.0))
    }

    /// Whether the on-demand price is still to be looked up.
    pub fn unpriced(&self) -> bool {
        self.on_demand.is_none() && self.percent < 100.0
    }

    /// For the plan: what the cap is a share of, and where that came from.
    pub fn describe(&self) -> Option<String> {
        let d = self.on_demand.as_ref()?;
        let from = match d.source {
            PriceSource::Spec => "from the spec",
            PriceSource::File => "from --on-demand-prices",
            PriceSource::PriceList => "from the Price List API",
        };
        Some(format!(
            "{}% of {} USD/h on demand, {from}",
            self.percent, d.price
        ))
    }
}

/// On-demand prices per Region and instance type, USD per hour:
/// `{"us-east-1": {"m7i.large": 0.1008}}`.
pub type Prices = awscluster_lint::settings::OnDemandPrices;

pub fn read_prices(path: &Path) -> Result<Prices, Error> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::Usage(format!("cannot read {}: {e}", path.display())))?;
    serde_json::from_str(&text).map_err(|e| {
        Error::Usage(format!(
            "{}: {e}; expected {{\"<region>\": {{\"<instance type>\": <USD per hour>}}}}",
            path.display()
        ))
    })
}

impl Desired {
    /// The resources of a spec the linter found no error in. What only
    /// provisioning needs (images, prices) is checked here, every problem
    /// at once.
    pub fn of(
        spec: &ClusterSpec,
        layout: &Layout,
        prices: Option<&Prices>,
    ) -> Result<Desired, Error> {
        let cluster = spec.name.to_string();
        let mut problems = Vec::new();
        // The linter passed the spec, so its layout is complete; a part
        // missing here is the tool's fault, said rather than guessed.
        let incomplete = |what: &str| Error::Spec(format!("the network layout has no {what}"));
        let network = match (spec.dynamic(), spec.static_placement()) {
            (Some(_), _) => Network::Dynamic {
                cidr: layout
                    .vpc
                    .ok_or_else(|| incomplete("VPC block"))?
                    .to_string(),
                zones: layout
                    .zones
                    .iter()
                    .map(|zone| {
                        let cidr_of = |kind: SubnetKind| {
                            layout
                                .subnets
                                .iter()
                                .find(|s| &s.zone == zone && s.kind == kind)
                                .map(|s| s.cidr.to_string())
                                .ok_or_else(|| incomplete(&format!("{kind} subnet in {zone}")))
                        };
                        Ok(ZoneNetwork {
                            zone: zone.clone(),
                            public_cidr: cidr_of(SubnetKind::Public)?,
                            private_cidr: cidr_of(SubnetKind::Private)?,
                        })
                    })
                    .collect::<Result<_, Error>>()?,
            },
            (None, Some(placement)) => Network::Static {
                vpc_id: placement.vpc_id.to_string(),
                cidr: placement.vpc_cidr.to_string(),
                subnets: placement
                    .subnets
                    .iter()
                    .map(|s| ExistingSubnet {
                        id: s.id.to_string(),
                        zone: s.availability_zone.to_string(),
                        cidr: s.cidr.to_string(),
                        kind: *s.kind,
                    })
                    .collect(),
            },
            (None, None) => return Err(Error::Spec("the spec has no placement".into())),
        };

        let first_zone = layout
            .zones
            .first()
            .cloned()
            .ok_or_else(|| incomplete("zone"))?;
        let bastion = spec.bastion.as_ref().and_then(|b| {
            let image = image(
                b.image.as_deref().map(String::as_str),
                "bastion.image",
                &mut problems,
            )?;
            Some(Machine {
                name: naming::bastion(&cluster),
                pool: "bastion".into(),
                instance_type: b.instance_type(b.span).to_string(),
                image,
                user_data: b.user_data.as_deref().cloned(),
                zone: first_zone.clone(),
                subnet: SubnetKind::Public,
                groups: vec![GroupRole::Bastion],
                role: Role::Bastion,
                machine: MachineSettings::bastion(),
            })
        });

        let mut masters = Vec::new();
        let mut pools = Vec::new();
        for (i, (pool, placement)) in spec.pools().zip(&layout.pools).enumerate() {
            let field = format!("nodePools[{i}].image");
            let Some(image) = image(
                pool.image.as_deref().map(String::as_str),
                &field,
                &mut problems,
            ) else {
                continue;
            };
            let user_data = pool.user_data.as_deref().cloned();
            match *pool.role {
                PoolRole::Master => {
                    let mut n = 0;
                    for (zone, count) in placement.zones.iter().zip(&placement.nodes) {
                        for _ in 0..*count {
                            masters.push(Machine {
                                name: naming::control_plane_instance(&cluster, &pool.name, n),
                                pool: pool.name.to_string(),
                                instance_type: pool.instance_type.to_string(),
                                image: image.clone(),
                                user_data: user_data.clone(),
                                zone: zone.clone(),
                                subnet: SubnetKind::Private,
                                groups: vec![GroupRole::ControlPlane, GroupRole::Node],
                                role: Role::ControlPlane,
                                machine: MachineSettings::of(pool),
                            });
                            n += 1;
                        }
                    }
                }
                PoolRole::Worker => {
                    let spot = match pool.spot() {
                        None => None,
                        Some(spot) => {
                            let percent = *spot.max_price_percent_of_on_demand;
                            let from_spec =
                                spot.on_demand_price.as_deref().map(|&price| OnDemand {
                                    price,
                                    source: PriceSource::Spec,
                                });
                            let from_file = || {
                                let price = *prices?
                                    .get(spec.region.as_str())?
                                    .get(pool.instance_type.as_str())?;
                                Some(OnDemand {
                                    price,
                                    source: PriceSource::File,
                                })
                            };
                            Some(SpotPrice {
                                percent,
                                on_demand: from_spec.or_else(from_file),
                            })
                        }
                    };
                    pools.push(WorkerPool {
                        name: naming::worker_pool(&cluster, &pool.name),
                        pool: pool.name.to_string(),
                        instance_type: pool.instance_type.to_string(),
                        image,
                        user_data,
                        zones: placement.zones.clone(),
                        size: *pool.size,
                        spot,
                        machine: MachineSettings::of(pool),
                    });
                }
            }
        }
        if !problems.is_empty() {
            return Err(Error::Spec(format!(
                "the spec cannot be provisioned as written:\n  - {}",
                problems.join("\n  - ")
            )));
        }

        let allowed: Vec<String> = spec
            .bastion
            .as_ref()
            .map(|b| b.allowed_cidrs.iter().map(|c| c.to_string()).collect())
            .unwrap_or_default();
        let api: Vec<String> = spec
            .api_allowed_cidrs()
            .into_iter()
            .map(str::to_string)
            .collect();
        let node_ports: Vec<String> = spec
            .node_port_cidrs()
            .into_iter()
            .map(str::to_string)
            .collect();
        let cni = spec.cni_ingress();
        let groups = groups(
            &cluster,
            &Sources {
                bastion: bastion.is_some().then_some(allowed.as_slice()),
                api: &api,
                node_ports: &node_ports,
                cni: &cni,
            },
        );
        Ok(Desired {
            region: spec.region.to_string(),
            key_name: spec.ssh_key_name.to_string(),
            user_tags: spec
                .tags
                .as_ref()
                .map(|t| {
                    t.iter()
                        .map(|t| (t.key.to_string(), t.value.to_string()))
                        .collect()
                })
                .unwrap_or_default(),
            network,
            zones: layout.zones.clone(),
            api_scheme: spec.api_scheme(),
            groups,
            bastion,
            masters,
            pools,
            cluster,
        })
    }

    /// Tags for a resource created for this cluster: the spec's, then the
    /// ones it is found again by (which win over the spec's).
    pub fn tags(&self, name: &str, role: Role) -> Tags {
        names::creation_tags(&self.user_tags, &self.cluster, name, role)
    }

    pub fn is_dynamic(&self) -> bool {
        matches!(self.network, Network::Dynamic { .. })
    }

    pub fn vpc_name(&self) -> String {
        naming::vpc(&self.cluster)
    }

    pub fn subnet_name(&self, kind: SubnetKind, zone: &str) -> String {
        naming::subnet(&self.cluster, &kind.to_string(), zone)
    }

    pub fn igw_name(&self) -> String {
        naming::internet_gateway(&self.cluster)
    }

    pub fn eip_name(&self, zone: &str) -> String {
        naming::elastic_ip(&self.cluster, zone)
    }

    pub fn nat_name(&self, zone: &str) -> String {
        naming::nat_gateway(&self.cluster, zone)
    }

    pub fn public_route_table_name(&self) -> String {
        naming::public_route_table(&self.cluster)
    }

    pub fn private_route_table_name(&self, zone: &str) -> String {
        naming::private_route_table(&self.cluster, zone)
    }

    pub fn load_balancer_name(&self) -> String {
        naming::load_balancer(&self.cluster)
    }

    pub fn group(&self, role: GroupRole) -> Option<&GroupSpec> {
        self.groups.iter().find(|g| g.role == role)
    }

    /// The VPC everything is in. An existing VPC (static placement) is
    /// named by its id, which the plan knows from the start.
    pub fn vpc_ref(&self) -> Ref {
        match &self.network {
            Network::Dynamic { .. } => Ref::new(Kind::Vpc, self.vpc_name()),
            Network::Static { vpc_id, .. } => Ref::new(Kind::Vpc, vpc_id.clone()),
        }
    }

    /// The subnet of a kind in a zone; `None` when static placement has
    /// none there (the linter refuses such a spec).
    pub fn subnet_ref(&self, kind: SubnetKind, zone: &str) -> Option<Ref> {
        match &self.network {
            Network::Dynamic { .. } => Some(Ref::new(Kind::Subnet, self.subnet_name(kind, zone))),
            Network::Static { subnets, .. } => subnets
                .iter()
                .find(|s| s.zone == zone && s.kind == kind)
                .map(|s| Ref::new(Kind::Subnet, s.id.clone())),
        }
    }

    /// The route table the subnet of a kind in a zone uses, when the
    /// cluster makes it (dynamic placement): machines start after it, so
    /// that they boot with a way out.
    pub fn route_table_ref(&self, kind: SubnetKind, zone: &str) -> Option<Ref> {
        self.is_dynamic().then(|| {
            let name = match kind {
                SubnetKind::Public => self.public_route_table_name(),
                SubnetKind::Private => self.private_route_table_name(zone),
            };
            Ref::new(Kind::RouteTable, name)
        })
    }

    pub fn group_ref(&self, role: GroupRole) -> Ref {
        Ref::new(
            Kind::SecurityGroup,
            naming::security_group(&self.cluster, role.suffix()),
        )
    }

    /// What the spec names that exists already (static placement's VPC
    /// and subnets): their ids are known before anything runs.
    pub fn existing_ids(&self) -> Vec<Ref> {
        match &self.network {
            Network::Dynamic { .. } => Vec::new(),
            Network::Static {
                vpc_id, subnets, ..
            } => std::iter::once(Ref::new(Kind::Vpc, vpc_id.clone()))
                .chain(subnets.iter().map(|s| Ref::new(Kind::Subnet, s.id.clone())))
                .collect(),
        }
    }
}

fn image(value: Option<&str>, field: &str, problems: &mut Vec<String>) -> Option<String> {
    match value {
        None => {
            problems.push(format!(
                "{field} is missing: name an AMI id (ami-…) or an SSM parameter (/aws/service/…)"
            ));
            None
        }
        Some(v) if v.starts_with("resolve:ssm:") => Some(v.to_string()),
        Some(v) if v.starts_with('/') => Some(format!("resolve:ssm:{v}")),
        Some(v) if is_ami_id(v) => Some(v.to_string()),
        Some(v) => {
            problems.push(format!(
                "{field} `{v}` is neither an AMI id (ami-…) nor an SSM parameter path (/…)"
            ));
            None
        }
    }
}

fn is_ami_id(v: &str) -> bool {
    v.strip_prefix("ami-").is_some_and(|hex| {
        (8..=17).contains(&hex.len()) && hex.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

/// EC2 takes spot prices as decimal strings; five decimals is finer than
/// any on-demand price is listed.
fn format_price(price: f64) -> String {
    let text = format!("{price:.5}");
    let text = text.trim_end_matches('0');
    text.trim_end_matches('.').to_string()
}

/// Who may reach what, as Cluster API Provider AWS's groups allow it.
struct Sources<'a> {
    /// The bastion's SSH sources, when there is a bastion.
    bastion: Option<&'a [String]>,
    /// The API's, through the load balancer.
    api: &'a [String],
    node_ports: &'a [String],
    /// The CNI's traffic among nodes: (protocol, ports, what for).
    cni: &'a [(String, Option<u32>, Option<u32>, String)],
}

/// The cluster's groups and their rules. Control-plane nodes are in the
/// control-plane group and the node group; workers in the node group. The
/// API (6443) is open to the load balancer and the nodes, etcd only among
/// control-plane nodes, the kubelet (10250) to the control plane, the
/// NodePorts to their sources, the CNI's traffic among all nodes, SSH to
/// the nodes only from the bastion.
fn groups(cluster: &str, sources: &Sources) -> Vec<GroupSpec> {
    use GroupRole::*;
    let rule = |protocol: &str, ports: Option<(i32, i32)>, source, description: &str| {
        let (from_port, to_port) = ports.unwrap_or((-1, -1));
        Ingress {
            protocol: protocol.to_string(),
            from_port,
            to_port,
            source,
            description: description.to_string(),
        }
    };
    let tcp = |port: i32, to: i32, source, description: &str| {
        rule("tcp", Some((port, to)), source, description)
    };
    let cni = |source: GroupRole| {
        sources.cni.iter().map(move |(protocol, from, to, what)| {
            let ports = has_ports(protocol).then(|| {
                let from = from.unwrap_or(0) as i32;
                (from, to.map_or(from, |t| t as i32))
            });
            rule(protocol, ports, Source::Group(source), what)
        })
    };
    let mut out = Vec::new();
    if let Some(allowed) = sources.bastion {
        out.push(GroupSpec {
            role: Bastion,
            name: naming::security_group(cluster, Bastion.suffix()),
            ingress: allowed
                .iter()
                .map(|c| tcp(22, 22, Source::Cidr(c.clone()), "SSH"))
                .collect(),
        });
    }
    out.push(GroupSpec {
        role: ApiServerLb,
        name: naming::security_group(cluster, ApiServerLb.suffix()),
        ingress: sources
            .api
            .iter()
            .map(|c| tcp(6443, 6443, Source::Cidr(c.clone()), "Kubernetes API"))
            .collect(),
    });
    let mut control_plane = vec![
        tcp(
            6443,
            6443,
            Source::Group(ApiServerLb),
            "Kubernetes API from the load balancer",
        ),
        tcp(
            6443,
            6443,
            Source::Group(Node),
            "Kubernetes API from the nodes",
        ),
        tcp(2379, 2380, Source::Group(ControlPlane), "etcd"),
    ];
    control_plane.extend(cni(ControlPlane));
    control_plane.extend(cni(Node));
    let mut node = vec![tcp(
        10250,
        10250,
        Source::Group(ControlPlane),
        "kubelet API",
    )];
    node.extend(
        sources
            .node_ports
            .iter()
            .map(|c| tcp(30000, 32767, Source::Cidr(c.clone()), "NodePort services")),
    );
    node.extend(cni(ControlPlane));
    node.extend(cni(Node));
    if sources.bastion.is_some() {
        control_plane.push(tcp(22, 22, Source::Group(Bastion), "SSH from the bastion"));
        node.push(tcp(22, 22, Source::Group(Bastion), "SSH from the bastion"));
    }
    out.push(GroupSpec {
        role: ControlPlane,
        name: naming::security_group(cluster, ControlPlane.suffix()),
        ingress: control_plane,
    });
    out.push(GroupSpec {
        role: Node,
        name: naming::security_group(cluster, Node.suffix()),
        ingress: node,
    });
    for g in &mut out {
        g.ingress.sort();
        g.ingress.dedup_by(|a, b| {
            (&a.protocol, a.from_port, a.to_port, &a.source)
                == (&b.protocol, b.from_port, b.to_port, &b.source)
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_ami_ids_or_ssm_parameters() {
        let mut problems = Vec::new();
        assert_eq!(
            image(Some("ami-04681a1dbd79675a5"), "f", &mut problems).as_deref(),
            Some("ami-04681a1dbd79675a5")
        );
        assert_eq!(
            image(
                Some("/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"),
                "f",
                &mut problems
            )
            .as_deref(),
            Some(
                "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"
            )
        );
        assert!(problems.is_empty());
        assert_eq!(
            image(Some("ubuntu"), "nodePools[1].image", &mut problems),
            None
        );
        assert_eq!(image(None, "bastion.image", &mut problems), None);
        assert_eq!(problems.len(), 2);
        assert!(
            problems[0].contains("nodePools[1].image `ubuntu`"),
            "{problems:?}"
        );
    }

    #[test]
    fn spot_prices_are_short_decimals() {
        assert_eq!(format_price(0.1008 * 60.0 / 100.0), "0.06048");
        assert_eq!(format_price(1.0), "1");
        assert_eq!(format_price(0.5), "0.5");
    }

    /// The demo spec changed by `edit`, through the lint gate as `plan`
    /// runs it (with the same prices), then read as resources. `Err` holds
    /// what the gate or the reading said.
    fn demo(edit: impl Fn(&mut serde_json::Value)) -> Result<Desired, String> {
        let text =
            std::fs::read_to_string("../fixtures/provision/demo.cluster.json").expect("fixture");
        let mut spec: serde_json::Value = serde_json::from_str(&text).expect("json");
        edit(&mut spec);
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("demo.cluster.json");
        std::fs::write(&path, spec.to_string()).expect("write");
        let prices: Prices =
            serde_json::from_str(r#"{"us-east-1": {"m7i.large": 0.2}}"#).expect("prices");
        let validated = awscluster_lint::run::validate(
            &path,
            Some(Path::new("../fixtures/provision/awscluster.toml")),
            &[],
            Path::new("."),
            Some(awscluster_lint::run::Provisioning {
                on_demand_prices: Some(prices.clone()),
            }),
        )
        .expect("reads");
        match validated {
            awscluster_lint::run::Validated::Ready { spec, layout, .. } => {
                Desired::of(&spec, &layout, Some(&prices)).map_err(|e| e.to_string())
            }
            awscluster_lint::run::Validated::Refused(outcome) => Err(outcome
                .diagnostics
                .iter()
                .map(|d| format!("{}: {}", d.rule.code, d.message))
                .collect::<Vec<_>>()
                .join("\n")),
        }
    }

    #[test]
    fn a_spot_price_is_the_percentage_of_the_spec_price_or_the_price_file() {
        let d = demo(|_| {}).expect("provisionable");
        let spot = d.pools[1].spot.as_ref().expect("a spot pool");
        assert_eq!(spot.max_price().as_deref(), Some("0.06048"));
        assert_eq!(
            spot.describe().as_deref(),
            Some("60% of 0.1008 USD/h on demand, from the spec")
        );
        assert_eq!(d.pools[0].spot, None);

        let from_file = demo(|s| {
            s["nodePools"][2]["capacity"]["spot"]
                .as_object_mut()
                .expect("spot")
                .remove("onDemandPrice");
        })
        .expect("priced by the file");
        let spot = from_file.pools[1].spot.as_ref().expect("a spot pool");
        assert_eq!(spot.max_price().as_deref(), Some("0.12"));
        assert_eq!(
            spot.describe().as_deref(),
            Some("60% of 0.2 USD/h on demand, from --on-demand-prices")
        );

        let unpriced = demo(|s| {
            s["nodePools"][2]["instanceType"] = "m7i.2xlarge".into();
            s["nodePools"][2]["capacity"]["spot"]
                .as_object_mut()
                .expect("spot")
                .remove("onDemandPrice");
        })
        .expect("the Price List API prices it");
        let spot = unpriced.pools[1].spot.as_ref().expect("a spot pool");
        assert!(spot.unpriced(), "looked up before the plan: {spot:?}");
        assert_eq!(spot.max_price(), None);

        let capped = demo(|s| {
            s["nodePools"][2]["capacity"]["spot"] =
                serde_json::json!({"maxPricePercentOfOnDemand": 100});
            s["nodePools"][2]["instanceType"] = "m7i.2xlarge".into();
        })
        .expect("100% needs no price");
        let spot = capped.pools[1].spot.as_ref().expect("a spot pool");
        assert!(!spot.unpriced());
        assert_eq!(spot.max_price(), None, "spot's own cap");
    }

    #[test]
    fn created_resources_carry_the_specs_tags_and_the_ownership_tags() {
        // The linter refuses a spec that sets `Name` or the ownership tags.
        let d = demo(|_| {}).expect("provisionable");
        let tags = d.tags("demo-vpc", Role::Common);
        assert_eq!(
            tags,
            Tags::from([
                ("team".to_string(), "platform".to_string()),
                ("Name".to_string(), "demo-vpc".to_string()),
                (names::owned_key("demo"), "owned".to_string()),
                (names::ROLE_KEY.to_string(), "common".to_string()),
            ])
        );
    }

    #[test]
    fn masters_are_spread_over_the_zones_round_robin() {
        let d = demo(|_| {}).expect("provisionable");
        let placed: Vec<(&str, &str)> = d
            .masters
            .iter()
            .map(|m| (m.name.as_str(), m.zone.as_str()))
            .collect();
        assert_eq!(
            placed,
            [
                ("demo-control-plane-0", "us-east-1a"),
                ("demo-control-plane-1", "us-east-1b"),
                ("demo-control-plane-2", "us-east-1c"),
            ]
        );
    }

    #[test]
    fn the_bastion_group_exists_only_with_a_bastion() {
        let calico = [
            ("tcp".to_string(), Some(179), Some(179), "BGP".to_string()),
            ("4".to_string(), None, None, "IP-in-IP".to_string()),
        ];
        let open = ["0.0.0.0/0".to_string()];
        let office = ["203.0.113.0/24".to_string()];
        let sources = |bastion| Sources {
            bastion,
            api: &open,
            node_ports: &open,
            cni: &calico,
        };
        let with = groups("c", &sources(Some(&office[..])));
        assert_eq!(with.len(), 4);
        let without = groups("c", &sources(None));
        assert_eq!(without.len(), 3);
        assert!(
            without
                .iter()
                .flat_map(|g| &g.ingress)
                .all(|r| r.source != Source::Group(GroupRole::Bastion))
        );
    }

    /// etcd is open only among control-plane nodes, and nothing is open
    /// among all nodes but what the CNI needs: a worker reaches a master on
    /// 6443 and the CNI's traffic, nothing else.
    #[test]
    fn workers_reach_the_control_plane_only_on_the_api_and_the_cni() {
        let d = demo(|_| {}).expect("provisionable");
        let rules = |role| &d.group(role).expect("group").ingress;
        let from_nodes: Vec<(String, i32, i32)> = rules(GroupRole::ControlPlane)
            .iter()
            .filter(|r| r.source == Source::Group(GroupRole::Node))
            .map(|r| (r.protocol.clone(), r.from_port, r.to_port))
            .collect();
        assert_eq!(
            from_nodes,
            [
                ("4".to_string(), -1, -1),
                ("tcp".to_string(), 179, 179),
                ("tcp".to_string(), 6443, 6443),
            ]
        );
        let etcd: Vec<&Source> = rules(GroupRole::ControlPlane)
            .iter()
            .filter(|r| r.from_port == 2379)
            .map(|r| &r.source)
            .collect();
        assert_eq!(etcd, [&Source::Group(GroupRole::ControlPlane)]);
        assert!(
            d.groups
                .iter()
                .flat_map(|g| &g.ingress)
                .all(|r| r.protocol != "-1"),
            "no rule opens all traffic"
        );
        let node_ports = rules(GroupRole::Node)
            .iter()
            .find(|r| r.from_port == 30000)
            .expect("NodePorts");
        assert_eq!(
            (node_ports.to_port, &node_ports.source),
            (32767, &Source::Cidr("0.0.0.0/0".into()))
        );
    }
}

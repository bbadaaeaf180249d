//! The cluster spec, as users write it.
//!
//! The doc comments here are the field descriptions of
//! `schemas/cluster.schema.json` (generated from these types; a test fails
//! when the checked-in schema drifts). Defaults live in the accessor methods,
//! not in serde attributes, so that a defaulted value can still be told apart
//! from a written one when a rule wants to point at it.

use std::fmt;

use serde::Deserialize;

use super::Spanned;

/// Default VPC block for dynamic placement (Cluster API Provider AWS's).
pub const DEFAULT_VPC_CIDR: &str = "10.0.0.0/16";
/// Default pod network (Cluster API Provider AWS's).
pub const DEFAULT_POD_CIDR: &str = "192.168.0.0/16";
/// Default service network (kubeadm's).
pub const DEFAULT_SERVICE_CIDR: &str = "10.96.0.0/12";
/// Default bastion instance type.
pub const DEFAULT_BASTION_INSTANCE_TYPE: &str = "t3.micro";

/// The most items of each list, from AWS's own limits, so that no list in
/// a spec is larger than any cluster can use: the schema says so too
/// (`maxItems`), and no rule's work grows with a list past them.
pub mod limits {
    /// Zones of a placement or a pool; no Region has more than six.
    pub const ZONES: usize = 32;
    /// Node pools: each worker pool is an Auto Scaling group.
    pub const NODE_POOLS: usize = 100;
    /// Existing subnets: "Subnets per VPC" defaults to 200.
    pub const SUBNETS: usize = 200;
    /// The bastion's SSH sources: "Inbound rules per security group"
    /// defaults to 60.
    pub const ALLOWED_CIDRS: usize = 60;
    /// Policies of the provisioning role: at most 20 managed policies per
    /// role, with the quota raised.
    pub const POLICIES: usize = 20;
    /// CNI rules: each is a rule in two groups.
    pub const CNI_RULES: usize = 20;
}

/// A Kubernetes cluster on AWS: where it runs, how its network is laid out,
/// and which node pools it has.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[cfg_attr(
    test,
    schemars(
        title = "awscluster cluster spec",
        extend("$id" = "https://raw.githubusercontent.com/awscluster/awscluster/main/schemas/cluster.schema.json")
    )
)]
pub struct ClusterSpec {
    /// The JSON Schema this file follows, for editors; ignored by awscluster.
    #[serde(rename = "$schema")]
    pub schema: Option<String>,
    /// Cluster name. Names the cluster's AWS resources and their ownership
    /// tags; lowercase letters, digits and hyphens, starting with a letter.
    pub name: Spanned<String>,
    /// Free text describing the cluster.
    pub description: Option<Spanned<String>>,
    /// Tags added to every AWS resource the cluster creates (and propagated
    /// to its instances), next to the ownership tags awscluster adds itself.
    pub tags: Option<Spanned<Tags>>,
    /// How awscluster gets credentials for the account. Omit it to use the
    /// default credential chain (environment, profile, SSO, instance role).
    /// Access keys never belong in a spec.
    pub cloud_account: Option<Spanned<CloudAccount>>,
    /// AWS Region the cluster runs in, such as `us-east-1`.
    pub region: Spanned<String>,
    /// Name of an EC2 key pair that already exists in the Region; its public
    /// key is installed on the bastion and the nodes.
    pub ssh_key_name: Spanned<String>,
    /// Where the cluster's network comes from: a new VPC (`dynamic`) or an
    /// existing VPC and subnets (`static`). Exactly one of the two.
    pub placement: Spanned<Placement>,
    /// A bastion host in a public subnet, the only way in by SSH. Omit it for
    /// a cluster without one.
    pub bastion: Option<Spanned<Bastion>>,
    /// The load balancer in front of the Kubernetes API servers.
    pub api_server: Option<Spanned<ApiServer>>,
    /// Kubernetes network settings.
    pub kubernetes: Option<Spanned<Kubernetes>>,
    /// Node pools: exactly one with role `master` (the control plane) and any
    /// number of `worker` pools.
    #[cfg_attr(test, schemars(length(max = 100)))]
    pub node_pools: Spanned<Vec<Spanned<NodePool>>>,
    /// IAM policies the account grants to the provisioning role.
    pub iam: Option<Spanned<Iam>>,
}

/// Credentials for the account the cluster lives in.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
pub struct CloudAccount {
    /// Assume this role (through STS) on top of the default credential chain.
    pub assume_role: Option<Spanned<AssumeRole>>,
}

/// A role in the cluster's account that trusts the caller's account.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
pub struct AssumeRole {
    /// ARN of the role, such as `arn:aws:iam::123456789012:role/ProvisionerRole`.
    pub role_arn: Spanned<String>,
    /// External ID the role's trust policy requires (`sts:ExternalId`).
    pub external_id: Option<Spanned<String>>,
}

/// Where the cluster's network comes from. Exactly one of `dynamic` and
/// `static`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[cfg_attr(
    test,
    schemars(extend("oneOf" = [{"required": ["dynamic"]}, {"required": ["static"]}]))
)]
pub struct Placement {
    /// Create a new VPC with a public and a private subnet in each
    /// Availability Zone; everything is deleted with the cluster.
    pub dynamic: Option<Spanned<DynamicPlacement>>,
    /// Use an existing VPC and its subnets; awscluster never deletes them.
    #[serde(rename = "static")]
    pub static_: Option<Spanned<StaticPlacement>>,
}

/// A new VPC, laid out by awscluster.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
pub struct DynamicPlacement {
    /// IPv4 block of the new VPC, /16 to /28. Default `10.0.0.0/16`.
    pub vpc_cidr: Option<Spanned<String>>,
    /// Availability Zones of the Region to spread the cluster over, such as
    /// `["us-east-1a", "us-east-1b", "us-east-1c"]`. Each gets a public and
    /// a private subnet and a NAT gateway.
    #[cfg_attr(test, schemars(length(max = 32)))]
    pub availability_zones: Spanned<Vec<Spanned<String>>>,
}

/// An existing VPC and its subnets.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
pub struct StaticPlacement {
    /// ID of the existing VPC, such as `vpc-0a1b2c3d4e5f67890`.
    pub vpc_id: Spanned<String>,
    /// The VPC's IPv4 block, as AWS reports it.
    pub vpc_cidr: Spanned<String>,
    /// The VPC's subnets the cluster uses: a public and a private one in each
    /// Availability Zone it runs in.
    #[cfg_attr(test, schemars(length(max = 200)))]
    pub subnets: Spanned<Vec<Spanned<Subnet>>>,
}

/// An existing subnet.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
pub struct Subnet {
    /// Subnet ID, such as `subnet-0a1b2c3d4e5f67890`.
    pub id: Spanned<String>,
    /// The subnet's Availability Zone.
    pub availability_zone: Spanned<String>,
    /// The subnet's IPv4 block.
    pub cidr: Spanned<String>,
    /// `public` (routes to an internet gateway; load balancers, NAT gateways
    /// and the bastion go here) or `private` (the nodes go here).
    #[serde(rename = "type")]
    pub kind: Spanned<SubnetKind>,
    /// The tags the subnet carries in AWS (load balancer discovery depends
    /// on them).
    pub tags: Option<Spanned<Tags>>,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(test, derive(schemars::JsonSchema))]
pub enum SubnetKind {
    Public,
    Private,
}

impl fmt::Display for SubnetKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SubnetKind::Public => "public",
            SubnetKind::Private => "private",
        })
    }
}

/// The bastion host.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
pub struct Bastion {
    /// EC2 instance type of the bastion. Default `t3.micro`.
    pub instance_type: Option<Spanned<String>>,
    /// IPv4 blocks allowed to reach the bastion by SSH, such as
    /// `["203.0.113.0/24"]`.
    #[cfg_attr(test, schemars(length(max = 60)))]
    pub allowed_cidrs: Spanned<Vec<Spanned<String>>>,
    /// Machine image of the bastion: an AMI id (`ami-…`) or the path of an
    /// SSM parameter that holds one (`/aws/service/…`). Needed to provision.
    pub image: Option<Spanned<String>>,
    /// User data passed to the bastion at boot, as text.
    pub user_data: Option<Spanned<String>>,
}

/// The API server's load balancer.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
pub struct ApiServer {
    /// `internet-facing` (in the public subnets; the default) or `internal`
    /// (in the private subnets, reachable from the VPC and what is routed
    /// to it).
    pub scheme: Option<Spanned<LoadBalancerScheme>>,
    /// IPv4 blocks allowed to reach the API (port 6443) through the load
    /// balancer. Default `["0.0.0.0/0"]`, as Cluster API Provider AWS.
    #[cfg_attr(test, schemars(length(max = 60)))]
    pub allowed_cidrs: Option<Spanned<Vec<Spanned<String>>>>,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(test, derive(schemars::JsonSchema))]
pub enum LoadBalancerScheme {
    InternetFacing,
    Internal,
}

impl fmt::Display for LoadBalancerScheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LoadBalancerScheme::InternetFacing => "internet-facing",
            LoadBalancerScheme::Internal => "internal",
        })
    }
}

/// Kubernetes network settings.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
pub struct Kubernetes {
    /// IPv4 block pods get their addresses from. Default `192.168.0.0/16`.
    pub pod_cidr: Option<Spanned<String>>,
    /// IPv4 block services get their cluster IPs from. Default `10.96.0.0/12`.
    pub service_cidr: Option<Spanned<String>>,
    /// IPv4 blocks allowed to reach NodePort services (ports 30000-32767)
    /// on the nodes. Default `["0.0.0.0/0"]`, as Cluster API Provider AWS.
    #[cfg_attr(test, schemars(length(max = 60)))]
    pub node_port_cidrs: Option<Spanned<Vec<Spanned<String>>>>,
    /// What the CNI plugin needs between nodes (control plane included),
    /// opened among them. Default Calico's: BGP (TCP 179) and IP-in-IP (IP
    /// protocol 4).
    #[cfg_attr(test, schemars(length(max = 20)))]
    pub cni_ingress: Option<Spanned<Vec<Spanned<CniRule>>>>,
}

/// Traffic the CNI plugin needs between nodes.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
pub struct CniRule {
    /// `tcp`, `udp`, or an IP protocol number such as `4` (IP-in-IP) or `50`
    /// (ESP).
    pub protocol: Spanned<String>,
    /// First port (TCP and UDP).
    pub from_port: Option<Spanned<Ranged<0, 65535>>>,
    /// Last port (TCP and UDP). Default `fromPort`.
    pub to_port: Option<Spanned<Ranged<0, 65535>>>,
    /// What it is for, shown in the plan.
    pub description: Option<Spanned<String>>,
}

/// A group of identical nodes.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
pub struct NodePool {
    /// Pool name, unique in the cluster: lowercase letters, digits and
    /// hyphens, starting with a letter.
    pub name: Spanned<String>,
    /// `master` for the control plane (exactly one pool), `worker` for
    /// workload nodes.
    pub role: Spanned<Role>,
    /// Number of nodes. The master pool has 1, 3 or 5.
    pub size: Spanned<u32>,
    /// Master pools only: let workloads run on the control-plane nodes too.
    pub allow_worker_capability: Option<Spanned<bool>>,
    /// EC2 instance type of every node in the pool, such as `m5.large`.
    pub instance_type: Spanned<String>,
    /// Availability Zones the pool's nodes are spread over, among the
    /// placement's. Default: all of them.
    #[cfg_attr(test, schemars(length(max = 32)))]
    pub availability_zones: Option<Spanned<Vec<Spanned<String>>>>,
    /// How the nodes are bought. Default on-demand.
    pub capacity: Option<Spanned<Capacity>>,
    /// Machine image of the pool's nodes: an AMI id (`ami-…`) or the path of
    /// an SSM parameter that holds one (`/aws/service/…`). Bootstrapping
    /// Kubernetes is the image's and the user data's job. Needed to
    /// provision.
    pub image: Option<Spanned<String>>,
    /// User data passed to every node of the pool at boot, as text (a
    /// cloud-init document or a script that joins the node to the cluster).
    pub user_data: Option<Spanned<String>>,
    /// Name of the IAM instance profile the pool's nodes run with. Default
    /// `control-plane.cluster-api-provider-aws.sigs.k8s.io` for the master
    /// pool and `nodes.cluster-api-provider-aws.sigs.k8s.io` for workers
    /// (`awscluster account setup` creates both).
    pub instance_profile: Option<Spanned<String>>,
    /// Network hops instance metadata (IMDSv2) answers across: 2, the
    /// default, lets pods reach it; 1 keeps it to the host.
    pub metadata_hop_limit: Option<Spanned<Ranged<1, 64>>>,
    /// The nodes' root volume. Default 40 GiB of gp3.
    pub root_volume: Option<Spanned<RootVolume>>,
}

/// A root volume: encrypted, on the image's root device.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
pub struct RootVolume {
    /// Size in GiB, at least the image's own (8 for most). Default 40.
    pub size_gib: Option<Spanned<Ranged<1, 16384>>>,
    /// `gp3` (the default) or `gp2`.
    #[serde(rename = "type")]
    pub kind: Option<Spanned<VolumeType>>,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(test, derive(schemars::JsonSchema))]
pub enum VolumeType {
    Gp3,
    Gp2,
}

impl fmt::Display for VolumeType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            VolumeType::Gp3 => "gp3",
            VolumeType::Gp2 => "gp2",
        })
    }
}

/// Defaults of what a spec leaves out about its machines.
pub mod machines {
    /// Pods reach instance metadata through one more hop than the host.
    pub const METADATA_HOP_LIMIT: u32 = 2;
    /// Room for a node's images and logs (an image's own root snapshot is
    /// usually 8 GiB).
    pub const ROOT_VOLUME_GIB: u32 = 40;
    /// The roles' instance profiles `awscluster account setup` creates,
    /// named as Cluster API Provider AWS names them (the seed's
    /// `iam:PassRole` allows `*.cluster-api-provider-aws.sigs.k8s.io`).
    pub const CONTROL_PLANE_PROFILE: &str = "control-plane.cluster-api-provider-aws.sigs.k8s.io";
    pub const NODES_PROFILE: &str = "nodes.cluster-api-provider-aws.sigs.k8s.io";
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(test, derive(schemars::JsonSchema))]
pub enum Role {
    Master,
    Worker,
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Role::Master => "master",
            Role::Worker => "worker",
        })
    }
}

/// How a pool's instances are bought: on-demand unless `spot` is set.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
pub struct Capacity {
    /// Run the pool on spot instances (worker pools only).
    pub spot: Option<Spanned<Spot>>,
}

/// Spot settings.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
pub struct Spot {
    /// The most to pay, as a percentage of the on-demand price: above 0, at
    /// most 100.
    pub max_price_percent_of_on_demand: Spanned<f64>,
    /// The on-demand price of the pool's instance type in the Region, in
    /// USD per hour, which the percentage applies to. Omit it to take the
    /// price from `awscluster apply --on-demand-prices FILE`.
    pub on_demand_price: Option<Spanned<f64>>,
}

/// IAM settings.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
pub struct Iam {
    /// Paths (relative to this file) of the IAM policy documents attached to
    /// the provisioning role.
    #[serde(default)]
    #[cfg_attr(test, schemars(length(max = 20)))]
    pub policies: Vec<Spanned<String>>,
}

/// A whole number in `MIN..=MAX`: a value outside is refused where it is
/// read, as the schema refuses it (the two always agree).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ranged<const MIN: u32, const MAX: u32>(pub u32);

impl<'de, const MIN: u32, const MAX: u32> Deserialize<'de> for Ranged<MIN, MAX> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let n = u32::deserialize(deserializer)?;
        if (MIN..=MAX).contains(&n) {
            Ok(Ranged(n))
        } else {
            Err(serde::de::Error::custom(format!(
                "{n} is out of range: {MIN} to {MAX}"
            )))
        }
    }
}

#[cfg(test)]
impl<const MIN: u32, const MAX: u32> schemars::JsonSchema for Ranged<MIN, MAX> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        format!("Ranged{MIN}To{MAX}").into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "integer",
            "minimum": MIN,
            "maximum": MAX
        })
    }
}

/// Tags as written: keys and values keep their positions and their order.
#[derive(Debug, Default)]
pub struct Tags(pub Vec<Tag>);

#[derive(Debug)]
pub struct Tag {
    pub key: Spanned<String>,
    pub value: Spanned<String>,
}

impl Tags {
    pub fn get(&self, key: &str) -> Option<&Tag> {
        self.0.iter().rev().find(|t| *t.key == key)
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Tag> {
        self.0.iter()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<'de> Deserialize<'de> for Tags {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TagsVisitor;
        impl<'de> serde::de::Visitor<'de> for TagsVisitor {
            type Value = Tags;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object of string tags")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Tags, A::Error> {
                let mut tags = Vec::new();
                while let Some(key) = map.next_key::<Spanned<String>>()? {
                    let value = map.next_value::<Spanned<String>>()?;
                    tags.push(Tag { key, value });
                }
                Ok(Tags(tags))
            }
        }
        deserializer.deserialize_map(TagsVisitor)
    }
}

#[cfg(test)]
impl schemars::JsonSchema for Tags {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Tags".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "AWS tags: keys of 1 to 128 characters, values of at most 256.",
            "type": "object",
            "additionalProperties": {"type": "string"}
        })
    }
}

impl ClusterSpec {
    /// Whether some list is longer than [`limits`] allows (the schema's
    /// `maxItems`, which the model does not enforce by itself).
    pub fn exceeds_limits(&self) -> bool {
        let zones = |z: &Vec<Spanned<String>>| z.len() > limits::ZONES;
        self.node_pools.len() > limits::NODE_POOLS
            || self
                .pools()
                .any(|p| p.availability_zones.as_ref().is_some_and(|z| zones(z)))
            || self.dynamic().is_some_and(|d| zones(&d.availability_zones))
            || self
                .static_placement()
                .is_some_and(|p| p.subnets.len() > limits::SUBNETS)
            || self
                .bastion
                .as_ref()
                .is_some_and(|b| b.allowed_cidrs.len() > limits::ALLOWED_CIDRS)
            || self
                .api_server
                .as_ref()
                .and_then(|a| a.allowed_cidrs.as_ref())
                .is_some_and(|c| c.len() > limits::ALLOWED_CIDRS)
            || self.kubernetes.as_ref().is_some_and(|k| {
                k.node_port_cidrs
                    .as_ref()
                    .is_some_and(|c| c.len() > limits::ALLOWED_CIDRS)
                    || k.cni_ingress
                        .as_ref()
                        .is_some_and(|c| c.len() > limits::CNI_RULES)
            })
            || self
                .iam
                .as_ref()
                .is_some_and(|i| i.policies.len() > limits::POLICIES)
    }

    pub fn dynamic(&self) -> Option<&Spanned<DynamicPlacement>> {
        self.placement.dynamic.as_ref()
    }

    pub fn static_placement(&self) -> Option<&Spanned<StaticPlacement>> {
        self.placement.static_.as_ref()
    }

    pub fn pools(&self) -> impl Iterator<Item = &Spanned<NodePool>> {
        self.node_pools.iter()
    }

    /// The images the bastion and the pools name, as written.
    pub fn images(&self) -> impl Iterator<Item = &str> {
        let bastion = self.bastion.as_ref().and_then(|b| b.image.as_deref());
        bastion
            .into_iter()
            .chain(self.pools().filter_map(|p| p.image.as_deref()))
            .map(String::as_str)
    }

    pub fn masters(&self) -> impl Iterator<Item = &Spanned<NodePool>> {
        self.pools().filter(|p| *p.role == Role::Master)
    }

    pub fn assume_role(&self) -> Option<&Spanned<AssumeRole>> {
        self.cloud_account.as_ref()?.assume_role.as_ref()
    }

    /// The pod CIDR as written, or the default; the span is the value's, or
    /// the nearest enclosing one when the default applies.
    pub fn pod_cidr(&self) -> Spanned<&str> {
        self.kubernetes_field(|k| k.pod_cidr.as_ref(), DEFAULT_POD_CIDR)
    }

    pub fn service_cidr(&self) -> Spanned<&str> {
        self.kubernetes_field(|k| k.service_cidr.as_ref(), DEFAULT_SERVICE_CIDR)
    }

    fn kubernetes_field(
        &self,
        field: impl Fn(&Kubernetes) -> Option<&Spanned<String>>,
        default: &'static str,
    ) -> Spanned<&str> {
        match &self.kubernetes {
            Some(k) => match field(k) {
                Some(v) => Spanned::new(v.span, v.as_str()),
                None => Spanned::new(k.span, default),
            },
            None => Spanned::new(self.name.span, default),
        }
    }
}

impl DynamicPlacement {
    pub fn vpc_cidr(&self, fallback: crate::source::Span) -> Spanned<&str> {
        match &self.vpc_cidr {
            Some(v) => Spanned::new(v.span, v.as_str()),
            None => Spanned::new(fallback, DEFAULT_VPC_CIDR),
        }
    }
}

impl Bastion {
    pub fn instance_type(&self, fallback: crate::source::Span) -> Spanned<&str> {
        match &self.instance_type {
            Some(v) => Spanned::new(v.span, v.as_str()),
            None => Spanned::new(fallback, DEFAULT_BASTION_INSTANCE_TYPE),
        }
    }
}

impl NodePool {
    pub fn is_spot(&self) -> bool {
        self.spot().is_some()
    }

    pub fn spot(&self) -> Option<&Spanned<Spot>> {
        self.capacity.as_ref()?.spot.as_ref()
    }

    pub fn worker_capable(&self) -> bool {
        match *self.role {
            Role::Worker => true,
            Role::Master => self.allow_worker_capability.as_ref().is_some_and(|a| **a),
        }
    }

    /// The instance profile as written, or the default of the pool's role.
    pub fn instance_profile(&self) -> &str {
        match (&self.instance_profile, *self.role) {
            (Some(p), _) => p.as_str(),
            (None, Role::Master) => machines::CONTROL_PLANE_PROFILE,
            (None, Role::Worker) => machines::NODES_PROFILE,
        }
    }

    pub fn metadata_hop_limit(&self) -> u32 {
        self.metadata_hop_limit
            .as_deref()
            .map_or(machines::METADATA_HOP_LIMIT, |h| h.0)
    }

    /// Size in GiB and type of the root volume.
    pub fn root_volume(&self) -> (u32, VolumeType) {
        let v = self.root_volume.as_deref();
        (
            v.and_then(|v| v.size_gib.as_deref())
                .map_or(machines::ROOT_VOLUME_GIB, |g| g.0),
            v.and_then(|v| v.kind.as_deref().copied())
                .unwrap_or(VolumeType::Gp3),
        )
    }
}

/// Cluster API Provider AWS's default for who reaches the API and the
/// NodePorts.
pub const EVERYWHERE: &str = "0.0.0.0/0";

impl ClusterSpec {
    pub fn api_scheme(&self) -> LoadBalancerScheme {
        self.api_server
            .as_ref()
            .and_then(|a| a.scheme.as_deref().copied())
            .unwrap_or(LoadBalancerScheme::InternetFacing)
    }

    /// Who may reach the API through its load balancer.
    pub fn api_allowed_cidrs(&self) -> Vec<&str> {
        match self
            .api_server
            .as_ref()
            .and_then(|a| a.allowed_cidrs.as_ref())
        {
            Some(cidrs) => cidrs.iter().map(|c| c.as_str()).collect(),
            None => vec![EVERYWHERE],
        }
    }

    /// Who may reach the nodes' NodePorts.
    pub fn node_port_cidrs(&self) -> Vec<&str> {
        match self
            .kubernetes
            .as_ref()
            .and_then(|k| k.node_port_cidrs.as_ref())
        {
            Some(cidrs) => cidrs.iter().map(|c| c.as_str()).collect(),
            None => vec![EVERYWHERE],
        }
    }

    /// The CNI's traffic among nodes: (protocol, first port, last port,
    /// what for). Calico's by default.
    pub fn cni_ingress(&self) -> Vec<(String, Option<u32>, Option<u32>, String)> {
        match self
            .kubernetes
            .as_ref()
            .and_then(|k| k.cni_ingress.as_ref())
        {
            Some(rules) => rules
                .iter()
                .map(|r| {
                    let from = r.from_port.as_deref().map(|p| p.0);
                    (
                        r.protocol.to_ascii_lowercase(),
                        from,
                        r.to_port.as_deref().map(|p| p.0).or(from),
                        r.description
                            .as_deref()
                            .cloned()
                            .unwrap_or_else(|| "CNI".into()),
                    )
                })
                .collect(),
            None => vec![
                ("tcp".into(), Some(179), Some(179), "BGP (Calico)".into()),
                ("4".into(), None, None, "IP-in-IP (Calico)".into()),
            ],
        }
    }
}

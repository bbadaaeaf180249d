//! What AWS holds for a cluster, found by its ownership tag: state lives in
//! AWS, not in a local file, so every command starts here.

use std::collections::BTreeMap;

use aws_sdk_ec2::types::{Filter, NatGatewayState};

use crate::clients::Clients;
use crate::desired::{OWNED, load_balancer_name, owned_key};
use crate::error::{AwsResult, Error};

pub type Tags = BTreeMap<String, String>;

#[derive(Debug, Clone, Default)]
pub struct Existing {
    /// Owned VPCs. More than one means an earlier run was cut off between
    /// creating a VPC and finding it again; destroy removes them all.
    pub vpcs: Vec<Vpc>,
    pub subnets: Vec<Subnet>,
    pub gateways: Vec<InternetGateway>,
    pub addresses: Vec<Address>,
    pub nat_gateways: Vec<NatGateway>,
    pub route_tables: Vec<RouteTable>,
    pub groups: Vec<Group>,
    /// The instances awscluster runs itself (not an Auto Scaling group's).
    pub instances: Vec<Instance>,
    pub load_balancer: Option<LoadBalancer>,
    pub launch_templates: Vec<LaunchTemplate>,
    pub auto_scaling_groups: Vec<AutoScalingGroup>,
}

#[derive(Debug, Clone)]
pub struct Vpc {
    pub id: String,
    pub name: String,
    pub cidr: String,
    pub tags: Tags,
}

#[derive(Debug, Clone)]
pub struct Subnet {
    pub id: String,
    pub name: String,
    pub vpc_id: String,
    pub zone: String,
    pub cidr: String,
    pub tags: Tags,
}

#[derive(Debug, Clone)]
pub struct InternetGateway {
    pub id: String,
    pub name: String,
    pub attached_to: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Address {
    pub allocation_id: String,
    pub name: String,
    pub association_id: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NatGateway {
    pub id: String,
    pub name: String,
    pub subnet_id: String,
    pub state: String,
    pub allocation_ids: Vec<String>,
}

impl NatGateway {
    /// Pending or available: one that is going away, or failed, is replaced.
    pub fn is_live(&self) -> bool {
        self.state == NatGatewayState::Pending.as_str()
            || self.state == NatGatewayState::Available.as_str()
    }
}

#[derive(Debug, Clone)]
pub struct RouteTable {
    pub id: String,
    pub name: String,
    /// Destination block → gateway or NAT gateway id.
    pub routes: BTreeMap<String, String>,
    /// Association id → subnet id.
    pub associations: BTreeMap<String, String>,
}

#[derive(Debug, Clone)]
pub struct Group {
    pub id: String,
    pub name: String,
    pub vpc_id: String,
    pub ingress: Vec<IngressRule>,
}

/// One ingress permission as EC2 reports it, one source each.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct IngressRule {
    pub protocol: String,
    pub from_port: i32,
    pub to_port: i32,
    /// A CIDR block, or a group id.
    pub source: String,
}

#[derive(Debug, Clone)]
pub struct Instance {
    pub id: String,
    pub name: String,
    pub state: String,
    pub subnet_id: String,
    pub instance_type: String,
}

impl Instance {
    pub fn is_live(&self) -> bool {
        !matches!(self.state.as_str(), "shutting-down" | "terminated")
    }
}

#[derive(Debug, Clone)]
pub struct LoadBalancer {
    pub name: String,
    pub instances: Vec<String>,
    pub subnets: Vec<String>,
    /// False when a load balancer of that name exists without this
    /// cluster's ownership tag: never touched, and apply stops.
    pub owned: bool,
}

#[derive(Debug, Clone)]
pub struct LaunchTemplate {
    pub id: String,
    pub name: String,
    pub latest_version: i64,
    pub instance_type: String,
    pub image: String,
}

#[derive(Debug, Clone)]
pub struct AutoScalingGroup {
    pub name: String,
    pub min: i32,
    pub max: i32,
    pub desired: i32,
    pub subnets: Vec<String>,
}

fn ec2_tags(tags: &[aws_sdk_ec2::types::Tag]) -> Tags {
    tags.iter()
        .filter_map(|t| {
            Some((
                t.key()?.to_string(),
                t.value().unwrap_or_default().to_string(),
            ))
        })
        .collect()
}

fn name_of(tags: &Tags) -> String {
    tags.get("Name").cloned().unwrap_or_default()
}

pub fn owned_filter(cluster: &str) -> Filter {
    Filter::builder()
        .name(format!("tag:{}", owned_key(cluster)))
        .values(OWNED)
        .build()
}

impl Existing {
    /// Everything the cluster owns, described in parallel.
    pub async fn discover(clients: &Clients, cluster: &str) -> Result<Existing, Error> {
        let (
            vpcs,
            subnets,
            gateways,
            addresses,
            nat_gateways,
            route_tables,
            groups,
            instances,
            load_balancer,
            launch_templates,
            auto_scaling_groups,
        ) = tokio::try_join!(
            vpcs(clients, cluster),
            subnets(clients, vec![owned_filter(cluster)], cluster),
            gateways(clients, cluster),
            addresses(clients, cluster),
            nat_gateways(clients, cluster),
            route_tables(clients, cluster),
            groups(clients, vec![owned_filter(cluster)], cluster),
            instances(clients, cluster),
            load_balancer(clients, cluster),
            launch_templates(clients, cluster),
            auto_scaling_groups(clients, cluster),
        )?;
        // A VPC the cluster created has the name it gave it; an existing
        // one a platform team tagged for the cluster does not, and is not
        // the cluster's to delete, even without a spec to say so.
        let own_name = awscluster_lint::naming::vpc(cluster);
        let vpcs: Vec<Vpc> = vpcs.into_iter().filter(|v| v.name == own_name).collect();
        // Subnets are only ever created in a VPC the cluster owns. The seed
        // guide has an existing network's public subnets carry the
        // cluster's `owned` tag too: those belong to the network's owner.
        let subnets = subnets
            .into_iter()
            .filter(|s| vpcs.iter().any(|v| v.id == s.vpc_id))
            .collect();
        Ok(Existing {
            vpcs,
            subnets,
            gateways,
            addresses,
            nat_gateways,
            route_tables,
            groups,
            instances,
            load_balancer,
            launch_templates,
            auto_scaling_groups,
        })
    }

    /// Leaves out an existing network the spec names, whatever its tags
    /// say: static placement's VPC and subnets are never changed or deleted.
    pub fn without(mut self, vpc_id: &str, subnet_ids: &[String]) -> Existing {
        self.vpcs.retain(|v| v.id != vpc_id);
        self.subnets
            .retain(|s| s.vpc_id != vpc_id && !subnet_ids.contains(&s.id));
        self
    }

    pub fn is_empty(&self) -> bool {
        self.resources().is_empty()
    }

    /// Every resource as (kind, name, id), in the order destroy deletes
    /// them; the load balancer only when the cluster owns it.
    pub fn resources(&self) -> Vec<(&'static str, &str, &str)> {
        let mut list: Vec<(&'static str, &str, &str)> = Vec::new();
        list.extend(
            self.auto_scaling_groups
                .iter()
                .map(|r| ("auto-scaling-group", r.name.as_str(), r.name.as_str())),
        );
        list.extend(
            self.launch_templates
                .iter()
                .map(|r| ("launch-template", r.name.as_str(), r.id.as_str())),
        );
        if let Some(lb) = self.load_balancer.as_ref().filter(|lb| lb.owned) {
            list.push(("load-balancer", &lb.name, &lb.name));
        }
        list.extend(
            self.instances
                .iter()
                .map(|r| ("instance", r.name.as_str(), r.id.as_str())),
        );
        list.extend(
            self.groups
                .iter()
                .map(|r| ("security-group", r.name.as_str(), r.id.as_str())),
        );
        list.extend(
            self.route_tables
                .iter()
                .map(|r| ("route-table", r.name.as_str(), r.id.as_str())),
        );
        list.extend(
            self.nat_gateways
                .iter()
                .map(|r| ("nat-gateway", r.name.as_str(), r.id.as_str())),
        );
        list.extend(
            self.addresses
                .iter()
                .map(|r| ("elastic-ip", r.name.as_str(), r.allocation_id.as_str())),
        );
        list.extend(
            self.gateways
                .iter()
                .map(|r| ("internet-gateway", r.name.as_str(), r.id.as_str())),
        );
        list.extend(
            self.subnets
                .iter()
                .map(|r| ("subnet", r.name.as_str(), r.id.as_str())),
        );
        list.extend(
            self.vpcs
                .iter()
                .map(|r| ("vpc", r.name.as_str(), r.id.as_str())),
        );
        list
    }
}

async fn vpcs(clients: &Clients, cluster: &str) -> Result<Vec<Vpc>, Error> {
    let pages = clients
        .ec2
        .describe_vpcs()
        .filters(owned_filter(cluster))
        .into_paginator()
        .send()
        .try_collect()
        .await
        .on("DescribeVpcs", cluster)?;
    Ok(pages.iter().flat_map(|p| p.vpcs()).map(vpc).collect())
}

fn vpc(v: &aws_sdk_ec2::types::Vpc) -> Vpc {
    let tags = ec2_tags(v.tags());
    Vpc {
        id: v.vpc_id().unwrap_or_default().to_string(),
        name: name_of(&tags),
        cidr: v.cidr_block().unwrap_or_default().to_string(),
        tags,
    }
}

/// A VPC by id, for static placement; `None` when it does not exist.
pub async fn vpc_by_id(clients: &Clients, id: &str) -> Result<Option<Vpc>, Error> {
    match clients
        .ec2
        .describe_vpcs()
        .vpc_ids(id)
        .send()
        .await
        .on("DescribeVpcs", id)
    {
        Ok(out) => Ok(out.vpcs().first().map(vpc)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}

/// Subnets by id, for static placement; the missing ones are left out.
pub async fn subnets_by_id(clients: &Clients, ids: &[String]) -> Result<Vec<Subnet>, Error> {
    let mut found = Vec::new();
    // One at a time: EC2 fails the whole call when one id is unknown.
    for id in ids {
        match clients
            .ec2
            .describe_subnets()
            .subnet_ids(id)
            .send()
            .await
            .on("DescribeSubnets", id)
        {
            Ok(out) => found.extend(out.subnets().iter().map(subnet)),
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(e),
        }
    }
    Ok(found)
}

async fn subnets(
    clients: &Clients,
    filters: Vec<Filter>,
    what: &str,
) -> Result<Vec<Subnet>, Error> {
    let pages = clients
        .ec2
        .describe_subnets()
        .set_filters(Some(filters))
        .into_paginator()
        .send()
        .try_collect()
        .await
        .on("DescribeSubnets", what)?;
    Ok(pages.iter().flat_map(|p| p.subnets()).map(subnet).collect())
}

fn subnet(s: &aws_sdk_ec2::types::Subnet) -> Subnet {
    let tags = ec2_tags(s.tags());
    Subnet {
        id: s.subnet_id().unwrap_or_default().to_string(),
        name: name_of(&tags),
        vpc_id: s.vpc_id().unwrap_or_default().to_string(),
        zone: s.availability_zone().unwrap_or_default().to_string(),
        cidr: s.cidr_block().unwrap_or_default().to_string(),
        tags,
    }
}

async fn gateways(clients: &Clients, cluster: &str) -> Result<Vec<InternetGateway>, Error> {
    let pages = clients
        .ec2
        .describe_internet_gateways()
        .filters(owned_filter(cluster))
        .into_paginator()
        .send()
        .try_collect()
        .await
        .on("DescribeInternetGateways", cluster)?;
    Ok(pages
        .iter()
        .flat_map(|p| p.internet_gateways())
        .map(|g| InternetGateway {
            id: g.internet_gateway_id().unwrap_or_default().to_string(),
            name: name_of(&ec2_tags(g.tags())),
            attached_to: g
                .attachments()
                .iter()
                .filter_map(|a| a.vpc_id().map(str::to_string))
                .collect(),
        })
        .collect())
}

async fn addresses(clients: &Clients, cluster: &str) -> Result<Vec<Address>, Error> {
    let out = clients
        .ec2
        .describe_addresses()
        .filters(owned_filter(cluster))
        .send()
        .await
        .on("DescribeAddresses", cluster)?;
    Ok(out
        .addresses()
        .iter()
        .map(|a| Address {
            allocation_id: a.allocation_id().unwrap_or_default().to_string(),
            name: name_of(&ec2_tags(a.tags())),
            association_id: a.association_id().map(str::to_string),
        })
        .collect())
}

async fn nat_gateways(clients: &Clients, cluster: &str) -> Result<Vec<NatGateway>, Error> {
    let pages = clients
        .ec2
        .describe_nat_gateways()
        .filter(owned_filter(cluster))
        .into_paginator()
        .send()
        .try_collect()
        .await
        .on("DescribeNatGateways", cluster)?;
    Ok(pages
        .iter()
        .flat_map(|p| p.nat_gateways())
        .map(nat_gateway)
        .filter(|n| n.state != NatGatewayState::Deleted.as_str())
        .collect())
}

pub fn nat_gateway(n: &aws_sdk_ec2::types::NatGateway) -> NatGateway {
    NatGateway {
        id: n.nat_gateway_id().unwrap_or_default().to_string(),
        name: name_of(&ec2_tags(n.tags())),
        subnet_id: n.subnet_id().unwrap_or_default().to_string(),
        state: n
            .state()
            .map(|s| s.as_str().to_string())
            .unwrap_or_default(),
        allocation_ids: n
            .nat_gateway_addresses()
            .iter()
            .filter_map(|a| a.allocation_id().map(str::to_string))
            .collect(),
    }
}

async fn route_tables(clients: &Clients, cluster: &str) -> Result<Vec<RouteTable>, Error> {
    let pages = clients
        .ec2
        .describe_route_tables()
        .filters(owned_filter(cluster))
        .into_paginator()
        .send()
        .try_collect()
        .await
        .on("DescribeRouteTables", cluster)?;
    Ok(pages
        .iter()
        .flat_map(|p| p.route_tables())
        .map(|t| RouteTable {
            id: t.route_table_id().unwrap_or_default().to_string(),
            name: name_of(&ec2_tags(t.tags())),
            routes: t
                .routes()
                .iter()
                .filter_map(|r| {
                    let target = r.gateway_id().or(r.nat_gateway_id())?;
                    Some((r.destination_cidr_block()?.to_string(), target.to_string()))
                })
                .collect(),
            associations: t
                .associations()
                .iter()
                .filter_map(|a| {
                    Some((
                        a.route_table_association_id()?.to_string(),
                        a.subnet_id()?.to_string(),
                    ))
                })
                .collect(),
        })
        .collect())
}

async fn groups(clients: &Clients, filters: Vec<Filter>, what: &str) -> Result<Vec<Group>, Error> {
    let pages = clients
        .ec2
        .describe_security_groups()
        .set_filters(Some(filters))
        .into_paginator()
        .send()
        .try_collect()
        .await
        .on("DescribeSecurityGroups", what)?;
    Ok(pages
        .iter()
        .flat_map(|p| p.security_groups())
        .map(group)
        .collect())
}

pub fn group(g: &aws_sdk_ec2::types::SecurityGroup) -> Group {
    let mut ingress = Vec::new();
    for p in g.ip_permissions() {
        let protocol = p.ip_protocol().unwrap_or_default().to_string();
        let (from_port, to_port) = if protocol == "-1" {
            (-1, -1)
        } else {
            (p.from_port().unwrap_or(-1), p.to_port().unwrap_or(-1))
        };
        let rule = |source: &str| IngressRule {
            protocol: protocol.clone(),
            from_port,
            to_port,
            source: source.to_string(),
        };
        ingress.extend(p.ip_ranges().iter().filter_map(|r| r.cidr_ip()).map(rule));
        ingress.extend(
            p.user_id_group_pairs()
                .iter()
                .filter_map(|r| r.group_id())
                .map(rule),
        );
    }
    ingress.sort();
    Group {
        id: g.group_id().unwrap_or_default().to_string(),
        name: g.group_name().unwrap_or_default().to_string(),
        vpc_id: g.vpc_id().unwrap_or_default().to_string(),
        ingress,
    }
}

async fn instances(clients: &Clients, cluster: &str) -> Result<Vec<Instance>, Error> {
    let states = Filter::builder()
        .name("instance-state-name")
        .set_values(Some(
            ["pending", "running", "stopping", "stopped", "shutting-down"]
                .map(String::from)
                .to_vec(),
        ))
        .build();
    let pages = clients
        .ec2
        .describe_instances()
        .filters(owned_filter(cluster))
        .filters(states)
        .into_paginator()
        .send()
        .try_collect()
        .await
        .on("DescribeInstances", cluster)?;
    Ok(pages
        .iter()
        .flat_map(|p| p.reservations())
        .flat_map(|r| r.instances())
        .filter_map(|i| {
            let tags = ec2_tags(i.tags());
            // An Auto Scaling group's instances carry its tags; the group
            // owns them.
            if tags.contains_key("aws:autoscaling:groupName") {
                return None;
            }
            Some(Instance {
                id: i.instance_id()?.to_string(),
                name: name_of(&tags),
                state: i
                    .state()
                    .and_then(|s| s.name())
                    .map(|n| n.as_str().to_string())
                    .unwrap_or_default(),
                subnet_id: i.subnet_id().unwrap_or_default().to_string(),
                instance_type: i
                    .instance_type()
                    .map(|t| t.as_str().to_string())
                    .unwrap_or_default(),
            })
        })
        .collect())
}

async fn load_balancer(clients: &Clients, cluster: &str) -> Result<Option<LoadBalancer>, Error> {
    let name = load_balancer_name(cluster);
    let out = match clients
        .elb
        .describe_load_balancers()
        .load_balancer_names(&name)
        .send()
        .await
        .on("DescribeLoadBalancers", &name)
    {
        Ok(out) => out,
        Err(e) if e.is_not_found() => return Ok(None),
        Err(e) => return Err(e),
    };
    let Some(lb) = out.load_balancer_descriptions().first() else {
        return Ok(None);
    };
    let tags = clients
        .elb
        .describe_tags()
        .load_balancer_names(&name)
        .send()
        .await
        .on("DescribeTags", &name)?;
    let key = owned_key(cluster);
    let owned = tags
        .tag_descriptions()
        .iter()
        .flat_map(|d| d.tags())
        .any(|t| t.key() == key && t.value() == Some(OWNED));
    Ok(Some(LoadBalancer {
        name,
        instances: lb
            .instances()
            .iter()
            .filter_map(|i| i.instance_id().map(str::to_string))
            .collect(),
        subnets: lb.subnets().to_vec(),
        owned,
    }))
}

async fn launch_templates(clients: &Clients, cluster: &str) -> Result<Vec<LaunchTemplate>, Error> {
    let pages = clients
        .ec2
        .describe_launch_templates()
        .filters(owned_filter(cluster))
        .into_paginator()
        .send()
        .try_collect()
        .await
        .on("DescribeLaunchTemplates", cluster)?;
    let mut found = Vec::new();
    for t in pages.iter().flat_map(|p| p.launch_templates()) {
        let id = t.launch_template_id().unwrap_or_default().to_string();
        let name = t.launch_template_name().unwrap_or_default().to_string();
        let versions = clients
            .ec2
            .describe_launch_template_versions()
            .launch_template_id(&id)
            .versions("$Latest")
            .send()
            .await
            .on("DescribeLaunchTemplateVersions", &name)?;
        let data = versions
            .launch_template_versions()
            .first()
            .and_then(|v| v.launch_template_data());
        found.push(LaunchTemplate {
            id,
            name,
            latest_version: t.latest_version_number().unwrap_or(1),
            instance_type: data
                .and_then(|d| d.instance_type())
                .map(|t| t.as_str().to_string())
                .unwrap_or_default(),
            image: data
                .and_then(|d| d.image_id())
                .unwrap_or_default()
                .to_string(),
        });
    }
    Ok(found)
}

async fn auto_scaling_groups(
    clients: &Clients,
    cluster: &str,
) -> Result<Vec<AutoScalingGroup>, Error> {
    let filter = aws_sdk_autoscaling::types::Filter::builder()
        .name(format!("tag:{}", owned_key(cluster)))
        .values(OWNED)
        .build();
    let pages = clients
        .autoscaling
        .describe_auto_scaling_groups()
        .filters(filter)
        .into_paginator()
        .send()
        .try_collect()
        .await
        .on("DescribeAutoScalingGroups", cluster)?;
    Ok(pages
        .iter()
        .flat_map(|p| p.auto_scaling_groups())
        .map(|g| AutoScalingGroup {
            name: g.auto_scaling_group_name().unwrap_or_default().to_string(),
            min: g.min_size().unwrap_or_default(),
            max: g.max_size().unwrap_or_default(),
            desired: g.desired_capacity().unwrap_or_default(),
            subnets: g
                .vpc_zone_identifier()
                .unwrap_or_default()
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
        })
        .collect())
}

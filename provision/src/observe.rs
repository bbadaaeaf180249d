//! What AWS holds for a cluster, found by its ownership tag: state lives in
//! AWS, not in a local file, so every command starts here, once. Every
//! kind is described at the same time.
//!
//! What comes back is checked again in the client, whatever filter the
//! request carried: a resource is the cluster's only with its `owned`
//! tag; a VPC also needs the name the cluster gave it, and a subnet must
//! be in such a VPC (an existing network its owner tagged for the cluster
//! is the owner's). Static placement's VPC and subnets are left out
//! whatever their tags: no command changes or deletes them.

use crate::aws::clients::Clients;
use crate::aws::error::Error;
use crate::desired::{Desired, Network};
use crate::resources::{
    auto_scaling_group, elastic_ip, instance, internet_gateway, launch_template, load_balancer,
    nat_gateway, route_table, security_group, subnet, vpc,
};

#[derive(Debug, Clone, Default)]
pub struct Observed {
    /// More than one means a create ran twice (its answer lost, say): the
    /// plan keeps the one in use and deletes the other.
    pub vpcs: Vec<vpc::Observed>,
    pub subnets: Vec<subnet::Observed>,
    pub gateways: Vec<internet_gateway::Observed>,
    pub addresses: Vec<elastic_ip::Observed>,
    pub nat_gateways: Vec<nat_gateway::Observed>,
    pub route_tables: Vec<route_table::Observed>,
    pub groups: Vec<security_group::Observed>,
    /// The load balancer of the cluster's name, owned or not.
    pub load_balancers: Vec<load_balancer::Observed>,
    /// The instances awscluster runs itself (not an Auto Scaling group's).
    pub instances: Vec<instance::Observed>,
    pub launch_templates: Vec<launch_template::Observed>,
    pub auto_scaling_groups: Vec<auto_scaling_group::Observed>,
}

impl Observed {
    /// Everything the cluster owns, described in parallel.
    pub async fn discover(clients: &Clients, cluster: &str) -> Result<Observed, Error> {
        let (
            vpcs,
            subnets,
            gateways,
            addresses,
            nat_gateways,
            route_tables,
            groups,
            load_balancers,
            instances,
            launch_templates,
            auto_scaling_groups,
        ) = tokio::try_join!(
            vpc::observe(clients, cluster),
            subnet::observe(clients, cluster),
            internet_gateway::observe(clients, cluster),
            elastic_ip::observe(clients, cluster),
            nat_gateway::observe(clients, cluster),
            route_table::observe(clients, cluster),
            security_group::observe(clients, cluster),
            load_balancer::observe(clients, cluster),
            instance::observe(clients, cluster),
            launch_template::observe(clients, cluster),
            auto_scaling_group::observe(clients, cluster),
        )?;
        // Subnets are only ever created in a VPC the cluster owns.
        let subnets = subnets
            .into_iter()
            .filter(|s| vpcs.iter().any(|v| v.id == s.vpc_id))
            .collect();
        Ok(Observed {
            vpcs,
            subnets,
            gateways,
            addresses,
            nat_gateways,
            route_tables,
            groups,
            load_balancers,
            instances,
            launch_templates,
            auto_scaling_groups,
        })
    }

    /// Leaves out an existing network the spec names, whatever its tags
    /// say.
    pub fn without(mut self, vpc_id: &str, subnet_ids: &[String]) -> Observed {
        self.vpcs.retain(|v| v.id != vpc_id);
        self.subnets
            .retain(|s| s.vpc_id != vpc_id && !subnet_ids.contains(&s.id));
        self
    }
}

/// For static placement: how the VPC and subnets the spec names differ
/// from what AWS holds (each problem once), checked before any plan.
pub async fn existing_network(clients: &Clients, desired: &Desired) -> Result<Vec<String>, Error> {
    let Network::Static {
        vpc_id,
        cidr,
        subnets,
    } = &desired.network
    else {
        return Ok(Vec::new());
    };
    let ids: Vec<String> = subnets.iter().map(|s| s.id.clone()).collect();
    let (vpc, found) =
        tokio::try_join!(vpc::by_id(clients, vpc_id), subnet::by_ids(clients, &ids))?;
    let mut problems = Vec::new();
    match vpc {
        None => problems.push(format!("VPC {vpc_id} does not exist in {}", desired.region)),
        Some(block) if &block != cidr => problems.push(format!(
            "VPC {vpc_id} has the block {block}, the spec says {cidr}"
        )),
        Some(_) => {}
    }
    for s in subnets {
        match found.iter().find(|f| f.id == s.id) {
            None => problems.push(format!("subnet {} does not exist", s.id)),
            Some(f) => {
                if &f.vpc_id != vpc_id {
                    problems.push(format!(
                        "subnet {} is in {}, not in {vpc_id}",
                        s.id, f.vpc_id
                    ));
                }
                if f.cidr != s.cidr {
                    problems.push(format!(
                        "subnet {} has the block {}, the spec says {}",
                        s.id, f.cidr, s.cidr
                    ));
                }
                if f.zone != s.zone {
                    problems.push(format!(
                        "subnet {} is in {}, the spec says {}",
                        s.id, f.zone, s.zone
                    ));
                }
            }
        }
    }
    Ok(problems)
}

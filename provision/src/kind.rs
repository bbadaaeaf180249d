//! The kinds of resource a cluster is made of, in the order they are
//! created; destroy runs them the other way.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    Vpc,
    Subnet,
    InternetGateway,
    ElasticIp,
    NatGateway,
    RouteTable,
    SecurityGroup,
    /// A security group's ingress rules: groups refer to each other, so all
    /// of them exist before any rule is written.
    SecurityGroupRules,
    LoadBalancer,
    Instance,
    /// The control-plane instances registered with the load balancer.
    LoadBalancerInstances,
    LaunchTemplate,
    AutoScalingGroup,
    /// The account's, made once by `account setup` for all its clusters:
    /// managed policies, roles, instance profiles, a user's policies.
    ManagedPolicy,
    Role,
    InstanceProfile,
    UserPolicies,
}

impl Kind {
    /// In creation order.
    pub const ALL: [Kind; 17] = [
        Kind::Vpc,
        Kind::Subnet,
        Kind::InternetGateway,
        Kind::ElasticIp,
        Kind::NatGateway,
        Kind::RouteTable,
        Kind::SecurityGroup,
        Kind::SecurityGroupRules,
        Kind::LoadBalancer,
        Kind::Instance,
        Kind::LoadBalancerInstances,
        Kind::LaunchTemplate,
        Kind::AutoScalingGroup,
        Kind::ManagedPolicy,
        Kind::Role,
        Kind::InstanceProfile,
        Kind::UserPolicies,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Vpc => "vpc",
            Kind::Subnet => "subnet",
            Kind::InternetGateway => "internet-gateway",
            Kind::ElasticIp => "elastic-ip",
            Kind::NatGateway => "nat-gateway",
            Kind::RouteTable => "route-table",
            Kind::SecurityGroup => "security-group",
            Kind::SecurityGroupRules => "security-group-rules",
            Kind::LoadBalancer => "load-balancer",
            Kind::Instance => "instance",
            Kind::LoadBalancerInstances => "load-balancer-instances",
            Kind::LaunchTemplate => "launch-template",
            Kind::AutoScalingGroup => "auto-scaling-group",
            Kind::ManagedPolicy => "managed-policy",
            Kind::Role => "role",
            Kind::InstanceProfile => "instance-profile",
            Kind::UserPolicies => "user-policies",
        }
    }

    /// The kinds whose deletion must be over before one of this kind can
    /// go: what stands in it (instances in a subnet), holds it (a NAT
    /// gateway its address, a launch template its group) or maps public
    /// addresses through it (an internet gateway cannot be detached while
    /// a NAT gateway, the load balancer or an instance has one).
    fn deleted_after(self) -> &'static [Kind] {
        use Kind::*;
        match self {
            Vpc => &[Subnet, InternetGateway, RouteTable, SecurityGroup],
            Subnet => &[
                NatGateway,
                RouteTable,
                LoadBalancer,
                Instance,
                AutoScalingGroup,
            ],
            InternetGateway => &[
                NatGateway,
                ElasticIp,
                LoadBalancer,
                Instance,
                AutoScalingGroup,
            ],
            ElasticIp => &[NatGateway],
            SecurityGroup => &[LoadBalancer, Instance, LaunchTemplate, AutoScalingGroup],
            LaunchTemplate => &[AutoScalingGroup],
            // A role leaves its instance profiles first; a policy is
            // detached from whatever holds it when it is deleted.
            Role => &[InstanceProfile],
            ManagedPolicy => &[Role, UserPolicies],
            InstanceProfile | UserPolicies => &[],
            NatGateway
            | RouteTable
            | SecurityGroupRules
            | LoadBalancer
            | Instance
            | LoadBalancerInstances
            | AutoScalingGroup => &[],
        }
    }

    /// Every kind whose deletion must be over before this one's, directly
    /// or through another.
    pub fn deleted_after_all(self) -> Vec<Kind> {
        let mut out: Vec<Kind> = Vec::new();
        let mut next = vec![self];
        while let Some(kind) = next.pop() {
            for &k in kind.deleted_after() {
                if !out.contains(&k) {
                    out.push(k);
                    next.push(k);
                }
            }
        }
        out.sort();
        out
    }

    /// The kind an EC2 or Elastic Load Balancing NotFound code is about.
    pub fn of_not_found(code: &str) -> Option<Kind> {
        let kind = match code.split('.').next().unwrap_or(code) {
            "InvalidVpcID" => Kind::Vpc,
            "InvalidSubnetID" | "InvalidSubnet" => Kind::Subnet,
            "InvalidInternetGatewayID" => Kind::InternetGateway,
            "InvalidAllocationID" => Kind::ElasticIp,
            "InvalidNatGatewayID" | "NatGatewayNotFound" => Kind::NatGateway,
            "InvalidRouteTableID" | "InvalidRouteTableId" => Kind::RouteTable,
            "InvalidGroup" | "InvalidGroupId" | "InvalidSecurityGroupID" => Kind::SecurityGroup,
            "LoadBalancerNotFound" => Kind::LoadBalancer,
            "InvalidInstanceID" | "InvalidInstance" => Kind::Instance,
            "InvalidLaunchTemplateId" | "InvalidLaunchTemplateName" => Kind::LaunchTemplate,
            _ => return None,
        };
        Some(kind)
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deletion_never_waits_for_itself_or_for_what_is_created_after_nothing() {
        for kind in Kind::ALL {
            assert!(!kind.deleted_after_all().contains(&kind), "{kind}");
        }
        let vpc = Kind::Vpc.deleted_after_all();
        for kind in Kind::ALL {
            // Rules and registrations go with their group and load
            // balancer; the account's kinds are not in a VPC.
            if !matches!(
                kind,
                Kind::Vpc
                    | Kind::SecurityGroupRules
                    | Kind::LoadBalancerInstances
                    | Kind::ManagedPolicy
                    | Kind::Role
                    | Kind::InstanceProfile
                    | Kind::UserPolicies
            ) {
                assert!(vpc.contains(&kind), "the VPC goes after {kind}");
            }
        }
        assert_eq!(
            Kind::SecurityGroup.deleted_after_all(),
            [
                Kind::LoadBalancer,
                Kind::Instance,
                Kind::LaunchTemplate,
                Kind::AutoScalingGroup,
            ]
        );
    }

    #[test]
    fn not_found_codes_name_their_kind() {
        assert_eq!(Kind::of_not_found("InvalidVpcID.NotFound"), Some(Kind::Vpc));
        assert_eq!(
            Kind::of_not_found("InvalidLaunchTemplateName.NotFoundException"),
            Some(Kind::LaunchTemplate)
        );
        assert_eq!(Kind::of_not_found("InvalidKeyPair.NotFound"), None);
        assert_eq!(Kind::of_not_found("InvalidAMIID.NotFound"), None);
    }
}

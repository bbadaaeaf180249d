//! The names awscluster gives the AWS resources of a cluster, in one place:
//! the provisioner creates them by these names, and the linter checks
//! them against AWS's rules before anything is created.

/// The suffixes of the security groups' names: the bastion's, the API
/// server load balancer's, the control plane's and every node's.
pub const BASTION_GROUP: &str = "bastion";
pub const API_SERVER_LB_GROUP: &str = "apiserver-lb";
pub const CONTROL_PLANE_GROUP: &str = "controlplane";
pub const NODE_GROUP: &str = "node";
pub const SECURITY_GROUP_SUFFIXES: [&str; 4] = [
    BASTION_GROUP,
    API_SERVER_LB_GROUP,
    CONTROL_PLANE_GROUP,
    NODE_GROUP,
];

pub fn security_group(cluster: &str, suffix: &str) -> String {
    format!("{cluster}-{suffix}")
}

/// The API server's classic load balancer.
pub fn load_balancer(cluster: &str) -> String {
    format!("{cluster}-apiserver")
}

/// A worker pool's launch template and Auto Scaling group.
pub fn worker_pool(cluster: &str, pool: &str) -> String {
    format!("{cluster}-{pool}")
}

/// A control-plane instance (its `Name` tag).
pub fn control_plane_instance(cluster: &str, pool: &str, n: usize) -> String {
    format!("{cluster}-{pool}-{n}")
}

pub fn bastion(cluster: &str) -> String {
    format!("{cluster}-bastion")
}

pub fn vpc(cluster: &str) -> String {
    format!("{cluster}-vpc")
}

pub fn subnet(cluster: &str, kind: &str, zone: &str) -> String {
    format!("{cluster}-subnet-{kind}-{zone}")
}

pub fn internet_gateway(cluster: &str) -> String {
    format!("{cluster}-igw")
}

pub fn elastic_ip(cluster: &str, zone: &str) -> String {
    format!("{cluster}-eip-{zone}")
}

pub fn nat_gateway(cluster: &str, zone: &str) -> String {
    format!("{cluster}-nat-{zone}")
}

pub fn public_route_table(cluster: &str) -> String {
    format!("{cluster}-rt-public")
}

pub fn private_route_table(cluster: &str, zone: &str) -> String {
    format!("{cluster}-rt-private-{zone}")
}

/// Why AWS would refuse `name` for a resource of `kind`, per the API
/// reference of the call that creates it; `None` when it accepts it.
pub fn refusal(kind: NameKind, name: &str) -> Option<String> {
    let len = name.chars().count();
    match kind {
        // CreateSecurityGroup, GroupName: up to 255 characters, a-z, A-Z,
        // 0-9, spaces and ._-:/()#,@[]+=&;{}!$*, not starting with `sg-`.
        NameKind::SecurityGroup => {
            if name.get(..3).is_some_and(|p| p.eq_ignore_ascii_case("sg-")) {
                Some("starts with `sg-`, which EC2 keeps for group IDs".into())
            } else if len > 255 {
                Some(format!("has {len} characters; EC2 takes 255"))
            } else {
                name.chars()
                    .find(|c| !(c.is_ascii_alphanumeric() || " ._-:/()#,@[]+=&;{}!$*".contains(*c)))
                    .map(|c| format!("has `{c}`, which EC2 does not take in group names"))
            }
        }
        // CreateLaunchTemplate, LaunchTemplateName: 3 to 128 characters of
        // [a-zA-Z0-9().\-/_]; EC2 refuses more than 125 in practice.
        NameKind::LaunchTemplate => {
            if !(3..=125).contains(&len) {
                Some(format!("has {len} characters; EC2 takes 3 to 125"))
            } else {
                name.chars()
                    .find(|c| !(c.is_ascii_alphanumeric() || "().-/_".contains(*c)))
                    .map(|c| format!("has `{c}`, which EC2 does not take in launch template names"))
            }
        }
        // CreateAutoScalingGroup, AutoScalingGroupName: 1 to 255
        // characters, no colon.
        NameKind::AutoScalingGroup => {
            if !(1..=255).contains(&len) {
                Some(format!("has {len} characters; Auto Scaling takes 1 to 255"))
            } else if name.contains(':') {
                Some("has a `:`, which Auto Scaling does not take".into())
            } else {
                None
            }
        }
        // Classic CreateLoadBalancer, LoadBalancerName: at most 32
        // characters, letters, digits and hyphens, no hyphen first or last.
        NameKind::LoadBalancer => {
            if len > 32 {
                Some(format!(
                    "has {len} characters; Elastic Load Balancing takes 32"
                ))
            } else if let Some(c) = name
                .chars()
                .find(|c| !(c.is_ascii_alphanumeric() || *c == '-'))
            {
                Some(format!(
                    "has `{c}`; load balancer names have letters, digits and hyphens"
                ))
            } else if name.starts_with('-') || name.ends_with('-') {
                Some("starts or ends with a hyphen".into())
            } else {
                None
            }
        }
        // Tag values (the `Name` tag): at most 256 characters.
        NameKind::NameTag => {
            (len > 256).then(|| format!("has {len} characters; a tag value takes 256"))
        }
    }
}

/// The kinds of name AWS has rules for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameKind {
    SecurityGroup,
    LaunchTemplate,
    AutoScalingGroup,
    LoadBalancer,
    NameTag,
}

impl NameKind {
    pub fn describe(self) -> &'static str {
        match self {
            NameKind::SecurityGroup => "security group",
            NameKind::LaunchTemplate => "launch template",
            NameKind::AutoScalingGroup => "Auto Scaling group",
            NameKind::LoadBalancer => "load balancer",
            NameKind::NameTag => "`Name` tag",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aws_rules_for_each_kind_of_name() {
        assert!(refusal(NameKind::SecurityGroup, "sg-demo-bastion").is_some());
        assert!(refusal(NameKind::SecurityGroup, "SG-demo").is_some());
        assert!(refusal(NameKind::SecurityGroup, "demo-sg-node").is_none());
        assert!(refusal(NameKind::LaunchTemplate, "ab").is_some());
        assert!(refusal(NameKind::LaunchTemplate, &"a".repeat(126)).is_some());
        assert!(refusal(NameKind::LaunchTemplate, "prod-east-workers").is_none());
        assert!(refusal(NameKind::AutoScalingGroup, "a:b").is_some());
        assert!(refusal(NameKind::LoadBalancer, &"a".repeat(33)).is_some());
        assert!(refusal(NameKind::LoadBalancer, "prod-east-apiserver").is_none());
        assert!(refusal(NameKind::NameTag, &"a".repeat(257)).is_some());
    }
}

//! Every AWS call the provisioner makes, and the IAM actions it needs.
//!
//! [`Guard`] sits in every client and refuses a call that is not in
//! [`TABLE`] before it leaves the process, so a new call cannot ship
//! without its permission: the first test that reaches it fails. The table
//! is also what `awscluster iam required` prints and what a test checks
//! `policies/` against.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeSerializationInterceptorContextRef;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

/// One API operation and the IAM actions a call to it is authorized by.
#[derive(Debug, Clone, Copy)]
pub struct Permission {
    /// The service as the SDK names it (`EC2`, `Auto Scaling`, …).
    pub service: &'static str,
    pub operation: &'static str,
    /// The first is the operation's own action; the others are what it also
    /// needs because of how it is called (tags at creation need the
    /// service's tagging action).
    pub actions: &'static [&'static str],
}

const fn op(
    service: &'static str,
    operation: &'static str,
    actions: &'static [&'static str],
) -> Permission {
    Permission {
        service,
        operation,
        actions,
    }
}

const EC2: &str = "EC2";
const ELB: &str = "Elastic Load Balancing";
const ASG: &str = "Auto Scaling";

/// The provisioner's calls. Creations tag at creation (TagSpecifications),
/// which IAM authorizes as `CreateTags` (`AddTags`, `CreateOrUpdateTags`)
/// too.
pub const TABLE: &[Permission] = &[
    op(EC2, "CreateVpc", &["ec2:CreateVpc", "ec2:CreateTags"]),
    op(EC2, "DescribeVpcs", &["ec2:DescribeVpcs"]),
    op(EC2, "DescribeVpcAttribute", &["ec2:DescribeVpcAttribute"]),
    op(EC2, "ModifyVpcAttribute", &["ec2:ModifyVpcAttribute"]),
    op(EC2, "DeleteVpc", &["ec2:DeleteVpc"]),
    op(EC2, "CreateSubnet", &["ec2:CreateSubnet", "ec2:CreateTags"]),
    op(EC2, "DescribeSubnets", &["ec2:DescribeSubnets"]),
    op(EC2, "ModifySubnetAttribute", &["ec2:ModifySubnetAttribute"]),
    op(EC2, "DeleteSubnet", &["ec2:DeleteSubnet"]),
    op(
        EC2,
        "CreateInternetGateway",
        &["ec2:CreateInternetGateway", "ec2:CreateTags"],
    ),
    op(EC2, "AttachInternetGateway", &["ec2:AttachInternetGateway"]),
    op(EC2, "DetachInternetGateway", &["ec2:DetachInternetGateway"]),
    op(EC2, "DeleteInternetGateway", &["ec2:DeleteInternetGateway"]),
    op(
        EC2,
        "DescribeInternetGateways",
        &["ec2:DescribeInternetGateways"],
    ),
    op(
        EC2,
        "AllocateAddress",
        &["ec2:AllocateAddress", "ec2:CreateTags"],
    ),
    op(EC2, "ReleaseAddress", &["ec2:ReleaseAddress"]),
    op(EC2, "DescribeAddresses", &["ec2:DescribeAddresses"]),
    op(
        EC2,
        "CreateNatGateway",
        &["ec2:CreateNatGateway", "ec2:CreateTags"],
    ),
    op(EC2, "DescribeNatGateways", &["ec2:DescribeNatGateways"]),
    op(EC2, "DeleteNatGateway", &["ec2:DeleteNatGateway"]),
    op(
        EC2,
        "CreateRouteTable",
        &["ec2:CreateRouteTable", "ec2:CreateTags"],
    ),
    op(EC2, "CreateRoute", &["ec2:CreateRoute"]),
    op(EC2, "AssociateRouteTable", &["ec2:AssociateRouteTable"]),
    op(
        EC2,
        "DisassociateRouteTable",
        &["ec2:DisassociateRouteTable"],
    ),
    op(EC2, "DeleteRouteTable", &["ec2:DeleteRouteTable"]),
    op(EC2, "DescribeRouteTables", &["ec2:DescribeRouteTables"]),
    op(
        EC2,
        "CreateSecurityGroup",
        &["ec2:CreateSecurityGroup", "ec2:CreateTags"],
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
    op(
        EC2,
        "DescribeSecurityGroups",
        &["ec2:DescribeSecurityGroups"],
    ),
    op(EC2, "DescribeImages", &["ec2:DescribeImages"]),
    // An image given as an SSM parameter is resolved by EC2 on the caller's
    // behalf, which needs `ssm:GetParameters`.
    op(
        EC2,
        "RunInstances",
        &["ec2:RunInstances", "ec2:CreateTags", "ssm:GetParameters"],
    ),
    op(EC2, "TerminateInstances", &["ec2:TerminateInstances"]),
    op(EC2, "DescribeInstances", &["ec2:DescribeInstances"]),
    op(
        EC2,
        "CreateLaunchTemplate",
        &[
            "ec2:CreateLaunchTemplate",
            "ec2:CreateTags",
            "ssm:GetParameters",
        ],
    ),
    op(
        EC2,
        "CreateLaunchTemplateVersion",
        &["ec2:CreateLaunchTemplateVersion", "ssm:GetParameters"],
    ),
    op(EC2, "DeleteLaunchTemplate", &["ec2:DeleteLaunchTemplate"]),
    op(
        EC2,
        "DescribeLaunchTemplates",
        &["ec2:DescribeLaunchTemplates"],
    ),
    op(
        EC2,
        "DescribeLaunchTemplateVersions",
        &["ec2:DescribeLaunchTemplateVersions"],
    ),
    op(
        ELB,
        "CreateLoadBalancer",
        &[
            "elasticloadbalancing:CreateLoadBalancer",
            "elasticloadbalancing:AddTags",
        ],
    ),
    op(
        ELB,
        "ConfigureHealthCheck",
        &["elasticloadbalancing:ConfigureHealthCheck"],
    ),
    op(
        ELB,
        "DescribeLoadBalancers",
        &["elasticloadbalancing:DescribeLoadBalancers"],
    ),
    op(ELB, "DescribeTags", &["elasticloadbalancing:DescribeTags"]),
    op(
        ELB,
        "RegisterInstancesWithLoadBalancer",
        &["elasticloadbalancing:RegisterInstancesWithLoadBalancer"],
    ),
    op(
        ELB,
        "DeleteLoadBalancer",
        &["elasticloadbalancing:DeleteLoadBalancer"],
    ),
    // Launching an Auto Scaling group's instances from a launch template is
    // authorized as the caller running them.
    op(
        ASG,
        "CreateAutoScalingGroup",
        &[
            "autoscaling:CreateAutoScalingGroup",
            "autoscaling:CreateOrUpdateTags",
            "ec2:RunInstances",
            "ec2:CreateTags",
        ],
    ),
    op(
        ASG,
        "UpdateAutoScalingGroup",
        &["autoscaling:UpdateAutoScalingGroup", "ec2:RunInstances"],
    ),
    op(
        ASG,
        "DescribeAutoScalingGroups",
        &["autoscaling:DescribeAutoScalingGroups"],
    ),
    op(
        ASG,
        "DeleteAutoScalingGroup",
        &["autoscaling:DeleteAutoScalingGroup"],
    ),
];

/// The table entry for an operation.
pub fn lookup(service: &str, operation: &str) -> Option<&'static Permission> {
    TABLE
        .iter()
        .find(|p| p.service == service && p.operation == operation)
}

/// Every action the table needs, sorted, each once.
pub fn actions() -> Vec<&'static str> {
    let mut actions: Vec<&str> = TABLE
        .iter()
        .flat_map(|p| p.actions.iter().copied())
        .collect();
    actions.sort_unstable();
    actions.dedup();
    actions
}

/// The least-privilege identity policy for the provisioner: one statement
/// per service, on every resource (the resources it creates do not exist
/// yet when the policy is written, so their ARNs cannot be named).
pub fn required_policy() -> serde_json::Value {
    let mut by_service: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for action in actions() {
        let service = action.split(':').next().unwrap_or(action);
        by_service.entry(service).or_default().push(action);
    }
    let statements: Vec<serde_json::Value> = by_service
        .into_iter()
        .map(|(service, actions)| {
            serde_json::json!({
                "Sid": format!("Awscluster{}", sid_word(service)),
                "Effect": "Allow",
                "Action": actions,
                "Resource": "*",
            })
        })
        .collect();
    serde_json::json!({"Version": "2012-10-17", "Statement": statements})
}

/// [`required_policy`] as printed: pretty JSON.
pub fn required_policy_text() -> String {
    serde_json::to_string_pretty(&required_policy()).unwrap_or_default() + "\n"
}

/// Each call and the actions it needs, one per line.
pub fn table_text() -> String {
    let width = TABLE.iter().map(|p| p.operation.len()).max().unwrap_or(0);
    TABLE
        .iter()
        .map(|p| format!("{:width$}  {}\n", p.operation, p.actions.join(" ")))
        .collect()
}

/// `elasticloadbalancing` → `Elasticloadbalancing`: Sids are alphanumeric.
fn sid_word(service: &str) -> String {
    let mut chars = service.chars().filter(char::is_ascii_alphanumeric);
    match chars.next() {
        Some(first) => first.to_ascii_uppercase().to_string() + &chars.collect::<String>(),
        None => String::new(),
    }
}

/// Counts the calls made, per operation: the benchmark's figures and the
/// summary at the end of a run.
#[derive(Debug, Default)]
pub struct CallLog {
    counts: Mutex<BTreeMap<&'static str, u64>>,
}

impl CallLog {
    pub fn total(&self) -> u64 {
        self.lock().values().sum()
    }

    pub fn by_operation(&self) -> BTreeMap<&'static str, u64> {
        self.lock().clone()
    }

    fn record(&self, operation: &'static str) {
        *self.lock().entry(operation).or_default() += 1;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<&'static str, u64>> {
        // A panic while counting cannot leave the map half-written.
        self.counts.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The interceptor every client carries.
#[derive(Debug, Clone)]
pub struct Guard {
    pub calls: Arc<CallLog>,
}

#[derive(Debug, thiserror::Error)]
#[error(
    "{service} {operation} is not in the provisioner's permission table \
     (provision/src/permissions.rs): add it with the IAM actions it needs"
)]
pub struct UnlistedCall {
    pub service: String,
    pub operation: String,
}

impl Intercept for Guard {
    fn name(&self) -> &'static str {
        "awscluster permission guard"
    }

    // Not `read_before_execution`: a client's interceptors see that hook
    // before the operation's metadata is in the bag.
    fn read_before_serialization(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let Some(metadata) = cfg.load::<Metadata>() else {
            return Err(Box::new(UnlistedCall {
                service: "unknown".into(),
                operation: "unknown".into(),
            }));
        };
        match lookup(metadata.service(), metadata.name()) {
            Some(permission) => {
                self.calls.record(permission.operation);
                Ok(())
            }
            None => Err(Box::new(UnlistedCall {
                service: metadata.service().to_string(),
                operation: metadata.name().to_string(),
            })),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_operation_is_listed_once() {
        let mut seen = std::collections::HashSet::new();
        for p in TABLE {
            assert!(
                seen.insert((p.service, p.operation)),
                "{} twice",
                p.operation
            );
            assert!(!p.actions.is_empty(), "{} has no action", p.operation);
        }
    }

    #[test]
    fn each_operation_needs_its_own_action_first() {
        for p in TABLE {
            let own = p.actions[0].split(':').nth(1).unwrap_or_default();
            assert_eq!(own, p.operation, "{}", p.operation);
        }
    }

    #[test]
    fn the_required_policy_groups_actions_by_service() {
        let policy = required_policy();
        let statements = policy["Statement"].as_array().expect("statements");
        let sids: Vec<&str> = statements
            .iter()
            .map(|s| s["Sid"].as_str().unwrap_or_default())
            .collect();
        assert_eq!(
            sids,
            [
                "AwsclusterAutoscaling",
                "AwsclusterEc2",
                "AwsclusterElasticloadbalancing",
                "AwsclusterSsm"
            ]
        );
        let total: usize = statements
            .iter()
            .map(|s| s["Action"].as_array().map_or(0, Vec::len))
            .sum();
        assert_eq!(total, actions().len());
    }
}

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
    op(EC2, "RunInstances", &["ec2:RunInstances", "ec2:CreateTags"]),
    op(EC2, "TerminateInstances", &["ec2:TerminateInstances"]),
    op(EC2, "DescribeInstances", &["ec2:DescribeInstances"]),
    op(
        EC2,
        "CreateLaunchTemplate",
        &["ec2:CreateLaunchTemplate", "ec2:CreateTags"],
    ),
    op(
        EC2,
        "CreateLaunchTemplateVersion",
        &["ec2:CreateLaunchTemplateVersion"],
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

/// What an image given as an SSM parameter (`resolve:ssm:`) needs besides:
/// EC2 resolves it with the caller's permissions. The seed's policies do
/// not grant it (they allow `ssm:GetParameter` on EKS's image parameters
/// only), so it is asked for only by `iam required --with-ssm-images`.
pub const SSM_IMAGE_ACTIONS: &[&str] = &["ssm:GetParameters"];

/// The resources an action is needed on. Auto Scaling's changes are
/// scoped to groups, as the seed's controller policy scopes them; the
/// rest is on every resource (what the provisioner creates does not exist
/// yet when the policy is written, so its ARNs cannot be named).
pub fn resource_for(action: &str) -> &'static str {
    match action {
        "autoscaling:CreateAutoScalingGroup"
        | "autoscaling:UpdateAutoScalingGroup"
        | "autoscaling:DeleteAutoScalingGroup"
        | "autoscaling:CreateOrUpdateTags" => {
            "arn:*:autoscaling:*:*:autoScalingGroup:*:autoScalingGroupName/*"
        }
        "ssm:GetParameters" => "arn:*:ssm:*:*:parameter/*",
        _ => "*",
    }
}

/// The least-privilege identity policy for the provisioner: one statement
/// per service and resource.
pub fn required_policy(with_ssm_images: bool) -> serde_json::Value {
    let mut grouped: BTreeMap<(&str, &str), Vec<&str>> = BTreeMap::new();
    let extra = if with_ssm_images {
        SSM_IMAGE_ACTIONS
    } else {
        &[]
    };
    let mut all = actions();
    all.extend_from_slice(extra);
    for action in all {
        let service = action.split(':').next().unwrap_or(action);
        grouped
            .entry((service, resource_for(action)))
            .or_default()
            .push(action);
    }
    let statements: Vec<serde_json::Value> = grouped
        .into_iter()
        .map(|((service, resource), actions)| {
            let scope = if resource == "*" { "" } else { "Scoped" };
            serde_json::json!({
                "Sid": format!("Awscluster{}{scope}", sid_word(service)),
                "Effect": "Allow",
                "Action": actions,
                "Resource": resource,
            })
        })
        .collect();
    serde_json::json!({"Version": "2012-10-17", "Statement": statements})
}

/// The seed policy (a file of `policies/`) that allows `action` where the
/// provisioner needs it, if one does.
pub fn granted_by(action: &str) -> Option<&'static str> {
    use awscluster_lint::iam::eval::{Decision, evaluate};
    let policies = awscluster_lint::run::iam::builtin_policies();
    policies.iter().find_map(|policy| {
        let verdict = evaluate(std::slice::from_ref(policy), action, resource_for(action));
        (verdict.decision == Decision::Allowed).then(|| {
            let path: &'static str = awscluster_lint::iam::required::builtin()
                .iter()
                .find(|(name, _)| std::path::Path::new(name) == policy.file.path.as_path())
                .map_or("?", |(name, _)| name);
            path
        })
    })
}

/// [`required_policy`] as printed: pretty JSON.
pub fn required_policy_text(with_ssm_images: bool) -> String {
    serde_json::to_string_pretty(&required_policy(with_ssm_images)).unwrap_or_default() + "\n"
}

/// Each call, the actions it needs, and the seed policy that grants each.
pub fn table_text() -> String {
    let rows: Vec<(&str, &str, &str)> = TABLE
        .iter()
        .flat_map(|p| {
            p.actions.iter().map(|a| {
                (
                    p.operation,
                    *a,
                    granted_by(a).unwrap_or("NOT GRANTED by the seed's policies"),
                )
            })
        })
        .collect();
    let op = rows.iter().map(|r| r.0.len()).max().unwrap_or(0);
    let action = rows.iter().map(|r| r.1.len()).max().unwrap_or(0);
    let mut out = format!("{:op$}  {:action$}  granted by\n", "call", "IAM action");
    for (o, a, g) in rows {
        out.push_str(&format!("{o:op$}  {a:action$}  {g}\n"));
    }
    out
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
    fn the_seed_policies_grant_every_call() {
        let missing: Vec<&str> = actions()
            .into_iter()
            .filter(|a| granted_by(a).is_none())
            .collect();
        assert!(missing.is_empty(), "not granted by policies/: {missing:?}");
        // And an action that is not granted is told apart.
        assert_eq!(granted_by("ssm:GetParameters"), None);
        assert_eq!(
            granted_by("ec2:CreateVpc"),
            Some("policies/controller.json")
        );
    }

    #[test]
    fn the_required_policy_groups_actions_by_service() {
        let policy = required_policy(false);
        let statements = policy["Statement"].as_array().expect("statements");
        let sids: Vec<&str> = statements
            .iter()
            .map(|s| s["Sid"].as_str().unwrap_or_default())
            .collect();
        assert_eq!(
            sids,
            [
                "AwsclusterAutoscaling",
                "AwsclusterAutoscalingScoped",
                "AwsclusterEc2",
                "AwsclusterElasticloadbalancing",
            ]
        );
        let total: usize = statements
            .iter()
            .map(|s| s["Action"].as_array().map_or(0, Vec::len))
            .sum();
        assert_eq!(total, actions().len());
        let with_ssm = required_policy(true);
        assert_eq!(with_ssm["Statement"].as_array().map(Vec::len), Some(5));
    }
}

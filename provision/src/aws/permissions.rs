//! Every AWS call the tool makes, per job (provisioning, preflight), and
//! the IAM actions each needs.
//!
//! [`Guard`] sits in every client and refuses a call that is not in its
//! job's table (the resource kinds' lists, [`PREFLIGHT`]) before it leaves the process,
//! so a new call cannot ship without its permission: the first test that
//! reaches it fails. The tables are also what `awscluster iam required`
//! prints, what `policies/hardened/` holds, and what a test checks
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
    /// service's tagging action). Empty for the one call IAM never
    /// refuses, `GetCallerIdentity`.
    pub actions: &'static [&'static str],
    /// The service-linked role the call makes AWS create on the account's
    /// first use of the service, which IAM authorizes as the caller's
    /// `iam:CreateServiceLinkedRole`.
    pub creates: Option<&'static ServiceLinkedRole>,
}

/// A service-linked role, created by AWS with the caller's permission.
#[derive(Debug, Clone, Copy)]
pub struct ServiceLinkedRole {
    /// The service principal, as `iam:AWSServiceName` names it.
    pub service: &'static str,
    pub role: &'static str,
}

impl ServiceLinkedRole {
    /// In every partition and account: service-linked roles live under the
    /// `aws-service-role/<service>/` path.
    pub fn arn(&self) -> String {
        format!(
            "arn:*:iam::*:role/aws-service-role/{}/{}",
            self.service, self.role
        )
    }
}

/// CreateAutoScalingGroup: "by default, Amazon EC2 Auto Scaling uses a
/// service-linked role named AWSServiceRoleForAutoScaling, which it creates
/// if it does not exist" (the API reference, `ServiceLinkedRoleARN`).
pub const AUTO_SCALING_ROLE: ServiceLinkedRole = ServiceLinkedRole {
    service: "autoscaling.amazonaws.com",
    role: "AWSServiceRoleForAutoScaling",
};

/// Elastic Load Balancing creates its role with the first load balancer of
/// the account (the ELB guide, "Service-linked role").
pub const LOAD_BALANCING_ROLE: ServiceLinkedRole = ServiceLinkedRole {
    service: "elasticloadbalancing.amazonaws.com",
    role: "AWSServiceRoleForElasticLoadBalancing",
};

pub const fn op(
    service: &'static str,
    operation: &'static str,
    actions: &'static [&'static str],
) -> Permission {
    Permission {
        service,
        operation,
        actions,
        creates: None,
    }
}

impl Permission {
    pub const fn creating(self, role: &'static ServiceLinkedRole) -> Permission {
        Permission {
            creates: Some(role),
            ..self
        }
    }
}

pub const EC2: &str = "EC2";
pub const ELB: &str = "Elastic Load Balancing";
pub const ASG: &str = "Auto Scaling";
pub const IAM: &str = "IAM";
pub const SSM: &str = "SSM";
const STS: &str = "STS";
const QUOTAS: &str = "Service Quotas";
const CLOUDWATCH: &str = "CloudWatch";

/// The calls `awscluster preflight` makes: read-only, each the cheapest
/// that answers one question (`../shared/notes/preflight.md` lists which
/// check needs which). Kept apart from the provisioner's calls so that a user can
/// grant provisioning alone.
pub const PREFLIGHT: &[Permission] = &[
    // Who the credentials are: IAM allows it to everyone.
    op(STS, "GetCallerIdentity", &[]),
    op(
        EC2,
        "DescribeAvailabilityZones",
        &["ec2:DescribeAvailabilityZones"],
    ),
    op(EC2, "DescribeRegions", &["ec2:DescribeRegions"]),
    op(
        EC2,
        "DescribeInstanceTypeOfferings",
        &["ec2:DescribeInstanceTypeOfferings"],
    ),
    op(EC2, "DescribeInstanceTypes", &["ec2:DescribeInstanceTypes"]),
    op(EC2, "DescribeKeyPairs", &["ec2:DescribeKeyPairs"]),
    op(EC2, "DescribeImages", &["ec2:DescribeImages"]),
    op(
        EC2,
        "DescribeAccountAttributes",
        &["ec2:DescribeAccountAttributes"],
    ),
    op(EC2, "DescribeVpcs", &["ec2:DescribeVpcs"]),
    op(EC2, "DescribeSubnets", &["ec2:DescribeSubnets"]),
    op(EC2, "DescribeRouteTables", &["ec2:DescribeRouteTables"]),
    op(
        EC2,
        "DescribeInternetGateways",
        &["ec2:DescribeInternetGateways"],
    ),
    op(EC2, "DescribeNatGateways", &["ec2:DescribeNatGateways"]),
    op(EC2, "DescribeAddresses", &["ec2:DescribeAddresses"]),
    op(EC2, "DescribeInstances", &["ec2:DescribeInstances"]),
    op(SSM, "GetParameters", &["ssm:GetParameters"]),
    op(
        QUOTAS,
        "GetServiceQuota",
        &["servicequotas:GetServiceQuota"],
    ),
    op(
        QUOTAS,
        "GetAWSDefaultServiceQuota",
        &["servicequotas:GetAWSDefaultServiceQuota"],
    ),
    op(
        ELB,
        "DescribeAccountLimits",
        &["elasticloadbalancing:DescribeAccountLimits"],
    ),
    op(
        ELB,
        "DescribeLoadBalancers",
        &["elasticloadbalancing:DescribeLoadBalancers"],
    ),
    op(CLOUDWATCH, "GetMetricData", &["cloudwatch:GetMetricData"]),
    op(IAM, "GetRole", &["iam:GetRole"]),
    op(
        IAM,
        "ListAttachedRolePolicies",
        &["iam:ListAttachedRolePolicies"],
    ),
    op(IAM, "ListRolePolicies", &["iam:ListRolePolicies"]),
    op(IAM, "GetRolePolicy", &["iam:GetRolePolicy"]),
    op(IAM, "GetPolicy", &["iam:GetPolicy"]),
    op(IAM, "GetPolicyVersion", &["iam:GetPolicyVersion"]),
    op(IAM, "GetUser", &["iam:GetUser"]),
    op(IAM, "ListGroupsForUser", &["iam:ListGroupsForUser"]),
    op(
        IAM,
        "ListAttachedUserPolicies",
        &["iam:ListAttachedUserPolicies"],
    ),
    op(IAM, "ListUserPolicies", &["iam:ListUserPolicies"]),
    op(IAM, "GetUserPolicy", &["iam:GetUserPolicy"]),
    op(
        IAM,
        "ListAttachedGroupPolicies",
        &["iam:ListAttachedGroupPolicies"],
    ),
    op(IAM, "ListGroupPolicies", &["iam:ListGroupPolicies"]),
    op(IAM, "GetGroupPolicy", &["iam:GetGroupPolicy"]),
];

/// Which of the tool's jobs a set of calls is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    Provision,
    Preflight,
    /// `account setup`, `status` and `teardown`: run once, by an
    /// administrator of the account, never by the provisioning role.
    Account,
}

impl Job {
    /// The provisioner's calls are listed by the modules that make them:
    /// each resource kind's with its calls (`crate::resources`).
    pub fn calls(self) -> impl Iterator<Item = &'static Permission> {
        let lists: &'static [&'static [Permission]] = match self {
            Job::Provision => crate::resources::CALLS,
            Job::Preflight => &[PREFLIGHT],
            Job::Account => crate::resources::ACCOUNT_CALLS,
        };
        lists.iter().flat_map(|list| list.iter())
    }

    /// The calls made only for an image given as an SSM parameter
    /// (`resolve:ssm:`): allowed by the guard, and in the required policy
    /// only with `--with-ssm-images`, since the seed's policies do not
    /// grant them (they allow `ssm:GetParameter` on EKS's image parameters
    /// only).
    pub fn ssm_image_calls(self) -> impl Iterator<Item = &'static Permission> {
        let list: &'static [Permission] = match self {
            Job::Provision => crate::resources::image::SSM_CALLS,
            Job::Preflight | Job::Account => &[],
        };
        list.iter()
    }

    /// Where the hardened managed policy for the job lives: none for
    /// account setup, which an administrator runs.
    pub fn hardened_path(self) -> Option<&'static str> {
        match self {
            Job::Provision => Some(awscluster_lint::iam::required::provisioning().0),
            Job::Preflight => Some("policies/hardened/preflight.json"),
            Job::Account => None,
        }
    }

    /// Whose table, in messages.
    fn owner(self) -> &'static str {
        match self {
            Job::Provision => "the provisioner's",
            Job::Preflight => "preflight's",
            Job::Account => "account setup's",
        }
    }

    fn sid_prefix(self) -> &'static str {
        match self {
            Job::Provision => "Awscluster",
            Job::Preflight => "AwsclusterPreflight",
            Job::Account => "AwsclusterAccount",
        }
    }
}

/// The table entry for an operation a job makes.
pub fn lookup(job: Job, service: &str, operation: &str) -> Option<&'static Permission> {
    job.calls()
        .chain(job.ssm_image_calls())
        .find(|p| p.service == service && p.operation == operation)
}

const CREATE_SERVICE_LINKED_ROLE: &str = "iam:CreateServiceLinkedRole";

/// Actions needed on one kind of resource only, and the name their
/// statement gets.
struct Scoped {
    name: &'static str,
    resource: &'static str,
    actions: &'static [&'static str],
}

/// Auto Scaling's changes are scoped to groups, as the seed's controller
/// policy scopes them; preflight reads IAM by kind of principal and
/// policy. The rest is needed on every resource: what the provisioner
/// creates does not exist yet when the policy is written, so its ARNs
/// cannot be named, and the describe calls support `*` only.
const SCOPED: &[Scoped] = &[
    // The nodes' roles, named as the seed's `iam:PassRole` allows: a pool
    // that names another instance profile needs its role granted too.
    Scoped {
        name: "NodeRoles",
        resource: "arn:*:iam::*:role/*.cluster-api-provider-aws.sigs.k8s.io",
        actions: &["iam:PassRole"],
    },
    Scoped {
        name: "AutoScalingGroups",
        resource: "arn:*:autoscaling:*:*:autoScalingGroup:*:autoScalingGroupName/*",
        actions: &[
            "autoscaling:CreateAutoScalingGroup",
            "autoscaling:UpdateAutoScalingGroup",
            "autoscaling:DeleteAutoScalingGroup",
            "autoscaling:CreateOrUpdateTags",
        ],
    },
    // Bootstrap data, under the path the seed's Controller policy allows
    // and its Nodes policy lets the machines read.
    Scoped {
        name: "BootstrapSecrets",
        resource: "arn:*:secretsmanager:*:*:secret:aws.cluster.x-k8s.io/*",
        actions: &[
            "secretsmanager:CreateSecret",
            "secretsmanager:DeleteSecret",
            "secretsmanager:TagResource",
        ],
    },
    Scoped {
        name: "SsmParameters",
        resource: "arn:*:ssm:*:*:parameter/*",
        actions: &["ssm:GetParameters"],
    },
    Scoped {
        name: "IamRoles",
        resource: "arn:*:iam::*:role/*",
        actions: &[
            "iam:GetRole",
            "iam:ListAttachedRolePolicies",
            "iam:ListRolePolicies",
            "iam:GetRolePolicy",
        ],
    },
    Scoped {
        name: "IamPolicies",
        resource: "arn:*:iam::*:policy/*",
        actions: &["iam:GetPolicy", "iam:GetPolicyVersion"],
    },
    Scoped {
        name: "IamUsers",
        resource: "arn:*:iam::*:user/*",
        actions: &[
            "iam:GetUser",
            "iam:ListGroupsForUser",
            "iam:ListAttachedUserPolicies",
            "iam:ListUserPolicies",
            "iam:GetUserPolicy",
        ],
    },
    Scoped {
        name: "IamGroups",
        resource: "arn:*:iam::*:group/*",
        actions: &[
            "iam:ListAttachedGroupPolicies",
            "iam:ListGroupPolicies",
            "iam:GetGroupPolicy",
        ],
    },
];

/// The resources an action is needed on (see [`SCOPED`]).
pub fn resource_for(action: &str) -> &'static str {
    SCOPED
        .iter()
        .find(|s| s.actions.contains(&action))
        .map_or("*", |s| s.resource)
}

/// One action on one resource, under the `iam:AWSServiceName` a
/// service-linked role's creation carries.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Need {
    pub action: &'static str,
    pub resource: String,
    pub service_name: Option<&'static str>,
}

/// What a job's calls need, sorted, each once.
pub fn needs(job: Job, with_ssm_images: bool) -> Vec<Need> {
    let plain = |action: &'static str| Need {
        action,
        resource: resource_for(action).to_string(),
        service_name: None,
    };
    let mut needs: Vec<Need> = job
        .calls()
        .flat_map(|p| {
            p.actions
                .iter()
                .map(|a| plain(a))
                .chain(p.creates.map(|role| Need {
                    action: CREATE_SERVICE_LINKED_ROLE,
                    resource: role.arn(),
                    service_name: Some(role.service),
                }))
        })
        .collect();
    if with_ssm_images {
        needs.extend(
            job.ssm_image_calls()
                .flat_map(|p| p.actions.iter().map(|a| plain(a))),
        );
    }
    needs.sort();
    needs.dedup();
    needs
}

/// The least-privilege identity policy for a job: one statement per
/// service and resource.
pub fn required_policy(job: Job, with_ssm_images: bool) -> serde_json::Value {
    let mut grouped: BTreeMap<(&str, String, Option<&str>), Vec<&str>> = BTreeMap::new();
    for need in needs(job, with_ssm_images) {
        let service = need.action.split(':').next().unwrap_or(need.action);
        grouped
            .entry((service, need.resource, need.service_name))
            .or_default()
            .push(need.action);
    }
    let statements: Vec<serde_json::Value> = grouped
        .into_iter()
        .map(|((service, resource, service_name), actions)| {
            let name = match service_name {
                Some(principal) => {
                    let word = principal.split('.').next().unwrap_or(principal);
                    format!("ServiceLinkedRole{}", sid_word(word))
                }
                None => SCOPED
                    .iter()
                    .find(|s| s.resource == resource)
                    .map_or_else(|| sid_word(service), |s| s.name.to_string()),
            };
            let mut statement = serde_json::json!({
                "Sid": format!("{}{name}", job.sid_prefix()),
                "Effect": "Allow",
                "Action": actions,
                "Resource": resource,
            });
            if let Some(principal) = service_name {
                statement["Condition"] =
                    serde_json::json!({"StringEquals": {"iam:AWSServiceName": principal}});
            }
            statement
        })
        .collect();
    serde_json::json!({"Version": "2012-10-17", "Statement": statements})
}

/// [`required_policy`] as printed: pretty JSON.
pub fn required_policy_text(job: Job, with_ssm_images: bool) -> String {
    serde_json::to_string_pretty(&required_policy(job, with_ssm_images)).unwrap_or_default() + "\n"
}

/// For each action and resource of a job's required policy, the seed
/// policy (a file of `policies/`) that allows it there, under the
/// statement's conditions: `None` where none does.
pub fn granted_by(job: Job) -> Vec<(String, String, Option<&'static str>)> {
    use awscluster_lint::iam::eval::{Decision, evaluate_under};
    let seed = awscluster_lint::run::iam::builtin_policies();
    let file = std::sync::Arc::new(awscluster_lint::source::SourceFile::new(
        "required.json",
        required_policy_text(job, false),
    ));
    let Some(required) = awscluster_lint::iam::policy::read_unchecked(&file) else {
        return Vec::new();
    };
    let mut rows = Vec::new();
    for statement in &required.statements {
        let (Some(actions), Some(resources)) = (&statement.actions, &statement.resources) else {
            continue;
        };
        for action in &actions.items {
            for resource in &resources.items {
                let by = seed.iter().find_map(|policy| {
                    let verdict = evaluate_under(
                        std::slice::from_ref(policy),
                        action,
                        resource,
                        &statement.conditions,
                    );
                    (verdict.decision == Decision::Allowed).then(|| seed_path(policy))
                });
                rows.push((action.to_string(), resource.to_string(), by));
            }
        }
    }
    rows
}

fn seed_path(policy: &awscluster_lint::iam::policy::Policy) -> &'static str {
    awscluster_lint::iam::required::builtin()
        .iter()
        .find(|(name, _)| std::path::Path::new(name) == policy.file.path.as_path())
        .map_or("?", |(name, _)| name)
}

/// Each call, the actions it needs, and the seed policy that grants each.
pub fn table_text(job: Job) -> String {
    let granted = granted_by(job);
    let by = |action: &str, resource: &str| {
        granted
            .iter()
            .find(|(a, r, _)| a == action && r == resource)
            .and_then(|(_, _, by)| *by)
            .unwrap_or("NOT GRANTED by the seed's policies")
    };
    let rows: Vec<(&str, String, &str)> = job
        .calls()
        .flat_map(|p| {
            let own = p
                .actions
                .iter()
                .map(|a| (p.operation, (*a).to_string(), by(a, resource_for(a))));
            let role = p.creates.map(|role| {
                (
                    p.operation,
                    format!("{CREATE_SERVICE_LINKED_ROLE} ({})", role.service),
                    by(CREATE_SERVICE_LINKED_ROLE, &role.arn()),
                )
            });
            let none = p
                .actions
                .is_empty()
                .then(|| (p.operation, "(none: IAM never refuses it)".to_string(), "-"));
            own.chain(role).chain(none)
        })
        .collect();
    let op = rows.iter().map(|r| r.0.len()).max().unwrap_or(0);
    let action = rows.iter().map(|r| r.1.chars().count()).max().unwrap_or(0);
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

/// The interceptor every client carries: it lets through only the calls
/// of its job's table, so provisioning cannot make a call that only
/// preflight's policy grants, nor the other way round.
#[derive(Debug, Clone)]
pub struct Guard {
    pub job: Job,
    pub calls: Arc<CallLog>,
}

#[derive(Debug, thiserror::Error)]
#[error(
    "{service} {operation} is not in {owner} permission table \
     (the CALLS of the module that makes it, in provision/src/resources/ or \
     provision/src/aws/permissions.rs): add it with the IAM actions it needs"
)]
pub struct UnlistedCall {
    pub owner: &'static str,
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
                owner: self.job.owner(),
                service: "unknown".into(),
                operation: "unknown".into(),
            }));
        };
        match lookup(self.job, metadata.service(), metadata.name()) {
            Some(permission) => {
                self.calls.record(permission.operation);
                Ok(())
            }
            None => Err(Box::new(UnlistedCall {
                owner: self.job.owner(),
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
        for job in [Job::Provision, Job::Preflight, Job::Account] {
            let mut once = std::collections::HashSet::new();
            for p in job.calls() {
                assert!(once.insert(p.operation), "{} twice in {job:?}", p.operation);
            }
        }
    }

    #[test]
    fn each_operation_needs_its_own_action_first() {
        for p in Job::Provision
            .calls()
            .chain(PREFLIGHT)
            .chain(Job::Account.calls())
        {
            match p.actions.first() {
                Some(first) => {
                    let own = first.split(':').nth(1).unwrap_or_default();
                    assert_eq!(own, p.operation, "{}", p.operation);
                }
                None => assert_eq!(p.operation, "GetCallerIdentity"),
            }
        }
    }

    #[test]
    fn each_scoped_action_is_one_that_a_job_needs() {
        let all: Vec<&str> = needs(Job::Provision, true)
            .into_iter()
            .chain(needs(Job::Preflight, false))
            .map(|n| n.action)
            .collect();
        for scoped in SCOPED {
            for action in scoped.actions {
                assert!(all.contains(action), "{action} is scoped but never needed");
            }
        }
    }

    #[test]
    fn the_seed_policies_grant_every_call() {
        let rows = granted_by(Job::Provision);
        let missing: Vec<String> = rows
            .iter()
            .filter(|(_, _, by)| by.is_none())
            .map(|(a, r, _)| format!("{a} on {r}"))
            .collect();
        assert!(missing.is_empty(), "not granted by policies/: {missing:?}");
        let by = |action: &str| rows.iter().find(|(a, _, _)| a == action).and_then(|r| r.2);
        assert_eq!(by("ec2:CreateVpc"), Some("policies/controller.json"));
        // The seed allows the Auto Scaling role's creation by pattern
        // (`StringLike`); the requirement states the value.
        assert_eq!(
            by("iam:CreateServiceLinkedRole"),
            Some("policies/controller.json")
        );
        // And what the seed does not grant is told apart.
        let preflight = granted_by(Job::Preflight);
        let not: Vec<&str> = preflight
            .iter()
            .filter(|(_, _, by)| by.is_none())
            .map(|(a, _, _)| a.as_str())
            .collect();
        assert!(not.contains(&"ssm:GetParameters"), "{not:?}");
        assert!(not.contains(&"servicequotas:GetServiceQuota"), "{not:?}");
        assert!(!not.contains(&"ec2:DescribeAvailabilityZones"), "{not:?}");
    }

    #[test]
    fn the_required_policy_groups_actions_by_service_and_resource() {
        let policy = required_policy(Job::Provision, false);
        let statements = policy["Statement"].as_array().expect("statements");
        let sids: Vec<&str> = statements
            .iter()
            .map(|s| s["Sid"].as_str().unwrap_or_default())
            .collect();
        assert_eq!(
            sids,
            [
                "AwsclusterAutoscaling",
                "AwsclusterAutoScalingGroups",
                "AwsclusterEc2",
                "AwsclusterElasticloadbalancing",
                "AwsclusterNodeRoles",
                "AwsclusterServiceLinkedRoleAutoscaling",
                "AwsclusterServiceLinkedRoleElasticloadbalancing",
                "AwsclusterPricing",
                "AwsclusterBootstrapSecrets",
            ]
        );
        let total: usize = statements
            .iter()
            .map(|s| s["Action"].as_array().map_or(0, Vec::len))
            .sum();
        // Each action once per resource it is needed on:
        // CreateServiceLinkedRole twice, on two roles.
        assert_eq!(total, needs(Job::Provision, false).len());
        let creations = statements
            .iter()
            .filter(|s| s["Action"][0] == CREATE_SERVICE_LINKED_ROLE)
            .count();
        assert_eq!(creations, 2);
        let role = &statements[5];
        assert_eq!(
            role["Resource"],
            "arn:*:iam::*:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"
        );
        assert_eq!(
            role["Condition"]["StringEquals"]["iam:AWSServiceName"],
            "autoscaling.amazonaws.com"
        );
        let with_ssm = required_policy(Job::Provision, true);
        assert_eq!(
            with_ssm["Statement"].as_array().map(Vec::len),
            Some(sids.len() + 1)
        );
    }

    #[test]
    fn the_hardened_policies_are_what_the_tables_print() {
        for (job, flag) in [(Job::Provision, "provision"), (Job::Preflight, "preflight")] {
            let hardened = job.hardened_path().expect("a hardened policy");
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("..")
                .join(hardened);
            let committed = std::fs::read_to_string(&path).expect("hardened policy");
            assert_eq!(
                committed,
                required_policy_text(job, false),
                "{hardened} is out of date: regenerate it with `awscluster iam required --for {flag}`",
            );
        }
    }
}

//! Privilege escalation: whether the identity policies one principal holds
//! let it give itself more than they grant.
//!
//! The methods are the published catalogue (Rhino Security Labs' list of
//! IAM escalation methods, as cloudsplaining and PMapper use it): write a
//! new version of a managed policy, attach or put a policy on itself, join
//! a group with a policy it attached, create a role or user and use it,
//! rewrite a role's trust policy, make credentials for other users, or pass
//! a role to a service that runs code the principal supplies. Each step of
//! a method is decided by the coverage engine, so a `Deny`, a resource
//! scope or a condition on the key that matters (`iam:PolicyARN`,
//! `iam:PassedToService`) closes it. Conditions on other keys are taken as
//! ones the principal can meet: the finding says which statements carry
//! them.
//!
//! Where the principal names the resource itself (a role it creates), the
//! method is tried on each role or user the granted statements name, made
//! concrete (`arn:*:iam::*:role/*.cluster-api-provider-aws.sigs.k8s.io` is
//! tried as `arn:aws:iam::123456789012:role/x.cluster-api-provider-aws.sigs.k8s.io`):
//! a name suffix limits which roles may be passed, not which may be
//! created, so `iam:PassRole` on that suffix with `iam:CreateRole` on every
//! role is still a path.

use super::eval::{Decision, Granted, StatementRef};
use super::pattern;
use super::policy::{Policy, Statement};

/// What a step is done on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum On {
    /// Every resource of a pattern: the method needs it on one the
    /// principal cannot choose (its own role, a policy attached to it).
    Every(&'static str),
    /// A role or user the principal creates and names.
    Chosen(Chosen),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chosen {
    Role,
    User,
}

impl Chosen {
    fn generic(self) -> &'static str {
        match self {
            Chosen::Role => "arn:*:iam::*:role/*",
            Chosen::User => "arn:*:iam::*:user/*",
        }
    }

    fn segment(self) -> &'static str {
        match self {
            Chosen::Role => ":role/",
            Chosen::User => ":user/",
        }
    }
}

#[derive(Debug)]
pub struct Step {
    pub action: &'static str,
    pub on: On,
    /// Condition keys that, when a statement tests them, limit what the
    /// step can do (`iam:PolicyARN`: which policy may be attached).
    pub closing: &'static [&'static str],
    /// A key the request carries with a known value, tested as IAM would
    /// (`iam:PassedToService` = `ec2.amazonaws.com`).
    pub carries: Option<(&'static str, &'static str)>,
}

/// One known escalation method.
#[derive(Debug)]
pub struct Method {
    /// What the principal does, for the finding.
    pub summary: &'static str,
    /// What would close it, for the finding's help.
    pub close: &'static str,
    pub steps: &'static [Step],
}

const POLICIES: On = On::Every("arn:*:iam::*:policy/*");
const ROLES: On = On::Every("arn:*:iam::*:role/*");
const USERS: On = On::Every("arn:*:iam::*:user/*");
const GROUPS: On = On::Every("arn:*:iam::*:group/*");
const PROFILES: On = On::Every("arn:*:iam::*:instance-profile/*");
const ANY: On = On::Every("*");
const NEW_ROLE: On = On::Chosen(Chosen::Role);
const NEW_USER: On = On::Chosen(Chosen::User);
const POLICY_ARN: &[&str] = &["iam:PolicyARN"];

const fn step(action: &'static str, on: On) -> Step {
    Step {
        action,
        on,
        closing: &[],
        carries: None,
    }
}

const fn attach(action: &'static str, on: On) -> Step {
    Step {
        action,
        on,
        closing: POLICY_ARN,
        carries: None,
    }
}

const fn pass(on: On, service: &'static str) -> Step {
    Step {
        action: "iam:PassRole",
        on,
        closing: &[],
        carries: Some(("iam:PassedToService", service)),
    }
}

const CLOSE_ATTACH: &str = "limit the statement with a condition on `iam:PolicyARN` naming the policies it may attach, or scope its Resource to roles the principal cannot be";

/// A service that runs code under a role passed to it: its principal, the
/// actions that start the code, and what a new role needs before it can be
/// passed (an instance profile, for EC2).
macro_rules! pass_role_methods {
    ($( $service:literal, $via:literal, [$($run:literal),+], [$($setup:expr),*] );+ $(;)?) => {
        &[
            $(
                Method {
                    summary: concat!("pass an existing role (any role of the account, an administrator's included) to ", $via, ", which runs code it supplies"),
                    close: concat!("scope `iam:PassRole` to the roles ", $via, " needs, or add a condition on `iam:PassedToService`"),
                    steps: &[pass(ROLES, $service), $(step($run, ANY)),+],
                },
                Method {
                    summary: concat!("create a role, attach any policy to it, and pass it to ", $via, ", which runs code it supplies"),
                    close: concat!("scope `iam:CreateRole` or `iam:AttachRolePolicy` to roles that `iam:PassRole` does not allow, or ", "limit `iam:AttachRolePolicy` with a condition on `iam:PolicyARN`"),
                    steps: &[step("iam:CreateRole", NEW_ROLE), attach("iam:AttachRolePolicy", NEW_ROLE), $($setup,)* pass(NEW_ROLE, $service), $(step($run, ANY)),+],
                },
            )+
        ]
    };
}

const PASS_ROLE: &[Method] = pass_role_methods![
    "ec2.amazonaws.com", "EC2 (an instance with its profile)", ["ec2:RunInstances"],
        [step("iam:CreateInstanceProfile", PROFILES), step("iam:AddRoleToInstanceProfile", PROFILES)];
    "lambda.amazonaws.com", "Lambda", ["lambda:CreateFunction", "lambda:InvokeFunction"], [];
    "cloudformation.amazonaws.com", "CloudFormation (a stack)", ["cloudformation:CreateStack"], [];
    "glue.amazonaws.com", "Glue (a development endpoint)", ["glue:CreateDevEndpoint"], [];
    "codebuild.amazonaws.com", "CodeBuild (a build project)", ["codebuild:CreateProject", "codebuild:StartBuild"], [];
    "ecs-tasks.amazonaws.com", "ECS (a task)", ["ecs:RegisterTaskDefinition", "ecs:RunTask"], [];
];

const DIRECT: &[Method] = &[
    Method {
        summary: "write a new default version of a managed policy attached to itself",
        close: "scope `iam:CreatePolicyVersion` to policies that are never attached to this principal",
        steps: &[step("iam:CreatePolicyVersion", POLICIES)],
    },
    Method {
        summary: "make an older, broader version of a policy attached to itself the default",
        close: "scope `iam:SetDefaultPolicyVersion` to policies that are never attached to this principal",
        steps: &[step("iam:SetDefaultPolicyVersion", POLICIES)],
    },
    Method {
        summary: "attach any managed policy (AdministratorAccess) to its own role",
        close: CLOSE_ATTACH,
        steps: &[attach("iam:AttachRolePolicy", ROLES)],
    },
    Method {
        summary: "write any inline policy into its own role",
        close: "scope `iam:PutRolePolicy` to roles the principal cannot be",
        steps: &[step("iam:PutRolePolicy", ROLES)],
    },
    Method {
        summary: "attach any managed policy to itself, as a user",
        close: "limit `iam:AttachUserPolicy` with a condition on `iam:PolicyARN`, or scope it to other users",
        steps: &[attach("iam:AttachUserPolicy", USERS)],
    },
    Method {
        summary: "write any inline policy into itself, as a user",
        close: "scope `iam:PutUserPolicy` to other users",
        steps: &[step("iam:PutUserPolicy", USERS)],
    },
    Method {
        summary: "attach any managed policy to a group and join it, as a user",
        close: "limit `iam:AttachGroupPolicy` with a condition on `iam:PolicyARN`, or scope `iam:AddUserToGroup` to groups whose policies are fixed",
        steps: &[
            attach("iam:AttachGroupPolicy", GROUPS),
            step("iam:AddUserToGroup", GROUPS),
        ],
    },
    Method {
        summary: "write any inline policy into a group and join it, as a user",
        close: "scope `iam:PutGroupPolicy` or `iam:AddUserToGroup` to groups the principal cannot join",
        steps: &[
            step("iam:PutGroupPolicy", GROUPS),
            step("iam:AddUserToGroup", GROUPS),
        ],
    },
    Method {
        summary: "rewrite the trust policy of any role (an administrator's) to trust itself, and assume it",
        close: "scope `iam:UpdateAssumeRolePolicy` or `sts:AssumeRole` to roles that hold no more than this principal",
        steps: &[
            step("iam:UpdateAssumeRolePolicy", ROLES),
            step("sts:AssumeRole", ROLES),
        ],
    },
    Method {
        summary: "create a role that trusts itself, attach any policy to it, and assume it",
        close: "limit `iam:AttachRolePolicy` with a condition on `iam:PolicyARN`, or scope `iam:CreateRole`, `iam:AttachRolePolicy` or `sts:AssumeRole` so that no role is in all three",
        steps: &[
            step("iam:CreateRole", NEW_ROLE),
            attach("iam:AttachRolePolicy", NEW_ROLE),
            step("sts:AssumeRole", NEW_ROLE),
        ],
    },
    Method {
        summary: "create a role that trusts itself, write any inline policy into it, and assume it",
        close: "scope `iam:CreateRole`, `iam:PutRolePolicy` or `sts:AssumeRole` so that no role is in all three",
        steps: &[
            step("iam:CreateRole", NEW_ROLE),
            step("iam:PutRolePolicy", NEW_ROLE),
            step("sts:AssumeRole", NEW_ROLE),
        ],
    },
    Method {
        summary: "create a user, attach any policy to it, and make an access key for it",
        close: "limit `iam:AttachUserPolicy` with a condition on `iam:PolicyARN`, or scope `iam:CreateAccessKey` to the principal's own user",
        steps: &[
            step("iam:CreateUser", NEW_USER),
            attach("iam:AttachUserPolicy", NEW_USER),
            step("iam:CreateAccessKey", NEW_USER),
        ],
    },
    Method {
        summary: "make an access key for any user (an administrator)",
        close: "scope `iam:CreateAccessKey` to the principal's own user (`arn:aws:iam::*:user/${aws:username}`)",
        steps: &[step("iam:CreateAccessKey", USERS)],
    },
    Method {
        summary: "give any user (an administrator) a console password",
        close: "scope `iam:CreateLoginProfile` to the principal's own user",
        steps: &[step("iam:CreateLoginProfile", USERS)],
    },
    Method {
        summary: "change the console password of any user (an administrator)",
        close: "scope `iam:UpdateLoginProfile` to the principal's own user",
        steps: &[step("iam:UpdateLoginProfile", USERS)],
    },
];

/// Every method, in the order findings are reported.
pub fn methods() -> impl Iterator<Item = &'static Method> {
    DIRECT.iter().chain(PASS_ROLE)
}

/// A method the policies leave open: the statements that enable each step,
/// and the resource it was found on when the principal chooses it.
#[derive(Debug)]
pub struct Path<'p> {
    pub method: &'static Method,
    pub steps: Vec<(&'static Step, Vec<StatementRef<'p>>)>,
    pub chosen: Option<String>,
}

/// The most roles or users tried for one method: the distinct ones the
/// statements name, which a real policy keeps to a handful.
const MOST_CANDIDATES: usize = 64;

/// The escalation paths the identity policies `policies` (all held by one
/// principal) leave open, one per method.
pub fn find<'p>(policies: impl IntoIterator<Item = &'p Policy>) -> Vec<Path<'p>> {
    let policies: Vec<&'p Policy> = policies.into_iter().collect();
    let granted = Granted::new(policies.iter().copied());
    let mut found = Vec::new();
    for method in methods() {
        let chosen = method.steps.iter().find_map(|s| match s.on {
            On::Chosen(c) => Some(c),
            On::Every(_) => None,
        });
        let candidates = match chosen {
            None => vec![None],
            Some(kind) => candidates(&granted, method, kind)
                .into_iter()
                .map(Some)
                .collect(),
        };
        for candidate in candidates {
            if let Some(steps) = open(&granted, method, candidate.as_deref()) {
                found.push(Path {
                    method,
                    steps,
                    chosen: candidate,
                });
                break;
            }
        }
    }
    found
}

/// The statements enabling every step of `method`, or `None` if a step is
/// closed.
fn open<'p>(
    granted: &Granted<'p>,
    method: &'static Method,
    chosen: Option<&str>,
) -> Option<Vec<(&'static Step, Vec<StatementRef<'p>>)>> {
    method
        .steps
        .iter()
        .map(|step| {
            let resource = match step.on {
                On::Every(pattern) => pattern,
                On::Chosen(_) => chosen?,
            };
            enabling(granted, step, resource).map(|statements| (step, statements))
        })
        .collect()
}

fn enabling<'p>(
    granted: &Granted<'p>,
    step: &Step,
    resource: &str,
) -> Option<Vec<StatementRef<'p>>> {
    let verdict = granted.evaluate_under(step.action, resource, &[]);
    let statements: Vec<StatementRef<'p>> = match verdict.decision {
        Decision::Allowed | Decision::AllowedUnderConditions | Decision::PossiblyDenied => verdict
            .deciding
            .into_iter()
            .filter(|r| r.statement.is_allow() && meets(r.statement, step))
            .collect(),
        Decision::AllowedOnOtherResources | Decision::Denied | Decision::NotGranted => Vec::new(),
    };
    (!statements.is_empty()).then_some(statements)
}

/// Whether a request of `step` meets the statement's conditions: a key the
/// request carries is tested against its value; a closing key is taken to
/// exclude what the method needs; any other key, to be one the principal
/// can meet.
fn meets(statement: &Statement, step: &Step) -> bool {
    statement.conditions.iter().all(|c| {
        let key = c.key.as_str();
        match step.carries {
            Some((carried, value)) if key.eq_ignore_ascii_case(carried) => {
                let operator = c.operator.as_str();
                let like = operator.contains("Like");
                let hit = c.values.iter().any(|v| {
                    if like {
                        pattern::matches_ignore_case(v, value)
                    } else {
                        v.eq_ignore_ascii_case(value)
                    }
                });
                hit != operator.contains("Not")
            }
            _ => !step.closing.iter().any(|k| key.eq_ignore_ascii_case(k)),
        }
    })
}

/// The roles (or users) to try a method on: each one the Allow statements
/// of its steps' actions name, made concrete, then any. The statements are
/// found through the prepared index, not by matching every item.
fn candidates(granted: &Granted<'_>, method: &Method, kind: Chosen) -> Vec<String> {
    let actions: Vec<&str> = method.steps.iter().map(|s| s.action).collect();
    let mut out: Vec<String> = Vec::new();
    'all: for r in granted.statements_for(&actions) {
        let statement = r.statement;
        let (Some(values), Some(resources)) = (&statement.actions, &statement.resources) else {
            continue;
        };
        if !statement.is_allow() || values.negated || resources.negated {
            continue;
        }
        for item in &resources.items {
            if item.contains(kind.segment()) {
                let concrete = concretize(item);
                if !out.contains(&concrete) {
                    out.push(concrete);
                    if out.len() == MOST_CANDIDATES {
                        break 'all;
                    }
                }
            }
        }
    }
    let generic = concretize(kind.generic());
    if !out.contains(&generic) {
        out.push(generic);
    }
    out
}

/// One ARN a pattern matches: wildcards become a placeholder account,
/// partition and name.
fn concretize(pattern: &str) -> String {
    let parts: Vec<&str> = pattern.splitn(6, ':').collect();
    let [_, partition, service, region, account, resource] = parts[..] else {
        return pattern.replace(['*', '?'], "x");
    };
    let wild = |s: &str| s.contains(['*', '?']);
    format!(
        "arn:{}:{}:{}:{}:{}",
        if wild(partition) { "aws" } else { partition },
        service,
        if wild(region) { "us-east-1" } else { region },
        if wild(account) {
            "123456789012"
        } else {
            account
        },
        resource.replace(['*', '?'], "x")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_are_tried_as_one_arn_they_match() {
        assert_eq!(
            concretize("arn:*:iam::*:role/*.cluster-api-provider-aws.sigs.k8s.io"),
            "arn:aws:iam::123456789012:role/x.cluster-api-provider-aws.sigs.k8s.io"
        );
        assert_eq!(
            concretize("arn:aws-cn:iam::111122223333:user/ops-?"),
            "arn:aws-cn:iam::111122223333:user/ops-x"
        );
        for pattern in ["arn:*:iam::*:role/*", "arn:aws:iam::1:role/a*b?c"] {
            assert!(pattern::matches(pattern, &concretize(pattern)), "{pattern}");
        }
    }

    #[test]
    fn every_action_a_method_names_is_in_the_catalog() {
        for method in methods() {
            for step in method.steps {
                assert!(
                    super::super::catalog::catalog()
                        .action(step.action)
                        .is_some(),
                    "{}",
                    step.action
                );
            }
        }
    }
}

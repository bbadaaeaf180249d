//! `account setup`: what the seed guide's "Creating an AWS cloud account"
//! asks for, made with IAM's own calls: the provisioning policies as
//! managed policies, the provisioning role (trusted by the account that
//! provisions, with an external ID) or a user's attachments, and the
//! nodes' roles and instance profiles.
//!
//! Everything setup makes lives under the IAM path `/awscluster/` and
//! carries the tag `awscluster/account=owned`: IAM's list calls filter by
//! path, not by tag, so the path finds them and the tag proves them; only
//! what has both is ever changed or deleted.

use std::sync::Arc;

use awscluster_lint::iam::{policy, split};
use awscluster_lint::source::SourceFile;
use awscluster_lint::spec::machines;

use crate::aws::clients::Clients;
use crate::aws::error::Error;
use crate::aws::permissions::{Job, required_policy_text};
use crate::kind::Kind;
use crate::names;
use crate::resources::{Ref, instance_profile, managed_policy, role, user_policies};

/// IAM's quota on a managed policy: 6,144 characters, white space not
/// counted ("IAM and AWS STS quotas").
pub const MANAGED_POLICY_CHARS: usize = 6144;

/// Which policies the provisioning principal gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicySet {
    /// The seed's four, as its guide says.
    Seed,
    /// What awscluster calls and nothing more (`policies/hardened/`).
    Hardened,
}

/// Who provisions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// A role another account assumes, with an external ID (the seed's STS
    /// option).
    Role {
        name: String,
        trust_account: String,
        external_id: String,
    },
    /// An existing IAM user, for access keys.
    User(String),
    /// Neither: the policies and the nodes' roles only.
    None,
}

/// What `account setup` was asked for.
#[derive(Debug, Clone)]
pub struct Setup {
    pub policies: PolicySet,
    pub principal: Principal,
    /// `aws`, `aws-cn`, `aws-us-gov`: the trust policy names the
    /// provisioning account in it.
    pub partition: String,
}

/// What setup asks IAM to hold.
#[derive(Debug, Clone, Default)]
pub struct Wanted {
    pub policies: Vec<managed_policy::Spec>,
    pub roles: Vec<role::Spec>,
    pub profiles: Vec<instance_profile::Spec>,
    pub users: Vec<user_policies::Spec>,
    /// The provisioning principal's policies.
    principal_policies: Vec<Ref>,
    /// Whether setup was told who provisions: if not, the principal it
    /// made before stays ([`Wanted::keeping_principal`]).
    principal_given: bool,
}

/// What IAM holds of it.
#[derive(Debug, Clone, Default)]
pub struct Observed {
    pub policies: Vec<managed_policy::Observed>,
    pub roles: Vec<role::Observed>,
    pub profiles: Vec<instance_profile::Observed>,
    pub users: Vec<user_policies::Observed>,
}

/// The partition of a Region's account.
pub fn partition_of(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

/// A policy's document as a managed policy holds it, split in parts that
/// fit the quota when it does not. (stem, document) pairs.
fn fitted(stem: &str, text: &str) -> Result<Vec<(String, serde_json::Value)>, Error> {
    let file = Arc::new(SourceFile::new(format!("{stem}.json"), text.to_string()));
    let parsed = policy::read_unchecked(&file)
        .ok_or_else(|| Error::Spec(format!("the policy {stem} does not read")))?;
    let whole: serde_json::Value =
        serde_json::from_str(text).map_err(|e| Error::Spec(format!("the policy {stem}: {e}")))?;
    let size = whole
        .to_string()
        .chars()
        .filter(|c| !c.is_whitespace())
        .count();
    if size <= MANAGED_POLICY_CHARS {
        return Ok(vec![(stem.to_string(), whole)]);
    }
    let parts =
        split::split(&[parsed], MANAGED_POLICY_CHARS).map_err(|e| Error::Spec(e.to_string()))?;
    Ok(parts
        .into_iter()
        .enumerate()
        .map(|(i, doc)| (format!("{stem}-{}", i + 1), doc))
        .collect())
}

/// The seed's policy named `stem` (`controller`, `nodes`, …).
fn seed(stem: &str) -> Result<(String, String), Error> {
    awscluster_lint::iam::required::builtin()
        .iter()
        .find(|(path, _)| {
            std::path::Path::new(path)
                .file_stem()
                .is_some_and(|s| s == stem)
        })
        .map(|(path, text)| (path.to_string(), text.to_string()))
        .ok_or_else(|| Error::Spec(format!("no seed policy named {stem}")))
}

/// IAM's form of a role's or user's name: 1 to 64 characters, letters,
/// digits and `+=,.@-_` ("IAM identifiers", IAM User Guide).
fn check_name(what: &str, name: &str) -> Result<(), Error> {
    let ok = (1..=64).contains(&name.chars().count())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@-_".contains(c));
    if ok {
        Ok(())
    } else {
        Err(Error::Usage(format!(
            "`{name}` is not an IAM {what} name: 1 to 64 letters, digits and `+=,.@-_`"
        )))
    }
}

impl Wanted {
    pub fn of(setup: &Setup) -> Result<Wanted, Error> {
        match &setup.principal {
            Principal::Role { name, .. }
                if [machines::CONTROL_PLANE_PROFILE, machines::NODES_PROFILE]
                    .contains(&name.as_str()) =>
            {
                return Err(Error::Usage(format!(
                    "`{name}` is a node role's name: the provisioning role needs another"
                )));
            }
            Principal::Role { name, .. } => check_name("role", name)?,
            Principal::User(name) => check_name("user", name)?,
            Principal::None => {}
        }
        let mut w = Wanted::default();
        // (stem, source, text): the principal's, then the nodes'.
        let principal: Vec<(String, String, String)> = match setup.policies {
            PolicySet::Seed => ["controller", "control-plane", "nodes", "deployment"]
                .into_iter()
                .map(|stem| seed(stem).map(|(source, text)| (stem.to_string(), source, text)))
                .collect::<Result<_, _>>()?,
            PolicySet::Hardened => vec![
                (
                    "provision".into(),
                    Job::Provision.hardened_path().unwrap_or_default().into(),
                    required_policy_text(Job::Provision, false),
                ),
                (
                    "preflight".into(),
                    Job::Preflight.hardened_path().unwrap_or_default().into(),
                    required_policy_text(Job::Preflight, false),
                ),
            ],
        };
        let mut documents = principal.clone();
        for stem in ["control-plane", "nodes"] {
            if !documents.iter().any(|(s, _, _)| s == stem) {
                let (source, text) = seed(stem)?;
                documents.push((stem.to_string(), source, text));
            }
        }
        // Each document's managed policies, by stem.
        let mut refs: Vec<(String, Vec<Ref>)> = Vec::new();
        for (stem, source, text) in &documents {
            let mut mine = Vec::new();
            for (part, document) in fitted(stem, text)? {
                let name = names::account_policy(&part);
                mine.push(Ref::new(Kind::ManagedPolicy, name.clone()));
                w.policies.push(managed_policy::Spec {
                    tags: names::account_tags(&name),
                    name,
                    document,
                    source: source.clone(),
                });
            }
            refs.push((stem.clone(), mine));
        }
        let of = |stems: &[&str]| -> Vec<Ref> {
            refs.iter()
                .filter(|(s, _)| stems.contains(&s.as_str()))
                .flat_map(|(_, r)| r.iter().cloned())
                .collect()
        };
        let principal_stems: Vec<&str> = principal.iter().map(|(s, _, _)| s.as_str()).collect();
        w.principal_policies = of(&principal_stems);
        w.principal_given = setup.principal != Principal::None;
        match &setup.principal {
            Principal::Role {
                name,
                trust_account,
                external_id,
            } => {
                let trust = awscluster_lint::commands::iam::trust_policy(
                    trust_account,
                    external_id,
                    &setup.partition,
                )
                .map_err(|e| Error::Usage(e.to_string()))?;
                let trust: serde_json::Value =
                    serde_json::from_str(&trust).map_err(|e| Error::Spec(e.to_string()))?;
                w.roles.push(role::Spec {
                    tags: provisioning_tags(name),
                    name: name.clone(),
                    trust: Some(trust),
                    purpose: format!(
                        "the provisioning role, assumed from {trust_account} with its external ID"
                    ),
                    policies: w.principal_policies.clone(),
                });
            }
            Principal::User(user) => w.users.push(user_policies::Spec {
                user: user.clone(),
                policies: w.principal_policies.clone(),
            }),
            Principal::None => {}
        }
        let ec2 = serde_json::json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole"
            }]
        });
        // Cluster API Provider AWS attaches the nodes' policy to the
        // control plane too.
        for (profile, stems, what) in [
            (
                machines::CONTROL_PLANE_PROFILE,
                &["control-plane", "nodes"][..],
                "the control-plane nodes' role",
            ),
            (
                machines::NODES_PROFILE,
                &["nodes"][..],
                "the worker nodes' role",
            ),
        ] {
            w.roles.push(role::Spec {
                tags: names::account_tags(profile),
                name: profile.to_string(),
                trust: Some(ec2.clone()),
                purpose: what.to_string(),
                policies: of(stems),
            });
            w.profiles.push(instance_profile::Spec {
                tags: names::account_tags(profile),
                name: profile.to_string(),
                role: Ref::new(Kind::Role, profile),
            });
        }
        Ok(w)
    }
}

/// The provisioning role's tags: setup's, and the part it plays.
fn provisioning_tags(name: &str) -> names::Tags {
    let mut tags = names::account_tags(name);
    tags.insert(
        names::ACCOUNT_PART_KEY.into(),
        names::PROVISIONING_PART.into(),
    );
    tags
}

impl Wanted {
    /// Setup run again without saying who provisions keeps the principal
    /// it made before, with the policies of the set asked for now: the
    /// provisioning role (found by its tag; who may assume it is left as
    /// it is), and the users that hold setup's policies (only setup
    /// attaches them to users).
    pub fn keeping_principal(mut self, observed: &Observed) -> Wanted {
        if self.principal_given {
            return self;
        }
        for o in &observed.roles {
            if names::is_provisioning_role(&o.path, &o.tags)
                && !self.roles.iter().any(|r| r.name == o.name)
            {
                self.roles.push(role::Spec {
                    name: o.name.clone(),
                    trust: None,
                    purpose: "the provisioning role made before, its trust kept".into(),
                    policies: self.principal_policies.clone(),
                    tags: provisioning_tags(&o.name),
                });
            }
        }
        for user in observed.policies.iter().flat_map(|p| &p.users) {
            if !self.users.iter().any(|u| &u.user == user) {
                self.users.push(user_policies::Spec {
                    user: user.clone(),
                    policies: self.principal_policies.clone(),
                });
            }
        }
        self
    }
}

impl Observed {
    /// What IAM holds under setup's path, and of the names `wanted` asks
    /// for (a role or profile of such a name made otherwise is used as
    /// it is).
    pub async fn discover(clients: &Clients, wanted: Option<&Wanted>) -> Result<Observed, Error> {
        let role_names: Vec<String> = wanted
            .iter()
            .flat_map(|w| w.roles.iter().map(|r| r.name.clone()))
            .collect();
        let profile_names: Vec<String> = wanted
            .iter()
            .flat_map(|w| w.profiles.iter().map(|p| p.name.clone()))
            .collect();
        let (policies, roles, profiles) = tokio::try_join!(
            managed_policy::observe(clients),
            role::observe(clients, &role_names),
            instance_profile::observe(clients, &profile_names),
        )?;
        // The users asked for, and those that hold setup's policies;
        // teardown needs none (deleting a policy detaches it).
        let mut user_names: Vec<&str> = Vec::new();
        if let Some(w) = wanted {
            let attached = policies
                .iter()
                .flat_map(|p| p.users.iter().map(String::as_str));
            for user in w.users.iter().map(|u| u.user.as_str()).chain(attached) {
                if !user_names.contains(&user) {
                    user_names.push(user);
                }
            }
        }
        let users = futures_util::future::try_join_all(
            user_names
                .iter()
                .map(|u| user_policies::observe(clients, u)),
        )
        .await?;
        Ok(Observed {
            policies,
            roles,
            profiles,
            users,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup(policies: PolicySet, principal: Principal) -> Wanted {
        Wanted::of(&Setup {
            policies,
            principal,
            partition: "aws".into(),
        })
        .expect("setup")
    }

    #[test]
    fn the_seeds_four_go_to_the_role_and_the_nodes_get_theirs() {
        let w = setup(
            PolicySet::Seed,
            Principal::Role {
                name: "awscluster-provisioner".into(),
                trust_account: "111122223333".into(),
                external_id: "f3a1c2d4".into(),
            },
        );
        let names: Vec<&str> = w.policies.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "awscluster-controller",
                "awscluster-control-plane",
                "awscluster-nodes",
                "awscluster-deployment"
            ]
        );
        let policies_of = |role: &str| -> Vec<String> {
            w.roles
                .iter()
                .find(|r| r.name == role)
                .expect("role")
                .policies
                .iter()
                .map(|p| p.name.clone())
                .collect()
        };
        assert_eq!(policies_of("awscluster-provisioner").len(), 4);
        assert_eq!(
            policies_of(machines::CONTROL_PLANE_PROFILE),
            ["awscluster-control-plane", "awscluster-nodes"]
        );
        assert_eq!(policies_of(machines::NODES_PROFILE), ["awscluster-nodes"]);
        let trust = &w.roles[0].trust.as_ref().expect("a trust policy")["Statement"][0];
        assert_eq!(trust["Principal"]["AWS"], "arn:aws:iam::111122223333:root");
        assert_eq!(
            trust["Condition"]["StringEquals"]["sts:ExternalId"],
            "f3a1c2d4"
        );
        assert_eq!(w.profiles.len(), 2);
        for p in &w.policies {
            let size = p
                .document
                .to_string()
                .chars()
                .filter(|c| !c.is_whitespace())
                .count();
            assert!(size <= MANAGED_POLICY_CHARS, "{} has {size}", p.name);
        }
    }

    #[test]
    fn the_hardened_set_goes_to_a_user_and_the_nodes_keep_the_seeds() {
        let w = setup(PolicySet::Hardened, Principal::User("ci".into()));
        let names: Vec<&str> = w.policies.iter().map(|p| p.name.as_str()).collect();
        assert!(names.starts_with(&["awscluster-provision"]), "{names:?}");
        assert!(names.contains(&"awscluster-nodes"), "{names:?}");
        assert_eq!(w.users.len(), 1);
        assert!(
            w.users[0]
                .policies
                .iter()
                .all(|p| !p.name.contains("nodes"))
        );
        assert_eq!(w.roles.len(), 2, "the nodes' roles only");
    }

    fn owned_role(name: &str, tags: names::Tags) -> role::Observed {
        role::Observed {
            name: name.into(),
            path: names::ACCOUNT_PATH.into(),
            trust: Some(serde_json::json!({"Version": "2012-10-17", "Statement": []})),
            attached: Vec::new(),
            tags,
        }
    }

    fn steps(plan: &crate::plan::Plan, action: crate::plan::Action) -> Vec<(Kind, String)> {
        plan.steps
            .iter()
            .filter(|s| s.action == action)
            .map(|s| (s.kind, s.name.clone()))
            .collect()
    }

    #[test]
    fn a_fresh_account_gets_policies_then_roles_then_profiles() {
        use crate::plan::Action;
        let w = setup(PolicySet::Seed, Principal::None);
        let plan = crate::plan::account(&w, &Observed::default());
        assert_eq!(
            plan.count(Action::Create),
            8,
            "4 policies, 2 roles, 2 profiles"
        );
        for (i, step) in plan.steps.iter().enumerate() {
            let waits: Vec<Kind> = step.after.iter().map(|&a| plan.steps[a].kind).collect();
            match step.kind {
                Kind::ManagedPolicy => assert!(waits.is_empty()),
                Kind::Role => {
                    assert!(waits.iter().all(|k| *k == Kind::ManagedPolicy) && !waits.is_empty())
                }
                Kind::InstanceProfile => assert_eq!(waits, [Kind::Role], "step {i}"),
                other => panic!("{other} in an account plan"),
            }
        }
    }

    #[test]
    fn setup_without_a_principal_keeps_the_one_made_before_and_nothing_else_is_touched() {
        use crate::plan::Action;
        let w = setup(PolicySet::Seed, Principal::None);
        let mut provisioning = names::account_tags("awscluster-provisioner");
        provisioning.insert(
            names::ACCOUNT_PART_KEY.into(),
            names::PROVISIONING_PART.into(),
        );
        let observed = Observed {
            roles: vec![
                owned_role("awscluster-provisioner", provisioning),
                // Setup's, and no longer asked for.
                owned_role("awscluster-old", names::account_tags("awscluster-old")),
                // At setup's path without its tag: not setup's.
                owned_role("awscluster-decoy", names::Tags::new()),
                // Made by hand (or clusterawsadm), of a node role's name.
                role::Observed {
                    path: "/".into(),
                    ..owned_role(machines::NODES_PROFILE, names::Tags::new())
                },
            ],
            ..Observed::default()
        };
        let plan = crate::plan::account(&w.keeping_principal(&observed), &observed);
        assert_eq!(
            steps(&plan, Action::Delete),
            [(Kind::Role, "awscluster-old".to_string())]
        );
        let kept = plan
            .steps
            .iter()
            .find(|s| s.name == "awscluster-provisioner")
            .expect("the provisioning role is in the plan");
        assert_eq!(kept.action, Action::Change, "its policies are attached");
        assert!(
            kept.changes.iter().all(|c| c.attribute == "policies"),
            "who may assume it is left as it is: {:?}",
            kept.changes
        );
        let foreign = plan
            .steps
            .iter()
            .find(|s| s.kind == Kind::Role && s.name == machines::NODES_PROFILE)
            .expect("the nodes' role");
        assert_eq!(foreign.action, Action::Keep);
        assert!(
            foreign.reason.contains("made outside awscluster"),
            "{}",
            foreign.reason
        );
    }

    #[test]
    fn teardown_deletes_profiles_then_roles_then_policies_and_only_setups() {
        use crate::plan::Action;
        let policy = managed_policy::Observed {
            arn: "arn:aws:iam::123456789012:policy/awscluster/awscluster-nodes".into(),
            name: "awscluster-nodes".into(),
            path: names::ACCOUNT_PATH.into(),
            document: None,
            users: vec!["ci".into()],
            tags: names::account_tags("awscluster-nodes"),
        };
        let observed = Observed {
            policies: vec![policy],
            roles: vec![
                owned_role(
                    machines::NODES_PROFILE,
                    names::account_tags(machines::NODES_PROFILE),
                ),
                owned_role("awscluster-decoy", names::Tags::new()),
            ],
            profiles: vec![instance_profile::Observed {
                name: machines::NODES_PROFILE.into(),
                path: names::ACCOUNT_PATH.into(),
                roles: vec![machines::NODES_PROFILE.into()],
                tags: names::account_tags(machines::NODES_PROFILE),
            }],
            users: Vec::new(),
        };
        let plan = crate::plan::account_teardown(&observed);
        let order: Vec<Kind> = plan.steps.iter().map(|s| s.kind).collect();
        assert_eq!(
            order,
            [Kind::InstanceProfile, Kind::Role, Kind::ManagedPolicy]
        );
        assert!(plan.steps.iter().all(|s| s.action == Action::Delete));
        assert_eq!(
            plan.steps[1].after,
            [0],
            "the role leaves its profile first"
        );
        assert!(
            plan.steps[2].after.contains(&1),
            "the policy goes after the role holding it"
        );
    }

    #[test]
    fn names_iam_would_refuse_are_refused_first() {
        for principal in [
            Principal::User("ci user".into()),
            Principal::User(String::new()),
            Principal::Role {
                name: "r".repeat(65),
                trust_account: "111122223333".into(),
                external_id: "f3a1c2d4".into(),
            },
            Principal::Role {
                name: "awscluster-provisioner".into(),
                trust_account: "1111".into(),
                external_id: "f3a1c2d4".into(),
            },
            Principal::Role {
                name: machines::NODES_PROFILE.into(),
                trust_account: "111122223333".into(),
                external_id: "f3a1c2d4".into(),
            },
        ] {
            let refused = Wanted::of(&Setup {
                policies: PolicySet::Seed,
                principal: principal.clone(),
                partition: "aws".into(),
            });
            assert!(matches!(refused, Err(Error::Usage(_))), "{principal:?}");
        }
    }

    #[test]
    fn a_policy_over_the_quota_is_split_in_parts_that_fit() {
        let statements: Vec<serde_json::Value> = (0..400)
            .map(|i| serde_json::json!({"Sid": format!("S{i}"), "Effect": "Allow", "Action": format!("ec2:DescribeVpcs"), "Resource": format!("arn:aws:ec2:*:*:vpc/vpc-{i:08}")}))
            .collect();
        let text =
            serde_json::json!({"Version": "2012-10-17", "Statement": statements}).to_string();
        let parts = fitted("big", &text).expect("splits");
        assert!(parts.len() > 1);
        for (stem, doc) in &parts {
            assert!(stem.starts_with("big-"));
            let size = doc
                .to_string()
                .chars()
                .filter(|c| !c.is_whitespace())
                .count();
            assert!(size <= MANAGED_POLICY_CHARS, "{stem}: {size}");
        }
    }
}

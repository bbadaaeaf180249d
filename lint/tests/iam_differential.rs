//! The coverage engine against a reference evaluator written here from
//! AWS's documented evaluation logic, with no code shared with the engine:
//! random identity policies and requests built from realistic pieces
//! (wildcards `*` and `?`, mixed case, `NotAction`, `NotResource`, ARN
//! globs, actions with and without resource types), a fixed seed, every
//! disagreement a failure.
//!
//! The reference, for one concrete request (an action and the resource it
//! names, `*` for an action with no resource types):
//! - a statement applies when its `Action` matches the action (or its
//!   `NotAction` does not), ignoring case, and its `Resource` matches the
//!   resource (or its `NotResource` does not), each of the six ARN parts on
//!   its own and case-sensitively, `*` alone matching anything;
//! - an applying `Deny` denies; otherwise an applying `Allow` allows;
//!   otherwise the request is implicitly denied.

use std::sync::Arc;

use awscluster_lint::iam::eval::{Decision, evaluate};
use awscluster_lint::iam::policy::read_unchecked;
use awscluster_lint::source::SourceFile;

/// Realistic actions, and whether the Service Authorization Reference lists
/// resource types for them (an action without names no resource).
const ACTIONS: &[(&str, bool)] = &[
    ("ec2:DescribeVpcs", false),
    ("ec2:DescribeInstances", false),
    ("s3:ListAllMyBuckets", false),
    ("iam:ListRoles", false),
    ("ec2:TerminateInstances", true),
    ("ec2:StopInstances", true),
    ("s3:GetObject", true),
    ("s3:PutObject", true),
    ("iam:PassRole", true),
    ("iam:GetRole", true),
];

/// Concrete ARNs a typed action may be asked on, by service.
const ARNS: &[(&str, &[&str])] = &[
    (
        "ec2",
        &[
            "arn:aws:ec2:us-east-1:123456789012:instance/i-0abc",
            "arn:aws-cn:ec2:cn-north-1:123456789012:instance/i-1",
        ],
    ),
    (
        "s3",
        &[
            "arn:aws:s3:::audit-logs/2026/x.log",
            "arn:aws:s3:::logs/a",
            "arn:aws:s3:::Logs/a",
        ],
    ),
    (
        "iam",
        &[
            "arn:aws:iam::123456789012:role/app-1",
            "arn:aws:iam::123456789012:role/app-22",
            "arn:aws:iam::210987654321:role/admin",
        ],
    ),
];

/// Pieces of `Action` and `NotAction` lists.
const ACTION_PATTERNS: &[&str] = &[
    "*",
    "ec2:*",
    "ec2:Describe*",
    "EC2:describe*",
    "ec2:*Instances",
    "ec2:?topInstances",
    "s3:*",
    "s3:Get?bject",
    "S3:GETOBJECT",
    "s3:List*",
    "iam:*",
    "iam:*Role",
    "iam:Get*",
    "iam:passrole",
    "ec2:DescribeVpcs",
    "ec2:TerminateInstances",
    "s3:PutObject",
];

/// Pieces of `Resource` and `NotResource` lists.
const RESOURCE_PATTERNS: &[&str] = &[
    "*",
    "arn:aws:s3:::audit-logs/*",
    "arn:aws:s3:::*",
    "arn:*:s3:::logs/?",
    "arn:aws:S3:::logs/*",
    "arn:aws:ec2:*:*:instance/*",
    "arn:*:ec2:*:123456789012:*",
    "arn:aws:iam::*:role/app-*",
    "arn:aws:iam::123456789012:role/app-?",
    "arn:aws:iam::*:role/*",
    "arn:aws:s3:::secret/*",
];

#[path = "../../tests/common/rng.rs"]
mod rng;
use rng::Rng;

/// A statement of the reference: lists as written, and whether negated.
struct RefStatement {
    allow: bool,
    actions: Vec<&'static str>,
    not_action: bool,
    resources: Vec<&'static str>,
    not_resource: bool,
}

/// `*` any run of characters, `?` exactly one.
fn glob(pattern: &[u8], text: &[u8], fold_case: bool) -> bool {
    let eq = |a: u8, b: u8| {
        if fold_case {
            a.eq_ignore_ascii_case(&b)
        } else {
            a == b
        }
    };
    // matched[j]: the pattern so far matches text[..j].
    let mut matched = vec![false; text.len() + 1];
    matched[0] = true;
    for &p in pattern {
        let mut next = vec![false; text.len() + 1];
        for j in 0..=text.len() {
            next[j] = match p {
                b'*' => matched[j] || (j > 0 && next[j - 1]),
                b'?' => j > 0 && matched[j - 1],
                _ => j > 0 && matched[j - 1] && eq(p, text[j - 1]),
            };
        }
        matched = next;
    }
    matched[text.len()]
}

fn action_matches(pattern: &str, action: &str) -> bool {
    glob(pattern.as_bytes(), action.as_bytes(), true)
}

/// ArnLike: `*` alone matches anything; otherwise both are ARNs and each
/// of the six parts matches on its own (the last takes the rest).
fn resource_matches(pattern: &str, resource: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    let p: Vec<&str> = pattern.splitn(6, ':').collect();
    let r: Vec<&str> = resource.splitn(6, ':').collect();
    if p.len() != 6 || r.len() != 6 {
        return glob(pattern.as_bytes(), resource.as_bytes(), false);
    }
    p.iter()
        .zip(&r)
        .all(|(p, r)| glob(p.as_bytes(), r.as_bytes(), false))
}

#[derive(Debug, PartialEq, Clone, Copy)]
enum Outcome {
    Allowed,
    Denied,
    ImplicitlyDenied,
}

fn reference(statements: &[RefStatement], action: &str, resource: &str) -> Outcome {
    let applies = |s: &RefStatement| {
        let a = s.actions.iter().any(|p| action_matches(p, action)) != s.not_action;
        let r = s.resources.iter().any(|p| resource_matches(p, resource)) != s.not_resource;
        a && r
    };
    if statements.iter().any(|s| !s.allow && applies(s)) {
        Outcome::Denied
    } else if statements.iter().any(|s| s.allow && applies(s)) {
        Outcome::Allowed
    } else {
        Outcome::ImplicitlyDenied
    }
}

fn random_statement(rng: &mut Rng) -> RefStatement {
    let list = |rng: &mut Rng, from: &[&'static str]| -> Vec<&'static str> {
        (0..1 + rng.below(3)).map(|_| *rng.pick(from)).collect()
    };
    RefStatement {
        allow: rng.below(3) != 0,
        actions: list(rng, ACTION_PATTERNS),
        not_action: rng.below(5) == 0,
        resources: list(rng, RESOURCE_PATTERNS),
        not_resource: rng.below(4) == 0,
    }
}

fn to_json(statements: &[RefStatement]) -> String {
    let items: Vec<serde_json::Value> = statements
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let mut m = serde_json::Map::new();
            m.insert("Sid".into(), format!("S{i}").into());
            m.insert(
                "Effect".into(),
                if s.allow { "Allow" } else { "Deny" }.into(),
            );
            m.insert(
                if s.not_action { "NotAction" } else { "Action" }.into(),
                s.actions.clone().into(),
            );
            m.insert(
                if s.not_resource {
                    "NotResource"
                } else {
                    "Resource"
                }
                .into(),
                s.resources.clone().into(),
            );
            serde_json::Value::Object(m)
        })
        .collect();
    serde_json::json!({"Version": "2012-10-17", "Statement": items}).to_string()
}

#[test]
fn the_engine_agrees_with_the_reference_on_random_policies() {
    let mut rng = Rng(0x5eed_1a3d_2026_0001);
    let mut cases = 0;
    let mut by_outcome = [0usize; 3];
    for round in 0..2000 {
        let statements: Vec<RefStatement> = (0..1 + rng.below(4))
            .map(|_| random_statement(&mut rng))
            .collect();
        let text = to_json(&statements);
        let file = Arc::new(SourceFile::new("random.json", text.clone()));
        let Some(policy) = read_unchecked(&file) else {
            panic!("round {round}: the engine could not read {text}");
        };
        let policies = [policy];
        for _ in 0..8 {
            let (action, typed) = *rng.pick(ACTIONS);
            let resource = if typed {
                let service = action.split(':').next().unwrap_or_default();
                let arns = ARNS
                    .iter()
                    .find(|(s, _)| *s == service)
                    .map(|(_, a)| *a)
                    .unwrap_or_default();
                *rng.pick(arns)
            } else {
                "*"
            };
            let expected = reference(&statements, action, resource);
            let decision = evaluate(&policies, action, resource).decision;
            let got = match decision {
                Decision::Allowed => Outcome::Allowed,
                Decision::Denied => Outcome::Denied,
                Decision::NotGranted | Decision::AllowedOnOtherResources => {
                    Outcome::ImplicitlyDenied
                }
                other => {
                    panic!("{other:?} without conditions, for {action} on {resource} under {text}")
                }
            };
            assert_eq!(
                got, expected,
                "round {round}: {action} on {resource} under {text} (engine: {decision:?})"
            );
            by_outcome[expected as usize] += 1;
            cases += 1;
        }
    }
    // The generator reaches every outcome often enough to mean something.
    assert!(
        by_outcome.iter().all(|&n| n > cases / 20),
        "outcomes {by_outcome:?} of {cases}"
    );
}

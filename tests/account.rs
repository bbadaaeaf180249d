//! `account setup`, `status` and `teardown` against moto's server, through
//! the real binary: what setup makes, that it converges and is found again
//! after lost answers, and that teardown deletes what setup made and
//! nothing else. Each test starts its own emulator.

#![cfg(feature = "provision")]

mod support;

use std::process::Output;

use serde_json::{Value, json};
use support::{Faults, Moto, Proxy, aws, awscluster, text};

const NODES: &str = "nodes.cluster-api-provider-aws.sigs.k8s.io";
const CONTROL_PLANE: &str = "control-plane.cluster-api-provider-aws.sigs.k8s.io";
const ROLE: &[&str] = &[
    "--trust-account",
    "111122223333",
    "--external-id",
    "f3a1c2d4-awscluster",
];

fn account(endpoint: &str, args: &[&str]) -> Output {
    awscluster(endpoint)
        .arg("account")
        .args(args)
        .args(["--max-attempts", "3"])
        .output()
        .expect("awscluster runs")
}

fn succeed(endpoint: &str, args: &[&str]) -> String {
    let out = account(endpoint, args);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{args:?}\n{stdout}\n{stderr}");
    stdout
}

fn setup(endpoint: &str, extra: &[&str]) -> String {
    let mut args = vec!["setup", "--yes"];
    args.extend_from_slice(extra);
    succeed(endpoint, &args)
}

/// The account's IAM, read back with boto3.
fn iam(moto: &Moto) -> Value {
    aws(moto, &["iam-inventory"])
}

fn names(map: &Value) -> Vec<String> {
    let mut names: Vec<String> = map
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    names.sort();
    names
}

/// What setup with the provisioning role makes, exactly.
fn assert_set_up(moto: &Moto) {
    let iam = iam(moto);
    let owned = json!({"Name": null, "awscluster/account": "owned"});
    let seed = [
        "awscluster-control-plane",
        "awscluster-controller",
        "awscluster-deployment",
        "awscluster-nodes",
    ];
    for policy in seed {
        let p = &iam["policies"][policy];
        assert_eq!(p["path"], "/awscluster/", "{policy}: {p}");
        assert_eq!(p["tags"]["awscluster/account"], owned["awscluster/account"]);
        assert_eq!(p["tags"]["Name"], policy);
    }
    let provisioner = &iam["roles"]["awscluster-provisioner"];
    assert_eq!(provisioner["path"], "/awscluster/");
    assert_eq!(provisioner["policies"], json!(seed));
    let trust = &provisioner["trust"]["Statement"][0];
    assert_eq!(trust["Principal"]["AWS"], "arn:aws:iam::111122223333:root");
    assert_eq!(
        trust["Condition"]["StringEquals"]["sts:ExternalId"],
        "f3a1c2d4-awscluster"
    );
    assert_eq!(
        provisioner["tags"]["awscluster/account-part"],
        "provisioning-role"
    );
    assert_eq!(
        iam["roles"][CONTROL_PLANE]["policies"],
        json!(["awscluster-control-plane", "awscluster-nodes"])
    );
    assert_eq!(iam["roles"][NODES]["policies"], json!(["awscluster-nodes"]));
    for role in [CONTROL_PLANE, NODES] {
        let trust = &iam["roles"][role]["trust"]["Statement"][0];
        assert_eq!(trust["Principal"]["Service"], "ec2.amazonaws.com", "{role}");
        let profile = &iam["profiles"][role];
        assert_eq!(profile["roles"], json!([role]), "{role}");
        assert_eq!(profile["path"], "/awscluster/");
        assert_eq!(profile["tags"]["awscluster/account"], "owned");
    }
}

/// The decoys aws.py makes, as it made them.
fn assert_decoys_intact(moto: &Moto) {
    let iam = iam(moto);
    for policy in [
        "awscluster-nodes-copy",
        "awscluster-untagged",
        "awscluster-elsewhere",
    ] {
        assert!(iam["policies"].get(policy).is_some(), "{policy} survives");
    }
    for role in ["awscluster-provisioner-old", "awscluster-decoy"] {
        let r = &iam["roles"][role];
        assert!(r.is_object(), "{role} survives");
        assert_eq!(r["tags"], json!({}), "{role} is untouched");
        assert_eq!(r["policies"], json!([]), "{role} is untouched");
    }
    assert_eq!(
        iam["profiles"]["awscluster-decoy"]["roles"],
        json!(["awscluster-decoy"])
    );
    assert_eq!(iam["users"]["someone"], json!(["awscluster-nodes-copy"]));
}

#[test]
fn setup_status_setup_again_teardown_and_nothing_else_is_touched() {
    let moto = Moto::start();
    aws(&moto, &["iam-decoys"]);
    let url = moto.url();
    let plan = setup(&url, ROLE);
    assert!(plan.contains("9 to create"), "{plan}");
    assert_set_up(&moto);
    assert_decoys_intact(&moto);

    let status = succeed(&url, &["status", ROLE[0], ROLE[1], ROLE[2], ROLE[3]]);
    assert!(
        status.contains("9 of 9 resources match the setup."),
        "{status}"
    );
    // Without saying who provisions, the role made before stays as it is.
    let status = succeed(&url, &["status"]);
    assert!(
        status.contains("9 of 9 resources match the setup."),
        "{status}"
    );
    let json: Value = serde_json::from_str(&succeed(&url, &["status", "--format", "json"]))
        .expect("status --format json");
    assert_eq!(json["scope"], "account");
    assert_eq!(json["matches"], true);

    let again = setup(&url, ROLE);
    assert!(again.contains("Nothing to do"), "{again}");
    let again = setup(&url, &[]);
    assert!(again.contains("Nothing to do"), "{again}");

    let teardown = succeed(&url, &["teardown", "--yes"]);
    assert!(teardown.contains("9 resource(s) to delete"), "{teardown}");
    let iam = iam(&moto);
    assert_eq!(
        names(&iam["policies"]),
        [
            "awscluster-elsewhere",
            "awscluster-nodes-copy",
            "awscluster-untagged"
        ]
    );
    assert_eq!(
        names(&iam["roles"]),
        ["awscluster-decoy", "awscluster-provisioner-old"]
    );
    assert_eq!(names(&iam["profiles"]), ["awscluster-decoy"]);
    assert_decoys_intact(&moto);

    let out = account(&url, &["status"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    let nothing = succeed(&url, &["teardown", "--yes"]);
    assert!(nothing.contains("nothing to tear down"), "{nothing}");
}

const CREATES: &[&str] = &[
    "CreatePolicy",
    "CreateRole",
    "CreateInstanceProfile",
    "AttachRolePolicy",
    "AddRoleToInstanceProfile",
];

const DELETES: &[&str] = &[
    "RemoveRoleFromInstanceProfile",
    "DeleteInstanceProfile",
    "DetachRolePolicy",
    "DeleteRole",
    "DeletePolicy",
];

fn lose(actions: &[&str]) -> Faults {
    Faults {
        lose: actions.iter().map(|a| a.to_string()).collect(),
        ..Faults::default()
    }
}

/// The answer to a call of each kind is lost after IAM did the work: setup
/// finds what it made again (a name IAM says is taken, carrying setup's
/// tag, is its own), and teardown's retries meet their own deletions.
#[test]
fn lost_answers_leave_one_of_each_and_teardown_finishes() {
    let moto = Moto::start();
    let proxy = Proxy::start(moto.port);
    proxy.set(lose(CREATES));
    setup(&proxy.url(), ROLE);
    assert_eq!(
        proxy.injected(),
        CREATES.len(),
        "every answer was lost once"
    );
    proxy.set(Faults::default());
    assert_set_up(&moto);
    let status = succeed(&proxy.url(), &["status"]);
    assert!(status.contains("9 of 9"), "{status}");

    proxy.set(lose(DELETES));
    succeed(&proxy.url(), &["teardown", "--yes"]);
    assert_eq!(proxy.injected(), CREATES.len() + DELETES.len());
    let iam = iam(&moto);
    for kind in ["policies", "roles", "profiles"] {
        assert_eq!(names(&iam[kind]), Vec::<String>::new(), "{kind}: {iam}");
    }
}

/// The access-key option: setup's policies attached to an existing user,
/// which keeps them when setup runs again without `--user`, gets the new
/// set when the set changes, and is left (without setup's policies) by
/// teardown.
#[test]
fn a_users_policies_follow_the_set_and_the_user_outlives_teardown() {
    let moto = Moto::start();
    let url = moto.url();
    let missing = account(&url, &["setup", "--yes", "--user", "ci"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        text(&missing.stderr).contains("there is no IAM user named ci"),
        "{}",
        text(&missing.stderr)
    );
    assert_eq!(names(&iam(&moto)["policies"]), Vec::<String>::new());

    aws(&moto, &["iam-user", "ci"]);
    setup(&url, &["--user", "ci"]);
    assert_eq!(
        iam(&moto)["users"]["ci"],
        json!([
            "awscluster-control-plane",
            "awscluster-controller",
            "awscluster-deployment",
            "awscluster-nodes"
        ])
    );
    let plan = setup(&url, &["--policies", "hardened"]);
    assert!(plan.contains("user-policies"), "{plan}");
    let iam_now = iam(&moto);
    assert_eq!(
        iam_now["users"]["ci"],
        json!(["awscluster-preflight", "awscluster-provision"])
    );
    assert_eq!(
        names(&iam_now["policies"]),
        [
            "awscluster-control-plane",
            "awscluster-nodes",
            "awscluster-preflight",
            "awscluster-provision"
        ],
        "the nodes keep the seed's policies"
    );
    succeed(&url, &["teardown", "--yes"]);
    assert_eq!(iam(&moto)["users"]["ci"], json!([]));
}

/// Roles and instance profiles of the nodes' names made without awscluster
/// are used as they are: never tagged, attached to or deleted.
#[test]
fn node_roles_made_by_hand_are_used_as_they_are() {
    let moto = Moto::start();
    aws(&moto, &["node-roles-by-hand"]);
    let url = moto.url();
    let plan = setup(&url, &[]);
    assert!(plan.contains("made outside awscluster"), "{plan}");
    assert!(plan.contains("4 to create"), "{plan}");
    let iam_now = iam(&moto);
    for name in [CONTROL_PLANE, NODES] {
        assert_eq!(iam_now["roles"][name]["path"], "/");
        assert_eq!(iam_now["roles"][name]["tags"], json!({}));
        assert_eq!(iam_now["roles"][name]["policies"], json!([]));
        assert_eq!(iam_now["profiles"][name]["tags"], json!({}));
    }
    let status = succeed(&url, &["status"]);
    assert!(status.contains("8 of 8"), "{status}");
    succeed(&url, &["teardown", "--yes"]);
    let iam_now = iam(&moto);
    assert_eq!(names(&iam_now["roles"]), [CONTROL_PLANE, NODES]);
    assert_eq!(names(&iam_now["profiles"]), [CONTROL_PLANE, NODES]);
    assert_eq!(names(&iam_now["policies"]), Vec::<String>::new());
}

#[test]
fn bad_options_are_refused_before_any_call() {
    // Nothing listens on port 9: a call would fail differently.
    let url = "http://127.0.0.1:9";
    for (args, says) in [
        (
            &[
                "setup",
                "--yes",
                "--trust-account",
                "1234",
                "--external-id",
                "abc123",
            ][..],
            "is not an AWS account ID",
        ),
        (
            &[
                "setup",
                "--yes",
                "--trust-account",
                "111122223333",
                "--external-id",
                "x",
            ][..],
            "an external ID has 2 to 1,224 characters",
        ),
        (
            &["setup", "--yes", "--user", "ci user"][..],
            "is not an IAM user name",
        ),
        (
            &["setup", "--yes", "--external-id", "abc123"][..],
            "--trust-account",
        ),
        (
            &[
                "setup",
                "--yes",
                "--user",
                "ci",
                "--trust-account",
                "111122223333",
                "--external-id",
                "abc123",
            ][..],
            "cannot be used with",
        ),
    ] {
        let out = account(url, args);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
    let moto = Moto::start();
    let out = account(&moto.url(), &["setup"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("pass --yes"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(names(&iam(&moto)["policies"]), Vec::<String>::new());
}

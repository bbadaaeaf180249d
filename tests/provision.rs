//! The provisioner against moto's server, through the real binary: apply,
//! re-apply, interruptions, injected failures, destroy, and what destroy
//! must leave alone. Each test starts its own emulator.

#![cfg(feature = "provision")]

mod support;

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::{FAST, Faults, Moto, PriceList, Proxy, aws, awscluster, run, spec_with, text};

const SPEC: &str = support::DEMO_SPEC;

/// The emulator, with the account set up as the machines need it
/// (`account setup`: the nodes' roles and instance profiles) and the
/// spec's key pair, which preflight checks before apply.
fn account() -> Moto {
    let moto = set_up(Moto::start());
    aws(&moto, &["key-pair", "ops"]);
    moto
}

fn set_up(moto: Moto) -> Moto {
    let out = awscluster(&moto.url())
        .args(["account", "setup", "--yes"])
        .output()
        .expect("awscluster runs");
    assert!(out.status.success(), "{}", text(&out.stderr));
    moto
}

/// What the demo spec creates: exactly one of each of these.
fn demo_inventory() -> Value {
    json!({
        "vpc": 1, "subnet": 6, "internet-gateway": 1, "elastic-ip": 3, "nat-gateway": 3,
        "route-table": 4, "security-group": 4, "instance": 4, "launch-template": 2,
        "auto-scaling-group": 2, "load-balancer": 1,
        // Three control-plane machines' bootstrap data, and the workers'.
        "secret": 4,
    })
}

fn empty_inventory() -> Value {
    let mut v = demo_inventory();
    for (_, n) in v.as_object_mut().expect("object").iter_mut() {
        *n = json!(0);
    }
    v
}

fn succeed(endpoint: &str, args: &[&str]) -> (String, String) {
    let out = run(endpoint, args);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(
        out.status.success(),
        "{args:?} failed ({:?}):\n{stdout}\n{stderr}",
        out.status.code()
    );
    (stdout, stderr)
}

#[test]
fn apply_status_plan_apply_destroy_round_trip() {
    let moto = account();
    let url = moto.url();

    let (plan, _) = succeed(&url, &["plan", SPEC]);
    assert!(
        plan.starts_with(
            "Plan for cluster demo in us-east-1: 36 to create, 0 to change, 0 to delete"
        ),
        "{plan}"
    );

    let (_, log) = succeed(&url, &["apply", SPEC, "--yes"]);
    assert!(log.contains("apply: 36 created"), "{log}");
    assert!(
        log.contains("created nat-gateway demo-nat-us-east-1c"),
        "{log}"
    );
    assert_eq!(aws(&moto, &["inventory"]), demo_inventory());

    let (status, _) = succeed(&url, &["status", SPEC]);
    assert!(
        status.starts_with("Cluster demo in us-east-1: 36 of 36 resources match the spec."),
        "{status}"
    );
    let (status, _) = succeed(&url, &["status", SPEC, "--format", "json"]);
    let status: Value = serde_json::from_str(&status).expect("json");
    assert_eq!(status["matches"], true);

    let (plan, _) = succeed(&url, &["plan", SPEC]);
    assert!(
        plan.contains("0 to create, 0 to change, 0 to delete, 36 unchanged"),
        "{plan}"
    );
    assert!(
        plan.ends_with("Nothing to do: AWS matches the spec.\n"),
        "{plan}"
    );

    // A second apply changes nothing: it stops at the empty plan.
    let (again, log) = succeed(&url, &["apply", SPEC, "--yes"]);
    assert!(again.contains("Nothing to do"), "{again}");
    assert!(!log.contains("created"), "{log}");
    assert_eq!(aws(&moto, &["inventory"]), demo_inventory());

    let (listing, log) = succeed(&url, &["destroy", SPEC, "--yes"]);
    assert!(
        listing.starts_with("Destroy cluster demo in us-east-1: 31 resource(s) to delete."),
        "{listing}"
    );
    assert!(log.contains("destroy: 0 created"), "{log}");
    assert_eq!(aws(&moto, &["inventory"]), empty_inventory());

    let (owned, _) = succeed(&url, &["status", "--name", "demo", "--region", "us-east-1"]);
    assert_eq!(owned, "Cluster demo in us-east-1 owns 0 resource(s).\n");
    let (nothing, _) = succeed(
        &url,
        &[
            "destroy",
            "--name",
            "demo",
            "--region",
            "us-east-1",
            "--yes",
        ],
    );
    assert!(nothing.contains("nothing to destroy"), "{nothing}");
}

#[test]
fn the_plan_of_a_new_cluster_in_each_format() {
    let moto = account();
    let (human, _) = succeed(&moto.url(), &["plan", SPEC]);
    insta::assert_snapshot!("plan_human", human);
    let (json, _) = succeed(&moto.url(), &["plan", SPEC, "--format", "json"]);
    insta::assert_snapshot!("plan_json", json);
}

const CONTROL_PLANE: &str = "control-plane.cluster-api-provider-aws.sigs.k8s.io";
const NODES: &str = "nodes.cluster-api-provider-aws.sigs.k8s.io";

/// The attributes of the demo cluster's resources, by name, as boto3 reads
/// them: what every apply must end with.
fn demo_attributes() -> Value {
    let mut expected = serde_json::Map::new();
    expected.insert(
        "demo-vpc".into(),
        json!({"cidr": "10.0.0.0/16", "dns": true, "hostnames": true}),
    );
    for (zone, public, private) in [
        ("us-east-1a", "10.0.0.0/20", "10.0.64.0/18"),
        ("us-east-1b", "10.0.16.0/20", "10.0.128.0/18"),
        ("us-east-1c", "10.0.32.0/20", "10.0.192.0/18"),
    ] {
        expected.insert(
            format!("demo-subnet-public-{zone}"),
            json!({"cidr": public, "public_ip": true}),
        );
        expected.insert(
            format!("demo-subnet-private-{zone}"),
            json!({"cidr": private, "public_ip": false}),
        );
        expected.insert(format!("demo-nat-{zone}"), json!({"state": "available"}));
        expected.insert(
            format!("demo-rt-private-{zone}"),
            json!({"default_route": true, "subnets": 1}),
        );
    }
    expected.insert("demo-igw".into(), json!({"attached": 1}));
    expected.insert(
        "demo-rt-public".into(),
        json!({"default_route": true, "subnets": 3}),
    );
    // The README's table of rules, for the demo spec (a bastion, the
    // default CNI and sources).
    let cni = |from: &str| {
        [
            format!("protocol 4 from {from}"),
            format!("tcp 179 from {from}"),
        ]
    };
    let mut controlplane: Vec<String> = [
        "tcp 22 from demo-bastion",
        "tcp 2379-2380 from demo-controlplane",
        "tcp 6443 from demo-apiserver-lb",
        "tcp 6443 from demo-node",
    ]
    .map(String::from)
    .into();
    let mut node: Vec<String> = [
        "tcp 10250 from demo-controlplane",
        "tcp 22 from demo-bastion",
        "tcp 30000-32767 from 0.0.0.0/0",
    ]
    .map(String::from)
    .into();
    for from in ["demo-controlplane", "demo-node"] {
        controlplane.extend(cni(from));
        node.extend(cni(from));
    }
    controlplane.sort();
    node.sort();
    for (group, rules) in [
        ("demo-bastion", json!(["tcp 22 from 203.0.113.0/24"])),
        ("demo-apiserver-lb", json!(["tcp 6443 from 0.0.0.0/0"])),
        ("demo-controlplane", json!(controlplane)),
        ("demo-node", json!(node)),
    ] {
        expected.insert(group.into(), json!({"ingress": rules}));
    }
    expected.insert(
        "demo-apiserver".into(),
        json!({"scheme": "internet-facing", "health": "TCP:6443 every 5 s, timeout 4 s, 6 down / 2 up", "idle": 600, "cross_zone": true, "instances": 3, "listeners": [6443]}),
    );
    expected.insert(
        "demo-bastion".into(),
        json!({"state": "running", "groups": 1, "profile": null, "hop_limit": 1, "cluster_tag": true}),
    );
    for n in 0..3 {
        expected.insert(
            format!("demo-control-plane-{n}"),
            json!({"state": "running", "groups": 2, "profile": CONTROL_PLANE, "hop_limit": 2, "cluster_tag": true}),
        );
    }
    for (pool, kind, spot) in [
        ("workers", "m7i.xlarge", json!(null)),
        ("batch", "m7i.large", json!("0.06048")),
    ] {
        expected.insert(
            format!("demo-{pool}"),
            json!({"type": kind, "spot": spot, "profile": NODES, "hop_limit": 2, "cluster_tag": true}),
        );
    }
    let propagated = json!(["kubernetes.io/cluster/demo"]);
    expected.insert(
        "demo-workers (group)".into(),
        json!({"size": [2, 2, 2], "propagated": propagated}),
    );
    expected.insert(
        "demo-batch (group)".into(),
        json!({"size": [1, 1, 1], "propagated": propagated}),
    );
    Value::Object(expected)
}

/// Exactly one of each resource, every attribute as the spec says (read
/// with boto3), and a plan with nothing to do.
fn assert_converged(moto: &Moto, endpoint: &str) {
    assert_eq!(aws(moto, &["inventory"]), demo_inventory());
    assert_eq!(aws(moto, &["attributes", "demo"]), demo_attributes());
    let (plan, _) = succeed(endpoint, &["plan", SPEC]);
    assert!(
        plan.ends_with("Nothing to do: AWS matches the spec.\n"),
        "{plan}"
    );
}

const CREATES: &[&str] = &[
    "CreateVpc",
    "CreateSubnet",
    "CreateInternetGateway",
    "AllocateAddress",
    "CreateNatGateway",
    "CreateRouteTable",
    "CreateSecurityGroup",
    "CreateLoadBalancer",
    "CreateSecret",
    "RunInstances",
    "CreateLaunchTemplate",
    "CreateAutoScalingGroup",
];

const FOLLOW_UPS: &[&str] = &[
    "ModifyVpcAttribute",
    "ModifySubnetAttribute",
    "AttachInternetGateway",
    "CreateRoute",
    "AssociateRouteTable",
    "AuthorizeSecurityGroupIngress",
    "ConfigureHealthCheck",
    "ModifyLoadBalancerAttributes",
    "RegisterInstancesWithLoadBalancer",
];

const DELETES: &[&str] = &[
    "DeleteSecret",
    "DeleteAutoScalingGroup",
    "DeleteLaunchTemplate",
    "DeleteLoadBalancer",
    "TerminateInstances",
    "RevokeSecurityGroupIngress",
    "DeleteSecurityGroup",
    "DisassociateRouteTable",
    "DeleteRouteTable",
    "DeleteNatGateway",
    "ReleaseAddress",
    "DetachInternetGateway",
    "DeleteInternetGateway",
    "DeleteSubnet",
    "DeleteVpc",
];

fn lose(actions: &[&str]) -> Faults {
    Faults {
        lose: actions.iter().map(|a| a.to_string()).collect(),
        ..Faults::default()
    }
}

/// The answer to every create is lost once, after AWS did the work, then
/// the answer to every follow-up call, then to every delete: each run
/// finishes (what was lost is found again, a retry meets its own work),
/// with exactly one of each resource and every attribute right.
#[test]
fn lost_answers_leave_no_duplicate_and_no_attribute_wrong() {
    for actions in [CREATES, FOLLOW_UPS] {
        let moto = account();
        let proxy = Proxy::start(moto.port);
        proxy.set(lose(actions));
        // The lost answers are found again: the run finishes.
        succeed(&proxy.url(), &["apply", SPEC, "--yes"]);
        let left: Vec<String> = proxy.faults.lock().expect("faults").lose.clone();
        assert!(left.is_empty(), "calls never made: {left:?}");
        assert_eq!(proxy.injected(), actions.len());
        proxy.set(Faults::default());
        assert_converged(&moto, &proxy.url());
        if actions == CREATES {
            continue;
        }
        proxy.set(lose(DELETES));
        succeed(&proxy.url(), &["destroy", SPEC, "--yes"]);
        let left: Vec<String> = proxy.faults.lock().expect("faults").lose.clone();
        assert!(left.is_empty(), "calls never made: {left:?}");
        assert_eq!(aws(&moto, &["inventory"]), empty_inventory());
    }
}

/// Killed right after each create call in turn (AWS did it, the answer
/// never came back), each from an empty account: the next apply repairs
/// everything, the follow-up calls the killed run never made included.
#[test]
fn a_kill_right_after_each_create_is_repaired_by_the_next_apply() {
    for action in CREATES {
        let moto = account();
        let proxy = Proxy::start(moto.port);
        proxy.set(Faults {
            hold: Some(action.to_string()),
            ..Faults::default()
        });
        let mut child = awscluster(&proxy.url())
            .args(["apply", SPEC, "--yes"])
            .args(FAST)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("apply starts");
        let began = Instant::now();
        while proxy.held() == 0 {
            assert!(
                child.try_wait().expect("wait").is_none(),
                "apply ended without calling {action}"
            );
            assert!(
                began.elapsed() < Duration::from_secs(60),
                "no {action} within a minute"
            );
            std::thread::sleep(Duration::from_millis(1));
        }
        let _ = child.kill();
        let _ = child.wait();
        proxy.set(Faults::default());
        proxy.settle();
        let (_, log) = succeed(&proxy.url(), &["apply", SPEC, "--yes"]);
        assert!(!log.contains("FAILED"), "after {action}: {log}");
        assert_converged(&moto, &proxy.url());
    }
}

/// One call in ten throttled or failing with a 5xx: every run finishes,
/// with exactly one of each resource.
#[test]
fn throttling_and_server_errors_at_random_do_not_stop_a_run() {
    let moto = account();
    let proxy = Proxy::start(moto.port);
    // FAST's, with more attempts per call.
    let patient = [
        "--config",
        "fixtures/provision/awscluster.toml",
        "--poll-interval",
        "0.05",
        "--max-attempts",
        "8",
        "--wait-timeout",
        "60",
    ];
    proxy.set(Faults {
        random: Some((0.1, 2026)),
        ..Faults::default()
    });
    let out = awscluster(&proxy.url())
        .args(["apply", SPEC, "--yes"])
        .args(patient)
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let injected = proxy.injected();
    assert!(
        injected >= 3,
        "only {injected} faults in {} calls",
        proxy.calls()
    );
    proxy.set(Faults::default());
    assert_converged(&moto, &proxy.url());
    proxy.set(Faults {
        random: Some((0.1, 7)),
        ..Faults::default()
    });
    let out = awscluster(&proxy.url())
        .args(["destroy", SPEC, "--yes"])
        .args(patient)
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(proxy.injected() > injected, "faults during destroy too");
    assert_eq!(aws(&moto, &["inventory"]), empty_inventory());
}

/// Changed by hand: the plan shows each difference, status reports it,
/// apply repairs it.
#[test]
fn drift_made_by_hand_is_shown_and_repaired() {
    let moto = account();
    succeed(&moto.url(), &["apply", SPEC, "--yes"]);
    aws(&moto, &["drift", "demo"]);
    let (plan, _) = succeed(&moto.url(), &["plan", SPEC]);
    for expected in [
        "0 to create, 5 to change, 0 to delete",
        "  ~ vpc ",
        "DNS hostnames: off → on",
        "  ~ subnet ",
        "public IP on launch: off → on",
        "  ~ security-group-rules ",
        "ingress: + tcp 2379-2380 from demo-controlplane (etcd)",
        "  ~ load-balancer ",
        "health check: TCP:22 every 30 s",
        "  ~ launch-template ",
        "market: spot, up to 0.09 USD/h → the spec's",
    ] {
        assert!(plan.contains(expected), "{expected:?} in\n{plan}");
    }
    let status = run(&moto.url(), &["status", SPEC]);
    assert_eq!(status.status.code(), Some(1));
    assert!(
        text(&status.stdout).contains("differs"),
        "{}",
        text(&status.stdout)
    );
    let (_, log) = succeed(&moto.url(), &["apply", SPEC, "--yes"]);
    assert!(
        log.contains("apply: 0 created, 5 changed, 0 deleted"),
        "{log}"
    );
    assert_converged(&moto, &moto.url());
}

/// Through a server that ignores tag filters (every describe answers with
/// every cluster's resources), plan and destroy touch only what carries
/// this cluster's own tag: not `demo2`'s, whose name starts with `demo`.
#[test]
fn destroy_trusts_its_own_ownership_check_not_the_servers_filters() {
    let moto = account();
    let dir = tempfile::tempdir().expect("tempdir");
    let other = dir.path().join("demo2.cluster.json");
    let mut spec: Value =
        serde_json::from_str(&std::fs::read_to_string(support::root().join(SPEC)).expect("spec"))
            .expect("json");
    spec["name"] = "demo2".into();
    spec.as_object_mut().expect("object").remove("$schema");
    std::fs::write(&other, spec.to_string()).expect("write");
    let other = other.to_str().expect("utf-8");
    succeed(&moto.url(), &["apply", other, "--yes"]);
    let theirs = aws(&moto, &["inventory"]);
    succeed(&moto.url(), &["apply", SPEC, "--yes"]);

    let proxy = Proxy::start(moto.port);
    proxy.set(Faults {
        strip_tag_filters: true,
        ..Faults::default()
    });
    let (plan, _) = succeed(&proxy.url(), &["plan", SPEC]);
    assert!(
        plan.ends_with("Nothing to do: AWS matches the spec.\n"),
        "{plan}"
    );
    let (listing, _) = succeed(&proxy.url(), &["destroy", SPEC, "--yes"]);
    assert!(
        listing.starts_with("Destroy cluster demo in us-east-1: 31 resource(s) to delete."),
        "{listing}"
    );
    assert!(
        proxy
            .take_log()
            .iter()
            .any(|(action, body)| action == "DescribeVpcs" && !body.contains("Filter")),
        "the filters were dropped"
    );
    assert_eq!(aws(&moto, &["inventory"]), theirs);
    let (status, _) = succeed(&moto.url(), &["status", other]);
    assert!(
        status.contains("36 of 36 resources match the spec."),
        "{status}"
    );
}

#[test]
fn a_failing_call_is_reported_with_its_code_and_apply_finishes_later() {
    let moto = account();
    let proxy = Proxy::start(moto.port);
    proxy.set(Faults {
        delay: Duration::ZERO,
        fail: Some((
            "CreateNatGateway".into(),
            "NatGatewayLimitExceeded".into(),
            1,
        )),
        ..Faults::default()
    });
    let out = run(&proxy.url(), &["apply", SPEC, "--yes"]);
    let log = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{log}");
    assert!(
        log.contains("error: CreateNatGateway (demo-nat-us-east-1"),
        "{log}"
    );
    assert!(
        log.contains("NatGatewayLimitExceeded: injected by the test proxy"),
        "{log}"
    );
    assert!(
        log.contains("run `awscluster apply` again to finish"),
        "{log}"
    );
    // Nothing after the NAT gateways started: no instance ran.
    assert_eq!(aws(&moto, &["inventory"])["instance"], 0);

    let (_, log) = succeed(&proxy.url(), &["apply", SPEC, "--yes"]);
    assert!(log.contains("created nat-gateway"), "{log}");
    assert_eq!(aws(&moto, &["inventory"]), demo_inventory());
}

/// A key pair the spec names and the account lacks is not eventual
/// consistency: each machine's launch fails at once, not after minutes of
/// retries.
#[test]
fn a_missing_key_pair_fails_each_launch_once() {
    let moto = set_up(Moto::start_with(&[(
        "MOTO_ENABLE_KEYPAIR_VALIDATION",
        "true",
    )]));
    let proxy = Proxy::start(moto.port);
    // Preflight finds it missing before anything is made.
    let out = run(&proxy.url(), &["apply", SPEC, "--yes"]);
    let log = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{log}");
    assert!(log.contains("live/key-pair-missing"), "{log}");
    assert!(
        !proxy
            .take_log()
            .iter()
            .any(|(a, _)| a.starts_with("Create")),
        "nothing is made"
    );
    // Without preflight, each launch fails once.
    let out = run(&proxy.url(), &["apply", SPEC, "--yes", "--skip-preflight"]);
    let log = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{log}");
    assert!(log.contains("preflight skipped"), "{log}");
    assert!(log.contains("InvalidKeyPair.NotFound"), "{log}");
    let launches = proxy
        .take_log()
        .iter()
        .filter(|(action, _)| action == "RunInstances")
        .count();
    assert!((1..=4).contains(&launches), "{launches} RunInstances calls");
}

#[test]
fn a_load_balancer_someone_else_owns_blocks_apply() {
    let moto = account();
    aws(&moto, &["foreign-elb", "demo-apiserver"]);
    let out = run(&moto.url(), &["apply", SPEC, "--yes"]);
    let log = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{log}");
    assert!(log.contains("is not owned by the cluster"), "{log}");
    assert_eq!(aws(&moto, &["inventory"])["vpc"], 0, "nothing was created");
    // And destroy leaves it alone.
    succeed(
        &moto.url(),
        &[
            "destroy",
            "--name",
            "demo",
            "--region",
            "us-east-1",
            "--yes",
        ],
    );
    assert_eq!(aws(&moto, &["inventory"])["load-balancer"], 1);
}

#[test]
fn destroy_of_a_static_cluster_leaves_the_network_and_every_unowned_resource() {
    let moto = account();
    let network = aws(&moto, &["static-network"]);
    let subnets: Vec<Value> = network["subnets"]
        .as_array()
        .expect("subnets")
        .iter()
        .map(|s| {
            json!({"id": s["id"], "availabilityZone": s["zone"], "cidr": s["cidr"], "type": s["type"], "tags": s["tags"]})
        })
        .collect();
    let spec = json!({
        "name": "static",
        "region": "us-east-1",
        "sshKeyName": "ops",
        "placement": {"static": {"vpcId": network["vpc"], "vpcCidr": "10.1.0.0/16", "subnets": subnets}},
        "bastion": {"allowedCidrs": ["203.0.113.0/24"], "image": "ami-04681a1dbd79675a5"},
        "nodePools": [
            {"name": "control-plane", "role": "master", "size": 1, "instanceType": "m7i.large", "image": "ami-04681a1dbd79675a5"},
            {"name": "workers", "role": "worker", "size": 2, "instanceType": "m7i.large", "image": "ami-04681a1dbd79675a5"}
        ]
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("static.cluster.json");
    std::fs::write(&path, serde_json::to_string_pretty(&spec).expect("json")).expect("write spec");
    let path = path.to_str().expect("utf-8 path");

    let (plan, _) = succeed(&moto.url(), &["plan", path]);
    assert!(
        !plan.contains(" vpc "),
        "static placement creates no VPC:\n{plan}"
    );
    succeed(&moto.url(), &["apply", path, "--yes"]);
    let (status, _) = succeed(&moto.url(), &["status", path]);
    assert!(status.contains("resources match the spec."), "{status}");

    let (_, log) = succeed(&moto.url(), &["destroy", path, "--yes"]);
    assert!(!log.contains("vpc"), "{log}");
    assert!(!log.contains("subnet"), "{log}");
    // Without the spec, destroy cannot tell the network apart by its ids.
    succeed(
        &moto.url(),
        &[
            "destroy",
            "--name",
            "static",
            "--region",
            "us-east-1",
            "--yes",
        ],
    );
    let left = aws(&moto, &["still-there", &network.to_string()]);
    assert_eq!(
        left,
        json!({"vpc": true, "subnets": 4, "security-group": true, "instance": true, "elastic-ip": true, "launch-template": true})
    );
    let (owned, _) = succeed(
        &moto.url(),
        &["status", "--name", "static", "--region", "us-east-1"],
    );
    assert_eq!(owned, "Cluster static in us-east-1 owns 0 resource(s).\n");
}

#[test]
fn a_static_network_that_does_not_match_is_refused() {
    let moto = account();
    let spec = json!({
        "name": "ghost",
        "region": "us-east-1",
        "sshKeyName": "ops",
        "placement": {"static": {"vpcId": "vpc-0123456789abcdef0", "vpcCidr": "10.9.0.0/16", "subnets": [
            {"id": "subnet-0123456789abcdef0", "availabilityZone": "us-east-1a", "cidr": "10.9.0.0/20", "type": "public",
             "tags": {"kubernetes.io/role/elb": "1", "kubernetes.io/cluster/ghost": "shared",
                      "sigs.k8s.io/cluster-api-provider-aws/role": "public",
                      "sigs.k8s.io/cluster-api-provider-aws/cluster/ghost": "owned"}},
            {"id": "subnet-0123456789abcdef1", "availabilityZone": "us-east-1a", "cidr": "10.9.64.0/18", "type": "private",
             "tags": {"kubernetes.io/role/internal-elb": "1", "kubernetes.io/cluster/ghost": "shared"}}
        ]}},
        "nodePools": [{"name": "control-plane", "role": "master", "size": 1, "allowWorkerCapability": true, "instanceType": "m7i.large", "image": "ami-04681a1dbd79675a5"}]
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("ghost.cluster.json");
    std::fs::write(&path, spec.to_string()).expect("write spec");
    let out = run(&moto.url(), &["plan", path.to_str().expect("utf-8")]);
    let log = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{log}");
    assert!(
        log.contains("VPC vpc-0123456789abcdef0 does not exist in us-east-1"),
        "{log}"
    );
    assert!(
        log.contains("subnet subnet-0123456789abcdef1 does not exist"),
        "{log}"
    );
}

#[test]
fn a_spec_with_errors_is_refused_before_any_call() {
    // No emulator: nothing may be called.
    let out = run(
        "http://127.0.0.1:9",
        &[
            "apply",
            "fixtures/clusters/broken/pools/master-size.cluster.json",
            "--yes",
        ],
    );
    let log = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{log}");
    assert!(log.contains("pools/master-size"), "{log}");
    assert!(log.contains("fix them before provisioning"), "{log}");
}

#[test]
fn a_spec_without_images_says_what_is_missing() {
    let out = run(
        "http://127.0.0.1:9",
        &["plan", "fixtures/clusters/default.cluster.json"],
    );
    let log = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{log}");
    // The lint gate says it, at the spec's lines, as errors: `lint` gives
    // the same findings as notes.
    assert!(log.contains("provision/missing-image"), "{log}");
    assert!(
        log.contains("× the bastion has no `image` to boot"),
        "{log}"
    );
    assert!(
        log.contains("× pool `control-plane` has no `image` to boot"),
        "{log}"
    );
    assert!(log.contains("fix them before provisioning"), "{log}");
}

/// The demo spec, changed by `edit`, in a temporary directory.
/// An image given as an SSM parameter is read first, so that the root
/// volume maps the image's own root device: Ubuntu's /dev/sda1 gets the
/// spec's size and type, and no second volume beside the image's.
#[test]
fn an_image_given_as_an_ssm_parameter_gets_its_own_root_device() {
    let moto = account();
    aws(&moto, &["ssm-image", "/images/ubuntu-24.04"]);
    let (_dir, spec) = spec_with(|s| {
        s["nodePools"][0]["image"] = json!("/images/ubuntu-24.04");
        s["nodePools"][1]["image"] = json!("/images/ubuntu-24.04");
    });
    succeed(&moto.url(), &["apply", &spec, "--yes"]);
    let volumes = aws(&moto, &["volumes", "demo"]);
    for name in ["demo-control-plane-0", "demo-workers"] {
        assert_eq!(volumes[name], json!(["/dev/sda1"]), "{name}: {volumes}");
    }
    for name in ["demo-bastion", "demo-batch"] {
        assert_eq!(volumes[name], json!(["/dev/xvda"]), "{name}: {volumes}");
    }
    let (plan, _) = succeed(&moto.url(), &["plan", &spec]);
    assert!(
        plan.ends_with("Nothing to do: AWS matches the spec.\n"),
        "{plan}"
    );

    let (_dir, missing) = spec_with(|s| {
        s["nodePools"][0]["image"] = json!("/images/ubuntu-24.04");
        s["nodePools"][1]["image"] = json!("/images/none");
    });
    // Preflight finds it missing; without preflight, apply does.
    let out = run(&moto.url(), &["apply", &missing, "--yes"]);
    let log = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{log}");
    assert!(
        log.contains("live/image-missing")
            && log.contains("the image of pool `workers` does not exist"),
        "{log}"
    );
    let out = run(
        &moto.url(),
        &["apply", &missing, "--yes", "--skip-preflight"],
    );
    let log = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{log}");
    assert!(
        log.contains("the SSM parameter /images/none does not exist in this Region"),
        "{log}"
    );
}

const BOOTSTRAP: &str = "aws.cluster.x-k8s.io/demo/";

/// The boot hook of a machine's user data, run as cloud-init would on
/// the machine: its AWS CLI reads the emulator, systemctl is a log, and
/// the fetched file goes to `dir`. What it fetched.
fn boot(moto: &Moto, user_data: &str, dir: &std::path::Path) -> String {
    let hook = user_data
        .split("#cloud-boothook\n")
        .nth(1)
        .and_then(|rest| rest.split("\n--awscluster-bootstrap").next())
        .expect("a boot hook");
    let file = dir.join("bootstrap");
    let hook = hook.replace(
        "file='/var/lib/awscluster/bootstrap'",
        &format!("file='{}'", file.display()),
    );
    assert!(hook.contains(&file.display().to_string()), "{hook}");
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).expect("bin");
    let script = |name: &str, body: String| {
        let path = bin.join(name);
        std::fs::write(&path, body).expect("write");
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    };
    script(
        "aws",
        format!(
            "#!/bin/sh\nexec '{}' '{}' '{}' fake-cli \"$@\"\n",
            support::root().join(".venv/bin/python").display(),
            support::root().join("tests/support/aws.py").display(),
            moto.url()
        ),
    );
    script(
        "systemctl",
        format!(
            "#!/bin/sh\necho \"$@\" >> '{}'\n",
            dir.join("systemctl").display()
        ),
    );
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(&hook)
        .env("PATH", path)
        .output()
        .expect("bash runs");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let restarted = std::fs::read_to_string(dir.join("systemctl")).expect("systemctl ran");
    assert_eq!(restarted, "restart cloud-init\n");
    std::fs::read_to_string(file).expect("the hook wrote the file")
}

/// Bootstrap data stays out of EC2: each control-plane machine's and each
/// pool's is a secret under aws.cluster.x-k8s.io/, EC2 gets a boot
/// document naming it, awscluster never reads one back; a machine reads
/// its own and deletes it, a pool's stays for the machines its group
/// launches later, and destroy deletes what is left.
#[test]
fn user_data_is_kept_in_secrets_the_machines_read() {
    let moto = account();
    let proxy = Proxy::start(moto.port);
    succeed(&proxy.url(), &["apply", SPEC, "--yes"]);
    let calls: Vec<String> = proxy.take_log().into_iter().map(|(a, _)| a).collect();
    assert_eq!(calls.iter().filter(|a| *a == "CreateSecret").count(), 4);
    assert!(!calls.iter().any(|a| a.contains("GetSecret")), "{calls:?}");

    let secrets = aws(&moto, &["secrets"]);
    let secrets = secrets.as_object().expect("object");
    let master = format!("{BOOTSTRAP}demo-control-plane-0/bootstrap");
    assert_eq!(secrets[&master]["value"], "#!/bin/sh\necho control plane\n");
    assert_eq!(secrets[&master]["tags"]["Name"], "demo-control-plane-0");
    assert_eq!(
        secrets[&master]["tags"]["sigs.k8s.io/cluster-api-provider-aws/cluster/demo"],
        "owned"
    );
    let pool: Vec<&String> = secrets
        .keys()
        .filter(|k| k.starts_with(&format!("{BOOTSTRAP}demo-workers/")))
        .collect();
    assert_eq!(pool.len(), 1, "{secrets:?}");
    let pool = pool[0].clone();
    assert_eq!(secrets[&pool]["value"], "#!/bin/sh\necho worker\n");

    let data = aws(&moto, &["user-data", "demo"]);
    for (name, secret) in [("demo-control-plane-0", &master), ("demo-workers", &pool)] {
        let doc = data[name].as_str().expect("user data");
        assert!(doc.contains(&format!("secret='{secret}'")), "{name}: {doc}");
        assert!(
            !doc.contains("echo control plane") && !doc.contains("echo worker"),
            "{name} holds its data: {doc}"
        );
    }
    // The bastion has no instance profile to read a secret with; the
    // spot pool has no user data.
    assert_eq!(data["demo-bastion"], Value::Null);
    assert_eq!(data["demo-batch"], Value::Null);

    // A control-plane machine boots: it reads its secret, once.
    let dir = tempfile::tempdir().expect("tempdir");
    let read = boot(
        &moto,
        data["demo-control-plane-0"].as_str().unwrap_or_default(),
        dir.path(),
    );
    assert_eq!(read.trim_end(), "#!/bin/sh\necho control plane");
    // A pool's machine: the secret stays for the next one.
    let dir = tempfile::tempdir().expect("tempdir");
    let read = boot(
        &moto,
        data["demo-workers"].as_str().unwrap_or_default(),
        dir.path(),
    );
    assert_eq!(read.trim_end(), "#!/bin/sh\necho worker");
    let left = aws(&moto, &["secrets"]);
    assert!(left.get(&master).is_none(), "{left}");
    assert!(left.get(&pool).is_some(), "{left}");

    // A machine that read its secret does not get it again.
    let (plan, _) = succeed(&proxy.url(), &["plan", SPEC]);
    assert!(
        plan.ends_with("Nothing to do: AWS matches the spec.\n"),
        "{plan}"
    );

    // A new pool's user data: a new secret and template version, the old
    // secret deleted.
    let (_dir, changed) =
        spec_with(|s| s["nodePools"][1]["userData"] = json!("#!/bin/sh\necho v2\n"));
    succeed(&proxy.url(), &["apply", &changed, "--yes"]);
    let now = aws(&moto, &["secrets"]);
    let pools: Vec<&String> = now
        .as_object()
        .expect("object")
        .keys()
        .filter(|k| k.starts_with(&format!("{BOOTSTRAP}demo-workers/")))
        .collect();
    assert_eq!(pools.len(), 1, "{now}");
    assert_ne!(pools[0], &pool);
    assert_eq!(now[pools[0]]["value"], "#!/bin/sh\necho v2\n");

    succeed(&proxy.url(), &["destroy", &changed, "--yes"]);
    assert_eq!(aws(&moto, &["secrets"]), json!({}));
    let calls: Vec<String> = proxy.take_log().into_iter().map(|(a, _)| a).collect();
    assert!(!calls.iter().any(|a| a.contains("GetSecret")), "{calls:?}");
}

/// A run stopped between a control-plane machine's secret and its launch
/// leaves a secret no machine names: destroy with the spec deletes it.
#[test]
fn destroy_deletes_the_secrets_of_machines_that_never_launched() {
    let moto = account();
    let proxy = Proxy::start(moto.port);
    proxy.set(Faults {
        fail: Some((
            "RunInstances".into(),
            "InsufficientInstanceCapacity".into(),
            100,
        )),
        ..Faults::default()
    });
    // No bastion, whose launch would fail first.
    let (_dir, spec) = spec_with(|s| {
        s.as_object_mut().map(|o| o.remove("bastion"));
    });
    let out = run(&proxy.url(), &["apply", &spec, "--yes"]);
    assert!(!out.status.success());
    proxy.set(Faults::default());
    let made = aws(&moto, &["secrets"]);
    assert!(
        made.as_object()
            .is_some_and(|m| m.keys().any(|k| k.ends_with("/bootstrap"))),
        "{made}"
    );
    let (_, log) = succeed(&proxy.url(), &["destroy", &spec, "--yes"]);
    assert!(
        log.contains("bootstrap secret(s) of control-plane machines that never launched"),
        "{log}"
    );
    assert_eq!(aws(&moto, &["secrets"]), json!({}));
}

/// A spot pool capped at a share of an on-demand price the spec does not
/// give: the price is looked up in the Price List API (here a loopback
/// endpoint answering in its recorded shape), once per type, and the
/// plan says which price it used and where it came from; a price file
/// wins and needs no call.
#[test]
fn a_spot_cap_is_a_share_of_the_price_list_price() {
    let moto = account();
    let prices = PriceList::start(&[
        ("m7i.large", "0.1008000000"),
        ("m7i.xlarge", "0.2016000000"),
    ]);
    let (dir, spec) = spec_with(|s| {
        s["nodePools"][2]["capacity"]["spot"] = json!({"maxPricePercentOfOnDemand": 60});
    });
    let with_prices = |args: &[&str]| {
        let out = awscluster(&moto.url())
            .env("AWS_ENDPOINT_URL_PRICING", prices.url())
            .args(args)
            .args(FAST)
            .output()
            .expect("awscluster runs");
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
        text(&out.stdout)
    };
    let plan = with_prices(&["plan", &spec]);
    assert!(
        plan.contains("m7i.large spot, up to 0.06048 USD/h (60% of 0.1008 USD/h on demand, from the Price List API)"),
        "{plan}"
    );
    let asked = prices.requests.lock().expect("requests").clone();
    assert_eq!(
        asked,
        [[
            "capacitystatus=Used",
            "instanceType=m7i.large",
            "marketoption=OnDemand",
            "operatingSystem=Linux",
            "preInstalledSw=NA",
            "regionCode=us-east-1",
            "tenancy=Shared",
        ]]
    );
    with_prices(&["apply", &spec, "--yes"]);
    assert_eq!(
        aws(&moto, &["attributes", "demo"])["demo-batch"],
        demo_attributes()["demo-batch"]
    );

    // A price file wins over the API.
    let file = dir.path().join("prices.json");
    std::fs::write(&file, r#"{"us-east-1": {"m7i.large": 0.2}}"#).expect("write");
    prices.requests.lock().expect("requests").clear();
    let plan = with_prices(&["plan", &spec, "--on-demand-prices", &file.to_string_lossy()]);
    assert!(
        plan.contains("(60% of 0.2 USD/h on demand, from --on-demand-prices)"),
        "{plan}"
    );
    assert!(prices.requests.lock().expect("requests").is_empty());
}

#[test]
fn apply_without_a_terminal_needs_yes() {
    let moto = account();
    let out = run(&moto.url(), &["apply", SPEC]);
    let log = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{log}");
    assert!(log.contains("pass --yes to go ahead"), "{log}");
    assert_eq!(aws(&moto, &["inventory"]), empty_inventory());
}

#[test]
fn the_seed_policies_grant_what_iam_required_prints() {
    let required = awscluster("http://127.0.0.1:9")
        .args(["iam", "required"])
        .output()
        .expect("runs");
    assert!(required.status.success());
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("required.json");
    std::fs::write(&path, &required.stdout).expect("write");
    let lint = awscluster("http://127.0.0.1:9")
        .args(["iam", "lint"])
        .arg(&path)
        .output()
        .expect("runs");
    assert_eq!(
        text(&lint.stdout),
        "Checked 1 file: no problems.\n",
        "the printed policy passes the policy lints"
    );
    let check = awscluster("http://127.0.0.1:9")
        .args(["iam", "check", "--granted"])
        .args([
            "policies/controller.json",
            "policies/control-plane.json",
            "policies/nodes.json",
            "policies/deployment.json",
        ])
        .arg("--required")
        .arg(&path)
        .output()
        .expect("runs");
    assert!(check.status.success(), "{}", text(&check.stdout));
    let table = awscluster("http://127.0.0.1:9")
        .args(["iam", "required", "--format", "table"])
        .output()
        .expect("runs");
    let table = text(&table.stdout);
    assert!(!table.contains("NOT GRANTED"), "{table}");
    assert!(table.contains("CreateNatGateway"), "{table}");
}

#[test]
fn the_hardened_policies_grant_what_provisioning_and_preflight_need_and_nothing_more() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut required = Vec::new();
    for job in ["provision", "preflight"] {
        let printed = awscluster("http://127.0.0.1:9")
            .args(["iam", "required", "--for", job])
            .output()
            .expect("runs");
        assert!(printed.status.success(), "{}", text(&printed.stderr));
        if job == "preflight" {
            let alias = awscluster("http://127.0.0.1:9")
                .args(["iam", "required", "--preflight"])
                .output()
                .expect("runs");
            assert_eq!(
                alias.stdout, printed.stdout,
                "--preflight is --for preflight"
            );
        }
        let path = dir.path().join(format!("{job}.json"));
        std::fs::write(&path, &printed.stdout).expect("write");
        required.push(path);
    }
    let check = |granted: &[&str], required: &[std::path::PathBuf]| {
        awscluster("http://127.0.0.1:9")
            .args(["iam", "check", "--unused", "--format", "json", "--granted"])
            .args(granted)
            .arg("--required")
            .args(required)
            .output()
            .expect("runs")
    };
    let both = check(&["policies/hardened/"], &required);
    let report = text(&both.stdout);
    assert!(both.status.success(), "{report}");
    let findings: serde_json::Value = serde_json::from_str(&report).expect("json");
    assert_eq!(
        findings["diagnostics"].as_array().map(Vec::len),
        Some(0),
        "every grant is needed: {report}"
    );
    // Provisioning alone does not cover preflight's reads, and preflight's
    // policy is no use for provisioning.
    for (granted, required, missing) in [
        (
            "policies/hardened/provision.json",
            &required[..],
            "servicequotas:GetServiceQuota",
        ),
        (
            "policies/hardened/preflight.json",
            &required[..1],
            "ec2:AllocateAddress",
        ),
    ] {
        let partial = check(&[granted], required);
        assert_eq!(partial.status.code(), Some(1), "{granted}");
        let report: serde_json::Value = serde_json::from_str(&text(&partial.stdout)).expect("json");
        let messages = report["diagnostics"].to_string();
        assert!(messages.contains(missing), "{granted}: {messages}");
    }
}

#[test]
fn ctrl_c_lets_the_calls_in_flight_finish_and_apply_converges_later() {
    let moto = account();
    let proxy = Proxy::start(moto.port);
    proxy.set(Faults {
        delay: Duration::from_millis(20),
        fail: None,
        ..Faults::default()
    });
    let child = awscluster(&proxy.url())
        .args(["apply", SPEC, "--yes"])
        .args(FAST)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("apply starts");
    // Past preflight, discovery and the plan: apply is creating.
    let began = Instant::now();
    let mut creating = false;
    while !creating && began.elapsed() < Duration::from_secs(60) {
        creating = proxy
            .take_log()
            .iter()
            .any(|(action, _)| action.starts_with("Create"));
        std::thread::sleep(Duration::from_millis(2));
    }
    let signalled = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(signalled.success());
    let out = child.wait_with_output().expect("apply ends");
    let log = text(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{log}");
    assert!(
        log.contains("interrupted: finishing the calls in flight"),
        "{log}"
    );
    assert!(
        log.contains("run `awscluster apply` again to finish"),
        "{log}"
    );
    assert_ne!(
        aws(&moto, &["inventory"]),
        demo_inventory(),
        "stopped before the end"
    );

    succeed(&proxy.url(), &["apply", SPEC, "--yes"]);
    assert_eq!(aws(&moto, &["inventory"]), demo_inventory());
}

#[test]
fn destroy_needs_only_what_names_the_cluster() {
    // No images, no prices: not provisionable, but it names a cluster.
    let moto = account();
    let (out, _) = succeed(
        &moto.url(),
        &["destroy", "fixtures/clusters/default.cluster.json", "--yes"],
    );
    assert_eq!(
        out,
        "Cluster prod-east owns nothing in us-east-1: nothing to destroy.\n"
    );
}

/// `-D/-W/-A` reach the lint that gates provisioning: a note made an
/// error stops `plan` before any call, and an error turned off lets it
/// through to AWS.
#[test]
fn severity_flags_reach_the_gate() {
    let (_dir, one_master) = spec_with(|s| s["nodePools"][0]["size"] = json!(1));
    let denied = awscluster("http://127.0.0.1:9")
        .args(["plan", &one_master, "-D", "pools/single-master"])
        .args(FAST)
        .output()
        .expect("runs");
    assert_eq!(denied.status.code(), Some(1));
    assert!(
        text(&denied.stderr).contains("error-level findings"),
        "{}",
        text(&denied.stderr)
    );
    let (_dir, two_masters) = spec_with(|s| s["nodePools"][0]["size"] = json!(2));
    let allowed = awscluster("http://127.0.0.1:9")
        .args(["plan", &two_masters, "-A", "pools/master-size"])
        .args(FAST)
        .output()
        .expect("runs");
    let stderr = text(&allowed.stderr);
    assert!(!stderr.contains("error-level findings"), "{stderr}");
    assert!(
        stderr.contains("Connection refused"),
        "it went on to AWS: {stderr}"
    );
}

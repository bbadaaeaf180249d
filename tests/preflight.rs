//! `awscluster preflight` against moto's server, through the real binary:
//! what a clean account passes, what a live account makes fail, what
//! cannot be checked, and that nothing is changed. Where moto lacks an
//! API (Service Quotas' defaults for EC2), the fallback it forces is part
//! of what is checked.

#![cfg(feature = "provision")]

mod support;

use serde_json::{Value, json};
use support::{FAST, Faults, Moto, Proxy, aws, awscluster, spec_with, text};

const SPEC: &str = support::DEMO_SPEC;

/// Runs preflight with the JSON report: the exit status and each
/// finding's code and message.
fn preflight(endpoint: &str, spec: &str, extra: &[&str]) -> (i32, Vec<(String, String)>) {
    let out = awscluster(endpoint)
        .args(["preflight", spec, "--format", "json"])
        .args(&FAST[..2])
        .args(extra)
        .output()
        .expect("awscluster runs");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| {
        panic!(
            "a JSON report: {}\n{}",
            text(&out.stdout),
            text(&out.stderr)
        )
    });
    let findings = report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap_or_default().to_string(),
                d["message"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    (out.status.code().unwrap_or(-1), findings)
}

fn codes(findings: &[(String, String)]) -> Vec<&str> {
    findings.iter().map(|(c, _)| c.as_str()).collect()
}

/// A clean account (the key pair, the role with the hardened policy)
/// passes; nothing in it changes. moto has no Service
/// Quotas defaults for EC2: that is said (a warning), and the quotas come
/// from awscluster.toml.
#[test]
fn a_clean_account_passes_and_nothing_changes() {
    let moto = Moto::start();
    aws(&moto, &["key-pair", "ops"]);
    aws(
        &moto,
        &[
            "provisioner-role",
            &support::root()
                .join("policies/hardened/provision.json")
                .to_string_lossy(),
        ],
    );
    let before = (aws(&moto, &["inventory"]), aws(&moto, &["iam-inventory"]));
    let (status, findings) = preflight(&moto.url(), SPEC, &[]);
    assert_eq!(status, 0, "{findings:?}");
    assert_eq!(codes(&findings), ["live/could-not-check"], "{findings:?}");
    assert!(
        findings[0]
            .1
            .starts_with("could not check the quotas' default values"),
        "{findings:?}"
    );
    let after = (aws(&moto, &["inventory"]), aws(&moto, &["iam-inventory"]));
    assert_eq!(before, after);
}

/// VPCs and Elastic IPs someone else made push the cluster over the
/// Region's quotas: preflight names each quota, the figures and where the
/// quota's value came from.
#[test]
fn usage_already_in_the_account_counts_against_the_quotas() {
    let moto = Moto::start();
    aws(&moto, &["key-pair", "ops"]);
    // With the default VPC: 5 of moto's (and AWS's) 5.
    aws(&moto, &["vpcs", "4"]);
    // moto has no Service Quotas default for Elastic IPs: the value is
    // awscluster.toml's.
    aws(&moto, &["addresses", "18"]);
    let (status, findings) = preflight(&moto.url(), SPEC, &[]);
    assert_eq!(status, 1, "{findings:?}");
    let vpcs = findings
        .iter()
        .find(|(c, _)| c == "quota/vpcs")
        .unwrap_or_else(|| panic!("{findings:?}"));
    assert_eq!(
        vpcs.1,
        "the cluster needs 1 VPCs and the account already uses 5: 6 of a quota of 5 (applied value in Service Quotas)"
    );
    let addresses = findings
        .iter()
        .find(|(c, _)| c == "quota/elastic-ips")
        .unwrap_or_else(|| panic!("{findings:?}"));
    assert!(
        addresses
            .1
            .contains("already uses 18: 21 of a quota of 20 (from awscluster.toml)"),
        "{addresses:?}"
    );
}

/// A missing key pair, an image AWS does not have and an arm64 image for
/// an x86 type are each caught at their value.
#[test]
fn a_missing_key_pair_and_images_that_cannot_boot_are_caught() {
    let moto = Moto::start();
    let arm = aws(&moto, &["arm-image"])["image"]
        .as_str()
        .expect("image")
        .to_string();
    let (_dir, spec) = spec_with(|s| {
        s["nodePools"][1]["image"] = json!(arm);
        s["nodePools"][2]["image"] = json!("ami-0123456789abcdef0");
    });
    let (status, findings) = preflight(&moto.url(), &spec, &[]);
    assert_eq!(status, 1, "{findings:?}");
    let mut got: Vec<&str> = codes(&findings)
        .into_iter()
        .filter(|c| c.starts_with("live/") && *c != "live/could-not-check")
        .collect();
    got.sort_unstable();
    assert_eq!(
        got,
        [
            "live/image-architecture",
            "live/image-missing",
            "live/key-pair-missing",
        ],
        "{findings:?}"
    );
    assert!(
        findings.iter().any(|(_, m)| m
            == "the image of pool `workers` is arm64, but `m7i.xlarge` runs i386, x86_64"
            || m == "the image of pool `workers` is arm64, but `m7i.xlarge` runs x86_64"),
        "{findings:?}"
    );
}

/// A read the credentials may not make is one warning naming the action
/// to grant, and the rest of preflight goes on.
#[test]
fn a_refused_read_is_said_with_the_action_to_grant() {
    let moto = Moto::start();
    aws(&moto, &["key-pair", "ops"]);
    let proxy = Proxy::start(moto.port);
    proxy.set(Faults {
        fail: Some((
            "DescribeInstanceTypeOfferings".into(),
            "UnauthorizedOperation".into(),
            1,
        )),
        ..Faults::default()
    });
    let out = awscluster(&proxy.url())
        .args(["preflight", SPEC, "--format", "human"])
        .args(&FAST[..2])
        .output()
        .expect("awscluster runs");
    let report = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{report}");
    assert!(
        report.contains(
            "could not check where the instance types are offered: UnauthorizedOperation"
        ),
        "{report}"
    );
    assert!(
        report.contains("grant ec2:DescribeInstanceTypeOfferings"),
        "{report}"
    );
    // Warnings fail the run when asked to.
    let out = awscluster(&proxy.url())
        .args(["preflight", SPEC, "--deny-warnings"])
        .args(&FAST[..2])
        .output()
        .expect("awscluster runs");
    assert_eq!(out.status.code(), Some(1));
}

/// A spec with lint errors makes no AWS call.
#[test]
fn a_spec_with_errors_is_refused_before_any_call() {
    let moto = Moto::start();
    let proxy = Proxy::start(moto.port);
    let (_dir, spec) = spec_with(|s| s["nodePools"][0]["size"] = json!(2));
    let out = awscluster(&proxy.url())
        .args(["preflight", &spec])
        .args(&FAST[..2])
        .output()
        .expect("awscluster runs");
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("error-level findings"));
    assert_eq!(proxy.take_log(), Vec::new());
}

/// A snapshot records the account's quotas and usage (valid against its
/// schema); `lint --quotas` and `preflight --quotas` then judge a spec
/// by it without reading quotas, `lint` without any AWS call at all.
#[test]
fn a_quota_snapshot_stands_in_for_the_account() {
    let moto = Moto::start();
    aws(&moto, &["key-pair", "ops"]);
    aws(&moto, &["vpcs", "4"]);
    let out = awscluster(&moto.url())
        .args(["quotas", "snapshot", "--region", "us-east-1"])
        .output()
        .expect("awscluster runs");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let snapshot: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(support::root().join("schemas/quotas.schema.json"))
            .expect("schema"),
    )
    .expect("JSON");
    let validator = jsonschema::validator_for(&schema).expect("a schema");
    let errors: Vec<String> = validator
        .iter_errors(&snapshot)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(snapshot["account"], "123456789012");
    assert_eq!(
        snapshot["quotas"]["L-F678F1CE"],
        json!({"value": 5.0, "origin": "applied value in Service Quotas", "usage": 5.0})
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("quotas.json");
    std::fs::write(&file, &out.stdout).expect("write");
    let file = file.to_string_lossy().into_owned();

    // Offline: no endpoint at all.
    let out = awscluster("http://127.0.0.1:9")
        .args(["lint", SPEC, "--quotas", &file])
        .args(&FAST[..2])
        .output()
        .expect("awscluster runs");
    let report = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{report}");
    assert!(
        report
            .contains("the cluster needs 1 VPCs and the account already uses 5: 6 of a quota of 5"),
        "{report}"
    );
    assert!(
        report.contains("in the snapshot of account 123456789012 taken"),
        "{report}"
    );

    let proxy = Proxy::start(moto.port);
    let (status, findings) = {
        let out = awscluster(&proxy.url())
            .args(["preflight", SPEC, "--quotas", &file, "--format", "json"])
            .args(&FAST[..2])
            .output()
            .expect("awscluster runs");
        let report: Value = serde_json::from_slice(&out.stdout).expect("JSON");
        (out.status.code(), report["diagnostics"].clone())
    };
    assert_eq!(status, Some(1));
    assert!(
        findings
            .as_array()
            .is_some_and(|f| f.iter().any(|d| d["code"] == "quota/vpcs")),
        "{findings}"
    );
    let calls: Vec<String> = proxy.take_log().into_iter().map(|(a, _)| a).collect();
    assert!(
        !calls
            .iter()
            .any(|a| a.contains("ServiceQuota") || a == "DescribeVpcs"),
        "{calls:?}"
    );
}

/// A static spec's network is checked as AWS holds it: blocks, zones,
/// which subnets route to an internet gateway, and the tags they really
/// carry (the spec only mirrors them).
#[test]
fn a_static_network_is_checked_as_aws_holds_it() {
    let moto = Moto::start();
    aws(&moto, &["key-pair", "ops"]);
    let network = aws(&moto, &["static-network"]);
    let subnets: Vec<Value> = network["subnets"]
        .as_array()
        .expect("subnets")
        .iter()
        .map(|s| {
            json!({"id": s["id"], "availabilityZone": s["zone"], "cidr": s["cidr"], "type": s["type"], "tags": s["tags"]})
        })
        .collect();
    let spec = |subnets: &[Value]| {
        json!({
            "name": "static",
            "region": "us-east-1",
            "sshKeyName": "ops",
            "placement": {"static": {"vpcId": network["vpc"], "vpcCidr": "10.1.0.0/16", "subnets": subnets}},
            "bastion": {"allowedCidrs": ["203.0.113.0/24"], "image": "ami-04681a1dbd79675a5"},
            "nodePools": [
                {"name": "control-plane", "role": "master", "size": 1, "instanceType": "m7i.large", "image": "ami-04681a1dbd79675a5"},
                {"name": "workers", "role": "worker", "size": 2, "instanceType": "m7i.large", "image": "ami-04681a1dbd79675a5"}
            ]
        })
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("static.cluster.json");
    let path = path.to_string_lossy().into_owned();
    std::fs::write(&path, spec(&subnets).to_string()).expect("write");
    let (status, findings) = preflight(&moto.url(), &path, &[]);
    assert_eq!(status, 0, "{findings:?}");
    assert!(
        !codes(&findings)
            .iter()
            .any(|c| *c == "live/network-mismatch"
                || *c == "subnets/missing-tags"
                || *c == "live/subnet-full"),
        "{findings:?}"
    );

    // The spec misstates a block; AWS lost a tag the spec still lists.
    // (A subnet of the wrong kind is covered by the rule's unit tests.)
    let mut wrong = subnets.clone();
    wrong[0]["cidr"] = json!("10.1.32.0/20");
    let public = wrong[2]["id"].as_str().expect("id").to_string();
    aws(&moto, &["untag-subnet", &public, "kubernetes.io/role/elb"]);
    std::fs::write(&path, spec(&wrong).to_string()).expect("write");
    let (status, findings) = preflight(&moto.url(), &path, &[]);
    assert_eq!(status, 1, "{findings:?}");
    let mismatch: Vec<&str> = findings
        .iter()
        .filter(|(c, _)| c == "live/network-mismatch")
        .map(|(_, m)| m.as_str())
        .collect();
    assert_eq!(mismatch.len(), 1, "{findings:?}");
    assert!(
        mismatch[0].ends_with("has the block 10.1.0.0/20 in AWS"),
        "{mismatch:?}"
    );
    assert!(
        findings.iter().any(|(c, m)| c == "subnets/missing-tags"
            && m.contains(&public)
            && m.contains("in AWS")),
        "{findings:?}"
    );
}

/// The policies the credentials' role really has (managed, each one's
/// default version, and inline, URL-decoded as IAM returns them) go
/// through the IAM checks: what provisioning needs and they lack is
/// listed, with the statement that needs it.
#[test]
fn the_roles_real_policies_are_checked_against_what_provisioning_needs() {
    let moto = Moto::start();
    aws(&moto, &["key-pair", "ops"]);
    aws(
        &moto,
        &[
            "provisioner-role",
            &support::root()
                .join("policies/hardened/provision.json")
                .to_string_lossy(),
        ],
    );
    let (status, findings) = preflight(&moto.url(), SPEC, &[]);
    assert_eq!(status, 0, "{findings:?}");
    assert!(
        !codes(&findings).iter().any(|c| c.starts_with("iam/")),
        "{findings:?}"
    );

    let moto = Moto::start();
    aws(&moto, &["key-pair", "ops"]);
    aws(
        &moto,
        &[
            "provisioner-role",
            &support::root()
                .join("policies/controller.json")
                .to_string_lossy(),
        ],
    );
    let (status, findings) = preflight(&moto.url(), SPEC, &[]);
    assert_eq!(status, 1, "{findings:?}");
    let missing: Vec<&str> = findings
        .iter()
        .filter(|(c, _)| c == "iam/not-granted")
        .map(|(_, m)| m.as_str())
        .collect();
    assert!(
        missing.iter().any(|m| m.contains("pricing:GetProducts")),
        "{findings:?}"
    );
}

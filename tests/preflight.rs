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

/// Specs of one Region and account are summed as a fleet: each alone fits
/// the VPC quota, together they do not, and both say so with the other's
/// need. Each spec's own facts (its key pair) are its own; a spec in another
/// Region is read there and judged alone.
#[test]
fn specs_of_one_region_are_summed_as_a_fleet() {
    let moto = Moto::start();
    aws(&moto, &["key-pair", "ops"]);
    // With the default VPC, 4 of 5: room for one more.
    aws(&moto, &["vpcs", "3"]);
    let demo: Value = serde_json::from_str(
        &std::fs::read_to_string(support::root().join(SPEC)).expect("the demo spec"),
    )
    .expect("JSON");
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy(
        support::root().join("fixtures/provision/awscluster.toml"),
        dir.path().join("awscluster.toml"),
    )
    .expect("copy");
    let write = |name: &str, edit: &dyn Fn(&mut Value)| {
        let mut spec = demo.clone();
        spec["name"] = json!(name);
        edit(&mut spec);
        std::fs::write(
            dir.path().join(format!("{name}.cluster.json")),
            spec.to_string(),
        )
        .expect("write");
    };
    write("a", &|_| {});
    write("b", &|s| s["sshKeyName"] = json!("nobody"));
    write("c", &|s| {
        let text = s.to_string().replace("us-east-1", "us-west-2");
        *s = serde_json::from_str(&text).expect("JSON");
    });
    let out = awscluster(&moto.url())
        .current_dir(dir.path())
        .args(["preflight", ".", "--format", "json"])
        .output()
        .expect("awscluster runs");
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("{}\n{}", text(&out.stdout), text(&out.stderr)));
    let mut found: Vec<(String, String, String)> = report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| d["code"] != "live/could-not-check")
        .map(|d| {
            (
                d["location"]["file"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                d["code"].as_str().unwrap_or_default().to_string(),
                d["message"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    found.sort();
    let vpcs = |other: &str| {
        format!(
            "the cluster needs 1 VPCs, the run's 1 other spec in us-east-1 (./{other}.cluster.json) need 1 and the account already uses 4: 6 of a quota of 5 (applied value in Service Quotas)"
        )
    };
    let expected = [
        ("a.cluster.json", "quota/vpcs", vpcs("b")),
        (
            "b.cluster.json",
            "live/key-pair-missing",
            "there is no key pair `nobody` in us-east-1".to_string(),
        ),
        ("b.cluster.json", "quota/vpcs", vpcs("a")),
        (
            "c.cluster.json",
            "live/key-pair-missing",
            "there is no key pair `ops` in us-west-2".to_string(),
        ),
    ];
    let found: Vec<(&str, &str, &str)> = found
        .iter()
        .map(|(f, c, m)| (f.as_str(), c.as_str(), m.as_str()))
        .collect();
    let expected: Vec<(&str, &str, &str)> = expected
        .iter()
        .map(|(f, c, m)| (*f, *c, m.as_str()))
        .collect();
    assert_eq!(found, expected, "{}", text(&out.stderr));
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("Checking 2 specs against the account in us-east-1"),
        "{stderr}"
    );
}

/// The role has the seed's Controller and Deployment policies and nothing
/// else, and the emulator enforces IAM: the reads they do not grant are
/// each one `live/could-not-check` warning naming the action, the rest is
/// checked, and the run passes (warnings) unless `--deny-warnings`.
#[test]
fn a_role_with_only_the_seeds_policies_is_told_what_it_could_not_check() {
    let moto = Moto::start();
    aws(&moto, &["key-pair", "ops"]);
    let policy = |name: &str| {
        support::root()
            .join("policies")
            .join(name)
            .to_string_lossy()
            .into_owned()
    };
    aws(
        &moto,
        &[
            "provisioner-role",
            &policy("controller.json"),
            &policy("deployment.json"),
        ],
    );
    let keys = aws(&moto, &["deployer-enforced"]);
    let run = |extra: &[&str]| {
        let out = awscluster(&moto.url())
            .env(
                "AWS_ACCESS_KEY_ID",
                keys["access_key_id"].as_str().unwrap_or_default(),
            )
            .env(
                "AWS_SECRET_ACCESS_KEY",
                keys["secret_access_key"].as_str().unwrap_or_default(),
            )
            .args(["preflight", SPEC, "--format", "json"])
            .args(&FAST[..2])
            .args(extra)
            .output()
            .expect("awscluster runs");
        let report: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|_| panic!("{}\n{}", text(&out.stdout), text(&out.stderr)));
        (out.status.code(), report, text(&out.stderr))
    };
    let (status, report, stderr) = run(&[]);
    let findings = report["diagnostics"].as_array().expect("diagnostics");
    let helps: Vec<&str> = findings
        .iter()
        .filter(|d| d["code"] == "live/could-not-check")
        .filter_map(|d| d["help"].as_str())
        .collect();
    for action in [
        "ec2:DescribeInstanceTypeOfferings",
        "ec2:DescribeInstanceTypes",
        "servicequotas:GetServiceQuota",
        // The inline policies' list comes before any document.
        "iam:ListRolePolicies",
    ] {
        assert!(
            helps.iter().any(|h| h.contains(action)),
            "no could-not-check for {action}: {helps:?}\n{stderr}"
        );
    }
    assert!(
        findings
            .iter()
            .all(|d| d["severity"] != "error" || d["code"] != "live/could-not-check"),
        "warnings, not errors"
    );
    assert!(
        stderr.contains("assumed-role/ProvisionerRole"),
        "the role was assumed: {stderr}"
    );
    assert_eq!(status, Some(0), "{findings:?}");
    let (status, _, _) = run(&["--deny-warnings"]);
    assert_eq!(status, Some(1));
}

//! Helpers for rule tests: a valid spec to start from, and linting it.

use std::sync::Arc;

use serde_json::{Value, json};

use crate::diagnostic::Diagnostic;
use crate::rules::{Rule, Settings};
use crate::source::SourceFile;

/// The seed guide's default cluster: three AZs, three masters, one worker
/// pool. It passes every rule (see the test below for its two notes).
pub fn base() -> Value {
    json!({
        "name": "prod-east",
        "region": "us-east-1",
        "sshKeyName": "ops",
        "placement": {"dynamic": {
            "vpcCidr": "10.0.0.0/16",
            "availabilityZones": ["us-east-1a", "us-east-1b", "us-east-1c"]
        }},
        "bastion": {"instanceType": "t3.micro", "allowedCidrs": ["203.0.113.0/24"]},
        "nodePools": [
            {"name": "control-plane", "role": "master", "size": 3, "instanceType": "m7i.large"},
            {"name": "workers", "role": "worker", "size": 3, "instanceType": "m7i.large"}
        ]
    })
}

/// A static-placement variant of [`base`], with correctly tagged subnets.
pub fn base_static() -> Value {
    let public_tags = json!({
        "kubernetes.io/role/elb": "1",
        "sigs.k8s.io/cluster-api-provider-aws/role": "public",
        "kubernetes.io/cluster/prod-east": "shared",
        "sigs.k8s.io/cluster-api-provider-aws/cluster/prod-east": "owned"
    });
    let private_tags = json!({
        "kubernetes.io/role/internal-elb": "1",
        "kubernetes.io/cluster/prod-east": "shared"
    });
    let mut spec = base();
    spec["placement"] = json!({"static": {
        "vpcId": "vpc-0a1b2c3d4e5f67890",
        "vpcCidr": "10.1.0.0/16",
        "subnets": [
            {"id": "subnet-0000000000000000a", "availabilityZone": "us-east-1a", "cidr": "10.1.0.0/20", "type": "public", "tags": public_tags},
            {"id": "subnet-0000000000000000b", "availabilityZone": "us-east-1a", "cidr": "10.1.64.0/18", "type": "private", "tags": private_tags},
            {"id": "subnet-0000000000000000c", "availabilityZone": "us-east-1b", "cidr": "10.1.16.0/20", "type": "public", "tags": public_tags},
            {"id": "subnet-0000000000000000d", "availabilityZone": "us-east-1b", "cidr": "10.1.128.0/18", "type": "private", "tags": private_tags}
        ]
    }});
    spec["nodePools"][0]["availabilityZones"] = json!(["us-east-1a", "us-east-1b"]);
    spec
}

/// `base()` changed by `edit`.
pub fn with(edit: impl FnOnce(&mut Value)) -> Value {
    let mut spec = base();
    edit(&mut spec);
    spec
}

pub fn lint_text(path: &str, text: &str) -> Vec<Diagnostic> {
    lint_text_with(path, text, &Settings::default())
}

pub fn lint_text_with(path: &str, text: &str, settings: &Settings) -> Vec<Diagnostic> {
    let file = Arc::new(SourceFile::new(path, text.to_string()));
    crate::run::spec::check_spec(&file, settings, &Default::default())
}

pub fn lint(spec: &Value) -> Vec<Diagnostic> {
    lint_text(
        "spec.json",
        &serde_json::to_string_pretty(spec).expect("serializable"),
    )
}

/// The findings of `rule` on `spec`.
pub fn findings(rule: &Rule, spec: &Value) -> Vec<Diagnostic> {
    lint(spec)
        .into_iter()
        .filter(|d| d.rule.code == rule.code)
        .collect()
}

/// The findings of `rule` on `spec` against a live account's facts.
pub fn findings_with(rule: &Rule, spec: &Value, live: crate::live::Live) -> Vec<Diagnostic> {
    let settings = Settings {
        quotas: live.quotas.clone(),
        live: Some(live),
        ..Settings::default()
    };
    let text = serde_json::to_string_pretty(spec).expect("serializable");
    lint_text_with("spec.json", &text, &settings)
        .into_iter()
        .filter(|d| d.rule.code == rule.code)
        .collect()
}

/// Asserts that `rule` fires on `spec` and returns its findings.
#[track_caller]
pub fn fires(rule: &Rule, spec: &Value) -> Vec<Diagnostic> {
    let found = findings(rule, spec);
    assert!(
        !found.is_empty(),
        "{} did not fire; findings: {:#?}",
        rule.code,
        summarize(&lint(spec))
    );
    found
}

/// Asserts that `rule` stays quiet on `spec`.
#[track_caller]
pub fn quiet(rule: &Rule, spec: &Value) {
    let found = findings(rule, spec);
    assert!(
        found.is_empty(),
        "{} fired: {:#?}",
        rule.code,
        summarize(&found)
    );
}

/// The source text the finding's primary label underlines.
pub fn at(diagnostic: &Diagnostic) -> &str {
    let label = diagnostic.primary();
    label.file.text_at(label.span)
}

pub fn summarize(diagnostics: &[Diagnostic]) -> Vec<String> {
    diagnostics
        .iter()
        .map(|d| {
            format!(
                "{} {}: {} [at {:?}]",
                d.severity,
                d.rule.code,
                d.message,
                at(d)
            )
        })
        .collect()
}

/// The bases are clean, but for two notes: the vCPUs they need of a new
/// account's quota, and the images they do not name (provisioning needs
/// them, linting does not).
#[test]
fn the_bases_are_clean_apart_from_notes_for_provisioning() {
    for spec in [base(), base_static()] {
        let found: Vec<_> = lint(&spec)
            .into_iter()
            .filter(|d| !["quota/unverified", "provision/missing-image"].contains(&d.rule.code))
            .collect();
        assert!(found.is_empty(), "{:#?}", summarize(&found));
    }
}

/// A spec as the tests write it: pretty JSON.
pub fn spec_text(spec: &Value) -> String {
    serde_json::to_string_pretty(spec).expect("json")
}

/// `text` (of a spec file named `name`) fixed by `rule`'s fixes, the
/// unsafe ones too when `unsafe_too`; see [`crate::fix::fixed_by`].
pub fn fixed(rule: &Rule, name: &str, text: &str, unsafe_too: bool) -> String {
    let allowed = if unsafe_too {
        crate::fix::Applicability::Unsafe
    } else {
        crate::fix::Applicability::Safe
    };
    crate::fix::fixed_by(rule, name, text, allowed, &lint_text)
}

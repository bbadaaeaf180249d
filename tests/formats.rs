//! The machine-readable formats against their specifications: the JSON
//! report against `schemas/report.schema.json`, SARIF against the official
//! SARIF 2.1.0 schema and Microsoft's SARIF validator
//! (`@microsoft/sarif-multitool`, installed by `scripts/test` with npm).

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::{root, run};

fn validate(schema_path: &std::path::Path, instance: &serde_json::Value) -> Vec<String> {
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(schema_path).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    validator
        .iter_errors(instance)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

#[test]
fn json_reports_follow_their_schema() {
    for args in [
        &["lint", "fixtures/clusters", "--format", "json"][..],
        &[
            "lint",
            "fixtures/clusters/default.cluster.json",
            "--format",
            "json",
            "-A",
            "all",
        ][..],
    ] {
        let result = run(args);
        let report: serde_json::Value = serde_json::from_str(&result.stdout).unwrap();
        let errors = validate(&root().join("schemas/report.schema.json"), &report);
        assert!(errors.is_empty(), "{errors:#?}");
    }
}

/// The validator from node_modules (or `SARIF_MULTITOOL`).
fn multitool() -> PathBuf {
    if let Some(path) = std::env::var_os("SARIF_MULTITOOL") {
        return PathBuf::from(path);
    }
    let path = root().join("node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool");
    assert!(
        path.exists(),
        "the SARIF validator is missing: run scripts/test (or `npm ci`) to install @microsoft/sarif-multitool"
    );
    path
}

fn official_sarif_schema() -> PathBuf {
    let path = multitool().with_file_name("sarif-2.1.0.json");
    assert!(path.exists(), "{} missing", path.display());
    path
}

/// Runs `Sarif.Multitool validate` and returns its error and warning lines
/// (its notes are style suggestions, such as message templates instead of
/// text, and are not asked for).
fn multitool_findings(sarif: &str) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.sarif");
    std::fs::write(&file, sarif).unwrap();
    let output = Command::new(multitool())
        .args(["validate", "--level", "Error;Warning"])
        .arg(&file)
        .env("DOTNET_CLI_TELEMETRY_OPTOUT", "1")
        .output()
        .expect("the SARIF validator runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("Analysis completed successfully"),
        "the validator failed: {stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
        .lines()
        .filter(|l| l.contains(": error ") || l.contains(": warning "))
        .map(String::from)
        .collect()
}

/// A run's SARIF passes the official schema and the validator, which must
/// have read it.
fn assert_valid_sarif(args: &[&str]) {
    let result = run(args);
    let sarif: serde_json::Value = serde_json::from_str(&result.stdout).unwrap();
    let errors = validate(&official_sarif_schema(), &sarif);
    assert!(errors.is_empty(), "{args:?}: {errors:#?}");
    assert!(!sarif["runs"][0]["results"].as_array().unwrap().is_empty());

    let findings = multitool_findings(&result.stdout);
    assert!(findings.is_empty(), "{args:?}: {findings:#?}");

    // The validator skips files it cannot read without a word; make sure it
    // read ours by breaking one thing it must then report.
    let mut canary = sarif.clone();
    canary["runs"][0]["tool"]["driver"]
        .as_object_mut()
        .unwrap()
        .remove("informationUri");
    let findings = multitool_findings(&serde_json::to_string(&canary).unwrap());
    assert!(
        findings.iter().any(|f| f.contains("SARIF2005")),
        "{findings:#?}"
    );
}

#[test]
fn sarif_passes_the_official_schema_and_validator() {
    assert_valid_sarif(&["lint", "fixtures/clusters", "--format", "sarif"]);
    // Findings with locations in several files: policies and specs.
    assert_valid_sarif(&["iam", "lint", "policies", "--format", "sarif"]);
    assert_valid_sarif(&[
        "iam",
        "check",
        "--granted",
        "policies/nodes.json",
        "--format",
        "sarif",
    ]);
}

#[test]
fn json_reports_of_the_iam_commands_follow_the_schema() {
    for args in [
        &["iam", "lint", "policies", "--format", "json"][..],
        &[
            "iam",
            "check",
            "--granted",
            "policies/nodes.json",
            "--format",
            "json",
        ][..],
    ] {
        let result = run(args);
        let report: serde_json::Value = serde_json::from_str(&result.stdout).unwrap();
        let errors = validate(&root().join("schemas/report.schema.json"), &report);
        assert!(errors.is_empty(), "{errors:#?}");
    }
}

#[test]
fn sarif_rules_carry_their_documentation() {
    let result = run(&[
        "lint",
        "fixtures/clusters/default.cluster.json",
        "--format",
        "sarif",
    ]);
    let sarif: serde_json::Value = serde_json::from_str(&result.stdout).unwrap();
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    let size = rules
        .iter()
        .find(|r| r["id"] == "pools/master-size")
        .unwrap();
    assert_eq!(
        size["shortDescription"]["text"],
        "The master pool has 1, 3 or 5 nodes."
    );
    assert!(
        size["help"]["markdown"]
            .as_str()
            .unwrap()
            .contains("## Why it matters")
    );
    let result = &sarif["runs"][0]["results"][0];
    let index = result["ruleIndex"].as_u64().unwrap() as usize;
    assert_eq!(rules[index]["id"], result["ruleId"]);
}

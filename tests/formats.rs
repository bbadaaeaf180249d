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

/// Names that need percent-encoding, and files given by absolute paths,
/// make URIs the official schema and Microsoft's validator accept.
#[test]
fn sarif_uris_of_odd_names_and_absolute_paths_are_valid() {
    let dir = tempfile::tempdir().unwrap();
    let spec = std::fs::read_to_string(
        root().join("fixtures/clusters/broken/pools/master-size.cluster.json"),
    )
    .unwrap();
    let names = [
        "a b#c?.cluster.json",
        "café 50%.cluster.json",
        "x:y.cluster.json",
    ];
    for name in names {
        std::fs::write(dir.path().join(name), &spec).unwrap();
    }
    let outside = tempfile::tempdir().unwrap();
    let absolute = outside.path().join("far away#1.cluster.json");
    std::fs::write(&absolute, &spec).unwrap();
    let result = common::run_in(
        dir.path(),
        &["lint", ".", absolute.to_str().unwrap(), "--format", "sarif"],
    );
    let sarif: serde_json::Value = serde_json::from_str(&result.stdout).unwrap();
    let errors = validate(&official_sarif_schema(), &sarif);
    assert!(errors.is_empty(), "{errors:#?}");
    let findings = multitool_findings(&result.stdout);
    assert!(findings.is_empty(), "{findings:#?}");
    let uris: std::collections::BTreeSet<(String, bool)> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let location = &r["locations"][0]["physicalLocation"]["artifactLocation"];
            (
                location["uri"].as_str().unwrap().to_string(),
                location.get("uriBaseId").is_some(),
            )
        })
        .collect();
    let far = format!(
        "file://{}/far%20away%231.cluster.json",
        outside.path().display()
    );
    assert!(
        uris.contains(&("a%20b%23c%3F.cluster.json".to_string(), true)),
        "{uris:?}"
    );
    assert!(
        uris.contains(&("caf%C3%A9%2050%25.cluster.json".to_string(), true)),
        "{uris:?}"
    );
    assert!(
        uris.contains(&("x%3Ay.cluster.json".to_string(), true)),
        "{uris:?}"
    );
    assert!(uris.contains(&(far, false)), "{uris:?}");
}

/// One finding's position, as each format states it.
#[derive(Debug, PartialEq, Clone)]
struct Position {
    file: String,
    line: u64,
    column: u64,
}

fn positions(dir: &std::path::Path, args: &[&str]) -> [Vec<Position>; 4] {
    let run = |format: &str| {
        let mut all = args.to_vec();
        all.extend(["--format", format]);
        common::run_in(dir, &all).stdout
    };
    let json: serde_json::Value = serde_json::from_str(&run("json")).unwrap();
    let from_json = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| Position {
            file: d["location"]["file"].as_str().unwrap().to_string(),
            line: d["location"]["start"]["line"].as_u64().unwrap(),
            column: d["location"]["start"]["column"].as_u64().unwrap(),
        })
        .collect();
    let sarif: serde_json::Value = serde_json::from_str(&run("sarif")).unwrap();
    let from_sarif = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let l = &r["locations"][0]["physicalLocation"];
            Position {
                file: l["artifactLocation"]["uri"].as_str().unwrap().to_string(),
                line: l["region"]["startLine"].as_u64().unwrap(),
                column: l["region"]["startColumn"].as_u64().unwrap(),
            }
        })
        .collect();
    let field = |line: &str, name: &str| -> String {
        let (_, rest) = line.trim_start_matches("::").split_once(' ').unwrap();
        let (properties, _) = rest.split_once("::").unwrap();
        properties
            .split(',')
            .find_map(|p| p.strip_prefix(&format!("{name}=")))
            .unwrap()
            .to_string()
    };
    let from_github = run("github")
        .lines()
        .map(|l| Position {
            file: field(l, "file"),
            line: field(l, "line").parse().unwrap(),
            column: field(l, "col").parse().unwrap(),
        })
        .collect();
    let from_human = run("human")
        .lines()
        .filter(|l| l.trim_start().starts_with("╭─["))
        .map(|l| {
            let inner = l
                .trim_start()
                .trim_start_matches("╭─[")
                .trim_end_matches(']');
            let mut parts = inner.rsplitn(3, ':');
            let column = parts.next().unwrap().parse().unwrap();
            let line = parts.next().unwrap().parse().unwrap();
            Position {
                file: parts.next().unwrap().to_string(),
                line,
                column,
            }
        })
        .collect();
    [from_json, from_sarif, from_github, from_human]
}

/// Every format states the same line and column for each finding: lines
/// end at LF and CRLF (a lone CR is a character), columns count code
/// points, whatever precedes the finding on its line.
#[test]
fn every_format_reports_the_same_positions() {
    let dir = tempfile::tempdir().unwrap();
    let spec = std::fs::read_to_string(
        root().join("fixtures/clusters/broken/pools/master-size.cluster.json"),
    )
    .unwrap();
    let variants = [
        ("lf.cluster.json", spec.clone()),
        ("crlf.cluster.json", spec.replace('\n', "\r\n")),
        ("cr.cluster.json", spec.replace("\n", "\r")),
        (
            "wide.cluster.json",
            spec.replace("\"size\": 2", "\"éé☕☕\": 0, \"size\": 2"),
        ),
    ];
    for (name, text) in &variants {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let [json, sarif, github, human] = positions(dir.path(), &["lint", "."]);
    assert!(json.len() >= variants.len());
    assert_eq!(json, github);
    let without_file =
        |v: &[Position]| -> Vec<(u64, u64)> { v.iter().map(|p| (p.line, p.column)).collect() };
    assert_eq!(without_file(&json), without_file(&sarif));
    // The human format shows one header per finding with an excerpt.
    let primaries: Vec<&Position> = json.iter().filter(|p| human.contains(p)).collect();
    assert_eq!(primaries.len(), human.len(), "{human:?} vs {json:?}");
    // The master pool's size, at the same place in LF and CRLF files; on
    // line 1 of the file whose lines are broken by lone CRs.
    let size = |file: &str| {
        json.iter()
            .filter(|p| p.file == file)
            .map(|p| (p.line, p.column))
            .collect::<Vec<_>>()
    };
    assert_eq!(size("lf.cluster.json"), size("crlf.cluster.json"));
    assert!(size("cr.cluster.json").iter().all(|(line, _)| *line == 1));
    // SARIF's offsets count code points, as its `columnKind` says: on the
    // line with `éé☕☕` before the finding, they are the bytes' count less
    // what the multibyte characters take beyond one each.
    let sarif = common::run_in(
        dir.path(),
        &["lint", "wide.cluster.json", "--format", "sarif"],
    )
    .stdout;
    let json = common::run_in(
        dir.path(),
        &["lint", "wide.cluster.json", "--format", "json"],
    )
    .stdout;
    let sarif: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    let text = &variants[3].1;
    for (r, d) in sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .zip(json["diagnostics"].as_array().unwrap())
    {
        let bytes = d["location"]["offset"].as_u64().unwrap() as usize;
        let chars = text[..bytes].chars().count() as u64;
        assert_eq!(
            r["locations"][0]["physicalLocation"]["region"]["charOffset"],
            chars
        );
    }
}

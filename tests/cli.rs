//! The command line, end to end: the real binary on the fixtures, with
//! every output format snapshotted.

mod common;

use std::fs;

use common::{root, run, run_in};

/// Command-line cases as data: a name (the snapshot's), the arguments, and
/// the exit status expected. Paths are relative to the repository root.
const CASES: &[(&str, &[&str], i32)] = &[
    (
        "lint_default",
        &["lint", "fixtures/clusters/default.cluster.json"],
        0,
    ),
    (
        "lint_static_yaml",
        &["lint", "fixtures/clusters/static.cluster.yaml"],
        0,
    ),
    (
        "lint_spot_gpu",
        &["lint", "fixtures/clusters/spot-gpu.cluster.json"],
        0,
    ),
    ("format_human", &["lint", "fixtures/clusters"], 1),
    (
        "format_json",
        &["lint", "fixtures/clusters", "--format", "json"],
        1,
    ),
    (
        "format_sarif",
        &["lint", "fixtures/clusters", "--format", "sarif"],
        1,
    ),
    (
        "format_github",
        &["lint", "fixtures/clusters", "--format", "github"],
        1,
    ),
    (
        "deny_warnings",
        &[
            "lint",
            "fixtures/clusters/default.cluster.json",
            "--deny-warnings",
        ],
        1,
    ),
    (
        "allow_quota_group",
        &[
            "lint",
            "fixtures/clusters/default.cluster.json",
            "-A",
            "quota",
            "--deny-warnings",
        ],
        0,
    ),
    (
        "deny_then_allow_last_wins",
        &[
            "lint",
            "fixtures/clusters/broken/pools/single-master.cluster.json",
            "-D",
            "pools/single-master",
            "-A",
            "all",
        ],
        0,
    ),
    (
        "allow_then_deny_last_wins",
        &[
            "lint",
            "fixtures/clusters/broken/pools/single-master.cluster.json",
            "-A",
            "all",
            "-D",
            "pools/single-master",
        ],
        1,
    ),
    (
        "unknown_rule_flag",
        &[
            "lint",
            "fixtures/clusters/default.cluster.json",
            "-A",
            "pools/master-sise",
        ],
        2,
    ),
    (
        "missing_path",
        &["lint", "fixtures/clusters/nope.cluster.json"],
        2,
    ),
    ("bad_flag", &["lint", "--formt", "json"], 2),
    ("bad_format_value", &["lint", "--format", "xml"], 2),
    ("rules", &["rules"], 0),
    ("rules_markdown", &["rules", "--format", "markdown"], 0),
    ("explain", &["explain", "pools/master-size"], 0),
    ("explain_unknown", &["explain", "pools/master-sise"], 2),
    ("schema_config", &["schema", "config"], 0),
];

#[test]
fn cases() {
    for (name, args, expected) in CASES {
        let result = run(args);
        assert_eq!(result.code, *expected, "{name}: {}", result.transcript());
        insta::assert_snapshot!(*name, result.transcript());
    }
}

#[test]
fn schema_prints_the_checked_in_cluster_schema() {
    let result = run(&["schema"]);
    assert_eq!(result.code, 0);
    assert_eq!(
        result.stdout,
        fs::read_to_string(root().join("schemas/cluster.schema.json")).unwrap()
    );
}

/// Every broken fixture reports the rule its path names
/// (`broken/<group>/<name>.cluster.*` reports `<group>/<name>`), every rule
/// but the configuration's has one, and each one's human output is
/// snapshotted, positions included.
#[test]
fn each_broken_fixture_triggers_its_rule() {
    let broken = root().join("fixtures/clusters/broken");
    let mut covered = Vec::new();
    let mut fixtures: Vec<_> = fs::read_dir(&broken)
        .unwrap()
        .flat_map(|group| fs::read_dir(group.unwrap().path()).unwrap())
        .map(|f| f.unwrap().path())
        .collect();
    fixtures.sort();
    for path in fixtures {
        let relative = path
            .strip_prefix(root())
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        let group = path
            .parent()
            .unwrap()
            .file_name()
            .unwrap()
            .to_str()
            .unwrap();
        let name = path
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .split(".cluster.")
            .next()
            .unwrap();
        let code = format!("{group}/{name}");

        let json = run(&["lint", &relative, "--format", "json"]);
        let report: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
        let codes: Vec<&str> = report["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["code"].as_str().unwrap())
            .collect();
        assert!(
            codes.contains(&code.as_str()),
            "{relative} should report {code}, reports {codes:?}"
        );
        covered.push(code.clone());

        let human = run(&["lint", &relative]);
        insta::assert_snapshot!(format!("broken__{group}__{name}"), human.transcript());
    }
    let rules = run(&["rules", "--format", "json"]);
    let rules: serde_json::Value = serde_json::from_str(&rules.stdout).unwrap();
    for rule in rules.as_array().unwrap() {
        let code = rule["code"].as_str().unwrap();
        if !code.starts_with("config/") && !code.starts_with("quota/") {
            assert!(
                covered.iter().any(|c| c == code),
                "no broken fixture for {code}"
            );
        }
    }
}

/// A scratch directory with an `awscluster.toml` and specs in it.
fn scratch(config: &str, specs: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    if !config.is_empty() {
        fs::write(dir.path().join("awscluster.toml"), config).unwrap();
    }
    for (name, text) in specs {
        let path = dir.path().join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
    dir
}

fn fixture(name: &str) -> String {
    fs::read_to_string(root().join("fixtures/clusters").join(name)).unwrap()
}

#[test]
fn config_is_found_upward_and_applies_severities_quotas_and_ignores() {
    let single_az = fixture("broken/network/single-az.cluster.yaml");
    let dir = scratch(
        r#"
deny-warnings = true

[rules]
"pools/single-master" = "error"

[quotas]
"L-1216C47A" = 256

[[ignore]]
rules = ["network/single-az"]
paths = ["dev/*.cluster.yaml"]
reason = "development clusters use one zone"

[[ignore]]
rules = ["tags"]
paths = ["dev/*.cluster.yaml"]
"#,
        &[
            ("dev/a.cluster.yaml", &single_az),
            ("prod/b.cluster.yaml", &single_az),
        ],
    );
    // From a subdirectory: the configuration is found upward.
    let result = run_in(
        &dir.path().join("prod"),
        &["lint", "..", "--format", "json"],
    );
    let report: serde_json::Value = serde_json::from_str(&result.stdout).unwrap();
    let found: Vec<(String, String)> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["location"]["file"].as_str().unwrap().to_string(),
                d["code"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            (
                "../awscluster.toml".to_string(),
                "config/unused-ignore".to_string()
            ),
            (
                "../prod/b.cluster.yaml".to_string(),
                "network/single-az".to_string()
            ),
        ],
        "{}",
        result.transcript()
    );
    // deny-warnings from the configuration turns the warnings into exit 1.
    assert_eq!(result.code, 1);
    insta::assert_snapshot!(
        "config_run_human",
        run_in(&dir.path().join("prod"), &["lint", ".."]).transcript()
    );
}

#[test]
fn a_broken_config_stops_the_run_at_its_line() {
    let dir = scratch(
        "[rules]\n\"pools/single-master\" = \"allow\"\n\n[quota]\nx = 1\n",
        &[("a.cluster.json", &fixture("default.cluster.json"))],
    );
    let result = run_in(dir.path(), &["lint"]);
    assert_eq!(result.code, 2);
    insta::assert_snapshot!("config_unknown_key", result.transcript());

    let dir = scratch("[rules]\n\"pools/master-sise\" = \"error\"\n", &[]);
    let result = run_in(dir.path(), &["lint"]);
    assert_eq!(result.code, 2);
    assert!(
        result.stderr.contains("did you mean `pools/master-size`?"),
        "{}",
        result.stderr
    );
}

#[test]
fn directory_walks_respect_gitignore_and_include_patterns() {
    let spec = fixture("default.cluster.json");
    let dir = scratch(
        "[files]\ninclude = [\"*.cluster.json\", \"*.spec.json\"]\n",
        &[
            (".gitignore", "generated/\n"),
            ("a.cluster.json", &spec),
            ("b.spec.json", &spec),
            ("package.json", "{}"),
            ("generated/c.cluster.json", "{ not json"),
        ],
    );
    let result = run_in(dir.path(), &["lint", "--format", "json", "-A", "quota"]);
    let report: serde_json::Value = serde_json::from_str(&result.stdout).unwrap();
    assert_eq!(report["summary"]["files"], 2, "{}", result.transcript());
    assert_eq!(result.code, 0);
}

#[test]
fn malformed_input_is_a_finding_never_a_crash() {
    let dir = scratch(
        "",
        &[
            ("binary.cluster.json", "{\"name\": \"\u{0}\u{1}\"}"),
            ("empty.cluster.yaml", ""),
            ("list.cluster.json", "[1, 2, 3]"),
            ("deep.cluster.json", &"[".repeat(100_000)),
        ],
    );
    fs::write(
        dir.path().join("latin1.cluster.json"),
        b"{\"name\": \"caf\xe9\"}",
    )
    .unwrap();
    let result = run_in(dir.path(), &["lint", "--format", "json"]);
    assert_eq!(result.code, 1, "{}", result.transcript());
    let report: serde_json::Value = serde_json::from_str(&result.stdout).unwrap();
    assert_eq!(report["summary"]["files"], 5);
    assert!(result.stderr.is_empty(), "{}", result.stderr);
    for d in report["diagnostics"].as_array().unwrap() {
        assert!(d["code"].as_str().unwrap().starts_with("spec/"), "{d}");
    }
}

#[test]
fn an_unreadable_file_exits_2_and_the_others_are_still_reported() {
    let dir = scratch(
        "",
        &[(
            "ok.cluster.json",
            &fixture("broken/pools/master-size.cluster.json"),
        )],
    );
    fs::create_dir(dir.path().join("dir.cluster.json")).unwrap();
    let result = run_in(
        dir.path(),
        &[
            "lint",
            "ok.cluster.json",
            "dir.cluster.json/",
            "nothing-here",
        ],
    );
    assert_eq!(result.code, 2, "{}", result.transcript());
    assert!(
        result.stderr.contains("`nothing-here` does not exist"),
        "{}",
        result.stderr
    );
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_awscluster"))
        .args(["lint", "fixtures/clusters", "--format", "sarif"])
        .current_dir(root())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Close the reading end at once: every write fails with EPIPE.
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    assert!(
        output.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.code() != Some(2) && output.status.code().is_some());
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let plain = run(&["lint", "fixtures/clusters/default.cluster.json"]);
    assert!(!plain.stdout.contains('\u{1b}'));
    let coloured = run(&[
        "lint",
        "fixtures/clusters/default.cluster.json",
        "--color",
        "always",
    ]);
    assert!(coloured.stdout.contains('\u{1b}'));
}

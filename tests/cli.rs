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
            "fixtures/clusters/broken/security/ssh-open-to-world.cluster.json",
            "--deny-warnings",
        ],
        1,
    ),
    // The quick start's spec raises no warning but those the permissions
    // the seed requires imply (escalation paths, service-linked roles of any
    // service): a gate with --deny-warnings that accepts those passes it.
    (
        "deny_warnings_default_is_clean",
        &[
            "lint",
            "fixtures/clusters/default.cluster.json",
            "--deny-warnings",
            "--allow",
            "iam/privilege-escalation",
            "--allow",
            "iam/service-linked-role-unscoped",
        ],
        0,
    ),
    (
        "deny_warnings_default_escalates",
        &[
            "lint",
            "fixtures/clusters/default.cluster.json",
            "--deny-warnings",
            "--format",
            "github",
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
            "-A",
            "iam/privilege-escalation",
            "-A",
            "iam/service-linked-role-unscoped",
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
    ("iam_lint_seed", &["iam", "lint", "policies"], 1),
    (
        "iam_lint_seed_json",
        &["iam", "lint", "policies", "--format", "json"],
        1,
    ),
    (
        "iam_lint_seed_sarif",
        &["iam", "lint", "policies", "--format", "sarif"],
        1,
    ),
    (
        "iam_lint_seed_github",
        &["iam", "lint", "policies", "--format", "github"],
        1,
    ),
    (
        "iam_lint_seed_as_inline_user",
        &[
            "iam",
            "lint",
            "policies/control-plane.json",
            "--as",
            "inline-user",
        ],
        1,
    ),
    (
        "iam_lint_inline_alone",
        &[
            "iam",
            "lint",
            "fixtures/policies/provisioner/control-plane.json",
            "fixtures/policies/provisioner/nodes.json",
            "--as",
            "inline-user",
        ],
        0,
    ),
    (
        "iam_lint_inline_together",
        &[
            "iam",
            "lint",
            "fixtures/policies/provisioner/control-plane.json",
            "fixtures/policies/provisioner/nodes.json",
            "--as",
            "inline-user",
            "--together",
        ],
        1,
    ),
    (
        "iam_lint_corrected",
        &["iam", "lint", "fixtures/policies/provisioner"],
        0,
    ),
    (
        "iam_check_corrected",
        &["iam", "check", "--granted", "fixtures/policies/provisioner"],
        0,
    ),
    (
        "iam_check_nodes_only",
        &["iam", "check", "--granted", "policies/nodes.json"],
        1,
    ),
    (
        "iam_check_unused",
        &[
            "iam",
            "check",
            "--granted",
            "fixtures/policies/coverage/denied.json",
            "--required",
            "fixtures/policies/coverage/required.txt",
            "--unused",
        ],
        1,
    ),
    (
        "iam_check_action_list",
        &[
            "iam",
            "check",
            "--granted",
            "fixtures/policies/coverage/granted.json",
            "--required",
            "fixtures/policies/coverage/required.txt",
        ],
        0,
    ),
    (
        "iam_check_missing_granted",
        &["iam", "check", "--granted", "fixtures/policies/nope.json"],
        2,
    ),
    ("iam_print", &["iam", "print"], 0),
    ("iam_print_one", &["iam", "print", "nodes"], 0),
    ("iam_print_unknown", &["iam", "print", "node"], 2),
    ("iam_split", &["iam", "split"], 0),
    (
        "iam_split_too_small",
        &["iam", "split", "--max-chars", "100"],
        2,
    ),
    (
        "iam_trust_policy",
        &[
            "iam",
            "trust-policy",
            "--account",
            "123456789012",
            "--external-id",
            "f3a1c2d4-7b8e-4c1a-9e2f-5d6c7b8a9e0f",
        ],
        0,
    ),
    (
        "iam_trust_policy_bad_account",
        &[
            "iam",
            "trust-policy",
            "--account",
            "1234",
            "--external-id",
            "f3a1c2d4",
        ],
        2,
    ),
    (
        "lint_with_policies",
        &[
            "lint",
            "fixtures/clusters/broken/iam/not-granted.cluster.json",
            "-A",
            "quota",
        ],
        1,
    ),
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

/// The codes a run of `args` reports, from its JSON output.
fn codes(args: &[&str]) -> Vec<String> {
    let mut args = args.to_vec();
    args.extend(["--format", "json"]);
    let result = run(&args);
    let report: serde_json::Value =
        serde_json::from_str(&result.stdout).unwrap_or_else(|_| panic!("{}", result.transcript()));
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect()
}

fn files_in(dir: &str) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = fs::read_dir(root().join(dir))
        .unwrap()
        .map(|f| f.unwrap().path())
        .collect();
    files.sort();
    files
}

fn relative(path: &std::path::Path) -> String {
    path.strip_prefix(root())
        .unwrap()
        .to_str()
        .unwrap()
        .to_string()
}

/// Every broken fixture reports the rule its path names
/// (`clusters/broken/<group>/<name>.cluster.*` and
/// `policies/broken/<name>.json` report `<group>/<name>` and `iam/<name>`,
/// `policies/coverage/<name>.json` checked against `required.txt` reports
/// `iam/<name>`); each one's human output is snapshotted, positions
/// included; and together they exercise every rule that needs no
/// configuration to fire.
#[test]
fn each_broken_fixture_triggers_its_rule() {
    let mut seen: Vec<String> = Vec::new();
    let mut expect = |code: String, args: Vec<String>, snapshot: String| {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let found = codes(&args);
        assert!(
            found.contains(&code),
            "{args:?} should report {code}, reports {found:?}"
        );
        seen.extend(found);
        insta::assert_snapshot!(snapshot, run(&args).transcript());
    };
    for group in files_in("fixtures/clusters/broken") {
        for path in files_in(&relative(&group)) {
            let group = group.file_name().unwrap().to_str().unwrap();
            let name = path
                .file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .split(".cluster.")
                .next()
                .unwrap();
            if path.extension().is_some_and(|e| e == "toml") {
                continue;
            }
            // A fixture that needs the account's quota values has them in
            // `<name>.awscluster.toml` beside it.
            let mut args = vec!["lint".into(), relative(&path)];
            let config = path.with_file_name(format!("{name}.awscluster.toml"));
            if config.exists() {
                args.extend(["--config".into(), relative(&config)]);
            }
            expect(
                format!("{group}/{name}"),
                args,
                format!("broken__{group}__{name}"),
            );
        }
    }
    // An opt-in rule's fixture turns it on.
    let listed: serde_json::Value =
        serde_json::from_str(&run(&["rules", "--format", "json"]).stdout).unwrap();
    let opt_in: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["enabled"] == false)
        .map(|r| r["code"].as_str().unwrap())
        .collect();
    for path in files_in("fixtures/policies/broken") {
        let name = path.file_stem().unwrap().to_str().unwrap();
        // A directory holds the policies of one role.
        let mut args = vec!["iam".into(), "lint".into(), relative(&path)];
        if path.is_dir() {
            args.push("--together".into());
        }
        let code = format!("iam/{name}");
        if opt_in.contains(&code.as_str()) {
            args.extend(["-W".into(), code]);
        }
        expect(format!("iam/{name}"), args, format!("policy__{name}"));
    }
    for path in files_in("fixtures/policies/coverage") {
        if path.extension().is_some_and(|e| e == "json") && !path.ends_with("granted.json") {
            let name = path.file_stem().unwrap().to_str().unwrap();
            let args = [
                "iam",
                "check",
                "--granted",
                &relative(&path),
                "--required",
                "fixtures/policies/coverage/required.txt",
            ];
            expect(
                format!("iam/{name}"),
                args.iter().map(|a| a.to_string()).collect(),
                format!("coverage__{name}"),
            );
        }
    }
    // A rule about the configuration itself is covered by its unit tests
    // and by config_is_found_upward_and_applies_severities_quotas_and_ignores.
    // `iam/unused-grant` is what `iam check --unused` reports: the
    // iam_check_unused case.
    let needs_config = ["config/unused-ignore", "iam/unused-grant"];
    let rules = run(&["rules", "--format", "json"]);
    let rules: serde_json::Value = serde_json::from_str(&rules.stdout).unwrap();
    for rule in rules.as_array().unwrap() {
        let code = rule["code"].as_str().unwrap();
        // The live rules fire only against an account: tests/preflight.rs
        // makes each fire through the emulator.
        if !needs_config.contains(&code) && !code.starts_with("live/") {
            assert!(
                seen.iter().any(|c| c == code),
                "no fixture makes {code} fire"
            );
        }
    }
}

#[test]
fn the_printed_trust_policy_passes_the_lints() {
    let dir = tempfile::tempdir().unwrap();
    let printed = run(&[
        "iam",
        "trust-policy",
        "--account",
        "123456789012",
        "--external-id",
        "f3a1c2d4",
    ]);
    fs::write(dir.path().join("trust.json"), &printed.stdout).unwrap();
    let result = run_in(dir.path(), &["iam", "lint", "trust.json"]);
    assert_eq!(result.code, 0, "{}", result.transcript());
    assert!(result.stdout.contains("no problems"), "{}", result.stdout);
}

#[test]
fn the_hardened_policies_lint_clean_with_every_rule_on() {
    // As one principal's, with the opt-in rules turned on too: no
    // escalation path, no redundancy, each under a managed policy's quota.
    let result = run(&[
        "iam",
        "lint",
        "--together",
        "-W",
        "all",
        "policies/hardened",
    ]);
    assert_eq!(result.code, 0, "{}", result.transcript());
    assert_eq!(result.stdout, "Checked 2 files: no problems.\n");
    for file in files_in("policies/hardened") {
        let text = fs::read_to_string(&file).unwrap();
        assert!(
            !text.contains("arn:aws:"),
            "{}: not partition-neutral",
            file.display()
        );
    }
}

#[test]
fn split_policies_grant_exactly_what_is_required() {
    let codes_of = |path: &str| -> std::collections::BTreeSet<String> {
        let lint = run(&["iam", "lint", path, "--format", "json"]);
        let report: serde_json::Value = serde_json::from_str(&lint.stdout).unwrap();
        report["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["code"].as_str().unwrap().to_string())
            .collect()
    };
    let inputs = codes_of("policies");
    for (max, documents) in [("6144", 2), ("4096", 2)] {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("split");
        let result = run(&[
            "iam",
            "split",
            "--max-chars",
            max,
            "--out-dir",
            out.to_str().unwrap(),
        ]);
        assert_eq!(result.code, 0, "{}", result.transcript());
        let written: Vec<_> = fs::read_dir(&out).unwrap().collect();
        assert_eq!(written.len(), documents, "{}", result.stdout);
        let check = run(&["iam", "check", "--granted", out.to_str().unwrap()]);
        assert_eq!(check.code, 0, "{}", check.transcript());
        // What is repeated, redundant or over the quota is gone: what is
        // left the seed's policies carry (an `arn:aws:` beside `arn:*:`,
        // EKS actions scoped to ARNs they do not take).
        let output = codes_of(out.to_str().unwrap());
        for gone in [
            "iam/duplicate-action",
            "iam/redundant-action",
            "iam/redundant-statement",
            "iam/policy-size",
            "iam/policy-size-near-limit",
        ] {
            assert!(!output.contains(gone), "{max}: {gone} in {output:?}");
        }
        assert!(output.is_subset(&inputs), "{output:?} not in {inputs:?}");
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
provision = "allow"

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
    let spec = fixture("spot-gpu.cluster.json");
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

/// Without the `provision` feature the provisioning commands are there,
/// and say how to get them instead of failing obscurely.
#[cfg(not(feature = "provision"))]
#[test]
fn provisioning_commands_say_how_to_install_them() {
    let commands: &[&[&str]] = &[
        &["plan", "fixtures/provision/demo.cluster.json"],
        &["apply", "fixtures/provision/demo.cluster.json", "--yes"],
        &[
            "destroy",
            "--name",
            "demo",
            "--region",
            "us-east-1",
            "--yes",
        ],
        &["status", "fixtures/provision/demo.cluster.json"],
        &["iam", "required"],
    ];
    for args in commands {
        let result = run(args);
        assert_eq!(result.code, 2, "{args:?}: {}", result.transcript());
        assert!(
            result
                .stderr
                .contains("cargo install --path . --features provision"),
            "{args:?}: {}",
            result.transcript()
        );
    }
}

/// A catalog built by `scripts/build-iam-catalog.py` from service-reference
/// files (the shape AWS publishes) replaces the built-in one with
/// `--catalog`: a service the built-in catalog lacks is known, one only the
/// built-in catalog has is not, and findings name the given catalog's date.
#[test]
fn a_catalog_built_from_the_service_reference_replaces_the_built_in_one() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = dir.path().join("catalog.txt");
    let built = std::process::Command::new("python3")
        .arg(root().join("scripts/build-iam-catalog.py"))
        .args(["--from", "fixtures/catalog/service-reference", "--out"])
        .arg(&catalog)
        .env("CATALOG_DATE", "2031-01-01")
        .current_dir(root())
        .output()
        .expect("python3 runs the builder");
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    let policy = dir.path().join("policy.json");
    fs::write(
        &policy,
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["examplefiles:CreateFileSystem", "examplefiles:ListFileSystems"], "Resource": "*"}]}"#,
    )
    .unwrap();
    let policy = policy.to_str().unwrap();
    let catalog = catalog.to_str().unwrap();
    let without = run(&["iam", "lint", policy, "--format", "json"]);
    assert!(
        without.stdout.contains("iam/unknown-service"),
        "{}",
        without.stdout
    );
    let with = run(&["iam", "lint", policy, "--catalog", catalog]);
    assert_eq!(with.code, 0, "{}", with.transcript());
    assert!(with.stdout.contains("no problems"), "{}", with.stdout);
    fs::write(
        dir.path().join("ec2.json"),
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ec2:RunInstances", "Resource": "*"}]}"#,
    )
    .unwrap();
    let ec2 = dir.path().join("ec2.json");
    let other = run(&["iam", "lint", ec2.to_str().unwrap(), "--catalog", catalog]);
    assert!(other.stdout.contains("2031-01-01"), "{}", other.stdout);
    // A file that is not a catalog is refused, saying why (exit 2).
    let refused = run(&["iam", "lint", policy, "--catalog", policy]);
    assert_eq!(refused.code, 2, "{}", refused.transcript());
    assert!(
        refused
            .stderr
            .contains("is not an IAM action catalog: it has no `V <source>` line"),
        "{}",
        refused.stderr
    );
}

/// Specs that name the same policy files report the files' findings once:
/// a repository of clusters sharing one provisioning role gets each
/// escalation path once, not once per cluster.
#[test]
fn specs_sharing_policies_report_each_policy_finding_once() {
    let one = run(&[
        "lint",
        "fixtures/clusters/default.cluster.json",
        "--format",
        "json",
    ]);
    let dir = tempfile::tempdir().unwrap();
    let policies = root().join("fixtures/policies/provisioner");
    let mut spec: serde_json::Value =
        serde_json::from_str(&fixture("default.cluster.json")).unwrap();
    spec["iam"]["policies"] = fs::read_dir(&policies)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| serde_json::Value::from(p.to_str().unwrap()))
        .collect();
    spec["iam"]["policies"]
        .as_array_mut()
        .unwrap()
        .sort_by_key(|v| v.to_string());
    for name in ["a", "b", "c"] {
        spec["name"] = name.into();
        fs::write(
            dir.path().join(format!("{name}.cluster.json")),
            spec.to_string(),
        )
        .unwrap();
    }
    let three = run_in(dir.path(), &["lint", ".", "--format", "json"]);
    let escalations = |report: &str| -> Vec<String> {
        let report: serde_json::Value = serde_json::from_str(report).unwrap();
        let mut found: Vec<String> = report["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["code"] == "iam/privilege-escalation")
            .map(|d| d["message"].as_str().unwrap().to_string())
            .collect();
        found.sort();
        found
    };
    let once = escalations(&one.stdout);
    assert!(once.len() >= 2, "{}", one.stdout);
    assert_eq!(escalations(&three.stdout), once);
}

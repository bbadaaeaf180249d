//! The linter's contract with CI, end to end: what it refuses to read,
//! how it walks directories, and an exit status that depends only on the
//! findings.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use common::{root, run, run_in};

fn binary() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_awscluster"));
    command
        .current_dir(root())
        .env_remove("COLUMNS")
        .env_remove("NO_COLOR");
    command
}

/// `awscluster lint bad/ | head -1` still exits 1: the reader closing the
/// pipe early changes nothing.
#[test]
fn a_closed_pipe_keeps_the_findings_exit_status() {
    let dir = tempfile::tempdir().unwrap();
    let broken = std::fs::read_to_string(
        root().join("fixtures/clusters/broken/pools/master-size.cluster.json"),
    )
    .unwrap();
    // Far more output than a pipe holds, so that writing fails.
    for i in 0..300 {
        std::fs::write(dir.path().join(format!("s{i}.cluster.json")), &broken).unwrap();
    }
    for format in ["human", "json", "sarif", "github"] {
        let mut child = binary()
            .args(["lint", "--format", format])
            .arg(dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        assert!(!first.is_empty());
        let output = child.wait_with_output().unwrap();
        assert_eq!(output.status.code(), Some(1), "{format}");
        assert!(
            output.stderr.is_empty(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

#[test]
fn devices_are_refused_before_anything_is_read() {
    let result = run(&["lint", "/dev/zero"]);
    assert_eq!(result.code, 2);
    assert!(
        result.stderr.contains("is a character device, not a file"),
        "{}",
        result.stderr
    );
    let result = run(&["iam", "lint", "/dev/urandom"]);
    assert_eq!(result.code, 2);
    let result = run(&["iam", "check", "--granted", "/dev/zero"]);
    assert_eq!(result.code, 2);
}

#[test]
fn files_over_the_size_limit_are_refused() {
    let result = run(&[
        "lint",
        "fixtures/clusters/default.cluster.json",
        "--max-file-size",
        "100",
    ]);
    assert_eq!(result.code, 2);
    assert!(
        result.stderr.contains("larger than the 100-byte limit"),
        "{}",
        result.stderr
    );
    let result = run(&[
        "lint",
        "fixtures/clusters/default.cluster.json",
        "--max-file-size",
        "1K",
    ]);
    assert_eq!(result.code, 2);
    assert_eq!(
        run(&[
            "lint",
            "fixtures/clusters/default.cluster.json",
            "--max-file-size",
            "2M"
        ])
        .code,
        0
    );
    assert_eq!(run(&["lint", "--max-file-size", "lots"]).code, 2);
}

/// Process substitution hands over a pipe: legitimate, and read.
#[cfg(unix)]
#[test]
fn a_named_pipe_is_read() {
    let output = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "{} lint <(cat fixtures/clusters/broken/pools/master-size.cluster.json)",
            env!("CARGO_BIN_EXE_awscluster")
        ))
        .current_dir(root())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("pools/master-size"), "{stdout}");
}

#[cfg(unix)]
#[test]
fn walks_follow_symlinks_and_report_what_they_cannot_walk() {
    let dir = tempfile::tempdir().unwrap();
    let spec = root().join("fixtures/clusters/broken/pools/master-size.cluster.json");
    std::os::unix::fs::symlink(&spec, dir.path().join("linked.cluster.json")).unwrap();
    std::os::unix::fs::symlink(dir.path(), dir.path().join("loop")).unwrap();
    let result = run_in(dir.path(), &["lint", "."]);
    // The linked spec is linted, the loop reported, and the run exits 2.
    assert!(
        result.stdout.contains("pools/master-size"),
        "{}",
        result.stdout
    );
    assert!(
        result.stdout.contains("Could not check"),
        "{}",
        result.stdout
    );
    assert!(result.stderr.contains("loops back"), "{}", result.stderr);
    assert_eq!(result.code, 2);
}

#[test]
fn a_missing_path_is_reported_and_the_others_are_linted() {
    let result = run(&[
        "lint",
        "fixtures/clusters/nope.cluster.json",
        "fixtures/clusters/broken/pools/master-size.cluster.json",
    ]);
    assert_eq!(result.code, 2);
    assert!(result.stdout.contains("pools/master-size"));
    assert!(result.stderr.contains("does not exist"));
}

/// A policy a spec names, with a list element that is not a statement
/// before the statements: a finding at that element, through the spec as
/// through `iam lint`, and no crash.
#[test]
fn a_statement_that_is_not_an_object_is_a_finding_through_a_spec() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("policy.json"),
        r#"{"Version": "2012-10-17", "Statement": ["x", {"Effect": "Allow", "Action": "ec2:DescribeVpcz", "Resource": "*"}]}"#,
    )
    .unwrap();
    let mut spec: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("fixtures/clusters/default.cluster.json")).unwrap(),
    )
    .unwrap();
    spec["iam"] = serde_json::json!({"policies": ["policy.json"]});
    std::fs::write(dir.path().join("s.cluster.json"), spec.to_string()).unwrap();
    for args in [
        &["lint", "s.cluster.json"][..],
        &["iam", "lint", "policy.json"][..],
    ] {
        let result = run_in(dir.path(), args);
        assert_eq!(result.code, 1, "{}", result.transcript());
        assert!(
            result.stdout.contains("iam/wrong-type"),
            "{}",
            result.stdout
        );
        assert!(
            result.stdout.contains("iam/unknown-action"),
            "{}",
            result.stdout
        );
        assert!(
            !result.stderr.contains("internal error"),
            "{}",
            result.stderr
        );
    }
}

/// Minified files put findings far to the right: the human format shows
/// them, with the column in the header, without panicking.
#[test]
fn findings_past_column_65536_are_shown() {
    let dir = tempfile::tempdir().unwrap();
    let mut spec: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("fixtures/clusters/default.cluster.json")).unwrap(),
    )
    .unwrap();
    spec["description"] = serde_json::json!("x".repeat(70_000));
    spec["nodePools"][0]["size"] = serde_json::json!(2);
    std::fs::write(dir.path().join("wide.cluster.json"), spec.to_string()).unwrap();
    let result = run_in(dir.path(), &["lint", "wide.cluster.json"]);
    assert_eq!(result.code, 1, "{}", result.transcript());
    let header = result
        .stdout
        .lines()
        .skip_while(|l| !l.contains("a master pool of 2 nodes"))
        .nth(1)
        .unwrap();
    let column: usize = header
        .rsplit(':')
        .next()
        .unwrap()
        .trim_end_matches(']')
        .parse()
        .unwrap();
    assert!(column > 70_000, "{header}");
    assert!(
        result.stdout.lines().all(|l| l.chars().count() < 200),
        "lines are windowed"
    );
}

/// Every problem of `awscluster.toml` is reported in one run, each at its
/// line, and the run stops (exit 2).
#[test]
fn every_configuration_problem_is_reported_at_once() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("awscluster.toml"),
        "[rules]\n\"pools/single-master\" = \"off\"\n\"quota\" = \"loud\"\n[quotas]\n\"L-1\" = 5\n",
    )
    .unwrap();
    let result = run_in(dir.path(), &["lint"]);
    assert_eq!(result.code, 2, "{}", result.transcript());
    assert_eq!(
        result.stderr.matches("config/invalid").count(),
        3,
        "{}",
        result.stderr
    );
    assert!(
        result.stderr.contains("did you mean \"allow\"?"),
        "{}",
        result.stderr
    );
    assert!(
        result.stderr.contains("awscluster.toml:2:"),
        "{}",
        result.stderr
    );
    assert!(
        result.stderr.contains("awscluster.toml:5:"),
        "{}",
        result.stderr
    );
}

/// `iam lint` in a directory takes the JSON files that are policies (a
/// top-level `Statement`, or a broken file that mentions one), says how
/// many others it skipped, and takes exactly the configured ones when
/// `[files] policies` names them; a file named on the command line is
/// linted whatever it holds.
#[test]
fn iam_lint_takes_policies_from_directories_and_says_what_it_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write(
        "iam/policy.json",
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ec2:DescribeVpcs", "Resource": "*"}]}"#,
    );
    write("iam/broken.json", r#"{"Statement": [ }"#);
    write("package.json", r#"{"name": "x", "version": "1.0.0"}"#);
    write("tsconfig.json", r#"{"compilerOptions": {}}"#);
    let result = run_in(dir.path(), &["iam", "lint"]);
    assert_eq!(result.code, 1, "{}", result.transcript());
    assert!(
        result.stdout.contains(
            "Checked 2 files: 1 error. Skipped 2 JSON files without a top-level `Statement`."
        ),
        "{}",
        result.stdout
    );
    let result = run_in(dir.path(), &["iam", "lint", "package.json"]);
    assert_eq!(result.code, 1, "{}", result.transcript());
    assert!(
        result.stdout.contains("iam/missing-element"),
        "{}",
        result.stdout
    );
    write(
        "awscluster.toml",
        "[files]\npolicies = [\"iam/policy.json\"]\n",
    );
    let result = run_in(dir.path(), &["iam", "lint"]);
    assert_eq!(result.code, 0, "{}", result.transcript());
    assert!(
        result.stdout.contains("Checked 1 file: no problems."),
        "{}",
        result.stdout
    );
}

/// The inputs that crashed, exhausted memory or took minutes, each in a
/// file of its own: every one ends with findings, within a memory bound,
/// and far within a minute (the bound is a hang's, not a benchmark's:
/// `scripts/bench.py` gives the figures).
#[cfg(unix)]
#[test]
fn hostile_sizes_end_in_findings_within_bounds() {
    use serde_json::{Value, json};
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: String| std::fs::write(dir.path().join(name), text).unwrap();
    let spec: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("fixtures/clusters/default.cluster.json")).unwrap(),
    )
    .unwrap();
    let with = |edit: &dyn Fn(&mut Value)| {
        let mut s = spec.clone();
        s.as_object_mut().unwrap().remove("iam");
        edit(&mut s);
        s.to_string()
    };
    // 100,000 tags (duplicate-key and tag checks were quadratic).
    write(
        "tags.cluster.json",
        with(&|s| {
            s["tags"] = Value::Object(
                (0..100_000)
                    .map(|i| (format!("key-{i:06}"), json!("v")))
                    .collect(),
            )
        }),
    );
    // A 1 MB value where a did-you-mean is looked for.
    write(
        "value.cluster.json",
        with(&|s| s["nodePools"][1]["instanceType"] = json!("x".repeat(1_000_000))),
    );
    // 10,000 pools on one line (the human format aborted).
    write(
        "pools.cluster.json",
        with(&|s| {
            s["nodePools"] = Value::Array(
                (0..10_000)
                    .map(|i| json!({"name": format!("p{i}"), "role": "worker", "size": 1, "instanceType": "m7i.large"}))
                    .collect(),
            )
        }),
    );
    // Anchors nested on every level, and no alias (memory grew without
    // bound).
    let mut yaml = String::new();
    for depth in 0..120 {
        yaml.push_str(&"  ".repeat(depth));
        yaml.push_str(&format!("k{depth}: &a{depth}\n"));
        for i in 0..300 {
            yaml.push_str(&"  ".repeat(depth + 1));
            yaml.push_str(&format!("v{i}: {i}\n"));
        }
    }
    write("anchors.cluster.yaml", yaml);
    // 10,000 statements (the redundancy analysis was quadratic or worse).
    let statements: Vec<Value> = (0..10_000)
        .map(|i| {
            json!({"Effect": "Allow", "Action": ["ec2:DescribeVpcs", format!("s3:Get{}*", i % 50)],
                   "Resource": format!("arn:aws:s3:::bucket-{}/*", i % 100)})
        })
        .collect();
    write(
        "statements.json",
        json!({"Version": "2012-10-17", "Statement": statements}).to_string(),
    );
    // Two long wildcard patterns against each other (iam check allocated
    // gigabytes).
    let long = format!("arn:aws:s3:::{}*", "a?".repeat(1_000));
    write(
        "granted.json",
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": long}]})
            .to_string(),
    );
    write(
        "required.txt",
        format!("s3:GetObject arn:aws:s3:::*{}\n", "?b".repeat(1_000)),
    );
    // A policy that is not UTF-8.
    std::fs::write(
        dir.path().join("latin1.json"),
        b"{\"Version\": \"2012-10-17\", \"Id\": \"caf\xe9\"}",
    )
    .unwrap();

    let cases: &[&[&str]] = &[
        &["lint", "tags.cluster.json"],
        &["lint", "value.cluster.json"],
        &["lint", "pools.cluster.json"],
        &["lint", "anchors.cluster.yaml"],
        &["iam", "lint", "statements.json"],
        &[
            "iam",
            "check",
            "--granted",
            "granted.json",
            "--required",
            "required.txt",
        ],
        &["iam", "lint", "latin1.json"],
    ];
    for args in cases {
        for format in ["human", "json", "sarif", "github"] {
            let mut all = args.to_vec();
            all.extend(["--format", format]);
            let (code, took, peak) = common::run_measured(&all, dir.path());
            assert!([0, 1].contains(&code), "{all:?}: exit {code}");
            assert!(
                took < std::time::Duration::from_secs(30),
                "{all:?}: {took:?}"
            );
            assert!(peak < 400 << 20, "{all:?}: {} MiB", peak >> 20);
        }
    }
    // The policy's bad byte is a finding at it, not silently replaced.
    let result = run_in(
        dir.path(),
        &["iam", "lint", "latin1.json", "--format", "json"],
    );
    let report: Value = serde_json::from_str(&result.stdout).unwrap();
    let first = &report["diagnostics"][0];
    assert_eq!(first["code"], "spec/syntax", "{}", result.stdout);
    assert_eq!(first["location"]["offset"], 36);
    assert_eq!(first["location"]["length"], 1);
}

/// The human format wraps to `COLUMNS`.
#[test]
fn the_human_format_wraps_to_columns() {
    let output = binary()
        .args([
            "lint",
            "fixtures/clusters/broken/pools/master-size.cluster.json",
        ])
        .env("COLUMNS", "50")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let help = stdout
        .lines()
        .skip_while(|l| !l.trim_start().starts_with("help:"));
    // A word or code span longer than a line stands alone on its line.
    for line in help.take_while(|l| !l.is_empty()) {
        let unbreakable = !line.trim_start().trim_start_matches("help: ").contains(' ');
        assert!(
            line.chars().count() <= 50 || unbreakable,
            "{line:?} in\n{stdout}"
        );
    }
    assert!(stdout.lines().any(|l| l.trim_start().starts_with("help:")));
}

/// SARIF is written as it is made: a large run needs about the memory of
/// its JSON report, not many times it.
#[cfg(unix)]
#[test]
fn sarif_of_many_files_needs_no_more_memory_than_json() {
    let dir = tempfile::tempdir().unwrap();
    let spec = std::fs::read_to_string(
        root().join("fixtures/clusters/broken/pools/master-size.cluster.json"),
    )
    .unwrap();
    for i in 0..3000 {
        std::fs::write(dir.path().join(format!("s{i}.cluster.json")), &spec).unwrap();
    }
    let peak = |format: &str| {
        let (code, _, peak) = common::run_measured(&["lint", ".", "--format", format], dir.path());
        assert_eq!(code, 1);
        peak
    };
    let (json, sarif) = (peak("json"), peak("sarif"));
    assert!(
        sarif < json + json / 2 + (8 << 20),
        "SARIF {} MiB, JSON {} MiB",
        sarif >> 20,
        json >> 20
    );
}

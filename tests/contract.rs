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

//! The command line at the prompt: completions and the man page made from
//! the argument definitions, stdin as a file, the report written to a file,
//! quiet runs and a group's rules.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use common::{root, run};

/// Each shell's completions name the subcommands and their flags; bash's
/// script is one bash accepts.
#[test]
fn completions_are_made_for_each_shell() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let result = run(&["completions", shell]);
        assert_eq!(result.code, 0, "{shell}: {}", result.stderr);
        for word in ["preflight", "lint", "stdin-filename"] {
            assert!(result.stdout.contains(word), "{shell} lacks {word}");
        }
    }
    let script = run(&["completions", "bash"]).stdout;
    let checked = Command::new("bash")
        .args(["-n", "/dev/stdin"])
        .stdin(Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            child
                .stdin
                .take()
                .expect("stdin")
                .write_all(script.as_bytes())?;
            child.wait()
        });
    if let Ok(status) = checked {
        assert!(status.success(), "bash -n refuses the script");
    }
    assert_eq!(run(&["completions", "tcsh"]).code, 2, "an unknown shell");
}

#[test]
fn the_man_page_is_roff_with_every_command() {
    let result = run(&["man"]);
    assert_eq!(result.code, 0, "{}", result.stderr);
    assert!(
        result.stdout.contains(".TH awscluster 1"),
        "{}",
        result.stdout
    );
    for command in ["lint", "explain", "completions"] {
        assert!(result.stdout.contains(command), "no {command}");
    }
}

/// Runs `awscluster args` in the repository with `input` on stdin.
fn with_stdin(args: &[&str], input: &[u8]) -> (i32, String, String) {
    with_stdin_in(&root(), args, input)
}

/// Runs `awscluster args` in `dir` with `input` on stdin: the status and
/// both streams.
fn with_stdin_in(dir: &std::path::Path, args: &[&str], input: &[u8]) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_awscluster"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input)
        .expect("written");
    let out = child.wait_with_output().expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `-` reads stdin; `--stdin-filename` names it: its format (YAML here),
/// where the policies it names are found, and the report's locations are
/// the file's, exactly as linting the file itself.
#[test]
fn stdin_is_linted_under_the_name_given() {
    let path = "fixtures/clusters/static.cluster.yaml";
    let text = std::fs::read(root().join(path)).expect("fixture");
    let from_file = run(&["lint", path, "--format", "json"]);
    let (code, stdout, stderr) = with_stdin(
        &["lint", "-", "--stdin-filename", path, "--format", "json"],
        &text,
    );
    assert_eq!(
        (code, stdout),
        (from_file.code, from_file.stdout),
        "{stderr}"
    );
    // Without a name: `-`, read as JSON.
    let (code, stdout, _) = with_stdin(&["lint", "-"], b"{\"name\": ");
    assert_eq!(code, 1);
    assert!(
        stdout.contains("spec/syntax") && stdout.contains("[-:1:"),
        "{stdout}"
    );
    // Policies too.
    let (code, stdout, _) = with_stdin(
        &["iam", "lint", "-", "--stdin-filename", "p.json"],
        br#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["ec2:DescribeVpcs", "ec2:DescribeVpcs"], "Resource": "*"}]}"#,
    );
    assert_eq!(code, 0, "{stdout}");
    assert!(
        stdout.contains("iam/duplicate-action") && stdout.contains("p.json:1:"),
        "{stdout}"
    );
}

/// `--output FILE` gets the whole report, stdout nothing, the status is
/// the findings'; an unwritable file is the tool's failure.
#[test]
fn the_report_goes_to_the_file_given() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("report.sarif");
    let file = file.to_str().expect("utf-8");
    let direct = run(&["lint", "fixtures/clusters", "--format", "sarif"]);
    let result = run(&["lint", "fixtures/clusters", "--format", "sarif", "-o", file]);
    assert_eq!(result.code, direct.code);
    assert_eq!(result.stdout, "");
    assert_eq!(
        std::fs::read_to_string(file).expect("written"),
        direct.stdout
    );
    let unwritable = run(&[
        "lint",
        "fixtures/clusters",
        "--output",
        "/nonexistent/dir/report.json",
    ]);
    assert_eq!(unwritable.code, 2);
    assert!(
        unwritable.stderr.contains("cannot write the report"),
        "{}",
        unwritable.stderr
    );
}

/// `--quiet`: the summary alone, and nothing at all for a clean run.
#[test]
fn quiet_says_only_the_summary_or_nothing() {
    let found = run(&["lint", "fixtures/clusters", "-q"]);
    assert_eq!(found.code, 1);
    assert_eq!(found.stdout.lines().count(), 1, "{}", found.stdout);
    assert!(found.stdout.starts_with("Checked "), "{}", found.stdout);
    let dir = tempfile::tempdir().expect("tempdir");
    let clean = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ec2:DescribeVpcs", "Resource": "*"}]}"#;
    std::fs::write(dir.path().join("p.json"), clean).expect("write");
    let quiet = common::run_in(dir.path(), &["iam", "lint", "p.json", "--quiet"]);
    assert_eq!(
        (quiet.code, quiet.stdout.as_str()),
        (0, ""),
        "{}",
        quiet.stderr
    );
}

#[test]
fn explain_lists_a_groups_rules() {
    let result = run(&["explain", "quota"]);
    assert_eq!(result.code, 0);
    assert!(result.stdout.contains("quota/vpcs") && result.stdout.contains("quota/near-limit"));
    assert!(!result.stdout.contains("pools/"));
    let typo = run(&["explain", "quot"]);
    assert_eq!(typo.code, 2);
    assert!(
        typo.stderr.contains("did you mean `quota`?"),
        "{}",
        typo.stderr
    );
}

/// `init` writes a spec that lints without error or warning, from flags
/// or from answers, and never overwrites a file unless forced.
#[test]
fn init_writes_a_clean_spec_and_keeps_what_exists() {
    let dir = tempfile::tempdir().expect("tempdir");
    let at = |args: &[&str]| common::run_in(dir.path(), args);
    let first = at(&[
        "init",
        "prod.cluster.json",
        "--name",
        "prod",
        "--region",
        "eu-west-1",
        "--masters",
        "5",
        "--spot",
        "--bastion-cidr",
        "203.0.113.0/24",
        "--no-input",
    ]);
    assert_eq!(first.code, 0, "{}", first.transcript());
    let lint = at(&[
        "lint",
        "prod.cluster.json",
        "--deny-warnings",
        "--format",
        "json",
    ]);
    assert_eq!(lint.code, 0, "{}", lint.stdout);
    let written = std::fs::read_to_string(dir.path().join("prod.cluster.json")).expect("written");
    assert!(
        written.contains("\"eu-west-1a\"") && written.contains("\"spot\""),
        "{written}"
    );
    let again = at(&["init", "prod.cluster.json", "--no-input"]);
    assert_eq!(again.code, 2);
    assert!(again.stderr.contains("--force"), "{}", again.stderr);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("prod.cluster.json")).expect("kept"),
        written
    );
    let forced = at(&["init", "prod.cluster.json", "--force", "--no-input"]);
    assert_eq!(forced.code, 0);
    assert_ne!(
        std::fs::read_to_string(dir.path().join("prod.cluster.json")).expect("replaced"),
        written
    );
    let bad = at(&[
        "init",
        "x.cluster.yaml",
        "--master-type",
        "m7i.larg",
        "--no-input",
    ]);
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr.contains("did you mean m7i.large"),
        "{}",
        bad.stderr
    );
    assert!(!dir.path().join("x.cluster.yaml").exists());
    // Answers on stdin, as a terminal would give them.
    let (code, _, stderr) = with_stdin_in(
        dir.path(),
        &["init", "--interactive"],
        b"asked\nus-west-2\nus-west-2a,us-west-2b\n1\n\n0\n\n\n",
    );
    assert_eq!(code, 0, "{stderr}");
    let asked = std::fs::read_to_string(dir.path().join("asked.cluster.yaml")).expect("written");
    assert!(
        asked.starts_with("name: \"asked\"\nregion: \"us-west-2\""),
        "{asked}"
    );
    assert!(asked.contains("allowWorkerCapability: true"), "{asked}");
}

/// `--fix` edits in place what is safe and reports what is left, saying
/// how many unsafe fixes wait; `--diff` shows them and writes nothing;
/// `--unsafe-fixes` applies them. `iam lint --fix` fixes policies.
#[test]
fn fix_applies_safe_fixes_in_place_and_unsafe_ones_on_request() {
    let dir = tempfile::tempdir().expect("tempdir");
    let spec = "# a comment that stays\nname: demo\nregion: us-east-1\nsshKeyName: ops\nplacement:\n  dynamic:\n    vpcCidr: 10.0.7.0/16   # host bits\n    availabilityZones: [us-east-1a, us-east-1b, us-east-1c]\nnodePools:\n  - name: cp\n    role: master\n    size: 4\n    allowWorkerCapability: true\n    instanceType: m7i.large\n";
    let path = dir.path().join("demo.cluster.yaml");
    std::fs::write(&path, spec).expect("write");
    let at = |args: &[&str]| common::run_in(dir.path(), args);
    let diff = at(&["lint", "demo.cluster.yaml", "--diff"]);
    assert_eq!(diff.code, 1, "{}", diff.transcript());
    assert!(
        diff.stdout.contains(
            "-    vpcCidr: 10.0.7.0/16   # host bits\n+    vpcCidr: 10.0.0.0/16   # host bits\n"
        ),
        "{}",
        diff.stdout
    );
    assert_eq!(
        std::fs::read_to_string(&path).expect("read"),
        spec,
        "--diff writes nothing"
    );
    let fixed = at(&["lint", "demo.cluster.yaml", "--fix"]);
    assert_eq!(
        fixed.code,
        1,
        "the master size is left: {}",
        fixed.transcript()
    );
    assert!(
        fixed.stderr.contains("Fixed 1 finding in 1 file."),
        "{}",
        fixed.stderr
    );
    assert!(
        fixed
            .stderr
            .contains("1 finding more can be fixed with --unsafe-fixes"),
        "{}",
        fixed.stderr
    );
    assert!(
        fixed.stdout.contains("pools/master-size")
            && !fixed.stdout.contains("network/cidr-host-bits"),
        "{}",
        fixed.stdout
    );
    assert_eq!(
        std::fs::read_to_string(&path).expect("read"),
        spec.replace("10.0.7.0/16", "10.0.0.0/16")
    );
    // --unsafe-fixes says which fixes; alone it would do nothing.
    let alone = at(&["lint", "demo.cluster.yaml", "--unsafe-fixes"]);
    assert_eq!(alone.code, 2, "{}", alone.transcript());
    assert!(
        alone
            .stderr
            .contains("--unsafe-fixes goes with --fix or --diff"),
        "{}",
        alone.stderr
    );
    let all = at(&["lint", "demo.cluster.yaml", "--fix", "--unsafe-fixes"]);
    assert_eq!(all.code, 0, "{}", all.transcript());
    assert_eq!(
        std::fs::read_to_string(&path).expect("read"),
        spec.replace("10.0.7.0/16", "10.0.0.0/16")
            .replace("size: 4", "size: 3")
    );
    let policy = dir.path().join("p.json");
    std::fs::write(&policy, r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["ec2:DescribeVpcs", "ec2:DescribeVpcs"], "Resource": "*"}]}"#).expect("write");
    let iam = at(&["iam", "lint", "p.json", "--fix"]);
    assert_eq!(iam.code, 0, "{}", iam.transcript());
    assert_eq!(
        std::fs::read_to_string(&policy).expect("read"),
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["ec2:DescribeVpcs"], "Resource": "*"}]}"#
    );
}

/// A rule code mistyped in `awscluster.toml` stops every run; `--fix
/// --unsafe-fixes` rewrites it to the code it most likely meant (keeping the
/// file's comments and quoting), then lints the specs with the fixed file.
/// Without `--unsafe-fixes` it says the guess waits; `--diff` shows it.
#[test]
fn fix_rewrites_a_mistyped_rule_code_in_the_configuration() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = "# team settings\n[rules]\n\"pools/master-sise\" = \"allow\" # odd on purpose\n\n[[ignore]]\nrules = ['network/cidr-host-bit']\npaths = [\"*.cluster.yaml\"]\n";
    std::fs::write(dir.path().join("awscluster.toml"), config).expect("write");
    let spec = "name: demo\nregion: us-east-1\nsshKeyName: ops\nplacement:\n  dynamic:\n    vpcCidr: 10.0.7.0/16\n    availabilityZones: [us-east-1a, us-east-1b, us-east-1c]\nnodePools:\n  - name: cp\n    role: master\n    size: 2\n    allowWorkerCapability: true\n    instanceType: m7i.large\n";
    std::fs::write(dir.path().join("demo.cluster.yaml"), spec).expect("write");
    let at = |args: &[&str]| common::run_in(dir.path(), args);
    let read = |name: &str| std::fs::read_to_string(dir.path().join(name)).expect("read");

    let plain = at(&["lint", "demo.cluster.yaml"]);
    assert_eq!(plain.code, 2, "{}", plain.transcript());
    assert!(
        plain.stderr.contains("did you mean `pools/master-size`?"),
        "{}",
        plain.stderr
    );
    let safe_only = at(&["lint", "demo.cluster.yaml", "--fix"]);
    assert_eq!(safe_only.code, 2, "{}", safe_only.transcript());
    assert!(
        safe_only
            .stderr
            .contains("2 of these can be fixed with --unsafe-fixes"),
        "{}",
        safe_only.stderr
    );
    assert_eq!(
        read("awscluster.toml"),
        config,
        "--fix alone writes no guess"
    );

    let diff = at(&[
        "lint",
        "demo.cluster.yaml",
        "--fix",
        "--unsafe-fixes",
        "--diff",
    ]);
    assert_eq!(diff.code, 1, "{}", diff.transcript());
    assert!(
        diff.stdout.contains("-\"pools/master-sise\" = \"allow\" # odd on purpose\n+\"pools/master-size\" = \"allow\" # odd on purpose\n"),
        "{}",
        diff.stdout
    );
    assert_eq!(read("awscluster.toml"), config, "--diff writes nothing");

    let fixed = at(&["lint", "demo.cluster.yaml", "--fix", "--unsafe-fixes"]);
    assert_eq!(fixed.code, 0, "{}", fixed.transcript());
    assert_eq!(
        read("awscluster.toml"),
        config
            .replace("master-sise", "master-size")
            .replace("cidr-host-bit'", "cidr-host-bits'")
    );
    assert!(
        fixed.stderr.contains("Fixed 2 findings in 1 file."),
        "{}",
        fixed.stderr
    );
    assert_eq!(
        read("demo.cluster.yaml"),
        spec,
        "the ignored and allowed findings are not fixed"
    );
    // A file that is not UTF-8 is left as it is: its text was read with
    // replacements.
    let bytes = b"# caf\xe9\n[rules]\n\"pools/master-sise\" = \"allow\"\n";
    std::fs::write(dir.path().join("awscluster.toml"), bytes).expect("write");
    let refused = at(&["lint", "demo.cluster.yaml", "--fix", "--unsafe-fixes"]);
    assert_eq!(refused.code, 2, "{}", refused.transcript());
    assert_eq!(
        std::fs::read(dir.path().join("awscluster.toml")).expect("read"),
        bytes
    );
}

/// A reader that stops reading (`| head`) does not change the exit status,
/// however much was left to write: `--diff` of changes beyond any buffer
/// still exits 1, and nothing is written to the file.
#[test]
fn a_closed_pipe_keeps_the_commands_exit_status() {
    let dir = tempfile::tempdir().expect("tempdir");
    let actions: Vec<String> = (0..6000)
        .map(|i| format!("    \"ec2:DescribeThing{}\"", i % 3000))
        .collect();
    let policy = format!(
        "{{\"Version\": \"2012-10-17\", \"Statement\": [{{\"Effect\": \"Allow\", \"Resource\": \"*\", \"Action\": [\n{}\n]}}]}}\n",
        actions.join(",\n")
    );
    std::fs::write(dir.path().join("p.json"), &policy).expect("write");
    let mut child = Command::new(env!("CARGO_BIN_EXE_awscluster"))
        .args(["iam", "lint", "p.json", "--diff"])
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("runs");
    drop(child.stdout.take());
    let status = child.wait().expect("runs");
    assert_eq!(status.code(), Some(1));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("p.json")).expect("read"),
        policy
    );
}

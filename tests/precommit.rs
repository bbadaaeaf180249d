//! The pre-commit hook, through the real `pre-commit` (PyPI, installed by
//! scripts/test into .venv): `pre-commit try-repo` on this checkout, in a
//! scratch git repository, passes a good spec and fails a bad one.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::root;

fn pre_commit() -> PathBuf {
    if let Some(path) = std::env::var_os("PRE_COMMIT") {
        return PathBuf::from(path);
    }
    let path = root().join(".venv/bin/pre-commit");
    assert!(
        path.exists(),
        "pre-commit is missing: run scripts/test to install it into .venv"
    );
    path
}

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .status()
        .unwrap();
    assert!(status.success(), "git {args:?}");
}

fn try_repo(dir: &Path, hook: &str, file: &str) -> Output {
    // pre-commit builds the hook with `cargo install`; a shared target
    // directory under target/ keeps the second build incremental.
    let target = root().join("target/pre-commit");
    // The system hook finds the binary under test on PATH.
    let bin = Path::new(env!("CARGO_BIN_EXE_awscluster"))
        .parent()
        .expect("the binary's directory")
        .to_path_buf();
    let path = std::env::join_paths(std::iter::once(bin).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .expect("PATH");
    Command::new(pre_commit())
        .args([
            "try-repo",
            root().to_str().unwrap(),
            hook,
            "--verbose",
            "--files",
            file,
        ])
        .env("PATH", path)
        .current_dir(dir)
        .env("PRE_COMMIT_HOME", root().join("target/pre-commit-home"))
        .env("CARGO_TARGET_DIR", target)
        .env_remove("GIT_DIR")
        .env_remove("GIT_INDEX_FILE")
        .output()
        .unwrap()
}

/// A scratch repository with a good and a bad spec, added.
fn scratch() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = root().join("fixtures/clusters");
    std::fs::copy(
        fixtures.join("spot-gpu.cluster.json"),
        dir.path().join("good.cluster.json"),
    )
    .unwrap();
    std::fs::copy(
        fixtures.join("broken/pools/master-size.cluster.json"),
        dir.path().join("bad.cluster.json"),
    )
    .unwrap();
    git(dir.path(), &["init", "-q"]);
    git(dir.path(), &["add", "."]);
    dir
}

#[test]
fn the_hook_passes_good_specs_and_fails_bad_ones() {
    passes_good_and_fails_bad("awscluster-lint");
}

/// The hook that uses the installed awscluster builds nothing.
#[test]
fn the_system_hook_passes_good_specs_and_fails_bad_ones() {
    passes_good_and_fails_bad("awscluster-lint-system");
}

fn passes_good_and_fails_bad(hook: &str) {
    let dir = scratch();
    let good = try_repo(dir.path(), hook, "good.cluster.json");
    let text =
        String::from_utf8_lossy(&good.stdout).into_owned() + &String::from_utf8_lossy(&good.stderr);
    assert!(good.status.success(), "{text}");
    assert!(
        text.contains("awscluster lint") && text.contains("Passed"),
        "{text}"
    );

    let bad = try_repo(dir.path(), hook, "bad.cluster.json");
    let text =
        String::from_utf8_lossy(&bad.stdout).into_owned() + &String::from_utf8_lossy(&bad.stderr);
    assert_eq!(bad.status.code(), Some(1), "{text}");
    assert!(
        text.contains("Failed") && text.contains("pools/master-size"),
        "{text}"
    );
}

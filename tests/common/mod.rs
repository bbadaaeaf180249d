//! Running the real `awscluster` binary in tests.

#![allow(dead_code)]

pub mod rng;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The repository root: fixtures and the README are addressed from it.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Exit status and both streams, the way snapshots record a run.
    pub fn transcript(&self) -> String {
        let mut t = format!("exit: {}\n", self.code);
        if !self.stdout.is_empty() {
            t.push_str("--- stdout\n");
            t.push_str(&self.stdout);
        }
        if !self.stderr.is_empty() {
            t.push_str("--- stderr\n");
            t.push_str(&self.stderr);
        }
        t
    }
}

/// Runs `awscluster args...` in `dir` with a clean environment for output
/// (no colour, no CI-specific behaviour).
pub fn run_in(dir: &Path, args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_awscluster"))
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .env_remove("COLUMNS")
        .env_remove("CLICOLOR_FORCE")
        .stdin(Stdio::null())
        .output()
        .expect("the binary runs");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

pub fn run(args: &[&str]) -> Run {
    run_in(&root(), args)
}

/// Runs `awscluster args...` in `dir`, its output thrown away, and returns
/// its exit status (a negative signal number if killed), its wall time and
/// its peak memory in bytes.
#[cfg(unix)]
#[expect(
    clippy::zombie_processes,
    reason = "wait4 reaps the child, to read its peak memory"
)]
pub fn run_measured(args: &[&str], dir: &Path) -> (i32, std::time::Duration, u64) {
    let started = std::time::Instant::now();
    let child = Command::new(env!("CARGO_BIN_EXE_awscluster"))
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary runs");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: an all-zero rusage is valid, and wait4 is given our own
    // child and valid pointers.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(waited, pid);
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -libc::WTERMSIG(status)
    };
    (code, started.elapsed(), usage.ru_maxrss as u64 * 1024)
}

//! The provisioner's figures against moto's server, through a loopback
//! proxy that counts the requests and can add a fixed delay to each:
//!
//! - the AWS calls of a 3-zone apply from nothing, of an apply with
//!   nothing to do, of status and of destroy, and the requests any of them
//!   repeated word for word (a poll repeats by design; anything else is a
//!   call whose answer the command already had);
//! - preflight's wall time and calls with 100 ms added to every call: how
//!   many round trips deep its reads are;
//! - apply's wall time with 100 ms added to every call, beside the least
//!   time any order of the same steps could take: the longest chain of
//!   steps through the plan's dependencies, each step as long as it took
//!   in this run (its own calls and waits). Target: within 1.3x.
//!
//! `cargo bench --profile dev --features provision --bench provision`
//! (moto from `.venv`, as `scripts/test` installs it).

#[path = "../tests/support/mod.rs"]
mod support;

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use awscluster_provision::commands::{Timed, apply_timed};
use awscluster_provision::wait::Timing;
use awscluster_provision::{Format, Request, Target};
use support::{Faults, Moto, Proxy, awscluster, root, text};

const SPEC: &str = "fixtures/provision/demo.cluster.json";

/// Runs a command through the proxy: its wall time, and the requests the
/// proxy passed on (action, body).
fn measure(proxy: &Proxy, args: &[&str]) -> (Duration, Vec<(String, String)>) {
    proxy.take_log();
    let started = Instant::now();
    let mut command = awscluster(&proxy.url());
    command
        .args(args)
        .args(["--config", "fixtures/provision/awscluster.toml"]);
    if args[0] != "preflight" {
        command.args(["--poll-interval", "0.05"]);
    }
    let out = command.output().expect("awscluster runs");
    let wall = started.elapsed();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{args:?}:\n{}",
        text(&out.stderr)
    );
    (wall, proxy.take_log())
}

/// Requests made more than once word for word, by action, polls apart.
fn repeated(log: &[(String, String)]) -> String {
    let mut seen: HashMap<&(String, String), usize> = HashMap::new();
    for call in log {
        *seen.entry(call).or_default() += 1;
    }
    let mut repeats: Vec<String> = seen
        .iter()
        .filter(|(_, n)| **n > 1)
        .map(|((action, _), n)| format!("{action} x{n}"))
        .collect();
    repeats.sort();
    if repeats.is_empty() {
        "none".into()
    } else {
        repeats.join(", ")
    }
}

/// The least time the steps could take in any order: the longest chain
/// through their dependencies, each step as long as it took; with the
/// chain.
fn critical_path(timed: &Timed) -> (Duration, Vec<String>) {
    let steps = &timed.plan.steps;
    let mut finish = vec![Duration::ZERO; steps.len()];
    let mut before: Vec<Option<usize>> = vec![None; steps.len()];
    for (i, step) in steps.iter().enumerate() {
        let own = timed.outcome.timings[i].map_or(Duration::ZERO, |(start, end)| end - start);
        let last = step.after.iter().copied().max_by_key(|&a| finish[a]);
        finish[i] = last.map_or(Duration::ZERO, |a| finish[a]) + own;
        before[i] = last;
    }
    let Some(end) = (0..steps.len()).max_by_key(|&i| finish[i]) else {
        return (Duration::ZERO, Vec::new());
    };
    let mut chain = Vec::new();
    let mut at = Some(end);
    while let Some(i) = at {
        chain.push(format!("{} {}", steps[i].kind, steps[i].name));
        at = before[i];
    }
    chain.reverse();
    (finish[end], chain)
}

fn request(endpoint: &str) -> Request {
    Request {
        profile: None,
        overrides: Vec::new(),
        target: Target::Spec(root().join(SPEC)),
        config: Some(PathBuf::from("fixtures/provision/awscluster.toml")),
        endpoint_url: Some(endpoint.to_string()),
        prices: None,
        yes: true,
        format: Format::Human,
        timing: Timing {
            timeout: Duration::from_secs(60),
            poll: Duration::from_millis(50),
        },
        max_attempts: 5,
        style: awscluster_lint::report::Style::default(),
        skip_preflight: true,
    }
}

fn main() {
    std::env::set_current_dir(root()).expect("the repository root");
    // SAFETY: set before any thread is started.
    unsafe {
        std::env::set_var("AWS_ACCESS_KEY_ID", "testing");
        std::env::set_var("AWS_SECRET_ACCESS_KEY", "testing");
        std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
        std::env::remove_var("AWS_PROFILE");
    }
    let moto = Moto::start();
    // The account as the machines need it: the nodes' instance profiles.
    let setup = awscluster(&moto.url())
        .args(["account", "setup", "--yes"])
        .output()
        .expect("awscluster runs");
    assert!(setup.status.success(), "{}", text(&setup.stderr));
    support::aws(&moto, &["key-pair", "ops"]);
    let proxy = Proxy::start(moto.port);
    // moto answers Service Quotas' defaults for EC2 with an HTML 500,
    // which the SDK retries with backoff: the proxy answers them at once
    // with an error instead, as a refusal would come, so that the figures
    // are the tool's and not moto's.
    let no_defaults = || Faults {
        fail: Some((
            "GetAWSDefaultServiceQuota".into(),
            "AccessDeniedException".into(),
            usize::MAX,
        )),
        ..Faults::default()
    };
    proxy.set(no_defaults());
    // moto loads each service's code on its first call: not the
    // provisioner's time.
    measure(&proxy, &["plan", SPEC]);

    let (wall, log) = measure(&proxy, &["apply", SPEC, "--yes"]);
    println!(
        "3-zone apply from nothing (36 steps, 31 resources): {} requests, preflight, the role's STS call and discovery included, {:.2} s; repeated word for word: {}",
        log.len(),
        wall.as_secs_f64(),
        repeated(&log)
    );
    for (what, args) in [
        ("preflight", &["preflight", SPEC][..]),
        ("apply with nothing to do", &["apply", SPEC, "--yes"][..]),
        ("status", &["status", SPEC][..]),
        ("destroy", &["destroy", SPEC, "--yes"][..]),
    ] {
        let (wall, log) = measure(&proxy, args);
        println!(
            "{what}: {} requests, {:.2} s; repeated word for word: {}",
            log.len(),
            wall.as_secs_f64(),
            repeated(&log)
        );
    }

    let delay = Duration::from_millis(100);
    proxy.set(Faults {
        delay,
        ..no_defaults()
    });
    // Preflight's reads run together: its depth in round trips is its
    // wall time over the delay.
    let (wall, log) = measure(&proxy, &["preflight", SPEC]);
    println!(
        "preflight with {} ms added to each call: {} calls in {:.2} s, {:.1} round trips deep",
        delay.as_millis(),
        log.len(),
        wall.as_secs_f64(),
        wall.as_secs_f64() / delay.as_secs_f64()
    );
    let timed = apply_timed(&request(&proxy.url())).expect("apply runs");
    assert!(
        timed.outcome.failures.is_empty(),
        "{:?}",
        timed.outcome.failures
    );
    let (critical, chain) = critical_path(&timed);
    println!(
        "apply with {} ms added to each call: discovery and plan {:.2} s, then the steps {:.2} s against a critical path of {:.2} s ({:.2}x; target: at most 1.3x), {} calls",
        delay.as_millis(),
        timed.planning.as_secs_f64(),
        timed.running.as_secs_f64(),
        critical.as_secs_f64(),
        timed.running.as_secs_f64() / critical.as_secs_f64(),
        timed.calls,
    );
    println!("  the critical path: {}", chain.join(" → "));
    proxy.set(Faults::default());
    measure(&proxy, &["destroy", SPEC, "--yes"]);
}

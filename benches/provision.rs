//! The provisioner's figures against moto's server: the AWS calls a 3-zone
//! apply and its destroy make, and apply's wall time with a fixed delay
//! added to every call by a loopback proxy, beside the sum of those delays
//! (their ratio is how much of the work runs in parallel).
//!
//! `cargo bench --features provision --bench provision` (moto from
//! `.venv`, as `scripts/test` installs it).

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use support::{Faults, Moto, Proxy, awscluster, text};

const SPEC: &str = "fixtures/provision/demo.cluster.json";

/// Runs a command through the proxy; its wall time, the HTTP requests the
/// proxy saw, and the AWS calls the command counted itself.
fn measure(proxy: &Proxy, args: &[&str]) -> (Duration, usize, u64) {
    let before = proxy.calls();
    let started = Instant::now();
    let out = awscluster(&proxy.url())
        .args(args)
        .args([
            "--config",
            "fixtures/provision/awscluster.toml",
            "--poll-interval",
            "0.05",
        ])
        .output()
        .expect("awscluster runs");
    let wall = started.elapsed();
    let log = text(&out.stderr);
    assert!(out.status.success(), "{args:?}:\n{log}");
    // "apply: 31 created, 0 changed, 0 deleted in 0.3 s (57 AWS calls)"
    let calls = log
        .lines()
        .rev()
        .find_map(|l| {
            l.split('(')
                .nth(1)?
                .strip_suffix(" AWS calls)")?
                .parse()
                .ok()
        })
        .unwrap_or(0);
    (wall, proxy.calls() - before, calls)
}

fn main() {
    let moto = Moto::start();
    let proxy = Proxy::start(moto.port);
    // moto loads each service's code on its first call: not the
    // provisioner's time.
    measure(&proxy, &["plan", SPEC]);

    let (apply_wall, apply_requests, apply_calls) = measure(&proxy, &["apply", SPEC, "--yes"]);
    let (destroy_wall, destroy_requests, destroy_calls) =
        measure(&proxy, &["destroy", SPEC, "--yes"]);
    println!(
        "3-zone apply (31 resources): {apply_calls} AWS calls, discovery and plan included \
         ({apply_requests} HTTP requests with the role's STS call), {:.2} s",
        apply_wall.as_secs_f64()
    );
    println!(
        "destroy of it: {destroy_calls} AWS calls, discovery included ({destroy_requests} HTTP requests), {:.2} s",
        destroy_wall.as_secs_f64()
    );

    let delay = Duration::from_millis(100);
    proxy.set(Faults {
        delay,
        ..Faults::default()
    });
    let (wall, requests, _) = measure(&proxy, &["apply", SPEC, "--yes"]);
    let serial = delay * requests as u32;
    println!(
        "apply with {} ms added to each of its {requests} requests: {:.2} s wall, against {:.2} s of delays in sequence ({:.1}x from parallel work)",
        delay.as_millis(),
        wall.as_secs_f64(),
        serial.as_secs_f64(),
        serial.as_secs_f64() / wall.as_secs_f64()
    );
    proxy.set(Faults::default());
    measure(&proxy, &["destroy", SPEC, "--yes"]);
}

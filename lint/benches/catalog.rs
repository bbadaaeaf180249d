//! In-process timings of the IAM action catalog and the coverage engine.
//! `cargo bench -p awscluster-lint --bench catalog` prints them.

use std::time::{Duration, Instant};

use awscluster_lint::iam::catalog::catalog;
use awscluster_lint::iam::required;
use awscluster_lint::run::iam as run;

fn median(mut times: Vec<Duration>) -> f64 {
    times.sort();
    times[times.len() / 2].as_secs_f64() * 1000.0
}

fn main() {
    // Cold: the first expansion parses every service's section.
    let start = Instant::now();
    let actions = catalog().expand("*").len();
    let cold = start.elapsed().as_secs_f64() * 1000.0;
    let warm: Vec<Duration> = (0..20)
        .map(|_| {
            let start = Instant::now();
            assert_eq!(catalog().expand("*").len(), actions);
            start.elapsed()
        })
        .collect();
    println!(
        "expand `*` over the whole catalog ({actions} actions, {} services): cold {cold:.2} ms, warm median {:.2} ms (target: under 10 ms)",
        catalog().len(),
        median(warm)
    );

    let policies = run::builtin_policies();
    let requirements = run::builtin_requirements();
    let times: Vec<Duration> = (0..20)
        .map(|_| {
            let start = Instant::now();
            let verdicts = required::evaluate_all(requirements, policies);
            assert_eq!(verdicts.len(), requirements.len());
            start.elapsed()
        })
        .collect();
    println!(
        "coverage of the seed's {} requirements against the seed's policies: median {:.3} ms",
        requirements.len(),
        median(times)
    );
}

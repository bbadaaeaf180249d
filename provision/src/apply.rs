//! Runs a plan's steps: each as soon as the steps it waits for are done,
//! so independent work is in flight together (each zone's Elastic IP and
//! NAT gateway, the security groups, the load balancer beside the
//! bastion). A blocked plan is refused here too. After a failure no new
//! step starts unless the run goes on past failures (destroy), and then
//! only steps whose predecessors all succeeded; what is in flight
//! finishes. Every creation carries its tags, so a run cut off at any
//! point is picked up by the next one's discovery.

use std::collections::BTreeMap;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use futures_util::stream::{FuturesUnordered, StreamExt};

use crate::aws::clients::Clients;
use crate::aws::error::Error;
use crate::aws::wait::Timing;
use crate::plan::{Action, Plan};
use crate::progress::Progress;
use crate::resources::image::RootDevices;
use crate::resources::{Cx, Did};

/// How a run ended.
#[derive(Debug, Default)]
pub struct Outcome {
    pub created: usize,
    pub changed: usize,
    pub deleted: usize,
    pub failures: Vec<Error>,
    /// Steps never started: after a failure or an interruption, or
    /// waiting for a step that failed.
    pub not_started: usize,
    /// Stopped by Ctrl-C.
    pub interrupted: bool,
    /// Per step, when it started and ended, from the run's start (`None`
    /// for a step that did not run).
    pub timings: Vec<Option<(Duration, Duration)>>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Waiting,
    Running,
    Done,
    Failed,
}

/// Runs `plan` with `clients`. `stop` is set by Ctrl-C; `keep_going` lets
/// independent steps go on past a failure (destroy). `root_devices`: the
/// images' root devices read already (by preflight), not read again.
pub async fn run(
    clients: &Clients,
    timing: &Timing,
    plan: &Plan,
    root_devices: &BTreeMap<String, String>,
    progress: &Progress,
    stop: &AtomicBool,
    keep_going: bool,
) -> Outcome {
    let cx = Cx::new(
        clients,
        timing,
        &plan.cluster,
        &plan.refs,
        plan.fresh(),
        plan.doomed(),
        RootDevices::known(root_devices),
    );
    execute(&cx, plan, progress, stop, keep_going).await
}

/// Runs `plan` in `cx`.
pub async fn execute(
    cx: &Cx<'_>,
    plan: &Plan,
    progress: &Progress,
    stop: &AtomicBool,
    keep_going: bool,
) -> Outcome {
    let mut outcome = Outcome {
        timings: vec![None; plan.steps.len()],
        ..Outcome::default()
    };
    if let Some(step) = plan.blocked().next() {
        outcome.failures.push(Error::Spec(format!(
            "the plan is blocked: {} {}: {}",
            step.kind,
            step.name,
            step.blocked.as_deref().unwrap_or_default()
        )));
        outcome.not_started = plan.steps.len();
        return outcome;
    }
    let started = Instant::now();
    let mut states = vec![State::Waiting; plan.steps.len()];
    type Running<'f> =
        Pin<Box<dyn std::future::Future<Output = (usize, Duration, Result<Did, Error>)> + 'f>>;
    let mut running: FuturesUnordered<Running<'_>> = FuturesUnordered::new();
    loop {
        // Start whatever is ready; a step with nothing to do is done at
        // once, which may make others ready.
        let mut progressed = true;
        while progressed && !stop.load(Ordering::SeqCst) {
            progressed = false;
            for (i, step) in plan.steps.iter().enumerate() {
                if states[i] != State::Waiting
                    || !step.after.iter().all(|&a| states[a] == State::Done)
                {
                    continue;
                }
                if step.action == Action::Keep {
                    states[i] = State::Done;
                    progressed = true;
                    continue;
                }
                states[i] = State::Running;
                let label = format!("{} {}", step.kind, step.name);
                progress.start(&label);
                let began = started.elapsed();
                running.push(Box::pin(
                    async move { (i, began, step.work.run(cx, i).await) },
                ));
            }
        }
        let Some((i, began, result)) = running.next().await else {
            break;
        };
        outcome.timings[i] = Some((began, started.elapsed()));
        let step = &plan.steps[i];
        let label = format!("{} {}", step.kind, step.name);
        match result {
            Ok(Did::Nothing) => {
                states[i] = State::Done;
                progress.finish_quietly(&label);
            }
            Ok(did) => {
                states[i] = State::Done;
                // Counted as the plan showed the step, so that the summary
                // matches the plan.
                let verb = match step.action {
                    Action::Create => {
                        outcome.created += 1;
                        "created"
                    }
                    Action::Delete => {
                        outcome.deleted += 1;
                        "deleted"
                    }
                    Action::Change | Action::Keep => {
                        outcome.changed += 1;
                        "changed"
                    }
                };
                let line = match did {
                    Did::Created(id) => format!("{verb} {label} ({id})"),
                    Did::Changed(what) => format!("{verb} {label}: {what}"),
                    Did::Deleted | Did::Nothing => {
                        format!(
                            "{verb} {label} ({})",
                            step.id.as_deref().unwrap_or_default()
                        )
                    }
                };
                progress.finish(&label, &line);
            }
            Err(e) => {
                states[i] = State::Failed;
                if !keep_going {
                    stop.store(true, Ordering::SeqCst);
                }
                progress.finish(&label, &format!("FAILED {label}: {e}"));
                outcome.failures.push(e);
            }
        }
    }
    outcome.not_started = states.iter().filter(|s| **s == State::Waiting).count();
    outcome.interrupted = stop.load(Ordering::SeqCst) && outcome.failures.is_empty();
    outcome
}

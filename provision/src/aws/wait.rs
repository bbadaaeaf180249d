//! Waiting for AWS: polling until resources reach a state, many of one
//! kind with one call per poll, and retrying a delete while something
//! still holds the resource.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::aws::error::Error;

#[derive(Debug, Clone)]
pub struct Timing {
    /// How long one wait (a NAT gateway, an instance) may take.
    pub timeout: Duration,
    /// Time between two polls, and before the first.
    pub poll: Duration,
}

impl Default for Timing {
    fn default() -> Timing {
        Timing {
            timeout: Duration::from_secs(15 * 60),
            poll: Duration::from_secs(5),
        }
    }
}

/// The waits for resources of one kind. Each waiter names its resource;
/// whichever is due to poll first describes every resource then waited
/// for in one call, and the others read its answer. The first poll comes
/// one interval after the wait starts: nothing AWS creates is ready the
/// moment it answers.
pub struct Batch<S> {
    state: Mutex<BatchState<S>>,
    /// Held while one waiter polls for all.
    polling: tokio::sync::Mutex<()>,
}

struct BatchState<S> {
    /// Id → its waits: how many, and when the first started.
    waiting: BTreeMap<String, (usize, Instant)>,
    /// What the last poll saw, by id.
    seen: HashMap<String, S>,
    /// When the last poll was answered, and the ids it asked about: a
    /// wait whose id it did not ask about polls again.
    polled: Option<(Instant, Vec<String>)>,
}

impl<S> Default for Batch<S> {
    fn default() -> Batch<S> {
        Batch {
            state: Mutex::new(BatchState {
                waiting: BTreeMap::new(),
                seen: HashMap::new(),
                polled: None,
            }),
            polling: tokio::sync::Mutex::new(()),
        }
    }
}

/// Takes an id's wait out of its batch however the wait ends.
struct Waiting<'a, S> {
    batch: &'a Batch<S>,
    id: String,
}

impl<S> Drop for Waiting<'_, S> {
    fn drop(&mut self) {
        let mut state = self.batch.lock();
        if let Some((count, _)) = state.waiting.get_mut(&self.id) {
            *count -= 1;
            if *count == 0 {
                state.waiting.remove(&self.id);
            }
        }
    }
}

impl<S> Batch<S> {
    fn lock(&self) -> std::sync::MutexGuard<'_, BatchState<S>> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl<S: Clone> Batch<S> {
    /// Waits until `check` makes something of what AWS says of `id`
    /// (`None` while a poll does not show it). `describe` answers for a
    /// list of ids; ids it does not know are left out of its answer, never
    /// an error.
    pub async fn wait<T, D, Dut, C>(
        &self,
        id: &str,
        what: &str,
        timing: &Timing,
        describe: D,
        mut check: C,
    ) -> Result<T, Error>
    where
        D: Fn(Vec<String>) -> Dut,
        Dut: Future<Output = Result<HashMap<String, S>, Error>>,
        C: FnMut(Option<&S>) -> Result<Option<T>, Error>,
    {
        let started = Instant::now();
        self.lock()
            .waiting
            .entry(id.to_string())
            .or_insert((0, started))
            .0 += 1;
        let _waiting = Waiting {
            batch: self,
            id: id.to_string(),
        };
        loop {
            tokio::time::sleep(timing.poll).await;
            let current = {
                let _poll = self.polling.lock().await;
                let due = {
                    let state = self.lock();
                    let fresh = state.polled.as_ref().is_some_and(|(at, asked)| {
                        asked.iter().any(|a| a == id) && at.elapsed() < timing.poll / 2
                    });
                    (!fresh).then(|| state.waiting.keys().cloned().collect::<Vec<_>>())
                };
                if let Some(ids) = due {
                    let seen = describe(ids.clone()).await?;
                    let mut state = self.lock();
                    state.seen = seen;
                    state.polled = Some((Instant::now(), ids));
                }
                self.lock().seen.get(id).cloned()
            };
            if let Some(value) = check(current.as_ref())? {
                return Ok(value);
            }
            if started.elapsed() >= timing.timeout {
                return Err(Error::Timeout {
                    what: what.to_string(),
                    seconds: timing.timeout.as_secs(),
                });
            }
        }
    }
}

/// Runs `call`, retrying while AWS answers that something still depends
/// on the resource (`DependencyViolation`, an address still in use): what
/// was deleted a moment before, such as a load balancer's network
/// interfaces or a NAT gateway's address, takes a while to let go.
pub async fn released<T, F, Fut>(what: &str, timing: &Timing, mut call: F) -> Result<T, Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, Error>>,
{
    let started = Instant::now();
    loop {
        match call().await {
            Err(e) if is_still_in_use(&e) => {
                if started.elapsed() >= timing.timeout {
                    return Err(Error::Timeout {
                        what: format!("{what} to be free of what depends on it ({e})"),
                        seconds: timing.timeout.as_secs(),
                    });
                }
                tokio::time::sleep(timing.poll).await;
            }
            other => return other,
        }
    }
}

fn is_still_in_use(e: &Error) -> bool {
    matches!(
        e.code(),
        Some(
            "DependencyViolation"
                | "InvalidIPAddress.InUse"
                | "ResourceInUse"
                | "ResourceInUseFault"
                | "ScalingActivityInProgress"
        )
    )
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::aws::error::Certainty;

    fn quick() -> Timing {
        Timing {
            timeout: Duration::from_millis(200),
            poll: Duration::from_millis(5),
        }
    }

    fn in_use() -> Error {
        Error::Aws {
            operation: "DeleteSecurityGroup",
            resource: "g".into(),
            code: "DependencyViolation".into(),
            message: String::new(),
            certainty: Certainty::Refused,
        }
    }

    #[tokio::test]
    async fn released_retries_while_something_depends_on_it() {
        let mut calls = 0;
        let result: Result<u32, Error> = released("group g", &quick(), || {
            calls += 1;
            let n = calls;
            async move { if n < 3 { Err(in_use()) } else { Ok(n) } }
        })
        .await;
        assert_eq!(result.expect("released"), 3);

        let err = released::<(), _, _>("group g", &quick(), || async { Err(in_use()) })
            .await
            .expect_err("never released");
        assert!(err.to_string().contains("group g to be free"), "{err}");
    }

    /// Ten waits, each ready on a different poll: they share one describe
    /// per poll, and none is asked about before it started.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn waits_of_one_kind_share_each_poll() {
        let batch: Batch<u32> = Batch::default();
        let timing = Timing {
            timeout: Duration::from_secs(10),
            poll: Duration::from_millis(50),
        };
        let describes = AtomicUsize::new(0);
        let describe = |ids: Vec<String>| {
            let n = describes.fetch_add(1, Ordering::SeqCst) as u32 + 1;
            async move {
                Ok(ids
                    .into_iter()
                    .map(|id| (id, n))
                    .collect::<HashMap<String, u32>>())
            }
        };
        let waits = (0..10u32).map(|i| {
            let batch = &batch;
            let timing = &timing;
            let describe = &describe;
            async move {
                batch
                    .wait(&format!("id-{i}"), "thing", timing, describe, |seen| {
                        Ok(seen.filter(|&&poll| poll > i / 2).copied())
                    })
                    .await
            }
        });
        let results = futures_util::future::join_all(waits).await;
        assert!(results.iter().all(Result::is_ok), "{results:?}");
        let polls = describes.load(Ordering::SeqCst);
        assert!(polls <= 10, "ten waits took {polls} describe calls");
        assert!(batch.lock().waiting.is_empty());
    }

    /// A wait that starts while another's poll is in flight is not
    /// answered by that poll, which did not ask about it (a wait for a
    /// deletion would take "not in the answer" for "gone").
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_poll_answers_only_the_waits_it_asked_about() {
        let batch: Batch<u32> = Batch::default();
        let timing = Timing {
            timeout: Duration::from_secs(10),
            poll: Duration::from_millis(20),
        };
        let describe = |ids: Vec<String>| async move {
            tokio::time::sleep(Duration::from_millis(30)).await;
            Ok(ids
                .into_iter()
                .map(|id| (id, 1))
                .collect::<HashMap<String, u32>>())
        };
        let seen_by = |who: &'static str| {
            move |seen: Option<&u32>| match seen {
                Some(_) => Ok(Some(())),
                None => Err(Error::Spec(format!(
                    "{who} read a poll that did not ask about it"
                ))),
            }
        };
        let first = batch.wait("a", "a", &timing, describe, seen_by("a"));
        let second = async {
            tokio::time::sleep(Duration::from_millis(25)).await;
            batch.wait("b", "b", &timing, describe, seen_by("b")).await
        };
        let (a, b) = tokio::join!(first, second);
        assert!(a.is_ok() && b.is_ok(), "{a:?} {b:?}");
    }

    #[tokio::test]
    async fn a_wait_gives_up_naming_what_it_waited_for() {
        let batch: Batch<()> = Batch::default();
        let err = batch
            .wait(
                "nat-1",
                "NAT gateway x to be available",
                &quick(),
                |_| async { Ok(HashMap::new()) },
                |_| Ok(None::<()>),
            )
            .await
            .expect_err("never ready");
        assert!(
            err.to_string().contains("NAT gateway x to be available"),
            "{err}"
        );
        assert!(batch.lock().waiting.is_empty());
    }
}

//! Calling AWS so that a run can be cut off or half-answered at any point
//! and the next one still ends with exactly one of everything.
//!
//! - A create is retried by [`create`], not by the SDK: when its answer
//!   was lost (a broken connection, a timeout, a 5xx), AWS may have done
//!   the work, so the resource is looked for by its tags before the call
//!   is made again. Calls that take a client token are made with one
//!   token for all their attempts, which makes the retry safe on AWS even
//!   when the look comes too early to see the resource.
//! - A call about a resource created moments before is retried while AWS
//!   answers NotFound for it ([`settled`]): EC2 is eventually consistent
//!   ("Eventual consistency in the Amazon EC2 API", EC2 API reference).
//!   A NotFound about anything else (a key pair, an image the spec names)
//!   is final at once.
//! - A delete that finds nothing has done its job ([`gone`]), and a change
//!   whose lost answer makes its retry fail with "already done" is done
//!   ([`done_unless`]).

use std::future::Future;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::aws::error::{Certainty, Error};
use crate::aws::wait::Timing;
use crate::kind::Kind;

/// How long a resource created moments before may stay invisible.
const SETTLE_BUDGET: Duration = Duration::from_secs(120);

/// How a step retries.
#[derive(Debug, Clone, Copy)]
pub struct Retry<'a> {
    pub timing: &'a Timing,
    /// Attempts per call, the first included.
    pub attempts: u32,
    /// The kinds of the resources this step refers to that were created
    /// in this run: a NotFound about one of them is eventual consistency.
    pub fresh: &'a [Kind],
}

impl Retry<'_> {
    fn settling(&self, e: &Error, started: Instant) -> bool {
        e.not_found_kind().is_some_and(|k| self.fresh.contains(&k))
            && started.elapsed() < SETTLE_BUDGET.min(self.timing.timeout)
    }

    fn pause(&self) -> Duration {
        self.timing.poll.min(Duration::from_secs(2))
    }

    /// Exponential, from 100 ms, never past the poll interval.
    fn backoff(&self, attempt: u32) -> Duration {
        let exp = Duration::from_millis(100).saturating_mul(1 << attempt.min(10));
        exp.min(self.timing.poll.max(Duration::from_millis(10)))
    }
}

/// Creates a resource with `call` (made through a client without the
/// SDK's retries) and returns what it gives back. After a failure that
/// leaves it unknown whether AWS did the work, or that says the name is
/// taken, `find` looks for the resource by its tags; what it finds is
/// taken as this call's work. Throttling and unknown outcomes are retried
/// up to the attempts allowed; any other refusal is final.
pub async fn create<T, F, Fut, G, Gut>(
    retry: Retry<'_>,
    mut call: F,
    mut find: G,
) -> Result<T, Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, Error>>,
    G: FnMut() -> Gut,
    Gut: Future<Output = Result<Option<T>, Error>>,
{
    let started = Instant::now();
    let mut attempt = 1;
    let mut look_first = false;
    loop {
        if look_first && let Some(found) = find().await? {
            return Ok(found);
        }
        let e = match call().await {
            Ok(value) => return Ok(value),
            Err(e) => e,
        };
        look_first = false;
        if e.is_already_exists() {
            // Ours if it carries this cluster's tags; otherwise the name
            // belongs to someone else and the error stands.
            return match find().await? {
                Some(found) => Ok(found),
                None => Err(e),
            };
        }
        if retry.settling(&e, started) {
            tokio::time::sleep(retry.pause()).await;
            continue;
        }
        match e.certainty() {
            Certainty::Refused => return Err(e),
            Certainty::Throttled => {}
            Certainty::Unknown => {
                if let Some(found) = find().await? {
                    return Ok(found);
                }
                // Looked at too early, AWS may not show it yet: look once
                // more after the pause, before calling again.
                look_first = true;
            }
        }
        if attempt >= retry.attempts {
            return Err(e);
        }
        tokio::time::sleep(retry.backoff(attempt)).await;
        attempt += 1;
    }
}

/// Runs `call` (through a client with the SDK's retries), again while AWS
/// answers NotFound about a resource created in this run.
pub async fn settled<T, F, Fut>(retry: Retry<'_>, mut call: F) -> Result<T, Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, Error>>,
{
    let started = Instant::now();
    loop {
        match call().await {
            Err(e) if retry.settling(&e, started) => tokio::time::sleep(retry.pause()).await,
            other => return other,
        }
    }
}

/// A delete that found nothing to delete has done its job: `Ok(false)`.
pub fn gone<T>(result: Result<T, Error>) -> Result<bool, Error> {
    match result {
        Ok(_) => Ok(true),
        Err(e) if e.is_not_found() || is_missing_group(&e) => Ok(false),
        Err(e) => Err(e),
    }
}

/// A read of one resource by name or id: `None` when AWS says there is no
/// such resource.
pub fn found<T>(result: Result<T, Error>) -> Result<Option<T>, Error> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}

/// Auto Scaling says a group is missing with a ValidationError.
fn is_missing_group(e: &Error) -> bool {
    matches!(e, Error::Aws { code, message, .. }
        if code == "ValidationError" && message.to_ascii_lowercase().contains("not found"))
}

/// A change whose retry (after a lost answer) meets its own work: a rule
/// already there, a gateway already attached. `Ok` when the error is one
/// of `codes`.
pub fn done_unless<T>(result: Result<T, Error>, codes: &[&str]) -> Result<(), Error> {
    match result {
        Ok(_) => Ok(()),
        Err(e) if e.code().is_some_and(|c| codes.contains(&c)) => Ok(()),
        Err(e) => Err(e),
    }
}

/// A client token for one create: the same for all its attempts, new for
/// every create (a token reused after a destroy would give back the
/// destroyed resource). 32 hex digits; EC2 takes up to 64 ASCII
/// characters.
pub fn client_token() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut token = String::with_capacity(32);
    for _ in 0..2 {
        let mut h = std::hash::RandomState::new().build_hasher();
        h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos()),
        );
        token.push_str(&format!("{:016x}", h.finish()));
    }
    token
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;

    fn quick() -> Timing {
        Timing {
            timeout: Duration::from_secs(5),
            poll: Duration::from_millis(1),
        }
    }

    fn failure(code: &str, certainty: Certainty) -> Error {
        Error::Aws {
            operation: "CreateVpc",
            resource: "demo-vpc".into(),
            code: code.into(),
            message: String::new(),
            certainty,
        }
    }

    /// Runs `create` against scripted answers; the answer, and how many
    /// calls and looks it took.
    fn scripted(
        answers: Vec<Result<&'static str, Error>>,
        found: Option<&'static str>,
        fresh: &[Kind],
    ) -> (Result<&'static str, String>, usize, usize) {
        let calls = Cell::new(0);
        let looks = Cell::new(0);
        let answers = std::cell::RefCell::new(answers.into_iter());
        let timing = quick();
        let retry = Retry {
            timing: &timing,
            attempts: 3,
            fresh,
        };
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("runtime");
        let result = rt.block_on(create(
            retry,
            || {
                calls.set(calls.get() + 1);
                let next = answers.borrow_mut().next().unwrap_or(Ok("vpc-late"));
                async move { next }
            },
            || {
                looks.set(looks.get() + 1);
                async move { Ok(found) }
            },
        ));
        (result.map_err(|e| e.to_string()), calls.get(), looks.get())
    }

    #[test]
    fn a_lost_answer_is_looked_for_before_the_create_is_repeated() {
        let lost = failure("RequestFailed", Certainty::Unknown);
        assert_eq!(
            scripted(vec![Err(lost.clone_for_test())], Some("vpc-1"), &[]),
            (Ok("vpc-1"), 1, 1),
            "found: taken as the call's work, not created again"
        );
        assert_eq!(
            scripted(vec![Err(lost), Ok("vpc-2")], None, &[]),
            (Ok("vpc-2"), 2, 2),
            "not found, twice: created again"
        );
    }

    #[test]
    fn throttling_is_retried_and_a_refusal_is_final() {
        let throttled = failure("RequestLimitExceeded", Certainty::Throttled);
        assert_eq!(
            scripted(vec![Err(throttled), Ok("vpc-1")], None, &[]),
            (Ok("vpc-1"), 2, 0)
        );
        let refused = failure("VpcLimitExceeded", Certainty::Refused);
        let (result, calls, looks) = scripted(vec![Err(refused)], None, &[]);
        assert!(result.is_err_and(|e| e.contains("VpcLimitExceeded")));
        assert_eq!((calls, looks), (1, 0));
        let mut always = Vec::new();
        for _ in 0..5 {
            always.push(Err(failure("RequestLimitExceeded", Certainty::Throttled)));
        }
        let (result, calls, _) = scripted(always, None, &[]);
        assert!(result.is_err());
        assert_eq!(calls, 3, "the attempts allowed, no more");
    }

    #[test]
    fn a_taken_name_is_ours_only_if_found_by_our_tags() {
        let taken = failure("InvalidGroup.Duplicate", Certainty::Refused);
        assert_eq!(
            scripted(vec![Err(taken.clone_for_test())], Some("sg-1"), &[]),
            (Ok("sg-1"), 1, 1)
        );
        let (result, _, _) = scripted(vec![Err(taken)], None, &[]);
        assert!(result.is_err_and(|e| e.contains("InvalidGroup.Duplicate")));
    }

    #[test]
    fn not_found_is_waited_out_only_for_what_this_run_created() {
        let subnet = failure("InvalidSubnetID.NotFound", Certainty::Refused);
        assert_eq!(
            scripted(
                vec![Err(subnet.clone_for_test()), Ok("i-1")],
                None,
                &[Kind::Subnet]
            ),
            (Ok("i-1"), 2, 0)
        );
        let (result, calls, _) = scripted(vec![Err(subnet)], None, &[Kind::Vpc]);
        assert!(result.is_err());
        assert_eq!(calls, 1);
        let key = failure("InvalidKeyPair.NotFound", Certainty::Refused);
        let (result, calls, _) = scripted(vec![Err(key)], None, &[Kind::Subnet, Kind::Vpc]);
        assert!(result.is_err_and(|e| e.contains("InvalidKeyPair.NotFound")));
        assert_eq!(calls, 1, "a missing key pair fails at once");
    }

    #[test]
    fn client_tokens_differ() {
        let a = client_token();
        let b = client_token();
        assert_ne!(a, b);
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
    }

    impl Error {
        fn clone_for_test(&self) -> Error {
            match self {
                Error::Aws {
                    operation,
                    resource,
                    code,
                    message,
                    certainty,
                } => Error::Aws {
                    operation,
                    resource: resource.clone(),
                    code: code.clone(),
                    message: message.clone(),
                    certainty: *certainty,
                },
                other => Error::Spec(other.to_string()),
            }
        }
    }
}

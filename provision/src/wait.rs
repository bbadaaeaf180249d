//! Waiting for AWS: polling until a resource reaches a state, and riding
//! out eventual consistency right after a create.

use std::future::Future;
use std::time::{Duration, Instant};

use crate::error::Error;

#[derive(Debug, Clone)]
pub struct Timing {
    /// How long one wait (a NAT gateway, an instance) may take.
    pub timeout: Duration,
    /// Time between two polls.
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

/// Polls `check` until it returns a value, or fails with a timeout naming
/// `what`.
pub async fn until<T, F, Fut>(what: &str, timing: &Timing, mut check: F) -> Result<T, Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<T>, Error>>,
{
    let started = Instant::now();
    loop {
        if let Some(value) = check().await? {
            return Ok(value);
        }
        if started.elapsed() >= timing.timeout {
            return Err(Error::Timeout {
                what: what.to_string(),
                seconds: timing.timeout.as_secs(),
            });
        }
        tokio::time::sleep(timing.poll).await;
    }
}

/// Runs `call`, retrying while AWS answers NotFound: a resource created a
/// moment ago may not be visible to the next call yet.
pub async fn settled<T, F, Fut>(timing: &Timing, mut call: F) -> Result<T, Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, Error>>,
{
    let started = Instant::now();
    let budget = timing.timeout.min(Duration::from_secs(120));
    loop {
        match call().await {
            Err(e) if e.is_not_found() && started.elapsed() < budget => {
                tokio::time::sleep(timing.poll.min(Duration::from_secs(2))).await;
            }
            other => return other,
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
        )
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quick() -> Timing {
        Timing {
            timeout: Duration::from_millis(50),
            poll: Duration::from_millis(5),
        }
    }

    #[tokio::test]
    async fn until_returns_the_first_value() {
        let mut polls = 0;
        let got = until("thing", &quick(), || {
            polls += 1;
            let n = polls;
            async move { Ok((n == 3).then_some(n)) }
        })
        .await
        .expect("ready on the third poll");
        assert_eq!(got, 3);
    }

    #[tokio::test]
    async fn until_gives_up_naming_what_it_waited_for() {
        let err = until::<(), _, _>("NAT gateway x to be available", &quick(), || async {
            Ok(None)
        })
        .await
        .expect_err("never ready");
        assert!(
            err.to_string().contains("NAT gateway x to be available"),
            "{err}"
        );
    }

    #[tokio::test]
    async fn released_retries_while_something_depends_on_it() {
        let mut calls = 0;
        let result: Result<u32, Error> = released("group g", &quick(), || {
            calls += 1;
            let n = calls;
            async move {
                if n < 3 {
                    Err(Error::Aws {
                        operation: "DeleteSecurityGroup",
                        resource: "g".into(),
                        code: "DependencyViolation".into(),
                        message: String::new(),
                    })
                } else {
                    Ok(n)
                }
            }
        })
        .await;
        assert_eq!(result.expect("released"), 3);

        let err = released::<(), _, _>("group g", &quick(), || async {
            Err(Error::Aws {
                operation: "DeleteSecurityGroup",
                resource: "g".into(),
                code: "DependencyViolation".into(),
                message: String::new(),
            })
        })
        .await
        .expect_err("never released");
        assert!(err.to_string().contains("group g to be free"), "{err}");
    }

    #[tokio::test]
    async fn settled_retries_not_found_only() {
        let mut calls = 0;
        let result: Result<u32, Error> = settled(&quick(), || {
            calls += 1;
            let n = calls;
            async move {
                if n < 3 {
                    Err(Error::Aws {
                        operation: "AttachInternetGateway",
                        resource: "igw".into(),
                        code: "InvalidVpcID.NotFound".into(),
                        message: String::new(),
                    })
                } else {
                    Ok(n)
                }
            }
        })
        .await;
        assert_eq!(result.expect("settles"), 3);

        let mut calls = 0;
        let result: Result<u32, Error> = settled(&quick(), || {
            calls += 1;
            async {
                Err(Error::Aws {
                    operation: "CreateVpc",
                    resource: "vpc".into(),
                    code: "VpcLimitExceeded".into(),
                    message: String::new(),
                })
            }
        })
        .await;
        assert!(result.is_err());
        assert_eq!(calls, 1);
    }
}

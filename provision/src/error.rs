//! Why a provisioning command could not do its job. What it found wrong
//! with the spec is a lint report, not an error.

use std::fmt;

use aws_smithy_types::error::metadata::ProvideErrorMetadata;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An AWS call failed: which call, on which resource, and AWS's own
    /// error code, so that the user can look it up.
    #[error("{operation} ({resource}) failed: {code}: {message}")]
    Aws {
        operation: &'static str,
        resource: String,
        code: String,
        message: String,
    },
    #[error("timed out after {seconds} s waiting for {what}")]
    Timeout { what: String, seconds: u64 },
    /// The spec cannot be provisioned as written (a missing image, a static
    /// VPC that does not match AWS, …).
    #[error("{0}")]
    Spec(String),
    #[error("{0}")]
    Usage(String),
    #[error("{0}")]
    Lint(#[from] awscluster_lint::error::Error),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl Error {
    /// The AWS error code, when an AWS call failed.
    pub fn code(&self) -> Option<&str> {
        match self {
            Error::Aws { code, .. } => Some(code),
            _ => None,
        }
    }

    pub fn is_not_found(&self) -> bool {
        self.code().is_some_and(is_not_found_code)
    }
}

/// NotFound in its several spellings: `InvalidVpcID.NotFound`,
/// `NatGatewayNotFound`, `LoadBalancerNotFound`, `InvalidGroup.NotFound`.
pub fn is_not_found_code(code: &str) -> bool {
    code.ends_with("NotFound")
        || code.ends_with(".NotFound")
        || code == "InvalidAllocationID.NotFound"
}

/// Turns an SDK error into [`Error::Aws`]: the service's error code when it
/// answered, otherwise the SDK's own account of what went wrong (no
/// credentials, no connection, a timeout).
pub fn aws<E>(operation: &'static str, resource: impl fmt::Display, error: E) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let code = error.code().map(str::to_string);
    let message = error.message().map(str::to_string);
    let (code, message) = match (code, message) {
        (Some(code), message) => (code, message.unwrap_or_default()),
        (None, _) => ("RequestFailed".to_string(), causes(&error)),
    };
    Error::Aws {
        operation,
        resource: resource.to_string(),
        code,
        message,
    }
}

/// An error and its sources, each said once: the SDK nests the same words
/// several levels deep.
fn causes(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next = Some(error);
    while let Some(e) = next {
        let text = e.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        next = e.source();
    }
    parts.join(": ")
}

/// `map_err` for SDK results.
pub trait AwsResult<T> {
    fn on(self, operation: &'static str, resource: impl fmt::Display) -> Result<T, Error>;
}

impl<T, E> AwsResult<T> for Result<T, E>
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    fn on(self, operation: &'static str, resource: impl fmt::Display) -> Result<T, Error> {
        self.map_err(|e| aws(operation, resource, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_found_codes_are_recognised_in_each_spelling() {
        for code in [
            "InvalidVpcID.NotFound",
            "NatGatewayNotFound",
            "LoadBalancerNotFound",
            "InvalidGroup.NotFound",
            "InvalidAllocationID.NotFound",
        ] {
            assert!(is_not_found_code(code), "{code}");
        }
        for code in [
            "DependencyViolation",
            "UnauthorizedOperation",
            "NotFoundish",
        ] {
            assert!(!is_not_found_code(code), "{code}");
        }
    }
}

//! Why a provisioning command could not do its job. What it found wrong
//! with the spec is a lint report, not an error.

use std::fmt;

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::kind::Kind;

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
        certainty: Certainty,
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

/// What a failed call says about whether AWS did the work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Certainty {
    /// AWS answered that it did not do it (a 4xx other than throttling),
    /// or the request never left.
    Refused,
    /// AWS turned the request away for its rate: not done, try later.
    Throttled,
    /// The call may or may not have been carried out: the connection
    /// broke, the answer timed out or could not be read, or AWS answered
    /// with a 5xx (its own failure, possibly after the work was done).
    Unknown,
}

impl Error {
    /// The AWS error code, when an AWS call failed.
    pub fn code(&self) -> Option<&str> {
        match self {
            Error::Aws { code, .. } => Some(code),
            _ => None,
        }
    }

    pub fn certainty(&self) -> Certainty {
        match self {
            Error::Aws { certainty, .. } => *certainty,
            _ => Certainty::Refused,
        }
    }

    pub fn is_not_found(&self) -> bool {
        self.code().is_some_and(is_not_found_code)
    }

    /// AWS already holds what a create asked for (a name or block is
    /// taken): after a lost answer, possibly this very call's work.
    pub fn is_already_exists(&self) -> bool {
        self.code().is_some_and(|code| {
            matches!(
                code,
                "InvalidGroup.Duplicate"
                    | "InvalidSubnet.Conflict"
                    | "InvalidLaunchTemplateName.AlreadyExistsException"
                    | "AlreadyExists"
                    | "DuplicateAccessPointName"
                    | "DuplicateLoadBalancerName"
                    | "EntityAlreadyExists"
            )
        })
    }

    /// The kind of resource a NotFound is about, when AWS says. Elastic
    /// Load Balancing says it of a subnet, group or instance it cannot see
    /// (yet) in words of its own, and Auto Scaling of a launch template in
    /// a `ValidationError`.
    pub fn not_found_kind(&self) -> Option<Kind> {
        let Error::Aws { code, message, .. } = self else {
            return None;
        };
        match code.as_str() {
            // IAM says which entity in its message: "The role with name X
            // cannot be found", "Policy arn:… does not exist or is not
            // attachable", "Instance Profile X cannot be found".
            "NoSuchEntity" => {
                let message = message.to_ascii_lowercase();
                if message.starts_with("instance profile") {
                    Some(Kind::InstanceProfile)
                } else if message.starts_with("the role") {
                    Some(Kind::Role)
                } else if message.starts_with("policy") {
                    Some(Kind::ManagedPolicy)
                } else {
                    None
                }
            }
            c if is_not_found_code(c) => Kind::of_not_found(c),
            "InvalidSubnet" => Some(Kind::Subnet),
            "InvalidSecurityGroup" => Some(Kind::SecurityGroup),
            "InvalidInstance" => Some(Kind::Instance),
            "ValidationError"
                if message.contains("launch template") && message.contains("does not exist") =>
            {
                Some(Kind::LaunchTemplate)
            }
            _ => None,
        }
    }
}

/// NotFound in its several spellings: `InvalidVpcID.NotFound`,
/// `NatGatewayNotFound`, `LoadBalancerNotFound`, `InvalidGroup.NotFound`,
/// `InvalidLaunchTemplateId.NotFound`.
pub fn is_not_found_code(code: &str) -> bool {
    code == "NoSuchEntity"
        || code.ends_with("NotFound")
        || code.ends_with(".NotFound")
        || code.ends_with("NotFoundException")
}

/// The codes AWS throttles with (EC2's `RequestLimitExceeded`, the Query
/// services' `Throttling`): the request was not carried out.
fn is_throttling_code(code: &str) -> bool {
    matches!(
        code,
        "Throttling"
            | "ThrottlingException"
            | "ThrottledException"
            | "RequestLimitExceeded"
            | "RequestThrottled"
            | "RequestThrottledException"
            | "TooManyRequestsException"
            | "SlowDown"
            | "PriorRequestNotComplete"
    )
}

/// Turns an SDK error into [`Error::Aws`]: the service's error code when it
/// answered, otherwise the SDK's own account of what went wrong (no
/// credentials, no connection, a timeout), and how certain it is that
/// nothing was done.
pub fn aws<E>(
    operation: &'static str,
    resource: impl fmt::Display,
    error: SdkError<E, HttpResponse>,
) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let code = error.code().map(str::to_string);
    let message = error.message().map(str::to_string);
    let certainty = match &error {
        SdkError::ConstructionFailure(_) => Certainty::Refused,
        SdkError::DispatchFailure(failure) if failure.is_user() => Certainty::Refused,
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            Certainty::Unknown
        }
        SdkError::ServiceError(service) => {
            if code.as_deref().is_some_and(is_throttling_code) {
                Certainty::Throttled
            } else if service.raw().status().as_u16() >= 500 {
                Certainty::Unknown
            } else {
                Certainty::Refused
            }
        }
        _ => Certainty::Unknown,
    };
    let (code, message) = match (code, message) {
        (Some(code), message) => (code, message.unwrap_or_default()),
        (None, _) => ("RequestFailed".to_string(), causes(&error)),
    };
    Error::Aws {
        operation,
        resource: resource.to_string(),
        code,
        message,
        certainty,
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

impl<T, E> AwsResult<T> for Result<T, SdkError<E, HttpResponse>>
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    fn on(self, operation: &'static str, resource: impl fmt::Display) -> Result<T, Error> {
        self.map_err(|e| aws(operation, resource, e))
    }
}

/// An answer AWS gave without a field its documentation says it always
/// has: the tool cannot go on with a guess.
pub fn missing(operation: &'static str, resource: impl fmt::Display, field: &str) -> Error {
    Error::Aws {
        operation,
        resource: resource.to_string(),
        code: "IncompleteResponse".into(),
        message: format!("the answer has no {field}"),
        certainty: Certainty::Unknown,
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
            "InvalidLaunchTemplateName.NotFoundException",
            "NoSuchEntity",
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

    #[test]
    fn iam_says_which_entity_it_cannot_find_in_its_message() {
        let error = |message: &str| Error::Aws {
            operation: "AttachRolePolicy",
            resource: "r".into(),
            code: "NoSuchEntity".into(),
            message: message.into(),
            certainty: Certainty::Refused,
        };
        for (message, kind) in [
            (
                "The role with name nodes.cluster-api-provider-aws.sigs.k8s.io cannot be found.",
                Some(Kind::Role),
            ),
            (
                "Policy arn:aws:iam::123456789012:policy/awscluster/awscluster-nodes does not exist or is not attachable.",
                Some(Kind::ManagedPolicy),
            ),
            (
                "Instance Profile nodes.cluster-api-provider-aws.sigs.k8s.io cannot be found.",
                Some(Kind::InstanceProfile),
            ),
            ("Something else.", None),
        ] {
            assert_eq!(error(message).not_found_kind(), kind, "{message}");
        }
    }

    fn service_error(status: u16, code: &str) -> Error {
        use aws_smithy_runtime_api::http::StatusCode;
        use aws_smithy_types::body::SdkBody;
        let meta = aws_smithy_types::error::ErrorMetadata::builder()
            .code(code)
            .message("m")
            .build();
        let raw = HttpResponse::new(
            StatusCode::try_from(status).expect("status"),
            SdkBody::empty(),
        );
        let err: SdkError<aws_smithy_types::error::ErrorMetadata, HttpResponse> =
            SdkError::service_error(meta, raw);
        aws("CreateVpc", "demo-vpc", err)
    }

    #[test]
    fn a_failure_says_whether_aws_may_have_done_the_work() {
        assert_eq!(
            service_error(400, "InvalidParameterValue").certainty(),
            Certainty::Refused
        );
        assert_eq!(
            service_error(503, "RequestLimitExceeded").certainty(),
            Certainty::Throttled
        );
        assert_eq!(
            service_error(400, "Throttling").certainty(),
            Certainty::Throttled
        );
        assert_eq!(
            service_error(500, "InternalError").certainty(),
            Certainty::Unknown
        );
        let reset: SdkError<aws_smithy_types::error::ErrorMetadata, HttpResponse> =
            SdkError::dispatch_failure(aws_smithy_runtime_api::client::result::ConnectorError::io(
                std::io::Error::from(std::io::ErrorKind::ConnectionReset).into(),
            ));
        assert_eq!(aws("CreateVpc", "x", reset).certainty(), Certainty::Unknown);
        let never_sent: SdkError<aws_smithy_types::error::ErrorMetadata, HttpResponse> =
            SdkError::construction_failure("bad input");
        assert_eq!(
            aws("CreateVpc", "x", never_sent).certainty(),
            Certainty::Refused
        );
    }

    #[test]
    fn a_not_found_names_the_kind_it_is_about() {
        let e = service_error(400, "InvalidSubnetID.NotFound");
        assert_eq!(e.not_found_kind(), Some(Kind::Subnet));
        assert_eq!(
            service_error(400, "InvalidSubnet").not_found_kind(),
            Some(Kind::Subnet)
        );
        assert_eq!(
            service_error(400, "InvalidSubnet.Conflict").not_found_kind(),
            None
        );
        let template = Error::Aws {
            operation: "CreateAutoScalingGroup",
            resource: "demo-workers".into(),
            code: "ValidationError".into(),
            message:
                "The specified launch template, with template name demo-workers, does not exist."
                    .into(),
            certainty: Certainty::Refused,
        };
        assert_eq!(template.not_found_kind(), Some(Kind::LaunchTemplate));
        let key = service_error(400, "InvalidKeyPair.NotFound");
        assert!(key.is_not_found());
        assert_eq!(key.not_found_kind(), None, "never created by awscluster");
    }
}

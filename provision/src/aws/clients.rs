//! The AWS clients, built once per command from the standard credential
//! chain, with the spec's role assumed on top, and the permission guard in
//! each.

use std::sync::Arc;

use aws_config::retry::RetryConfig;
use aws_config::sts::AssumeRoleProvider;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::SharedCredentialsProvider;

use crate::aws::permissions::{CallLog, Guard, Job};

/// Where and as whom to call AWS.
#[derive(Debug, Clone)]
pub struct Target {
    pub region: String,
    /// `--profile`; otherwise the SDK reads `AWS_PROFILE`.
    pub profile: Option<String>,
    /// `--endpoint-url`; `AWS_ENDPOINT_URL` is read by the SDK itself.
    pub endpoint_url: Option<String>,
    pub assume_role: Option<AssumeRole>,
    /// Attempts per call, retries included (the SDK's standard mode).
    pub max_attempts: u32,
    /// Whose calls the clients may make.
    pub job: Job,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssumeRole {
    pub role_arn: String,
    pub external_id: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Clients {
    pub ec2: aws_sdk_ec2::Client,
    /// EC2 without the SDK's retries, for creates: a create whose answer
    /// was lost is looked for again before it is retried
    /// ([`crate::aws::call::create`]).
    pub ec2_once: aws_sdk_ec2::Client,
    pub elb: aws_sdk_elasticloadbalancing::Client,
    pub elb_once: aws_sdk_elasticloadbalancing::Client,
    pub autoscaling: aws_sdk_autoscaling::Client,
    pub autoscaling_once: aws_sdk_autoscaling::Client,
    pub iam: aws_sdk_iam::Client,
    pub quotas: aws_sdk_servicequotas::Client,
    pub sts: aws_sdk_sts::Client,
    pub ssm: aws_sdk_ssm::Client,
    pub secrets: aws_sdk_secretsmanager::Client,
    /// The Price List API, in the Region that answers for the target's.
    pub pricing: aws_sdk_pricing::Client,
    pub calls: Arc<CallLog>,
    /// Attempts per call, retries included.
    pub max_attempts: u32,
    region: String,
    config: SdkConfig,
}

impl Clients {
    pub async fn connect(target: &Target) -> Clients {
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new(target.region.clone()))
            .retry_config(RetryConfig::standard().with_max_attempts(target.max_attempts.max(1)));
        if let Some(url) = &target.endpoint_url {
            loader = loader.endpoint_url(url);
        }
        if let Some(profile) = &target.profile {
            loader = loader.profile_name(profile);
        }
        let base = loader.load().await;
        let config = match &target.assume_role {
            Some(role) => assume(&base, role).await,
            None => base,
        };
        Clients::build(config, target.job, &target.region, target.max_attempts)
    }

    /// The same credentials and session (an assumed role is not assumed
    /// again) for another job's calls: `apply` runs preflight's reads
    /// first.
    pub fn for_job(&self, job: Job) -> Clients {
        Clients::build(self.config.clone(), job, &self.region, self.max_attempts)
    }

    fn build(config: SdkConfig, job: Job, region: &str, max_attempts: u32) -> Clients {
        let guard = Guard {
            job,
            calls: Arc::new(CallLog::default()),
        };
        // Each service's client, with the guard; `once` without the SDK's
        // retries (creates retry themselves, see `call::create`).
        macro_rules! client {
            ($sdk:ident) => {
                $sdk::Client::from_conf(
                    $sdk::config::Builder::from(&config)
                        .interceptor(guard.clone())
                        .build(),
                )
            };
            ($sdk:ident, once) => {
                $sdk::Client::from_conf(
                    $sdk::config::Builder::from(&config)
                        .retry_config(RetryConfig::disabled())
                        .interceptor(guard.clone())
                        .build(),
                )
            };
        }
        Clients {
            ec2: client!(aws_sdk_ec2),
            ec2_once: client!(aws_sdk_ec2, once),
            elb: client!(aws_sdk_elasticloadbalancing),
            elb_once: client!(aws_sdk_elasticloadbalancing, once),
            autoscaling: client!(aws_sdk_autoscaling),
            autoscaling_once: client!(aws_sdk_autoscaling, once),
            iam: client!(aws_sdk_iam),
            quotas: client!(aws_sdk_servicequotas),
            sts: client!(aws_sdk_sts),
            ssm: client!(aws_sdk_ssm),
            secrets: client!(aws_sdk_secretsmanager),
            // The Price List API answers in a few Regions only, about
            // every Region: its partition's first.
            pricing: aws_sdk_pricing::Client::from_conf(
                aws_sdk_pricing::config::Builder::from(&config)
                    .region(Region::new(pricing_region(region)))
                    .interceptor(guard.clone())
                    .build(),
            ),
            calls: guard.calls,
            max_attempts: max_attempts.max(1),
            region: region.to_string(),
            config,
        }
    }
}

/// Where the Price List API answers for a Region's partition ("AWS Price
/// List Query API endpoints": us-east-1, eu-central-1 and ap-south-1; for
/// China, cn-northwest-1).
fn pricing_region(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "cn-northwest-1"
    } else {
        "us-east-1"
    }
}

/// The spec's role, assumed with the default chain's credentials; STS
/// refreshes the session before it expires.
async fn assume(base: &SdkConfig, role: &AssumeRole) -> SdkConfig {
    let mut builder = AssumeRoleProvider::builder(role.role_arn.clone())
        .session_name("awscluster")
        .configure(base);
    if let Some(id) = &role.external_id {
        builder = builder.external_id(id.clone());
    }
    let provider = builder.build().await;
    base.to_builder()
        .credentials_provider(SharedCredentialsProvider::new(provider))
        .build()
}

#[cfg(test)]
impl Clients {
    /// Clients for `job` whose endpoint is a port nothing listens on: any
    /// request that leaves fails, and `calls` counts it.
    pub async fn nowhere(job: Job) -> Clients {
        // SAFETY: the tests that call this set the same values; no test
        // reads them otherwise.
        unsafe {
            std::env::set_var("AWS_ACCESS_KEY_ID", "testing");
            std::env::set_var("AWS_SECRET_ACCESS_KEY", "testing");
        }
        Clients::connect(&Target {
            profile: None,
            region: "us-east-1".into(),
            endpoint_url: Some("http://127.0.0.1:9".into()),
            assume_role: None,
            max_attempts: 1,
            job,
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The guard refuses before anything is sent, and the error is the
    /// guard's.
    #[tokio::test]
    async fn a_call_missing_from_the_permission_table_never_leaves() {
        let clients = Clients::nowhere(Job::Provision).await;
        let err = clients
            .ec2
            .describe_regions()
            .send()
            .await
            .expect_err("DescribeRegions is preflight's call, not the provisioner's");
        let text = aws_smithy_types::error::display::DisplayErrorContext(&err).to_string();
        assert!(
            text.contains("EC2 DescribeRegions is not in the provisioner's permission table"),
            "{text}"
        );
        assert_eq!(clients.calls.total(), 0);
    }
}

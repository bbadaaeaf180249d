//! `awscluster account setup`, `status` and `teardown`: the account's IAM
//! for all its clusters, made with the credentials of an administrator
//! (the default chain), never with the provisioning role.

use std::io::{self, Write};

use awscluster_lint::diagnostic::escape::escape;

use super::{ClientTarget, EXIT_FAILED, EXIT_OK, Format, Run, fail, runtime};
use crate::account::{Observed, PolicySet, Principal, Setup, Wanted, partition_of};
use crate::aws::clients::Clients;
use crate::aws::error::Error;
use crate::aws::permissions::Job;
use crate::aws::wait::Timing;
use crate::plan::{self, Plan};
use crate::render;

/// What the command line asked for.
#[derive(Debug, Clone)]
pub struct AccountRequest {
    pub policies: PolicySet,
    pub principal: Principal,
    /// Where to sign IAM's calls; IAM is global, the Region says which
    /// partition.
    pub region: String,
    pub endpoint_url: Option<String>,
    pub yes: bool,
    pub format: Format,
    pub timing: Timing,
    pub max_attempts: u32,
}

impl AccountRequest {
    fn wanted(&self) -> Result<Wanted, Error> {
        Wanted::of(&Setup {
            policies: self.policies,
            principal: self.principal.clone(),
            partition: partition_of(&self.region).to_string(),
        })
    }

    /// What setup would do: discovery, then the plan.
    async fn plan(&self, clients: &Clients) -> Result<Plan, Error> {
        let wanted = self.wanted()?;
        let observed = Observed::discover(clients, Some(&wanted)).await?;
        Ok(plan::account(
            &wanted.keeping_principal(&observed),
            &observed,
        ))
    }

    async fn connect(&self) -> Clients {
        Clients::connect(&ClientTarget {
            profile: None,
            region: self.region.clone(),
            endpoint_url: self.endpoint_url.clone(),
            assume_role: None,
            max_attempts: self.max_attempts,
            job: Job::Account,
        })
        .await
    }
}

/// `awscluster account setup`.
pub fn setup_command(
    request: &AccountRequest,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<u8> {
    let rt = attempt!(runtime(), err);
    let clients = rt.block_on(request.connect());
    let plan = attempt!(rt.block_on(request.plan(&clients)), err);
    Run {
        rt: &rt,
        clients: &clients,
        timing: &request.timing,
        yes: request.yes,
        command: "account setup",
        root_devices: Default::default(),
    }
    .carry_out(&plan, out, err)
}

/// `awscluster account status`: what setup with the same options would do,
/// as states. Exit status 1 when something differs.
pub fn status_command(
    request: &AccountRequest,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<u8> {
    let rt = attempt!(runtime(), err);
    let plan = attempt!(
        rt.block_on(async { request.plan(&request.connect().await).await }),
        err
    );
    match request.format {
        Format::Human => out.write_all(render::status_human(&plan).as_bytes())?,
        Format::Json => out.write_all(render::status_json(&plan).as_bytes())?,
    }
    Ok(if plan.is_noop() { EXIT_OK } else { EXIT_FAILED })
}

/// `awscluster account teardown`: everything setup made (at its path and
/// with its tag), and nothing else.
pub fn teardown_command(
    request: &AccountRequest,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<u8> {
    let rt = attempt!(runtime(), err);
    let clients = rt.block_on(request.connect());
    let observed = attempt!(rt.block_on(Observed::discover(&clients, None)), err);
    let plan = plan::account_teardown(&observed);
    if plan.steps.is_empty() {
        writeln!(
            out,
            "account setup made nothing in this account: nothing to tear down."
        )?;
        return Ok(EXIT_OK);
    }
    Run {
        rt: &rt,
        clients: &clients,
        timing: &request.timing,
        yes: request.yes,
        command: "account teardown",
        root_devices: Default::default(),
    }
    .delete_all(
        &plan,
        &format!("Tear down the account's IAM ({})", escape(&request.region)),
        out,
        err,
    )
}

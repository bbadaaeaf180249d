//! `awscluster preflight SPEC`: every lint rule, then the live checks,
//! reported as `lint` reports (the same formats, severities, ignores and
//! exit statuses). Read-only.

use std::io::{self, IsTerminal, Write};
use std::path::Path;

use awscluster_lint::commands::report_outcome;
use awscluster_lint::diagnostic::escape::escape;
use awscluster_lint::report::{Format, Style};
use awscluster_lint::run::{self, Validated};

use super::{fail, runtime};
use crate::aws::clients::{AssumeRole, Clients, Target as ClientTarget};
use crate::aws::permissions::Job;
use crate::preflight::{Wanted, look};

pub struct PreflightRequest {
    /// The lint request: its one path is the spec.
    pub lint: run::Request,
    pub format: Format,
    pub style: Style,
    pub endpoint_url: Option<String>,
    pub max_attempts: u32,
}

pub fn preflight_command(
    request: &PreflightRequest,
    cwd: &Path,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<u8> {
    let [path] = request.lint.paths.as_slice() else {
        writeln!(err, "error: preflight checks one spec file")?;
        return Ok(super::EXIT_USAGE);
    };
    // The offline rules first: a spec with errors is not worth an AWS call.
    let offline = run::lint(&request.lint, cwd);
    let refused = match &offline {
        Ok(outcome) => {
            !outcome.failures.is_empty()
                || outcome.count(awscluster_lint::diagnostic::Severity::Error) > 0
        }
        Err(_) => true,
    };
    if refused {
        let status = report_outcome(offline, request.format, request.style, out, err)?;
        writeln!(
            err,
            "error: the spec has error-level findings; preflight checks the account once they are fixed"
        )?;
        return Ok(status.max(super::EXIT_FAILED));
    }
    let spec = match run::validate(path, request.lint.config.as_deref(), cwd, None) {
        Ok(Validated::Ready { spec, .. }) => spec,
        // The lint above passed: only a file changed meanwhile gets here.
        Ok(Validated::Refused(outcome)) => {
            return report_outcome(Ok(outcome), request.format, request.style, out, err);
        }
        Err(e) => return fail(&e.into(), err),
    };
    let mut wanted = Wanted::of(&spec);
    // `--quotas FILE`: the snapshot's values and usage, no quota reads.
    let snapshot = match &request.lint.quota_snapshot {
        Some(file) => match awscluster_lint::live::Snapshot::read(file) {
            Ok(snapshot) => {
                wanted.quotas.clear();
                Some(snapshot.into_live())
            }
            Err(e) => return fail(&e.into(), err),
        },
        None => None,
    };
    let rt = match runtime() {
        Ok(rt) => rt,
        Err(e) => return fail(&e, err),
    };
    let target = ClientTarget {
        region: wanted.region.clone(),
        endpoint_url: request.endpoint_url.clone(),
        assume_role: spec.assume_role().map(|r| AssumeRole {
            role_arn: r.role_arn.to_string(),
            external_id: r.external_id.as_deref().cloned(),
        }),
        max_attempts: request.max_attempts,
        job: Job::Preflight,
    };
    if io::stderr().is_terminal() {
        writeln!(
            err,
            "Checking {} against the account in {}…",
            escape(&path.display().to_string()),
            escape(&wanted.region)
        )?;
    }
    let live = rt.block_on(async {
        let clients = Clients::connect(&target).await;
        look(&clients, &wanted).await
    });
    let mut live = match live {
        Ok(live) => live,
        Err(e) => return fail(&e, err),
    };
    if let Some(snapshot) = snapshot {
        if snapshot.region.as_deref() != Some(wanted.region.as_str()) {
            writeln!(
                err,
                "warning: the quota snapshot is of {}, the spec is in {}: its values are not used",
                escape(snapshot.region.as_deref().unwrap_or("another Region")),
                escape(&wanted.region)
            )?;
        }
        live.quotas = snapshot.quotas;
        live.quota_origin = snapshot.quota_origin;
        live.usage = snapshot.usage;
        live.region = snapshot.region;
    }
    if let Some(caller) = &live.caller {
        writeln!(err, "Checked as {}.", escape(caller))?;
    }
    let online = run::Request {
        paths: request.lint.paths.clone(),
        config: request.lint.config.clone(),
        overrides: request.lint.overrides.clone(),
        deny_warnings: request.lint.deny_warnings,
        max_file_size: request.lint.max_file_size,
        provisioning: None,
        catalog: request.lint.catalog.clone(),
        live: Some(live),
        quota_snapshot: None,
    };
    report_outcome(
        run::lint(&online, cwd),
        request.format,
        request.style,
        out,
        err,
    )
}

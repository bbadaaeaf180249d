//! `awscluster preflight SPEC`: every lint rule, then the live checks,
//! reported as `lint` reports (the same formats, severities, ignores and
//! exit statuses). Read-only.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use awscluster_lint::commands::report_outcome;
use awscluster_lint::diagnostic::escape::escape;
use awscluster_lint::report::{Format, Style};
use awscluster_lint::run;

use super::{fail, runtime};
use crate::aws::clients::{AssumeRole, Clients, Target as ClientTarget};
use crate::aws::permissions::Job;
use crate::preflight::{Wanted, look};
use crate::progress::Progress;

pub struct PreflightRequest {
    /// The lint request: its paths are the specs (files or directories).
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
    // Each spec is read again to be looked up: stdin's text could not be.
    if request.lint.paths.iter().any(|p| p.as_os_str() == "-") {
        writeln!(
            err,
            "error: preflight reads spec files, not stdin: save the spec to a file first"
        )?;
        return Ok(super::EXIT_USAGE);
    }
    // The offline rules first: a spec with errors is not worth an AWS call.
    let offline = run::lint(&request.lint, cwd);
    let refused = match &offline {
        Ok(outcome) => {
            !outcome.failures.is_empty()
                || outcome.count(awscluster_lint::diagnostic::Severity::Error) > 0
                || outcome.files.is_empty()
        }
        Err(_) => true,
    };
    if refused {
        let nothing = matches!(&offline, Ok(o) if o.files.is_empty() && o.failures.is_empty());
        let status = report_outcome(offline, request.format, request.style, out, err)?;
        if nothing {
            return Ok(status);
        }
        writeln!(
            err,
            "error: the specs have error-level findings; preflight checks the account once they are fixed"
        )?;
        return Ok(status.max(super::EXIT_FAILED));
    }
    let files = match offline {
        Ok(outcome) => outcome.files,
        Err(_) => Vec::new(),
    };
    let groups = match fleets(&files) {
        Ok(groups) => groups,
        Err(e) => return fail(&e.into(), err),
    };
    // `--quotas FILE`: the snapshot's values and usage, no quota reads.
    let snapshot = match &request.lint.quota_snapshot {
        Some(file) => match awscluster_lint::live::Snapshot::read(file) {
            Ok(snapshot) => Some(snapshot.into_live()),
            Err(e) => return fail(&e.into(), err),
        },
        None => None,
    };
    let rt = match runtime() {
        Ok(rt) => rt,
        Err(e) => return fail(&e, err),
    };
    let progress = Progress::stderr();
    for group in &groups {
        let specs = match group.specs.as_slice() {
            [one] => one.display().to_string(),
            many => format!("{} specs", many.len()),
        };
        progress.say(&format!(
            "Checking {specs} against the account in {}{}",
            group.wanted.region,
            match &group.role {
                Some(role) => format!(" as {}", role.role_arn),
                None => String::new(),
            }
        ));
    }
    // Each Region and account at once, each a few round trips deep.
    let looks = rt.block_on(futures_util::future::join_all(groups.iter().map(|group| {
        let mut wanted = group.wanted.clone();
        if snapshot.is_some() {
            wanted.quotas.clear();
        }
        let target = ClientTarget {
            profile: None,
            region: wanted.region.clone(),
            endpoint_url: request.endpoint_url.clone(),
            assume_role: group.role.clone(),
            max_attempts: request.max_attempts,
            job: Job::Preflight,
        };
        let progress = &progress;
        async move {
            let clients = Clients::connect(&target).await;
            look(&clients, &wanted, progress).await
        }
    })));
    progress.clear();
    let mut live = Vec::new();
    for (group, looked) in groups.into_iter().zip(looks) {
        let mut facts = match looked {
            Ok(facts) => facts,
            Err(e) => return fail(&e, err),
        };
        if let Some(snapshot) = &snapshot {
            if snapshot.region.as_deref() != Some(group.wanted.region.as_str()) {
                writeln!(
                    err,
                    "warning: the quota snapshot is of {}, specs are in {}: its values are not used for them",
                    escape(snapshot.region.as_deref().unwrap_or("another Region")),
                    escape(&group.wanted.region)
                )?;
            }
            facts.quotas = snapshot.quotas.clone();
            facts.quota_origin = snapshot.quota_origin.clone();
            facts.usage = snapshot.usage.clone();
            facts.region = snapshot.region.clone();
        }
        if let Some(caller) = &facts.caller {
            writeln!(
                err,
                "Checked {} as {}.",
                escape(&group.wanted.region),
                escape(caller)
            )?;
        }
        live.push(run::LiveGroup {
            specs: group.specs,
            facts,
        });
    }
    let online = run::Request {
        paths: request.lint.paths.clone(),
        config: request.lint.config.clone(),
        overrides: request.lint.overrides.clone(),
        deny_warnings: request.lint.deny_warnings,
        max_file_size: request.lint.max_file_size,
        provisioning: None,
        catalog: request.lint.catalog.clone(),
        live,
        quota_snapshot: None,
        stdin_filename: None,
    };
    report_outcome(
        run::lint(&online, cwd),
        request.format,
        request.style,
        out,
        err,
    )
}

/// Specs checked against one Region of one account, as one set of reads.
struct Fleet {
    specs: Vec<PathBuf>,
    role: Option<AssumeRole>,
    wanted: Wanted,
}

/// The specs grouped by the Region and the role they are provisioned
/// with: the reads of a group are made once, with its credentials.
fn fleets(files: &[PathBuf]) -> Result<Vec<Fleet>, awscluster_lint::error::Error> {
    let mut groups: Vec<Fleet> = Vec::new();
    for path in files {
        // The lint before this one passed: the typed spec is all that is
        // wanted of it.
        let spec = run::read_linted_spec(path)?;
        let role = spec.assume_role().map(|r| AssumeRole {
            role_arn: r.role_arn.to_string(),
            external_id: r.external_id.as_deref().cloned(),
        });
        let wanted = Wanted::of(&spec);
        match groups
            .iter_mut()
            .find(|g| g.wanted.region == wanted.region && g.role == role)
        {
            Some(group) => {
                group.specs.push(path.clone());
                group.wanted.add(wanted);
            }
            None => groups.push(Fleet {
                specs: vec![path.clone()],
                role,
                wanted,
            }),
        }
    }
    Ok(groups)
}

//! `awscluster quotas snapshot`: the account's quota values and usage in
//! one Region, as JSON (`schemas/quotas.schema.json`), for `lint --quotas`
//! and `preflight --quotas` where there are no credentials.

use std::io::{self, Write};

use awscluster_lint::diagnostic::escape::escape;

use super::{fail, runtime};
use crate::aws::clients::{Clients, Target as ClientTarget};
use crate::aws::error::Error;
use crate::aws::permissions::Job;

pub struct SnapshotRequest {
    pub region: String,
    pub endpoint_url: Option<String>,
    pub max_attempts: u32,
}

pub fn snapshot_command(
    request: &SnapshotRequest,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<u8> {
    let rt = match runtime() {
        Ok(rt) => rt,
        Err(e) => return fail(&e, err),
    };
    let taken_at = aws_smithy_types::DateTime::from(std::time::SystemTime::now())
        .fmt(aws_smithy_types::date_time::Format::DateTime)
        .map_err(|e| Error::Usage(format!("the clock cannot be read as a date: {e}")));
    let taken_at = match taken_at {
        Ok(t) => t,
        Err(e) => return fail(&e, err),
    };
    let target = ClientTarget {
        profile: None,
        region: request.region.clone(),
        endpoint_url: request.endpoint_url.clone(),
        assume_role: None,
        max_attempts: request.max_attempts,
        job: Job::Preflight,
    };
    let taken = rt.block_on(async {
        let clients = Clients::connect(&target).await;
        crate::preflight::snapshot(&clients, &request.region, taken_at).await
    });
    let (snapshot, problems) = match taken {
        Ok(taken) => taken,
        Err(e) => return fail(&e, err),
    };
    for p in &problems {
        writeln!(
            err,
            "warning: could not read {}: {}; grant {} (the built-in table's value is recorded instead)",
            escape(&p.what),
            escape(&p.reason),
            p.action
        )?;
    }
    let text = serde_json::to_string_pretty(&snapshot)
        .map_err(|e| io::Error::other(format!("a snapshot as JSON: {e}")))?;
    writeln!(out, "{text}")?;
    Ok(super::EXIT_OK)
}

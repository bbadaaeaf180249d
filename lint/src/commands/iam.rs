//! `awscluster iam …`: lint policies, check what they grant, print the
//! required ones, repack them, and write a trust policy.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::{EXIT_FAILURE, report_outcome};
use crate::error::Error;
use crate::iam::{self, Usage};
use crate::report::{Format, Style};
use crate::run::Request;
use crate::suggest;

#[allow(clippy::too_many_arguments)]
pub fn lint(
    request: &Request,
    usage: Usage,
    together: bool,
    cwd: &Path,
    format: Format,
    style: Style,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<u8> {
    report_outcome(
        crate::run::iam::lint(request, usage, together, cwd),
        format,
        style,
        out,
        err,
    )
}

#[allow(clippy::too_many_arguments)]
pub fn check(
    request: &Request,
    granted: &[PathBuf],
    required: &[PathBuf],
    unused: bool,
    cwd: &Path,
    format: Format,
    style: Style,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<u8> {
    report_outcome(
        crate::run::iam::check(request, granted, required, unused, cwd),
        format,
        style,
        out,
        err,
    )
}

/// The short names `iam print` takes: `controller` for
/// `policies/controller.json`.
fn short_name(path: &str) -> &str {
    path.trim_start_matches("policies/")
        .trim_end_matches(".json")
}

/// `awscluster iam print [NAME]`: one required policy as plain JSON, or all
/// of them, each under a comment line naming it. Returns the text to print.
pub fn print(name: Option<&str>) -> Result<String, Error> {
    let builtin = iam::required::builtin();
    match name {
        Some(name) => {
            let Some((_, text)) = builtin.iter().find(|(path, _)| short_name(path) == name) else {
                let names = builtin.iter().map(|(p, _)| short_name(p));
                let hint = suggest::closest(name, names.clone()).map_or_else(
                    || format!("; the policies are {}", suggest::list(names)),
                    |b| format!("; did you mean `{b}`?"),
                );
                return Err(Error::Usage(format!(
                    "no required policy is called `{name}`{hint}"
                )));
            };
            Ok(text.to_string())
        }
        None => {
            let mut out = String::new();
            for (i, (path, text)) in builtin.iter().enumerate() {
                let size = text.chars().filter(|c| !c.is_whitespace()).count();
                if i > 0 {
                    out.push('\n');
                }
                out.push_str(&format!(
                    "# {} ({path}, {size} characters): create it as a managed policy and attach it to the provisioning role\n",
                    short_name(path)
                ));
                out.push_str(text);
            }
            Ok(out)
        }
    }
}

fn to_json(value: &serde_json::Value) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text
}

/// `awscluster iam split`: the required statements (built-in, or from
/// `required`) repacked into as few managed policies as fit `max_chars`.
/// Returns the documents as a JSON array, or with `out_dir` writes them
/// there and returns what it wrote.
pub fn split(
    max_chars: usize,
    required: &[PathBuf],
    out_dir: Option<&Path>,
) -> Result<String, Error> {
    let owned;
    let policies: &[iam::policy::Policy] = if required.is_empty() {
        crate::run::iam::builtin_policies()
    } else {
        owned = read_valid_policies(required)?;
        &owned
    };
    let documents =
        iam::split::split(policies, max_chars).map_err(|e| Error::Usage(e.to_string()))?;
    let Some(dir) = out_dir else {
        return Ok(to_json(&serde_json::Value::Array(documents)));
    };
    std::fs::create_dir_all(dir).map_err(|source| Error::Read {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut written = String::new();
    for (i, doc) in documents.iter().enumerate() {
        let path = dir.join(format!("policy-{}.json", i + 1));
        let text = to_json(doc);
        std::fs::write(&path, &text).map_err(|source| Error::Read {
            path: path.clone(),
            source,
        })?;
        let size = text.chars().filter(|c| !c.is_whitespace()).count();
        written.push_str(&format!("{}: {size} characters\n", path.display()));
    }
    Ok(written)
}

/// Reads policies that must be valid to be repacked: a grammar error
/// stops the command.
fn read_valid_policies(paths: &[PathBuf]) -> Result<Vec<iam::policy::Policy>, Error> {
    let mut policies = Vec::new();
    for path in paths {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
            path: path.clone(),
            source,
        })?;
        let file = std::sync::Arc::new(crate::source::SourceFile::new(path, text));
        let (read, sink) = crate::rules::iam::read_with_grammar(&file);
        let broken = sink
            .into_diagnostics()
            .iter()
            .any(|d| d.severity == crate::Severity::Error);
        match read {
            Some((_, policy)) if !broken => policies.push(policy),
            _ => {
                return Err(Error::Usage(format!(
                    "`{}` is not a valid policy: `awscluster iam lint` says why",
                    path.display()
                )));
            }
        }
    }
    Ok(policies)
}

/// `awscluster iam trust-policy`: the trust policy of the provisioning
/// role, which the seed guide's STS setup creates: the caller's account may
/// assume it, with the external ID. Returns the policy's text.
pub fn trust_policy(account: &str, external_id: &str, partition: &str) -> Result<String, Error> {
    if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::Usage(format!(
            "`{account}` is not an AWS account ID (12 digits)"
        )));
    }
    let valid_id = (2..=1224).contains(&external_id.chars().count())
        && external_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@:/-_".contains(c));
    if !valid_id {
        return Err(Error::Usage(
            "an external ID has 2 to 1,224 characters from letters, digits and `+=,.@:/-_`".into(),
        ));
    }
    if !iam::arn::PARTITIONS.contains(&partition) {
        return Err(Error::Usage(format!(
            "`{partition}` is not a partition (aws, aws-cn, aws-us-gov, …)"
        )));
    }
    Ok(to_json(&serde_json::json!({
        "Version": iam::policy::CURRENT_VERSION,
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"AWS": format!("arn:{partition}:iam::{account}:root")},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": external_id}}
        }]
    })))
}

/// Prints a command's text, or its error, and returns the exit status.
pub fn finish(
    result: Result<String, Error>,
    style: Style,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<u8> {
    match result {
        Ok(text) => out.write_all(text.as_bytes()).map(|()| 0),
        Err(error) => fail(&error, style, err),
    }
}

/// The exit status for a command that failed with `error`, after printing it.
pub fn fail(error: &Error, style: Style, err: &mut dyn Write) -> io::Result<u8> {
    super::print_error(error, style, err)?;
    Ok(EXIT_FAILURE)
}

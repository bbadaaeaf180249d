//! `--fix`, `--unsafe-fixes` and `--diff` for `lint` and `iam lint`: the
//! fixes of each file's own findings applied by span, the file linted again
//! after each pass, then the run reported as it stands.

use std::io::{self, Write};
use std::path::Path;
use std::sync::Arc;

use crate::diagnostic::escape::escape;
use crate::diagnostic::{Diagnostic, SourceFile};
use crate::error::Error;
use crate::fix::{Applicability, fix_text, fixable};
use crate::report::{Format, Style};
use crate::run::{Outcome, Prepared};

#[derive(Debug, Clone, Copy)]
pub struct FixRequest {
    /// `--unsafe-fixes`: also the fixes that might change meaning.
    pub unsafe_fixes: bool,
    /// `--diff`: print the changes, write nothing.
    pub diff: bool,
}

/// How one file's findings are made from its text, with the run's
/// configuration.
pub type Check<'a> = dyn Fn(&crate::run::Prepared, &Arc<SourceFile>) -> Vec<Diagnostic> + Sync + 'a;

/// Fixes the files `lint` checks, each by its own findings (`check`, with
/// the configuration `lint_request` finds), then reports `lint` again.
/// With `--diff`, prints each file's changes instead and exits 1 when
/// there are some.
#[allow(clippy::too_many_arguments)]
pub fn fix_files(
    request: FixRequest,
    lint_request: &crate::run::Request,
    cwd: &Path,
    lint: &dyn Fn(&Prepared) -> Outcome,
    check: &Check<'_>,
    format: Format,
    style: Style,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<u8> {
    let (prepared, mut fixed) = match prepare(request, lint_request, cwd, format, style, out, err)?
    {
        Ok(prepared) => prepared,
        Err(status) => return Ok(status),
    };
    let mut changed_files = usize::from(fixed > 0);
    let check = |file: &Arc<SourceFile>| check(&prepared, file);
    let before = lint(&prepared);
    if before
        .files
        .iter()
        .any(|f| f.as_os_str() == crate::run::walk::STDIN)
    {
        writeln!(
            err,
            "error: --fix edits files; save stdin's text to one first"
        )?;
        return Ok(super::EXIT_FAILURE);
    }
    let allowed = if request.unsafe_fixes {
        Applicability::Unsafe
    } else {
        Applicability::Safe
    };
    for path in &before.files {
        let has_fix = fixable(&before.diagnostics, path, allowed).next().is_some();
        if !has_fix {
            continue;
        }
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) => {
                writeln!(err, "error: cannot read `{}`: {e}", shown(path))?;
                return Ok(super::EXIT_FAILURE);
            }
        };
        let result = fix_text(path, text.clone(), allowed, &check);
        if result.applied == 0 || result.text == text {
            continue;
        }
        fixed += result.applied;
        changed_files += 1;
        if request.diff {
            out.write_all(crate::fix::diff(path, &text, &result.text).as_bytes())?;
        } else if let Err(e) = write_in_place(path, &result.text) {
            writeln!(err, "error: cannot write `{}`: {e}", shown(path))?;
            return Ok(super::EXIT_FAILURE);
        }
    }
    if request.diff {
        writeln!(
            err,
            "Would fix {} in {}.",
            counted(fixed, "finding"),
            counted(changed_files, "file")
        )?;
        return Ok(if fixed > 0 { 1 } else { 0 });
    }
    if fixed > 0 {
        writeln!(
            err,
            "Fixed {} in {}.",
            counted(fixed, "finding"),
            counted(changed_files, "file")
        )?;
    }
    let after = lint(&prepared);
    if !request.unsafe_fixes {
        let waiting = after.diagnostics.iter().filter(|d| d.fix.is_some()).count();
        if waiting > 0 {
            writeln!(
                err,
                "{} more can be fixed with --unsafe-fixes (they might change what the file means; try --diff first).",
                counted(waiting, "finding")
            )?;
        }
    }
    super::report_outcome(Ok(after), format, style, out, err)
}

/// "1 file", "2 files".
fn counted(n: usize, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

/// The run's configuration, and how many of its problems were fixed to
/// get it: a configuration with guessable typos is fixed first (with
/// `--unsafe-fixes`), since nothing else can be checked until it is
/// valid. `Err`: the status to stop with, everything said.
#[allow(clippy::too_many_arguments)]
fn prepare(
    request: FixRequest,
    lint_request: &crate::run::Request,
    cwd: &Path,
    format: Format,
    style: Style,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<Result<(Prepared, usize), u8>> {
    let stop = |e: Error, out: &mut dyn Write, err: &mut dyn Write| {
        super::report_outcome(Err(e), format, style, out, err).map(Err)
    };
    let (file, fixes, error) = match crate::run::prepare(lint_request, cwd) {
        Ok(prepared) => return Ok(Ok((prepared, 0))),
        Err(Error::Config { file, problems }) if problems.iter().any(|p| p.fix.is_some()) => {
            let fixes: Vec<crate::fix::Fix> =
                problems.iter().filter_map(|p| p.fix.clone()).collect();
            let error = Error::Config {
                file: Arc::clone(&file),
                problems,
            };
            (file, fixes, error)
        }
        Err(e) => return stop(e, out, err),
    };
    if !request.unsafe_fixes {
        super::print_error(&error, style, err)?;
        writeln!(
            err,
            "{} of these can be fixed with --unsafe-fixes (they are guesses; try --diff first).",
            fixes.len()
        )?;
        return Ok(Err(super::EXIT_FAILURE));
    }
    let path = cwd.join(&file.path);
    let Some((text, applied)) = fix_configuration(&file, &fixes) else {
        return stop(error, out, err);
    };
    if request.diff {
        out.write_all(crate::fix::diff(&file.path, &file.text, &text).as_bytes())?;
        writeln!(
            err,
            "Would fix {} in 1 file; the other files are checked once `{}` is valid.",
            counted(applied, "finding"),
            shown(&file.path)
        )?;
        return Ok(Err(1));
    }
    if let Err(e) = write_in_place(&path, &text) {
        writeln!(err, "error: cannot write `{}`: {e}", shown(&file.path))?;
        return Ok(Err(super::EXIT_FAILURE));
    }
    match crate::run::prepare(lint_request, cwd) {
        Ok(prepared) => Ok(Ok((prepared, applied))),
        Err(e) => {
            writeln!(err, "Fixed {} in 1 file.", counted(applied, "finding"))?;
            stop(e, out, err)
        }
    }
}

/// The configuration's text with its fixes applied, and how many were,
/// when the result is still TOML. A file that is not UTF-8 was read with
/// replacements, and is left alone.
fn fix_configuration(file: &SourceFile, fixes: &[crate::fix::Fix]) -> Option<(String, usize)> {
    if !file.invalid_bytes().is_empty() {
        return None;
    }
    let fixes: Vec<&crate::fix::Fix> = fixes.iter().collect();
    let (text, applied) = crate::fix::apply(&file.text, &fixes);
    toml::from_str::<toml::Table>(&text)
        .ok()
        .map(|_| (text, applied))
}

fn shown(path: &Path) -> String {
    escape(&path.display().to_string()).into_owned()
}

/// Replaces the file's text whole or not at all: a temporary beside it,
/// with its permissions, renamed over it.
fn write_in_place(path: &Path, text: &str) -> io::Result<()> {
    let permissions = std::fs::metadata(path)?.permissions();
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".awscluster-fix");
    let temporary = path.with_file_name(name);
    let written = std::fs::write(&temporary, text)
        .and_then(|()| std::fs::set_permissions(&temporary, permissions))
        .and_then(|()| std::fs::rename(&temporary, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written
}

/// `awscluster lint --fix`: each spec's own findings' fixes (those of the
/// policy files it names are `iam lint --fix`'s).
pub fn lint_fix(
    request: &crate::run::Request,
    fix: FixRequest,
    cwd: &Path,
    format: Format,
    style: Style,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<u8> {
    let sets = crate::run::iam::PolicySets::default();
    fix_files(
        fix,
        request,
        cwd,
        &|prepared| crate::run::lint_prepared(request, prepared),
        &|prepared, file| {
            crate::run::spec::check_spec(file, prepared.settings_for(&file.path), &sets)
        },
        format,
        style,
        out,
        err,
    )
}

/// `awscluster iam lint --fix`: each policy file's own findings' fixes.
#[allow(clippy::too_many_arguments)]
pub fn iam_lint_fix(
    request: &crate::run::Request,
    usage: crate::iam::Usage,
    together: bool,
    fix: FixRequest,
    cwd: &Path,
    format: Format,
    style: Style,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<u8> {
    fix_files(
        fix,
        request,
        cwd,
        &|prepared| crate::run::iam::lint_prepared(request, usage, together, prepared),
        &|prepared, file| {
            crate::rules::iam::check_policy(file, usage, &prepared.settings).diagnostics
        },
        format,
        style,
        out,
        err,
    )
}

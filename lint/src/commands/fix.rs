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
use crate::run::Outcome;

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
    lint: &dyn Fn() -> Result<Outcome, Error>,
    check: &Check<'_>,
    format: Format,
    style: Style,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<u8> {
    let files = |n: usize| format!("{n} file{}", if n == 1 { "" } else { "s" });
    let findings = |n: usize| format!("{n} finding{}", if n == 1 { "" } else { "s" });
    // A configuration with a guessable typo is fixed first: nothing else
    // can be checked until it is valid.
    let mut fixed = 0;
    let mut changed_files = 0;
    let prepared = match crate::run::prepare(lint_request, cwd) {
        Ok(prepared) => prepared,
        Err(Error::Config {
            file,
            problems,
            fixes,
        }) if !fixes.is_empty() => {
            let count = fixes.len();
            let error = Error::Config {
                file: Arc::clone(&file),
                problems,
                fixes: Vec::new(),
            };
            if !request.unsafe_fixes {
                super::print_error(&error, style, err)?;
                writeln!(
                    err,
                    "{count} of these can be fixed with --unsafe-fixes (they are guesses; try --diff first)."
                )?;
                return Ok(super::EXIT_FAILURE);
            }
            let path = cwd.join(&file.path);
            let Some(text) = fix_configuration(&path, &file, &fixes) else {
                return super::report_outcome(Err(error), format, style, out, err);
            };
            if request.diff {
                out.write_all(crate::fix::diff(&file.path, &file.text, &text).as_bytes())?;
                writeln!(
                    err,
                    "Would fix {} in 1 file; the other files are checked once `{}` is valid.",
                    findings(count),
                    shown(&file.path)
                )?;
                return Ok(1);
            }
            if let Err(e) = write_in_place(&path, &text) {
                writeln!(err, "error: cannot write `{}`: {e}", shown(&file.path))?;
                return Ok(super::EXIT_FAILURE);
            }
            fixed += count;
            changed_files += 1;
            match crate::run::prepare(lint_request, cwd) {
                Ok(prepared) => prepared,
                Err(e) => {
                    writeln!(err, "Fixed {} in 1 file.", findings(count))?;
                    return super::report_outcome(Err(e), format, style, out, err);
                }
            }
        }
        Err(e) => return super::report_outcome(Err(e), format, style, out, err),
    };
    let check = |file: &Arc<SourceFile>| check(&prepared, file);
    let before = match lint() {
        Ok(outcome) => outcome,
        Err(e) => return super::report_outcome(Err(e), format, style, out, err),
    };
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
            findings(fixed),
            files(changed_files)
        )?;
        return Ok(if fixed > 0 { 1 } else { 0 });
    }
    if fixed > 0 {
        writeln!(
            err,
            "Fixed {} in {}.",
            findings(fixed),
            files(changed_files)
        )?;
    }
    let after = lint();
    if let Ok(outcome) = &after
        && !request.unsafe_fixes
    {
        let waiting = outcome
            .diagnostics
            .iter()
            .filter(|d| d.fix.is_some())
            .count();
        if waiting > 0 {
            writeln!(
                err,
                "{} more can be fixed with --unsafe-fixes (they might change what the file means; try --diff first).",
                findings(waiting)
            )?;
        }
    }
    super::report_outcome(after, format, style, out, err)
}

/// The configuration's text with its fixes applied, when that is what the
/// file on disk holds (a file that is not UTF-8 was read with
/// replacements, and is left alone) and the result is still TOML.
fn fix_configuration(path: &Path, file: &SourceFile, fixes: &[crate::fix::Fix]) -> Option<String> {
    let on_disk = std::fs::read_to_string(path).ok()?;
    if on_disk != file.text {
        return None;
    }
    let fixes: Vec<&crate::fix::Fix> = fixes.iter().collect();
    let (text, _) = crate::fix::apply(&file.text, &fixes);
    toml::from_str::<toml::Table>(&text).ok().map(|_| text)
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
        &|| crate::run::lint(request, cwd),
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
        &|| crate::run::iam::lint(request, usage, together, cwd),
        &|prepared, file| {
            crate::rules::iam::check_policy(file, usage, &prepared.settings).diagnostics
        },
        format,
        style,
        out,
        err,
    )
}

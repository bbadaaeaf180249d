//! A lint run: find the files, lint them in parallel, apply the
//! configuration, and say how it went.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

pub mod iam;
pub mod spec;

use crate::config::{Config, Selector};
use crate::diagnostic::{Diagnostic, Severity};
use crate::error::Error;
use crate::rules::Settings;
use crate::rules::config::unused_ignore::UNUSED_IGNORE;

/// What the command line asked for.
#[derive(Debug, Default)]
pub struct Request {
    /// Files and directories; the current directory when empty.
    pub paths: Vec<PathBuf>,
    /// `--config`; otherwise `awscluster.toml` is looked for upward.
    pub config: Option<PathBuf>,
    /// `-D`/`-W`/`-A` in the order given (later ones win).
    pub overrides: Vec<(String, Option<Severity>)>,
    pub deny_warnings: bool,
}

/// What a run found.
#[derive(Debug)]
pub struct Outcome {
    /// The files linted, in the order reported.
    pub files: Vec<PathBuf>,
    pub diagnostics: Vec<Diagnostic>,
    pub deny_warnings: bool,
    /// Files that could not be read; the run still reports the others.
    pub failures: Vec<Error>,
}

impl Outcome {
    pub fn count(&self, severity: Severity) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == severity)
            .count()
    }

    /// 2 when a file could not be read, 1 when there are errors (or
    /// warnings with `--deny-warnings`), 0 otherwise.
    pub fn exit_code(&self) -> u8 {
        if !self.failures.is_empty() {
            2
        } else if self.count(Severity::Error) > 0
            || (self.deny_warnings && self.count(Severity::Warning) > 0)
        {
            1
        } else {
            0
        }
    }
}

/// The configuration and overrides a run applies.
pub struct Prepared {
    pub config: Config,
    pub overrides: Vec<(Selector, Option<Severity>)>,
    pub settings: Settings,
    pub deny_warnings: bool,
}

/// Loads the configuration and checks the command line's rule codes.
pub fn prepare(request: &Request, cwd: &Path) -> Result<Prepared, Error> {
    let config = Config::discover(request.config.as_deref(), cwd)?;
    let overrides = request
        .overrides
        .iter()
        .map(|(code, level)| {
            Selector::parse(code)
                .map(|s| (s, *level))
                .map_err(Error::Usage)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let settings = Settings {
        quotas: config.quotas.clone(),
    };
    Ok(Prepared {
        deny_warnings: request.deny_warnings || config.deny_warnings,
        config,
        overrides,
        settings,
    })
}

/// Applies severities and ignores to a run's findings, reports the ignores
/// that matched nothing, and orders the result.
pub fn finish(
    prepared: &Prepared,
    files: Vec<PathBuf>,
    mut diagnostics: Vec<Diagnostic>,
    failures: Vec<Error>,
) -> Outcome {
    let config = &prepared.config;
    let overrides = &prepared.overrides;
    let mut used = vec![false; config.ignores.len()];
    diagnostics.retain_mut(|d| {
        let Some(severity) = config.severity(d.rule, overrides) else {
            return false;
        };
        d.severity = severity;
        let relative = config.relative(&d.file().path);
        let ignored_by = config
            .ignores
            .iter()
            .position(|i| i.applies_to(&relative) && i.selectors.iter().any(|s| s.matches(d.rule)));
        match ignored_by {
            Some(i) => {
                used[i] = true;
                false
            }
            None => true,
        }
    });
    if let Some(config_file) = &config.file
        && let Some(severity) = config.severity(&UNUSED_IGNORE, overrides)
    {
        for (ignore, used) in config.ignores.iter().zip(&used) {
            let in_scope = files.iter().any(|f| ignore.applies_to(&config.relative(f)));
            if !used && in_scope {
                let mut d = Diagnostic::new(
                    &UNUSED_IGNORE,
                    config_file,
                    ignore.span,
                    "this ignore matched no finding",
                );
                d.severity = severity;
                d.with_help("remove it: the findings it was added for are gone");
                diagnostics.push(d);
            }
        }
    }
    diagnostics.sort_by_cached_key(Diagnostic::sort_key);
    // Specs that share a policy file report its findings once.
    diagnostics.dedup_by(|a, b| a.sort_key() == b.sort_key() && a.message == b.message);
    Outcome {
        files,
        diagnostics,
        deny_warnings: prepared.deny_warnings,
        failures,
    }
}

/// Runs the linter on specs as `request` says, from `cwd`.
pub fn lint(request: &Request, cwd: &Path) -> Result<Outcome, Error> {
    let prepared = prepare(request, cwd)?;
    let roots = roots(request);
    let files = find_files(&roots, &|path| prepared.config.includes(path))?;
    let mut diagnostics = Vec::new();
    let mut failures = Vec::new();
    for result in lint_files(&files, &prepared.settings) {
        match result {
            Ok(found) => diagnostics.extend(found),
            Err(e) => failures.push(e),
        }
    }
    Ok(finish(&prepared, files, diagnostics, failures))
}

/// The paths to search: the request's, or the current directory.
pub fn roots(request: &Request) -> Vec<PathBuf> {
    if request.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        request.paths.clone()
    }
}

/// The files to lint: files named on the command line whatever their name;
/// in directories, the files `wanted` accepts, skipping what `.gitignore`
/// and hidden directories hide.
pub fn find_files(
    roots: &[PathBuf],
    wanted: &dyn Fn(&Path) -> bool,
) -> Result<Vec<PathBuf>, Error> {
    let mut files = Vec::new();
    for root in roots {
        let meta = std::fs::metadata(root).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Error::NotFound { path: root.clone() },
            _ => Error::Read {
                path: root.clone(),
                source: e,
            },
        })?;
        if !meta.is_dir() {
            files.push(root.clone());
            continue;
        }
        let mut found = Vec::new();
        // The repository's ignore files, not the user's global excludes
        // file: what a lint finds should not depend on whose machine runs it.
        let walker = ignore::WalkBuilder::new(root)
            .require_git(false)
            .git_global(false)
            .sort_by_file_path(|a, b| a.cmp(b))
            .build();
        for entry in walker {
            let entry = entry.map_err(|e| Error::Walk {
                path: root.clone(),
                message: e.to_string(),
            })?;
            if entry.file_type().is_some_and(|t| t.is_file()) && wanted(entry.path()) {
                found.push(entry.path().to_path_buf());
            }
        }
        files.extend(found);
    }
    let mut seen = std::collections::HashSet::new();
    files.retain(|f| seen.insert(f.clone()));
    Ok(files)
}

/// Lints every file, on as many threads as there are cores (and files);
/// results come back in the files' order.
pub fn lint_files(files: &[PathBuf], settings: &Settings) -> Vec<Result<Vec<Diagnostic>, Error>> {
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(files.len());
    if workers <= 1 {
        return files.iter().map(|f| lint_file(f, settings)).collect();
    }
    let next = AtomicUsize::new(0);
    let mut results: Vec<(usize, Result<Vec<Diagnostic>, Error>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(file) = files.get(i) else { break };
                        mine.push((i, lint_file(file, settings)));
                    }
                    mine
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| {
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, r)| r).collect()
}

fn lint_file(path: &Path, settings: &Settings) -> Result<Vec<Diagnostic>, Error> {
    let bytes = std::fs::read(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(spec::check_bytes(path, bytes, settings))
}

/// What the provisioner gets for a spec file: the spec, read, when the
/// linter (with the configuration, as `awscluster lint FILE` runs it) found
/// no error in it; otherwise the findings, which it reports and stops on.
pub enum Validated {
    Ready {
        spec: Box<crate::spec::ClusterSpec>,
        layout: crate::layout::Layout,
        /// The warnings and notes, for the user to see before anything runs.
        outcome: Outcome,
    },
    Refused(Outcome),
}

pub fn validate(path: &Path, config: Option<&Path>, cwd: &Path) -> Result<Validated, Error> {
    let request = Request {
        paths: vec![path.to_path_buf()],
        config: config.map(Path::to_path_buf),
        ..Request::default()
    };
    let mut outcome = lint(&request, cwd)?;
    if let Some(failure) = outcome.failures.pop() {
        return Err(failure);
    }
    if outcome.count(Severity::Error) > 0 {
        return Ok(Validated::Refused(outcome));
    }
    let text = std::fs::read_to_string(path).map_err(|e| Error::Read {
        path: path.to_path_buf(),
        source: e,
    })?;
    let file = crate::source::SourceFile::new(path, text);
    // The linter read this very text without an error, so neither step can
    // fail; saying so beats a panic if that ever stops being true.
    let unreadable = || Error::Usage(format!("`{}` changed while it was read", path.display()));
    let root = crate::source::parse(&file).map_err(|_| unreadable())?;
    let spec: crate::spec::ClusterSpec =
        crate::spec::de::from_node(&root).map_err(|_| unreadable())?;
    let layout = crate::layout::Layout::of(&spec);
    Ok(Validated::Ready {
        spec: Box::new(spec),
        layout,
        outcome,
    })
}

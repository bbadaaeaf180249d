//! The IAM commands' runs: lint policy files, check what they grant, and
//! the same for the policies a spec names.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use super::walk::{Found, walk};
use super::{Outcome, Request, finish, pool, prepare, roots};
use crate::diagnostic::Diagnostic;
use crate::error::Error;
use crate::iam::Usage;
use crate::iam::policy::{Policy, read_unchecked};
use crate::iam::required::{self, Requirement};
use crate::input::{self as read, Limits};
use crate::rules::Settings;
use crate::rules::iam::coverage::{self, Anchor};
use crate::rules::iam::policy_not_found::POLICY_NOT_FOUND;
use crate::rules::iam::privilege_escalation;
use crate::rules::iam::unused_grant::{self, UNUSED_GRANT};
use crate::rules::iam::{Checked, check_policy, check_set, read_with_grammar};
use crate::rules::spec::syntax::SYNTAX;
use crate::source::{SourceFile, Span};

/// Policy files in a directory walk.
fn is_policy_file(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
}

fn read_file(path: &Path, named: bool, limits: Limits) -> Result<Arc<SourceFile>, Error> {
    read::read(path, named, limits).map(Arc::new)
}

/// Whether a JSON file a directory walk found is a policy: a document with
/// a top-level `Statement` (or, when it does not parse, one that mentions
/// it, so that a broken policy is still reported).
fn is_policy_document(file: &SourceFile) -> bool {
    match crate::source::parse(file) {
        Ok(root) => root.get("Statement").is_some(),
        Err(_) => file.text.contains("\"Statement\""),
    }
}

/// What `iam lint` found: each file read (or why not), what its walks
/// could not walk, and how many JSON files it left out as not policies.
type PolicyFiles = (
    Vec<(Found, Result<Arc<SourceFile>, Error>)>,
    Vec<Error>,
    usize,
);

/// The files `iam lint` lints: named ones whatever they are; in
/// directories, the JSON files the configuration's `[files] policies`
/// patterns pick, or else the JSON files that are policies.
fn policy_files(
    prepared: &super::Prepared,
    roots: &[PathBuf],
    stdin_filename: Option<&Path>,
) -> PolicyFiles {
    let config = &prepared.config;
    let mut walked = walk(roots, &|path| {
        is_policy_file(path) && config.picks_policy(path).unwrap_or(true)
    });
    walked.name_stdin(stdin_filename);
    let limits = prepared.limits;
    let read: Vec<Result<Arc<SourceFile>, Error>> = pool::map(&walked.files, |found| {
        super::walk::read_found(found, limits).map(Arc::new)
    });
    let mut skipped = 0;
    let mut files = Vec::new();
    for (found, result) in walked.files.into_iter().zip(read) {
        let sniff = !found.named && config.picks_policy(&found.path).is_none();
        if sniff && matches!(&result, Ok(file) if !is_policy_document(file)) {
            skipped += 1;
            continue;
        }
        files.push((found, result));
    }
    (files, walked.failures, skipped)
}

/// `awscluster iam lint`: every policy file's lints, then, when they are
/// the policies of one principal (`together`), the checks of the files
/// together (inline quotas, policies attached to one role).
pub fn lint(request: &Request, usage: Usage, together: bool, cwd: &Path) -> Result<Outcome, Error> {
    Ok(lint_prepared(
        request,
        usage,
        together,
        &prepare(request, cwd)?,
    ))
}

/// [`lint`] with the configuration already loaded.
pub fn lint_prepared(
    request: &Request,
    usage: Usage,
    together: bool,
    prepared: &super::Prepared,
) -> Outcome {
    let (found, mut failures, skipped) =
        policy_files(prepared, &roots(request), request.stdin_filename.as_deref());
    let settings = &prepared.settings;
    let checked: Vec<Option<Checked>> = pool::map(&found, |(_, result)| {
        result
            .as_ref()
            .ok()
            .map(|file| check_policy(file, usage, settings))
    });
    let mut diagnostics = Vec::new();
    let mut policies = Vec::new();
    let mut files = Vec::new();
    for ((path, result), c) in found.into_iter().zip(checked) {
        match result {
            Ok(_) => files.push(path.path),
            Err(e) => failures.push(e),
        }
        if let Some(c) = c {
            diagnostics.extend(c.diagnostics);
            policies.extend(c.policy);
        }
    }
    if together {
        let refs: Vec<&Policy> = policies.iter().collect();
        diagnostics.extend(check_set(&refs, usage, settings));
    } else {
        // Each document is what some principal holds, alone as far as
        // this run knows.
        for policy in &policies {
            diagnostics.extend(privilege_escalation::findings([policy]));
        }
    }
    let mut outcome = finish(prepared, files, diagnostics, failures);
    if skipped > 0 {
        outcome.skipped = Some((skipped, "JSON files without a top-level `Statement`"));
    }
    outcome.looked_for =
        "No policy files found (directories are searched for JSON files with a top-level `Statement`).".into();
    outcome
}

/// The built-in required policies, read once.
pub fn builtin_policies() -> &'static [Policy] {
    static POLICIES: OnceLock<Vec<Policy>> = OnceLock::new();
    POLICIES.get_or_init(|| {
        required::builtin()
            .iter()
            .filter_map(|(name, text)| {
                read_unchecked(&Arc::new(SourceFile::new(*name, text.to_string())))
            })
            .collect()
    })
}

/// What the provisioner calls (the default requirement), read once.
pub fn provisioning_policy() -> &'static [Policy] {
    static POLICY: OnceLock<Vec<Policy>> = OnceLock::new();
    POLICY.get_or_init(|| {
        let (name, text) = required::provisioning();
        read_unchecked(&Arc::new(SourceFile::new(name, text.to_string())))
            .into_iter()
            .collect()
    })
}

/// What the default requirement requires, worked out once.
pub fn builtin_requirements() -> &'static [Requirement<'static>] {
    static REQUIRED: OnceLock<Vec<Requirement<'static>>> = OnceLock::new();
    REQUIRED.get_or_init(|| required::from_policies(provisioning_policy()))
}

/// Reads a granted or required policy with its grammar findings (which
/// make it unusable), not its lints: `iam check` is about coverage.
fn read_for_coverage(file: &Arc<SourceFile>, diagnostics: &mut Vec<Diagnostic>) -> Option<Policy> {
    let (read, sink) = read_with_grammar(file);
    diagnostics.extend(sink.into_diagnostics());
    read.map(|(_, policy)| policy)
}

/// `awscluster iam check`: what the granted policies grant of the required
/// ones (the built-in set when none are given), and with `unused` what they
/// grant beyond them.
pub fn check(
    request: &Request,
    granted: &[PathBuf],
    required_files: &[PathBuf],
    unused: bool,
    cwd: &Path,
) -> Result<Outcome, Error> {
    let mut prepared = prepare(request, cwd)?;
    if unused {
        // Before the command line's own selectors, which may still turn it
        // off or change its level.
        prepared.overrides.insert(
            0,
            (
                crate::config::Selector::Code(UNUSED_GRANT.code),
                Some(UNUSED_GRANT.default_severity),
            ),
        );
    }
    let mut diagnostics = Vec::new();
    let mut failures = Vec::new();
    let mut files = Vec::new();
    let mut granted_policies = Vec::new();
    let walked = walk(granted, &is_policy_file);
    failures.extend(walked.failures);
    for found in walked.files {
        match read_file(&found.path, found.named, prepared.limits) {
            Ok(file) => {
                granted_policies.extend(read_for_coverage(&file, &mut diagnostics));
                files.push(found.path);
            }
            Err(e) => failures.push(e),
        }
    }
    let mut required_policies = Vec::new();
    let mut text_requirements = Vec::new();
    let walked = walk(required_files, &|_| true);
    failures.extend(walked.failures);
    for found in walked.files {
        let path = found.path;
        match read_file(&path, found.named, prepared.limits) {
            Ok(file) if file.text.trim_start().starts_with('{') => {
                required_policies.extend(read_for_coverage(&file, &mut diagnostics));
                files.push(path);
            }
            Ok(file) => {
                let mut sink = crate::rules::Sink::new(Arc::clone(&file));
                let (found, bad) = required::from_text(&file);
                text_requirements.extend(found);
                for line in bad {
                    sink.emit(&SYNTAX, line.span, format!("`{}` is not an action name", line.action))
                        .with_help("write one action per line, `service:Action`, optionally followed by resource ARNs");
                }
                diagnostics.extend(sink.into_diagnostics());
                files.push(path);
            }
            Err(e) => failures.push(e),
        }
    }
    let requirements: Vec<Requirement> = if required_files.is_empty() {
        builtin_requirements().to_vec()
    } else {
        let mut all = required::from_policies(&required_policies);
        all.extend(text_requirements);
        all
    };
    // What policies that could not be read grant is unknown: no verdict
    // rather than a wrong one.
    if failures.is_empty() {
        diagnostics.extend(privilege_escalation::findings(&granted_policies));
        if unused {
            diagnostics.extend(unused_grant::findings(&requirements, &granted_policies));
        }
        let verdicts = required::evaluate_all(&requirements, &granted_policies);
        diagnostics.extend(coverage::findings(
            &requirements,
            &verdicts,
            &Anchor::Origin,
        ));
    }
    Ok(finish(&prepared, files, diagnostics, failures))
}

/// What checking one set of policy files found, kept for every spec of the
/// run that names the same files.
struct SetResult {
    /// Findings in the policy files themselves.
    lints: Vec<Diagnostic>,
    /// Set when a spec has taken `lints` to report.
    lints_claimed: AtomicBool,
    /// Files that could not be read: (index in the set, why).
    missing: Vec<(usize, String)>,
    /// Coverage findings, pointing at a placeholder until a spec claims them.
    coverage: Vec<Diagnostic>,
}

fn check_set_of_files(paths: &[PathBuf], settings: &Settings) -> SetResult {
    // The files are independent of each other and of the built-in
    // requirement: share them out between two threads (a cold lint of one
    // spec is otherwise mostly this).
    let next = std::sync::atomic::AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            match paths.get(i) {
                Some(path) => done.push((
                    i,
                    read_file(
                        path,
                        true,
                        Limits {
                            max_file_size: settings.max_file_size,
                        },
                    )
                    .map(|file| check_policy(&file, Usage::Managed, settings)),
                )),
                None if i == paths.len() => {
                    builtin_requirements();
                }
                None => break,
            }
        }
        done
    };
    let mut results: Vec<(usize, Result<Checked, Error>)> = std::thread::scope(|scope| {
        let helper = scope.spawn(work);
        let mut mine = work();
        mine.extend(
            helper
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
        );
        mine
    });
    results.sort_by_key(|(i, _)| *i);
    let mut lints = Vec::new();
    let mut missing = Vec::new();
    let mut granted = Vec::new();
    for (i, result) in results {
        match result {
            Ok(c) => {
                lints.extend(c.diagnostics);
                granted.extend(c.policy);
            }
            Err(Error::Read { source, .. }) => missing.push((i, source.to_string())),
            Err(Error::NotFound { .. }) => missing.push((i, "it does not exist".to_string())),
            Err(other) => missing.push((i, other.to_string())),
        }
    }
    let refs: Vec<&Policy> = granted.iter().collect();
    lints.extend(check_set(&refs, Usage::Managed, settings));
    let requirements = builtin_requirements();
    let verdicts = required::evaluate_all(requirements, &granted);
    let placeholder = Arc::new(SourceFile::new("", String::new()));
    let coverage = coverage::findings(
        requirements,
        &verdicts,
        &Anchor::At(placeholder, Span::default()),
    );
    SetResult {
        lints,
        lints_claimed: AtomicBool::new(false),
        missing,
        coverage,
    }
}

/// The sets of policy files checked so far in one run, shared by its
/// specs: a set is checked once per run, and its files' own findings are
/// reported with the first spec that names it (the others would only
/// repeat them). Each run has its own, so that a file changed between two
/// runs in one process is read again.
#[derive(Default)]
pub struct PolicySets(Mutex<HashMap<CacheKey, Arc<SetResult>>>);

type CacheKey = (Vec<PathBuf>, Vec<(String, u64)>);

/// The cache key of a spec's policy files: where they are, and the quota
/// values they are checked against.
fn cache_key(
    spec_file: &SourceFile,
    policies: &[crate::spec::Spanned<String>],
    settings: &Settings,
) -> CacheKey {
    let base = spec_file.path.parent().unwrap_or(Path::new(""));
    // `specs/../policies/x.json` reads and reports as `policies/x.json`.
    let paths = policies
        .iter()
        .map(|p| crate::config::normalize(&base.join(p.as_str())))
        .collect();
    (
        paths,
        settings
            .quotas
            .iter()
            .map(|(k, v)| (k.clone(), v.to_bits()))
            .collect(),
    )
}

/// For `preflight`: the policies IAM holds for the credentials' principal,
/// each linted as the kind it is (its findings in the document as IAM
/// holds it), each owner's managed and inline sets checked against their
/// quotas, and all of them together against what provisioning needs, the
/// coverage findings at `anchor`.
pub fn check_live_policies(
    principal: &crate::live::PrincipalPolicies,
    anchor: (Arc<SourceFile>, Span),
    settings: &Settings,
) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    let mut granted: Vec<(&str, Usage, Policy)> = Vec::new();
    for p in &principal.policies {
        let file = Arc::new(SourceFile::new(p.name.as_str(), p.document.clone()));
        let checked = check_policy(&file, p.usage, settings);
        diagnostics.extend(checked.diagnostics);
        granted.extend(
            checked
                .policy
                .map(|policy| (p.owner.as_str(), p.usage, policy)),
        );
    }
    let mut sets: Vec<(&str, Usage)> = granted.iter().map(|(o, u, _)| (*o, *u)).collect();
    sets.dedup();
    for (owner, usage) in sets {
        let set: Vec<&Policy> = granted
            .iter()
            .filter(|(o, u, _)| *o == owner && *u == usage)
            .map(|(_, _, p)| p)
            .collect();
        diagnostics.extend(check_set(&set, usage, settings));
    }
    let all: Vec<Policy> = granted.into_iter().map(|(_, _, p)| p).collect();
    let requirements = builtin_requirements();
    let verdicts = required::evaluate_all(requirements, &all);
    diagnostics.extend(coverage::findings(
        requirements,
        &verdicts,
        &Anchor::At(anchor.0, anchor.1),
    ));
    diagnostics
}

/// For `awscluster lint`: the policies a spec names (`iam.policies`,
/// relative to the spec), linted as managed policies, checked as a set
/// attached to one role, and checked against the built-in requirement.
/// Coverage findings point at the spec's `iam.policies`. Specs that name the
/// same files share one check.
pub fn check_spec_policies(
    spec_file: &Arc<SourceFile>,
    policies: &[crate::spec::Spanned<String>],
    list_span: Span,
    settings: &Settings,
    sets: &PolicySets,
) -> Vec<Diagnostic> {
    let key = cache_key(spec_file, policies, settings);
    let paths = key.0.clone();
    let cached = sets.0.lock().ok().and_then(|c| c.get(&key).cloned());
    let result = match cached {
        Some(result) => result,
        None => {
            let result = Arc::new(check_set_of_files(&paths, settings));
            if let Ok(mut c) = sets.0.lock() {
                c.entry(key).or_insert_with(|| Arc::clone(&result));
            }
            result
        }
    };
    let first = !result.lints_claimed.swap(true, Ordering::Relaxed);
    let mut diagnostics = if first {
        result.lints.clone()
    } else {
        Vec::new()
    };
    for (i, reason) in &result.missing {
        let mut d = Diagnostic::new(
            &POLICY_NOT_FOUND,
            spec_file,
            policies[*i].span,
            format!("cannot read the policy `{}`: {reason}", paths[*i].display()),
        );
        d.with_help("policy paths are relative to the spec's directory");
        diagnostics.push(d);
    }
    for d in &result.coverage {
        let mut d = d.clone();
        d.labels[0].file = Arc::clone(spec_file);
        d.labels[0].span = list_span;
        diagnostics.push(d);
    }
    diagnostics
}

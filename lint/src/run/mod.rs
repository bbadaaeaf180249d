//! A lint run: find the files, lint them in parallel, apply the
//! configuration, and say how it went.

use std::path::{Path, PathBuf};

pub mod iam;
pub mod pool;
pub mod spec;
pub mod walk;

use crate::config::{Config, Selector};
use crate::diagnostic::{Diagnostic, Severity};
use crate::error::Error;
use crate::input as read;
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
    /// `--max-file-size`, over the configuration's.
    pub max_file_size: Option<u64>,
    /// Set when the spec is linted to be provisioned (`plan`, `apply`):
    /// what only provisioning needs is then an error.
    pub provisioning: Option<Provisioning>,
    /// `--catalog`: an IAM action catalog to use instead of the built-in one.
    pub catalog: Option<PathBuf>,
    /// What `preflight` read of the live account, for each group of specs
    /// it looked at together (a Region and an account). A spec in no group
    /// is checked offline.
    pub live: Vec<LiveGroup>,
    /// `--quotas FILE`: a quota snapshot, when there is no live account.
    pub quota_snapshot: Option<PathBuf>,
    /// `--stdin-filename`: the name stdin's text (`-` as a path) is
    /// reported under, which also decides its format.
    pub stdin_filename: Option<PathBuf>,
}

/// Specs and the live facts they are checked against.
#[derive(Debug, Clone)]
pub struct LiveGroup {
    /// The spec files, as the run's walk names them.
    pub specs: Vec<PathBuf>,
    pub facts: crate::live::Live,
}

/// What `plan` and `apply` add to the lint that gates them.
#[derive(Debug, Default, Clone)]
pub struct Provisioning {
    pub on_demand_prices: Option<crate::settings::OnDemandPrices>,
}

/// What a run found.
#[derive(Debug)]
pub struct Outcome {
    /// The files checked, in the order reported.
    pub files: Vec<PathBuf>,
    pub diagnostics: Vec<Diagnostic>,
    pub deny_warnings: bool,
    /// Files that could not be read; the run still reports the others.
    pub failures: Vec<Error>,
    /// Files a directory walk found and left out, and why (`iam lint`'s
    /// JSON files that are not policies).
    pub skipped: Option<(usize, &'static str)>,
    /// What the run looks for, for the summary of a run that found none.
    pub looked_for: String,
    /// Where the run was started: paths in reports are relative to it.
    pub cwd: PathBuf,
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
    /// The settings of specs with live facts of their own: the run's, with
    /// their group's facts.
    live_settings: Vec<Settings>,
    live_group_of: std::collections::HashMap<PathBuf, usize>,
    pub deny_warnings: bool,
    pub limits: read::Limits,
    pub cwd: PathBuf,
}

/// Loads the configuration and checks the command line's rule codes.
pub fn prepare(request: &Request, cwd: &Path) -> Result<Prepared, Error> {
    let config = Config::discover(request.config.as_deref(), cwd)?;
    let mut overrides = request
        .overrides
        .iter()
        .map(|(code, level)| {
            Selector::parse(code)
                .map(|s| (s, *level))
                .map_err(|e| Error::Usage(e.to_string()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    // Whatever the configuration says, what provisioning cannot do without
    // stops plan and apply before any AWS call.
    if request.provisioning.is_some() {
        overrides.push((
            Selector::Group("provision".to_string()),
            Some(Severity::Error),
        ));
    }
    let max_file_size = request
        .max_file_size
        .or(config.max_file_size)
        .unwrap_or(read::DEFAULT_MAX_FILE_SIZE);
    let live = match &request.quota_snapshot {
        Some(path) => Some(crate::live::Snapshot::read(path)?.into_live()),
        None => None,
    };
    let settings = Settings {
        quotas: config.quotas.clone(),
        max_file_size,
        on_demand_prices: request
            .provisioning
            .as_ref()
            .and_then(|p| p.on_demand_prices.clone()),
        prices_looked_up: request.provisioning.is_some(),
        organization_accounts: config.organization_accounts.clone(),
        live,
        fleet: None,
    };
    let limits = read::Limits { max_file_size };
    if let Some(path) = &request.catalog {
        let text = read::read(path, true, limits)?.text;
        crate::iam::catalog::use_given(text).map_err(|why| {
            Error::Usage(format!(
                "`{}` is not an IAM action catalog: {why}",
                path.display()
            ))
        })?;
    }
    let live_settings = request
        .live
        .iter()
        .map(|group| Settings {
            live: Some(group.facts.clone()),
            ..settings.clone()
        })
        .collect();
    let live_group_of = request
        .live
        .iter()
        .enumerate()
        .flat_map(|(i, group)| group.specs.iter().map(move |spec| (spec.clone(), i)))
        .collect();
    Ok(Prepared {
        live_settings,
        live_group_of,
        deny_warnings: request.deny_warnings || config.deny_warnings,
        config,
        overrides,
        settings,
        limits,
        cwd: cwd.to_path_buf(),
    })
}

impl Prepared {
    /// The settings a spec is checked with.
    pub fn settings_for(&self, spec: &Path) -> &Settings {
        self.live_group_of
            .get(spec)
            .and_then(|i| self.live_settings.get(*i))
            .unwrap_or(&self.settings)
    }
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
        let mut relative = None;
        let ignored_by = config.ignores.iter().position(|i| {
            i.selectors.iter().any(|s| s.matches(d.rule))
                && i.applies_to(relative.get_or_insert_with(|| config.relative(&d.file().path)))
        });
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
    diagnostics.sort_by(Diagnostic::order);
    drop_copies(&mut diagnostics);
    Outcome {
        files,
        diagnostics,
        deny_warnings: prepared.deny_warnings,
        failures,
        skipped: None,
        looked_for: format!(
            "No spec files found (directories are searched for {}).",
            crate::config::DEFAULT_INCLUDE.join(", ")
        ),
        cwd: prepared.cwd.clone(),
    }
}

/// Specs that share a policy file report its findings once. Copies are
/// findings of one rule at one place with one message; they need not be
/// next to each other once sorted (several escalation paths start at the
/// same statement), and the first of each is kept where the rule put it.
fn drop_copies(sorted: &mut Vec<Diagnostic>) {
    let mut copy = vec![false; sorted.len()];
    let mut start = 0;
    while start < sorted.len() {
        let end = start
            + sorted[start..]
                .iter()
                .take_while(|d| d.order(&sorted[start]).is_eq())
                .count();
        if end - start > 1 {
            let mut seen = std::collections::HashSet::new();
            for (i, d) in sorted[start..end].iter().enumerate() {
                copy[start + i] = !seen.insert(d.message.as_str());
            }
        }
        start = end;
    }
    let mut copies = copy.into_iter();
    sorted.retain(|_| !copies.next().unwrap_or(false));
}

/// Runs the linter on specs as `request` says, from `cwd`.
pub fn lint(request: &Request, cwd: &Path) -> Result<Outcome, Error> {
    Ok(lint_prepared(request, &prepare(request, cwd)?))
}

/// [`lint`] with the configuration already loaded.
pub fn lint_prepared(request: &Request, prepared: &Prepared) -> Outcome {
    let mut walked = walk::walk(&roots(request), &|path| prepared.config.includes(path));
    walked.name_stdin(request.stdin_filename.as_deref());
    let mut failures = walked.failures;
    let mut files = Vec::new();
    let sets = iam::PolicySets::default();
    let results = pool::map(&walked.files, |found| {
        walk::read_found(found, prepared.limits).map(|file| {
            let file = std::sync::Arc::new(file);
            let settings = prepared.settings_for(&found.path);
            let (found, needs) = spec::check_spec_with_needs(&file, settings, &sets);
            (file, found, needs)
        })
    });
    let mut checked = Vec::new();
    for (found, result) in walked.files.into_iter().zip(results) {
        match result {
            Ok(one) => {
                checked.push(one);
                files.push(found.path);
            }
            Err(e) => failures.push(e),
        }
    }
    let diagnostics = as_fleets(prepared, checked);
    finish(prepared, files, diagnostics, failures)
}

type Checked = (
    std::sync::Arc<crate::source::SourceFile>,
    Vec<Diagnostic>,
    Option<(crate::fleet::Group, crate::fleet::Needs)>,
);

/// Specs that share a Region and an account share its quotas: each such
/// spec's quota findings are made again with the others' needs counted as
/// usage (its other findings stand). Only specs judged against a known
/// account (preflight's facts, or a snapshot of their Region) are summed:
/// offline, specs side by side may well be deployed to different accounts.
fn as_fleets(prepared: &Prepared, checked: Vec<Checked>) -> Vec<Diagnostic> {
    let mut fleet = crate::fleet::Fleet::default();
    for (file, _, needs) in &checked {
        let live = prepared.settings_for(&file.path).live.as_ref();
        if let Some((group, needs)) = needs
            && live.is_some_and(|l| l.region.as_deref().is_none_or(|r| r == group.region))
        {
            fleet.add(group.clone(), &file.path, needs);
        }
    }
    if !fleet.shared() {
        return checked
            .into_iter()
            .flat_map(|(_, found, _)| found)
            .collect();
    }
    let fleet = std::sync::Arc::new(fleet);
    let in_fleet = |c: &Checked| c.2.as_ref().is_some_and(|(g, _)| fleet.is_shared(g));
    let again: Vec<&Checked> = checked.iter().filter(|c| in_fleet(c)).collect();
    let with_fleet = |s: &Settings| Settings {
        fleet: Some(std::sync::Arc::clone(&fleet)),
        ..s.clone()
    };
    let base = with_fleet(&prepared.settings);
    let live: Vec<Settings> = prepared.live_settings.iter().map(with_fleet).collect();
    let sets = iam::PolicySets::default();
    let quota_findings = pool::map(&again, |(file, _, _)| {
        let settings = match prepared.live_group_of.get(&file.path) {
            Some(i) => live.get(*i).unwrap_or(&base),
            None => &base,
        };
        spec::check_spec(file, settings, &sets)
            .into_iter()
            .filter(|d| d.rule.group() == "quota")
            .collect::<Vec<_>>()
    });
    let mut diagnostics: Vec<Diagnostic> = quota_findings.into_iter().flatten().collect();
    drop(again);
    for c in checked {
        let shared = in_fleet(&c);
        diagnostics.extend(
            c.1.into_iter()
                .filter(|d| !shared || d.rule.group() != "quota"),
        );
    }
    diagnostics
}

/// The paths to search: the request's, or the current directory.
pub fn roots(request: &Request) -> Vec<PathBuf> {
    if request.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        request.paths.clone()
    }
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

/// The typed spec of a file the linter has just read without an error
/// (the lint keeps no typed spec: it reads the text again).
pub fn read_linted_spec(path: &Path) -> Result<crate::spec::ClusterSpec, Error> {
    let file = read::read(path, true, read::Limits::default())?;
    // The linter read this very text without an error, so neither step can
    // fail; saying so beats a panic if that ever stops being true.
    let unreadable = || Error::Usage(format!("`{}` changed while it was read", path.display()));
    let root = crate::source::parse(&file).map_err(|_| unreadable())?;
    crate::spec::de::from_node(&root).map_err(|_| unreadable())
}

/// `provisioning` is `None` for a command that only needs the spec's name
/// and network (`destroy`), which a spec without images still gives.
pub fn validate(
    path: &Path,
    config: Option<&Path>,
    overrides: &[(String, Option<Severity>)],
    cwd: &Path,
    provisioning: Option<Provisioning>,
) -> Result<Validated, Error> {
    let request = Request {
        paths: vec![path.to_path_buf()],
        config: config.map(Path::to_path_buf),
        overrides: overrides.to_vec(),
        provisioning,
        ..Request::default()
    };
    let mut outcome = lint(&request, cwd)?;
    if let Some(failure) = outcome.failures.pop() {
        return Err(failure);
    }
    if outcome.count(Severity::Error) > 0 {
        return Ok(Validated::Refused(outcome));
    }
    let spec = read_linted_spec(path)?;
    let layout = crate::layout::Layout::of(&spec);
    Ok(Validated::Ready {
        spec: Box::new(spec),
        layout,
        outcome,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Specs of one Region and account share its quotas: each counts the
    /// others' needs; a spec in another Region counts only its own.
    #[test]
    fn specs_that_share_a_region_are_summed_as_a_fleet() {
        let dir = tempfile::tempdir().expect("tempdir");
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures");
        let text = std::fs::read_to_string(fixtures.join("clusters/spot-gpu.cluster.json"))
            .expect("fixture");
        let spec: serde_json::Value = serde_json::from_str(&text).expect("json");
        let write = |name: &str, region: &str| {
            let text = spec
                .to_string()
                .replace("ml-training", name)
                .replace("us-west-2", region);
            std::fs::write(dir.path().join(format!("{name}.cluster.json")), text).expect("write");
        };
        write("a", "us-west-2");
        write("b", "us-west-2");
        write("c", "eu-west-1");
        // The account has room for one new VPC in us-west-2, and the
        // snapshot says nothing of eu-west-1.
        let snapshot = dir.path().join("quotas.json");
        std::fs::write(
            &snapshot,
            serde_json::json!({
                "takenAt": "2026-12-01T00:00:00Z",
                "account": "123456789012",
                "region": "us-west-2",
                "quotas": {"L-F678F1CE": {"value": 2, "origin": "applied value in Service Quotas", "usage": 1}}
            })
            .to_string(),
        )
        .expect("write");
        let request = Request {
            paths: vec![dir.path().to_path_buf()],
            quota_snapshot: Some(snapshot),
            ..Request::default()
        };
        let outcome = lint(&request, dir.path()).expect("runs");
        let vpcs: Vec<(String, &str)> = outcome
            .diagnostics
            .iter()
            .filter(|d| d.rule.code == "quota/vpcs")
            .map(|d| {
                let file = d.file().path.file_name().expect("name");
                (file.to_string_lossy().into_owned(), d.message.as_str())
            })
            .collect();
        let b = dir.path().join("b.cluster.json");
        let a = dir.path().join("a.cluster.json");
        assert_eq!(
            vpcs,
            [
                (
                    "a.cluster.json".to_string(),
                    format!(
                        "the cluster needs 1 VPCs, the run's 1 other spec in us-west-2 ({}) need 1 and the account already uses 1: 3 of a quota of 2 (applied value in Service Quotas, in the snapshot of account 123456789012 taken 2026-12-01T00:00:00Z)",
                        b.display()
                    )
                    .as_str()
                ),
                (
                    "b.cluster.json".to_string(),
                    format!(
                        "the cluster needs 1 VPCs, the run's 1 other spec in us-west-2 ({}) need 1 and the account already uses 1: 3 of a quota of 2 (applied value in Service Quotas, in the snapshot of account 123456789012 taken 2026-12-01T00:00:00Z)",
                        a.display()
                    )
                    .as_str()
                ),
            ],
            "c, alone in eu-west-1, fits"
        );
        // The rest of each spec's findings are not repeated.
        let again = lint(
            &Request {
                quota_snapshot: None,
                ..request
            },
            dir.path(),
        )
        .expect("runs");
        assert!(
            again
                .diagnostics
                .iter()
                .all(|d| !d.message.contains("other spec")),
            "offline, without an account, each spec stands alone"
        );
        // a's other findings are those it has alone, once each.
        let alone = lint(
            &Request {
                paths: vec![dir.path().join("a.cluster.json")],
                quota_snapshot: Some(dir.path().join("quotas.json")),
                ..Request::default()
            },
            dir.path(),
        )
        .expect("runs");
        let others = |outcome: &Outcome| -> Vec<(&str, String)> {
            outcome
                .diagnostics
                .iter()
                .filter(|d| d.file().path.ends_with("a.cluster.json") && d.rule.group() != "quota")
                .map(|d| (d.rule.code, d.message.clone()))
                .collect()
        };
        assert_eq!(others(&outcome), others(&alone));
    }

    /// Policy sets are shared within a run, never across runs: a second run
    /// in the same process (a language server, a library user) reports the
    /// policies' findings again, and reads the files again.
    #[test]
    fn each_run_reports_the_policies_of_its_specs() {
        let dir = tempfile::tempdir().expect("tempdir");
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures");
        let policy = dir.path().join("p.json");
        let spec = std::fs::read_to_string(fixtures.join("clusters/spot-gpu.cluster.json"))
            .expect("fixture");
        let mut spec: serde_json::Value = serde_json::from_str(&spec).expect("json");
        spec["iam"] = serde_json::json!({"policies": ["p.json"]});
        for name in ["a", "b"] {
            spec["name"] = name.into();
            std::fs::write(
                dir.path().join(format!("{name}.cluster.json")),
                spec.to_string(),
            )
            .expect("write");
        }
        let duplicate = r#"{"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["ec2:DescribeVpcs", "ec2:DescribeVpcs"], "Resource": "*"}]}"#;
        let request = Request {
            paths: vec![dir.path().to_path_buf()],
            ..Request::default()
        };
        let codes = |outcome: &Outcome| -> Vec<&'static str> {
            outcome
                .diagnostics
                .iter()
                .filter(|d| d.file().path.ends_with("p.json"))
                .map(|d| d.rule.code)
                .collect()
        };
        std::fs::write(&policy, duplicate).expect("write");
        let first = lint(&request, dir.path()).expect("runs");
        assert_eq!(
            codes(&first),
            ["iam/duplicate-action"],
            "once for two specs"
        );
        let again = lint(&request, dir.path()).expect("runs");
        assert_eq!(codes(&again), ["iam/duplicate-action"]);
        std::fs::write(&policy, duplicate.replace("\"ec2:DescribeVpcs\", ", "")).expect("write");
        let fixed = lint(&request, dir.path()).expect("runs");
        assert!(codes(&fixed).is_empty(), "the file is read again");
    }
}

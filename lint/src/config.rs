//! `awscluster.toml`: severities, ignores, quota values and which files a
//! directory walk picks up.
//!
//! The file is found upward from the current directory (or named with
//! `--config`). It is parsed with spans, so that a bad key or value is
//! reported at its line like any finding; a broken configuration stops the
//! run (exit 2) rather than being half applied.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Deserialize;

use crate::diagnostic::Severity;
use crate::diagnostic::fix::{Applicability, Fix, replace_string};
use crate::error::{ConfigProblem, Error};
use crate::rules::{self, Rule};
use crate::source::{SourceFile, Span};
use crate::suggest;

pub const FILE_NAME: &str = "awscluster.toml";

/// The configuration's JSON Schema (for TOML editors), as checked in.
pub const CONFIG_SCHEMA: &str = include_str!("../../schemas/config.schema.json");

/// The patterns a directory walk lints by default.
pub const DEFAULT_INCLUDE: &[&str] = &["*.cluster.json", "*.cluster.yaml", "*.cluster.yml"];

/// Configuration of `awscluster lint`: severities, ignores, the account's
/// quotas, and which files a directory walk lints.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[cfg_attr(
    test,
    schemars(
        title = "awscluster.toml",
        extend("$id" = "https://raw.githubusercontent.com/awscluster/awscluster/main/schemas/config.schema.json")
    )
)]
struct RawConfig {
    /// Exit with status 1 when there are warnings, not only errors.
    deny_warnings: Option<bool>,
    /// Severity by rule code (`"pools/single-master"`) or group (`"quota"`):
    /// `"error"`, `"warning"`, `"note"`, or `"allow"` to turn it off. A code
    /// wins over its group.
    #[serde(default)]
    #[cfg_attr(test, schemars(with = "BTreeMap<String, Level>"))]
    rules: BTreeMap<toml::Spanned<String>, toml::Spanned<String>>,
    /// Findings to ignore in some files.
    #[serde(default)]
    #[cfg_attr(test, schemars(with = "Vec<RawIgnore>"))]
    ignore: Vec<toml::Spanned<RawIgnore>>,
    /// The account's real quota values by quota code (`"L-1216C47A" = 256`),
    /// replacing AWS's defaults in the `quota` rules.
    #[serde(default)]
    #[cfg_attr(test, schemars(with = "BTreeMap<String, f64>"))]
    quotas: BTreeMap<toml::Spanned<String>, toml::Spanned<f64>>,
    /// Which files a directory walk lints.
    files: Option<RawFiles>,
    /// What the IAM rules should know about the account.
    iam: Option<RawIam>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[cfg_attr(test, schemars(rename = "Iam"))]
struct RawIam {
    /// The AWS accounts (12 digits) of your own organisation: a trust policy
    /// that lets one of them in without an external ID is a note, not an
    /// error (`iam/trust-missing-external-id`).
    #[serde(rename = "organization-accounts", default)]
    #[cfg_attr(test, schemars(with = "Vec<String>"))]
    organization_accounts: Vec<toml::Spanned<String>>,
}

/// A severity in the configuration.
#[cfg(test)]
#[derive(schemars::JsonSchema)]
#[schemars(rename_all = "lowercase")]
#[allow(dead_code)]
enum Level {
    Error,
    Warning,
    Note,
    Allow,
}

/// Ignore some rules in some files.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[cfg_attr(test, schemars(rename = "Ignore"))]
struct RawIgnore {
    /// Rule codes or groups to ignore.
    #[cfg_attr(test, schemars(with = "Vec<String>"))]
    rules: Vec<toml::Spanned<String>>,
    /// Glob patterns, relative to this file's directory, of the files it
    /// applies to; every file when omitted.
    #[cfg_attr(test, schemars(with = "Option<Vec<String>>"))]
    paths: Option<Vec<toml::Spanned<String>>>,
    /// Why the findings are ignored, for the next reader.
    #[allow(dead_code)]
    reason: Option<String>,
}

/// Which files a directory walk lints.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[cfg_attr(test, schemars(rename = "Files"))]
struct RawFiles {
    /// File name patterns to lint; default
    /// `["*.cluster.json", "*.cluster.yaml", "*.cluster.yml"]`.
    #[cfg_attr(test, schemars(with = "Option<Vec<String>>"))]
    include: Option<Vec<toml::Spanned<String>>>,
    /// Glob patterns, relative to this file's directory, to skip (on top of
    /// what `.gitignore` skips): `archive/**` skips the `archive` directory
    /// beside this file, `**/archive/**` every `archive` directory.
    #[cfg_attr(test, schemars(with = "Option<Vec<String>>"))]
    exclude: Option<Vec<toml::Spanned<String>>>,
    /// The largest file read, in bytes (default 16 MiB).
    #[serde(rename = "max-file-size")]
    #[cfg_attr(test, schemars(with = "Option<u64>"))]
    max_file_size: Option<toml::Spanned<u64>>,
    /// Glob patterns, relative to this file's directory, of the JSON files
    /// `awscluster iam lint` lints in a directory walk; by default, the JSON
    /// files with a top-level `Statement`.
    #[cfg_attr(test, schemars(with = "Option<Vec<String>>"))]
    policies: Option<Vec<toml::Spanned<String>>>,
}

/// A loaded configuration, or the defaults.
#[derive(Debug, Default)]
pub struct Config {
    /// The file it came from, for findings about it.
    pub file: Option<Arc<SourceFile>>,
    pub deny_warnings: bool,
    /// Overrides by code or group; `None` turns the rule off.
    pub levels: Vec<(Selector, Option<Severity>)>,
    pub ignores: Vec<Ignore>,
    pub quotas: BTreeMap<String, f64>,
    pub include: Option<GlobSet>,
    pub exclude: Option<GlobSet>,
    pub max_file_size: Option<u64>,
    pub policies: Option<GlobSet>,
    /// Accounts of the user's own organisation.
    pub organization_accounts: Vec<String>,
    /// Directory paths are relative to.
    pub root: PathBuf,
}

/// Which rules a setting applies to.
#[derive(Debug, Clone, PartialEq)]
pub enum Selector {
    All,
    Group(String),
    Code(&'static str),
}

impl Selector {
    /// Parses a rule code, a group name or `all`; when it is neither, the
    /// error carries the closest of them.
    pub fn parse(text: &str) -> Result<Selector, UnknownSelector> {
        if text == "all" {
            return Ok(Selector::All);
        }
        if let Some(rule) = rules::find(text) {
            return Ok(Selector::Code(rule.code));
        }
        let groups = rules::groups();
        if groups.contains(&text.trim_end_matches("/*")) {
            return Ok(Selector::Group(text.trim_end_matches("/*").to_string()));
        }
        let candidates = rules::all()
            .iter()
            .map(|r| r.code)
            .chain(groups.iter().copied());
        Err(UnknownSelector {
            text: text.to_string(),
            closest: suggest::closest(text, candidates),
        })
    }

    pub fn matches(&self, rule: &Rule) -> bool {
        match self {
            Selector::All => true,
            Selector::Group(g) => rule.group() == g,
            Selector::Code(c) => rule.code == *c,
        }
    }

    /// More specific selectors win: a code over a group over `all`.
    fn specificity(&self) -> u8 {
        match self {
            Selector::All => 0,
            Selector::Group(_) => 1,
            Selector::Code(_) => 2,
        }
    }
}

/// The tables whose keys a guess may rewrite.
#[derive(Clone, Copy)]
enum Table {
    Rules = 0,
    Quotas = 1,
}

/// A rule selector that names no rule, group or `all`.
#[derive(Debug, Clone, PartialEq)]
pub struct UnknownSelector {
    pub text: String,
    /// The rule code or group it most likely meant.
    pub closest: Option<&'static str>,
}

impl std::fmt::Display for UnknownSelector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.closest {
            Some(best) => write!(f, "unknown rule `{}`; did you mean `{best}`?", self.text),
            None => write!(
                f,
                "unknown rule `{}`; `awscluster rules` lists them",
                self.text
            ),
        }
    }
}

/// Parses `error`, `warning`, `note` or `allow` (`None`): exactly these,
/// so that a value that means something elsewhere is never taken for one
/// of them. The error carries the level it most likely meant.
pub fn parse_level(text: &str) -> Result<Option<Severity>, (String, Option<&'static str>)> {
    match text {
        "error" => Ok(Some(Severity::Error)),
        "warning" => Ok(Some(Severity::Warning)),
        "note" => Ok(Some(Severity::Note)),
        "allow" => Ok(None),
        _ => {
            let meant = match text.to_ascii_lowercase().as_str() {
                "off" | "none" | "ignore" | "disable" | "disabled" => Some("allow"),
                "warn" => Some("warning"),
                "info" | "hint" => Some("note"),
                other => suggest::closest(other, ["error", "warning", "note", "allow"]),
            };
            let hint = meant.map_or(String::new(), |m| format!("; did you mean \"{m}\"?"));
            Err((
                format!(
                    "`{text}` is not a severity: use \"error\", \"warning\", \"note\" or \"allow\"{hint}"
                ),
                meant,
            ))
        }
    }
}

#[derive(Debug)]
pub struct Ignore {
    pub selectors: Vec<Selector>,
    /// `None`: every file.
    pub paths: Option<GlobSet>,
    /// The entry in the configuration file.
    pub span: Span,
}

impl Ignore {
    pub fn applies_to(&self, relative: &Path) -> bool {
        self.paths.as_ref().is_none_or(|p| p.is_match(relative))
    }
}

impl Config {
    /// The configuration for a run: `explicit` if given, else the nearest
    /// `awscluster.toml` from `cwd` upward, else the defaults.
    pub fn discover(explicit: Option<&Path>, cwd: &Path) -> Result<Config, Error> {
        let path = match explicit {
            Some(p) => Some(p.to_path_buf()),
            None => cwd
                .ancestors()
                .map(|dir| dir.join(FILE_NAME))
                .find(|candidate| candidate.is_file()),
        };
        match path {
            None => Ok(Config {
                root: cwd.to_path_buf(),
                ..Config::default()
            }),
            Some(path) => {
                let mut file = crate::input::read(&path, true, crate::input::Limits::default())?;
                let absolute = normalize(&cwd.join(&path));
                let root = absolute
                    .parent()
                    .map_or_else(|| cwd.to_path_buf(), Path::to_path_buf);
                // Shown relative to where the user is, like the specs.
                file.path = relative_to(&absolute, &normalize(cwd));
                Config::parse(Arc::new(file), root)
            }
        }
    }

    /// Parses a configuration; every problem in it is reported at its line,
    /// all of them in one run.
    pub fn parse(file: Arc<SourceFile>, root: PathBuf) -> Result<Config, Error> {
        let mut problems: Vec<(Span, String)> = Vec::new();
        let at = |range: std::ops::Range<usize>| Span::new(range.start, range.end);
        let raw: RawConfig = match toml::from_str(&file.text) {
            Ok(raw) => raw,
            Err(e) => {
                // toml's message repeats the location; keep its first line.
                let message = e
                    .message()
                    .lines()
                    .next()
                    .unwrap_or("invalid configuration")
                    .to_string();
                return Err(Error::Config {
                    file: Arc::clone(&file),
                    problems: vec![ConfigProblem {
                        span: e.span().map_or(Span::new(0, 0), at),
                        message,
                        fix: None,
                    }],
                });
            }
        };

        // Each guess by the span of its problem.
        let mut fixes: Vec<(Span, Fix)> = Vec::new();
        // A guess is offered only where taking it, and every other guess,
        // leaves a valid file: a key of a table that is there already, or
        // that another guess writes, would be written twice.
        let mut keys: [std::collections::HashSet<&str>; 2] = [
            raw.rules.keys().map(|k| k.get_ref().as_str()).collect(),
            raw.quotas.keys().map(|k| k.get_ref().as_str()).collect(),
        ];
        let mut offer = |span: Span, closest: Option<&'static str>, table: Option<Table>| {
            let Some(best) = closest else {
                return;
            };
            if table.is_some_and(|t| !keys[t as usize].insert(best)) {
                return;
            }
            fixes.push((
                span,
                replace_string(&file.text, span, best, Applicability::Unsafe),
            ));
        };
        let mut levels = Vec::new();
        for (selector, level) in &raw.rules {
            let parsed = Selector::parse(selector.get_ref());
            let severity = parse_level(level.get_ref());
            match (parsed, severity) {
                (Ok(parsed), Ok(severity)) => levels.push((parsed, severity)),
                (parsed, severity) => {
                    if let Err(unknown) = parsed {
                        offer(at(selector.span()), unknown.closest, Some(Table::Rules));
                        problems.push((at(selector.span()), unknown.to_string()));
                    }
                    if let Err((m, meant)) = severity {
                        offer(at(level.span()), meant, None);
                        problems.push((at(level.span()), m));
                    }
                }
            }
        }
        levels.sort_by_key(|(s, _)| s.specificity());

        let mut ignores = Vec::new();
        for entry in &raw.ignore {
            let mut selectors = Vec::new();
            for rule in &entry.get_ref().rules {
                match Selector::parse(rule.get_ref()) {
                    Ok(selector) => selectors.push(selector),
                    Err(unknown) => {
                        offer(at(rule.span()), unknown.closest, None);
                        problems.push((at(rule.span()), unknown.to_string()));
                    }
                }
            }
            let paths = entry
                .get_ref()
                .paths
                .as_ref()
                .map(|patterns| glob_set(patterns, &mut problems));
            let span = entry.span();
            ignores.push(Ignore {
                selectors,
                paths,
                span: Span::new(span.start, span.end),
            });
        }

        let mut quotas = BTreeMap::new();
        for (code, value) in &raw.quotas {
            if crate::catalog::quota(code.get_ref()).is_none() {
                let known = crate::catalog::quotas().iter().map(|q| q.code);
                let closest = suggest::closest(code.get_ref(), known);
                offer(at(code.span()), closest, Some(Table::Quotas));
                let hint = closest.map_or(String::new(), |b| format!("; did you mean `{b}`?"));
                problems.push((
                    at(code.span()),
                    format!("unknown quota code `{}`{hint}", code.get_ref()),
                ));
            } else if !value.get_ref().is_finite() || *value.get_ref() < 0.0 {
                problems.push((at(value.span()), "a quota is a number of at least 0".into()));
            } else {
                quotas.insert(code.get_ref().clone(), *value.get_ref());
            }
        }

        let files = raw.files.as_ref();
        let include = files
            .and_then(|f| f.include.as_ref())
            .map(|p| glob_set(p, &mut problems));
        let exclude = files
            .and_then(|f| f.exclude.as_ref())
            .map(|p| glob_set(p, &mut problems));
        let policies = files
            .and_then(|f| f.policies.as_ref())
            .map(|p| glob_set(p, &mut problems));
        let max_file_size = files.and_then(|f| f.max_file_size.as_ref());
        if let Some(size) = max_file_size
            && *size.get_ref() == 0
        {
            problems.push((
                at(size.span()),
                "the largest file must be at least 1 byte".into(),
            ));
        }

        let mut organization_accounts = Vec::new();
        for account in raw.iam.iter().flat_map(|i| &i.organization_accounts) {
            let id = account.get_ref();
            if id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit()) {
                organization_accounts.push(id.clone());
            } else {
                problems.push((
                    at(account.span()),
                    format!("`{id}` is not an AWS account ID (12 digits)"),
                ));
            }
        }

        if !problems.is_empty() {
            problems.sort_by_key(|(span, _)| *span);
            let problems = problems
                .into_iter()
                .map(|(span, message)| ConfigProblem {
                    span,
                    message,
                    fix: fixes
                        .iter()
                        .position(|(at, _)| *at == span)
                        .map(|i| fixes.swap_remove(i).1),
                })
                .collect();
            return Err(Error::Config { file, problems });
        }
        Ok(Config {
            file: Some(file.clone()),
            deny_warnings: raw.deny_warnings.unwrap_or(false),
            levels,
            ignores,
            quotas,
            include,
            exclude,
            max_file_size: max_file_size.map(|s| *s.get_ref()),
            policies,
            organization_accounts,
            root,
        })
    }

    /// The severity `rule` reports at under this configuration and the
    /// command line's overrides (applied after it, in order); `None` when it
    /// is turned off.
    pub fn severity(&self, rule: &Rule, cli: &[(Selector, Option<Severity>)]) -> Option<Severity> {
        let mut level = rule.on_by_default.then_some(rule.default_severity);
        for (selector, l) in self.levels.iter().chain(cli) {
            if selector.matches(rule) {
                level = *l;
            }
        }
        level
    }

    /// Whether a directory walk should lint `path` (relative to the walk's
    /// root) by its name.
    pub fn includes(&self, path: &Path) -> bool {
        let name = path.file_name().map(Path::new).unwrap_or(path);
        static DEFAULT: std::sync::OnceLock<GlobSet> = std::sync::OnceLock::new();
        let default = || {
            DEFAULT.get_or_init(|| {
                let mut builder = GlobSetBuilder::new();
                for p in DEFAULT_INCLUDE {
                    if let Ok(glob) = Glob::new(p) {
                        builder.add(glob);
                    }
                }
                builder.build().unwrap_or_else(|_| GlobSet::empty())
            })
        };
        let included = self.include.as_ref().unwrap_or_else(default).is_match(name);
        included && !self.excludes(path)
    }

    /// Whether the configuration's `[files] policies` patterns pick `path`
    /// for `iam lint`; `None` when there are none.
    pub fn picks_policy(&self, path: &Path) -> Option<bool> {
        let set = self.policies.as_ref()?;
        Some(set.is_match(self.relative(path)) && !self.excludes(path))
    }

    fn excludes(&self, path: &Path) -> bool {
        let Some(set) = &self.exclude else {
            return false;
        };
        set.is_match(self.relative(path))
    }

    /// `path` relative to the configuration's directory, for glob matching.
    pub fn relative(&self, path: &Path) -> PathBuf {
        let absolute = normalize(&std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()));
        absolute
            .strip_prefix(normalize(&self.root))
            .map(Path::to_path_buf)
            .unwrap_or(absolute)
    }
}

/// `path` as seen from `base` (both absolute and normalized): `../x.toml`
/// for a file found upward.
fn relative_to(path: &Path, base: &Path) -> PathBuf {
    let common = path
        .components()
        .zip(base.components())
        .take_while(|(a, b)| a == b)
        .count();
    let mut out = PathBuf::new();
    for _ in base.components().skip(common) {
        out.push("..");
    }
    for component in path.components().skip(common) {
        out.push(component);
    }
    out
}

/// Removes `.` and `..` lexically (`a/../b` is `b`), without touching the
/// file system: paths given as `../dev/x` must match patterns like `dev/*`.
pub(crate) fn normalize(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                // Above a relative path's start the `..` stays; above the
                // root there is nothing.
                if matches!(out.components().next_back(), Some(Component::Normal(_))) {
                    out.pop();
                } else if !out.has_root() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// The patterns as one set; a pattern that does not parse is a problem at
/// its place, and left out.
fn glob_set(patterns: &[toml::Spanned<String>], problems: &mut Vec<(Span, String)>) -> GlobSet {
    let mut builder = GlobSetBuilder::new();
    for pattern in patterns {
        match globset::GlobBuilder::new(pattern.get_ref())
            .literal_separator(false)
            .build()
        {
            Ok(glob) => {
                builder.add(glob);
            }
            Err(e) => {
                let span = pattern.span();
                problems.push((
                    Span::new(span.start, span.end),
                    format!("invalid glob `{}`: {}", pattern.get_ref(), e.kind()),
                ));
            }
        }
    }
    builder.build().unwrap_or_else(|_| GlobSet::empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, Error> {
        Config::parse(
            Arc::new(SourceFile::new(FILE_NAME, text.to_string())),
            PathBuf::from("/repo"),
        )
    }

    fn error_at(text: &str) -> (String, String) {
        match parse(text) {
            Err(Error::Config { problems, file }) => {
                let first = &problems[0];
                (first.message.clone(), file.text_at(first.span).to_string())
            }
            other => panic!("expected a config error, got {other:?}"),
        }
    }

    /// The checked-in schema for editors (taplo, Even Better TOML) must
    /// match the parser. Regenerate with `UPDATE_SCHEMAS=1`.
    #[test]
    fn checked_in_schema_matches_the_parser() {
        let mut schema = serde_json::to_value(schemars::schema_for!(RawConfig)).unwrap();
        crate::spec::schema::strip_null_alternatives(&mut schema);
        let mut text = serde_json::to_string_pretty(&schema).unwrap();
        text.push('\n');
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../schemas/config.schema.json");
        if std::env::var_os("UPDATE_SCHEMAS").is_some() {
            std::fs::write(path, &text).unwrap();
            return;
        }
        assert!(
            text == CONFIG_SCHEMA,
            "schemas/config.schema.json is stale: run with UPDATE_SCHEMAS=1"
        );
    }

    #[test]
    fn unknown_keys_are_rejected_at_their_line() {
        let (message, at) = error_at(
            "deny-warnings = true\n[rules]\n\"pools/single-master\" = \"allow\"\n[quota]\nx = 1\n",
        );
        assert!(message.contains("unknown field `quota`"), "{message}");
        assert_eq!(at, "quota");
    }

    #[test]
    fn unknown_rules_and_levels_suggest_the_closest() {
        let (message, at) = error_at("[rules]\n\"pools/master-sise\" = \"error\"\n");
        assert_eq!(
            message,
            "unknown rule `pools/master-sise`; did you mean `pools/master-size`?"
        );
        assert_eq!(at, "\"pools/master-sise\"");
        let (message, _) = error_at("[rules]\n\"pools/master-size\" = \"fatal\"\n");
        assert!(message.starts_with("`fatal` is not a severity"));
        let (message, _) = error_at("[quotas]\n\"L-1216C47\" = 10\n");
        assert!(message.contains("did you mean `L-1216C47A`?"), "{message}");
    }

    /// The text after taking every guess the error offers.
    fn guessed(text: &str) -> String {
        match parse(text) {
            Err(Error::Config { problems, .. }) => {
                let fixes: Vec<&Fix> = problems.iter().filter_map(|p| p.fix.as_ref()).collect();
                assert!(
                    fixes
                        .iter()
                        .all(|f| f.applicability == Applicability::Unsafe)
                );
                crate::fix::apply(text, &fixes).0
            }
            other => panic!("expected a config error, got {other:?}"),
        }
    }

    /// A mistyped rule code, severity or quota code carries its
    /// did-you-mean as an unsafe fix, in the file's own quoting; the fixed file parses. No
    /// guess is offered where it would repeat a key, nor for what is
    /// nothing like a code.
    #[test]
    fn mistyped_codes_offer_their_closest_as_a_fix() {
        let text = "[rules]\n\"pools/master-sise\" = \"error\" # why\niam = \"warn\"\n[[ignore]]\nrules = ['network/cidr-host-bit', \"all\"]\n[quotas]\n\"L-1216C47\" = 10\n";
        let fixed = guessed(text);
        assert_eq!(
            fixed,
            text.replace("master-sise", "master-size")
                .replace("cidr-host-bit'", "cidr-host-bits'")
                .replace("L-1216C47\"", "L-1216C47A\"")
                .replace("\"warn\"", "\"warning\"")
        );
        assert!(parse(&fixed).is_ok(), "{fixed}");
        let taken =
            "[rules]\n\"pools/master-sise\" = \"error\"\n\"pools/master-size\" = \"note\"\n";
        assert_eq!(guessed(taken), taken);
        let twice = "[rules]\n\"pools/master-sise\" = \"error\"\n\"pools/master-siz\" = \"note\"\n";
        assert_eq!(
            guessed(twice),
            twice.replacen("master-sise", "master-size", 1)
        );
        let nothing_like = "[rules]\n\"zzzzzzzz\" = \"error\"\n";
        assert_eq!(guessed(nothing_like), nothing_like);
    }

    /// Mutated configurations (bytes dropped, doubled, swapped, codes
    /// misspelled) never panic; whenever guesses are offered, taking them
    /// all leaves valid TOML with fewer problems.
    #[test]
    fn mutated_configurations_offer_only_fixes_that_help() {
        let base = "deny-warnings = false\n[rules]\n\"pools/master-size\" = \"warning\" # c\niam = 'note'\n\"iam/service-wildcard\" = \"allow\"\n\n[[ignore]]\nrules = [\"network/cidr-host-bits\", 'quota/unverified']\npaths = [\"dev/*\"]\n\n[quotas]\n\"L-1216C47A\" = 10\n";
        let mut rng = crate::test_rng::Rng(7);
        let mut offered = 0;
        for _ in 0..3000 {
            let mut bytes = base.as_bytes().to_vec();
            for _ in 0..=rng.below(3) {
                let at = rng.below(bytes.len());
                match rng.below(4) {
                    0 => {
                        bytes.remove(at);
                    }
                    1 => bytes.insert(at, bytes[at]),
                    2 if at + 1 < bytes.len() => bytes.swap(at, at + 1),
                    _ => bytes[at] = *rng.pick(b"aeiz/-_\"' =[]#\n\xc3"),
                }
            }
            let Ok(text) = String::from_utf8(bytes) else {
                continue;
            };
            let Err(Error::Config { problems, .. }) = parse(&text) else {
                continue;
            };
            let fixes: Vec<&Fix> = problems.iter().filter_map(|p| p.fix.as_ref()).collect();
            if fixes.is_empty() {
                continue;
            }
            offered += 1;
            let (fixed, _) = crate::fix::apply(&text, &fixes);
            assert!(
                toml::from_str::<toml::Table>(&fixed).is_ok(),
                "{text:?} → {fixed:?}"
            );
            let left = match parse(&fixed) {
                Ok(_) => 0,
                Err(Error::Config { problems, .. }) => problems.len(),
                Err(other) => panic!("{other:?}"),
            };
            assert!(left < problems.len(), "{text:?} → {fixed:?}");
        }
        assert!(offered > 100, "only {offered} mutants had a guess");
    }

    #[test]
    fn organization_accounts_are_account_ids() {
        let (message, at) =
            error_at("[iam]\norganization-accounts = [\"111122223333\", \"1111-2222-3333\"]\n");
        assert_eq!(
            message,
            "`1111-2222-3333` is not an AWS account ID (12 digits)"
        );
        assert_eq!(at, "\"1111-2222-3333\"");
        let config = parse("[iam]\norganization-accounts = [\"111122223333\"]\n").unwrap();
        assert_eq!(config.organization_accounts, ["111122223333"]);
    }

    /// Every problem of the file is reported in one run, at its place; a
    /// severity is exactly one of the four, `off` included in the refused.
    #[test]
    fn every_problem_is_reported_at_its_line_at_once() {
        let text = "[rules]\n\"pools/master-sise\" = \"error\"\n\"pools\" = \"off\"\n\"quota\" = \"warn\"\n\
            [quotas]\n\"L-1216C47\" = 1\n\"L-1216C47A\" = -3\n\
            [files]\nexclude = [\"[\"]\n";
        let Err(Error::Config { problems, file }) = parse(text) else {
            panic!("refused");
        };
        let found: Vec<(&str, &str)> = problems
            .iter()
            .map(|p| (file.text_at(p.span), p.message.as_str()))
            .collect();
        assert_eq!(found.len(), 6, "{found:#?}");
        assert_eq!(found[0].0, "\"pools/master-sise\"");
        assert_eq!(
            found[1],
            (
                "\"off\"",
                "`off` is not a severity: use \"error\", \"warning\", \"note\" or \"allow\"; did you mean \"allow\"?"
            )
        );
        assert!(found[2].1.contains("did you mean \"warning\"?"));
        assert_eq!(found[3].0, "\"L-1216C47\"");
        assert_eq!(found[4].0, "-3");
        assert_eq!(found[5].0, "\"[\"");
    }

    /// `exclude` patterns are relative to the configuration's directory:
    /// `archive/**` is the `archive` beside it, `**/archive/**` any.
    #[test]
    fn exclude_patterns_are_relative_to_the_configuration() {
        let config = parse("[files]\nexclude = [\"archive/**\", \"**/old/**\"]\n").unwrap();
        assert!(!config.includes(Path::new("/repo/archive/a.cluster.json")));
        assert!(config.includes(Path::new("/repo/specs/archive/a.cluster.json")));
        assert!(!config.includes(Path::new("/repo/specs/old/a.cluster.json")));
        assert!(config.includes(Path::new("/repo/live/a.cluster.json")));
    }

    #[test]
    fn codes_win_over_groups_and_the_command_line_wins_last() {
        let config =
            parse("[rules]\n\"pools/single-master\" = \"error\"\npools = \"allow\"\n").unwrap();
        let single = rules::find("pools/single-master").unwrap();
        let size = rules::find("pools/master-size").unwrap();
        assert_eq!(config.severity(single, &[]), Some(Severity::Error));
        assert_eq!(config.severity(size, &[]), None);
        let cli = [
            (Selector::All, Some(Severity::Warning)),
            (Selector::Code(single.code), None),
        ];
        assert_eq!(config.severity(size, &cli), Some(Severity::Warning));
        assert_eq!(config.severity(single, &cli), None);
    }

    #[test]
    fn ignores_match_paths_relative_to_the_config() {
        let config =
            parse("[[ignore]]\nrules = [\"network\"]\npaths = [\"dev/*.cluster.json\"]\n").unwrap();
        let ignore = &config.ignores[0];
        assert!(ignore.applies_to(Path::new("dev/a.cluster.json")));
        assert!(!ignore.applies_to(Path::new("prod/a.cluster.json")));
        assert_eq!(
            config.relative(Path::new("/repo/dev/a.cluster.json")),
            Path::new("dev/a.cluster.json")
        );
    }

    #[test]
    fn include_patterns_default_to_cluster_specs() {
        let config = Config::default();
        assert!(config.includes(Path::new("x/prod.cluster.yaml")));
        assert!(!config.includes(Path::new("x/package.json")));
    }
}

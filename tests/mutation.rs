//! The linter's contract under hostile input: every fixture, mutated many
//! ways with a fixed seed (bytes flipped, files cut short, every field
//! given every wrong type, keys duplicated, control and bidirectional
//! characters in values, keys and file names, values and lists grown
//! long), linted as specs and as policies, reported in every format.
//!
//! For each mutant: no panic; an exit status in {0, 1, 2}; JSON and SARIF
//! that parse (SARIF checked against the official schema for a sample);
//! nothing raw from the input in the human and GitHub formats; and a time
//! far above what a mutant needs, so that a hang or a blow-up fails. Then
//! the real binary lints all of them at once, in each format, within a
//! memory bound. The whole test is bounded to about a minute.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use awscluster_lint::diagnostic::escape::needs_escape;
use awscluster_lint::iam::Usage;
use awscluster_lint::report::{self, Format, Style};
use awscluster_lint::run::{self, Outcome, Request};
use serde_json::{Value, json};

use common::rng::Rng;
use common::{root, run_measured};

/// What a mutated value or name may carry: controls that move the cursor,
/// a C1 CSI, bidirectional overrides, a lone CR, an escape sequence.
const NASTY: &[&str] = &[
    "\u{1b}[2J",
    "\u{1b}]0;owned\u{7}",
    "\u{9b}31m",
    "\u{202e}",
    "\u{2066}",
    "\r",
    "\u{0}",
    "\u{7f}",
    "\u{8}",
];

/// Every fixture, with whether it is a policy.
fn fixtures() -> Vec<(PathBuf, bool)> {
    let mut out = Vec::new();
    let mut stack = vec![
        (root().join("fixtures/clusters"), false),
        (root().join("fixtures/policies"), true),
        (root().join("policies"), true),
    ];
    while let Some((dir, policy)) = stack.pop() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                stack.push((path, policy));
            } else if path
                .extension()
                .is_some_and(|e| e == "json" || e == "yaml" || e == "yml")
            {
                out.push((path, policy));
            }
        }
    }
    out
}

/// JSON text of `value`, with the object at `duplicate` (a path of
/// indices) given its first member twice.
fn to_text(value: &Value, path: &mut Vec<usize>, duplicate: Option<&[usize]>) -> String {
    match value {
        Value::Array(items) => {
            let parts: Vec<String> = items
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    path.push(i);
                    let t = to_text(v, path, duplicate);
                    path.pop();
                    t
                })
                .collect();
            format!("[{}]", parts.join(","))
        }
        Value::Object(map) => {
            let mut parts: Vec<String> = map
                .iter()
                .enumerate()
                .map(|(i, (k, v))| {
                    path.push(i);
                    let t = format!(
                        "{}:{}",
                        Value::String(k.clone()),
                        to_text(v, path, duplicate)
                    );
                    path.pop();
                    t
                })
                .collect();
            if duplicate == Some(path.as_slice())
                && let Some(first) = parts.first().cloned()
            {
                parts.push(first);
            }
            format!("{{{}}}", parts.join(","))
        }
        other => other.to_string(),
    }
}

/// Paths (indices from the root) of every value.
fn paths(value: &Value, at: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
    out.push(at.clone());
    let children: Vec<&Value> = match value {
        Value::Array(items) => items.iter().collect(),
        Value::Object(map) => map.values().collect(),
        _ => Vec::new(),
    };
    for (i, child) in children.into_iter().enumerate() {
        at.push(i);
        paths(child, at, out);
        at.pop();
    }
}

fn at_mut<'a>(value: &'a mut Value, path: &[usize]) -> &'a mut Value {
    path.iter().fold(value, |v, &i| match v {
        Value::Array(items) => &mut items[i],
        Value::Object(map) => map.values_mut().nth(i).unwrap(),
        other => other,
    })
}

/// The mutants of one fixture: (file name, bytes).
fn mutants(path: &Path, rng: &mut Rng, per_fixture: usize) -> Vec<(String, Vec<u8>)> {
    let bytes = std::fs::read(path).unwrap();
    let name = path.file_name().unwrap().to_string_lossy().to_string();
    let (stem, ext) = name.split_once('.').unwrap_or((&name, "json"));
    let mut out = Vec::new();
    let named = |i: usize, ext: &str| format!("{stem}-{i}.{ext}");
    // Byte-level: flips, cuts and control characters anywhere.
    for i in 0..per_fixture / 2 {
        let mut b = bytes.clone();
        match i % 4 {
            0 => {
                for _ in 0..1 + rng.below(4) {
                    let at = rng.below(b.len());
                    b[at] = (rng.next() & 0xff) as u8;
                }
            }
            1 => b.truncate(rng.below(b.len())),
            2 => {
                let at = rng.below(b.len());
                let nasty = NASTY[rng.below(NASTY.len())].as_bytes();
                b.splice(at..at, nasty.iter().copied());
            }
            _ => {
                let at = rng.below(b.len());
                b.splice(at..at, std::iter::repeat_n(b'9', 70_000));
            }
        }
        out.push((named(i, ext), b));
    }
    // Structure-level, on JSON fixtures: wrong types, duplicated keys,
    // nasty and long values, each written as JSON and as YAML.
    let Ok(value) = serde_json::from_slice::<Value>(&bytes) else {
        return out;
    };
    let mut all = Vec::new();
    paths(&value, &mut Vec::new(), &mut all);
    let replacements = [
        json!(null),
        json!(true),
        json!(7),
        json!(-1),
        json!(2.5),
        json!("x"),
        json!([]),
        json!({}),
        json!(["x"]),
        json!({"a": 1}),
    ];
    for i in per_fixture / 2..per_fixture {
        let target = all[rng.below(all.len())].clone();
        let mut v = value.clone();
        let text = match i % 5 {
            0 | 1 => {
                *at_mut(&mut v, &target) = replacements[rng.below(replacements.len())].clone();
                to_text(&v, &mut Vec::new(), None)
            }
            2 => to_text(&v, &mut Vec::new(), Some(&target)),
            3 => {
                let nasty = NASTY[rng.below(NASTY.len())];
                let slot = at_mut(&mut v, &target);
                *slot = match slot.take() {
                    Value::String(s) => Value::String(format!("{s}{nasty}{s}")),
                    Value::Object(map) => Value::Object(
                        map.into_iter()
                            .map(|(k, v)| (format!("{k}{nasty}"), v))
                            .collect(),
                    ),
                    other => json!([other, nasty]),
                };
                to_text(&v, &mut Vec::new(), None)
            }
            _ => {
                *at_mut(&mut v, &target) = match rng.below(3) {
                    0 => json!("v".repeat(100_000)),
                    1 => Value::Array((0..10_000).map(|i| json!(format!("x{i}"))).collect()),
                    _ => Value::Object((0..10_000).map(|i| (format!("k{i}"), json!(i))).collect()),
                };
                to_text(&v, &mut Vec::new(), None)
            }
        };
        // JSON is YAML: the same text read by the other parser.
        let ext = if i % 2 == 0 { ext } else { "yaml" };
        let mut file = named(i, ext);
        if i % 7 == 0 {
            file = format!(
                "{}{file}",
                NASTY[rng.below(NASTY.len())].replace(['\0', '/'], "")
            );
        }
        out.push((file, text.into_bytes()));
    }
    out
}

fn style() -> Style {
    Style {
        color: false,
        width: 100,
        quiet: false,
    }
}

/// Every format of one outcome, checked against the contract.
fn check_reports(outcome: &Outcome, what: &str, sarif_schema: Option<&jsonschema::Validator>) {
    assert!(
        [0, 1, 2].contains(&outcome.exit_code()),
        "{what}: exit {}",
        outcome.exit_code()
    );
    for format in [Format::Human, Format::Json, Format::Sarif, Format::Github] {
        let mut out = Vec::new();
        report::emitter(format, style())
            .emit(outcome, &mut out)
            .unwrap_or_else(|e| panic!("{what}: {format:?} failed: {e}"));
        let text =
            String::from_utf8(out).unwrap_or_else(|_| panic!("{what}: {format:?} is not UTF-8"));
        match format {
            Format::Json => {
                serde_json::from_str::<Value>(&text)
                    .unwrap_or_else(|e| panic!("{what}: JSON does not parse: {e}"));
            }
            Format::Sarif => {
                let sarif: Value = serde_json::from_str(&text)
                    .unwrap_or_else(|e| panic!("{what}: SARIF does not parse: {e}"));
                if let Some(validator) = sarif_schema {
                    let errors: Vec<String> = validator
                        .iter_errors(&sarif)
                        .map(|e| e.to_string())
                        .collect();
                    assert!(errors.is_empty(), "{what}: {errors:#?}");
                }
            }
            Format::Human | Format::Github => {
                let raw: Vec<char> = text
                    .chars()
                    .filter(|&c| needs_escape(c) && c != '\n')
                    .collect();
                assert!(
                    raw.is_empty(),
                    "{what}: {format:?} prints {raw:?} raw:\n{text}"
                );
            }
        }
    }
}

#[test]
fn mutated_inputs_keep_the_contract_in_every_format() {
    let budget = Duration::from_secs(60);
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let specs = dir.path().join("specs");
    let policies = dir.path().join("policies");
    std::fs::create_dir_all(&specs).unwrap();
    std::fs::create_dir_all(&policies).unwrap();
    let sarif_schema =
        root().join("node_modules/@microsoft/sarif-multitool-linux/sarif-2.1.0.json");
    let validator = std::fs::read_to_string(&sarif_schema)
        .ok()
        .and_then(|t| serde_json::from_str::<Value>(&t).ok())
        .map(|s| jsonschema::validator_for(&s).unwrap());

    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut count = 0;
    let mut slowest = (Duration::ZERO, String::new());
    let mut cut_short = false;
    'fixtures: for (fixture, is_policy) in fixtures() {
        for (name, bytes) in mutants(&fixture, &mut rng, 12) {
            if started.elapsed() > budget {
                cut_short = true;
                break 'fixtures;
            }
            let target = if is_policy { &policies } else { &specs };
            let path = target.join(&name);
            std::fs::File::create(&path)
                .and_then(|mut f| f.write_all(&bytes))
                .unwrap();
            let what = format!("{} (from {})", name.escape_debug(), fixture.display());
            let request = Request {
                paths: vec![path.clone()],
                ..Request::default()
            };
            let at = Instant::now();
            let outcome = std::panic::catch_unwind(|| {
                if is_policy {
                    run::iam::lint(&request, Usage::Managed, true, target)
                } else {
                    run::lint(&request, target)
                }
            })
            .unwrap_or_else(|_| panic!("{what}: the linter panicked"))
            .unwrap_or_else(|e| panic!("{what}: could not run: {e}"));
            let took = at.elapsed();
            // A mutant is linted in milliseconds; seconds mean a hang or a
            // blow-up, whatever the machine.
            assert!(took < Duration::from_secs(5), "{what}: took {took:?}");
            if took > slowest.0 {
                slowest = (took, what.clone());
            }
            let schema = (count % 97 == 0).then_some(validator.as_ref()).flatten();
            check_reports(&outcome, &what, schema);
            if is_policy {
                let check = run::iam::check(
                    &Request::default(),
                    std::slice::from_ref(&path),
                    &[],
                    true,
                    target,
                )
                .unwrap_or_else(|e| panic!("{what}: iam check could not run: {e}"));
                check_reports(&check, &format!("iam check {what}"), None);
            }
            count += 1;
        }
    }
    assert!(count > 1000, "only {count} mutants in the budget");
    eprintln!(
        "{count} mutants{} in {:.1?}; slowest {:.1?}: {}",
        if cut_short {
            " (cut short by the budget)"
        } else {
            ""
        },
        started.elapsed(),
        slowest.0,
        slowest.1
    );

    // The real binary, on all of them at once: the exit status is a
    // finding's, and memory stays bounded by the input.
    let input: u64 = [&specs, &policies]
        .iter()
        .flat_map(|d| std::fs::read_dir(d).unwrap())
        .map(|e| e.unwrap().metadata().unwrap().len())
        .sum();
    let bound = 256 * 1024 * 1024 + 20 * input;
    for format in ["human", "json", "sarif", "github"] {
        for (args, what) in [
            (vec!["lint", "specs", "--format", format], "lint"),
            (
                vec!["iam", "lint", "policies", "--format", format],
                "iam lint",
            ),
        ] {
            let (code, _, peak) = run_measured(&args, dir.path());
            assert!(
                [0, 1, 2].contains(&code),
                "{what} --format {format}: exit {code}"
            );
            assert!(
                peak < bound,
                "{what} --format {format}: {} MiB for {} MiB of input",
                peak >> 20,
                input >> 20
            );
        }
    }
}

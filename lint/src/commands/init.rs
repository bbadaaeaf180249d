//! `awscluster init`: a new spec from a few answers (asked on a terminal,
//! or given as flags), written only where no file is (unless forced), and
//! linted before it is kept.

use std::io::{self, BufRead, Write};
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::catalog;
use crate::diagnostic::Severity;
use crate::source::Format;

/// What the new spec holds. `None` fields are asked for on a terminal and
/// take the default otherwise.
#[derive(Debug, Clone, Default)]
pub struct Answers {
    pub name: Option<String>,
    pub region: Option<String>,
    /// Empty: the Region's first three zones (or all, when fewer).
    pub zones: Vec<String>,
    pub masters: Option<u32>,
    pub master_type: Option<String>,
    pub workers: Option<u32>,
    pub worker_type: Option<String>,
    pub spot_workers: bool,
    /// The CIDR blocks SSH to the bastion is allowed from; none: no bastion.
    pub bastion_cidrs: Vec<String>,
    pub ssh_key_name: Option<String>,
}

pub struct InitRequest {
    pub path: Option<PathBuf>,
    pub answers: Answers,
    /// Ask for what the flags left out.
    pub interactive: bool,
    pub force: bool,
}

const DEFAULT_NAME: &str = "my-cluster";
const DEFAULT_REGION: &str = "us-east-1";
const DEFAULT_TYPE: &str = "m7i.large";

/// Asks `question` with `default`; an empty answer takes the default. The
/// answer is checked by `valid`, and asked again while it is not.
fn ask(
    input: &mut dyn BufRead,
    err: &mut dyn Write,
    question: &str,
    default: &str,
    valid: &Check<'_>,
) -> io::Result<String> {
    loop {
        write!(err, "{question} [{default}]: ")?;
        err.flush()?;
        let mut line = String::new();
        if input.read_line(&mut line)? == 0 {
            // The input ended: the default, as for an empty answer.
            writeln!(err)?;
            return Ok(default.to_string());
        }
        let answer = line.trim();
        let answer = if answer.is_empty() { default } else { answer };
        match valid(answer) {
            Ok(()) => return Ok(answer.to_string()),
            Err(why) => writeln!(err, "  {why}")?,
        }
    }
}

/// Whether an answer will do, and why not.
type Check<'a> = dyn Fn(&str) -> Result<(), String> + 'a;

fn any(_: &str) -> Result<(), String> {
    Ok(())
}

fn count(allowed: &'static [u32]) -> impl Fn(&str) -> Result<(), String> {
    move |text| match text.parse::<u32>() {
        Ok(n) if allowed.is_empty() || allowed.contains(&n) => Ok(()),
        _ if allowed.is_empty() => Err("a whole number, please".to_string()),
        _ => Err(format!(
            "one of {}",
            allowed
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

fn region_known(region: &str) -> Result<(), String> {
    if catalog::instances().has_region(region) {
        Ok(())
    } else {
        let hint = crate::suggest::closest(region, catalog::instances().regions())
            .map_or(String::new(), |r| format!("; did you mean {r}?"));
        Err(format!("no Region {region} is known{hint}"))
    }
}

fn type_known(name: &str) -> Result<(), String> {
    if catalog::instances().get(name).is_some() {
        Ok(())
    } else {
        let hint = crate::suggest::closest(name, catalog::instances().names())
            .map_or(String::new(), |t| format!("; did you mean {t}?"));
        Err(format!("no instance type {name} is known{hint}"))
    }
}

fn list(text: &str) -> Vec<String> {
    text.split([',', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// Fills in what `answers` left out: asked when `input` is given, the
/// default otherwise.
pub fn complete(
    mut answers: Answers,
    mut input: Option<&mut dyn BufRead>,
    err: &mut dyn Write,
) -> io::Result<Answers> {
    macro_rules! fill {
        ($field:expr, $question:expr, $default:expr, $valid:expr) => {
            if $field.is_none() {
                $field = Some(match input.as_deref_mut() {
                    Some(input) => ask(input, err, $question, &$default, &$valid)?,
                    None => $default.to_string(),
                });
            }
        };
    }
    fill!(answers.name, "Cluster name", DEFAULT_NAME, any);
    fill!(answers.region, "Region", DEFAULT_REGION, region_known);
    let region = answers.region.clone().unwrap_or_default();
    let known = catalog::instances().zones(&region);
    if answers.zones.is_empty() {
        let default = known.iter().take(3).copied().collect::<Vec<_>>().join(",");
        answers.zones = match input.as_deref_mut() {
            Some(input) => list(&ask(
                input,
                err,
                "Availability Zones (comma-separated)",
                &default,
                &|text| {
                    let unknown: Vec<String> = list(text)
                        .into_iter()
                        .filter(|z| !known.contains(&z.as_str()))
                        .collect();
                    match unknown.as_slice() {
                        [] if list(text).is_empty() => Err("at least one zone".to_string()),
                        [] => Ok(()),
                        _ => Err(format!(
                            "not zones of {region}: {}; its zones are {}",
                            unknown.join(", "),
                            known.join(", ")
                        )),
                    }
                },
            )?),
            None => list(&default),
        };
    }
    let mut masters = answers.masters.map(|n| n.to_string());
    fill!(masters, "Master nodes (1, 3 or 5)", "3", count(&[1, 3, 5]));
    answers.masters = masters.and_then(|n| n.parse().ok());
    fill!(
        answers.master_type,
        "Master instance type",
        DEFAULT_TYPE,
        type_known
    );
    let mut workers = answers.workers.map(|n| n.to_string());
    fill!(workers, "Worker nodes (0 for none)", "3", count(&[]));
    answers.workers = workers.and_then(|n| n.parse().ok());
    if answers.workers.unwrap_or(0) > 0 {
        fill!(
            answers.worker_type,
            "Worker instance type",
            DEFAULT_TYPE,
            type_known
        );
        if let Some(input) = input.as_deref_mut()
            && !answers.spot_workers
        {
            let spot = ask(input, err, "Spot workers (y/n)", "n", &|t| match t
                .to_ascii_lowercase()
                .as_str()
            {
                "y" | "yes" | "n" | "no" => Ok(()),
                _ => Err("y or n".to_string()),
            })?;
            answers.spot_workers = spot.to_ascii_lowercase().starts_with('y');
        }
    }
    if answers.bastion_cidrs.is_empty()
        && let Some(input) = input.as_deref_mut()
    {
        answers.bastion_cidrs = list(&ask(
            input,
            err,
            "Bastion: CIDR blocks SSH may come from (empty: no bastion)",
            "",
            &|text| match list(text)
                .iter()
                .find(|c| crate::cidr::parse_any(c).is_err())
            {
                Some(bad) => Err(format!("{bad} is not a CIDR block (203.0.113.0/24)")),
                None => Ok(()),
            },
        )?);
    }
    let name = answers.name.clone().unwrap_or_default();
    fill!(answers.ssh_key_name, "EC2 key pair name", name, any);
    Ok(answers)
}

/// The spec the answers describe, as a JSON value.
pub fn spec(answers: &Answers) -> Value {
    let name = answers.name.as_deref().unwrap_or(DEFAULT_NAME);
    let mut pools = vec![json!({
        "name": "control-plane",
        "role": "master",
        "size": answers.masters.unwrap_or(3),
        "instanceType": answers.master_type.as_deref().unwrap_or(DEFAULT_TYPE),
    })];
    let workers = answers.workers.unwrap_or(3);
    if workers > 0 {
        let mut pool = json!({
            "name": "workers",
            "role": "worker",
            "size": workers,
            "instanceType": answers.worker_type.as_deref().unwrap_or(DEFAULT_TYPE),
        });
        if answers.spot_workers {
            pool["capacity"] = json!({"spot": {"maxPricePercentOfOnDemand": 100}});
        }
        pools.push(pool);
    } else {
        pools[0]["allowWorkerCapability"] = json!(true);
    }
    let mut spec = json!({
        "name": name,
        "region": answers.region.as_deref().unwrap_or(DEFAULT_REGION),
        "sshKeyName": answers.ssh_key_name.as_deref().unwrap_or(name),
        "placement": {"dynamic": {
            "vpcCidr": "10.0.0.0/16",
            "availabilityZones": answers.zones,
        }},
        "nodePools": pools,
    });
    if !answers.bastion_cidrs.is_empty() {
        spec["bastion"] = json!({
            "instanceType": "t3.micro",
            "allowedCidrs": answers.bastion_cidrs,
        });
    }
    spec
}

/// The order a person reads a spec's keys in (others after, by name).
const KEY_ORDER: &[&str] = &[
    "name",
    "region",
    "sshKeyName",
    "placement",
    "bastion",
    "nodePools",
    "role",
    "size",
    "instanceType",
    "allowedCidrs",
];

fn ordered(map: &serde_json::Map<String, Value>) -> Vec<(&String, &Value)> {
    let mut entries: Vec<(&String, &Value)> = map.iter().collect();
    entries.sort_by_key(|(k, _)| {
        (
            KEY_ORDER
                .iter()
                .position(|o| o == k)
                .unwrap_or(KEY_ORDER.len()),
            k.as_str(),
        )
    });
    entries
}

/// `value` as JSON, two spaces deep, keys in [`KEY_ORDER`].
pub fn to_json(value: &Value) -> String {
    fn write(value: &Value, indent: usize, out: &mut String) {
        let pad = " ".repeat(indent + 2);
        match value {
            Value::Object(map) if !map.is_empty() => {
                out.push_str("{\n");
                let entries = ordered(map);
                for (i, (key, v)) in entries.iter().enumerate() {
                    out.push_str(&format!("{pad}{}: ", Value::String((*key).clone())));
                    write(v, indent + 2, out);
                    out.push_str(if i + 1 < entries.len() { ",\n" } else { "\n" });
                }
                out.push_str(&format!("{}}}", " ".repeat(indent)));
            }
            Value::Array(items) if !items.is_empty() => {
                out.push_str("[\n");
                for (i, v) in items.iter().enumerate() {
                    out.push_str(&pad);
                    write(v, indent + 2, out);
                    out.push_str(if i + 1 < items.len() { ",\n" } else { "\n" });
                }
                out.push_str(&format!("{}]", " ".repeat(indent)));
            }
            other => out.push_str(&other.to_string()),
        }
    }
    let mut out = String::new();
    write(value, 0, &mut out);
    out.push('\n');
    out
}

/// `value` as YAML: block style, every string double-quoted (as JSON
/// quotes it, which YAML reads the same), so no value changes type.
pub fn to_yaml(value: &Value) -> String {
    fn scalar(value: &Value) -> String {
        match value {
            Value::String(s) => Value::String(s.clone()).to_string(),
            other => other.to_string(),
        }
    }
    fn write(value: &Value, indent: usize, out: &mut String) {
        let pad = " ".repeat(indent);
        match value {
            Value::Object(map) => {
                for (key, v) in ordered(map) {
                    match v {
                        Value::Object(m) if !m.is_empty() => {
                            out.push_str(&format!("{pad}{key}:\n"));
                            write(v, indent + 2, out);
                        }
                        Value::Array(a) if !a.is_empty() => {
                            out.push_str(&format!("{pad}{key}:\n"));
                            write(v, indent + 2, out);
                        }
                        _ => out.push_str(&format!("{pad}{key}: {}\n", scalar(v))),
                    }
                }
            }
            Value::Array(items) => {
                for item in items {
                    match item {
                        Value::Object(m) if !m.is_empty() => {
                            let mut inner = String::new();
                            write(item, indent + 2, &mut inner);
                            // The first key goes on the dash's line.
                            let first = inner.split_off(indent + 2);
                            out.push_str(&format!("{pad}- {first}"));
                        }
                        _ => out.push_str(&format!("{pad}- {}\n", scalar(item))),
                    }
                }
            }
            other => out.push_str(&format!("{pad}{}\n", scalar(other))),
        }
    }
    let mut out = String::new();
    write(value, 0, &mut out);
    out
}

/// `awscluster init`: 0 when the spec was written and lints without error
/// or warning, 1 when it was written but does not, 2 when nothing was
/// written.
pub fn init(
    request: InitRequest,
    input: Option<&mut dyn BufRead>,
    cwd: &Path,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<u8> {
    let answers = complete(
        request.answers,
        if request.interactive { input } else { None },
        err,
    )?;
    // Flags are checked as answers are: a bad one writes nothing.
    let checks: [(&str, Option<&str>, &Check<'_>); 3] = [
        ("--region", answers.region.as_deref(), &region_known),
        ("--master-type", answers.master_type.as_deref(), &type_known),
        ("--worker-type", answers.worker_type.as_deref(), &type_known),
    ];
    for (flag, value, valid) in checks {
        if let Some(Err(why)) = value.map(valid) {
            writeln!(err, "error: {flag}: {why}")?;
            return Ok(super::EXIT_FAILURE);
        }
    }
    let name = answers.name.as_deref().unwrap_or(DEFAULT_NAME);
    let path = request
        .path
        .unwrap_or_else(|| PathBuf::from(format!("{name}.cluster.yaml")));
    let spec = spec(&answers);
    let text = match Format::from_path(&path) {
        Format::Json => to_json(&spec),
        Format::Yaml => to_yaml(&spec),
    };
    let target = cwd.join(&path);
    let shown = crate::diagnostic::escape::escape(&path.display().to_string()).into_owned();
    let file = if request.force {
        std::fs::File::create(&target)
    } else {
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&target)
    };
    let mut file = match file {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            writeln!(
                err,
                "error: `{shown}` exists; pass --force to replace it, or name another file"
            )?;
            return Ok(super::EXIT_FAILURE);
        }
        Err(e) => {
            writeln!(err, "error: cannot write `{shown}`: {e}")?;
            return Ok(super::EXIT_FAILURE);
        }
    };
    file.write_all(text.as_bytes())?;
    drop(file);
    writeln!(out, "Wrote {shown}.")?;
    let request = crate::run::Request {
        paths: vec![path],
        ..crate::run::Request::default()
    };
    let outcome = match crate::run::lint(&request, cwd) {
        Ok(outcome) => outcome,
        Err(e) => {
            super::print_error(&e, crate::report::Style::default(), err)?;
            return Ok(super::EXIT_FAILURE);
        }
    };
    let notable = outcome
        .diagnostics
        .iter()
        .filter(|d| d.severity != Severity::Note)
        .count();
    writeln!(out, "{}", crate::report::summary(&outcome))?;
    if notable > 0 {
        writeln!(
            err,
            "warning: the new spec has findings; `awscluster lint` shows them"
        )?;
        return Ok(1);
    }
    writeln!(
        out,
        "Next: give the pools their images, then `awscluster lint` and `awscluster preflight`."
    )?;
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lint_text(name: &str, text: &str) -> Vec<crate::diagnostic::Diagnostic> {
        crate::rules::testing::lint_text_with(name, text, &crate::rules::Settings::default())
    }

    fn serious(found: &[crate::diagnostic::Diagnostic]) -> Vec<String> {
        found
            .iter()
            .filter(|d| d.severity != Severity::Note)
            .map(|d| format!("{}: {}", d.rule.code, d.message))
            .collect()
    }

    /// Every combination of the answers' forms lints without error or
    /// warning, in JSON and in YAML.
    #[test]
    fn every_spec_it_writes_lints_clean() {
        for masters in [1, 3, 5] {
            for workers in [0, 2] {
                for spot in [false, true] {
                    for bastion in [vec![], vec!["203.0.113.0/24".to_string()]] {
                        let answers = complete(
                            Answers {
                                masters: Some(masters),
                                workers: Some(workers),
                                spot_workers: spot,
                                bastion_cidrs: bastion,
                                region: Some("eu-west-1".into()),
                                ..Answers::default()
                            },
                            None,
                            &mut Vec::new(),
                        )
                        .expect("defaults");
                        let value = spec(&answers);
                        let json = to_json(&value);
                        assert_eq!(
                            serious(&lint_text("a.cluster.json", &json)),
                            Vec::<String>::new(),
                            "{json}"
                        );
                        let yaml = to_yaml(&value);
                        assert_eq!(
                            serious(&lint_text("a.cluster.yaml", &yaml)),
                            Vec::<String>::new(),
                            "{yaml}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn json_and_yaml_read_back_as_the_same_value_name_first() {
        let mut answers = complete(Answers::default(), None, &mut Vec::new()).expect("defaults");
        answers.bastion_cidrs = vec!["203.0.113.0/24".into()];
        let value = spec(&answers);
        for (name, text) in [("a.yaml", to_yaml(&value)), ("a.json", to_json(&value))] {
            let file =
                crate::source::SourceFile::from_bytes(Path::new(name), text.clone().into_bytes());
            let root = crate::source::parse(&file).expect("parses");
            assert_eq!(root.to_json(), value, "{text}");
            assert!(
                text.trim_start_matches(['{', '\n', ' '])
                    .starts_with("\"name\"")
                    || text.starts_with("name:"),
                "{text}"
            );
        }
    }

    /// On a terminal, each question is asked, a wrong answer asked again,
    /// an empty one takes the default.
    #[test]
    fn questions_are_asked_until_answered_well() {
        let typed =
            "demo\nus-east-9\nus-east-2\n\n4\n3\n\n2\nm7i.huge\nm7i.xlarge\ny\n198.51.100.0/24\n\n";
        let mut input = io::Cursor::new(typed.as_bytes());
        let mut prompts = Vec::new();
        let answers = complete(Answers::default(), Some(&mut input), &mut prompts).expect("asked");
        let prompts = String::from_utf8(prompts).expect("utf-8");
        assert!(
            prompts.contains("no Region us-east-9 is known"),
            "{prompts}"
        );
        assert!(prompts.contains("one of 1, 3, 5"), "{prompts}");
        assert!(prompts.contains("no instance type m7i.huge"), "{prompts}");
        assert_eq!(answers.name.as_deref(), Some("demo"));
        assert_eq!(answers.region.as_deref(), Some("us-east-2"));
        assert_eq!(answers.zones, ["us-east-2a", "us-east-2b", "us-east-2c"]);
        assert_eq!((answers.masters, answers.workers), (Some(3), Some(2)));
        assert_eq!(answers.worker_type.as_deref(), Some("m7i.xlarge"));
        assert!(answers.spot_workers);
        assert_eq!(answers.bastion_cidrs, ["198.51.100.0/24"]);
        assert_eq!(answers.ssh_key_name.as_deref(), Some("demo"));
    }
}

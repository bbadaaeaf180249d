//! Plans and statuses for people (aligned lines, a line per attribute
//! that differs) and for programs (JSON).
//!
//! Names and values come from the spec and from AWS: shown escaped, as
//! the linter shows its input, so no control character reaches the
//! terminal.

use std::fmt::Write as _;

use awscluster_lint::diagnostic::escape::escape;

use crate::plan::{Action, Plan, Scope, Step};
use crate::resources::Shown;

fn mark(action: Action) -> char {
    match action {
        Action::Create => '+',
        Action::Keep => '=',
        Action::Change => '~',
        Action::Delete => '-',
    }
}

fn widths(plan: &Plan) -> (usize, usize) {
    let kind = plan
        .steps
        .iter()
        .map(|s| s.kind.as_str().len())
        .max()
        .unwrap_or(0);
    let name = plan
        .steps
        .iter()
        .map(|s| escape(&s.name).chars().count())
        .max()
        .unwrap_or(0);
    (kind, name)
}

fn change_lines(out: &mut String, changes: &[Shown]) {
    for c in changes {
        let attribute = escape(&c.attribute);
        let (from, to) = (escape(&c.from), escape(&c.to));
        let _ = if from.is_empty() {
            writeln!(out, "      {attribute}: {to}")
        } else {
            writeln!(out, "      {attribute}: {from} → {to}")
        };
    }
}

fn blocked_line(out: &mut String, step: &Step) {
    if let Some(why) = &step.blocked {
        let _ = writeln!(out, "      [blocked] {}", escape(why));
    }
}

/// What a plan is about, and what it is compared with, in words.
fn subject(plan: &Plan) -> (String, &'static str) {
    match plan.scope {
        Scope::Cluster => (
            format!(
                "cluster {} in {}",
                escape(&plan.cluster),
                escape(&plan.region)
            ),
            "the spec",
        ),
        Scope::Account => ("the account's IAM".into(), "the setup"),
    }
}

/// The plan's subject for JSON: the cluster and its Region, or the
/// account.
fn subject_json(plan: &Plan) -> serde_json::Map<String, serde_json::Value> {
    let mut map = serde_json::Map::new();
    map.insert("scope".into(), serde_json::json!(plan.scope));
    if plan.scope == Scope::Cluster {
        map.insert("cluster".into(), serde_json::json!(plan.cluster));
        map.insert("region".into(), serde_json::json!(plan.region));
    }
    map
}

pub fn plan_human(plan: &Plan) -> String {
    let (subject, source) = subject(plan);
    let mut out = format!(
        "Plan for {subject}: {} to create, {} to change, {} to delete, {} unchanged.\n",
        plan.count(Action::Create),
        plan.count(Action::Change),
        plan.count(Action::Delete),
        plan.count(Action::Keep),
    );
    let (kind_width, name_width) = widths(plan);
    for step in &plan.steps {
        let id = step
            .id
            .as_deref()
            .map(|id| format!(" ({})", escape(id)))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  {} {:kind_width$}  {:name_width$}  {}{id}",
            mark(step.action),
            step.kind.as_str(),
            escape(&step.name),
            escape(&step.reason)
        );
        change_lines(&mut out, &step.changes);
        blocked_line(&mut out, step);
    }
    if plan.is_noop() {
        let _ = writeln!(out, "Nothing to do: AWS matches {source}.");
    }
    out
}

pub fn plan_json(plan: &Plan) -> String {
    let mut value = subject_json(plan);
    value.insert(
        "summary".into(),
        serde_json::json!({
            "create": plan.count(Action::Create),
            "change": plan.count(Action::Change),
            "delete": plan.count(Action::Delete),
            "keep": plan.count(Action::Keep),
        }),
    );
    value.insert("steps".into(), serde_json::json!(plan.steps));
    pretty(&serde_json::Value::Object(value))
}

fn pretty(value: &serde_json::Value) -> String {
    // A Value always serializes.
    serde_json::to_string_pretty(value).unwrap_or_default() + "\n"
}

/// The state of each resource, from the plan's point of view: a `keep` is
/// in place, a `create` missing, a `change` differs, a `delete` is owned
/// and not in the spec.
fn state(action: Action) -> &'static str {
    match action {
        Action::Keep => "ok",
        Action::Create => "missing",
        Action::Change => "differs",
        Action::Delete => "extra",
    }
}

pub fn status_human(plan: &Plan) -> String {
    let ok = plan.count(Action::Keep);
    let (subject, source) = subject(plan);
    let mut subject = subject;
    if let Some(first) = subject.get(..1) {
        subject = first.to_uppercase() + &subject[1..];
    }
    let mut out = format!(
        "{subject}: {ok} of {} resources match {source}",
        plan.steps.len() - plan.count(Action::Delete),
    );
    let extra = plan.count(Action::Delete);
    if extra > 0 {
        let _ = write!(out, "; {extra} owned and not in {source}");
    }
    out.push_str(".\n");
    let (kind_width, name_width) = widths(plan);
    for step in &plan.steps {
        let id = step.id.as_deref().map_or("-".into(), escape);
        let detail = match step.action {
            Action::Keep => String::new(),
            _ => format!("  {}", escape(&step.reason)),
        };
        let _ = writeln!(
            out,
            "  {:7}  {:kind_width$}  {:name_width$}  {id}{detail}",
            state(step.action),
            step.kind.as_str(),
            escape(&step.name)
        );
        change_lines(&mut out, &step.changes);
        blocked_line(&mut out, step);
    }
    out
}

pub fn status_json(plan: &Plan) -> String {
    let resources: Vec<serde_json::Value> = plan
        .steps
        .iter()
        .map(|s| {
            serde_json::json!({
                "kind": s.kind,
                "name": s.name,
                "id": s.id,
                "state": state(s.action),
                "detail": s.reason,
                "changes": s.changes,
                "blocked": s.blocked,
            })
        })
        .collect();
    let mut value = subject_json(plan);
    value.insert("matches".into(), serde_json::json!(plan.is_noop()));
    value.insert("resources".into(), serde_json::json!(resources));
    pretty(&serde_json::Value::Object(value))
}

/// The resources of a plan of deletions `which` picks, a line each: what
/// the cluster owns (`status --name`), what `destroy` deletes.
pub fn owned_human(plan: &Plan, bullet: &str, which: impl Fn(&Step) -> bool) -> String {
    let (kind_width, _) = widths(plan);
    let mut out = String::new();
    for s in plan.steps.iter().filter(|s| which(s)) {
        let _ = writeln!(
            out,
            "  {bullet}{:kind_width$}  {}  ({})",
            s.kind.as_str(),
            escape(&s.name),
            escape(s.id.as_deref().unwrap_or_default())
        );
    }
    out
}

pub fn owned_json(plan: &Plan) -> String {
    let resources: Vec<serde_json::Value> = plan
        .steps
        .iter()
        .map(|s| serde_json::json!({"kind": s.kind, "name": s.name, "id": s.id}))
        .collect();
    let mut value = subject_json(plan);
    value.insert("resources".into(), serde_json::json!(resources));
    pretty(&serde_json::Value::Object(value))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::kind::Kind;
    use crate::resources::Work;

    fn step(action: Action, kind: Kind, name: &str, id: Option<&str>, reason: &str) -> Step {
        Step {
            action,
            kind,
            name: name.into(),
            id: id.map(str::to_string),
            reason: reason.into(),
            changes: Vec::new(),
            blocked: None,
            after: Vec::new(),
            work: Work::None,
        }
    }

    fn sample() -> Plan {
        let mut changed = step(
            Action::Change,
            Kind::Subnet,
            "demo-subnet-public-us-east-1b",
            Some("subnet-2"),
            "public 10.0.16.0/20 in us-east-1b",
        );
        changed
            .changes
            .push(Shown::new("public IP on launch", "off", "on"));
        let mut created = step(
            Action::Create,
            Kind::Subnet,
            "demo-subnet-public-us-east-1a",
            None,
            "public 10.0.0.0/20 in us-east-1a",
        );
        created.after = vec![0];
        Plan {
            scope: crate::plan::Scope::Cluster,
            cluster: "demo".into(),
            region: "us-east-1".into(),
            steps: vec![
                step(
                    Action::Keep,
                    Kind::Vpc,
                    "demo-vpc",
                    Some("vpc-1"),
                    "10.0.0.0/16",
                ),
                created,
                changed,
                step(
                    Action::Delete,
                    Kind::Instance,
                    "demo-control-plane-3",
                    Some("i-9"),
                    "owned by the cluster and not in the spec",
                ),
            ],
            refs: HashMap::new(),
        }
    }

    #[test]
    fn a_plan_reads_as_aligned_lines_with_a_line_per_change() {
        insta::assert_snapshot!(plan_human(&sample()));
    }

    #[test]
    fn a_status_names_each_resource_state() {
        insta::assert_snapshot!(status_human(&sample()));
    }

    #[test]
    fn plan_json_has_a_summary_and_the_order_of_steps() {
        let value: serde_json::Value = serde_json::from_str(&plan_json(&sample())).expect("json");
        assert_eq!(value["summary"]["create"], 1);
        assert_eq!(value["steps"][3]["action"], "delete");
        assert_eq!(value["steps"][1]["after"], serde_json::json!([0]));
        assert_eq!(
            value["steps"][2]["changes"][0]["attribute"],
            "public IP on launch"
        );
        insta::assert_snapshot!(plan_json(&sample()));
    }

    #[test]
    fn status_json_names_each_resource_state() {
        let value: serde_json::Value = serde_json::from_str(&status_json(&sample())).expect("json");
        assert_eq!(value["matches"], false);
        assert_eq!(value["resources"][1]["state"], "missing");
        assert_eq!(value["resources"][2]["state"], "differs");
        insta::assert_snapshot!(status_json(&sample()));
    }

    #[test]
    fn names_from_aws_reach_the_terminal_escaped() {
        let mut plan = sample();
        plan.steps[0].name = "demo\u{1b}[2Jvpc".into();
        let text = plan_human(&plan);
        assert!(!text.contains('\u{1b}'), "{text}");
    }
}

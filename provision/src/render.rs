//! Plans and statuses for people (aligned lines) and for programs (JSON).

use std::fmt::Write as _;

use crate::plan::{Action, Plan};

pub fn plan_human(plan: &Plan) -> String {
    let mut out = format!(
        "Plan for cluster {} in {}: {} to create, {} to change, {} to delete, {} unchanged.\n",
        plan.cluster,
        plan.region,
        plan.count(Action::Create),
        plan.count(Action::Change),
        plan.count(Action::Delete),
        plan.count(Action::Keep),
    );
    let kind_width = plan.steps.iter().map(|s| s.kind.len()).max().unwrap_or(0);
    let name_width = plan.steps.iter().map(|s| s.name.len()).max().unwrap_or(0);
    for step in &plan.steps {
        let mark = match step.action {
            Action::Create => '+',
            Action::Keep => '=',
            Action::Change => '~',
            Action::Delete => '-',
        };
        let id = step
            .id
            .as_deref()
            .map(|id| format!(" ({id})"))
            .unwrap_or_default();
        let blocked = if step.blocked { " [blocked]" } else { "" };
        let _ = writeln!(
            out,
            "  {mark} {:kind_width$}  {:name_width$}  {}{id}{blocked}",
            step.kind, step.name, step.reason
        );
    }
    if plan.is_noop() {
        out.push_str("Nothing to do: AWS matches the spec.\n");
    }
    out
}

pub fn plan_json(plan: &Plan) -> String {
    let value = serde_json::json!({
        "cluster": plan.cluster,
        "region": plan.region,
        "summary": {
            "create": plan.count(Action::Create),
            "change": plan.count(Action::Change),
            "delete": plan.count(Action::Delete),
            "keep": plan.count(Action::Keep),
        },
        "steps": plan.steps,
    });
    serde_json::to_string_pretty(&value).unwrap_or_default() + "\n"
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
    let mut out = format!(
        "Cluster {} in {}: {ok} of {} resources match the spec",
        plan.cluster,
        plan.region,
        plan.steps.len() - plan.count(Action::Delete),
    );
    let extra = plan.count(Action::Delete);
    if extra > 0 {
        let _ = write!(out, "; {extra} owned and not in the spec");
    }
    out.push_str(".\n");
    let kind_width = plan.steps.iter().map(|s| s.kind.len()).max().unwrap_or(0);
    let name_width = plan.steps.iter().map(|s| s.name.len()).max().unwrap_or(0);
    for step in &plan.steps {
        let id = step.id.as_deref().unwrap_or("-");
        let detail = match step.action {
            Action::Keep => String::new(),
            _ => format!("  {}", step.reason),
        };
        let _ = writeln!(
            out,
            "  {:7}  {:kind_width$}  {:name_width$}  {id}{detail}",
            state(step.action),
            step.kind,
            step.name
        );
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
            })
        })
        .collect();
    let value = serde_json::json!({
        "cluster": plan.cluster,
        "region": plan.region,
        "matches": plan.is_noop(),
        "resources": resources,
    });
    serde_json::to_string_pretty(&value).unwrap_or_default() + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Step;

    fn sample() -> Plan {
        let step = |action, kind, name: &str, id: Option<&str>, reason: &str| Step {
            action,
            kind,
            name: name.into(),
            id: id.map(str::to_string),
            reason: reason.into(),
            blocked: false,
        };
        Plan {
            cluster: "demo".into(),
            region: "us-east-1".into(),
            steps: vec![
                step(
                    Action::Keep,
                    "vpc",
                    "demo-vpc",
                    Some("vpc-1"),
                    "10.0.0.0/16",
                ),
                step(
                    Action::Create,
                    "subnet",
                    "demo-subnet-public-us-east-1a",
                    None,
                    "public 10.0.0.0/20 in us-east-1a",
                ),
                step(
                    Action::Delete,
                    "instance",
                    "demo-control-plane-3",
                    Some("i-9"),
                    "owned by the cluster and not in the spec (or a duplicate)",
                ),
            ],
        }
    }

    #[test]
    fn a_plan_reads_as_aligned_lines() {
        insta::assert_snapshot!(plan_human(&sample()));
    }

    #[test]
    fn a_status_names_each_resource_state() {
        insta::assert_snapshot!(status_human(&sample()));
    }

    #[test]
    fn plan_json_has_a_summary() {
        let value: serde_json::Value = serde_json::from_str(&plan_json(&sample())).expect("json");
        assert_eq!(value["summary"]["create"], 1);
        assert_eq!(value["steps"][2]["action"], "delete");
        insta::assert_snapshot!(plan_json(&sample()));
    }

    #[test]
    fn status_json_names_each_resource_state() {
        let value: serde_json::Value = serde_json::from_str(&status_json(&sample())).expect("json");
        assert_eq!(value["matches"], false);
        assert_eq!(value["resources"][1]["state"], "missing");
        insta::assert_snapshot!(status_json(&sample()));
    }
}

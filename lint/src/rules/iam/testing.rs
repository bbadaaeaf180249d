//! Helpers for policy rule tests.

use std::sync::Arc;

use serde_json::{Value, json};

use crate::diagnostic::Diagnostic;
use crate::iam::Usage;
use crate::rules::iam::check_policy;
use crate::rules::{Rule, Settings};
use crate::source::SourceFile;

/// A policy of one Allow statement.
pub fn allow(action: Value, resource: Value) -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource}]
    })
}

/// A policy of these statements.
pub fn statements(statements: Value) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

pub fn lint_text(text: &str) -> Vec<Diagnostic> {
    let file = Arc::new(SourceFile::new("policy.json", text.to_string()));
    check_policy(&file, Usage::Managed, &Settings::default()).diagnostics
}

pub fn lint(doc: &Value) -> Vec<Diagnostic> {
    lint_text(&serde_json::to_string_pretty(doc).expect("serializable"))
}

#[track_caller]
pub fn fires(rule: &Rule, doc: &Value) -> Vec<Diagnostic> {
    let all = lint(doc);
    let found: Vec<Diagnostic> = all
        .iter()
        .filter(|d| d.rule.code == rule.code)
        .cloned()
        .collect();
    assert!(
        !found.is_empty(),
        "{} did not fire; findings: {:#?}",
        rule.code,
        crate::rules::testing::summarize(&all)
    );
    found
}

#[track_caller]
pub fn quiet(rule: &Rule, doc: &Value) {
    let found: Vec<Diagnostic> = lint(doc)
        .into_iter()
        .filter(|d| d.rule.code == rule.code)
        .collect();
    assert!(
        found.is_empty(),
        "{} fired: {:#?}",
        rule.code,
        crate::rules::testing::summarize(&found)
    );
}

/// The seed's four policies are the reference for "quiet on real policies"
/// where a rule is not expected to fire on them.
pub fn seed(name: &str) -> Value {
    let text = crate::iam::required::builtin()
        .iter()
        .find(|(n, _)| n.ends_with(name))
        .map(|(_, t)| *t)
        .expect("a built-in policy");
    serde_json::from_str(text).expect("JSON")
}

/// Coverage findings of `required` (a policy) against `granted` (policies).
pub fn coverage(required: &Value, granted: &[Value]) -> Vec<Diagnostic> {
    let read = |name: String, doc: &Value| {
        let file = Arc::new(SourceFile::new(
            name,
            serde_json::to_string_pretty(doc).unwrap(),
        ));
        check_policy(&file, Usage::Managed, &Settings::default())
            .policy
            .expect("a policy")
    };
    let required = [read("required.json".into(), required)];
    let granted: Vec<_> = granted
        .iter()
        .enumerate()
        .map(|(i, d)| read(format!("granted{i}.json"), d))
        .collect();
    let reqs = crate::iam::required::from_policies(&required);
    let verdicts = crate::iam::required::evaluate_all(&reqs, &granted);
    crate::rules::iam::coverage::findings(
        &reqs,
        &verdicts,
        &crate::rules::iam::coverage::Anchor::Origin,
    )
}

pub fn coverage_codes(required: &Value, granted: &[Value]) -> Vec<&'static str> {
    coverage(required, granted)
        .iter()
        .map(|d| d.rule.code)
        .collect()
}

/// A policy's text fixed by `rule`'s safe fixes; see
/// [`crate::fix::fixed_by`].
pub fn fixed(rule: &Rule, text: &str) -> String {
    crate::fix::fixed_by(
        rule,
        "policy.json",
        text,
        crate::fix::Applicability::Safe,
        &|_, text| lint_text(text),
    )
}

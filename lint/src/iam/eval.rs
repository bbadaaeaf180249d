//! The coverage engine: would these policies allow this action on these
//! resources?
//!
//! IAM's evaluation logic for identity policies, offline: an explicit
//! `Deny` wins over any `Allow`; otherwise an `Allow` is needed. Actions
//! match with `*` and `?` in any letter case, resources with ARN globbing
//! (case-sensitive); `NotAction` and `NotResource` match everything but
//! their list. Conditions depend on the request, which is not known here:
//! an `Allow` with a condition makes the answer "allowed under conditions",
//! a `Deny` with one "possibly denied".
//!
//! A requested resource may itself be a pattern (`arn:*:iam::*:role/*`,
//! from a required policy): it is allowed when the granting statement's
//! resources cover all of it, and denied when a denying statement's
//! resources meet any of it.
//!
//! Resources are decided by the action's resource types, as the Service
//! Authorization Reference lists them. An action with none (such as
//! `ec2:DescribeVpcs`) names no resource: "you must specify all resources
//! (`*`)", so a statement applies to it only when its `Resource` matches
//! `*` itself, and a `NotResource` only when it does not (an `Allow` with
//! `NotResource: arn:aws:s3:::secret/*` grants it; a `Deny` on
//! `arn:aws:s3:::audit-logs/*` does not deny it). An action asked on `*`
//! that has resource types is asked on every ARN of those types: a
//! statement about other kinds of resource does not touch it.

use super::policy::{Condition, Effect, Policy, Statement, Values};
use super::{arn, catalog, pattern};

/// The answer for one action on one resource (pattern).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Decision {
    /// An unconditional `Allow` covers it, and no `Deny` applies.
    Allowed,
    /// Only `Allow` statements with conditions cover it.
    AllowedUnderConditions,
    /// Allowed, but a `Deny` with conditions may apply.
    PossiblyDenied,
    /// The action is allowed, but not on (all of) this resource.
    AllowedOnOtherResources,
    /// An unconditional `Deny` applies.
    Denied,
    /// No statement allows the action.
    NotGranted,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Allowed => "allowed",
            Decision::AllowedUnderConditions => "allowed only under conditions",
            Decision::PossiblyDenied => "possibly denied",
            Decision::AllowedOnOtherResources => "allowed only on other resources",
            Decision::Denied => "explicitly denied",
            Decision::NotGranted => "not granted",
        }
    }
}

/// A statement of one of the evaluated policies.
#[derive(Debug, Clone, Copy)]
pub struct StatementRef<'p> {
    pub policy: &'p Policy,
    pub statement: &'p Statement,
}

/// The decision and the statements that made it.
#[derive(Debug, Clone)]
pub struct Verdict<'p> {
    pub decision: Decision,
    pub deciding: Vec<StatementRef<'p>>,
}

/// The same test: operator and key in any letter case, the same values.
pub fn same_condition(a: &Condition, b: &Condition) -> bool {
    fn values(c: &Condition) -> Vec<&str> {
        let mut v: Vec<&str> = c.values.iter().map(|v| v.as_str()).collect();
        v.sort_unstable();
        v
    }
    a.operator.eq_ignore_ascii_case(&b.operator)
        && a.key.eq_ignore_ascii_case(&b.key)
        && values(a) == values(b)
}

/// Whether a request known to meet `given` always meets `condition`: the
/// same test, or a `StringEquals` (or wildcard-free `StringLike`) on the
/// same key whose every value the condition's `StringEquals` lists or its
/// `StringLike` patterns match. A requirement states the value it has
/// (`iam:AWSServiceName` is `autoscaling.amazonaws.com`); a grant may
/// allow it by pattern.
pub fn implies(given: &Condition, condition: &Condition) -> bool {
    if same_condition(given, condition) {
        return true;
    }
    let literal = |v: &str| !v.contains(['*', '?']);
    let exact = given.operator.eq_ignore_ascii_case("StringEquals")
        || (given.operator.eq_ignore_ascii_case("StringLike")
            && given.values.iter().all(|v| literal(v)));
    if !exact || given.values.is_empty() || !given.key.eq_ignore_ascii_case(&condition.key) {
        return false;
    }
    let holds: fn(&str, &str) -> bool = if condition.operator.eq_ignore_ascii_case("StringEquals") {
        |allowed, value| allowed == value
    } else if condition.operator.eq_ignore_ascii_case("StringLike") {
        super::pattern::matches
    } else {
        return false;
    };
    given
        .values
        .iter()
        .all(|value| condition.values.iter().any(|allowed| holds(allowed, value)))
}

/// Identity policies prepared for many questions: statements that name
/// actions literally are found through an index by action name; the others
/// (wildcards, `NotAction`) are asked one by one.
pub struct Granted<'p> {
    statements: Vec<StatementRef<'p>>,
    /// Lowercase action name → statements that list it, for statements
    /// whose `Action` has no wildcard.
    by_name: std::collections::HashMap<String, Vec<usize>>,
    /// Statements with wildcards or `NotAction`.
    others: Vec<usize>,
}

impl<'p> Granted<'p> {
    pub fn new(policies: impl IntoIterator<Item = &'p Policy>) -> Granted<'p> {
        let mut granted = Granted {
            statements: Vec::new(),
            by_name: std::collections::HashMap::new(),
            others: Vec::new(),
        };
        for policy in policies {
            for statement in &policy.statements {
                let Some(values) = &statement.actions else {
                    continue;
                };
                if statement.principal.is_some() || statement.effect.is_none() {
                    continue;
                }
                let index = granted.statements.len();
                granted.statements.push(StatementRef { policy, statement });
                if values.negated || values.items.iter().any(|i| i.contains(['*', '?'])) {
                    granted.others.push(index);
                } else {
                    for item in &values.items {
                        let list = granted
                            .by_name
                            .entry(item.to_ascii_lowercase())
                            .or_default();
                        if list.last() != Some(&index) {
                            list.push(index);
                        }
                    }
                }
            }
        }
        granted
    }

    /// The statements whose `Action` (or `NotAction`) applies to `action`,
    /// in policy order.
    /// The statements whose `Action` (or `NotAction`) takes in any of
    /// `actions`, each once, in policy order, whatever their effect and
    /// resources.
    pub fn statements_for(&self, actions: &[&str]) -> Vec<StatementRef<'p>> {
        let mut found: Vec<usize> = actions.iter().flat_map(|a| self.matching(a)).collect();
        found.sort_unstable();
        found.dedup();
        found.into_iter().map(|i| self.statements[i]).collect()
    }

    fn matching(&self, action: &str) -> Vec<usize> {
        let mut found: Vec<usize> = self
            .by_name
            .get(&action.to_ascii_lowercase())
            .cloned()
            .unwrap_or_default();
        found.extend(
            self.others
                .iter()
                .copied()
                .filter(|&i| action_matches(self.statements[i].statement, action)),
        );
        found.sort_unstable();
        found
    }

    /// As [`evaluate_under`], against the prepared policies.
    pub fn evaluate_under(&self, action: &str, resource: &str, given: &[Condition]) -> Verdict<'p> {
        let mut denied = Vec::new();
        let mut maybe_denied = Vec::new();
        let mut allowed = Vec::new();
        let mut conditional = Vec::new();
        let mut elsewhere = Vec::new();
        let target = Target::of(action, resource);
        for i in self.matching(action) {
            let r = &self.statements[i];
            let statement = r.statement;
            let Some(effect) = &statement.effect else {
                continue;
            };
            let conditioned = match **effect {
                Effect::Allow => !statement
                    .conditions
                    .iter()
                    .all(|c| given.iter().any(|g| implies(g, c))),
                Effect::Deny => !statement.conditions.is_empty(),
            };
            match (**effect, reach(statement, &target), conditioned) {
                (Effect::Deny, Reach::None, _) => {}
                (Effect::Deny, _, false) => denied.push(*r),
                (Effect::Deny, _, true) => maybe_denied.push(*r),
                (Effect::Allow, Reach::All, false) => allowed.push(*r),
                (Effect::Allow, Reach::All, true) => conditional.push(*r),
                (Effect::Allow, _, _) => elsewhere.push(*r),
            }
        }
        let (decision, deciding) = if !denied.is_empty() {
            (Decision::Denied, denied)
        } else if !allowed.is_empty() || !conditional.is_empty() {
            if !maybe_denied.is_empty() {
                let mut both = maybe_denied;
                both.extend(if allowed.is_empty() {
                    conditional
                } else {
                    allowed
                });
                (Decision::PossiblyDenied, both)
            } else if !allowed.is_empty() {
                (Decision::Allowed, allowed)
            } else {
                (Decision::AllowedUnderConditions, conditional)
            }
        } else if !elsewhere.is_empty() {
            (Decision::AllowedOnOtherResources, elsewhere)
        } else {
            (Decision::NotGranted, Vec::new())
        };
        Verdict { decision, deciding }
    }
}

fn action_matches(statement: &Statement, action: &str) -> bool {
    let Some(values) = &statement.actions else {
        return false;
    };
    let listed = values
        .items
        .iter()
        .any(|p| pattern::matches_ignore_case(p, action));
    listed != values.negated
}

/// How a statement's resources relate to the requested resource pattern.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Reach {
    /// Every resource the request names.
    All,
    /// Some of them.
    Some,
    None,
}

/// What a request reaches, by the action's resource types.
enum Target<'a> {
    /// The action has no resource types: its requests name no resource,
    /// and only a statement about `*` itself applies to them.
    Unnamed,
    /// The ARN patterns the request names: the requested resource, or for
    /// an action with resource types asked on `*`, each type's ARN format,
    /// with whether the type's ARNs are free of `/` (an S3 bucket's).
    Arns(Vec<(&'a str, bool)>),
}

impl<'a> Target<'a> {
    fn of(action: &str, resource: &'a str) -> Target<'a> {
        match catalog::catalog().action(action) {
            Some((_, a)) if a.star_only() => Target::Unnamed,
            Some((service, a)) if resource == "*" => {
                let arns: Vec<(&'a str, bool)> = service
                    .resource_types(a)
                    .map(|(r, _)| (&*r.pattern, r.slash_free))
                    .collect();
                if arns.is_empty() {
                    Target::Arns(vec![(resource, false)])
                } else {
                    Target::Arns(arns)
                }
            }
            // Not in the catalog (or a wildcard): the resource as asked.
            _ => Target::Arns(vec![(resource, false)]),
        }
    }
}

fn reach(statement: &Statement, target: &Target) -> Reach {
    let Some(values) = &statement.resources else {
        // Trust policies have no Resource: they apply to their role.
        return Reach::All;
    };
    match target {
        Target::Unnamed => {
            let listed = values.items.iter().any(|p| pattern::matches(p, "*"));
            if listed != values.negated {
                Reach::All
            } else {
                Reach::None
            }
        }
        Target::Arns(arns) => {
            let mut reaches = arns
                .iter()
                .map(|(arn, slash_free)| reach_arn(values, arn, *slash_free));
            let first = reaches.next().unwrap_or(Reach::None);
            reaches.fold(first, |a, b| if a == b { a } else { Reach::Some })
        }
    }
}

/// How a `Resource` (or `NotResource`) list relates to one ARN pattern;
/// for a type whose ARNs have no `/` in their resource part, items that
/// name a path (`arn:aws:s3:::b/prefix/*`) do not name it.
fn reach_arn(values: &Values, resource: &str, slash_free: bool) -> Reach {
    let items = || {
        values
            .items
            .iter()
            .filter(move |p| !(slash_free && arn::names_a_path(p)))
    };
    let covered = items().any(|p| arn::covers(p, resource));
    let met = covered || items().any(|p| arn::intersects(p, resource));
    match (values.negated, covered, met) {
        // NotResource: everything but the list.
        (true, true, _) => Reach::None,
        (true, false, true) => Reach::Some,
        (true, false, false) => Reach::All,
        (false, true, _) => Reach::All,
        (false, false, true) => Reach::Some,
        (false, false, false) => Reach::None,
    }
}

/// Decides `action` (a full name, `ec2:RunInstances`) on `resource` (an ARN,
/// an ARN pattern, or `*`) under the identity policies `policies`.
pub fn evaluate<'p>(policies: &'p [Policy], action: &str, resource: &str) -> Verdict<'p> {
    evaluate_under(policies, action, resource, &[])
}

/// As [`evaluate`], for a request known to meet `given` conditions (a
/// requirement that is itself conditional): an `Allow` whose conditions are
/// all among them counts as unconditional.
pub fn evaluate_under<'p>(
    policies: &'p [Policy],
    action: &str,
    resource: &str,
    given: &[Condition],
) -> Verdict<'p> {
    Granted::new(policies).evaluate_under(action, resource, given)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::iam::Usage;
    use crate::rules::Settings;
    use crate::rules::iam::check_policy;
    use crate::source::SourceFile;

    fn policy(text: &str) -> Policy {
        let file = Arc::new(SourceFile::new("granted.json", text.to_string()));
        let checked = check_policy(&file, Usage::Managed, &Settings::default());
        checked.policy.expect("a policy")
    }

    /// Ground truth: (statements, action, resource, decision, deciding Sids).
    /// Each row is one IAM evaluation semantic.
    const CASES: &[(&str, &str, &str, Decision, &[&str])] = &[
        // Exact action, resource `*`.
        (
            r#"{"Sid":"A","Effect":"Allow","Action":"ec2:RunInstances","Resource":"*"}"#,
            "ec2:RunInstances",
            "*",
            Decision::Allowed,
            &["A"],
        ),
        // Nothing allows it.
        (
            r#"{"Sid":"A","Effect":"Allow","Action":"ec2:RunInstances","Resource":"*"}"#,
            "ec2:StopInstances",
            "*",
            Decision::NotGranted,
            &[],
        ),
        // Action names match in any letter case.
        (
            r#"{"Sid":"A","Effect":"Allow","Action":"EC2:runinstances","Resource":"*"}"#,
            "ec2:RunInstances",
            "*",
            Decision::Allowed,
            &["A"],
        ),
        // `*` in actions.
        (
            r#"{"Sid":"A","Effect":"Allow","Action":"ec2:Describe*","Resource":"*"}"#,
            "ec2:DescribeInstances",
            "*",
            Decision::Allowed,
            &["A"],
        ),
        (
            r#"{"Sid":"A","Effect":"Allow","Action":"*","Resource":"*"}"#,
            "s3:GetObject",
            "*",
            Decision::Allowed,
            &["A"],
        ),
        // `?` matches exactly one character.
        (
            r#"{"Sid":"A","Effect":"Allow","Action":"s3:Get?bject","Resource":"*"}"#,
            "s3:GetObject",
            "*",
            Decision::Allowed,
            &["A"],
        ),
        (
            r#"{"Sid":"A","Effect":"Allow","Action":"s3:Get?bject","Resource":"*"}"#,
            "s3:GetObjectAcl",
            "*",
            Decision::NotGranted,
            &[],
        ),
        // An explicit Deny wins over an Allow.
        (
            r#"{"Sid":"A","Effect":"Allow","Action":"s3:*","Resource":"*"},{"Sid":"D","Effect":"Deny","Action":"s3:DeleteBucket","Resource":"*"}"#,
            "s3:DeleteBucket",
            "arn:aws:s3:::b",
            Decision::Denied,
            &["D"],
        ),
        // A Deny on other resources does not apply.
        (
            r#"{"Sid":"A","Effect":"Allow","Action":"s3:*","Resource":"*"},{"Sid":"D","Effect":"Deny","Action":"s3:*","Resource":"arn:aws:s3:::audit/*"}"#,
            "s3:GetObject",
            "arn:aws:s3:::logs/x",
            Decision::Allowed,
            &["A"],
        ),
        // A Deny on part of a requested pattern denies.
        (
            r#"{"Sid":"A","Effect":"Allow","Action":"s3:*","Resource":"*"},{"Sid":"D","Effect":"Deny","Action":"s3:*","Resource":"arn:aws:s3:::audit/*"}"#,
            "s3:GetObject",
            "arn:aws:s3:::*",
            Decision::Denied,
            &["D"],
        ),
        // ARN globbing in resources; case-sensitive.
        (
            r#"{"Sid":"A","Effect":"Allow","Action":"iam:GetRole","Resource":"arn:*:iam::*:role/*"}"#,
            "iam:GetRole",
            "arn:aws:iam::123456789012:role/x",
            Decision::Allowed,
            &["A"],
        ),
        (
            r#"{"Sid":"A","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::Logs/*"}"#,
            "s3:GetObject",
            "arn:aws:s3:::logs/x",
            Decision::AllowedOnOtherResources,
            &["A"],
        ),
        // A requested pattern needs a grant covering all of it.
        (
            r#"{"Sid":"A","Effect":"Allow","Action":"iam:GetRole","Resource":"arn:aws:iam::*:role/app-*"}"#,
            "iam:GetRole",
            "arn:*:iam::*:role/*",
            Decision::AllowedOnOtherResources,
            &["A"],
        ),
        (
            r#"{"Sid":"A","Effect":"Allow","Action":"iam:GetRole","Resource":"*"}"#,
            "iam:GetRole",
            "arn:*:iam::*:role/*",
            Decision::Allowed,
            &["A"],
        ),
        // NotAction allows everything but its list.
        (
            r#"{"Sid":"A","Effect":"Allow","NotAction":"iam:*","Resource":"*"}"#,
            "ec2:RunInstances",
            "*",
            Decision::Allowed,
            &["A"],
        ),
        (
            r#"{"Sid":"A","Effect":"Allow","NotAction":"iam:*","Resource":"*"}"#,
            "iam:PassRole",
            "*",
            Decision::NotGranted,
            &[],
        ),
        // NotResource allows everywhere but its list.
        (
            r#"{"Sid":"A","Effect":"Allow","Action":"s3:GetObject","NotResource":"arn:aws:s3:::audit/*"}"#,
            "s3:GetObject",
            "arn:aws:s3:::logs/x",
            Decision::Allowed,
            &["A"],
        ),
        (
            r#"{"Sid":"A","Effect":"Allow","Action":"s3:GetObject","NotResource":"arn:aws:s3:::audit/*"}"#,
            "s3:GetObject",
            "arn:aws:s3:::audit/x",
            Decision::AllowedOnOtherResources,
            &["A"],
        ),
        // Deny with NotAction denies everything but its list.
        (
            r#"{"Sid":"A","Effect":"Allow","Action":"*","Resource":"*"},{"Sid":"D","Effect":"Deny","NotAction":["iam:Get*","iam:List*"],"Resource":"*"}"#,
            "ec2:RunInstances",
            "*",
            Decision::Denied,
            &["D"],
        ),
        (
            r#"{"Sid":"A","Effect":"Allow","Action":"*","Resource":"*"},{"Sid":"D","Effect":"Deny","NotAction":["iam:Get*","iam:List*"],"Resource":"*"}"#,
            "iam:GetRole",
            "*",
            Decision::Allowed,
            &["A"],
        ),
        // A condition on an Allow makes it conditional.
        (
            r#"{"Sid":"C","Effect":"Allow","Action":"iam:PassRole","Resource":"*","Condition":{"StringEquals":{"iam:PassedToService":"eks.amazonaws.com"}}}"#,
            "iam:PassRole",
            "*",
            Decision::AllowedUnderConditions,
            &["C"],
        ),
        // An unconditional Allow beside a conditional one: allowed.
        (
            r#"{"Sid":"C","Effect":"Allow","Action":"iam:PassRole","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"true"}}},{"Sid":"A","Effect":"Allow","Action":"iam:PassRole","Resource":"*"}"#,
            "iam:PassRole",
            "*",
            Decision::Allowed,
            &["A"],
        ),
        // A condition on a Deny makes it a possible deny.
        (
            r#"{"Sid":"A","Effect":"Allow","Action":"ec2:*","Resource":"*"},{"Sid":"D","Effect":"Deny","Action":"ec2:RunInstances","Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":"us-east-1"}}}"#,
            "ec2:RunInstances",
            "*",
            Decision::PossiblyDenied,
            &["D", "A"],
        ),
        // A conditional Deny does not matter where nothing allows.
        (
            r#"{"Sid":"D","Effect":"Deny","Action":"ec2:RunInstances","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"false"}}}"#,
            "ec2:RunInstances",
            "*",
            Decision::NotGranted,
            &[],
        ),
        // Every combination of {Allow, Deny} x {Resource, NotResource} x
        // {an action with resource types, one with none} x {asked on `*`,
        // on an ARN}, the statement about `arn:aws:s3:::audit-logs/*`
        // (beside an `Allow *` for the denies). An action with no resource
        // types names no resource: only a statement about `*` itself
        // applies to it, whatever ARN it is asked on.
        (
            r#"{"Sid":"S","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::audit-logs/*"}"#,
            "s3:GetObject",
            "*",
            Decision::AllowedOnOtherResources,
            &["S"],
        ),
        (
            r#"{"Sid":"S","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::audit-logs/*"}"#,
            "s3:GetObject",
            "arn:aws:s3:::audit-logs/x",
            Decision::Allowed,
            &["S"],
        ),
        (
            r#"{"Sid":"S","Effect":"Allow","Action":"ec2:DescribeVpcs","Resource":"arn:aws:s3:::audit-logs/*"}"#,
            "ec2:DescribeVpcs",
            "*",
            Decision::AllowedOnOtherResources,
            &["S"],
        ),
        (
            r#"{"Sid":"S","Effect":"Allow","Action":"ec2:DescribeVpcs","Resource":"arn:aws:s3:::audit-logs/*"}"#,
            "ec2:DescribeVpcs",
            "arn:aws:s3:::audit-logs/x",
            Decision::AllowedOnOtherResources,
            &["S"],
        ),
        (
            r#"{"Sid":"S","Effect":"Allow","Action":"s3:GetObject","NotResource":"arn:aws:s3:::audit-logs/*"}"#,
            "s3:GetObject",
            "*",
            Decision::AllowedOnOtherResources,
            &["S"],
        ),
        (
            r#"{"Sid":"S","Effect":"Allow","Action":"s3:GetObject","NotResource":"arn:aws:s3:::audit-logs/*"}"#,
            "s3:GetObject",
            "arn:aws:s3:::audit-logs/x",
            Decision::AllowedOnOtherResources,
            &["S"],
        ),
        (
            r#"{"Sid":"S","Effect":"Allow","Action":"ec2:DescribeVpcs","NotResource":"arn:aws:s3:::audit-logs/*"}"#,
            "ec2:DescribeVpcs",
            "*",
            Decision::Allowed,
            &["S"],
        ),
        (
            r#"{"Sid":"S","Effect":"Allow","Action":"ec2:DescribeVpcs","NotResource":"arn:aws:s3:::audit-logs/*"}"#,
            "ec2:DescribeVpcs",
            "arn:aws:s3:::audit-logs/x",
            Decision::Allowed,
            &["S"],
        ),
        (
            r#"{"Sid":"A","Effect":"Allow","Action":"*","Resource":"*"},{"Sid":"S","Effect":"Deny","Action":"s3:GetObject","Resource":"arn:aws:s3:::audit-logs/*"}"#,
            "s3:GetObject",
            "*",
            Decision::Denied,
            &["S"],
        ),
        (
            r#"{"Sid":"A","Effect":"Allow","Action":"*","Resource":"*"},{"Sid":"S","Effect":"Deny","Action":"s3:GetObject","Resource":"arn:aws:s3:::audit-logs/*"}"#,
            "s3:GetObject",
            "arn:aws:s3:::audit-logs/x",
            Decision::Denied,
            &["S"],
        ),
        (
            r#"{"Sid":"A","Effect":"Allow","Action":"*","Resource":"*"},{"Sid":"S","Effect":"Deny","Action":"ec2:DescribeVpcs","Resource":"arn:aws:s3:::audit-logs/*"}"#,
            "ec2:DescribeVpcs",
            "*",
            Decision::Allowed,
            &["A"],
        ),
        (
            r#"{"Sid":"A","Effect":"Allow","Action":"*","Resource":"*"},{"Sid":"S","Effect":"Deny","Action":"ec2:DescribeVpcs","Resource":"arn:aws:s3:::audit-logs/*"}"#,
            "ec2:DescribeVpcs",
            "arn:aws:s3:::audit-logs/x",
            Decision::Allowed,
            &["A"],
        ),
        (
            r#"{"Sid":"A","Effect":"Allow","Action":"*","Resource":"*"},{"Sid":"S","Effect":"Deny","Action":"s3:GetObject","NotResource":"arn:aws:s3:::audit-logs/*"}"#,
            "s3:GetObject",
            "*",
            Decision::Denied,
            &["S"],
        ),
        (
            r#"{"Sid":"A","Effect":"Allow","Action":"*","Resource":"*"},{"Sid":"S","Effect":"Deny","Action":"s3:GetObject","NotResource":"arn:aws:s3:::audit-logs/*"}"#,
            "s3:GetObject",
            "arn:aws:s3:::audit-logs/x",
            Decision::Allowed,
            &["A"],
        ),
        (
            r#"{"Sid":"A","Effect":"Allow","Action":"*","Resource":"*"},{"Sid":"S","Effect":"Deny","Action":"ec2:DescribeVpcs","NotResource":"arn:aws:s3:::audit-logs/*"}"#,
            "ec2:DescribeVpcs",
            "*",
            Decision::Denied,
            &["S"],
        ),
        (
            r#"{"Sid":"A","Effect":"Allow","Action":"*","Resource":"*"},{"Sid":"S","Effect":"Deny","Action":"ec2:DescribeVpcs","NotResource":"arn:aws:s3:::audit-logs/*"}"#,
            "ec2:DescribeVpcs",
            "arn:aws:s3:::audit-logs/x",
            Decision::Denied,
            &["S"],
        ),
        // A Deny about resources of other types does not touch an action asked on `*`.
        (
            r#"{"Sid":"A","Effect":"Allow","Action":"*","Resource":"*"},{"Sid":"D","Effect":"Deny","Action":"*","Resource":"arn:aws:s3:::audit-logs/*"}"#,
            "ec2:RunInstances",
            "*",
            Decision::Allowed,
            &["A"],
        ),
        // A Deny about one of the action's resource types denies it on `*`.
        (
            r#"{"Sid":"A","Effect":"Allow","Action":"*","Resource":"*"},{"Sid":"D","Effect":"Deny","Action":"ec2:*","Resource":"arn:aws:ec2:*:*:instance/*"}"#,
            "ec2:RunInstances",
            "*",
            Decision::Denied,
            &["D"],
        ),
        // An ARN grants an action with no resource types nothing, even asked on that ARN.
        (
            r#"{"Sid":"A","Effect":"Allow","Action":"ec2:DescribeVpcs","Resource":"arn:aws:ec2:*:*:vpc/*"}"#,
            "ec2:DescribeVpcs",
            "arn:aws:ec2:us-east-1:123456789012:vpc/vpc-1",
            Decision::AllowedOnOtherResources,
            &["A"],
        ),
        // A bucket's ARN has no `/` in its resource part: a statement about
        // `arn:aws:s3:::b/prefix/*` names objects, never a bucket.
        (
            r#"{"Sid":"A","Effect":"Allow","Action":"*","Resource":"*"},{"Sid":"D","Effect":"Deny","Action":"s3:*","Resource":"arn:aws:s3:::b/prefix/*"}"#,
            "s3:ListBucket",
            "*",
            Decision::Allowed,
            &["A"],
        ),
        (
            r#"{"Sid":"A","Effect":"Allow","Action":"*","Resource":"*"},{"Sid":"D","Effect":"Deny","Action":"s3:*","Resource":"arn:aws:s3:::b/prefix/*"}"#,
            "s3:GetObject",
            "*",
            Decision::Denied,
            &["D"],
        ),
        // Several allowing statements are all named.
        (
            r#"{"Sid":"A","Effect":"Allow","Action":"ec2:*","Resource":"*"},{"Sid":"B","Effect":"Allow","Action":"ec2:RunInstances","Resource":"*"}"#,
            "ec2:RunInstances",
            "*",
            Decision::Allowed,
            &["A", "B"],
        ),
    ];

    #[test]
    fn ground_truth() {
        for (statements, action, resource, expected, sids) in CASES {
            let text = format!(r#"{{"Version":"2012-10-17","Statement":[{statements}]}}"#);
            let policies = [policy(&text)];
            let verdict = evaluate(&policies, action, resource);
            let deciding: Vec<&str> = verdict
                .deciding
                .iter()
                .map(|r| r.statement.sid.as_ref().map_or("", |s| s.as_str()))
                .collect();
            assert_eq!(
                (verdict.decision, deciding.as_slice()),
                (*expected, *sids),
                "{action} on {resource} under {statements}"
            );
        }
    }

    #[test]
    fn a_required_value_meets_a_grant_that_lists_or_matches_it() {
        let condition = |operator: &str, values: &[&str]| {
            let values = values
                .iter()
                .map(|v| format!("\"{v}\""))
                .collect::<Vec<_>>()
                .join(",");
            let text = format!(
                r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"iam:CreateServiceLinkedRole","Resource":"*","Condition":{{"{operator}":{{"iam:AWSServiceName":[{values}]}}}}}}]}}"#
            );
            policy(&text).statements[0].conditions[0].clone()
        };
        let required = condition("StringEquals", &["autoscaling.amazonaws.com"]);
        let cases = [
            (
                condition("StringLike", &["autoscaling.amazonaws.com"]),
                true,
            ),
            (condition("StringLike", &["*.amazonaws.com"]), true),
            (
                condition(
                    "StringEquals",
                    &[
                        "elasticloadbalancing.amazonaws.com",
                        "autoscaling.amazonaws.com",
                    ],
                ),
                true,
            ),
            (
                condition("StringEquals", &["Autoscaling.amazonaws.com"]),
                false,
            ),
            (condition("StringLike", &["elasticloadbalancing.*"]), false),
            (condition("StringNotEquals", &["ec2.amazonaws.com"]), false),
        ];
        for (grant, expected) in cases {
            assert_eq!(implies(&required, &grant), expected, "{grant:?}");
        }
        // A requirement that is itself a pattern promises no one value.
        let pattern = condition("StringLike", &["*.amazonaws.com"]);
        assert!(!implies(
            &pattern,
            &condition("StringLike", &["autoscaling.amazonaws.com"])
        ));
        // Two values required: the grant must allow both.
        let both = condition(
            "StringEquals",
            &["autoscaling.amazonaws.com", "ec2.amazonaws.com"],
        );
        assert!(!implies(
            &both,
            &condition("StringLike", &["autoscaling.*"])
        ));
        assert!(implies(
            &both,
            &condition("StringLike", &["*.amazonaws.com"])
        ));
    }

    #[test]
    fn a_conditional_requirement_is_met_by_the_same_conditional_grant() {
        let text = r#"{"Version":"2012-10-17","Statement":[{"Sid":"C","Effect":"Allow","Action":"iam:PassRole","Resource":"*","Condition":{"StringEquals":{"iam:PassedToService":"eks.amazonaws.com"}}}]}"#;
        let policies = [policy(text)];
        let given = policies[0].statements[0].conditions.clone();
        assert_eq!(
            evaluate_under(&policies, "iam:PassRole", "*", &given).decision,
            Decision::Allowed
        );
        assert_eq!(
            evaluate(&policies, "iam:PassRole", "*").decision,
            Decision::AllowedUnderConditions
        );
    }

    #[test]
    fn deciding_statements_keep_their_positions() {
        let text = r#"{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","Action":"ec2:*","Resource":"*"}]}"#;
        let policies = [policy(text)];
        let verdict = evaluate(&policies, "ec2:RunInstances", "*");
        let anchor = verdict.deciding[0].statement.anchor();
        assert_eq!(verdict.deciding[0].policy.file.text_at(anchor), "\"A\"");
    }
}

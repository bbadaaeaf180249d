use super::PolicyContext;
use crate::rules::declare_rule;

declare_rule! {
    /// No action is granted again by a broader item or statement.
    ///
    /// ## What it checks
    /// Actions already covered by a wildcard of the same statement
    /// (`ec2:*` beside `ec2:RunInstances`), and actions another statement of
    /// the policy already grants on a superset of the resources, with no
    /// condition the first statement lacks. Of two statements that cover each
    /// other, the later one is reported.
    ///
    /// ## Why it matters
    /// The narrower grant misleads: narrowing or removing it changes nothing,
    /// because the broad one still applies. And it spends characters of the
    /// size quota.
    ///
    /// ## Example
    /// ```json
    /// {"Statement": [{"Effect": "Allow", "Action": "eks:TagResource", "Resource": "arn:*:eks:*:*:cluster/*"},
    ///                {"Effect": "Allow", "Action": "eks:TagResource", "Resource": "*"}]}
    /// ```
    pub static REDUNDANT_ACTION = Rule {
        code: "iam/redundant-action",
        severity: Warning,
    };
}

pub(crate) fn check(cx: &mut PolicyContext) {
    let redundancy = cx.facts.redundancy(cx.policy);
    let statements = &cx.policy.statements;
    let item = |st: usize, i: usize| statements[st].actions.as_ref().map(|a| &a.items[i]);
    for &(st, i, by) in &redundancy.covered_within {
        let (Some(x), Some(y)) = (item(st, i), item(st, by)) else {
            continue;
        };
        cx.emit(
            &REDUNDANT_ACTION,
            x.span,
            format!("`{}` is already covered by `{}`", x.as_str(), y.as_str()),
        )
        .with_label(y.span, "covers it")
        .with_help("remove the narrower item");
    }
    for &(st, i, other, by) in &redundancy.covered_by_other {
        let (Some(x), Some(y)) = (item(st, i), item(other, by)) else {
            continue;
        };
        cx.emit(
            &REDUNDANT_ACTION,
            x.span,
            format!(
                "`{}` is already granted by {}",
                x.as_str(),
                statements[other].name()
            ),
        )
        .with_label(y.span, "on these resources or more")
        .with_help("remove it here, or narrow the broader statement if that was the intent");
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::iam::testing::{allow, fires, quiet, seed, statements};

    #[test]
    fn fires_within_a_statement_and_across_statements() {
        fires(
            &REDUNDANT_ACTION,
            &allow(json!(["ec2:*", "ec2:RunInstances"]), json!("*")),
        );
        let found = fires(
            &REDUNDANT_ACTION,
            &statements(json!([
                {"Effect": "Allow", "Action": ["eks:TagResource", "eks:DescribeCluster"], "Resource": "arn:*:eks:*:*:cluster/*"},
                {"Effect": "Allow", "Action": "eks:TagResource", "Resource": "*"}
            ])),
        );
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].message,
            "`eks:TagResource` is already granted by statement 2"
        );
        // The seed's controller policy grants eks:TagResource twice.
        fires(&REDUNDANT_ACTION, &seed("controller.json"));
    }

    #[test]
    fn quiet_when_the_other_statement_is_narrower_or_conditional() {
        quiet(
            &REDUNDANT_ACTION,
            &statements(json!([
                {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::*:role/x"},
                {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*",
                 "Condition": {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}}
            ])),
        );
        quiet(
            &REDUNDANT_ACTION,
            &statements(json!([
                {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::a/*"},
                {"Effect": "Deny", "Action": "s3:*", "Resource": "*"}
            ])),
        );
    }
}

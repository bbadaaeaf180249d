use super::PolicyContext;
use crate::rules::declare_rule;

declare_rule! {
    /// No statement is wholly granted by others.
    ///
    /// ## What it checks
    /// Statements whose every action other statements of the policy already
    /// grant (or deny) on a superset of its resources, with no condition it
    /// lacks; of two identical statements, the later one.
    ///
    /// ## Why it matters
    /// Removing or editing the statement changes nothing, which is rarely what
    /// its author believed; and it spends characters of the size quota.
    ///
    /// ## Example
    /// ```json
    /// {"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
    ///                {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::logs/*"}]}
    /// ```
    pub static REDUNDANT_STATEMENT = Rule {
        code: "iam/redundant-statement",
        severity: Warning,
    };
}

pub(crate) fn check(cx: &mut PolicyContext) {
    let redundancy = cx.facts.redundancy(cx.policy);
    let policy = cx.policy;
    for (st, by) in &redundancy.statements {
        let statement = &policy.statements[*st];
        let names: Vec<String> = by.iter().map(|b| policy.statements[*b].name()).collect();
        let d = cx.emit(
            &REDUNDANT_STATEMENT,
            statement.anchor(),
            format!(
                "{} is already granted in full by {}",
                statement.name(),
                names.join(" and ")
            ),
        );
        for b in by {
            d.with_label(policy.statements[*b].anchor(), "covers it");
        }
        d.with_help("remove the statement, or narrow the broader one if that was the intent");
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::iam::testing::{fires, quiet, seed, statements};

    #[test]
    fn fires_on_covered_and_repeated_statements() {
        fires(
            &REDUNDANT_STATEMENT,
            &statements(json!([
                {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
                {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::logs/*"}
            ])),
        );
        let found = fires(
            &REDUNDANT_STATEMENT,
            &statements(json!([
                {"Sid": "A", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
                {"Sid": "B", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
            ])),
        );
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].message,
            "statement `B` is already granted in full by statement `A`"
        );
    }

    #[test]
    fn quiet_when_something_is_left() {
        quiet(
            &REDUNDANT_STATEMENT,
            &statements(json!([
                {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
                {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::logs/*"}
            ])),
        );
        quiet(&REDUNDANT_STATEMENT, &seed("nodes.json"));
    }
}

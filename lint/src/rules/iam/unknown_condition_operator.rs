use super::PolicyContext;
use crate::rules::declare_rule;
use crate::suggest;

/// IAM's condition operators, without `IfExists` and set prefixes.
pub const OPERATORS: &[&str] = &[
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
    "NumericEquals",
    "NumericNotEquals",
    "NumericLessThan",
    "NumericLessThanEquals",
    "NumericGreaterThan",
    "NumericGreaterThanEquals",
    "DateEquals",
    "DateNotEquals",
    "DateLessThan",
    "DateLessThanEquals",
    "DateGreaterThan",
    "DateGreaterThanEquals",
    "Bool",
    "BinaryEquals",
    "IpAddress",
    "NotIpAddress",
    "ArnEquals",
    "ArnLike",
    "ArnNotEquals",
    "ArnNotLike",
    "Null",
];

declare_rule! {
    /// Condition operators are ones IAM knows.
    ///
    /// ## What it checks
    /// Every operator of a `Condition` block: one of IAM's operators
    /// (`StringEquals`, `ArnLike`, `Bool`, `IpAddress`, …), optionally with the
    /// `ForAllValues:` or `ForAnyValue:` prefix and the `IfExists` suffix
    /// (which `Null` does not take).
    ///
    /// ## Why it matters
    /// IAM refuses a policy with an unknown operator; some tools read it as a
    /// condition that never matches instead, which for an `Allow` grants
    /// nothing and for a `Deny` denies nothing.
    ///
    /// ## Example
    /// ```json
    /// {"Condition": {"StringEqual": {"aws:RequestedRegion": "us-east-1"}}}
    /// ```
    pub static UNKNOWN_CONDITION_OPERATOR = Rule {
        code: "iam/unknown-condition-operator",
        severity: Error,
    };
}

/// Whether `operator` is valid, prefixes and suffix included.
pub fn is_known(operator: &str) -> bool {
    let base = operator
        .strip_prefix("ForAllValues:")
        .or_else(|| operator.strip_prefix("ForAnyValue:"))
        .unwrap_or(operator);
    let (base, if_exists) = match base.strip_suffix("IfExists") {
        Some(b) => (b, true),
        None => (base, false),
    };
    OPERATORS.iter().any(|o| o.eq_ignore_ascii_case(base))
        && !(if_exists && base.eq_ignore_ascii_case("Null"))
}

pub(crate) fn check(cx: &mut PolicyContext) {
    let mut seen = Vec::new();
    for st in &cx.policy.statements {
        for condition in &st.conditions {
            let op = &condition.operator;
            if is_known(op) || seen.contains(&op.span) {
                continue;
            }
            seen.push(op.span);
            let d = cx.emit(
                &UNKNOWN_CONDITION_OPERATOR,
                op.span,
                format!("`{}` is not a condition operator", op.as_str()),
            );
            let bare = op.trim_end_matches("IfExists");
            if let Some(best) = suggest::closest(bare, OPERATORS.iter().copied()) {
                d.with_help(format!("did you mean `{best}`?"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::iam::testing::{fires, quiet, seed, statements};

    fn with_operator(op: &str) -> serde_json::Value {
        statements(
            json!([{"Effect": "Allow", "Action": "ec2:RunInstances", "Resource": "*",
            "Condition": {op: {"aws:RequestedRegion": "us-east-1"}}}]),
        )
    }

    #[test]
    fn fires_on_unknown_operators() {
        let found = fires(&UNKNOWN_CONDITION_OPERATOR, &with_operator("StringEqual"));
        assert_eq!(
            found[0].help.as_deref(),
            Some("did you mean `StringEquals`?")
        );
        fires(&UNKNOWN_CONDITION_OPERATOR, &with_operator("NullIfExists"));
        fires(
            &UNKNOWN_CONDITION_OPERATOR,
            &with_operator("ForEveryValue:StringEquals"),
        );
    }

    #[test]
    fn quiet_on_operators_with_prefixes_and_suffix() {
        for op in [
            "StringEquals",
            "ForAnyValue:StringLike",
            "ArnLikeIfExists",
            "Null",
            "ForAllValues:StringEqualsIgnoreCase",
        ] {
            quiet(&UNKNOWN_CONDITION_OPERATOR, &with_operator(op));
        }
        quiet(&UNKNOWN_CONDITION_OPERATOR, &seed("controller.json"));
    }
}

use super::PolicyContext;
use crate::iam::NameProblem;
use crate::rules::declare_rule;

declare_rule! {
    /// Action wildcards match at least one action.
    ///
    /// ## What it checks
    /// Every `Action` and `NotAction` item with `*` or `?` against the
    /// catalog.
    ///
    /// ## Why it matters
    /// A wildcard that matches nothing grants nothing, silently; usually the
    /// service prefix or the verb is misspelled (`ec2:Descibe*`).
    ///
    /// ## Example
    /// ```json
    /// {"Effect": "Allow", "Action": "ec2:Descibe*", "Resource": "*"}
    /// ```
    pub static WILDCARD_MATCHES_NOTHING = Rule {
        code: "iam/wildcard-matches-nothing",
        severity: Warning,
    };
}

pub(crate) fn check(cx: &mut PolicyContext) {
    for st in &cx.policy.statements {
        let Some(values) = &st.actions else { continue };
        for resolved in &cx.facts.resolved[st.index] {
            if resolved.problem == Some(NameProblem::MatchesNothing) {
                let item = &values.items[resolved.item];
                cx.emit(&WILDCARD_MATCHES_NOTHING, item.span, format!("`{}` matches no action", item.as_str()))
                    .with_help("check the spelling against `aws iam` documentation or the Service Authorization Reference");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::iam::testing::{allow, fires, quiet};

    #[test]
    fn fires_on_a_wildcard_matching_nothing() {
        fires(
            &WILDCARD_MATCHES_NOTHING,
            &allow(json!("ec2:Descibe*"), json!("*")),
        );
        fires(
            &WILDCARD_MATCHES_NOTHING,
            &allow(json!("nosuch*:Get*"), json!("*")),
        );
    }

    #[test]
    fn quiet_on_wildcards_that_match() {
        quiet(
            &WILDCARD_MATCHES_NOTHING,
            &allow(json!(["ec2:Describe*", "s3:Get?bject", "*"]), json!("*")),
        );
    }
}

use super::PolicyContext;
use crate::iam::{is_global_key, key_matches};
use crate::rules::declare_rule;

declare_rule! {
    /// Condition keys are supported by some action of their statement.
    ///
    /// ## What it checks
    /// For statements whose `Action` items are all known (and not `*`), that
    /// every condition key is one at least one of the statement's actions
    /// supports (its own keys and its resource types'), per the Service
    /// Authorization Reference. Global keys (`aws:…`) are always allowed.
    /// Keys match in any letter case; `aws:RequestTag/team` matches
    /// `aws:RequestTag/${TagKey}`.
    ///
    /// ## Why it matters
    /// A key no action supports is absent from every request the statement
    /// applies to: under most operators the condition is then false, so an
    /// `Allow` grants nothing and a `Deny` denies nothing, the opposite of
    /// intended in both cases.
    ///
    /// ## Example
    /// ```json
    /// {"Effect": "Allow", "Action": "ec2:DescribeInstances", "Resource": "*",
    ///  "Condition": {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}}
    /// ```
    pub static UNSUPPORTED_CONDITION_KEY = Rule {
        code: "iam/unsupported-condition-key",
        severity: Warning,
    };
}

pub(crate) fn check(cx: &mut PolicyContext) {
    for st in &cx.policy.statements {
        if st.conditions.is_empty() || !cx.facts.all_known(st) {
            continue;
        }
        let Some(values) = &st.actions else { continue };
        if values.items.iter().any(|i| i.as_str() == "*") {
            continue;
        }
        let Some(actions) = cx.facts.actions_of(st) else {
            continue;
        };
        for condition in &st.conditions {
            let key = condition.key.as_str();
            if is_global_key(key) {
                continue;
            }
            let supported = actions.iter().any(|(service, action)| {
                service
                    .action_keys(action)
                    .any(|k| key_matches(k.name, key))
            });
            if !supported {
                let names: Vec<String> = actions
                    .iter()
                    .take(3)
                    .map(|(s, a)| format!("{}:{}", s.prefix, a.name))
                    .collect();
                let more = if actions.len() > 3 {
                    format!(" and {} more", actions.len() - 3)
                } else {
                    String::new()
                };
                cx.emit(
                    &UNSUPPORTED_CONDITION_KEY,
                    condition.key.span,
                    format!("no action of {} supports the condition key `{key}`", st.name()),
                )
                .with_help(format!(
                    "{}{more} never carry it, so the condition never holds; check the key against the Service Authorization Reference",
                    names.join(", ")
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::iam::testing::{fires, quiet, seed, statements};

    fn conditioned(action: &str, key: &str) -> serde_json::Value {
        statements(
            json!([{"Effect": "Allow", "Action": action, "Resource": "*",
            "Condition": {"StringEquals": {key: "x"}}}]),
        )
    }

    #[test]
    fn fires_on_a_key_of_another_action() {
        fires(
            &UNSUPPORTED_CONDITION_KEY,
            &conditioned("ec2:DescribeInstances", "iam:PassedToService"),
        );
        fires(
            &UNSUPPORTED_CONDITION_KEY,
            &conditioned("s3:GetObject", "ec2:InstanceType"),
        );
    }

    #[test]
    fn quiet_on_supported_global_and_templated_keys() {
        quiet(
            &UNSUPPORTED_CONDITION_KEY,
            &conditioned("iam:PassRole", "iam:PassedToService"),
        );
        quiet(
            &UNSUPPORTED_CONDITION_KEY,
            &conditioned("iam:PASSROLE", "IAM:passedtoservice"),
        );
        quiet(
            &UNSUPPORTED_CONDITION_KEY,
            &conditioned("ec2:RunInstances", "aws:RequestTag/team"),
        );
        quiet(
            &UNSUPPORTED_CONDITION_KEY,
            &conditioned("ec2:RunInstances", "ec2:ResourceTag/team"),
        );
        quiet(
            &UNSUPPORTED_CONDITION_KEY,
            &conditioned("ec2:RunInstances", "ec2:InstanceType"),
        );
        quiet(&UNSUPPORTED_CONDITION_KEY, &seed("controller.json"));
    }
}

use super::PolicyContext;
use crate::iam::NameProblem;
use crate::iam::catalog::{catalog, date};
use crate::rules::declare_rule;
use crate::suggest;

declare_rule! {
    /// Actions exist in their service.
    ///
    /// ## What it checks
    /// Every `Action` and `NotAction` item without wildcards against its
    /// service's actions in the catalog (names match in any letter case), with
    /// a suggestion for likely typos; and that each item has the form
    /// `service:action`.
    ///
    /// ## Why it matters
    /// IAM accepts unknown actions silently; a typo grants nothing and the
    /// call fails with `AccessDenied` at run time, which points at the role,
    /// not at the typo.
    ///
    /// ## Example
    /// ```json
    /// {"Effect": "Allow", "Action": "ec2:DescribeInstance", "Resource": "*"}
    /// ```
    /// Reported with "did you mean `ec2:DescribeInstances`?".
    pub static UNKNOWN_ACTION = Rule {
        code: "iam/unknown-action",
        severity: Error,
    };
}

pub(crate) fn check(cx: &mut PolicyContext) {
    for st in &cx.policy.statements {
        let Some(values) = &st.actions else { continue };
        for resolved in &cx.facts.resolved[st.index] {
            let item = &values.items[resolved.item];
            match resolved.problem {
                Some(NameProblem::Malformed) => {
                    cx.emit(
                        &UNKNOWN_ACTION,
                        item.span,
                        format!("`{}` is not an action name", item.as_str()),
                    )
                    .with_help(
                        "actions are written `service:Action`, such as `ec2:DescribeInstances`",
                    );
                }
                Some(NameProblem::UnknownAction) => {
                    let (prefix, name) = item.split_once(':').unwrap_or(("", item.as_str()));
                    let d = cx.emit(
                        &UNKNOWN_ACTION,
                        item.span,
                        format!(
                            "`{name}` is not an action of `{prefix}` in the IAM catalog of {}",
                            date()
                        ),
                    );
                    match catalog().service(prefix).and_then(|service| {
                        suggest::closest(name, service.actions.iter().map(|a| a.name))
                            .map(|best| (service.prefix, best))
                    }) {
                        Some((prefix, best)) => {
                            d.with_help(format!("did you mean `{prefix}:{best}`?"))
                        }
                        None => d.with_help(format!(
                            "an action AWS added after {} is not in the built-in catalog: check the Service Authorization Reference, and update awscluster",
                            date()
                        )),
                    };
                }
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::iam::testing::{allow, fires, quiet, seed};

    #[test]
    fn fires_on_typos_and_malformed_names() {
        let found = fires(
            &UNKNOWN_ACTION,
            &allow(json!("ec2:DescribeInstance"), json!("*")),
        );
        assert_eq!(
            found[0].help.as_deref(),
            Some("did you mean `ec2:DescribeInstances`?")
        );
        fires(
            &UNKNOWN_ACTION,
            &allow(json!("DescribeInstances"), json!("*")),
        );
        fires(&UNKNOWN_ACTION, &allow(json!("ec2:"), json!("*")));
    }

    #[test]
    fn quiet_on_real_actions_in_any_case() {
        quiet(
            &UNKNOWN_ACTION,
            &allow(json!(["ec2:describeinstances", "IAM:PassRole"]), json!("*")),
        );
        for name in [
            "controller.json",
            "control-plane.json",
            "nodes.json",
            "deployment.json",
        ] {
            quiet(&UNKNOWN_ACTION, &seed(name));
        }
    }
}

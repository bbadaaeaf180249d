use super::PolicyContext;
use crate::iam::NameProblem;
use crate::iam::catalog::{catalog, date};
use crate::rules::declare_rule;
use crate::suggest;

declare_rule! {
    /// Actions name a service IAM knows.
    ///
    /// ## What it checks
    /// The service prefix of every `Action` and `NotAction` item (`ec2` in
    /// `ec2:RunInstances`) against the action catalog, with a suggestion for
    /// likely typos. Findings name the day the built-in catalog was made: a
    /// service AWS added since is unknown to it.
    ///
    /// ## Why it matters
    /// IAM accepts an unknown prefix without complaint, and the statement
    /// grants nothing for it: the permission is missing exactly when it is
    /// needed.
    ///
    /// ## Example
    /// ```json
    /// {"Effect": "Allow", "Action": "ec3:DescribeInstances", "Resource": "*"}
    /// ```
    pub static UNKNOWN_SERVICE = Rule {
        code: "iam/unknown-service",
        severity: Error,
    };
}

pub(crate) fn check(cx: &mut PolicyContext) {
    for st in &cx.policy.statements {
        let Some(values) = &st.actions else { continue };
        for resolved in &cx.facts.resolved[st.index] {
            if resolved.problem != Some(NameProblem::UnknownService) {
                continue;
            }
            let item = &values.items[resolved.item];
            let prefix = item.split(':').next().unwrap_or("");
            let d = cx.emit(
                &UNKNOWN_SERVICE,
                item.span,
                format!(
                    "`{prefix}` is not a service prefix in the IAM catalog of {}",
                    date()
                ),
            );
            match suggest::closest(prefix, catalog().prefixes()) {
                Some(best) => d.with_help(format!("did you mean `{best}`?")),
                None => d.with_help(format!(
                    "a service AWS added after {} is not in the built-in catalog: check the Service Authorization Reference, and update awscluster",
                    date()
                )),
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::iam::testing::{allow, fires, quiet, seed};

    #[test]
    fn fires_on_a_misspelled_prefix() {
        let found = fires(
            &UNKNOWN_SERVICE,
            &allow(json!("ec3:DescribeInstances"), json!("*")),
        );
        assert_eq!(found[0].help.as_deref(), Some("did you mean `ec2`?"));
        assert!(found[0].message.ends_with(date()), "{}", found[0].message);
    }

    #[test]
    fn an_unknown_prefix_with_no_near_name_may_be_newer_than_the_catalog() {
        let found = fires(
            &UNKNOWN_SERVICE,
            &allow(json!("zzqqxxservice:GetThing"), json!("*")),
        );
        let help = found[0].help.as_deref().unwrap_or_default();
        assert!(help.contains(&format!("added after {}", date())), "{help}");
        assert!(date().starts_with("20"), "{}", date());
    }

    #[test]
    fn quiet_on_known_prefixes_and_wildcards() {
        quiet(
            &UNKNOWN_SERVICE,
            &allow(
                json!(["ec2:DescribeInstances", "*", "s3:*", "ec*:Describe*"]),
                json!("*"),
            ),
        );
        for name in [
            "controller.json",
            "control-plane.json",
            "nodes.json",
            "deployment.json",
        ] {
            quiet(&UNKNOWN_SERVICE, &seed(name));
        }
    }
}

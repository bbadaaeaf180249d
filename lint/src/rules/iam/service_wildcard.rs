use super::PolicyContext;
use crate::rules::declare_rule;

declare_rule! {
    /// Whole services are not granted on every resource (opt-in).
    ///
    /// ## What it checks
    /// `Allow` statements that grant every action of a service (`fsx:*`,
    /// `ec2:*`) on `"Resource": "*"`. Off by default: turn it on with
    /// `-W iam/service-wildcard` or in `[rules]`.
    ///
    /// ## Why it matters
    /// A service's actions include its deletes and its permission changes:
    /// `s3:*` on `*` can delete every bucket and rewrite their policies. Some
    /// teams grant whole services to automation on purpose, which is why
    /// the rule is opt-in; least privilege lists the actions used.
    ///
    /// ## Example
    /// ```json
    /// {"Effect": "Allow", "Action": "fsx:*", "Resource": "*"}
    /// ```
    pub static SERVICE_WILDCARD = Rule {
        code: "iam/service-wildcard",
        severity: Warning,
        opt_in: true,
    };
}

pub(crate) fn check(cx: &mut PolicyContext) {
    for st in &cx.policy.statements {
        let Some((actions, resources)) = st.allowed_elements() else {
            continue;
        };
        if actions.negated
            || resources.negated
            || !resources.items.iter().any(|r| r.as_str() == "*")
        {
            continue;
        }
        for item in &actions.items {
            let Some(service) = item.strip_suffix(":*") else {
                continue;
            };
            if service.is_empty() || service.contains(['*', '?']) {
                continue;
            }
            cx.emit(
                &SERVICE_WILDCARD,
                item.span,
                format!("{} grants every action of `{service}` on every resource", st.name()),
            )
            .with_help(format!("list the `{service}:` actions the principal calls; `awscluster iam required` prints what the provisioner needs"));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use serde_json::json;

    use super::*;
    use crate::config::Config;
    use crate::rules::iam::testing::{allow, lint};

    fn found(doc: &serde_json::Value) -> usize {
        lint(doc)
            .iter()
            .filter(|d| d.rule.code == SERVICE_WILDCARD.code)
            .count()
    }

    #[test]
    fn fires_on_whole_services_on_every_resource() {
        assert_eq!(
            found(&allow(json!(["fsx:*", "ec2:Describe*"]), json!("*"))),
            1
        );
        assert_eq!(found(&allow(json!(["fsx:*", "s3:*"]), json!("*"))), 2);
    }

    #[test]
    fn quiet_on_action_lists_and_scoped_resources() {
        assert_eq!(found(&allow(json!("ec2:Describe*"), json!("*"))), 0);
        assert_eq!(
            found(&allow(json!("s3:*"), json!("arn:aws:s3:::logs/*"))),
            0
        );
    }

    #[test]
    fn is_off_until_turned_on() {
        let config = Config::parse(
            Arc::new(crate::source::SourceFile::new(
                "awscluster.toml",
                String::new(),
            )),
            std::path::PathBuf::new(),
        )
        .unwrap();
        assert_eq!(config.severity(&SERVICE_WILDCARD, &[]), None);
        let on = [(
            crate::config::Selector::parse("iam/service-wildcard").unwrap(),
            Some(crate::Severity::Warning),
        )];
        assert_eq!(
            config.severity(&SERVICE_WILDCARD, &on),
            Some(crate::Severity::Warning)
        );
    }
}

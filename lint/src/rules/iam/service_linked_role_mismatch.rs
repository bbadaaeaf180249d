use super::PolicyContext;
use crate::iam::pattern;
use crate::rules::declare_rule;

declare_rule! {
    /// `iam:CreateServiceLinkedRole` names one service in its resource and its condition.
    ///
    /// ## What it checks
    /// Statements that allow `iam:CreateServiceLinkedRole` on service-linked
    /// role ARNs (`…:role/aws-service-role/<service>/…`) and limit
    /// `iam:AWSServiceName`: at least one resource's `<service>` must match
    /// one of the condition's values.
    ///
    /// ## Why it matters
    /// A service-linked role's ARN contains the service it is for, and the
    /// request's `iam:AWSServiceName` is that service. When the two disagree
    /// no request can satisfy both, and the statement never matches. The seed's
    /// Fargate statement is one: its resource names
    /// `eks-fargate-pods.amazonaws.com`, its condition `eks-fargate.amazonaws.com`.
    ///
    /// ## Example
    /// ```json
    /// {"Effect": "Allow", "Action": "iam:CreateServiceLinkedRole",
    ///  "Resource": "arn:*:iam::*:role/aws-service-role/eks-fargate-pods.amazonaws.com/*",
    ///  "Condition": {"StringLike": {"iam:AWSServiceName": "eks-fargate.amazonaws.com"}}}
    /// ```
    pub static SERVICE_LINKED_ROLE_MISMATCH = Rule {
        code: "iam/service-linked-role-mismatch",
        severity: Error,
    };
}

const PATH: &str = ":role/aws-service-role/";

pub(crate) fn check(cx: &mut PolicyContext) {
    for st in &cx.policy.statements {
        let (Some(actions), Some(resources)) = (&st.actions, &st.resources) else {
            continue;
        };
        if actions.negated
            || resources.negated
            || !actions
                .items
                .iter()
                .any(|a| pattern::matches_ignore_case(a, "iam:CreateServiceLinkedRole"))
        {
            continue;
        }
        let names: Vec<_> = st
            .conditions
            .iter()
            .filter(|c| c.key.eq_ignore_ascii_case("iam:AWSServiceName"))
            .flat_map(|c| c.values.iter())
            .collect();
        if names.is_empty() {
            continue;
        }
        let services: Vec<_> = resources
            .items
            .iter()
            .filter_map(|r| {
                let after = &r[r.find(PATH)? + PATH.len()..];
                Some((r, after.split('/').next().unwrap_or(after).to_string()))
            })
            .collect();
        if services.is_empty() || resources.items.len() != services.len() {
            continue;
        }
        let compatible = services
            .iter()
            .any(|(_, service)| names.iter().any(|n| pattern::intersects(service, n, true)));
        if !compatible {
            let (resource, service) = &services[0];
            let d = cx.emit(
                &SERVICE_LINKED_ROLE_MISMATCH,
                resource.span,
                format!(
                    "{} can never match: the role is for `{service}`, the condition requires `{}`",
                    st.name(),
                    names[0].as_str()
                ),
            );
            d.with_label(names[0].span, "iam:AWSServiceName");
            d.with_help("make the resource's service path and the condition's service name the same service");
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::iam::testing::{fires, quiet, seed, statements};

    fn slr(resource: &str, service: &str) -> serde_json::Value {
        statements(
            json!([{"Effect": "Allow", "Action": "iam:CreateServiceLinkedRole", "Resource": resource,
            "Condition": {"StringLike": {"iam:AWSServiceName": service}}}]),
        )
    }

    #[test]
    fn fires_on_the_seeds_fargate_statement() {
        let found = fires(&SERVICE_LINKED_ROLE_MISMATCH, &seed("controller.json"));
        assert_eq!(found.len(), 1);
        assert!(
            found[0].message.contains("eks-fargate-pods.amazonaws.com"),
            "{}",
            found[0].message
        );
        fires(
            &SERVICE_LINKED_ROLE_MISMATCH,
            &slr(
                "arn:*:iam::*:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling",
                "elasticloadbalancing.amazonaws.com",
            ),
        );
    }

    #[test]
    fn quiet_when_they_agree() {
        quiet(
            &SERVICE_LINKED_ROLE_MISMATCH,
            &slr(
                "arn:*:iam::*:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling",
                "autoscaling.amazonaws.com",
            ),
        );
        quiet(
            &SERVICE_LINKED_ROLE_MISMATCH,
            &slr("arn:*:iam::*:role/aws-service-role/*", "eks.amazonaws.com"),
        );
    }
}

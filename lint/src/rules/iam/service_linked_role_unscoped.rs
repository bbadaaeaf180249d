use super::PolicyContext;
use crate::iam::pattern;
use crate::rules::declare_rule;

declare_rule! {
    /// Creating service-linked roles is limited to the services that need them.
    ///
    /// ## What it checks
    /// `Allow` statements that grant `iam:CreateServiceLinkedRole` (by name
    /// or wildcard) on every service-linked role (`"Resource": "*"`,
    /// `arn:*:iam::*:role/aws-service-role/*`, or through `NotResource`)
    /// without an `iam:AWSServiceName` condition.
    ///
    /// ## Why it matters
    /// A service-linked role carries the permissions AWS gives that service,
    /// some of them broad; a principal that may create one for any service
    /// can switch on services the account never meant to use, with their
    /// permissions. Naming the services (`"iam:AWSServiceName":
    /// "elasticloadbalancing.amazonaws.com"`), as the seed's controller policy
    /// does, or their roles' ARNs, keeps it to what provisioning needs. The
    /// seed's control-plane policy grants it on `*` unconditioned.
    ///
    /// ## Example
    /// ```json
    /// {"Effect": "Allow", "Action": "iam:CreateServiceLinkedRole", "Resource": "*"}
    /// ```
    pub static SERVICE_LINKED_ROLE_UNSCOPED = Rule {
        code: "iam/service-linked-role-unscoped",
        severity: Warning,
    };
}

/// The service-linked role of a service nobody named: a resource item
/// that matches it names every service's.
const ANY_SERVICES_ROLE: &str =
    "arn:aws:iam::123456789012:role/aws-service-role/x.amazonaws.com/AWSServiceRoleForX";

pub(crate) fn check(cx: &mut PolicyContext) {
    for st in &cx.policy.statements {
        let Some((actions, resources)) = st.allowed_elements() else {
            continue;
        };
        if actions.negated {
            continue;
        }
        let Some(item) = actions
            .items
            .iter()
            .find(|a| pattern::matches_ignore_case(a, "iam:CreateServiceLinkedRole"))
        else {
            continue;
        };
        let named = resources
            .items
            .iter()
            .any(|r| pattern::matches(r, ANY_SERVICES_ROLE));
        let every = named != resources.negated;
        let limited = st
            .conditions
            .iter()
            .any(|c| c.key.eq_ignore_ascii_case("iam:AWSServiceName"));
        if every && !limited {
            cx.emit(
                &SERVICE_LINKED_ROLE_UNSCOPED,
                item.span,
                format!("{} lets the principal create the service-linked role of any service", st.name()),
            )
            .with_help("add a condition naming the services, such as {\"StringLike\": {\"iam:AWSServiceName\": \"elasticloadbalancing.amazonaws.com\"}}, or name their roles in Resource (`arn:*:iam::*:role/aws-service-role/<service>/*`)");
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::iam::testing::{allow, fires, quiet, seed, statements};

    #[test]
    fn fires_on_every_service_linked_role_unconditioned() {
        fires(
            &SERVICE_LINKED_ROLE_UNSCOPED,
            &allow(json!("iam:CreateServiceLinkedRole"), json!("*")),
        );
        fires(
            &SERVICE_LINKED_ROLE_UNSCOPED,
            &allow(
                json!("iam:Create*"),
                json!("arn:aws:iam::*:role/aws-service-role/*"),
            ),
        );
        fires(&SERVICE_LINKED_ROLE_UNSCOPED, &seed("control-plane.json"));
    }

    #[test]
    fn quiet_when_the_services_are_named() {
        quiet(
            &SERVICE_LINKED_ROLE_UNSCOPED,
            &statements(
                json!([{"Effect": "Allow", "Action": "iam:CreateServiceLinkedRole", "Resource": "*",
                "Condition": {"StringLike": {"iam:AWSServiceName": "spot.amazonaws.com"}}}]),
            ),
        );
        quiet(
            &SERVICE_LINKED_ROLE_UNSCOPED,
            &allow(
                json!("iam:CreateServiceLinkedRole"),
                json!(
                    "arn:*:iam::*:role/aws-service-role/spot.amazonaws.com/AWSServiceRoleForEC2Spot"
                ),
            ),
        );
        quiet(&SERVICE_LINKED_ROLE_UNSCOPED, &seed("controller.json"));
    }
}

use super::PolicyContext;
use crate::iam::pattern;
use crate::rules::declare_rule;

declare_rule! {
    /// `iam:PassRole` on every role is limited to the services it is for.
    ///
    /// ## What it checks
    /// `Allow` statements that grant `iam:PassRole` (by name, by a wildcard
    /// such as `iam:*`, or through `NotAction`) on `"Resource": "*"` without
    /// an `iam:PassedToService` condition.
    ///
    /// ## Why it matters
    /// Passing a role hands its permissions to a service that acts with them.
    /// A principal that may pass any role to any service can launch an
    /// instance or a function with an administrator role attached, and so
    /// acts as an administrator itself: the classic IAM privilege escalation.
    /// The seed's controller policy limits its `PassRole` on `*` to
    /// `eks.amazonaws.com`.
    ///
    /// ## Example
    /// ```json
    /// {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}
    /// ```
    pub static PASSROLE_STAR = Rule {
        code: "iam/passrole-star",
        severity: Warning,
    };
}

pub(crate) fn check(cx: &mut PolicyContext) {
    for st in &cx.policy.statements {
        let Some((actions, resources)) = st.allowed_elements() else {
            continue;
        };
        let named = actions
            .items
            .iter()
            .any(|a| pattern::matches_ignore_case(a, "iam:PassRole"));
        if named == actions.negated {
            continue;
        }
        let Some(star) = resources
            .items
            .iter()
            .find(|r| r.as_str() == "*")
            .filter(|_| !resources.negated)
        else {
            continue;
        };
        let limited = st
            .conditions
            .iter()
            .any(|c| c.key.eq_ignore_ascii_case("iam:PassedToService"));
        if !limited {
            cx.emit(&PASSROLE_STAR, star.span, format!("{} lets any role be passed to any service", st.name()))
                .with_primary_label("every role")
                .with_help("name the roles in Resource, or add a condition such as {\"StringEquals\": {\"iam:PassedToService\": \"ec2.amazonaws.com\"}}");
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::iam::testing::{allow, fires, quiet, seed, statements};

    #[test]
    fn fires_on_unconditioned_pass_role_on_star() {
        fires(&PASSROLE_STAR, &allow(json!("iam:PassRole"), json!("*")));
        fires(&PASSROLE_STAR, &allow(json!("iam:*"), json!("*")));
        fires(
            &PASSROLE_STAR,
            &statements(json!([{"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"}])),
        );
    }

    #[test]
    fn quiet_when_scoped_or_conditioned() {
        quiet(
            &PASSROLE_STAR,
            &allow(json!("iam:PassRole"), json!("arn:aws:iam::*:role/app")),
        );
        quiet(
            &PASSROLE_STAR,
            &statements(
                json!([{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*",
            "Condition": {"StringEquals": {"iam:PassedToService": "eks.amazonaws.com"}}}]),
            ),
        );
        quiet(
            &PASSROLE_STAR,
            &statements(json!([{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}])),
        );
        quiet(&PASSROLE_STAR, &seed("controller.json"));
    }
}

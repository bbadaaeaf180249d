use super::PolicyContext;
use crate::rules::declare_rule;

declare_rule! {
    /// `Allow` is not combined with `NotAction`.
    ///
    /// ## What it checks
    /// `Allow` statements that use `NotAction`.
    ///
    /// ## Why it matters
    /// `Allow` with `NotAction` grants every action of every service except
    /// the few listed, including services and actions AWS launches later. It
    /// is almost always far broader than meant; list the actions to allow, or
    /// pair an `Allow` of what is needed with a `Deny` of what is not.
    ///
    /// ## Example
    /// ```json
    /// {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}
    /// ```
    pub static ALLOW_NOT_ACTION = Rule {
        code: "iam/allow-not-action",
        severity: Warning,
    };
}

pub(crate) fn check(cx: &mut PolicyContext) {
    for st in &cx.policy.statements {
        if let Some(actions) = st.actions.as_ref().filter(|a| a.negated && st.is_allow()) {
            cx.emit(
                &ALLOW_NOT_ACTION,
                actions.key_span,
                format!("{} allows every action but those listed", st.name()),
            )
            .with_help(
                "list the actions to allow instead; every new AWS action is granted otherwise",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::iam::testing::{allow, fires, quiet, statements};

    #[test]
    fn fires_on_allow_not_action() {
        fires(
            &ALLOW_NOT_ACTION,
            &statements(json!([{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}])),
        );
    }

    #[test]
    fn quiet_on_deny_not_action_and_plain_actions() {
        quiet(
            &ALLOW_NOT_ACTION,
            &statements(json!([{"Effect": "Deny", "NotAction": "iam:*", "Resource": "*"}])),
        );
        quiet(&ALLOW_NOT_ACTION, &allow(json!("s3:GetObject"), json!("*")));
    }
}

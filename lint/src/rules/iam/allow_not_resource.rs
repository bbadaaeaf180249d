use super::PolicyContext;
use crate::rules::declare_rule;

declare_rule! {
    /// `Allow` is not combined with `NotResource`.
    ///
    /// ## What it checks
    /// `Allow` statements that use `NotResource`.
    ///
    /// ## Why it matters
    /// `Allow` with `NotResource` grants the actions on every resource except
    /// those listed, in every account the principal can reach and on every
    /// resource created later. Name the resources to allow instead.
    ///
    /// ## Example
    /// ```json
    /// {"Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::audit-logs/*"}
    /// ```
    pub static ALLOW_NOT_RESOURCE = Rule {
        code: "iam/allow-not-resource",
        severity: Warning,
    };
}

pub(crate) fn check(cx: &mut PolicyContext) {
    for st in &cx.policy.statements {
        if let Some(resources) = st.resources.as_ref().filter(|r| r.negated && st.is_allow()) {
            cx.emit(
                &ALLOW_NOT_RESOURCE,
                resources.key_span,
                format!(
                    "{} allows its actions on every resource but those listed",
                    st.name()
                ),
            )
            .with_help("name the resources to allow instead");
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::iam::testing::{allow, fires, quiet, statements};

    #[test]
    fn fires_on_allow_not_resource() {
        fires(
            &ALLOW_NOT_RESOURCE,
            &statements(
                json!([{"Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::audit/*"}]),
            ),
        );
    }

    #[test]
    fn quiet_on_deny_not_resource_and_plain_resources() {
        quiet(
            &ALLOW_NOT_RESOURCE,
            &statements(
                json!([{"Effect": "Deny", "Action": "s3:*", "NotResource": "arn:aws:s3:::audit/*"}]),
            ),
        );
        quiet(
            &ALLOW_NOT_RESOURCE,
            &allow(json!("s3:GetObject"), json!("*")),
        );
    }
}

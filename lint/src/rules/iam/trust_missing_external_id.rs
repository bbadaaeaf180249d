use super::PolicyContext;
use crate::iam::pattern;
use crate::iam::policy::PolicyKind;
use crate::rules::declare_rule;

declare_rule! {
    /// A role that another account may assume requires an external ID.
    ///
    /// ## What it checks
    /// Trust policy statements that allow `sts:AssumeRole` to an `AWS`
    /// principal (an account, a role, a user, or everyone) without a
    /// condition on `sts:ExternalId`.
    ///
    /// ## Why it matters
    /// A service that assumes roles in its customers' accounts (as
    /// awscluster's provisioner does with `cloudAccount.assumeRole`) can be
    /// tricked by one customer into using another customer's role, if the
    /// role's ARN is all it takes: the "confused deputy". The external ID,
    /// known only to the account owner and the service, closes that. The seed
    /// guide's cross-account setup requires it.
    ///
    /// ## Example
    /// ```json
    /// {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "sts:AssumeRole"}
    /// ```
    pub static TRUST_MISSING_EXTERNAL_ID = Rule {
        code: "iam/trust-missing-external-id",
        severity: Error,
    };
}

pub(crate) fn check(cx: &mut PolicyContext) {
    if cx.policy.kind != PolicyKind::Trust {
        return;
    }
    for st in &cx.policy.statements {
        let Some(principal) = &st.principal else {
            continue;
        };
        if !st.is_allow() || principal.negated {
            continue;
        }
        let aws = principal.everyone
            || principal
                .entries
                .iter()
                .any(|(kind, _)| kind.as_str() == "AWS");
        let assumes = st.actions.as_ref().is_some_and(|a| {
            let named = a
                .items
                .iter()
                .any(|i| pattern::matches_ignore_case(i, "sts:AssumeRole"));
            named != a.negated
        });
        let has_external_id = st
            .conditions
            .iter()
            .any(|c| c.key.eq_ignore_ascii_case("sts:ExternalId"));
        if aws && assumes && !has_external_id {
            cx.emit(
                &TRUST_MISSING_EXTERNAL_ID,
                principal.key_span,
                format!("{} lets another account assume the role without an external ID", st.name()),
            )
            .with_help("add \"Condition\": {\"StringEquals\": {\"sts:ExternalId\": \"<the external ID>\"}}; `awscluster iam trust-policy` prints such a policy");
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::iam::testing::{fires, quiet, statements};

    #[test]
    fn fires_on_cross_account_trust_without_external_id() {
        fires(
            &TRUST_MISSING_EXTERNAL_ID,
            &statements(json!([{"Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "sts:AssumeRole"}])),
        );
        fires(
            &TRUST_MISSING_EXTERNAL_ID,
            &statements(json!([{"Effect": "Allow", "Principal": "*", "Action": "sts:*"}])),
        );
    }

    #[test]
    fn quiet_with_an_external_id_or_a_service_principal() {
        quiet(
            &TRUST_MISSING_EXTERNAL_ID,
            &statements(json!([{"Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": "f3a1c2d4"}}}])),
        );
        quiet(
            &TRUST_MISSING_EXTERNAL_ID,
            &statements(json!([{"Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}])),
        );
    }
}

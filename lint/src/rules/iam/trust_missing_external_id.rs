use super::PolicyContext;
use crate::iam::pattern;
use crate::iam::policy::PolicyKind;
use crate::rules::declare_rule;

declare_rule! {
    /// A role that another party's account may assume requires an external ID.
    ///
    /// ## What it checks
    /// Trust policy statements that allow `sts:AssumeRole` to an `AWS`
    /// principal (an account, a role, a user, or everyone) without a
    /// condition on `sts:ExternalId`, where the principal is not plainly the
    /// same organisation's: everyone, or an account that is neither listed
    /// in awscluster.toml's `[iam] organization-accounts` nor required to be
    /// in the organisation by an `aws:PrincipalOrgID` or
    /// `aws:PrincipalOrgPaths` condition. The organisation's own accounts
    /// are `iam/trust-organization-without-external-id`, a note.
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

declare_rule! {
    /// A role the organisation's own accounts assume without an external ID (a judgement call).
    ///
    /// ## What it checks
    /// As `iam/trust-missing-external-id`, for principals that are plainly
    /// the same organisation's: every account named is in awscluster.toml's
    /// `[iam] organization-accounts`, or the statement requires
    /// `aws:PrincipalOrgID` or `aws:PrincipalOrgPaths`.
    ///
    /// ## Why it matters
    /// The confused deputy the external ID prevents is a third party's
    /// service acting for the wrong customer. Inside one organisation there
    /// is usually no such service, and AWS does not require the ID; but a
    /// shared deployment account that assumes roles for several teams is
    /// such a deputy, and then the ID matters again. Whether it does here
    /// is for the account owner to decide: raise it to a warning or an error
    /// in `[rules]` if it does, turn it off if it does not.
    ///
    /// ## Example
    /// ```json
    /// {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "sts:AssumeRole",
    ///  "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}}
    /// ```
    pub static TRUST_ORGANIZATION_WITHOUT_EXTERNAL_ID = Rule {
        code: "iam/trust-organization-without-external-id",
        severity: Note,
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
        let aws: Vec<&str> = principal
            .entries
            .iter()
            .filter(|(kind, _)| kind.as_str() == "AWS")
            .flat_map(|(_, values)| values.iter().map(|v| v.as_str()))
            .collect();
        let everyone = principal.everyone || aws.contains(&"*");
        let assumes = st.actions.as_ref().is_some_and(|a| {
            let named = a
                .items
                .iter()
                .any(|i| pattern::matches_ignore_case(i, "sts:AssumeRole"));
            named != a.negated
        });
        let has = |key: &str| {
            st.conditions
                .iter()
                .any(|c| c.key.eq_ignore_ascii_case(key))
        };
        if (!everyone && aws.is_empty()) || !assumes || has("sts:ExternalId") {
            continue;
        }
        let in_organization = has("aws:PrincipalOrgID")
            || has("aws:PrincipalOrgPaths")
            || (!everyone
                && aws.iter().all(|p| {
                    account_of(p)
                        .is_some_and(|a| cx.settings.organization_accounts.iter().any(|o| o == a))
                }));
        let help = "add \"Condition\": {\"StringEquals\": {\"sts:ExternalId\": \"<the external ID>\"}}; `awscluster iam trust-policy` prints such a policy";
        if in_organization {
            cx.emit(
                &TRUST_ORGANIZATION_WITHOUT_EXTERNAL_ID,
                principal.key_span,
                format!("{} lets the organisation's own accounts assume the role without an external ID", st.name()),
            )
            .with_help(format!("needed only if a shared service assumes roles for several teams (a confused deputy); if so, {help}"));
        } else {
            let who = if everyone {
                "anyone"
            } else {
                "another party's account"
            };
            cx.emit(
                &TRUST_MISSING_EXTERNAL_ID,
                principal.key_span,
                format!("{} lets {who} assume the role without an external ID", st.name()),
            )
            .with_help(format!("{help}; if the account is your organisation's own, list it in awscluster.toml's `[iam] organization-accounts`"));
        }
    }
}

/// The account of an `AWS` principal: `111122223333`, or the account field
/// of `arn:aws:iam::111122223333:role/x`.
fn account_of(principal: &str) -> Option<&str> {
    let account = if principal.starts_with("arn:") {
        principal.split(':').nth(4)?
    } else {
        principal
    };
    (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit())).then_some(account)
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

    #[test]
    fn the_organisations_own_accounts_are_a_note() {
        let org = statements(json!([{"Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}}]));
        quiet(&TRUST_MISSING_EXTERNAL_ID, &org);
        fires(&TRUST_ORGANIZATION_WITHOUT_EXTERNAL_ID, &org);

        let own = statements(json!([{"Effect": "Allow",
            "Principal": {"AWS": ["arn:aws:iam::111122223333:role/deployer", "444455556666"]},
            "Action": "sts:AssumeRole"}]));
        let text = serde_json::to_string_pretty(&own).unwrap();
        let file = std::sync::Arc::new(crate::source::SourceFile::new("trust.json", text));
        let mut settings = crate::rules::Settings {
            organization_accounts: vec!["111122223333".into(), "444455556666".into()],
            ..crate::rules::Settings::default()
        };
        let codes = |settings: &crate::rules::Settings| -> Vec<&'static str> {
            crate::rules::iam::check_policy(&file, crate::iam::Usage::Managed, settings)
                .diagnostics
                .iter()
                .map(|d| d.rule.code)
                .collect()
        };
        assert_eq!(
            codes(&settings),
            ["iam/trust-organization-without-external-id"]
        );
        // One account that is not listed makes it a third party's.
        settings.organization_accounts.pop();
        assert_eq!(codes(&settings), ["iam/trust-missing-external-id"]);
        assert_eq!(
            codes(&crate::rules::Settings::default()),
            ["iam/trust-missing-external-id"]
        );
    }
}

use super::PolicyContext;
use crate::iam::{is_global_key, key_matches};
use crate::rules::declare_rule;

declare_rule! {
    /// Condition keys are supported by some action of their statement.
    ///
    /// ## What it checks
    /// For statements whose `Action` items are all known (and not `*`), that
    /// every condition key is one at least one of the statement's actions
    /// supports (its own keys and its resource types'), per the Service
    /// Authorization Reference. Global keys (`aws:…`) are always allowed.
    /// Keys match in any letter case; `aws:RequestTag/team` matches
    /// `aws:RequestTag/${TagKey}`.
    ///
    /// A web identity's keys are named by its provider, so no catalog lists
    /// them: where a statement allows `sts:AssumeRoleWithWebIdentity`,
    /// `<provider>:<claim>` is valid for an OpenID Connect provider
    /// (`oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE:sub`,
    /// `token.actions.githubusercontent.com:aud`, Cognito's
    /// `cognito-identity.amazonaws.com:amr`), provided that the statement's
    /// `Federated` principals, when they name OIDC providers, include that
    /// provider: a key of another provider is never in the request. SAML
    /// keys (`saml:aud`, `saml:sub`, …) come from the catalog.
    ///
    /// ## Why it matters
    /// A key no action supports is absent from every request the statement
    /// applies to: under most operators the condition is then false, so an
    /// `Allow` grants nothing and a `Deny` denies nothing, the opposite of
    /// intended in both cases.
    ///
    /// ## Example
    /// ```json
    /// {"Effect": "Allow", "Action": "ec2:DescribeInstances", "Resource": "*",
    ///  "Condition": {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}}
    /// ```
    pub static UNSUPPORTED_CONDITION_KEY = Rule {
        code: "iam/unsupported-condition-key",
        severity: Warning,
    };
}

pub(crate) fn check(cx: &mut PolicyContext) {
    for st in &cx.policy.statements {
        if st.conditions.is_empty() || !cx.facts.all_known(st) {
            continue;
        }
        let Some(values) = &st.actions else { continue };
        if values.items.iter().any(|i| i.as_str() == "*") {
            continue;
        }
        let Some(actions) = cx.facts.actions_of(st) else {
            continue;
        };
        for condition in &st.conditions {
            let key = condition.key.as_str();
            if is_global_key(key) {
                continue;
            }
            if let Some(provider) = web_identity_provider(key)
                && actions.iter().any(|(s, a)| {
                    s.prefix == "sts" && a.name.eq_ignore_ascii_case("AssumeRoleWithWebIdentity")
                })
            {
                let federated = oidc_providers(st);
                if federated.is_empty()
                    || federated.iter().any(|p| p.eq_ignore_ascii_case(provider))
                {
                    continue;
                }
                cx.emit(
                    &UNSUPPORTED_CONDITION_KEY,
                    condition.key.span,
                    format!("`{key}` is a key of the identity provider `{provider}`, which {} does not trust", st.name()),
                )
                .with_help(format!(
                    "the request carries only the keys of the provider it comes from ({}), so the condition never holds: name the provider's keys, or add it to `Federated`",
                    federated.join(", ")
                ));
                continue;
            }
            let supported = actions.iter().any(|(service, action)| {
                service
                    .action_keys(action)
                    .any(|k| key_matches(k.name, key))
            });
            if !supported {
                let names: Vec<String> = actions
                    .iter()
                    .take(3)
                    .map(|(s, a)| format!("{}:{}", s.prefix, a.name))
                    .collect();
                let more = if actions.len() > 3 {
                    format!(" and {} more", actions.len() - 3)
                } else {
                    String::new()
                };
                cx.emit(
                    &UNSUPPORTED_CONDITION_KEY,
                    condition.key.span,
                    format!("no action of {} supports the condition key `{key}`", st.name()),
                )
                .with_help(format!(
                    "{}{more} never carry it, so the condition never holds; check the key against the Service Authorization Reference",
                    names.join(", ")
                ));
            }
        }
    }
}

/// The provider of a web identity key (`oidc.eks.us-east-1.amazonaws.com/id/X`
/// of `…/id/X:sub`): a host name, with a path or not, then one claim.
fn web_identity_provider(key: &str) -> Option<&str> {
    let (provider, claim) = key.rsplit_once(':')?;
    let host = provider.split('/').next().unwrap_or(provider);
    let host_like = host.contains('.')
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
    let claim_like = !claim.is_empty()
        && claim
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    (host_like && claim_like).then_some(provider)
}

/// The OIDC providers a statement's `Federated` principals name
/// (`arn:aws:iam::111122223333:oidc-provider/<provider>` → `<provider>`).
fn oidc_providers(st: &crate::iam::policy::Statement) -> Vec<&str> {
    let Some(principal) = &st.principal else {
        return Vec::new();
    };
    principal
        .entries
        .iter()
        .filter(|(kind, _)| kind.as_str() == "Federated")
        .flat_map(|(_, values)| values)
        .filter_map(|v| v.as_str().split_once(":oidc-provider/").map(|(_, p)| p))
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::iam::testing::{fires, quiet, seed, statements};

    fn conditioned(action: &str, key: &str) -> serde_json::Value {
        statements(
            json!([{"Effect": "Allow", "Action": action, "Resource": "*",
            "Condition": {"StringEquals": {key: "x"}}}]),
        )
    }

    #[test]
    fn fires_on_a_key_of_another_action() {
        fires(
            &UNSUPPORTED_CONDITION_KEY,
            &conditioned("ec2:DescribeInstances", "iam:PassedToService"),
        );
        fires(
            &UNSUPPORTED_CONDITION_KEY,
            &conditioned("s3:GetObject", "ec2:InstanceType"),
        );
    }

    #[test]
    fn quiet_on_supported_global_and_templated_keys() {
        quiet(
            &UNSUPPORTED_CONDITION_KEY,
            &conditioned("iam:PassRole", "iam:PassedToService"),
        );
        quiet(
            &UNSUPPORTED_CONDITION_KEY,
            &conditioned("iam:PASSROLE", "IAM:passedtoservice"),
        );
        quiet(
            &UNSUPPORTED_CONDITION_KEY,
            &conditioned("ec2:RunInstances", "aws:RequestTag/team"),
        );
        quiet(
            &UNSUPPORTED_CONDITION_KEY,
            &conditioned("ec2:RunInstances", "ec2:ResourceTag/team"),
        );
        quiet(
            &UNSUPPORTED_CONDITION_KEY,
            &conditioned("ec2:RunInstances", "ec2:InstanceType"),
        );
        quiet(&UNSUPPORTED_CONDITION_KEY, &seed("controller.json"));
    }

    fn web_identity(federated: &str, keys: serde_json::Value) -> serde_json::Value {
        statements(
            json!([{"Effect": "Allow", "Principal": {"Federated": federated},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": keys}}]),
        )
    }

    #[test]
    fn quiet_on_the_keys_of_federated_identity_providers() {
        let eks = "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE";
        quiet(
            &UNSUPPORTED_CONDITION_KEY,
            &web_identity(
                &format!("arn:aws:iam::111122223333:oidc-provider/{eks}"),
                json!({format!("{eks}:sub"): "system:serviceaccount:kube-system:ebs-csi-controller-sa",
                       format!("{eks}:aud"): "sts.amazonaws.com"}),
            ),
        );
        quiet(
            &UNSUPPORTED_CONDITION_KEY,
            &web_identity(
                "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com",
                json!({"token.actions.githubusercontent.com:sub": "repo:org/repo:ref:refs/heads/main",
                       "token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}),
            ),
        );
        quiet(
            &UNSUPPORTED_CONDITION_KEY,
            &web_identity(
                "cognito-identity.amazonaws.com",
                json!({"cognito-identity.amazonaws.com:aud": "us-east-1:12345678-abcd",
                       "cognito-identity.amazonaws.com:amr": "authenticated"}),
            ),
        );
        quiet(
            &UNSUPPORTED_CONDITION_KEY,
            &statements(json!([{"Effect": "Allow",
                "Principal": {"Federated": "arn:aws:iam::111122223333:saml-provider/corp"},
                "Action": "sts:AssumeRoleWithSAML",
                "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}}}])),
        );
    }

    #[test]
    fn fires_on_a_key_of_a_provider_the_statement_does_not_trust() {
        let found = fires(
            &UNSUPPORTED_CONDITION_KEY,
            &web_identity(
                "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/AAAA",
                json!({"oidc.eks.us-east-1.amazonaws.com/id/BBBB:sub": "system:serviceaccount:a:b"}),
            ),
        );
        assert!(
            found[0]
                .message
                .contains("which statement 1 does not trust"),
            "{}",
            found[0].message
        );
        // Provider keys mean nothing to other actions.
        fires(
            &UNSUPPORTED_CONDITION_KEY,
            &conditioned("s3:GetObject", "token.actions.githubusercontent.com:sub"),
        );
    }
}

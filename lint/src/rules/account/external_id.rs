use crate::rules::{Context, Section, declare_rule};

declare_rule! {
    /// An assumed role comes with a well-formed external ID.
    ///
    /// ## What it checks
    /// That `cloudAccount.assumeRole` has an `externalId` of 2 to 1,224
    /// characters from letters, digits and `+=,.@:/-_`.
    ///
    /// ## Why it matters
    /// The seed guide's cross-account setup requires an external ID: the
    /// role's trust policy only lets a caller in that presents it, which stops
    /// a third party that learns the role's ARN from using a shared service to
    /// act in the account (the "confused deputy"). Without it, the assume-role
    /// call is denied.
    ///
    /// ## Example
    /// ```json
    /// {"cloudAccount": {"assumeRole": {"roleArn": "arn:aws:iam::123456789012:role/ProvisionerRole"}}}
    /// ```
    pub static EXTERNAL_ID = Rule {
        code: "account/external-id",
        severity: Error,
    };
}

/// The parts of the spec the check reads.
pub(crate) const READS: &[Section] = &[Section::CloudAccount];

pub(crate) fn check(cx: &mut Context) {
    let Some(role) = cx.spec.assume_role() else {
        return;
    };
    match &role.external_id {
        None => {
            let span = cx.key_span("/cloudAccount/assumeRole", role.span);
            cx.emit(&EXTERNAL_ID, span, "the role to assume has no external ID")
                .with_help("add the `externalId` its trust policy requires (`awscluster iam trust-policy` prints such a policy)");
        }
        Some(id) => {
            let len = id.chars().count();
            let problem = if !(2..=1224).contains(&len) {
                Some(format!(
                    "an external ID has 2 to 1,224 characters, not {len}"
                ))
            } else {
                id.chars()
                    .find(|c| !(c.is_ascii_alphanumeric() || "+=,.@:/-_".contains(*c)))
                    .map(|c| format!("`{c}` is not allowed in an external ID"))
            };
            if let Some(problem) = problem {
                cx.emit(&EXTERNAL_ID, id.span, problem)
                    .with_help("use letters, digits and `+=,.@:/-_`, such as a UUID");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::testing::{base, fires, quiet, with};

    const ARN: &str = "arn:aws:iam::123456789012:role/ProvisionerRole";

    #[test]
    fn fires_when_missing_or_malformed() {
        fires(
            &EXTERNAL_ID,
            &with(|s| s["cloudAccount"] = json!({"assumeRole": {"roleArn": ARN}})),
        );
        fires(
            &EXTERNAL_ID,
            &with(|s| {
                s["cloudAccount"] = json!({"assumeRole": {"roleArn": ARN, "externalId": "x"}})
            }),
        );
        fires(
            &EXTERNAL_ID,
            &with(|s| {
                s["cloudAccount"] =
                    json!({"assumeRole": {"roleArn": ARN, "externalId": "has space"}})
            }),
        );
    }

    #[test]
    fn quiet_with_an_id_or_without_assume_role() {
        quiet(&EXTERNAL_ID, &base());
        quiet(
            &EXTERNAL_ID,
            &with(|s| {
                s["cloudAccount"] =
                    json!({"assumeRole": {"roleArn": ARN, "externalId": "f3a1c2d4-7b8e-4c1a"}})
            }),
        );
    }
}

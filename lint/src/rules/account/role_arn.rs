use crate::rules::{Context, Section, declare_rule};

declare_rule! {
    /// The role to assume is a well-formed IAM role ARN.
    ///
    /// ## What it checks
    /// `cloudAccount.assumeRole.roleArn` has the form
    /// `arn:<partition>:iam::<12-digit account>:role/<path/name>`, in the
    /// `aws`, `aws-cn` or `aws-us-gov` partition, with a name IAM accepts.
    ///
    /// ## Why it matters
    /// STS answers a malformed ARN with a validation error that does not say
    /// which part is wrong; a user ARN or a policy ARN pasted by mistake
    /// cannot be assumed at all.
    ///
    /// ## Example
    /// ```json
    /// {"cloudAccount": {"assumeRole": {"roleArn": "arn:aws:iam::12345678901:user/ops", "externalId": "…"}}}
    /// ```
    pub static ROLE_ARN = Rule {
        code: "account/role-arn",
        severity: Error,
    };
}

/// What is wrong with `arn` as an IAM role ARN, if anything.
pub fn role_arn_problem(arn: &str) -> Option<String> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [prefix, partition, service, region, account, resource] = parts.as_slice() else {
        return Some(
            "an ARN has six colon-separated parts: arn:partition:iam::account:role/name".into(),
        );
    };
    if *prefix != "arn" {
        return Some("an ARN starts with `arn:`".into());
    }
    if !["aws", "aws-cn", "aws-us-gov"].contains(partition) {
        return Some(format!(
            "`{partition}` is not a partition (aws, aws-cn or aws-us-gov)"
        ));
    }
    if *service != "iam" {
        return Some(format!(
            "a role ARN names the `iam` service, not `{service}`"
        ));
    }
    if !region.is_empty() {
        return Some("IAM is global: the region part of a role ARN is empty (`iam::`)".into());
    }
    if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
        return Some(format!("`{account}` is not a 12-digit account ID"));
    }
    let Some(path_and_name) = resource.strip_prefix("role/") else {
        let kind = resource.split('/').next().unwrap_or(resource);
        return Some(format!(
            "this is a `{kind}` ARN; assumeRole needs a `role/` ARN"
        ));
    };
    let name = path_and_name.rsplit('/').next().unwrap_or("");
    if name.is_empty() || name.len() > 64 {
        return Some("a role name has 1 to 64 characters".into());
    }
    if let Some(c) = path_and_name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "+=,.@_-/".contains(*c)))
    {
        return Some(format!("`{c}` is not allowed in a role name or path"));
    }
    None
}

/// The parts of the spec the check reads.
pub(crate) const READS: &[Section] = &[Section::CloudAccount];

pub(crate) fn check(cx: &mut Context) {
    let Some(role) = cx.spec.assume_role() else {
        return;
    };
    if let Some(problem) = role_arn_problem(&role.role_arn) {
        cx.emit(&ROLE_ARN, role.role_arn.span, format!("malformed role ARN: {problem}"))
            .with_help("copy the ARN from the role's page in the IAM console, such as `arn:aws:iam::123456789012:role/ProvisionerRole`");
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::testing::{base, fires, quiet, with};

    fn assume(arn: &str) -> serde_json::Value {
        with(
            |s| s["cloudAccount"] = json!({"assumeRole": {"roleArn": arn, "externalId": "f3a1c2d4-7b8e-4c1a-9e2f-5d6c7b8a9e0f"}}),
        )
    }

    #[test]
    fn fires_on_malformed_arns() {
        for arn in [
            "arn:aws:iam::12345678901:role/ops",
            "arn:aws:iam::123456789012:user/ops",
            "arn:aws:sts::123456789012:role/ops",
            "arn:aws:iam:us-east-1:123456789012:role/ops",
            "ProvisionerRole",
            "arn:aws:iam::123456789012:role/has space",
        ] {
            fires(&ROLE_ARN, &assume(arn));
        }
    }

    #[test]
    fn quiet_on_role_arns_with_paths_and_partitions() {
        quiet(&ROLE_ARN, &base());
        quiet(
            &ROLE_ARN,
            &assume("arn:aws:iam::123456789012:role/ProvisionerRole"),
        );
        quiet(
            &ROLE_ARN,
            &assume("arn:aws-us-gov:iam::123456789012:role/team/ci/Provisioner"),
        );
    }
}

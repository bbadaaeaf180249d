use super::PolicyContext;
use crate::iam::arn;
use crate::rules::declare_rule;

declare_rule! {
    /// Resources are `*` or well-formed ARNs.
    ///
    /// ## What it checks
    /// Every `Resource` and `NotResource` item: `*`, or
    /// `arn:partition:service:region:account:resource` with a known partition,
    /// a service name, an account that is empty, 12 digits or `aws` (AWS
    /// managed policies, `arn:aws:iam::aws:policy/…`), and a resource.
    /// Wildcards and policy variables are allowed in every part.
    ///
    /// ## Why it matters
    /// IAM refuses a policy with a malformed resource. A plain name (`my-bucket`)
    /// or an ARN missing a part is a frequent copy-paste slip.
    ///
    /// ## Example
    /// ```json
    /// {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:my-bucket/*"}
    /// ```
    pub static INVALID_ARN = Rule {
        code: "iam/invalid-arn",
        severity: Error,
    };
}

pub(crate) fn check(cx: &mut PolicyContext) {
    for st in &cx.policy.statements {
        let Some(resources) = &st.resources else {
            continue;
        };
        for item in &resources.items {
            if item.as_str() == "*" {
                continue;
            }
            if let Err(problem) = arn::parse(item) {
                cx.emit(
                    &INVALID_ARN,
                    item.span,
                    format!("malformed resource ARN: {problem}"),
                )
                .with_help("write `*` or a full ARN, such as `arn:aws:s3:::my-bucket/*`");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::iam::testing::{allow, fires, quiet, seed};

    #[test]
    fn fires_on_malformed_resources() {
        fires(
            &INVALID_ARN,
            &allow(json!("s3:GetObject"), json!("arn:aws:s3:my-bucket/*")),
        );
        fires(
            &INVALID_ARN,
            &allow(json!("s3:GetObject"), json!("my-bucket")),
        );
    }

    #[test]
    fn quiet_on_arns_stars_and_managed_policy_arns() {
        quiet(
            &INVALID_ARN,
            &allow(
                json!("iam:GetPolicy"),
                json!("arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"),
            ),
        );
        quiet(
            &INVALID_ARN,
            &allow(
                json!("s3:GetObject"),
                json!(["*", "arn:*:s3:::b/${aws:username}/*"]),
            ),
        );
        for name in [
            "controller.json",
            "control-plane.json",
            "nodes.json",
            "deployment.json",
        ] {
            quiet(&INVALID_ARN, &seed(name));
        }
    }
}

use super::PolicyContext;
use crate::iam::pattern;
use crate::rules::declare_rule;

declare_rule! {
    /// Reading secrets is limited to the secrets a principal needs.
    ///
    /// ## What it checks
    /// `Allow` statements without conditions that grant, on `"Resource": "*"`
    /// (or through `NotResource`), an action that reads secret material:
    /// SSM parameters (`ssm:GetParameter`, `GetParameters`,
    /// `GetParametersByPath`, `GetParameterHistory`), Secrets Manager values
    /// (`secretsmanager:GetSecretValue`, `BatchGetSecretValue`), decryption
    /// with any KMS key (`kms:Decrypt`), any S3 object (`s3:GetObject`,
    /// `GetObjectVersion`), EC2 Windows passwords (`ec2:GetPasswordData`).
    /// By name or through a wildcard (`ssm:Get*`, `s3:*`).
    ///
    /// ## Why it matters
    /// Every secret of the account, from database passwords to other teams'
    /// keys, is then one call away for anyone holding the policy: the
    /// blast radius of a leaked credential is everything stored anywhere. A
    /// scoped ARN (`arn:aws:ssm:*:*:parameter/my-cluster/*`) costs nothing.
    ///
    /// ## Example
    /// ```json
    /// {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*"}
    /// ```
    pub static SENSITIVE_READ_ON_ALL = Rule {
        code: "iam/sensitive-read-on-all",
        severity: Warning,
    };
}

/// The reads of secret material, as `service:Action`.
const SENSITIVE: &[&str] = &[
    "ssm:GetParameter",
    "ssm:GetParameters",
    "ssm:GetParametersByPath",
    "ssm:GetParameterHistory",
    "secretsmanager:GetSecretValue",
    "secretsmanager:BatchGetSecretValue",
    "kms:Decrypt",
    "s3:GetObject",
    "s3:GetObjectVersion",
    "ec2:GetPasswordData",
];

pub(crate) fn check(cx: &mut PolicyContext) {
    for st in &cx.policy.statements {
        let Some((actions, resources)) = st.allowed_elements() else {
            continue;
        };
        if !st.conditions.is_empty() {
            continue;
        }
        let everywhere = resources.negated || resources.items.iter().any(|r| r.as_str() == "*");
        if !everywhere || actions.negated {
            continue;
        }
        let mut found: Vec<(&str, crate::source::Span)> = Vec::new();
        for item in &actions.items {
            for name in SENSITIVE {
                if pattern::matches_ignore_case(item, name) && !found.iter().any(|(n, _)| n == name)
                {
                    found.push((name, item.span));
                }
            }
        }
        let Some(&(_, span)) = found.first() else {
            continue;
        };
        let names: Vec<&str> = found.iter().map(|(n, _)| *n).collect();
        let d = cx.emit(
            &SENSITIVE_READ_ON_ALL,
            span,
            format!(
                "{} lets the principal read every secret: {} on all resources",
                st.name(),
                names.join(", ")
            ),
        );
        for &(name, other) in &found[1..] {
            if other != span {
                d.with_label(other, format!("grants {name}"));
            }
        }
        d.with_help("name the parameters, secrets, keys or buckets in Resource (`arn:aws:ssm:*:*:parameter/<prefix>/*`, `arn:aws:s3:::<bucket>/*`)");
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::iam::testing::{allow, fires, quiet, seed, statements};

    #[test]
    fn fires_on_secret_reads_on_every_resource() {
        let found = fires(
            &SENSITIVE_READ_ON_ALL,
            &allow(json!("secretsmanager:GetSecretValue"), json!("*")),
        );
        assert_eq!(
            found[0].message,
            "statement 1 lets the principal read every secret: secretsmanager:GetSecretValue on all resources"
        );
        let found = fires(
            &SENSITIVE_READ_ON_ALL,
            &allow(json!(["ssm:Get*", "kms:Decrypt"]), json!("*")),
        );
        assert!(
            found[0]
                .message
                .contains("ssm:GetParameter, ssm:GetParameters,"),
            "{}",
            found[0].message
        );
        fires(
            &SENSITIVE_READ_ON_ALL,
            &statements(
                json!([{"Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::audit/*"}]),
            ),
        );
    }

    #[test]
    fn quiet_when_scoped_conditioned_or_denied() {
        quiet(
            &SENSITIVE_READ_ON_ALL,
            &allow(
                json!("ssm:GetParameter"),
                json!("arn:aws:ssm:*:*:parameter/aws/service/eks/*"),
            ),
        );
        quiet(
            &SENSITIVE_READ_ON_ALL,
            &statements(
                json!([{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*",
                "Condition": {"StringEquals": {"kms:ViaService": "ec2.us-east-1.amazonaws.com"}}}]),
            ),
        );
        quiet(
            &SENSITIVE_READ_ON_ALL,
            &statements(json!([{"Effect": "Deny", "Action": "s3:GetObject", "Resource": "*"}])),
        );
        quiet(
            &SENSITIVE_READ_ON_ALL,
            &allow(json!("ssm:DescribeParameters"), json!("*")),
        );
        for name in [
            "controller.json",
            "control-plane.json",
            "nodes.json",
            "deployment.json",
        ] {
            quiet(&SENSITIVE_READ_ON_ALL, &seed(name));
        }
    }
}

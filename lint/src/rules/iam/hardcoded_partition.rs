use super::PolicyContext;
use crate::rules::declare_rule;

declare_rule! {
    /// A policy does not hard-code the `aws` partition beside `arn:*:`.
    ///
    /// ## What it checks
    /// In a policy that writes some resources with any partition (`arn:*:…`),
    /// the resources that name the commercial one (`arn:aws:…`).
    ///
    /// ## Why it matters
    /// The `arn:*:` resources show the policy is meant for every partition;
    /// the `arn:aws:` ones then fail in China (`aws-cn`) and GovCloud
    /// (`aws-us-gov`), where the ARNs start differently: those permissions
    /// silently go missing there.
    ///
    /// ## Example
    /// ```json
    /// {"Resource": ["arn:*:eks:*:*:cluster/*", "arn:aws:eks:*:*:nodegroup/*"]}
    /// ```
    pub static HARDCODED_PARTITION = Rule {
        code: "iam/hardcoded-partition",
        severity: Warning,
    };
}

pub(crate) fn check(cx: &mut PolicyContext) {
    let items = || {
        cx.policy
            .statements
            .iter()
            .filter_map(|s| s.resources.as_ref())
            .flat_map(|r| r.items.iter())
    };
    let Some(portable) = items().find(|i| i.starts_with("arn:*:")).map(|i| i.span) else {
        return;
    };
    let fixed: Vec<_> = items()
        .filter(|i| i.starts_with("arn:aws:"))
        .map(|i| (i.span, i.to_string()))
        .collect();
    let source = std::sync::Arc::clone(cx.sink.file());
    for (span, text) in fixed {
        let portable_arn = format!("arn:*:{}", &text["arn:aws:".len()..]);
        // Safe: a policy applies only in its own partition, where `arn:*:`
        // matches exactly what `arn:aws:` does; elsewhere it works at all.
        let fix = crate::fix::replace_string(
            &source.text,
            span,
            &portable_arn,
            crate::fix::Applicability::Safe,
        );
        cx.emit(
            &HARDCODED_PARTITION,
            span,
            format!("`{text}` works only in the `aws` partition"),
        )
        .with_label(portable, "other resources use any partition")
        .with_help(format!("write `{portable_arn}`"))
        .with_fix(fix);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::iam::testing::{allow, fires, quiet, seed};

    /// Safe: in the partition a policy lives in, `arn:*:` matches what
    /// `arn:aws:` did.
    #[test]
    fn the_fix_makes_the_partition_any() {
        let text = r#"{"Version": "2012-10-17", "Statement": [
  {"Effect": "Allow", "Action": "s3:GetObject", "Resource": ["arn:*:s3:::a/*", "arn:aws:s3:::b/*"]}]}"#;
        assert_eq!(
            crate::rules::iam::testing::fixed(&HARDCODED_PARTITION, text),
            text.replace("arn:aws:s3:::b/*", "arn:*:s3:::b/*")
        );
    }

    #[test]
    fn fires_beside_portable_arns() {
        fires(
            &HARDCODED_PARTITION,
            &allow(
                json!("eks:DescribeCluster"),
                json!(["arn:*:eks:*:*:cluster/*", "arn:aws:eks:*:*:nodegroup/*"]),
            ),
        );
        let found = fires(&HARDCODED_PARTITION, &seed("controller.json"));
        assert!(
            found.len() >= 2,
            "the seed hard-codes arn:aws: in several statements"
        );
    }

    #[test]
    fn quiet_when_the_policy_is_consistently_commercial_or_portable() {
        quiet(
            &HARDCODED_PARTITION,
            &allow(
                json!("s3:GetObject"),
                json!(["arn:aws:s3:::a/*", "arn:aws:s3:::b/*"]),
            ),
        );
        quiet(
            &HARDCODED_PARTITION,
            &allow(json!("s3:GetObject"), json!(["arn:*:s3:::a/*"])),
        );
    }
}

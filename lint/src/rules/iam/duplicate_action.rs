use super::PolicyContext;
use crate::rules::declare_rule;

declare_rule! {
    /// A statement lists each action once.
    ///
    /// ## What it checks
    /// The items of every `Action` list for one written twice (names match in
    /// any letter case).
    ///
    /// ## Why it matters
    /// Harmless to IAM, but it costs characters of the size quota (the seed's
    /// control-plane policy is 24 characters over the inline limit, one
    /// duplicate included) and hides what the author meant to list instead.
    ///
    /// ## Example
    /// ```json
    /// {"Action": ["elasticloadbalancing:AddTags", "elasticloadbalancing:AddTags"]}
    /// ```
    pub static DUPLICATE_ACTION = Rule {
        code: "iam/duplicate-action",
        severity: Warning,
    };
}

pub(crate) fn check(cx: &mut PolicyContext) {
    let redundancy = cx.facts.redundancy(cx.policy);
    for &(st, item, first) in &redundancy.duplicates {
        let Some(actions) = &cx.policy.statements[st].actions else {
            continue;
        };
        let (again, before) = (&actions.items[item], &actions.items[first]);
        // Safe: the list grants the same without it. The separator before
        // it goes with it (it is never the first of the list).
        let previous = item.checked_sub(1).map(|i| actions.items[i].span.end);
        let fix = previous.map(|start| {
            crate::fix::Fix::safe(
                format!("remove the second `{}`", again.as_str()),
                vec![crate::fix::Edit {
                    span: crate::source::Span {
                        start,
                        end: again.span.end,
                    },
                    replacement: String::new(),
                }],
            )
        });
        let d = cx
            .emit(
                &DUPLICATE_ACTION,
                again.span,
                format!("`{}` is listed twice", again.as_str()),
            )
            .with_label(before.span, "first listed here")
            .with_help("remove the second one");
        if let Some(fix) = fix {
            d.with_fix(fix);
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::iam::testing::{allow, fires, quiet, seed};

    /// Safe: each copy goes with the separator before it; the rest of the
    /// document is as it was.
    #[test]
    fn the_fix_removes_each_copy() {
        let text = r#"{"Version": "2012-10-17", "Statement": [
  {"Effect": "Allow",
   "Action": ["ec2:DescribeVpcs", "ec2:DescribeSubnets", "ec2:DescribeVpcs",
              "ec2:DescribeSubnets"],
   "Resource": "*"}]}"#;
        let want = r#"{"Version": "2012-10-17", "Statement": [
  {"Effect": "Allow",
   "Action": ["ec2:DescribeVpcs", "ec2:DescribeSubnets"],
   "Resource": "*"}]}"#;
        assert_eq!(
            crate::rules::iam::testing::fixed(&DUPLICATE_ACTION, text),
            want
        );
    }

    #[test]
    fn fires_on_the_seeds_repeated_add_tags() {
        let found = fires(&DUPLICATE_ACTION, &seed("control-plane.json"));
        assert_eq!(
            found[0].message,
            "`elasticloadbalancing:AddTags` is listed twice"
        );
        fires(
            &DUPLICATE_ACTION,
            &allow(json!(["s3:GetObject", "S3:getobject"]), json!("*")),
        );
    }

    #[test]
    fn quiet_on_distinct_actions() {
        quiet(
            &DUPLICATE_ACTION,
            &allow(json!(["s3:GetObject", "s3:PutObject"]), json!("*")),
        );
    }
}

use std::sync::Arc;

use crate::rules::iam::policy_size_near_limit::POLICY_SIZE_NEAR_LIMIT;
use crate::rules::{Sink, declare_rule};
use crate::source::{SourceFile, Span};

declare_rule! {
    /// Policies fit IAM's size quotas.
    ///
    /// ## What it checks
    /// The characters of a policy, counted as IAM counts them (white space
    /// excluded), against the quota for how it is used: a managed policy
    /// 6,144; a role's trust policy 2,048 by default (the `L-C07B4B0D` quota;
    /// give a raised value in awscluster.toml's `[quotas]`); inline policies
    /// of one user 2,048, of one group 5,120, of one role 10,240, all of that
    /// entity's inline policies together. The finding gives the figure and the
    /// percentage. `awscluster iam lint --as` says how the files are used.
    ///
    /// ## Why it matters
    /// IAM refuses to create or update a policy over its quota
    /// (`LimitExceeded`), typically when someone adds the one action that was
    /// missing. The seed's four policies cannot be inline policies of one user
    /// for this reason.
    ///
    /// ## Example
    /// The seed's control-plane policy as an inline policy of a user: 2,072
    /// characters against 2,048.
    pub static POLICY_SIZE = Rule {
        code: "iam/policy-size",
        severity: Error,
    };
}

/// Reports `size` against `limit` at `anchor`: over the limit as
/// `iam/policy-size`, from 90% as `iam/policy-size-near-limit`. `others`
/// are the other documents counted in `size`, for a shared quota.
pub fn report(
    sink: &mut Sink,
    anchor: Span,
    size: usize,
    limit: usize,
    what: &str,
    others: Option<&[(Arc<SourceFile>, Span)]>,
) {
    let percent = 100.0 * size as f64 / limit as f64;
    let counted = match others {
        Some(others) if !others.is_empty() => {
            format!("together these {} policies have", others.len() + 1)
        }
        _ => "the policy has".to_string(),
    };
    let figures = format!(
        "{counted} {} characters, {percent:.0}% of the {} allowed for {what}",
        group(size),
        group(limit)
    );
    let d = if size > limit {
        let d = sink.emit(&POLICY_SIZE, anchor, figures);
        d.with_help(format!(
            "remove {} characters, or split it (`awscluster iam split --max-chars {limit}`); white space does not count",
            group(size - limit)
        ));
        d
    } else if size * 10 >= limit * 9 {
        let d = sink.emit(&POLICY_SIZE_NEAR_LIMIT, anchor, figures);
        d.with_help(format!(
            "{} characters are left; the next few actions will not fit",
            group(limit - size)
        ));
        d
    } else {
        return;
    };
    for (file, span) in others.unwrap_or(&[]) {
        d.with_label_in(Arc::clone(file), *span, "counted too");
    }
}

/// 6144 → "6,144".
fn group(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use serde_json::{Value, json};

    use super::*;
    use crate::iam::Usage;
    use crate::rules::Settings;
    use crate::rules::iam::testing::{allow, fires, quiet, seed};
    use crate::rules::iam::{check_policy, check_set};

    fn huge(actions: usize) -> Value {
        let items: Vec<String> = (0..actions)
            .map(|i| format!("s3:GetObjectVersionTagging{i:04}"))
            .collect();
        allow(json!(items), json!("*"))
    }

    #[test]
    fn fires_over_a_managed_policys_quota_with_figures() {
        let found = fires(&POLICY_SIZE, &huge(250));
        assert!(
            found[0].message.starts_with("the policy has 8,"),
            "{}",
            found[0].message
        );
        assert!(
            found[0].message.ends_with("allowed for a managed policy"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn fires_for_the_seeds_control_plane_policy_as_a_users_inline_policy() {
        let text = serde_json::to_string_pretty(&seed("control-plane.json")).unwrap();
        let file = Arc::new(SourceFile::new("control-plane.json", text));
        let checked = check_policy(&file, Usage::InlineUser, &Settings::default());
        let found = check_set(
            &[checked.policy.as_ref().unwrap()],
            Usage::InlineUser,
            &Settings::default(),
        );
        assert_eq!(found[0].rule.code, POLICY_SIZE.code);
        assert_eq!(
            found[0].message,
            "the policy has 2,072 characters, 101% of the 2,048 allowed for the inline policies of a user"
        );
    }

    #[test]
    fn quiet_within_the_quota() {
        quiet(&POLICY_SIZE, &seed("controller.json"));
        assert_eq!(group(10_240), "10,240");
        assert_eq!(group(715), "715");
    }
}

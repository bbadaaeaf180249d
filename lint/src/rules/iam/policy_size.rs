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
    /// percentage. `awscluster iam lint --as` says how the files are used;
    /// inline quotas add up only over files linted `--together` (or the
    /// policies a spec names), otherwise each file is measured alone.
    ///
    /// Resource-based policies are measured by the service they belong to
    /// (told by their actions), in bytes with white space, as those
    /// services count: an S3 bucket policy 20 KB (S3 User Guide, "Bucket
    /// policies"), a DynamoDB resource policy 20 KB (DynamoDB API,
    /// PutResourcePolicy), a Secrets Manager secret's 20,480 characters
    /// (API, PutResourcePolicy), an SQS queue policy 8,192 bytes (SQS
    /// Developer Guide, "Amazon SQS policy quotas"), a KMS key policy 32 KB
    /// (KMS Developer Guide, "Key policy format"). Other services' resource
    /// policies are not measured.
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

/// How a quota counts a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// Characters other than white space, as IAM counts.
    Characters,
    /// Bytes of the document as sent, white space included, as the
    /// services with resource-based policies count.
    Bytes,
}

impl Measure {
    pub fn of(self, policy: &crate::iam::policy::Policy) -> usize {
        match self {
            Measure::Characters => policy.size(),
            Measure::Bytes => policy.file.text.len(),
        }
    }
}

/// The size quota of a resource-based policy, by the one service its
/// actions name: (limit in bytes, what it is); `None` for services whose
/// quota is not known here, and for documents naming several services.
pub fn resource_policy_quota(policy: &crate::iam::policy::Policy) -> Option<(usize, &'static str)> {
    let mut service: Option<String> = None;
    for item in policy
        .statements
        .iter()
        .filter_map(|s| s.actions.as_ref())
        .flat_map(|a| &a.items)
    {
        let prefix = item.split_once(':')?.0.to_ascii_lowercase();
        if service.get_or_insert_with(|| prefix.clone()) != &prefix {
            return None;
        }
    }
    Some(match service?.as_str() {
        "s3" => (20 * 1024, "an S3 bucket policy"),
        "dynamodb" => (20 * 1024, "a DynamoDB resource policy"),
        "secretsmanager" => (20_480, "a Secrets Manager resource policy"),
        "sqs" => (8_192, "an SQS queue policy"),
        "kms" => (32 * 1024, "a KMS key policy"),
        _ => return None,
    })
}

/// Reports `size` against `limit` at `anchor`: over the limit as
/// `iam/policy-size`, from 90% as `iam/policy-size-near-limit`. `others`
/// are the other documents counted in `size`, for a shared quota.
pub fn report(
    sink: &mut Sink,
    anchor: Span,
    (size, measure): (usize, Measure),
    limit: usize,
    what: &str,
    others: Option<&[(Arc<SourceFile>, Span)]>,
) {
    let unit = match measure {
        Measure::Characters => "characters",
        Measure::Bytes => "bytes",
    };
    // Rounded, but never to 100% (which would read as "at the quota"):
    // 2,041 of 2,048 is 99%, 2,050 of 2,048 is 101%.
    let percent = (100.0 * size as f64 / limit as f64).round();
    let percent = match size.cmp(&limit) {
        std::cmp::Ordering::Less => percent.min(99.0),
        std::cmp::Ordering::Equal => 100.0,
        std::cmp::Ordering::Greater => percent.max(101.0),
    };
    let counted = match others {
        Some(others) if !others.is_empty() => {
            format!("together these {} policies have", others.len() + 1)
        }
        _ => "the policy has".to_string(),
    };
    let figures = format!(
        "{counted} {} {unit}, {percent:.0}% of the {} allowed for {what}",
        group(size),
        group(limit)
    );
    let d = if size > limit {
        let d = sink.emit(&POLICY_SIZE, anchor, figures);
        d.with_help(match measure {
            Measure::Characters => format!(
                "remove {} characters, or split it (`awscluster iam split --max-chars {limit}`); white space does not count",
                group(size - limit)
            ),
            Measure::Bytes => format!(
                "remove {} bytes: white space counts here, so minifying the document helps, then merging statements that share a principal and action",
                group(size - limit)
            ),
        });
        d
    } else if size * 10 >= limit * 9 {
        let d = sink.emit(&POLICY_SIZE_NEAR_LIMIT, anchor, figures);
        d.with_help(format!(
            "{} {unit} are left; the next few actions will not fit",
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

    fn checked(doc: &Value, usage: Usage) -> crate::rules::iam::Checked {
        let text = serde_json::to_string_pretty(doc).unwrap();
        check_policy(
            &Arc::new(SourceFile::new("policy.json", text)),
            usage,
            &Settings::default(),
        )
    }

    fn sizes(checked: &crate::rules::iam::Checked) -> Vec<&str> {
        checked
            .diagnostics
            .iter()
            .filter(|d| d.rule.code == POLICY_SIZE.code)
            .map(|d| d.message.as_str())
            .collect()
    }

    #[test]
    fn fires_for_the_seeds_control_plane_policy_as_a_users_inline_policy() {
        let alone = checked(&seed("control-plane.json"), Usage::InlineUser);
        assert_eq!(
            sizes(&alone),
            [
                "the policy has 2,072 characters, 101% of the 2,048 allowed for an inline policy of a user"
            ]
        );
        // One document is not counted twice; two add up.
        let one = [alone.policy.as_ref().unwrap()];
        assert!(check_set(&one, Usage::InlineUser, &Settings::default()).is_empty());
        let nodes = checked(&seed("nodes.json"), Usage::InlineGroup);
        let control_plane = checked(&seed("control-plane.json"), Usage::InlineGroup);
        assert!(sizes(&nodes).is_empty() && sizes(&control_plane).is_empty());
        let both = [
            control_plane.policy.as_ref().unwrap(),
            nodes.policy.as_ref().unwrap(),
        ];
        assert!(check_set(&both, Usage::InlineGroup, &Settings::default()).is_empty());
        let found = check_set(&both, Usage::InlineUser, &Settings::default());
        assert_eq!(found[0].rule.code, POLICY_SIZE.code);
        assert_eq!(
            found[0].message,
            "together these 2 policies have 2,787 characters, 136% of the 2,048 allowed for the inline policies of a user"
        );
    }

    #[test]
    fn the_use_decides_the_quota_of_an_identity_policy() {
        // 250 long actions: about 8,000 characters, over a managed policy's
        // 6,144 and within a role's inline 10,240.
        let doc = huge(250);
        assert_eq!(sizes(&checked(&doc, Usage::Managed)).len(), 1);
        assert!(sizes(&checked(&doc, Usage::InlineRole)).is_empty());
        assert_eq!(sizes(&checked(&doc, Usage::InlineGroup)).len(), 1);
    }

    #[test]
    fn resource_policies_are_measured_in_bytes_by_their_service() {
        let statement = |i: usize| {
            json!({"Sid": format!("S{i}"), "Effect": "Allow",
                "Principal": {"AWS": format!("arn:aws:iam::{:012}:root", i)},
                "Action": "sqs:SendMessage", "Resource": "arn:aws:sqs:us-east-1:111122223333:events"})
        };
        let queue = |n: usize| json!({"Version": "2012-10-17", "Statement": (0..n).map(statement).collect::<Vec<_>>()});
        let over = checked(&queue(40), Usage::Managed);
        let found = sizes(&over);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with("the policy has ")
                && found[0].contains(" bytes, ")
                && found[0].ends_with("% of the 8,192 allowed for an SQS queue policy"),
            "{}",
            found[0]
        );
        assert!(sizes(&checked(&queue(10), Usage::Managed)).is_empty());
        // The same statements as an S3 bucket policy fit its 20 KB.
        let bucket = serde_json::to_string(&queue(40))
            .unwrap()
            .replace("sqs:SendMessage", "s3:GetObject");
        let bucket: Value = serde_json::from_str(&bucket).unwrap();
        assert!(sizes(&checked(&bucket, Usage::Managed)).is_empty());
    }

    #[test]
    fn quiet_within_the_quota() {
        quiet(&POLICY_SIZE, &seed("controller.json"));
        assert_eq!(group(10_240), "10,240");
        assert_eq!(group(715), "715");
    }
}

use super::PolicyContext;
use crate::iam::arn;
use crate::rules::declare_rule;

declare_rule! {
    /// Each action's resources match a resource type it supports.
    ///
    /// ## What it checks
    /// For `Allow` statements with `Action` and `Resource` (no `*` among
    /// the resources), that every known action has a resource its resource
    /// types can match: the ARN formats of the Service Authorization
    /// Reference, with their placeholders as wildcards, against the
    /// statement's ARN patterns. A placeholder whose values cannot hold a
    /// `/` (`${BucketName}`, `${QueueName}`, `${TopicName}`) does not match
    /// one: `arn:aws:s3:::b/prefix/*` names objects, never a bucket, so
    /// bucket-level actions (`s3:ListBucket`, `s3:GetBucketPolicy`) on it
    /// are granted nothing. An action that supports no resource type (most
    /// `Describe*` and `List*` actions) is only ever granted on `*`.
    ///
    /// ## Why it matters
    /// Such an action is granted nothing by the statement, however it reads:
    /// the request's resource never matches. It is the warning the seed
    /// guide says to expect ("actions, resources, or conditions that do not
    /// provide permissions"); this rule names the actions.
    ///
    /// ## Example
    /// ```json
    /// {"Effect": "Allow", "Action": ["eks:DescribeCluster", "eks:ListClusters"], "Resource": "arn:*:eks:*:*:cluster/*"}
    /// ```
    /// `eks:ListClusters` supports only `*`.
    pub static RESOURCE_MISMATCH = Rule {
        code: "iam/resource-mismatch",
        severity: Warning,
    };
}

pub(crate) fn check(cx: &mut PolicyContext) {
    for st in &cx.policy.statements {
        if !st.is_allow() {
            continue;
        }
        let Some(resources) = &st.resources else {
            continue;
        };
        if resources.negated || resources.items.iter().any(|r| r.as_str() == "*") {
            continue;
        }
        // Malformed ARNs are reported on their own; judge the rest.
        let patterns: Vec<&str> = resources
            .items
            .iter()
            .filter(|r| arn::parse(r).is_ok())
            .map(|r| r.as_str())
            .collect();
        if patterns.is_empty() {
            continue;
        }
        let Some(actions) = cx.facts.actions_of(st) else {
            continue;
        };
        let mut star_only = Vec::new();
        let mut other_types = Vec::new();
        let mut seen: std::collections::HashMap<&str, bool> = std::collections::HashMap::new();
        for (service, action) in &actions {
            if action.star_only() {
                star_only.push(format!("{}:{}", service.prefix, action.name));
                continue;
            }
            // Actions of a service share resource types: judge each once.
            let matched = service.resource_types(action).any(|(rt, _)| {
                *seen.entry(rt.arn).or_insert_with(|| {
                    patterns
                        .iter()
                        .any(|p| arn::may_name_type(p, &rt.pattern, rt.slash_free))
                })
            });
            if !matched {
                let types: Vec<&str> = service
                    .resource_types(action)
                    .map(|(rt, _)| rt.name)
                    .collect();
                other_types.push(format!(
                    "{}:{} ({})",
                    service.prefix,
                    action.name,
                    types.join(", ")
                ));
            }
        }
        if star_only.is_empty() && other_types.is_empty() {
            continue;
        }
        let count = star_only.len() + other_types.len();
        let what = match (star_only.first(), other_types.first()) {
            (Some(a), None) | (None, Some(a)) if count == 1 => {
                format!("`{}`", a.split(' ').next().unwrap_or(a))
            }
            _ => format!("{count} of its actions"),
        };
        let mut parts = Vec::new();
        if !star_only.is_empty() {
            parts.push(format!("only `*` suits {}", star_only.join(", ")));
        }
        if !other_types.is_empty() {
            parts.push(format!(
                "these take other resource types: {}",
                other_types.join("; ")
            ));
        }
        cx.emit(
            &RESOURCE_MISMATCH,
            resources.key_span,
            format!(
                "{} grants {what} on nothing: no resource here is of a type {}",
                st.name(),
                if count == 1 {
                    "it supports"
                } else {
                    "they support"
                }
            ),
        )
        .with_help(format!(
            "{}; move them to a statement with matching resources",
            parts.join("; ")
        ));
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::iam::testing::{allow, fires, quiet, seed};

    #[test]
    fn fires_on_bucket_actions_on_object_arns() {
        let found = fires(
            &RESOURCE_MISMATCH,
            &allow(
                json!(["s3:ListBucket", "s3:GetBucketPolicy", "s3:GetObject"]),
                json!("arn:aws:s3:::b/prefix/*"),
            ),
        );
        let help = found[0].help.as_deref().unwrap_or_default();
        assert!(
            help.contains("s3:ListBucket (accesspoint, bucket)") && !help.contains("GetObject"),
            "{help}"
        );
        assert!(
            found[0].message.contains("2 of its actions"),
            "{}",
            found[0].message
        );
        quiet(
            &RESOURCE_MISMATCH,
            &allow(
                json!(["s3:ListBucket", "s3:GetBucketPolicy"]),
                json!(["arn:aws:s3:::b", "arn:aws:s3:::logs-*"]),
            ),
        );
    }

    #[test]
    fn fires_on_star_only_actions_scoped_to_arns_and_on_wrong_types() {
        let found = fires(
            &RESOURCE_MISMATCH,
            &allow(
                json!(["eks:DescribeCluster", "eks:ListClusters"]),
                json!("arn:*:eks:*:*:cluster/*"),
            ),
        );
        assert!(
            found[0]
                .help
                .as_deref()
                .unwrap()
                .contains("eks:ListClusters")
        );
        assert!(
            !found[0]
                .help
                .as_deref()
                .unwrap()
                .contains("eks:DescribeCluster")
        );
        fires(
            &RESOURCE_MISMATCH,
            &allow(json!("s3:GetObject"), json!("arn:aws:ec2:*:*:instance/*")),
        );
        // The seed's controller policy has such statements.
        fires(&RESOURCE_MISMATCH, &seed("controller.json"));
    }

    #[test]
    fn quiet_when_resources_fit() {
        quiet(
            &RESOURCE_MISMATCH,
            &allow(
                json!("eks:DescribeCluster"),
                json!("arn:*:eks:*:*:cluster/*"),
            ),
        );
        quiet(
            &RESOURCE_MISMATCH,
            &allow(json!("eks:ListClusters"), json!("*")),
        );
        quiet(
            &RESOURCE_MISMATCH,
            &allow(json!("s3:GetObject"), json!("arn:aws:s3:::bucket/*")),
        );
        quiet(&RESOURCE_MISMATCH, &seed("nodes.json"));
    }
}

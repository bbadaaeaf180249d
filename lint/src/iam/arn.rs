//! ARNs as policies write them: with wildcards and policy variables.

use super::pattern;

/// The six parts of an ARN (`arn:partition:service:region:account:resource`).
#[derive(Debug, Clone, PartialEq)]
pub struct Arn {
    pub partition: String,
    pub service: String,
    pub region: String,
    pub account: String,
    pub resource: String,
}

pub const PARTITIONS: &[&str] = &[
    "aws",
    "aws-cn",
    "aws-us-gov",
    "aws-iso",
    "aws-iso-b",
    "aws-iso-e",
    "aws-iso-f",
    "aws-eusc",
];

/// Splits an ARN pattern; policy variables (`${aws:username}`) count as
/// wildcards, so the colons inside them do not split.
pub fn parse(text: &str) -> Result<Arn, String> {
    let text = pattern::arn_format_pattern(text);
    let parts: Vec<&str> = text.splitn(6, ':').collect();
    let [prefix, partition, service, region, account, resource] = parts.as_slice() else {
        return Err(
            "an ARN has six colon-separated parts: arn:partition:service:region:account:resource"
                .into(),
        );
    };
    if *prefix != "arn" {
        return Err("an ARN starts with `arn:`".into());
    }
    let wild = |s: &str| s.contains(['*', '?']);
    if !wild(partition) && !PARTITIONS.contains(partition) {
        return Err(format!(
            "`{partition}` is not a partition (aws, aws-cn, aws-us-gov, …)"
        ));
    }
    if service.is_empty() {
        return Err("the service part is empty".into());
    }
    if !wild(service)
        && !service
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(format!("`{service}` is not a service name"));
    }
    let account_ok = wild(account)
        || account.is_empty()
        || *account == "aws"
        || (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()));
    if !account_ok {
        return Err(format!("`{account}` is not an account ID (12 digits)"));
    }
    if resource.is_empty() {
        return Err("the resource part is empty".into());
    }
    Ok(Arn {
        partition: partition.to_string(),
        service: service.to_string(),
        region: region.to_string(),
        account: account.to_string(),
        resource: resource.to_string(),
    })
}

/// The six segments of an ARN pattern; `None` when it is not ARN-shaped.
fn segments(text: &str) -> Option<[&str; 6]> {
    if !text.starts_with("arn:") {
        return None;
    }
    let mut out = [""; 6];
    let mut start = 0;
    let mut n = 0;
    for (i, b) in text.bytes().enumerate() {
        if b == b':' && n < 5 {
            out[n] = &text[start..i];
            n += 1;
            start = i + 1;
        }
    }
    if n < 5 {
        return None;
    }
    out[5] = &text[start..];
    Some(out)
}

/// IAM matches ARNs segment by segment: a wildcard stays within its
/// segment (the resource segment, the last, may contain colons itself).
/// Anything not ARN-shaped (`*`) is matched as a whole. Policy variables
/// and `${…}` placeholders count as `*`.
fn segment_wise(a: &str, b: &str, each: impl Fn(&str, &str) -> bool) -> bool {
    let (a, b) = (
        pattern::arn_format_pattern(a),
        pattern::arn_format_pattern(b),
    );
    match (segments(&a), segments(&b)) {
        (Some(a), Some(b)) => a.iter().zip(&b).all(|(x, y)| each(x, y)),
        _ => each(&a, &b),
    }
}

/// Whether the resource pattern `general` matches everything `specific` does.
pub fn covers(general: &str, specific: &str) -> bool {
    general == "*"
        || general == specific
        || segment_wise(general, specific, |g, s| pattern::covers(g, s, false))
}

/// Whether some resource matches both patterns.
pub fn intersects(a: &str, b: &str) -> bool {
    a == "*" || b == "*" || a == b || segment_wise(a, b, |x, y| pattern::intersects(x, y, false))
}

/// Placeholders of the Service Authorization Reference's ARN formats whose
/// values AWS's naming rules keep free of `/`: S3 bucket names (lowercase
/// letters, digits, `.` and `-`), SQS queue names (letters, digits, `-`
/// and `_`) and SNS topic names (the same). Others, such as
/// `${ObjectName}` or `${RoleNameWithPath}`, may hold a path.
const SLASH_FREE_PLACEHOLDERS: &[&str] = &["${BucketName}", "${QueueName}", "${TopicName}"];

/// Whether no ARN of `format` has a `/` in its resource part: the part has
/// no `/` of its own and only placeholders that cannot hold one. Such a
/// type (an S3 bucket) is never named by a pattern whose resource part
/// has a `/` (`arn:aws:s3:::b/prefix/*` names objects).
pub fn format_is_slash_free(format: &str) -> bool {
    let Some(mut rest) = format.splitn(6, ':').nth(5) else {
        return false;
    };
    loop {
        match rest.find("${") {
            None => return !rest.contains('/'),
            Some(start) => {
                if rest[..start].contains('/') {
                    return false;
                }
                let Some(len) = rest[start..].find('}') else {
                    return false;
                };
                let placeholder = &rest[start..start + len + 1];
                if !SLASH_FREE_PLACEHOLDERS.contains(&placeholder) {
                    return false;
                }
                rest = &rest[start + len + 1..];
            }
        }
    }
}

/// Whether the pattern's resource part holds a `/` of its own (policy
/// variables aside): it then names no resource of a slash-free type.
pub fn names_a_path(pattern: &str) -> bool {
    let pattern = pattern::arn_format_pattern(pattern);
    segments(&pattern).is_some_and(|s| s[5].contains('/'))
}

/// Whether `pattern` may name a resource of the type whose ARN format is
/// turned into `type_pattern` (its placeholders wildcards).
pub fn may_name_type(pattern: &str, type_pattern: &str, slash_free: bool) -> bool {
    !(slash_free && names_a_path(pattern)) && intersects(pattern, type_pattern)
}

#[cfg(test)]
mod tests {
    #[test]
    fn slash_free_types_are_not_named_by_paths() {
        assert!(super::format_is_slash_free(
            "arn:${Partition}:s3:::${BucketName}"
        ));
        assert!(!super::format_is_slash_free(
            "arn:${Partition}:s3:::${BucketName}/${ObjectName}"
        ));
        assert!(!super::format_is_slash_free(
            "arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}"
        ));
        assert!(!super::format_is_slash_free(
            "arn:${Partition}:ec2:${Region}:${Account}:vpc/${VpcId}"
        ));
        assert!(super::names_a_path("arn:aws:s3:::b/prefix/*"));
        assert!(super::names_a_path("arn:aws:s3:::${aws:username}/*"));
        assert!(!super::names_a_path("arn:aws:s3:::b*"));
        assert!(!super::names_a_path("*"));
        let bucket = "arn:*:s3:::*";
        assert!(!super::may_name_type(
            "arn:aws:s3:::b/prefix/*",
            bucket,
            true
        ));
        assert!(super::may_name_type("arn:aws:s3:::b", bucket, true));
        assert!(super::may_name_type("arn:aws:s3:::b*", bucket, true));
        assert!(super::may_name_type("*", bucket, true));
    }

    use super::*;

    #[test]
    fn wildcards_stay_within_their_segment() {
        assert!(!intersects(
            "arn:aws:s3:::*/*",
            "arn:aws:ec2:*:*:instance/*"
        ));
        assert!(intersects(
            "arn:*:ec2:*:*:instance/*",
            "arn:${Partition}:ec2:${Region}:${Account}:instance/${InstanceId}"
        ));
        assert!(intersects("*", "arn:aws:s3:::b"));
        assert!(covers(
            "arn:*:iam::*:role/*",
            "arn:aws:iam::123456789012:role/a/b"
        ));
        assert!(!covers("arn:aws:iam::*:role/*", "arn:*:iam::*:role/*"));
        assert!(covers("*", "arn:*:iam::*:role/*"));
        assert!(!covers("arn:*:iam::*:role/*", "*"));
        assert!(covers(
            "arn:aws:s3:::home/${aws:username}/*",
            "arn:aws:s3:::home/${aws:username}/x"
        ));
        // The resource segment keeps its colons.
        assert!(covers(
            "arn:aws:logs:*:*:log-group:*",
            "arn:aws:logs:us-east-1:1:log-group:a:log-stream:b"
        ));
    }

    #[test]
    fn parses_patterns_variables_and_managed_policy_arns() {
        assert!(parse("arn:*:iam::*:role/*").is_ok());
        assert!(parse("arn:aws:s3:::home/${aws:username}/*").is_ok());
        assert!(parse("arn:aws:iam::${aws:PrincipalAccount}:role/x").is_ok());
        assert_eq!(
            parse("arn:aws:iam::aws:policy/AmazonEKSClusterPolicy")
                .unwrap()
                .account,
            "aws"
        );
        assert!(parse("arn:aws:ec2:us-east-1:123456789012:instance/i-1").is_ok());
    }

    #[test]
    fn refuses_malformed_ones() {
        assert!(parse("arn:aws:s3").is_err());
        assert!(parse("aws:s3:::bucket").is_err());
        assert!(parse("arn:amazon:s3:::bucket").is_err());
        assert!(parse("arn:aws:iam::12345:role/x").is_err());
        assert!(parse("arn:aws:s3:::").is_err());
        assert!(parse("arn:aws:S3:::b").is_err());
    }
}

use crate::rules::{Context, Section, declare_rule};

declare_rule! {
    /// VPC and subnet IDs are well-formed.
    ///
    /// ## What it checks
    /// Static placement's `vpcId` (`vpc-` and 8 or 17 lowercase hex digits)
    /// and each subnet's `id` (`subnet-` and 8 or 17 hex digits).
    ///
    /// ## Why it matters
    /// A malformed ID is a copy-paste slip (a name, an ARN, a truncated ID).
    /// EC2 answers `InvalidVpcID.Malformed` only at apply time.
    ///
    /// ## Example
    /// ```json
    /// {"placement": {"static": {"vpcId": "prod-vpc"}}}
    /// ```
    pub static INVALID_ID = Rule {
        code: "network/invalid-id",
        severity: Error,
    };
}

/// Whether `id` is `<prefix>-` followed by 8 or 17 lowercase hex digits.
pub fn is_resource_id(id: &str, prefix: &str) -> bool {
    id.strip_prefix(prefix)
        .and_then(|rest| rest.strip_prefix('-'))
        .is_some_and(|hex| {
            matches!(hex.len(), 8 | 17)
                && hex
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        })
}

/// The parts of the spec the check reads.
pub(crate) const READS: &[Section] = &[Section::Placement];

pub(crate) fn check(cx: &mut Context) {
    let Some(placement) = cx.spec.static_placement() else {
        return;
    };
    let mut ids = vec![(&placement.vpc_id, "vpc", "VPC")];
    ids.extend(
        placement
            .subnets
            .iter()
            .map(|s| (&s.id, "subnet", "subnet")),
    );
    for (id, prefix, what) in ids {
        if !is_resource_id(id, prefix) {
            cx.emit(&INVALID_ID, id.span, format!("`{}` is not a {what} ID", id.as_str()))
                .with_help(format!("{what} IDs look like `{prefix}-0a1b2c3d4e5f67890`; `aws ec2 describe-{prefix}s` lists them"));
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::testing::{base_static, fires, quiet};

    #[test]
    fn fires_on_names_and_truncated_ids() {
        let mut spec = base_static();
        spec["placement"]["static"]["vpcId"] = json!("prod-vpc");
        spec["placement"]["static"]["subnets"][0]["id"] = json!("subnet-0a1b2c");
        assert_eq!(fires(&INVALID_ID, &spec).len(), 2);
    }

    #[test]
    fn quiet_on_short_and_long_ids() {
        quiet(&INVALID_ID, &base_static());
        let mut spec = base_static();
        spec["placement"]["static"]["vpcId"] = json!("vpc-0a1b2c3d");
        quiet(&INVALID_ID, &spec);
    }
}

use crate::rules::{Context, Section, declare_rule};

declare_rule! {
    /// A pool's instance profile has a name IAM takes.
    ///
    /// ## What it checks
    /// `nodePools[].instanceProfile`: 1 to 128 characters of letters,
    /// digits and `+=,.@_-` (IAM's rule for instance profile names, the
    /// `InstanceProfileName` of CreateInstanceProfile).
    ///
    /// ## Why it matters
    /// EC2 launches the pool's instances with the profile by name: a name
    /// IAM cannot hold fails every launch, after the network and the load
    /// balancer have been built.
    ///
    /// ## Example
    /// ```json
    /// {"nodePools": [{"name": "workers", "instanceProfile": "arn:aws:iam::123456789012:instance-profile/nodes"}]}
    /// ```
    /// An ARN is not a name.
    pub static INSTANCE_PROFILE = Rule {
        code: "names/instance-profile",
        severity: Error,
    };
}

/// The parts of the spec the check reads.
pub(crate) const READS: &[Section] = &[Section::NodePools];

/// Why IAM would refuse `name` as an instance profile's.
fn refusal(name: &str) -> Option<String> {
    let len = name.chars().count();
    if !(1..=128).contains(&len) {
        return Some(format!("has {len} characters; IAM takes 1 to 128"));
    }
    if name.starts_with("arn:") {
        return Some("is an ARN; the profile's name is its last part".into());
    }
    name.chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "+=,.@_-".contains(*c)))
        .map(|c| format!("has `{c}`, which IAM does not take in a name"))
}

pub(crate) fn check(cx: &mut Context) {
    for pool in cx.spec.pools() {
        let Some(profile) = &pool.instance_profile else {
            continue;
        };
        if let Some(why) = refusal(profile) {
            cx.emit(
                &INSTANCE_PROFILE,
                profile.span,
                format!("the instance profile name `{}` {why}", profile.as_str()),
            )
            .with_help("name an instance profile by its name, such as `nodes.cluster-api-provider-aws.sigs.k8s.io`");
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::testing::{base, fires, quiet, with};

    #[test]
    fn fires_on_an_arn_a_space_or_a_long_name() {
        for bad in [
            json!("arn:aws:iam::123456789012:instance-profile/nodes"),
            json!("my nodes"),
            json!("x".repeat(129)),
            json!(""),
        ] {
            fires(
                &INSTANCE_PROFILE,
                &with(|s| s["nodePools"][1]["instanceProfile"] = bad.clone()),
            );
        }
    }

    #[test]
    fn quiet_on_names_iam_takes() {
        quiet(&INSTANCE_PROFILE, &base());
        quiet(
            &INSTANCE_PROFILE,
            &with(|s| s["nodePools"][1]["instanceProfile"] = json!("gpu-nodes+v2@team.example")),
        );
    }
}

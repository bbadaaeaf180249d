use crate::rules::{Context, Section, declare_rule};
use crate::tagging;

declare_rule! {
    /// The spec's tags leave awscluster's own tags alone.
    ///
    /// ## What it checks
    /// Each key of `tags` against the keys awscluster sets itself: `Name`,
    /// `sigs.k8s.io/cluster-api-provider-aws/role`, and any
    /// `sigs.k8s.io/cluster-api-provider-aws/cluster/…` or
    /// `kubernetes.io/cluster/…` key.
    ///
    /// ## Why it matters
    /// awscluster finds the resources it owns by these tags and deletes only
    /// what carries them. A user tag that overrides one could hide a resource
    /// from `destroy`, or make it claim another cluster's resources.
    ///
    /// ## Example
    /// ```json
    /// {"tags": {"kubernetes.io/cluster/prod-east": "shared"}}
    /// ```
    pub static MANAGED_KEY = Rule {
        code: "tags/managed-key",
        severity: Error,
    };
}

/// The parts of the spec the check reads.
pub(crate) const READS: &[Section] = &[Section::Name, Section::Tags];

pub(crate) fn check(cx: &mut Context) {
    let Some(tags) = &cx.spec.tags else { return };
    for tag in tags.iter() {
        if tagging::is_managed_key(&tag.key) {
            cx.emit(
                &MANAGED_KEY,
                tag.key.span,
                format!("`{}` is a tag awscluster sets itself", tag.key.as_str()),
            )
            .with_help(
                "remove it: awscluster tracks ownership with it and names resources with `Name`",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::testing::{base, fires, quiet, with};

    #[test]
    fn fires_on_ownership_and_name_tags() {
        fires(&MANAGED_KEY, &with(|s| s["tags"] = json!({"Name": "x"})));
        fires(
            &MANAGED_KEY,
            &with(|s| {
                s["tags"] = json!({"sigs.k8s.io/cluster-api-provider-aws/cluster/other": "owned"})
            }),
        );
    }

    #[test]
    fn quiet_on_ordinary_tags() {
        quiet(&MANAGED_KEY, &base());
        quiet(
            &MANAGED_KEY,
            &with(|s| {
                s["tags"] = json!({"team": "platform", "name": "lowercase is a different key"})
            }),
        );
    }
}

use crate::rules::{Context, Section, declare_rule};
use crate::tagging;

/// Tags a resource can carry (tags with the `aws:` prefix do not count).
pub const MAX_TAGS: usize = 50;

declare_rule! {
    /// The user's tags and awscluster's fit in AWS's 50 tags per resource.
    ///
    /// ## What it checks
    /// The number of distinct keys in `tags` plus the 4 tags awscluster puts
    /// on every resource (`Name`, the ownership tag, the role tag and
    /// `kubernetes.io/cluster/<name>`).
    ///
    /// ## Why it matters
    /// AWS refuses to create a resource with more than 50 tags. Tags are set
    /// at creation, so the very first resource (the VPC) would fail.
    ///
    /// ## Example
    /// ```json
    /// {"tags": {"tag-1": "a", "tag-2": "b", "…": "…", "tag-47": "z"}}
    /// ```
    /// 47 tags of the user's plus 4 of awscluster's make 51.
    pub static TOO_MANY = Rule {
        code: "tags/too-many",
        severity: Error,
    };
}

/// The parts of the spec the check reads.
pub(crate) const READS: &[Section] = &[Section::Name, Section::Tags];

pub(crate) fn check(cx: &mut Context) {
    let Some(tags) = &cx.spec.tags else { return };
    let managed = tagging::managed_keys(cx.spec.name.as_str());
    let mut keys: Vec<&str> = tags
        .iter()
        .map(|t| t.key.as_str())
        .filter(|k| !managed.iter().any(|m| m == k))
        .collect();
    keys.sort_unstable();
    keys.dedup();
    let total = keys.len() + managed.len();
    if total > MAX_TAGS {
        let span = cx.key_span("/tags", tags.span);
        cx.emit(
            &TOO_MANY,
            span,
            format!("{} tags here plus {} of awscluster's make {total}; AWS allows {MAX_TAGS} per resource", keys.len(), managed.len()),
        )
        .with_help(format!("remove at least {} tags", total - MAX_TAGS));
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Map, Value, json};

    use super::*;
    use crate::rules::testing::{base, fires, quiet, with};

    fn tags(n: usize) -> Value {
        let map: Map<String, Value> = (0..n).map(|i| (format!("tag-{i}"), json!("x"))).collect();
        Value::Object(map)
    }

    #[test]
    fn fires_past_fifty_with_awsclusters_own() {
        let found = fires(&TOO_MANY, &with(|s| s["tags"] = tags(47)));
        assert_eq!(
            found[0].message,
            "47 tags here plus 4 of awscluster's make 51; AWS allows 50 per resource"
        );
    }

    #[test]
    fn quiet_up_to_fifty() {
        quiet(&TOO_MANY, &base());
        quiet(&TOO_MANY, &with(|s| s["tags"] = tags(46)));
    }
}

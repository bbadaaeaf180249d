use crate::rules::{Context, Section, declare_rule};

declare_rule! {
    /// Tag keys do not start with `aws:`.
    ///
    /// ## What it checks
    /// Each key of `tags` for the `aws:` prefix, in any letter case.
    ///
    /// ## Why it matters
    /// AWS reserves the prefix for its own tags (`aws:cloudformation:stack-name`
    /// and the like) and refuses user tags that use it.
    ///
    /// ## Example
    /// ```json
    /// {"tags": {"aws:team": "platform"}}
    /// ```
    pub static RESERVED_PREFIX = Rule {
        code: "tags/reserved-prefix",
        severity: Error,
    };
}

/// The parts of the spec the check reads.
pub(crate) const READS: &[Section] = &[Section::Tags];

pub(crate) fn check(cx: &mut Context) {
    let Some(tags) = &cx.spec.tags else { return };
    for tag in tags.iter() {
        if tag
            .key
            .get(..4)
            .is_some_and(|p| p.eq_ignore_ascii_case("aws:"))
        {
            cx.emit(
                &RESERVED_PREFIX,
                tag.key.span,
                format!(
                    "tag key `{}` uses the reserved prefix `aws:`",
                    tag.key.as_str()
                ),
            )
            .with_help("AWS reserves `aws:` for its own tags; choose another prefix");
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::testing::{base, fires, quiet, with};

    #[test]
    fn fires_in_any_case() {
        fires(
            &RESERVED_PREFIX,
            &with(|s| s["tags"] = json!({"aws:team": "x"})),
        );
        fires(
            &RESERVED_PREFIX,
            &with(|s| s["tags"] = json!({"AWS:team": "x"})),
        );
    }

    #[test]
    fn quiet_otherwise() {
        quiet(&RESERVED_PREFIX, &base());
        quiet(
            &RESERVED_PREFIX,
            &with(|s| s["tags"] = json!({"awsome": "x"})),
        );
    }
}

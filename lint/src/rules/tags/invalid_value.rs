use crate::rules::tags::allowed_char;
use crate::rules::{Context, Section, declare_rule};

/// The longest tag value AWS accepts.
pub const MAX_VALUE: usize = 256;

declare_rule! {
    /// Tag values are at most 256 characters AWS accepts.
    ///
    /// ## What it checks
    /// Each value of `tags`: at most 256 characters (empty is fine), each a
    /// letter, digit or space (any script) or one of `_ . : / = + - @`.
    ///
    /// ## Why it matters
    /// As for keys: AWS refuses the create call, and nothing is built.
    ///
    /// ## Example
    /// ```json
    /// {"tags": {"owner": "ops <ops@example.com>"}}
    /// ```
    pub static INVALID_VALUE = Rule {
        code: "tags/invalid-value",
        severity: Error,
    };
}

/// The parts of the spec the check reads.
pub(crate) const READS: &[Section] = &[Section::Tags];

pub(crate) fn check(cx: &mut Context) {
    let Some(tags) = &cx.spec.tags else { return };
    for tag in tags.iter() {
        let value = tag.value.as_str();
        let len = value.chars().count();
        let problem = if len > MAX_VALUE {
            Some(format!(
                "the value of tag `{}` is {len} characters; the most is {MAX_VALUE}",
                tag.key.as_str()
            ))
        } else {
            value.chars().find(|c| !allowed_char(*c)).map(|c| {
                format!(
                    "the value of tag `{}` contains `{c}`, which AWS does not accept",
                    tag.key.as_str()
                )
            })
        };
        if let Some(problem) = problem {
            cx.emit(&INVALID_VALUE, tag.value.span, problem)
                .with_help("use letters, digits, spaces and `_ . : / = + - @`");
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::testing::{base, fires, quiet, with};

    #[test]
    fn fires_on_bad_characters_and_lengths() {
        fires(
            &INVALID_VALUE,
            &with(|s| s["tags"] = json!({"owner": "ops <ops@example.com>"})),
        );
        fires(
            &INVALID_VALUE,
            &with(|s| s["tags"] = json!({"k": "v".repeat(257)})),
        );
    }

    #[test]
    fn quiet_on_valid_and_empty_values() {
        quiet(&INVALID_VALUE, &base());
        quiet(
            &INVALID_VALUE,
            &with(|s| s["tags"] = json!({"a": "", "b": "ops@example.com"})),
        );
    }
}

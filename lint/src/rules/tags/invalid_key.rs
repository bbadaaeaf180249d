use crate::rules::tags::allowed_char;
use crate::rules::{Context, Section, declare_rule};

/// The longest tag key AWS accepts.
pub const MAX_KEY: usize = 128;

declare_rule! {
    /// Tag keys are 1 to 128 characters AWS accepts.
    ///
    /// ## What it checks
    /// Each key of `tags`: 1 to 128 characters, each a letter, digit or space
    /// (any script) or one of `_ . : / = + - @`.
    ///
    /// ## Why it matters
    /// AWS refuses the whole create call for one bad tag, and tags are set at
    /// creation: the first resource fails and nothing is built.
    ///
    /// ## Example
    /// ```json
    /// {"tags": {"cost-center#": "42"}}
    /// ```
    pub static INVALID_KEY = Rule {
        code: "tags/invalid-key",
        severity: Error,
    };
}

/// The parts of the spec the check reads.
pub(crate) const READS: &[Section] = &[Section::Tags];

pub(crate) fn check(cx: &mut Context) {
    let Some(tags) = &cx.spec.tags else { return };
    for tag in tags.iter() {
        let key = tag.key.as_str();
        let len = key.chars().count();
        let problem = if len == 0 {
            Some("a tag key cannot be empty".to_string())
        } else if len > MAX_KEY {
            Some(format!(
                "tag key is {len} characters; the most is {MAX_KEY}"
            ))
        } else {
            key.chars()
                .find(|c| !allowed_char(*c))
                .map(|c| format!("tag key `{key}` contains `{c}`, which AWS does not accept"))
        };
        if let Some(problem) = problem {
            cx.emit(&INVALID_KEY, tag.key.span, problem)
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
            &INVALID_KEY,
            &with(|s| s["tags"] = json!({"cost-center#": "42"})),
        );
        fires(&INVALID_KEY, &with(|s| s["tags"] = json!({"": "x"})));
        fires(
            &INVALID_KEY,
            &with(|s| s["tags"] = json!({"k".repeat(129): "x"})),
        );
    }

    #[test]
    fn quiet_on_valid_keys_in_any_script() {
        quiet(&INVALID_KEY, &base());
        quiet(
            &INVALID_KEY,
            &with(|s| s["tags"] = json!({"équipe": "plateforme", "team/owner@x": "a"})),
        );
    }
}

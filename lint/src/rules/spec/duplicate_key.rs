use crate::rules::{Sink, declare_rule};
use crate::source::DuplicateKey;

declare_rule! {
    /// No key appears twice in one object.
    ///
    /// ## What it checks
    /// Every object (JSON) or mapping (YAML) of the spec, at any depth, for a
    /// key that is given more than once.
    ///
    /// ## Why it matters
    /// JSON leaves duplicate keys undefined and tools disagree on which value
    /// wins: most keep the last, some the first, some refuse the file. A spec
    /// that means different things to different tools is a spec nobody can
    /// review. The finding points at the second key and labels the first.
    ///
    /// ## Example
    /// ```yaml
    /// name: prod-east
    /// region: us-east-1
    /// region: eu-west-1
    /// ```
    pub static DUPLICATE_KEY = Rule {
        code: "spec/duplicate-key",
        severity: Error,
    };
}

/// The findings for keys given twice in one object.
pub fn report(sink: &mut Sink, duplicates: &[DuplicateKey]) {
    for dup in duplicates {
        sink.emit(
            &DUPLICATE_KEY,
            dup.again,
            format!("duplicate key `{}`", dup.key),
        )
        .with_primary_label("defined again here")
        .with_label(dup.first, "first defined here")
        .with_help("remove one of them: tools disagree on which one wins");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{at, base, lint, lint_text};

    #[test]
    fn fires_on_the_second_key_with_the_first_labelled() {
        let text = "name: prod-east\nregion: us-east-1\nregion: eu-west-1\n";
        let found: Vec<_> = lint_text("a.yaml", text)
            .into_iter()
            .filter(|d| d.rule.code == DUPLICATE_KEY.code)
            .collect();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].primary().start().line, 3);
        assert_eq!(at(&found[0]), "region");
        assert_eq!(found[0].labels[1].start().line, 2);
    }

    #[test]
    fn quiet_without_duplicates() {
        assert!(
            lint(&base())
                .iter()
                .all(|d| d.rule.code != DUPLICATE_KEY.code)
        );
    }
}

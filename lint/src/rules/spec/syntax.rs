use crate::rules::declare_rule;

declare_rule! {
    /// The file is well-formed JSON or YAML.
    ///
    /// ## What it checks
    /// That the file parses: JSON by RFC 8259 (no comments, no trailing
    /// commas, double-quoted strings), YAML 1.2 with one document. Files
    /// ending in `.yaml` or `.yml` are read as YAML, all others as JSON.
    ///
    /// ## Why it matters
    /// Nothing else can be checked in a file that does not parse. The finding
    /// points at the first character the parser could not accept.
    ///
    /// ## Example
    /// ```json
    /// {"name": "prod-east", "region": "us-east-1",}
    /// ```
    /// The trailing comma is not JSON.
    pub static SYNTAX = Rule {
        code: "spec/syntax",
        severity: Error,
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{at, base, lint, lint_text};

    #[test]
    fn fires_on_malformed_json_and_yaml_at_the_fault() {
        let found = lint_text("a.json", "{\n  \"name\": \"x\",\n}\n");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].rule.code, SYNTAX.code);
        assert_eq!(at(&found[0]), ",");
        assert_eq!(found[0].primary().start().line, 2);

        let found = lint_text("a.yaml", "name: [x\nregion: y\n");
        assert_eq!(found[0].rule.code, SYNTAX.code);
    }

    #[test]
    fn quiet_on_a_valid_spec_in_either_format() {
        assert!(lint(&base()).iter().all(|d| d.rule.code != SYNTAX.code));
        let found = lint_text("a.yaml", "name: x\n");
        assert!(found.iter().all(|d| d.rule.code != SYNTAX.code));
    }
}

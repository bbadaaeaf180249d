use crate::diagnostic::{SourceFile, Span};
use crate::rules::{Sink, declare_rule};
use crate::source::SyntaxError;

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

/// The finding for a document that does not parse.
pub fn report(sink: &mut Sink, error: &SyntaxError) {
    let d = sink.emit(&SYNTAX, error.span, error.message.clone());
    if let Some(help) = &error.help {
        d.with_help(help.clone());
    }
}

/// The finding for a file that is not UTF-8: at its first bad byte, which
/// is all the finding underlines, whatever follows.
pub fn report_not_utf8(sink: &mut Sink, file: &SourceFile) {
    let Some(&(at, byte)) = file.invalid_bytes().first() else {
        return;
    };
    let more = file.invalid_bytes().len() - 1;
    let message = if more == 0 {
        format!("the file is not UTF-8 text: byte 0x{byte:02X} is not part of a character")
    } else {
        format!(
            "the file is not UTF-8 text: byte 0x{byte:02X} is not part of a character, and {more} more like it"
        )
    };
    sink.emit(&SYNTAX, Span::new(at as usize, at as usize + 1), message)
        .with_primary_label("not UTF-8")
        .with_help("save the file as UTF-8");
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
    fn fires_once_on_bytes_that_are_not_utf8_without_running_past_the_file() {
        for (bytes, at) in [
            (&b"{\"name\": \"\xff\"}"[..], 10),
            (&b"\xc3"[..], 0),
            (&b"name: a\nregion: \xe2\x82\n"[..], 16),
        ] {
            let found = crate::run::spec::check_bytes(
                std::path::Path::new("a.yaml"),
                bytes.to_vec(),
                &crate::rules::Settings::default(),
            );
            assert_eq!(found.len(), 1, "{found:?}");
            assert_eq!(found[0].rule.code, SYNTAX.code);
            let span = found[0].primary().span;
            assert_eq!((span.start as usize, span.len()), (at, 1));
            assert!(span.end as usize <= bytes.len());
        }
    }

    #[test]
    fn quiet_on_a_valid_spec_in_either_format() {
        assert!(lint(&base()).iter().all(|d| d.rule.code != SYNTAX.code));
        let found = lint_text("a.yaml", "name: x\n");
        assert!(found.iter().all(|d| d.rule.code != SYNTAX.code));
    }
}

//! What a rule is to the findings it produces and to its documentation: a
//! stable code, a default severity and its docs. The checks behind the rules
//! are registered in `rules`.

use super::Severity;

/// The README as the project publishes it.
const README_URL: &str = "https://github.com/awscluster/awscluster/blob/main/README.md";

/// One rule: a stable code, a default severity and its documentation.
pub struct Rule {
    /// `<group>/<kebab-name>`; never reused once published.
    pub code: &'static str,
    pub default_severity: Severity,
    /// Whether it reports unless configured otherwise; an opt-in rule
    /// reports at `default_severity` once a selector turns it on.
    pub on_by_default: bool,
    /// The rule's doc comment as written (each line keeps its leading space).
    raw_docs: &'static str,
}

impl Rule {
    #[doc(hidden)]
    pub const fn new(
        code: &'static str,
        default_severity: Severity,
        raw_docs: &'static str,
    ) -> Rule {
        Rule {
            code,
            default_severity,
            on_by_default: true,
            raw_docs,
        }
    }

    /// With `opt_in`, a rule that reports only when `-W`, `-D` or
    /// `[rules]` turns it on.
    #[doc(hidden)]
    pub const fn opt_in_if(self, opt_in: bool) -> Rule {
        Rule {
            on_by_default: !opt_in,
            ..self
        }
    }

    /// `error`, `warning`, `note`, or `off` for an opt-in rule.
    pub fn default_level(&self) -> &'static str {
        if self.on_by_default {
            self.default_severity.as_str()
        } else {
            "off"
        }
    }

    /// `rule-pools-master-size`: the anchor of the rule's row in the
    /// README's table.
    pub fn anchor(&self) -> String {
        format!("rule-{}", self.code.replace('/', "-"))
    }

    /// Where the rule is documented for a browser (SARIF's `helpUri`).
    pub fn help_uri(&self) -> String {
        format!("{README_URL}#{}", self.anchor())
    }

    pub fn group(&self) -> &'static str {
        self.code.split_once('/').map_or(self.code, |(g, _)| g)
    }

    /// The first line of the documentation.
    pub fn summary(&self) -> &'static str {
        self.raw_docs
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or("")
    }

    /// The documentation as Markdown, without the summary line.
    pub fn docs(&self) -> String {
        let mut lines = self
            .raw_docs
            .lines()
            .map(|l| l.strip_prefix(' ').unwrap_or(l));
        lines.next();
        let body: Vec<&str> = lines.collect();
        body.join("\n").trim().to_string()
    }
}

impl std::fmt::Debug for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code)
    }
}

/// Declares a rule whose doc comment is its documentation; `opt_in: true`
/// makes it report only once turned on.
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])+
        $vis:vis static $name:ident = Rule {
            code: $code:literal,
            severity: $severity:ident
            $(, opt_in: $opt_in:literal)? $(,)?
        };
    ) => {
        $(#[doc = $doc])+
        $vis static $name: $crate::diagnostic::Rule = $crate::diagnostic::Rule::new(
            $code,
            $crate::diagnostic::Severity::$severity,
            concat!($($doc, "\n"),+),
        )
        $(.opt_in_if($opt_in))?;
    };
}
pub(crate) use declare_rule;

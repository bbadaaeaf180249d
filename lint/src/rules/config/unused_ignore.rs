use crate::rules::declare_rule;

declare_rule! {
    /// Every ignore in `awscluster.toml` still matches a finding.
    ///
    /// ## What it checks
    /// After a run, each `[[ignore]]` entry of the configuration that
    /// suppressed nothing in the files linted, reported at the entry.
    ///
    /// ## Why it matters
    /// An ignore outlives the problem it was added for. Left in place, it
    /// silently hides the same problem when it comes back, in a file nobody
    /// looks at. Only entries that apply to at least one file of the run are
    /// judged, so linting a single file does not condemn ignores for others.
    ///
    /// ## Example
    /// ```toml
    /// [[ignore]]
    /// rules = ["network/single-az"]
    /// paths = ["clusters/dev-*.cluster.json"]
    /// ```
    /// Reported once the dev clusters use three zones.
    pub static UNUSED_IGNORE = Rule {
        code: "config/unused-ignore",
        severity: Warning,
    };
}

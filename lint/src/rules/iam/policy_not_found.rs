use crate::rules::declare_rule;

declare_rule! {
    /// The policy files a spec names exist.
    ///
    /// ## What it checks
    /// Each path of a spec's `iam.policies`, relative to the spec's
    /// directory, is a readable file.
    ///
    /// ## Why it matters
    /// Without the file neither the policy lints nor the coverage check can
    /// run, and a typo in the path would otherwise silently drop a policy
    /// from the check.
    ///
    /// ## Example
    /// ```json
    /// {"iam": {"policies": ["policies/controler.json"]}}
    /// ```
    pub static POLICY_NOT_FOUND = Rule {
        code: "iam/policy-not-found",
        severity: Error,
    };
}

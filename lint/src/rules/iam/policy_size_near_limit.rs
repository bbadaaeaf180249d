use crate::rules::declare_rule;

declare_rule! {
    /// Policies keep some room under IAM's size quotas.
    ///
    /// ## What it checks
    /// Policies (or sets of inline policies) at 90% or more of their quota,
    /// counted as `iam/policy-size` counts them.
    ///
    /// ## Why it matters
    /// A policy this close to its quota fails on the next edit, usually an
    /// urgent one. The seed's controller policy is at 96% of a managed
    /// policy's 6,144 characters.
    ///
    /// ## Example
    /// The seed's `controller.json`: 5,897 characters of 6,144.
    pub static POLICY_SIZE_NEAR_LIMIT = Rule {
        code: "iam/policy-size-near-limit",
        severity: Warning,
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::iam::testing::{fires, quiet, seed};

    #[test]
    fn fires_on_the_seeds_controller_policy() {
        let found = fires(&POLICY_SIZE_NEAR_LIMIT, &seed("controller.json"));
        assert_eq!(
            found[0].message,
            "the policy has 5,897 characters, 96% of the 6,144 allowed for a managed policy"
        );
    }

    #[test]
    fn quiet_with_room() {
        quiet(&POLICY_SIZE_NEAR_LIMIT, &seed("nodes.json"));
    }
}

use crate::rules::declare_rule;

declare_rule! {
    /// What the cluster needs of quotas whose value offline lint cannot know.
    ///
    /// ## What it checks
    /// Every quota the cluster uses whose value `awscluster.toml` does not
    /// give: a note when the cluster needs 80% or more of AWS's default for
    /// a new account, naming the quota code and how to give the real value.
    /// A note, never a warning: AWS raises many quotas with an account's use
    /// (new accounts start at 5 Standard vCPUs, most accounts have far
    /// more), so the default says nothing certain about this account.
    ///
    /// ## Why it matters
    /// When the real value is lower than the need, provisioning fails
    /// halfway (`VcpuLimitExceeded`, `AddressLimitExceeded`). Give the real
    /// values in `awscluster.toml` and the quota rules decide.
    ///
    /// ## Example
    /// ```toml
    /// # awscluster.toml: the account's real values
    /// [quotas]
    /// "L-1216C47A" = 256
    /// "L-DB2E81BA" = 64
    /// ```
    pub static UNVERIFIED = Rule {
        code: "quota/unverified",
        severity: Note,
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Settings;
    use crate::rules::testing::{base, fires, lint_text_with};

    #[test]
    fn fires_when_the_need_reaches_the_new_account_default() {
        let found = fires(&UNVERIFIED, &base());
        assert_eq!(
            found[0].message,
            "the cluster needs 18 on-demand vCPUs of `L-1216C47A`; this account's value is not known offline (AWS's default for a new account is 5)"
        );
        assert!(found[0].help.as_deref().unwrap().contains("[quotas]"));
    }

    #[test]
    fn quiet_once_the_value_is_given() {
        let mut settings = Settings::default();
        settings.quotas.insert("L-1216C47A".into(), 256.0);
        let text = serde_json::to_string_pretty(&base()).unwrap();
        let found = lint_text_with("s.json", &text, &settings);
        assert!(found.iter().all(|d| d.rule.code != UNVERIFIED.code));
    }
}

use crate::rules::{Context, Section, declare_rule};

declare_rule! {
    /// What `preflight` could not check is said, never passed silently.
    ///
    /// ## What it checks
    /// Each live check whose call AWS refused (the credentials lack the
    /// action) or does not implement where the endpoint points: one finding
    /// naming the check, AWS's answer and the action to grant.
    ///
    /// ## Why it matters
    /// The seed's policies grant few of the reads preflight wants (Service
    /// Quotas, instance type offerings, policy documents). A check skipped
    /// without a word would read as a pass. `awscluster iam required
    /// --preflight` prints a policy that grants them all.
    ///
    /// ## Example
    /// ```text
    /// could not check the instance types' zones: AccessDenied; grant ec2:DescribeInstanceTypeOfferings
    /// ```
    pub static COULD_NOT_CHECK = Rule {
        code: "live/could-not-check",
        severity: Warning,
    };
}

/// The parts of the spec the check reads.
pub(crate) const READS: &[Section] = &Section::ALL;

pub(crate) fn check(cx: &mut Context) {
    let Some(live) = &cx.settings.live else {
        return;
    };
    for u in live.unchecked_for(cx.spec) {
        let at = cx.key_span(&u.pointer, cx.spec.name.span);
        cx.emit(
            &COULD_NOT_CHECK,
            at,
            format!("could not check {}: {}", u.what, u.reason),
        )
        .with_help(format!(
            "grant {} (see `awscluster iam required --preflight`)",
            u.action
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::{Live, Unchecked};
    use crate::rules::testing::{at, base, findings_with};

    #[test]
    fn fires_once_per_check_that_could_not_run_at_its_value() {
        let live = Live {
            unchecked: vec![Unchecked {
                what: "the key pair".into(),
                pointer: "/sshKeyName".into(),
                action: "ec2:DescribeKeyPairs".into(),
                reason: "UnauthorizedOperation: not allowed".into(),
                subject: None,
            }],
            ..Live::default()
        };
        let found = findings_with(&COULD_NOT_CHECK, &base(), live);
        assert_eq!(found.len(), 1);
        assert_eq!(at(&found[0]), "\"sshKeyName\"");
        assert_eq!(
            found[0].message,
            "could not check the key pair: UnauthorizedOperation: not allowed"
        );
        assert_eq!(
            found[0].help.as_deref(),
            Some("grant ec2:DescribeKeyPairs (see `awscluster iam required --preflight`)")
        );
    }

    /// In a fleet, what concerns one spec's value (its key pair, image or
    /// VPC) is said on the specs that name it, not on every spec.
    #[test]
    fn a_value_only_other_specs_name_is_theirs_to_report() {
        let about = |subject: &str| Unchecked {
            what: format!("the key pair `{subject}`"),
            pointer: "/sshKeyName".into(),
            action: "ec2:DescribeKeyPairs".into(),
            reason: "Throttling: slow down".into(),
            subject: Some(subject.into()),
        };
        let live = Live {
            unchecked: vec![about("ops"), about("someone-elses")],
            ..Live::default()
        };
        let found = findings_with(&COULD_NOT_CHECK, &base(), live);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].message.contains("`ops`"));
    }

    #[test]
    fn quiet_when_everything_was_checked() {
        assert!(findings_with(&COULD_NOT_CHECK, &base(), Live::default()).is_empty());
    }
}

use crate::rules::{Context, Section, declare_rule};

declare_rule! {
    /// The key pair exists in the Region (checked by `preflight`).
    ///
    /// ## What it checks
    /// `sshKeyName` against the key pairs of the account in the spec's
    /// Region (`ec2:DescribeKeyPairs`).
    ///
    /// ## Why it matters
    /// Key pairs are regional. EC2 refuses every launch naming a missing
    /// one (`InvalidKeyPair.NotFound`), after the network is built; the
    /// seed's prerequisites ask for one in the Region.
    ///
    /// ## Example
    /// ```json
    /// {"region": "eu-west-1", "sshKeyName": "ops"}
    /// ```
    pub static KEY_PAIR_MISSING = Rule {
        code: "live/key-pair-missing",
        severity: Error,
    };
}

/// The parts of the spec the check reads.
pub(crate) const READS: &[Section] = &[Section::SshKeyName, Section::Region];

pub(crate) fn check(cx: &mut Context) {
    let Some(live) = &cx.settings.live else {
        return;
    };
    let key = &cx.spec.ssh_key_name;
    if live.key_pairs.get(key.as_str()) == Some(&false) {
        cx.emit(
            &KEY_PAIR_MISSING,
            key.span,
            format!(
                "there is no key pair `{}` in {}",
                key.as_str(),
                cx.spec.region.as_str()
            ),
        )
        .with_help("import one (`aws ec2 import-key-pair --region REGION --key-name NAME --public-key-material fileb://KEY.pub`) or name one that exists");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::Live;
    use crate::rules::testing::{at, base, findings_with};

    #[test]
    fn fires_when_the_account_has_no_such_key_pair() {
        let live = Live {
            key_pairs: [("ops".to_string(), false)].into(),
            ..Live::default()
        };
        let found = findings_with(&KEY_PAIR_MISSING, &base(), live);
        assert_eq!(found.len(), 1);
        assert_eq!(at(&found[0]), "\"ops\"");
    }

    #[test]
    fn quiet_when_it_exists_or_was_not_checked_whatever_other_specs_name() {
        let other = [("ops".to_string(), true), ("other".to_string(), false)];
        for key_pairs in [other.into(), Default::default()] {
            let live = Live {
                key_pairs,
                ..Live::default()
            };
            assert!(findings_with(&KEY_PAIR_MISSING, &base(), live).is_empty());
        }
        // Offline.
        crate::rules::testing::quiet(&KEY_PAIR_MISSING, &base());
    }
}

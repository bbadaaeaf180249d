use crate::cidr;
use crate::rules::network::written_cidrs;
use crate::rules::{Context, Section, declare_rule};

declare_rule! {
    /// CIDR blocks have no host bits set.
    ///
    /// ## What it checks
    /// That the address of every CIDR is the first of its block:
    /// `10.0.0.0/16`, not `10.0.1.0/16`.
    ///
    /// ## Why it matters
    /// AWS quietly clears the extra bits, so `10.0.1.0/16` becomes
    /// `10.0.0.0/16`. The written value was usually meant as something else
    /// (`10.0.1.0/24`?), and the spec no longer says what AWS will hold,
    /// which breaks the comparisons a preflight or a later apply make.
    ///
    /// ## Example
    /// ```json
    /// {"placement": {"dynamic": {"vpcCidr": "10.0.1.0/16"}}}
    /// ```
    pub static CIDR_HOST_BITS = Rule {
        code: "network/cidr-host-bits",
        severity: Error,
    };
}

/// The parts of the spec the check reads.
pub(crate) const READS: &[Section] = &[
    Section::Placement,
    Section::Bastion,
    Section::ApiServer,
    Section::Kubernetes,
];

pub(crate) fn check(cx: &mut Context) {
    for field in written_cidrs(cx.spec) {
        let Ok(net) = cidr::parse_any(&field.value) else {
            continue;
        };
        let canonical = net.trunc();
        if canonical != net {
            // Safe: the prefix alone decides the block, which AWS reads
            // the same either way (when it does not refuse the value).
            let fix = crate::fix::replace_string(
                &cx.sink.file().text,
                field.value.span,
                &canonical.to_string(),
                crate::fix::Applicability::Safe,
            );
            cx.emit(
                &CIDR_HOST_BITS,
                field.value.span,
                format!("`{}` has host bits set ({})", *field.value, field.what),
            )
            .with_primary_label(format!("the block is {canonical}"))
            .with_help(format!(
                "write `{canonical}`, or a longer prefix if a smaller block starting at {} was meant",
                net.addr()
            ))
            .with_fix(fix);
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::testing::{base, fires, quiet, with};

    /// Safe: the block's canonical form, and nothing else changes, in JSON
    /// and in YAML (its comment kept).
    #[test]
    fn the_fix_writes_the_canonical_block() {
        let text = crate::rules::testing::spec_text(&with(|s| {
            s["placement"]["dynamic"]["vpcCidr"] = json!("10.0.7.9/16")
        }));
        assert_eq!(
            crate::rules::testing::fixed(&CIDR_HOST_BITS, "s.json", &text, false),
            text.replace("10.0.7.9/16", "10.0.0.0/16")
        );
        let yaml = "name: prod-east\nregion: us-east-1\nsshKeyName: ops\nplacement:\n  dynamic:\n    vpcCidr: 10.0.7.9/16 # the VPC\n    availabilityZones: [us-east-1a, us-east-1b]\nnodePools:\n  - {name: cp, role: master, size: 3, instanceType: m7i.large}\n";
        assert_eq!(
            crate::rules::testing::fixed(&CIDR_HOST_BITS, "s.yaml", yaml, false),
            yaml.replace("10.0.7.9/16", "10.0.0.0/16")
        );
    }

    #[test]
    fn fires_with_the_canonical_form() {
        let found = fires(
            &CIDR_HOST_BITS,
            &with(|s| s["placement"]["dynamic"]["vpcCidr"] = json!("10.0.1.0/16")),
        );
        assert!(
            found[0]
                .help
                .as_deref()
                .unwrap()
                .starts_with("write `10.0.0.0/16`")
        );
        fires(
            &CIDR_HOST_BITS,
            &with(|s| s["bastion"]["allowedCidrs"] = json!(["203.0.113.7/24"])),
        );
    }

    #[test]
    fn quiet_on_canonical_blocks() {
        quiet(&CIDR_HOST_BITS, &base());
        quiet(
            &CIDR_HOST_BITS,
            &with(|s| s["bastion"]["allowedCidrs"] = json!(["203.0.113.7/32"])),
        );
    }
}

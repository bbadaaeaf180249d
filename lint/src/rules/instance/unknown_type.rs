use crate::catalog;
use crate::rules::instance::uses;
use crate::rules::{Context, Section, declare_rule};
use crate::suggest;

declare_rule! {
    /// Instance types exist.
    ///
    /// ## What it checks
    /// Every pool's `instanceType` and the bastion's against the instance-type
    /// catalog (EC2's own descriptions, as bundled with moto; the README's
    /// "Data" section says which version), with a suggestion for likely typos.
    ///
    /// ## Why it matters
    /// EC2 rejects an unknown type only when the instance is launched, after
    /// the network has been built. Retired types disappear from the catalog:
    /// the seed guide's `g2.2xlarge` GPU example is one.
    ///
    /// ## Example
    /// ```json
    /// {"name": "workers", "instanceType": "m7i.larg"}
    /// ```
    /// Reported with "did you mean `m7i.large`?".
    pub static UNKNOWN_TYPE = Rule {
        code: "instance/unknown-type",
        severity: Error,
    };
}

/// The parts of the spec the check reads.
pub(crate) const READS: &[Section] = &[Section::NodePools, Section::Bastion, Section::Placement];

pub(crate) fn check(cx: &mut Context) {
    let catalog = catalog::instances();
    let cx_text = std::sync::Arc::clone(cx.sink.file());
    let cx_text = &cx_text.text;
    for u in uses(cx) {
        let name = *u.instance_type;
        if catalog.get(name).is_some() {
            continue;
        }
        let d = cx.emit(
            &UNKNOWN_TYPE,
            u.instance_type.span,
            format!("unknown instance type `{name}` for {}", u.owner),
        );
        d.with_primary_label("not in the instance-type catalog");
        if let Some(best) = suggest::closest(name, catalog.names()) {
            d.with_help(format!("did you mean `{best}`?"));
            // Unsafe: a guess at what was meant.
            d.with_fix(crate::fix::replace_string(
                cx_text,
                u.instance_type.span,
                best,
                crate::fix::Applicability::Unsafe,
            ));
        } else {
            d.with_help("the type may be retired or misspelled; `aws ec2 describe-instance-types` lists the current ones");
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::testing::{at, base, fires, quiet, with};

    #[test]
    fn the_fix_takes_the_closest_type_when_unsafe_fixes_are_allowed() {
        let text = crate::rules::testing::spec_text(&with(|s| {
            s["nodePools"][1]["instanceType"] = json!("m7i.larg")
        }));
        assert_eq!(
            crate::rules::testing::fixed(&UNKNOWN_TYPE, "s.json", &text, true),
            text.replacen("\"m7i.larg\"", "\"m7i.large\"", 1)
        );
    }

    #[test]
    fn fires_on_typos_and_retired_types_with_suggestions() {
        let found = fires(
            &UNKNOWN_TYPE,
            &with(|s| s["nodePools"][1]["instanceType"] = json!("m7i.larg")),
        );
        assert_eq!(at(&found[0]), "\"m7i.larg\"");
        assert_eq!(found[0].help.as_deref(), Some("did you mean `m7i.large`?"));
        fires(
            &UNKNOWN_TYPE,
            &with(|s| s["nodePools"][1]["instanceType"] = json!("g2.2xlarge")),
        );
        let found = fires(
            &UNKNOWN_TYPE,
            &with(|s| s["bastion"]["instanceType"] = json!("t3.mcro")),
        );
        assert!(found[0].message.ends_with("for the bastion"));
    }

    #[test]
    fn quiet_on_known_types() {
        quiet(&UNKNOWN_TYPE, &base());
    }
}

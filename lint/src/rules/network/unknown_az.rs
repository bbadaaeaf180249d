use crate::catalog;
use crate::rules::{Context, Section, declare_rule};
use crate::spec::Spanned;
use crate::suggest;

declare_rule! {
    /// Availability Zones belong to the spec's Region.
    ///
    /// ## What it checks
    /// Each zone of the placement (dynamic placement's list, static subnets'
    /// zones) against the Region's zones in the catalog; in `preflight`,
    /// against the zones the account reports, which must be `available`.
    ///
    /// ## Why it matters
    /// A zone of another Region (or a misspelled one) makes the subnet creation
    /// fail, or, for an existing subnet, means the spec describes a subnet that
    /// is not where it says.
    ///
    /// ## Example
    /// ```json
    /// {"region": "us-east-1", "placement": {"dynamic": {"availabilityZones": ["us-west-2a"]}}}
    /// ```
    pub static UNKNOWN_AZ = Rule {
        code: "network/unknown-az",
        severity: Error,
    };
}

/// The parts of the spec the check reads.
pub(crate) const READS: &[Section] = &[Section::Placement, Section::Region];

pub(crate) fn check(cx: &mut Context) {
    let catalog = catalog::instances();
    let region = cx.spec.region.as_str();
    let mut zones: Vec<&Spanned<String>> = Vec::new();
    if let Some(d) = cx.spec.dynamic() {
        zones.extend(d.availability_zones.iter());
    }
    if let Some(s) = cx.spec.static_placement() {
        zones.extend(s.subnets.iter().map(|s| &s.availability_zone));
    }
    // What the account reports wins over the catalog: a zone can be
    // impaired, or new since the catalog was made.
    if let Some(live) = cx.settings.live.as_ref().and_then(|l| l.zones.as_ref()) {
        let available = || {
            suggest::list(
                live.iter()
                    .filter(|(_, state)| *state == "available")
                    .map(|(z, _)| z.as_str()),
            )
        };
        for zone in zones {
            let message = match live.get(zone.as_str()).map(String::as_str) {
                Some("available") => continue,
                Some(state) => format!("`{}` is {state} in this account", zone.as_str()),
                None => format!(
                    "`{}` is not an Availability Zone of {region} in this account",
                    zone.as_str()
                ),
            };
            let help = format!("the available zones are {}", available());
            cx.emit(&UNKNOWN_AZ, zone.span, message).with_help(help);
        }
        return;
    }
    if !catalog.has_region(region) {
        return;
    }
    let known = catalog.zones(region);
    let file = std::sync::Arc::clone(cx.sink.file());
    for zone in zones {
        if known.contains(&zone.as_str()) {
            continue;
        }
        let elsewhere = catalog
            .regions()
            .find(|r| catalog.zones(r).contains(&zone.as_str()));
        let d = cx.emit(
            &UNKNOWN_AZ,
            zone.span,
            format!(
                "`{}` is not an Availability Zone of {region}",
                zone.as_str()
            ),
        );
        match (elsewhere, suggest::closest(zone, known.iter().copied())) {
            (Some(other), _) => d.with_help(format!(
                "`{}` is in {other}; the zones of {region} are {}",
                zone.as_str(),
                suggest::list(known.iter().copied())
            )),
            // Unsafe: a guess at what was meant.
            (None, Some(best)) => {
                d.with_help(format!("did you mean `{best}`?"))
                    .with_fix(crate::fix::replace_string(
                        &file.text,
                        zone.span,
                        best,
                        crate::fix::Applicability::Unsafe,
                    ))
            }
            (None, None) => d.with_help(format!(
                "the zones of {region} are {}",
                suggest::list(known.iter().copied())
            )),
        };
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::testing::{at, base, base_static, fires, quiet, with};

    #[test]
    fn the_fix_takes_the_closest_zone_when_unsafe_fixes_are_allowed() {
        let text = crate::rules::testing::spec_text(&with(|s| {
            s["placement"]["dynamic"]["availabilityZones"] = json!(["us-east-1a", "us-east-1bb"])
        }));
        assert_eq!(
            crate::rules::testing::fixed(&UNKNOWN_AZ, "s.json", &text, true),
            text.replace("us-east-1bb", "us-east-1b")
        );
    }

    #[test]
    fn live_zones_win_and_must_be_available() {
        use crate::live::Live;
        use crate::rules::testing::findings_with;
        let live = Live {
            zones: Some(std::collections::BTreeMap::from([
                ("us-east-1a".to_string(), "available".to_string()),
                ("us-east-1b".to_string(), "impaired".to_string()),
            ])),
            ..Live::default()
        };
        let found = findings_with(&UNKNOWN_AZ, &base(), live);
        let messages: Vec<&str> = found.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "`us-east-1b` is impaired in this account",
                "`us-east-1c` is not an Availability Zone of us-east-1 in this account"
            ]
        );
        assert_eq!(
            found[0].help.as_deref(),
            Some("the available zones are `us-east-1a`")
        );
    }

    #[test]
    fn fires_on_another_regions_zone_and_on_typos() {
        let spec =
            with(|s| s["placement"]["dynamic"]["availabilityZones"][2] = json!("us-west-2a"));
        let found = fires(&UNKNOWN_AZ, &spec);
        assert_eq!(at(&found[0]), "\"us-west-2a\"");
        assert!(
            found[0]
                .help
                .as_deref()
                .unwrap()
                .starts_with("`us-west-2a` is in us-west-2")
        );
        let spec =
            with(|s| s["placement"]["dynamic"]["availabilityZones"][2] = json!("us-east-1cc"));
        fires(&UNKNOWN_AZ, &spec);
        let mut spec = base_static();
        spec["placement"]["static"]["subnets"][0]["availabilityZone"] = json!("eu-west-1a");
        fires(&UNKNOWN_AZ, &spec);
    }

    #[test]
    fn quiet_on_the_regions_zones() {
        quiet(&UNKNOWN_AZ, &base());
        quiet(&UNKNOWN_AZ, &base_static());
    }
}

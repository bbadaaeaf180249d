use crate::rules::network::zones_span;
use crate::rules::{Context, Section, declare_rule};

declare_rule! {
    /// The cluster spans more than one Availability Zone.
    ///
    /// ## What it checks
    /// Whether the placement has a single zone.
    ///
    /// ## Why it matters
    /// A zone is the unit AWS fails in. With one zone, a zone outage takes the
    /// whole cluster down, control plane included, however many nodes it has.
    /// Fine for development.
    ///
    /// ## Example
    /// ```json
    /// {"placement": {"dynamic": {"availabilityZones": ["us-east-1a"]}}}
    /// ```
    pub static SINGLE_AZ = Rule {
        code: "network/single-az",
        severity: Warning,
    };
}

/// The parts of the spec the check reads.
pub(crate) const READS: &[Section] = &[Section::Placement, Section::NodePools];

pub(crate) fn check(cx: &mut Context) {
    if let [zone] = cx.layout.zones.as_slice() {
        let message = format!("the cluster runs in one Availability Zone ({zone})");
        cx.emit(&SINGLE_AZ, zones_span(cx), message)
            .with_help("use three zones so that the cluster survives the loss of one");
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::testing::{base, fires, quiet, with};

    #[test]
    fn fires_with_one_zone() {
        fires(
            &SINGLE_AZ,
            &with(|s| s["placement"]["dynamic"]["availabilityZones"] = json!(["us-east-1a"])),
        );
    }

    #[test]
    fn quiet_with_several() {
        quiet(&SINGLE_AZ, &base());
    }
}

use crate::rules::{Context, Section, declare_rule};

declare_rule! {
    /// A subnet is listed once.
    ///
    /// ## What it checks
    /// Static placement's subnets for an `id` listed twice.
    ///
    /// ## Why it matters
    /// A subnet is either public or private, in one zone, with one block. Two
    /// entries for one ID contradict each other or count the subnet twice,
    /// hiding that a zone lacks its second subnet.
    ///
    /// ## Example
    /// ```json
    /// {"subnets": [{"id": "subnet-0a1b2c3d", "type": "public"}, {"id": "subnet-0a1b2c3d", "type": "private"}]}
    /// ```
    pub static DUPLICATE_SUBNET = Rule {
        code: "network/duplicate-subnet",
        severity: Error,
    };
}

/// The parts of the spec the check reads.
pub(crate) const READS: &[Section] = &[Section::Placement];

pub(crate) fn check(cx: &mut Context) {
    let Some(placement) = cx.spec.static_placement() else {
        return;
    };
    for (i, subnet) in placement.subnets.iter().enumerate() {
        if let Some(first) = placement.subnets[..i]
            .iter()
            .find(|s| s.id.as_str() == subnet.id.as_str())
        {
            cx.emit(
                &DUPLICATE_SUBNET,
                subnet.id.span,
                format!("subnet `{}` is listed twice", subnet.id.as_str()),
            )
            .with_label(first.id.span, "first listed here")
            .with_help("list each subnet once");
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::testing::{base_static, fires, quiet};

    #[test]
    fn fires_on_a_repeated_id() {
        let mut spec = base_static();
        spec["placement"]["static"]["subnets"][1]["id"] = json!("subnet-0000000000000000a");
        fires(&DUPLICATE_SUBNET, &spec);
    }

    #[test]
    fn quiet_on_distinct_ids() {
        quiet(&DUPLICATE_SUBNET, &base_static());
    }
}

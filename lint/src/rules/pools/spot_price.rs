use crate::rules::{Context, Section, declare_rule};

declare_rule! {
    /// A spot price cap is above 0% and at most 100% of on-demand.
    ///
    /// ## What it checks
    /// `capacity.spot.maxPricePercentOfOnDemand` is in (0, 100].
    ///
    /// ## Why it matters
    /// The cap is the most the pool pays per hour, as a share of the on-demand
    /// price. At 0% no instance ever launches; above 100% spot costs more than
    /// on-demand would (EC2 caps spot at the on-demand price anyway), so the
    /// number is a mistake either way.
    ///
    /// ## Example
    /// ```json
    /// {"capacity": {"spot": {"maxPricePercentOfOnDemand": 150}}}
    /// ```
    pub static SPOT_PRICE = Rule {
        code: "pools/spot-price",
        severity: Error,
    };
}

/// The parts of the spec the check reads.
pub(crate) const READS: &[Section] = &[Section::NodePools];

pub(crate) fn check(cx: &mut Context) {
    for pool in cx.spec.pools() {
        let Some(spot) = pool.spot() else { continue };
        let percent = &spot.max_price_percent_of_on_demand;
        let value = **percent;
        if !(value > 0.0 && value <= 100.0) {
            cx.emit(
                &SPOT_PRICE,
                percent.span,
                format!("a spot price cap of {value}% of on-demand"),
            )
            .with_primary_label("must be above 0 and at most 100")
            .with_help(if value > 100.0 {
                "use 100 to pay up to the on-demand price; spot never costs more"
            } else {
                "a cap of 0% or less never launches an instance; 60 to 90 is typical"
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::testing::{at, fires, quiet, with};

    fn spot(percent: serde_json::Value) -> serde_json::Value {
        with(|s| {
            s["nodePools"][1]["capacity"] = json!({"spot": {"maxPricePercentOfOnDemand": percent}})
        })
    }

    #[test]
    fn fires_outside_the_range() {
        for p in [json!(0), json!(-5), json!(100.5), json!(150)] {
            let found = fires(&SPOT_PRICE, &spot(p.clone()));
            assert_eq!(at(&found[0]), p.to_string());
        }
    }

    #[test]
    fn quiet_inside() {
        for p in [json!(0.5), json!(60), json!(100)] {
            quiet(&SPOT_PRICE, &spot(p));
        }
    }
}

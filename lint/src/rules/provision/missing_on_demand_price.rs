use crate::rules::{Context, Section, declare_rule};

declare_rule! {
    /// Spot pools capped below on-demand say the price their cap is a share of.
    ///
    /// ## What it checks
    /// Each spot pool with `maxPricePercentOfOnDemand` under 100: its
    /// `capacity.spot.onDemandPrice`. A note in `awscluster lint`, quiet in
    /// `plan` and `apply`, which take the price from the file given with
    /// `--on-demand-prices` or else look it up in the AWS Price List API
    /// (`pricing:GetProducts`, which the seed's Deployment policy grants).
    /// At 100% no price is needed: spot's own cap is the on-demand price.
    ///
    /// ## Why it matters
    /// The maximum price given to EC2 is the share of a price the spec does
    /// not hold: it is known only when `plan` runs, and needs the Price
    /// List API (or a price file) there. A price in the spec makes the cap
    /// reviewable and the plan work offline.
    ///
    /// ## Example
    /// ```json
    /// {"capacity": {"spot": {"maxPricePercentOfOnDemand": 60}}}
    /// ```
    pub static MISSING_ON_DEMAND_PRICE = Rule {
        code: "provision/missing-on-demand-price",
        severity: Note,
    };
}

/// The parts of the spec the check reads.
pub(crate) const READS: &[Section] = &[Section::NodePools, Section::Region];

pub(crate) fn check(cx: &mut Context) {
    if cx.settings.prices_looked_up {
        return;
    }
    let region = cx.spec.region.as_str();
    for pool in cx.spec.pools() {
        let Some(spot) = pool.spot() else { continue };
        let percent = *spot.max_price_percent_of_on_demand;
        if percent >= 100.0 || spot.on_demand_price.is_some() {
            continue;
        }
        let priced = cx
            .settings
            .on_demand_prices
            .as_ref()
            .and_then(|p| p.get(region)?.get(pool.instance_type.as_str()))
            .is_some();
        if priced {
            continue;
        }
        cx.emit(
            &MISSING_ON_DEMAND_PRICE,
            spot.max_price_percent_of_on_demand.span,
            format!(
                "pool `{}` is capped at {percent}% of an on-demand price the spec does not give",
                pool.name.as_str()
            ),
        )
        .with_help(format!(
            "`plan` and `apply` will look it up in the AWS Price List API (`pricing:GetProducts`); to give it yourself, set `capacity.spot.onDemandPrice` (USD per hour of `{}` in {region}) or pass `--on-demand-prices FILE`",
            pool.instance_type.as_str()
        ));
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::testing::{base, fires, lint_text_with, quiet, with};

    fn spot(percent: f64) -> serde_json::Value {
        with(|s| {
            s["nodePools"][1]["capacity"] = json!({"spot": {"maxPricePercentOfOnDemand": percent}})
        })
    }

    #[test]
    fn fires_on_a_capped_spot_pool_without_a_price() {
        fires(&MISSING_ON_DEMAND_PRICE, &spot(60.0));
    }

    #[test]
    fn quiet_with_a_price_from_the_spec_or_the_prices_or_at_100() {
        quiet(&MISSING_ON_DEMAND_PRICE, &base());
        quiet(&MISSING_ON_DEMAND_PRICE, &spot(100.0));
        let mut priced = spot(60.0);
        priced["nodePools"][1]["capacity"]["spot"]["onDemandPrice"] = json!(0.1008);
        quiet(&MISSING_ON_DEMAND_PRICE, &priced);
        let settings = crate::rules::Settings {
            on_demand_prices: Some(
                [(
                    "us-east-1".to_string(),
                    [("m7i.large".to_string(), 0.1008)].into(),
                )]
                .into(),
            ),
            ..Default::default()
        };
        let text = serde_json::to_string(&spot(60.0)).unwrap();
        let quiet_with = |settings: &crate::rules::Settings| {
            lint_text_with("s.json", &text, settings)
                .iter()
                .all(|d| d.rule.code != MISSING_ON_DEMAND_PRICE.code)
        };
        assert!(quiet_with(&settings));
        assert!(quiet_with(&crate::rules::Settings {
            prices_looked_up: true,
            ..Default::default()
        }));
        assert!(!quiet_with(&crate::rules::Settings::default()));
    }
}

//! On-demand prices from the AWS Price List Query API, for spot pools
//! capped at a percentage of one that neither the spec nor
//! `--on-demand-prices` gives. One `GetProducts` per instance type and
//! Region a run needs, made together before the plan.
//!
//! The filters select the one Linux, shared-tenancy, on-demand price of a
//! type in a Region ("Finding services and products using the Price List
//! Query API"); the answer's `PriceList` holds each product as a JSON
//! document in a string, its price a string too
//! (`terms.OnDemand.*.priceDimensions.*.pricePerUnit.USD`).

use aws_sdk_pricing::types::{Filter, FilterType};

use crate::aws::clients::Clients;
use crate::aws::error::{AwsResult, Error};
use crate::aws::permissions::{Permission, op};
use crate::desired::{Desired, OnDemand, PriceSource};

/// The service as the SDK names it.
const PRICING: &str = "Pricing";

/// The seed's Deployment policy grants it.
pub const CALLS: &[Permission] = &[op(PRICING, "GetProducts", &["pricing:GetProducts"])];

/// Fills in the on-demand price of every spot pool that still lacks one.
pub async fn look_up(clients: &Clients, desired: &mut Desired) -> Result<(), Error> {
    let mut wanted: Vec<String> = desired
        .pools
        .iter()
        .filter(|p| p.spot.as_ref().is_some_and(|s| s.unpriced()))
        .map(|p| p.instance_type.clone())
        .collect();
    wanted.sort();
    wanted.dedup();
    let region = desired.region.clone();
    let found = futures_util::future::try_join_all(
        wanted
            .iter()
            .map(|instance_type| on_demand(clients, &region, instance_type)),
    )
    .await?;
    for pool in &mut desired.pools {
        let Some(spot) = pool.spot.as_mut().filter(|s| s.unpriced()) else {
            continue;
        };
        if let Some(i) = wanted.iter().position(|t| *t == pool.instance_type) {
            spot.on_demand = Some(OnDemand {
                price: found[i],
                source: PriceSource::PriceList,
            });
        }
    }
    Ok(())
}

fn filter(field: &str, value: &str) -> Result<Filter, Error> {
    Filter::builder()
        .r#type(FilterType::TermMatch)
        .field(field)
        .value(value)
        .build()
        .map_err(|e| Error::Spec(format!("internal error building a price filter: {e}")))
}

/// The on-demand Linux price of `instance_type` in `region`, USD per hour.
async fn on_demand(clients: &Clients, region: &str, instance_type: &str) -> Result<f64, Error> {
    let filters = [
        ("regionCode", region),
        ("instanceType", instance_type),
        ("operatingSystem", "Linux"),
        ("tenancy", "Shared"),
        ("preInstalledSw", "NA"),
        ("capacitystatus", "Used"),
        ("marketoption", "OnDemand"),
    ]
    .into_iter()
    .map(|(field, value)| filter(field, value))
    .collect::<Result<Vec<_>, _>>()?;
    let what = format!("{instance_type} in {region}");
    let pages = clients
        .pricing
        .get_products()
        .service_code("AmazonEC2")
        .format_version("aws_v1")
        .set_filters(Some(filters))
        .into_paginator()
        .send()
        .try_collect()
        .await
        .on("GetProducts", &what);
    let pages = match pages {
        Ok(pages) => pages,
        Err(e) if e.code() == Some("AccessDeniedException") => {
            return Err(Error::Spec(format!(
                "{e}: the on-demand price of a spot pool's type is looked up with \
                 pricing:GetProducts (the seed's Deployment policy grants it); without it, set \
                 capacity.spot.onDemandPrice or pass --on-demand-prices FILE"
            )));
        }
        Err(e) => return Err(e),
    };
    let documents: Vec<&str> = pages
        .iter()
        .flat_map(|p| p.price_list())
        .map(String::as_str)
        .collect();
    price_of(&documents).map_err(|why| {
        Error::Spec(format!(
            "the Price List API {why} for {what}: set capacity.spot.onDemandPrice or pass \
             --on-demand-prices FILE"
        ))
    })
}

/// The one positive on-demand USD price the products hold. `Err` says what
/// was found instead (a capacity reservation's zero price is not a price).
fn price_of(documents: &[&str]) -> Result<f64, String> {
    let mut prices: Vec<f64> = Vec::new();
    for document in documents {
        let product: serde_json::Value = serde_json::from_str(document)
            .map_err(|e| format!("answered a product that is not JSON ({e})"))?;
        let terms = product["terms"]["OnDemand"].as_object();
        for term in terms.into_iter().flat_map(|t| t.values()) {
            let dimensions = term["priceDimensions"].as_object();
            for dimension in dimensions.into_iter().flat_map(|d| d.values()) {
                let Some(usd) = dimension["pricePerUnit"]["USD"].as_str() else {
                    continue;
                };
                let price: f64 = usd
                    .trim()
                    .parse()
                    .map_err(|_| format!("answered the price `{usd}`, which is not a number"))?;
                if price > 0.0 && price.is_finite() && !prices.contains(&price) {
                    prices.push(price);
                }
            }
        }
    }
    match prices[..] {
        [price] => Ok(price),
        [] => Err("has no on-demand Linux price".into()),
        _ => {
            let listed: Vec<String> = prices.iter().map(f64::to_string).collect();
            Err(format!(
                "has several on-demand Linux prices ({})",
                listed.join(", ")
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A product as `GetProducts` answers it (shortened): a JSON document
    /// in a string, its price a string.
    fn product(sku: &str, usd: &str) -> String {
        serde_json::json!({
            "product": {
                "productFamily": "Compute Instance",
                "attributes": {"instanceType": "m7i.large", "regionCode": "us-east-1", "operatingSystem": "Linux"},
                "sku": sku
            },
            "serviceCode": "AmazonEC2",
            "terms": {"OnDemand": {format!("{sku}.JRTCKXETXF"): {
                "priceDimensions": {format!("{sku}.JRTCKXETXF.6YS6EN2CT7"): {
                    "unit": "Hrs",
                    "pricePerUnit": {"USD": usd},
                    "description": format!("${usd} per On Demand Linux m7i.large Instance Hour")
                }},
                "sku": sku,
                "effectiveDate": "2026-11-01T00:00:00Z"
            }}},
            "version": "20261101000000",
            "publicationDate": "2026-11-01T00:00:00Z"
        })
        .to_string()
    }

    #[test]
    fn the_price_is_read_from_the_string_inside_the_string() {
        let one = product("ABC", "0.1008000000");
        assert_eq!(price_of(&[&one]), Ok(0.1008));
        // A zero-priced twin (a capacity reservation's) is not a price.
        let zero = product("DEF", "0.0000000000");
        assert_eq!(price_of(&[&one, &zero]), Ok(0.1008));
    }

    #[test]
    fn no_price_or_several_is_said_not_guessed() {
        assert_eq!(
            price_of(&[]),
            Err("has no on-demand Linux price".to_string())
        );
        let (a, b) = (product("A", "0.1"), product("B", "0.2"));
        assert_eq!(
            price_of(&[&a, &b]),
            Err("has several on-demand Linux prices (0.1, 0.2)".to_string())
        );
        assert!(price_of(&["{not json"]).is_err());
        let words = product("C", "ten");
        assert_eq!(
            price_of(&[&words]),
            Err("answered the price `ten`, which is not a number".to_string())
        );
    }
}

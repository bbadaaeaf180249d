//! What provisioning needs of a spec that linting alone does not: images
//! to boot and prices for spot caps. `awscluster lint` reports these as
//! notes (a spec may be meant only for linting); `plan` and `apply` as
//! errors, before any AWS call.

pub mod invalid_image;
pub mod missing_image;
pub mod missing_on_demand_price;
pub mod user_data_size;

use crate::rules::Context;
use crate::spec::Spanned;

/// Each machine the spec provisions, with its image as written: the
/// bastion and every pool.
pub fn machines<'a>(
    cx: &Context<'a>,
) -> Vec<(String, Option<&'a Spanned<String>>, crate::source::Span)> {
    let mut out = Vec::new();
    if let Some(bastion) = &cx.spec.bastion {
        let at = cx.key_span("/bastion", bastion.span);
        out.push(("the bastion".to_string(), bastion.image.as_ref(), at));
    }
    for (i, pool) in cx.spec.pools().enumerate() {
        let at = cx.key_span(&format!("/nodePools/{i}/name"), pool.name.span);
        out.push((
            format!("pool `{}`", pool.name.as_str()),
            pool.image.as_ref(),
            at,
        ));
    }
    out
}

/// Whether `image` is an AMI ID (`ami-` and 8 or 17 hexadecimal digits) or
/// the path of an SSM parameter (`/…`, or `resolve:ssm:/…` as EC2 takes
/// it).
pub fn is_image(image: &str) -> bool {
    let ami = image.strip_prefix("ami-").is_some_and(|hex| {
        (hex.len() == 8 || hex.len() == 17) && hex.bytes().all(|b| b.is_ascii_hexdigit())
    });
    let path = image.strip_prefix("resolve:ssm:").unwrap_or(image);
    ami || (path.starts_with('/') && path.len() > 1 && !path.contains(char::is_whitespace))
}

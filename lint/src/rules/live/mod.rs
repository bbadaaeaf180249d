//! What only the live account can tell: `awscluster preflight` gathers the
//! facts ([`crate::live::Live`]) and these rules compare the spec with
//! them. Offline they are silent; `network/unknown-az`,
//! `instance/not-offered` and the `quota` rules also use the live facts
//! when there are some.

pub mod could_not_check;
pub mod image_architecture;
pub mod image_missing;
pub mod key_pair_missing;
pub mod network_mismatch;
pub mod subnet_full;

use crate::rules::Context;
use crate::source::Span;
use crate::spec::Spanned;

/// Each machine with an image: who it is, the image as written, its
/// instance type.
pub(crate) fn imaged<'a>(cx: &Context<'a>) -> Vec<(String, &'a Spanned<String>, String, Span)> {
    let mut out = Vec::new();
    if let Some(bastion) = &cx.spec.bastion
        && let Some(image) = &bastion.image
    {
        let kind = bastion.instance_type(bastion.span);
        out.push((
            "the bastion".to_string(),
            image,
            kind.to_string(),
            kind.span,
        ));
    }
    for pool in cx.spec.pools() {
        if let Some(image) = &pool.image {
            out.push((
                format!("pool `{}`", pool.name.as_str()),
                image,
                pool.instance_type.to_string(),
                pool.instance_type.span,
            ));
        }
    }
    out
}

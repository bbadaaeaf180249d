//! Instance types: that they exist, are current, and are offered where the
//! spec puts them.

pub mod not_offered;
pub mod previous_generation;
pub mod spot_unsupported;
pub mod unknown_type;

use crate::rules::Context;
use crate::spec::Spanned;

/// One place the spec asks for an instance type.
pub struct InstanceUse<'a> {
    pub instance_type: Spanned<&'a str>,
    /// "pool `workers`" or "the bastion", for messages.
    pub owner: String,
    /// Zones the instances land in.
    pub zones: Vec<&'a str>,
    pub spot: bool,
    /// How many instances run normally.
    pub count: u32,
    /// Whether a rolling update adds an instance for a while (node pools do;
    /// the bastion is replaced in place).
    pub surges: bool,
}

/// Every pool's instance type, then the bastion's (which lands in the first
/// zone's public subnet).
pub fn uses<'a>(cx: &Context<'a>) -> Vec<InstanceUse<'a>> {
    let spec = cx.spec;
    let layout = cx.layout;
    let mut uses: Vec<InstanceUse<'a>> = spec
        .pools()
        .zip(&layout.pools)
        .map(|(pool, placement)| InstanceUse {
            instance_type: Spanned::new(pool.instance_type.span, pool.instance_type.as_str()),
            owner: format!("pool `{}`", pool.name.as_str()),
            zones: placement
                .zones
                .iter()
                .zip(&placement.nodes)
                .filter(|(_, n)| **n > 0)
                .map(|(z, _)| z.as_str())
                .collect(),
            spot: pool.is_spot(),
            count: *pool.size,
            surges: true,
        })
        .collect();
    if let Some(bastion) = &spec.bastion {
        uses.push(InstanceUse {
            instance_type: bastion.instance_type(bastion.span),
            owner: "the bastion".into(),
            zones: layout
                .zones
                .first()
                .map(String::as_str)
                .into_iter()
                .collect(),
            spot: false,
            count: 1,
            surges: false,
        });
    }
    uses
}

//! Region, zones, CIDR blocks and subnets.

pub mod az_missing_subnet;
pub mod cidr_host_bits;
pub mod cidr_overlap;
pub mod cidr_size;
pub mod duplicate_az;
pub mod duplicate_subnet;
pub mod invalid_cidr;
pub mod invalid_id;
pub mod non_private_cidr;
pub mod single_az;
pub mod subnet_capacity;
pub mod subnet_layout;
pub mod subnet_outside_vpc;
pub mod subnet_overlap;
pub mod unknown_az;
pub mod unknown_region;

use crate::rules::Context;
use crate::source::Span;
use crate::spec::{ClusterSpec, Spanned};

/// One CIDR block written in the spec.
pub struct CidrField<'a> {
    /// "the VPC", "subnet `subnet-…`", "the pod network", for messages.
    pub what: String,
    pub value: Spanned<&'a str>,
    /// IPv4 only (VPC, subnets, Kubernetes networks); allowed sources (the
    /// bastion's, the API's, the NodePorts') may be IPv6 too.
    pub v4_only: bool,
}

/// Every CIDR the user wrote (defaults are valid by construction).
pub fn written_cidrs(spec: &ClusterSpec) -> Vec<CidrField<'_>> {
    let mut fields = Vec::new();
    if let Some(d) = spec.dynamic()
        && let Some(v) = &d.vpc_cidr
    {
        fields.push(field("the VPC", v, true));
    }
    if let Some(s) = spec.static_placement() {
        fields.push(field("the VPC", &s.vpc_cidr, true));
        for subnet in s.subnets.iter() {
            fields.push(field(
                &format!("subnet `{}`", subnet.id.as_str()),
                &subnet.cidr,
                true,
            ));
        }
    }
    if let Some(k) = &spec.kubernetes {
        if let Some(v) = &k.pod_cidr {
            fields.push(field("the pod network", v, true));
        }
        if let Some(v) = &k.service_cidr {
            fields.push(field("the service network", v, true));
        }
        for v in k.node_port_cidrs.iter().flat_map(|c| c.iter()) {
            fields.push(field("the NodePorts' allowed sources", v, false));
        }
    }
    if let Some(b) = &spec.bastion {
        for v in b.allowed_cidrs.iter() {
            fields.push(field("the bastion's allowed sources", v, false));
        }
    }
    for v in spec
        .api_server
        .iter()
        .flat_map(|a| a.allowed_cidrs.iter())
        .flat_map(|c| c.iter())
    {
        fields.push(field("the API's allowed sources", v, false));
    }
    fields
}

fn field<'a>(what: &str, value: &'a Spanned<String>, v4_only: bool) -> CidrField<'a> {
    CidrField {
        what: what.to_string(),
        value: Spanned::new(value.span, value.as_str()),
        v4_only,
    }
}

/// The VPC CIDR in effect (written or default) and where to point for it.
pub fn vpc_cidr(spec: &ClusterSpec) -> Option<Spanned<&str>> {
    if let Some(d) = spec.dynamic() {
        return Some(d.vpc_cidr(d.span));
    }
    spec.static_placement()
        .map(|s| Spanned::new(s.vpc_cidr.span, s.vpc_cidr.as_str()))
}

/// Where findings about the placement's zones as a whole point: the key
/// of the zone list (dynamic) or of the subnet list (static).
pub fn zones_span(cx: &Context) -> Span {
    let spec = cx.spec;
    if let Some(d) = spec.dynamic() {
        cx.key_span(
            "/placement/dynamic/availabilityZones",
            d.availability_zones.span,
        )
    } else if let Some(s) = spec.static_placement() {
        cx.key_span("/placement/static/subnets", s.subnets.span)
    } else {
        cx.key_span("/placement", spec.placement.span)
    }
}

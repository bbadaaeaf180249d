//! vCPU counting shared by the on-demand and spot rules.

use std::collections::BTreeMap;

use crate::catalog;
use crate::rules::instance::uses;
use crate::rules::{Context, Rule};
use crate::source::Span;

/// vCPUs counted against one quota, and where they come from: each
/// contributing instance type's span, with a note like "4 × 2 vCPUs (pool
/// `workers`)".
#[derive(Default)]
pub struct VcpuUse {
    pub vcpus: f64,
    pub sources: Vec<(Span, String)>,
}

/// vCPUs the cluster runs at its peak (every pool at its size plus one node
/// of rolling-update surge), by vCPU quota code.
pub fn peak_vcpus(cx: &Context, spot: bool) -> BTreeMap<&'static str, VcpuUse> {
    let catalog = catalog::instances();
    let mut by_quota: BTreeMap<&'static str, VcpuUse> = BTreeMap::new();
    for u in uses(cx) {
        if u.spot != spot || u.count == 0 {
            continue;
        }
        let Some(t) = catalog.get(*u.instance_type) else {
            continue;
        };
        let Some(code) = catalog::vcpu_quota_code(t.name(), spot) else {
            continue;
        };
        let instances = u.count + u32::from(u.surges);
        let entry = by_quota.entry(code).or_default();
        entry.vcpus += f64::from(instances * t.vcpus);
        entry.sources.push((
            u.instance_type.span,
            format!("{instances} × {} vCPUs ({})", t.vcpus, u.owner),
        ));
    }
    by_quota
}

pub fn check(cx: &mut Context, rule: &'static Rule, spot: bool) {
    let span = cx.key_span("/nodePools", cx.spec.node_pools.span);
    let what = if spot {
        "spot vCPUs"
    } else {
        "on-demand vCPUs"
    };
    for (code, VcpuUse { vcpus, sources }) in peak_vcpus(cx, spot) {
        if let Some(d) = super::report(cx, rule, code, vcpus, what, span) {
            for (span, text) in sources {
                d.with_label(span, text);
            }
        }
    }
}

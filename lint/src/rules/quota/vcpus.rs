//! vCPU counting shared by the on-demand and spot rules.

use std::collections::BTreeMap;

use crate::catalog;
use crate::rules::instance::uses;
use crate::rules::{Context, Rule};

/// vCPUs the cluster runs at its peak (every pool at its size plus one node
/// of rolling-update surge), by vCPU quota code, with the instance types'
/// spans that contribute.
pub fn peak_vcpus(
    cx: &Context,
    spot: bool,
) -> BTreeMap<&'static str, (f64, Vec<(crate::source::Span, String)>)> {
    let catalog = catalog::instances();
    let mut by_quota: BTreeMap<&'static str, (f64, Vec<_>)> = BTreeMap::new();
    for u in uses(cx) {
        if u.spot != spot || u.count == 0 {
            continue;
        }
        let Some(t) = catalog.get(*u.instance_type) else {
            continue;
        };
        let Some(code) = catalog::vcpu_quota_code(t.name, spot) else {
            continue;
        };
        let instances = u.count + u32::from(u.surges);
        let vcpus = f64::from(instances * t.vcpus);
        let entry = by_quota.entry(code).or_default();
        entry.0 += vcpus;
        entry.1.push((
            u.instance_type.span,
            format!("{} × {} vCPUs ({})", instances, t.vcpus, u.owner),
        ));
    }
    by_quota
}

pub fn check(cx: &mut Context, rule: &'static Rule, spot: bool) {
    let span = cx.key_span("/nodePools", cx.spec.node_pools.span);
    for (code, (vcpus, parts)) in peak_vcpus(cx, spot) {
        let what = if spot {
            "spot vCPUs"
        } else {
            "on-demand vCPUs"
        };
        if let Some(d) = super::report(cx, rule, code, vcpus, what, span) {
            for (part_span, text) in parts {
                d.with_label(part_span, text);
            }
        }
    }
}

//! What the spec will use of the account's regional quotas. Against a
//! quota's real value (from `awscluster.toml`), each kind's rule fails a
//! need past it and `quota/near-limit` warns from 80%; without it,
//! `quota/unverified` notes a need that reaches AWS's default for a new
//! account, which says nothing certain about this account. Offline, the
//! account's current usage is unknown; the live preflight adds it.

pub mod classic_load_balancers;
pub mod elastic_ips;
pub mod internet_gateways;
pub mod nat_gateways;
pub mod near_limit;
pub mod on_demand_vcpus;
pub mod spot_vcpus;
pub mod unverified;
mod vcpus;
pub mod vpcs;

use crate::catalog;
use crate::diagnostic::Diagnostic;
use crate::rules::{Context, Rule};
use crate::source::Span;

/// awslimitchecker's convention: warn from 80% of a quota.
pub const WARN_RATIO: f64 = 0.8;

/// Reports what the cluster needs (`used`) of the quota `code` at `span`:
/// with the quota's real value, `rule` past it and `quota/near-limit` from
/// 80% of it; without, `quota/unverified` from 80% of AWS's default. `what`
/// names the unit ("Elastic IPs", "vCPUs"). Returns the finding, for extra
/// labels.
pub fn report<'c>(
    cx: &'c mut Context,
    rule: &'static Rule,
    code: &str,
    used: f64,
    what: &str,
    span: Span,
) -> Option<&'c mut Diagnostic> {
    let quota = catalog::quota(code)?;
    if used <= 0.0 {
        return None;
    }
    let increase = || {
        format!(
            "request an increase of `{}` ({}) in Service Quotas",
            quota.code, quota.service
        )
    };
    // The live account's facts (preflight, or a snapshot of this Region):
    // what it already uses, and the quota's value, else awscluster.toml's,
    // else the built-in table's, saying which.
    let region = cx.spec.region.as_str();
    let live = cx
        .settings
        .live
        .as_ref()
        .filter(|l| l.region.as_deref().is_none_or(|r| r == region));
    let in_use = live.and_then(|l| l.usage.get(quota.code)).copied();
    let configured = cx.settings.quotas.get(quota.code).copied();
    let (limit, origin) = match (live, live.and_then(|l| l.quotas.get(quota.code))) {
        (Some(l), Some(value)) => (
            Some(*value),
            l.quota_origin.get(quota.code).cloned().unwrap_or_default(),
        ),
        (Some(_), None) => match configured {
            Some(value) => (Some(value), "from awscluster.toml".to_string()),
            None => (Some(quota.default), crate::live::TABLE_ORIGIN.to_string()),
        },
        (None, _) => (configured, String::new()),
    };
    let origin = if origin.is_empty() {
        origin
    } else {
        format!(" ({origin})")
    };
    // The other specs of this run in the Region and account, as a fleet.
    *cx.quota_needs.entry(quota.code).or_default() += used;
    let others = cx.settings.fleet.as_ref().and_then(|f| {
        f.others(
            &crate::fleet::Group::of(cx.spec),
            quota.code,
            &cx.sink.file().path,
        )
    });
    let fleet = others.as_ref().map_or(0.0, |o| o.needs);
    let total = used + in_use.unwrap_or(0.0) + fleet;
    // "the cluster needs 1 VPCs, the run's 2 other specs in us-east-1
    // (b.json, c.json) need 2 and the account already uses 1".
    let mut parts = vec![format!("the cluster needs {} {what}", fmt_count(used))];
    if let Some(o) = &others {
        let named: Vec<String> = o.named.iter().map(|p| p.display().to_string()).collect();
        let more = if o.count > named.len() { ", …" } else { "" };
        parts.push(format!(
            "the run's {} other spec{} in {region} ({}{more}) need {}",
            o.count,
            if o.count == 1 { "" } else { "s" },
            named.join(", "),
            fmt_count(o.needs)
        ));
    }
    if let Some(n) = in_use {
        parts.push(format!("the account already uses {}", fmt_count(n)));
    }
    // Figures beyond the cluster's own are summed in the message.
    let shared = parts.len() > 1;
    let needs = match parts.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => parts.concat(),
    };
    let d = match limit {
        Some(limit) if total > limit => {
            let message = if shared {
                format!(
                    "{needs}: {} of a quota of {}{origin}",
                    fmt_count(total),
                    fmt_count(limit)
                )
            } else {
                format!(
                    "the cluster needs {} {what}; the account's quota is {}",
                    fmt_count(used),
                    fmt_count(limit)
                )
            };
            let d = cx.emit(rule, span, message);
            let then = if live.is_some() {
                ""
            } else {
                ", then set the new value in awscluster.toml"
            };
            d.with_help(format!("{}{then}", increase()));
            d
        }
        Some(limit) if total >= WARN_RATIO * limit => {
            let message = if shared {
                format!(
                    "{needs}: {} of {} ({:.0}% of the account's quota `{}`{origin})",
                    fmt_count(total),
                    fmt_count(limit),
                    100.0 * total / limit,
                    quota.code
                )
            } else {
                format!(
                    "the cluster alone uses {} of {} {what} ({:.0}% of the account's quota `{}`)",
                    fmt_count(used),
                    fmt_count(limit),
                    100.0 * used / limit,
                    quota.code
                )
            };
            let d = cx.emit(&near_limit::NEAR_LIMIT, span, message);
            d.with_help(format!(
                "{} before the cluster grows; the account's current usage counts too",
                increase()
            ));
            d
        }
        Some(_) => return None,
        None if total >= WARN_RATIO * quota.default => {
            let needs = if shared {
                format!("{needs}: {}", fmt_count(total))
            } else {
                needs
            };
            let d = cx.emit(
                &unverified::UNVERIFIED,
                span,
                format!(
                    "{needs} of `{}`; this account's value is not known offline (AWS's default for a new account is {})",
                    quota.code,
                    fmt_count(quota.default)
                ),
            );
            d.with_help(format!(
                "give the account's value in awscluster.toml: [quotas] \"{}\" = <value> (the Service Quotas console shows it, or `aws service-quotas get-service-quota --service-code {} --quota-code {}`)",
                quota.code, quota.service, quota.code
            ));
            d
        }
        None => return None,
    };
    d.with_primary_label(format!("{} ({})", quota.name, quota.code));
    Some(d)
}

fn fmt_count(n: f64) -> String {
    format!("{n}")
}

#[cfg(test)]
pub(crate) mod tests {
    use crate::rules::testing::lint_text_with;
    use crate::rules::{Rule, Settings};

    /// Asserts that `rule` fires on `spec` when the quota `code` is `value`.
    #[track_caller]
    pub fn fires_with_quota(rule: &Rule, spec: &serde_json::Value, code: &str, value: f64) {
        let mut settings = Settings::default();
        settings.quotas.insert(code.into(), value);
        let text = serde_json::to_string_pretty(spec).unwrap();
        let found = lint_text_with("s.json", &text, &settings);
        assert!(
            found.iter().any(|d| d.rule.code == rule.code),
            "{} did not fire",
            rule.code
        );
    }

    #[test]
    fn live_usage_counts_against_the_quota() {
        use crate::live::Live;
        use crate::rules::testing::{base, findings_with};
        // The base spec needs one VPC; the account has 4 of 5 already.
        let live = |used: f64| Live {
            quotas: [("L-F678F1CE".to_string(), 5.0)].into(),
            usage: [("L-F678F1CE".to_string(), used)].into(),
            quota_origin: [(
                "L-F678F1CE".to_string(),
                "applied value in Service Quotas".to_string(),
            )]
            .into(),
            ..Live::default()
        };
        let over = findings_with(&super::vpcs::VPCS, &base(), live(5.0));
        assert_eq!(
            over[0].message,
            "the cluster needs 1 VPCs and the account already uses 5: 6 of a quota of 5 (applied value in Service Quotas)"
        );
        let near = findings_with(&super::near_limit::NEAR_LIMIT, &base(), live(3.0));
        assert!(
            near[0]
                .message
                .contains("the cluster needs 1 VPCs and the account already uses 3: 4 of 5 (80%"),
            "{}",
            near[0].message
        );
        assert!(findings_with(&super::vpcs::VPCS, &base(), live(4.0)).is_empty());
        assert!(findings_with(&super::near_limit::NEAR_LIMIT, &base(), live(0.0)).is_empty());
    }

    /// A live quota value wins; without one, awscluster.toml's; without
    /// that, the built-in table's, each saying where it came from; facts
    /// of another Region are not this spec's.
    #[test]
    fn quota_values_come_from_the_account_then_the_configuration_then_the_table() {
        use crate::live::Live;
        use crate::rules::testing::{base, lint_text_with};
        let live = Live {
            usage: [
                ("L-F678F1CE".to_string(), 5.0),
                ("L-0263D0A3".to_string(), 5.0),
            ]
            .into(),
            ..Live::default()
        };
        let mut settings = Settings {
            live: Some(live),
            ..Settings::default()
        };
        settings.quotas.insert("L-0263D0A3".into(), 6.0);
        let text = serde_json::to_string_pretty(&base()).unwrap();
        let found = lint_text_with("s.json", &text, &settings);
        let message = |code: &str| {
            found
                .iter()
                .find(|d| d.rule.code == code)
                .map(|d| d.message.clone())
                .unwrap_or_default()
        };
        assert!(
            message("quota/vpcs").ends_with(&format!(
                "6 of a quota of 5 ({})",
                crate::live::TABLE_ORIGIN
            )),
            "{found:?}"
        );
        assert!(
            message("quota/elastic-ips").ends_with("of a quota of 6 (from awscluster.toml)"),
            "{found:?}"
        );
        // Another Region's facts: offline behaviour.
        if let Some(l) = settings.live.as_mut() {
            l.region = Some("eu-west-1".into());
        }
        let found = lint_text_with("s.json", &text, &settings);
        assert!(
            !found.iter().any(|d| d.rule.code == "quota/vpcs"),
            "{found:?}"
        );
    }

    #[test]
    fn counts_print_without_decimals() {
        assert_eq!(super::fmt_count(3.0), "3");
        assert_eq!(super::fmt_count(2.5), "2.5");
    }
}

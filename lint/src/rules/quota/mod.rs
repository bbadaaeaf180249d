//! What the spec will use of the account's regional quotas, held against
//! AWS's default quotas (or the values `awscluster.toml` gives). Offline,
//! the account's current usage is unknown: these rules say when the cluster
//! alone comes near a quota; the live preflight adds the usage.

pub mod classic_load_balancers;
pub mod elastic_ips;
pub mod internet_gateways;
pub mod nat_gateways;
pub mod on_demand_vcpus;
pub mod spot_vcpus;
mod vcpus;
pub mod vpcs;

use crate::catalog::{self, Quota};
use crate::diagnostic::Diagnostic;
use crate::rules::{Context, Rule};
use crate::source::Span;

/// awslimitchecker's convention: warn from 80% of a quota.
pub const WARN_RATIO: f64 = 0.8;

/// The quota's value: the configured one, or AWS's default.
pub fn limit(cx: &Context, quota: &Quota) -> (f64, bool) {
    match cx.settings.quotas.get(quota.code) {
        Some(&v) => (v, true),
        None => (quota.default, false),
    }
}

/// Reports `used` of the quota `code` at `span` when it reaches 80% of it.
/// `what` names the unit ("Elastic IPs", "vCPUs"). Returns the finding, for
/// extra labels.
pub fn report<'c>(
    cx: &'c mut Context,
    rule: &'static Rule,
    code: &str,
    used: f64,
    what: &str,
    span: Span,
) -> Option<&'c mut Diagnostic> {
    let quota = catalog::quota(code)?;
    let (limit, configured) = limit(cx, quota);
    if used <= 0.0 || used < WARN_RATIO * limit {
        return None;
    }
    let source = if configured {
        "as configured"
    } else {
        "AWS's default"
    };
    let message = if used > limit {
        format!(
            "the cluster needs {} {what}; the quota is {} ({source})",
            fmt_count(used),
            fmt_count(limit)
        )
    } else {
        format!(
            "the cluster alone uses {} of {} {what} ({:.0}% of the quota, {source})",
            fmt_count(used),
            fmt_count(limit),
            100.0 * used / limit
        )
    };
    let d = cx.emit(rule, span, message);
    d.with_primary_label(format!("{} ({})", quota.name, quota.code));
    d.with_help(format!(
        "request an increase of `{}` ({}) in Service Quotas; if the account's quota is already higher, set it in awscluster.toml: [quotas] \"{}\" = <value>",
        quota.code, quota.service, quota.code
    ));
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
    fn counts_print_without_decimals() {
        assert_eq!(super::fmt_count(3.0), "3");
        assert_eq!(super::fmt_count(2.5), "2.5");
    }
}

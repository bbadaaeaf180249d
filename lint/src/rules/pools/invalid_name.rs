use crate::rules::names::dns_label_problem;
use crate::rules::{Context, Section, declare_rule};

declare_rule! {
    /// Pool names are lowercase DNS labels.
    ///
    /// ## What it checks
    /// Each pool name: 1 to 63 characters, lowercase letters, digits and
    /// hyphens, starting with a letter and not ending with a hyphen.
    ///
    /// ## Why it matters
    /// The pool name becomes part of AWS resource names (launch templates,
    /// Auto Scaling groups, instance `Name` tags) and of Kubernetes node
    /// labels, which accept only this form. A name that fails there fails
    /// halfway through provisioning.
    ///
    /// ## Example
    /// ```json
    /// {"name": "GPU_Workers", "role": "worker", "size": 2, "instanceType": "g4dn.xlarge"}
    /// ```
    pub static INVALID_NAME = Rule {
        code: "pools/invalid-name",
        severity: Error,
    };
}

/// The parts of the spec the check reads.
pub(crate) const READS: &[Section] = &[Section::NodePools];

pub(crate) fn check(cx: &mut Context) {
    for pool in cx.spec.pools() {
        if let Some(problem) = dns_label_problem(&pool.name, 63) {
            cx.emit(&INVALID_NAME, pool.name.span, format!("pool name `{}` {problem}", *pool.name))
                .with_help("use lowercase letters, digits and hyphens, starting with a letter, such as `gpu-workers`");
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::testing::{at, base, fires, quiet, with};

    #[test]
    fn fires_on_names_kubernetes_and_aws_refuse() {
        for name in ["GPU_Workers", "-a", "a-", "1pool", "", &"a".repeat(64)] {
            let found = fires(
                &INVALID_NAME,
                &with(|s| s["nodePools"][1]["name"] = json!(name)),
            );
            assert_eq!(at(&found[0]), format!("\"{name}\""));
        }
    }

    #[test]
    fn quiet_on_dns_labels() {
        quiet(&INVALID_NAME, &base());
        quiet(
            &INVALID_NAME,
            &with(|s| s["nodePools"][1]["name"] = json!("gpu-2")),
        );
    }
}

use crate::rules::names::dns_label_problem;
use crate::rules::{Context, Section, declare_rule};

declare_rule! {
    /// The cluster name is a lowercase DNS label.
    ///
    /// ## What it checks
    /// The cluster `name`: 1 to 63 characters, lowercase letters, digits and
    /// hyphens, starting with a letter and not ending with a hyphen.
    ///
    /// ## Why it matters
    /// The name goes into resource names (`<name>-apiserver`, the bastion's,
    /// the node pools') and into the ownership tags every resource carries,
    /// `sigs.k8s.io/cluster-api-provider-aws/cluster/<name>`. Load balancer
    /// names take only letters, digits and hyphens; Kubernetes wants lowercase.
    ///
    /// ## Example
    /// ```json
    /// {"name": "Prod_East"}
    /// ```
    pub static INVALID_CLUSTER_NAME = Rule {
        code: "names/invalid-cluster-name",
        severity: Error,
    };
}

/// The parts of the spec the check reads.
pub(crate) const READS: &[Section] = &[Section::Name];

pub(crate) fn check(cx: &mut Context) {
    let name = &cx.spec.name;
    if let Some(problem) = dns_label_problem(name, 63) {
        cx.emit(&INVALID_CLUSTER_NAME, name.span, format!("cluster name `{}` {problem}", name.as_str()))
            .with_help("use lowercase letters, digits and hyphens, starting with a letter, such as `prod-east`");
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::testing::{base, fires, quiet, with};

    #[test]
    fn fires_on_names_resources_refuse() {
        for name in ["Prod_East", "9lives", "prod-", ""] {
            fires(&INVALID_CLUSTER_NAME, &with(|s| s["name"] = json!(name)));
        }
    }

    #[test]
    fn quiet_on_a_dns_label() {
        quiet(&INVALID_CLUSTER_NAME, &base());
    }
}

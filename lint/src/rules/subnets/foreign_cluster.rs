use crate::rules::{Context, Section, declare_rule};
use crate::tagging::{CAPA_CLUSTER_PREFIX, KUBERNETES_CLUSTER_PREFIX};

declare_rule! {
    /// Existing subnets are not tagged for another cluster.
    ///
    /// ## What it checks
    /// Static subnets' tags for `kubernetes.io/cluster/<other>` or
    /// `sigs.k8s.io/cluster-api-provider-aws/cluster/<other>`, where `<other>`
    /// is not this cluster's name.
    ///
    /// ## Why it matters
    /// Sharing subnets between clusters works, but each cluster's load
    /// balancers and nodes then compete for the subnet's addresses, and a
    /// subnet tagged `owned` by another cluster may be deleted with it. Often
    /// the spec was copied from another cluster and the name not changed.
    ///
    /// ## Example
    /// ```json
    /// {"name": "prod-east", "placement": {"static": {"subnets": [
    ///   {"id": "subnet-0a1b2c3d", "tags": {"kubernetes.io/cluster/staging": "owned"}}]}}}
    /// ```
    pub static FOREIGN_CLUSTER = Rule {
        code: "subnets/foreign-cluster",
        severity: Warning,
    };
}

/// The parts of the spec the check reads.
pub(crate) const READS: &[Section] = &[Section::Name, Section::Placement];

pub(crate) fn check(cx: &mut Context) {
    let Some(placement) = cx.spec.static_placement() else {
        return;
    };
    let cluster = cx.spec.name.as_str();
    for subnet in placement.subnets.iter() {
        let Some(tags) = &subnet.tags else { continue };
        for tag in tags.iter() {
            let other = [CAPA_CLUSTER_PREFIX, KUBERNETES_CLUSTER_PREFIX]
                .iter()
                .find_map(|prefix| tag.key.strip_prefix(prefix));
            if let Some(other) = other.filter(|o| *o != cluster) {
                cx.emit(
                    &FOREIGN_CLUSTER,
                    tag.key.span,
                    format!("subnet `{}` is tagged for cluster `{other}` ({})", subnet.id.as_str(), tag.value.as_str()),
                )
                .with_help(if tag.value.as_str() == crate::tagging::OWNED {
                    format!("cluster `{other}` owns this subnet and may delete it; use another subnet or confirm the name")
                } else {
                    format!("the subnet is shared with `{other}`; make sure it has room for both clusters")
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::testing::{at, base_static, fires, quiet};

    #[test]
    fn fires_on_another_clusters_tag() {
        let mut spec = base_static();
        spec["placement"]["static"]["subnets"][1]["tags"]["kubernetes.io/cluster/staging"] =
            json!("owned");
        let found = fires(&FOREIGN_CLUSTER, &spec);
        assert_eq!(at(&found[0]), "\"kubernetes.io/cluster/staging\"");
    }

    #[test]
    fn quiet_on_own_tags() {
        quiet(&FOREIGN_CLUSTER, &base_static());
    }
}

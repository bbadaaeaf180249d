use crate::naming::{self, NameKind};
use crate::rules::{Context, Section, declare_rule};

declare_rule! {
    /// The names awscluster gives the cluster's resources are names AWS takes.
    ///
    /// ## What it checks
    /// Every name the provisioner derives from the cluster's and the pools'
    /// names, against the rules of the API call that creates it: the
    /// security groups (`<cluster>-bastion`, `<cluster>-apiserver-lb`,
    /// `<cluster>-controlplane`, `<cluster>-node`: at most 255 characters,
    /// not starting with `sg-`), each worker pool's launch template (3 to
    /// 125 characters of letters, digits and `().-/_`) and Auto Scaling
    /// group (at most 255 characters, no `:`), and the `Name` tags of the
    /// instances (at most 256 characters). The load balancer's name has its
    /// own rule, `names/load-balancer-name`.
    ///
    /// ## Why it matters
    /// EC2 refuses a group name starting with `sg-` ("Group names may not be
    /// in the format sg-*"): a cluster named `sg-demo` would fail to apply
    /// after its network was built.
    ///
    /// ## Example
    /// ```json
    /// {"name": "sg-demo"}
    /// ```
    pub static DERIVED_NAME = Rule {
        code: "names/derived-name",
        severity: Error,
    };
}

/// The parts of the spec the check reads.
pub(crate) const READS: &[Section] = &[Section::Name, Section::NodePools, Section::Bastion];

pub(crate) fn check(cx: &mut Context) {
    let cluster = cx.spec.name.as_str();
    let name_span = cx.spec.name.span;
    let mut derived: Vec<(NameKind, String, crate::source::Span)> = Vec::new();
    for suffix in naming::SECURITY_GROUP_SUFFIXES {
        if suffix == naming::BASTION_GROUP && cx.spec.bastion.is_none() {
            continue;
        }
        derived.push((
            NameKind::SecurityGroup,
            naming::security_group(cluster, suffix),
            name_span,
        ));
    }
    if cx.spec.bastion.is_some() {
        derived.push((NameKind::NameTag, naming::bastion(cluster), name_span));
    }
    for pool in cx.spec.pools() {
        let name = pool.name.as_str();
        match *pool.role {
            crate::spec::Role::Worker => {
                let group = naming::worker_pool(cluster, name);
                derived.push((NameKind::LaunchTemplate, group.clone(), pool.name.span));
                derived.push((NameKind::AutoScalingGroup, group, pool.name.span));
            }
            crate::spec::Role::Master => {
                let last = (*pool.size as usize).saturating_sub(1);
                derived.push((
                    NameKind::NameTag,
                    naming::control_plane_instance(cluster, name, last),
                    pool.name.span,
                ));
            }
        }
    }
    // One finding per kind and reason: every group of a cluster named
    // `sg-…` fails for the same reason.
    let mut reported: Vec<(NameKind, String)> = Vec::new();
    for (kind, name, span) in derived {
        let Some(why) = naming::refusal(kind, &name) else {
            continue;
        };
        if reported.contains(&(kind, why.clone())) {
            continue;
        }
        reported.push((kind, why.clone()));
        cx.emit(
            &DERIVED_NAME,
            span,
            format!("the {} name `{name}` {why}", kind.describe()),
        )
        .with_help(
            "rename the cluster or the pool: awscluster names the cluster's resources after them",
        );
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::testing::{at, base, base_static, fires, quiet, with};

    #[test]
    fn fires_on_a_cluster_name_that_makes_group_names_ec2_refuses() {
        let found = fires(&DERIVED_NAME, &with(|s| s["name"] = json!("sg-demo")));
        assert_eq!(found.len(), 1, "one finding for all the groups");
        assert_eq!(
            found[0].message,
            "the security group name `sg-demo-bastion` starts with `sg-`, which EC2 keeps for group IDs"
        );
        assert_eq!(at(&found[0]), "\"sg-demo\"");
    }

    #[test]
    fn quiet_on_ordinary_names() {
        quiet(&DERIVED_NAME, &base());
        quiet(&DERIVED_NAME, &base_static());
        quiet(&DERIVED_NAME, &with(|s| s["name"] = json!("demo-sg")));
    }
}

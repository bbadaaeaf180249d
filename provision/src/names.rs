//! Every name and tag convention of a cluster's resources, in one place.
//! The names themselves are lint's (`awscluster_lint::naming`), which
//! checks them against AWS's rules before anything is created.

use std::collections::BTreeMap;

pub use awscluster_lint::naming;

/// Tags as AWS reports them: key → value.
pub type Tags = BTreeMap<String, String>;

pub const NAME_KEY: &str = "Name";

/// `sigs.k8s.io/cluster-api-provider-aws/cluster/<cluster>`: `owned` for
/// what the cluster created and deletes, `shared` for what it only uses.
pub fn owned_key(cluster: &str) -> String {
    format!("sigs.k8s.io/cluster-api-provider-aws/cluster/{cluster}")
}

pub const OWNED: &str = "owned";

/// `sigs.k8s.io/cluster-api-provider-aws/role`: what part a resource plays.
pub const ROLE_KEY: &str = "sigs.k8s.io/cluster-api-provider-aws/role";

/// `kubernetes.io/cluster/<cluster>`: how Kubernetes' AWS integrations
/// (the cloud provider, load balancer controllers) find the cluster's
/// subnets and machines.
pub fn kubernetes_key(cluster: &str) -> String {
    format!("kubernetes.io/cluster/{cluster}")
}

/// The subnets a load balancer controller puts internet-facing load
/// balancers in.
pub const ELB_ROLE_KEY: &str = "kubernetes.io/role/elb";
/// The subnets it puts internal load balancers in.
pub const INTERNAL_ELB_ROLE_KEY: &str = "kubernetes.io/role/internal-elb";

/// The tag an Auto Scaling group puts on its instances: such an instance
/// is the group's, not one awscluster runs itself.
pub const AUTO_SCALING_GROUP_KEY: &str = "aws:autoscaling:groupName";

/// Where in IAM what `account setup` makes lives: IAM's list calls filter
/// by path, not by tag, so the path finds them and the tag proves them.
pub const ACCOUNT_PATH: &str = "/awscluster/";

/// The tag on what `account setup` makes (`owned`).
pub const ACCOUNT_KEY: &str = "awscluster/account";

/// Whether an IAM resource is one `account setup` made: at its path and
/// with its tag.
pub fn is_account_owned(path: &str, tags: &Tags) -> bool {
    path == ACCOUNT_PATH && tags.get(ACCOUNT_KEY).is_some_and(|v| v == OWNED)
}

/// The tags of what `account setup` makes.
pub fn account_tags(name: &str) -> Tags {
    Tags::from([
        (NAME_KEY.to_string(), name.to_string()),
        (ACCOUNT_KEY.to_string(), OWNED.to_string()),
    ])
}

/// A managed policy `account setup` makes, from its document's name
/// (`controller`, `provision`).
pub fn account_policy(stem: &str) -> String {
    format!("awscluster-{stem}")
}

/// The provisioning role's default name.
pub const PROVISIONING_ROLE: &str = "awscluster-provisioner";

/// The tag that tells the provisioning role from the nodes' roles: setup
/// run again without saying who provisions keeps the one it made.
pub const ACCOUNT_PART_KEY: &str = "awscluster/account-part";

/// [`ACCOUNT_PART_KEY`]'s value on the provisioning role.
pub const PROVISIONING_PART: &str = "provisioning-role";

/// Whether an IAM role is the provisioning role setup made.
pub fn is_provisioning_role(path: &str, tags: &Tags) -> bool {
    is_account_owned(path, tags)
        && tags
            .get(ACCOUNT_PART_KEY)
            .is_some_and(|v| v == PROVISIONING_PART)
}

/// The part a resource plays, as its role tag says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Common,
    Public,
    Private,
    Bastion,
    ApiServer,
    ControlPlane,
    Node,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Common => "common",
            Role::Public => "public",
            Role::Private => "private",
            Role::Bastion => "bastion",
            Role::ApiServer => "apiserver",
            Role::ControlPlane => "control-plane",
            Role::Node => "node",
        }
    }
}

/// Whether `tags` say the resource is the cluster's own. Checked on every
/// resource found, whatever filter the request carried: a server that
/// ignored the filter (or a cluster whose name starts with this one's)
/// never makes another cluster's resource look like this one's.
pub fn is_owned(tags: &Tags, cluster: &str) -> bool {
    tags.get(&owned_key(cluster)).is_some_and(|v| v == OWNED)
}

/// The `Name` tag, or `""` for a resource without one (which matches no
/// name awscluster gives).
pub fn name_of(tags: &Tags) -> &str {
    tags.get(NAME_KEY).map_or("", String::as_str)
}

/// The tags a resource of the cluster is created with: the spec's, then
/// the ones it is found again by (which win over the spec's).
pub fn creation_tags(user: &[(String, String)], cluster: &str, name: &str, role: Role) -> Tags {
    let owned = owned_key(cluster);
    let mut tags: Tags = user
        .iter()
        .filter(|(k, _)| k != NAME_KEY && *k != owned && k != ROLE_KEY)
        .cloned()
        .collect();
    tags.insert(NAME_KEY.into(), name.into());
    tags.insert(owned, OWNED.into());
    tags.insert(ROLE_KEY.into(), role.as_str().into());
    tags
}

/// The tags of `want` that `have` lacks or holds with another value.
/// Tags `have` has besides are left alone: other tools (and people) tag
/// resources too.
pub fn missing_tags(want: &Tags, have: &Tags) -> Tags {
    want.iter()
        .filter(|(k, v)| have.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ownership_is_this_clusters_owned_tag_exactly() {
        let tags = |k: &str, v: &str| Tags::from([(k.to_string(), v.to_string())]);
        assert!(is_owned(&tags(&owned_key("demo"), "owned"), "demo"));
        assert!(!is_owned(&tags(&owned_key("demo2"), "owned"), "demo"));
        assert!(!is_owned(&tags(&owned_key("demo"), "shared"), "demo"));
        assert!(!is_owned(&tags(&owned_key("demo"), "Owned"), "demo"));
        assert!(!is_owned(&Tags::new(), "demo"));
    }

    #[test]
    fn creation_tags_keep_the_specs_and_set_the_ones_found_by() {
        let user = [
            ("team".to_string(), "platform".to_string()),
            ("Name".to_string(), "mine".to_string()),
        ];
        let tags = creation_tags(&user, "demo", "demo-vpc", Role::Common);
        assert_eq!(tags.get("team").map(String::as_str), Some("platform"));
        assert_eq!(name_of(&tags), "demo-vpc");
        assert!(is_owned(&tags, "demo"));
        assert_eq!(tags.get(ROLE_KEY).map(String::as_str), Some("common"));
        let mut have = tags.clone();
        have.insert("extra".into(), "kept".into());
        have.insert("team".into(), "other".into());
        assert_eq!(
            missing_tags(&tags, &have),
            Tags::from([("team".to_string(), "platform".to_string())])
        );
    }
}

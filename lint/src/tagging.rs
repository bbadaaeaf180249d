//! The tags awscluster puts on AWS resources and looks for on subnets.
//!
//! Ownership follows Cluster API Provider AWS: a resource the cluster created
//! (and will delete) is tagged `sigs.k8s.io/cluster-api-provider-aws/cluster/<name>=owned`;
//! one it uses but must never delete is `shared`.

pub const CAPA_CLUSTER_PREFIX: &str = "sigs.k8s.io/cluster-api-provider-aws/cluster/";
pub const CAPA_ROLE: &str = "sigs.k8s.io/cluster-api-provider-aws/role";
pub const KUBERNETES_CLUSTER_PREFIX: &str = "kubernetes.io/cluster/";
pub const ELB_ROLE: &str = "kubernetes.io/role/elb";
pub const INTERNAL_ELB_ROLE: &str = "kubernetes.io/role/internal-elb";
pub const NAME: &str = "Name";

pub const OWNED: &str = "owned";
pub const SHARED: &str = "shared";

pub fn capa_cluster_key(cluster: &str) -> String {
    format!("{CAPA_CLUSTER_PREFIX}{cluster}")
}

pub fn kubernetes_cluster_key(cluster: &str) -> String {
    format!("{KUBERNETES_CLUSTER_PREFIX}{cluster}")
}

/// Tag keys awscluster sets on the resources it creates; users cannot set
/// them through the spec's `tags`.
pub fn managed_keys(cluster: &str) -> [String; 4] {
    [
        NAME.to_string(),
        capa_cluster_key(cluster),
        CAPA_ROLE.to_string(),
        kubernetes_cluster_key(cluster),
    ]
}

/// Whether `key` is one awscluster manages, for any cluster.
pub fn is_managed_key(key: &str) -> bool {
    key == NAME
        || key == CAPA_ROLE
        || key.starts_with(CAPA_CLUSTER_PREFIX)
        || key.starts_with(KUBERNETES_CLUSTER_PREFIX)
}

/// A tag a subnet must carry, and the values that satisfy it.
pub struct RequiredTag {
    pub key: String,
    pub values: &'static [&'static str],
}

/// The seed guide's tags for a public subnet of `cluster`: load balancer
/// discovery and Cluster API Provider AWS's role and ownership.
pub fn required_public_subnet_tags(cluster: &str) -> Vec<RequiredTag> {
    vec![
        RequiredTag {
            key: ELB_ROLE.into(),
            values: &["1"],
        },
        RequiredTag {
            key: CAPA_ROLE.into(),
            values: &["public"],
        },
        RequiredTag {
            key: kubernetes_cluster_key(cluster),
            values: &[SHARED, OWNED],
        },
        RequiredTag {
            key: capa_cluster_key(cluster),
            values: &[OWNED],
        },
    ]
}

/// Tags a private subnet of `cluster` needs for internal load balancers.
pub fn required_private_subnet_tags(cluster: &str) -> Vec<RequiredTag> {
    vec![
        RequiredTag {
            key: INTERNAL_ELB_ROLE.into(),
            values: &["1"],
        },
        RequiredTag {
            key: kubernetes_cluster_key(cluster),
            values: &[SHARED, OWNED],
        },
    ]
}

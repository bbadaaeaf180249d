//! The rule registry: every code awscluster can report, with its default
//! severity and documentation, and the checks behind them.
//!
//! One rule, one file. A rule file holds the rule's documentation as its doc
//! comment (the first line is its summary; then what it checks, why it
//! matters, an example), the check, and its passing and failing tests.
//! `awscluster rules`, `awscluster explain`, the README's rule table and the
//! SARIF rule metadata all read the documentation from here.

use crate::diagnostic::Diagnostic;
pub(crate) use crate::diagnostic::declare_rule;
pub use crate::diagnostic::{Rule, Sink};
use crate::layout::Layout;
pub use crate::settings::Settings;
use crate::source::{Node, Span};
use crate::spec::ClusterSpec;

pub mod account;
pub mod config;
pub mod iam;
pub mod instance;
pub mod live;
pub mod names;
pub mod network;
pub mod pools;
pub mod provision;
pub mod quota;
pub mod security;
pub mod spec;
pub mod subnets;
pub mod tags;

/// When a rule runs, and what it runs.
#[derive(Clone, Copy)]
pub enum Check {
    /// Reported while a file is read (syntax, schema): no check of its own.
    Loader,
    /// Reported while the configuration is applied.
    Config,
    /// Runs on the parsed document, even one that does not match the schema.
    Tree(fn(&Node, &mut Sink)),
    /// Runs on a spec, when the parts of it that it reads are well-formed
    /// (a spec with schema findings elsewhere still gets it).
    Spec(fn(&mut Context), &'static [Section]),
    /// Runs on an IAM policy document.
    Policy(fn(&mut iam::PolicyContext)),
    /// Reported while checking policies together: sizes that add up, how
    /// many are attached, and what they grant of the required permissions.
    PolicySet,
}

/// A top-level part of the spec. A spec rule declares the parts it reads,
/// so that a spec with schema findings in some parts still gets the rules
/// that read only the others.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Section {
    Name,
    Description,
    Tags,
    CloudAccount,
    Region,
    SshKeyName,
    Placement,
    Bastion,
    ApiServer,
    Kubernetes,
    NodePools,
    Iam,
}

impl Section {
    pub const ALL: [Section; 12] = [
        Section::Name,
        Section::Description,
        Section::Tags,
        Section::CloudAccount,
        Section::Region,
        Section::SshKeyName,
        Section::Placement,
        Section::Bastion,
        Section::ApiServer,
        Section::Kubernetes,
        Section::NodePools,
        Section::Iam,
    ];

    /// The spec's key for it.
    pub fn key(self) -> &'static str {
        match self {
            Section::Name => "name",
            Section::Description => "description",
            Section::Tags => "tags",
            Section::CloudAccount => "cloudAccount",
            Section::Region => "region",
            Section::SshKeyName => "sshKeyName",
            Section::Placement => "placement",
            Section::Bastion => "bastion",
            Section::ApiServer => "apiServer",
            Section::Kubernetes => "kubernetes",
            Section::NodePools => "nodePools",
            Section::Iam => "iam",
        }
    }

    pub fn of_key(key: &str) -> Option<Section> {
        Section::ALL.into_iter().find(|s| s.key() == key)
    }

    /// Whether the spec may leave it out.
    pub fn optional(self) -> bool {
        !matches!(
            self,
            Section::Name
                | Section::Region
                | Section::SshKeyName
                | Section::Placement
                | Section::NodePools
        )
    }
}

/// A rule with its check.
pub struct Entry {
    pub rule: &'static Rule,
    pub check: Check,
}

impl Entry {
    const fn new(rule: &'static Rule, check: Check) -> Entry {
        Entry { rule, check }
    }
}

/// Every rule with its check, grouped, in the order the docs list them.
pub fn registry() -> &'static [Entry] {
    static ALL: &[Entry] = &[
        Entry::new(&spec::syntax::SYNTAX, Check::Loader),
        Entry::new(&spec::duplicate_key::DUPLICATE_KEY, Check::Loader),
        Entry::new(&spec::unknown_field::UNKNOWN_FIELD, Check::Loader),
        Entry::new(&spec::invalid_value::INVALID_VALUE, Check::Loader),
        Entry::new(
            &pools::master_count::MASTER_COUNT,
            Check::Spec(pools::master_count::check, pools::master_count::READS),
        ),
        Entry::new(
            &pools::master_size::MASTER_SIZE,
            Check::Spec(pools::master_size::check, pools::master_size::READS),
        ),
        Entry::new(
            &pools::single_master::SINGLE_MASTER,
            Check::Spec(pools::single_master::check, pools::single_master::READS),
        ),
        Entry::new(
            &pools::master_spread::MASTER_SPREAD,
            Check::Spec(pools::master_spread::check, pools::master_spread::READS),
        ),
        Entry::new(
            &pools::invalid_name::INVALID_NAME,
            Check::Spec(pools::invalid_name::check, pools::invalid_name::READS),
        ),
        Entry::new(
            &pools::duplicate_name::DUPLICATE_NAME,
            Check::Spec(pools::duplicate_name::check, pools::duplicate_name::READS),
        ),
        Entry::new(
            &pools::no_workload_capacity::NO_WORKLOAD_CAPACITY,
            Check::Spec(
                pools::no_workload_capacity::check,
                pools::no_workload_capacity::READS,
            ),
        ),
        Entry::new(
            &pools::worker_capability_on_worker::WORKER_CAPABILITY_ON_WORKER,
            Check::Spec(
                pools::worker_capability_on_worker::check,
                pools::worker_capability_on_worker::READS,
            ),
        ),
        Entry::new(
            &pools::az_not_in_placement::AZ_NOT_IN_PLACEMENT,
            Check::Spec(
                pools::az_not_in_placement::check,
                pools::az_not_in_placement::READS,
            ),
        ),
        Entry::new(
            &pools::spot_on_master::SPOT_ON_MASTER,
            Check::Spec(pools::spot_on_master::check, pools::spot_on_master::READS),
        ),
        Entry::new(
            &pools::spot_price::SPOT_PRICE,
            Check::Spec(pools::spot_price::check, pools::spot_price::READS),
        ),
        Entry::new(
            &instance::unknown_type::UNKNOWN_TYPE,
            Check::Spec(instance::unknown_type::check, instance::unknown_type::READS),
        ),
        Entry::new(
            &instance::previous_generation::PREVIOUS_GENERATION,
            Check::Spec(
                instance::previous_generation::check,
                instance::previous_generation::READS,
            ),
        ),
        Entry::new(
            &instance::not_offered::NOT_OFFERED,
            Check::Spec(instance::not_offered::check, instance::not_offered::READS),
        ),
        Entry::new(
            &instance::spot_unsupported::SPOT_UNSUPPORTED,
            Check::Spec(
                instance::spot_unsupported::check,
                instance::spot_unsupported::READS,
            ),
        ),
        Entry::new(
            &network::unknown_region::UNKNOWN_REGION,
            Check::Spec(
                network::unknown_region::check,
                network::unknown_region::READS,
            ),
        ),
        Entry::new(
            &network::unknown_az::UNKNOWN_AZ,
            Check::Spec(network::unknown_az::check, network::unknown_az::READS),
        ),
        Entry::new(
            &network::duplicate_az::DUPLICATE_AZ,
            Check::Spec(network::duplicate_az::check, network::duplicate_az::READS),
        ),
        Entry::new(
            &network::single_az::SINGLE_AZ,
            Check::Spec(network::single_az::check, network::single_az::READS),
        ),
        Entry::new(
            &network::invalid_cidr::INVALID_CIDR,
            Check::Spec(network::invalid_cidr::check, network::invalid_cidr::READS),
        ),
        Entry::new(
            &network::cidr_host_bits::CIDR_HOST_BITS,
            Check::Spec(
                network::cidr_host_bits::check,
                network::cidr_host_bits::READS,
            ),
        ),
        Entry::new(
            &network::cidr_size::CIDR_SIZE,
            Check::Spec(network::cidr_size::check, network::cidr_size::READS),
        ),
        Entry::new(
            &network::non_private_cidr::NON_PRIVATE_CIDR,
            Check::Spec(
                network::non_private_cidr::check,
                network::non_private_cidr::READS,
            ),
        ),
        Entry::new(
            &network::subnet_layout::SUBNET_LAYOUT,
            Check::Spec(network::subnet_layout::check, network::subnet_layout::READS),
        ),
        Entry::new(
            &network::subnet_capacity::SUBNET_CAPACITY,
            Check::Spec(
                network::subnet_capacity::check,
                network::subnet_capacity::READS,
            ),
        ),
        Entry::new(
            &network::cidr_overlap::CIDR_OVERLAP,
            Check::Spec(network::cidr_overlap::check, network::cidr_overlap::READS),
        ),
        Entry::new(
            &network::invalid_id::INVALID_ID,
            Check::Spec(network::invalid_id::check, network::invalid_id::READS),
        ),
        Entry::new(
            &network::duplicate_subnet::DUPLICATE_SUBNET,
            Check::Spec(
                network::duplicate_subnet::check,
                network::duplicate_subnet::READS,
            ),
        ),
        Entry::new(
            &network::az_missing_subnet::AZ_MISSING_SUBNET,
            Check::Spec(
                network::az_missing_subnet::check,
                network::az_missing_subnet::READS,
            ),
        ),
        Entry::new(
            &network::subnet_outside_vpc::SUBNET_OUTSIDE_VPC,
            Check::Spec(
                network::subnet_outside_vpc::check,
                network::subnet_outside_vpc::READS,
            ),
        ),
        Entry::new(
            &network::subnet_overlap::SUBNET_OVERLAP,
            Check::Spec(
                network::subnet_overlap::check,
                network::subnet_overlap::READS,
            ),
        ),
        Entry::new(
            &subnets::missing_tags::MISSING_TAGS,
            Check::Spec(subnets::missing_tags::check, subnets::missing_tags::READS),
        ),
        Entry::new(
            &subnets::foreign_cluster::FOREIGN_CLUSTER,
            Check::Spec(
                subnets::foreign_cluster::check,
                subnets::foreign_cluster::READS,
            ),
        ),
        Entry::new(
            &tags::too_many::TOO_MANY,
            Check::Spec(tags::too_many::check, tags::too_many::READS),
        ),
        Entry::new(
            &tags::invalid_key::INVALID_KEY,
            Check::Spec(tags::invalid_key::check, tags::invalid_key::READS),
        ),
        Entry::new(
            &tags::invalid_value::INVALID_VALUE,
            Check::Spec(tags::invalid_value::check, tags::invalid_value::READS),
        ),
        Entry::new(
            &tags::reserved_prefix::RESERVED_PREFIX,
            Check::Spec(tags::reserved_prefix::check, tags::reserved_prefix::READS),
        ),
        Entry::new(
            &tags::managed_key::MANAGED_KEY,
            Check::Spec(tags::managed_key::check, tags::managed_key::READS),
        ),
        Entry::new(
            &names::invalid_cluster_name::INVALID_CLUSTER_NAME,
            Check::Spec(
                names::invalid_cluster_name::check,
                names::invalid_cluster_name::READS,
            ),
        ),
        Entry::new(
            &names::derived_name::DERIVED_NAME,
            Check::Spec(names::derived_name::check, names::derived_name::READS),
        ),
        Entry::new(
            &names::load_balancer_name::LOAD_BALANCER_NAME,
            Check::Spec(
                names::load_balancer_name::check,
                names::load_balancer_name::READS,
            ),
        ),
        Entry::new(
            &names::instance_profile::INSTANCE_PROFILE,
            Check::Spec(
                names::instance_profile::check,
                names::instance_profile::READS,
            ),
        ),
        Entry::new(
            &security::ssh_open_to_world::SSH_OPEN_TO_WORLD,
            Check::Spec(
                security::ssh_open_to_world::check,
                security::ssh_open_to_world::READS,
            ),
        ),
        Entry::new(
            &security::api_open_to_world::API_OPEN_TO_WORLD,
            Check::Spec(
                security::api_open_to_world::check,
                security::api_open_to_world::READS,
            ),
        ),
        Entry::new(
            &security::credentials_in_spec::CREDENTIALS_IN_SPEC,
            Check::Tree(security::credentials_in_spec::check),
        ),
        Entry::new(
            &account::role_arn::ROLE_ARN,
            Check::Spec(account::role_arn::check, account::role_arn::READS),
        ),
        Entry::new(
            &account::external_id::EXTERNAL_ID,
            Check::Spec(account::external_id::check, account::external_id::READS),
        ),
        Entry::new(
            &quota::on_demand_vcpus::ON_DEMAND_VCPUS,
            Check::Spec(quota::on_demand_vcpus::check, quota::on_demand_vcpus::READS),
        ),
        Entry::new(
            &quota::spot_vcpus::SPOT_VCPUS,
            Check::Spec(quota::spot_vcpus::check, quota::spot_vcpus::READS),
        ),
        Entry::new(
            &quota::vpcs::VPCS,
            Check::Spec(quota::vpcs::check, quota::vpcs::READS),
        ),
        Entry::new(
            &quota::internet_gateways::INTERNET_GATEWAYS,
            Check::Spec(
                quota::internet_gateways::check,
                quota::internet_gateways::READS,
            ),
        ),
        Entry::new(
            &quota::nat_gateways::NAT_GATEWAYS,
            Check::Spec(quota::nat_gateways::check, quota::nat_gateways::READS),
        ),
        Entry::new(
            &quota::elastic_ips::ELASTIC_IPS,
            Check::Spec(quota::elastic_ips::check, quota::elastic_ips::READS),
        ),
        Entry::new(
            &quota::classic_load_balancers::CLASSIC_LOAD_BALANCERS,
            Check::Spec(
                quota::classic_load_balancers::check,
                quota::classic_load_balancers::READS,
            ),
        ),
        Entry::new(&quota::near_limit::NEAR_LIMIT, Check::Loader),
        Entry::new(&quota::unverified::UNVERIFIED, Check::Loader),
        Entry::new(
            &provision::missing_image::MISSING_IMAGE,
            Check::Spec(
                provision::missing_image::check,
                provision::missing_image::READS,
            ),
        ),
        Entry::new(
            &provision::invalid_image::INVALID_IMAGE,
            Check::Spec(
                provision::invalid_image::check,
                provision::invalid_image::READS,
            ),
        ),
        Entry::new(
            &provision::missing_on_demand_price::MISSING_ON_DEMAND_PRICE,
            Check::Spec(
                provision::missing_on_demand_price::check,
                provision::missing_on_demand_price::READS,
            ),
        ),
        Entry::new(
            &provision::user_data_size::USER_DATA_SIZE,
            Check::Spec(
                provision::user_data_size::check,
                provision::user_data_size::READS,
            ),
        ),
        Entry::new(
            &live::key_pair_missing::KEY_PAIR_MISSING,
            Check::Spec(live::key_pair_missing::check, live::key_pair_missing::READS),
        ),
        Entry::new(
            &live::image_missing::IMAGE_MISSING,
            Check::Spec(live::image_missing::check, live::image_missing::READS),
        ),
        Entry::new(
            &live::image_architecture::IMAGE_ARCHITECTURE,
            Check::Spec(
                live::image_architecture::check,
                live::image_architecture::READS,
            ),
        ),
        Entry::new(
            &live::network_mismatch::NETWORK_MISMATCH,
            Check::Spec(live::network_mismatch::check, live::network_mismatch::READS),
        ),
        Entry::new(
            &live::subnet_full::SUBNET_FULL,
            Check::Spec(live::subnet_full::check, live::subnet_full::READS),
        ),
        Entry::new(
            &live::could_not_check::COULD_NOT_CHECK,
            Check::Spec(live::could_not_check::check, live::could_not_check::READS),
        ),
        Entry::new(&iam::invalid_element::INVALID_ELEMENT, Check::Loader),
        Entry::new(&iam::wrong_type::WRONG_TYPE, Check::Loader),
        Entry::new(&iam::missing_element::MISSING_ELEMENT, Check::Loader),
        Entry::new(&iam::missing_resource::MISSING_RESOURCE, Check::Loader),
        Entry::new(&iam::invalid_effect::INVALID_EFFECT, Check::Loader),
        Entry::new(&iam::missing_version::MISSING_VERSION, Check::Loader),
        Entry::new(&iam::old_version::OLD_VERSION, Check::Loader),
        Entry::new(&iam::invalid_version::INVALID_VERSION, Check::Loader),
        Entry::new(&iam::duplicate_sid::DUPLICATE_SID, Check::Loader),
        Entry::new(&iam::invalid_sid::INVALID_SID, Check::Loader),
        Entry::new(&iam::empty_array::EMPTY_ARRAY, Check::Loader),
        Entry::new(
            &iam::unknown_service::UNKNOWN_SERVICE,
            Check::Policy(iam::unknown_service::check),
        ),
        Entry::new(
            &iam::unknown_action::UNKNOWN_ACTION,
            Check::Policy(iam::unknown_action::check),
        ),
        Entry::new(
            &iam::wildcard_matches_nothing::WILDCARD_MATCHES_NOTHING,
            Check::Policy(iam::wildcard_matches_nothing::check),
        ),
        Entry::new(
            &iam::unknown_condition_operator::UNKNOWN_CONDITION_OPERATOR,
            Check::Policy(iam::unknown_condition_operator::check),
        ),
        Entry::new(
            &iam::unsupported_condition_key::UNSUPPORTED_CONDITION_KEY,
            Check::Policy(iam::unsupported_condition_key::check),
        ),
        Entry::new(
            &iam::invalid_arn::INVALID_ARN,
            Check::Policy(iam::invalid_arn::check),
        ),
        Entry::new(
            &iam::resource_mismatch::RESOURCE_MISMATCH,
            Check::Policy(iam::resource_mismatch::check),
        ),
        Entry::new(
            &iam::hardcoded_partition::HARDCODED_PARTITION,
            Check::Policy(iam::hardcoded_partition::check),
        ),
        Entry::new(
            &iam::duplicate_action::DUPLICATE_ACTION,
            Check::Policy(iam::duplicate_action::check),
        ),
        Entry::new(
            &iam::redundant_action::REDUNDANT_ACTION,
            Check::Policy(iam::redundant_action::check),
        ),
        Entry::new(
            &iam::redundant_statement::REDUNDANT_STATEMENT,
            Check::Policy(iam::redundant_statement::check),
        ),
        Entry::new(
            &iam::passrole_star::PASSROLE_STAR,
            Check::Policy(iam::passrole_star::check),
        ),
        Entry::new(
            &iam::allow_not_action::ALLOW_NOT_ACTION,
            Check::Policy(iam::allow_not_action::check),
        ),
        Entry::new(
            &iam::allow_not_resource::ALLOW_NOT_RESOURCE,
            Check::Policy(iam::allow_not_resource::check),
        ),
        Entry::new(
            &iam::service_linked_role_mismatch::SERVICE_LINKED_ROLE_MISMATCH,
            Check::Policy(iam::service_linked_role_mismatch::check),
        ),
        Entry::new(
            &iam::service_linked_role_unscoped::SERVICE_LINKED_ROLE_UNSCOPED,
            Check::Policy(iam::service_linked_role_unscoped::check),
        ),
        Entry::new(
            &iam::sensitive_read_on_all::SENSITIVE_READ_ON_ALL,
            Check::Policy(iam::sensitive_read_on_all::check),
        ),
        Entry::new(
            &iam::service_wildcard::SERVICE_WILDCARD,
            Check::Policy(iam::service_wildcard::check),
        ),
        Entry::new(
            &iam::trust_missing_external_id::TRUST_MISSING_EXTERNAL_ID,
            Check::Policy(iam::trust_missing_external_id::check),
        ),
        Entry::new(
            &iam::trust_missing_external_id::TRUST_ORGANIZATION_WITHOUT_EXTERNAL_ID,
            Check::Loader,
        ),
        Entry::new(
            &iam::privilege_escalation::PRIVILEGE_ESCALATION,
            Check::PolicySet,
        ),
        Entry::new(&iam::policy_size::POLICY_SIZE, Check::PolicySet),
        Entry::new(
            &iam::policy_size_near_limit::POLICY_SIZE_NEAR_LIMIT,
            Check::PolicySet,
        ),
        Entry::new(&iam::attached_policies::ATTACHED_POLICIES, Check::PolicySet),
        Entry::new(&iam::not_granted::NOT_GRANTED, Check::PolicySet),
        Entry::new(
            &iam::granted_on_other_resources::GRANTED_ON_OTHER_RESOURCES,
            Check::PolicySet,
        ),
        Entry::new(
            &iam::conditionally_granted::CONDITIONALLY_GRANTED,
            Check::PolicySet,
        ),
        Entry::new(&iam::denied::DENIED, Check::PolicySet),
        Entry::new(&iam::possibly_denied::POSSIBLY_DENIED, Check::PolicySet),
        Entry::new(&iam::policy_not_found::POLICY_NOT_FOUND, Check::PolicySet),
        Entry::new(&iam::unused_grant::UNUSED_GRANT, Check::PolicySet),
        Entry::new(&config::unused_ignore::UNUSED_IGNORE, Check::Config),
    ];
    ALL
}

/// Every rule, in the order the docs list them.
pub fn all() -> &'static [&'static Rule] {
    static ALL: std::sync::OnceLock<Vec<&'static Rule>> = std::sync::OnceLock::new();
    ALL.get_or_init(|| registry().iter().map(|e| e.rule).collect())
}

/// The rule with this code.
pub fn find(code: &str) -> Option<&'static Rule> {
    all().iter().copied().find(|r| r.code == code)
}

/// The groups, in registry order.
pub fn groups() -> Vec<&'static str> {
    let mut groups: Vec<&str> = Vec::new();
    for rule in all() {
        if !groups.contains(&rule.group()) {
            groups.push(rule.group());
        }
    }
    groups
}

/// What a spec rule sees: the typed spec, its parsed tree, what the spec
/// will create, and where to put findings.
pub struct Context<'a> {
    pub spec: &'a ClusterSpec,
    pub root: &'a Node,
    pub layout: &'a Layout,
    pub settings: &'a Settings,
    pub sink: &'a mut Sink,
    /// What the spec needs of each quota, as the quota rules find it: a
    /// run sums it over the specs that share a Region and an account.
    pub quota_needs: crate::fleet::Needs,
}

impl<'a> Context<'a> {
    /// What preflight found of the spec's existing network, if it looked.
    pub fn live_network(&self) -> Option<&'a crate::live::Network> {
        self.settings
            .live
            .as_ref()
            .and_then(|l| l.network_of(self.spec))
    }

    /// The span of the key at `pointer` (short and easy to spot, where the
    /// value is a whole block), or `fallback` when there is no such key.
    pub fn key_span(&self, pointer: &str, fallback: Span) -> Span {
        self.root.key_span_at(pointer).unwrap_or(fallback)
    }

    pub fn emit(
        &mut self,
        rule: &'static Rule,
        span: Span,
        message: impl Into<String>,
    ) -> &mut Diagnostic {
        self.sink.emit(rule, span, message)
    }
}

/// Runs every tree and spec rule on one document.
pub fn run_tree_rules(root: &Node, sink: &mut Sink) {
    for entry in registry() {
        if let Check::Tree(check) = entry.check {
            check(root, sink);
        }
    }
}

/// Runs the spec rules that read none of the `damaged` parts.
pub fn run_spec_rules(cx: &mut Context, damaged: &[Section]) {
    for entry in registry() {
        if let Check::Spec(check, reads) = entry.check
            && !reads.iter().any(|s| damaged.contains(s))
        {
            check(cx);
        }
    }
}

#[cfg(test)]
pub(crate) mod testing;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_well_formed() {
        let mut seen = std::collections::HashSet::new();
        for rule in all() {
            assert!(seen.insert(rule.code), "duplicate code {}", rule.code);
            let (group, name) = rule.code.split_once('/').expect("group/name");
            let kebab = |s: &str| {
                !s.is_empty()
                    && s.split('-').all(|w| {
                        !w.is_empty()
                            && w.bytes()
                                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
                    })
            };
            assert!(
                kebab(group) && kebab(name),
                "{} is not <group>/<kebab-name>",
                rule.code
            );
        }
    }

    #[test]
    fn every_rule_is_documented_in_the_fixed_sections() {
        for rule in all() {
            assert!(
                rule.summary().ends_with('.'),
                "{}: summary should be a sentence",
                rule.code
            );
            let docs = rule.docs();
            for section in ["## What it checks", "## Why it matters", "## Example"] {
                assert!(docs.contains(section), "{} lacks `{section}`", rule.code);
            }
        }
    }

    /// A spec rule declares the parts of the spec it reads (so that it still
    /// runs when other parts do not match the schema). This holds the
    /// declarations to the truth: replacing a part a rule does not declare
    /// with other valid values leaves the rule's findings (messages, help,
    /// label texts) as they were, on every fixture and on the test bases.
    #[test]
    fn spec_rules_read_only_the_parts_they_declare() {
        use serde_json::{Value, json};

        let alternatives: Vec<(Section, Option<Value>)> = vec![
            (Section::Name, Some(json!("other-cluster"))),
            (Section::Name, Some(json!("abcdefghij-klmnopqrstu"))),
            (Section::Description, None),
            (Section::Description, Some(json!("changed"))),
            (Section::Tags, None),
            (Section::Tags, Some(json!({"team": "x", "aws:bad": "y"}))),
            (Section::CloudAccount, None),
            (
                Section::CloudAccount,
                Some(json!({"assumeRole": {"roleArn": "arn:aws:iam::123456789012:user/x"}})),
            ),
            (Section::Region, Some(json!("eu-west-1"))),
            (Section::Region, Some(json!("mars-1"))),
            (Section::SshKeyName, Some(json!("other"))),
            (
                Section::Placement,
                Some(
                    json!({"dynamic": {"vpcCidr": "10.1.0.0/24", "availabilityZones": ["us-east-1a"]}}),
                ),
            ),
            (
                Section::Placement,
                testing::base_static().get("placement").cloned(),
            ),
            (Section::Bastion, None),
            (
                Section::Bastion,
                Some(
                    json!({"instanceType": "m3.large", "allowedCidrs": ["0.0.0.0/0", "10.0.0.1/8"]}),
                ),
            ),
            (Section::Kubernetes, None),
            (
                Section::Kubernetes,
                Some(json!({"podCidr": "10.0.0.0/16", "serviceCidr": "8.8.0.0/16"})),
            ),
            (
                Section::NodePools,
                Some(json!([
                    {"name": "cp", "role": "master", "size": 2, "instanceType": "m3.large", "availabilityZones": ["us-east-1d"]},
                    {"name": "Gpu", "role": "worker", "size": 9, "instanceType": "g4dn.xlarge",
                     "capacity": {"spot": {"maxPricePercentOfOnDemand": 140}}}
                ])),
            ),
        ];
        let mut bases = vec![testing::base(), testing::base_static()];
        let fixtures =
            std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/clusters"));
        let mut stack = vec![fixtures.to_path_buf()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let file = crate::diagnostic::SourceFile::new(
                    &path,
                    std::fs::read_to_string(&path).unwrap_or_default(),
                );
                if let Ok(root) = crate::source::parse(&file)
                    && crate::spec::de::from_node::<ClusterSpec>(&root).is_ok()
                {
                    bases.push(root.to_json());
                }
            }
        }
        assert!(bases.len() > 40, "{} bases", bases.len());
        type Seen = Vec<(String, Option<String>, Vec<Option<String>>)>;
        let by_rule = |spec: &Value| -> std::collections::HashMap<&'static str, Seen> {
            let mut out: std::collections::HashMap<&'static str, Seen> = Default::default();
            for d in testing::lint(spec) {
                out.entry(d.rule.code).or_default().push((
                    d.message.clone(),
                    d.help.clone(),
                    d.labels.iter().map(|l| l.message.clone()).collect(),
                ));
            }
            out
        };
        for mut base in bases {
            base.as_object_mut().unwrap().remove("iam");
            let before = by_rule(&base);
            for (section, value) in &alternatives {
                let mut changed = base.clone();
                match value {
                    Some(v) => changed[section.key()] = v.clone(),
                    None => {
                        changed.as_object_mut().unwrap().remove(section.key());
                    }
                }
                let after = by_rule(&changed);
                for entry in registry() {
                    let Check::Spec(_, reads) = entry.check else {
                        continue;
                    };
                    if reads.contains(section) {
                        continue;
                    }
                    let code = entry.rule.code;
                    assert_eq!(
                        before.get(code),
                        after.get(code),
                        "{code} changes with `{}`, which it does not declare it reads",
                        section.key()
                    );
                }
            }
        }
    }

    /// Renaming or removing a code breaks users' configs and suppressions:
    /// this snapshot makes every such change deliberate.
    #[test]
    fn the_list_of_codes_is_stable() {
        let list: Vec<String> = all()
            .iter()
            .map(|r| format!("{:<42} {}", r.code, r.default_level()))
            .collect();
        insta::assert_snapshot!(list.join("\n"));
    }
}

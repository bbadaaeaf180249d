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
pub mod names;
pub mod network;
pub mod pools;
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
    /// Runs on a spec that matches the schema.
    Spec(fn(&mut Context)),
    /// Runs on an IAM policy document.
    Policy(fn(&mut iam::PolicyContext)),
    /// Reported while checking policies together: sizes that add up, how
    /// many are attached, and what they grant of the required permissions.
    PolicySet,
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
            Check::Spec(pools::master_count::check),
        ),
        Entry::new(
            &pools::master_size::MASTER_SIZE,
            Check::Spec(pools::master_size::check),
        ),
        Entry::new(
            &pools::single_master::SINGLE_MASTER,
            Check::Spec(pools::single_master::check),
        ),
        Entry::new(
            &pools::master_spread::MASTER_SPREAD,
            Check::Spec(pools::master_spread::check),
        ),
        Entry::new(
            &pools::invalid_name::INVALID_NAME,
            Check::Spec(pools::invalid_name::check),
        ),
        Entry::new(
            &pools::duplicate_name::DUPLICATE_NAME,
            Check::Spec(pools::duplicate_name::check),
        ),
        Entry::new(
            &pools::no_workload_capacity::NO_WORKLOAD_CAPACITY,
            Check::Spec(pools::no_workload_capacity::check),
        ),
        Entry::new(
            &pools::worker_capability_on_worker::WORKER_CAPABILITY_ON_WORKER,
            Check::Spec(pools::worker_capability_on_worker::check),
        ),
        Entry::new(
            &pools::az_not_in_placement::AZ_NOT_IN_PLACEMENT,
            Check::Spec(pools::az_not_in_placement::check),
        ),
        Entry::new(
            &pools::spot_on_master::SPOT_ON_MASTER,
            Check::Spec(pools::spot_on_master::check),
        ),
        Entry::new(
            &pools::spot_price::SPOT_PRICE,
            Check::Spec(pools::spot_price::check),
        ),
        Entry::new(
            &instance::unknown_type::UNKNOWN_TYPE,
            Check::Spec(instance::unknown_type::check),
        ),
        Entry::new(
            &instance::previous_generation::PREVIOUS_GENERATION,
            Check::Spec(instance::previous_generation::check),
        ),
        Entry::new(
            &instance::not_offered::NOT_OFFERED,
            Check::Spec(instance::not_offered::check),
        ),
        Entry::new(
            &instance::spot_unsupported::SPOT_UNSUPPORTED,
            Check::Spec(instance::spot_unsupported::check),
        ),
        Entry::new(
            &network::unknown_region::UNKNOWN_REGION,
            Check::Spec(network::unknown_region::check),
        ),
        Entry::new(
            &network::unknown_az::UNKNOWN_AZ,
            Check::Spec(network::unknown_az::check),
        ),
        Entry::new(
            &network::duplicate_az::DUPLICATE_AZ,
            Check::Spec(network::duplicate_az::check),
        ),
        Entry::new(
            &network::single_az::SINGLE_AZ,
            Check::Spec(network::single_az::check),
        ),
        Entry::new(
            &network::invalid_cidr::INVALID_CIDR,
            Check::Spec(network::invalid_cidr::check),
        ),
        Entry::new(
            &network::cidr_host_bits::CIDR_HOST_BITS,
            Check::Spec(network::cidr_host_bits::check),
        ),
        Entry::new(
            &network::cidr_size::CIDR_SIZE,
            Check::Spec(network::cidr_size::check),
        ),
        Entry::new(
            &network::non_private_cidr::NON_PRIVATE_CIDR,
            Check::Spec(network::non_private_cidr::check),
        ),
        Entry::new(
            &network::subnet_layout::SUBNET_LAYOUT,
            Check::Spec(network::subnet_layout::check),
        ),
        Entry::new(
            &network::subnet_capacity::SUBNET_CAPACITY,
            Check::Spec(network::subnet_capacity::check),
        ),
        Entry::new(
            &network::cidr_overlap::CIDR_OVERLAP,
            Check::Spec(network::cidr_overlap::check),
        ),
        Entry::new(
            &network::invalid_id::INVALID_ID,
            Check::Spec(network::invalid_id::check),
        ),
        Entry::new(
            &network::duplicate_subnet::DUPLICATE_SUBNET,
            Check::Spec(network::duplicate_subnet::check),
        ),
        Entry::new(
            &network::az_missing_subnet::AZ_MISSING_SUBNET,
            Check::Spec(network::az_missing_subnet::check),
        ),
        Entry::new(
            &network::subnet_outside_vpc::SUBNET_OUTSIDE_VPC,
            Check::Spec(network::subnet_outside_vpc::check),
        ),
        Entry::new(
            &network::subnet_overlap::SUBNET_OVERLAP,
            Check::Spec(network::subnet_overlap::check),
        ),
        Entry::new(
            &subnets::missing_tags::MISSING_TAGS,
            Check::Spec(subnets::missing_tags::check),
        ),
        Entry::new(
            &subnets::foreign_cluster::FOREIGN_CLUSTER,
            Check::Spec(subnets::foreign_cluster::check),
        ),
        Entry::new(
            &tags::too_many::TOO_MANY,
            Check::Spec(tags::too_many::check),
        ),
        Entry::new(
            &tags::invalid_key::INVALID_KEY,
            Check::Spec(tags::invalid_key::check),
        ),
        Entry::new(
            &tags::invalid_value::INVALID_VALUE,
            Check::Spec(tags::invalid_value::check),
        ),
        Entry::new(
            &tags::reserved_prefix::RESERVED_PREFIX,
            Check::Spec(tags::reserved_prefix::check),
        ),
        Entry::new(
            &tags::managed_key::MANAGED_KEY,
            Check::Spec(tags::managed_key::check),
        ),
        Entry::new(
            &names::invalid_cluster_name::INVALID_CLUSTER_NAME,
            Check::Spec(names::invalid_cluster_name::check),
        ),
        Entry::new(
            &names::load_balancer_name::LOAD_BALANCER_NAME,
            Check::Spec(names::load_balancer_name::check),
        ),
        Entry::new(
            &security::ssh_open_to_world::SSH_OPEN_TO_WORLD,
            Check::Spec(security::ssh_open_to_world::check),
        ),
        Entry::new(
            &security::credentials_in_spec::CREDENTIALS_IN_SPEC,
            Check::Tree(security::credentials_in_spec::check),
        ),
        Entry::new(
            &account::role_arn::ROLE_ARN,
            Check::Spec(account::role_arn::check),
        ),
        Entry::new(
            &account::external_id::EXTERNAL_ID,
            Check::Spec(account::external_id::check),
        ),
        Entry::new(
            &quota::on_demand_vcpus::ON_DEMAND_VCPUS,
            Check::Spec(quota::on_demand_vcpus::check),
        ),
        Entry::new(
            &quota::spot_vcpus::SPOT_VCPUS,
            Check::Spec(quota::spot_vcpus::check),
        ),
        Entry::new(&quota::vpcs::VPCS, Check::Spec(quota::vpcs::check)),
        Entry::new(
            &quota::internet_gateways::INTERNET_GATEWAYS,
            Check::Spec(quota::internet_gateways::check),
        ),
        Entry::new(
            &quota::nat_gateways::NAT_GATEWAYS,
            Check::Spec(quota::nat_gateways::check),
        ),
        Entry::new(
            &quota::elastic_ips::ELASTIC_IPS,
            Check::Spec(quota::elastic_ips::check),
        ),
        Entry::new(
            &quota::classic_load_balancers::CLASSIC_LOAD_BALANCERS,
            Check::Spec(quota::classic_load_balancers::check),
        ),
        Entry::new(&quota::near_limit::NEAR_LIMIT, Check::Loader),
        Entry::new(&quota::unverified::UNVERIFIED, Check::Loader),
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
            &iam::trust_missing_external_id::TRUST_MISSING_EXTERNAL_ID,
            Check::Policy(iam::trust_missing_external_id::check),
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
}

impl Context<'_> {
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

pub fn run_spec_rules(cx: &mut Context) {
    for entry in registry() {
        if let Check::Spec(check) = entry.check {
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

    /// Renaming or removing a code breaks users' configs and suppressions:
    /// this snapshot makes every such change deliberate.
    #[test]
    fn the_list_of_codes_is_stable() {
        let list: Vec<String> = all()
            .iter()
            .map(|r| format!("{:<42} {}", r.code, r.default_severity))
            .collect();
        insta::assert_snapshot!(list.join("\n"));
    }
}

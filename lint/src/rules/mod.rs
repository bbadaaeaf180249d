//! The rule registry: every code awscluster can report, with its default
//! severity and documentation, and the checks behind them.
//!
//! One rule, one file. A rule file holds the rule's documentation as its doc
//! comment (the first line is its summary; then what it checks, why it
//! matters, an example), the check, and its passing and failing tests.
//! `awscluster rules`, `awscluster explain`, the README's rule table and the
//! SARIF rule metadata all read the documentation from here.

use std::sync::Arc;

use crate::diagnostic::{Diagnostic, Severity};
use crate::layout::Layout;
use crate::source::{Node, SourceFile, Span};
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

/// One rule: a stable code, a default severity, its documentation and, for
/// rules that look at a spec, its check.
pub struct Rule {
    /// `<group>/<kebab-name>`; never reused once published.
    pub code: &'static str,
    pub default_severity: Severity,
    /// The rule's doc comment as written (each line keeps its leading space).
    raw_docs: &'static str,
    pub check: Check,
}

/// When a rule runs.
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
    Policy(fn(&mut crate::iam::PolicyContext)),
    /// Reported while checking policies together: sizes that add up, how
    /// many are attached, and what they grant of the required permissions.
    PolicySet,
}

impl Rule {
    #[doc(hidden)]
    pub const fn new(
        code: &'static str,
        default_severity: Severity,
        raw_docs: &'static str,
        check: Check,
    ) -> Rule {
        Rule {
            code,
            default_severity,
            raw_docs,
            check,
        }
    }

    pub fn group(&self) -> &'static str {
        self.code.split_once('/').map_or(self.code, |(g, _)| g)
    }

    /// The first line of the documentation.
    pub fn summary(&self) -> &'static str {
        self.raw_docs
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or("")
    }

    /// The documentation as Markdown, without the summary line.
    pub fn docs(&self) -> String {
        let mut lines = self
            .raw_docs
            .lines()
            .map(|l| l.strip_prefix(' ').unwrap_or(l));
        lines.next();
        let body: Vec<&str> = lines.collect();
        body.join("\n").trim().to_string()
    }
}

impl std::fmt::Debug for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code)
    }
}

/// Declares a rule whose doc comment is its documentation.
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])+
        $vis:vis static $name:ident = Rule {
            code: $code:literal,
            severity: $severity:ident,
            check: $check:expr $(,)?
        };
    ) => {
        $(#[doc = $doc])+
        $vis static $name: $crate::rules::Rule = $crate::rules::Rule::new(
            $code,
            $crate::diagnostic::Severity::$severity,
            concat!($($doc, "\n"),+),
            $check,
        );
    };
}
pub(crate) use declare_rule;

/// Every rule, grouped, in the order the docs list them.
pub fn all() -> &'static [&'static Rule] {
    static ALL: &[&Rule] = &[
        &spec::syntax::SYNTAX,
        &spec::duplicate_key::DUPLICATE_KEY,
        &spec::unknown_field::UNKNOWN_FIELD,
        &spec::invalid_value::INVALID_VALUE,
        &pools::master_count::MASTER_COUNT,
        &pools::master_size::MASTER_SIZE,
        &pools::single_master::SINGLE_MASTER,
        &pools::master_spread::MASTER_SPREAD,
        &pools::invalid_name::INVALID_NAME,
        &pools::duplicate_name::DUPLICATE_NAME,
        &pools::no_workload_capacity::NO_WORKLOAD_CAPACITY,
        &pools::worker_capability_on_worker::WORKER_CAPABILITY_ON_WORKER,
        &pools::az_not_in_placement::AZ_NOT_IN_PLACEMENT,
        &pools::spot_on_master::SPOT_ON_MASTER,
        &pools::spot_price::SPOT_PRICE,
        &instance::unknown_type::UNKNOWN_TYPE,
        &instance::previous_generation::PREVIOUS_GENERATION,
        &instance::not_offered::NOT_OFFERED,
        &instance::spot_unsupported::SPOT_UNSUPPORTED,
        &network::unknown_region::UNKNOWN_REGION,
        &network::unknown_az::UNKNOWN_AZ,
        &network::duplicate_az::DUPLICATE_AZ,
        &network::single_az::SINGLE_AZ,
        &network::invalid_cidr::INVALID_CIDR,
        &network::cidr_host_bits::CIDR_HOST_BITS,
        &network::cidr_size::CIDR_SIZE,
        &network::non_private_cidr::NON_PRIVATE_CIDR,
        &network::subnet_layout::SUBNET_LAYOUT,
        &network::subnet_capacity::SUBNET_CAPACITY,
        &network::cidr_overlap::CIDR_OVERLAP,
        &network::invalid_id::INVALID_ID,
        &network::duplicate_subnet::DUPLICATE_SUBNET,
        &network::az_missing_subnet::AZ_MISSING_SUBNET,
        &network::subnet_outside_vpc::SUBNET_OUTSIDE_VPC,
        &network::subnet_overlap::SUBNET_OVERLAP,
        &subnets::missing_tags::MISSING_TAGS,
        &subnets::foreign_cluster::FOREIGN_CLUSTER,
        &tags::too_many::TOO_MANY,
        &tags::invalid_key::INVALID_KEY,
        &tags::invalid_value::INVALID_VALUE,
        &tags::reserved_prefix::RESERVED_PREFIX,
        &tags::managed_key::MANAGED_KEY,
        &names::invalid_cluster_name::INVALID_CLUSTER_NAME,
        &names::load_balancer_name::LOAD_BALANCER_NAME,
        &security::ssh_open_to_world::SSH_OPEN_TO_WORLD,
        &security::credentials_in_spec::CREDENTIALS_IN_SPEC,
        &account::role_arn::ROLE_ARN,
        &account::external_id::EXTERNAL_ID,
        &quota::on_demand_vcpus::ON_DEMAND_VCPUS,
        &quota::spot_vcpus::SPOT_VCPUS,
        &quota::vpcs::VPCS,
        &quota::internet_gateways::INTERNET_GATEWAYS,
        &quota::nat_gateways::NAT_GATEWAYS,
        &quota::elastic_ips::ELASTIC_IPS,
        &quota::classic_load_balancers::CLASSIC_LOAD_BALANCERS,
        &iam::invalid_element::INVALID_ELEMENT,
        &iam::wrong_type::WRONG_TYPE,
        &iam::missing_element::MISSING_ELEMENT,
        &iam::missing_resource::MISSING_RESOURCE,
        &iam::invalid_effect::INVALID_EFFECT,
        &iam::missing_version::MISSING_VERSION,
        &iam::old_version::OLD_VERSION,
        &iam::invalid_version::INVALID_VERSION,
        &iam::duplicate_sid::DUPLICATE_SID,
        &iam::invalid_sid::INVALID_SID,
        &iam::empty_array::EMPTY_ARRAY,
        &iam::unknown_service::UNKNOWN_SERVICE,
        &iam::unknown_action::UNKNOWN_ACTION,
        &iam::wildcard_matches_nothing::WILDCARD_MATCHES_NOTHING,
        &iam::unknown_condition_operator::UNKNOWN_CONDITION_OPERATOR,
        &iam::unsupported_condition_key::UNSUPPORTED_CONDITION_KEY,
        &iam::invalid_arn::INVALID_ARN,
        &iam::resource_mismatch::RESOURCE_MISMATCH,
        &iam::hardcoded_partition::HARDCODED_PARTITION,
        &iam::duplicate_action::DUPLICATE_ACTION,
        &iam::redundant_action::REDUNDANT_ACTION,
        &iam::redundant_statement::REDUNDANT_STATEMENT,
        &iam::passrole_star::PASSROLE_STAR,
        &iam::allow_not_action::ALLOW_NOT_ACTION,
        &iam::allow_not_resource::ALLOW_NOT_RESOURCE,
        &iam::service_linked_role_mismatch::SERVICE_LINKED_ROLE_MISMATCH,
        &iam::trust_missing_external_id::TRUST_MISSING_EXTERNAL_ID,
        &iam::policy_size::POLICY_SIZE,
        &iam::policy_size_near_limit::POLICY_SIZE_NEAR_LIMIT,
        &iam::attached_policies::ATTACHED_POLICIES,
        &iam::not_granted::NOT_GRANTED,
        &iam::granted_on_other_resources::GRANTED_ON_OTHER_RESOURCES,
        &iam::conditionally_granted::CONDITIONALLY_GRANTED,
        &iam::denied::DENIED,
        &iam::possibly_denied::POSSIBLY_DENIED,
        &iam::policy_not_found::POLICY_NOT_FOUND,
        &config::unused_ignore::UNUSED_IGNORE,
    ];
    ALL
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

/// Where findings about one file go.
pub struct Sink {
    file: Arc<SourceFile>,
    out: Vec<Diagnostic>,
}

impl Sink {
    pub fn new(file: Arc<SourceFile>) -> Sink {
        Sink {
            file,
            out: Vec::new(),
        }
    }

    pub fn file(&self) -> &Arc<SourceFile> {
        &self.file
    }

    /// Records a finding at `span` and returns it for labels and help.
    pub fn emit(
        &mut self,
        rule: &'static Rule,
        span: Span,
        message: impl Into<String>,
    ) -> &mut Diagnostic {
        self.out
            .push(Diagnostic::new(rule, &self.file, span, message));
        self.out.last_mut().expect("just pushed")
    }

    pub fn into_diagnostics(self) -> Vec<Diagnostic> {
        self.out
    }

    /// Adds findings made elsewhere (in other files, say).
    pub fn extend(&mut self, found: impl IntoIterator<Item = Diagnostic>) {
        self.out.extend(found);
    }
}

/// Settings that change what the rules compare against.
#[derive(Debug, Default, Clone)]
pub struct Settings {
    /// Quota values the account really has, by quota code, replacing AWS's
    /// defaults in the `quota` rules.
    pub quotas: std::collections::BTreeMap<String, f64>,
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
    for rule in all() {
        if let Check::Tree(check) = rule.check {
            check(root, sink);
        }
    }
}

pub fn run_spec_rules(cx: &mut Context) {
    for rule in all() {
        if let Check::Spec(check) = rule.check {
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

//! IAM policies: grammar, names, resources, redundancy, security, trust,
//! size and coverage.

pub mod allow_not_action;
pub mod allow_not_resource;
pub mod attached_policies;
pub mod conditionally_granted;
pub mod denied;
pub mod duplicate_action;
pub mod duplicate_sid;
pub mod empty_array;
pub mod granted_on_other_resources;
pub mod hardcoded_partition;
pub mod invalid_arn;
pub mod invalid_effect;
pub mod invalid_element;
pub mod invalid_sid;
pub mod invalid_version;
pub mod missing_element;
pub mod missing_resource;
pub mod missing_version;
pub mod not_granted;
pub mod old_version;
pub mod passrole_star;
pub mod policy_not_found;
pub mod policy_size;
pub mod policy_size_near_limit;
pub mod possibly_denied;
pub mod redundant_action;
pub mod redundant_statement;
pub mod resource_mismatch;
pub mod service_linked_role_mismatch;
pub mod trust_missing_external_id;
pub mod unknown_action;
pub mod unknown_condition_operator;
pub mod unknown_service;
pub mod unsupported_condition_key;
pub mod wildcard_matches_nothing;
pub mod wrong_type;

#[cfg(test)]
pub(crate) mod testing;

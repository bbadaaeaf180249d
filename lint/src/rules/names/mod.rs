//! Names that become AWS resource names.

pub mod derived_name;
pub mod instance_profile;
pub mod invalid_cluster_name;
pub mod load_balancer_name;

/// What is wrong with `name` as a lowercase DNS label of at most `max`
/// characters, worded to follow the name in a message.
pub fn dns_label_problem(name: &str, max: usize) -> Option<String> {
    if name.is_empty() {
        return Some("is empty".into());
    }
    let len = name.chars().count();
    if len > max {
        return Some(format!("is {len} characters long; the most is {max}"));
    }
    if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        return Some("must start with a lowercase letter".into());
    }
    if name.ends_with('-') {
        return Some("must not end with a hyphen".into());
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
    {
        return Some(format!(
            "contains `{bad}`; only lowercase letters, digits and hyphens are allowed"
        ));
    }
    None
}

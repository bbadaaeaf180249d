use crate::rules::{Context, Section, declare_rule};

/// The longest name a classic load balancer can have.
pub const MAX_ELB_NAME: usize = 32;
pub const APISERVER_SUFFIX: &str = "-apiserver";

declare_rule! {
    /// The API server's load balancer name fits in 32 characters.
    ///
    /// ## What it checks
    /// That `<name>-apiserver`, the name of the classic load balancer in front
    /// of the API server, is at most 32 characters: the cluster name at most
    /// 22.
    ///
    /// ## Why it matters
    /// Elastic Load Balancing refuses longer names. Everything before the load
    /// balancer (VPC, subnets, gateways) would be created first, and the apply
    /// would fail at the end.
    ///
    /// ## Example
    /// ```json
    /// {"name": "payments-production-us-east"}
    /// ```
    /// `payments-production-us-east-apiserver` is 37 characters.
    pub static LOAD_BALANCER_NAME = Rule {
        code: "names/load-balancer-name",
        severity: Error,
    };
}

/// The parts of the spec the check reads.
pub(crate) const READS: &[Section] = &[Section::Name];

pub(crate) fn check(cx: &mut Context) {
    let name = &cx.spec.name;
    let elb = crate::naming::load_balancer(name.as_str());
    if elb.chars().count() > MAX_ELB_NAME {
        cx.emit(
            &LOAD_BALANCER_NAME,
            name.span,
            format!("the API server's load balancer name `{elb}` is {} characters; the most is {MAX_ELB_NAME}", elb.chars().count()),
        )
        .with_help(format!(
            "shorten the cluster name to {} characters or fewer",
            MAX_ELB_NAME - APISERVER_SUFFIX.len()
        ));
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::testing::{base, fires, quiet, with};

    #[test]
    fn fires_past_22_characters() {
        fires(
            &LOAD_BALANCER_NAME,
            &with(|s| s["name"] = json!("a".repeat(23))),
        );
    }

    #[test]
    fn quiet_up_to_22() {
        quiet(&LOAD_BALANCER_NAME, &base());
        quiet(
            &LOAD_BALANCER_NAME,
            &with(|s| s["name"] = json!("a".repeat(22))),
        );
    }
}

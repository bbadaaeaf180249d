use ipnet::IpNet;

use crate::cidr;
use crate::rules::{Context, Section, declare_rule};

declare_rule! {
    /// The API is not written open to the whole internet.
    ///
    /// ## What it checks
    /// `apiServer.allowedCidrs` for `0.0.0.0/0` or `::/0` (any prefix-0
    /// block) written in the spec. Left out, the API is open to every
    /// address, as with Cluster API Provider AWS: said in the docs, not
    /// reported.
    ///
    /// ## Why it matters
    /// The Kubernetes API is the cluster's control: a leaked kubeconfig, a
    /// token or an API server flaw is then usable from anywhere. Allow the
    /// offices, VPN egress and CI runners that need it, or make the load
    /// balancer `internal`.
    ///
    /// ## Example
    /// ```json
    /// {"apiServer": {"allowedCidrs": ["0.0.0.0/0"]}}
    /// ```
    pub static API_OPEN_TO_WORLD = Rule {
        code: "security/api-open-to-world",
        severity: Warning,
    };
}

/// The parts of the spec the check reads.
pub(crate) const READS: &[Section] = &[Section::ApiServer];

pub(crate) fn check(cx: &mut Context) {
    let Some(cidrs) = cx
        .spec
        .api_server
        .as_ref()
        .and_then(|a| a.allowed_cidrs.as_ref())
    else {
        return;
    };
    for source in cidrs.iter() {
        let Ok(net) = cidr::parse_any(source) else {
            continue;
        };
        if net.prefix_len() == 0 {
            let family = if matches!(net, IpNet::V4(_)) {
                "IPv4"
            } else {
                "IPv6"
            };
            cx.emit(
                &API_OPEN_TO_WORLD,
                source.span,
                format!("the Kubernetes API accepts connections from every {family} address"),
            )
            .with_help(
                "allow only the blocks that use the API (an office, a VPN's egress, CI runners), \
                 or set `apiServer.scheme` to `internal`",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::testing::{base, fires, quiet, with};

    #[test]
    fn fires_on_the_whole_internet_written() {
        fires(
            &API_OPEN_TO_WORLD,
            &with(|s| s["apiServer"] = json!({"allowedCidrs": ["0.0.0.0/0"]})),
        );
        fires(
            &API_OPEN_TO_WORLD,
            &with(|s| s["apiServer"] = json!({"allowedCidrs": ["203.0.113.0/24", "::/0"]})),
        );
    }

    #[test]
    fn quiet_on_specific_blocks_and_on_the_default() {
        quiet(&API_OPEN_TO_WORLD, &base());
        quiet(
            &API_OPEN_TO_WORLD,
            &with(|s| {
                s["apiServer"] = json!({"allowedCidrs": ["203.0.113.0/24"], "scheme": "internal"})
            }),
        );
    }
}

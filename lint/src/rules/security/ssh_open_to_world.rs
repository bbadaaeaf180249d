use ipnet::IpNet;

use crate::cidr;
use crate::rules::{Context, Section, declare_rule};

declare_rule! {
    /// The bastion does not accept SSH from the whole internet.
    ///
    /// ## What it checks
    /// The bastion's `allowedCidrs` for `0.0.0.0/0` or `::/0` (any prefix-0
    /// block).
    ///
    /// ## Why it matters
    /// The bastion is the one way into the cluster's private network. Open to
    /// every address, it meets a constant stream of SSH brute-force and
    /// exploit attempts; a single weak key or unpatched daemon opens the
    /// cluster. Allow the offices, VPN egress or CI runners that need it.
    ///
    /// ## Example
    /// ```json
    /// {"bastion": {"allowedCidrs": ["0.0.0.0/0"]}}
    /// ```
    pub static SSH_OPEN_TO_WORLD = Rule {
        code: "security/ssh-open-to-world",
        severity: Warning,
    };
}

/// The parts of the spec the check reads.
pub(crate) const READS: &[Section] = &[Section::Bastion];

pub(crate) fn check(cx: &mut Context) {
    let Some(bastion) = &cx.spec.bastion else {
        return;
    };
    for source in bastion.allowed_cidrs.iter() {
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
                &SSH_OPEN_TO_WORLD,
                source.span,
                format!("the bastion accepts SSH from every {family} address"),
            )
            .with_help(
                "allow only the blocks that need SSH access: an office, a VPN's egress, CI runners",
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
    fn fires_on_the_whole_internet() {
        fires(
            &SSH_OPEN_TO_WORLD,
            &with(|s| s["bastion"]["allowedCidrs"] = json!(["0.0.0.0/0"])),
        );
        fires(
            &SSH_OPEN_TO_WORLD,
            &with(|s| s["bastion"]["allowedCidrs"] = json!(["203.0.113.0/24", "::/0"])),
        );
    }

    #[test]
    fn quiet_on_specific_blocks() {
        quiet(&SSH_OPEN_TO_WORLD, &base());
    }
}

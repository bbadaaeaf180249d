//! Parsing the CIDR blocks a spec is full of.

use std::net::Ipv4Addr;

use ipnet::{IpNet, Ipv4Net};

/// Why a CIDR did not parse, worded for a diagnostic.
#[derive(Debug, Clone, PartialEq)]
pub struct CidrError {
    pub message: String,
    pub help: Option<String>,
}

/// Parses an IPv4 CIDR as written, host bits included.
pub fn parse_v4(text: &str) -> Result<Ipv4Net, CidrError> {
    match text.parse::<Ipv4Net>() {
        Ok(net) => Ok(net),
        Err(_) => Err(explain(text, true)),
    }
}

/// Parses an IPv4 or IPv6 CIDR as written.
pub fn parse_any(text: &str) -> Result<IpNet, CidrError> {
    text.parse::<IpNet>().map_err(|_| explain(text, false))
}

/// The network `text` denotes (host bits cleared), if it parses.
pub fn network_v4(text: &str) -> Option<Ipv4Net> {
    parse_v4(text).ok().map(|n| n.trunc())
}

fn explain(text: &str, v4_only: bool) -> CidrError {
    let kind = if v4_only {
        "an IPv4 CIDR block"
    } else {
        "a CIDR block"
    };
    if text.parse::<Ipv4Addr>().is_ok() {
        return CidrError {
            message: format!("`{text}` is an address, not {kind}: the prefix length is missing"),
            help: Some(format!("for this single address write `{text}/32`")),
        };
    }
    if v4_only && text.parse::<IpNet>().is_ok() {
        return CidrError {
            message: format!("`{text}` is IPv6; this field takes {kind}"),
            help: None,
        };
    }
    if let Some((addr, prefix)) = text.split_once('/')
        && addr.parse::<Ipv4Addr>().is_ok()
        && prefix.parse::<u8>().is_ok_and(|p| p > 32)
    {
        return CidrError {
            message: format!("`{text}`: an IPv4 prefix length is at most 32"),
            help: None,
        };
    }
    CidrError {
        message: format!("`{text}` is not {kind}"),
        help: Some("write it as address/prefix, such as `10.0.0.0/16`".into()),
    }
}

/// The RFC 1918 private blocks.
pub const PRIVATE_V4: [&str; 3] = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"];

pub fn is_private(net: &Ipv4Net) -> bool {
    PRIVATE_V4
        .iter()
        .filter_map(|p| p.parse::<Ipv4Net>().ok())
        .any(|p| p.contains(net))
}

pub fn overlaps(a: &Ipv4Net, b: &Ipv4Net) -> bool {
    a.contains(&b.network()) || b.contains(&a.network())
}

/// Addresses in a block (a /0 has 2^32).
pub fn size(net: &Ipv4Net) -> u64 {
    1u64 << (32 - net.prefix_len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explains_what_is_wrong() {
        assert!(parse_v4("10.0.0.0/16").is_ok());
        assert!(
            parse_v4("10.0.0.0")
                .unwrap_err()
                .message
                .contains("prefix length is missing")
        );
        assert!(
            parse_v4("10.0.0.0/33")
                .unwrap_err()
                .message
                .contains("at most 32")
        );
        assert!(parse_v4("fd00::/8").unwrap_err().message.contains("IPv6"));
        assert!(parse_v4("ten/8").unwrap_err().message.contains("is not"));
        assert!(parse_any("::/0").is_ok());
    }

    #[test]
    fn overlap_and_privacy() {
        let n = |s: &str| s.parse::<Ipv4Net>().unwrap();
        assert!(overlaps(&n("10.0.0.0/16"), &n("10.0.1.0/24")));
        assert!(!overlaps(&n("10.0.0.0/16"), &n("10.1.0.0/16")));
        assert!(is_private(&n("172.20.0.0/16")));
        assert!(!is_private(&n("100.64.0.0/16")));
        assert_eq!(size(&n("10.0.0.0/28")), 16);
    }
}

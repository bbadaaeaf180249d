use crate::rules::{Sink, declare_rule};
use crate::source::{Node, Span, Value};

declare_rule! {
    /// A spec holds no AWS credentials.
    ///
    /// ## What it checks
    /// Every key and string of the file, whatever its structure: an access key
    /// ID (`AKIA…`, `ASIA…` and the other AWS key prefixes followed by 16
    /// characters), a secret access key (40 base64 characters) or a field named
    /// like one (`secretAccessKey`, `aws_session_token`, …). No report repeats
    /// the secret: messages do not quote it, and source excerpts mask it.
    ///
    /// ## Why it matters
    /// Specs live in repositories and CI logs. A committed key stays in the
    /// history after it is deleted, and public repositories are scanned for
    /// keys within minutes. awscluster gets credentials from the default chain
    /// or assumes the role named in `cloudAccount.assumeRole`: never from the
    /// spec.
    ///
    /// ## Example
    /// ```json
    /// {"cloudAccount": {"accessKeyId": "AKIAIOSFODNN7EXAMPLE"}}
    /// ```
    pub static CREDENTIALS_IN_SPEC = Rule {
        code: "security/credentials-in-spec",
        severity: Error,
    };
}

const ACCESS_KEY_PREFIXES: [&str; 10] = [
    "AKIA", "ASIA", "AGPA", "AIDA", "AROA", "AIPA", "ANPA", "ANVA", "APKA", "ABIA",
];

const HELP: &str = "remove it and rotate the key; awscluster uses the default credential chain, or assumes the role in `cloudAccount.assumeRole`";

/// A credential in the document: where to point, and the secret itself.
struct Leak {
    at: Span,
    message: String,
    secret: Option<Span>,
}

fn leaks(root: &Node) -> Vec<Leak> {
    let mut found = Vec::new();
    root.walk(&mut |member, node| {
        if let Some(m) = member
            && is_credential_field(&m.key)
        {
            found.push(Leak {
                at: m.key_span,
                message: format!("`{}` holds credentials; a spec must not", m.key),
                secret: matches!(node.value, Value::String(_)).then_some(node.span),
            });
            return;
        }
        if let Value::String(s) = &node.value {
            let what = if is_access_key_id(s) {
                Some("an AWS access key ID")
            } else if is_secret_access_key(s) {
                Some("what looks like an AWS secret access key")
            } else {
                None
            };
            if let Some(what) = what {
                found.push(Leak {
                    at: node.span,
                    message: format!("the spec contains {what}"),
                    secret: Some(node.span),
                });
            }
        }
    });
    found
}

/// The spans of every secret in the document, so that reports can mask
/// them wherever they show the source.
pub fn secret_spans(root: &Node) -> Vec<Span> {
    leaks(root).into_iter().filter_map(|l| l.secret).collect()
}

pub(crate) fn check(root: &Node, sink: &mut Sink) {
    for leak in leaks(root) {
        sink.emit(&CREDENTIALS_IN_SPEC, leak.at, leak.message)
            .with_help(HELP);
    }
}

fn is_credential_field(key: &str) -> bool {
    let normalized: String = key
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    [
        "accesskeyid",
        "awsaccesskeyid",
        "secretaccesskey",
        "awssecretaccesskey",
        "secretkey",
        "sessiontoken",
        "awssessiontoken",
    ]
    .contains(&normalized.as_str())
}

fn is_access_key_id(s: &str) -> bool {
    s.len() == 20
        && ACCESS_KEY_PREFIXES.iter().any(|p| s.starts_with(p))
        && s.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

/// Forty base64 characters with the mix a random key has; names, IDs and
/// CIDRs never look like this.
fn is_secret_access_key(s: &str) -> bool {
    s.len() == 40
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'/' || b == b'+')
        && s.bytes().any(|b| b.is_ascii_uppercase())
        && s.bytes().any(|b| b.is_ascii_lowercase())
        && s.bytes()
            .any(|b| b.is_ascii_digit() || b == b'/' || b == b'+')
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::testing::{base, fires, quiet, with};

    #[test]
    fn fires_on_keys_secrets_and_credential_fields_without_echoing_them() {
        let found = fires(
            &CREDENTIALS_IN_SPEC,
            &with(|s| s["description"] = json!("AKIAIOSFODNN7EXAMPLE")),
        );
        assert!(!found[0].message.contains("AKIA"));
        fires(
            &CREDENTIALS_IN_SPEC,
            &with(|s| s["tags"] = json!({"k": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"})),
        );
        // Even where the schema has no such field, so the schema error does
        // not hide the leak.
        fires(
            &CREDENTIALS_IN_SPEC,
            &with(|s| s["cloudAccount"] = json!({"secret_access_key": "x"})),
        );
    }

    #[test]
    fn no_finding_quotes_the_secret_in_its_source() {
        let spec = with(|s| s["cloudAccount"] = json!({"accessKeyId": "AKIAIOSFODNN7EXAMPLE"}));
        let found = crate::rules::testing::lint(&spec);
        assert!(found.len() >= 2, "the leak and the unknown field");
        for d in &found {
            for label in &d.labels {
                assert!(
                    !label.file.text.contains("AKIAIOSFODNN7EXAMPLE"),
                    "{} shows the key",
                    d.rule.code
                );
                assert!(
                    label
                        .file
                        .text
                        .contains("\"accessKeyId\": \"********************\"")
                );
            }
        }
    }

    #[test]
    fn quiet_on_ordinary_strings() {
        quiet(&CREDENTIALS_IN_SPEC, &base());
        quiet(
            &CREDENTIALS_IN_SPEC,
            &with(|s| s["description"] = json!("a".repeat(40))),
        );
        quiet(
            &CREDENTIALS_IN_SPEC,
            &with(|s| s["description"] = json!("AKIA is the prefix of access keys")),
        );
    }
}

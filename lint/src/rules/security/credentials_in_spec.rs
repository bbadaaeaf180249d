use crate::rules::{Sink, declare_rule};
use crate::source::{Node, Span, Value};

declare_rule! {
    /// A spec holds no AWS credentials.
    ///
    /// ## What it checks
    /// Every key and string of the file, whatever its structure, and inside
    /// every string (user data scripts, tag values): an access key ID
    /// (`AKIA`, `ASIA`, `ABIA` or `ACCA` and 16 more letters and digits), a
    /// secret access key (40 base64 characters as a whole value, or after a
    /// name such as `aws_secret_access_key=` or `AWS_SECRET_ACCESS_KEY:`), a
    /// session token (after `aws_session_token=` and its kin, or by the
    /// prefix STS tokens start with), or a field named like one
    /// (`secretAccessKey`, `aws_session_token`, …). Role and user IDs
    /// (`AROA…`, `AIDA…`) are not credentials and pass. No report repeats
    /// the secret: messages do not quote it, and every source excerpt of the
    /// file, in every finding, masks it.
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

/// Prefixes of the access key IDs that are credentials: long-term keys
/// (`AKIA`), temporary ones (`ASIA`), bearer tokens (`ABIA`) and
/// context-specific credentials (`ACCA`). The other unique-ID prefixes
/// (`AIDA` users, `AROA` roles, …) identify and grant nothing. AWS's IAM
/// user guide, "Unique identifier prefixes".
const ACCESS_KEY_PREFIXES: [&str; 4] = ["AKIA", "ASIA", "ABIA", "ACCA"];

/// Names a secret access key goes by, in any case, with or without `_`,
/// `-` or `.` between the words.
const SECRET_KEY_NAMES: [&str; 5] = [
    "awssecretaccesskey",
    "secretaccesskey",
    "awssecretkey",
    "secretkey",
    "awssecret",
];

/// Names a session token goes by.
const SESSION_TOKEN_NAMES: [&str; 5] = [
    "awssessiontoken",
    "awssecuritytoken",
    "xamzsecuritytoken",
    "sessiontoken",
    "securitytoken",
];

/// How STS session tokens start (their base64 decodes to a fixed header).
const SESSION_TOKEN_PREFIXES: [&str; 5] = [
    "IQoJb3JpZ2luX2Vj",
    "FwoGZXIvYXdzE",
    "FQoGZXIvYXdzE",
    "FQoDYXdzE",
    "AQoDYXdzE",
];

/// The longest credential looked for: session tokens are capped at 4,096
/// bytes; twice that is read of a value before it is given up on.
const MAX_SECRET: usize = 8192;

const HELP: &str = "remove it and rotate the key; awscluster uses the default credential chain, or assumes the role in `cloudAccount.assumeRole`";

/// A credential in the document: where to point, and the secret itself.
struct Leak {
    at: Span,
    message: String,
    secret: Option<Span>,
}

fn leaks(root: &Node, text: &str) -> Vec<Leak> {
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
        // A key may hold one too (it is text like any other).
        if let Some(m) = member {
            locate(&m.key, m.key_span, text, &mut found);
        }
        if let Value::String(s) = &node.value {
            locate(s, node.span, text, &mut found);
        }
    });
    found
}

/// The credentials in `value`, which was read from `span` of the file:
/// each found where it stands in the file when it is there as it is (it has
/// no character JSON or YAML would escape), else at the whole value. Each
/// is looked for after the one before, so that a key given twice is found
/// (and masked) twice.
fn locate(value: &str, span: Span, text: &str, found: &mut Vec<Leak>) {
    let source = text
        .get(span.start as usize..span.end as usize)
        .unwrap_or("");
    let mut from = 0;
    for (what, range) in secrets_in(value) {
        let secret = &value[range];
        let at = memchr::memmem::find(
            &source.as_bytes()[from.min(source.len())..],
            secret.as_bytes(),
        )
        .map(|i| {
            let start = from + i;
            from = start + secret.len();
            Span::new(span.start as usize + start, span.start as usize + from)
        })
        .unwrap_or(span);
        found.push(Leak {
            at,
            message: format!("the spec contains {what}"),
            secret: Some(at),
        });
    }
}

/// Reports each credential and masks it in every excerpt of the file,
/// whatever else is reported there (and whether or not this rule is on).
pub(crate) fn check(root: &Node, sink: &mut Sink) {
    let file = std::sync::Arc::clone(sink.file());
    for leak in leaks(root, &file.text) {
        if let Some(secret) = leak.secret {
            sink.mask(secret);
        }
        sink.emit(&CREDENTIALS_IN_SPEC, leak.at, leak.message)
            .with_help(HELP);
    }
}

/// The longest name looked for, normalized (`awssecretaccesskey`).
const LONGEST_NAME: usize = 18;

/// The last [`LONGEST_NAME`] letters and digits of `name`, lowercase, on
/// the stack: every key of the document goes through here. `None` when
/// `name` has more letters and digits than that and `whole` is asked for.
fn normalized(name: &str, whole: bool) -> Option<([u8; LONGEST_NAME], usize)> {
    let mut out = [0u8; LONGEST_NAME];
    let mut len = 0;
    for b in name.bytes().rev().filter(u8::is_ascii_alphanumeric) {
        if len == LONGEST_NAME {
            return if whole { None } else { Some((out, len)) };
        }
        len += 1;
        out[LONGEST_NAME - len] = b.to_ascii_lowercase();
    }
    out.copy_within(LONGEST_NAME - len.., 0);
    Some((out, len))
}

fn is_credential_field(key: &str) -> bool {
    // Every name it could be has one of these letters: most keys are ruled
    // out without building the normalized form.
    if !key.bytes().any(|b| matches!(b | 0x20, b'k' | b't')) {
        return false;
    }
    let Some((buffer, len)) = normalized(key, true) else {
        return false;
    };
    let key = &buffer[..len];
    [b"accesskeyid".as_slice(), b"awsaccesskeyid"].contains(&key)
        || SECRET_KEY_NAMES.iter().any(|n| n.as_bytes() == key)
        || SESSION_TOKEN_NAMES.iter().any(|n| n.as_bytes() == key)
}

fn is_base64(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'/' || b == b'+'
}

/// The credentials inside a string, wherever they are in it (a script's
/// `export AWS_ACCESS_KEY_ID=…`, a tag value `aws_secret_access_key=…`):
/// what each is, and where. Linear in the string's length.
fn secrets_in(s: &str) -> Vec<(&'static str, std::ops::Range<usize>)> {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    // Access key IDs: a prefix and 16 more of [A-Z0-9], delimited. Every
    // prefix starts with `A`.
    if bytes.len() >= 20 {
        for i in memchr::memchr_iter(b'A', &bytes[..=bytes.len() - 20]) {
            let delimited_before = i == 0 || !bytes[i - 1].is_ascii_alphanumeric();
            if delimited_before
                && ACCESS_KEY_PREFIXES
                    .iter()
                    .any(|p| bytes[i..].starts_with(p.as_bytes()))
                && bytes[i + 4..i + 20]
                    .iter()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
                && bytes.get(i + 20).is_none_or(|b| !b.is_ascii_alphanumeric())
            {
                out.push(("an AWS access key ID", i..i + 20));
            }
        }
    }
    // A whole value that is a secret access key (forty base64 characters
    // with the mix a random key has).
    if is_secret_access_key(s) {
        out.push(("what looks like an AWS secret access key", 0..s.len()));
        return out;
    }
    // `name = value`, `name: value`, `name="value"`: a secret key or a
    // session token under one of its names.
    for (name_end, value) in assignments(s) {
        let name = &s[..name_end];
        let value_text = &s[value.clone()];
        let (is_secret, is_token) = named(name);
        if is_secret && value_text.len() == 40 && is_secret_access_key(value_text) {
            out.push(("an AWS secret access key", value));
        } else if is_token && value_text.len() >= 100 {
            out.push(("an AWS session token", value));
        }
    }
    // Session tokens by their prefix, wherever they are (a token is over a
    // hundred characters: shorter strings hold none).
    if bytes.len() < 100 {
        return out;
    }
    static FINDERS: std::sync::OnceLock<Vec<memchr::memmem::Finder<'static>>> =
        std::sync::OnceLock::new();
    let finders = FINDERS.get_or_init(|| {
        SESSION_TOKEN_PREFIXES
            .iter()
            .map(|p| memchr::memmem::Finder::new(p.as_bytes()))
            .collect()
    });
    for finder in finders {
        let mut covered = 0;
        for at in finder.find_iter(bytes) {
            if at > 0 && is_base64(bytes[at - 1]) {
                continue;
            }
            if at < covered {
                continue;
            }
            let end = at
                + bytes[at..]
                    .iter()
                    .take(MAX_SECRET)
                    .take_while(|&&b| is_base64(b) || b == b'=')
                    .count();
            covered = end;
            if end - at >= 100 && !out.iter().any(|(_, r)| r.start <= at && at < r.end) {
                out.push(("an AWS session token", at..end));
            }
        }
    }
    out
}

/// Whether the text before an assignment ends with the name of a secret
/// key, or of a session token.
fn named(before: &str) -> (bool, bool) {
    // The name is the run of name characters just before the separator.
    let start = before
        .char_indices()
        .rev()
        .find(|&(_, c)| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')))
        .map_or(0, |(i, c)| i + c.len_utf8());
    let Some((buffer, len)) = normalized(&before[start..], false) else {
        return (false, false);
    };
    let name = &buffer[..len];
    (
        SECRET_KEY_NAMES
            .iter()
            .any(|n| name.ends_with(n.as_bytes())),
        SESSION_TOKEN_NAMES
            .iter()
            .any(|n| name.ends_with(n.as_bytes())),
    )
}

/// Each `name <sep> value` in the text: the end of the name (where the
/// separator starts) and the value's range, the value a run of base64
/// characters after `=`, `:`, `=>` or `:=` (with spaces and an opening
/// quote allowed around the separator).
fn assignments(s: &str) -> Vec<(usize, std::ops::Range<usize>)> {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut scanned = 0;
    for i in memchr::memchr2_iter(b'=', b':', bytes) {
        // A separator inside the value just read is part of it (`a=b=c`),
        // and no credential is longer than a session token: each byte is
        // read once.
        if i < scanned {
            continue;
        }
        // The name ends before the separator, a closing quote and spaces.
        let mut name_end = i;
        if name_end > 0 && matches!(bytes[name_end - 1], b':' | b'=') {
            continue; // the second character of `:=` or `=>`-like pairs
        }
        while name_end > 0 && matches!(bytes[name_end - 1], b' ' | b'\t' | b'"' | b'\'') {
            name_end -= 1;
        }
        let mut v = i + 1;
        if bytes.get(v) == Some(&b'>') || bytes.get(v) == Some(&b'=') {
            v += 1;
        }
        while matches!(bytes.get(v), Some(b' ' | b'\t' | b'"' | b'\'')) {
            v += 1;
        }
        let len = bytes[v.min(bytes.len())..]
            .iter()
            .take(MAX_SECRET)
            .take_while(|&&c| is_base64(c) || c == b'=')
            .count();
        scanned = v + len;
        if len > 0 && name_end > 0 {
            out.push((name_end, v..v + len));
        }
    }
    out
}

/// Forty base64 characters with the mix a random key has; names, IDs and
/// CIDRs never look like this.
fn is_secret_access_key(s: &str) -> bool {
    s.len() == 40
        && s.bytes().all(is_base64)
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
    fn names_fit_the_normalized_buffer() {
        let longest = SECRET_KEY_NAMES
            .iter()
            .chain(&SESSION_TOKEN_NAMES)
            .chain(&["accesskeyid", "awsaccesskeyid"])
            .map(|n| n.len())
            .max();
        assert_eq!(longest, Some(LONGEST_NAME));
        assert!(is_credential_field("AWS_Secret-Access.Key"));
        assert!(!is_credential_field("my_aws_secret_access_key"));
        assert_eq!(named("export MY_AWS_SECRET_ACCESS_KEY"), (true, false));
        assert_eq!(named("x.aws-session_token"), (false, true));
    }

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

    const KEY_ID: &str = "AKIAJ7Q3ZNW5EXAMPLE2";
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

    /// Inside strings, where scripts and tags put them: a user data script,
    /// a tag value, a session token.
    #[test]
    fn fires_on_credentials_inside_strings() {
        let script = format!(
            "#!/bin/bash\nexport AWS_ACCESS_KEY_ID={KEY_ID}\nexport AWS_SECRET_ACCESS_KEY=\"{SECRET}\"\n"
        );
        let found = fires(
            &CREDENTIALS_IN_SPEC,
            &with(|s| s["nodePools"][1]["userData"] = json!(script)),
        );
        let messages: Vec<&str> = found.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "the spec contains an AWS access key ID",
                "the spec contains an AWS secret access key"
            ]
        );
        // Each points at the secret itself, not at the whole script, and
        // the excerpt shows it masked.
        assert_eq!(crate::rules::testing::at(&found[0]), "*".repeat(20));
        assert_eq!(crate::rules::testing::at(&found[1]), "*".repeat(40));

        fires(
            &CREDENTIALS_IN_SPEC,
            &with(|s| s["tags"] = json!({"note": format!("aws_secret_access_key={SECRET}")})),
        );
        let token = format!("IQoJb3JpZ2luX2VjEJr{}", "x1Y2z3".repeat(30));
        fires(
            &CREDENTIALS_IN_SPEC,
            &with(|s| s["description"] = json!(format!("token {token} here"))),
        );
        fires(
            &CREDENTIALS_IN_SPEC,
            &with(|s| {
                s["description"] = json!(format!("AWS_SESSION_TOKEN: {}", "Ab+/9".repeat(30)))
            }),
        );
    }

    /// Every excerpt of the file masks the secrets, whichever finding shows
    /// it: here an unknown field on the line of a key.
    #[test]
    fn every_excerpt_of_the_file_masks_secrets_found_inside_strings() {
        let text = format!(
            "{{\"name\": \"prod-east\", \"description\": \"key {KEY_ID} and aws_secret_access_key={SECRET}\", \"colour\": 1}}"
        );
        let found = crate::rules::testing::lint_text("s.json", &text);
        assert!(found.len() >= 3, "{found:#?}");
        for d in &found {
            for label in &d.labels {
                assert!(
                    !label.file.text.contains(KEY_ID),
                    "{} shows the key ID",
                    d.rule.code
                );
                assert!(
                    !label.file.text.contains(SECRET),
                    "{} shows the secret",
                    d.rule.code
                );
                assert!(!d.message.contains(KEY_ID) && !d.message.contains(SECRET));
            }
        }
    }

    /// IDs that are not credentials, and words that merely mention keys.
    #[test]
    fn quiet_on_identifiers_and_mentions() {
        for text in [
            "role AROAJ7Q3ZNW5EXAMPLE2 and user AIDAJ7Q3ZNW5EXAMPLE2",
            "set AWS_SECRET_ACCESS_KEY in the environment",
            "aws_session_token=short",
            "XAKIAJ7Q3ZNW5EXAMPLE2",
            "secret_key=10.0.0.0/16",
        ] {
            quiet(
                &CREDENTIALS_IN_SPEC,
                &with(|s| s["description"] = json!(text)),
            );
        }
    }

    /// The same key twice in one string: both found, both masked.
    #[test]
    fn a_key_given_twice_is_masked_twice() {
        let text = format!("{{\"name\": \"x\", \"description\": \"{KEY_ID} and again {KEY_ID}\"}}");
        let found = crate::rules::testing::lint_text("s.json", &text);
        let leaks: Vec<_> = found
            .iter()
            .filter(|d| d.rule.code == CREDENTIALS_IN_SPEC.code)
            .collect();
        assert_eq!(leaks.len(), 2);
        assert_ne!(leaks[0].primary().span, leaks[1].primary().span);
        assert!(!leaks[0].file().text.contains(KEY_ID));
        // A key that is itself a key ID is found too.
        let text = format!("{{\"name\": \"x\", \"tags\": {{\"{KEY_ID}\": \"x\"}}}}");
        let found = crate::rules::testing::lint_text("s.json", &text);
        assert!(
            found
                .iter()
                .any(|d| d.rule.code == CREDENTIALS_IN_SPEC.code)
        );
        assert!(found.iter().all(|d| !d.file().text.contains(KEY_ID)));
    }

    /// Separators on separators (`a=a=a=…`) and prefixes on prefixes are
    /// each read once (were they not, a megabyte of them would take hours
    /// here): one token in a run of prefixes, nothing in the rest.
    #[test]
    fn hostile_strings_are_read_once() {
        assert!(secrets_in(&"a=".repeat(500_000)).is_empty());
        assert!(secrets_in(&":".repeat(1_000_000)).is_empty());
        let tokens = secrets_in(&"IQoJb3JpZ2luX2Vj".repeat(60_000));
        assert_eq!(tokens.len(), 1);
        // A name ending in a character of several bytes (a bidi isolate).
        assert!(secrets_in("arn:aws:iam::1234\u{2066}56789012").is_empty());
        assert!(secrets_in("x\u{e9}:y\u{2066}=1").is_empty());
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

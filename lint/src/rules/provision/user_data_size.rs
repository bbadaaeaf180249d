use crate::rules::{Context, Section, declare_rule};

/// EC2's limit on an instance's user data, before base64 encoding.
pub const EC2_USER_DATA_BYTES: usize = 16 * 1024;

/// Secrets Manager's limit on a secret's value.
pub const SECRET_VALUE_BYTES: usize = 65_536;

declare_rule! {
    /// User data fits where awscluster puts it.
    ///
    /// ## What it checks
    /// A pool's `userData` is stored in a Secrets Manager secret, which
    /// holds at most 65,536 bytes; the bastion's goes to EC2 as it is,
    /// which takes at most 16,384 bytes (16 KB before base64 encoding).
    /// Sizes are of the text as UTF-8.
    ///
    /// ## Why it matters
    /// AWS refuses larger data only when the machine or the secret is
    /// created, after the network is built. awscluster neither compresses
    /// nor splits user data: a document that large is better fetched by
    /// the user data from where it is kept (an S3 object, a package).
    ///
    /// ## Example
    /// ```json
    /// {"bastion": {"allowedCidrs": ["203.0.113.0/24"], "userData": "#!/bin/sh\n… 20,000 bytes …"}}
    /// ```
    pub static USER_DATA_SIZE = Rule {
        code: "provision/user-data-size",
        severity: Error,
    };
}

/// The parts of the spec the check reads.
pub(crate) const READS: &[Section] = &[Section::NodePools, Section::Bastion];

pub(crate) fn check(cx: &mut Context) {
    let mut found = Vec::new();
    if let Some(data) = cx.spec.bastion.as_ref().and_then(|b| b.user_data.as_ref()) {
        found.push((
            "/bastion/userData".to_string(),
            "the bastion's user data",
            "EC2's limit on user data",
            EC2_USER_DATA_BYTES,
            data,
        ));
    }
    for (i, pool) in cx.spec.pools().enumerate() {
        if let Some(data) = pool.user_data.as_ref() {
            found.push((
                format!("/nodePools/{i}/userData"),
                "the pool's user data",
                "a Secrets Manager secret's limit, where it is stored",
                SECRET_VALUE_BYTES,
                data,
            ));
        }
    }
    for (pointer, what, limit_name, limit, data) in found {
        let size = data.len();
        if size > limit {
            // The key: the value is the whole document.
            let at = cx.key_span(&pointer, data.span);
            cx.emit(
                &USER_DATA_SIZE,
                at,
                format!("{what} is {size} bytes, over {limit_name} ({limit} bytes)"),
            )
            .with_help(
                "keep the bulk elsewhere (an S3 object, a package in the image) and have the user data fetch it",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::testing::{at, base, fires, quiet, with};

    fn script(bytes: usize) -> String {
        let head = "#!/bin/sh\n";
        format!("{head}{}", "#".repeat(bytes - head.len()))
    }

    #[test]
    fn fires_on_each_limit_just_past_it() {
        let found = fires(
            &USER_DATA_SIZE,
            &with(|s| {
                s["bastion"]["userData"] = json!(script(EC2_USER_DATA_BYTES + 1));
                s["nodePools"][1]["userData"] = json!(script(SECRET_VALUE_BYTES + 1));
            }),
        );
        let messages: Vec<&str> = found.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "the bastion's user data is 16385 bytes, over EC2's limit on user data (16384 bytes)",
                "the pool's user data is 65537 bytes, over a Secrets Manager secret's limit, where it is stored (65536 bytes)",
            ]
        );
        assert_eq!(at(&found[0]), "\"userData\"");
    }

    #[test]
    fn counts_bytes_not_characters() {
        // 'é' is two bytes in UTF-8.
        let data = format!("#!/bin/sh\n# {}", "é".repeat(EC2_USER_DATA_BYTES / 2));
        assert!(data.chars().count() < EC2_USER_DATA_BYTES);
        fires(
            &USER_DATA_SIZE,
            &with(|s| s["bastion"]["userData"] = json!(data)),
        );
    }

    #[test]
    fn quiet_at_the_limits() {
        quiet(&USER_DATA_SIZE, &base());
        quiet(
            &USER_DATA_SIZE,
            &with(|s| {
                s["bastion"]["userData"] = json!(script(EC2_USER_DATA_BYTES));
                // A pool's may be larger than EC2's limit: EC2 gets the
                // boot document that fetches it.
                s["nodePools"][0]["userData"] = json!(script(SECRET_VALUE_BYTES));
                s["nodePools"][1]["userData"] = json!(script(EC2_USER_DATA_BYTES * 2));
            }),
        );
    }
}

//! Bootstrap data kept out of EC2's user data, as Cluster API Provider
//! AWS keeps it: a node's user data (a kubeadm join token, certificates)
//! is readable by anything on the machine through instance metadata and
//! by anyone allowed `ec2:DescribeInstanceAttribute`. It is stored in a
//! Secrets Manager secret under `aws.cluster.x-k8s.io/` instead, the path
//! the seed's Controller policy lets the provisioner create and delete in
//! and its Nodes policy lets the machines read and delete in; the
//! machine's user data is a small boot document that fetches it.
//!
//! - A control-plane machine's secret (`…/<cluster>/<machine>/bootstrap`)
//!   is read once: the machine deletes it after reading it. `apply`
//!   cannot tell when a machine has read it (the seed grants the
//!   provisioner no read of secrets), so it never deletes one under a
//!   running machine; it deletes the secret with the machine, and
//!   `destroy` with a spec deletes those of all the spec's machines.
//! - A pool's secret (`…/<cluster>/<pool>/<digest>`) is read by every
//!   machine its group launches, for as long as the pool exists: named by
//!   its content, so a change is a new secret (and a new template
//!   version), and the old one is deleted once the template no longer
//!   names it.
//!
//! The bastion has no instance profile to read a secret with: its user
//! data stays EC2's. Values are not compressed or split: `lint` refuses
//! user data over a secret's 65,536 bytes (`provision/user-data-size`).

use aws_sdk_secretsmanager::types::Tag;
use sha2::{Digest, Sha256};

use super::Cx;
use crate::aws::clients::Clients;
use crate::aws::error::{AwsResult, Error};
use crate::aws::permissions::{Permission, op};
use crate::names::Tags;

/// The service as the SDK names it.
const SECRETS: &str = "Secrets Manager";

pub const CALLS: &[Permission] = &[
    op(
        SECRETS,
        "CreateSecret",
        &["secretsmanager:CreateSecret", "secretsmanager:TagResource"],
    ),
    op(SECRETS, "DeleteSecret", &["secretsmanager:DeleteSecret"]),
];

/// Where the secrets live: the path the seed's policies scope Secrets
/// Manager to.
pub const PREFIX: &str = "aws.cluster.x-k8s.io/";

/// Where the boot document writes what it fetched, which cloud-init then
/// includes as the machine's user data.
const FILE: &str = "/var/lib/awscluster/bootstrap";

/// A machine's bootstrap data and the secret that holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bootstrap {
    pub secret: String,
    pub value: String,
    /// Read by one machine, which deletes it (a control-plane machine),
    /// rather than by every machine a pool launches.
    pub once: bool,
}

impl Bootstrap {
    /// A control-plane machine's.
    pub fn machine(cluster: &str, machine: &str, value: &str) -> Bootstrap {
        Bootstrap {
            secret: machine_secret(cluster, machine),
            value: value.to_string(),
            once: true,
        }
    }

    /// A worker pool's, named by its content.
    pub fn pool(cluster: &str, pool: &str, value: &str) -> Bootstrap {
        let digest: String = Sha256::digest(value.as_bytes())
            .iter()
            .take(8)
            .map(|b| format!("{b:02x}"))
            .collect();
        Bootstrap {
            secret: format!("{PREFIX}{cluster}/{pool}/{digest}"),
            value: value.to_string(),
            once: false,
        }
    }

    /// The user data EC2 gets: a MIME document cloud-init reads. Its boot
    /// hook (run first, on every boot) fetches the secret once into a
    /// file, deletes it when it is read once, and restarts cloud-init; the
    /// include part then makes the fetched file the machine's user data,
    /// whatever its kind (a script, a cloud-config). The image needs the
    /// AWS CLI and cloud-init.
    pub fn boot_document(&self, region: &str) -> String {
        let once = if self.once { "yes" } else { "no" };
        format!(
            r#"Content-Type: multipart/mixed; boundary="{BOUNDARY}"
MIME-Version: 1.0

--{BOUNDARY}
Content-Type: text/cloud-boothook; charset="us-ascii"
MIME-Version: 1.0

#cloud-boothook
#!/bin/bash
# awscluster: this machine's user data is in AWS Secrets Manager, where
# only what its instance profile allows can read it.
set -o nounset -o pipefail
umask 077
secret='{secret}'
region='{region}'
once={once}
file='{FILE}'
say() {{ echo "awscluster bootstrap: $*" >&2; }}
if [ -s "$file" ]; then exit 0; fi
mkdir -p "$(dirname "$file")"
tries=0
# The instance's credentials and the new secret may take a moment to show.
until aws secretsmanager get-secret-value --region "$region" --secret-id "$secret" \
    --query SecretString --output text > "$file.part"; do
  tries=$((tries + 1))
  if [ "$tries" -ge 30 ]; then
    say "could not read $secret"
    rm -f "$file.part"
    exit 1
  fi
  sleep 10
done
mv "$file.part" "$file"
if [ "$once" = yes ]; then
  aws secretsmanager delete-secret --region "$region" --secret-id "$secret" \
    --force-delete-without-recovery > /dev/null \
    || say "could not delete $secret: awscluster destroy deletes it"
fi
# The include below is read when cloud-init starts: again, now that the
# file is there.
systemctl restart cloud-init
--{BOUNDARY}
Content-Type: text/x-include-url; charset="us-ascii"
MIME-Version: 1.0

#include
file://{FILE}
--{BOUNDARY}--
"#,
            secret = self.secret,
        )
    }
}

const BOUNDARY: &str = "awscluster-bootstrap";

/// A control-plane machine's secret name.
pub fn machine_secret(cluster: &str, machine: &str) -> String {
    format!("{PREFIX}{cluster}/{machine}/bootstrap")
}

/// The secret a boot document fetches, for deleting it with what uses it;
/// `None` for other user data, or a secret not under `cluster`'s path.
pub fn secret_of(user_data: &str, cluster: &str) -> Option<String> {
    let ours = format!("{PREFIX}{cluster}/");
    user_data
        .lines()
        .find_map(|l| l.strip_prefix("secret='")?.strip_suffix('\''))
        .filter(|s| s.starts_with(&ours))
        .map(str::to_string)
}

/// Stores `b`, tagged as the machine it is for. A secret of that name
/// already there is this content when the name is a digest (a pool's);
/// a machine's is replaced, since a run stopped between the secret and
/// the machine may have left another content.
pub async fn put(cx: &Cx<'_>, b: &Bootstrap, tags: &Tags) -> Result<(), Error> {
    let tags: Vec<Tag> = tags
        .iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect();
    let token = crate::aws::call::client_token();
    let started = std::time::Instant::now();
    let budget = cx.timing.timeout.min(std::time::Duration::from_secs(120));
    let pause = cx.timing.poll.min(std::time::Duration::from_secs(2));
    loop {
        let created = cx
            .clients
            .secrets
            .create_secret()
            .name(&b.secret)
            .secret_string(&b.value)
            .description("awscluster: a machine's bootstrap data")
            .client_request_token(&token)
            .set_tags(Some(tags.clone()))
            .send()
            .await
            .on("CreateSecret", &b.secret);
        match created {
            Ok(_) => return Ok(()),
            Err(e) if e.code() == Some("ResourceExistsException") => {
                if !b.once {
                    return Ok(());
                }
                delete(cx.clients, &b.secret).await?;
            }
            // A secret deleted moments before keeps its name a little
            // while ("You can't create this secret because a secret with
            // this name is already scheduled for deletion").
            Err(e) if e.code() == Some("InvalidRequestException") && started.elapsed() < budget => {
                tokio::time::sleep(pause).await;
            }
            Err(e) => return Err(e),
        }
    }
}

/// Deletes a secret at once (no recovery window): gone is done. Whether
/// it was there.
pub async fn delete(clients: &Clients, secret: &str) -> Result<bool, Error> {
    crate::aws::call::gone(
        clients
            .secrets
            .delete_secret()
            .secret_id(secret)
            .force_delete_without_recovery(true)
            .send()
            .await
            .on("DeleteSecret", secret),
    )
}

/// Deletes the secrets of these control-plane machines, there or not (a
/// run stopped between a secret and its machine leaves one with no
/// machine to find it by); how many were there.
pub async fn sweep(clients: &Clients, cluster: &str, machines: &[String]) -> Result<usize, Error> {
    let deleted = futures_util::future::try_join_all(
        machines
            .iter()
            .map(|m| async move { delete(clients, &machine_secret(cluster, m)).await }),
    )
    .await?;
    Ok(deleted.into_iter().filter(|d| *d).count())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pools_secret_is_named_by_its_content() {
        let a = Bootstrap::pool("demo", "workers", "#!/bin/sh\necho a\n");
        let b = Bootstrap::pool("demo", "workers", "#!/bin/sh\necho b\n");
        assert!(a.secret.starts_with("aws.cluster.x-k8s.io/demo/workers/"));
        assert_eq!(
            a.secret.len(),
            "aws.cluster.x-k8s.io/demo/workers/".len() + 16
        );
        assert_ne!(a.secret, b.secret);
        assert_eq!(a, Bootstrap::pool("demo", "workers", "#!/bin/sh\necho a\n"));
        assert!(!a.once);
        let m = Bootstrap::machine("demo", "demo-control-plane-0", "x");
        assert_eq!(
            m.secret,
            "aws.cluster.x-k8s.io/demo/demo-control-plane-0/bootstrap"
        );
        assert!(m.once);
    }

    #[test]
    fn the_boot_document_names_the_secret_and_not_the_data() {
        let b = Bootstrap::machine(
            "demo",
            "demo-control-plane-0",
            "kubeadm join --token s3cr3t",
        );
        let doc = b.boot_document("eu-west-1");
        assert!(!doc.contains("s3cr3t"));
        assert!(doc.contains("region='eu-west-1'"));
        assert!(doc.contains("once=yes"));
        assert_eq!(secret_of(&doc, "demo"), Some(b.secret.clone()));
        assert_eq!(secret_of(&doc, "other"), None, "another cluster's");
        assert_eq!(secret_of("#!/bin/sh\nsecret='x'\n", "demo"), None);
        // EC2's limit on user data, before base64.
        assert!(doc.len() < 16 * 1024);
        let pool = Bootstrap::pool("demo", "workers", "x").boot_document("us-east-1");
        assert!(pool.contains("once=no"));
    }
}

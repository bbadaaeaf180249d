//! What a machine's image is, for its root volume: the volume's mapping
//! must name the image's root device (`/dev/xvda` on Amazon Linux,
//! `/dev/sda1` on Ubuntu and RHEL), or EC2 adds a second volume and the
//! root keeps the image's size. An image given as an SSM parameter is read
//! first: EC2 itself resolves `resolve:ssm:` only at launch.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::OnceCell;

use crate::aws::clients::Clients;
use crate::aws::error::{AwsResult, Error};
use crate::aws::permissions::{Permission, SSM, op};

/// The call an image given as an SSM parameter makes: the action EC2 needs
/// too, with the caller's permissions, when it resolves the parameter at
/// launch. Only asked for with such images (`iam required
/// --with-ssm-images`): the seed's policies grant `ssm:GetParameter` on
/// EKS's image parameters only.
pub const SSM_CALLS: &[Permission] = &[op(SSM, "GetParameters", &["ssm:GetParameters"])];

/// Root devices by image (an AMI id or `resolve:ssm:<parameter>`), each
/// looked up once per run however many steps ask at once.
#[derive(Default)]
pub struct RootDevices {
    cells: Mutex<HashMap<String, Arc<OnceCell<String>>>>,
}

impl RootDevices {
    /// Starts from what was read already (preflight's images, by the
    /// image as the spec gives it).
    pub fn known<'a>(devices: impl IntoIterator<Item = (&'a String, &'a String)>) -> RootDevices {
        let cells = devices
            .into_iter()
            .map(|(image, device)| {
                (
                    image.clone(),
                    Arc::new(OnceCell::new_with(Some(device.clone()))),
                )
            })
            .collect();
        RootDevices {
            cells: Mutex::new(cells),
        }
    }

    pub async fn of(&self, clients: &Clients, image: &str) -> Result<String, Error> {
        let cell = Arc::clone(
            self.cells
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .entry(image.to_string())
                .or_default(),
        );
        cell.get_or_try_init(|| async {
            let ami = match image.strip_prefix("resolve:ssm:") {
                Some(parameter) => resolve(clients, parameter).await?,
                None => image.to_string(),
            };
            let out = clients
                .ec2
                .describe_images()
                .image_ids(&ami)
                .send()
                .await
                .on("DescribeImages", &ami)?;
            out.images()
                .first()
                .and_then(|i| i.root_device_name())
                .map(str::to_string)
                .ok_or_else(|| Error::Spec(format!("image {ami} does not exist in this Region")))
        })
        .await
        .cloned()
    }
}

/// The AMI id an SSM parameter holds.
async fn resolve(clients: &Clients, parameter: &str) -> Result<String, Error> {
    let out = match clients
        .ssm
        .get_parameters()
        .names(parameter)
        .send()
        .await
        .on("GetParameters", parameter)
    {
        Ok(out) => out,
        Err(e) if e.code() == Some("AccessDeniedException") => {
            return Err(Error::Spec(format!(
                "{e}: an image given as an SSM parameter needs ssm:GetParameters on it, for \
                 awscluster (which reads the image's root device) and for EC2 (which resolves \
                 it at launch with the caller's permissions); the seed's policies grant \
                 ssm:GetParameter on EKS's image parameters only: `awscluster iam required \
                 --with-ssm-images` prints a policy that grants it"
            )));
        }
        Err(e) => return Err(e),
    };
    let value = out
        .parameters()
        .iter()
        .find(|p| p.name() == Some(parameter))
        .and_then(|p| p.value());
    match value {
        Some(ami) if is_ami_id(ami) => Ok(ami.to_string()),
        Some(other) => Err(Error::Spec(format!(
            "the SSM parameter {parameter} holds `{other}`, not an AMI id"
        ))),
        None => Err(Error::Spec(format!(
            "the SSM parameter {parameter} does not exist in this Region"
        ))),
    }
}

fn is_ami_id(value: &str) -> bool {
    value
        .strip_prefix("ami-")
        .is_some_and(|hex| !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::permissions::Job;

    /// A root device preflight read is not read again; any other image is.
    #[tokio::test]
    async fn known_devices_are_not_read_again() {
        let clients = Clients::nowhere(Job::Provision).await;
        let (image, device) = ("ami-0123456789abcdef0".to_string(), "/dev/sda1".to_string());
        let devices = RootDevices::known([(&image, &device)]);
        assert_eq!(devices.of(&clients, &image).await.ok(), Some(device));
        assert_eq!(clients.calls.total(), 0);
        assert!(devices.of(&clients, "ami-0fffffffffffffff0").await.is_err());
        assert!(clients.calls.total() > 0);
    }
}

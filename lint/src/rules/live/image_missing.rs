use crate::live::Image;
use crate::rules::{Context, Section, declare_rule};

declare_rule! {
    /// Each image exists where the cluster runs (checked by `preflight`).
    ///
    /// ## What it checks
    /// Every machine's `image` against the Region: an AMI ID with
    /// `ec2:DescribeImages`, an SSM parameter by resolving it
    /// (`ssm:GetParameters`) and then the AMI it names.
    ///
    /// ## Why it matters
    /// AMIs are regional and can be deregistered or unshared; a parameter
    /// path can be misspelled. EC2 refuses the launch
    /// (`InvalidAMIID.NotFound`) once the network is built, and an Auto
    /// Scaling group just keeps failing.
    ///
    /// ## Example
    /// ```json
    /// {"name": "workers", "instanceType": "m7i.large", "image": "ami-0123456789abcdef0"}
    /// ```
    pub static IMAGE_MISSING = Rule {
        code: "live/image-missing",
        severity: Error,
    };
}

/// The parts of the spec the check reads.
pub(crate) const READS: &[Section] = &[Section::NodePools, Section::Bastion, Section::Region];

pub(crate) fn check(cx: &mut Context) {
    let Some(live) = &cx.settings.live else {
        return;
    };
    let region = cx.spec.region.as_str();
    for (owner, image, _, _) in super::imaged(cx) {
        if live.images.get(image.as_str()) == Some(&Image::Missing) {
            cx.emit(
                &IMAGE_MISSING,
                image.span,
                format!("the image of {owner} does not exist in {region}"),
            )
            .with_help("use an image of this Region (AMI IDs differ per Region), or a public SSM parameter such as `/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64`");
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::live::Live;
    use crate::rules::testing::{at, findings_with, with};

    fn spec() -> serde_json::Value {
        with(|s| {
            s["nodePools"][0]["image"] = json!("ami-0aaaaaaaaaaaaaaaa");
            s["nodePools"][1]["image"] = json!("/images/workers");
        })
    }

    #[test]
    fn fires_on_each_image_aws_does_not_have() {
        let mut live = Live::default();
        live.images
            .insert("ami-0aaaaaaaaaaaaaaaa".into(), Image::Missing);
        live.images.insert("/images/workers".into(), Image::Missing);
        let found = findings_with(&IMAGE_MISSING, &spec(), live);
        assert_eq!(found.len(), 2);
        assert_eq!(at(&found[1]), "\"/images/workers\"");
        assert_eq!(
            found[0].message,
            "the image of pool `control-plane` does not exist in us-east-1"
        );
    }

    #[test]
    fn quiet_on_images_found_or_not_checked() {
        let mut live = Live::default();
        live.images.insert(
            "ami-0aaaaaaaaaaaaaaaa".into(),
            Image::Found {
                architecture: Some("x86_64".into()),
                root_device: Some("/dev/xvda".into()),
            },
        );
        assert!(findings_with(&IMAGE_MISSING, &spec(), live).is_empty());
    }
}

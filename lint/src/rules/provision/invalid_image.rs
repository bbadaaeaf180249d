use crate::rules::{Context, Section, declare_rule};

declare_rule! {
    /// Images are AMI IDs or SSM parameter paths.
    ///
    /// ## What it checks
    /// Every `image` the spec gives: an AMI ID (`ami-` and 8 or 17
    /// hexadecimal digits) or the path of an SSM parameter that holds one
    /// (`/aws/service/…`, or `resolve:ssm:/…` as EC2 takes it).
    ///
    /// ## Why it matters
    /// EC2 refuses anything else at launch (`InvalidAMIID.Malformed`), after
    /// the rest of the cluster was built.
    ///
    /// ## Example
    /// ```json
    /// {"image": "amazon-linux-2023"}
    /// ```
    pub static INVALID_IMAGE = Rule {
        code: "provision/invalid-image",
        severity: Error,
    };
}

/// The parts of the spec the check reads.
pub(crate) const READS: &[Section] = &[Section::NodePools, Section::Bastion];

pub(crate) fn check(cx: &mut Context) {
    for (owner, image, _) in super::machines(cx) {
        let Some(image) = image else { continue };
        if !super::is_image(image) {
            cx.emit(
                &INVALID_IMAGE,
                image.span,
                format!("the image of {owner} is neither an AMI ID nor an SSM parameter path"),
            )
            .with_help("write an AMI ID (`ami-0abcdef1234567890`) or an SSM parameter path (`/aws/service/…`)");
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::testing::{fires, quiet, with};

    #[test]
    fn fires_on_what_is_neither() {
        for bad in [
            "amazon-linux-2023",
            "ami-xyz",
            "ami-123",
            "/",
            "resolve:ssm:",
        ] {
            fires(
                &INVALID_IMAGE,
                &with(|s| s["nodePools"][1]["image"] = json!(bad)),
            );
        }
    }

    #[test]
    fn quiet_on_ami_ids_and_parameter_paths() {
        for good in [
            "ami-04681a1dbd79675a5",
            "ami-0abcdef1",
            "/aws/service/eks/optimized-ami/1.31/amazon-linux-2023/x86_64/standard/recommended/image_id",
            "resolve:ssm:/my/ami",
        ] {
            quiet(
                &INVALID_IMAGE,
                &with(|s| s["nodePools"][1]["image"] = json!(good)),
            );
        }
    }
}

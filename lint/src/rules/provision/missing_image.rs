use crate::rules::{Context, Section, declare_rule};

declare_rule! {
    /// Every machine the spec provisions names the image it boots.
    ///
    /// ## What it checks
    /// The bastion's `image` and every pool's: an AMI ID or an SSM
    /// parameter path. A note in `awscluster lint` (a spec may be meant for
    /// linting only), an error in `plan` and `apply`, which cannot start a
    /// machine without one.
    ///
    /// ## Why it matters
    /// awscluster does not pick an image: the image and the user data make
    /// the nodes a cluster. Found here, the gap is fixed at its line before
    /// any AWS call; found by `apply`, after the network is built.
    ///
    /// ## Example
    /// ```json
    /// {"name": "workers", "role": "worker", "size": 3, "instanceType": "m7i.large"}
    /// ```
    pub static MISSING_IMAGE = Rule {
        code: "provision/missing-image",
        severity: Note,
    };
}

/// The parts of the spec the check reads.
pub(crate) const READS: &[Section] = &[Section::NodePools, Section::Bastion];

pub(crate) fn check(cx: &mut Context) {
    for (owner, image, at) in super::machines(cx) {
        if image.is_none() {
            cx.emit(&MISSING_IMAGE, at, format!("{owner} has no `image` to boot"))
                .with_help("add `image`: an AMI ID (`ami-…`) or an SSM parameter path such as `/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64`");
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::testing::{at, fires, quiet, with};

    #[test]
    fn fires_per_machine_without_an_image() {
        let found = fires(&MISSING_IMAGE, &with(|_| {}));
        let messages: Vec<&str> = found.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "the bastion has no `image` to boot",
                "pool `control-plane` has no `image` to boot",
                "pool `workers` has no `image` to boot"
            ]
        );
        assert_eq!(at(&found[1]), "\"name\"");
    }

    #[test]
    fn quiet_when_every_machine_has_one() {
        quiet(
            &MISSING_IMAGE,
            &with(|s| {
                s["bastion"]["image"] = json!("ami-04681a1dbd79675a5");
                s["nodePools"][0]["image"] =
                    json!("/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64");
                s["nodePools"][1]["image"] = json!("ami-0abcdef12");
            }),
        );
    }
}

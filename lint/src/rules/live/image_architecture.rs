use crate::live::Image;
use crate::rules::{Context, Section, declare_rule};

declare_rule! {
    /// Each image's architecture is one its instance type runs (checked by `preflight`).
    ///
    /// ## What it checks
    /// The architecture EC2 reports for a machine's image (`x86_64`,
    /// `arm64`, …) against those its instance type supports
    /// (`ec2:DescribeInstanceTypes`).
    ///
    /// ## Why it matters
    /// An arm64 image on an x86 type (or the reverse, a Graviton type with
    /// an x86 image) is refused at launch, after the network is built. The
    /// mistake is easy: the same SSM path exists for both architectures but
    /// for its last word.
    ///
    /// ## Example
    /// ```json
    /// {"name": "workers", "instanceType": "m7g.large",
    ///  "image": "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"}
    /// ```
    pub static IMAGE_ARCHITECTURE = Rule {
        code: "live/image-architecture",
        severity: Error,
    };
}

/// The parts of the spec the check reads.
pub(crate) const READS: &[Section] = &[Section::NodePools, Section::Bastion];

pub(crate) fn check(cx: &mut Context) {
    let Some(live) = &cx.settings.live else {
        return;
    };
    let Some(architectures) = &live.architectures else {
        return;
    };
    for (owner, image, kind, kind_span) in super::imaged(cx) {
        // An image whose architecture AWS does not say is not judged.
        let Some(Image::Found {
            architecture: Some(arch),
            ..
        }) = live.images.get(image.as_str())
        else {
            continue;
        };
        let Some(supported) = architectures.get(&kind) else {
            continue;
        };
        if !supported.iter().any(|s| s == arch) {
            cx.emit(
                &IMAGE_ARCHITECTURE,
                image.span,
                format!(
                    "the image of {owner} is {arch}, but `{kind}` runs {}",
                    supported.join(", ")
                ),
            )
            .with_label(kind_span, format!("`{kind}`"))
            .with_help("use the image built for the type's architecture, or a type of the image's");
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::json;

    use super::*;
    use crate::live::Live;
    use crate::rules::testing::{at, findings_with, with};

    fn live(arch: &str) -> Live {
        let mut live = Live {
            architectures: Some(BTreeMap::from([
                ("m7i.large".to_string(), vec!["x86_64".to_string()]),
                ("m7i.xlarge".to_string(), vec!["x86_64".to_string()]),
            ])),
            ..Live::default()
        };
        live.images.insert(
            "ami-0aaaaaaaaaaaaaaaa".into(),
            Image::Found {
                architecture: (!arch.is_empty()).then(|| arch.to_string()),
                root_device: None,
            },
        );
        live
    }

    fn spec() -> serde_json::Value {
        with(|s| s["nodePools"][1]["image"] = json!("ami-0aaaaaaaaaaaaaaaa"))
    }

    #[test]
    fn fires_on_an_arm_image_for_an_x86_type() {
        let found = findings_with(&IMAGE_ARCHITECTURE, &spec(), live("arm64"));
        assert_eq!(found.len(), 1);
        assert_eq!(at(&found[0]), "\"ami-0aaaaaaaaaaaaaaaa\"");
        assert!(
            found[0].message.contains("is arm64, but `"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn quiet_on_a_match_or_an_unknown_type() {
        assert!(findings_with(&IMAGE_ARCHITECTURE, &spec(), live("x86_64")).is_empty());
        let mut unknown = live("arm64");
        unknown.architectures = None;
        assert!(findings_with(&IMAGE_ARCHITECTURE, &spec(), unknown).is_empty());
        // An image AWS gives no architecture for.
        assert!(findings_with(&IMAGE_ARCHITECTURE, &spec(), live("")).is_empty());
    }
}

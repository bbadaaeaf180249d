use crate::rules::{Context, Section, declare_rule};
use crate::spec::SubnetKind;
use crate::tagging;

declare_rule! {
    /// Existing subnets carry the tags load balancer discovery needs.
    ///
    /// ## What it checks
    /// The `tags` of each static subnet, with the cluster's name filled in:
    /// - public subnets: `kubernetes.io/role/elb=1`,
    ///   `sigs.k8s.io/cluster-api-provider-aws/role=public`,
    ///   `kubernetes.io/cluster/<name>=shared` (or `owned`) and
    ///   `sigs.k8s.io/cluster-api-provider-aws/cluster/<name>=owned`, as the
    ///   seed guide requires;
    /// - private subnets: `kubernetes.io/role/internal-elb=1` and
    ///   `kubernetes.io/cluster/<name>=shared` (or `owned`).
    ///
    /// The help lists exactly the tags to add. In `preflight`, the tags the
    /// subnet carries in AWS are checked too.
    ///
    /// ## Why it matters
    /// The Kubernetes load balancer controllers find the subnets for a
    /// `LoadBalancer` service by these tags. Without them, services stay
    /// without an external address, long after the cluster reported success.
    ///
    /// ## Example
    /// ```json
    /// {"name": "prod-east", "placement": {"static": {"subnets": [
    ///   {"id": "subnet-0a1b2c3d", "type": "public", "tags": {"kubernetes.io/role/elb": "1"}}]}}}
    /// ```
    pub static MISSING_TAGS = Rule {
        code: "subnets/missing-tags",
        severity: Error,
    };
}

/// The parts of the spec the check reads.
pub(crate) const READS: &[Section] = &[Section::Name, Section::Placement];

pub(crate) fn check(cx: &mut Context) {
    let Some(placement) = cx.spec.static_placement() else {
        return;
    };
    let cluster = cx.spec.name.as_str();
    let live = cx.live_network();
    for (i, subnet) in placement.subnets.iter().enumerate() {
        let required = match *subnet.kind {
            SubnetKind::Public => tagging::required_public_subnet_tags(cluster),
            SubnetKind::Private => tagging::required_private_subnet_tags(cluster),
        };
        // In preflight, the tags the subnet really carries: the spec only
        // mirrors them.
        if let Some(found) = live.and_then(|n| n.subnets.get(subnet.id.as_str())) {
            let fixes: Vec<String> = required
                .iter()
                .filter(|tag| {
                    !found
                        .tags
                        .get(&tag.key)
                        .is_some_and(|v| tag.values.contains(&v.as_str()))
                })
                .map(|tag| format!("{}={}", tag.key, tag.values[0]))
                .collect();
            if !fixes.is_empty() {
                cx.emit(
                    &MISSING_TAGS,
                    subnet.id.span,
                    format!(
                        "{} subnet `{}` lacks {} tag(s) in AWS, or has them with the wrong value",
                        *subnet.kind,
                        subnet.id.as_str(),
                        fixes.len()
                    ),
                )
                .with_help(format!(
                    "set these tags on the subnet in AWS: {}",
                    fixes.join(", ")
                ));
            }
        }
        let tags = subnet.tags.as_ref();
        let mut to_add = Vec::new();
        let mut wrong = Vec::new();
        for tag in &required {
            match tags.and_then(|t| t.get(&tag.key)) {
                None => to_add.push(format!("{}={}", tag.key, tag.values[0])),
                Some(found) if !tag.values.contains(&found.value.as_str()) => {
                    wrong.push((found, format!("{}={}", tag.key, tag.values[0])));
                }
                Some(_) => {}
            }
        }
        if to_add.is_empty() && wrong.is_empty() {
            continue;
        }
        let span = cx.key_span(
            &format!("/placement/static/subnets/{i}/tags"),
            subnet.id.span,
        );
        let mut problems: Vec<String> = Vec::new();
        if !to_add.is_empty() {
            problems.push(format!(
                "lacks {} tag{}",
                to_add.len(),
                if to_add.len() == 1 { "" } else { "s" }
            ));
        }
        if !wrong.is_empty() {
            problems.push(format!("has {} with the wrong value", wrong.len()));
        }
        let fixes: Vec<String> = to_add
            .iter()
            .chain(wrong.iter().map(|(_, want)| want))
            .cloned()
            .collect();
        let fix = tags_fix(cx, i, &required, &wrong);
        let d = cx.emit(
            &MISSING_TAGS,
            span,
            format!(
                "{} subnet `{}` {}",
                *subnet.kind,
                subnet.id.as_str(),
                problems.join(" and ")
            ),
        );
        for (found, want) in &wrong {
            d.with_label(found.value.span, format!("should be `{want}`"));
        }
        d.with_help(format!(
            "set these tags on the subnet: {}",
            fixes.join(", ")
        ));
        if let Some(fix) = fix {
            d.with_fix(fix);
        }
    }
}

/// The edits that give the spec's subnet `i` the required tags: each wrong
/// value replaced, the missing entries inserted before the first one, in
/// the style of that entry (on its own line with its indentation, or
/// inline). Unsafe: the spec only mirrors the subnet, whose tags are set in
/// AWS. None when the subnet has no tag entry to follow.
fn tags_fix(
    cx: &Context,
    i: usize,
    required: &[tagging::RequiredTag],
    wrong: &[(&crate::spec::Tag, String)],
) -> Option<crate::fix::Fix> {
    let text = &cx.sink.file().text;
    let node = cx
        .root
        .pointer(&format!("/placement/static/subnets/{i}/tags"))?;
    let crate::source::Value::Object(members) = &node.value else {
        return None;
    };
    let first = members.first()?;
    let mut edits: Vec<crate::fix::Edit> = wrong
        .iter()
        .map(|(found, want)| {
            let value = want.split_once('=').map_or(want.as_str(), |(_, v)| v);
            crate::fix::replace_string(
                text,
                found.value.span,
                value,
                crate::fix::Applicability::Unsafe,
            )
            .edits
            .remove(0)
        })
        .collect();
    let missing: Vec<&tagging::RequiredTag> = required
        .iter()
        .filter(|t| !members.iter().any(|m| m.key == t.key))
        .collect();
    if !missing.is_empty() {
        let at = first.key_span.start as usize;
        let line_start = text[..at].rfind('\n').map_or(0, |n| n + 1);
        let indent = &text[line_start..at];
        let json = crate::source::Format::of(cx.sink.file()) == crate::source::Format::Json;
        let entry = |t: &tagging::RequiredTag| {
            format!(
                "{}: {}",
                serde_json::Value::String(t.key.clone()),
                serde_json::Value::String(t.values[0].to_string())
            )
        };
        let inserted: String = if indent.chars().all(char::is_whitespace) {
            // Each on its own line, indented as the first entry.
            let comma = if json { "," } else { "" };
            missing
                .iter()
                .map(|t| format!("{}{comma}\n{indent}", entry(t)))
                .collect()
        } else {
            missing.iter().map(|t| format!("{}, ", entry(t))).collect()
        };
        edits.push(crate::fix::Edit {
            span: crate::source::Span::new(at, at),
            replacement: inserted,
        });
    }
    Some(crate::fix::Fix::unsafe_(
        "set the subnet's required tags",
        edits,
    ))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::testing::{base, base_static, fires, quiet};

    /// Unsafe (the spec mirrors AWS): a missing tag inserted before the
    /// first, as that one is written, a wrong value replaced; nothing else
    /// changes.
    #[test]
    fn the_fix_sets_the_required_tags_when_unsafe_fixes_are_allowed() {
        let spec = {
            let mut s = base_static();
            let tags = &mut s["placement"]["static"]["subnets"][0]["tags"];
            tags.as_object_mut()
                .map(|t| t.remove("kubernetes.io/role/elb"));
            s
        };
        let text = crate::rules::testing::spec_text(&spec);
        let first = "\"kubernetes.io/cluster/prod-east\"";
        let at = text.find(first).expect("the first tag");
        let indent = &text[text[..at].rfind('\n').map_or(0, |n| n + 1)..at];
        let want = format!(
            "{}\"kubernetes.io/role/elb\": \"1\",\n{indent}{}",
            &text[..at],
            &text[at..]
        );
        assert_eq!(
            crate::rules::testing::fixed(&MISSING_TAGS, "s.json", &text, true),
            want
        );

        let yaml = "name: prod-east\nregion: us-east-1\nsshKeyName: ops\nplacement:\n  static:\n    vpcId: vpc-0a1b2c3d4e5f67890\n    vpcCidr: 10.1.0.0/16\n    subnets:\n      - id: subnet-0000000000000000a\n        availabilityZone: us-east-1a\n        cidr: 10.1.0.0/20\n        type: public\n        tags:\n          # discovery\n          kubernetes.io/cluster/prod-east: shared\n          sigs.k8s.io/cluster-api-provider-aws/role: private\n          sigs.k8s.io/cluster-api-provider-aws/cluster/prod-east: owned\n      - id: subnet-0000000000000000b\n        availabilityZone: us-east-1a\n        cidr: 10.1.64.0/18\n        type: private\n        tags: {kubernetes.io/cluster/prod-east: shared}\nnodePools:\n  - {name: cp, role: master, size: 1, allowWorkerCapability: true, instanceType: m7i.large, availabilityZones: [us-east-1a]}\n";
        let want = yaml
            .replace(
                "          kubernetes.io/cluster/prod-east: shared\n",
                "          \"kubernetes.io/role/elb\": \"1\"\n          kubernetes.io/cluster/prod-east: shared\n",
            )
            .replace("role: private\n", "role: public\n")
            .replace(
                "tags: {kubernetes.io/cluster/prod-east",
                "tags: {\"kubernetes.io/role/internal-elb\": \"1\", kubernetes.io/cluster/prod-east",
            );
        assert_eq!(
            crate::rules::testing::fixed(&MISSING_TAGS, "s.yaml", yaml, true),
            want
        );
    }

    #[test]
    fn in_preflight_the_tags_aws_holds_are_checked_too() {
        use crate::live::Live;
        use crate::rules::live::network_mismatch::tests::as_in_aws;
        use crate::rules::testing::findings_with;
        let mut network = as_in_aws();
        if let Some(s) = network.subnets.get_mut("subnet-0000000000000000a") {
            s.tags.remove("kubernetes.io/role/elb");
        }
        let live = Live {
            networks: [("vpc-0a1b2c3d4e5f67890".to_string(), network)].into(),
            ..Live::default()
        };
        let found = findings_with(&MISSING_TAGS, &base_static(), live);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(
            found[0].help.as_deref(),
            Some("set these tags on the subnet in AWS: kubernetes.io/role/elb=1")
        );
        let all = Live {
            networks: [("vpc-0a1b2c3d4e5f67890".to_string(), as_in_aws())].into(),
            ..Live::default()
        };
        assert!(findings_with(&MISSING_TAGS, &base_static(), all).is_empty());
    }

    #[test]
    fn fires_with_exactly_the_tags_to_add() {
        let mut spec = base_static();
        spec["placement"]["static"]["subnets"][0]["tags"] = json!({"kubernetes.io/role/elb": "1"});
        let found = fires(&MISSING_TAGS, &spec);
        assert_eq!(
            found[0].message,
            "public subnet `subnet-0000000000000000a` lacks 3 tags"
        );
        assert_eq!(
            found[0].help.as_deref(),
            Some(
                "set these tags on the subnet: sigs.k8s.io/cluster-api-provider-aws/role=public, kubernetes.io/cluster/prod-east=shared, sigs.k8s.io/cluster-api-provider-aws/cluster/prod-east=owned"
            )
        );
    }

    #[test]
    fn fires_on_untagged_private_subnets_and_wrong_values() {
        let mut spec = base_static();
        spec["placement"]["static"]["subnets"][1]
            .as_object_mut()
            .unwrap()
            .remove("tags");
        spec["placement"]["static"]["subnets"][3]["tags"]["kubernetes.io/role/internal-elb"] =
            json!("0");
        let found = fires(&MISSING_TAGS, &spec);
        assert_eq!(found.len(), 2);
        assert_eq!(
            found[1].message,
            "private subnet `subnet-0000000000000000d` has 1 with the wrong value"
        );
    }

    #[test]
    fn quiet_when_tagged_or_dynamic() {
        quiet(&MISSING_TAGS, &base_static());
        quiet(&MISSING_TAGS, &base());
    }
}

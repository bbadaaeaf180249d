//! A worker pool's launch template: what its Auto Scaling group launches.
//! Its latest version is compared with the spec attribute by attribute
//! (type, image, key, group, user data, spot price, metadata options,
//! root volume, the instances' tags); any difference is a new version,
//! which the group's next instances use.

use aws_sdk_ec2::types as ec2;

use super::bootstrap::{self, Bootstrap};
use super::{
    Cx, Did, Id, Op, Ref, Resolve, Resource, Shown, Work, created_id, owned_filter, show_tags,
    tag_change, tag_spec, tags_of,
};
use crate::aws::call::{client_token, create, found, gone};
use crate::aws::clients::Clients;
use crate::aws::error::{AwsResult, Error, missing};
use crate::aws::permissions::{EC2, Permission, op};
use crate::desired::{Desired, GroupRole, MachineSettings};
use crate::kind::Kind;
use crate::names::{self, Role, Tags};
use crate::observe::Observed as All;

pub const CALLS: &[Permission] = &[
    op(
        EC2,
        "CreateLaunchTemplate",
        &["ec2:CreateLaunchTemplate", "ec2:CreateTags"],
    ),
    op(
        EC2,
        "CreateLaunchTemplateVersion",
        &["ec2:CreateLaunchTemplateVersion"],
    ),
    op(
        EC2,
        "DescribeLaunchTemplates",
        &["ec2:DescribeLaunchTemplates"],
    ),
    op(
        EC2,
        "DescribeLaunchTemplateVersions",
        &["ec2:DescribeLaunchTemplateVersions"],
    ),
    op(EC2, "DeleteLaunchTemplate", &["ec2:DeleteLaunchTemplate"]),
];

#[derive(Debug, Clone)]
pub struct LaunchTemplate;

#[derive(Debug, Clone)]
pub struct Spec {
    pub name: String,
    pub instance_type: String,
    pub image: String,
    pub key_name: String,
    pub groups: Vec<Ref>,
    /// What EC2 gets: the boot document that fetches the pool's user data.
    pub user_data: Option<String>,
    /// The pool's user data in Secrets Manager.
    pub bootstrap: Option<Bootstrap>,
    /// `None` on demand; spot with its maximum price (`None`: spot's own
    /// cap, the on-demand price).
    pub spot: Option<Option<String>>,
    /// For the plan: what the spot cap is a share of, and where that
    /// came from.
    pub price_note: Option<String>,
    /// Tags the instances and their volumes get.
    pub instance_tags: Tags,
    /// Instance profile, metadata hop limit, root volume.
    pub settings: MachineSettings,
    pub tags: Tags,
}

/// The latest version's data, as EC2 reports it.
#[derive(Debug, Clone, Default)]
pub struct Data {
    pub instance_type: Option<String>,
    pub image: Option<String>,
    pub key_name: Option<String>,
    pub groups: Vec<String>,
    /// Decoded from base64.
    pub user_data: Option<String>,
    pub spot: Option<Option<String>>,
    pub tokens_required: bool,
    pub hop_limit: Option<i32>,
    /// The instance profile, by name (or ARN, as a template may hold it).
    pub profile: Option<String>,
    /// Size, type and encryption of the first volume mapped.
    pub root_volume: Option<(i32, String, bool)>,
    pub instance_tags: Tags,
}

#[derive(Debug, Clone)]
pub struct Observed {
    pub id: String,
    pub name: String,
    pub latest_version: i64,
    pub data: Data,
    pub tags: Tags,
}

/// An attribute of the latest version that differs, with what it is.
#[derive(Debug, Clone)]
pub enum Change {
    InstanceType(Option<String>),
    Image(Option<String>),
    KeyName(Option<String>),
    Groups(Vec<String>),
    /// The user data the template had (a boot document names the secret
    /// that goes once the new version replaces it).
    UserData(Option<String>),
    Spot(Option<Option<String>>),
    MetadataTokens,
    HopLimit(Option<i32>),
    Profile(Option<String>),
    RootVolume(Option<(i32, String, bool)>),
    InstanceTags,
    Tags(Tags),
}

fn root_volume(settings: &MachineSettings) -> (i32, String, bool) {
    (
        settings.root_volume_gib,
        settings.root_volume_type.clone(),
        true,
    )
}

fn show_spot(spot: &Option<Option<String>>) -> String {
    match spot {
        None => "on demand".into(),
        Some(None) => "spot, up to the on-demand price".into(),
        Some(Some(price)) => format!("spot, up to {price} USD/h"),
    }
}

fn same_price(a: &Option<Option<String>>, b: &Option<Option<String>>) -> bool {
    match (a, b) {
        (None, None) | (Some(None), Some(None)) => true,
        (Some(Some(a)), Some(Some(b))) => match (a.parse::<f64>(), b.parse::<f64>()) {
            (Ok(a), Ok(b)) => (a - b).abs() < 1e-9,
            _ => a == b,
        },
        _ => false,
    }
}

impl Resource for LaunchTemplate {
    const KIND: Kind = Kind::LaunchTemplate;
    type World = All;
    type Wants = Desired;
    type Spec = Spec;
    type Observed = Observed;
    type Change = Change;

    fn wanted(d: &Desired) -> Vec<Spec> {
        d.pools
            .iter()
            .map(|p| {
                let mut instance_tags = d.tags(&p.name, Role::Node);
                instance_tags.insert(names::kubernetes_key(&d.cluster), names::OWNED.into());
                // Every pool's machines have an instance profile to read
                // their user data from Secrets Manager with.
                let bootstrap = p
                    .user_data
                    .as_deref()
                    .map(|data| Bootstrap::pool(&d.cluster, &p.name, data));
                Spec {
                    // The template carries the cluster's tag too, as
                    // Cluster API Provider AWS tags it.
                    tags: instance_tags.clone(),
                    name: p.name.clone(),
                    instance_type: p.instance_type.clone(),
                    image: p.image.clone(),
                    key_name: d.key_name.clone(),
                    groups: vec![d.group_ref(GroupRole::Node)],
                    user_data: bootstrap.as_ref().map(|b| b.boot_document(&d.region)),
                    bootstrap,
                    spot: p.spot.as_ref().map(|s| s.max_price()),
                    price_note: p.spot.as_ref().and_then(|s| s.describe()),
                    instance_tags,
                    settings: p.machine.clone(),
                }
            })
            .collect()
    }

    fn observed(all: &All) -> &[Observed] {
        &all.launch_templates
    }

    fn spec_name(spec: &Spec) -> &str {
        &spec.name
    }

    fn name(o: &Observed) -> &str {
        &o.name
    }

    fn id(o: &Observed) -> &str {
        &o.id
    }

    fn owned(o: &Observed, cluster: &str) -> bool {
        names::is_owned(&o.tags, cluster)
    }

    fn refs(spec: &Spec) -> Vec<Ref> {
        spec.groups.clone()
    }

    fn diff(spec: &Spec, o: &Observed, ids: &dyn Resolve) -> Vec<Change> {
        let have = &o.data;
        let mut changes = Vec::new();
        if have.instance_type.as_deref() != Some(spec.instance_type.as_str()) {
            changes.push(Change::InstanceType(have.instance_type.clone()));
        }
        // A template keeps an SSM parameter as given (`resolve:ssm:…`);
        // EC2 resolves it at each launch.
        let image_differs = have.image.as_deref() != Some(spec.image.as_str());
        if image_differs {
            changes.push(Change::Image(have.image.clone()));
        }
        if have.key_name.as_deref() != Some(spec.key_name.as_str()) {
            changes.push(Change::KeyName(have.key_name.clone()));
        }
        let wanted: Vec<Option<Id>> = spec.groups.iter().map(|g| ids.id(g)).collect();
        let same_groups = wanted.len() == have.groups.len()
            && wanted.iter().all(|g| {
                g.as_ref()
                    .is_some_and(|g| have.groups.iter().any(|h| g.is(h)))
            });
        if !same_groups {
            changes.push(Change::Groups(have.groups.clone()));
        }
        if have.user_data != spec.user_data {
            changes.push(Change::UserData(have.user_data.clone()));
        }
        if !same_price(&have.spot, &spec.spot) {
            changes.push(Change::Spot(have.spot.clone()));
        }
        if !have.tokens_required {
            changes.push(Change::MetadataTokens);
        }
        if have.hop_limit != Some(spec.settings.metadata_hop_limit) {
            changes.push(Change::HopLimit(have.hop_limit));
        }
        // A template may name its profile by ARN: the name is its last part.
        let profile = have
            .profile
            .as_deref()
            .map(|p| p.rsplit('/').next().unwrap_or(p));
        if profile != spec.settings.instance_profile.as_deref() {
            changes.push(Change::Profile(have.profile.clone()));
        }
        if have.root_volume.as_ref() != Some(&root_volume(&spec.settings)) {
            changes.push(Change::RootVolume(have.root_volume.clone()));
        }
        if !names::missing_tags(&spec.instance_tags, &have.instance_tags).is_empty() {
            changes.push(Change::InstanceTags);
        }
        changes.extend(tag_change(&spec.tags, &o.tags).map(Change::Tags));
        changes
    }

    fn show(change: &Change) -> Shown {
        let or_none = |v: &Option<String>| v.clone().unwrap_or_else(|| "none".into());
        match change {
            Change::InstanceType(from) => Shown::new("instance type", or_none(from), "the spec's"),
            Change::Image(from) => Shown::new("image", or_none(from), "the spec's"),
            Change::KeyName(from) => Shown::new("key pair", or_none(from), "the spec's"),
            Change::Groups(from) => {
                Shown::new("security groups", from.join(", "), "the node group")
            }
            Change::UserData(_) => Shown::new("user data", "other", "the spec's"),
            Change::Spot(from) => Shown::new("market", show_spot(from), "the spec's"),
            Change::MetadataTokens => Shown::new("IMDSv2 tokens", "optional", "required"),
            Change::HopLimit(from) => Shown::new(
                "metadata hop limit",
                from.map_or("none".into(), |h| h.to_string()),
                "the spec's",
            ),
            Change::Profile(from) => Shown::new("instance profile", or_none(from), "the spec's"),
            Change::RootVolume(from) => Shown::new(
                "root volume",
                from.as_ref().map_or("none".into(), |(size, kind, enc)| {
                    format!("{size} GiB {kind}{}", if *enc { " encrypted" } else { "" })
                }),
                "the spec's, encrypted",
            ),
            Change::InstanceTags => {
                Shown::new("instance tags", "missing or different", "the spec's")
            }
            Change::Tags(tags) => show_tags(tags),
        }
    }

    fn describe(spec: &Spec) -> String {
        let note = spec
            .price_note
            .as_ref()
            .map(|n| format!(" ({n})"))
            .unwrap_or_default();
        format!("{} {}{note}", spec.instance_type, show_spot(&spec.spot))
    }

    fn describe_observed(o: &Observed) -> String {
        format!("version {}", o.latest_version)
    }

    fn work(op: Op<LaunchTemplate>) -> Work {
        Work::LaunchTemplate(op)
    }
}

/// Decoded user data; data that is not text is shown as what it is.
fn decode(user_data: &str) -> String {
    match aws_smithy_types::base64::decode(user_data) {
        Ok(bytes) => {
            String::from_utf8(bytes).unwrap_or_else(|e| format!("<{} bytes>", e.as_bytes().len()))
        }
        Err(_) => format!("<not base64: {} characters>", user_data.len()),
    }
}

fn read_data(d: &ec2::ResponseLaunchTemplateData) -> Data {
    let spot = d
        .instance_market_options()
        .and_then(|m| match m.market_type() {
            Some(ec2::MarketType::Spot) => Some(
                m.spot_options()
                    .and_then(|s| s.max_price())
                    .map(str::to_string),
            ),
            _ => None,
        });
    Data {
        instance_type: d.instance_type().map(|t| t.as_str().to_string()),
        image: d.image_id().map(str::to_string),
        key_name: d.key_name().map(str::to_string),
        groups: d.security_group_ids().to_vec(),
        user_data: d.user_data().map(decode),
        spot,
        tokens_required: d
            .metadata_options()
            .and_then(|m| m.http_tokens())
            .is_some_and(|t| *t == ec2::LaunchTemplateHttpTokensState::Required),
        hop_limit: d
            .metadata_options()
            .and_then(|m| m.http_put_response_hop_limit()),
        profile: d
            .iam_instance_profile()
            .and_then(|p| p.name().or(p.arn()))
            .map(str::to_string),
        root_volume: d
            .block_device_mappings()
            .first()
            .and_then(|m| m.ebs())
            .map(|e| {
                (
                    e.volume_size().unwrap_or(0),
                    e.volume_type()
                        .map_or(String::new(), |t| t.as_str().to_string()),
                    e.encrypted().unwrap_or(false),
                )
            }),
        instance_tags: d
            .tag_specifications()
            .iter()
            .find(|t| t.resource_type() == Some(&ec2::ResourceType::Instance))
            .map(|t| tags_of(t.tags()))
            .unwrap_or_default(),
    }
}

pub async fn observe(clients: &Clients, cluster: &str) -> Result<Vec<Observed>, Error> {
    let pages = clients
        .ec2
        .describe_launch_templates()
        .filters(owned_filter(cluster))
        .into_paginator()
        .send()
        .try_collect()
        .await
        .on("DescribeLaunchTemplates", cluster)?;
    let templates: Vec<&ec2::LaunchTemplate> = pages
        .iter()
        .flat_map(|p| p.launch_templates())
        .filter(|t| names::is_owned(&tags_of(t.tags()), cluster))
        .collect();
    let latest = futures_util::future::join_all(templates.iter().map(|t| async move {
        let id = t
            .launch_template_id()
            .ok_or_else(|| missing("DescribeLaunchTemplates", cluster, "LaunchTemplateId"))?;
        let out = clients
            .ec2
            .describe_launch_template_versions()
            .launch_template_id(id)
            .versions("$Latest")
            .send()
            .await
            .on("DescribeLaunchTemplateVersions", id)?;
        let version = out
            .launch_template_versions()
            .first()
            .ok_or_else(|| missing("DescribeLaunchTemplateVersions", id, "the latest version"))?;
        let tags = tags_of(t.tags());
        Ok::<_, Error>(Observed {
            id: id.to_string(),
            name: t
                .launch_template_name()
                .ok_or_else(|| missing("DescribeLaunchTemplates", id, "LaunchTemplateName"))?
                .to_string(),
            latest_version: version
                .version_number()
                .ok_or_else(|| missing("DescribeLaunchTemplateVersions", id, "VersionNumber"))?,
            data: version
                .launch_template_data()
                .map(read_data)
                .unwrap_or_default(),
            tags,
        })
    }))
    .await;
    latest.into_iter().collect()
}

async fn request(cx: &Cx<'_>, spec: &Spec) -> Result<ec2::RequestLaunchTemplateData, Error> {
    let device = cx.root_device(&spec.image).await?;
    let mut groups = Vec::new();
    for g in &spec.groups {
        groups.push(cx.id(g)?);
    }
    let tags = super::ec2_tags(&spec.instance_tags);
    let mut data = ec2::RequestLaunchTemplateData::builder()
        .image_id(&spec.image)
        .instance_type(ec2::InstanceType::from(spec.instance_type.as_str()))
        .key_name(&spec.key_name)
        .set_security_group_ids(Some(groups))
        .metadata_options(
            ec2::LaunchTemplateInstanceMetadataOptionsRequest::builder()
                .http_tokens(ec2::LaunchTemplateHttpTokensState::Required)
                .http_endpoint(ec2::LaunchTemplateInstanceMetadataEndpointState::Enabled)
                .http_put_response_hop_limit(spec.settings.metadata_hop_limit)
                .build(),
        )
        .set_iam_instance_profile(spec.settings.instance_profile.as_ref().map(|name| {
            ec2::LaunchTemplateIamInstanceProfileSpecificationRequest::builder()
                .name(name)
                .build()
        }))
        .block_device_mappings(
            ec2::LaunchTemplateBlockDeviceMappingRequest::builder()
                .device_name(device)
                .ebs(
                    ec2::LaunchTemplateEbsBlockDeviceRequest::builder()
                        .encrypted(true)
                        .volume_size(spec.settings.root_volume_gib)
                        .volume_type(ec2::VolumeType::from(
                            spec.settings.root_volume_type.as_str(),
                        ))
                        .build(),
                )
                .build(),
        );
    for kind in [ec2::ResourceType::Instance, ec2::ResourceType::Volume] {
        data = data.tag_specifications(
            ec2::LaunchTemplateTagSpecificationRequest::builder()
                .resource_type(kind)
                .set_tags(Some(tags.clone()))
                .build(),
        );
    }
    if let Some(user_data) = &spec.user_data {
        data = data.user_data(aws_smithy_types::base64::encode(user_data));
    }
    if let Some(max_price) = &spec.spot {
        data = data.instance_market_options(
            ec2::LaunchTemplateInstanceMarketOptionsRequest::builder()
                .market_type(ec2::MarketType::Spot)
                .spot_options(
                    ec2::LaunchTemplateSpotMarketOptionsRequest::builder()
                        .set_max_price(max_price.clone())
                        .build(),
                )
                .build(),
        );
    }
    Ok(data.build())
}

pub async fn run(cx: &Cx<'_>, step: usize, op: &Op<LaunchTemplate>) -> Result<Did, Error> {
    match op {
        Op::Create(spec) => {
            let data = request(cx, spec).await?;
            if let Some(b) = &spec.bootstrap {
                bootstrap::put(cx, b, &spec.instance_tags).await?;
            }
            let token = client_token();
            let retry = cx.retry(step, None);
            let id = create(
                retry.get(),
                || {
                    let call = cx
                        .clients
                        .ec2_once
                        .create_launch_template()
                        .launch_template_name(&spec.name)
                        .launch_template_data(data.clone())
                        .client_token(&token)
                        .tag_specifications(tag_spec(
                            ec2::ResourceType::LaunchTemplate,
                            &spec.tags,
                        ));
                    async {
                        let out = call.send().await.on("CreateLaunchTemplate", &spec.name)?;
                        created_id(
                            "CreateLaunchTemplate",
                            &spec.name,
                            out.launch_template().and_then(|t| t.launch_template_id()),
                        )
                    }
                },
                || find(cx, &spec.name),
            )
            .await?;
            cx.produced(step, &id);
            Ok(Did::Created(id))
        }
        Op::Update { id, spec, changes } => {
            if changes.iter().any(|c| !matches!(c, Change::Tags(_))) {
                let data = request(cx, spec).await?;
                if let Some(b) = &spec.bootstrap {
                    bootstrap::put(cx, b, &spec.instance_tags).await?;
                }
                let out = cx
                    .ec2()
                    .create_launch_template_version()
                    .launch_template_id(id)
                    .launch_template_data(data)
                    .client_token(client_token())
                    .send()
                    .await
                    .on("CreateLaunchTemplateVersion", &spec.name)?;
                out.launch_template_version()
                    .and_then(|v| v.version_number())
                    .ok_or_else(|| {
                        missing("CreateLaunchTemplateVersion", &spec.name, "VersionNumber")
                    })?;
                // The old version's secret, now that the template no longer
                // launches with it.
                for change in changes {
                    if let Change::UserData(Some(old)) = change
                        && let Some(secret) = bootstrap::secret_of(old, cx.cluster)
                        && spec.bootstrap.as_ref().is_none_or(|b| b.secret != secret)
                    {
                        bootstrap::delete(cx.clients, &secret).await?;
                    }
                }
            }
            for change in changes {
                if let Change::Tags(tags) = change {
                    cx.tag(step, id, &spec.name, tags).await?;
                }
            }
            cx.produced(step, id);
            Ok(Did::Changed(format!(
                "a new version ({}); new instances use it",
                super::said::<LaunchTemplate>(changes)
            )))
        }
        Op::Delete(o) => {
            gone(
                cx.ec2()
                    .delete_launch_template()
                    .launch_template_id(&o.id)
                    .send()
                    .await
                    .on("DeleteLaunchTemplate", &o.name),
            )?;
            if let Some(secret) = o
                .data
                .user_data
                .as_deref()
                .and_then(|u| bootstrap::secret_of(u, cx.cluster))
            {
                bootstrap::delete(cx.clients, &secret).await?;
            }
            Ok(Did::Deleted)
        }
    }
}

/// The template of that name, the cluster's (names are unique in a
/// Region: EC2 refuses a second one).
async fn find(cx: &Cx<'_>, name: &str) -> Result<Option<String>, Error> {
    let Some(out) = found(
        cx.ec2()
            .describe_launch_templates()
            .launch_template_names(name)
            .send()
            .await
            .on("DescribeLaunchTemplates", name),
    )?
    else {
        return Ok(None);
    };
    Ok(out
        .launch_templates()
        .iter()
        .filter(|t| {
            t.launch_template_name() == Some(name)
                && names::is_owned(&tags_of(t.tags()), cx.cluster)
        })
        .find_map(|t| t.launch_template_id().map(str::to_string)))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::resources::testing::{Refs, tags_for};

    fn spec() -> Spec {
        let mut instance_tags = tags_for("demo", "demo-batch", Role::Node);
        instance_tags.insert(names::kubernetes_key("demo"), "owned".into());
        Spec {
            name: "demo-batch".into(),
            instance_type: "m7i.large".into(),
            image: "ami-04681a1dbd79675a5".into(),
            key_name: "ops".into(),
            groups: vec![Ref::new(Kind::SecurityGroup, "demo-node")],
            user_data: Some("#!/bin/sh\n".into()),
            bootstrap: None,
            spot: Some(Some("0.06048".into())),
            price_note: None,
            instance_tags,
            settings: MachineSettings {
                instance_profile: Some("nodes.cluster-api-provider-aws.sigs.k8s.io".into()),
                metadata_hop_limit: 2,
                root_volume_gib: 40,
                root_volume_type: "gp3".into(),
            },
            tags: tags_for("demo", "demo-batch", Role::Node),
        }
    }

    fn observed() -> Observed {
        let s = spec();
        Observed {
            id: "lt-1".into(),
            name: "demo-batch".into(),
            latest_version: 1,
            data: Data {
                instance_type: Some(s.instance_type.clone()),
                image: Some(s.image.clone()),
                key_name: Some(s.key_name.clone()),
                groups: vec!["sg-node".into()],
                user_data: s.user_data.clone(),
                spot: Some(Some("0.060480".into())),
                tokens_required: true,
                hop_limit: Some(2),
                profile: Some("arn:aws:iam::123456789012:instance-profile/nodes.cluster-api-provider-aws.sigs.k8s.io".into()),
                root_volume: Some(root_volume(&s.settings)),
                instance_tags: s.instance_tags.clone(),
            },
            tags: s.tags.clone(),
        }
    }

    fn ids() -> Refs {
        Refs(HashMap::from([(
            Ref::new(Kind::SecurityGroup, "demo-node"),
            Id::Known("sg-node".into()),
        )]))
    }

    #[test]
    fn each_attribute_of_the_latest_version_is_compared() {
        assert!(
            LaunchTemplate::diff(&spec(), &observed(), &ids()).is_empty(),
            "prices compare as numbers"
        );
        let mut drifted = observed();
        drifted.data.spot = Some(Some("0.09".into()));
        drifted.data.user_data = Some("#!/bin/sh\necho other\n".into());
        drifted.data.tokens_required = false;
        let shown: Vec<Shown> = LaunchTemplate::diff(&spec(), &drifted, &ids())
            .iter()
            .map(LaunchTemplate::show)
            .collect();
        let attributes: Vec<&str> = shown.iter().map(|s| s.attribute.as_str()).collect();
        assert_eq!(attributes, ["user data", "market", "IMDSv2 tokens"]);
        assert_eq!(shown[1].from, "spot, up to 0.09 USD/h");
        let mut on_demand = observed();
        on_demand.data.spot = None;
        assert!(matches!(
            LaunchTemplate::diff(&spec(), &on_demand, &ids())[0],
            Change::Spot(None)
        ));
    }

    #[test]
    fn user_data_is_read_back_from_base64() {
        assert_eq!(
            decode(&aws_smithy_types::base64::encode("#!/bin/sh\n")),
            "#!/bin/sh\n"
        );
        assert!(decode("%%%").starts_with("<not base64"));
    }
}

//! `awscluster preflight`: reads what the live account says about a spec
//! (zones, offerings, the key pair, images, quotas and their usage) into
//! [`Live`], which the linter's rules then compare the spec with. Usage
//! leaves out what the cluster already owns: the spec's need counts it,
//! and a second apply keeps it. Every
//! call is a read (preflight's own list in `aws::permissions`, which the
//! clients' guard enforces). The reads run together, a few round trips
//! deep; a read AWS refuses or does not implement becomes an
//! [`Unchecked`], never an error of the tool, and never a silent pass.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_ec2::types::{Filter, LocationType};
use awscluster_lint::catalog;
use awscluster_lint::iam::Usage;
use awscluster_lint::live::{
    Image, Live, LivePolicy, Network, PrincipalPolicies, Subnet, Unchecked,
};
use awscluster_lint::spec::ClusterSpec;
use futures_util::StreamExt;

use crate::aws::clients::Clients;
use crate::aws::error::{AwsResult, Error};
use crate::progress::Progress;

/// At most this many reads of one kind in flight: a spec with many images
/// or a principal with many policies does not burst past the services'
/// request rates (the SDK still retries what is throttled).
const FAN_OUT: usize = 8;

/// The futures' outputs in order, at most [`FAN_OUT`] running at once.
async fn bounded<F: std::future::Future>(futures: impl IntoIterator<Item = F>) -> Vec<F::Output> {
    futures_util::stream::iter(futures)
        .buffered(FAN_OUT)
        .collect()
        .await
}

/// What specs ask of the account: one spec's, or the union of the specs
/// of one Region and account (a fleet).
#[derive(Debug, Clone)]
pub struct Wanted {
    /// The clusters' names: what they already own is not counted as usage
    /// (they keep it). Empty counts everything (a snapshot).
    pub clusters: Vec<String>,
    pub region: String,
    pub instance_types: Vec<String>,
    pub key_names: Vec<String>,
    /// Images as the spec writes them.
    pub images: Vec<String>,
    /// The quota codes the cluster uses.
    pub quotas: Vec<&'static str>,
    /// Static placements' VPC and subnet ids, by VPC.
    pub networks: BTreeMap<String, BTreeSet<String>>,
}

impl Wanted {
    pub fn of(spec: &ClusterSpec) -> Wanted {
        let mut instance_types = Vec::new();
        let mut images = Vec::new();
        let mut quotas = Vec::new();
        let mut machine = |kind: &str, image: Option<&String>, spot: bool| {
            instance_types.push(kind.to_string());
            images.extend(image.cloned());
            quotas.extend(catalog::vcpu_quota_code(kind, spot));
        };
        if let Some(b) = &spec.bastion {
            machine(*b.instance_type(b.span), b.image.as_deref(), false);
        }
        for pool in spec.pools() {
            machine(
                pool.instance_type.as_str(),
                pool.image.as_deref(),
                pool.is_spot(),
            );
        }
        // The network's quotas: a new VPC's only with dynamic placement.
        if spec.dynamic().is_some() {
            quotas.extend([VPCS, INTERNET_GATEWAYS, NAT_GATEWAYS, ELASTIC_IPS]);
        }
        quotas.push(CLASSIC_LOAD_BALANCERS);
        for list in [&mut instance_types, &mut images] {
            list.sort();
            list.dedup();
        }
        quotas.sort_unstable();
        quotas.dedup();
        Wanted {
            clusters: vec![spec.name.to_string()],
            region: spec.region.to_string(),
            instance_types,
            key_names: vec![spec.ssh_key_name.to_string()],
            images,
            quotas,
            networks: spec
                .static_placement()
                .map(|p| {
                    (
                        p.vpc_id.to_string(),
                        p.subnets.iter().map(|s| s.id.to_string()).collect(),
                    )
                })
                .into_iter()
                .collect(),
        }
    }

    /// Adds what `other` (of the same Region and account) asks.
    pub fn add(&mut self, other: Wanted) {
        fn union<T: Ord>(a: &mut Vec<T>, b: Vec<T>) {
            a.extend(b);
            a.sort();
            a.dedup();
        }
        union(&mut self.clusters, other.clusters);
        union(&mut self.instance_types, other.instance_types);
        union(&mut self.key_names, other.key_names);
        union(&mut self.images, other.images);
        union(&mut self.quotas, other.quotas);
        for (vpc, subnets) in other.networks {
            self.networks.entry(vpc).or_default().extend(subnets);
        }
    }
}

const VPCS: &str = "L-F678F1CE";
const INTERNET_GATEWAYS: &str = "L-A4707A72";
const NAT_GATEWAYS: &str = "L-FE5A380F";
const ELASTIC_IPS: &str = "L-0263D0A3";
const CLASSIC_LOAD_BALANCERS: &str = "L-E9E9831D";

/// Whether tags mark a resource as one of the clusters' own.
fn owned(clusters: &[String], tags: &[aws_sdk_ec2::types::Tag]) -> bool {
    clusters.iter().any(|cluster| {
        let key = crate::names::owned_key(cluster);
        tags.iter()
            .any(|t| t.key() == Some(key.as_str()) && t.value() == Some(crate::names::OWNED))
    })
}

/// A read that did not answer: what to say instead.
fn unchecked(what: &str, pointer: &str, action: &str, e: &Error) -> Unchecked {
    concerning(None, what, pointer, action, e)
}

/// [`unchecked`] of a value only some specs name (a key pair, an image, a
/// VPC): only they report it.
fn concerning(
    subject: Option<&str>,
    what: &str,
    pointer: &str,
    action: &str,
    e: &Error,
) -> Unchecked {
    let reason = match e {
        Error::Aws { code, message, .. } => format!("{code}: {message}"),
        other => other.to_string(),
    };
    Unchecked {
        what: what.to_string(),
        pointer: pointer.to_string(),
        action: action.to_string(),
        reason,
        subject: subject.map(str::to_string),
    }
}

/// Who the credentials are. An error here is the tool's: nothing else
/// could work.
pub async fn caller(clients: &Clients) -> Result<String, Error> {
    let out = clients
        .sts
        .get_caller_identity()
        .send()
        .await
        .on("GetCallerIdentity", "the credentials")?;
    Ok(out.arn().unwrap_or("an unnamed principal").to_string())
}

/// `work`, named on the progress line while it runs.
async fn shown<F: std::future::Future>(progress: &Progress, what: &str, work: F) -> F::Output {
    progress.start(what);
    let out = work.await;
    progress.finish_quietly(what);
    out
}

/// Everything preflight reads, together.
pub async fn look(clients: &Clients, wanted: &Wanted, progress: &Progress) -> Result<Live, Error> {
    let existing = shown(
        progress,
        "networks",
        bounded(
            wanted
                .networks
                .iter()
                .map(|(vpc, subnets)| async move { (vpc, network(clients, vpc, subnets).await) }),
        ),
    );
    let key_pairs = shown(
        progress,
        "key pairs",
        bounded(
            wanted
                .key_names
                .iter()
                .map(|name| async move { (name, key_pair(clients, name).await) }),
        ),
    );
    // The caller's own policies need its name first.
    let who = shown(progress, "identity and policies", async {
        let arn = caller(clients).await;
        let policies = match &arn {
            Ok(arn) => principal(clients, arn).await,
            Err(_) => None,
        };
        (arn, policies)
    });
    let ((caller, policies), zones, offerings, key_pairs, architectures, images, quotas, existing) = tokio::join!(
        who,
        shown(progress, "zones", zones(clients)),
        shown(progress, "offerings", offerings(clients, wanted)),
        key_pairs,
        shown(progress, "instance types", architectures(clients, wanted)),
        shown(progress, "images", images(clients, &wanted.images)),
        shown(progress, "quotas and usage", quotas(clients, wanted)),
        existing,
    );
    let mut live = Live {
        caller: Some(caller?),
        region: Some(wanted.region.clone()),
        ..Live::default()
    };
    fn keep<T>(result: Result<T, Unchecked>, unchecked: &mut Vec<Unchecked>) -> Option<T> {
        result.map_err(|u| unchecked.push(u)).ok()
    }
    let mut problems = Vec::new();
    let zones = keep(zones, &mut problems);
    let offerings = keep(offerings, &mut problems);
    let architectures = keep(architectures, &mut problems);
    for (name, found) in key_pairs {
        if let Some(found) = keep(found, &mut problems) {
            live.key_pairs.insert(name.clone(), found);
        }
    }
    for (vpc, found) in existing {
        if let Some(found) = keep(found, &mut problems) {
            live.networks.insert(vpc.clone(), found);
        }
    }
    live.principal = policies.and_then(|p| keep(p, &mut problems));
    live.unchecked = problems;
    let (images, image_problems) = images;
    live.zones = zones;
    live.offerings = offerings;
    live.architectures = architectures;
    live.images = images;
    live.unchecked.extend(image_problems);
    let (values, origins, usage, quota_problems) = quotas;
    live.quotas = values;
    live.quota_origin = origins;
    live.usage = usage;
    live.unchecked.extend(quota_problems);
    Ok(live)
}

/// A static spec's VPC and subnets as AWS holds them: blocks, zones,
/// whether each routes to an internet gateway, tags, free addresses.
async fn network(
    clients: &Clients,
    vpc_id: &str,
    subnet_ids: &BTreeSet<String>,
) -> Result<Network, Unchecked> {
    let fail = |action: &'static str| {
        move |e: Error| {
            concerning(
                Some(vpc_id),
                &format!("the existing network `{vpc_id}`"),
                "/placement/static",
                action,
                &e,
            )
        }
    };
    // By filter, not by id: an id AWS does not have is an answer, not an
    // error of the whole call.
    let by_vpc = || Filter::builder().name("vpc-id").values(vpc_id).build();
    let (vpcs, subnets, tables) = tokio::join!(
        clients
            .ec2
            .describe_vpcs()
            .filters(Filter::builder().name("vpc-id").values(vpc_id).build())
            .send(),
        clients
            .ec2
            .describe_subnets()
            .filters(
                Filter::builder()
                    .name("subnet-id")
                    .set_values(Some(subnet_ids.iter().cloned().collect()))
                    .build()
            )
            .into_paginator()
            .send()
            .try_collect(),
        clients
            .ec2
            .describe_route_tables()
            .filters(by_vpc())
            .into_paginator()
            .send()
            .try_collect(),
    );
    let vpcs = vpcs
        .on("DescribeVpcs", vpc_id)
        .map_err(fail("ec2:DescribeVpcs"))?;
    let subnets: Vec<_> = subnets
        .on("DescribeSubnets", "the spec's subnets")
        .map_err(fail("ec2:DescribeSubnets"))?;
    let tables: Vec<_> = tables
        .on("DescribeRouteTables", vpc_id)
        .map_err(fail("ec2:DescribeRouteTables"))?;
    let tables: Vec<_> = tables.iter().flat_map(|p| p.route_tables()).collect();
    let to_internet = |t: &aws_sdk_ec2::types::RouteTable| {
        t.routes().iter().any(|r| {
            r.destination_cidr_block() == Some("0.0.0.0/0")
                && r.gateway_id().is_some_and(|g| g.starts_with("igw-"))
        })
    };
    let main = tables
        .iter()
        .find(|t| t.associations().iter().any(|a| a.main() == Some(true)));
    let mut found = BTreeMap::new();
    for s in subnets.iter().flat_map(|p| p.subnets()) {
        // AWS always says these; a subnet without them is not judged.
        let (Some(id), Some(vpc), Some(cidr), Some(zone)) = (
            s.subnet_id(),
            s.vpc_id(),
            s.cidr_block(),
            s.availability_zone(),
        ) else {
            continue;
        };
        let own = tables
            .iter()
            .find(|t| t.associations().iter().any(|a| a.subnet_id() == Some(id)));
        let public = own.or(main).map(|t| to_internet(t));
        found.insert(
            id.to_string(),
            Subnet {
                vpc_id: vpc.to_string(),
                cidr: cidr.to_string(),
                zone: zone.to_string(),
                public,
                tags: s
                    .tags()
                    .iter()
                    .filter_map(|t| Some((t.key()?.to_string(), t.value()?.to_string())))
                    .collect(),
                free: s
                    .available_ip_address_count()
                    .and_then(|n| u64::try_from(n).ok()),
            },
        );
    }
    let vpc = match vpcs.vpcs().first() {
        None => None,
        Some(v) => match v.cidr_block() {
            Some(block) => Some(block.to_string()),
            None => {
                return Err(fail("ec2:DescribeVpcs")(crate::aws::error::missing(
                    "DescribeVpcs",
                    vpc_id,
                    "CidrBlock",
                )));
            }
        },
    };
    Ok(Network {
        vpc,
        subnets: found,
    })
}

/// Whose policies the credentials run with, from the caller's ARN: a role
/// (an assumed role's session ARN names it, without its path) or a user.
/// `None` for the account's root and federated sessions, which have no
/// policies of their own to read.
fn principal_of(caller: &str) -> Option<(Owner, String)> {
    let resource = caller.splitn(6, ':').nth(5)?;
    if let Some(rest) = resource.strip_prefix("assumed-role/") {
        return Some((Owner::Role, rest.split('/').next()?.to_string()));
    }
    if let Some(rest) = resource.strip_prefix("user/") {
        return Some((Owner::User, rest.rsplit('/').next()?.to_string()));
    }
    None
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Owner {
    Role,
    User,
    Group,
}

impl Owner {
    fn word(self) -> &'static str {
        match self {
            Owner::Role => "role",
            Owner::User => "user",
            Owner::Group => "group",
        }
    }

    fn inline(self) -> Usage {
        match self {
            Owner::Role => Usage::InlineRole,
            Owner::User => Usage::InlineUser,
            Owner::Group => Usage::InlineGroup,
        }
    }
}

/// IAM returns policy documents URL-encoded (RFC 3986); the SDK does not
/// decode them.
fn url_decoded(text: &str) -> String {
    fn hex(b: u8) -> Option<u8> {
        (b as char).to_digit(16).and_then(|d| u8::try_from(d).ok())
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let pair = bytes
            .get(i + 1)
            .copied()
            .and_then(hex)
            .zip(bytes.get(i + 2).copied().and_then(hex));
        match (bytes[i], pair) {
            (b'%', Some((high, low))) => {
                out.push(high * 16 + low);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The policies IAM holds for the caller: managed (each one's default
/// version) and inline, a user's groups' too. `None` when the caller has
/// none of its own (the root user, a federated session).
async fn principal(
    clients: &Clients,
    caller: &str,
) -> Option<Result<PrincipalPolicies, Unchecked>> {
    let (kind, name) = principal_of(caller)?;
    let what = format!("{} {name}", kind.word());
    Some(principal_policies(clients, kind, &name, &what).await)
}

async fn principal_policies(
    clients: &Clients,
    kind: Owner,
    name: &str,
    what: &str,
) -> Result<PrincipalPolicies, Unchecked> {
    let subject = format!("the policies of {what}");
    let fail = |action: &'static str| {
        let subject = subject.clone();
        move |e: Error| unchecked(&subject, "/cloudAccount", action, &e)
    };
    let mut owners = vec![(kind, name.to_string())];
    if kind == Owner::User {
        let pages: Vec<_> = clients
            .iam
            .list_groups_for_user()
            .user_name(name)
            .into_paginator()
            .send()
            .try_collect()
            .await
            .on("ListGroupsForUser", name)
            .map_err(fail("iam:ListGroupsForUser"))?;
        owners.extend(
            pages
                .iter()
                .flat_map(|p| p.groups())
                .map(|g| (Owner::Group, g.group_name().to_string())),
        );
    }
    // Every owner's lists, then every document, each round at once.
    let lists = bounded(
        owners
            .iter()
            .map(|(owner, owner_name)| names_of(clients, *owner, owner_name)),
    )
    .await;
    let mut wanted_documents = Vec::new();
    for ((owner, owner_name), list) in owners.iter().zip(lists) {
        let (managed, inline) = list.map_err(|(action, e)| fail(action)(e))?;
        wanted_documents.extend(
            managed
                .into_iter()
                .map(|arn| (*owner, owner_name.as_str(), Held::Managed, arn)),
        );
        wanted_documents.extend(
            inline
                .into_iter()
                .map(|name| (*owner, owner_name.as_str(), Held::Inline, name)),
        );
    }
    let documents = bounded(wanted_documents.iter().map(
        |(owner, owner_name, held, id)| async move {
            match held {
                Held::Managed => managed_document(clients, id).await,
                Held::Inline => inline_document(clients, *owner, owner_name, id).await,
            }
        },
    ))
    .await;
    let mut policies = Vec::new();
    for ((owner, owner_name, held, id), document) in wanted_documents.iter().zip(documents) {
        let document = document.map_err(|(action, e)| fail(action)(e))?;
        let (name, usage) = match held {
            Held::Managed => (
                format!("{id} (attached to {} {owner_name})", owner.word()),
                Usage::Managed,
            ),
            Held::Inline => (
                format!("inline policy {id} of {} {owner_name}", owner.word()),
                owner.inline(),
            ),
        };
        policies.push(LivePolicy {
            name,
            owner: format!("{} {owner_name}", owner.word()),
            usage,
            document,
        });
    }
    Ok(PrincipalPolicies {
        principal: what.to_string(),
        policies,
    })
}

type Failed = (&'static str, Error);

/// How a policy is held: managed (by ARN) or inline (by name).
#[derive(Debug, Clone, Copy)]
enum Held {
    Managed,
    Inline,
}

/// The ARNs of the managed policies attached to an owner, and the names of
/// its inline ones.
async fn names_of(
    clients: &Clients,
    owner: Owner,
    name: &str,
) -> Result<(Vec<String>, Vec<String>), Failed> {
    // The same two lists for each kind of owner, under its own names.
    macro_rules! lists {
        ($attached:ident, $inline:ident, $setter:ident, $attached_op:literal, $inline_op:literal) => {{
            let attached: Vec<_> = clients
                .iam
                .$attached()
                .$setter(name)
                .into_paginator()
                .send()
                .try_collect()
                .await
                .on($attached_op, name)
                .map_err(|e| (concat!("iam:", $attached_op), e))?;
            let inline: Vec<_> = clients
                .iam
                .$inline()
                .$setter(name)
                .into_paginator()
                .send()
                .try_collect()
                .await
                .on($inline_op, name)
                .map_err(|e| (concat!("iam:", $inline_op), e))?;
            (
                attached
                    .iter()
                    .flat_map(|p| p.attached_policies())
                    .filter_map(|a| a.policy_arn())
                    .map(str::to_string)
                    .collect(),
                inline
                    .iter()
                    .flat_map(|p| p.policy_names())
                    .cloned()
                    .collect(),
            )
        }};
    }
    Ok(match owner {
        Owner::Role => lists!(
            list_attached_role_policies,
            list_role_policies,
            role_name,
            "ListAttachedRolePolicies",
            "ListRolePolicies"
        ),
        Owner::User => lists!(
            list_attached_user_policies,
            list_user_policies,
            user_name,
            "ListAttachedUserPolicies",
            "ListUserPolicies"
        ),
        Owner::Group => lists!(
            list_attached_group_policies,
            list_group_policies,
            group_name,
            "ListAttachedGroupPolicies",
            "ListGroupPolicies"
        ),
    })
}

/// A managed policy's default version, decoded.
async fn managed_document(clients: &Clients, arn: &str) -> Result<String, Failed> {
    let policy = clients
        .iam
        .get_policy()
        .policy_arn(arn)
        .send()
        .await
        .on("GetPolicy", arn)
        .map_err(|e| ("iam:GetPolicy", e))?;
    let version = policy
        .policy()
        .and_then(|p| p.default_version_id())
        .ok_or_else(|| {
            (
                "iam:GetPolicy",
                crate::aws::error::missing("GetPolicy", arn, "DefaultVersionId"),
            )
        })?;
    let out = clients
        .iam
        .get_policy_version()
        .policy_arn(arn)
        .version_id(version)
        .send()
        .await
        .on("GetPolicyVersion", arn)
        .map_err(|e| ("iam:GetPolicyVersion", e))?;
    out.policy_version()
        .and_then(|v| v.document())
        .map(url_decoded)
        .ok_or_else(|| {
            (
                "iam:GetPolicyVersion",
                crate::aws::error::missing("GetPolicyVersion", arn, "Document"),
            )
        })
}

/// An inline policy's document, decoded.
async fn inline_document(
    clients: &Clients,
    owner: Owner,
    name: &str,
    policy: &str,
) -> Result<String, Failed> {
    let iam = &clients.iam;
    let document = match owner {
        Owner::Role => iam
            .get_role_policy()
            .role_name(name)
            .policy_name(policy)
            .send()
            .await
            .on("GetRolePolicy", policy)
            .map(|o| o.policy_document().to_string())
            .map_err(|e| ("iam:GetRolePolicy", e))?,
        Owner::User => iam
            .get_user_policy()
            .user_name(name)
            .policy_name(policy)
            .send()
            .await
            .on("GetUserPolicy", policy)
            .map(|o| o.policy_document().to_string())
            .map_err(|e| ("iam:GetUserPolicy", e))?,
        Owner::Group => iam
            .get_group_policy()
            .group_name(name)
            .policy_name(policy)
            .send()
            .await
            .on("GetGroupPolicy", policy)
            .map(|o| o.policy_document().to_string())
            .map_err(|e| ("iam:GetGroupPolicy", e))?,
    };
    Ok(url_decoded(&document))
}

async fn zones(clients: &Clients) -> Result<BTreeMap<String, String>, Unchecked> {
    let out = clients
        .ec2
        .describe_availability_zones()
        .send()
        .await
        .on("DescribeAvailabilityZones", "the Region")
        .map_err(|e| {
            unchecked(
                "the Availability Zones",
                "/placement",
                "ec2:DescribeAvailabilityZones",
                &e,
            )
        })?;
    Ok(out
        .availability_zones()
        .iter()
        .filter_map(|z| {
            Some((
                z.zone_name()?.to_string(),
                z.state().map_or("unknown", |s| s.as_str()).to_string(),
            ))
        })
        .collect())
}

async fn offerings(
    clients: &Clients,
    wanted: &Wanted,
) -> Result<BTreeSet<(String, String)>, Unchecked> {
    let fail = |e: &Error| {
        unchecked(
            "where the instance types are offered",
            "/nodePools",
            "ec2:DescribeInstanceTypeOfferings",
            e,
        )
    };
    let pages: Vec<_> = clients
        .ec2
        .describe_instance_type_offerings()
        .location_type(LocationType::AvailabilityZone)
        .filters(
            Filter::builder()
                .name("instance-type")
                .set_values(Some(wanted.instance_types.clone()))
                .build(),
        )
        .into_paginator()
        .send()
        .try_collect()
        .await
        .on("DescribeInstanceTypeOfferings", "the spec's instance types")
        .map_err(|e| fail(&e))?;
    Ok(pages
        .iter()
        .flat_map(|p| p.instance_type_offerings())
        .filter_map(|o| {
            Some((
                o.instance_type()?.as_str().to_string(),
                o.location()?.to_string(),
            ))
        })
        .collect())
}

async fn key_pair(clients: &Clients, name: &str) -> Result<bool, Unchecked> {
    let answer = clients
        .ec2
        .describe_key_pairs()
        .key_names(name)
        .send()
        .await
        .on("DescribeKeyPairs", name);
    match answer {
        Ok(out) => Ok(!out.key_pairs().is_empty()),
        Err(e) if e.code() == Some("InvalidKeyPair.NotFound") => Ok(false),
        Err(e) => Err(concerning(
            Some(name),
            &format!("the key pair `{name}`"),
            "/sshKeyName",
            "ec2:DescribeKeyPairs",
            &e,
        )),
    }
}

async fn architectures(
    clients: &Clients,
    wanted: &Wanted,
) -> Result<BTreeMap<String, Vec<String>>, Unchecked> {
    let types = wanted
        .instance_types
        .iter()
        .map(|t| aws_sdk_ec2::types::InstanceType::from(t.as_str()))
        .collect();
    let out = clients
        .ec2
        .describe_instance_types()
        .set_instance_types(Some(types))
        .send()
        .await
        .on("DescribeInstanceTypes", "the spec's instance types")
        .map_err(|e| {
            unchecked(
                "the instance types' architectures",
                "/nodePools",
                "ec2:DescribeInstanceTypes",
                &e,
            )
        })?;
    Ok(out
        .instance_types()
        .iter()
        .filter_map(|t| {
            let archs = t
                .processor_info()?
                .supported_architectures()
                .iter()
                .map(|a| a.as_str().to_string())
                .collect();
            Some((t.instance_type()?.as_str().to_string(), archs))
        })
        .collect())
}

/// What AWS says of each image, and what could not be read. SSM
/// parameters are resolved first.
async fn images(clients: &Clients, images: &[String]) -> (BTreeMap<String, Image>, Vec<Unchecked>) {
    let mut found = BTreeMap::new();
    let mut problems = Vec::new();
    let (paths, ids): (Vec<&String>, Vec<&String>) =
        images.iter().partition(|i| !i.starts_with("ami-"));
    // What each image names: an AMI ID, once its parameter is read.
    let mut resolved: Vec<(String, String)> =
        ids.iter().map(|i| (i.to_string(), i.to_string())).collect();
    if !paths.is_empty() {
        let names: Vec<String> = paths
            .iter()
            .map(|p| p.strip_prefix("resolve:ssm:").unwrap_or(p).to_string())
            .collect();
        let answer = clients
            .ssm
            .get_parameters()
            .set_names(Some(names.clone()))
            .send()
            .await
            .on("GetParameters", names.join(", "));
        match answer {
            Ok(out) => {
                for (path, name) in paths.iter().zip(&names) {
                    let value = out
                        .parameters()
                        .iter()
                        .find(|p| p.name() == Some(name.as_str()))
                        .and_then(|p| p.value());
                    match value {
                        Some(ami) => resolved.push((path.to_string(), ami.to_string())),
                        None => {
                            found.insert(path.to_string(), Image::Missing);
                        }
                    }
                }
            }
            Err(e) => problems.push(unchecked(
                "the images given as SSM parameters",
                "/nodePools",
                "ssm:GetParameters",
                &e,
            )),
        }
    }
    // One call per image: DescribeImages fails whole when one of several
    // IDs is missing.
    let answers = bounded(resolved.iter().map(|(_, ami)| async move {
        clients
            .ec2
            .describe_images()
            .image_ids(ami)
            .send()
            .await
            .on("DescribeImages", ami)
    }))
    .await;
    for ((written, _), answer) in resolved.into_iter().zip(answers) {
        match answer {
            Ok(out) => {
                let image = match out.images().first() {
                    Some(i) => Image::Found {
                        architecture: i.architecture().map(|a| a.as_str().to_string()),
                        root_device: i.root_device_name().map(str::to_string),
                    },
                    None => Image::Missing,
                };
                found.insert(written, image);
            }
            Err(e) if e.code().is_some_and(|c| c.starts_with("InvalidAMIID")) => {
                found.insert(written, Image::Missing);
            }
            Err(e) => problems.push(concerning(
                Some(&written),
                &format!("the image `{written}`"),
                "/nodePools",
                "ec2:DescribeImages",
                &e,
            )),
        }
    }
    (found, problems)
}

/// Quota values, their origins, usage, and what could not be read.
pub type QuotaFacts = (
    BTreeMap<String, f64>,
    BTreeMap<String, String>,
    BTreeMap<String, f64>,
    Vec<Unchecked>,
);

/// Each quota's value (applied, else AWS's default, else the built-in
/// table's, saying which) and the account's usage of it.
pub async fn quotas(clients: &Clients, wanted: &Wanted) -> QuotaFacts {
    // A snapshot gives them instead.
    if wanted.quotas.is_empty() {
        return Default::default();
    }
    let values = bounded(wanted.quotas.iter().map(|code| quota_value(clients, code))).await;
    let mut quotas = BTreeMap::new();
    let mut origins = BTreeMap::new();
    let mut problems = Vec::new();
    for (code, (value, origin, problem)) in wanted.quotas.iter().zip(values) {
        if let Some(value) = value {
            quotas.insert(code.to_string(), value);
        }
        origins.insert(code.to_string(), origin);
        // One finding for all the quotas Service Quotas would not give.
        if let Some(p) = problem
            && !problems.iter().any(|u: &Unchecked| u.action == p.action)
        {
            problems.push(p);
        }
    }
    let (usage, usage_problems) = usage(clients, wanted).await;
    problems.extend(usage_problems);
    (quotas, origins, usage, problems)
}

async fn quota_value(clients: &Clients, code: &str) -> (Option<f64>, String, Option<Unchecked>) {
    let Some(known) = catalog::quota(code) else {
        return (None, "unknown quota".into(), None);
    };
    let applied = clients
        .quotas
        .get_service_quota()
        .service_code(known.service)
        .quota_code(code)
        .send()
        .await
        .on("GetServiceQuota", code);
    let refused = match applied {
        Ok(out) => match out.quota().and_then(|q| q.value()) {
            Some(v) => return (Some(v), "applied value in Service Quotas".into(), None),
            None => None,
        },
        // No applied value: the account has AWS's default.
        Err(e) if e.code() == Some("NoSuchResourceException") => {
            let default = clients
                .quotas
                .get_aws_default_service_quota()
                .service_code(known.service)
                .quota_code(code)
                .send()
                .await
                .on("GetAWSDefaultServiceQuota", code);
            match default {
                Ok(out) => match out.quota().and_then(|q| q.value()) {
                    Some(v) => return (Some(v), "AWS's default, from Service Quotas".into(), None),
                    None => None,
                },
                Err(e) => Some(unchecked(
                    "the quotas' default values",
                    "/nodePools",
                    "servicequotas:GetAWSDefaultServiceQuota",
                    &e,
                )),
            }
        }
        Err(e) => Some(unchecked(
            "the quotas' applied values",
            "/nodePools",
            "servicequotas:GetServiceQuota",
            &e,
        )),
    };
    // The linter falls back to awscluster.toml's value, then to its
    // table of AWS's defaults.
    (
        None,
        "AWS's default for a new account, from the built-in table".into(),
        refused,
    )
}

/// What the account already uses of each wanted quota, counted as
/// awslimitchecker counts it.
async fn usage(clients: &Clients, wanted: &Wanted) -> (BTreeMap<String, f64>, Vec<Unchecked>) {
    let mut usage = BTreeMap::new();
    let mut problems = Vec::new();
    let (instances, vpcs, gateways, nats, subnets, addresses, balancers) = tokio::join!(
        clients
            .ec2
            .describe_instances()
            .filters(
                Filter::builder()
                    .name("instance-state-name")
                    .values("pending")
                    .values("running")
                    .build()
            )
            .into_paginator()
            .send()
            .try_collect(),
        clients
            .ec2
            .describe_vpcs()
            .into_paginator()
            .send()
            .try_collect(),
        clients
            .ec2
            .describe_internet_gateways()
            .into_paginator()
            .send()
            .try_collect(),
        clients
            .ec2
            .describe_nat_gateways()
            .filter(
                Filter::builder()
                    .name("state")
                    .values("pending")
                    .values("available")
                    .build()
            )
            .into_paginator()
            .send()
            .try_collect(),
        clients
            .ec2
            .describe_subnets()
            .into_paginator()
            .send()
            .try_collect(),
        clients.ec2.describe_addresses().send(),
        clients
            .elb
            .describe_load_balancers()
            .into_paginator()
            .send()
            .try_collect(),
    );
    // vCPUs per quota class, on demand and spot apart.
    match instances.on("DescribeInstances", "the account") {
        Ok(pages) => {
            let mut vcpus: BTreeMap<&'static str, f64> = BTreeMap::new();
            for i in pages
                .iter()
                .flat_map(|p| p.reservations())
                .flat_map(|r| r.instances())
            {
                let Some(kind) = i.instance_type().map(|t| t.as_str()) else {
                    continue;
                };
                let dedicated = i
                    .placement()
                    .and_then(|p| p.tenancy())
                    .is_some_and(|t| t.as_str() != "default");
                if dedicated {
                    continue;
                }
                let spot = i.instance_lifecycle().is_some_and(|l| l.as_str() == "spot");
                let cpus = i
                    .cpu_options()
                    .and_then(|c| Some(c.core_count()? * c.threads_per_core()?))
                    .map(f64::from)
                    .or_else(|| catalog::instances().get(kind).map(|t| f64::from(t.vcpus)));
                if let (Some(code), Some(cpus)) = (catalog::vcpu_quota_code(kind, spot), cpus) {
                    *vcpus.entry(code).or_default() += cpus;
                }
            }
            for code in &wanted.quotas {
                // The vCPU quotas: EC2's, but for the Elastic IPs'.
                if *code != ELASTIC_IPS && catalog::quota(code).is_some_and(|q| q.service == "ec2")
                {
                    usage.insert(code.to_string(), vcpus.get(code).copied().unwrap_or(0.0));
                }
            }
        }
        Err(e) => problems.push(unchecked(
            "the vCPUs in use",
            "/nodePools",
            "ec2:DescribeInstances",
            &e,
        )),
    }
    let mut count = |code: &str, action: &str, n: Result<f64, Error>| {
        if !wanted.quotas.contains(&code) {
            return;
        }
        match n {
            Ok(n) => {
                usage.insert(code.to_string(), n);
            }
            Err(e) => problems.push(unchecked(
                &format!("the usage of quota {code}"),
                "/nodePools",
                action,
                &e,
            )),
        }
    };
    count(
        VPCS,
        "ec2:DescribeVpcs",
        vpcs.on("DescribeVpcs", "the account").map(|pages: Vec<_>| {
            let theirs = pages.iter().flat_map(|p| p.vpcs());
            theirs
                .filter(|v| !owned(&wanted.clusters, v.tags()))
                .count() as f64
        }),
    );
    count(
        INTERNET_GATEWAYS,
        "ec2:DescribeInternetGateways",
        gateways
            .on("DescribeInternetGateways", "the account")
            .map(|pages: Vec<_>| {
                pages
                    .iter()
                    .map(|p| p.internet_gateways().len())
                    .sum::<usize>() as f64
            }),
    );
    // NAT gateways are counted per zone: the busiest zone of the spec's.
    let per_zone = nats
        .on("DescribeNatGateways", "the account")
        .and_then(|pages: Vec<_>| {
            let subnets: Vec<_> = subnets.on("DescribeSubnets", "the account")?;
            let zone_of: BTreeMap<&str, &str> = subnets
                .iter()
                .flat_map(|p| p.subnets())
                .filter_map(|s| Some((s.subnet_id()?, s.availability_zone()?)))
                .collect();
            let mut per_zone: BTreeMap<&str, f64> = BTreeMap::new();
            for n in pages
                .iter()
                .flat_map(|p| p.nat_gateways())
                .filter(|n| !owned(&wanted.clusters, n.tags()))
            {
                if let Some(zone) = n.subnet_id().and_then(|s| zone_of.get(s)) {
                    *per_zone.entry(zone).or_default() += 1.0;
                }
            }
            Ok(per_zone.values().copied().fold(0.0, f64::max))
        });
    count(NAT_GATEWAYS, "ec2:DescribeNatGateways", per_zone);
    count(
        ELASTIC_IPS,
        "ec2:DescribeAddresses",
        addresses.on("DescribeAddresses", "the account").map(|out| {
            let theirs = out.addresses().iter();
            theirs
                .filter(|a| !owned(&wanted.clusters, a.tags()))
                .count() as f64
        }),
    );
    count(
        CLASSIC_LOAD_BALANCERS,
        "elasticloadbalancing:DescribeLoadBalancers",
        balancers
            .on("DescribeLoadBalancers", "the account")
            .map(|pages: Vec<_>| {
                // Classic load balancers' tags take a call of their own: the
                // cluster's is known by its name.
                let ours: BTreeSet<String> = wanted
                    .clusters
                    .iter()
                    .map(|c| awscluster_lint::naming::load_balancer(c))
                    .collect();
                let theirs = pages.iter().flat_map(|p| p.load_balancer_descriptions());
                theirs
                    .filter(|b| b.load_balancer_name().is_none_or(|n| !ours.contains(n)))
                    .count() as f64
            }),
    );
    (usage, problems)
}

/// `awscluster quotas snapshot`: every quota the rules know, its value and
/// the account's usage in the Region, whatever cluster owns what.
pub async fn snapshot(
    clients: &Clients,
    region: &str,
    taken_at: String,
) -> Result<(awscluster_lint::live::Snapshot, Vec<Unchecked>), Error> {
    let caller = caller(clients).await?;
    // arn:<partition>:sts::<account>:…
    let account = caller.split(':').nth(4).unwrap_or_default().to_string();
    let wanted = Wanted {
        clusters: Vec::new(),
        region: region.to_string(),
        instance_types: Vec::new(),
        key_names: Vec::new(),
        images: Vec::new(),
        quotas: catalog::quotas().iter().map(|q| q.code).collect(),
        networks: BTreeMap::new(),
    };
    let (values, origins, usage, problems) = quotas(clients, &wanted).await;
    let mut recorded = BTreeMap::new();
    for q in catalog::quotas() {
        let (value, origin) = match values.get(q.code) {
            Some(v) => (*v, origins.get(q.code).cloned().unwrap_or_default()),
            None => (q.default, awscluster_lint::live::TABLE_ORIGIN.to_string()),
        };
        recorded.insert(
            q.code.to_string(),
            awscluster_lint::live::SnapshotQuota {
                value,
                origin,
                usage: usage.get(q.code).copied(),
            },
        );
    }
    Ok((
        awscluster_lint::live::Snapshot {
            taken_at,
            account,
            region: region.to_string(),
            quotas: recorded,
        },
        problems,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_are_url_decoded_as_iam_encodes_them() {
        let encoded = "%7B%22Version%22%3A%20%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D";
        assert_eq!(
            url_decoded(encoded),
            r#"{"Version": "2012-10-17","Statement":[]}"#
        );
        // A plus is a plus (RFC 3986, not a form), and a stray % stays.
        assert_eq!(url_decoded("a+b%2"), "a+b%2");
        assert_eq!(url_decoded("%C3%A9"), "é");
    }

    #[test]
    fn the_principal_is_read_from_the_callers_arn() {
        assert_eq!(
            principal_of("arn:aws:sts::123456789012:assumed-role/ProvisionerRole/awscluster"),
            Some((Owner::Role, "ProvisionerRole".to_string()))
        );
        assert_eq!(
            principal_of("arn:aws:iam::123456789012:user/ci/deployer"),
            Some((Owner::User, "deployer".to_string()))
        );
        assert_eq!(principal_of("arn:aws:iam::123456789012:root"), None);
        assert_eq!(
            principal_of("arn:aws:sts::123456789012:federated-user/bob"),
            None
        );
    }
}

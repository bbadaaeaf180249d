//! The IAM policy grammar, read from the spanned tree with every element's
//! position kept, and its grammar findings.
//!
//! The grammar: `Version`, `Id`, `Statement` (an object or an array of
//! them); in a statement `Sid`, `Effect`, `Principal`/`NotPrincipal`,
//! `Action`/`NotAction`, `Resource`/`NotResource` and `Condition` (operator →
//! key → one value or many). Strings may be given alone or in arrays
//! everywhere. Element names are case-sensitive, as IAM reads them.

use std::sync::Arc;

use crate::diagnostic::{Rule, Sink};
use crate::source::{Member, Node, SourceFile, Span, Value};
use crate::spec::Spanned;
use crate::suggest;

pub const CURRENT_VERSION: &str = "2012-10-17";
pub const OLD_VERSION_VALUE: &str = "2008-10-17";

const POLICY_ELEMENTS: &[&str] = &["Version", "Id", "Statement"];
const STATEMENT_ELEMENTS: &[&str] = &[
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
];
const PRINCIPAL_TYPES: &[&str] = &["AWS", "Service", "Federated", "CanonicalUser"];

/// What a document is, which decides its elements and its size quota.
///
/// Identity policies grant the principal they are attached to; they name no
/// `Principal` and need a `Resource`. Trust policies (a role's assume-role
/// policy) say who may become the role: a `Principal` in every statement,
/// actions of STS only, and no `Resource` (the role is the resource).
/// Resource-based policies (an S3 bucket's, an SQS queue's, a KMS key's, a
/// secret's) are attached to a resource and say who may use it: a
/// `Principal` and a `Resource` in every statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyKind {
    Identity,
    Trust,
    Resource,
}

impl PolicyKind {
    /// "a trust policy", for messages.
    pub fn describe(self) -> &'static str {
        match self {
            PolicyKind::Identity => "an identity policy",
            PolicyKind::Trust => "a trust policy",
            PolicyKind::Resource => "a resource-based policy",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
}

/// `Action`/`NotAction` or `Resource`/`NotResource`: the values, and
/// whether the element is the negated one.
#[derive(Debug, Clone)]
pub struct Values {
    pub negated: bool,
    /// The element's key (`"Action"`).
    pub key_span: Span,
    pub items: Vec<Spanned<String>>,
}

#[derive(Debug, Clone)]
pub struct Principal {
    pub negated: bool,
    pub key_span: Span,
    /// `"Principal": "*"`.
    pub everyone: bool,
    /// (`AWS`, `Service`, …) and their values.
    pub entries: Vec<(Spanned<String>, Vec<Spanned<String>>)>,
}

#[derive(Debug, Clone)]
pub struct Condition {
    pub operator: Spanned<String>,
    pub key: Spanned<String>,
    /// Values as strings (`true` and numbers included, as IAM compares them).
    pub values: Vec<Spanned<String>>,
}

#[derive(Debug, Clone)]
pub struct Statement {
    /// Where the statement is in [`Policy::statements`].
    pub index: usize,
    /// Where it is in the document's `Statement` list (from 0), which may
    /// hold elements that are not statements.
    pub position: usize,
    /// The whole statement.
    pub span: Span,
    pub sid: Option<Spanned<String>>,
    pub effect: Option<Spanned<Effect>>,
    pub principal: Option<Principal>,
    pub actions: Option<Values>,
    pub resources: Option<Values>,
    pub conditions: Vec<Condition>,
    /// The `Condition` key, when there is one.
    pub condition_span: Option<Span>,
}

impl Statement {
    /// A short place to point at for the statement as a whole: its `Sid`,
    /// else its `Effect`, else its first character.
    pub fn anchor(&self) -> Span {
        self.sid
            .as_ref()
            .map(|s| s.span)
            .or(self.effect.as_ref().map(|e| e.span))
            .unwrap_or(Span::new(
                self.span.start as usize,
                self.span.start as usize + 1,
            ))
    }

    /// "statement 3" or "statement `AllowEc2`", for messages.
    pub fn name(&self) -> String {
        match &self.sid {
            Some(sid) if !sid.is_empty() => format!("statement `{}`", sid.as_str()),
            _ => format!("statement {}", self.position + 1),
        }
    }

    pub fn is_allow(&self) -> bool {
        matches!(self.effect.as_ref().map(|e| **e), Some(Effect::Allow))
    }

    /// The `Action` and `Resource` (each perhaps its `Not` form) of an
    /// `Allow` statement that has both: what the rules about grants read.
    pub fn allowed_elements(&self) -> Option<(&Values, &Values)> {
        if !self.is_allow() {
            return None;
        }
        Some((self.actions.as_ref()?, self.resources.as_ref()?))
    }
}

#[derive(Debug)]
pub struct Policy {
    pub file: Arc<SourceFile>,
    pub kind: PolicyKind,
    pub version: Option<Spanned<String>>,
    pub statements: Vec<Statement>,
}

impl Policy {
    /// Characters IAM counts against size quotas: all but white space.
    pub fn size(&self) -> usize {
        self.file
            .text
            .chars()
            .filter(|c| !c.is_whitespace())
            .count()
    }
}

/// The rules the grammar reports, given by the caller (the rule registry
/// sits above the policy model).
pub struct GrammarRules {
    pub duplicate_sid: &'static Rule,
    pub empty_array: &'static Rule,
    pub invalid_effect: &'static Rule,
    pub invalid_element: &'static Rule,
    pub invalid_sid: &'static Rule,
    pub invalid_version: &'static Rule,
    pub missing_element: &'static Rule,
    pub missing_resource: &'static Rule,
    pub missing_version: &'static Rule,
    pub old_version: &'static Rule,
    pub wrong_type: &'static Rule,
}

/// Reads a policy from its parsed document, reporting grammar problems.
/// Returns `None` only when the document is not an object at all.
pub fn read(
    file: &Arc<SourceFile>,
    root: &Node,
    sink: &mut Sink,
    rules: &GrammarRules,
) -> Option<Policy> {
    let Value::Object(members) = &root.value else {
        sink.emit(
            rules.wrong_type,
            root.span,
            format!("a policy is a JSON object, not {}", root.value.type_name()),
        );
        return None;
    };
    let kind = classify(root);
    let mut reader = Reader { sink, rules };
    let mut version = None;
    let mut statements = Vec::new();
    let mut saw_statement = false;
    for m in members {
        match m.key.as_str() {
            "Version" => version = reader.version(m),
            "Id" => {
                reader.string(m);
            }
            "Statement" => {
                saw_statement = true;
                statements = reader.statements(m, kind);
            }
            other => reader.unknown_element(m, other, POLICY_ELEMENTS, "a policy"),
        }
    }
    let start = first_key_or_brace(root);
    if version.is_none() && !members.iter().any(|m| m.key == "Version") {
        reader
            .sink
            .emit(reader.rules.missing_version, start, "the policy has no `Version`")
            .with_help(format!(
                "add \"Version\": \"{CURRENT_VERSION}\"; without it IAM uses {OLD_VERSION_VALUE}, where policy variables such as ${{aws:username}} are plain text"
            ));
    }
    if !saw_statement {
        reader
            .sink
            .emit(
                reader.rules.missing_element,
                start,
                "the policy has no `Statement`",
            )
            .with_help("a policy is a list of statements: add \"Statement\": [...]");
    }
    reader.check_sids(&statements);
    Some(Policy {
        file: Arc::clone(file),
        kind,
        version,
        statements,
    })
}

/// Reads a document for what it says, without its findings: the built-in
/// policies, and documents written by awscluster itself.
pub fn read_unchecked(file: &Arc<SourceFile>) -> Option<Policy> {
    static UNREPORTED: Rule = Rule::new(
        "iam/unreported",
        crate::diagnostic::Severity::Note,
        "Grammar findings of a document read only for what it says.",
    );
    static RULES: GrammarRules = GrammarRules {
        duplicate_sid: &UNREPORTED,
        empty_array: &UNREPORTED,
        invalid_effect: &UNREPORTED,
        invalid_element: &UNREPORTED,
        invalid_sid: &UNREPORTED,
        invalid_version: &UNREPORTED,
        missing_element: &UNREPORTED,
        missing_resource: &UNREPORTED,
        missing_version: &UNREPORTED,
        old_version: &UNREPORTED,
        wrong_type: &UNREPORTED,
    };
    let root = crate::source::parse(file).ok()?;
    read(file, &root, &mut Sink::new(Arc::clone(file)), &RULES)
}

/// The kind of a document, from what its statements name: no `Principal`
/// anywhere is an identity policy; a `Principal` with only STS actions (and
/// no other kind of action anywhere) a trust policy, even one that wrongly
/// names a `Resource`; any other `Principal` a resource-based policy.
fn classify(root: &Node) -> PolicyKind {
    let statements: &[Node] = match root.get("Statement").map(|n| &n.value) {
        Some(Value::Array(items)) => items,
        Some(Value::Object(_)) => root
            .get("Statement")
            .map(std::slice::from_ref)
            .unwrap_or(&[]),
        _ => &[],
    };
    let has_principal = statements
        .iter()
        .any(|s| s.get("Principal").is_some() || s.get("NotPrincipal").is_some());
    if !has_principal {
        return PolicyKind::Identity;
    }
    let only_sts = statements
        .iter()
        .filter_map(|s| s.get("Action").or_else(|| s.get("NotAction")))
        .all(|a| match &a.value {
            Value::String(s) => is_sts_action(s),
            Value::Array(items) => items
                .iter()
                .all(|i| matches!(&i.value, Value::String(s) if is_sts_action(s))),
            _ => true,
        });
    if only_sts {
        PolicyKind::Trust
    } else {
        PolicyKind::Resource
    }
}

/// Whether an action name is one of STS's (`sts:AssumeRole`, `sts:*`,
/// `STS:TagSession`): what a trust policy allows.
fn is_sts_action(action: &str) -> bool {
    action
        .get(..4)
        .is_some_and(|p| p.eq_ignore_ascii_case("sts:"))
}

fn first_key_or_brace(node: &Node) -> Span {
    match &node.value {
        Value::Object(members) if !members.is_empty() => members[0].key_span,
        _ => Span::new(node.span.start as usize, node.span.start as usize + 1),
    }
}

struct Reader<'s> {
    sink: &'s mut Sink,
    rules: &'s GrammarRules,
}

impl Reader<'_> {
    fn unknown_element(&mut self, m: &Member, name: &str, known: &[&str], place: &str) {
        let d = self.sink.emit(
            self.rules.invalid_element,
            m.key_span,
            format!("`{name}` is not an element of {place}"),
        );
        if let Some(right) = known.iter().find(|k| k.eq_ignore_ascii_case(name)) {
            d.with_help(format!("element names are case-sensitive: write `{right}`"));
        } else if let Some(best) = suggest::closest(name, known.iter().copied()) {
            d.with_help(format!("did you mean `{best}`?"));
        } else {
            d.with_help(format!(
                "the elements of {place} are {}",
                suggest::list(known.iter().copied())
            ));
        }
    }

    fn wrong_type(&mut self, node: &Node, element: &str, expected: &str) {
        self.sink.emit(
            self.rules.wrong_type,
            node.span,
            format!(
                "`{element}` must be {expected}, not {}",
                node.value.type_name()
            ),
        );
    }

    fn string(&mut self, m: &Member) -> Option<Spanned<String>> {
        match &m.value.value {
            Value::String(s) => Some(Spanned::new(m.value.span, s.clone())),
            _ => {
                self.wrong_type(&m.value, &m.key, "a string");
                None
            }
        }
    }

    fn version(&mut self, m: &Member) -> Option<Spanned<String>> {
        let version = self.string(m)?;
        match version.as_str() {
            CURRENT_VERSION => {}
            OLD_VERSION_VALUE => {
                self.sink
                    .emit(self.rules.old_version, version.span, format!("`{OLD_VERSION_VALUE}` is the old policy language"))
                    .with_help(format!("use \"{CURRENT_VERSION}\": policy variables and newer condition operators need it"));
            }
            other => {
                self.sink
                    .emit(
                        self.rules.invalid_version,
                        version.span,
                        format!("`{other}` is not a policy language version"),
                    )
                    .with_help(format!(
                        "use \"{CURRENT_VERSION}\" (the version is a fixed date, not today's)"
                    ));
            }
        }
        Some(version)
    }

    fn statements(&mut self, m: &Member, kind: PolicyKind) -> Vec<Statement> {
        let nodes: Vec<&Node> = match &m.value.value {
            Value::Object(_) => vec![&m.value],
            Value::Array(items) => {
                if items.is_empty() {
                    self.sink
                        .emit(self.rules.empty_array, m.value.span, "`Statement` is empty")
                        .with_help("a policy needs at least one statement");
                }
                items.iter().collect()
            }
            _ => {
                self.wrong_type(&m.value, "Statement", "an object or an array of objects");
                return Vec::new();
            }
        };
        let mut statements = Vec::new();
        for (position, node) in nodes.into_iter().enumerate() {
            let Value::Object(members) = &node.value else {
                self.wrong_type(node, "Statement", "an object");
                continue;
            };
            let index = statements.len();
            statements.push(self.statement(index, position, node, members, kind));
        }
        statements
    }

    fn statement(
        &mut self,
        index: usize,
        position: usize,
        node: &Node,
        members: &[Member],
        kind: PolicyKind,
    ) -> Statement {
        let mut st = Statement {
            index,
            position,
            span: node.span,
            sid: None,
            effect: None,
            principal: None,
            actions: None,
            resources: None,
            conditions: Vec::new(),
            condition_span: None,
        };
        for m in members {
            match m.key.as_str() {
                "Sid" => st.sid = self.string(m),
                "Effect" => st.effect = self.effect(m),
                "Principal" | "NotPrincipal" => {
                    if let Some(p) = self.principal(m) {
                        if st.principal.is_some() {
                            self.conflict(m, "Principal", "NotPrincipal");
                        }
                        st.principal = Some(p);
                    }
                }
                "Action" | "NotAction" => {
                    if let Some(v) = self.values(m) {
                        if st.actions.is_some() {
                            self.conflict(m, "Action", "NotAction");
                        }
                        st.actions = Some(v);
                    }
                }
                "Resource" | "NotResource" => {
                    if kind == PolicyKind::Trust {
                        self.sink
                            .emit(
                                self.rules.invalid_element,
                                m.key_span,
                                format!("a trust policy has no `{}`", m.key),
                            )
                            .with_help(
                                "the resource of a trust policy is its role: remove the element",
                            );
                    }
                    if let Some(v) = self.values(m) {
                        if st.resources.is_some() {
                            self.conflict(m, "Resource", "NotResource");
                        }
                        st.resources = Some(v);
                    }
                }
                "Condition" => {
                    st.condition_span = Some(m.key_span);
                    st.conditions = self.conditions(m);
                }
                other => self.unknown_element(m, other, STATEMENT_ELEMENTS, "a statement"),
            }
        }
        let anchor = st.anchor();
        if st.effect.is_none() && !members.iter().any(|m| m.key == "Effect") {
            self.sink
                .emit(
                    self.rules.missing_element,
                    anchor,
                    format!("{} has no `Effect`", st.name()),
                )
                .with_help("add \"Effect\": \"Allow\" or \"Effect\": \"Deny\"");
        }
        if st.actions.is_none()
            && !members
                .iter()
                .any(|m| m.key == "Action" || m.key == "NotAction")
        {
            self.sink
                .emit(self.rules.missing_element, anchor, format!("{} has no `Action`", st.name()))
                .with_help("name the actions the statement is about, such as \"Action\": \"ec2:DescribeInstances\"");
        }
        let has = |a: &str, b: &str| members.iter().any(|m| m.key == a || m.key == b);
        if kind != PolicyKind::Trust && st.resources.is_none() && !has("Resource", "NotResource") {
            let help = match kind {
                PolicyKind::Resource => {
                    "a resource-based policy names the resources of its statements too: the bucket and its objects (`arn:aws:s3:::b`, `arn:aws:s3:::b/*`), the queue's or key's ARN, or \"*\" for the resource it is attached to"
                }
                _ => {
                    "identity policies name the resources a statement applies to; \"Resource\": \"*\" for all"
                }
            };
            self.sink
                .emit(
                    self.rules.missing_resource,
                    anchor,
                    format!("{} has no `Resource`", st.name()),
                )
                .with_help(help);
        }
        if kind != PolicyKind::Identity
            && st.principal.is_none()
            && !has("Principal", "NotPrincipal")
        {
            let help = match kind {
                PolicyKind::Trust => {
                    "say who may assume the role, such as \"Principal\": {\"AWS\": \"arn:aws:iam::123456789012:root\"}"
                }
                _ => {
                    "say who the statement is about, such as \"Principal\": {\"AWS\": \"arn:aws:iam::123456789012:root\"}; every statement of a resource-based policy names one"
                }
            };
            self.sink
                .emit(
                    self.rules.missing_element,
                    anchor,
                    format!("{} of {} has no `Principal`", st.name(), kind.describe()),
                )
                .with_help(help);
        }
        st
    }

    fn conflict(&mut self, m: &Member, a: &str, b: &str) {
        self.sink
            .emit(
                self.rules.invalid_element,
                m.key_span,
                format!("a statement has either `{a}` or `{b}`, not both"),
            )
            .with_help("split it into two statements");
    }

    fn effect(&mut self, m: &Member) -> Option<Spanned<Effect>> {
        let value = self.string(m)?;
        match value.as_str() {
            "Allow" => Some(Spanned::new(value.span, Effect::Allow)),
            "Deny" => Some(Spanned::new(value.span, Effect::Deny)),
            other => {
                let d = self.sink.emit(
                    self.rules.invalid_effect,
                    value.span,
                    format!("`{other}` is not an effect"),
                );
                d.with_primary_label("must be exactly \"Allow\" or \"Deny\"");
                if other.eq_ignore_ascii_case("allow") {
                    d.with_help("write \"Allow\": the value is case-sensitive");
                } else if other.eq_ignore_ascii_case("deny") {
                    d.with_help("write \"Deny\": the value is case-sensitive");
                }
                None
            }
        }
    }

    /// A string or an array of strings.
    fn values(&mut self, m: &Member) -> Option<Values> {
        let items = self.string_list(&m.value, &m.key)?;
        Some(Values {
            negated: m.key.starts_with("Not"),
            key_span: m.key_span,
            items,
        })
    }

    fn string_list(&mut self, node: &Node, element: &str) -> Option<Vec<Spanned<String>>> {
        match &node.value {
            Value::String(s) => Some(vec![Spanned::new(node.span, s.clone())]),
            Value::Array(items) => {
                if items.is_empty() {
                    self.sink
                        .emit(self.rules.empty_array, node.span, format!("`{element}` is empty"))
                        .with_help("an empty list matches nothing; name at least one value, or remove the element");
                }
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    match &item.value {
                        Value::String(s) => out.push(Spanned::new(item.span, s.clone())),
                        _ => self.wrong_type(item, element, "a string or an array of strings"),
                    }
                }
                Some(out)
            }
            _ => {
                self.wrong_type(node, element, "a string or an array of strings");
                None
            }
        }
    }

    fn principal(&mut self, m: &Member) -> Option<Principal> {
        let negated = m.key == "NotPrincipal";
        match &m.value.value {
            Value::String(s) if s == "*" => Some(Principal {
                negated,
                key_span: m.key_span,
                everyone: true,
                entries: Vec::new(),
            }),
            Value::Object(members) => {
                let mut entries = Vec::new();
                for pm in members {
                    if !PRINCIPAL_TYPES.contains(&pm.key.as_str()) {
                        self.unknown_element(pm, &pm.key, PRINCIPAL_TYPES, "a principal");
                        continue;
                    }
                    if let Some(values) = self.string_list(&pm.value, &pm.key) {
                        entries.push((Spanned::new(pm.key_span, pm.key.clone()), values));
                    }
                }
                Some(Principal {
                    negated,
                    key_span: m.key_span,
                    everyone: false,
                    entries,
                })
            }
            _ => {
                self.wrong_type(
                    &m.value,
                    &m.key,
                    "\"*\" or an object such as {\"AWS\": \"…\"}",
                );
                None
            }
        }
    }

    fn conditions(&mut self, m: &Member) -> Vec<Condition> {
        let Value::Object(operators) = &m.value.value else {
            self.wrong_type(&m.value, "Condition", "an object of operators");
            return Vec::new();
        };
        let mut out = Vec::new();
        for op in operators {
            let Value::Object(keys) = &op.value.value else {
                self.wrong_type(&op.value, &op.key, "an object of condition keys");
                continue;
            };
            for key in keys {
                let values: Vec<Spanned<String>> = match &key.value.value {
                    Value::Array(items) => {
                        if items.is_empty() {
                            self.sink.emit(
                                self.rules.empty_array,
                                key.value.span,
                                format!("the values of `{}` are empty", key.key),
                            );
                        }
                        items
                            .iter()
                            .filter_map(|i| self.scalar(i, &key.key))
                            .collect()
                    }
                    _ => self.scalar(&key.value, &key.key).into_iter().collect(),
                };
                out.push(Condition {
                    operator: Spanned::new(op.key_span, op.key.clone()),
                    key: Spanned::new(key.key_span, key.key.clone()),
                    values,
                });
            }
        }
        out
    }

    fn scalar(&mut self, node: &Node, key: &str) -> Option<Spanned<String>> {
        let text = match &node.value {
            Value::String(s) => s.clone(),
            Value::Bool(b) => b.to_string(),
            Value::Number(n) => n.to_string(),
            _ => {
                self.wrong_type(
                    node,
                    key,
                    "a string, number or boolean, or an array of them",
                );
                return None;
            }
        };
        Some(Spanned::new(node.span, text))
    }

    fn check_sids(&mut self, statements: &[Statement]) {
        let mut first_use: std::collections::HashMap<&str, Span> = std::collections::HashMap::new();
        for st in statements {
            let Some(sid) = &st.sid else { continue };
            if let Some(c) = sid.chars().find(|c| !c.is_ascii_alphanumeric()) {
                self.sink
                    .emit(
                        self.rules.invalid_sid,
                        sid.span,
                        format!("`{c}` is not allowed in a Sid"),
                    )
                    .with_help("a Sid has only letters A-Z, a-z and digits 0-9");
            }
            if sid.is_empty() {
                continue;
            }
            match first_use.entry(sid.as_str()) {
                std::collections::hash_map::Entry::Vacant(v) => {
                    v.insert(sid.span);
                }
                std::collections::hash_map::Entry::Occupied(first) => {
                    self.sink
                        .emit(
                            self.rules.duplicate_sid,
                            sid.span,
                            format!("Sid `{}` is used twice", sid.as_str()),
                        )
                        .with_label(*first.get(), "first used here")
                        .with_help("give every statement its own Sid");
                }
            }
        }
    }
}

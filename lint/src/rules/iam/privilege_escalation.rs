use std::sync::Arc;

use crate::diagnostic::Diagnostic;
use crate::iam::escalation::{self, Path};
use crate::iam::policy::Policy;
use crate::rules::declare_rule;

declare_rule! {
    /// The policies of one principal do not let it make itself an administrator.
    ///
    /// ## What it checks
    /// The identity policies one principal holds (a spec's `iam.policies`,
    /// `iam check --granted`, `iam lint --together`; without `--together`
    /// each file alone) against the published catalogue of IAM privilege
    /// escalation methods: writing a new version of a managed policy or
    /// making an old one the default; attaching or putting a policy on its
    /// own role or user, or on a group it joins; rewriting a role's trust
    /// policy and assuming it; creating a role or user, giving it any
    /// policy, and assuming it or making it an access key; making access
    /// keys or console passwords for other users; passing an existing or a
    /// new role to a service that runs code it supplies (EC2, Lambda,
    /// CloudFormation, Glue, CodeBuild, ECS). Every step is decided by the
    /// coverage engine: a `Deny`, a resource scope, or a condition on the key
    /// that limits the step (`iam:PolicyARN` for attaching,
    /// `iam:PassedToService` for passing a role) closes it; conditions on
    /// other keys are taken as ones the principal can meet.
    ///
    /// Where the principal creates and names the role itself, each role the
    /// statements name is tried: `iam:PassRole` limited to
    /// `*.cluster-api-provider-aws.sigs.k8s.io` is a path when the same
    /// principal may create a role of that name and attach any policy to
    /// it, because the suffix limits the name, which the creator chooses,
    /// not what the role may do.
    ///
    /// Each open method is reported once, at the statement enabling its first
    /// step, with every enabling statement labelled and what would close it.
    ///
    /// ## Why it matters
    /// A principal that can raise its own permissions holds, in effect,
    /// every permission: a leaked provisioning credential is then a leaked
    /// administrator. The seed's four policies together have several such
    /// paths (`iam:CreatePolicyVersion` on `*`, `iam:AttachRolePolicy` on
    /// every role with no `iam:PolicyARN` condition, `iam:CreateRole` with
    /// `sts:AssumeRole`), as has any set granting what they require.
    ///
    /// ## Example
    /// ```json
    /// {"Effect": "Allow", "Action": ["iam:CreateRole", "iam:AttachRolePolicy", "sts:AssumeRole"], "Resource": "*"}
    /// ```
    pub static PRIVILEGE_ESCALATION = Rule {
        code: "iam/privilege-escalation",
        severity: Warning,
    };
}

/// The escalation paths of the identity policies one principal holds.
pub fn findings<'p>(policies: impl IntoIterator<Item = &'p Policy>) -> Vec<Diagnostic> {
    escalation::find(policies).iter().map(finding).collect()
}

fn finding(path: &Path) -> Diagnostic {
    let (first_step, first_statements) = &path.steps[0];
    let primary = first_statements[0];
    let actions: Vec<&str> = path.steps.iter().map(|(s, _)| s.action).collect();
    let on = path
        .chosen
        .as_deref()
        .map(|arn| format!(" (for example on `{arn}`)"))
        .unwrap_or_default();
    let mut d = Diagnostic::new(
        &PRIVILEGE_ESCALATION,
        &primary.policy.file,
        granting(first_step.action, primary.statement),
        format!(
            "the principal can {}: {}{on}",
            path.method.summary,
            actions.join(" + ")
        ),
    );
    d.with_primary_label(label(first_step.action, primary.statement));
    for (i, (step, statements)) in path.steps.iter().enumerate() {
        for (j, r) in statements.iter().enumerate() {
            if i == 0 && j == 0 {
                continue;
            }
            d.with_label_in(
                Arc::clone(&r.policy.file),
                granting(step.action, r.statement),
                label(step.action, r.statement),
            );
        }
    }
    d.with_help(format!("to close it, {}", path.method.close));
    d
}

/// The item of the statement's `Action` that names `action`, else the
/// statement (a `NotAction` one).
fn granting(action: &str, statement: &crate::iam::policy::Statement) -> crate::source::Span {
    statement
        .actions
        .as_ref()
        .filter(|a| !a.negated)
        .and_then(|a| {
            a.items
                .iter()
                .find(|i| crate::iam::pattern::matches_ignore_case(i, action))
        })
        .map_or_else(|| statement.anchor(), |i| i.span)
}

fn label(action: &str, statement: &crate::iam::policy::Statement) -> String {
    if statement.conditions.is_empty() {
        format!("allows {action}")
    } else {
        format!("allows {action} under its conditions")
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::iam::Usage;
    use crate::rules::Settings;
    use crate::rules::iam::check_policy;
    use crate::source::SourceFile;

    fn policy(name: &str, statements: Value) -> Policy {
        let text = serde_json::to_string_pretty(
            &json!({"Version": "2012-10-17", "Statement": statements}),
        )
        .unwrap();
        let file = Arc::new(SourceFile::new(name, text));
        check_policy(&file, Usage::Managed, &Settings::default())
            .policy
            .unwrap()
    }

    fn messages(policies: &[Policy]) -> Vec<String> {
        findings(policies).into_iter().map(|d| d.message).collect()
    }

    #[test]
    fn the_seeds_four_policies_together_let_the_role_make_itself_an_administrator() {
        let seed = crate::run::iam::builtin_policies();
        let found = findings(seed);
        let text: Vec<&str> = found.iter().map(|d| d.message.as_str()).collect();
        let has = |needle: &str| {
            assert!(
                text.iter().any(|m| m.contains(needle)),
                "no `{needle}` in {text:#?}"
            );
        };
        has(
            "write a new default version of a managed policy attached to itself: iam:CreatePolicyVersion",
        );
        has(
            "attach any managed policy (AdministratorAccess) to its own role: iam:AttachRolePolicy",
        );
        has(
            "create a role that trusts itself, attach any policy to it, and assume it: iam:CreateRole + iam:AttachRolePolicy + sts:AssumeRole",
        );
        // The CAPA suffix on PassRole does not stop a role of that name
        // being created with any policy and launched on an instance.
        has(
            "pass it to EC2 (an instance with its profile), which runs code it supplies: iam:CreateRole + iam:AttachRolePolicy + iam:CreateInstanceProfile + iam:AddRoleToInstanceProfile + iam:PassRole + ec2:RunInstances (for example on `arn:aws:iam::123456789012:role/x.cluster-api-provider-aws.sigs.k8s.io`)",
        );
        // PassRole on every role only to EKS, which runs no code of the
        // caller's: no path through an existing role.
        assert!(
            !text.iter().any(|m| m.contains("pass an existing role")),
            "{text:#?}"
        );
        // The Deployment statement is the one that enables policy versions.
        let versions = found
            .iter()
            .find(|d| d.message.contains("iam:CreatePolicyVersion"))
            .unwrap();
        assert_eq!(versions.file().display_path(), "policies/deployment.json");
        // Each path once.
        let mut unique = text.clone();
        unique.dedup();
        assert_eq!(unique.len(), text.len());
    }

    #[test]
    fn a_path_across_policies_names_the_statement_of_each_step() {
        let create = policy(
            "create.json",
            json!([{"Sid": "Create", "Effect": "Allow", "Action": "iam:CreateRole", "Resource": "*"}]),
        );
        let attach = policy(
            "attach.json",
            json!([{"Sid": "Attach", "Effect": "Allow", "Action": ["iam:AttachRolePolicy", "sts:AssumeRole"], "Resource": "arn:aws:iam::111122223333:role/app-*"}]),
        );
        let both = [create, attach];
        let found = findings(&both);
        let path = found
            .iter()
            .find(|d| d.message.contains("assume it: iam:CreateRole"))
            .expect("create, attach and assume");
        assert!(
            path.message
                .contains("`arn:aws:iam::111122223333:role/app-x`"),
            "{}",
            path.message
        );
        let files: Vec<String> = path.labels.iter().map(|l| l.file.display_path()).collect();
        assert_eq!(files, ["create.json", "attach.json", "attach.json"]);
        // Either policy alone has no such path.
        assert!(
            messages(&both[..1])
                .iter()
                .all(|m| !m.contains("assume it"))
        );
        assert!(
            messages(&both[1..])
                .iter()
                .all(|m| !m.contains("assume it"))
        );
    }

    #[test]
    fn scopes_conditions_and_denies_close_paths() {
        // Attaching only named policies.
        assert!(messages(&[policy(
            "p.json",
            json!([{"Effect": "Allow", "Action": "iam:AttachRolePolicy", "Resource": "*",
                "Condition": {"ArnEquals": {"iam:PolicyARN": "arn:aws:iam::aws:policy/ReadOnlyAccess"}}}]),
        )])
        .is_empty());
        // Policy versions only of the principal's own, unattached policies.
        assert!(messages(&[policy(
            "p.json",
            json!([{"Effect": "Allow", "Action": "iam:CreatePolicyVersion", "Resource": "arn:aws:iam::111122223333:policy/drafts/*"}]),
        )])
        .is_empty());
        // A Deny wins.
        assert!(messages(&[policy(
            "p.json",
            json!([{"Effect": "Allow", "Action": "iam:*", "Resource": "*"},
                   {"Effect": "Deny", "Action": ["iam:Attach*", "iam:Put*", "iam:Create*", "iam:SetDefaultPolicyVersion", "iam:Update*", "iam:AddUserToGroup", "iam:PassRole"], "Resource": "*"}]),
        )])
        .is_empty());
        // PassRole only to a service that runs no code of the caller's.
        let eks_only = messages(&[policy(
            "p.json",
            json!([{"Effect": "Allow", "Action": ["iam:PassRole", "ec2:RunInstances", "lambda:CreateFunction", "lambda:InvokeFunction"], "Resource": "*",
                "Condition": {"StringEquals": {"iam:PassedToService": "eks.amazonaws.com"}}}]),
        )]);
        assert!(eks_only.is_empty(), "{eks_only:#?}");
    }

    #[test]
    fn fires_on_passing_any_role_to_a_service_that_runs_code() {
        let found = messages(&[policy(
            "p.json",
            json!([{"Effect": "Allow", "Action": ["iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"], "Resource": "*"}]),
        )]);
        assert_eq!(
            found,
            [
                "the principal can pass an existing role (any role of the account, an administrator's included) to Lambda, which runs code it supplies: iam:PassRole + lambda:CreateFunction + lambda:InvokeFunction"
            ]
        );
        let to_ec2 = messages(&[policy(
            "p.json",
            json!([{"Effect": "Allow", "Action": ["iam:PassRole", "ec2:RunInstances"], "Resource": "*",
                "Condition": {"StringLike": {"iam:PassedToService": "ec2.*"}}}]),
        )]);
        assert_eq!(to_ec2.len(), 1, "{to_ec2:#?}");
    }
}

use crate::rules::declare_rule;

declare_rule! {
    /// Lists in a policy are not empty.
    ///
    /// ## What it checks
    /// `Statement`, `Action`, `Resource`, their `Not` forms, principal values
    /// and condition values given as `[]`.
    ///
    /// ## Why it matters
    /// An empty list matches nothing: the statement silently grants (or
    /// denies) nothing, or IAM refuses the document, depending on the element.
    /// Either way it is not what was meant.
    ///
    /// ## Example
    /// ```json
    /// {"Effect": "Allow", "Action": [], "Resource": "*"}
    /// ```
    pub static EMPTY_ARRAY = Rule {
        code: "iam/empty-array",
        severity: Error,
    };
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::iam::testing::{allow, fires, quiet, statements};

    #[test]
    fn fires_on_empty_lists() {
        fires(&EMPTY_ARRAY, &allow(json!([]), json!("*")));
        fires(&EMPTY_ARRAY, &allow(json!("s3:GetObject"), json!([])));
        fires(&EMPTY_ARRAY, &statements(json!([])));
        fires(
            &EMPTY_ARRAY,
            &statements(
                json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
            "Condition": {"StringEquals": {"aws:PrincipalTag/team": []}}}]),
            ),
        );
    }

    #[test]
    fn quiet_on_lists_with_values() {
        quiet(&EMPTY_ARRAY, &allow(json!(["s3:GetObject"]), json!(["*"])));
    }
}

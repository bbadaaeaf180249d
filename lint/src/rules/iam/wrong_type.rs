use crate::rules::declare_rule;

declare_rule! {
    /// Policy elements have the JSON type IAM expects.
    ///
    /// ## What it checks
    /// A policy is an object; `Statement` an object or an array of objects;
    /// `Sid`, `Effect`, `Version` and `Id` strings; `Action`, `Resource`
    /// (and their `Not` forms) and principal values a string or an array of
    /// strings; `Condition` an object of operators, each an object of keys,
    /// each a string, number or boolean or an array of them.
    ///
    /// ## Why it matters
    /// IAM refuses a document with a wrongly typed element
    /// (`MalformedPolicyDocument`); nothing in it is granted.
    ///
    /// ## Example
    /// ```json
    /// {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": {"s3": "GetObject"}, "Resource": "*"}}
    /// ```
    pub static WRONG_TYPE = Rule {
        code: "iam/wrong-type",
        severity: Error,
    };
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rules::iam::testing::{allow, fires, quiet, statements};

    #[test]
    fn fires_on_wrongly_typed_elements() {
        fires(&WRONG_TYPE, &allow(json!({"s3": "GetObject"}), json!("*")));
        fires(&WRONG_TYPE, &allow(json!(["s3:GetObject", 7]), json!("*")));
        fires(
            &WRONG_TYPE,
            &json!({"Version": "2012-10-17", "Statement": "allow everything"}),
        );
        fires(&WRONG_TYPE, &json!(["not", "an", "object"]));
        fires(
            &WRONG_TYPE,
            &statements(
                json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
            "Condition": {"Bool": {"aws:SecureTransport": {"nested": true}}}}]),
            ),
        );
    }

    /// Elements that are not statements, before and between statements,
    /// are findings at themselves; the statements are still linted, and
    /// named by where they are in the list.
    #[test]
    fn non_object_statements_are_findings_and_the_others_are_linted() {
        let doc = statements(json!([
            "x",
            7,
            {"Effect": "Allow", "Action": "ec2:DescribeVpcz", "Resource": "*"},
            null,
            {"Effect": "Allow", "Action": ["s3:GetObject", "s3:GetObject"]}
        ]));
        let found = crate::rules::iam::testing::lint(&doc);
        let codes: Vec<&str> = found.iter().map(|d| d.rule.code).collect();
        assert_eq!(
            codes.iter().filter(|c| **c == WRONG_TYPE.code).count(),
            3,
            "{codes:?}"
        );
        assert!(codes.contains(&"iam/unknown-action"), "{codes:?}");
        assert!(codes.contains(&"iam/duplicate-action"), "{codes:?}");
        let missing = found
            .iter()
            .find(|d| d.rule.code == "iam/missing-resource")
            .expect("the last statement is read");
        assert_eq!(missing.message, "statement 5 has no `Resource`");
    }

    #[test]
    fn quiet_on_strings_arrays_and_condition_scalars() {
        quiet(
            &WRONG_TYPE,
            &statements(
                json!([{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "*",
            "Condition": {"Bool": {"aws:SecureTransport": true}, "NumericLessThan": {"s3:max-keys": [10, "20"]}}}]),
            ),
        );
        quiet(
            &WRONG_TYPE,
            &json!({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}}),
        );
    }
}

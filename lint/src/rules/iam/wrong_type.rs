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

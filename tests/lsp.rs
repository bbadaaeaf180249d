//! `awscluster lsp` driven by a scripted client over stdio, as an editor
//! drives it: diagnostics on open and change (the configuration's
//! severities applied), hover, code actions that fix, completion, and the
//! problems of an open `awscluster.toml`.

#[path = "common/lsp_client.rs"]
mod lsp_client;

use lsp_client::Client;
use serde_json::{Value, json};

fn uri_of(path: &std::path::Path) -> String {
    format!("file://{}", path.display())
}

fn codes(diagnostics: &[Value]) -> Vec<&str> {
    diagnostics
        .iter()
        .filter_map(|d| d["code"].as_str())
        .collect()
}

const SPEC: &str = r#"{
  "name": "demo",
  "region": "us-east-1",
  "sshKeyName": "ops",
  "placement": {"dynamic": {
    "vpcCidr": "10.0.7.0/16",
    "availabilityZones": ["us-east-1a", "us-east-1b", "us-east-1c"]
  }},
  "nodePools": [
    {"name": "cp", "role": "master", "size": 3, "allowWorkerCapability": true, "instanceType": "m7i.large"}
  ]
}
"#;

#[test]
fn an_editor_sees_findings_docs_fixes_and_completions() {
    let dir = tempfile::tempdir().expect("tempdir");
    // The configuration applies as it does to `lint`: a note made an error.
    std::fs::write(
        dir.path().join("awscluster.toml"),
        "[rules]\n\"quota/unverified\" = \"allow\"\n\"provision/missing-image\" = \"allow\"\n\"pools/single-master\" = \"error\"\n",
    )
    .expect("write");
    let path = dir.path().join("demo.cluster.json");
    std::fs::write(&path, SPEC).expect("write");
    let uri = uri_of(&path);
    let mut client = Client::start(dir.path());

    client.open(&uri, SPEC);
    let found = client.diagnostics(&uri);
    assert_eq!(codes(&found), ["network/cidr-host-bits"], "{found:?}");
    let cidr = &found[0];
    assert_eq!(cidr["severity"], 1);
    assert_eq!(cidr["range"]["start"], json!({"line": 5, "character": 15}));

    // Hover on the finding: its rule's docs.
    let hover = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": 5, "character": 20}}),
    );
    let docs = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(
        docs.contains("network/cidr-host-bits") && docs.contains("## What it checks"),
        "{hover}"
    );

    // Its fix as a code action, applied as the editor would.
    let actions = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": cidr["range"], "context": {"diagnostics": [cidr]}}),
    );
    let action = &actions[0];
    assert_eq!(action["kind"], "quickfix");
    let edit = &action["edit"]["changes"][&uri][0];
    assert_eq!(edit["newText"], "10.0.0.0/16");

    // A change: one master (an error by the configuration), the block fixed.
    let changed = SPEC
        .replace("10.0.7.0/16", "10.0.0.0/16")
        .replace("\"size\": 3", "\"size\": 1");
    client.change(&uri, 2, &changed);
    let found = client.diagnostics(&uri);
    assert_eq!(codes(&found), ["pools/single-master"], "{found:?}");
    assert_eq!(found[0]["severity"], 1, "the configuration's severity");
    client.change(&uri, 3, &SPEC.replace("10.0.7.0/16", "10.0.0.0/16"));
    assert_eq!(client.diagnostics(&uri), Vec::<Value>::new());

    // Completion: zones of the spec's Region, instance types offered there.
    let zones = client.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": uri}, "position": {"line": 6, "character": 27}}),
    );
    let labels: Vec<&str> = zones
        .as_array()
        .map(|a| a.iter().filter_map(|i| i["label"].as_str()).collect())
        .unwrap_or_default();
    assert!(
        labels.contains(&"us-east-1d") && !labels.contains(&"eu-west-1a"),
        "{labels:?}"
    );
    let types = client.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": uri}, "position": {"line": 9, "character": 95}}),
    );
    assert!(
        types
            .as_array()
            .is_some_and(|a| a.iter().any(|i| i["label"] == "m7i.xlarge")),
        "{types}"
    );

    // A policy file too.
    let policy = dir.path().join("p.json");
    let policy_uri = uri_of(&policy);
    client.open(
        &policy_uri,
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["ec2:DescribeVpcs", "ec2:DescribeVpcs"], "Resource": "*"}]}"#,
    );
    assert_eq!(
        codes(&client.diagnostics(&policy_uri)),
        ["iam/duplicate-action"]
    );

    assert_eq!(client.shut_down(), Some(0));
}

/// An open `awscluster.toml` shows its problems where they are; a
/// mistyped rule code's did-you-mean is a quick fix that may change
/// meaning. Its fixed text shows nothing.
#[test]
fn an_editor_sees_the_configurations_problems_and_their_fixes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("awscluster.toml");
    let text = "[rules]\n\"pools/master-sise\" = \"warn\"\n";
    std::fs::write(&path, text).expect("write");
    let uri = uri_of(&path);
    let mut client = Client::start(dir.path());

    client.open(&uri, text);
    let found = client.diagnostics(&uri);
    assert_eq!(
        codes(&found),
        ["config/invalid", "config/invalid"],
        "{found:?}"
    );
    let rule = &found[0];
    assert_eq!(rule["severity"], 1);
    assert_eq!(rule["range"]["start"], json!({"line": 1, "character": 0}));
    assert!(
        rule["message"]
            .as_str()
            .is_some_and(|m| m.contains("did you mean `pools/master-size`?")),
        "{rule}"
    );
    let actions = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": rule["range"], "context": {"diagnostics": [rule]}}),
    );
    let titles: Vec<&str> = actions
        .as_array()
        .map(|a| a.iter().filter_map(|x| x["title"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        titles,
        ["replace with `pools/master-size` (may change meaning)"],
        "{actions}"
    );
    let edit = &actions[0]["edit"]["changes"][&uri][0];
    assert_eq!(edit["newText"], "pools/master-size");
    assert_eq!(edit["range"]["start"], json!({"line": 1, "character": 1}));

    client.change(
        &uri,
        2,
        &text
            .replace("master-sise", "master-size")
            .replace("warn\"", "warning\""),
    );
    assert_eq!(client.diagnostics(&uri), Vec::<Value>::new());
    assert_eq!(client.shut_down(), Some(0));
}

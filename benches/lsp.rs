//! How long a keystroke waits for its diagnostics: `awscluster lsp` (this
//! build) with the default fixture open, edited 200 times (a character
//! typed into the description, so each text lints in full), the time from
//! each `didChange` sent to its `publishDiagnostics` read. Prints the
//! median, the 95th percentile and the slowest. Run with `cargo bench
//! --bench lsp`.

#[path = "../tests/common/lsp_client.rs"]
mod lsp_client;

use std::time::Instant;

fn main() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let path = root.join("fixtures/clusters/default.cluster.json");
    let text = std::fs::read_to_string(&path).expect("the fixture");
    let uri = format!("file://{}", path.display());
    let mut client = lsp_client::Client::start(root);
    client.open(&uri, &text);
    client.diagnostics(&uri);
    let mut waits = Vec::new();
    for i in 0..200 {
        let typed = text.replacen(
            "The seed guide's default cluster",
            &format!("The seed guide's default cluster {i}"),
            1,
        );
        let started = Instant::now();
        client.change(&uri, i + 2, &typed);
        client.diagnostics(&uri);
        waits.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    waits.sort_by(f64::total_cmp);
    let at = |q: f64| waits[((waits.len() - 1) as f64 * q) as usize];
    println!(
        "lsp: a keystroke's diagnostics, default fixture ({} bytes), {} edits: median {:.2} ms, p95 {:.2} ms, max {:.2} ms",
        text.len(),
        waits.len(),
        at(0.5),
        at(0.95),
        at(1.0)
    );
    client.shut_down();
}

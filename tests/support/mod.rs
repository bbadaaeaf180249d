//! What the provisioning tests run against: moto's server on a free
//! loopback port, a proxy in front of it that delays or fails chosen
//! calls, and the real binary pointed at them.

#![allow(dead_code, reason = "each test file uses a part")]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn venv(program: &str) -> PathBuf {
    let path = root().join(".venv/bin").join(program);
    assert!(
        path.exists(),
        "{} is missing: scripts/test installs it (moto[server], pinned) into .venv",
        path.display()
    );
    path
}

/// moto's server, stopped when dropped.
pub struct Moto {
    child: Child,
    pub port: u16,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

impl Moto {
    pub fn start() -> Moto {
        Moto::start_with(&[])
    }

    /// With environment variables that switch on moto's optional checks
    /// (`MOTO_ENABLE_KEYPAIR_VALIDATION`, …).
    pub fn start_with(env: &[(&str, &str)]) -> Moto {
        let port = free_port();
        let child = Command::new(venv("moto_server"))
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto_server starts");
        let mut moto = Moto { child, port };
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(60) {
            if let Ok(Some(status)) = moto.child.try_wait() {
                panic!("moto_server exited at start: {status}");
            }
            if let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) {
                let _ = s.write_all(b"GET /moto-api/ HTTP/1.0\r\n\r\n");
                let mut first = String::new();
                if BufReader::new(&mut s).read_line(&mut first).is_ok()
                    && first.starts_with("HTTP/")
                {
                    return moto;
                }
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = moto.child.kill();
        panic!("moto_server did not answer on port {port} within a minute");
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[path = "../common/rng.rs"]
mod rng;

/// What the proxy does to the calls it passes on.
#[derive(Default)]
pub struct Faults {
    /// Added before each call is passed on.
    pub delay: Duration,
    /// Answer the next `times` calls of this action with this error code,
    /// without passing them on.
    pub fail: Option<(String, String, usize)>,
    /// Lose the answer to the next call of each of these actions: the
    /// call is passed on and carried out, and the connection is then
    /// dropped (each entry once).
    pub lose: Vec<String>,
    /// Pass the next call of this action on, then hold its answer and
    /// count it in [`Proxy::held`] (a test kills the client meanwhile).
    pub hold: Option<String>,
    /// At this rate, from this seed: throttle a call (not passed on), or
    /// pass it on and answer 500 (AWS's own failure after the work).
    pub random: Option<(f64, u64)>,
    /// Remove tag filters from requests, as a server that ignored them
    /// would: every describe returns every cluster's resources.
    pub strip_tag_filters: bool,
}

/// A loopback HTTP proxy in front of moto that counts calls, delays them,
/// and fails, loses, holds or reshapes the ones it is told to, as AWS
/// would answer (an error in the service's own XML).
pub struct Proxy {
    pub port: u16,
    pub calls: Arc<AtomicUsize>,
    pub faults: Arc<Mutex<Faults>>,
    /// Calls whose answer is held.
    pub held: Arc<AtomicUsize>,
    /// Each call passed on: its action and its request body.
    pub log: Arc<Mutex<Vec<(String, String)>>>,
    /// Calls failed, lost or held on purpose.
    pub injected: Arc<AtomicUsize>,
    /// Calls moto is working on.
    at_server: Arc<AtomicUsize>,
    rng: Arc<Mutex<rng::Rng>>,
}

#[derive(Clone)]
struct Shared {
    upstream: u16,
    calls: Arc<AtomicUsize>,
    faults: Arc<Mutex<Faults>>,
    held: Arc<AtomicUsize>,
    log: Arc<Mutex<Vec<(String, String)>>>,
    injected: Arc<AtomicUsize>,
    at_server: Arc<AtomicUsize>,
    rng: Arc<Mutex<rng::Rng>>,
}

impl Proxy {
    pub fn start(upstream: u16) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("proxy binds");
        let port = listener.local_addr().expect("address").port();
        let shared = Shared {
            upstream,
            calls: Arc::new(AtomicUsize::new(0)),
            faults: Arc::new(Mutex::new(Faults::default())),
            held: Arc::new(AtomicUsize::new(0)),
            log: Arc::new(Mutex::new(Vec::new())),
            injected: Arc::new(AtomicUsize::new(0)),
            at_server: Arc::new(AtomicUsize::new(0)),
            rng: Arc::new(Mutex::new(rng::Rng(1))),
        };
        let proxy = Proxy {
            port,
            calls: Arc::clone(&shared.calls),
            faults: Arc::clone(&shared.faults),
            held: Arc::clone(&shared.held),
            log: Arc::clone(&shared.log),
            injected: Arc::clone(&shared.injected),
            at_server: Arc::clone(&shared.at_server),
            rng: Arc::clone(&shared.rng),
        };
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let shared = shared.clone();
                std::thread::spawn(move || {
                    let _ = serve(stream, &shared);
                });
            }
        });
        proxy
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn set(&self, faults: Faults) {
        if let Some((_, seed)) = faults.random {
            *self.rng.lock().expect("rng") = rng::Rng(seed.max(1));
        }
        *self.faults.lock().expect("faults") = faults;
    }

    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    pub fn injected(&self) -> usize {
        self.injected.load(Ordering::SeqCst)
    }

    pub fn held(&self) -> usize {
        self.held.load(Ordering::SeqCst)
    }

    /// Waits until moto has answered every call passed on: a killed
    /// client's calls still run there, and moto does some of one call's
    /// work in steps (an instance, then its profile) that a next run
    /// could otherwise see half done.
    pub fn settle(&self) {
        let began = Instant::now();
        while self.at_server.load(Ordering::SeqCst) > 0 {
            assert!(
                began.elapsed() < Duration::from_secs(30),
                "moto still working after 30 s"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// The actions passed on since the log was last taken.
    pub fn take_log(&self) -> Vec<(String, String)> {
        std::mem::take(&mut *self.log.lock().expect("log"))
    }
}

/// The action of a JSON-protocol request, from its `X-Amz-Target`.
fn json_target(head: &[u8]) -> Option<String> {
    String::from_utf8_lossy(head).lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        if !name.trim().eq_ignore_ascii_case("x-amz-target") {
            return None;
        }
        Some(value.trim().rsplit('.').next()?.to_string())
    })
}

/// What the proxy does with one call.
enum Fate {
    Pass,
    Fail {
        status: u16,
        code: String,
    },
    /// Passed on, then answered with this instead of moto's answer.
    PassThenFail {
        status: u16,
        code: String,
    },
    PassThenDrop,
    PassThenHold,
}

fn pass_on(upstream: u16, head: &[u8], body: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut server = TcpStream::connect(("127.0.0.1", upstream))?;
    server.write_all(head)?;
    server.write_all(body)?;
    let mut response = Vec::new();
    server.read_to_end(&mut response)?;
    Ok(response)
}

/// One request per connection, answered with `Connection: close`, so the
/// client never reuses a connection the proxy is closing.
fn serve(mut client: TcpStream, shared: &Shared) -> std::io::Result<()> {
    let (head, body) = read_message(&mut client)?;
    let body_text = String::from_utf8_lossy(&body).into_owned();
    // Query services name the action in the body; JSON ones (Secrets
    // Manager, the Price List) in `X-Amz-Target: <service>.<action>`.
    let action = body_text
        .split('&')
        .find_map(|kv| kv.strip_prefix("Action="))
        .map(str::to_string)
        .or_else(|| json_target(&head))
        .unwrap_or_default();
    // EC2 answers errors in its own XML; the other Query services in
    // `ErrorResponse`.
    let ec2 = body_text.split('&').any(|kv| kv == "Version=2016-11-15");
    let dialect = if ec2 {
        Dialect::Ec2
    } else if json_target(&head).is_some() {
        Dialect::Json
    } else {
        Dialect::Query
    };
    shared.calls.fetch_add(1, Ordering::SeqCst);
    let (delay, fate, strip) = {
        let mut f = shared.faults.lock().expect("faults");
        let mut fate = Fate::Pass;
        if let Some((a, code, times)) = &mut f.fail
            && *a == action
            && *times > 0
        {
            *times -= 1;
            fate = Fate::Fail {
                status: 400,
                code: code.clone(),
            };
        } else if let Some(i) = f.lose.iter().position(|a| *a == action) {
            f.lose.remove(i);
            fate = Fate::PassThenDrop;
        } else if f.hold.as_deref() == Some(action.as_str()) {
            f.hold = None;
            fate = Fate::PassThenHold;
        } else if let Some((rate, _)) = f.random {
            let mut rng = shared.rng.lock().expect("rng");
            if rng.chance(rate) {
                fate = if rng.chance(0.5) {
                    let code = if ec2 {
                        "RequestLimitExceeded"
                    } else {
                        "Throttling"
                    };
                    Fate::Fail {
                        status: if ec2 { 503 } else { 400 },
                        code: code.into(),
                    }
                } else {
                    Fate::PassThenFail {
                        status: 500,
                        code: "InternalError".into(),
                    }
                };
            }
        }
        (f.delay, fate, f.strip_tag_filters)
    };
    std::thread::sleep(delay);
    if !matches!(fate, Fate::Pass) {
        shared.injected.fetch_add(1, Ordering::SeqCst);
    }
    if let Fate::Fail { status, code } = &fate {
        return answer_error(&mut client, *status, code, dialect);
    }
    let body = if strip {
        strip_tag_filters(&body_text).into_bytes()
    } else {
        body
    };
    shared
        .log
        .lock()
        .expect("log")
        .push((action.clone(), String::from_utf8_lossy(&body).into_owned()));
    let head = with_length(&close_connection(&head), body.len());
    shared.at_server.fetch_add(1, Ordering::SeqCst);
    let response = pass_on(shared.upstream, &head, &body);
    shared.at_server.fetch_sub(1, Ordering::SeqCst);
    let response = response?;
    match fate {
        Fate::PassThenDrop => return client.shutdown(Shutdown::Both),
        Fate::PassThenHold => {
            shared.held.fetch_add(1, Ordering::SeqCst);
            // Long enough for the test to kill the client; then dropped.
            std::thread::sleep(Duration::from_secs(30));
            return client.shutdown(Shutdown::Both);
        }
        Fate::PassThenFail { status, code } => {
            return answer_error(&mut client, status, &code, dialect);
        }
        Fate::Pass | Fate::Fail { .. } => {}
    }
    let split = find(&response, b"\r\n\r\n").map_or(response.len(), |i| i + 4);
    client.write_all(&close_connection(&response[..split]))?;
    client.write_all(&response[split..])?;
    client.shutdown(Shutdown::Both)
}

/// How a service words its errors.
#[derive(Clone, Copy)]
enum Dialect {
    Ec2,
    Query,
    Json,
}

fn answer_error(
    client: &mut TcpStream,
    status: u16,
    code: &str,
    dialect: Dialect,
) -> std::io::Result<()> {
    let (kind, body) = match dialect {
        Dialect::Ec2 => (
            "text/xml",
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Errors><Error><Code>{code}</Code>\
                 <Message>injected by the test proxy</Message></Error></Errors><RequestID>proxy</RequestID></Response>"
            ),
        ),
        Dialect::Query => (
            "text/xml",
            format!(
                "<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code>\
                 <Message>injected by the test proxy</Message></Error><RequestId>proxy</RequestId></ErrorResponse>"
            ),
        ),
        Dialect::Json => (
            "application/x-amz-json-1.1",
            format!("{{\"__type\":\"{code}\",\"message\":\"injected by the test proxy\"}}"),
        ),
    };
    let reason = match status {
        400 => "Bad Request",
        500 => "Internal Server Error",
        _ => "Service Unavailable",
    };
    let response = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    client.write_all(response.as_bytes())?;
    client.shutdown(Shutdown::Both)
}

/// The form body without the filters on tags (`Filter.N.Name=tag:…` and
/// their values; Auto Scaling's `Filters.member.N.…`).
fn strip_tag_filters(body: &str) -> String {
    let pairs: Vec<&str> = body.split('&').collect();
    let tag_filters: Vec<String> = pairs
        .iter()
        .filter_map(|kv| {
            let (key, value) = kv.split_once('=')?;
            let prefix = key.strip_suffix(".Name")?;
            (prefix.starts_with("Filter") && value.starts_with("tag%3A"))
                .then(|| format!("{prefix}."))
        })
        .collect();
    pairs
        .into_iter()
        .filter(|kv| !tag_filters.iter().any(|p| kv.starts_with(p.as_str())))
        .collect::<Vec<_>>()
        .join("&")
}

/// The head with its `Content-Length` set to `length`.
fn with_length(head: &[u8], length: usize) -> Vec<u8> {
    let text = String::from_utf8_lossy(head);
    let mut lines: Vec<String> = text
        .split("\r\n")
        .filter(|l| !l.is_empty() && !l.to_ascii_lowercase().starts_with("content-length:"))
        .map(str::to_string)
        .collect();
    lines.push(format!("Content-Length: {length}"));
    (lines.join("\r\n") + "\r\n\r\n").into_bytes()
}

/// A request's head (through the blank line) and its body.
fn read_message(stream: &mut TcpStream) -> std::io::Result<(Vec<u8>, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = find(&buf, b"\r\n\r\n") {
            break i + 4;
        }
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = buf[..head_end].to_vec();
    let length = String::from_utf8_lossy(&head)
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    let mut body = buf[head_end..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Ok((head, body))
}

/// The head with any `Connection` header replaced by `Connection: close`.
fn close_connection(head: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(head);
    let mut lines: Vec<&str> = text
        .split("\r\n")
        .filter(|l| !l.is_empty() && !l.to_ascii_lowercase().starts_with("connection:"))
        .collect();
    lines.push("Connection: close");
    (lines.join("\r\n") + "\r\n\r\n").into_bytes()
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The binary, pointed at `endpoint` with dummy credentials and nothing
/// from the machine's own AWS configuration.
pub fn awscluster(endpoint: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_awscluster"));
    cmd.current_dir(root())
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_CONFIG_FILE", "/nonexistent/aws-config")
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/aws-credentials",
        )
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("NO_COLOR", "1")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_REGION")
        .env_remove("AWS_DEFAULT_REGION")
        .stdin(Stdio::null());
    cmd
}

/// The flags every provisioning call in the tests passes: the fixture's
/// configuration, quick polls, few retries.
pub const FAST: &[&str] = &[
    "--config",
    "fixtures/provision/awscluster.toml",
    "--poll-interval",
    "0.05",
    "--max-attempts",
    "2",
    "--wait-timeout",
    "60",
];

pub fn run(endpoint: &str, args: &[&str]) -> Output {
    awscluster(endpoint)
        .args(args)
        .args(FAST)
        .output()
        .expect("awscluster runs")
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Runs tests/support/aws.py (boto3) against moto.
pub fn aws(moto: &Moto, args: &[&str]) -> serde_json::Value {
    let out = Command::new(venv("python"))
        .arg(root().join("tests/support/aws.py"))
        .arg(moto.url())
        .args(args)
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "aws.py {args:?}: {}",
        text(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("aws.py prints JSON")
}

/// The AWS Price List Query API's `GetProducts`, which moto lacks, on a
/// loopback port: answers in the recorded shape of
/// `price-list-product.json` (each product a JSON document in a string,
/// its price a string), over two pages, for the instance types given.
pub struct PriceList {
    pub port: u16,
    /// Each request's filters, `field=value`, sorted.
    pub requests: Arc<Mutex<Vec<Vec<String>>>>,
}

impl PriceList {
    pub fn start(prices: &[(&str, &str)]) -> PriceList {
        let listener = TcpListener::bind("127.0.0.1:0").expect("price list binds");
        let port = listener.local_addr().expect("address").port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let prices: Vec<(String, String)> = prices
            .iter()
            .map(|(t, p)| (t.to_string(), p.to_string()))
            .collect();
        let log = Arc::clone(&requests);
        std::thread::spawn(move || {
            for mut stream in listener.incoming().flatten() {
                let answer = read_message(&mut stream).map(|(_, body)| {
                    let request: serde_json::Value =
                        serde_json::from_slice(&body).unwrap_or_default();
                    price_list_answer(&request, &prices, &log)
                });
                if let Ok(answer) = answer {
                    let _ = stream.write_all(
                        format!(
                            "HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.1\r\n\
                             Content-Length: {}\r\nConnection: close\r\n\r\n{answer}",
                            answer.len()
                        )
                        .as_bytes(),
                    );
                }
                let _ = stream.shutdown(Shutdown::Both);
            }
        });
        PriceList { port, requests }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

fn price_list_answer(
    request: &serde_json::Value,
    prices: &[(String, String)],
    log: &Mutex<Vec<Vec<String>>>,
) -> String {
    let mut filters: Vec<String> = request["Filters"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| {
            format!(
                "{}={}",
                f["Field"].as_str().unwrap_or(""),
                f["Value"].as_str().unwrap_or("")
            )
        })
        .collect();
    filters.sort();
    let wanted = filters
        .iter()
        .find_map(|f| f.strip_prefix("instanceType="))
        .unwrap_or("")
        .to_string();
    // The first page holds the product and a token; the second, nothing.
    if request.get("NextToken").is_some() {
        return serde_json::json!({"FormatVersion": "aws_v1", "PriceList": []}).to_string();
    }
    log.lock().expect("log").push(filters);
    let recorded = std::fs::read_to_string(root().join("tests/support/price-list-product.json"))
        .expect("recorded product");
    let products: Vec<String> = prices
        .iter()
        .filter(|(t, _)| *t == wanted)
        .map(|(t, usd)| {
            let mut product: serde_json::Value =
                serde_json::from_str(&recorded).expect("recorded product is JSON");
            product["product"]["attributes"]["instanceType"] = serde_json::json!(t);
            for term in product["terms"]["OnDemand"]
                .as_object_mut()
                .expect("terms")
                .values_mut()
            {
                for dimension in term["priceDimensions"]
                    .as_object_mut()
                    .expect("dimensions")
                    .values_mut()
                {
                    dimension["pricePerUnit"]["USD"] = serde_json::json!(usd);
                }
            }
            product.to_string()
        })
        .collect();
    serde_json::json!({"FormatVersion": "aws_v1", "PriceList": products, "NextToken": "page-2"})
        .to_string()
}

/// The spec the provisioning tests build from.
pub const DEMO_SPEC: &str = "fixtures/provision/demo.cluster.json";

/// The demo spec changed by `edit`, written to a temporary directory
/// (kept as long as the returned handle): its path.
pub fn spec_with(edit: impl FnOnce(&mut serde_json::Value)) -> (tempfile::TempDir, String) {
    let mut spec: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join(DEMO_SPEC)).expect("the demo spec"),
    )
    .expect("the demo spec is JSON");
    edit(&mut spec);
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("demo.cluster.json");
    std::fs::write(&path, spec.to_string()).expect("write");
    let path = path.to_string_lossy().into_owned();
    (dir, path)
}

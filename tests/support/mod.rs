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
        let port = free_port();
        let child = Command::new(venv("moto_server"))
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
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

/// What the proxy does to the calls it passes on.
#[derive(Default)]
pub struct Faults {
    /// Added before each call is passed on.
    pub delay: Duration,
    /// Answer the next `times` calls of this action with this error code.
    pub fail: Option<(String, String, usize)>,
}

/// A loopback HTTP proxy in front of moto that counts calls, delays them,
/// and fails the ones it is told to, as AWS would (an error code in EC2's
/// XML).
pub struct Proxy {
    pub port: u16,
    pub calls: Arc<AtomicUsize>,
    pub faults: Arc<Mutex<Faults>>,
}

impl Proxy {
    pub fn start(upstream: u16) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("proxy binds");
        let port = listener.local_addr().expect("address").port();
        let calls = Arc::new(AtomicUsize::new(0));
        let faults = Arc::new(Mutex::new(Faults::default()));
        let (c, f) = (Arc::clone(&calls), Arc::clone(&faults));
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (c, f) = (Arc::clone(&c), Arc::clone(&f));
                std::thread::spawn(move || {
                    let _ = serve(stream, upstream, &c, &f);
                });
            }
        });
        Proxy {
            port,
            calls,
            faults,
        }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn set(&self, faults: Faults) {
        *self.faults.lock().expect("faults") = faults;
    }

    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

/// One request per connection, answered with `Connection: close`, so the
/// client never reuses a connection the proxy is closing.
fn serve(
    mut client: TcpStream,
    upstream: u16,
    calls: &AtomicUsize,
    faults: &Mutex<Faults>,
) -> std::io::Result<()> {
    let (head, body) = read_message(&mut client)?;
    let body_text = String::from_utf8_lossy(&body);
    let action = body_text
        .split('&')
        .find_map(|kv| kv.strip_prefix("Action="))
        .unwrap_or("")
        .to_string();
    calls.fetch_add(1, Ordering::SeqCst);
    let (delay, fail) = {
        let mut f = faults.lock().expect("faults");
        let fail = match &mut f.fail {
            Some((a, code, times)) if *a == action && *times > 0 => {
                *times -= 1;
                Some(code.clone())
            }
            _ => None,
        };
        (f.delay, fail)
    };
    std::thread::sleep(delay);
    if let Some(code) = fail {
        let xml = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Errors><Error><Code>{code}</Code>\
             <Message>injected by the test proxy</Message></Error></Errors><RequestID>proxy</RequestID></Response>"
        );
        let response = format!(
            "HTTP/1.1 400 Bad Request\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{xml}",
            xml.len()
        );
        client.write_all(response.as_bytes())?;
        return client.shutdown(Shutdown::Both);
    }
    let mut server = TcpStream::connect(("127.0.0.1", upstream))?;
    server.write_all(&close_connection(&head))?;
    server.write_all(&body)?;
    let mut response = Vec::new();
    server.read_to_end(&mut response)?;
    let split = find(&response, b"\r\n\r\n").map_or(response.len(), |i| i + 4);
    client.write_all(&close_connection(&response[..split]))?;
    client.write_all(&response[split..])?;
    client.shutdown(Shutdown::Both)
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

//! File paths as the URIs SARIF wants (RFC 3986): a path below the current
//! directory as a relative reference resolved against `%SRCROOT%`, any
//! other as an absolute `file:` URI; every character but the unreserved
//! ones and `/` percent-encoded, UTF-8 byte by byte.

use std::path::{Component, Path};

/// The `artifactLocation` of `path` (as the user gave it), seen from `cwd`:
/// `(uri, true)` when the URI is relative to `%SRCROOT%`.
pub fn artifact_uri(path: &Path, cwd: &Path) -> (String, bool) {
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        cwd.join(path)
    };
    let absolute = normalize(&absolute);
    let cwd = normalize(cwd);
    match absolute.strip_prefix(&cwd) {
        Ok(relative) if !relative.as_os_str().is_empty() => (encode_path(relative), true),
        _ => (file_uri(&absolute), false),
    }
}

/// `file:///…` for an absolute path; a Windows drive keeps its colon.
fn file_uri(path: &Path) -> String {
    let mut out = String::from("file://");
    for component in path.components() {
        match component {
            Component::Prefix(prefix) => {
                out.push('/');
                out.push_str(&prefix.as_os_str().to_string_lossy().replace('\\', "/"));
            }
            Component::RootDir => {}
            Component::Normal(part) => {
                out.push('/');
                encode(&part.to_string_lossy(), &mut out);
            }
            Component::CurDir | Component::ParentDir => {}
        }
    }
    if !out.ends_with('/') && path.components().count() <= 1 {
        out.push('/');
    }
    out
}

fn encode_path(relative: &Path) -> String {
    let mut out = String::new();
    for (i, part) in relative.components().enumerate() {
        if i > 0 {
            out.push('/');
        }
        encode(&part.as_os_str().to_string_lossy(), &mut out);
    }
    out
}

fn encode(text: &str, out: &mut String) {
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
}

/// `.` and `..` removed lexically.
fn normalize(path: &Path) -> std::path::PathBuf {
    let mut out = std::path::PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_stay_relative_and_others_become_file_uris() {
        let cwd = Path::new("/work/repo");
        assert_eq!(
            artifact_uri(Path::new("specs/a b#c?.cluster.json"), cwd),
            ("specs/a%20b%23c%3F.cluster.json".to_string(), true)
        );
        assert_eq!(
            artifact_uri(Path::new("./x/../café.json"), cwd),
            ("caf%C3%A9.json".to_string(), true)
        );
        assert_eq!(
            artifact_uri(Path::new("/tmp/x y/a#b?.json"), cwd),
            ("file:///tmp/x%20y/a%23b%3F.json".to_string(), false)
        );
        assert_eq!(
            artifact_uri(Path::new("../other/50%.json"), cwd),
            ("file:///work/other/50%25.json".to_string(), false)
        );
        assert_eq!(
            artifact_uri(Path::new("/work/repo/in/a:b.json"), cwd),
            ("in/a%3Ab.json".to_string(), true)
        );
    }
}

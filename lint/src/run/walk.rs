//! Finding the files to check: files named on the command line whatever
//! their name, and in directories the files a run wants, skipping what
//! `.gitignore` and hidden directories hide.
//!
//! Symbolic links are followed, to files and to directories alike (a loop
//! is reported, not followed). A path that does not exist or a directory
//! that cannot be read is reported, and the rest is still found.

use std::path::{Path, PathBuf};

use crate::error::Error;

/// A file to check, and whether the user named it (rather than a
/// directory walk finding it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub path: PathBuf,
    pub named: bool,
    /// Given as `-`: the text is stdin's, and `path` the name it is
    /// reported under.
    pub stdin: bool,
}

/// The name stdin's text is reported under without `--stdin-filename`: its
/// format is then JSON's.
pub const STDIN: &str = "-";

/// What a walk found, and what it could not walk.
#[derive(Debug, Default)]
pub struct Walked {
    pub files: Vec<Found>,
    pub failures: Vec<Error>,
}

impl Walked {
    /// Names stdin's text `name` (`--stdin-filename`), which also decides
    /// its format and the configuration's ignores that apply to it.
    pub fn name_stdin(&mut self, name: Option<&Path>) {
        if let Some(name) = name {
            for found in self.files.iter_mut().filter(|f| f.stdin) {
                found.path = name.to_path_buf();
            }
        }
    }
}

/// Reads what the walk found: a file, or stdin's text.
pub fn read_found(
    found: &Found,
    limits: crate::input::Limits,
) -> Result<crate::source::SourceFile, Error> {
    if found.stdin {
        crate::input::read_stdin(&found.path, limits)
    } else {
        crate::input::read(&found.path, found.named, limits)
    }
}

pub fn walk(roots: &[PathBuf], wanted: &dyn Fn(&Path) -> bool) -> Walked {
    let mut out = Walked::default();
    for root in roots {
        if root.as_os_str() == STDIN {
            out.files.push(Found {
                path: root.clone(),
                named: true,
                stdin: true,
            });
            continue;
        }
        let meta = match std::fs::metadata(root) {
            Ok(meta) => meta,
            Err(e) => {
                out.failures.push(match e.kind() {
                    std::io::ErrorKind::NotFound => Error::NotFound { path: root.clone() },
                    _ => Error::Read {
                        path: root.clone(),
                        source: e,
                    },
                });
                continue;
            }
        };
        if !meta.is_dir() {
            out.files.push(Found {
                path: root.clone(),
                named: true,
                stdin: false,
            });
            continue;
        }
        // The repository's ignore files, not the user's global excludes
        // file: what a lint finds should not depend on whose machine runs it.
        let walker = ignore::WalkBuilder::new(root)
            .require_git(false)
            .git_global(false)
            .follow_links(true)
            .sort_by_file_path(|a, b| a.cmp(b))
            .build();
        for entry in walker {
            match entry {
                Ok(entry) => {
                    let is_file = entry.file_type().is_some_and(|t| t.is_file());
                    if is_file && wanted(entry.path()) {
                        out.files.push(Found {
                            path: entry.path().to_path_buf(),
                            named: false,
                            stdin: false,
                        });
                    }
                }
                Err(e) => out.failures.push(Error::Walk {
                    path: walk_error_path(&e).unwrap_or_else(|| root.clone()),
                    message: walk_error_message(&e),
                }),
            }
        }
    }
    let mut seen = std::collections::HashSet::new();
    out.files.retain(|f| seen.insert(f.path.clone()));
    out
}

fn walk_error_path(error: &ignore::Error) -> Option<PathBuf> {
    match error {
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            walk_error_path(err)
        }
        ignore::Error::Loop { child, .. } => Some(child.clone()),
        _ => None,
    }
}

/// The error without the path, which the report names separately.
fn walk_error_message(error: &ignore::Error) -> String {
    match error {
        ignore::Error::WithPath { err, .. }
        | ignore::Error::WithDepth { err, .. }
        | ignore::Error::WithLineNumber { err, .. } => walk_error_message(err),
        ignore::Error::Loop { ancestor, .. } => {
            format!("a symbolic link loops back to `{}`", ancestor.display())
        }
        other => other.to_string(),
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn names(walked: &Walked, base: &Path) -> Vec<String> {
        walked
            .files
            .iter()
            .map(|f| f.path.strip_prefix(base).unwrap().display().to_string())
            .collect()
    }

    #[test]
    fn follows_symlinks_and_reports_what_it_cannot_read() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path();
        std::fs::create_dir(base.join("real")).unwrap();
        std::fs::write(base.join("real/a.cluster.json"), "{}").unwrap();
        std::os::unix::fs::symlink(
            base.join("real/a.cluster.json"),
            base.join("b.cluster.json"),
        )
        .unwrap();
        std::os::unix::fs::symlink(base.join("real"), base.join("linked")).unwrap();
        std::os::unix::fs::symlink(base, base.join("real/loop")).unwrap();
        let locked = base.join("locked");
        std::fs::create_dir(&locked).unwrap();
        std::fs::write(locked.join("c.cluster.json"), "{}").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
        let unreadable = std::fs::read_dir(&locked).is_err();

        let wanted = |p: &Path| p.to_string_lossy().ends_with(".cluster.json");
        let walked = walk(&[base.to_path_buf(), base.join("missing")], &wanted);
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).unwrap();

        let mut expected = vec!["b.cluster.json", "linked/a.cluster.json"];
        if !unreadable {
            expected.push("locked/c.cluster.json");
        }
        expected.push("real/a.cluster.json");
        assert_eq!(names(&walked, base), expected);
        assert!(matches!(
            walked.failures.last(),
            Some(Error::NotFound { .. })
        ));
        // The loop is reported where it is, once per way into it, and the
        // walk goes on.
        assert!(
            walked.failures.iter().any(
                |e| matches!(e, Error::Walk { path, message } if path.ends_with("loop") && message.contains("loops back"))
            ),
            "{:?}",
            walked.failures
        );
        // Root reads every directory; elsewhere the locked one is reported.
        if unreadable {
            assert!(
                walked
                    .failures
                    .iter()
                    .any(|e| matches!(e, Error::Walk { path, .. } if path.ends_with("locked"))),
                "{:?}",
                walked.failures
            );
        }
    }
}

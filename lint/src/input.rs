//! Reading input files: only files and pipes, never more than the size
//! limit, bytes kept as they are (a file that is not UTF-8 is a finding,
//! not an error).

use std::io::Read;
use std::path::Path;

use crate::diagnostic::SourceFile;
use crate::error::Error;

pub use crate::settings::DEFAULT_MAX_FILE_SIZE;

/// How files are read.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_file_size: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_size: DEFAULT_MAX_FILE_SIZE,
        }
    }
}

/// Reads `path`. A file the user named may be a pipe (`<(…)`); one found
/// in a directory must be a regular file. Devices, sockets and directories
/// are refused before anything is read, and no read goes past the limit,
/// so that `/dev/zero` or an endless pipe cannot exhaust memory.
pub fn read(path: &Path, named: bool, limits: Limits) -> Result<SourceFile, Error> {
    let failed = |source: std::io::Error| match source.kind() {
        std::io::ErrorKind::NotFound => Error::NotFound {
            path: path.to_path_buf(),
        },
        _ => Error::Read {
            path: path.to_path_buf(),
            source,
        },
    };
    let file = open(path).map_err(failed)?;
    // What was opened, not what the path named a moment before: a pipe put
    // in a file's place in between is seen for what it is.
    let meta = file.metadata().map_err(failed)?;
    if let Some(kind) = not_a_file(&meta, named) {
        return Err(Error::NotAFile {
            path: path.to_path_buf(),
            kind,
        });
    }
    if meta.is_file() && meta.len() > limits.max_file_size {
        return Err(too_large(path, limits));
    }
    let file = if meta.is_file() {
        blocking(file).map_err(failed)?
    } else {
        // A pipe the user named: opened again the usual way, which waits for
        // its writer as any reader would.
        drop(file);
        std::fs::File::open(path).map_err(failed)?
    };
    // Sized from fstat, so a file is read in one call rather than in
    // doubling chunks; a pipe's size is unknown.
    let expected = if meta.is_file() {
        meta.len() as usize
    } else {
        0
    };
    let mut bytes = Vec::with_capacity(expected.saturating_add(1));
    file.take(limits.max_file_size.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(failed)?;
    if bytes.len() as u64 > limits.max_file_size {
        return Err(too_large(path, limits));
    }
    Ok(SourceFile::from_bytes(path, bytes))
}

/// Reads stdin (`-` as a path) to the limit, naming the text `name`.
pub fn read_stdin(name: &Path, limits: Limits) -> Result<SourceFile, Error> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .take(limits.max_file_size.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|source| Error::Read {
            path: name.to_path_buf(),
            source,
        })?;
    if bytes.len() as u64 > limits.max_file_size {
        return Err(too_large(name, limits));
    }
    Ok(SourceFile::from_bytes(name, bytes))
}

/// Opens without blocking: opening a pipe waits for its writer, and the
/// type is only known once it is open.
#[cfg(unix)]
fn open(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
}

#[cfg(not(unix))]
fn open(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::File::open(path)
}

/// Reads of a file block again, as reads of files do.
#[cfg(unix)]
fn blocking(file: std::fs::File) -> std::io::Result<std::fs::File> {
    use std::os::fd::AsRawFd;
    let fd = file.as_raw_fd();
    // SAFETY: fcntl on a descriptor this function owns, with valid flags.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    if flags < 0 || unsafe { libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK) } < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(file)
}

#[cfg(not(unix))]
fn blocking(file: std::fs::File) -> std::io::Result<std::fs::File> {
    Ok(file)
}

fn too_large(path: &Path, limits: Limits) -> Error {
    Error::TooLarge {
        path: path.to_path_buf(),
        limit: limits.max_file_size,
    }
}

/// What a path is when it is not something awscluster reads.
fn not_a_file(meta: &std::fs::Metadata, named: bool) -> Option<&'static str> {
    let kind = meta.file_type();
    if kind.is_file() {
        return None;
    }
    if kind.is_dir() {
        return Some("a directory");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return (!named).then_some("a pipe found in a directory");
        }
        if kind.is_char_device() {
            return Some("a character device");
        }
        if kind.is_block_device() {
            return Some("a block device");
        }
        if kind.is_socket() {
            return Some("a socket");
        }
    }
    #[cfg(not(unix))]
    let _ = named;
    Some("not a regular file")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_devices_and_what_is_over_the_limit() {
        let zero = Path::new("/dev/zero");
        if zero.exists() {
            assert!(matches!(
                read(zero, true, Limits::default()),
                Err(Error::NotAFile { .. })
            ));
        }
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big.json");
        std::fs::write(&big, vec![b' '; 2048]).unwrap();
        let small = Limits {
            max_file_size: 1024,
        };
        assert!(matches!(
            read(&big, true, small),
            Err(Error::TooLarge { .. })
        ));
        assert!(read(&big, true, Limits::default()).is_ok());
        assert!(matches!(
            read(dir.path(), true, small),
            Err(Error::NotAFile { .. })
        ));
    }

    #[cfg(unix)]
    #[test]
    fn reads_a_named_pipe_up_to_the_limit_only() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("endless.json");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if !made.is_ok_and(|s| s.success()) {
            return;
        }
        let writer_path = fifo.clone();
        // A writer that never stops: only the limit ends the read.
        std::thread::spawn(move || {
            use std::io::Write;
            if let Ok(mut w) = std::fs::OpenOptions::new().write(true).open(writer_path) {
                let chunk = [b' '; 4096];
                while w.write_all(&chunk).is_ok() {}
            }
        });
        let small = Limits {
            max_file_size: 64 * 1024,
        };
        assert!(matches!(
            read(&fifo, true, small),
            Err(Error::TooLarge { .. })
        ));
        assert!(matches!(
            read(&fifo, false, small),
            Err(Error::NotAFile { .. })
        ));
    }
}

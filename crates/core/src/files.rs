//! Every file the core reads or writes goes through here: reads are bounded and take only
//! regular files; writes go to a temporary file that is synced and renamed into place, so a
//! reader sees the old file or the new one, never half of one.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// Why a file could not be read.
#[derive(Debug)]
pub enum ReadError {
    Io {
        file: String,
        source: std::io::Error,
    },
    NotAFile {
        file: String,
        kind: &'static str,
    },
    TooLarge {
        file: String,
        limit: u64,
        what: &'static str,
    },
    NotUtf8 {
        file: String,
        line: usize,
        col: usize,
    },
}

impl std::error::Error for ReadError {}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let file = match self {
            ReadError::Io { file, .. }
            | ReadError::NotAFile { file, .. }
            | ReadError::TooLarge { file, .. }
            | ReadError::NotUtf8 { file, .. } => file,
        };
        match self.position() {
            Some((line, col)) => write!(f, "{file}:{line}:{col}: {}", self.reason()),
            None => write!(f, "{file}: {}", self.reason()),
        }
    }
}

impl ReadError {
    /// What went wrong, without the file's name (for errors that carry it separately).
    pub fn reason(&self) -> String {
        match self {
            ReadError::Io { source, .. } => format!("cannot read: {source}"),
            ReadError::NotAFile { kind, .. } => format!("is {kind}, not a regular file"),
            ReadError::TooLarge { limit, what, .. } => {
                format!("larger than the {limit}-byte limit for {what}")
            }
            ReadError::NotUtf8 { .. } => "the file is not UTF-8 text".into(),
        }
    }

    pub fn position(&self) -> Option<(usize, usize)> {
        match self {
            ReadError::NotUtf8 { line, col, .. } => Some((*line, *col)),
            _ => None,
        }
    }
}

fn kind_of(t: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if t.is_dir() {
        "a folder"
    } else {
        "not a regular file"
    }
}

/// Opens `path` for reading without blocking on a FIFO, and refuses anything that is not a
/// regular file (checked on the opened file, so the path cannot be swapped in between).
fn open_regular(path: &Path) -> Result<File, ReadError> {
    let file = path.display().to_string();
    let io = |source| ReadError::Io {
        file: file.clone(),
        source,
    };
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let f = options.open(path).map_err(io)?;
    let t = f.metadata().map_err(io)?.file_type();
    if !t.is_file() {
        return Err(ReadError::NotAFile {
            file,
            kind: kind_of(t),
        });
    }
    Ok(f)
}

/// Reads at most `limit` bytes of a regular file; a longer file is refused, whatever its
/// metadata says.
pub fn read_bytes(path: &Path, limit: u64, what: &'static str) -> Result<Vec<u8>, ReadError> {
    let f = open_regular(path)?;
    let mut bytes = Vec::new();
    f.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|source| ReadError::Io {
            file: path.display().to_string(),
            source,
        })?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge {
            file: path.display().to_string(),
            limit,
            what,
        });
    }
    Ok(bytes)
}

/// Reads a bounded regular file as UTF-8 text. A leading byte-order mark (as Notepad writes)
/// is dropped; bytes that are not UTF-8 are refused with their line and column.
pub fn read_text(path: &Path, limit: u64, what: &'static str) -> Result<String, ReadError> {
    let bytes = read_bytes(path, limit, what)?;
    text_of(bytes, &path.display().to_string())
}

/// `bytes` as UTF-8 text without a leading byte-order mark.
pub fn text_of(mut bytes: Vec<u8>, file: &str) -> Result<String, ReadError> {
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        bytes.drain(..3);
    }
    String::from_utf8(bytes).map_err(|e| {
        let good = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let good = std::str::from_utf8(good).unwrap_or_default();
        let line = good.matches('\n').count() + 1;
        let col = good.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        ReadError::NotUtf8 {
            file: file.to_string(),
            line,
            col,
        }
    })
}

/// Where [`write_atomic`] would write `path`: the file a symbolic link names, or `path`
/// itself. An error if that is not a regular file (a rename would put a file in place of a
/// device or a pipe: for root, `/dev/null` itself) or its folder does not exist, so that a
/// long computation can find out before it starts.
pub fn writable(path: &Path) -> std::io::Result<PathBuf> {
    let path = match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => std::fs::canonicalize(path)?,
        _ => path.to_path_buf(),
    };
    match std::fs::metadata(&path) {
        Ok(m) if !m.is_file() => {
            let kind = kind_of(m.file_type());
            Err(std::io::Error::other(
                if m.is_dir() || kind.starts_with("a ") {
                    format!("is {kind}, not a regular file")
                } else {
                    kind.to_string()
                },
            ))
        }
        Ok(_) => Ok(path),
        Err(_) => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
                && !std::fs::metadata(dir)?.is_dir()
            {
                let why = format!("{} is not a folder", dir.display());
                return Err(std::io::Error::other(why));
            }
            Ok(path)
        }
    }
}

/// Writes `bytes` to `path` through a temporary file in the same folder, synced to disk and
/// renamed over the target; the folder is synced too, so the rename survives a crash. Only a
/// regular file is replaced, and a symbolic link is written through (see [`writable`]).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let path = &writable(path)?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| std::io::Error::other("the path names no file"))?
        .to_string_lossy()
        .into_owned();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let tmp = dir.join(format!(".{name}.{}.{nanos}.tmp", std::process::id()));
    let result = (|| {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, path)?;
        #[cfg(unix)]
        File::open(&dir)?.sync_all()?;
        Ok(())
    })();
    if result.is_err() {
        std::fs::remove_file(&tmp).ok();
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("marrowsim-files-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn a_file_over_the_limit_is_refused_and_one_at_it_is_read() {
        let dir = scratch("limit");
        let f = dir.join("ten.txt");
        std::fs::write(&f, "0123456789").unwrap();
        assert_eq!(read_text(&f, 10, "tests").unwrap(), "0123456789");
        let e = read_text(&f, 9, "tests").unwrap_err();
        assert!(matches!(e, ReadError::TooLarge { limit: 9, .. }), "{e}");
    }

    #[cfg(unix)]
    #[test]
    fn devices_folders_and_fifos_are_refused_without_blocking() {
        let e = read_text(Path::new("/dev/zero"), 1 << 20, "tests").unwrap_err();
        assert!(e.to_string().contains("character device"), "{e}");
        let dir = scratch("kinds");
        let e = read_text(&dir, 1 << 20, "tests").unwrap_err();
        assert!(
            e.to_string().contains("not a regular file") || e.to_string().contains("folder"),
            "{e}"
        );
        let fifo = dir.join("pipe");
        std::fs::remove_file(&fifo).ok();
        let ok = std::process::Command::new("mkfifo").arg(&fifo).status();
        if ok.is_ok_and(|s| s.success()) {
            let e = read_text(&fifo, 1 << 20, "tests").unwrap_err();
            assert!(e.to_string().contains("FIFO"), "{e}");
        }
    }

    /// Writing over a pipe or a folder is refused and leaves it as it was; writing through a
    /// link replaces the file it names and keeps the link. (Not tried on a device: were the
    /// check ever lost, a test run as root would replace `/dev/null`.)
    #[cfg(unix)]
    #[test]
    fn an_atomic_write_replaces_only_a_regular_file() {
        use std::os::unix::fs::FileTypeExt;
        let dir = scratch("kinds-written");
        let fifo = dir.join("pipe");
        std::fs::remove_file(&fifo).ok();
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.is_ok_and(|s| s.success()), "mkfifo");
        let e = write_atomic(&fifo, b"x").unwrap_err();
        assert!(e.to_string().contains("FIFO"), "{e}");
        assert!(
            std::fs::symlink_metadata(&fifo)
                .unwrap()
                .file_type()
                .is_fifo()
        );
        let e = write_atomic(&dir, b"x").unwrap_err();
        assert!(e.to_string().contains("folder"), "{e}");
        assert!(writable(&fifo).is_err() && writable(&dir).is_err());
        assert!(writable(&dir.join("missing/x.png")).is_err());
        assert!(
            writable(&dir.join("pipe/x.png")).is_err(),
            "a pipe is no folder"
        );
        assert_eq!(writable(&dir.join("new.png")).unwrap(), dir.join("new.png"));

        let target = dir.join("target.ron");
        let link = dir.join("link.ron");
        std::fs::write(&target, "old").unwrap();
        std::fs::remove_file(&link).ok();
        std::os::unix::fs::symlink(&target, &link).unwrap();
        write_atomic(&link, b"new").unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");
        let temps = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .count();
        assert_eq!(temps, 0);
    }

    #[test]
    fn a_bom_is_dropped_and_bad_utf8_is_placed() {
        assert_eq!(text_of(b"\xEF\xBB\xBF(a)".to_vec(), "f").unwrap(), "(a)");
        let e = text_of(b"ab\ncd\xFFe".to_vec(), "f").unwrap_err();
        assert_eq!(e.position(), Some((2, 3)), "{e}");
    }

    #[test]
    fn an_atomic_write_replaces_the_whole_file_and_leaves_no_temp() {
        let dir = scratch("atomic");
        let f = dir.join("a.ron");
        write_atomic(&f, b"first, and longer").unwrap();
        write_atomic(&f, b"second").unwrap();
        assert_eq!(std::fs::read_to_string(&f).unwrap(), "second");
        let left: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(left.is_empty());
    }
}

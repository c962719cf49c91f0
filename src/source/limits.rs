//! What `corte` agrees to read: regular files only, and only so much.
//!
//! Every file that comes from outside (inbox snapshots and archives, the
//! image folder, files given to `corte import`) is opened here. A FIFO, a
//! device or a socket would block a reader forever or feed it endlessly; a
//! symbolic link would take it out of the folder it was given. So files are
//! opened without following a final symlink and without blocking, checked to
//! be regular files, and read up to a limit. A refusal names the file and
//! what it is (or the limit it passed), never what it points to or holds.
//!
//! The limits ([`Limits`]) default to a national election with room to
//! spare; `corte.toml`'s `[limits]` section changes them for the process
//! ([`set`]).

use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::sync::RwLock;

use serde::Deserialize;

const MIB: u64 = 1 << 20;
const GIB: u64 = 1 << 30;

/// Bounds on what is read from outside. Sized for a national election: the
/// national catalog is about 60 MB and an election's actas file about
/// 100 MB (170,000 casillas), images a few hundred KB.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Entries in a snapshot archive (members and anything else in it).
    pub archive_entries: u64,
    /// One member of a snapshot (`catalog.json`, an actas file).
    pub member_bytes: u64,
    /// A snapshot's members together, and an archive inflated.
    pub snapshot_bytes: u64,
    /// `corte.json` itself.
    pub corte_json_bytes: u64,
    /// One acta image.
    pub image_bytes: u64,
    /// One file given to `corte import`.
    pub import_file_bytes: u64,
    /// One record (a line, or a quoted field spanning lines) of an imported
    /// file.
    pub import_record_bytes: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            archive_entries: 10_000,
            member_bytes: GIB,
            snapshot_bytes: 4 * GIB,
            corte_json_bytes: 16 * MIB,
            image_bytes: 64 * MIB,
            import_file_bytes: 4 * GIB,
            import_record_bytes: MIB,
        }
    }
}

static CURRENT: RwLock<Option<Limits>> = RwLock::new(None);

/// The limits in force: the defaults, or what [`set`] gave.
pub fn current() -> Limits {
    CURRENT.read().ok().and_then(|l| *l).unwrap_or_default()
}

/// Sets the limits for the rest of the process (from `corte.toml`).
pub fn set(limits: Limits) {
    if let Ok(mut l) = CURRENT.write() {
        *l = Some(limits);
    }
}

static SANITY: RwLock<Option<crate::contract::sanity::Thresholds>> = RwLock::new(None);

/// The sanity thresholds in force (`[sanity]` of corte.toml, or defaults).
pub fn sanity() -> crate::contract::sanity::Thresholds {
    SANITY.read().ok().and_then(|l| *l).unwrap_or_default()
}

/// Sets the sanity thresholds for the rest of the process.
pub fn set_sanity(thresholds: crate::contract::sanity::Thresholds) {
    if let Ok(mut l) = SANITY.write() {
        *l = Some(thresholds);
    }
}

/// Why a file was not read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("is not there")]
    NotFound,
    /// A symlink, FIFO, device, socket or folder where a file was expected.
    #[error("is {0}, not a regular file: only regular files are read")]
    NotRegular(&'static str),
    #[error("is larger than the limit of {limit} bytes ({setting} in corte.toml's [limits])")]
    TooLarge { limit: u64, setting: &'static str },
    #[error("cannot be read: {0}")]
    Io(std::io::Error),
}

impl ReadError {
    fn from_io(e: std::io::Error) -> ReadError {
        if e.kind() == std::io::ErrorKind::NotFound {
            return ReadError::NotFound;
        }
        // O_NOFOLLOW on a symlink: ELOOP.
        #[cfg(unix)]
        if e.raw_os_error() == Some(libc::ELOOP) {
            return ReadError::NotRegular("a symbolic link");
        }
        ReadError::Io(e)
    }
}

/// What kind of thing a path is, in words, without following a symlink.
pub fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    let t = meta.file_type();
    if t.is_symlink() {
        return "a symbolic link";
    }
    if t.is_dir() {
        return "a folder";
    }
    if t.is_file() {
        return "a regular file";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_socket() {
            return "a socket";
        }
        if t.is_block_device() || t.is_char_device() {
            return "a device";
        }
    }
    "not a regular file"
}

/// Opens a regular file for reading: a final symlink is not followed, a
/// FIFO does not block the open, and anything but a regular file is refused.
pub fn open_regular(path: &Path) -> Result<(File, u64), ReadError> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    let file = options.open(path).map_err(ReadError::from_io)?;
    let meta = file.metadata().map_err(ReadError::Io)?;
    if !meta.file_type().is_file() {
        return Err(ReadError::NotRegular(kind_of(&meta)));
    }
    Ok((file, meta.len()))
}

/// Reads a whole regular file of at most `limit` bytes (`setting` names the
/// limit in messages). The limit holds even if the file grows while read.
pub fn read_regular(path: &Path, limit: u64, setting: &'static str) -> Result<Vec<u8>, ReadError> {
    let (file, len) = open_regular(path)?;
    let too_large = ReadError::TooLarge { limit, setting };
    if len > limit {
        return Err(too_large);
    }
    let mut bytes = Vec::with_capacity(len as usize);
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > limit {
        return Err(too_large);
    }
    Ok(bytes)
}

/// A reader that fails once more than `limit` bytes came through it: an
/// archive member, or a whole archive inflated.
pub struct Bounded<R> {
    inner: R,
    left: u64,
    limit: u64,
    setting: &'static str,
}

impl<R> Bounded<R> {
    pub fn new(inner: R, limit: u64, setting: &'static str) -> Bounded<R> {
        Bounded {
            inner,
            left: limit,
            limit,
            setting,
        }
    }
}

/// The message of the error a [`Bounded`] reader returns.
pub fn over_limit(limit: u64, setting: &str) -> String {
    format!("goes past the limit of {limit} bytes ({setting} in corte.toml's [limits])")
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        // Read one byte past the limit to tell "exactly at" from "over".
        let want = buf.len().min(self.left.saturating_add(1) as usize);
        let n = self.inner.read(&mut buf[..want])?;
        if n as u64 > self.left {
            return Err(std::io::Error::other(over_limit(self.limit, self.setting)));
        }
        self.left -= n as u64;
        Ok(n)
    }
}

/// Why a file given to `corte import` was not read.
#[derive(Debug, thiserror::Error)]
pub enum ImportReadError {
    #[error("{file} {error}")]
    File { file: String, error: ReadError },
    #[error(
        "{file}, row {line}: a record longer than the limit of {limit} bytes (import_record_bytes in corte.toml's [limits]): not a PREP database file, or a quote left open"
    )]
    Record { file: String, line: u64, limit: u64 },
}

/// Reads a file given to `corte import`: a regular file within
/// `import_file_bytes`, read in blocks, stopping at the first record (a
/// line, or a quoted field over several lines) longer than
/// `import_record_bytes`, so that a gigabyte line or field is refused
/// before it is held. UTF-16 files (by their BOM) are measured in code units.
pub fn read_import_file(path: &Path, limits: &Limits) -> Result<Vec<u8>, ImportReadError> {
    let file = path.display().to_string();
    let file_err = |error| ImportReadError::File {
        file: file.clone(),
        error,
    };
    let (f, len) = open_regular(path).map_err(file_err)?;
    let too_large = || ReadError::TooLarge {
        limit: limits.import_file_bytes,
        setting: "import_file_bytes",
    };
    if len > limits.import_file_bytes {
        return Err(file_err(too_large()));
    }
    let mut reader = f.take(limits.import_file_bytes + 1);
    let mut bytes = Vec::with_capacity(len as usize);
    let mut records = RecordLengths::default();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = reader
            .read(&mut buf)
            .map_err(|e| file_err(ReadError::Io(e)))?;
        if n == 0 {
            break;
        }
        bytes.extend_from_slice(&buf[..n]);
        if bytes.len() as u64 > limits.import_file_bytes {
            return Err(file_err(too_large()));
        }
        if let Some(line) = records.feed(&bytes, bytes.len() - n, limits.import_record_bytes) {
            return Err(ImportReadError::Record {
                file,
                line,
                limit: limits.import_record_bytes,
            });
        }
    }
    Ok(bytes)
}

/// The length of the record being read, fed block by block. Quoting as the
/// CSV reader does it: a quote opens only at the start of a field, `""`
/// inside quotes is a quote.
#[derive(Default)]
struct RecordLengths {
    /// 2 for UTF-16 (decided at the first block), else 1.
    unit: usize,
    little_endian: bool,
    line: u64,
    start_line: u64,
    len: u64,
    quoted: bool,
    /// A quote seen inside quotes: an escaped quote or the closing one.
    quote_pending: bool,
    field_start: bool,
}

impl RecordLengths {
    /// Reads `bytes[from..]` (whole units: an odd UTF-16 tail waits for the
    /// next block); the line a too-long record starts on, if one is.
    fn feed(&mut self, bytes: &[u8], from: usize, limit: u64) -> Option<u64> {
        if self.unit == 0 {
            self.unit = 1;
            self.line = 1;
            self.start_line = 1;
            self.field_start = true;
            if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
                self.unit = 2;
                self.little_endian = bytes[0] == 0xFF;
            }
        }
        let from = from - from % self.unit;
        let end = bytes.len() - bytes.len() % self.unit;
        let mut i = from;
        while i < end {
            let c: u32 = if self.unit == 2 {
                let pair = [bytes[i], bytes[i + 1]];
                u32::from(if self.little_endian {
                    u16::from_le_bytes(pair)
                } else {
                    u16::from_be_bytes(pair)
                })
            } else {
                u32::from(bytes[i])
            };
            i += self.unit;
            self.len += self.unit as u64;
            if self.quote_pending {
                self.quote_pending = false;
                if c == u32::from(b'"') {
                    continue;
                }
                self.quoted = false;
            }
            if self.quoted {
                if c == u32::from(b'"') {
                    self.quote_pending = true;
                } else if c == u32::from(b'\n') {
                    self.line += 1;
                }
            } else if c == u32::from(b'\n') {
                self.line += 1;
                self.start_line = self.line;
                self.len = 0;
                self.field_start = true;
                continue;
            } else if c == u32::from(b'"') && self.field_start {
                self.quoted = true;
            }
            self.field_start = [b',', b'|', b';', b'\t', b'\r']
                .iter()
                .any(|d| u32::from(*d) == c);
            if self.len > limit {
                return Some(self.start_line);
            }
        }
        // An odd UTF-16 tail byte is read with the next block: `from`
        // rounds down to it.
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bounded_reader_passes_the_limit_and_refuses_one_byte_more() {
        let mut out = Vec::new();
        Bounded::new(&[7u8; 10][..], 10, "x")
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out.len(), 10);
        let err = Bounded::new(&[7u8; 11][..], 10, "member_bytes")
            .read_to_end(&mut Vec::new())
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("past the limit of 10 bytes (member_bytes")
        );
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_and_fifos_are_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink("/etc/passwd", &link).unwrap();
        let e = read_regular(&link, 1000, "x").unwrap_err();
        assert_eq!(
            e.to_string(),
            "is a symbolic link, not a regular file: only regular files are read"
        );
        let fifo = dir.path().join("fifo");
        let status = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(status.success());
        // Opening a FIFO without O_NONBLOCK would wait for a writer: the
        // read runs on a thread, and the test fails instead of hanging.
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(read_regular(&fifo, 1000, "x").map_err(|e| e.to_string()));
        });
        let got = rx
            .recv_timeout(std::time::Duration::from_secs(20))
            .expect("reading a FIFO blocked");
        let e = got.unwrap_err();
        assert!(
            e.starts_with("is a FIFO (named pipe), not a regular file"),
            "{e}"
        );
    }

    fn first_long_record(text: &[u8], limit: u64) -> Option<u64> {
        let mut r = RecordLengths::default();
        // Fed in small blocks, as a file is read.
        let mut upto = 0;
        while upto < text.len() {
            let next = (upto + 3).min(text.len());
            if let Some(line) = r.feed(&text[..next], upto, limit) {
                return Some(line);
            }
            upto = next;
        }
        None
    }

    #[test]
    fn a_long_record_is_found_by_the_line_it_starts_on() {
        assert_eq!(first_long_record(b"a,b\nccc,d\n", 10), None);
        assert_eq!(first_long_record(b"a,b\n0123456789ABC\n", 10), Some(2));
        // A quoted field over lines is one record.
        assert_eq!(first_long_record(b"a\n\"0\n1\n2\n3\n4\n5\"\n", 10), Some(2));
        // An escaped quote does not close it; a quote inside a plain field
        // opens nothing.
        assert_eq!(first_long_record(b"x\"y\nab\n", 10), None);
        assert_eq!(
            first_long_record(b"\"a\"\"\nb\nc\nd\ne\nf\"\n", 10),
            Some(1)
        );
        // UTF-16: measured in units, lines found by the code unit.
        let utf16: Vec<u8> = [0xFFu8, 0xFE]
            .into_iter()
            .chain("ab\ncd\n".encode_utf16().flat_map(|u| u.to_le_bytes()))
            .collect();
        assert_eq!(first_long_record(&utf16, 8), None);
        assert_eq!(first_long_record(&utf16, 5), Some(1));
    }

    #[test]
    fn a_file_over_its_limit_is_refused_by_name_of_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("f");
        std::fs::write(&f, b"0123456789").unwrap();
        assert_eq!(read_regular(&f, 10, "x").unwrap().len(), 10);
        let e = read_regular(&f, 9, "image_bytes").unwrap_err();
        assert_eq!(
            e.to_string(),
            "is larger than the limit of 9 bytes (image_bytes in corte.toml's [limits])"
        );
    }
}

//! The inbox: the folder the central database drops snapshots into.
//!
//! A snapshot folder is a candidate once its `corte.json` is there (it is
//! written last, by rename); a `.tar.gz` once it has its final name
//! (producers write `name.tar.gz.partial` and rename). Names starting with a
//! dot, or ending in `.tmp` / `.partial`, are never candidates. Handled
//! snapshots leave the inbox: `.done/`, `.rejected/` (with `error.txt`),
//! `.skipped/` (with `reason.txt`) or `.held/` (with `held.txt`: the
//! sanity checks want an operator), each in a folder of its own name.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::limits::ReadError;
use crate::contract::CorteMeta;
use crate::contract::corte::CORTE_FILE;

pub const DONE: &str = ".done";
pub const REJECTED: &str = ".rejected";
pub const SKIPPED: &str = ".skipped";
/// Cortes held by the sanity checks, waiting for an operator.
pub const HELD: &str = ".held";

/// A snapshot waiting in the inbox, known by its corte.json.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub path: PathBuf,
    pub name: String,
    pub meta: CorteMeta,
}

/// What a look at the inbox found.
#[derive(Debug, Default)]
pub struct Scan {
    pub candidates: Vec<Candidate>,
    /// Entries that cannot be snapshots: a corte.json that cannot be read or
    /// is invalid, an archive that cannot be read, a FIFO or symlink named
    /// like one: (path, the whole message).
    pub unreadable: Vec<(PathBuf, String)>,
}

fn ignored(name: &str) -> bool {
    name.starts_with('.') || name.ends_with(".tmp") || name.ends_with(".partial")
}

/// Lists the inbox's candidates, ordered by corte sequence.
pub fn scan(inbox: &Path) -> io::Result<Scan> {
    let mut scan = Scan::default();
    let mut entries: Vec<_> = fs::read_dir(inbox)?.filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        if ignored(&name) {
            continue;
        }
        let path = entry.path();
        // The entry itself, not what a symlink points to: a link in the
        // inbox would take the watcher out of it, a FIFO would block it.
        let Ok(kind) = fs::symlink_metadata(&path) else {
            continue;
        };
        let is_candidate_name = super::is_archive(&path);
        if !kind.is_dir() && !kind.is_file() {
            if is_candidate_name || kind.file_type().is_symlink() {
                scan.unreadable.push((
                    path,
                    format!(
                        "is {}, not a regular file or folder: the inbox takes folders and .tar.gz archives renamed in, nothing else",
                        super::limits::kind_of(&kind)
                    ),
                ));
            }
            continue;
        }
        let corte = if kind.is_dir() {
            let limit = super::limits::current().corte_json_bytes;
            match super::limits::read_regular(&path.join(CORTE_FILE), limit, "corte_json_bytes") {
                Ok(b) => Some(b),
                Err(ReadError::NotFound) => None,
                Err(e) => {
                    scan.unreadable.push((path, format!("corte.json {e}")));
                    continue;
                }
            }
        } else if is_candidate_name {
            match super::read_archive_member(&path, CORTE_FILE) {
                Ok(b) => b,
                Err(e) => {
                    scan.unreadable.push((path, e.to_string()));
                    continue;
                }
            }
        } else {
            continue;
        };
        // No corte.json yet: still arriving.
        let Some(bytes) = corte else { continue };
        match CorteMeta::from_json(&bytes) {
            Ok(meta) => scan.candidates.push(Candidate { path, name, meta }),
            Err(e) => scan
                .unreadable
                .push((path, format!("corte.json cannot be used: {e}"))),
        }
    }
    scan.candidates
        .sort_by_key(|c| (c.meta.seq, c.name.clone()));
    Ok(scan)
}

/// Moves a handled snapshot out of the inbox into `<inbox>/<shelf>/<name>/`,
/// with an explanatory file beside it. Returns the new folder.
pub fn shelve(
    inbox: &Path,
    path: &Path,
    shelf: &str,
    note: Option<(&str, &str)>,
) -> io::Result<PathBuf> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "snapshot".into());
    let base = inbox.join(shelf);
    fs::create_dir_all(&base)?;
    let mut folder = base.join(&name);
    let mut n = 2;
    while folder.exists() {
        folder = base.join(format!("{name}-{n}"));
        n += 1;
    }
    fs::create_dir_all(&folder)?;
    fs::rename(path, folder.join(&name))?;
    if let Some((file, text)) = note {
        fs::write(folder.join(file), text)?;
    }
    Ok(folder)
}

/// The snapshots on a shelf: (the folder made for it, the snapshot in it,
/// found as the entry that is none of the `notes` beside it).
pub fn shelved(inbox: &Path, shelf: &str, notes: &[&str]) -> io::Result<Vec<(PathBuf, PathBuf)>> {
    let mut out = Vec::new();
    let entries = match fs::read_dir(inbox.join(shelf)) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(e),
    };
    for entry in entries {
        let folder = entry?.path();
        if !folder.is_dir() {
            continue;
        }
        for inner in fs::read_dir(&folder)? {
            let inner = inner?;
            if !notes.iter().any(|n| inner.file_name() == *n) {
                out.push((folder.clone(), inner.path()));
                break;
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Creates the inbox and its shelves.
pub fn prepare(inbox: &Path) -> io::Result<()> {
    for shelf in [DONE, REJECTED, SKIPPED, HELD] {
        fs::create_dir_all(inbox.join(shelf))?;
    }
    Ok(())
}

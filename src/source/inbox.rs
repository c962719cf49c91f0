//! The inbox: the folder the central database drops snapshots into.
//!
//! A snapshot folder is a candidate once its `corte.json` is there (it is
//! written last, by rename); a `.tar.gz` once it has its final name
//! (producers write `name.tar.gz.partial` and rename). Names starting with a
//! dot, or ending in `.tmp` / `.partial`, are never candidates. Handled
//! snapshots leave the inbox: `.done/`, `.rejected/` (with `error.txt`) or
//! `.skipped/` (with `reason.txt`), each in a folder of its own name.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::contract::CorteMeta;
use crate::contract::corte::CORTE_FILE;

pub const DONE: &str = ".done";
pub const REJECTED: &str = ".rejected";
pub const SKIPPED: &str = ".skipped";

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
    /// Entries whose corte.json cannot be read or is invalid: (path, error).
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
        let corte = if path.is_dir() {
            match fs::read(path.join(CORTE_FILE)) {
                Ok(b) => Some(b),
                Err(e) if e.kind() == io::ErrorKind::NotFound => None,
                Err(e) => {
                    scan.unreadable
                        .push((path, format!("cannot read corte.json: {e}")));
                    continue;
                }
            }
        } else if super::is_archive(&path) {
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
            Err(e) => scan.unreadable.push((path, e.to_string())),
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

/// Creates the inbox and its shelves.
pub fn prepare(inbox: &Path) -> io::Result<()> {
    for shelf in [DONE, REJECTED, SKIPPED] {
        fs::create_dir_all(inbox.join(shelf))?;
    }
    Ok(())
}

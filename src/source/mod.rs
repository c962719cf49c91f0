//! Every file the pipeline reads comes in here: snapshots (a folder, or a
//! `.tar.gz` of one) and the inbox they arrive in ([`inbox`]), the acta image
//! folder ([`images`]), ruleset files ([`ruleset`]), theme folders
//! ([`read_tree`]) and earlier cortes' manifests ([`history`]).
//!
//! A snapshot is complete when its `corte.json` is present and every member it
//! lists has the declared size and SHA-256. [`load`] checks exactly that before
//! handing the bytes to [`Snapshot::from_members`] for validation. [`write`]
//! is the producer side (the importer, the generator): members first, then
//! `corte.json`, renamed into place last.
//!
//! What this module is not: it does not wait for events (that is `watch`,
//! which asks [`inbox::scan`] what is ready) and it does not interpret the
//! data (that is `contract` and `tally`).

pub mod history;
pub mod images;
pub mod inbox;
pub mod postgres;
pub mod ruleset;

use std::collections::BTreeMap;
use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use crate::contract::corte::{CORTE_FILE, member_election};
use crate::contract::{ContractError, CorteMeta, NewSnapshot, Snapshot, sha256_hex};

#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{snapshot}: {error}")]
    Contract {
        snapshot: PathBuf,
        error: ContractError,
    },
    #[error("{snapshot}: incomplete: {message}")]
    Incomplete { snapshot: PathBuf, message: String },
}

impl SourceError {
    fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        SourceError::Io {
            path: path.into(),
            source,
        }
    }

    /// The contract error behind this one, if the snapshot was readable but wrong.
    pub fn contract_error(&self) -> Option<&ContractError> {
        match self {
            SourceError::Contract { error, .. } => Some(error),
            _ => None,
        }
    }
}

/// Whether a path names a snapshot archive rather than a folder.
pub fn is_archive(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    name.ends_with(".tar.gz") || name.ends_with(".tgz")
}

/// Loads and validates a snapshot from a folder or a `.tar.gz`.
pub fn load(path: &Path) -> Result<Snapshot, SourceError> {
    let files = if is_archive(path) {
        read_archive(path)?
    } else {
        read_folder(path)?
    };
    assemble(path, files)
}

/// The member files of a snapshot, by relative path, before any checking.
struct Files {
    corte: Vec<u8>,
    members: BTreeMap<String, Vec<u8>>,
}

fn read_folder(dir: &Path) -> Result<Files, SourceError> {
    let corte_path = dir.join(CORTE_FILE);
    let corte = match fs::read(&corte_path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let message = if dir.is_dir() {
                "corte.json is missing (it is written last: the snapshot may still be arriving)"
                    .to_string()
            } else {
                "no such folder or .tar.gz archive".to_string()
            };
            return Err(SourceError::Incomplete {
                snapshot: dir.to_path_buf(),
                message,
            });
        }
        Err(e) => return Err(SourceError::io(corte_path, e)),
    };
    let meta = parse_corte(dir, &corte)?;
    let mut members = BTreeMap::new();
    for m in &meta.members {
        let path = dir.join(&m.path);
        match fs::read(&path) {
            Ok(bytes) => {
                members.insert(m.path.clone(), bytes);
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(SourceError::Incomplete {
                    snapshot: dir.to_path_buf(),
                    message: format!("{} is listed in corte.json but missing", m.path),
                });
            }
            Err(e) => return Err(SourceError::io(path, e)),
        }
    }
    Ok(Files { corte, members })
}

fn read_archive(path: &Path) -> Result<Files, SourceError> {
    let file = fs::File::open(path).map_err(|e| SourceError::io(path, e))?;
    let mut archive =
        tar::Archive::new(flate2::read::GzDecoder::new(std::io::BufReader::new(file)));
    let mut entries: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let bad = |message: String| SourceError::Incomplete {
        snapshot: path.to_path_buf(),
        message,
    };
    for entry in archive.entries().map_err(|e| SourceError::io(path, e))? {
        let mut entry = entry.map_err(|e| bad(format!("not a readable .tar.gz: {e}")))?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let name = entry
            .path()
            .map_err(|e| bad(format!("bad entry name: {e}")))?
            .to_string_lossy()
            .into_owned();
        let name = name.trim_start_matches("./").to_string();
        // Only what could be a member is read; the rest of the archive is skipped.
        let member = name.rsplit_once('/').map(|(_, f)| f).unwrap_or(&name);
        let interesting =
            member == CORTE_FILE || member == "catalog.json" || member.ends_with(".csv");
        if !interesting {
            continue;
        }
        let size = entry.header().size().unwrap_or(0);
        let mut bytes = Vec::with_capacity(size.min(1 << 30) as usize);
        entry
            .read_to_end(&mut bytes)
            .map_err(|e| bad(format!("{name}: cannot read: {e}")))?;
        entries.insert(name, bytes);
    }
    // The archive holds the snapshot at its root or in one top folder.
    let prefix = if entries.contains_key(CORTE_FILE) {
        String::new()
    } else {
        let tops: std::collections::BTreeSet<&str> = entries
            .keys()
            .filter_map(|k| k.split_once('/').map(|(top, _)| top))
            .collect();
        match tops.into_iter().collect::<Vec<_>>().as_slice() {
            [one] if entries.contains_key(&format!("{one}/{CORTE_FILE}")) => format!("{one}/"),
            _ => return Err(bad("corte.json is missing from the archive".into())),
        }
    };
    let corte = entries
        .remove(&format!("{prefix}{CORTE_FILE}"))
        .unwrap_or_default();
    let members = entries
        .into_iter()
        .filter_map(|(k, v)| k.strip_prefix(&prefix).map(|k| (k.to_string(), v)))
        .collect();
    Ok(Files { corte, members })
}

/// One member of a snapshot archive (at its root or in its one top folder),
/// read without extracting the rest; None if the archive has no such member.
pub fn read_archive_member(path: &Path, member: &str) -> Result<Option<Vec<u8>>, SourceError> {
    let file = fs::File::open(path).map_err(|e| SourceError::io(path, e))?;
    let mut archive =
        tar::Archive::new(flate2::read::GzDecoder::new(std::io::BufReader::new(file)));
    let bad = |message: String| SourceError::Incomplete {
        snapshot: path.to_path_buf(),
        message,
    };
    for entry in archive.entries().map_err(|e| SourceError::io(path, e))? {
        let mut entry = entry.map_err(|e| bad(format!("not a readable .tar.gz: {e}")))?;
        let name = entry
            .path()
            .map_err(|e| bad(format!("bad entry name: {e}")))?
            .to_string_lossy()
            .into_owned();
        let name = name.trim_start_matches("./");
        let depth_ok = match name.split_once('/') {
            None => name == member,
            Some((_, rest)) => rest == member,
        };
        if depth_ok && entry.header().entry_type().is_file() {
            let mut bytes = Vec::new();
            entry
                .read_to_end(&mut bytes)
                .map_err(|e| bad(format!("{name}: cannot read: {e}")))?;
            return Ok(Some(bytes));
        }
    }
    Ok(None)
}

fn parse_corte(snapshot: &Path, bytes: &[u8]) -> Result<CorteMeta, SourceError> {
    CorteMeta::from_json(bytes).map_err(|error| SourceError::Contract {
        snapshot: snapshot.to_path_buf(),
        error,
    })
}

fn assemble(path: &Path, files: Files) -> Result<Snapshot, SourceError> {
    let meta = parse_corte(path, &files.corte)?;
    let contract = |error: ContractError| SourceError::Contract {
        snapshot: path.to_path_buf(),
        error,
    };
    // Hash members in parallel: at national scale they are hundreds of MB.
    let checks: Vec<Result<(), SourceError>> = {
        use rayon::prelude::*;
        meta.members
            .par_iter()
            .map(|m| {
                let Some(bytes) = files.members.get(&m.path) else {
                    return Err(SourceError::Incomplete {
                        snapshot: path.to_path_buf(),
                        message: format!("{} is listed in corte.json but missing", m.path),
                    });
                };
                if bytes.len() as u64 != m.size {
                    return Err(contract(ContractError::new(
                        &m.path,
                        format!(
                            "is {} bytes, but corte.json says {} (incomplete or altered)",
                            bytes.len(),
                            m.size
                        ),
                    )));
                }
                let actual = sha256_hex(bytes);
                if actual != m.sha256 {
                    return Err(contract(ContractError::new(
                        &m.path,
                        format!(
                            "SHA-256 is {actual}, but corte.json says {} (altered or corrupted)",
                            m.sha256
                        ),
                    )));
                }
                Ok(())
            })
            .collect()
    };
    checks.into_iter().collect::<Result<Vec<()>, _>>()?;
    let mut catalog = Vec::new();
    let mut actas = BTreeMap::new();
    let mut files = files.members;
    for m in &meta.members {
        let bytes = files.remove(&m.path).unwrap_or_default();
        match member_election(&m.path) {
            Ok(None) => catalog = bytes,
            Ok(Some(election)) => {
                actas.insert(election.to_string(), bytes);
            }
            Err(message) => return Err(contract(ContractError::new(CORTE_FILE, message))),
        }
    }
    Snapshot::from_members(meta, &catalog, &actas).map_err(contract)
}

/// Writes a snapshot folder the way the central database must: every member
/// first, then `corte.json` through a temporary name and a rename, so a
/// watcher never sees a corte.json whose members are not all there.
pub fn write(dir: &Path, snapshot: &NewSnapshot) -> Result<(), SourceError> {
    fs::create_dir_all(dir.join("actas")).map_err(|e| SourceError::io(dir, e))?;
    for (path, bytes) in &snapshot.members {
        let target = dir.join(path);
        fs::write(&target, bytes).map_err(|e| SourceError::io(&target, e))?;
    }
    let tmp = dir.join(".corte.json.tmp");
    let mut f = fs::File::create(&tmp).map_err(|e| SourceError::io(&tmp, e))?;
    f.write_all(&snapshot.corte_json())
        .map_err(|e| SourceError::io(&tmp, e))?;
    f.sync_all().map_err(|e| SourceError::io(&tmp, e))?;
    fs::rename(&tmp, dir.join(CORTE_FILE)).map_err(|e| SourceError::io(dir.join(CORTE_FILE), e))
}

/// Writes a snapshot as a `.tar.gz` with one top folder named after the
/// archive, deterministically (fixed mtimes and owners), renamed into place.
pub fn write_archive(path: &Path, snapshot: &NewSnapshot) -> Result<(), SourceError> {
    let top = path
        .file_name()
        .and_then(|n| n.to_str())
        .map(|n| {
            n.trim_end_matches(".tar.gz")
                .trim_end_matches(".tgz")
                .to_string()
        })
        .unwrap_or_else(|| "snapshot".into());
    let tmp = path.with_extension("partial");
    let file = fs::File::create(&tmp).map_err(|e| SourceError::io(&tmp, e))?;
    let gz = flate2::GzBuilder::new().write(file, flate2::Compression::fast());
    let mut tar = tar::Builder::new(gz);
    let mut add = |name: &str, bytes: &[u8]| -> std::io::Result<()> {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(0);
        header.set_cksum();
        tar.append_data(&mut header, format!("{top}/{name}"), bytes)
    };
    let io = |e| SourceError::io(&tmp, e);
    for (name, bytes) in &snapshot.members {
        add(name, bytes).map_err(io)?;
    }
    add(CORTE_FILE, &snapshot.corte_json()).map_err(io)?;
    let gz = tar.into_inner().map_err(io)?;
    let file = gz.finish().map_err(io)?;
    file.sync_all().map_err(io)?;
    fs::rename(&tmp, path).map_err(|e| SourceError::io(path, e))
}

/// Every file under a folder, by path relative to it with `/` separators
/// (a theme folder). Hidden files are skipped.
pub fn read_tree(dir: &Path) -> Result<BTreeMap<String, Vec<u8>>, SourceError> {
    fn walk(
        root: &Path,
        dir: &Path,
        out: &mut BTreeMap<String, Vec<u8>>,
    ) -> Result<(), SourceError> {
        let entries = fs::read_dir(dir).map_err(|e| SourceError::io(dir, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| SourceError::io(dir, e))?;
            let path = entry.path();
            if entry.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            if path.is_dir() {
                walk(root, &path, out)?;
            } else {
                let rel = path.strip_prefix(root).unwrap_or(&path);
                let key = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/");
                out.insert(key, fs::read(&path).map_err(|e| SourceError::io(&path, e))?);
            }
        }
        Ok(())
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out)?;
    Ok(out)
}

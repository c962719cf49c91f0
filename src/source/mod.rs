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
pub mod limits;
pub mod postgres;
pub mod ruleset;

use std::collections::BTreeMap;
use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use self::limits::{Bounded, Limits, ReadError, read_regular};
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
    /// Not a snapshot corte reads, whatever the wait: a symlink, FIFO or
    /// device where a member should be, or over a limit of [`limits`].
    #[error("{snapshot}: refused: {message}")]
    Refused { snapshot: PathBuf, message: String },
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

/// Loads and validates a snapshot from a folder or a `.tar.gz`, within the
/// [`limits`] in force.
pub fn load(path: &Path) -> Result<Snapshot, SourceError> {
    load_within(path, &limits::current())
}

/// [`load`] with explicit limits.
pub fn load_within(path: &Path, limits: &Limits) -> Result<Snapshot, SourceError> {
    let files = if is_archive(path) {
        read_archive(path, limits)?
    } else {
        read_folder(path, limits)?
    };
    assemble(path, files)
}

/// The member files of a snapshot, by relative path, before any checking.
struct Files {
    corte: Vec<u8>,
    members: BTreeMap<String, Vec<u8>>,
}

fn refused(snapshot: &Path, message: String) -> SourceError {
    SourceError::Refused {
        snapshot: snapshot.to_path_buf(),
        message,
    }
}

fn read_folder(dir: &Path, limits: &Limits) -> Result<Files, SourceError> {
    let corte_path = dir.join(CORTE_FILE);
    let corte = match read_regular(&corte_path, limits.corte_json_bytes, "corte_json_bytes") {
        Ok(b) => b,
        Err(ReadError::NotFound) => {
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
        Err(ReadError::Io(e)) => return Err(SourceError::io(corte_path, e)),
        Err(e) => return Err(refused(dir, format!("{CORTE_FILE} {e}"))),
    };
    let meta = parse_corte(dir, &corte)?;
    check_actas_folder(dir, &meta)?;
    let mut members = BTreeMap::new();
    let mut total = 0u64;
    for m in &meta.members {
        let path = dir.join(&m.path);
        let bytes = match read_regular(&path, limits.member_bytes, "member_bytes") {
            Ok(bytes) => bytes,
            Err(ReadError::NotFound) => {
                return Err(SourceError::Incomplete {
                    snapshot: dir.to_path_buf(),
                    message: format!("{} is listed in corte.json but missing", m.path),
                });
            }
            Err(ReadError::Io(e)) => return Err(SourceError::io(path, e)),
            Err(e) => return Err(refused(dir, format!("{} {e}", m.path))),
        };
        total += bytes.len() as u64;
        if total > limits.snapshot_bytes {
            return Err(refused(
                dir,
                format!(
                    "its members add up to more than the limit of {} bytes (snapshot_bytes in corte.toml's [limits])",
                    limits.snapshot_bytes
                ),
            ));
        }
        members.insert(m.path.clone(), bytes);
    }
    Ok(Files { corte, members })
}

/// `actas/` must be a folder of the snapshot (not a link out of it), and
/// every actas file in it must be listed in corte.json: one that is not was
/// written after corte.json or left from another export, and is refused
/// rather than silently left out of the count.
fn check_actas_folder(dir: &Path, meta: &CorteMeta) -> Result<(), SourceError> {
    let actas = dir.join("actas");
    let listed: std::collections::BTreeSet<&str> =
        meta.members.iter().map(|m| m.path.as_str()).collect();
    match fs::symlink_metadata(&actas) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(SourceError::io(&actas, e)),
        Ok(m) if !m.file_type().is_dir() => {
            return Err(refused(
                dir,
                format!(
                    "actas is {}, not a folder: only regular files inside the snapshot are read",
                    limits::kind_of(&m)
                ),
            ));
        }
        Ok(_) => {}
    }
    let mut names = Vec::new();
    for entry in fs::read_dir(&actas).map_err(|e| SourceError::io(&actas, e))? {
        let entry = entry.map_err(|e| SourceError::io(&actas, e))?;
        names.push(entry.file_name().to_string_lossy().into_owned());
    }
    names.sort();
    for name in names {
        let path = format!("actas/{name}");
        if name.ends_with(".csv") && !name.starts_with('.') && !listed.contains(path.as_str()) {
            return Err(unlisted(dir, &path));
        }
    }
    Ok(())
}

fn unlisted(snapshot: &Path, path: &str) -> SourceError {
    SourceError::Contract {
        snapshot: snapshot.to_path_buf(),
        error: ContractError::new(
            path,
            "is in the snapshot, but corte.json does not list it (written after corte.json, or left from another export): refused rather than left out of the count",
        ),
    }
}

/// The inflated, bounded stream of a snapshot archive.
type ArchiveStream = Bounded<flate2::read::MultiGzDecoder<std::io::BufReader<fs::File>>>;

/// Opens a snapshot archive: a regular file, inflated (every gzip member,
/// as GNU tar and pigz may write several) within the snapshot limit.
fn open_archive(path: &Path, limits: &Limits) -> Result<tar::Archive<ArchiveStream>, SourceError> {
    let file = match limits::open_regular(path) {
        Ok((file, _)) => file,
        Err(ReadError::NotFound) => {
            return Err(SourceError::Incomplete {
                snapshot: path.to_path_buf(),
                message: "no such folder or .tar.gz archive".into(),
            });
        }
        Err(ReadError::Io(e)) => return Err(SourceError::io(path, e)),
        Err(e) => return Err(refused(path, format!("the archive {e}"))),
    };
    let gz = flate2::read::MultiGzDecoder::new(std::io::BufReader::new(file));
    Ok(tar::Archive::new(Bounded::new(
        gz,
        limits.snapshot_bytes,
        "snapshot_bytes",
    )))
}

/// A read error inside an archive: over a limit (refused) or a broken or
/// cut-short archive (incomplete).
fn archive_error(path: &Path, what: String, e: std::io::Error) -> SourceError {
    let text = e.to_string();
    if text.contains("goes past the limit of") {
        refused(path, format!("{what}{text}"))
    } else {
        SourceError::Incomplete {
            snapshot: path.to_path_buf(),
            message: format!("{what}{text}"),
        }
    }
}

/// Walks a snapshot archive's entries, at most `archive_entries` of them,
/// handing `visit` each entry with its name (a leading "./" dropped).
/// `visit` breaks with a value to stop early.
fn walk_archive<T>(
    path: &Path,
    limits: &Limits,
    mut visit: impl FnMut(&str, &mut tar::Entry<'_, ArchiveStream>) -> Result<Option<T>, SourceError>,
) -> Result<Option<T>, SourceError> {
    let mut archive = open_archive(path, limits)?;
    let list = archive
        .entries()
        .map_err(|e| archive_error(path, "not a readable .tar.gz: ".into(), e))?;
    for (count, entry) in (1u64..).zip(list) {
        let mut entry =
            entry.map_err(|e| archive_error(path, "not a readable .tar.gz: ".into(), e))?;
        if count > limits.archive_entries {
            return Err(refused(
                path,
                format!(
                    "the archive has more than {} entries (archive_entries in corte.toml's [limits])",
                    limits.archive_entries
                ),
            ));
        }
        let name = entry
            .path()
            .map_err(|e| archive_error(path, "bad entry name: ".into(), e))?
            .to_string_lossy()
            .into_owned();
        if let Some(found) = visit(name.trim_start_matches("./"), &mut entry)? {
            return Ok(Some(found));
        }
    }
    Ok(None)
}

/// Reads one archive entry whole, within the size limit of its member kind
/// (`corte.json` or any other member).
fn read_entry(
    path: &Path,
    limits: &Limits,
    name: &str,
    member: &str,
    entry: &mut tar::Entry<'_, ArchiveStream>,
) -> Result<Vec<u8>, SourceError> {
    let size = entry.header().size().unwrap_or(0);
    let (limit, setting) = if member == CORTE_FILE {
        (limits.corte_json_bytes, "corte_json_bytes")
    } else {
        (limits.member_bytes, "member_bytes")
    };
    if size > limit {
        return Err(refused(
            path,
            format!(
                "{name} is {size} bytes, over the limit of {limit} bytes ({setting} in corte.toml's [limits])"
            ),
        ));
    }
    let mut bytes = Vec::with_capacity(size as usize);
    entry
        .read_to_end(&mut bytes)
        .map_err(|e| archive_error(path, format!("{name}: cannot read: "), e))?;
    Ok(bytes)
}

fn read_archive(path: &Path, limits: &Limits) -> Result<Files, SourceError> {
    let mut entries: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut seen = std::collections::BTreeSet::new();
    walk_archive::<()>(path, limits, |name, entry| {
        let kind = entry.header().entry_type();
        if kind.is_dir() {
            return Ok(None);
        }
        // Two entries of one name: extracting keeps the last, a reader may
        // keep the first. Which one is the snapshot is not ours to guess.
        if !seen.insert(name.to_string()) {
            return Err(refused(
                path,
                format!(
                    "the archive has two entries named {name}: which one is the snapshot is ambiguous"
                ),
            ));
        }
        // Only what could be a member is read; the rest of the archive is skipped.
        let member = name.rsplit_once('/').map(|(_, f)| f).unwrap_or(name);
        let interesting =
            member == CORTE_FILE || member == "catalog.json" || member.ends_with(".csv");
        if !interesting {
            return Ok(None);
        }
        if !kind.is_file() {
            let what = if kind.is_symlink() {
                "a symbolic link"
            } else if kind.is_hard_link() {
                "a hard link"
            } else {
                "not a regular file"
            };
            return Err(refused(
                path,
                format!("{name} is {what} inside the archive: only regular files are read"),
            ));
        }
        let bytes = read_entry(path, limits, name, member, entry)?;
        entries.insert(name.to_string(), bytes);
        Ok(None)
    })?;
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
            _ => {
                return Err(SourceError::Incomplete {
                    snapshot: path.to_path_buf(),
                    message: "corte.json is missing from the archive".into(),
                });
            }
        }
    };
    let corte = entries
        .remove(&format!("{prefix}{CORTE_FILE}"))
        .unwrap_or_default();
    let meta = parse_corte(path, &corte)?;
    let members: BTreeMap<String, Vec<u8>> = entries
        .into_iter()
        .filter_map(|(k, v)| k.strip_prefix(&prefix).map(|k| (k.to_string(), v)))
        .collect();
    let listed: std::collections::BTreeSet<&str> =
        meta.members.iter().map(|m| m.path.as_str()).collect();
    if let Some(stray) = members
        .keys()
        .find(|k| k.starts_with("actas/") && k.ends_with(".csv") && !listed.contains(k.as_str()))
    {
        return Err(unlisted(path, stray));
    }
    Ok(Files { corte, members })
}

/// One member of a snapshot archive (at its root or in its one top folder),
/// read without extracting the rest; None if the archive has no such member.
pub fn read_archive_member(path: &Path, member: &str) -> Result<Option<Vec<u8>>, SourceError> {
    let limits = limits::current();
    walk_archive(path, &limits, |name, entry| {
        let depth_ok = match name.split_once('/') {
            None => name == member,
            Some((_, rest)) => rest == member,
        };
        if depth_ok && entry.header().entry_type().is_file() {
            read_entry(path, &limits, name, member, entry).map(Some)
        } else {
            Ok(None)
        }
    })
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
                // Shorter than declared: still being written (or cut
                // short), which the watcher waits for. Longer: altered.
                if (bytes.len() as u64) < m.size {
                    return Err(SourceError::Incomplete {
                        snapshot: path.to_path_buf(),
                        message: format!(
                            "{} is {} bytes of the {} corte.json says (still being written, or cut short)",
                            m.path,
                            bytes.len(),
                            m.size
                        ),
                    });
                }
                if bytes.len() as u64 > m.size {
                    return Err(contract(ContractError::new(
                        &m.path,
                        format!(
                            "is {} bytes, but corte.json says {} (altered)",
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
    let snapshot = Snapshot::from_members(meta, &catalog, &actas).map_err(contract)?;
    let skew = chrono::Duration::seconds(limits::sanity().future_skew_secs as i64);
    crate::contract::corte::check_not_future(&snapshot.corte, chrono::Utc::now(), skew)
        .map_err(contract)?;
    Ok(snapshot)
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

//! The store seen as a CDN origin: for a key, the bytes stored there and the
//! headers the publisher gave them, found by `published::headers_for` from the
//! manifests (a folder keeps no headers of its own).
//!
//! The live corte (`latest.json` → its manifest, checked against the
//! pointer's hash) is re-read at most every `pointer_ttl`, so a corte that
//! goes live while serving is shown without a restart. Corte manifests are
//! immutable once written and are kept, a few at a time, by corte id.
//!
//! `/cortes/<id>/<key>` is answered through that corte's manifest: the
//! entry's archive object (`objetos/…`), so every past corte stays
//! browsable without a copy of its site.
//!
//! Every object is checked against its manifest entry before it is sent,
//! because the ETag is the manifest's hash: a stable-tree object with other
//! bytes (a publish between its stable tree and its pointer, or a hand-made
//! change) is served from the archive instead, which always holds the live
//! bytes; an archive object with other bytes is an error.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;

use crate::contract::sha256_hex;
use crate::publish::{Kind, Target, pointer, transfer};
use crate::published::Manifest;
use crate::published::layout::{self, Source};
use crate::published::{FileEntry, Headers, Pointer, headers_for, objects};

/// An object ready to send: its stored bytes (gzip when `headers.gzip`) and
/// the hash of the bytes a reader gets after decoding them.
#[derive(Debug, Clone)]
pub struct Object {
    pub headers: Headers,
    pub stored: Bytes,
    /// SHA-256 of the decoded bytes: the manifest's `sha256` of the entry
    /// (equal to `headers.sha256` when the object is not gzip-encoded).
    pub plain_sha256: String,
}

/// Why there is nothing to send (404), or what went wrong at the origin (502).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Miss {
    NotFound(&'static str),
    Origin(String),
}

/// The live corte as last read.
#[derive(Debug)]
pub struct Live {
    pub pointer: Pointer,
    pub manifest: Arc<Manifest>,
}

#[derive(Default)]
struct LiveState {
    checked: Option<Instant>,
    pointer_bytes: Option<Bytes>,
    current: Option<Arc<Live>>,
}

pub struct Origin {
    target: Target,
    /// The folder of a `file://` store: what [`confined`] checks keys in.
    folder: Option<PathBuf>,
    pointer_ttl: Duration,
    keep_manifests: usize,
    live: tokio::sync::Mutex<LiveState>,
    /// Most recently used first.
    manifests: Mutex<Vec<(String, Arc<Manifest>)>>,
}

impl Origin {
    pub fn new(target: Target, pointer_ttl: Duration, keep_manifests: usize) -> Origin {
        let folder = match target.kind {
            Kind::Local => url::Url::parse(&target.url)
                .ok()
                .and_then(|u| u.to_file_path().ok()),
            _ => None,
        };
        Origin {
            folder,
            target,
            pointer_ttl,
            keep_manifests: keep_manifests.max(1),
            live: tokio::sync::Mutex::new(LiveState::default()),
            manifests: Mutex::new(Vec::new()),
        }
    }

    pub fn target(&self) -> &Target {
        &self.target
    }

    /// What to send for `key`.
    pub async fn object(&self, key: &str) -> Result<Object, Miss> {
        let cache = &self.target.cache;
        match layout::source_of(key).ok_or(Miss::NotFound("not a corte file"))? {
            Source::Document => {
                let stored = self
                    .read(key)
                    .await?
                    .ok_or(Miss::NotFound("not published"))?;
                let mut headers = headers_for(key, None, |_| None::<Manifest>, cache)
                    .ok_or(Miss::NotFound("no headers"))?;
                headers.sha256 = sha256_hex(&stored);
                Ok(Object {
                    plain_sha256: headers.sha256.clone(),
                    headers,
                    stored,
                })
            }
            Source::Corte { id, file } => {
                let manifest = self
                    .corte_manifest(id)
                    .await?
                    .ok_or(Miss::NotFound("no such corte (or it is incomplete)"))?;
                let entry = manifest
                    .files
                    .get(file)
                    .ok_or(Miss::NotFound("not in the corte's manifest"))?;
                let headers = headers_for(key, None, |_| Some(manifest.clone()), cache)
                    .ok_or(Miss::NotFound("not in the corte's manifest"))?;
                let stored = self.archived(entry, &headers).await?;
                Ok(Object {
                    plain_sha256: entry.sha256.clone(),
                    headers,
                    stored,
                })
            }
            Source::Object(name) => {
                let stored = self
                    .read(key)
                    .await?
                    .ok_or(Miss::NotFound("no such archive object"))?;
                let got = sha256_hex(&stored);
                if got != name.sha256 {
                    return Err(Miss::Origin(format!(
                        "{key} has SHA-256 {got}, not the one its name says"
                    )));
                }
                let plain_sha256 = if name.gzip {
                    let plain = crate::published::gzip::gunzip(&stored)
                        .map_err(|e| Miss::Origin(format!("{key} is not valid gzip: {e}")))?;
                    sha256_hex(&plain)
                } else {
                    got
                };
                Ok(Object {
                    plain_sha256,
                    headers: name.headers(cache),
                    stored,
                })
            }
            Source::Image { sha256, ext } => {
                let stored_key = crate::published::images::key(sha256, ext);
                let stored = self
                    .read(&stored_key)
                    .await?
                    .ok_or(Miss::NotFound("no such acta image"))?;
                let got = sha256_hex(&stored);
                if got != sha256 {
                    return Err(Miss::Origin(format!(
                        "{stored_key} has SHA-256 {got}, not the one its name says"
                    )));
                }
                Ok(Object {
                    plain_sha256: got,
                    headers: Headers::image(sha256, ext, cache),
                    stored,
                })
            }
            Source::Stable => {
                let live = self
                    .live()
                    .await?
                    .ok_or(Miss::NotFound("nothing is published yet"))?;
                let entry = live
                    .manifest
                    .files
                    .get(key)
                    .ok_or(Miss::NotFound("not in the live corte's manifest"))?;
                let headers = headers_for(key, Some(&live.manifest), |_| None::<Manifest>, cache)
                    .ok_or(Miss::NotFound("not in the live corte's manifest"))?;
                let stored = match self.read(key).await? {
                    Some(b) if sha256_hex(&b) == headers.sha256 => b,
                    other => {
                        tracing::warn!(
                            key,
                            corte = %live.pointer.corte,
                            "the stable tree {} the live corte's object (a publish in progress, or changed by hand); serving it from the archive",
                            if other.is_some() { "differs from" } else { "lacks" }
                        );
                        self.archived(entry, &headers).await?
                    }
                };
                Ok(Object {
                    plain_sha256: entry.sha256.clone(),
                    headers,
                    stored,
                })
            }
        }
    }

    /// The stored bytes of a manifest entry, from its archive object,
    /// checked against the entry.
    async fn archived(&self, entry: &FileEntry, headers: &Headers) -> Result<Bytes, Miss> {
        let object = objects::key_of(entry)
            .ok_or_else(|| Miss::Origin(format!("no archive name for {}", entry.content_type)))?;
        let stored = self
            .read(&object)
            .await?
            .ok_or_else(|| Miss::Origin(format!("{object} is missing from the archive")))?;
        let got = sha256_hex(&stored);
        if got != headers.sha256 {
            return Err(Miss::Origin(format!(
                "{object} has SHA-256 {got}, not the one its name says"
            )));
        }
        Ok(stored)
    }

    /// The live corte, re-reading the pointer when it is older than the TTL.
    pub async fn live(&self) -> Result<Option<Arc<Live>>, Miss> {
        let mut state = self.live.lock().await;
        if state
            .checked
            .is_some_and(|t| t.elapsed() < self.pointer_ttl)
        {
            return Ok(state.current.clone());
        }
        let Some(bytes) = self.read(layout::POINTER).await? else {
            state.current = None;
            state.pointer_bytes = None;
            state.checked = Some(Instant::now());
            return Ok(None);
        };
        if state.current.is_none() || state.pointer_bytes.as_ref() != Some(&bytes) {
            let pointer: Pointer = serde_json::from_slice(&bytes).map_err(|e| {
                Miss::Origin(format!("{} is not a corte pointer: {e}", layout::POINTER))
            })?;
            let same = state.current.as_ref().is_some_and(|c| {
                c.pointer.corte == pointer.corte
                    && c.pointer.manifest_sha256 == pointer.manifest_sha256
            });
            let manifest = match &state.current {
                Some(c) if same => c.manifest.clone(),
                _ => {
                    if let Some(root) = &self.folder {
                        confined(root, &layout::manifest_key(&pointer.corte))?;
                    }
                    let m = pointer::live_manifest(&self.target, &pointer)
                        .await
                        .map_err(|e| Miss::Origin(e.to_string()))?;
                    let m = Arc::new(m);
                    self.remember(&pointer.corte, m.clone());
                    tracing::info!(corte = %pointer.corte, seq = pointer.seq, "live corte");
                    m
                }
            };
            state.current = Some(Arc::new(Live { pointer, manifest }));
            state.pointer_bytes = Some(bytes);
        }
        state.checked = Some(Instant::now());
        Ok(state.current.clone())
    }

    /// A corte's manifest; `None` when the corte has none (never published,
    /// or incomplete: the manifest is written after its objects).
    async fn corte_manifest(&self, id: &str) -> Result<Option<Arc<Manifest>>, Miss> {
        if let Some(m) = self.recall(id) {
            return Ok(Some(m));
        }
        let key = layout::manifest_key(id);
        let Some(bytes) = self.read(&key).await? else {
            return Ok(None);
        };
        let m = Manifest::from_json(&bytes).map_err(|e| Miss::Origin(format!("{key}: {e}")))?;
        if m.corte.id != id {
            return Err(Miss::Origin(format!(
                "{key} is the manifest of corte {}",
                m.corte.id
            )));
        }
        let m = Arc::new(m);
        self.remember(id, m.clone());
        Ok(Some(m))
    }

    fn recall(&self, id: &str) -> Option<Arc<Manifest>> {
        let mut recent = self.manifests.lock().ok()?;
        let at = recent.iter().position(|(i, _)| i == id)?;
        let hit = recent.remove(at);
        let m = hit.1.clone();
        recent.insert(0, hit);
        Some(m)
    }

    fn remember(&self, id: &str, manifest: Arc<Manifest>) {
        if let Ok(mut recent) = self.manifests.lock() {
            recent.retain(|(i, _)| i != id);
            recent.insert(0, (id.to_string(), manifest));
            recent.truncate(self.keep_manifests);
        }
    }

    async fn read(&self, key: &str) -> Result<Option<Bytes>, Miss> {
        if let Some(root) = &self.folder {
            match confined(root, key) {
                Ok(()) => {}
                // Not there as far as a reader is concerned: a stable-tree
                // key is then served from the archive, as when it is missing.
                Err(Miss::NotFound(why)) => {
                    tracing::warn!(key, "{why}");
                    return Ok(None);
                }
                Err(e) => return Err(e),
            }
        }
        transfer::get(&self.target, key)
            .await
            .map(|got| got.map(|(b, _)| b))
            .map_err(|e| Miss::Origin(format!("reading {key}: {e}")))
    }
}

/// Refuses a key of a folder store that is not a regular file reached
/// without a symbolic link: publishing never makes links, so one is a hand
/// edit or an attack (a link to `/etc/passwd` named like a page), and is not
/// followed out of the store, nor inside it. A key that is not there passes
/// (the read says so). The folder itself may be reached through a link.
///
/// A link swapped in between this check and the read is not caught: the
/// check is for a folder someone tampered with, not one written while
/// serving by a process racing it.
fn confined(root: &Path, key: &str) -> Result<(), Miss> {
    let mut path = root.to_path_buf();
    let mut segments = key.split('/').peekable();
    while let Some(segment) = segments.next() {
        path.push(segment);
        let meta = match std::fs::symlink_metadata(&path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(Miss::Origin(format!("reading {key}: {e}"))),
        };
        let kind = meta.file_type();
        if kind.is_symlink() {
            return Err(Miss::NotFound(
                "a symbolic link in the store is not followed",
            ));
        }
        let last = segments.peek().is_none();
        if (last && !kind.is_file()) || (!last && !kind.is_dir()) {
            return Err(Miss::NotFound("not a regular file"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_and_special_files_in_a_folder_are_not_followed() {
        let dir = tempfile::tempdir().expect("a folder");
        let root = dir.path();
        std::fs::create_dir_all(root.join("gub/seccion")).expect("folders");
        std::fs::write(root.join("gub/seccion/1.html"), "p").expect("a page");
        std::fs::write(root.join("fuera.txt"), "secreto").expect("a file");
        std::os::unix::fs::symlink("/etc/passwd", root.join("gub/seccion/2.html")).expect("a link");
        std::os::unix::fs::symlink(root.join("gub"), root.join("otro")).expect("a folder link");
        assert_eq!(confined(root, "gub/seccion/1.html"), Ok(()));
        assert_eq!(
            confined(root, "gub/seccion/9.html"),
            Ok(()),
            "missing: the read says so"
        );
        assert!(matches!(
            confined(root, "gub/seccion/2.html"),
            Err(Miss::NotFound(_))
        ));
        assert!(matches!(
            confined(root, "otro/seccion/1.html"),
            Err(Miss::NotFound(_))
        ));
        assert!(matches!(
            confined(root, "gub/seccion"),
            Err(Miss::NotFound(_))
        ));
        assert!(matches!(
            confined(root, "fuera.txt/x"),
            Err(Miss::NotFound(_))
        ));
    }
}

//! The acta image folder: finding and checking the picture of each acta.
//!
//! Images do not travel inside snapshots (about 40,000 per corte in CDMX,
//! hundreds of KB each). They arrive continuously in an *image folder*, each
//! file named by the SHA-256 of its bytes (`<sha256>.jpg`), and each acta row
//! names its image by that hash in `CODIGO_INTEGRIDAD`. At each corte
//! [`ImageFolder::scan`] finds the images the snapshot's actas reference,
//! checks that every file's SHA-256 equals its name, and gives the
//! [`ImageSet`] the site links to and the publisher uploads, once, as the
//! immutable object `actas/<sha256>.<ext>` at the root of every target (the
//! key scheme and the set are `published::images`).
//!
//! A file whose bytes do not hash to its name is rejected (reported, never
//! linked, never published) and looked at again only when it changes, so a
//! file caught half-copied is taken once it is whole. An acta whose image
//! has not arrived shows "Imagen en proceso" and gets its link at a later
//! corte. Files nobody references yet are left alone: they may belong to
//! actas of a later corte.
//!
//! Verifying costs a read of every new file; the verdicts are kept per file
//! (size and modification time) so that each corte hashes only what is new.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::contract::Snapshot;
use crate::published::images::{EXTENSIONS, Image, ImageSet, Rejected, parse_name};

#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    #[error("image folder {}: {source}", path.display())]
    Folder {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the record of the images chosen for this corte, {}: {source}", path.display())]
    Record {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "an image this corte was rendered with before is no longer usable ({0}): the corte cannot be rendered the same again"
    )]
    Gone(Rejected),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Seen {
    size: u64,
    modified: Option<SystemTime>,
    verdict: Result<(), String>,
}

/// An image folder and what is known of its files.
#[derive(Debug)]
pub struct ImageFolder {
    dir: PathBuf,
    seen: Mutex<HashMap<String, Seen>>,
    /// Where the image set chosen for each corte is written down (see
    /// [`ImageFolder::for_corte`]).
    record: Option<PathBuf>,
}

/// The images chosen for a corte, as written in the record folder.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct Chosen {
    corte: String,
    images: Vec<String>,
}

impl ImageFolder {
    pub fn new(dir: impl Into<PathBuf>) -> ImageFolder {
        ImageFolder {
            dir: dir.into(),
            seen: Mutex::new(HashMap::new()),
            record: None,
        }
    }

    /// Keeps, in `record`, the file names of the images chosen for each
    /// corte, so that rendering the same corte again (a re-run after a crash,
    /// a retry for a failed target) links the very same images, whatever
    /// arrived since, and gives the very same manifest.
    pub fn recording(mut self, record: impl Into<PathBuf>) -> ImageFolder {
        self.record = Some(record.into());
        self
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// [`ImageFolder::scan`], or the set recorded for this corte when it was
    /// chosen before (each file verified again).
    pub fn for_corte(&self, snapshot: &Snapshot) -> Result<ImageSet, ImageError> {
        let Some(record) = &self.record else {
            return self.scan(snapshot);
        };
        let id = snapshot.corte.id();
        let path = record.join(format!("{id}.json"));
        let record_err = |source| ImageError::Record {
            path: path.clone(),
            source,
        };
        match std::fs::read(&path) {
            Ok(bytes) => {
                let chosen: Chosen = serde_json::from_slice(&bytes)
                    .map_err(|e| record_err(std::io::Error::other(e)))?;
                let checked: Vec<Result<Image, Rejected>> = chosen
                    .images
                    .par_iter()
                    .map(|name| match parse_name(name) {
                        Some((sha, _)) => self.check(sha, name),
                        None => Err(Rejected {
                            file: self.dir.join(name),
                            reason: "is not an image name".into(),
                        }),
                    })
                    .collect();
                let mut set = ImageSet::default();
                for r in checked {
                    match r {
                        Ok(i) => {
                            set.images.insert(i.sha256.clone(), i);
                        }
                        Err(r) => return Err(ImageError::Gone(r)),
                    }
                }
                set.pending = referenced(snapshot).len() - set.images.len();
                Ok(set)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let set = self.scan(snapshot)?;
                let chosen = Chosen {
                    corte: id.clone(),
                    images: set
                        .images
                        .values()
                        .map(|i| format!("{}.{}", i.sha256, i.ext))
                        .collect(),
                };
                std::fs::create_dir_all(record).map_err(record_err)?;
                let tmp = record.join(format!(".{id}.json.tmp"));
                let bytes = serde_json::to_vec(&chosen).map_err(std::io::Error::other);
                bytes
                    .and_then(|b| std::fs::write(&tmp, b))
                    .and_then(|()| std::fs::rename(&tmp, &path))
                    .map_err(record_err)?;
                Ok(set)
            }
            Err(e) => Err(record_err(e)),
        }
    }

    /// The images `snapshot`'s actas reference that are in the folder and
    /// whole. Deterministic for the same folder contents: when one hash is
    /// there under two extensions, the first in [`EXTENSIONS`] order wins.
    pub fn scan(&self, snapshot: &Snapshot) -> Result<ImageSet, ImageError> {
        let wanted = referenced(snapshot);
        let folder_err = |source| ImageError::Folder {
            path: self.dir.clone(),
            source,
        };
        let mut found: BTreeMap<String, (usize, String)> = BTreeMap::new();
        for entry in std::fs::read_dir(&self.dir).map_err(folder_err)? {
            let entry = entry.map_err(folder_err)?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            let Some((sha, ext)) = parse_name(name) else {
                continue;
            };
            if !wanted.contains(sha) {
                continue;
            }
            let rank = EXTENSIONS.iter().position(|e| *e == ext).unwrap_or(0);
            match found.get(sha) {
                Some((r, _)) if *r <= rank => {}
                _ => {
                    found.insert(sha.to_string(), (rank, name.to_string()));
                }
            }
        }
        let checked: Vec<(String, Result<Image, Rejected>)> = found
            .into_par_iter()
            .map(|(sha, (_, name))| {
                let r = self.check(&sha, &name);
                (sha, r)
            })
            .collect();
        let mut set = ImageSet::default();
        for (sha, r) in checked {
            match r {
                Ok(image) => {
                    set.images.insert(sha, image);
                }
                Err(rejected) => set.rejected.push(rejected),
            }
        }
        set.pending = wanted.len() - set.images.len();
        Ok(set)
    }

    /// Verifies one file, or reuses the verdict on it if it has not changed.
    fn check(&self, sha: &str, name: &str) -> Result<Image, Rejected> {
        let path = self.dir.join(name);
        let reject = |reason: String| Rejected {
            file: path.clone(),
            reason,
        };
        // The entry itself: a symlink (out of the folder, or to /dev/zero)
        // or a FIFO is refused, never followed or opened.
        let meta = std::fs::symlink_metadata(&path).map_err(|e| reject(e.to_string()))?;
        if !meta.file_type().is_file() {
            return Err(reject(format!(
                "is {}, not a regular file: only regular files in the image folder are published",
                super::limits::kind_of(&meta)
            )));
        }
        let (size, modified) = (meta.len(), meta.modified().ok());
        let image = || Image {
            sha256: sha.to_string(),
            ext: name.rsplit_once('.').map_or("", |(_, e)| e).to_string(),
            size,
            path: path.clone(),
        };
        let known = self
            .seen
            .lock()
            .ok()
            .and_then(|s| s.get(name).cloned())
            .filter(|s| s.size == size && s.modified == modified && modified.is_some());
        let verdict = match known {
            Some(s) => s.verdict,
            None => {
                let limit = super::limits::current().image_bytes;
                let verdict = match regular_file_sha256(&path, limit) {
                    Ok((got, n)) if got == sha && n == size => Ok(()),
                    Ok((got, _)) if got == sha => Err(
                        "changed while it was read (still being copied?): looked at again when it changes".to_string()
                    ),
                    Ok((got, _)) => Err(format!(
                        "its SHA-256 is {got}, not the one its name says: not published"
                    )),
                    Err(e) => Err(e),
                };
                if let Ok(mut s) = self.seen.lock() {
                    s.insert(
                        name.to_string(),
                        Seen {
                            size,
                            modified,
                            verdict: verdict.clone(),
                        },
                    );
                }
                verdict
            }
        };
        verdict.map(|()| image()).map_err(reject)
    }
}

/// Every image code the snapshot's actas name.
fn referenced(snapshot: &Snapshot) -> HashSet<&str> {
    snapshot
        .actas
        .iter()
        .flatten()
        .filter_map(|a| a.codigo_integridad.as_deref())
        .collect()
}

/// SHA-256 (lowercase hex) and size of a regular file of at most `limit`
/// bytes (`image_bytes`), read in blocks.
fn regular_file_sha256(path: &Path, limit: u64) -> Result<(String, u64), String> {
    let (f, _) = super::limits::open_regular(path).map_err(|e| e.to_string())?;
    let bounded = super::limits::Bounded::new(f, limit, "image_bytes");
    sha256_of(bounded).map_err(|e| format!("cannot be read: {e}"))
}

/// SHA-256 (lowercase hex) and size of what a reader gives, read in blocks.
fn sha256_of(mut f: impl Read) -> std::io::Result<(String, u64)> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut n = 0u64;
    loop {
        let k = f.read(&mut buf)?;
        if k == 0 {
            break;
        }
        hasher.update(&buf[..k]);
        n += k as u64;
    }
    Ok((hex::encode(hasher.finalize()), n))
}

//! A corte ready to go to a target: its manifest (bytes and hash), the
//! signature, and where each artifact's stored bytes come from — bodies a
//! render handed over (some artifacts, or all of them), the target's own
//! archive, or another target's (mirror, rollback).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;

use bytes::Bytes;

use super::error::{ErrorKind, PublishError, Step};
use super::sign;
use super::target::Target;
use super::transfer::{self, Body, Item};
use crate::published::Manifest;
use crate::published::layout;
use crate::published::manifest::stored_size;
use crate::published::{Action, Headers, Pointer, objects};
use crate::site::Build;

/// A signature and the key that made it.
#[derive(Clone)]
pub struct Signed {
    pub signature: Bytes,
    pub public_key_pem: Bytes,
    pub public_key_sha256: String,
}

#[derive(Clone)]
enum Bodies {
    /// Stored bytes of some of the corte's artifacts (by manifest key), and
    /// the image files its manifest lists (by image key). The others are
    /// read from the target's archive, where they must be already.
    Given {
        files: HashMap<String, Bytes>,
        images: HashMap<String, PathBuf>,
        /// A dry run: artifacts rendered whose bytes were dropped (see
        /// [`Corte::dropped`]). A dry publish counts their objects as to be
        /// put; it never reads them.
        dropped: HashSet<String>,
    },
    /// A corte complete on a target: every body from that target's archive.
    Stored(Target),
}

#[derive(Clone)]
pub struct Corte {
    pub id: String,
    pub seq: u32,
    pub manifest: Manifest,
    pub manifest_bytes: Bytes,
    pub manifest_sha256: String,
    pub signed: Option<Signed>,
    bodies: Bodies,
}

impl Corte {
    /// Takes a whole rendered build (keeping only the bytes that are stored:
    /// the gzip copy where there is one) and signs its manifest.
    pub fn from_build(build: Build, key: Option<&sign::PrivateKey>) -> Corte {
        let files = build
            .artifacts
            .into_iter()
            .map(|a| (a.key, Bytes::from(a.gzip.unwrap_or(a.bytes))))
            .collect();
        Corte::from_manifest(build.manifest, files, build.image_files, key)
    }

    /// A corte from its complete manifest, with the stored bytes of some of
    /// its artifacts (by manifest key: the gzip copy where the entry has
    /// one) and the image files it links (by image key). Every artifact
    /// without a body must already be in the target's archive (put there by
    /// [`super::objects::put_objects`], or by an earlier corte): a publish
    /// that finds one missing fails with `ErrorKind::Missing`, naming it.
    pub fn from_manifest(
        manifest: Manifest,
        bodies: HashMap<String, Bytes>,
        images: BTreeMap<String, PathBuf>,
        key: Option<&sign::PrivateKey>,
    ) -> Corte {
        let manifest_bytes = manifest.to_canonical_json();
        let signed = key.map(|k| signed_by(k, &manifest_bytes));
        Corte {
            id: manifest.corte.id.clone(),
            seq: manifest.corte.seq,
            manifest_sha256: crate::contract::sha256_hex(&manifest_bytes),
            manifest_bytes: Bytes::from(manifest_bytes),
            manifest,
            signed,
            bodies: Bodies::Given {
                files: bodies,
                images: images.into_iter().collect(),
                dropped: HashSet::new(),
            },
        }
    }

    /// For a dry run: the artifacts of `keys` (manifest keys) were rendered
    /// and their bytes dropped, so that a dry run's memory is that of the
    /// real path. A dry publish counts their objects as it would put them
    /// and never reads them; a real publish of this corte would look for
    /// them on the target and fail naming them, never write other bytes.
    pub fn dropped(mut self, keys: HashSet<String>) -> Corte {
        if let Bodies::Given { dropped, .. } = &mut self.bodies {
            *dropped = keys;
        }
        self
    }

    /// A corte already complete on `source` (its manifest is there); objects
    /// are read from its archive when needed and checked against the
    /// manifest. With `key`, the signature must verify; without, the key
    /// of `keys/` valid at the corte's sequence (`public-key.pem` on a
    /// store without `keys/`).
    pub async fn from_store(
        source: &Target,
        id: &str,
        key: Option<&sign::PublicKey>,
    ) -> Result<Corte, PublishError> {
        let step = Step::ReadManifest;
        let mkey = layout::manifest_key(id);
        let (bytes, _) = transfer::get(source, &mkey)
            .await
            .map_err(|e| source.store_err(step, &mkey, e))?
            .ok_or_else(|| {
                source
                    .err(
                        step,
                        ErrorKind::Invalid(
                            "is missing: the corte is not on this target, or incomplete".into(),
                        ),
                    )
                    .at(&mkey)
            })?;
        let manifest = Manifest::from_json(&bytes)
            .map_err(|m| source.err(step, ErrorKind::Integrity(m)).at(&mkey))?;
        if manifest.corte.id != id {
            return Err(source
                .err(
                    step,
                    ErrorKind::Integrity(format!("names corte {}, not {id}", manifest.corte.id)),
                )
                .at(&mkey));
        }
        let signed = read_signature(source, id, manifest.corte.seq, &bytes, key).await?;
        Ok(Corte {
            id: id.to_string(),
            seq: manifest.corte.seq,
            manifest_sha256: crate::contract::sha256_hex(&bytes),
            manifest,
            manifest_bytes: bytes,
            signed,
            bodies: Bodies::Stored(source.clone()),
        })
    }

    /// Whether the stored bytes of `key` were handed over with the corte
    /// (or can be read from another target's archive).
    pub fn has_body(&self, key: &str) -> bool {
        match &self.bodies {
            Bodies::Given { files, dropped, .. } => {
                files.contains_key(key) || dropped.contains(key)
            }
            Bodies::Stored(_) => self.manifest.files.contains_key(key),
        }
    }

    /// Where the stored bytes of `key` (a manifest key) come from when they
    /// are written to `on`: the body handed over, or else an archive object
    /// (`on`'s own, or the source target's), checked against its hash.
    pub fn body(&self, key: &str, on: &Target) -> Option<Body> {
        let object = objects::key_of(self.manifest.files.get(key)?)?;
        match &self.bodies {
            Bodies::Given { files, .. } => Some(match files.get(key) {
                Some(b) => Body::Ready(b.clone()),
                None => Body::Remote {
                    from: Box::new(on.clone()),
                    key: object,
                },
            }),
            Bodies::Stored(t) => Some(Body::Remote {
                from: Box::new(t.clone()),
                key: object,
            }),
        }
    }

    /// Where the bytes of the image `key` (`actas/<sha256>.<ext>`) come from.
    pub fn image_body(&self, key: &str) -> Option<Body> {
        match &self.bodies {
            Bodies::Given { images, .. } => images.get(key).cloned().map(Body::File),
            Bodies::Stored(t) => Some(Body::Remote {
                from: Box::new(t.clone()),
                key: key.to_string(),
            }),
        }
    }

    /// The images of this corte to put, for the keys chosen.
    pub fn image_items<'a>(
        &self,
        target: &Target,
        keys: impl Iterator<Item = &'a String>,
    ) -> Vec<Item> {
        keys.filter_map(|key| {
            let entry = self.manifest.images.get(key)?;
            let (sha256, ext) = crate::published::images::parse_key(key)?;
            Some(Item {
                key: key.clone(),
                headers: Headers::image(sha256, ext, &target.cache),
                size: entry.size,
                body: self.image_body(key)?,
                copy_from: None,
            })
        })
        .collect()
    }

    /// The archive objects of the keys chosen that have a body (handed over,
    /// or on a source target): one item per distinct object.
    pub fn object_items<'a>(
        &self,
        target: &Target,
        keys: impl Iterator<Item = &'a String>,
    ) -> Vec<Item> {
        let mut out: BTreeMap<String, Item> = BTreeMap::new();
        for key in keys.filter(|k| self.has_body(k)) {
            let Some(entry) = self.manifest.files.get(key) else {
                continue;
            };
            let Some(object) = objects::key_of(entry) else {
                continue;
            };
            let Some(name) = objects::parse_key(&object) else {
                continue;
            };
            let Some(body) = self.body(key, target) else {
                continue;
            };
            out.entry(object.clone()).or_insert(Item {
                key: object.clone(),
                headers: name.headers(&target.cache),
                size: stored_size(entry),
                body,
                copy_from: None,
            });
        }
        out.into_values().collect()
    }

    /// The stable-tree objects of the keys chosen, with the headers of the
    /// stable tree (the entry's cache class).
    pub fn stable_items<'a>(
        &self,
        target: &Target,
        keys: impl Iterator<Item = &'a String>,
    ) -> Vec<Item> {
        keys.filter_map(|key| {
            let entry = self.manifest.files.get(key)?;
            Some(Item {
                key: key.clone(),
                headers: Headers::for_entry(entry, false, &target.cache),
                size: stored_size(entry),
                body: self.body(key, target)?,
                copy_from: None,
            })
        })
        .collect()
    }

    /// The corte's datasets at `cortes/<id>/<key>`, each copied inside the
    /// target from its archive object (immutable both, same headers).
    pub fn dataset_items(&self, target: &Target) -> Vec<Item> {
        self.manifest
            .files
            .iter()
            .filter(|(k, _)| layout::is_dataset(k))
            .filter_map(|(key, entry)| {
                Some(Item {
                    key: layout::corte_key(&self.id, key),
                    headers: Headers::for_entry(entry, true, &target.cache),
                    size: stored_size(entry),
                    body: self.body(key, target)?,
                    copy_from: objects::key_of(entry),
                })
            })
            .collect()
    }

    /// The pointer that makes this corte live.
    pub fn pointer(&self, action: Action, previous: Option<String>) -> Pointer {
        Pointer {
            corte: self.id.clone(),
            seq: self.seq,
            timestamp: self.manifest.corte.timestamp.clone(),
            manifest: layout::manifest_key(&self.id),
            manifest_sha256: self.manifest_sha256.clone(),
            signature: self
                .signed
                .as_ref()
                .map(|_| layout::signature_key(&self.id)),
            public_key_sha256: self.signed.as_ref().map(|s| s.public_key_sha256.clone()),
            updated_at: super::pointer::now(),
            action,
            previous,
        }
    }

    /// Checks that every manifest entry has an archive name, and every body
    /// handed over belongs to an entry and has its stored size. Hashes are
    /// not recomputed here: every object is hashed where it is checked.
    pub fn check(&self) -> Result<(), String> {
        if let Some((key, e)) = self
            .manifest
            .files
            .iter()
            .find(|(_, e)| objects::key_of(e).is_none())
        {
            return Err(format!(
                "{key}: the archive has no name for content type {}",
                e.content_type
            ));
        }
        if let Bodies::Given { files, images, .. } = &self.bodies {
            for (key, entry) in &self.manifest.images {
                if crate::published::images::parse_key(key).map(|(sha, _)| sha)
                    != Some(entry.sha256.as_str())
                {
                    return Err(format!("{key}: an image's key must be its SHA-256"));
                }
                if !images.contains_key(key) {
                    return Err(format!(
                        "{key} is in the manifest but no image file is given"
                    ));
                }
            }
            for (key, body) in files {
                let entry = self
                    .manifest
                    .files
                    .get(key)
                    .ok_or_else(|| format!("{key} is given but not in the manifest"))?;
                if body.len() as u64 != stored_size(entry) {
                    return Err(format!("{key}: its size differs from the manifest's entry"));
                }
            }
        }
        Ok(())
    }
}

fn signed_by(key: &sign::PrivateKey, manifest: &[u8]) -> Signed {
    let public = key.verifying_key();
    Signed {
        signature: Bytes::from(sign::sign(key, manifest)),
        public_key_pem: Bytes::from(sign::public_pem(&public)),
        public_key_sha256: sign::fingerprint(&public),
    }
}

/// Reads and checks `manifest.json.sig` of a stored corte. Unsigned cortes
/// give None; a signature that does not verify is an error.
async fn read_signature(
    source: &Target,
    id: &str,
    seq: u32,
    manifest: &[u8],
    pinned: Option<&sign::PublicKey>,
) -> Result<Option<Signed>, PublishError> {
    let step = Step::ReadManifest;
    let skey = layout::signature_key(id);
    let Some((sig, _)) = transfer::get(source, &skey)
        .await
        .map_err(|e| source.store_err(step, &skey, e))?
    else {
        if pinned.is_some() {
            return Err(source
                .err(
                    step,
                    ErrorKind::Signature("is missing, and a public key was given".into()),
                )
                .at(&skey));
        }
        return Ok(None);
    };
    let public = match pinned {
        Some(k) => *k,
        // The key valid at the corte's sequence (keys/), so that a corte
        // signed before a rotation is read with the key that signed it.
        None => match super::keys::key_for(source, step, seq).await? {
            Ok((k, _)) => k,
            Err((object, what)) => {
                return Err(source.err(step, ErrorKind::Signature(what)).at(object));
            }
        },
    };
    sign::verify(&public, manifest, &sig)
        .map_err(|m| source.err(step, ErrorKind::Signature(m)).at(&skey))?;
    Ok(Some(Signed {
        signature: sig,
        public_key_pem: Bytes::from(sign::public_pem(&public)),
        public_key_sha256: sign::fingerprint(&public),
    }))
}

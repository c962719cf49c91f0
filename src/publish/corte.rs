//! A corte ready to go to a target: its manifest (bytes and hash), the
//! signature, and where each object's stored bytes come from — the rendered
//! [`Build`] in memory, or another target's corte tree (mirror, rollback).

use std::collections::HashMap;

use bytes::Bytes;

use super::error::{ErrorKind, PublishError, Step};
use super::sign;
use super::target::Target;
use super::transfer::{self, Body, Item};
use crate::published::Manifest;
use crate::published::layout;
use crate::published::manifest::stored_size;
use crate::published::{Action, Headers, Pointer};
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
    /// A render's artifacts (stored bytes by manifest key) and the image
    /// files its manifest lists (by image key).
    Built {
        files: HashMap<String, Bytes>,
        images: HashMap<String, std::path::PathBuf>,
    },
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
    /// Takes a rendered build (keeping only the bytes that are stored: the
    /// gzip copy where there is one) and signs its manifest.
    pub fn from_build(build: Build, key: Option<&sign::PrivateKey>) -> Corte {
        let signed = key.map(|k| signed_by(k, &build.manifest_bytes));
        let files = build
            .artifacts
            .into_iter()
            .map(|a| (a.key, Bytes::from(a.gzip.unwrap_or(a.bytes))))
            .collect();
        let images = build.image_files.into_iter().collect();
        Corte {
            id: build.corte_id,
            seq: build.manifest.corte.seq,
            manifest: build.manifest,
            manifest_bytes: Bytes::from(build.manifest_bytes),
            manifest_sha256: build.manifest_sha256,
            signed,
            bodies: Bodies::Built { files, images },
        }
    }

    /// A corte already complete on `source` (its manifest is there); objects
    /// are read from there when needed and checked against the manifest.
    /// With `key`, the signature must verify; without, the published
    /// `public-key.pem` is used when present.
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
        let signed = read_signature(source, id, &bytes, key).await?;
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

    /// Where the stored bytes of `key` (a manifest key) come from.
    pub fn body(&self, key: &str) -> Option<Body> {
        match &self.bodies {
            Bodies::Built { files, .. } => files.get(key).cloned().map(Body::Ready),
            Bodies::Stored(t) => Some(Body::Remote {
                from: Box::new(t.clone()),
                key: layout::corte_key(&self.id, key),
            }),
        }
    }

    /// Where the bytes of the image `key` (`actas/<sha256>.<ext>`) come from.
    pub fn image_body(&self, key: &str) -> Option<Body> {
        match &self.bodies {
            Bodies::Built { images, .. } => images.get(key).cloned().map(Body::File),
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

    /// The objects of this corte to put at `prefix` (`cortes/<id>/` or the
    /// root) with the headers of that place, for the keys chosen.
    pub fn items<'a>(
        &self,
        target: &Target,
        in_corte_tree: bool,
        keys: impl Iterator<Item = &'a String>,
    ) -> Vec<Item> {
        keys.filter_map(|key| {
            let entry = self.manifest.files.get(key)?;
            let dest = if in_corte_tree {
                layout::corte_key(&self.id, key)
            } else {
                key.clone()
            };
            Some(Item {
                key: dest,
                headers: Headers::for_entry(entry, in_corte_tree, &target.cache),
                size: stored_size(entry),
                body: self.body(key)?,
                copy_from: None,
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

    /// Checks that every manifest file has a body of its stored size (a
    /// render always does; this guards hand-made builds). Hashes are not
    /// recomputed here: every object is hashed where it is checked.
    pub fn check(&self) -> Result<(), String> {
        if let Bodies::Built { files: m, images } = &self.bodies {
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
            for (key, entry) in &self.manifest.files {
                let b = m
                    .get(key)
                    .ok_or_else(|| format!("{key} is in the manifest but not in the build"))?;
                if b.len() as u64 != stored_size(entry) {
                    return Err(format!("{key}: its size differs from the manifest's entry"));
                }
            }
            if m.len() != self.manifest.files.len() {
                return Err("the build has artifacts the manifest does not list".into());
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
        None => {
            let (pem, _) = transfer::get(source, layout::PUBLIC_KEY)
                .await
                .map_err(|e| source.store_err(step, layout::PUBLIC_KEY, e))?
                .ok_or_else(|| {
                    source
                        .err(
                            step,
                            ErrorKind::Signature(
                                "is missing: nothing to check the signature with".into(),
                            ),
                        )
                        .at(layout::PUBLIC_KEY)
                })?;
            sign::parse_public(&pem).map_err(|m| {
                source
                    .err(step, ErrorKind::Signature(m))
                    .at(layout::PUBLIC_KEY)
            })?
        }
    };
    sign::verify(&public, manifest, &sig)
        .map_err(|m| source.err(step, ErrorKind::Signature(m)).at(&skey))?;
    Ok(Some(Signed {
        signature: sig,
        public_key_pem: Bytes::from(sign::public_pem(&public)),
        public_key_sha256: sign::fingerprint(&public),
    }))
}

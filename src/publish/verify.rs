//! `corte verify`: every object of a corte against its manifest, the
//! manifest against the pointer, and the signature against the public key.
//! Integrity problems are collected (each naming its object) rather than
//! stopping at the first; only a failure to read the store is an error.

use futures::StreamExt;

use super::error::{PublishError, Step};
use super::pointer;
use super::progress::Progress;
use super::sign;
use super::target::Target;
use super::transfer;
use crate::published::layout;
use crate::published::manifest::{stored_sha256, stored_size};
use crate::published::{FileEntry, Manifest};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The key under the target's root.
    pub object: String,
    pub what: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signature {
    /// Verified with the key of this fingerprint; `pinned` when the caller
    /// gave the key rather than trusting the target's `public-key.pem`.
    Valid {
        key_sha256: String,
        pinned: bool,
    },
    Unsigned,
    Invalid,
}

#[derive(Debug, Clone)]
pub struct VerifyReport {
    pub target: String,
    pub corte: String,
    /// Whether the corte checked is the one the pointer names.
    pub live: bool,
    pub objects: u64,
    pub bytes: u64,
    pub signature: Signature,
    pub problems: Vec<Problem>,
}

impl VerifyReport {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Verifies `corte` (default: the live one).
pub async fn verify(
    target: &Target,
    corte: Option<&str>,
    key: Option<&sign::PublicKey>,
    progress: &dyn Progress,
) -> Result<VerifyReport, PublishError> {
    let live = pointer::read(target).await?.map(|(p, _)| p);
    let id = match (corte, &live) {
        (Some(c), _) => c.to_string(),
        (None, Some(p)) => p.corte.clone(),
        (None, None) => {
            return Err(target.err(
                Step::ReadPointer,
                super::ErrorKind::Invalid(
                    "nothing is published here: there is no latest.json (give --corte ID)".into(),
                ),
            ));
        }
    };
    let pointed = live.as_ref().filter(|p| p.corte == id);
    let mut report = VerifyReport {
        target: target.name.clone(),
        corte: id.clone(),
        live: pointed.is_some(),
        objects: 0,
        bytes: 0,
        signature: Signature::Unsigned,
        problems: Vec::new(),
    };
    let mut problem = |object: String, what: String| report.problems.push(Problem { object, what });
    let mkey = layout::manifest_key(&id);
    let Some((bytes, _)) = transfer::get(target, &mkey)
        .await
        .map_err(|e| target.store_err(Step::Verify, &mkey, e))?
    else {
        problem(mkey, "is missing: the corte is not complete".into());
        return Ok(report);
    };
    let sha = crate::contract::sha256_hex(&bytes);
    if let Some(p) = pointed
        && p.manifest_sha256 != sha
    {
        problem(
            mkey.clone(),
            format!(
                "has SHA-256 {sha}, the pointer (latest.json) says {}",
                p.manifest_sha256
            ),
        );
    }
    let (signature, sig_problems) = check_signature(target, &id, &bytes, key, pointed).await?;
    report.signature = signature;
    report.problems.extend(sig_problems);
    let manifest = match Manifest::from_json(&bytes) {
        Ok(m) => m,
        Err(m) => {
            report.problems.push(Problem {
                object: mkey,
                what: m,
            });
            return Ok(report);
        }
    };
    let (objects, bytes_read, problems) = check_objects(target, &id, &manifest, progress).await?;
    report.objects = objects;
    report.bytes = bytes_read;
    report.problems.extend(problems);
    let (objects, bytes_read, problems) = check_images(target, &manifest, progress).await?;
    report.objects += objects;
    report.bytes += bytes_read;
    report.problems.extend(problems);
    report.problems.sort_by(|a, b| a.object.cmp(&b.object));
    Ok(report)
}

async fn check_signature(
    target: &Target,
    id: &str,
    manifest: &[u8],
    pinned: Option<&sign::PublicKey>,
    pointer: Option<&crate::published::Pointer>,
) -> Result<(Signature, Vec<Problem>), PublishError> {
    let mkey = layout::manifest_key(id);
    let skey = layout::signature_key(id);
    let mut problems = Vec::new();
    let sig = transfer::get(target, &skey)
        .await
        .map_err(|e| target.store_err(Step::Verify, &skey, e))?;
    let Some((sig, _)) = sig else {
        if pinned.is_some() || pointer.is_some_and(|p| p.signature.is_some()) {
            problems.push(Problem {
                object: skey,
                what: "is missing".into(),
            });
            return Ok((Signature::Invalid, problems));
        }
        return Ok((Signature::Unsigned, problems));
    };
    let key = match pinned {
        Some(k) => *k,
        None => {
            let pem = transfer::get(target, layout::PUBLIC_KEY)
                .await
                .map_err(|e| target.store_err(Step::Verify, layout::PUBLIC_KEY, e))?;
            match pem.map(|(b, _)| sign::parse_public(&b)) {
                Some(Ok(k)) => k,
                Some(Err(m)) => {
                    problems.push(Problem {
                        object: layout::PUBLIC_KEY.into(),
                        what: m,
                    });
                    return Ok((Signature::Invalid, problems));
                }
                None => {
                    problems.push(Problem {
                        object: layout::PUBLIC_KEY.into(),
                        what: "is missing: nothing to check the signature with (give --key)".into(),
                    });
                    return Ok((Signature::Invalid, problems));
                }
            }
        }
    };
    if sign::verify(&key, manifest, &sig).is_err() {
        problems.push(Problem {
            object: mkey,
            what: format!(
                "does not match its signature ({}) under the key {}: the manifest or its signature was changed",
                layout::SIGNATURE,
                sign::fingerprint(&key)
            ),
        });
        return Ok((Signature::Invalid, problems));
    }
    let fingerprint = sign::fingerprint(&key);
    if let Some(p) = pointer
        && let Some(want) = &p.public_key_sha256
        && *want != fingerprint
    {
        problems.push(Problem {
            object: layout::POINTER.into(),
            what: format!(
                "names signing key {want}, but the manifest verifies under {fingerprint}"
            ),
        });
    }
    Ok((
        Signature::Valid {
            key_sha256: fingerprint,
            pinned: pinned.is_some(),
        },
        problems,
    ))
}

/// Reads every object of the corte tree and checks its bytes; also reports
/// objects in the tree that the manifest does not list.
pub(crate) async fn check_objects(
    target: &Target,
    id: &str,
    manifest: &Manifest,
    progress: &dyn Progress,
) -> Result<(u64, u64, Vec<Problem>), PublishError> {
    let prefix = layout::corte_prefix(id);
    let listed = transfer::list(target, &prefix)
        .await
        .map_err(|e| target.store_err(Step::Verify, &prefix, e))?;
    let mut problems = Vec::new();
    let own = [layout::manifest_key(id), layout::signature_key(id)];
    for key in listed.keys() {
        let rel = key.strip_prefix(&format!("{prefix}/")).unwrap_or(key);
        if !manifest.files.contains_key(rel) && !own.contains(key) {
            problems.push(Problem {
                object: key.clone(),
                what: "is in the corte tree but not in its manifest".into(),
            });
        }
    }
    let total: u64 = manifest.files.values().map(stored_size).sum();
    progress.begin(
        &target.name,
        Step::Verify,
        manifest.files.len() as u64,
        total,
    );
    let checks = futures::stream::iter(&manifest.files)
        .map(|(key, entry)| {
            let full = layout::corte_key(id, key);
            let present = listed.contains_key(&full);
            async move {
                if !present {
                    return Ok((
                        0,
                        Some(Problem {
                            object: full,
                            what: "is missing: the corte tree is not complete".into(),
                        }),
                    ));
                }
                read_and_check(target, full, entry, progress).await
            }
        })
        .buffer_unordered(target.policy.concurrency);
    let (bytes, found) = gather(checks.collect().await)?;
    problems.extend(found);
    Ok((manifest.files.len() as u64, bytes, problems))
}

/// Reads every acta image the manifest lists (`actas/<sha256>.<ext>`) and
/// checks that its bytes hash to its name and entry.
async fn check_images(
    target: &Target,
    manifest: &Manifest,
    progress: &dyn Progress,
) -> Result<(u64, u64, Vec<Problem>), PublishError> {
    if manifest.images.is_empty() {
        return Ok((0, 0, Vec::new()));
    }
    let total: u64 = manifest.images.values().map(|e| e.size).sum();
    progress.begin(
        &target.name,
        Step::Verify,
        manifest.images.len() as u64,
        total,
    );
    let checks = futures::stream::iter(&manifest.images)
        .map(|(key, entry)| async move {
            let named = crate::published::images::parse_key(key).map(|(sha, _)| sha);
            if named != Some(entry.sha256.as_str()) {
                return Ok((
                    0,
                    Some(Problem {
                        object: key.clone(),
                        what: format!(
                            "is listed with SHA-256 {}, but an image's name must be its SHA-256",
                            entry.sha256
                        ),
                    }),
                ));
            }
            read_and_check(target, key.clone(), entry, progress).await
        })
        .buffer_unordered(target.policy.concurrency);
    let (bytes, problems) = gather(checks.collect().await)?;
    Ok((manifest.images.len() as u64, bytes, problems))
}

/// Reads the object `key` and checks its stored bytes against `entry`:
/// the bytes read, and what is wrong, if anything.
async fn read_and_check(
    target: &Target,
    key: String,
    entry: &FileEntry,
    progress: &dyn Progress,
) -> Result<(u64, Option<Problem>), PublishError> {
    let got = transfer::get(target, &key)
        .await
        .map_err(|e| target.store_err(Step::Verify, &key, e))?;
    let Some((bytes, _)) = got else {
        return Ok((
            0,
            Some(Problem {
                object: key,
                what: "is missing".into(),
            }),
        ));
    };
    let n = bytes.len() as u64;
    progress.advance(&target.name, n, true);
    let problem = check_bytes(entry, &bytes).map(|what| Problem { object: key, what });
    Ok((n, problem))
}

/// The bytes read and the problems found by many [`read_and_check`]s; the
/// first failure to read the store is the error.
fn gather(
    results: Vec<Result<(u64, Option<Problem>), PublishError>>,
) -> Result<(u64, Vec<Problem>), PublishError> {
    let (mut bytes, mut problems) = (0, Vec::new());
    for r in results {
        let (n, p) = r?;
        bytes += n;
        problems.extend(p);
    }
    Ok((bytes, problems))
}

/// What is wrong with an object's stored bytes, if anything.
pub fn check_bytes(entry: &FileEntry, stored: &[u8]) -> Option<String> {
    let sha = crate::contract::sha256_hex(stored);
    if sha != stored_sha256(entry) {
        return Some(format!(
            "has SHA-256 {sha}, the manifest says {}",
            stored_sha256(entry)
        ));
    }
    if entry.gzip.is_some() {
        match crate::published::gzip::gunzip(stored) {
            Ok(plain) if crate::contract::sha256_hex(&plain) == entry.sha256 => {}
            Ok(_) => return Some("decompresses to bytes the manifest does not list".into()),
            Err(e) => return Some(format!("is not valid gzip: {e}")),
        }
    }
    None
}

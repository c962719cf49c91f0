//! `corte verify`: the pointer against its manifest and the history, the
//! signature against the key valid at the corte's sequence (`keys/`), and
//! the objects against the manifest — for the live corte, every key of the
//! stable tree (and nothing else there); for any corte (`--corte`,
//! `--all`), every archive object its manifest lists, its datasets under
//! `cortes/<id>/datos/`, and its change list against the manifests.
//!
//! A problem is anything a script must not trust: a pointer whose fields
//! do not match its manifest, a pointer behind the history without a
//! recorded rollback (a silent rollback), an unsigned corte on a store
//! whose earlier cortes were signed (unless allowed), a signature that
//! does not verify, an object whose bytes differ. Objects are streamed and
//! hashed as they arrive, a bounded number at a time; `quick` reads only
//! the documents. Problems are collected (each naming its object) rather
//! than stopping at the first; only a failure to read the store is an
//! error.

use std::collections::{BTreeMap, BTreeSet};

use futures::StreamExt;
use object_store::ObjectStoreExt;
use sha2::{Digest, Sha256};

use super::error::{PublishError, Step};
use super::keys;
use super::pointer;
use super::progress::Progress;
use super::sign;
use super::target::Target;
use super::transfer;
use crate::published::layout;
use crate::published::manifest::{stored_sha256, stored_size};
use crate::published::{Action, Cambios, CorteIndex, FileEntry, Manifest, Pointer, objects};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The key under the target's root.
    pub object: String,
    pub what: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signature {
    /// Verified with the key of this fingerprint; `pinned` when the caller
    /// gave the key rather than trusting the target's own (`from`: the
    /// object it was read from, `keys/<fp>.pem` or `public-key.pem`).
    Valid {
        key_sha256: String,
        pinned: bool,
        from: String,
    },
    Unsigned,
    Invalid,
}

/// What a verification read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The live corte at the stable URLs, and its folder `cortes/<id>/`.
    StableTree,
    /// A corte through its manifest: the archive, its datasets, its change list.
    Archive,
}

#[derive(Debug, Clone)]
pub struct VerifyReport {
    pub target: String,
    pub corte: String,
    pub scope: Scope,
    /// Whether the corte checked is the one the pointer names.
    pub live: bool,
    pub objects: u64,
    pub bytes: u64,
    pub signature: Signature,
    /// Only the documents were read (`quick`): no object was hashed.
    pub quick: bool,
    pub problems: Vec<Problem>,
}

/// What a verification accepts and reads.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct VerifyOptions {
    /// Read the documents only (pointer, history, keys, manifest,
    /// signature), not the objects.
    pub quick: bool,
    /// An unsigned corte on a store whose earlier cortes were signed is
    /// not a problem.
    pub allow_unsigned: bool,
}

impl VerifyReport {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Verifies the live corte at the stable URLs (`corte` None), or `corte`
/// through its manifest and the archive.
pub async fn verify(
    target: &Target,
    corte: Option<&str>,
    key: Option<&sign::PublicKey>,
    progress: &dyn Progress,
) -> Result<VerifyReport, PublishError> {
    verify_opts(target, corte, key, VerifyOptions::default(), progress).await
}

/// [`verify`], with options.
pub async fn verify_opts(
    target: &Target,
    corte: Option<&str>,
    key: Option<&sign::PublicKey>,
    opts: VerifyOptions,
    progress: &dyn Progress,
) -> Result<VerifyReport, PublishError> {
    let mut seen = Seen::default();
    verify_with(target, corte, key, opts, progress, &mut seen).await
}

/// Verifies every corte of the history (and the live one) through its
/// manifest, reading each archive object once however many cortes list it;
/// then the live corte at the stable URLs, which is what readers load.
pub async fn verify_all(
    target: &Target,
    key: Option<&sign::PublicKey>,
    progress: &dyn Progress,
) -> Result<Vec<VerifyReport>, PublishError> {
    verify_all_opts(target, key, VerifyOptions::default(), progress).await
}

/// [`verify_all`], with options.
pub async fn verify_all_opts(
    target: &Target,
    key: Option<&sign::PublicKey>,
    opts: VerifyOptions,
    progress: &dyn Progress,
) -> Result<Vec<VerifyReport>, PublishError> {
    let (ix, _) = pointer::read_index(target).await?;
    let mut ids: Vec<(u32, String)> = ix.cortes.iter().map(|c| (c.seq, c.id.clone())).collect();
    if let Some((p, _)) = pointer::read(target).await?
        && !ids.iter().any(|(_, id)| *id == p.corte)
    {
        ids.push((p.seq, p.corte));
    }
    ids.sort();
    let mut seen = Seen::default();
    let mut out = Vec::new();
    for (_, id) in ids {
        out.push(verify_with(target, Some(&id), key, opts, progress, &mut seen).await?);
    }
    if pointer::read(target).await?.is_some() {
        out.push(verify_with(target, None, key, opts, progress, &mut seen).await?);
    }
    Ok(out)
}

/// Archive objects already read in this run, with what was wrong (if anything).
#[derive(Default)]
struct Seen(BTreeMap<String, bool>);

async fn verify_with(
    target: &Target,
    corte: Option<&str>,
    key: Option<&sign::PublicKey>,
    opts: VerifyOptions,
    progress: &dyn Progress,
    seen: &mut Seen,
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
        scope: if corte.is_some() {
            Scope::Archive
        } else {
            Scope::StableTree
        },
        live: pointed.is_some(),
        objects: 0,
        bytes: 0,
        signature: Signature::Unsigned,
        quick: opts.quick,
        problems: Vec::new(),
    };
    if let Some(p) = pointed {
        report.problems.extend(check_history(target, p).await?);
    }
    let mkey = layout::manifest_key(&id);
    let Some((bytes, _)) = transfer::get(target, &mkey)
        .await
        .map_err(|e| target.store_err(Step::Verify, &mkey, e))?
    else {
        report.problems.push(Problem {
            object: mkey,
            what: "is missing: the corte is not complete".into(),
        });
        report.problems.sort_by(|a, b| a.object.cmp(&b.object));
        return Ok(report);
    };
    let sha = crate::contract::sha256_hex(&bytes);
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
    if let Some(p) = pointed {
        report
            .problems
            .extend(check_pointer(target, p, &sha, &manifest).await?);
    }
    let (signature, sig_problems) =
        check_signature(target, &manifest, &bytes, key, pointed, opts).await?;
    report.signature = signature;
    report.problems.extend(sig_problems);
    if opts.quick {
        report.problems.sort_by(|a, b| a.object.cmp(&b.object));
        return Ok(report);
    }
    // The corte's own folder (datasets at their per-corte names, change
    // list) is public in both scopes: difusores download from there.
    let mut checks = match report.scope {
        Scope::StableTree => check_stable_tree(target, &manifest, progress).await?,
        Scope::Archive => check_archive(target, &manifest, progress, seen).await?,
    };
    checks.add(check_corte_folder(target, &manifest, progress).await?);
    report.objects = checks.objects;
    report.bytes = checks.bytes;
    report.problems.extend(checks.problems);
    let (objects, bytes_read, problems) = check_images(target, &manifest, progress).await?;
    report.objects += objects;
    report.bytes += bytes_read;
    report.problems.extend(problems);
    report.problems.sort_by(|a, b| a.object.cmp(&b.object));
    Ok(report)
}

/// The pointer's fields against the manifest it names: every field the
/// pointer repeats must be the manifest's (or the signature's), and its
/// times must be times.
async fn check_pointer(
    target: &Target,
    p: &Pointer,
    sha: &str,
    manifest: &Manifest,
) -> Result<Vec<Problem>, PublishError> {
    let mut out = Vec::new();
    let id = &p.corte;
    let mkey = layout::manifest_key(id);
    if p.manifest_sha256 != sha {
        // The manifest or the pointer changed: named as the manifest.
        out.push(Problem {
            object: mkey.clone(),
            what: format!(
                "has SHA-256 {sha}, the pointer (latest.json) says {}",
                p.manifest_sha256
            ),
        });
    }
    let mut problem = |what: String| {
        out.push(Problem {
            object: layout::POINTER.into(),
            what,
        })
    };
    if p.manifest != mkey {
        problem(format!(
            "field manifest is {:?}, but corte {id}'s manifest is {mkey}",
            p.manifest
        ));
    }
    let c = &manifest.corte;
    if c.id != *id {
        problem(format!(
            "field corte is {id:?}, but its manifest is of corte {}",
            c.id
        ));
    }
    if c.seq != p.seq {
        problem(format!(
            "field seq is {}, but the manifest of corte {id} says {}",
            p.seq, c.seq
        ));
    }
    if c.timestamp != p.timestamp {
        problem(format!(
            "field timestamp is {:?}, but the manifest of corte {id} says {:?}",
            p.timestamp, c.timestamp
        ));
    }
    if chrono::DateTime::parse_from_rfc3339(&p.updated_at).is_err() {
        problem(format!(
            "field updated_at is {:?}, not an RFC 3339 time",
            p.updated_at
        ));
    }
    let skey = layout::signature_key(id);
    let signed = exists(target, &skey).await?;
    match (&p.signature, signed) {
        (Some(s), true) if *s == skey => {}
        (Some(s), _) if *s != skey => problem(format!(
            "field signature is {s:?}, but corte {id}'s signature is {skey}"
        )),
        (Some(_), _) => {} // missing: reported with the signature
        (None, true) => problem(format!(
            "says the corte is unsigned (no field signature), but {skey} is there"
        )),
        (None, false) => {}
    }
    if p.signature.is_none() && p.public_key_sha256.is_some() {
        problem("names a signing key (public_key_sha256) but no signature".into());
    }
    if let Some(prev) = &p.previous {
        if prev == id {
            problem(format!("field previous is the live corte itself ({prev})"));
        } else if !exists(target, &layout::manifest_key(prev)).await? {
            problem(format!(
                "field previous is {prev:?}, a corte whose manifest is not here"
            ));
        }
    }
    Ok(out)
}

/// The pointer against the history (`cortes/index.json`): its last move
/// must be the move to the live corte (or the history is behind, a crash
/// between the pointer and the history, when the pointer is ahead of it),
/// and no recorded publish moved the pointer backwards. A pointer behind
/// the history's last move without a recorded rollback is a silent
/// rollback.
async fn check_history(target: &Target, p: &Pointer) -> Result<Vec<Problem>, PublishError> {
    let (ix, _) = pointer::read_index(target).await?;
    Ok(history_problems(&ix, p))
}

fn history_problems(ix: &CorteIndex, p: &Pointer) -> Vec<Problem> {
    let mut out = Vec::new();
    let mut current: Option<(&str, u32)> = None;
    for e in &ix.events {
        if e.action == Action::Publish
            && let Some((c, seq)) = current
            && e.seq <= seq
            && e.corte != c
        {
            out.push(Problem {
                object: layout::INDEX.into(),
                what: format!(
                    "records a publish of corte {} (seq {}) at {} over corte {c} (seq {seq}): a publish never moves the pointer back",
                    e.corte, e.seq, e.at
                ),
            });
        }
        current = Some((&e.corte, e.seq));
    }
    let Some(last) = ix.events.last() else {
        return out;
    };
    let pointer_problem = |what: String| Problem {
        object: layout::POINTER.into(),
        what,
    };
    if last.corte == p.corte {
        if last.manifest_sha256 != p.manifest_sha256 {
            out.push(pointer_problem(format!(
                "names corte {} with manifest SHA-256 {}, but the history recorded {} when it went live",
                p.corte, p.manifest_sha256, last.manifest_sha256
            )));
        }
        if last.action != p.action {
            out.push(pointer_problem(format!(
                "says its move was a {:?}, but the history recorded a {:?}",
                p.action, last.action
            )));
        }
    } else if p.seq <= last.seq {
        let rollbacks = ix
            .events
            .iter()
            .filter(|e| e.action == Action::Rollback && e.corte == p.corte)
            .count();
        out.push(pointer_problem(format!(
            "names corte {} (seq {}), but the history (cortes/index.json) last moved the pointer to corte {} (seq {}) at {}{}: a silent rollback, or a pointer edited by hand",
            p.corte,
            p.seq,
            last.corte,
            last.seq,
            last.at,
            if rollbacks == 0 {
                format!(", and records no rollback to {}", p.corte)
            } else {
                String::new()
            }
        )));
    } else if let Some(was) = ix.events.iter().rev().find(|e| e.corte == p.corte) {
        // Ahead of the history's last move, yet a corte the history moved
        // the pointer away from (a rolled-back corte): an old pointer put
        // back, not a publish the history has yet to record (that corte
        // would have no move at all).
        out.push(pointer_problem(format!(
            "names corte {} (seq {}), which the history (cortes/index.json) moved the pointer to at {} and away from since: its last move is to corte {} (seq {}) at {}; an old pointer put back, or a pointer edited by hand",
            p.corte, p.seq, was.at, last.corte, last.seq, last.at
        )));
    }
    out
}

/// Whether `key` is on the target (a HEAD, retried).
async fn exists(target: &Target, key: &str) -> Result<bool, PublishError> {
    let location = transfer::path(key);
    match transfer::retry(&target.policy, key, || target.store.head(&location)).await {
        Ok(_) => Ok(true),
        Err(object_store::Error::NotFound { .. }) => Ok(false),
        Err(e) => Err(target.store_err(Step::Verify, key, e)),
    }
}

/// What a group of checks read and found.
#[derive(Default)]
struct Checks {
    objects: u64,
    bytes: u64,
    problems: Vec<Problem>,
}

impl Checks {
    fn add(&mut self, other: Checks) {
        self.objects += other.objects;
        self.bytes += other.bytes;
        self.problems.extend(other.problems);
    }
}

async fn check_signature(
    target: &Target,
    manifest: &Manifest,
    manifest_bytes: &[u8],
    pinned: Option<&sign::PublicKey>,
    pointer: Option<&Pointer>,
    opts: VerifyOptions,
) -> Result<(Signature, Vec<Problem>), PublishError> {
    let id = &manifest.corte.id;
    let seq = manifest.corte.seq;
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
        if !opts.allow_unsigned
            && let Some(why) = signed_before(target, seq).await?
        {
            problems.push(Problem {
                object: skey,
                what: format!(
                    "is missing: corte {id} (seq {seq}) is unsigned, but {why}; an unsigned corte here is refused unless --allow-unsigned"
                ),
            });
        }
        return Ok((Signature::Unsigned, problems));
    };
    let (key, from) = match pinned {
        Some(k) => (*k, String::new()),
        None => match keys::key_for(target, Step::Verify, seq).await? {
            Ok(found) => found,
            Err((object, what)) => {
                problems.push(Problem { object, what });
                return Ok((Signature::Invalid, problems));
            }
        },
    };
    let fingerprint = sign::fingerprint(&key);
    if sign::verify(&key, manifest_bytes, &sig).is_err() {
        let under = if from.is_empty() {
            format!("the pinned key {fingerprint}")
        } else {
            format!("the key valid at seq {seq} ({from}, {fingerprint})")
        };
        problems.push(Problem {
            object: mkey,
            what: format!(
                "does not match its signature ({}) under {under}: the manifest or its signature was changed",
                layout::SIGNATURE,
            ),
        });
        return Ok((Signature::Invalid, problems));
    }
    if let Some(p) = pointer {
        match &p.public_key_sha256 {
            Some(want) if *want != fingerprint => problems.push(Problem {
                object: layout::POINTER.into(),
                what: format!(
                    "names signing key {want}, but the manifest verifies under {fingerprint}"
                ),
            }),
            Some(_) => {}
            None => problems.push(Problem {
                object: layout::POINTER.into(),
                what: format!(
                    "names no signing key (public_key_sha256), but the manifest is signed by {fingerprint}"
                ),
            }),
        }
        // public-key.pem is the key of the live corte, for those who check
        // with openssl.
        let pem = transfer::get(target, layout::PUBLIC_KEY)
            .await
            .map_err(|e| target.store_err(Step::Verify, layout::PUBLIC_KEY, e))?;
        let published = pem.map(|(b, _)| sign::parse_public(&b).map(|k| sign::fingerprint(&k)));
        match published {
            Some(Ok(fp)) if fp == fingerprint => {}
            Some(Ok(fp)) => problems.push(Problem {
                object: layout::PUBLIC_KEY.into(),
                what: format!("is the key {fp}, but the live corte is signed by {fingerprint}"),
            }),
            Some(Err(m)) => problems.push(Problem {
                object: layout::PUBLIC_KEY.into(),
                what: m,
            }),
            None => problems.push(Problem {
                object: layout::PUBLIC_KEY.into(),
                what: format!("is missing, yet the live corte is signed by {fingerprint}"),
            }),
        }
    }
    Ok((
        Signature::Valid {
            key_sha256: fingerprint,
            pinned: pinned.is_some(),
            from,
        },
        problems,
    ))
}

/// Why corte `seq` must be signed, if it must: `keys/index.json` names a
/// key valid at its sequence, or the corte before it in the history is
/// signed. None when the store's cortes up to it were unsigned.
async fn signed_before(target: &Target, seq: u32) -> Result<Option<String>, PublishError> {
    match keys::read(target, Step::Verify).await {
        Ok(Some((ix, _))) => {
            if let Some(k) = ix.for_seq(seq) {
                return Ok(Some(format!(
                    "{} names the key {} for cortes from seq {}",
                    keys::INDEX,
                    k.fingerprint,
                    k.from_seq
                )));
            }
        }
        Ok(None) => {}
        // A damaged key index is no proof of an unsigned store.
        Err(e) if matches!(*e.kind, super::ErrorKind::Integrity(_)) => {
            return Ok(Some(format!("{} is damaged ({})", keys::INDEX, e.kind)));
        }
        Err(e) => return Err(e),
    }
    let (ix, _) = pointer::read_index(target).await?;
    let before = ix
        .cortes
        .iter()
        .filter(|c| c.seq < seq)
        .max_by_key(|c| c.seq);
    if let Some(c) = before
        && exists(target, &layout::signature_key(&c.id)).await?
    {
        return Ok(Some(format!(
            "the corte before it, {} (seq {}), is signed",
            c.id, c.seq
        )));
    }
    Ok(None)
}

/// Reads every archive object of `manifest` and checks its bytes against
/// the entry that names it: the objects read, the bytes, and the problems.
/// Used by rollback before anything is written.
pub(crate) async fn check_objects(
    target: &Target,
    manifest: &Manifest,
    progress: &dyn Progress,
) -> Result<(u64, u64, Vec<Problem>), PublishError> {
    let c = check_archive(target, manifest, progress, &mut Seen::default()).await?;
    Ok((c.objects, c.bytes, c.problems))
}

/// Every archive object the manifest lists, read and checked once per run.
async fn check_archive(
    target: &Target,
    manifest: &Manifest,
    progress: &dyn Progress,
    seen: &mut Seen,
) -> Result<Checks, PublishError> {
    let mut checks = Checks::default();
    let wanted = objects::object_keys(manifest);
    for (key, entry) in &manifest.files {
        if objects::key_of(entry).is_none() {
            checks.problems.push(Problem {
                object: layout::manifest_key(&manifest.corte.id),
                what: format!(
                    "lists {key} with content type {}, which the archive has no name for",
                    entry.content_type
                ),
            });
        }
    }
    let mut todo = Vec::new();
    for (object, key) in &wanted {
        match seen.0.get(object) {
            Some(true) => {}
            Some(false) => checks.problems.push(Problem {
                object: object.clone(),
                what: format!("(the object of {key}) is damaged or missing, as reported above"),
            }),
            None => todo.push((object.clone(), *key)),
        }
    }
    let total: u64 = todo
        .iter()
        .filter_map(|(_, k)| manifest.files.get(*k))
        .map(stored_size)
        .sum();
    progress.begin(&target.name, Step::Verify, todo.len() as u64, total);
    let results: Vec<_> = futures::stream::iter(&todo)
        .map(|(object, key)| async move {
            let entry = &manifest.files[*key];
            let (n, p) = read_and_check(target, object.clone(), entry, progress).await?;
            let p = p.map(|mut p| {
                p.what = format!("(the object of {key}) {}", p.what);
                p
            });
            Ok((object.clone(), n, p))
        })
        .buffer_unordered(target.policy.concurrency)
        .collect()
        .await;
    for r in results {
        let (object, n, p): (String, u64, Option<Problem>) = r?;
        seen.0.insert(object, p.is_none());
        checks.objects += 1;
        checks.bytes += n;
        checks.problems.extend(p);
    }
    Ok(checks)
}

/// `cortes/<id>/`: the datasets (read and checked), the change list
/// (against the manifests), and nothing the manifest does not account for.
async fn check_corte_folder(
    target: &Target,
    manifest: &Manifest,
    progress: &dyn Progress,
) -> Result<Checks, PublishError> {
    let id = &manifest.corte.id;
    let prefix = layout::corte_prefix(id);
    let listed = transfer::list(target, &prefix)
        .await
        .map_err(|e| target.store_err(Step::Verify, &prefix, e))?;
    let datasets: BTreeMap<String, &FileEntry> = manifest
        .files
        .iter()
        .filter(|(k, _)| layout::is_dataset(k))
        .map(|(k, e)| (layout::corte_key(id, k), e))
        .collect();
    let own = [
        layout::manifest_key(id),
        layout::signature_key(id),
        layout::cambios_key(id),
    ];
    let mut checks = Checks::default();
    for key in listed.keys() {
        if !datasets.contains_key(key) && !own.contains(key) {
            checks.problems.push(Problem {
                object: key.clone(),
                what: "is in the corte's folder but not in its manifest".into(),
            });
        }
    }
    let total: u64 = datasets.values().map(|e| stored_size(e)).sum();
    progress.begin(&target.name, Step::Verify, datasets.len() as u64, total);
    let results: Vec<_> = futures::stream::iter(&datasets)
        .map(|(key, entry)| read_and_check(target, key.clone(), entry, progress))
        .buffer_unordered(target.policy.concurrency)
        .collect()
        .await;
    let (bytes, problems) = gather(results)?;
    checks.objects += datasets.len() as u64;
    checks.bytes += bytes;
    checks.problems.extend(problems);
    checks
        .problems
        .extend(check_cambios(target, manifest).await?);
    Ok(checks)
}

/// `cambios.json` against the manifests it relates. A corte that never went
/// live has none.
async fn check_cambios(target: &Target, manifest: &Manifest) -> Result<Vec<Problem>, PublishError> {
    let id = &manifest.corte.id;
    let key = layout::cambios_key(id);
    let got = transfer::get(target, &key)
        .await
        .map_err(|e| target.store_err(Step::Verify, &key, e))?;
    let problem = |what: String| Problem {
        object: key.clone(),
        what,
    };
    let Some((bytes, _)) = got else {
        let (ix, _) = pointer::read_index(target).await?;
        let went_live = ix.cortes.iter().any(|c| c.id == *id);
        return Ok(if went_live {
            vec![problem("is missing, yet the corte went live".into())]
        } else {
            Vec::new()
        });
    };
    let cambios = match Cambios::from_json(&bytes) {
        Ok(c) => c,
        Err(m) => return Ok(vec![problem(m)]),
    };
    let previous = match &cambios.previous {
        None => None,
        Some(p) => {
            let pkey = layout::manifest_key(p);
            match transfer::get(target, &pkey)
                .await
                .map_err(|e| target.store_err(Step::Verify, &pkey, e))?
            {
                None => {
                    return Ok(vec![problem(format!(
                        "names corte {p} as the previous one, whose manifest is not here"
                    ))]);
                }
                Some((b, _)) => match Manifest::from_json(&b) {
                    Ok(m) => Some(m),
                    Err(m) => {
                        return Ok(vec![problem(format!("its previous corte's {pkey}: {m}"))]);
                    }
                },
            }
        }
    };
    Ok(cambios
        .check(previous.as_ref(), manifest)
        .into_iter()
        .map(problem)
        .collect())
}

/// The live corte at the stable URLs: every key of its manifest holds its
/// bytes, and nothing else is there (the archive, the cortes' folders, the
/// acta images and the publisher's documents aside).
async fn check_stable_tree(
    target: &Target,
    manifest: &Manifest,
    progress: &dyn Progress,
) -> Result<Checks, PublishError> {
    let mut checks = Checks::default();
    for key in stable_keys(target).await? {
        if !manifest.files.contains_key(&key) {
            checks.problems.push(Problem {
                object: key,
                what: "is in the stable tree but not in the live corte's manifest".into(),
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
    let results: Vec<_> = futures::stream::iter(&manifest.files)
        .map(|(key, entry)| read_and_check(target, key.clone(), entry, progress))
        .buffer_unordered(target.policy.concurrency)
        .collect()
        .await;
    let (bytes, problems) = gather(results)?;
    checks.objects = manifest.files.len() as u64;
    checks.bytes = bytes;
    checks.problems.extend(problems);
    Ok(checks)
}

/// Every key of the stable tree: the root, without the archive, the cortes'
/// folders, the acta images and the publisher's own documents.
async fn stable_keys(target: &Target) -> Result<BTreeSet<String>, PublishError> {
    let top = transfer::retry(&target.policy, "", || {
        target.store.list_with_delimiter(None)
    })
    .await
    .map_err(|e| target.store_err(Step::Verify, "/", e))?;
    let not_stable = [
        objects::PREFIX,
        crate::published::images::PREFIX,
        "cortes/",
        keys::PREFIX,
    ];
    let documents = [layout::POINTER, layout::PUBLIC_KEY, super::local::LOCK_FILE];
    let mut keys: BTreeSet<String> = top
        .objects
        .iter()
        .map(|o| o.location.to_string())
        .filter(|k| !documents.contains(&k.as_str()))
        .collect();
    for p in top.common_prefixes {
        let prefix = p.to_string();
        if not_stable.contains(&format!("{prefix}/").as_str()) {
            continue;
        }
        let listed = transfer::list(target, &prefix)
            .await
            .map_err(|e| target.store_err(Step::Verify, &prefix, e))?;
        keys.extend(listed.into_keys());
    }
    Ok(keys)
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
/// the bytes read, and what is wrong, if anything. The bytes are hashed as
/// they arrive (and a gzip copy decompressed into a second hash), so an
/// object is never held whole; a failure mid-stream reads it again.
async fn read_and_check(
    target: &Target,
    key: String,
    entry: &FileEntry,
    progress: &dyn Progress,
) -> Result<(u64, Option<Problem>), PublishError> {
    let location = transfer::path(&key);
    let gzip = entry.gzip.is_some();
    let got = transfer::retry(&target.policy, &key, || async {
        let r = match target.store.get(&location).await {
            Ok(r) => r,
            Err(object_store::Error::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(e),
        };
        let mut stream = r.into_stream();
        let mut hash = Sha256::new();
        let mut plain = gzip.then(|| flate2::write::GzDecoder::new(Hashing(Sha256::new())));
        let mut gz_error = None;
        let mut n = 0u64;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk?;
            n += chunk.len() as u64;
            hash.update(&chunk);
            if let Some(d) = plain.as_mut()
                && gz_error.is_none()
                && let Err(e) = std::io::Write::write_all(d, &chunk)
            {
                gz_error = Some(e);
            }
        }
        let plain = plain.map(|d| match gz_error {
            Some(e) => Err(e),
            None => d.finish().map(|h| hex::encode(h.0.finalize())),
        });
        Ok(Some((n, hex::encode(hash.finalize()), plain)))
    })
    .await
    .map_err(|e| target.store_err(Step::Verify, &key, e))?;
    let Some((n, sha, plain)) = got else {
        return Ok((
            0,
            Some(Problem {
                object: key,
                what: "is missing".into(),
            }),
        ));
    };
    progress.advance(&target.name, n, true);
    let what = if sha != stored_sha256(entry) {
        Some(format!(
            "has SHA-256 {sha}, the manifest says {}",
            stored_sha256(entry)
        ))
    } else {
        match plain {
            None => None,
            Some(Ok(p)) if p == entry.sha256 => None,
            Some(Ok(_)) => Some("decompresses to bytes the manifest does not list".into()),
            Some(Err(e)) => Some(format!("is not valid gzip: {e}")),
        }
    };
    Ok((n, what.map(|what| Problem { object: key, what })))
}

/// A writer that only hashes what it is given.
struct Hashing(Sha256);

impl std::io::Write for Hashing {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
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

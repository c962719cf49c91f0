//! `corte mirror`: a difusor's incremental, verified copy of every corte.
//!
//! For each corte in the source's history (and the live one), oldest first:
//! a corte whose manifest is already in the destination with the same bytes
//! is complete and skipped; otherwise its manifest's signature is checked,
//! then each archive object the destination lacks — the ones the previous
//! corte mirrored does not list, which are the objects of the keys its
//! `cambios.json` names — is read from the source, checked against the
//! manifest (a tampered source object stops the mirror, naming it), and
//! written; its datasets are copied inside the destination, the manifest
//! goes last, and the source's `cambios.json` is copied verbatim. Then the
//! destination goes live on the source's live corte: the stable keys that
//! differ (from the destination's own archive), pointer (conditional), the
//! source's history and feed verbatim, stale keys.

use std::time::{Duration, Instant};

use bytes::Bytes;

use super::corte::Corte;
use super::error::{ErrorKind, PublishError, Step};
use super::lease::{self, Held};
use super::pointer::{self, Flip};
use super::progress::Progress;
use super::publish::{self, Report, StablePlan, put_document, stale_keys, sync_stable};
use super::sign;
use super::target::Target;
use super::transfer::{self, Counts};
use crate::published::Manifest;
use crate::published::{Pointer, layout};

#[derive(Debug, Clone)]
pub struct MirrorReport {
    pub source: String,
    pub dest: String,
    /// Cortes copied (or completed) by this run.
    pub copied: Vec<String>,
    /// Cortes that were already complete in the destination.
    pub present: Vec<String>,
    pub counts: Counts,
    pub live: String,
    /// Whether the destination's pointer moved.
    pub moved: bool,
    pub elapsed: Duration,
}

pub async fn mirror(
    source: &Target,
    dest: &Target,
    key: Option<&sign::PublicKey>,
    delete_stale: bool,
    progress: &dyn Progress,
) -> Result<MirrorReport, PublishError> {
    let started = Instant::now();
    let (live, _) = pointer::read(source).await?.ok_or_else(|| {
        source.err(
            Step::ReadPointer,
            ErrorKind::Invalid("nothing is published here: there is no latest.json".into()),
        )
    })?;
    let (index, _) = pointer::read_index(source).await?;
    // Each corte with the manifest hash the source's history lists for it.
    let mut ids: Vec<(u32, String, String)> = index
        .cortes
        .iter()
        .map(|c| (c.seq, c.id.clone(), c.manifest_sha256.clone()))
        .collect();
    if !ids.iter().any(|(_, id, _)| *id == live.corte) {
        ids.push((live.seq, live.corte.clone(), live.manifest_sha256.clone()));
    }
    ids.sort();
    let mut report = MirrorReport {
        source: source.name.clone(),
        dest: dest.name.clone(),
        copied: Vec::new(),
        present: Vec::new(),
        counts: Counts::default(),
        live: live.corte.clone(),
        moved: false,
        elapsed: Duration::ZERO,
    };
    // The previous corte complete in the destination: unchanged objects
    // are copied from its tree there instead of read from the source.
    let mut base: Option<(String, Manifest)> = None;
    for (_, id, sha) in &ids {
        let mkey = layout::manifest_key(id);
        let there = transfer::get(dest, &mkey)
            .await
            .map_err(|e| dest.store_err(Step::Mirror, &mkey, e))?;
        // Complete already: the destination's manifest is the one the source
        // lists. Nothing is read from the source for it.
        if let Some((b, _)) = there
            && crate::contract::sha256_hex(&b) == *sha
            && let Ok(m) = Manifest::from_json(&b)
        {
            report.present.push(id.clone());
            base = Some((id.clone(), m));
            continue;
        }
        let corte = Corte::from_store(source, id, key).await?;
        let c =
            publish::upload_images(dest, &corte, base.as_ref().map(|(_, m)| m), false, progress)
                .await?;
        report.counts.add(c);
        // The objects of the previous corte mirrored are there: only the
        // others are read from the source.
        match &base {
            Some((_, m)) => dest.known.reset_to(m),
            None => dest.known.seed_empty(),
        }
        let mut written = Report::new(dest, id);
        publish::write_corte(dest, &corte, false, progress, &mut written).await?;
        report.counts.add(written.total());
        copy_cambios(source, dest, id).await?;
        report.copied.push(id.clone());
        base = Some((corte.id.clone(), corte.manifest));
    }
    // The mirror's stable tree and pointer are written under its lease.
    let held = lease::acquire(dest, &format!("mirror {}", live.corte)).await?;
    let r = go_live(
        source,
        dest,
        &live,
        key,
        delete_stale,
        progress,
        &mut report,
        &held,
    )
    .await;
    held.release().await;
    r?;
    report.elapsed = started.elapsed();
    Ok(report)
}

#[allow(clippy::too_many_arguments)]
async fn go_live(
    source: &Target,
    dest: &Target,
    live: &Pointer,
    key: Option<&sign::PublicKey>,
    delete_stale: bool,
    progress: &dyn Progress,
    report: &mut MirrorReport,
    held: &Held,
) -> Result<(), PublishError> {
    // Before the live corte is read back from the mirror: its signature
    // is checked against the mirror's keys/.
    copy_keys(source, dest).await?;
    let current = pointer::read(dest).await?;
    let already = current.as_ref().is_some_and(|(p, _)| p == live);
    if !already {
        let corte = Corte::from_store(dest, &live.corte, key).await?;
        let from = match &current {
            Some((p, _)) => Some(pointer::live_manifest(dest, p).await?),
            None => None,
        };
        let plan = StablePlan::new(&corte.manifest, from.as_ref(), &[]);
        let c = sync_stable(dest, &corte, &plan, false, progress, Some(held)).await?;
        report.counts.add(c);
        if let Some((pem, _)) = transfer::get(source, layout::PUBLIC_KEY)
            .await
            .map_err(|e| source.store_err(Step::Mirror, layout::PUBLIC_KEY, e))?
        {
            put_document(dest, Step::Pointer, layout::PUBLIC_KEY, pem).await?;
        }
        held.check(Step::Pointer)?;
        match pointer::flip(dest, current.as_ref().map(|(_, v)| v), live).await? {
            Flip::Moved => report.moved = true,
            Flip::Lost(other) => {
                return Err(dest.err(
                    Step::Pointer,
                    ErrorKind::Conflict(format!(
                        "another writer moved this mirror's pointer to corte {} meanwhile; run the mirror again",
                        other.corte
                    )),
                ));
            }
        }
        if delete_stale && let Some(from) = &from {
            held.check(Step::Stale)?;
            let stale = stale_keys(from, &corte.manifest);
            report
                .counts
                .add(transfer::delete_all(dest, Step::Stale, stale, false).await?);
        }
    }
    for doc in [layout::INDEX, layout::FEED] {
        let got = transfer::get(source, doc)
            .await
            .map_err(|e| source.store_err(Step::History, doc, e))?;
        if let Some((bytes, _)) = got {
            copy_if_changed(dest, doc, bytes).await?;
        }
    }
    Ok(())
}

/// The source's signing keys (`keys/`), verbatim: the PEMs first, then
/// the index that names them, so that the mirror's older cortes verify
/// against the keys that signed them.
async fn copy_keys(source: &Target, dest: &Target) -> Result<(), PublishError> {
    let listed = transfer::list(source, super::keys::PREFIX.trim_end_matches('/'))
        .await
        .map_err(|e| source.store_err(Step::Mirror, super::keys::PREFIX, e))?;
    let mut names: Vec<&String> = listed
        .keys()
        .filter(|k| **k != super::keys::INDEX)
        .collect();
    names.sort();
    names.extend(listed.keys().filter(|k| **k == super::keys::INDEX));
    for key in names {
        if let Some((bytes, _)) = transfer::get(source, key)
            .await
            .map_err(|e| source.store_err(Step::Mirror, key, e))?
        {
            copy_if_changed(dest, key, bytes).await?;
        }
    }
    Ok(())
}

/// The source's change list of a corte, verbatim (when it has one).
async fn copy_cambios(source: &Target, dest: &Target, id: &str) -> Result<(), PublishError> {
    let key = layout::cambios_key(id);
    let got = transfer::get(source, &key)
        .await
        .map_err(|e| source.store_err(Step::Cambios, &key, e))?;
    match got {
        Some((bytes, _)) => copy_if_changed(dest, &key, bytes).await,
        None => Ok(()),
    }
}

async fn copy_if_changed(dest: &Target, key: &str, bytes: Bytes) -> Result<(), PublishError> {
    let there = transfer::get(dest, key)
        .await
        .map_err(|e| dest.store_err(Step::History, key, e))?;
    if there.is_some_and(|(b, _)| b == bytes) {
        return Ok(());
    }
    put_document(dest, Step::History, key, bytes).await
}

//! Publishing one corte to one target, in the order of DESIGN.md:
//!
//! 1. the corte tree `cortes/<id>/…` (objects already there with the same
//!    bytes are skipped), then its signature, then `manifest.json` with
//!    `PutMode::Create` (never overwritten);
//! 2. the stable tree at the root: only keys whose entry differs from the
//!    live corte's manifest; assets and data first, pages, `index.html` last;
//! 3. `public-key.pem`, then `latest.json` by a conditional put against the
//!    version read before step 2, never to an older sequence;
//! 4. `cortes/index.json` and `cortes/feed.xml`;
//! 5. stable-tree keys the new corte no longer has are deleted.
//!
//! Until step 3 nothing a reader follows has changed; a crash anywhere leaves
//! the previous corte live, and running the same publish again completes it
//! (it finds what is there and uploads only the rest).

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use object_store::{PutMode, UpdateVersion};

use super::corte::Corte;
use super::error::{ErrorKind, PublishError, Step};
use super::pointer::{self, Flip};
use super::progress::Progress;
use super::target::Target;
use super::transfer::{self, Counts};
use crate::published::Manifest;
use crate::published::{Action, Event, Headers, Pointer, layout};

#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Read everything, write nothing; the report says what would change.
    pub dry_run: bool,
    /// Delete stable-tree keys the new live corte lacks (after the pointer).
    pub delete_stale: bool,
    /// Publish a corte that a rollback withdrew.
    pub allow_withdrawn: bool,
    /// A note recorded with the pointer move in the history (rollbacks).
    pub reason: Option<String>,
    /// A shutdown request (`corte watch`, `corte publish` on SIGTERM or
    /// Ctrl-C). When it turns true the uploads (acta images, corte tree)
    /// are abandoned, which is as safe as a crash: nothing public has
    /// changed yet. Once the stable tree has started it is finished, with
    /// the pointer, so a shutdown never leaves the public tree half moved
    /// to a corte that `latest.json` does not name.
    pub stop: Option<tokio::sync::watch::Receiver<bool>>,
}

/// Whether a shutdown was requested.
pub(crate) fn stopping(stop: &Option<tokio::sync::watch::Receiver<bool>>) -> bool {
    stop.as_ref().is_some_and(|s| *s.borrow())
}

/// Runs an upload step, or abandons it when a shutdown is requested.
pub(crate) async fn or_stop<T>(
    target: &Target,
    step: Step,
    stop: &Option<tokio::sync::watch::Receiver<bool>>,
    work: impl std::future::Future<Output = Result<T, PublishError>>,
) -> Result<T, PublishError> {
    let Some(stop) = stop else {
        return work.await;
    };
    let mut stop = stop.clone();
    let requested = async move {
        // A sender gone without asking is no request: never stop then.
        if stop.wait_for(|s| *s).await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    tokio::select! {
        r = work => r,
        _ = requested => Err(target.err(step, ErrorKind::Abandoned)),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The pointer moved to this corte.
    Published,
    /// The pointer was already here (an earlier run finished, or we finished
    /// what a crashed one left).
    AlreadyLive,
    /// Dry run: nothing was written.
    DryRun,
}

/// What happened on one target.
#[derive(Debug, Clone)]
pub struct Report {
    pub target: String,
    pub url: String,
    pub corte: String,
    pub outcome: Outcome,
    /// The corte that was live before.
    pub from: Option<String>,
    pub steps: Vec<(Step, Counts, Duration)>,
    /// Stable-tree keys written (or, in a dry run, that would be).
    pub stable_keys: Vec<String>,
    pub elapsed: Duration,
}

impl Report {
    fn new(target: &Target, corte: &str) -> Report {
        Report {
            target: target.name.clone(),
            url: target.url.clone(),
            corte: corte.to_string(),
            outcome: Outcome::Published,
            from: None,
            steps: Vec::new(),
            stable_keys: Vec::new(),
            elapsed: Duration::ZERO,
        }
    }

    /// Records a finished step, and logs it as one structured line.
    pub fn record(&mut self, step: Step, counts: Counts, elapsed: Duration) {
        tracing::info!(
            target = %self.target,
            corte = %self.corte,
            step = step.label(),
            uploaded = counts.uploaded,
            uploaded_bytes = counts.uploaded_bytes,
            copied = counts.copied,
            skipped = counts.skipped,
            deleted = counts.deleted,
            ms = elapsed.as_millis() as u64,
            "publish step"
        );
        self.steps.push((step, counts, elapsed));
    }

    pub fn counts(&self, step: Step) -> Counts {
        let mut c = Counts::default();
        for (s, n, _) in &self.steps {
            if *s == step {
                c.add(*n);
            }
        }
        c
    }

    pub fn total(&self) -> Counts {
        let mut c = Counts::default();
        for (_, n, _) in &self.steps {
            c.add(*n);
        }
        c
    }
}

/// Publishes `corte` to every target at once. Each target runs on its own
/// task with its own concurrency: a slow or failing one holds back none of
/// the others. Results come back in the targets' order.
pub async fn publish_all(
    targets: Vec<Target>,
    corte: Arc<Corte>,
    opts: Options,
    progress: Arc<dyn Progress>,
) -> Vec<(String, Result<Report, PublishError>)> {
    let tasks: Vec<_> = targets
        .into_iter()
        .map(|t| {
            let corte = corte.clone();
            let opts = opts.clone();
            let progress = progress.clone();
            let name = t.name.clone();
            let task = tokio::spawn(async move { publish(&t, &corte, &opts, &*progress).await });
            (name, task)
        })
        .collect();
    let mut out = Vec::new();
    for (name, task) in tasks {
        let r = task.await.unwrap_or_else(|e| {
            Err(PublishError::new(
                &name,
                Step::Open,
                ErrorKind::Invalid(format!("the publishing task failed: {e}")),
            ))
        });
        out.push((name, r));
    }
    out
}

/// Publishes one corte to one target.
pub async fn publish(
    target: &Target,
    corte: &Corte,
    opts: &Options,
    progress: &dyn Progress,
) -> Result<Report, PublishError> {
    let started = Instant::now();
    let mut report = Report::new(target, &corte.id);
    corte
        .check()
        .map_err(|m| target.err(Step::Open, ErrorKind::Invalid(m)))?;

    let live = pointer::read(target).await?;
    if let Some((p, _)) = &live
        && is_live(target, corte, p)?
    {
        report.outcome = Outcome::AlreadyLive;
        report.from = p.previous.clone();
        if !opts.dry_run {
            finish(target, corte, p, opts, &mut report).await?;
        }
        report.elapsed = started.elapsed();
        return Ok(report);
    }
    if !opts.allow_withdrawn {
        let (ix, _) = pointer::read_index(target).await?;
        if let Some(c) = ix.cortes.iter().find(|c| c.id == corte.id && c.withdrawn) {
            return Err(target.err(
                Step::ReadPointer,
                ErrorKind::Conflict(format!(
                    "corte {} was withdrawn by a rollback (see `corte status`); publish it again only with --allow-withdrawn",
                    c.id
                )),
            ));
        }
    }

    let base = match &live {
        Some((p, _)) => Some((p.corte.clone(), pointer::live_manifest(target, p).await?)),
        None => None,
    };
    if !corte.manifest.images.is_empty() {
        let t = Instant::now();
        let base_manifest = base.as_ref().map(|(_, m)| m);
        let upload = upload_images(target, corte, base_manifest, opts.dry_run, progress);
        let counts = or_stop(target, Step::Images, &opts.stop, upload).await?;
        report.record(Step::Images, counts, t.elapsed());
    }
    let t = Instant::now();
    let base_ref = base.as_ref().map(|(id, m)| (id.as_str(), m));
    let upload = upload_corte(target, corte, base_ref, opts.dry_run, progress);
    let counts = or_stop(target, Step::CorteTree, &opts.stop, upload).await?;
    report.record(Step::CorteTree, counts, t.elapsed());
    // The last point where a shutdown abandons: from here on the public
    // tree changes, and it is finished with the pointer.
    if stopping(&opts.stop) {
        return Err(target.err(Step::StableTree, ErrorKind::Abandoned));
    }

    // The version read here is what the pointer move is conditioned on.
    let live = pointer::read(target).await?;
    if let Some((p, _)) = &live
        && is_live(target, corte, p)?
    {
        // Another run of this same corte finished meanwhile.
        report.outcome = Outcome::AlreadyLive;
        report.elapsed = started.elapsed();
        return Ok(report);
    }
    let from = match (&live, base) {
        (Some((p, _)), Some((id, m))) if p.corte == id => Some(m),
        (Some((p, _)), _) => Some(pointer::live_manifest(target, p).await?),
        (None, _) => None,
    };
    report.from = live.as_ref().map(|(p, _)| p.corte.clone());
    let new = corte.pointer(Action::Publish, report.from.clone());
    go_live(
        target,
        corte,
        new,
        live.map(|(_, v)| v),
        from.as_ref(),
        opts,
        progress,
        &mut report,
    )
    .await?;
    report.outcome = if opts.dry_run {
        Outcome::DryRun
    } else {
        Outcome::Published
    };
    report.elapsed = started.elapsed();
    Ok(report)
}

/// Whether the pointer already names this corte (true), is older (false),
/// or forbids publishing it (an error).
fn is_live(target: &Target, corte: &Corte, p: &Pointer) -> Result<bool, PublishError> {
    if p.corte == corte.id {
        if p.manifest_sha256 == corte.manifest_sha256 {
            return Ok(true);
        }
        return Err(target.err(
            Step::ReadPointer,
            ErrorKind::Conflict(format!(
                "corte {} is live with a different manifest (SHA-256 {}, ours {}); a published corte never changes: render it with a new sequence number",
                p.corte, p.manifest_sha256, corte.manifest_sha256
            )),
        ));
    }
    if p.seq >= corte.seq {
        return Err(target.err(
            Step::ReadPointer,
            ErrorKind::Superseded {
                live: p.corte.clone(),
                live_seq: p.seq,
                ours: corte.id.clone(),
                ours_seq: corte.seq,
            },
        ));
    }
    Ok(false)
}

/// Step 0: the acta images the corte's pages link to, each once at
/// `actas/<sha256>.<ext>`, before anything that names them. Images of `base`
/// (the corte live on this target) are there already: only the others are
/// sent. Without a base (a first publish, or a target of unknown state) the
/// `actas/` listing tells what is there, so a re-run sends nothing twice.
/// After a crash with a base, the images of the unfinished run go up again:
/// they are content-addressed, so that costs bytes but changes nothing.
pub async fn upload_images(
    target: &Target,
    corte: &Corte,
    base: Option<&Manifest>,
    dry_run: bool,
    progress: &dyn Progress,
) -> Result<Counts, PublishError> {
    let step = Step::Images;
    let new: Vec<&String> = corte
        .manifest
        .images
        .keys()
        .filter(|k| !base.is_some_and(|b| b.images.contains_key(*k)))
        .collect();
    let known = (corte.manifest.images.len() - new.len()) as u64;
    let listed = match base {
        Some(_) => None,
        None if new.is_empty() => None,
        None => Some(
            transfer::list(
                target,
                crate::published::images::PREFIX.trim_end_matches('/'),
            )
            .await
            .map_err(|e| target.store_err(step, crate::published::images::PREFIX, e))?,
        ),
    };
    let items = corte.image_items(target, new.into_iter());
    let bytes: u64 = items.iter().map(|i| i.size).sum();
    progress.begin(&target.name, step, items.len() as u64, bytes);
    let mut counts =
        transfer::put_all(target, step, items, listed.as_ref(), dry_run, progress).await?;
    counts.skipped += known;
    Ok(counts)
}

/// Step 1: the corte tree, its signature and its manifest. Returns what was
/// uploaded; a corte whose manifest is already there with the same bytes is
/// complete and nothing is sent. Objects identical to those of `base` (the
/// previous corte on this target: its id and manifest) are copied
/// server-side from its tree instead of uploaded.
pub async fn upload_corte(
    target: &Target,
    corte: &Corte,
    base: Option<(&str, &Manifest)>,
    dry_run: bool,
    progress: &dyn Progress,
) -> Result<Counts, PublishError> {
    let step = Step::CorteTree;
    let mkey = layout::manifest_key(&corte.id);
    let n = corte.manifest.files.len() as u64;
    if let Some((bytes, _)) = transfer::get(target, &mkey)
        .await
        .map_err(|e| target.store_err(Step::Manifest, &mkey, e))?
    {
        return if bytes == corte.manifest_bytes {
            Ok(Counts {
                skipped: n,
                ..Counts::default()
            })
        } else {
            Err(manifest_conflict(target, corte, &bytes))
        };
    }
    let listed = transfer::list(target, &layout::corte_prefix(&corte.id))
        .await
        .map_err(|e| target.store_err(step, &layout::corte_prefix(&corte.id), e))?;
    let mut items = corte.items(target, true, corte.manifest.files.keys());
    if let Some((base_id, base)) = base {
        let prefix = format!("{}/", layout::corte_prefix(&corte.id));
        for item in &mut items {
            let key = item.key.strip_prefix(&prefix).unwrap_or(&item.key);
            if base.files.contains_key(key) && base.files.get(key) == corte.manifest.files.get(key)
            {
                item.copy_from = Some(layout::corte_key(base_id, key));
            }
        }
    }
    let bytes: u64 = items.iter().map(|i| i.size).sum();
    progress.begin(&target.name, step, items.len() as u64, bytes);
    let counts = transfer::put_all(target, step, items, Some(&listed), dry_run, progress).await?;
    if dry_run {
        return Ok(counts);
    }
    // The manifest says "complete": the tree must be on the disk first.
    target.barrier(Step::Manifest, &mkey).await?;
    if let Some(s) = &corte.signed {
        let key = layout::signature_key(&corte.id);
        let headers = Headers::document(&key, &s.signature, &target.cache);
        transfer::put(
            target,
            &key,
            s.signature.clone(),
            &headers,
            PutMode::Overwrite,
        )
        .await
        .map_err(|e| target.store_err(Step::Sign, &key, e))?;
    }
    let headers = Headers::document(&mkey, &corte.manifest_bytes, &target.cache);
    match transfer::put(
        target,
        &mkey,
        corte.manifest_bytes.clone(),
        &headers,
        PutMode::Create,
    )
    .await
    {
        Ok(_) => Ok(counts),
        Err(object_store::Error::AlreadyExists { .. }) => {
            // A concurrent run of the same corte, or our own retried put.
            let there = transfer::get(target, &mkey)
                .await
                .map_err(|e| target.store_err(Step::Manifest, &mkey, e))?;
            match there {
                Some((b, _)) if b == corte.manifest_bytes => Ok(counts),
                Some((b, _)) => Err(manifest_conflict(target, corte, &b)),
                None => Err(target.err(
                    Step::Manifest,
                    ErrorKind::Conflict("reported present, then missing".into()),
                )),
            }
        }
        Err(e) => Err(target.store_err(Step::Manifest, &mkey, e)),
    }
}

fn manifest_conflict(target: &Target, corte: &Corte, there: &[u8]) -> PublishError {
    target
        .err(
            Step::Manifest,
            ErrorKind::Conflict(format!(
                "corte {} was already published with a different manifest (SHA-256 {}, ours {}); a published corte never changes: render it with a new sequence number",
                corte.id,
                crate::contract::sha256_hex(there),
                corte.manifest_sha256
            )),
        )
        .at(layout::manifest_key(&corte.id))
}

/// Everything after the corte tree, for a corte whose tree is complete on `target`: stable
/// tree, public key, pointer (conditional on `expected`), history, stale
/// objects. Shared by publish, rollback and mirror.
#[allow(clippy::too_many_arguments)]
pub async fn go_live(
    target: &Target,
    corte: &Corte,
    new: Pointer,
    expected: Option<UpdateVersion>,
    from: Option<&Manifest>,
    opts: &Options,
    progress: &dyn Progress,
    report: &mut Report,
) -> Result<(), PublishError> {
    let t = Instant::now();
    let live_seq = from.map(|m| m.corte.seq);
    let unsettled = unsettled(target, live_seq, &corte.id).await?;
    let (counts, written) =
        sync_stable(target, corte, from, &unsettled, opts.dry_run, progress).await?;
    report.record(Step::StableTree, counts, t.elapsed());
    report.stable_keys = written.clone();
    if opts.dry_run {
        if opts.delete_stale
            && let Some(from) = from
        {
            let stale = stale_keys(from, &corte.manifest);
            let c = transfer::delete_all(target, Step::Stale, stale, true).await?;
            report.record(Step::Stale, c, Duration::ZERO);
        }
        return Ok(());
    }
    if let Some(s) = &corte.signed {
        let headers = Headers::document(layout::PUBLIC_KEY, &s.public_key_pem, &target.cache);
        transfer::put(
            target,
            layout::PUBLIC_KEY,
            s.public_key_pem.clone(),
            &headers,
            PutMode::Overwrite,
        )
        .await
        .map_err(|e| target.store_err(Step::Pointer, layout::PUBLIC_KEY, e))?;
    }
    let t = Instant::now();
    // The pointer names the corte: its tree, manifest and the stable tree
    // must be on the disk first (a folder target; its time counts here).
    target.barrier(Step::Pointer, layout::POINTER).await?;
    match pointer::flip(target, expected.as_ref(), &new).await? {
        Flip::Moved => {}
        Flip::Lost(winner) => {
            // Our stable-tree writes may have landed after the winner's:
            // put the winner's bytes back on every key we wrote.
            restore(target, &winner, &written, progress).await?;
            return Err(target.err(
                Step::Pointer,
                ErrorKind::Superseded {
                    live: winner.corte,
                    live_seq: winner.seq,
                    ours: corte.id.clone(),
                    ours_seq: corte.seq,
                },
            ));
        }
    }
    report.record(Step::Pointer, Counts::default(), t.elapsed());
    finish(target, corte, &new, opts, report).await
}

/// The history and stale-object steps, which are safe to repeat: after a crash past the pointer,
/// a re-run lands here directly.
async fn finish(
    target: &Target,
    corte: &Corte,
    live: &Pointer,
    opts: &Options,
    report: &mut Report,
) -> Result<(), PublishError> {
    let t = Instant::now();
    let event = Event {
        at: live.updated_at.clone(),
        action: live.action,
        corte: corte.id.clone(),
        seq: corte.seq,
        from: live.previous.clone(),
        manifest_sha256: corte.manifest_sha256.clone(),
        reason: opts.reason.clone(),
    };
    pointer::record(target, &corte.manifest, event).await?;
    report.record(Step::History, Counts::default(), t.elapsed());
    if opts.delete_stale
        && let Some(prev) = &live.previous
    {
        let t = Instant::now();
        let prev_key = layout::manifest_key(prev);
        if let Some((bytes, _)) = transfer::get(target, &prev_key)
            .await
            .map_err(|e| target.store_err(Step::Stale, &prev_key, e))?
        {
            let prev_manifest = Manifest::from_json(&bytes).map_err(|m| {
                target
                    .err(Step::Stale, ErrorKind::Integrity(m))
                    .at(&prev_key)
            })?;
            let stale = stale_keys(&prev_manifest, &corte.manifest);
            let c = transfer::delete_all(target, Step::Stale, stale, false).await?;
            report.record(Step::Stale, c, t.elapsed());
        }
    }
    // A folder target keeps the old bytes of the large files it overwrote
    // (datasets) until now (see publish::local): unlinking them here keeps
    // that work after the flip. Pages' old bytes stay as their spares.
    let t = Instant::now();
    let swept = target.sweep().await;
    if swept > 0 {
        tracing::debug!(target = %target.name, swept, secs = t.elapsed().as_secs_f64(), "old bytes of overwritten files unlinked");
    }
    Ok(())
}

/// Complete cortes newer than the live one that never went live (other than
/// `ours`): a publish of theirs may have stopped halfway through the stable
/// tree, so the keys they wrote must be put right too. Typically none; one
/// LIST call to find out.
pub async fn unsettled(
    target: &Target,
    live_seq: Option<u32>,
    ours: &str,
) -> Result<Vec<Manifest>, PublishError> {
    let prefix = transfer::path(layout::CORTES);
    let listing = transfer::retry(&target.policy, layout::CORTES, || {
        target.store.list_with_delimiter(Some(&prefix))
    })
    .await
    .map_err(|e| target.store_err(Step::StableTree, layout::CORTES, e))?;
    let mut out = Vec::new();
    for p in listing.common_prefixes {
        let Some(id) = p.filename() else { continue };
        let seq: u32 = id
            .split('-')
            .next()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        if id == ours || seq <= live_seq.unwrap_or(0) {
            continue;
        }
        let mkey = layout::manifest_key(id);
        if let Some((bytes, _)) = transfer::get(target, &mkey)
            .await
            .map_err(|e| target.store_err(Step::StableTree, &mkey, e))?
        {
            out.push(Manifest::from_json(&bytes).map_err(|m| {
                target
                    .err(Step::StableTree, ErrorKind::Integrity(m))
                    .at(&mkey)
            })?);
        }
    }
    Ok(out)
}

/// Keys of `from`'s stable tree that `to` does not have.
pub fn stale_keys(from: &Manifest, to: &Manifest) -> Vec<String> {
    from.files
        .keys()
        .filter(|k| !to.files.contains_key(*k))
        .cloned()
        .collect()
}

/// Puts at the root every key of `to` whose entry differs from `from`'s
/// (everything when there is no live corte). Order: everything but pages
/// (assets, data, charts), then pages, then `index.html` — so a page never
/// links to an asset that is not there yet. Returns the keys written.
pub async fn sync_stable(
    target: &Target,
    to: &Corte,
    from: Option<&Manifest>,
    unsettled: &[Manifest],
    dry_run: bool,
    progress: &dyn Progress,
) -> Result<(Counts, Vec<String>), PublishError> {
    let step = Step::StableTree;
    let differs = |m: &Manifest, k: &String, e: &crate::published::FileEntry| {
        m.files.get(k).is_some_and(|x| x != e)
    };
    let changed: Vec<&String> = to
        .manifest
        .files
        .iter()
        .filter(|(k, e)| {
            from.and_then(|m| m.files.get(*k)) != Some(*e)
                || unsettled.iter().any(|m| differs(m, k, e))
        })
        .map(|(k, _)| k)
        .collect();
    // Keys only an unfinished corte wrote: neither the live corte nor ours has them.
    let strays: Vec<String> = unsettled
        .iter()
        .flat_map(|m| m.files.keys())
        .filter(|k| {
            !to.manifest.files.contains_key(*k) && !from.is_some_and(|m| m.files.contains_key(*k))
        })
        .cloned()
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let rank = |k: &str| match () {
        _ if k == "index.html" => 2,
        _ if k.ends_with(".html") => 1,
        _ => 0,
    };
    let items = to.items(target, false, changed.iter().copied());
    let bytes: u64 = items.iter().map(|i| i.size).sum();
    progress.begin(&target.name, step, items.len() as u64, bytes);
    let mut counts = Counts::default();
    let written: Vec<String> = items.iter().map(|i| i.key.clone()).collect();
    for group in 0..3 {
        let batch: Vec<_> = items
            .iter()
            .filter(|i| rank(&i.key) == group)
            .cloned()
            .collect();
        counts.add(transfer::put_all(target, step, batch, None, dry_run, progress).await?);
    }
    counts.skipped = (to.manifest.files.len() - changed.len()) as u64;
    counts.add(transfer::delete_all(target, step, strays, dry_run).await?);
    Ok((counts, written))
}

/// After losing the pointer to `winner`: every stable key we wrote gets the
/// winner's bytes again (read from the winner's corte tree), or goes away
/// when the winner has no such key.
async fn restore(
    target: &Target,
    winner: &Pointer,
    written: &[String],
    progress: &dyn Progress,
) -> Result<(), PublishError> {
    let w = Corte::from_store(target, &winner.corte, None).await?;
    let (keep, gone): (Vec<String>, Vec<String>) = written
        .iter()
        .cloned()
        .partition(|k| w.manifest.files.contains_key(k));
    let items = w.items(target, false, keep.iter());
    transfer::put_all(target, Step::StableTree, items, None, false, progress).await?;
    transfer::delete_all(target, Step::StableTree, gone, false).await?;
    Ok(())
}

/// Puts a document the publisher owns, unconditionally.
pub async fn put_document(
    target: &Target,
    step: Step,
    key: &str,
    bytes: Bytes,
) -> Result<(), PublishError> {
    let headers = Headers::document(key, &bytes, &target.cache);
    transfer::put(target, key, bytes, &headers, PutMode::Overwrite)
        .await
        .map_err(|e| target.store_err(step, key, e))?;
    Ok(())
}

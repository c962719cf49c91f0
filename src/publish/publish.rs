//! Publishing one corte to one target, in the order of DESIGN.md:
//!
//! 1. the acta images the corte links (`actas/…`), each once;
//! 2. the archive objects the target lacks (`objetos/…`): from the bodies
//!    handed over, or else a typed error naming the keys (`Missing`);
//! 3. the corte's datasets at `cortes/<id>/datos/…` (copied inside the
//!    target from the archive), its signature, then `manifest.json` with
//!    `PutMode::Create` (never overwritten): the corte is complete;
//! 4. `cortes/<id>/cambios.json`, then the stable tree at the root: only
//!    keys whose entry differs from the live corte's; assets and data
//!    first, pages, `index.html` last;
//!    (Before the stable tree, a signing key new to the store is recorded
//!    in `keys/`; it was checked before step 1: see [`super::keys`].)
//! 5. `public-key.pem` when the key changed, then `latest.json` by a
//!    conditional put against the version read before step 4, never to an
//!    older sequence;
//! 6. `cortes/index.json` and `cortes/feed.xml`; stable-tree keys the new
//!    corte no longer has are deleted.
//!
//! Until step 5 nothing a reader follows has changed; a crash anywhere leaves
//! the previous corte live, and running the same publish again completes it
//! (it finds what is there and writes only the rest).

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use object_store::{PutMode, UpdateVersion};

use std::collections::BTreeSet;

use super::corte::Corte;
use super::error::{ErrorKind, PublishError, Step};
use super::lease::{self, Held};
use super::objects;
use super::pointer::{self, Flip};
use super::progress::Progress;
use super::target::Target;
use super::transfer::{self, Counts};
use crate::published::Manifest;
use crate::published::{Action, Cambios, Event, Headers, Pointer, layout};

#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Read everything, write nothing; the report says what would change.
    pub dry_run: bool,
    /// Delete stable-tree keys the new live corte lacks (after the pointer).
    pub delete_stale: bool,
    /// Publish a corte that a rollback withdrew.
    pub allow_withdrawn: bool,
    /// Publish a corte signed with another key than the store's current
    /// one, recording the rotation in `keys/` (see [`super::keys`]).
    pub rotate_key: bool,
    /// A note recorded with the pointer move in the history (rollbacks).
    pub reason: Option<String>,
    /// A shutdown request (`corte watch`, `corte publish` on SIGTERM or
    /// Ctrl-C). When it turns true the uploads (acta images, objects,
    /// datasets) are abandoned, which is as safe as a crash: nothing public has
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
    pub fn new(target: &Target, corte: &str) -> Report {
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
            // Its stale deletions touch the stable tree: under the lease.
            let work = format!("finish {}", corte.id);
            let take = lease::acquire(target, &work);
            let held = or_stop(target, Step::Lease, &opts.stop, take).await?;
            let done = finish(target, corte, p, None, opts, &mut report, Some(&held)).await;
            held.release().await;
            done?;
        }
        report.elapsed = started.elapsed();
        return Ok(report);
    }
    if !opts.allow_withdrawn {
        refuse_withdrawn(target, corte).await?;
    }
    // The signing key, checked before anything is written: another key
    // than the store's needs --rotate-key (recorded just before the
    // stable tree, below).
    super::keys::admit(target, corte, opts.rotate_key, true).await?;

    let base = match &live {
        Some((p, _)) => Some((p.corte.clone(), pointer::live_manifest(target, p).await?)),
        None => None,
    };
    match &base {
        Some((_, m)) => target.known.seed(m),
        None => target.known.seed_empty(),
    }
    if !corte.manifest.images.is_empty() {
        let t = Instant::now();
        let base_manifest = base.as_ref().map(|(_, m)| m);
        let upload = upload_images(target, corte, base_manifest, opts.dry_run, progress);
        let counts = or_stop(target, Step::Images, &opts.stop, upload).await?;
        report.record(Step::Images, counts, t.elapsed());
    }
    let upload = write_corte(target, corte, opts.dry_run, progress, &mut report);
    or_stop(target, Step::Objects, &opts.stop, upload).await?;
    // The last point where a shutdown abandons: from here on the public
    // tree changes, and it is finished with the pointer.
    if stopping(&opts.stop) {
        return Err(target.err(Step::StableTree, ErrorKind::Abandoned));
    }

    // The stable tree and the pointer are shared with any other publisher
    // of this target: they are written under its lease (see `lease`).
    let held = match opts.dry_run {
        true => None,
        false => {
            let work = format!("publish {}", corte.id);
            let take = lease::acquire(target, &work);
            Some(or_stop(target, Step::Lease, &opts.stop, take).await?)
        }
    };
    let moved = switch(
        target,
        corte,
        base,
        opts,
        progress,
        &mut report,
        held.as_ref(),
    )
    .await;
    if let Some(held) = held {
        held.release().await;
    }
    if !moved? {
        report.outcome = Outcome::AlreadyLive;
        report.elapsed = started.elapsed();
        return Ok(report);
    }
    report.outcome = if opts.dry_run {
        Outcome::DryRun
    } else {
        Outcome::Published
    };
    report.elapsed = started.elapsed();
    Ok(report)
}

/// Steps 5 to 9 under the lease (`held`; none in a dry run): the pointer
/// read again, then the corte goes live over whatever is live now. False
/// when another run of this same corte made it live meanwhile.
async fn switch(
    target: &Target,
    corte: &Corte,
    base: Option<(String, Manifest)>,
    opts: &Options,
    progress: &dyn Progress,
    report: &mut Report,
    held: Option<&Held>,
) -> Result<bool, PublishError> {
    // The version read here is what the pointer move is conditioned on.
    let live = pointer::read(target).await?;
    if let Some((p, _)) = &live
        && is_live(target, corte, p)?
    {
        // Another run of this same corte finished meanwhile.
        return Ok(false);
    }
    let from = match (&live, base) {
        (Some((p, _)), Some((id, m))) if p.corte == id => Some(m),
        (Some((p, _)), _) => Some(pointer::live_manifest(target, p).await?),
        (None, _) => None,
    };
    report.from = live.as_ref().map(|(p, _)| p.corte.clone());
    // A new key goes into keys/ before anything public changes.
    super::keys::admit(target, corte, opts.rotate_key, opts.dry_run).await?;
    let new = corte.pointer(Action::Publish, report.from.clone());
    let live = Live {
        pointer: live,
        manifest: from.as_ref(),
    };
    go_live(target, corte, new, live, true, opts, progress, report, held).await?;
    Ok(true)
}

/// A corte withdrawn by a rollback goes out again only when asked.
async fn refuse_withdrawn(target: &Target, corte: &Corte) -> Result<(), PublishError> {
    let (ix, _) = pointer::read_index(target).await?;
    match ix.cortes.iter().find(|c| c.id == corte.id && c.withdrawn) {
        Some(c) => Err(target.err(
            Step::ReadPointer,
            ErrorKind::Conflict(format!(
                "corte {} was withdrawn by a rollback (see `corte status`); publish it again only with --allow-withdrawn",
                c.id
            )),
        )),
        None => Ok(()),
    }
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

/// Steps 2 and 3: the archive objects the target lacks, the corte's
/// datasets, its signature and its manifest, each step recorded in
/// `report`. A corte whose manifest is already there with the same bytes is
/// complete and nothing is written. Objects without a body that the target
/// does not hold fail the publish with `ErrorKind::Missing` before anything
/// refers to them.
pub async fn write_corte(
    target: &Target,
    corte: &Corte,
    dry_run: bool,
    progress: &dyn Progress,
    report: &mut Report,
) -> Result<(), PublishError> {
    let t = Instant::now();
    let mkey = layout::manifest_key(&corte.id);
    if let Some((bytes, _)) = transfer::get(target, &mkey)
        .await
        .map_err(|e| target.store_err(Step::Manifest, &mkey, e))?
    {
        if bytes != corte.manifest_bytes {
            return Err(manifest_conflict(target, corte, &bytes));
        }
        let skipped = crate::published::objects::object_keys(&corte.manifest).len() as u64;
        let counts = Counts {
            skipped,
            ..Counts::default()
        };
        report.record(Step::Objects, counts, t.elapsed());
        return Ok(());
    }
    let counts = put_objects_of(target, corte, dry_run, progress).await?;
    report.record(Step::Objects, counts, t.elapsed());

    let t = Instant::now();
    let prefix = layout::corte_prefix(&corte.id);
    let listed = transfer::list(target, &prefix)
        .await
        .map_err(|e| target.store_err(Step::Datasets, &prefix, e))?;
    let items = corte.dataset_items(target);
    let bytes: u64 = items.iter().map(|i| i.size).sum();
    progress.begin(&target.name, Step::Datasets, items.len() as u64, bytes);
    let counts = transfer::put_all(
        target,
        Step::Datasets,
        items,
        Some(&listed),
        dry_run,
        progress,
    )
    .await?;
    report.record(Step::Datasets, counts, t.elapsed());
    if dry_run {
        return Ok(());
    }
    // The manifest says "complete": what it lists must be on the disk first.
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
    put_manifest(target, corte).await
}

/// The archive objects of the corte that the target lacks: those with a
/// body are put, those without must be there already.
async fn put_objects_of(
    target: &Target,
    corte: &Corte,
    dry_run: bool,
    progress: &dyn Progress,
) -> Result<Counts, PublishError> {
    let wanted = crate::published::objects::object_keys(&corte.manifest);
    let (given, bodiless): (Vec<_>, Vec<_>) = wanted
        .into_iter()
        .filter(|(o, _)| !target.known.contains(o))
        .partition(|(_, k)| corte.has_body(k));
    let bodiless: Vec<(String, String)> =
        bodiless.into_iter().map(|(o, k)| (o, k.clone())).collect();
    let missing = objects::missing(target, Step::Objects, bodiless).await?;
    if !missing.is_empty() {
        return Err(objects::missing_error(target, missing));
    }
    let items = corte.object_items(target, given.iter().map(|(_, k)| *k));
    objects::put_absent(target, Step::Objects, items, dry_run, progress).await
}

/// `manifest.json` with `PutMode::Create`: `AlreadyExists` with the same
/// bytes is a completed earlier run or our own retried request.
async fn put_manifest(target: &Target, corte: &Corte) -> Result<(), PublishError> {
    let mkey = layout::manifest_key(&corte.id);
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
        Ok(_) => Ok(()),
        Err(object_store::Error::AlreadyExists { .. }) => {
            // A concurrent run of the same corte, or our own retried put.
            let there = transfer::get(target, &mkey)
                .await
                .map_err(|e| target.store_err(Step::Manifest, &mkey, e))?;
            match there {
                Some((b, _)) if b == corte.manifest_bytes => Ok(()),
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

/// The corte live on a target when another goes live: its pointer (with
/// the version the move is conditioned on) and its manifest.
pub struct Live<'a> {
    pub pointer: Option<(Pointer, UpdateVersion)>,
    pub manifest: Option<&'a Manifest>,
}

/// Everything after the manifest, for a corte complete on `target`: the
/// change list (when `write_cambios`: a publish, not a rollback or a
/// mirror, whose corte has its own already), the stable tree, the public
/// key, the pointer (conditional on `live`'s version), history, stale
/// objects. Shared by publish, rollback and mirror.
#[allow(clippy::too_many_arguments)]
pub async fn go_live(
    target: &Target,
    corte: &Corte,
    new: Pointer,
    live: Live<'_>,
    write_cambios: bool,
    opts: &Options,
    progress: &dyn Progress,
    report: &mut Report,
    held: Option<&Held>,
) -> Result<(), PublishError> {
    let t = Instant::now();
    let from = live.manifest;
    check(held, Step::StableTree)?;
    let unsettled = unsettled(target, from.map(|m| m.corte.seq), &corte.id).await?;
    let plan = StablePlan::new(&corte.manifest, from, &unsettled);
    if write_cambios && !opts.dry_run {
        let t = Instant::now();
        let cambios = Cambios::between(
            from,
            &corte.manifest,
            &corte.manifest_sha256,
            &plan.repaired,
        );
        let key = layout::cambios_key(&corte.id);
        put_document(target, Step::Cambios, &key, Bytes::from(cambios.to_json())).await?;
        let one = Counts {
            uploaded: 1,
            ..Counts::default()
        };
        report.record(Step::Cambios, one, t.elapsed());
    }
    let counts = sync_stable(target, corte, &plan, opts.dry_run, progress, held).await?;
    report.record(Step::StableTree, counts, t.elapsed());
    report.stable_keys = plan.write.clone();
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
    check(held, Step::Pointer)?;
    let (old, expected) = live.pointer.unzip();
    if let Some(s) = &corte.signed
        && old.as_ref().and_then(|p| p.public_key_sha256.as_ref()) != Some(&s.public_key_sha256)
    {
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
    // The pointer names the corte: its objects, manifest and the stable
    // tree must be on the disk first (a folder target; its time counts here).
    target.barrier(Step::Pointer, layout::POINTER).await?;
    match pointer::flip(target, expected.as_ref(), &new).await? {
        Flip::Moved => {}
        Flip::Lost(winner) => {
            // Our stable-tree writes may have landed after the winner's:
            // put the winner's bytes back on every key we wrote.
            restore(target, &winner, &plan.write, progress).await?;
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
    finish(target, corte, &new, from, opts, report, held).await
}

/// Fails when the lease (if any) may no longer be ours.
fn check(held: Option<&Held>, step: Step) -> Result<(), PublishError> {
    held.map_or(Ok(()), |h| h.check(step))
}

/// The history and stale-object steps, which are safe to repeat: after a
/// crash past the pointer, a re-run lands here directly (`from` unknown:
/// the previous corte's manifest is read again).
async fn finish(
    target: &Target,
    corte: &Corte,
    live: &Pointer,
    from: Option<&Manifest>,
    opts: &Options,
    report: &mut Report,
    held: Option<&Held>,
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
        let read;
        let prev_manifest = match from {
            Some(m) if m.corte.id == *prev => Some(m),
            _ => {
                read = previous_manifest(target, prev).await?;
                read.as_ref()
            }
        };
        if let Some(prev_manifest) = prev_manifest {
            check(held, Step::Stale)?;
            let stale = stale_keys(prev_manifest, &corte.manifest);
            let c = transfer::delete_all(target, Step::Stale, stale, false).await?;
            report.record(Step::Stale, c, t.elapsed());
        }
    }
    // The objects of the live corte are what the target is known to hold.
    target.known.reset_to(&corte.manifest);
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

/// A corte's manifest on the target, if it is there.
async fn previous_manifest(target: &Target, id: &str) -> Result<Option<Manifest>, PublishError> {
    let key = layout::manifest_key(id);
    let Some((bytes, _)) = transfer::get(target, &key)
        .await
        .map_err(|e| target.store_err(Step::Stale, &key, e))?
    else {
        return Ok(None);
    };
    Manifest::from_json(&bytes)
        .map(Some)
        .map_err(|m| target.err(Step::Stale, ErrorKind::Integrity(m)).at(&key))
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

/// What the stable tree needs for a corte to go live over `from`.
pub struct StablePlan {
    /// Keys to write: those whose entry differs from `from`'s (everything
    /// when nothing is live), and those an unsettled corte wrote with other
    /// bytes.
    pub write: Vec<String>,
    /// Of those, the keys whose entry did not change (a repair).
    pub repaired: BTreeSet<String>,
    /// Keys only an unsettled corte wrote: neither `from` nor ours has them.
    pub strays: Vec<String>,
    /// Keys left as they are.
    pub unchanged: u64,
}

impl StablePlan {
    pub fn new(to: &Manifest, from: Option<&Manifest>, unsettled: &[Manifest]) -> StablePlan {
        let mut write = Vec::new();
        let mut repaired = BTreeSet::new();
        for (k, e) in &to.files {
            let changed = from.and_then(|m| m.files.get(k)) != Some(e);
            let touched = unsettled
                .iter()
                .any(|m| m.files.get(k).is_some_and(|x| x != e));
            if changed || touched {
                write.push(k.clone());
            }
            if touched && !changed {
                repaired.insert(k.clone());
            }
        }
        let strays = unsettled
            .iter()
            .flat_map(|m| m.files.keys())
            .filter(|k| {
                !to.files.contains_key(*k) && !from.is_some_and(|m| m.files.contains_key(*k))
            })
            .cloned()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let unchanged = (to.files.len() - write.len()) as u64;
        StablePlan {
            write,
            repaired,
            strays,
            unchanged,
        }
    }
}

/// Puts at the root the keys of the plan, from the bodies handed over or
/// else from the target's archive. Order: everything but pages (assets,
/// data, charts), then pages, then `index.html` — so a page never links to
/// an asset that is not there yet. Then removes the strays.
pub async fn sync_stable(
    target: &Target,
    to: &Corte,
    plan: &StablePlan,
    dry_run: bool,
    progress: &dyn Progress,
    held: Option<&Held>,
) -> Result<Counts, PublishError> {
    let step = Step::StableTree;
    let rank = |k: &str| match () {
        _ if k == "index.html" => 2,
        _ if k.ends_with(".html") => 1,
        _ => 0,
    };
    let items = to.stable_items(target, plan.write.iter());
    let bytes: u64 = items.iter().map(|i| i.size).sum();
    progress.begin(&target.name, step, items.len() as u64, bytes);
    let mut counts = Counts::default();
    for group in 0..3 {
        let batch: Vec<_> = items
            .iter()
            .filter(|i| rank(&i.key) == group)
            .cloned()
            .collect();
        // In chunks, the lease checked before each: a holder that lost it
        // stops with at most one chunk in flight.
        let chunk = target.policy.concurrency.max(1) * 8;
        for part in batch.chunks(chunk) {
            check(held, step)?;
            let part = part.to_vec();
            counts.add(transfer::put_all(target, step, part, None, dry_run, progress).await?);
        }
    }
    counts.skipped = plan.unchanged;
    check(held, step)?;
    counts.add(transfer::delete_all(target, step, plan.strays.clone(), dry_run).await?);
    Ok(counts)
}

/// After losing the pointer to `winner`: every stable key we wrote gets the
/// winner's bytes again (read from the archive), or goes away
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
    let items = w.stable_items(target, keep.iter());
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

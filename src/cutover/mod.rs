//! The cutover: one loaded snapshot → tally → render → sign → publish to
//! every target → recorded as history. `corte publish`, `corte watch` and
//! `corte demo` all come through here, so a corte published by hand and one
//! published by the daemon are made the same way.
//!
//! - [`setup`]: the [`Publisher`] from `corte.toml` and flags, in one call.
//! - [`history`]: earlier cortes (from the state folder or the first
//!   target), and recording each published corte in the state folder.
//! - [`steps`]: every step timed and logged one way.
//!
//! CPU-bound steps run off the async runtime; publishing runs on it, every
//! target on its own task. What this module is not: it does not load
//! snapshots or wait for them (`source`, `watch`), render (`site`) or upload
//! (`publish`); it runs them in order for one corte.

pub mod cache;
pub mod history;
pub mod sanity;
pub mod setup;
pub mod steps;
pub mod stream;

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{DateTime, FixedOffset, Utc};

use crate::contract::Snapshot;
use crate::publish::transfer::Counts;
use crate::publish::{self, Corte, Progress, PublishError, Report, Step, Target, sign};
use crate::published::{ImageSet, Manifest};
use crate::site::{RenderOptions, Theme};
use crate::source::images::{ImageError, ImageFolder};
use crate::tally::Ruleset;

pub use history::{HistorySource, IMAGES_RECORD};
pub use setup::{Setup, SetupError};
pub use steps::{StepTime, Steps};

/// What a cutover needs besides the snapshot. Built once ([`Publisher::open`]),
/// reused per corte.
pub struct Publisher {
    pub targets: Vec<Target>,
    pub theme: Theme,
    pub key: Option<sign::PrivateKey>,
    /// Overrides the catalog's ruleset.
    pub ruleset: Option<Ruleset>,
    pub options: publish::Options,
    pub history: HistorySource,
    /// The acta image folder, when images are published.
    pub images: Option<ImageFolder>,
    /// The corte an operator confirmed (`corte publish --confirm ID`): it is
    /// published even if it fails the sanity checks against the live corte.
    pub confirm: Option<String>,
}

/// What one cutover did.
pub struct Cutover {
    pub corte_id: String,
    pub seq: u32,
    pub corte_time: DateTime<FixedOffset>,
    pub manifest_sha256: String,
    pub files: usize,
    /// Artifacts rendered this time, and entries reused from the previous
    /// corte's render cache (`files` = `made` + `reused`).
    pub made: usize,
    pub reused: usize,
    pub steps: Vec<StepTime>,
    /// Per target, in the publisher's order.
    pub targets: Vec<(String, Result<Report, PublishError>)>,
    /// When the last pointer moved (None if no target went live).
    pub flipped_at: Option<DateTime<Utc>>,
    /// The rendered manifest (recorded as history when published).
    pub manifest: Manifest,
    pub manifest_bytes: Vec<u8>,
    /// What the image folder gave this corte (None without one).
    pub images: Option<ImagesSummary>,
}

/// The acta images of a corte: how many its pages link to, how many actas
/// still wait for theirs, and the files refused (hash ≠ name) with why.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ImagesSummary {
    pub ready: usize,
    pub pending: usize,
    pub rejected: Vec<String>,
}

impl ImagesSummary {
    pub fn of(set: &ImageSet) -> ImagesSummary {
        ImagesSummary {
            ready: set.images.len(),
            pending: set.pending,
            rejected: set.rejected.iter().map(ToString::to_string).collect(),
        }
    }
}

impl Cutover {
    pub fn published_somewhere(&self) -> bool {
        self.targets.iter().any(|(_, r)| r.is_ok())
    }

    pub fn failed_targets(&self) -> Vec<&str> {
        self.targets
            .iter()
            .filter(|(_, r)| r.is_err())
            .map(|(n, _)| n.as_str())
            .collect()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CutoverError {
    #[error("choosing the ruleset: {0}")]
    Ruleset(String),
    #[error("reading the history: {0}")]
    History(String),
    #[error(transparent)]
    Site(#[from] crate::site::SiteError),
    #[error(transparent)]
    Images(#[from] ImageError),
    /// The corte fails the sanity checks against the live one
    /// (`contract::sanity`): nothing was rendered or written.
    #[error(
        "held: {}; nothing was published. Publish it anyway with `corte publish SNAPSHOT --confirm {corte}`, or a newer corte supersedes it",
        concerns.join("; ")
    )]
    Held {
        corte: String,
        concerns: Vec<String>,
    },
    #[error(
        "abandoned at shutdown: uploads stopped before any stable tree changed (a stable tree already started was finished with its pointer); publish the same snapshot again to finish"
    )]
    Abandoned,
    /// The corte went live on some target but could not be recorded in the
    /// state folder, so the next corte would not see it as history.
    #[error("recording the corte in {}: {source}", path.display())]
    Record {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl Publisher {
    /// Tallies, renders, signs and publishes one snapshot, and records it
    /// in the state folder when it went live somewhere. `shutdown` lets the
    /// caller abandon between steps or during the uploads: abandoning is as
    /// safe as a crash (the previous corte stays live; a re-run finishes).
    /// A target already writing its stable tree finishes it and moves its
    /// pointer first, so the public tree is never left half moved.
    pub async fn cutover(
        &self,
        snapshot: Arc<Snapshot>,
        progress: Arc<dyn Progress>,
        shutdown: &tokio::sync::watch::Receiver<bool>,
    ) -> Result<Cutover, CutoverError> {
        let steps = Steps::new(snapshot.corte.id());
        self.cutover_after(snapshot, steps, progress, shutdown)
            .await
    }

    /// [`Publisher::cutover`], continuing `steps` (the caller's own, such as
    /// loading the snapshot).
    pub async fn cutover_after(
        &self,
        snapshot: Arc<Snapshot>,
        mut steps: Steps,
        progress: Arc<dyn Progress>,
        shutdown: &tokio::sync::watch::Receiver<bool>,
    ) -> Result<Cutover, CutoverError> {
        let corte_id = snapshot.corte.id();
        let ruleset = match &self.ruleset {
            Some(r) => r.clone(),
            None => crate::tally::ruleset_of(&snapshot).map_err(CutoverError::Ruleset)?,
        };
        let read = history::read(&self.history, &self.targets, snapshot.corte.seq);
        let (history, previous) = steps.time_async("history", read).await?;
        if *shutdown.borrow() {
            return Err(CutoverError::Abandoned);
        }
        // The previous corte's render cache: only what changed is rendered.
        let cache = self.read_cache();
        // Images, tally and render are CPU work: keep them off the async
        // workers. The render's batches go to the targets' archives as it
        // goes (see `stream`).
        let image_set = match &self.images {
            Some(folder) => Some(tokio::task::block_in_place(|| {
                steps.time("images", || folder.for_corte(&snapshot))
            })?),
            None => None,
        };
        // Built once: the render, and a render again of what a target
        // lacks (`publish`), differ only in the cache and the keys asked.
        let options = RenderOptions {
            previous,
            images: image_set.as_ref(),
            build_id: cache::build_id(),
            cache: cache.as_ref(),
            ..RenderOptions::new(&self.theme, &history)
        };
        let (streamed, results) = tokio::task::block_in_place(|| {
            let results = steps.time("tally", || crate::tally::tally(&snapshot, &ruleset));
            if self.confirm.as_deref() != Some(corte_id.as_str()) {
                let thresholds = crate::source::limits::sanity();
                let concerns =
                    sanity::concerns(&snapshot, &results, history.cortes.last(), &thresholds);
                if !concerns.is_empty() {
                    return Err(CutoverError::Held {
                        corte: corte_id.clone(),
                        concerns,
                    });
                }
            }
            let streamed = steps.time("render", || {
                stream::render_into(
                    &self.targets,
                    &snapshot,
                    &results,
                    &options,
                    self.options.dry_run,
                    progress.clone(),
                    shutdown,
                )
            })?;
            self.keep_cache(&streamed.rendered.cache);
            Ok::<_, CutoverError>((streamed, results))
        })?;
        let images = image_set.as_ref().map(ImagesSummary::of);
        if let Some(i) = &images {
            log_images(&corte_id, i);
        }
        let stream::Streamed {
            rendered,
            targets: archived,
            dropped,
            kept,
        } = streamed;
        tracing::info!(
            corte = %corte_id,
            made = rendered.made,
            reused = rendered.reused,
            files = rendered.manifest.files.len(),
            "rendered"
        );
        let corte = steps.time("sign", || {
            Arc::new(
                Corte::from_manifest(
                    rendered.manifest.clone(),
                    kept_bodies(&rendered.manifest, kept),
                    rendered.image_files.clone(),
                    self.key.as_ref(),
                )
                .dropped(dropped),
            )
        });
        if *shutdown.borrow() {
            return Err(CutoverError::Abandoned);
        }
        let again = Again {
            snapshot: &snapshot,
            results: &results,
            options: &options,
            cache: &rendered.cache,
        };
        let uploads = self.publish(&corte, archived, again, progress, shutdown);
        let targets = steps.time_async("publish", uploads).await?;
        if targets
            .iter()
            .any(|(_, r)| r.as_ref().is_err_and(|e| e.is_abandoned()))
        {
            // The snapshot stays where it was; the next run finishes it
            // (targets that did go live answer "already live").
            return Err(CutoverError::Abandoned);
        }
        let flipped_at = targets.iter().any(|(_, r)| r.is_ok()).then(Utc::now);
        let cutover = Cutover {
            corte_id,
            seq: snapshot.corte.seq,
            corte_time: snapshot.corte.time(),
            manifest_sha256: corte.manifest_sha256.clone(),
            files: rendered.manifest.files.len(),
            made: rendered.made,
            reused: rendered.reused,
            steps: steps.into_list(),
            targets,
            flipped_at,
            manifest: rendered.manifest,
            manifest_bytes: rendered.manifest_bytes,
            images,
        };
        self.record(&cutover)?;
        Ok(cutover)
    }

    /// Publishes a rendered corte to every target whose archive took its
    /// batches, each target's report with the objects it was sent while
    /// rendering. A target that lacks objects of artifacts reused from the
    /// render cache (a target that was behind, a corte rendered but never
    /// published there) gets those artifacts rendered again and sent, and
    /// the corte published once more, once.
    async fn publish(
        &self,
        corte: &Arc<Corte>,
        archived: Vec<Result<(Counts, std::time::Duration), PublishError>>,
        again: Again<'_>,
        progress: Arc<dyn Progress>,
        shutdown: &tokio::sync::watch::Receiver<bool>,
    ) -> Result<Vec<(String, Result<Report, PublishError>)>, CutoverError> {
        let options = publish::Options {
            stop: Some(shutdown.clone()),
            ..self.options.clone()
        };
        let sent: Vec<_> = archived.iter().map(|a| a.as_ref().ok().copied()).collect();
        let mut out = self
            .publish_to(corte, &self.targets, archived, &options, &progress)
            .await;
        let missing: BTreeSet<String> = out
            .iter()
            .filter_map(|(_, r)| r.as_ref().err()?.missing_keys())
            .flatten()
            .cloned()
            .collect();
        if missing.is_empty() {
            return Ok(out);
        }
        let behind: Vec<usize> = (0..out.len())
            .filter(|i| {
                out[*i]
                    .1
                    .as_ref()
                    .is_err_and(|e| e.missing_keys().is_some())
            })
            .collect();
        let targets: Vec<Target> = behind.iter().map(|i| self.targets[*i].clone()).collect();
        tracing::info!(
            corte = %corte.id,
            artifacts = missing.len(),
            targets = targets.len(),
            "objects missing on a target: rendering them again"
        );
        let streamed = tokio::task::block_in_place(|| {
            let opts = RenderOptions {
                cache: Some(again.cache),
                only: Some(&missing),
                ..again.options.clone()
            };
            stream::render_into(
                &targets,
                again.snapshot,
                again.results,
                &opts,
                self.options.dry_run,
                progress.clone(),
                shutdown,
            )
        })?;
        if streamed.rendered.manifest_sha256 != corte.manifest_sha256 {
            return Err(CutoverError::Site(crate::site::SiteError::Stopped(
                "rendering the missing artifacts again gave another manifest".into(),
            )));
        }
        let retried = self
            .publish_to(corte, &targets, streamed.targets, &options, &progress)
            .await;
        for (i, (name, mut r)) in behind.into_iter().zip(retried) {
            // The objects sent during the first render count too.
            if let (Ok(report), Some((counts, took))) = (&mut r, sent[i]) {
                report.record(Step::Objects, counts, took);
            }
            out[i] = (name, r);
        }
        Ok(out)
    }

    /// [`publish::publish_all`] on the targets whose archive writes went
    /// well; the others keep their error.
    async fn publish_to(
        &self,
        corte: &Arc<Corte>,
        targets: &[Target],
        archived: Vec<Result<(Counts, std::time::Duration), PublishError>>,
        options: &publish::Options,
        progress: &Arc<dyn Progress>,
    ) -> Vec<(String, Result<Report, PublishError>)> {
        let ready: Vec<Target> = targets
            .iter()
            .zip(&archived)
            .filter(|(_, a)| a.is_ok())
            .map(|(t, _)| t.clone())
            .collect();
        let mut published =
            publish::publish_all(ready, corte.clone(), options.clone(), progress.clone())
                .await
                .into_iter();
        let mut out = Vec::new();
        for (t, a) in targets.iter().zip(archived) {
            let r = match a {
                Err(e) => Err(e),
                Ok((counts, took)) => match published.next() {
                    Some((_, Ok(mut report))) => {
                        report.record(Step::Objects, counts, took);
                        Ok(report)
                    }
                    Some((_, Err(e))) => Err(e),
                    None => continue,
                },
            };
            out.push((t.name.clone(), r));
        }
        out
    }

    /// The render cache the state folder keeps, if any (none without one).
    fn read_cache(&self) -> Option<crate::site::RenderCache> {
        match &self.history {
            HistorySource::Folder(state) => cache::read(state),
            HistorySource::FirstTarget => None,
        }
    }

    /// Keeps the render cache of the corte just rendered in the state
    /// folder, for the next corte. A cache that cannot be written is only a
    /// slower next corte (a full render), so it is a warning.
    fn keep_cache(&self, cache: &crate::site::RenderCache) {
        let HistorySource::Folder(state) = &self.history else {
            return;
        };
        if self.options.dry_run {
            return;
        }
        if let Err(e) = cache::write(state, cache) {
            tracing::warn!(state = %state.display(), error = %e, "render cache not kept: the next corte renders in full");
        }
    }

    /// Keeps a corte that went live as history in the state folder, so the
    /// next cortes (and a re-run of this one) render from it.
    fn record(&self, cutover: &Cutover) -> Result<(), CutoverError> {
        let HistorySource::Folder(state) = &self.history else {
            return Ok(());
        };
        if self.options.dry_run || !cutover.published_somewhere() {
            return Ok(());
        }
        history::record(state, &cutover.manifest_bytes, &cutover.corte_id).map_err(|source| {
            CutoverError::Record {
                path: state.clone(),
                source,
            }
        })
    }
}

/// What rendering some artifacts of a corte again needs.
struct Again<'a> {
    snapshot: &'a Snapshot,
    results: &'a crate::tally::Results,
    /// The options the corte was rendered with.
    options: &'a RenderOptions<'a>,
    /// The corte's own render cache: everything not asked for is reused.
    cache: &'a crate::site::RenderCache,
}

fn log_images(corte: &str, i: &ImagesSummary) {
    tracing::info!(
        corte,
        ready = i.ready,
        pending = i.pending,
        rejected = i.rejected.len(),
        "acta images"
    );
    for r in &i.rejected {
        tracing::warn!(corte, image = %r, "acta image rejected");
    }
}

/// The kept archive objects ([`stream::Streamed::kept`]) as the bodies of
/// the manifest keys that name them: the stable tree then writes those
/// keys from memory instead of reading each back from the archive.
fn kept_bodies(
    manifest: &crate::published::manifest::Manifest,
    kept: std::collections::HashMap<String, bytes::Bytes>,
) -> std::collections::HashMap<String, bytes::Bytes> {
    if kept.is_empty() {
        return std::collections::HashMap::new();
    }
    manifest
        .files
        .iter()
        .filter_map(|(key, entry)| {
            let object = crate::published::objects::key_of(entry)?;
            kept.get(&object).map(|b| (key.clone(), b.clone()))
        })
        .collect()
}

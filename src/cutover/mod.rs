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

pub mod history;
pub mod sanity;
pub mod setup;
pub mod steps;

use std::sync::Arc;

use chrono::{DateTime, FixedOffset, Utc};

use crate::contract::Snapshot;
use crate::publish::{self, Corte, Progress, PublishError, Report, Target, sign};
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
        // Images, tally and render are CPU work: keep them off the async workers.
        let (build, image_set) = tokio::task::block_in_place(|| {
            let image_set = match &self.images {
                Some(folder) => Some(steps.time("images", || folder.for_corte(&snapshot))?),
                None => None,
            };
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
            let options = RenderOptions {
                theme: &self.theme,
                history: &history,
                previous,
                images: image_set.as_ref(),
            };
            let build = steps.time("render", || {
                crate::site::render(&snapshot, &results, &options)
            })?;
            Ok::<_, CutoverError>((build, image_set))
        })?;
        let images = image_set.as_ref().map(ImagesSummary::of);
        if let Some(i) = &images {
            log_images(&corte_id, i);
        }
        let manifest = build.manifest.clone();
        let manifest_bytes = build.manifest_bytes.clone();
        let files = build.artifacts.len();
        let corte = steps.time("sign", || {
            Arc::new(Corte::from_build(build, self.key.as_ref()))
        });
        if *shutdown.borrow() {
            return Err(CutoverError::Abandoned);
        }
        // A shutdown abandons the uploads, but a target whose stable tree
        // has started finishes it with the pointer (publish::Options::stop).
        let options = publish::Options {
            stop: Some(shutdown.clone()),
            ..self.options.clone()
        };
        let uploads = publish::publish_all(self.targets.clone(), corte.clone(), options, progress);
        let targets = steps.time_async("publish", uploads).await;
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
            files,
            steps: steps.into_list(),
            targets,
            flipped_at,
            manifest,
            manifest_bytes,
            images,
        };
        self.record(&cutover)?;
        Ok(cutover)
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

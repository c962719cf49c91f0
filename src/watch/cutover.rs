//! One cutover: a loaded snapshot → tally → render → sign → publish to every
//! target. The watcher and `corte publish` both come through here, so a
//! corte published by hand and one published by the daemon are made the same
//! way.
//!
//! Every step is timed and logged as one structured line. CPU-bound steps run
//! off the async runtime; publishing runs on it, every target on its own task.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, FixedOffset, Utc};

use crate::contract::Snapshot;
use crate::publish::{self, Corte, Progress, PublishError, Report, Target, sign};
use crate::published::Manifest;
use crate::site::{History, RenderOptions, Theme};
use crate::tally::Ruleset;

/// Where earlier cortes (for the evolution charts and the manifest's
/// `previous`) come from.
#[derive(Debug, Clone)]
pub enum HistorySource {
    /// A folder of manifests this publisher rendered and published (the
    /// watcher's state): a re-run renders the very same bytes whatever the
    /// targets answer.
    Folder(PathBuf),
    /// The first target's published history (`corte publish` without state).
    FirstTarget,
}

/// What a cutover needs besides the snapshot. Built once, reused per corte.
pub struct Publisher {
    pub targets: Vec<Target>,
    pub theme: Theme,
    pub key: Option<sign::PrivateKey>,
    /// Overrides the catalog's ruleset.
    pub ruleset: Option<Ruleset>,
    pub options: publish::Options,
    pub history: HistorySource,
    /// The acta image folder, when images are published.
    pub images: Option<crate::source::images::ImageFolder>,
}

/// A step of the cutover and how long it took.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct StepTime {
    pub step: String,
    pub ms: u64,
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
    /// The rendered manifest (the watcher keeps it as history).
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
    pub fn of(set: &crate::published::images::ImageSet) -> ImagesSummary {
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
    Images(#[from] crate::source::images::ImageError),
    #[error(
        "abandoned at shutdown: uploads stopped before any stable tree changed (a stable tree already started was finished with its pointer); publish the same snapshot again to finish"
    )]
    Abandoned,
}

fn timed<T>(
    steps: &mut Vec<StepTime>,
    step: &'static str,
    corte: &str,
    f: impl FnOnce() -> T,
) -> T {
    let t = Instant::now();
    let out = f();
    let ms = t.elapsed().as_millis() as u64;
    tracing::info!(corte, step, ms, "cutover step");
    steps.push(StepTime {
        step: step.to_string(),
        ms,
    });
    out
}

impl Publisher {
    /// Tallies, renders, signs and publishes one snapshot. `shutdown` lets
    /// the caller abandon between steps or during the uploads: abandoning is
    /// as safe as a crash (the previous corte stays live; a re-run
    /// finishes). A target already writing its stable tree finishes it and
    /// moves its pointer first, so the public tree is never left half moved.
    pub async fn cutover(
        &self,
        snapshot: Arc<Snapshot>,
        progress: Arc<dyn Progress>,
        shutdown: &tokio::sync::watch::Receiver<bool>,
    ) -> Result<Cutover, CutoverError> {
        let corte_id = snapshot.corte.id();
        let mut steps = Vec::new();
        let ruleset = match &self.ruleset {
            Some(r) => r.clone(),
            None => crate::tally::ruleset_of(&snapshot).map_err(CutoverError::Ruleset)?,
        };
        let t = Instant::now();
        let (history, previous) = self.history(snapshot.corte.seq).await?;
        steps.push(StepTime {
            step: "history".into(),
            ms: t.elapsed().as_millis() as u64,
        });
        if *shutdown.borrow() {
            return Err(CutoverError::Abandoned);
        }
        let snap = snapshot.clone();
        let theme = &self.theme;
        let key = self.key.clone();
        let id = corte_id.clone();
        let images = self.images.as_ref();
        // Images, tally and render are CPU work: keep them off the async workers.
        let (build, image_set, mut cpu_steps) = tokio::task::block_in_place(|| {
            let mut s = Vec::new();
            let image_set = match images {
                Some(folder) => match timed(&mut s, "images", &id, || folder.for_corte(&snap)) {
                    Ok(set) => Some(set),
                    Err(e) => return (Err(CutoverError::from(e)), None, s),
                },
                None => None,
            };
            let results = timed(&mut s, "tally", &id, || {
                crate::tally::tally(&snap, &ruleset)
            });
            let build = timed(&mut s, "render", &id, || {
                crate::site::render(
                    &snap,
                    &results,
                    &RenderOptions {
                        theme,
                        history: &history,
                        previous,
                        images: image_set.as_ref(),
                    },
                )
            });
            (build.map_err(CutoverError::from), image_set, s)
        });
        steps.append(&mut cpu_steps);
        let build = build?;
        let images = image_set.as_ref().map(ImagesSummary::of);
        if let Some(i) = &images {
            tracing::info!(
                corte = %corte_id,
                ready = i.ready,
                pending = i.pending,
                rejected = i.rejected.len(),
                "acta images"
            );
            for r in &i.rejected {
                tracing::warn!(corte = %corte_id, image = %r, "acta image rejected");
            }
        }
        let manifest = build.manifest.clone();
        let manifest_bytes = build.manifest_bytes.clone();
        let files = build.artifacts.len();
        let corte = timed(&mut steps, "sign", &corte_id, || {
            Arc::new(Corte::from_build(build, key.as_ref()))
        });
        if *shutdown.borrow() {
            return Err(CutoverError::Abandoned);
        }
        let t = Instant::now();
        // A shutdown abandons the uploads, but a target whose stable tree
        // has started finishes it with the pointer (publish::Options::stop).
        let options = publish::Options {
            stop: Some(shutdown.clone()),
            ..self.options.clone()
        };
        let targets =
            publish::publish_all(self.targets.clone(), corte.clone(), options, progress).await;
        if targets
            .iter()
            .any(|(_, r)| r.as_ref().is_err_and(|e| e.is_abandoned()))
        {
            // The snapshot stays in the inbox; the next start finishes it
            // (targets that did go live answer "already live").
            return Err(CutoverError::Abandoned);
        }
        let ms = t.elapsed().as_millis() as u64;
        tracing::info!(corte = %corte_id, step = "publish", ms, "cutover step");
        steps.push(StepTime {
            step: "publish".into(),
            ms,
        });
        let flipped_at = targets.iter().any(|(_, r)| r.is_ok()).then(Utc::now);
        Ok(Cutover {
            corte_id,
            seq: snapshot.corte.seq,
            corte_time: snapshot.corte.time(),
            manifest_sha256: corte.manifest_sha256.clone(),
            files,
            steps,
            targets,
            flipped_at,
            manifest,
            manifest_bytes,
            images,
        })
    }

    /// Earlier cortes and the one before this.
    async fn history(&self, seq: u32) -> Result<(History, Option<String>), CutoverError> {
        let history = match &self.history {
            HistorySource::Folder(dir) => {
                let folder = dir.join("history");
                if !folder.exists() {
                    History::default()
                } else {
                    let files = crate::source::history::read_manifests(&folder)
                        .map_err(|e| CutoverError::History(e.to_string()))?;
                    History::from_manifest_bytes(files, seq)
                        .map_err(|e| CutoverError::History(e.to_string()))?
                }
            }
            HistorySource::FirstTarget => match self.targets.first() {
                Some(t) => History::before(target_history(t).await?, seq),
                None => History::default(),
            },
        };
        let previous = history.cortes.last().map(|m| m.corte.id.clone());
        Ok((history, previous))
    }
}

/// Records a published corte's manifest as history for the next ones.
pub fn record_history(state: &Path, manifest_bytes: &[u8], corte_id: &str) -> std::io::Result<()> {
    let dir = state.join("history");
    std::fs::create_dir_all(&dir)?;
    let tmp = dir.join(format!(".{corte_id}.json.tmp"));
    std::fs::write(&tmp, manifest_bytes)?;
    std::fs::rename(tmp, dir.join(format!("{corte_id}.json")))
}

/// Every non-withdrawn corte in a target's history.
async fn target_history(t: &Target) -> Result<Vec<Manifest>, CutoverError> {
    let h = |e: PublishError| CutoverError::History(e.to_string());
    let (ix, _) = publish::pointer::read_index(t).await.map_err(h)?;
    let mut manifests = Vec::new();
    for c in ix.cortes.iter().filter(|c| !c.withdrawn) {
        let got = publish::transfer::get(t, &c.manifest).await.map_err(|e| {
            CutoverError::History(format!("target {}: reading {}: {e}", t.name, c.manifest))
        })?;
        if let Some((bytes, _)) = got {
            let m = Manifest::from_json(&bytes).map_err(|m| {
                CutoverError::History(format!("target {}: {}: {m}", t.name, c.manifest))
            })?;
            manifests.push(m);
        }
    }
    Ok(manifests)
}

/// Seconds between two instants, for lag figures.
pub fn seconds_between(from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
    (to - from).num_milliseconds() as f64 / 1000.0
}

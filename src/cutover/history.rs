//! Earlier cortes, for the evolution charts and the manifest's `previous`:
//! where they come from, and how a publisher with a state folder records
//! each corte it published so that the next one (and a re-run of this one)
//! renders from the very same history.
//!
//! The state folder holds `history/<corte-id>.json` (the manifests this
//! publisher published) and `images/` (the acta images chosen for each
//! corte, kept by `source::images::ImageFolder::recording`).

use std::path::{Path, PathBuf};

use super::CutoverError;
use crate::publish::{self, PublishError, Target};
use crate::published::Manifest;
use crate::site::History;

/// The folder of the state folder holding the published manifests.
pub const HISTORY_RECORD: &str = "history";
/// The folder of the state folder where the acta images chosen for each
/// corte are recorded ([`crate::source::images::ImageFolder::recording`]).
pub const IMAGES_RECORD: &str = "images";

/// Where earlier cortes (for the evolution charts and the manifest's
/// `previous`) come from.
#[derive(Debug, Clone)]
pub enum HistorySource {
    /// A state folder of manifests this publisher rendered and published
    /// (the watcher's state): a re-run renders the very same bytes whatever
    /// the targets answer. Each corte published is recorded there.
    Folder(PathBuf),
    /// The first target's published history (`corte publish` without state).
    FirstTarget,
}

/// Earlier cortes than `seq` and the one just before it.
pub(super) async fn read(
    source: &HistorySource,
    targets: &[Target],
    seq: u32,
) -> Result<(History, Option<String>), CutoverError> {
    let history = match source {
        HistorySource::Folder(state) => {
            let folder = state.join(HISTORY_RECORD);
            if !folder.exists() {
                History::default()
            } else {
                let files = crate::source::history::read_manifests(&folder)
                    .map_err(|e| CutoverError::History(e.to_string()))?;
                History::from_manifest_bytes(files, seq)
                    .map_err(|e| CutoverError::History(e.to_string()))?
            }
        }
        HistorySource::FirstTarget => match targets.first() {
            Some(t) => History::before(target_history(t).await?, seq),
            None => History::default(),
        },
    };
    let previous = history.cortes.last().map(|m| m.corte.id.clone());
    Ok((history, previous))
}

/// Records a published corte's manifest in the state folder, as history
/// for the next ones.
pub(super) fn record(state: &Path, manifest_bytes: &[u8], corte_id: &str) -> std::io::Result<()> {
    let dir = state.join(HISTORY_RECORD);
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
            // One manifest whole at a time: the history keeps summaries.
            manifests.push(crate::site::history::summary_only(m));
        }
    }
    Ok(manifests)
}

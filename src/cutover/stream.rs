//! Rendering a corte straight into the targets' archives: each batch the
//! render hands over ([`crate::site::render_batches`]) is put on every
//! target's `objetos/` (skipping what a target holds) and dropped, so the
//! memory of a corte does not grow with its number of pages, and the
//! uploads overlap the render.
//!
//! A target whose archive writes fail is left out of the rest of the
//! corte, with its error; the others go on. A slow target slows the
//! render down (a bounded queue), but does not stop it. With a dry run
//! nothing may be written: the artifacts are kept instead, as the bodies
//! the dry publish reads.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;

use super::CutoverError;
use crate::contract::Snapshot;
use crate::publish::transfer::Counts;
use crate::publish::{self, Batch, ErrorKind, Progress, PublishError, Target};
use crate::site::{Artifact, RenderOptions, Rendered, SiteError};
use crate::tally::Results;

/// Batches in flight between the render and the uploads, at most.
const QUEUE: usize = 2;

/// What a streamed render made, and what it cost each target.
pub struct Streamed {
    pub rendered: Rendered,
    /// Per target (in the caller's order): the archive objects written
    /// while rendering and the time spent, or the error that left the
    /// target out.
    pub targets: Vec<Result<(Counts, Duration), PublishError>>,
    /// The stored bytes of what was made, by manifest key: a dry run only.
    pub bodies: HashMap<String, Bytes>,
}

/// Renders with `opts` and puts every batch on `targets` (see the
/// module's doc). Runs on a thread that may block (inside
/// `tokio::task::block_in_place`); the uploads run on the runtime.
pub fn render_into(
    targets: &[Target],
    snapshot: &Snapshot,
    results: &Results,
    opts: &RenderOptions,
    dry_run: bool,
    progress: Arc<dyn Progress>,
    shutdown: &tokio::sync::watch::Receiver<bool>,
) -> Result<Streamed, CutoverError> {
    if dry_run {
        let mut bodies = HashMap::new();
        let rendered = crate::site::render_batches(snapshot, results, opts, &mut |batch| {
            bodies.extend(batch.into_iter().map(|a| {
                let key = a.key.clone();
                (key, stored(a))
            }));
            Ok(())
        })?;
        let targets = targets.iter().map(|_| Ok(Default::default())).collect();
        return Ok(Streamed {
            rendered,
            targets,
            bodies,
        });
    }
    let handle = tokio::runtime::Handle::current();
    let (tx, rx) = tokio::sync::mpsc::channel::<Batch>(QUEUE);
    let uploads = handle.spawn(upload(targets.to_vec(), rx, progress));
    let rendered = crate::site::render_batches(snapshot, results, opts, &mut |artifacts| {
        if *shutdown.borrow() {
            return Err("a shutdown was requested".into());
        }
        let batch = Batch::from_artifacts(artifacts)?;
        tx.blocking_send(batch)
            .map_err(|_| "the uploads stopped".to_string())
    });
    drop(tx);
    let targets = handle.block_on(uploads).unwrap_or_else(|e| {
        let failed = format!("the upload task failed: {e}");
        let err = |t: &Target| t.err(publish::Step::Objects, ErrorKind::Invalid(failed.clone()));
        targets.iter().map(|t| Err(err(t))).collect()
    });
    let rendered = match rendered {
        Ok(r) => r,
        Err(SiteError::Stopped(_)) if *shutdown.borrow() => return Err(CutoverError::Abandoned),
        Err(e) => return Err(e.into()),
    };
    Ok(Streamed {
        rendered,
        targets,
        bodies: HashMap::new(),
    })
}

/// The bytes an artifact is stored as (the gzip copy where it has one).
fn stored(a: Artifact) -> Bytes {
    Bytes::from(a.gzip.unwrap_or(a.bytes))
}

/// Puts every batch received on every target still standing, the targets
/// at once; a target that fails is dropped with its error.
async fn upload(
    targets: Vec<Target>,
    mut rx: tokio::sync::mpsc::Receiver<Batch>,
    progress: Arc<dyn Progress>,
) -> Vec<Result<(Counts, Duration), PublishError>> {
    let mut out: Vec<Result<(Counts, Duration), PublishError>> = targets
        .iter()
        .map(|_| Ok((Counts::default(), Duration::ZERO)))
        .collect();
    while let Some(batch) = rx.recv().await {
        let puts = targets
            .iter()
            .zip(&out)
            .enumerate()
            .filter(|(_, (_, r))| r.is_ok())
            .map(|(i, (t, _))| {
                let (batch, progress) = (&batch, &progress);
                async move {
                    let started = Instant::now();
                    let r = publish::put_objects(t, batch, &**progress).await;
                    (i, r, started.elapsed())
                }
            })
            .collect::<Vec<_>>();
        for (i, r, took) in futures::future::join_all(puts).await {
            match (r, &mut out[i]) {
                (Ok(c), Ok((counts, time))) => {
                    counts.add(c);
                    *time += took;
                }
                (Err(e), slot) => *slot = Err(e),
                (Ok(_), Err(_)) => {}
            }
        }
    }
    out
}

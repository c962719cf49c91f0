//! Rendering a corte straight into the targets' archives: each batch the
//! render hands over ([`crate::site::render_batches`]) is put on every
//! target's `objetos/` (skipping what a target holds) and dropped, so the
//! memory of a corte does not grow with its number of pages, and the
//! uploads overlap the render.
//!
//! Every target has its own bounded queue of batches and its own upload
//! task, so targets do not wait for each other. The render waits for a
//! target whose queue is full only while that target keeps pace with the
//! fastest one (at most [`SLACK`] batches behind it): with one target, or
//! targets of about the same speed, the render goes at their pace and
//! every target gets every batch. A target further behind is not waited
//! for: it misses the batches that find its queue full, and its publish
//! then finds those objects missing and has them rendered again for it
//! alone (`Publisher::publish`). So a slow target costs its own corte a
//! second, partial render, and the others' lag nothing; the batches alive
//! at once stay bounded by the queues whatever the targets' speeds.
//!
//! A target whose archive writes fail is left out of the rest of the
//! corte, with its error; the others go on. With a dry run nothing may be
//! written: each batch's keys are noted and its bytes dropped, as the real
//! path drops them once sent, so a dry run holds no more than a real one;
//! the dry publish counts those objects as to be put.
//!
//! The stored bytes of what was made are also kept, up to [`KEEP_BYTES`],
//! for the stable tree: the changed keys it gets are these artifacts, and
//! a body kept is one object read back from the archive less per key (on
//! S3 a GET before each PUT). Past the budget the stable tree reads the
//! rest from the archive, as it would anyway.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::sync::mpsc::{self, error::TrySendError};

use super::CutoverError;
use crate::contract::Snapshot;
use crate::publish::transfer::Counts;
use crate::publish::{self, Batch, ErrorKind, Progress, PublishError, Target};
use crate::site::{RenderOptions, Rendered, SiteError};
use crate::tally::Results;

/// Batches waiting for one target, at most.
const QUEUE: usize = 2;

/// How many batches a target may be behind the fastest before the render
/// stops waiting for it.
pub const SLACK: usize = 4;

/// Stored bytes of the artifacts made that are kept for the stable tree,
/// at most: all of a busiest-hour CDMX corte (about 22 MB), most of a
/// national one (about 300 MB), a fraction of a first corte.
pub const KEEP_BYTES: usize = 256 << 20;

/// What a streamed render made, and what it cost each target.
pub struct Streamed {
    pub rendered: Rendered,
    /// Per target (in the caller's order): the archive objects written
    /// while rendering and the time spent, or the error that left the
    /// target out.
    pub targets: Vec<Result<(Counts, Duration), PublishError>>,
    /// The manifest keys of what was made: a dry run only (the bytes are
    /// dropped; see [`crate::publish::Corte::dropped`]).
    pub dropped: HashSet<String>,
    /// Stored bytes of archive objects made (by archive key), at most
    /// [`KEEP_BYTES`] in all; none for a dry run.
    pub kept: HashMap<String, Bytes>,
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
        let mut dropped = HashSet::new();
        let rendered = crate::site::render_batches(snapshot, results, opts, &mut |batch| {
            dropped.extend(batch.into_iter().map(|a| a.key));
            Ok(())
        })?;
        let targets = targets.iter().map(|_| Ok(Default::default())).collect();
        return Ok(Streamed {
            rendered,
            targets,
            dropped,
            kept: HashMap::new(),
        });
    }
    let handle = tokio::runtime::Handle::current();
    let mut queues: Vec<Queue> = targets
        .iter()
        .map(|t| {
            let (tx, rx) = mpsc::channel::<Batch>(QUEUE);
            let done = Arc::new(AtomicUsize::new(0));
            let task = handle.spawn(upload(t.clone(), rx, done.clone(), progress.clone()));
            Queue {
                tx: Some(tx),
                done,
                missed: 0,
                task,
            }
        })
        .collect();
    let mut kept = Kept::new(KEEP_BYTES);
    let rendered = crate::site::render_batches(snapshot, results, opts, &mut |artifacts| {
        if *shutdown.borrow() {
            return Err("a shutdown was requested".into());
        }
        let batch = Batch::from_artifacts(artifacts)?;
        kept.take(&batch);
        offer(&handle, &mut queues, &batch);
        Ok(())
    });
    let mut out = Vec::with_capacity(queues.len());
    for (q, t) in queues.into_iter().zip(targets) {
        drop(q.tx);
        if q.missed > 0 {
            tracing::info!(
                target = %t.name,
                batches = q.missed,
                "a target too slow to keep pace missed batches: they are rendered again for it"
            );
        }
        out.push(handle.block_on(q.task).unwrap_or_else(|e| {
            let failed = format!("the upload task failed: {e}");
            Err(t.err(publish::Step::Objects, ErrorKind::Invalid(failed)))
        }));
    }
    let rendered = match rendered {
        Ok(r) => r,
        Err(SiteError::Stopped(_)) if *shutdown.borrow() => return Err(CutoverError::Abandoned),
        Err(e) => return Err(e.into()),
    };
    Ok(Streamed {
        rendered,
        targets: out,
        dropped: HashSet::new(),
        kept: kept.bodies,
    })
}

/// The stored bytes of archive objects made, kept for the stable tree up
/// to a budget: the first that fit are kept, the rest are not (the stable
/// tree reads those from the archive).
struct Kept {
    bodies: HashMap<String, Bytes>,
    bytes: usize,
    budget: usize,
}

impl Kept {
    fn new(budget: usize) -> Kept {
        Kept {
            bodies: HashMap::new(),
            bytes: 0,
            budget,
        }
    }

    /// Keeps what fits of `batch` (a shared reference to its bytes, not a
    /// copy).
    fn take(&mut self, batch: &Batch) {
        for o in batch.objects() {
            if self.bytes + o.bytes.len() <= self.budget && !self.bodies.contains_key(&o.key) {
                self.bytes += o.bytes.len();
                self.bodies.insert(o.key.clone(), o.bytes.clone());
            }
        }
    }
}

/// One target's side of the stream.
struct Queue {
    /// None once the target's uploads stopped (an error, kept by `task`).
    tx: Option<mpsc::Sender<Batch>>,
    /// Batches the target has put.
    done: Arc<AtomicUsize>,
    /// Batches it missed for being too far behind.
    missed: usize,
    task: tokio::task::JoinHandle<Result<(Counts, Duration), PublishError>>,
}

/// Hands `batch` to every target still standing: waiting for room in the
/// queue of a target that keeps pace, not waiting for one more than
/// [`SLACK`] batches behind the fastest (it misses the batch if its queue
/// is full). A batch is shared, not copied, between the queues.
fn offer(handle: &tokio::runtime::Handle, queues: &mut [Queue], batch: &Batch) {
    let leader = queues
        .iter()
        .filter(|q| q.tx.is_some())
        .map(|q| q.done.load(Ordering::Relaxed))
        .max()
        .unwrap_or(0);
    for q in queues.iter_mut() {
        let Some(tx) = &q.tx else { continue };
        let behind = leader.saturating_sub(q.done.load(Ordering::Relaxed)) > SLACK;
        let open = if behind {
            match tx.try_send(batch.clone()) {
                Ok(()) => true,
                Err(TrySendError::Full(_)) => {
                    q.missed += 1;
                    true
                }
                Err(TrySendError::Closed(_)) => false,
            }
        } else {
            handle.block_on(tx.send(batch.clone())).is_ok()
        };
        if !open {
            q.tx = None;
        }
    }
}

/// Puts every batch received on `target`, until the queue closes or a put
/// fails (the error ends the target's part of the corte).
async fn upload(
    target: Target,
    mut rx: mpsc::Receiver<Batch>,
    done: Arc<AtomicUsize>,
    progress: Arc<dyn Progress>,
) -> Result<(Counts, Duration), PublishError> {
    let mut counts = Counts::default();
    let mut time = Duration::ZERO;
    while let Some(batch) = rx.recv().await {
        let started = Instant::now();
        counts.add(publish::put_objects(&target, &batch, &*progress).await?);
        time += started.elapsed();
        done.fetch_add(1, Ordering::Relaxed);
    }
    Ok((counts, time))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a runtime")
    }

    /// A target's queue whose batches the test receives itself.
    fn queue(rt: &tokio::runtime::Runtime, done: usize) -> (Queue, mpsc::Receiver<Batch>) {
        let (tx, rx) = mpsc::channel(QUEUE);
        let task = rt.spawn(async { Ok((Counts::default(), Duration::ZERO)) });
        let q = Queue {
            tx: Some(tx),
            done: Arc::new(AtomicUsize::new(done)),
            missed: 0,
            task,
        };
        (q, rx)
    }

    fn fill(q: &Queue) {
        let tx = q.tx.as_ref().expect("open");
        for _ in 0..QUEUE {
            tx.try_send(Batch::default()).expect("room");
        }
    }

    #[test]
    fn what_is_made_is_kept_up_to_the_budget_and_once() {
        let artifact = |key: &str, body: &str| {
            let mut a = crate::site::Artifact::new(
                key.to_string(),
                body.as_bytes().to_vec(),
                crate::published::manifest::CacheClass::Short,
            );
            a.seal();
            a
        };
        let json = |n: usize| format!("{{\"n\":{}}}", "9".repeat(n));
        let first = Batch::from_artifacts([
            artifact("api/a.json", &json(10)),
            // The same bytes under another key: one archive object.
            artifact("api/b.json", &json(10)),
        ])
        .expect("a batch");
        let second = Batch::from_artifacts([
            artifact("api/c.json", &json(30)),
            artifact("api/d.json", &json(1)),
        ])
        .expect("a batch");
        let size = |b: &Batch| {
            b.objects()
                .iter()
                .map(|o| o.bytes.len())
                .collect::<Vec<_>>()
        };
        let a = size(&first)[0];
        let smaller = size(&second).into_iter().min().unwrap_or(0);
        let mut kept = Kept::new(a + smaller);
        kept.take(&first);
        kept.take(&first);
        assert_eq!(kept.bodies.len(), 1, "one object, kept once");
        assert_eq!(kept.bytes, a);
        kept.take(&second);
        // Only the smaller of the second batch's objects still fits.
        assert_eq!(kept.bodies.len(), 2);
        assert!(kept.bytes <= kept.budget);
        for o in first.objects().iter().chain(second.objects()) {
            if let Some(b) = kept.bodies.get(&o.key) {
                assert_eq!(b, &o.bytes, "{}: the bytes put on the archive", o.key);
            }
        }
    }

    #[test]
    fn a_target_far_behind_misses_a_batch_instead_of_holding_the_render() {
        let rt = runtime();
        let (fast, mut fast_rx) = queue(&rt, SLACK + 1);
        let (slow, mut slow_rx) = queue(&rt, 0);
        let mut queues = vec![fast, slow];
        // The slow target's queue is full and it is SLACK + 1 batches
        // behind: `offer` must return (waiting would hang this test).
        fill(&queues[1]);
        offer(rt.handle(), &mut queues, &Batch::default());
        assert!(fast_rx.try_recv().is_ok(), "the fast target got the batch");
        assert_eq!(queues[0].missed, 0);
        assert_eq!(queues[1].missed, 1, "the slow one missed it");
        // With room again, it gets the next batch even while behind.
        while slow_rx.try_recv().is_ok() {}
        offer(rt.handle(), &mut queues, &Batch::default());
        assert!(slow_rx.try_recv().is_ok());
        assert_eq!(queues[1].missed, 1);
    }

    #[test]
    fn a_target_within_the_slack_gets_every_batch() {
        let rt = runtime();
        let (a, mut a_rx) = queue(&rt, SLACK);
        let (b, mut b_rx) = queue(&rt, 0);
        let mut queues = vec![a, b];
        for _ in 0..QUEUE {
            offer(rt.handle(), &mut queues, &Batch::default());
        }
        // Both queues are full now; the next batch waits for room at b
        // (SLACK behind: it keeps pace), which a receiver makes.
        let drain = rt.spawn(async move {
            let mut got = 0;
            while got < QUEUE + 1 && b_rx.recv().await.is_some() {
                got += 1;
            }
            got
        });
        while a_rx.try_recv().is_ok() {}
        offer(rt.handle(), &mut queues, &Batch::default());
        assert_eq!(rt.block_on(drain).expect("the drain"), QUEUE + 1);
        assert_eq!(queues[1].missed, 0);
        assert_eq!(queues[0].missed, 0);
    }

    #[test]
    fn a_stopped_target_is_left_out() {
        let rt = runtime();
        let (a, mut a_rx) = queue(&rt, 0);
        let (b, b_rx) = queue(&rt, 0);
        drop(b_rx);
        let mut queues = vec![a, b];
        offer(rt.handle(), &mut queues, &Batch::default());
        assert!(a_rx.try_recv().is_ok());
        assert!(queues[1].tx.is_none());
    }
}

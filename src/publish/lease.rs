//! The stable-tree lease, `cortes/lease.json`: who may write the stable
//! tree, the pointer, the public key and the stale deletions of a target
//! now. Everything else a publisher writes is its own corte's
//! (`cortes/<id>/…`) or content-addressed (`objetos/`, `actas/`), so two
//! publishers never clash there; the stable tree is shared, and a publisher
//! that wrote it (or deleted from it) while another was still writing it
//! could leave the other's live corte incomplete.
//!
//! The lease is one small JSON document changed only by conditional puts:
//! taken with `PutMode::Create` (no lease yet) or `PutMode::Update` against
//! the version read (a free one, or an abandoned one), renewed by its
//! holder every third of its time to live by `PutMode::Update`, and given
//! back by writing it `free`. A lease is **abandoned** when a contender has
//! seen the same bytes for a whole time to live by its own monotonic clock:
//! the holder renews far more often than that, so no clock of another
//! machine is trusted, and taking it over is itself conditional on that
//! version, so two contenders cannot both win. It is not waited out when
//! its holder is certainly gone: a process of this machine that no longer
//! exists (a watcher restarted after `kill -9`), or this very process, which
//! no longer holds it (a release that failed). A holder stops writing the
//! stable tree (`ErrorKind::LeaseLost`) once two thirds of a time to live
//! have passed since it sent its last renewal that succeeded, before any
//! contender may take it over; writes are checked between chunks, so a
//! holder frozen (not crashed) past its lease lands at most the writes it
//! already had in flight.
//!
//! Stores: a folder target does conditional puts under a `flock` on
//! `.corte.lock` (see [`super::local`]), across processes on one machine;
//! S3 (AWS since 2024, MinIO, moto) sends `If-None-Match: *` and
//! `If-Match`; GCS and Azure have their own preconditions in object_store.
//! A store without conditional puts cannot move the pointer safely either.

use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use object_store::{PutMode, PutResult, UpdateVersion};
use serde::{Deserialize, Serialize};

use super::error::{ErrorKind, PublishError, Step};
use super::pointer::now;
use super::target::Target;
use super::transfer;
use crate::published::{Headers, layout};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    Held,
    Free,
}

/// Who holds (or last held) the lease: for people reading the document
/// and the messages of those waiting for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    pub host: String,
    pub pid: u32,
    /// What it is doing, e.g. `publish 00003-20240602-2015`.
    pub work: String,
}

impl Holder {
    pub fn here(work: &str) -> Holder {
        Holder {
            host: host_name(),
            pid: std::process::id(),
            work: work.to_string(),
        }
    }
}

impl fmt::Display for Holder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (pid {} on {})", self.work, self.pid, self.host)
    }
}

/// This machine's name, for holders' descriptions only.
pub fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown-host".into())
}

/// `cortes/lease.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaseDoc {
    pub lease_version: u32,
    pub state: State,
    pub holder: Holder,
    /// Random, per acquisition: tells our own lease from another's after a
    /// put whose answer was lost.
    pub token: String,
    pub since: String,
    pub renewed_at: String,
    pub ttl_ms: u64,
    pub renewals: u64,
}

impl LeaseDoc {
    fn to_bytes(&self) -> Bytes {
        Bytes::from(serde_json::to_vec_pretty(self).unwrap_or_default())
    }
}

/// Reads the lease document, if there is one (for `corte status`).
pub async fn read(target: &Target) -> Result<Option<LeaseDoc>, PublishError> {
    let got = transfer::get(target, layout::LEASE)
        .await
        .map_err(|e| target.store_err(Step::Lease, layout::LEASE, e))?;
    Ok(got.and_then(|(b, _)| serde_json::from_slice(&b).ok()))
}

/// A lease this process holds, renewed in the background until
/// [`Held::release`].
pub struct Held {
    target: Target,
    shared: Arc<Shared>,
    renewer: tokio::task::JoinHandle<()>,
}

struct Shared {
    /// The document as we last wrote it and its version; None once released.
    current: tokio::sync::Mutex<Option<(LeaseDoc, UpdateVersion)>>,
    /// When the last renewal that succeeded was sent.
    renewed: std::sync::Mutex<Instant>,
    lost: AtomicBool,
    ttl: Duration,
}

/// Takes the lease of `target` for `work`, waiting while another holder
/// keeps renewing it, and taking it over once it has not been renewed for
/// its time to live.
pub async fn acquire(target: &Target, work: &str) -> Result<Held, PublishError> {
    let ttl = target.policy.lease_ttl;
    let me = Holder::here(work);
    let token = token();
    let mut seen: Option<(Bytes, Instant)> = None;
    let mut waiting_logged = false;
    loop {
        let got = transfer::get(target, layout::LEASE)
            .await
            .map_err(|e| target.store_err(Step::Lease, layout::LEASE, e))?;
        let mode = match got {
            None => PutMode::Create,
            Some((bytes, version)) => match serde_json::from_slice::<LeaseDoc>(&bytes) {
                Ok(doc) if doc.token == token => {
                    // Our own put, whose answer was lost.
                    return Ok(Held::start(target, doc, version, Instant::now()));
                }
                Ok(doc) if doc.state == State::Held => {
                    let first = match &seen {
                        Some((b, at)) if *b == bytes => *at,
                        _ => {
                            seen = Some((bytes.clone(), Instant::now()));
                            Instant::now()
                        }
                    };
                    let theirs = Duration::from_millis(doc.ttl_ms);
                    if first.elapsed() < theirs && !surely_dead(&doc) {
                        if !waiting_logged {
                            tracing::info!(target = %target.name, holder = %doc.holder, "waiting for the stable-tree lease");
                            waiting_logged = true;
                        }
                        tokio::time::sleep(poll(theirs)).await;
                        continue;
                    }
                    tracing::warn!(
                        target = %target.name,
                        holder = %doc.holder,
                        secs = theirs.as_secs_f64(),
                        "the stable-tree lease was not renewed for its time to live: taking it over"
                    );
                    PutMode::Update(version)
                }
                Ok(_) => PutMode::Update(version),
                Err(e) => {
                    tracing::warn!(target = %target.name, key = layout::LEASE, "not a lease ({e}): replacing it");
                    PutMode::Update(version)
                }
            },
        };
        let stamp = now();
        let doc = LeaseDoc {
            lease_version: 1,
            state: State::Held,
            holder: me.clone(),
            token: token.clone(),
            since: stamp.clone(),
            renewed_at: stamp,
            ttl_ms: ttl.as_millis() as u64,
            renewals: 0,
        };
        let sent = Instant::now();
        match put(target, &doc, mode).await {
            Ok(r) => return Ok(Held::start(target, doc, version_of(r), sent)),
            Err(
                object_store::Error::AlreadyExists { .. }
                | object_store::Error::Precondition { .. },
            ) => continue,
            Err(e) => return Err(target.store_err(Step::Lease, layout::LEASE, e)),
        }
    }
}

impl Held {
    fn start(target: &Target, doc: LeaseDoc, version: UpdateVersion, sent: Instant) -> Held {
        let shared = Arc::new(Shared {
            current: tokio::sync::Mutex::new(Some((doc, version))),
            renewed: std::sync::Mutex::new(sent),
            lost: AtomicBool::new(false),
            ttl: target.policy.lease_ttl,
        });
        if let Ok(current) = shared.current.try_lock()
            && let Some((doc, _)) = current.as_ref()
        {
            held_here(&doc.token, true);
        }
        let renewer = tokio::spawn(renew(target.clone(), shared.clone()));
        Held {
            target: target.clone(),
            shared,
            renewer,
        }
    }

    /// Fails when the lease may no longer be ours: the caller stops
    /// writing the stable tree.
    pub fn check(&self, step: Step) -> Result<(), PublishError> {
        let since = self
            .shared
            .renewed
            .lock()
            .map(|t| t.elapsed())
            .unwrap_or(Duration::MAX);
        if self.shared.lost.load(Ordering::SeqCst) || since >= fence(self.shared.ttl) {
            return Err(self.target.err(
                step,
                ErrorKind::LeaseLost(format!(
                    "the stable-tree lease ({}) was not renewed for {:.1} s of its {:.0} s: another publisher may hold it now, so this one stopped writing; run it again",
                    layout::LEASE,
                    since.as_secs_f64(),
                    self.shared.ttl.as_secs_f64()
                )),
            ));
        }
        Ok(())
    }

    /// Gives the lease back (written `free`), so a waiting publisher goes
    /// on at once. A failure here only makes the next one wait the time to
    /// live: it is logged, not returned.
    pub async fn release(self) {
        let mut current = self.shared.current.lock().await;
        self.renewer.abort();
        let Some((mut doc, version)) = current.take() else {
            return;
        };
        held_here(&doc.token, false);
        if self.shared.lost.load(Ordering::SeqCst) {
            return;
        }
        doc.state = State::Free;
        doc.renewed_at = now();
        if let Err(e) = put(&self.target, &doc, PutMode::Update(version)).await {
            tracing::warn!(target = %self.target.name, "giving the stable-tree lease back: {e}");
        }
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        self.renewer.abort();
        if let Ok(current) = self.shared.current.try_lock()
            && let Some((doc, _)) = current.as_ref()
        {
            held_here(&doc.token, false);
        }
    }
}

/// The renewal loop: every third of the time to live, conditionally.
async fn renew(target: Target, shared: Arc<Shared>) {
    loop {
        tokio::time::sleep(shared.ttl / 3).await;
        let mut current = shared.current.lock().await;
        let Some((doc, version)) = current.as_mut() else {
            return;
        };
        doc.renewals += 1;
        doc.renewed_at = now();
        let sent = Instant::now();
        match put(&target, doc, PutMode::Update(version.clone())).await {
            Ok(r) => {
                *version = version_of(r);
                if let Ok(mut t) = shared.renewed.lock() {
                    *t = sent;
                }
            }
            Err(object_store::Error::Precondition { .. }) => {
                // Ours after a lost answer, or taken over.
                match transfer::get(&target, layout::LEASE).await {
                    Ok(Some((b, v))) if b == doc.to_bytes() => {
                        *version = v;
                        if let Ok(mut t) = shared.renewed.lock() {
                            *t = sent;
                        }
                    }
                    _ => {
                        tracing::warn!(target = %target.name, "the stable-tree lease was taken over");
                        shared.lost.store(true, Ordering::SeqCst);
                        return;
                    }
                }
            }
            Err(e) => {
                tracing::warn!(target = %target.name, "renewing the stable-tree lease: {e}");
            }
        }
    }
}

async fn put(target: &Target, doc: &LeaseDoc, mode: PutMode) -> object_store::Result<PutResult> {
    let bytes = doc.to_bytes();
    let headers = Headers::document(layout::LEASE, &bytes, &target.cache);
    transfer::put(target, layout::LEASE, bytes, &headers, mode).await
}

fn version_of(r: PutResult) -> UpdateVersion {
    UpdateVersion {
        e_tag: r.e_tag,
        version: r.version,
    }
}

/// The tokens of the leases this process holds now.
static HELD_HERE: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

fn held_here(token: &str, held: bool) {
    if let Ok(mut tokens) = HELD_HERE.lock() {
        tokens.retain(|t| t != token);
        if held {
            tokens.push(token.to_string());
        }
    }
}

/// Whether a held lease's holder is certainly gone, without waiting out
/// its time to live: a process of this machine that no longer exists (a
/// watcher restarted after a crash), or this very process, which no longer
/// holds it (a release that failed). A reused pid only makes us wait.
fn surely_dead(doc: &LeaseDoc) -> bool {
    if doc.holder.host != host_name() {
        return false;
    }
    if doc.holder.pid == std::process::id() {
        return HELD_HERE
            .lock()
            .map(|t| !t.contains(&doc.token))
            .unwrap_or(false);
    }
    cfg!(target_os = "linux") && !Path::new(&format!("/proc/{}", doc.holder.pid)).exists()
}

/// How often a waiting publisher looks at the lease again.
fn poll(ttl: Duration) -> Duration {
    (ttl / 20).clamp(Duration::from_millis(25), Duration::from_secs(1))
}

/// How long after sending its last renewal a holder keeps writing.
fn fence(ttl: Duration) -> Duration {
    ttl * 2 / 3
}

fn token() -> String {
    let mut b = [0u8; 12];
    if getrandom::fill(&mut b).is_err() {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos();
        b[..8].copy_from_slice(&(t as u64).to_le_bytes());
        b[8..].copy_from_slice(&std::process::id().to_le_bytes());
    }
    hex::encode(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::publish::target::Kind;
    use object_store::memory::InMemory;

    fn target(ttl_ms: u64) -> Target {
        let mut t = Target::new("t", Arc::new(InMemory::new()), Kind::Memory);
        t.policy.lease_ttl = Duration::from_millis(ttl_ms);
        t
    }

    #[tokio::test]
    async fn a_second_publisher_waits_until_the_lease_is_given_back() {
        let t = target(10_000);
        let first = acquire(&t, "publish 1").await.unwrap();
        let t2 = t.clone();
        let second = tokio::spawn(async move { acquire(&t2, "publish 2").await });
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(!second.is_finished(), "the lease is held and renewed");
        first.release().await;
        let second = second.await.unwrap().unwrap();
        let doc = read(&t).await.unwrap().unwrap();
        assert_eq!(
            (doc.state, doc.holder.work.as_str()),
            (State::Held, "publish 2")
        );
        second.release().await;
        assert_eq!(read(&t).await.unwrap().unwrap().state, State::Free);
    }

    #[tokio::test]
    async fn a_lease_not_renewed_for_its_time_to_live_is_taken_over() {
        let t = target(300);
        let stale = acquire(&t, "publish 1").await.unwrap();
        // A crashed holder: no more renewals.
        stale.renewer.abort();
        let started = Instant::now();
        let taken = acquire(&t, "publish 2").await.unwrap();
        assert!(started.elapsed() >= Duration::from_millis(300));
        assert!(
            stale.check(Step::StableTree).is_err(),
            "the old holder stops writing"
        );
        taken.check(Step::StableTree).unwrap();
        let doc = read(&t).await.unwrap().unwrap();
        assert_eq!(doc.holder.work, "publish 2");
        taken.release().await;
    }

    #[tokio::test]
    async fn a_holder_keeps_its_lease_past_the_time_to_live_by_renewing() {
        let t = target(150);
        let held = acquire(&t, "publish 1").await.unwrap();
        tokio::time::sleep(Duration::from_millis(500)).await;
        held.check(Step::StableTree).unwrap();
        assert!(read(&t).await.unwrap().unwrap().renewals >= 2);
        held.release().await;
    }
}

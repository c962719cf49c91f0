//! The watcher's loop: inbox events → the newest ready snapshot → a cutover.
//!
//! Each look at the inbox settles every candidate: older than the live corte
//! → `.rejected/`; older than the newest candidate → `.skipped/` (the newest
//! wins); the newest is loaded and, if valid, published to every target. A
//! corte that reached at least one target goes to `.done/` and becomes
//! history; targets that failed are retried with backoff until they have it
//! or a newer corte supersedes it. A snapshot that fails everywhere stays in
//! the inbox and is retried. Events come from `notify` (debounced); a slow
//! periodic rescan covers missed events and picks up what arrived while the
//! watcher was down.

use std::collections::HashMap;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use notify_debouncer_full::notify::RecursiveMode;

use super::lock::{self, WatcherLock};
use super::status::{self, Attempt, Live, LiveCorte, State, Status, TargetStatus};
use crate::contract::Snapshot;
use crate::cutover::{Cutover, CutoverError, HistorySource, Publisher, StepTime, Steps};
use crate::publish::{self, Progress, Quiet};
use crate::source::SourceError;
use crate::source::inbox::{self, Candidate};

/// How the watcher behaves; `corte.toml`'s `[watch]` section and flags.
#[derive(Debug, Clone)]
pub struct WatchOptions {
    pub inbox: PathBuf,
    /// State and status files, and the history of published manifests.
    pub state: PathBuf,
    pub debounce: Duration,
    /// A snapshot whose corte.json lists a member that is not there yet is
    /// waited for this long, then rejected.
    pub incomplete_grace: Duration,
    /// First wait before retrying a target (or a snapshot) that failed; doubles up to `retry_max`.
    pub retry: Duration,
    pub retry_max: Duration,
    /// Rescan the inbox at least this often, events or not.
    pub rescan: Duration,
}

impl WatchOptions {
    pub fn new(inbox: PathBuf) -> WatchOptions {
        WatchOptions {
            state: inbox.join(".state"),
            inbox,
            // A snapshot is ready when its corte.json is renamed in: one
            // event, nothing to wait for. The debounce only gathers the
            // members' events into one inbox scan; 50 ms keeps it off the lag.
            debounce: Duration::from_millis(50),
            incomplete_grace: Duration::from_secs(120),
            retry: Duration::from_secs(2),
            retry_max: Duration::from_secs(60),
            rescan: Duration::from_secs(2),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    #[error("inbox {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("watching {path}: {message}")]
    Notify { path: PathBuf, message: String },
    #[error("state: {0}")]
    State(String),
    /// Another watcher holds the inbox or the state folder.
    #[error("{0}")]
    Lock(#[from] super::lock::LockError),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> WatchError + '_ {
    move |source| WatchError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn now() -> String {
    Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// The corte whose targets are not all up to date, with when to try again.
struct Pending {
    snapshot: PathBuf,
    corte: String,
    targets: Vec<String>,
    next: Instant,
    wait: Duration,
}

pub struct Watcher {
    publisher: Publisher,
    opts: WatchOptions,
    state: State,
    status: Status,
    /// When each candidate was first seen (name → wall clock, monotonic).
    arrivals: HashMap<String, (DateTime<Utc>, Instant)>,
    /// Snapshots that failed everywhere or were incomplete: when to look again.
    backoff: HashMap<String, (Instant, Duration)>,
    pending: Option<Pending>,
    progress: Arc<dyn Progress>,
    /// Held for the watcher's life: one watcher per inbox and state folder.
    _lock: Arc<WatcherLock>,
}

impl Watcher {
    /// A watcher over `opts.inbox`. The publisher's history must be this
    /// watcher's state folder so that re-runs render the same bytes.
    pub fn new(publisher: Publisher, opts: WatchOptions) -> Result<Watcher, WatchError> {
        let lock = Watcher::lock(&opts)?;
        Watcher::with_lock(publisher, opts, lock)
    }

    /// Takes the inbox's and the state folder's watcher lock (creating the
    /// two folders), or fails naming the watcher that holds one. The
    /// command takes it before anything else touches either folder.
    pub fn lock(opts: &WatchOptions) -> Result<Arc<WatcherLock>, WatchError> {
        std::fs::create_dir_all(&opts.inbox).map_err(io(&opts.inbox))?;
        std::fs::create_dir_all(&opts.state).map_err(io(&opts.state))?;
        let holder = lock::Holder {
            pid: std::process::id(),
            host: crate::publish::lease::host_name(),
            started_at: now(),
            inbox: opts.inbox.display().to_string(),
        };
        Ok(Arc::new(lock::take(&opts.state, &opts.inbox, &holder)?))
    }

    /// A watcher over `opts.inbox` with the lock [`Watcher::lock`] took.
    pub fn with_lock(
        mut publisher: Publisher,
        opts: WatchOptions,
        lock: Arc<WatcherLock>,
    ) -> Result<Watcher, WatchError> {
        inbox::prepare(&opts.inbox).map_err(io(&opts.inbox))?;
        std::fs::create_dir_all(&opts.state).map_err(io(&opts.state))?;
        publisher.history = HistorySource::Folder(opts.state.clone());
        let state = status::read_state(&opts.state).map_err(WatchError::State)?;
        let held = held_before(&opts.inbox);
        let status = Status {
            inbox: opts.inbox.display().to_string(),
            pid: std::process::id(),
            state: "idle".into(),
            targets: publisher
                .targets
                .iter()
                .map(|t| TargetStatus {
                    name: t.name.clone(),
                    url: t.url.clone(),
                    live_corte: None,
                    state: "ok".into(),
                    last_error: None,
                    last_success_at: None,
                })
                .collect(),
            held,
            ..Default::default()
        };
        Ok(Watcher {
            publisher,
            opts,
            state,
            status,
            arrivals: HashMap::new(),
            backoff: HashMap::new(),
            pending: None,
            progress: Arc::new(Quiet),
            _lock: lock,
        })
    }

    pub fn with_progress(mut self, progress: Arc<dyn Progress>) -> Watcher {
        self.progress = progress;
        self
    }

    pub fn status(&self) -> &Status {
        &self.status
    }

    /// Runs until `shutdown` turns true. A shutdown during a cutover abandons
    /// it safely (the previous corte stays live; the snapshot stays in the
    /// inbox and is finished on the next start).
    pub async fn run(
        mut self,
        shutdown: tokio::sync::watch::Receiver<bool>,
    ) -> Result<(), WatchError> {
        // At once, with this process's pid: what the last watcher wrote
        // (perhaps "publishing", by one killed) is no longer true.
        self.write_status();
        self.learn_live().await;
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<()>();
        let mut debouncer = notify_debouncer_full::new_debouncer(
            self.opts.debounce,
            None,
            move |_: notify_debouncer_full::DebounceEventResult| {
                let _ = tx.send(());
            },
        )
        .map_err(|e| WatchError::Notify {
            path: self.opts.inbox.clone(),
            message: e.to_string(),
        })?;
        debouncer
            .watch(&self.opts.inbox, RecursiveMode::Recursive)
            .map_err(|e| WatchError::Notify {
                path: self.opts.inbox.clone(),
                message: e.to_string(),
            })?;
        tracing::info!(inbox = %self.opts.inbox.display(), targets = self.publisher.targets.len(), "watching");
        let mut stop = shutdown.clone();
        loop {
            if *shutdown.borrow() {
                break;
            }
            let busy = self.tick(&shutdown).await?;
            if busy {
                continue;
            }
            self.set_state(if self.pending.is_some() {
                "retrying"
            } else {
                "idle"
            });
            let wait = self.next_wake();
            tokio::select! {
                _ = rx.recv() => {}
                _ = tokio::time::sleep(wait) => {}
                _ = stop.wait_for(|s| *s) => break,
            }
        }
        self.set_state("stopped");
        tracing::info!("watcher stopped");
        Ok(())
    }

    fn next_wake(&self) -> Duration {
        let now = Instant::now();
        let mut wake = self.opts.rescan;
        if let Some(p) = &self.pending {
            wake = wake.min(p.next.saturating_duration_since(now));
        }
        for (at, _) in self.backoff.values() {
            wake = wake.min(at.saturating_duration_since(now));
        }
        wake.max(Duration::from_millis(10))
    }

    /// The live corte: the state's, or else the first target's pointer.
    async fn learn_live(&mut self) {
        if self.state.live.is_some() {
            return;
        }
        for t in &self.publisher.targets {
            if let Ok(Some((p, _))) = publish::pointer::read(t).await {
                tracing::info!(target = %t.name, corte = %p.corte, seq = p.seq, "live corte found on target");
                self.state.live = Some(LiveCorte {
                    id: p.corte,
                    seq: p.seq,
                    fingerprint: None,
                });
                break;
            }
        }
    }

    /// One look at the inbox; true if it did work (look again at once).
    async fn tick(
        &mut self,
        shutdown: &tokio::sync::watch::Receiver<bool>,
    ) -> Result<bool, WatchError> {
        let scan = inbox::scan(&self.opts.inbox).map_err(io(&self.opts.inbox))?;
        let now_wall = Utc::now();
        let now = Instant::now();
        for c in &scan.candidates {
            self.arrivals
                .entry(c.name.clone())
                .or_insert((now_wall, now));
        }
        if let Some((path, error)) = scan.unreadable.first() {
            self.reject(path, None, error)?;
            return Ok(true);
        }
        let live_seq = self.state.live.as_ref().map(|l| l.seq).unwrap_or(0);
        let live_id = self.state.live.as_ref().map(|l| l.id.clone());
        let newest_seq = scan.candidates.last().map(|c| c.meta.seq);
        let live_fingerprint = self.state.live.as_ref().and_then(|l| l.fingerprint.clone());
        for c in &scan.candidates {
            let same_as_live = Some(c.meta.id()) == live_id;
            // The live corte again: the same corte.json is a re-run (a crash
            // before it left the inbox) and finishes idempotently; other
            // contents under the same sequence are never published.
            if same_as_live
                && let Some(live) = &live_fingerprint
                && *live != fingerprint(&c.meta)
            {
                self.reject(&c.path, Some(c), &format!(
                    "corte {} (sequence {}) is already live with other contents (its corte.json lists other members, sizes or hashes): a sequence is published once; give the new data the next sequence",
                    c.meta.id(), c.meta.seq
                ))?;
                return Ok(true);
            }
            if c.meta.seq < live_seq || (c.meta.seq == live_seq && !same_as_live) {
                let live = live_id.clone().unwrap_or_default();
                self.reject(&c.path, Some(c), &format!(
                    "corte {} (sequence {}) is not newer than the live corte {live} (sequence {live_seq}); a corte never moves backwards",
                    c.meta.id(), c.meta.seq
                ))?;
                return Ok(true);
            }
            if Some(c.meta.seq) != newest_seq {
                let newest = scan
                    .candidates
                    .last()
                    .map(|n| n.meta.id())
                    .unwrap_or_default();
                self.skip(
                    c,
                    &format!(
                        "superseded by corte {newest}, which arrived before this one was published"
                    ),
                )?;
                return Ok(true);
            }
        }
        if let Some(c) = scan.candidates.last() {
            if let Some((at, _)) = self.backoff.get(&c.name)
                && *at > now
            {
                return self.retry_pending(shutdown).await;
            }
            let c = c.clone();
            return self.process(c, shutdown).await;
        }
        self.retry_pending(shutdown).await
    }

    async fn process(
        &mut self,
        c: Candidate,
        shutdown: &tokio::sync::watch::Receiver<bool>,
    ) -> Result<bool, WatchError> {
        self.set_state("publishing");
        let started = now();
        let mut steps = Steps::new(c.meta.id());
        let snapshot = match self.load(&c, &started, &mut steps)? {
            ControlFlow::Continue(s) => Arc::new(s),
            ControlFlow::Break(busy) => return Ok(busy),
        };
        let result = self
            .publisher
            .cutover_after(snapshot.clone(), steps, self.progress.clone(), shutdown)
            .await;
        let cutover = match self.settle(&c, &started, result)? {
            ControlFlow::Continue(cutover) => cutover,
            ControlFlow::Break(busy) => return Ok(busy),
        };
        self.update_targets(&cutover);
        if cutover.images.is_some() {
            self.status.images = cutover.images.clone();
        }
        if !cutover.published_somewhere() {
            let errors = describe_failures(&cutover);
            self.wait_for(&c.name, "failed", &started, &errors, &c);
            return Ok(false);
        }
        self.went_live(&c, &started, &snapshot, &cutover)?;
        Ok(true)
    }

    /// Loads a candidate, timed as the cutover's first step, and checks it
    /// belongs to this inbox's process. An incomplete one is waited for
    /// (until the grace runs out), an invalid one rejected; either way the
    /// look at the inbox ends there (`Break`, with whether it did work).
    fn load(
        &mut self,
        c: &Candidate,
        started: &str,
        steps: &mut Steps,
    ) -> Result<ControlFlow<bool, Snapshot>, WatchError> {
        let t0 = Instant::now();
        let loaded =
            tokio::task::block_in_place(|| steps.time("load", || crate::source::load(&c.path)));
        let snapshot = match loaded {
            Ok(s) => s,
            Err(SourceError::Incomplete { message, .. }) => {
                let first = self.arrivals.get(&c.name).map(|a| a.1).unwrap_or(t0);
                if first.elapsed() >= self.opts.incomplete_grace {
                    self.reject(
                        &c.path,
                        Some(c),
                        &format!(
                            "still incomplete after {} s: {message}",
                            self.opts.incomplete_grace.as_secs()
                        ),
                    )?;
                    return Ok(ControlFlow::Break(true));
                }
                self.wait_for(
                    &c.name,
                    "waiting",
                    started,
                    &format!("incomplete: {message}"),
                    c,
                );
                return Ok(ControlFlow::Break(false));
            }
            Err(e @ (SourceError::Contract { .. } | SourceError::Refused { .. })) => {
                self.reject(&c.path, Some(c), &e.to_string())?;
                return Ok(ControlFlow::Break(true));
            }
            Err(e) => {
                self.wait_for(&c.name, "failed", started, &e.to_string(), c);
                return Ok(ControlFlow::Break(false));
            }
        };
        if let Some(process) = &self.state.process_id
            && process != &snapshot.corte.process_id
        {
            let message = format!(
                "belongs to process `{}`, but this inbox publishes process `{process}`",
                snapshot.corte.process_id
            );
            self.reject(&c.path, Some(c), &message)?;
            return Ok(ControlFlow::Break(true));
        }
        Ok(ControlFlow::Continue(snapshot))
    }

    /// What a cutover that did not finish means for its snapshot: recorded
    /// as abandoned, rejected (its ruleset or site cannot be made), or
    /// waited for and retried; a failed history write stops the watcher.
    fn settle(
        &mut self,
        c: &Candidate,
        started: &str,
        result: Result<Cutover, CutoverError>,
    ) -> Result<ControlFlow<bool, Cutover>, WatchError> {
        match result {
            Ok(cutover) => Ok(ControlFlow::Continue(cutover)),
            Err(CutoverError::Abandoned) => {
                self.record(
                    c,
                    started,
                    "abandoned",
                    Some("shut down during the cutover".into()),
                    vec![],
                    None,
                );
                Ok(ControlFlow::Break(false))
            }
            Err(CutoverError::Record { path, source }) => Err(WatchError::Io { path, source }),
            Err(CutoverError::Held { corte, concerns }) => {
                self.hold(c, started, &corte, &concerns)?;
                Ok(ControlFlow::Break(true))
            }
            Err(e @ (CutoverError::Ruleset(_) | CutoverError::Site(_))) => {
                self.reject(&c.path, Some(c), &e.to_string())?;
                Ok(ControlFlow::Break(true))
            }
            Err(e) => {
                self.wait_for(&c.name, "failed", started, &e.to_string(), c);
                Ok(ControlFlow::Break(false))
            }
        }
    }

    /// A corte live on at least one target (the cutover recorded it as
    /// history): the state and status say so, the snapshot leaves the inbox,
    /// and targets that missed it are retried.
    fn went_live(
        &mut self,
        c: &Candidate,
        started: &str,
        snapshot: &Snapshot,
        cutover: &Cutover,
    ) -> Result<(), WatchError> {
        self.state.process_id = Some(snapshot.corte.process_id.clone());
        self.state.live = Some(LiveCorte {
            id: cutover.corte_id.clone(),
            seq: cutover.seq,
            fingerprint: Some(fingerprint(&c.meta)),
        });
        status::write_json(&self.opts.state, status::STATE_FILE, &self.state)
            .map_err(io(&self.opts.state))?;
        let done = inbox::shelve(&self.opts.inbox, &c.path, inbox::DONE, None)
            .map_err(io(&self.opts.inbox))?;
        self.supersede_held(&cutover.corte_id, None)?;
        let arrival = self.arrivals.remove(&c.name);
        self.backoff.remove(&c.name);
        let flipped = cutover.flipped_at.unwrap_or_else(Utc::now);
        let lag_arrival = arrival
            .map(|(wall, _)| seconds_between(wall, flipped))
            .unwrap_or(0.0);
        self.status.live = Some(Live {
            corte: cutover.corte_id.clone(),
            seq: cutover.seq,
            corte_time: cutover.corte_time.to_rfc3339(),
            published_at: flipped.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            lag_from_corte_secs: seconds_between(cutover.corte_time.with_timezone(&Utc), flipped),
            lag_from_arrival_secs: lag_arrival,
        });
        let failed: Vec<String> = cutover
            .failed_targets()
            .into_iter()
            .map(String::from)
            .collect();
        let (outcome, message) = if failed.is_empty() {
            ("published", None)
        } else {
            ("partial", Some(describe_failures(cutover)))
        };
        tracing::info!(
            corte = %cutover.corte_id,
            seq = cutover.seq,
            files = cutover.files,
            lag_from_arrival_s = lag_arrival,
            outcome,
            "corte live"
        );
        self.pending = (!failed.is_empty()).then(|| Pending {
            snapshot: done.join(&c.name),
            corte: cutover.corte_id.clone(),
            targets: failed,
            next: Instant::now() + self.opts.retry,
            wait: self.opts.retry,
        });
        self.record(
            c,
            started,
            outcome,
            message,
            cutover.steps.clone(),
            Some(lag_arrival),
        );
        Ok(())
    }

    /// Publishes the last corte again to the targets that missed it.
    async fn retry_pending(
        &mut self,
        shutdown: &tokio::sync::watch::Receiver<bool>,
    ) -> Result<bool, WatchError> {
        let Some(p) = &self.pending else {
            return Ok(false);
        };
        if p.next > Instant::now() {
            return Ok(false);
        }
        let (path, wanted, corte) = (p.snapshot.clone(), p.targets.clone(), p.corte.clone());
        self.set_state("retrying");
        let snapshot = match tokio::task::block_in_place(|| crate::source::load(&path)) {
            Ok(s) => Arc::new(s),
            Err(e) => {
                tracing::warn!(corte = %corte, error = %e, "cannot reload a published snapshot for its failed targets");
                self.pending = None;
                return Ok(false);
            }
        };
        let all = std::mem::take(&mut self.publisher.targets);
        self.publisher.targets = all
            .iter()
            .filter(|t| wanted.contains(&t.name))
            .cloned()
            .collect();
        let result = self
            .publisher
            .cutover(snapshot, self.progress.clone(), shutdown)
            .await;
        self.publisher.targets = all;
        let Ok(cutover) = result else {
            return Ok(false);
        };
        self.update_targets(&cutover);
        let still: Vec<String> = cutover
            .failed_targets()
            .into_iter()
            .map(String::from)
            .collect();
        match &mut self.pending {
            Some(p) if !still.is_empty() => {
                p.targets = still;
                p.wait = (p.wait * 2).min(self.opts.retry_max);
                p.next = Instant::now() + p.wait;
            }
            _ => self.pending = None,
        }
        Ok(false)
    }

    fn update_targets(&mut self, cutover: &Cutover) {
        for (name, result) in &cutover.targets {
            if let Some(t) = self.status.targets.iter_mut().find(|t| &t.name == name) {
                match result {
                    Ok(_) => {
                        t.live_corte = Some(cutover.corte_id.clone());
                        t.state = "ok".into();
                        t.last_error = None;
                        t.last_success_at = Some(now());
                    }
                    Err(e) => {
                        t.state = "failing".into();
                        t.last_error = Some(e.to_string());
                    }
                }
            }
        }
    }

    fn wait_for(&mut self, name: &str, outcome: &str, started: &str, message: &str, c: &Candidate) {
        let entry = self
            .backoff
            .entry(name.to_string())
            .or_insert((Instant::now(), self.opts.retry / 2));
        entry.1 = (entry.1 * 2).min(self.opts.retry_max).max(self.opts.retry);
        entry.0 = Instant::now() + entry.1;
        tracing::warn!(snapshot = %name, outcome, message, retry_in_s = entry.1.as_secs_f64(), "snapshot not published yet");
        self.record(c, started, outcome, Some(message.to_string()), vec![], None);
    }

    fn reject(
        &mut self,
        path: &Path,
        c: Option<&Candidate>,
        error: &str,
    ) -> Result<(), WatchError> {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let text = format!(
            "corte could not publish this snapshot, and the live site was not touched.\n\nsnapshot: {name}\nrejected at: {}\n\n{error}\n",
            now()
        );
        let to = inbox::shelve(
            &self.opts.inbox,
            path,
            inbox::REJECTED,
            Some(("error.txt", &text)),
        )
        .map_err(io(&self.opts.inbox))?;
        tracing::warn!(snapshot = %name, to = %to.display(), error, "snapshot rejected");
        self.arrivals.remove(&name);
        self.backoff.remove(&name);
        let started = now();
        let attempt = Attempt {
            snapshot: name,
            corte: c.map(|c| c.meta.id()),
            seq: c.map(|c| c.meta.seq),
            started_at: started.clone(),
            finished_at: started,
            outcome: "rejected".into(),
            message: Some(error.to_string()),
            steps: vec![],
            lag_from_arrival_secs: None,
        };
        self.status.record(attempt);
        self.write_status();
        Ok(())
    }

    /// A corte the sanity checks hold: it leaves the inbox for `.held/`
    /// with `held.txt` saying what changed and how to confirm it, and
    /// `status.json` names it until a newer corte goes live or is held.
    fn hold(
        &mut self,
        c: &Candidate,
        started: &str,
        corte: &str,
        concerns: &[String],
    ) -> Result<(), WatchError> {
        self.supersede_held(corte, Some(&c.name))?;
        let to = inbox::shelve(&self.opts.inbox, &c.path, inbox::HELD, None)
            .map_err(io(&self.opts.inbox))?;
        let confirm = format!(
            "corte publish {} --confirm {corte} --state {}",
            to.join(&c.name).display(),
            self.opts.state.display()
        );
        let text = format!(
            "corte held this snapshot: it differs from the live corte in ways an operator must confirm, and the live site was not touched.\n\nsnapshot: {}\ncorte: {corte}\nheld at: {}\n\n{}\n\nTo publish it anyway (with the same targets as the watcher):\n  {confirm}\nA newer corte supersedes it.\n",
            c.name,
            now(),
            concerns
                .iter()
                .map(|c| format!("- {c}"))
                .collect::<Vec<_>>()
                .join("\n")
        );
        std::fs::write(to.join("held.txt"), text).map_err(io(&to))?;
        let message = format!("held: {}", concerns.join("; "));
        tracing::warn!(snapshot = %c.name, corte, to = %to.display(), concerns = %concerns.join("; "), "corte held by the sanity checks");
        self.arrivals.remove(&c.name);
        self.backoff.remove(&c.name);
        let held = status::Held {
            corte: corte.to_string(),
            seq: c.meta.seq,
            snapshot: to.join(&c.name).display().to_string(),
            held_at: now(),
            concerns: concerns.to_vec(),
            confirm,
        };
        // Beside it, for the status after a restart.
        status::write_json(&to, "held.json", &held).map_err(io(&to))?;
        self.status.held = Some(held);
        self.record(c, started, "held", Some(message), vec![], None);
        Ok(())
    }

    /// Snapshots held earlier leave `.held/` for `.skipped/` once `corte`
    /// (newer) went live or is held in their place; `except` is the
    /// snapshot being held now.
    fn supersede_held(&mut self, corte: &str, except: Option<&str>) -> Result<(), WatchError> {
        let held = inbox::shelved(&self.opts.inbox, inbox::HELD, HELD_NOTES)
            .map_err(io(&self.opts.inbox))?;
        for (folder, snapshot) in held {
            let name = snapshot
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if Some(name.as_str()) == except {
                continue;
            }
            let reason = format!("held, then superseded by corte {corte}\n");
            inbox::shelve(
                &self.opts.inbox,
                &snapshot,
                inbox::SKIPPED,
                Some(("reason.txt", &reason)),
            )
            .map_err(io(&self.opts.inbox))?;
            let _ = std::fs::remove_dir_all(&folder);
            tracing::info!(snapshot = %name, by = corte, "held snapshot superseded");
        }
        if except.is_none() {
            self.status.held = None;
        }
        Ok(())
    }

    fn skip(&mut self, c: &Candidate, reason: &str) -> Result<(), WatchError> {
        let text = format!("{reason}\n");
        inbox::shelve(
            &self.opts.inbox,
            &c.path,
            inbox::SKIPPED,
            Some(("reason.txt", &text)),
        )
        .map_err(io(&self.opts.inbox))?;
        tracing::info!(snapshot = %c.name, reason, "snapshot skipped");
        self.arrivals.remove(&c.name);
        let started = now();
        self.record(
            c,
            &started,
            "skipped",
            Some(reason.to_string()),
            vec![],
            None,
        );
        Ok(())
    }

    fn record(
        &mut self,
        c: &Candidate,
        started: &str,
        outcome: &str,
        message: Option<String>,
        steps: Vec<StepTime>,
        lag: Option<f64>,
    ) {
        self.status.record(Attempt {
            snapshot: c.name.clone(),
            corte: Some(c.meta.id()),
            seq: Some(c.meta.seq),
            started_at: started.to_string(),
            finished_at: now(),
            outcome: outcome.into(),
            message,
            steps,
            lag_from_arrival_secs: lag,
        });
        self.write_status();
    }

    fn set_state(&mut self, state: &str) {
        if self.status.state != state {
            self.status.state = state.into();
            self.write_status();
        }
    }

    fn write_status(&mut self) {
        self.status.updated_at = now();
        if let Err(e) = status::write_json(&self.opts.state, status::STATUS_FILE, &self.status) {
            tracing::warn!(error = %e, "cannot write the status file");
        }
    }
}

/// The notes beside a held snapshot in `.held/NAME/`.
const HELD_NOTES: &[&str] = &["held.txt", "held.json"];

/// The newest corte held before a restart, as its `held.json` says.
fn held_before(inbox_dir: &Path) -> Option<status::Held> {
    let held = inbox::shelved(inbox_dir, inbox::HELD, HELD_NOTES).ok()?;
    held.iter()
        .filter_map(|(folder, _)| std::fs::read(folder.join("held.json")).ok())
        .filter_map(|b| serde_json::from_slice::<status::Held>(&b).ok())
        .max_by_key(|h| h.seq)
}

/// What identifies a corte's contents: the SHA-256 of its corte.json as
/// parsed (every member's path, size and hash, the time, the flags).
fn fingerprint(meta: &crate::contract::CorteMeta) -> String {
    crate::contract::sha256_hex(&serde_json::to_vec(meta).unwrap_or_default())
}

fn describe_failures(c: &Cutover) -> String {
    c.targets
        .iter()
        .filter_map(|(name, r)| r.as_ref().err().map(|e| format!("{name}: {e}")))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Seconds between two instants, for lag figures.
fn seconds_between(from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
    (to - from).num_milliseconds() as f64 / 1000.0
}

//! The database source: a task that turns each closed corte of the central
//! database into a sealed snapshot in an inbox the watcher follows.
//!
//! It listens for the closing `NOTIFY` and also polls (a notification sent
//! while disconnected is lost), reads every closed corte newer than the
//! last one sealed (or live) with [`crate::source::postgres::read`], and
//! seals it with [`crate::source::write`] under `STATE/sealed/`, renamed in
//! whole. From there the watcher's own loop publishes it: the same load,
//! validation, sequence rules and cutover as any inbox, and the sealed
//! folder stays as the corte's audit copy (`.done/`, `.rejected/`).
//!
//! A lost or refused connection is retried with backoff (logged, and shown
//! in `STATE/source.json`); a corte is never sealed twice (its name is
//! looked for in the inbox and its shelves first).
//!
//! What this module is not: it neither validates nor publishes.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::Utc;

use super::status::{self, SealedCorte, SourceStatus};
use crate::contract::NewSnapshot;
use crate::source::inbox;
use crate::source::postgres::{self, Connection, DbConfig, DbError, Event, read};

/// The inbox under the state folder that sealed cortes are renamed into.
pub const SEALED_INBOX: &str = "sealed";

/// How the source follows the database.
#[derive(Debug, Clone)]
pub struct DatabaseFeed {
    pub db: DbConfig,
    /// Where sealed snapshots go: the watcher's inbox.
    pub inbox: PathBuf,
    /// The watcher's state folder (`state.json`, and `source.json` here).
    pub state: PathBuf,
    /// Look for closed cortes at least this often, notified or not.
    pub poll: Duration,
    /// First wait before reconnecting; doubles up to `retry_max`.
    pub retry: Duration,
    pub retry_max: Duration,
}

fn now() -> String {
    Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

impl DatabaseFeed {
    pub fn new(db: DbConfig, state: PathBuf) -> DatabaseFeed {
        DatabaseFeed {
            db,
            inbox: state.join(SEALED_INBOX),
            state,
            poll: Duration::from_secs(5),
            retry: Duration::from_secs(1),
            retry_max: Duration::from_secs(30),
        }
    }

    /// Follows the database until `shutdown` turns true.
    pub async fn run(self, shutdown: tokio::sync::watch::Receiver<bool>) {
        let mut feed = Feed {
            status: status::read_source(&self.state)
                .ok()
                .flatten()
                .unwrap_or_default(),
            failed: HashMap::new(),
            cfg: self,
        };
        feed.status.database = feed.cfg.db.display();
        feed.status.reconnects = 0;
        feed.run(shutdown).await;
    }
}

struct Feed {
    cfg: DatabaseFeed,
    status: SourceStatus,
    /// Cortes that could not be read (their data breaks the contract's
    /// shape): when each may be tried again.
    failed: HashMap<u32, Instant>,
}

impl Feed {
    async fn run(&mut self, mut shutdown: tokio::sync::watch::Receiver<bool>) {
        let mut wait = self.cfg.retry;
        let mut connected_before = false;
        loop {
            if *shutdown.borrow() {
                break;
            }
            self.set_state("connecting");
            let connected = tokio::select! {
                c = postgres::connect(&self.cfg.db) => c,
                _ = shutdown.wait_for(|s| *s) => break,
            };
            let why = match connected {
                Ok(conn) => {
                    tracing::info!(database = %self.status.database, "database connected; following its cortes");
                    if connected_before {
                        self.status.reconnects += 1;
                    }
                    connected_before = true;
                    let started = Instant::now();
                    self.status.since = Some(now());
                    self.status.last_error = None;
                    self.status.retry_in_secs = None;
                    self.set_state("connected");
                    let why = match self.follow(conn, &mut shutdown).await {
                        Some(why) => why,
                        None => break,
                    };
                    // A connection that held a while starts the backoff
                    // afresh; one that fails at once keeps doubling it.
                    if started.elapsed() > self.cfg.retry_max {
                        wait = self.cfg.retry;
                    }
                    why
                }
                Err(e) => e.to_string(),
            };
            tracing::warn!(database = %self.status.database, error = %why, retry_in_s = wait.as_secs_f64(), "database connection lost or refused; reconnecting");
            self.status.since = Some(now());
            self.status.last_error = Some(why);
            self.status.retry_in_secs = Some(wait.as_secs_f64());
            self.set_state("disconnected");
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = shutdown.wait_for(|s| *s) => break,
            }
            wait = (wait * 2).min(self.cfg.retry_max);
        }
        self.status.retry_in_secs = None;
        self.set_state("stopped");
    }

    /// Reads what is closed, then waits for a notification or the poll;
    /// returns why the connection ended, or None at shutdown.
    async fn follow(
        &mut self,
        mut conn: Connection,
        shutdown: &mut tokio::sync::watch::Receiver<bool>,
    ) -> Option<String> {
        let listen = format!("LISTEN {}", postgres::quote_ident(&self.cfg.db.channel));
        if let Err(e) = conn.client.batch_execute(&listen).await {
            return Some(postgres::describe_error(&e));
        }
        loop {
            let caught = tokio::select! {
                r = self.catch_up(&mut conn) => r,
                _ = shutdown.wait_for(|s| *s) => return None,
            };
            match caught {
                Err(e @ DbError::Connection { .. }) => return Some(e.to_string()),
                // The views cannot be read (missing, or no process): say so
                // at every look until someone fixes them.
                Err(e) => {
                    tracing::warn!(error = %e, "the database's views cannot be read");
                    self.status.last_failed = Some(e.to_string());
                    self.write_status();
                }
                Ok(()) => {}
            }
            tokio::select! {
                event = conn.events.recv() => match event {
                    Some(Event::Notified(channel, payload)) => {
                        tracing::info!(channel, corte = %payload, "corte closed (notified)");
                    }
                    Some(Event::Lost(why)) => return Some(why),
                    None => return Some("the connection's task ended".into()),
                },
                _ = tokio::time::sleep(self.cfg.poll) => {}
                _ = shutdown.wait_for(|s| *s) => return None,
            }
        }
    }

    /// The newest corte already sealed or live: nothing at or below it is read.
    fn floor(&self) -> u32 {
        let sealed = self.status.last_sealed.as_ref().map_or(0, |s| s.seq);
        let live = status::read_state(&self.cfg.state)
            .ok()
            .and_then(|s| s.live)
            .map_or(0, |l| l.seq);
        sealed.max(live)
    }

    /// Seals every closed corte newer than the floor, oldest first.
    async fn catch_up(&mut self, conn: &mut Connection) -> Result<(), DbError> {
        let cortes = read::closed_after(&conn.client, &self.cfg.db, self.floor()).await?;
        if cortes.is_empty() {
            return Ok(());
        }
        let process = read::process_id(&conn.client, &self.cfg.db).await?;
        for seq in cortes {
            if self
                .failed
                .get(&seq)
                .is_some_and(|at| at.elapsed() < self.cfg.retry_max)
            {
                continue;
            }
            let name = format!("{process}-{seq:05}");
            if already_sealed(&self.cfg.inbox, &name) {
                tracing::info!(snapshot = %name, "corte already sealed; not read again");
                self.sealed(seq, &name, 0);
                continue;
            }
            let t = Instant::now();
            let read = match read::corte(&mut conn.client, &self.cfg.db, seq).await {
                Ok(s) => s,
                Err(e @ DbError::Connection { .. }) => return Err(e),
                Err(e) => {
                    self.failed.insert(seq, Instant::now());
                    tracing::warn!(corte = seq, error = %e, "corte cannot be read; a newer one may still be");
                    self.status.last_failed = Some(format!("corte {seq}: {e}"));
                    self.write_status();
                    continue;
                }
            };
            let inbox = self.cfg.inbox.clone();
            let sealed = tokio::task::block_in_place(|| seal(&inbox, &name, &read));
            if let Err(e) = sealed {
                // The disk, not the database: try again at the next look.
                tracing::warn!(snapshot = %name, error = %e, "cannot seal the corte read from the database");
                self.status.last_failed = Some(format!("corte {seq}: sealing: {e}"));
                self.write_status();
                return Ok(());
            }
            let ms = t.elapsed().as_millis() as u64;
            tracing::info!(snapshot = %name, seq, ms, "corte read from the database and sealed");
            self.failed.remove(&seq);
            self.sealed(seq, &name, ms);
        }
        Ok(())
    }

    fn sealed(&mut self, seq: u32, name: &str, ms: u64) {
        if self
            .status
            .last_failed
            .as_ref()
            .is_some_and(|f| !f.starts_with("corte "))
        {
            // The views read again: the old failure is history.
            self.status.last_failed = None;
        }
        self.status.last_sealed = Some(SealedCorte {
            seq,
            snapshot: name.to_string(),
            sealed_at: now(),
            ms,
        });
        self.write_status();
    }

    fn set_state(&mut self, state: &str) {
        self.status.state = state.into();
        self.write_status();
    }

    fn write_status(&mut self) {
        self.status.updated_at = now();
        if let Err(e) = status::write_json(&self.cfg.state, status::SOURCE_FILE, &self.status) {
            tracing::warn!(error = %e, "cannot write the source's status file");
        }
    }
}

/// Whether a snapshot of this name is in the inbox or any of its shelves.
fn already_sealed(inbox: &Path, name: &str) -> bool {
    inbox.join(name).exists()
        || [inbox::DONE, inbox::REJECTED, inbox::SKIPPED, inbox::HELD]
            .iter()
            .any(|shelf| inbox.join(shelf).join(name).exists())
}

/// Writes the snapshot under a hidden name, then renames it into the inbox
/// whole: the watcher never sees it half written.
fn seal(inbox: &Path, name: &str, snapshot: &NewSnapshot) -> Result<PathBuf, String> {
    let tmp = inbox.join(format!(".{name}.partial"));
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp).map_err(|e| format!("{}: {e}", tmp.display()))?;
    }
    std::fs::create_dir_all(inbox).map_err(|e| format!("{}: {e}", inbox.display()))?;
    crate::source::write(&tmp, snapshot).map_err(|e| e.to_string())?;
    let path = inbox.join(name);
    std::fs::rename(&tmp, &path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(path)
}

//! The watcher's state and status files, in its state folder.
//!
//! `state.json` is what the watcher must remember across restarts (the
//! process it publishes and the live corte); `status.json` is for people and
//! monitoring: what is live, the last attempt and its outcome, each target's
//! state and the lags. Both are written through a temporary file and a rename.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::cutover::StepTime;

pub const STATE_FILE: &str = "state.json";
pub const STATUS_FILE: &str = "status.json";
const RECENT: usize = 20;

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct State {
    pub process_id: Option<String>,
    pub live: Option<LiveCorte>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct LiveCorte {
    pub id: String,
    pub seq: u32,
    /// The SHA-256 of the live corte's corte.json as parsed, so that the
    /// same sequence with other contents is told from a re-run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Status {
    pub inbox: String,
    pub pid: u32,
    /// `idle`, `publishing`, `retrying`, `stopped`.
    pub state: String,
    pub updated_at: String,
    pub live: Option<Live>,
    pub targets: Vec<TargetStatus>,
    pub last_attempt: Option<Attempt>,
    /// The latest attempts, newest first.
    pub recent: Vec<Attempt>,
    /// The acta images at the last cutover: linked, still in process, and
    /// the files refused (their bytes do not hash to their name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub images: Option<crate::cutover::ImagesSummary>,
    /// A corte the sanity checks hold, until it is confirmed or a newer
    /// corte goes live.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub held: Option<Held>,
}

/// A corte held by the sanity checks (`contract::sanity`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Held {
    pub corte: String,
    pub seq: u32,
    /// Where it waits: `<inbox>/.held/<name>/<name>`.
    pub snapshot: String,
    pub held_at: String,
    /// What changed against the live corte, one sentence each.
    pub concerns: Vec<String>,
    /// The command that publishes it anyway.
    pub confirm: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Live {
    pub corte: String,
    pub seq: u32,
    /// The corte time, RFC 3339.
    pub corte_time: String,
    pub published_at: String,
    /// From the corte time to the pointer flip.
    pub lag_from_corte_secs: f64,
    /// From the snapshot's arrival in the inbox to the pointer flip.
    pub lag_from_arrival_secs: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TargetStatus {
    pub name: String,
    pub url: String,
    pub live_corte: Option<String>,
    /// `ok` or `failing`.
    pub state: String,
    pub last_error: Option<String>,
    pub last_success_at: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Attempt {
    pub snapshot: String,
    pub corte: Option<String>,
    pub seq: Option<u32>,
    pub started_at: String,
    pub finished_at: String,
    /// `published`, `partial` (some targets failed), `failed`, `rejected`,
    /// `skipped`, `abandoned`, `waiting`, `held`.
    pub outcome: String,
    pub message: Option<String>,
    pub steps: Vec<StepTime>,
    pub lag_from_arrival_secs: Option<f64>,
}

impl Status {
    pub fn record(&mut self, attempt: Attempt) {
        self.recent.insert(0, attempt.clone());
        self.recent.truncate(RECENT);
        self.last_attempt = Some(attempt);
    }
}

pub fn write_json<T: Serialize>(dir: &Path, file: &str, value: &T) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(".{file}.tmp"));
    let mut bytes = serde_json::to_vec_pretty(value).map_err(std::io::Error::other)?;
    bytes.push(b'\n');
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(tmp, dir.join(file))
}

pub fn read_state(dir: &Path) -> Result<State, String> {
    let path = dir.join(STATE_FILE);
    match std::fs::read(&path) {
        Ok(b) => serde_json::from_slice(&b).map_err(|e| format!("{}: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(State::default()),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

pub fn read_status(dir: &Path) -> Result<Status, String> {
    let path = dir.join(STATUS_FILE);
    let b = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_slice(&b).map_err(|e| format!("{}: {e}", path.display()))
}

/// The database source's own status file, beside `status.json` (the
/// watcher's): written by [`super::database`], shown by `corte status`.
pub const SOURCE_FILE: &str = "source.json";

/// What the database source is doing: its connection and the last corte it
/// read and sealed.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SourceStatus {
    /// The database, without its password.
    pub database: String,
    /// `connecting`, `connected`, `disconnected`, `stopped`.
    pub state: String,
    pub updated_at: String,
    /// When the current connection was made (or the last one was lost).
    pub since: Option<String>,
    pub reconnects: u32,
    /// Why the last connection ended or failed.
    pub last_error: Option<String>,
    /// The next connection attempt, while disconnected.
    pub retry_in_secs: Option<f64>,
    /// The newest corte read and sealed into the inbox.
    pub last_sealed: Option<SealedCorte>,
    /// The last corte that could not be read, with why (it is retried).
    pub last_failed: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SealedCorte {
    pub seq: u32,
    pub snapshot: String,
    pub sealed_at: String,
    /// From the start of the read to the sealed snapshot in the inbox.
    pub ms: u64,
}

/// The database source's status, if this state folder has one.
pub fn read_source(dir: &Path) -> Result<Option<SourceStatus>, String> {
    let path = dir.join(SOURCE_FILE);
    match std::fs::read(&path) {
        Ok(b) => serde_json::from_slice(&b)
            .map(Some)
            .map_err(|e| format!("{}: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

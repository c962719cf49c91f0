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
    /// `skipped`, `abandoned`, `waiting`.
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

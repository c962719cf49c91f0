//! One watcher per inbox and per state folder: an exclusive `flock` on
//! `watcher.lock` in the state folder and on `.watcher.lock` in the inbox,
//! taken before the watcher touches either, and held for its life. The
//! kernel drops the lock when the process ends in any way (`kill -9`
//! included), so a dead watcher never keeps the next one out. The files
//! name the holder (pid, host, start time, inbox) for the message a second
//! watcher exits with, and for `corte status --watcher`, which tells a
//! running watcher (lock held) from a dead one (lock free) whatever its last
//! `status.json` says.
//!
//! `flock` keeps apart the processes of one machine; between two machines
//! sharing the folder over a network filesystem it depends on the server
//! and the mount. One machine watches an inbox.

use std::fs::{File, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub const STATE_LOCK: &str = "watcher.lock";
pub const INBOX_LOCK: &str = ".watcher.lock";

/// Who holds (or last held) a watcher lock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    pub pid: u32,
    pub host: String,
    pub started_at: String,
    pub inbox: String,
}

impl std::fmt::Display for Holder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "pid {} on {}, watching {} since {}",
            self.pid, self.host, self.inbox, self.started_at
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "{}: another watcher holds it ({}); stop that one first, or give this one another inbox and state folder",
        path.display(),
        holder.as_ref().map(|h| h.to_string()).unwrap_or_else(|| "holder unknown".into())
    )]
    Busy {
        path: PathBuf,
        holder: Option<Holder>,
    },
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The locks of a running watcher; released when dropped (or the process ends).
#[derive(Debug)]
pub struct WatcherLock {
    _files: Vec<File>,
}

/// Takes the state folder's lock, then the inbox's, or fails naming the
/// watcher that holds one.
pub fn take(state: &Path, inbox: &Path, holder: &Holder) -> Result<WatcherLock, LockError> {
    let mut files = Vec::new();
    for path in [state.join(STATE_LOCK), inbox.join(INBOX_LOCK)] {
        let io = |source| LockError::Io {
            path: path.clone(),
            source,
        };
        let mut file = open(&path).map_err(io)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(LockError::Busy {
                    holder: read_holder(&mut file),
                    path,
                });
            }
            Err(TryLockError::Error(e)) => return Err(io(e)),
        }
        let json = serde_json::to_vec_pretty(holder).unwrap_or_default();
        file.set_len(0).map_err(io)?;
        file.rewind().map_err(io)?;
        file.write_all(&json).map_err(io)?;
        file.sync_data().map_err(io)?;
        files.push(file);
    }
    Ok(WatcherLock { _files: files })
}

/// Whether a watcher runs on a state folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Probe {
    /// The lock is held: a watcher is running (this one, as its file says).
    Running(Option<Holder>),
    /// Nobody holds the lock; the last watcher, if any.
    Gone(Option<Holder>),
}

/// Looks at the state folder's lock without keeping it: a shared lock
/// taken and dropped at once.
pub fn probe(state: &Path) -> Result<Probe, LockError> {
    let path = state.join(STATE_LOCK);
    let mut file = match File::open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Probe::Gone(None)),
        Err(source) => return Err(LockError::Io { path, source }),
    };
    let holder = read_holder(&mut file);
    match file.try_lock_shared() {
        Ok(()) => Ok(Probe::Gone(holder)),
        Err(TryLockError::WouldBlock) => Ok(Probe::Running(holder)),
        Err(TryLockError::Error(source)) => Err(LockError::Io { path, source }),
    }
}

fn open(path: &Path) -> std::io::Result<File> {
    File::options()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(path)
}

fn read_holder(file: &mut File) -> Option<Holder> {
    let mut s = String::new();
    file.rewind().ok()?;
    file.take(4096).read_to_string(&mut s).ok()?;
    serde_json::from_str(&s).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn holder(pid: u32) -> Holder {
        Holder {
            pid,
            host: "h".into(),
            started_at: "2024-06-02T20:00:00Z".into(),
            inbox: "/inbox".into(),
        }
    }

    #[test]
    fn a_second_lock_names_the_first_holder_and_a_dropped_one_is_free() {
        let dir = tempfile::tempdir().unwrap();
        let (state, inbox) = (dir.path().join("state"), dir.path().join("inbox"));
        std::fs::create_dir_all(&state).unwrap();
        std::fs::create_dir_all(&inbox).unwrap();
        assert_eq!(probe(&state).unwrap(), Probe::Gone(None));
        let first = take(&state, &inbox, &holder(1)).unwrap();
        assert_eq!(probe(&state).unwrap(), Probe::Running(Some(holder(1))));
        let e = take(&state, &inbox, &holder(2)).unwrap_err();
        assert!(
            matches!(&e, LockError::Busy { holder: Some(h), .. } if h.pid == 1),
            "{e}"
        );
        assert!(e.to_string().contains("pid 1 on h"), "{e}");
        drop(first);
        assert_eq!(probe(&state).unwrap(), Probe::Gone(Some(holder(1))));
        let _second = take(&state, &inbox, &holder(2)).unwrap();
        assert_eq!(probe(&state).unwrap(), Probe::Running(Some(holder(2))));
    }
}

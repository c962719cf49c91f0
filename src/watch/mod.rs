//! Election night: the daemon that follows the inbox and runs each new
//! corte through the cutover within seconds.
//!
//! - [`daemon`]: the loop — events, the newest-wins queue, retries, status.
//! - [`status`]: the state kept across restarts and the status file.
//! - [`lock`]: one watcher per inbox and state folder.
//! - [`database`]: the central database as a source, sealing each closed
//!   corte into an inbox under the state folder that the daemon follows.
//!
//! What this module is not: it does not know how to find a complete
//! snapshot (`source::inbox`), nor how to render, upload or keep history
//! (`cutover`); it decides which snapshot goes next and what becomes of it.

pub mod daemon;
pub mod database;
pub mod lock;
pub mod status;

pub use daemon::{WatchError, WatchOptions, Watcher};

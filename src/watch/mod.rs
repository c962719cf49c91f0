//! Election night: the daemon that follows the inbox and publishes each new
//! corte within seconds, and the cutover it shares with `corte publish`.
//!
//! - [`cutover`]: one snapshot → tally → render → sign → publish to every
//!   target, each step timed and logged.
//! - [`inbox`]: finding complete snapshots and moving handled ones aside.
//! - [`daemon`]: the loop — events, the newest-wins queue, retries, status.
//! - [`status`]: the state kept across restarts and the status file.
//! - [`database`]: the central database as a source, sealing each closed
//!   corte into an inbox under the state folder that the daemon follows.
//!
//! What this module is not: it does not know how to render or upload; it
//! orders the stages that do.

pub mod cutover;
pub mod daemon;
pub mod database;
pub mod inbox;
pub mod status;

pub use cutover::{Cutover, CutoverError, HistorySource, Publisher};
pub use daemon::{WatchError, WatchOptions, Watcher};

/// The folder of the state folder where the acta images chosen for each
/// corte are recorded ([`crate::images::ImageFolder::recording`]).
pub const IMAGES_RECORD: &str = "images";

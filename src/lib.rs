//! corte publishes Mexico's preliminary election results (PREP).
//!
//! At each corte it takes the verified tally snapshot exported by the central
//! database, applies the official counting rules, renders a complete static
//! results site and pushes it to object storage. The flow goes one way:
//!
//! ```text
//! source → contract::Snapshot → tally::Results → anexo13 / site → Build → publish
//! ```
//!
//! `contract` (the snapshot, the shared words) and `published` (the manifest,
//! the keys, the pointer) lie below every stage. `tally`, `anexo13` (its
//! writer) and `site` are pure: they read no files, so the same snapshot
//! always yields the same bytes. Files and the network are touched by:
//!
//! - `source`: the pipeline's input (snapshots, the inbox, the image
//!   folder, ruleset files, theme folders, earlier manifests);
//! - `publish`: the object stores (`file://` folders included), and its own
//!   configuration (`corte.toml`), signing keys and the images it uploads;
//! - `watch`: the inbox's events and the watcher's state and status files;
//! - `serve`: an HTTP server over a store;
//! - `generator`: the real cómputos files it starts from and the snapshots
//!   and images it writes (a tool for demos, tests and benchmarks);
//! - `cli`: the files a command's arguments name that are not a pipeline
//!   input (the CSVs `import` converts, the members `seal` hashes,
//!   `corte.toml`'s `[watch]`) and the outputs it writes.
//!
//! `tests/layering.rs` checks that imports point downstream only.

pub mod anexo13;
pub mod cli;
pub mod contract;
pub mod cutover;
pub mod generator;
pub mod publish;
pub mod published;
pub mod serve;
pub mod site;
pub mod source;
pub mod tally;
pub mod watch;

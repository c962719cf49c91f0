//! corte publishes Mexico's preliminary election results (PREP).
//!
//! At each corte it takes the verified tally snapshot exported by the central
//! database, applies the official counting rules, renders a complete static
//! results site and pushes it to object storage. The flow goes one way:
//!
//! ```text
//! source → contract::Snapshot → tally::Results → anexo13 / site → publish
//! ```
//!
//! Only `source` (and, later, `publish`) touch files or the network; `tally`
//! and the renderers are pure, so the same snapshot always yields the same bytes.

pub mod anexo13;
pub mod cli;
pub mod contract;
pub mod generator;
pub mod images;
pub mod publish;
pub mod published;
pub mod serve;
pub mod site;
pub mod source;
pub mod tally;
pub mod watch;

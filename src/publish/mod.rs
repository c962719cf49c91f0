//! Publishing cortes to object storage: `file://` folders, S3-compatible
//! buckets, GCS and Azure through object_store, and `memory://` for tests.
//!
//! The layout and its order are DESIGN.md's ("The published layout"): the
//! corte's new archive objects first (in batches during the render, see
//! [`objects`]), then its datasets and signed manifest, its change list,
//! the changed keys of the stable public tree, then the `latest.json`
//! pointer by a conditional put, then the history and feed. See [`publish`]
//! for the steps and `docs/publishing.md` for the decisions behind them.
//!
//! What this module is not: it does not render (that is `site`), it does not
//! define the layout's keys, documents and headers (that is `published`), and
//! it does not run a whole corte or watch for snapshots (that is `cutover`
//! and `watch`). Everything here is written once
//! against object_store's `ObjectStore` trait; cross-cutting behaviour for
//! tests comes as wrapper stores ([`faults`]), as object_store's own
//! `throttle.rs` does.

pub mod config;
pub mod corte;
pub mod error;
pub mod faults;
pub mod keys;
pub mod lease;
pub mod local;
pub mod mirror;
pub mod objects;
pub mod pointer;
pub mod progress;
#[allow(clippy::module_inception)]
pub mod publish;
pub mod rollback;
pub mod sign;
pub mod status;
pub mod target;
pub mod transfer;
pub mod verify;

pub use config::{Config, Settings, TargetConfig};
pub use corte::Corte;
pub use error::{ErrorKind, PublishError, Step};
pub use objects::{Batch, put_objects};
pub use progress::{Progress, Quiet};
pub use publish::{Options, Outcome, Report, publish, publish_all};
pub use target::{Kind, Policy, Target};
pub use transfer::Counts;

//! The published contract: what a reader finds under a target's root, and
//! what every stage that writes, serves, checks or copies it agrees on.
//!
//! - [`manifest`]: `manifest.json`, every key of a corte with its SHA-256,
//!   size, content type and cache class (canonical JSON).
//! - [`layout`]: where things live (`objetos/…`, `cortes/<id>/…`,
//!   `latest.json`, …).
//! - [`objects`]: the content-addressed archive's names (`objetos/…`).
//! - [`cambios`]: `cambios.json`, the stable keys a corte changed.
//! - [`pointer`]: the pointer, the history of cortes and its feed.
//! - [`headers`]: a key's content type, gzip transport and cache class, and
//!   the headers that follow from them.
//! - [`images`]: the acta image keys (`actas/<sha256>.<ext>`) and the set of
//!   verified images a corte links to.
//! - [`gzip`]: the one reproducible gzip whose bytes the manifests hash.
//!
//! What this module is not: it renders nothing (`site`), writes nothing
//! (`publish`) and reads no files (`source`). It is vocabulary, pure, below
//! every stage but `contract`, which is all it imports.

pub mod cambios;
pub mod gzip;
pub mod headers;
pub mod images;
pub mod layout;
pub mod manifest;
pub mod objects;
pub mod pointer;

pub use cambios::Cambios;
pub use headers::{CachePolicy, Headers, content_type, headers_for, transport_gzip};
pub use images::{Image, ImageSet, Rejected};
pub use manifest::{CacheClass, FileEntry, GzipEntry, Manifest};
pub use pointer::{Action, CorteEntry, CorteIndex, Event, Pointer};

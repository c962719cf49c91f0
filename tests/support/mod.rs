//! What the tests share, in one place:
//!
//! - [`snapshots`]: the fixture and real-data snapshots, tallied and rendered;
//! - [`stores`]: the backends the publish tests run on (memory, folder, S3);
//! - [`moto`]: the S3-compatible server, started once per test process;
//! - [`nginx`]: Debian's nginx running `publish/nginx-cdn.conf`;
//! - [`synthetic`]: builds shaped like a real corte, for publishing;
//! - [`browser`]: headless Chromium and the static server it reads from.
//!
//! The benches include `moto.rs` and `synthetic.rs` by `#[path]`.

pub mod browser;
pub mod http;
pub mod moto;
pub mod nginx;
pub mod postgres;
pub mod snapshots;
pub mod stores;
pub mod synthetic;

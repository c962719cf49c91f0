//! The browser tests' tools: headless Chromium driven over the DevTools
//! protocol ([`cdp`]) and a static server of a rendered site ([`server`]).

pub mod cdp;
pub mod server;

//! Progress of long work, reported per target. The library reports; the
//! command line draws (indicatif bars on a terminal, nothing otherwise).

use super::error::Step;

pub trait Progress: Send + Sync {
    /// A step starts with this many objects and bytes to consider.
    fn begin(&self, _target: &str, _step: Step, _objects: u64, _bytes: u64) {}
    /// One object was considered: `transferred` when it was (or would be) put.
    fn advance(&self, _target: &str, _bytes: u64, _transferred: bool) {}
}

/// Reports nothing.
pub struct Quiet;

impl Progress for Quiet {}

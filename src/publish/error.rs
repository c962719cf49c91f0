//! Errors that name the target, the step and the object, so an operator at
//! 2 a.m. knows which bucket, which phase and which key to look at.

use std::fmt;

/// The phases of a publish (and of rollback, verify and mirror), in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Step {
    Open,
    ReadPointer,
    ReadManifest,
    Images,
    Objects,
    Datasets,
    Sign,
    Manifest,
    Cambios,
    StableTree,
    Lease,
    Pointer,
    History,
    Stale,
    Verify,
    Mirror,
}

impl Step {
    pub fn label(self) -> &'static str {
        match self {
            Step::Open => "opening the target",
            Step::ReadPointer => "reading the pointer",
            Step::ReadManifest => "reading a manifest",
            Step::Images => "uploading acta images",
            Step::Objects => "writing the archive objects",
            Step::Datasets => "copying the corte's datasets",
            Step::Sign => "signing the manifest",
            Step::Manifest => "writing the manifest",
            Step::Cambios => "writing the change list",
            Step::StableTree => "updating the stable tree",
            Step::Lease => "taking the stable-tree lease",
            Step::Pointer => "moving the pointer",
            Step::History => "writing the history and feed",
            Step::Stale => "removing stale objects",
            Step::Verify => "verifying",
            Step::Mirror => "mirroring",
        }
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// What went wrong, without the where.
#[derive(Debug, thiserror::Error)]
pub enum ErrorKind {
    #[error("{0}")]
    Store(#[source] object_store::Error),
    /// The store holds something that contradicts what we are publishing
    /// (a corte id with different bytes, a pointer at the same sequence…).
    #[error("{0}")]
    Conflict(String),
    /// Another publisher moved the pointer to this corte or a newer one.
    #[error(
        "the pointer is at corte {live} (seq {live_seq}); corte {ours} (seq {ours_seq}) is not newer, so it stays unpublished at the root"
    )]
    Superseded {
        live: String,
        live_seq: u32,
        ours: String,
        ours_seq: u32,
    },
    /// An object or manifest does not hash to what the manifest says.
    #[error("{0}")]
    Integrity(String),
    #[error("{0}")]
    Signature(String),
    #[error("{0}")]
    Invalid(String),
    /// Archive objects the manifest lists are not on the target, and no
    /// body was given for them (a target that was behind, a deleted
    /// object): render these keys in full and publish again.
    #[error(
        "{} object(s) of the manifest are not in the archive and no bytes were given for them: {}",
        keys.len(),
        listed(keys)
    )]
    Missing { keys: Vec<String> },
    /// A shutdown stopped the uploads before the stable tree: nothing a
    /// reader follows changed.
    #[error(
        "abandoned at shutdown before the stable tree: the previous corte stays live, untouched"
    )]
    Abandoned,
    /// This publisher's stable-tree lease was not renewed in time (a store
    /// unreachable, a process stalled) and may be another's now: it stopped
    /// writing the stable tree. Run it again.
    #[error("{0}")]
    LeaseLost(String),
}

/// An error of one target: `target iecm (s3://prep/site): uploading the corte
/// tree: cortes/00012-…/gub/index.html: <cause>`.
#[derive(Debug)]
pub struct PublishError {
    pub target: String,
    pub step: Step,
    pub object: Option<String>,
    pub kind: Box<ErrorKind>,
}

impl PublishError {
    pub fn new(target: &str, step: Step, kind: ErrorKind) -> PublishError {
        PublishError {
            target: target.to_string(),
            step,
            object: None,
            kind: Box::new(kind),
        }
    }

    pub fn at(mut self, object: impl Into<String>) -> PublishError {
        self.object = Some(object.into());
        self
    }

    pub fn is_superseded(&self) -> bool {
        matches!(*self.kind, ErrorKind::Superseded { .. })
    }

    pub fn is_abandoned(&self) -> bool {
        matches!(*self.kind, ErrorKind::Abandoned)
    }

    /// The manifest keys whose objects are missing (and had no body), when
    /// that is what failed.
    pub fn missing_keys(&self) -> Option<&[String]> {
        match &*self.kind {
            ErrorKind::Missing { keys } => Some(keys),
            _ => None,
        }
    }
}

impl fmt::Display for PublishError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "target {}: {}", self.target, self.step)?;
        if let Some(o) = &self.object {
            write!(f, ": {o}")?;
        }
        write!(f, ": {}", self.kind)
    }
}

impl std::error::Error for PublishError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        std::error::Error::source(&*self.kind)
    }
}

/// The first few keys of a long list, for a message.
fn listed(keys: &[String]) -> String {
    const SHOWN: usize = 5;
    let mut s = keys
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if keys.len() > SHOWN {
        s.push_str(&format!(" and {} more", keys.len() - SHOWN));
    }
    s
}

pub type Result<T, E = PublishError> = std::result::Result<T, E>;

//! `latest.json` and `cortes/index.json`: reading them with their version,
//! and changing them only by conditional puts, so that the pointer never
//! moves backwards by accident and two publishers cannot clobber each other.

use bytes::Bytes;
use object_store::{PutMode, UpdateVersion};

use super::error::{ErrorKind, PublishError, Step};
use super::target::Target;
use super::transfer;
use crate::published::Manifest;
use crate::published::pointer::feed;
use crate::published::{CorteEntry, CorteIndex, Event, Headers, Pointer, layout};

/// The pointer and the version to condition the next move on.
pub async fn read(target: &Target) -> Result<Option<(Pointer, UpdateVersion)>, PublishError> {
    let step = Step::ReadPointer;
    let Some((bytes, version)) = transfer::get(target, layout::POINTER)
        .await
        .map_err(|e| target.store_err(step, layout::POINTER, e))?
    else {
        return Ok(None);
    };
    let pointer: Pointer = serde_json::from_slice(&bytes).map_err(|e| {
        target
            .err(
                step,
                ErrorKind::Integrity(format!("is not a corte pointer: {e}")),
            )
            .at(layout::POINTER)
    })?;
    Ok(Some((pointer, version)))
}

/// The manifest a pointer names, checked against the pointer's hash.
pub async fn live_manifest(target: &Target, pointer: &Pointer) -> Result<Manifest, PublishError> {
    let step = Step::ReadManifest;
    let (bytes, _) = transfer::get(target, &pointer.manifest)
        .await
        .map_err(|e| target.store_err(step, &pointer.manifest, e))?
        .ok_or_else(|| {
            target
                .err(
                    step,
                    ErrorKind::Integrity("is missing, yet the pointer names it".into()),
                )
                .at(&pointer.manifest)
        })?;
    let sha = crate::contract::sha256_hex(&bytes);
    if sha != pointer.manifest_sha256 {
        return Err(target
            .err(
                step,
                ErrorKind::Integrity(format!(
                    "has SHA-256 {sha}, the pointer says {}",
                    pointer.manifest_sha256
                )),
            )
            .at(&pointer.manifest));
    }
    Manifest::from_json(&bytes).map_err(|m| {
        target
            .err(step, ErrorKind::Integrity(m))
            .at(&pointer.manifest)
    })
}

pub enum Flip {
    /// The pointer is now ours.
    Moved,
    /// Someone else moved it first; here is where it is.
    Lost(Pointer),
}

/// Moves the pointer with a conditional put: `PutMode::Update` against the
/// version read before, `PutMode::Create` when there was none. A rejected
/// put that turns out to have been our own (a retry after a lost answer)
/// counts as moved.
pub async fn flip(
    target: &Target,
    expected: Option<&UpdateVersion>,
    new: &Pointer,
) -> Result<Flip, PublishError> {
    let step = Step::Pointer;
    let bytes = Bytes::from(new.to_json());
    let headers = Headers::document(layout::POINTER, &bytes, &target.cache);
    let mode = match expected {
        Some(v) => PutMode::Update(v.clone()),
        None => PutMode::Create,
    };
    match transfer::put(target, layout::POINTER, bytes, &headers, mode).await {
        Ok(_) => Ok(Flip::Moved),
        Err(
            object_store::Error::Precondition { .. } | object_store::Error::AlreadyExists { .. },
        ) => match read(target).await? {
            Some((p, _)) if p.corte == new.corte && p.manifest_sha256 == new.manifest_sha256 => {
                Ok(Flip::Moved)
            }
            Some((p, _)) => Ok(Flip::Lost(p)),
            None => Err(target.err(
                step,
                ErrorKind::Conflict("the pointer vanished while it was being moved".into()),
            )),
        },
        Err(e) => Err(target.store_err(step, layout::POINTER, e)),
    }
}

/// The history, with its version (None when there is none yet).
pub async fn read_index(
    target: &Target,
) -> Result<(CorteIndex, Option<UpdateVersion>), PublishError> {
    let step = Step::History;
    match transfer::get(target, layout::INDEX)
        .await
        .map_err(|e| target.store_err(step, layout::INDEX, e))?
    {
        None => Ok((CorteIndex::default(), None)),
        Some((bytes, v)) => {
            let ix = serde_json::from_slice(&bytes).map_err(|e| {
                target
                    .err(
                        step,
                        ErrorKind::Integrity(format!("is not a corte history: {e}")),
                    )
                    .at(layout::INDEX)
            })?;
            Ok((ix, Some(v)))
        }
    }
}

/// Appends a pointer move to `cortes/index.json` (read-modify-write with a
/// conditional put, retried when another writer got there first), then
/// rewrites `cortes/feed.xml` from it.
pub async fn record(
    target: &Target,
    manifest: &Manifest,
    event: Event,
) -> Result<CorteIndex, PublishError> {
    let step = Step::History;
    let entry = CorteEntry {
        id: manifest.corte.id.clone(),
        seq: manifest.corte.seq,
        timestamp: manifest.corte.timestamp.clone(),
        final_corte: manifest.corte.final_corte,
        manifest: layout::manifest_key(&manifest.corte.id),
        manifest_sha256: event.manifest_sha256.clone(),
        published_at: event.at.clone(),
        withdrawn: false,
    };
    for _ in 0..16 {
        let (mut ix, version) = read_index(target).await?;
        if ix.process.is_empty() {
            ix.process = manifest.process.id.clone();
            ix.process_name = manifest.process.name.clone();
        }
        ix.record(entry.clone(), event.clone());
        let bytes = Bytes::from(ix.to_json());
        let headers = Headers::document(layout::INDEX, &bytes, &target.cache);
        let mode = match version {
            Some(v) => PutMode::Update(v),
            None => PutMode::Create,
        };
        match transfer::put(target, layout::INDEX, bytes, &headers, mode).await {
            Ok(_) => {
                write_feed(target, &ix).await?;
                return Ok(ix);
            }
            Err(
                object_store::Error::Precondition { .. }
                | object_store::Error::AlreadyExists { .. },
            ) => continue,
            Err(e) => return Err(target.store_err(step, layout::INDEX, e)),
        }
    }
    Err(target
        .err(
            step,
            ErrorKind::Conflict("kept changing under us (16 attempts)".into()),
        )
        .at(layout::INDEX))
}

pub async fn write_feed(target: &Target, ix: &CorteIndex) -> Result<(), PublishError> {
    let feed = Bytes::from(feed(ix, &now()));
    let headers = Headers::document(layout::FEED, &feed, &target.cache);
    transfer::put(target, layout::FEED, feed, &headers, PutMode::Overwrite)
        .await
        .map_err(|e| target.store_err(Step::History, layout::FEED, e))?;
    Ok(())
}

/// Now, UTC, RFC 3339 to the second.
pub fn now() -> String {
    chrono::DateTime::<chrono::Utc>::from(std::time::SystemTime::now())
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

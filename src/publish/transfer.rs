//! Moving objects: retries with exponential backoff and jitter, multipart for
//! large objects, recognising what is already there, bounded concurrency.
//!
//! Two retry layers, as rclone has: the HTTP client's own (`http_retries`,
//! per request, inside object_store) and this one (`retries`, per object
//! operation, on every backend), which also covers a whole multipart upload.

use std::collections::HashMap;
use std::future::Future;
use std::time::Duration;

use bytes::Bytes;
use futures::{StreamExt, TryStreamExt};
use md5::Digest;
use object_store::path::Path;
use object_store::{
    Attribute, AttributeValue, Attributes, GetOptions, ObjectMeta, ObjectStoreExt, PutMode,
    PutMultipartOptions, PutOptions, PutPayload, PutResult, UpdateVersion,
};

use super::error::{ErrorKind, PublishError, Step};
use super::progress::Progress;
use super::target::{Kind, Policy, Target};
use crate::published::Headers;
use crate::published::headers::SHA256_META;

pub fn path(key: &str) -> Path {
    Path::from(key)
}

/// The headers as object_store attributes: all of them on every put, since
/// a put replaces an object's metadata whole.
pub fn attributes(headers: &Headers) -> Attributes {
    let mut a = Attributes::new();
    a.insert(
        Attribute::ContentType,
        AttributeValue::from(headers.content_type.clone()),
    );
    a.insert(
        Attribute::CacheControl,
        AttributeValue::from(headers.cache_control.clone()),
    );
    if headers.gzip {
        a.insert(Attribute::ContentEncoding, AttributeValue::from("gzip"));
    }
    a.insert(
        Attribute::Metadata(SHA256_META.into()),
        AttributeValue::from(headers.sha256.clone()),
    );
    a
}

/// Errors worth another attempt: the generic ones (HTTP 5xx, timeouts,
/// connection resets after the client's own retries). Not-found, already
/// exists, precondition, permission and configuration errors are answers.
pub fn is_transient(e: &object_store::Error) -> bool {
    matches!(
        e,
        object_store::Error::Generic { .. } | object_store::Error::JoinError { .. }
    )
}

/// The backoff before attempt `attempt + 1`: exponential, capped, with
/// "equal jitter" (half fixed, half random) so retries of many objects
/// spread out but never collapse to zero.
pub fn backoff(policy: &Policy, attempt: u32) -> Duration {
    let exp = policy
        .retry_base
        .saturating_mul(1u32.checked_shl(attempt.min(20)).unwrap_or(u32::MAX));
    let cap = exp.min(policy.retry_max);
    let half = cap / 2;
    let jitter = rand::random_range(0..=half.as_micros().min(u64::MAX as u128) as u64);
    half + Duration::from_micros(jitter)
}

pub async fn retry<T, F, Fut>(policy: &Policy, what: &str, mut op: F) -> object_store::Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = object_store::Result<T>>,
{
    let mut attempt = 0;
    loop {
        match op().await {
            Ok(v) => return Ok(v),
            Err(e) if is_transient(&e) && attempt < policy.retries => {
                let wait = backoff(policy, attempt);
                tracing::debug!(object = what, attempt, ?wait, error = %e, "retrying");
                tokio::time::sleep(wait).await;
                attempt += 1;
            }
            Err(e) => return Err(e),
        }
    }
}

/// Puts one object with its full attribute set; in parts when it is large
/// and the put is unconditional.
pub async fn put(
    target: &Target,
    key: &str,
    bytes: Bytes,
    headers: &Headers,
    mode: PutMode,
) -> object_store::Result<PutResult> {
    let location = path(key);
    let large = bytes.len() as u64 >= target.policy.multipart_threshold;
    retry(&target.policy, key, || {
        let bytes = bytes.clone();
        let mode = mode.clone();
        let location = &location;
        async move {
            if large && mode == PutMode::Overwrite {
                put_in_parts(target, location, bytes, headers).await
            } else {
                let opts = PutOptions {
                    mode,
                    attributes: attributes(headers),
                    ..Default::default()
                };
                target
                    .store
                    .put_opts(location, PutPayload::from_bytes(bytes), opts)
                    .await
            }
        }
    })
    .await
}

async fn put_in_parts(
    target: &Target,
    location: &Path,
    bytes: Bytes,
    headers: &Headers,
) -> object_store::Result<PutResult> {
    let opts = PutMultipartOptions {
        attributes: attributes(headers),
        ..Default::default()
    };
    let mut upload = target.store.put_multipart_opts(location, opts).await?;
    let part = target.policy.part_size.max(1) as usize;
    let parts: Vec<_> = (0..bytes.len())
        .step_by(part)
        .map(|start| upload.put_part(bytes.slice(start..(start + part).min(bytes.len())).into()))
        .collect();
    let sent = futures::future::try_join_all(parts).await;
    match sent {
        Ok(_) => upload.complete().await,
        Err(e) => {
            let _ = upload.abort().await;
            Err(e)
        }
    }
}

/// An object's bytes and version, or None when it is not there.
pub async fn get(
    target: &Target,
    key: &str,
) -> object_store::Result<Option<(Bytes, UpdateVersion)>> {
    let location = path(key);
    let got = retry(&target.policy, key, || async {
        let r = target.store.get(&location).await?;
        let version = UpdateVersion {
            e_tag: r.meta.e_tag.clone(),
            version: r.meta.version.clone(),
        };
        Ok((r.bytes().await?, version))
    })
    .await;
    match got {
        Ok(v) => Ok(Some(v)),
        Err(object_store::Error::NotFound { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Server-side copy; false when the source is not there (the caller uploads).
pub async fn copy(target: &Target, from: &str, to: &str) -> object_store::Result<bool> {
    let (from, to) = (path(from), path(to));
    match retry(&target.policy, to.as_ref(), || {
        target.store.copy(&from, &to)
    })
    .await
    {
        Ok(()) => Ok(true),
        Err(object_store::Error::NotFound { .. }) => Ok(false),
        Err(e) => Err(e),
    }
}

pub async fn delete(target: &Target, key: &str) -> object_store::Result<()> {
    let location = path(key);
    match retry(&target.policy, key, || target.store.delete(&location)).await {
        Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
        Err(e) => Err(e),
    }
}

/// Every object under `prefix`, by key relative to the target's root.
pub async fn list(
    target: &Target,
    prefix: &str,
) -> object_store::Result<HashMap<String, ObjectMeta>> {
    let p = path(prefix);
    retry(&target.policy, prefix, || async {
        target
            .store
            .list(Some(&p))
            .map_ok(|m| (m.location.to_string(), m))
            .try_collect()
            .await
    })
    .await
}

/// Whether the object at `key` already holds the wanted stored bytes.
///
/// Cheapest evidence first: the listing's size; then, on S3 and GCS, an ETag
/// that is the MD5 of the bytes (single-part uploads); then the `sha256`
/// metadata every corte put carries (one HEAD); then, on a folder or for an
/// object without the metadata, the bytes themselves.
pub async fn holds(
    target: &Target,
    key: &str,
    listed: &ObjectMeta,
    headers: &Headers,
    size: u64,
    body: Option<&Bytes>,
) -> object_store::Result<bool> {
    if listed.size != size {
        return Ok(false);
    }
    if target.kind.md5_etags()
        && let (Some(etag), Some(bytes)) = (&listed.e_tag, body)
    {
        let etag = etag.trim_matches('"');
        if etag.len() == 32 && !etag.contains('-') && etag == hex::encode(md5::Md5::digest(bytes)) {
            return Ok(true);
        }
    }
    let location = path(key);
    if target.kind.keeps_attributes() {
        let head = retry(&target.policy, key, || {
            target.store.get_opts(
                &location,
                GetOptions {
                    head: true,
                    ..Default::default()
                },
            )
        })
        .await?;
        if let Some(v) = head
            .attributes
            .get(&Attribute::Metadata(SHA256_META.into()))
        {
            return Ok(v.as_ref() == headers.sha256);
        }
    }
    Ok(match get(target, key).await? {
        Some((bytes, _)) => crate::contract::sha256_hex(&bytes) == headers.sha256,
        None => false,
    })
}

/// Where an object's bytes come from.
#[derive(Clone)]
pub enum Body {
    Ready(Bytes),
    /// An object of another (or the same) target, checked against the
    /// expected SHA-256 before it is written anywhere.
    Remote {
        from: Box<Target>,
        key: String,
    },
    /// A local file (an acta image in the image folder), read when it is
    /// put and checked against the expected SHA-256 first: a file changed
    /// since it was verified is never published.
    File(std::path::PathBuf),
}

impl Body {
    /// The bytes to put on `to`, checked against `expected_sha256` unless
    /// they are ours already.
    pub async fn fetch(
        &self,
        to: &Target,
        step: Step,
        expected_sha256: &str,
    ) -> Result<Bytes, PublishError> {
        match self {
            Body::Ready(b) => Ok(b.clone()),
            Body::Remote { from, key } => {
                let bytes = get(from, key)
                    .await
                    .map_err(|e| from.store_err(step, key, e))?
                    .ok_or_else(|| {
                        from.err(step, ErrorKind::Integrity("is missing".into()))
                            .at(key)
                    })?
                    .0;
                let got = crate::contract::sha256_hex(&bytes);
                if got != expected_sha256 {
                    return Err(from
                        .err(
                            step,
                            ErrorKind::Integrity(format!(
                                "holds bytes with SHA-256 {got}, the manifest says {expected_sha256}"
                            )),
                        )
                        .at(key));
                }
                Ok(bytes)
            }
            Body::File(path) => {
                let where_ = || path.display().to_string();
                let bytes = tokio::fs::read(path).await.map_err(|e| {
                    to.err(step, ErrorKind::Invalid(format!("cannot be read: {e}")))
                        .at(where_())
                })?;
                let got = crate::contract::sha256_hex(&bytes);
                if got != expected_sha256 {
                    return Err(to.err(
                        step,
                        ErrorKind::Integrity(format!(
                            "holds bytes with SHA-256 {got}, its name says {expected_sha256}: it changed after it was checked"
                        )),
                    )
                    .at(where_()));
                }
                Ok(Bytes::from(bytes))
            }
        }
    }
}

/// One object to put.
#[derive(Clone)]
pub struct Item {
    pub key: String,
    pub headers: Headers,
    pub size: u64,
    pub body: Body,
    /// An object on the same target with the same bytes and headers (the
    /// previous corte's copy): copied server-side instead of uploaded.
    pub copy_from: Option<String>,
}

/// What a step did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub uploaded: u64,
    pub uploaded_bytes: u64,
    /// Copied server-side from the previous corte's tree: no bytes sent.
    pub copied: u64,
    pub skipped: u64,
    pub deleted: u64,
}

impl Counts {
    pub fn add(&mut self, other: Counts) {
        self.uploaded += other.uploaded;
        self.uploaded_bytes += other.uploaded_bytes;
        self.copied += other.copied;
        self.skipped += other.skipped;
        self.deleted += other.deleted;
    }
}

/// Puts `items` with the target's concurrency (the caller announces the
/// step to `progress`). With `listed` (the objects
/// already under the items' prefix), objects that already hold the right
/// bytes are skipped. With `dry_run`, nothing is written: the counts say what
/// would be.
pub async fn put_all(
    target: &Target,
    step: Step,
    items: Vec<Item>,
    listed: Option<&HashMap<String, ObjectMeta>>,
    dry_run: bool,
    progress: &dyn Progress,
) -> Result<Counts, PublishError> {
    let results = futures::stream::iter(items)
        .map(|item| async move {
            let ready = match &item.body {
                Body::Ready(b) => Some(b),
                Body::Remote { .. } | Body::File(_) => None,
            };
            if let Some(meta) = listed.and_then(|l| l.get(&item.key)) {
                let there = holds(target, &item.key, meta, &item.headers, item.size, ready)
                    .await
                    .map_err(|e| target.store_err(step, &item.key, e))?;
                if there {
                    progress.advance(&target.name, item.size, false);
                    return Ok(Counts {
                        skipped: 1,
                        ..Counts::default()
                    });
                }
            }
            if let Some(from) = &item.copy_from {
                let copied = dry_run
                    || copy(target, from, &item.key)
                        .await
                        .map_err(|e| target.store_err(step, &item.key, e))?;
                if copied {
                    progress.advance(&target.name, item.size, true);
                    return Ok(Counts {
                        copied: 1,
                        ..Counts::default()
                    });
                }
            }
            if !dry_run {
                let body = item.body.fetch(target, step, &item.headers.sha256).await?;
                put(target, &item.key, body, &item.headers, PutMode::Overwrite)
                    .await
                    .map_err(|e| target.store_err(step, &item.key, e))?;
            }
            progress.advance(&target.name, item.size, true);
            Ok(Counts {
                uploaded: 1,
                uploaded_bytes: item.size,
                ..Counts::default()
            })
        })
        .buffer_unordered(target.policy.concurrency);
    results
        .try_fold(Counts::default(), |mut acc, c| async move {
            acc.add(c);
            Ok(acc)
        })
        .await
}

/// Deletes `keys` (absent ones count as deleted), with the target's concurrency.
pub async fn delete_all(
    target: &Target,
    step: Step,
    keys: Vec<String>,
    dry_run: bool,
) -> Result<Counts, PublishError> {
    let n = keys.len() as u64;
    if !dry_run {
        futures::stream::iter(keys)
            .map(|key| async move {
                delete(target, &key)
                    .await
                    .map_err(|e| target.store_err(step, &key, e))
            })
            .buffer_unordered(target.policy.concurrency)
            .try_collect::<Vec<()>>()
            .await?;
    }
    Ok(Counts {
        deleted: n,
        ..Counts::default()
    })
}

impl Kind {
    pub fn label(self) -> &'static str {
        match self {
            Kind::Local => "folder",
            Kind::Memory => "memory",
            Kind::S3 => "S3",
            Kind::Gcs => "GCS",
            Kind::Azure => "Azure",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[test]
    fn backoff_grows_and_stays_under_the_cap() {
        let p = Policy {
            retry_base: Duration::from_millis(100),
            retry_max: Duration::from_millis(1000),
            ..Policy::default()
        };
        for attempt in 0..30 {
            let d = backoff(&p, attempt);
            let cap = (Duration::from_millis(100) * 2u32.pow(attempt.min(10))).min(p.retry_max);
            assert!(d >= cap / 2 && d <= cap, "attempt {attempt}: {d:?}");
        }
    }

    #[tokio::test]
    async fn transient_errors_are_retried_and_answers_are_not() {
        let p = Policy {
            retries: 3,
            retry_base: Duration::from_millis(1),
            retry_max: Duration::from_millis(2),
            ..Policy::default()
        };
        let calls = Arc::new(AtomicU32::new(0));
        let r: object_store::Result<u32> = retry(&p, "k", || {
            let calls = calls.clone();
            async move {
                let n = calls.fetch_add(1, Ordering::SeqCst);
                if n < 2 {
                    Err(object_store::Error::Generic {
                        store: "t",
                        source: "503".into(),
                    })
                } else {
                    Ok(n)
                }
            }
        })
        .await;
        assert_eq!(r.unwrap(), 2);
        calls.store(0, Ordering::SeqCst);
        let r: object_store::Result<()> = retry(&p, "k", || {
            calls.fetch_add(1, Ordering::SeqCst);
            async {
                Err(object_store::Error::NotFound {
                    path: "k".into(),
                    source: "gone".into(),
                })
            }
        })
        .await;
        assert!(r.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }
}

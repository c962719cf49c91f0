//! The content-addressed archive on a target (`objetos/…`, see
//! `published::objects`): putting rendered artifacts there in batches, long
//! before their corte goes live, and knowing which objects a target holds.
//!
//! An object is written once: a put never replaces one (on stores with
//! conditional puts, `PutMode::Create`; on a folder, a look first), so
//! putting the same batch twice, or an object that an earlier corte already
//! stored, sends nothing the second time. Nothing reads an object until a
//! manifest that lists it is complete, so a batch may be put at any time
//! during the render, and dropped once put.
//!
//! Each target keeps a ledger ([`Known`]) of the objects it is known to
//! hold: those of the corte live on it (its manifest is only written once
//! all of them are there, and corte deletes none) and those this process
//! put or found there since. A publish trusts the ledger instead of asking
//! the store again; an object deleted by hand from under a live corte is
//! found by `corte verify`, not by the next publish.

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use futures::{StreamExt, TryStreamExt};
use object_store::{ObjectStoreExt, PutMode};

use super::error::{ErrorKind, PublishError, Step};
use super::pointer;
use super::progress::Progress;
use super::target::{Kind, Target};
use super::transfer::{self, Body, Counts, Item};
use crate::published::{Headers, Manifest, objects};
use crate::site::Artifact;

/// One archive object, ready to put on any number of targets.
#[derive(Debug, Clone)]
pub struct Object {
    /// `objetos/<sha256>.<ext>[.gz]`.
    pub key: String,
    pub headers: Headers,
    /// The stored bytes (the gzip copy when `headers.gzip`).
    pub bytes: Bytes,
}

/// Rendered artifacts as archive objects, each once: what the render hands
/// over while it goes on, cheap to clone for every target's queue.
#[derive(Debug, Clone, Default)]
pub struct Batch {
    objects: Arc<[Object]>,
}

impl Batch {
    /// The objects of sealed artifacts (hash and gzip copy filled in), keeping
    /// only the bytes that are stored. An artifact whose content type has no
    /// archive name is refused, naming it.
    pub fn from_artifacts(artifacts: impl IntoIterator<Item = Artifact>) -> Result<Batch, String> {
        let mut by_key = BTreeMap::new();
        for a in artifacts {
            let gzip = a.gzip.is_some();
            let (bytes, sha) = match a.gzip {
                Some(gz) => (gz, a.gzip_sha256),
                None => (a.bytes, a.sha256),
            };
            if sha.is_empty() {
                return Err(format!("{}: the artifact is not sealed (no hash)", a.key));
            }
            let key = objects::key(&sha, a.content_type, gzip).ok_or_else(|| {
                format!(
                    "{}: the archive has no name for content type {}",
                    a.key, a.content_type
                )
            })?;
            let headers = objects::parse_key(&key)
                .map(|n| n.headers(&Default::default()))
                .ok_or_else(|| format!("{}: {key} is not an archive name", a.key))?;
            by_key.entry(key.clone()).or_insert(Object {
                key,
                headers,
                bytes: Bytes::from(bytes),
            });
        }
        Ok(Batch {
            objects: by_key.into_values().collect(),
        })
    }

    pub fn objects(&self) -> &[Object] {
        &self.objects
    }

    pub fn len(&self) -> usize {
        self.objects.len()
    }

    pub fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }

    /// The stored bytes of the batch.
    pub fn bytes(&self) -> u64 {
        self.objects.iter().map(|o| o.bytes.len() as u64).sum()
    }
}

/// The archive objects a target is known to hold (see the module's doc).
#[derive(Debug, Default)]
pub struct Known {
    state: Mutex<KnownState>,
}

#[derive(Debug, Default)]
struct KnownState {
    /// Whether the live corte's objects were taken in.
    seeded: bool,
    keys: HashSet<String>,
}

impl Known {
    fn lock(&self) -> std::sync::MutexGuard<'_, KnownState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn contains(&self, key: &str) -> bool {
        self.lock().keys.contains(key)
    }

    pub fn insert(&self, key: String) {
        self.lock().keys.insert(key);
    }

    pub fn len(&self) -> usize {
        self.lock().keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// After a corte went live: its objects, and nothing older (which keeps
    /// the ledger the size of one corte).
    pub fn reset_to(&self, live: &Manifest) {
        let mut s = self.lock();
        s.keys = objects::object_keys(live).into_keys().collect();
        s.seeded = true;
    }

    /// Takes in the objects of `live` (the corte live on the target) once.
    pub fn seed(&self, live: &Manifest) {
        let mut s = self.lock();
        if !s.seeded {
            s.keys.extend(objects::object_keys(live).into_keys());
            s.seeded = true;
        }
    }

    /// Nothing is live on the target: the ledger starts empty.
    pub fn seed_empty(&self) {
        self.lock().seeded = true;
    }

    fn seeded(&self) -> bool {
        self.lock().seeded
    }
}

/// Puts a batch of objects on `target`, skipping those it holds already.
/// Callable any number of times before a corte goes live; what it put is
/// remembered in the target's ledger, so the publish of the corte does not
/// ask the store again.
pub async fn put_objects(
    target: &Target,
    batch: &Batch,
    progress: &dyn Progress,
) -> Result<Counts, PublishError> {
    seed(target).await?;
    let items: Vec<Item> = batch
        .objects()
        .iter()
        .map(|o| Item {
            key: o.key.clone(),
            headers: o.headers.clone(),
            size: o.bytes.len() as u64,
            body: Body::Ready(o.bytes.clone()),
            copy_from: None,
        })
        .collect();
    put_absent(target, Step::Objects, items, false, progress).await
}

/// Takes the live corte's objects into the ledger, the first time.
async fn seed(target: &Target) -> Result<(), PublishError> {
    if target.known.seeded() {
        return Ok(());
    }
    if let Some((p, _)) = pointer::read(target).await? {
        let live = pointer::live_manifest(target, &p).await?;
        target.known.seed(&live);
    } else {
        target.known.seed_empty();
    }
    Ok(())
}

/// Puts each item unless the target holds it: the ledger first, then the
/// store (a conditional create; on a folder, a look before the write).
/// Every object put or found goes into the ledger.
pub(crate) async fn put_absent(
    target: &Target,
    step: Step,
    items: Vec<Item>,
    dry_run: bool,
    progress: &dyn Progress,
) -> Result<Counts, PublishError> {
    let (known, new): (Vec<Item>, Vec<Item>) = items
        .into_iter()
        .partition(|i| target.known.contains(&i.key));
    let bytes: u64 = new.iter().map(|i| i.size).sum();
    progress.begin(&target.name, step, new.len() as u64, bytes);
    let mut counts = Counts {
        skipped: known.len() as u64,
        ..Counts::default()
    };
    let results = futures::stream::iter(new)
        .map(|item| async move {
            let put = if dry_run {
                !holds(target, &item.key)
                    .await
                    .map_err(|e| target.store_err(step, &item.key, e))?
            } else {
                put_one(target, step, &item).await?
            };
            progress.advance(&target.name, item.size, put);
            if !dry_run {
                target.known.insert(item.key.clone());
            }
            Ok::<_, PublishError>(if put {
                Counts {
                    uploaded: 1,
                    uploaded_bytes: item.size,
                    ..Counts::default()
                }
            } else {
                Counts {
                    skipped: 1,
                    ..Counts::default()
                }
            })
        })
        .buffer_unordered(target.policy.concurrency);
    let sent = results
        .try_fold(Counts::default(), |mut acc, c| async move {
            acc.add(c);
            Ok(acc)
        })
        .await?;
    counts.add(sent);
    Ok(counts)
}

/// Writes one object unless it is there: true when it was written.
async fn put_one(target: &Target, step: Step, item: &Item) -> Result<bool, PublishError> {
    let err = |e| target.store_err(step, &item.key, e);
    let large = item.size >= target.policy.multipart_threshold;
    // A folder's create takes the folder's lock (publish::local), and a
    // multipart upload takes no condition: look first there.
    let look_first = target.kind == Kind::Local || large;
    if look_first && holds(target, &item.key).await.map_err(err)? {
        return Ok(false);
    }
    let body = item.body.fetch(target, step, &item.headers.sha256).await?;
    let mode = if look_first {
        PutMode::Overwrite
    } else {
        PutMode::Create
    };
    match transfer::put(target, &item.key, body, &item.headers, mode).await {
        Ok(_) => Ok(true),
        // There already: the same name is the same bytes.
        Err(object_store::Error::AlreadyExists { .. }) => Ok(false),
        Err(e) => Err(err(e)),
    }
}

/// Whether the object `key` is on the target (one HEAD).
pub(crate) async fn holds(target: &Target, key: &str) -> object_store::Result<bool> {
    let location = transfer::path(key);
    match transfer::retry(&target.policy, key, || target.store.head(&location)).await {
        Ok(_) => Ok(true),
        Err(object_store::Error::NotFound { .. }) => Ok(false),
        Err(e) => Err(e),
    }
}

/// The objects of `m` that the target does not hold, by manifest key: the
/// ledger first, then one HEAD per object it does not know. Found ones go
/// into the ledger.
pub(crate) async fn missing(
    target: &Target,
    step: Step,
    wanted: Vec<(String, String)>,
) -> Result<Vec<String>, PublishError> {
    let unknown: Vec<(String, String)> = wanted
        .into_iter()
        .filter(|(o, _)| !target.known.contains(o))
        .collect();
    let found: Vec<Option<String>> = futures::stream::iter(unknown)
        .map(|(object, key)| async move {
            let there = holds(target, &object)
                .await
                .map_err(|e| target.store_err(step, &object, e))?;
            if there {
                target.known.insert(object);
                Ok::<_, PublishError>(None)
            } else {
                Ok(Some(key))
            }
        })
        .buffer_unordered(target.policy.concurrency)
        .try_collect()
        .await?;
    let mut keys: Vec<String> = found.into_iter().flatten().collect();
    keys.sort();
    Ok(keys)
}

/// The error for objects missing with no body to write them from.
pub(crate) fn missing_error(target: &Target, keys: Vec<String>) -> PublishError {
    target.err(Step::Objects, ErrorKind::Missing { keys })
}

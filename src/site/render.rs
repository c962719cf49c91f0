//! Rendering a corte in batches, and only what changed.
//!
//! [`render_batches`] makes every artifact of a corte that it has to, hands
//! them to the caller in batches (`sink`) as soon as a batch is full, and
//! keeps only their entries; the caller sends each batch on (to the
//! targets) and drops it, so memory does not grow with the number of pages.
//!
//! What it has to make: with a [`RenderCache`] of the previous corte, an
//! artifact whose input digest ([`super::digest`]) is unchanged is not
//! rendered, its previous entry is reused. Always made: the theme's
//! assets that changed, the datasets (they carry the corte's time), the
//! corte pages (home, consulta, verificación, datos, ayuda) and the API's
//! `index.json`. With `only`, just those keys are handed over (and made);
//! the rest comes from the cache, or is made and not handed over.
//!
//! Full and incremental renders give the same manifest: the entries reused
//! are the ones a render of the same inputs made (tests/incremental.rs).

use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;

use super::api::{Api, index_key};
use super::cache::{CacheEntry, RenderCache};
use super::digest::{BaseInputs, Digest, Digests};
use super::pages::Renderer;
use super::{Artifact, DatasetFile, RenderOptions, SiteContext, SiteError, manifest_of};
use crate::contract::{Snapshot, sha256_hex};
use crate::published::images;
use crate::published::manifest::{CacheClass, FileEntry, Manifest};
use crate::tally::Results;

/// Artifacts handed to the sink at once, at most (and at most
/// [`BATCH_BYTES`] of stored bytes), unless [`RenderOptions::batch_size`]
/// says otherwise.
pub const BATCH_SIZE: usize = 2000;
pub const BATCH_BYTES: usize = 128 << 20;

/// What a batched render made.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub corte_id: String,
    pub manifest: Manifest,
    /// `manifest.json`'s canonical bytes and their SHA-256.
    pub manifest_bytes: Vec<u8>,
    pub manifest_sha256: String,
    /// Where each image of `manifest.images` is read from (by key).
    pub image_files: BTreeMap<String, std::path::PathBuf>,
    /// This corte's digests and entries, for the next corte.
    pub cache: RenderCache,
    /// Artifacts made (rendered) this time, and entries reused from the cache.
    pub made: usize,
    pub reused: usize,
    /// Artifacts handed to the sink.
    pub handed: usize,
}

/// A sink for batches; an error stops the render (a shutdown, a failed target).
pub type Sink<'s> = dyn FnMut(Vec<Artifact>) -> Result<(), String> + 's;

/// The entries of the corte as they are made or reused, and the batch
/// being filled.
struct Out<'o, 's> {
    cache: Option<&'o RenderCache>,
    only: Option<&'o BTreeSet<String>>,
    files: BTreeMap<String, FileEntry>,
    digests: BTreeMap<String, Digest>,
    batch: Vec<Artifact>,
    batch_bytes: usize,
    batch_size: usize,
    sink: &'o mut Sink<'s>,
    made: usize,
    reused: usize,
    handed: usize,
}

impl Out<'_, '_> {
    /// Whether `key` must be made: wanted by `only`, or not in the cache
    /// with this digest. A reused entry is recorded here.
    fn must_make(&mut self, key: &str, digest: Option<&Digest>) -> bool {
        if self.only.is_some_and(|o| o.contains(key)) {
            return true;
        }
        let Some(d) = digest else { return true };
        match self.cache.and_then(|c| c.reuse(key, d)) {
            Some(entry) => {
                self.files.insert(key.to_string(), entry.clone());
                self.digests.insert(key.to_string(), *d);
                self.reused += 1;
                false
            }
            None => true,
        }
    }

    /// Records sealed artifacts (with their digests, where they have one)
    /// and hands them on by batches.
    fn add(&mut self, made: Vec<(Artifact, Option<Digest>)>) -> Result<(), SiteError> {
        for (a, digest) in made {
            if a.key.starts_with(images::PREFIX) {
                // That place belongs to the acta images, shared by every corte.
                return Err(SiteError::ReservedKey(a.key));
            }
            let entry = a.entry();
            if self.files.insert(a.key.clone(), entry).is_some() {
                return Err(SiteError::DuplicateKey(a.key));
            }
            if let Some(d) = digest {
                self.digests.insert(a.key.clone(), d);
            }
            self.made += 1;
            if self.only.is_none_or(|o| o.contains(&a.key)) {
                self.batch_bytes += a.stored().len();
                self.batch.push(a);
                if self.batch.len() >= self.batch_size || self.batch_bytes >= BATCH_BYTES {
                    self.flush()?;
                }
            }
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), SiteError> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let batch = std::mem::take(&mut self.batch);
        self.batch_bytes = 0;
        self.handed += batch.len();
        (self.sink)(batch).map_err(SiteError::Stopped)
    }
}

/// Makes the artifacts of `jobs` that must be made, `chunk` at a time in
/// parallel, sealed, and adds them.
fn make<J: Copy + Send + Sync>(
    out: &mut Out,
    jobs: &[(J, String, Option<Digest>)],
    render: &(dyn Fn(J) -> Result<Artifact, SiteError> + Sync),
) -> Result<(), SiteError> {
    let todo: Vec<&(J, String, Option<Digest>)> = jobs
        .iter()
        .filter(|(_, key, d)| out.must_make(key, d.as_ref()))
        .collect();
    for chunk in todo.chunks(out.batch_size.max(1)) {
        let made: Vec<(Artifact, Option<Digest>)> = chunk
            .par_iter()
            .map(|(job, _, d)| {
                let mut a = render(*job)?;
                a.seal();
                Ok((a, *d))
            })
            .collect::<Result<_, SiteError>>()?;
        out.add(made)?;
    }
    Ok(())
}

/// Renders a corte in batches (see the module's docs).
pub fn render_batches(
    snapshot: &Snapshot,
    results: &Results,
    opts: &RenderOptions,
    sink: &mut Sink,
) -> Result<Rendered, SiteError> {
    let digests = Digests::of(
        snapshot,
        results,
        &BaseInputs {
            theme: &opts.theme.digest,
            build: opts.build_id,
            images: opts.images,
        },
    );
    let mut out = Out {
        cache: opts.cache,
        only: opts.only,
        files: BTreeMap::new(),
        digests: BTreeMap::new(),
        batch: Vec::new(),
        batch_bytes: 0,
        batch_size: opts.batch_size.max(1),
        sink,
        made: 0,
        reused: 0,
        handed: 0,
    };
    for a in &opts.theme.assets {
        let digest = digests.artifact(&a.key, |f| {
            f.bytes(&a.bytes);
        });
        if out.must_make(&a.key, Some(&digest)) {
            let mut artifact = Artifact::new(a.key.clone(), a.bytes.clone(), CacheClass::Immutable);
            artifact.seal();
            out.add(vec![(artifact, Some(digest))])?;
        }
    }
    let datasets = datasets(snapshot, results, &mut out)?;
    let ctx = SiteContext {
        snapshot,
        results,
        theme: opts.theme,
        history: opts.history,
        datasets: &datasets,
        images: opts.images,
    };
    pages(&ctx, &digests, &mut out)?;
    api(&ctx, &digests, &mut out)?;
    out.flush()?;
    finish(snapshot, results, opts, out)
}

/// The datasets: always made (they carry the corte's time); only their
/// names, sizes and hashes are kept, for the pages that list them.
fn datasets(
    snapshot: &Snapshot,
    results: &Results,
    out: &mut Out,
) -> Result<Vec<DatasetFile>, SiteError> {
    let mut made = super::datasets::artifacts(snapshot, results);
    made.par_iter_mut().for_each(Artifact::seal);
    let files = made
        .iter()
        .map(|a| DatasetFile {
            key: a.key.clone(),
            size: a.bytes.len() as u64,
            sha256: a.sha256.clone(),
        })
        .collect();
    out.add(made.into_iter().map(|a| (a, None)).collect())?;
    Ok(files)
}

fn pages(ctx: &SiteContext, digests: &Digests, out: &mut Out) -> Result<(), SiteError> {
    let r = Renderer::new(ctx)?;
    let jobs: Vec<_> = r
        .jobs()
        .into_par_iter()
        .map(|job| {
            let key = r.key_of(job);
            let digest = r.digest_of(job, &key, digests);
            (job, key, digest)
        })
        .collect();
    make(out, &jobs, &|job| r.render(job))?;
    let consulta: Vec<_> = (0..ctx.snapshot.catalog.elections.len())
        .map(|e| {
            let key = r.consulta_key(e);
            let digest = digests.artifact(&key, |_| {});
            (e, key, Some(digest))
        })
        .collect();
    make(out, &consulta, &|e| Ok(r.consulta_index(e)))
}

fn api(ctx: &SiteContext, digests: &Digests, out: &mut Out) -> Result<(), SiteError> {
    let api = Api::new(ctx);
    let jobs: Vec<_> = api
        .jobs()
        .into_par_iter()
        .map(|job| {
            let key = api.key_of(job);
            let digest = api.digest_of(job, &key, digests);
            (job, key, Some(digest))
        })
        .collect();
    make(out, &jobs, &|job| Ok(api.render(job)))?;
    let prefix = super::api::PREFIX;
    let index = {
        let documents = out
            .files
            .range(prefix.to_string()..)
            .take_while(|(k, _)| k.starts_with(prefix))
            .map(|(k, e)| (k.as_str(), e.sha256.as_str()));
        api.index(documents)
    };
    let mut index = index;
    debug_assert_eq!(index.key, index_key());
    index.seal();
    out.add(vec![(index, None)])
}

fn finish(
    snapshot: &Snapshot,
    results: &Results,
    opts: &RenderOptions,
    out: Out,
) -> Result<Rendered, SiteError> {
    let mut manifest = manifest_of(snapshot, results, out.files, opts.previous.clone());
    let mut image_files = BTreeMap::new();
    for i in opts.images.iter().flat_map(|set| set.images.values()) {
        manifest.images.insert(i.key(), i.entry());
        image_files.insert(i.key(), i.path.clone());
    }
    let manifest_bytes = manifest.to_canonical_json();
    let manifest_sha256 = sha256_hex(&manifest_bytes);
    let entries = out
        .digests
        .into_iter()
        .filter_map(|(key, digest)| {
            let entry = manifest.files.get(&key)?.clone();
            Some((key, CacheEntry { digest, entry }))
        })
        .collect();
    Ok(Rendered {
        corte_id: snapshot.corte.id(),
        cache: RenderCache {
            corte: snapshot.corte.id(),
            entries,
        },
        manifest,
        manifest_bytes,
        manifest_sha256,
        image_files,
        made: out.made,
        reused: out.reused,
        handed: out.handed,
    })
}

//! The results site of one corte, rendered into memory.
//!
//! [`render`] turns a snapshot and its tally into a [`Build`]: every page,
//! chart, dataset and asset as an [`Artifact`] (key, bytes, content type,
//! cache class, SHA-256, and a gzip copy for text), plus the corte's
//! [`Manifest`]. Pure and deterministic: the same inputs give byte-identical
//! artifacts and manifest. Writing the build somewhere is `publish`'s job.
//!
//! Links inside the site are relative, so the same files work at the stable
//! root, under `cortes/<corte-id>/`, in a difusor's mirror and from a folder.

pub mod api;
pub mod charts;
pub mod datasets;
pub mod format;
pub mod history;
pub mod pages;
pub mod theme;
pub mod tiles;

use rayon::prelude::*;

pub use history::History;
pub use theme::Theme;

use crate::contract::{Snapshot, sha256_hex};
use crate::published::images::{self, ImageSet};
use crate::published::manifest::{
    CacheClass, CandidacyVotes, FileEntry, GzipEntry, MANIFEST_VERSION, Manifest, ManifestCorte,
    ManifestElection, ManifestProcess,
};
use crate::published::{content_type, gzip, transport_gzip};
use crate::tally::Results;

#[derive(Debug, thiserror::Error)]
pub enum SiteError {
    #[error("theme {file}: {message}")]
    Theme { file: String, message: String },
    #[error("rendering {page} with template {template}: {message}")]
    Template {
        page: String,
        template: String,
        message: String,
    },
    #[error("two artifacts share the key {0}")]
    DuplicateKey(String),
    #[error("the key {0} is in actas/, the place of the acta images")]
    ReservedKey(String),
}

/// One file of the built site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifact {
    /// Path relative to the site root: `gub/seccion/0001.html`.
    pub key: String,
    pub content_type: &'static str,
    pub cache: CacheClass,
    /// The bytes a reader gets.
    pub bytes: Vec<u8>,
    pub sha256: String,
    /// The copy to store with `Content-Encoding: gzip` (pages, CSS, JS, JSON API).
    pub gzip: Option<Vec<u8>>,
    /// SHA-256 of `gzip` (empty without one), filled in by [`Artifact::seal`].
    pub gzip_sha256: String,
}

impl Artifact {
    /// An artifact whose hash and gzip copy are filled in by [`render`].
    pub fn new(key: impl Into<String>, bytes: Vec<u8>, cache: CacheClass) -> Artifact {
        let key = key.into();
        Artifact {
            content_type: content_type(&key),
            key,
            cache,
            bytes,
            sha256: String::new(),
            gzip: None,
            gzip_sha256: String::new(),
        }
    }

    /// Fills in what is not there yet: the hash, and for what travels
    /// gzip-encoded ([`transport_gzip`]) the gzip copy and its hash. [`render`]
    /// seals every artifact in one parallel pass, so the manifest only reads
    /// the hashes.
    pub fn seal(&mut self) {
        if self.sha256.is_empty() {
            self.sha256 = sha256_hex(&self.bytes);
        }
        if self.gzip.is_none() && transport_gzip(&self.key, self.content_type) {
            self.gzip = Some(gzip::gzip(&self.bytes));
        }
        if let Some(gz) = &self.gzip
            && self.gzip_sha256.is_empty()
        {
            self.gzip_sha256 = sha256_hex(gz);
        }
    }
}

/// A rendered corte: its artifacts (sorted by key) and its manifest.
#[derive(Debug, Clone)]
pub struct Build {
    pub corte_id: String,
    pub artifacts: Vec<Artifact>,
    pub manifest: Manifest,
    /// `manifest.json`'s canonical bytes and their SHA-256.
    pub manifest_bytes: Vec<u8>,
    pub manifest_sha256: String,
    /// Where each image of `manifest.images` is read from (by key).
    pub image_files: std::collections::BTreeMap<String, std::path::PathBuf>,
}

impl Build {
    pub fn get(&self, key: &str) -> Option<&Artifact> {
        self.artifacts
            .binary_search_by(|a| a.key.as_str().cmp(key))
            .ok()
            .map(|i| &self.artifacts[i])
    }
}

/// What a render needs besides the snapshot and its tally.
pub struct RenderOptions<'a> {
    pub theme: &'a Theme,
    /// Earlier cortes, oldest first, for the evolution charts.
    pub history: &'a History,
    /// The corte published before this one, if known.
    pub previous: Option<String>,
    /// The acta images that have arrived (see [`crate::published::images`]). With
    /// `None` no image folder is in use: pages show each acta's hash but
    /// neither links nor "Imagen en proceso".
    pub images: Option<&'a ImageSet>,
}

/// Everything the page, chart and API renderers read.
pub struct SiteContext<'a> {
    pub snapshot: &'a Snapshot,
    pub results: &'a Results,
    pub theme: &'a Theme,
    pub history: &'a History,
    /// The dataset files of this corte (names under `datos/`).
    pub datasets: &'a [Artifact],
    pub images: Option<&'a ImageSet>,
}

/// Renders a whole corte into memory.
pub fn render(
    snapshot: &Snapshot,
    results: &Results,
    opts: &RenderOptions,
) -> Result<Build, SiteError> {
    let mut artifacts: Vec<Artifact> = opts
        .theme
        .assets
        .iter()
        .map(|a| Artifact::new(a.key.clone(), a.bytes.clone(), CacheClass::Immutable))
        .collect();
    let mut datasets = datasets::artifacts(snapshot, results);
    // Hashed now: the datos page lists them.
    datasets
        .par_iter_mut()
        .for_each(|a| a.sha256 = sha256_hex(&a.bytes));
    let ctx = SiteContext {
        snapshot,
        results,
        theme: opts.theme,
        history: opts.history,
        datasets: &datasets,
        images: opts.images,
    };
    let pages = pages::render_all(&ctx)?;
    artifacts.extend(api::artifacts(&ctx));
    artifacts.extend(pages);
    artifacts.extend(datasets);
    artifacts.par_sort_unstable_by(|a, b| a.key.cmp(&b.key));
    if let Some(w) = artifacts.windows(2).find(|w| w[0].key == w[1].key) {
        return Err(SiteError::DuplicateKey(w[0].key.clone()));
    }
    if let Some(a) = artifacts.iter().find(|a| a.key.starts_with(images::PREFIX)) {
        // That place belongs to the acta images, shared by every corte.
        return Err(SiteError::ReservedKey(a.key.clone()));
    }
    artifacts.par_iter_mut().for_each(Artifact::seal);
    let mut manifest = manifest_of(snapshot, results, &artifacts, opts.previous.clone());
    let mut image_files = std::collections::BTreeMap::new();
    for i in opts.images.iter().flat_map(|set| set.images.values()) {
        manifest.images.insert(i.key(), i.entry());
        image_files.insert(i.key(), i.path.clone());
    }
    let manifest_bytes = manifest.to_canonical_json();
    let manifest_sha256 = sha256_hex(&manifest_bytes);
    Ok(Build {
        corte_id: snapshot.corte.id(),
        artifacts,
        manifest,
        manifest_bytes,
        manifest_sha256,
        image_files,
    })
}

fn manifest_of(
    snapshot: &Snapshot,
    results: &Results,
    artifacts: &[Artifact],
    previous: Option<String>,
) -> Manifest {
    let catalog = &snapshot.catalog;
    let files = artifacts
        .iter()
        .map(|a| {
            let gzip = a.gzip.as_ref().map(|g| GzipEntry {
                sha256: a.gzip_sha256.clone(),
                size: g.len() as u64,
            });
            let entry = FileEntry {
                sha256: a.sha256.clone(),
                size: a.bytes.len() as u64,
                content_type: a.content_type.to_string(),
                cache: a.cache,
                gzip,
            };
            (a.key.clone(), entry)
        })
        .collect();
    let elections = catalog
        .elections
        .iter()
        .zip(&results.elections)
        .enumerate()
        .map(|(e, (election, r))| {
            let eix = &snapshot.index.elections[e];
            ManifestElection {
                id: election.id.clone(),
                name: election.name.clone(),
                summary: r.summary.clone(),
                candidacies: eix
                    .candidacy_keys
                    .iter()
                    .zip(&r.entidad.candidacies)
                    .map(|(key, votes)| CandidacyVotes {
                        key: key.clone(),
                        votes: *votes,
                    })
                    .collect(),
            }
        })
        .collect();
    Manifest {
        manifest_version: MANIFEST_VERSION,
        generator: format!("corte {}", env!("CARGO_PKG_VERSION")),
        process: ManifestProcess {
            id: catalog.process.id.clone(),
            name: catalog.process.name.clone(),
            entidad: catalog.entidad.name.clone(),
        },
        corte: ManifestCorte {
            id: snapshot.corte.id(),
            seq: snapshot.corte.seq,
            timestamp: snapshot.corte.timestamp.clone(),
            final_corte: snapshot.corte.final_corte,
        },
        previous,
        snapshot: snapshot.corte.members.clone(),
        ruleset: results.ruleset.clone(),
        elections,
        files,
        images: Default::default(),
    }
}

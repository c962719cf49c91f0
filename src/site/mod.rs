//! The results site of one corte, rendered in memory.
//!
//! [`render_batches`] turns a snapshot and its tally into every page,
//! chart, dataset and asset as an [`Artifact`] (key, bytes, content type,
//! cache class, SHA-256, and a gzip copy for text), handed over in batches,
//! and the corte's [`Manifest`]; with the previous corte's [`RenderCache`]
//! it makes only the artifacts whose inputs changed ([`digest`]).
//! [`render`] is the same, whole, into one [`Build`]. Pure and
//! deterministic: the same inputs give byte-identical artifacts and
//! manifest. Writing them somewhere is `publish`'s job.
//!
//! Pages and API documents are content-stable: their bytes depend on the
//! figures they show (and the catalog, theme, ruleset and images), never on
//! the corte they were rendered in; only the corte pages (`index.html`, the
//! service pages), the datasets and `datos/api/index.json` name the corte.
//!
//! Links inside the site are relative, so the same files work at the stable
//! root, under `cortes/<corte-id>/`, in a difusor's mirror and from a folder.

pub mod api;
pub mod cache;
pub mod charts;
pub mod datasets;
pub mod digest;
pub mod format;
pub mod history;
pub mod pages;
pub mod render;
pub mod theme;
pub mod tiles;

use rayon::prelude::*;

pub use cache::RenderCache;
pub use history::History;
pub use render::{Rendered, render_batches};
pub use theme::Theme;

use crate::contract::{Snapshot, sha256_hex};
use crate::published::images::ImageSet;
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
    /// The caller's sink refused a batch (a shutdown, a failed upload).
    #[error("rendering stopped: {0}")]
    Stopped(String),
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

    /// The manifest entry of a sealed artifact.
    pub fn entry(&self) -> FileEntry {
        FileEntry {
            sha256: self.sha256.clone(),
            size: self.bytes.len() as u64,
            content_type: self.content_type.to_string(),
            cache: self.cache,
            gzip: self.gzip.as_ref().map(|g| GzipEntry {
                sha256: self.gzip_sha256.clone(),
                size: g.len() as u64,
            }),
        }
    }

    /// The bytes that are stored: the gzip copy where there is one.
    pub fn stored(&self) -> &[u8] {
        self.gzip.as_deref().unwrap_or(&self.bytes)
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
#[derive(Clone)]
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
    /// The previous corte's render cache: artifacts whose inputs did not
    /// change reuse its entries instead of being rendered ([`render_batches`]).
    pub cache: Option<&'a RenderCache>,
    /// Make and hand over only these keys (the rest from `cache`).
    pub only: Option<&'a std::collections::BTreeSet<String>>,
    /// What built the renderer (the cutover: its executable's SHA-256), in
    /// every input digest: a new binary renders everything again.
    pub build_id: &'a str,
    /// Artifacts per batch handed over ([`render::BATCH_SIZE`]).
    pub batch_size: usize,
}

impl<'a> RenderOptions<'a> {
    /// A full render with no images, no previous corte, no cache.
    pub fn new(theme: &'a Theme, history: &'a History) -> RenderOptions<'a> {
        RenderOptions {
            theme,
            history,
            previous: None,
            images: None,
            cache: None,
            only: None,
            build_id: "",
            batch_size: render::BATCH_SIZE,
        }
    }
}

/// A dataset of the corte, as the pages that list it need it.
#[derive(Debug, Clone)]
pub struct DatasetFile {
    /// `datos/CDMX_GUB_2024.csv`.
    pub key: String,
    pub size: u64,
    pub sha256: String,
}

/// Everything the page, chart and API renderers read.
pub struct SiteContext<'a> {
    pub snapshot: &'a Snapshot,
    pub results: &'a Results,
    pub theme: &'a Theme,
    pub history: &'a History,
    /// The dataset files of this corte (keys under `datos/`).
    pub datasets: &'a [DatasetFile],
    pub images: Option<&'a ImageSet>,
}

/// Renders a whole corte into memory: [`render_batches`] with every batch
/// kept (for `corte render`, tests and small sites).
pub fn render(
    snapshot: &Snapshot,
    results: &Results,
    opts: &RenderOptions,
) -> Result<Build, SiteError> {
    let mut artifacts = Vec::new();
    let rendered = render_batches(snapshot, results, opts, &mut |batch| {
        artifacts.extend(batch);
        Ok(())
    })?;
    artifacts.par_sort_unstable_by(|a, b| a.key.cmp(&b.key));
    Ok(Build {
        corte_id: rendered.corte_id,
        artifacts,
        manifest: rendered.manifest,
        manifest_bytes: rendered.manifest_bytes,
        manifest_sha256: rendered.manifest_sha256,
        image_files: rendered.image_files,
    })
}

fn manifest_of(
    snapshot: &Snapshot,
    results: &Results,
    files: std::collections::BTreeMap<String, FileEntry>,
    previous: Option<String>,
) -> Manifest {
    let catalog = &snapshot.catalog;
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

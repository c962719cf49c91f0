//! `manifest.json`: every key of a corte with its SHA-256, size, content type
//! and cache class; the corte; the summary and candidacy totals per election;
//! the snapshot's member hashes; the generator. Canonical JSON (fields in a
//! fixed order, keys sorted, no whitespace), so auditors who re-render the
//! same snapshot get the same bytes and the same hash.
//!
//! Version 2: a corte is its manifest. Each entry's bytes are the archive
//! object [`super::objects::key_of`] names (`objetos/…`); there is no
//! per-corte copy of the site.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::contract::{Member, RulesetSpec, Summary};

pub const MANIFEST_VERSION: u32 = 2;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub manifest_version: u32,
    /// `corte 0.1.0`: what rendered it.
    pub generator: String,
    pub process: ManifestProcess,
    pub corte: ManifestCorte,
    /// The corte published before this one, when known at render time.
    #[serde(default)]
    pub previous: Option<String>,
    /// The snapshot's member files as listed in its corte.json.
    pub snapshot: Vec<Member>,
    pub ruleset: RulesetSpec,
    pub elections: Vec<ManifestElection>,
    pub files: BTreeMap<String, FileEntry>,
    /// The acta images this corte's pages link to, by their key at the
    /// target's root (`actas/<sha256>.<ext>`, see [`super::images`]). Stored
    /// once for every corte, outside the corte tree; absent when none.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub images: BTreeMap<String, FileEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestProcess {
    pub id: String,
    pub name: String,
    pub entidad: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestCorte {
    pub id: String,
    pub seq: u32,
    /// RFC 3339 with offset.
    pub timestamp: String,
    #[serde(rename = "final")]
    pub final_corte: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestElection {
    pub id: String,
    pub name: String,
    pub summary: Summary,
    /// Votes per candidacy key at the entidad level, in ballot order.
    pub candidacies: Vec<CandidacyVotes>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CandidacyVotes {
    pub key: String,
    pub votes: u64,
}

/// How long a key may be cached in the stable public tree. Everything under a
/// corte's own tree is immutable whatever its class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum CacheClass {
    /// Content-hashed assets: cached for a year.
    Immutable,
    /// Pages and datasets at stable URLs: about a minute, stale-while-revalidate.
    Short,
    /// The pointer: never cached.
    NoCache,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileEntry {
    /// SHA-256 of the file's bytes as a reader gets them (decompressed).
    pub sha256: String,
    pub size: u64,
    pub content_type: String,
    pub cache: CacheClass,
    /// The stored copy when the object is uploaded with `Content-Encoding: gzip`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gzip: Option<GzipEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GzipEntry {
    pub sha256: String,
    pub size: u64,
}

impl Manifest {
    /// Canonical bytes: compact JSON in declaration order with sorted maps.
    pub fn to_canonical_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    pub fn from_json(bytes: &[u8]) -> Result<Manifest, String> {
        let m: Manifest =
            serde_json::from_slice(bytes).map_err(|e| format!("not a corte manifest: {e}"))?;
        if m.manifest_version != MANIFEST_VERSION {
            return Err(format!(
                "manifest version {} is not supported (this corte reads version {MANIFEST_VERSION})",
                m.manifest_version
            ));
        }
        Ok(m)
    }
}

/// SHA-256 of what is stored for an entry: its gzip copy when it has one.
pub fn stored_sha256(entry: &FileEntry) -> &str {
    entry.gzip.as_ref().map_or(&entry.sha256, |g| &g.sha256)
}

pub fn stored_size(entry: &FileEntry) -> u64 {
    entry.gzip.as_ref().map_or(entry.size, |g| g.size)
}

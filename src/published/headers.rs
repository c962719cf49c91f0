//! What a reader gets with each key: its content type, whether it travels
//! gzip-encoded, its cache class and the `Cache-Control` of that class, and
//! the SHA-256 of the stored bytes. The publisher stores every object with
//! these headers; [`headers_for`] gives them back from the manifests when a
//! store keeps none (`corte serve` over a `file://` target).

use serde::Deserialize;

use super::layout::{DATOS, FEED, INDEX, POINTER, Source, source_of};
use super::manifest::{CacheClass, FileEntry, Manifest, stored_sha256};

/// Metadata attribute holding the SHA-256 of an object's stored bytes
/// (`x-amz-meta-sha256` on S3): how a re-run recognises what is already there
/// when the store's ETag is not an MD5.
pub const SHA256_META: &str = "sha256";

/// The content type of a key, by extension.
pub fn content_type(key: &str) -> &'static str {
    match key.rsplit_once('.').map(|(_, e)| e).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "csv" => "text/csv; charset=utf-8",
        "txt" => "text/plain; charset=utf-8",
        "xml" => "application/atom+xml",
        "zip" => "application/zip",
        "gz" => "application/gzip",
        "png" => "image/png",
        "pdf" => "application/pdf",
        "jpg" | "jpeg" => "image/jpeg",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    }
}

/// Whether an artifact travels gzip-encoded: pages, CSS, JS, SVG, and the JSON
/// that pages and apps read (the JSON API, the consulta indexes). Datasets do not: people and
/// auditors download them with tools that may not decompress, and must get
/// exactly the bytes whose hash the manifest lists.
pub fn transport_gzip(key: &str, content_type: &str) -> bool {
    let text = content_type.starts_with("text/html")
        || content_type.starts_with("text/css")
        || content_type.starts_with("text/javascript")
        || content_type == "image/svg+xml";
    let json_for_pages = !key.starts_with(DATOS) || key.starts_with("datos/api/");
    text || (content_type == "application/json" && json_for_pages)
}

/// `Cache-Control` per class. The defaults are the table in
/// `publish/cache-policy.md`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct CachePolicy {
    /// Corte trees, manifests, signatures, content-hashed assets.
    pub immutable: String,
    /// The stable public tree, `cortes/index.json`, the feed, the public key.
    pub short: String,
    /// `latest.json`.
    pub no_cache: String,
}

impl Default for CachePolicy {
    fn default() -> Self {
        CachePolicy {
            immutable: "public, max-age=31536000, immutable".into(),
            short: "public, max-age=60, stale-while-revalidate=60, stale-if-error=86400".into(),
            no_cache: "no-cache".into(),
        }
    }
}

/// The headers an object is stored with. Every put carries all of them: a
/// put replaces an object's metadata whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Headers {
    pub content_type: String,
    pub cache_control: String,
    pub gzip: bool,
    /// SHA-256 of the stored bytes (the gzip copy when `gzip`).
    pub sha256: String,
}

impl Headers {
    /// A file of a corte: under `cortes/<id>/` (immutable) or in the stable
    /// tree (by its cache class).
    pub fn for_entry(entry: &FileEntry, in_corte_tree: bool, cache: &CachePolicy) -> Headers {
        let class = if in_corte_tree {
            CacheClass::Immutable
        } else {
            entry.cache
        };
        Headers {
            content_type: entry.content_type.clone(),
            cache_control: cache_control(class, cache).to_string(),
            gzip: entry.gzip.is_some(),
            sha256: stored_sha256(entry).to_string(),
        }
    }

    /// An acta image: immutable, as stored (never gzip-encoded), its hash
    /// the one its name says.
    pub fn image(sha256: &str, ext: &str, cache: &CachePolicy) -> Headers {
        Headers {
            content_type: content_type(&super::images::key(sha256, ext)).to_string(),
            cache_control: cache.immutable.clone(),
            gzip: false,
            sha256: sha256.to_string(),
        }
    }

    /// A document the publisher writes itself (pointer, index, feed, key…).
    pub fn document(key: &str, bytes: &[u8], cache: &CachePolicy) -> Headers {
        let class = if key == POINTER {
            CacheClass::NoCache
        } else if key.starts_with("cortes/") && key != INDEX && key != FEED {
            CacheClass::Immutable
        } else {
            CacheClass::Short
        };
        let content_type = match key.rsplit_once('.').map(|(_, e)| e) {
            Some("sig") => "application/octet-stream",
            Some("pem") => "application/x-pem-file",
            _ => content_type(key),
        };
        Headers {
            content_type: content_type.to_string(),
            cache_control: cache_control(class, cache).to_string(),
            gzip: false,
            sha256: crate::contract::sha256_hex(bytes),
        }
    }
}

/// The headers a reader should get for `key` when the store keeps none (a
/// `file://` target): under `cortes/<id>/` from that corte's manifest (via
/// `manifest_of`), at the root from the live corte's manifest, and by name
/// for archive objects, acta images and the publisher's own documents. This
/// is the rule `corte serve` applies.
///
/// A document's `sha256` is not known here (it is that of its bytes).
pub fn headers_for<M: std::borrow::Borrow<Manifest>>(
    key: &str,
    live: Option<&Manifest>,
    manifest_of: impl Fn(&str) -> Option<M>,
    cache: &CachePolicy,
) -> Option<Headers> {
    match source_of(key)? {
        Source::Document => Some(Headers::document(key, b"", cache)),
        Source::Corte { id, file } => manifest_of(id)?
            .borrow()
            .files
            .get(file)
            .map(|e| Headers::for_entry(e, true, cache)),
        Source::Image { sha256, ext } => Some(Headers::image(sha256, ext, cache)),
        Source::Object(name) => Some(name.headers(cache)),
        Source::Stable => live?
            .files
            .get(key)
            .map(|e| Headers::for_entry(e, false, cache)),
    }
}

pub fn cache_control(class: CacheClass, cache: &CachePolicy) -> &str {
    match class {
        CacheClass::Immutable => &cache.immutable,
        CacheClass::Short => &cache.short,
        CacheClass::NoCache => &cache.no_cache,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::published::layout::{INDEX, signature_key};

    #[test]
    fn documents_get_their_cache_class() {
        let c = CachePolicy::default();
        assert_eq!(
            Headers::document(POINTER, b"{}", &c).cache_control,
            "no-cache"
        );
        assert_eq!(
            Headers::document(&signature_key("1"), b"", &c).cache_control,
            c.immutable
        );
        assert_eq!(Headers::document(INDEX, b"", &c).cache_control, c.short);
        assert_eq!(
            Headers::document(INDEX, b"", &c).content_type,
            "application/json"
        );
    }
}

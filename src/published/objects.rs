//! The content-addressed archive: every distinct artifact ever published,
//! stored once under a name made of its stored bytes' SHA-256, the
//! extension of its content type, and `.gz` when it travels gzip-encoded:
//!
//! ```text
//! objetos/<sha256 of the stored bytes>.<ext>       stored as is
//! objetos/<sha256 of the stored bytes>.<ext>.gz    stored gzip, sent with Content-Encoding: gzip
//! ```
//!
//! `<ext>` is the canonical extension of the entry's content type
//! ([`EXTENSIONS`]: `html`, `css`, `json`, `csv`, …). So the name alone
//! gives every header of the object (content type, encoding, immutable
//! cache), the same whichever manifest key wrote it first; and the same
//! reader bytes stored gzip-encoded for one key and plain for another
//! (`datos/api/x.json` travels gzip, a dataset never does) are two objects,
//! since their stored bytes differ.
//!
//! A manifest entry names its object ([`key_of`]): the `gzip` entry's
//! SHA-256 when it has one, the plain SHA-256 otherwise. Objects are written
//! once (never overwritten, never deleted) before any manifest lists them.

use super::headers::{CachePolicy, Headers, content_type};
use std::collections::BTreeMap;

use super::manifest::{FileEntry, Manifest, stored_sha256};
use crate::contract::ids::is_sha256_hex;

/// Where the archive lives under a target's root.
pub const PREFIX: &str = "objetos/";

/// The encoding suffix of an object stored gzip-encoded.
const GZIP_SUFFIX: &str = ".gz";

/// The content types an archive object may have, by canonical extension:
/// the types [`content_type`] gives the site's keys. The first extension
/// listed for a type is its canonical one.
pub const EXTENSIONS: &[&str] = &[
    "html", "css", "js", "json", "svg", "csv", "txt", "xml", "zip", "gz", "png", "pdf", "jpg",
    "ico", "woff2", "bin",
];

/// The canonical extension of a content type; `None` for a type the
/// archive does not know (a hand-made manifest).
pub fn extension(content_type_: &str) -> Option<&'static str> {
    EXTENSIONS
        .iter()
        .copied()
        .find(|ext| content_type(&format!("x.{ext}")) == content_type_)
}

/// The object that holds stored bytes with this SHA-256, content type and
/// encoding.
pub fn key(stored_sha256: &str, content_type_: &str, gzip: bool) -> Option<String> {
    let ext = extension(content_type_)?;
    let suffix = if gzip { GZIP_SUFFIX } else { "" };
    Some(format!("{PREFIX}{stored_sha256}.{ext}{suffix}"))
}

/// The object that holds a manifest entry's stored bytes.
pub fn key_of(entry: &FileEntry) -> Option<String> {
    key(
        stored_sha256(entry),
        &entry.content_type,
        entry.gzip.is_some(),
    )
}

/// Every archive object a manifest lists, with the first key that names it.
/// Entries without an archive name are left out (`Corte::check` refuses them).
pub fn object_keys(m: &Manifest) -> BTreeMap<String, &String> {
    let mut out = BTreeMap::new();
    for (key, entry) in &m.files {
        if let Some(o) = key_of(entry) {
            out.entry(o).or_insert(key);
        }
    }
    out
}

/// An archive object's name, parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Name<'a> {
    /// SHA-256 of the stored bytes.
    pub sha256: &'a str,
    pub ext: &'a str,
    pub gzip: bool,
}

impl Name<'_> {
    /// Every header of the object, from its name alone: immutable.
    pub fn headers(&self, cache: &CachePolicy) -> Headers {
        Headers {
            content_type: content_type(&format!("x.{}", self.ext)).to_string(),
            cache_control: cache.immutable.clone(),
            gzip: self.gzip,
            sha256: self.sha256.to_string(),
        }
    }
}

/// `Some` when `key` names an archive object (`objetos/<64 hex>.<ext>[.gz]`).
pub fn parse_key(key: &str) -> Option<Name<'_>> {
    let name = key.strip_prefix(PREFIX)?;
    let (sha256, rest) = name.split_once('.')?;
    if !is_sha256_hex(sha256) {
        return None;
    }
    let (ext, gzip) = match rest.strip_suffix(GZIP_SUFFIX) {
        Some(ext) if EXTENSIONS.contains(&ext) => (ext, true),
        _ => (rest, false),
    };
    EXTENSIONS
        .contains(&ext)
        .then_some(Name { sha256, ext, gzip })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::published::manifest::{CacheClass, GzipEntry};

    fn entry(content_type: &str, gzip: bool) -> FileEntry {
        FileEntry {
            sha256: "a".repeat(64),
            size: 10,
            content_type: content_type.into(),
            cache: CacheClass::Short,
            gzip: gzip.then(|| GzipEntry {
                sha256: "b".repeat(64),
                size: 5,
            }),
        }
    }

    #[test]
    fn an_entry_names_its_object_by_its_stored_bytes_type_and_encoding() {
        let page = key_of(&entry("text/html; charset=utf-8", true)).unwrap();
        assert_eq!(page, format!("objetos/{}.html.gz", "b".repeat(64)));
        let csv = key_of(&entry("text/csv; charset=utf-8", false)).unwrap();
        assert_eq!(csv, format!("objetos/{}.csv", "a".repeat(64)));
        // A `.csv.gz` dataset is gzip bytes of type application/gzip, sent as is.
        let gz = key_of(&entry("application/gzip", false)).unwrap();
        assert_eq!(gz, format!("objetos/{}.gz", "a".repeat(64)));
        assert_eq!(key_of(&entry("text/x-unknown", false)), None);
    }

    #[test]
    fn a_name_gives_back_every_header() {
        let c = CachePolicy::default();
        for (ct, gzip) in [
            ("text/html; charset=utf-8", true),
            ("application/json", true),
            ("application/json", false),
            ("application/gzip", false),
            ("application/octet-stream", false),
        ] {
            let e = entry(ct, gzip);
            let k = key_of(&e).unwrap();
            let h = parse_key(&k).unwrap().headers(&c);
            assert_eq!(h.content_type, ct, "{k}");
            assert_eq!(h.gzip, gzip, "{k}");
            assert_eq!(h.sha256, stored_sha256(&e), "{k}");
            assert_eq!(h.cache_control, c.immutable);
        }
        let sha = "c".repeat(64);
        assert_eq!(
            parse_key(&format!("objetos/{sha}.gz")),
            Some(Name {
                sha256: &sha,
                ext: "gz",
                gzip: false
            })
        );
        assert_eq!(
            parse_key(&format!("objetos/{sha}.gz.gz")).map(|n| (n.ext, n.gzip)),
            Some(("gz", true))
        );
        for bad in [
            format!("objetos/{sha}"),
            format!("objetos/{sha}.exe"),
            format!("objetos/{sha}.html.br"),
            format!("objetos/{}.html", "C".repeat(64)),
            format!("cortes/{sha}.html"),
        ] {
            assert_eq!(parse_key(&bad), None, "{bad}");
        }
    }
}

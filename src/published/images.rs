//! Acta images as published: the key scheme `actas/<sha256>.<ext>` (each
//! image once per target, named by the SHA-256 of its bytes, beside the
//! corte trees) and the set of verified images a corte links to. Finding and
//! checking the files of an image folder is `source::images`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::headers::content_type;
use super::manifest::{CacheClass, FileEntry};
use crate::contract::ids::is_sha256_hex;

/// Where images live on a target: `actas/<sha256>.<ext>`, beside (not under)
/// the corte trees, so each is stored once whatever the number of cortes.
pub const PREFIX: &str = "actas/";

/// The file types an acta image may have, by extension (lowercase).
pub const EXTENSIONS: &[&str] = &["jpg", "jpeg", "png", "pdf"];

/// The published key of an image.
pub fn key(sha256: &str, ext: &str) -> String {
    format!("{PREFIX}{sha256}.{ext}")
}

/// `(sha256, ext)` when `key` names an image object (`actas/<64 hex>.<ext>`).
pub fn parse_key(key: &str) -> Option<(&str, &str)> {
    parse_name(key.strip_prefix(PREFIX)?)
}

/// `(sha256, ext)` when a file name is `<64 lowercase hex>.<ext>` with a
/// known image extension.
pub fn parse_name(name: &str) -> Option<(&str, &str)> {
    let (stem, ext) = name.rsplit_once('.')?;
    (is_sha256_hex(stem) && EXTENSIONS.contains(&ext)).then_some((stem, ext))
}

/// One verified image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    pub sha256: String,
    pub ext: String,
    pub size: u64,
    /// Where its bytes are read from when it is uploaded.
    pub path: PathBuf,
}

impl Image {
    pub fn key(&self) -> String {
        key(&self.sha256, &self.ext)
    }

    /// Its manifest entry: immutable, never gzip-encoded (images are
    /// compressed already), the hash its name says.
    pub fn entry(&self) -> FileEntry {
        FileEntry {
            sha256: self.sha256.clone(),
            size: self.size,
            content_type: content_type(&self.key()).to_string(),
            cache: CacheClass::Immutable,
            gzip: None,
        }
    }
}

/// A file of the image folder that was not taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    pub file: PathBuf,
    pub reason: String,
}

impl std::fmt::Display for Rejected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.file.display(), self.reason)
    }
}

/// The images of one corte.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImageSet {
    /// Verified images referenced by the snapshot, by SHA-256.
    pub images: BTreeMap<String, Image>,
    /// Referenced files whose bytes do not match their name.
    pub rejected: Vec<Rejected>,
    /// Codes referenced by actas with no (valid) file yet.
    pub pending: usize,
}

impl ImageSet {
    /// The image an acta's `CODIGO_INTEGRIDAD` names, if it has arrived.
    pub fn get(&self, codigo: &str) -> Option<&Image> {
        self.images.get(codigo)
    }

    pub fn is_empty(&self) -> bool {
        self.images.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_keys() {
        let sha = "ab".repeat(32);
        assert_eq!(
            parse_name(&format!("{sha}.png")),
            Some((sha.as_str(), "png"))
        );
        assert_eq!(parse_key(&key(&sha, "jpg")), Some((sha.as_str(), "jpg")));
        assert_eq!(parse_name(&format!("{sha}.gif")), None);
        assert_eq!(parse_name(&format!("{}.png", "AB".repeat(32))), None);
        assert_eq!(parse_name(&format!("{}.png", "ab".repeat(31))), None);
        assert_eq!(parse_name(&format!(".{sha}.png.tmp")), None);
        assert_eq!(parse_key(&format!("cortes/{sha}.png")), None);
    }
}

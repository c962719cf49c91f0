//! The published layout of DESIGN.md: where each thing lives under a
//! target's root. Only names here; what is written there, and in what
//! order, is `publish`'s.
//!
//! ```text
//! cortes/<id>/…                     the corte's site and datasets (immutable)
//! cortes/<id>/manifest.json(.sig)   written after every object of the corte
//! index.html, <election>/…, assets/ the stable public tree (the live corte)
//! datos/…                           the datasets, in the stable tree
//! public-key.pem                    the Ed25519 key that signs manifests
//! actas/<sha256>.<ext>              acta images, once each (see super::images)
//! latest.json                       the pointer, written last, conditionally
//! cortes/index.json, cortes/feed.xml  every corte and every pointer move
//! ```

pub const POINTER: &str = "latest.json";
pub const PUBLIC_KEY: &str = "public-key.pem";
pub const CORTES: &str = "cortes";
pub const INDEX: &str = "cortes/index.json";
pub const FEED: &str = "cortes/feed.xml";
pub const MANIFEST: &str = "manifest.json";
pub const SIGNATURE: &str = "manifest.json.sig";
/// The datasets of a corte, for people and difusores.
pub const DATOS: &str = "datos/";

pub fn corte_prefix(id: &str) -> String {
    format!("{CORTES}/{id}")
}

pub fn corte_key(id: &str, key: &str) -> String {
    format!("{CORTES}/{id}/{key}")
}

pub fn manifest_key(id: &str) -> String {
    corte_key(id, MANIFEST)
}

pub fn signature_key(id: &str) -> String {
    corte_key(id, SIGNATURE)
}

/// Where the headers of a key come from when the store keeps none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source<'a> {
    /// A document the publisher writes itself (pointer, key, history, feed,
    /// a corte's manifest and signature): headers by name.
    Document,
    /// `cortes/<id>/<file>`: the entry `file` of that corte's manifest.
    Corte { id: &'a str, file: &'a str },
    /// `actas/<sha256>.<ext>`, an acta image (content-addressed: headers by
    /// name). `cortes/<id>/actas/…` names the same object: the pages of a
    /// corte tree link to images relative to the site root, so the CDN (and
    /// `corte serve`) answers there with the root's image.
    Image { sha256: &'a str, ext: &'a str },
    /// Any other key: the entry of the live corte's manifest.
    Stable,
}

/// Which rule of [`super::headers::headers_for`] applies to `key`; `None` for a key under
/// `cortes/` that names no file of a corte (`cortes/x`).
pub fn source_of(key: &str) -> Option<Source<'_>> {
    if key == POINTER || key == PUBLIC_KEY || key == INDEX || key == FEED {
        return Some(Source::Document);
    }
    if let Some((sha256, ext)) = super::images::parse_key(key) {
        return Some(Source::Image { sha256, ext });
    }
    match key.strip_prefix("cortes/") {
        Some(rest) => {
            let (id, file) = rest.split_once('/')?;
            if let Some((sha256, ext)) = super::images::parse_key(file) {
                return Some(Source::Image { sha256, ext });
            }
            if file == MANIFEST || file == SIGNATURE {
                Some(Source::Document)
            } else {
                Some(Source::Corte { id, file })
            }
        }
        None => Some(Source::Stable),
    }
}

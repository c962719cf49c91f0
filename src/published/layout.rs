//! The published layout of DESIGN.md: where each thing lives under a
//! target's root. Only names here; what is written there, and in what
//! order, is `publish`'s.
//!
//! ```text
//! objetos/<sha256>.<ext>[.gz]       every distinct artifact, once (see super::objects)
//! cortes/<id>/manifest.json(.sig)   every key of the corte → its object; written after them
//! cortes/<id>/datos/…               the corte's datasets at readable names (immutable)
//! cortes/<id>/cambios.json          the stable keys the corte added, changed, removed
//! index.html, <election>/…, assets/ the stable public tree (the live corte)
//! datos/…                           the datasets and the JSON API, in the stable tree
//! public-key.pem                    the Ed25519 key that signed the live corte
//! keys/index.json, keys/<fp>.pem    every signing key and from which corte on
//! actas/<sha256>.<ext>              acta images, once each (see super::images)
//! latest.json                       the pointer, written last, conditionally
//! cortes/index.json, cortes/feed.xml  every corte and every pointer move
//! cortes/lease.json                 who is writing the stable tree now
//! ```

pub const POINTER: &str = "latest.json";
pub const PUBLIC_KEY: &str = "public-key.pem";
/// Every public key the store's cortes were signed with (`publish::keys`).
pub const KEYS: &str = "keys/";
pub const CORTES: &str = "cortes";
pub const INDEX: &str = "cortes/index.json";
pub const FEED: &str = "cortes/feed.xml";
/// The stable-tree lease: who may write the stable tree and the pointer now
/// (see `publish::lease`). A publisher's document, not part of any corte.
pub const LEASE: &str = "cortes/lease.json";
pub const MANIFEST: &str = "manifest.json";
pub const SIGNATURE: &str = "manifest.json.sig";
pub const CAMBIOS: &str = "cambios.json";
/// The datasets of a corte, for people and difusores.
pub const DATOS: &str = "datos/";
/// The JSON API, under `datos/` but not a dataset: its documents are kept
/// per corte in the archive only, not copied under `cortes/<id>/datos/`.
pub const API: &str = "datos/api/";

/// Whether a manifest key is one of the corte's datasets, which are also
/// kept at `cortes/<id>/<key>` for difusores.
pub fn is_dataset(key: &str) -> bool {
    key.starts_with(DATOS) && !key.starts_with(API)
}

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

pub fn cambios_key(id: &str) -> String {
    corte_key(id, CAMBIOS)
}

/// Where the headers of a key come from when the store keeps none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source<'a> {
    /// A document the publisher writes itself (pointer, key, history, feed,
    /// a corte's manifest, signature and change list): headers by name.
    Document,
    /// `cortes/<id>/<file>`: the entry `file` of that corte's manifest (its
    /// object in the archive; datasets are also stored at this key).
    Corte { id: &'a str, file: &'a str },
    /// `objetos/<sha256>.<ext>[.gz]`, an archive object: headers by name.
    Object(super::objects::Name<'a>),
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
    if key == POINTER || key == PUBLIC_KEY || key == INDEX || key == FEED || key.starts_with(KEYS) {
        return Some(Source::Document);
    }
    if let Some((sha256, ext)) = super::images::parse_key(key) {
        return Some(Source::Image { sha256, ext });
    }
    if key.starts_with(super::objects::PREFIX) {
        return super::objects::parse_key(key).map(Source::Object);
    }
    match key.strip_prefix("cortes/") {
        Some(rest) => {
            let (id, file) = rest.split_once('/')?;
            if let Some((sha256, ext)) = super::images::parse_key(file) {
                return Some(Source::Image { sha256, ext });
            }
            if file == MANIFEST || file == SIGNATURE || file == CAMBIOS {
                Some(Source::Document)
            } else {
                Some(Source::Corte { id, file })
            }
        }
        None => Some(Source::Stable),
    }
}

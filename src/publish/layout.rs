//! The published layout of DESIGN.md: where each thing lives under a target's
//! root, the pointer and history documents, the feed, and the headers each
//! object carries.
//!
//! ```text
//! cortes/<id>/…                     the corte's site and datasets (immutable)
//! cortes/<id>/manifest.json(.sig)   written after every object of the corte
//! index.html, <election>/…, assets/ the stable public tree (the live corte)
//! public-key.pem                    the Ed25519 key that signs manifests
//! actas/<sha256>.<ext>              acta images, once each, before any corte naming them
//! latest.json                       the pointer, written last, conditionally
//! cortes/index.json, cortes/feed.xml  every corte and every pointer move
//! ```

use object_store::{Attribute, AttributeValue, Attributes};
use serde::{Deserialize, Serialize};

use super::config::CachePolicy;
use crate::site::{CacheClass, FileEntry, Manifest};

pub const POINTER: &str = "latest.json";
pub const PUBLIC_KEY: &str = "public-key.pem";
pub const CORTES: &str = "cortes";
pub const INDEX: &str = "cortes/index.json";
pub const FEED: &str = "cortes/feed.xml";
pub const MANIFEST: &str = crate::site::manifest::MANIFEST_FILE;
pub const SIGNATURE: &str = "manifest.json.sig";
/// Metadata attribute holding the SHA-256 of an object's stored bytes
/// (`x-amz-meta-sha256` on S3): how a re-run recognises what is already there
/// when the store's ETag is not an MD5.
pub const SHA256_META: &str = "sha256";

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

/// `latest.json`: the live corte.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pointer {
    pub corte: String,
    pub seq: u32,
    /// The corte's own time (RFC 3339 with offset).
    pub timestamp: String,
    /// `cortes/<id>/manifest.json`.
    pub manifest: String,
    pub manifest_sha256: String,
    /// `cortes/<id>/manifest.json.sig`, when signed.
    #[serde(default)]
    pub signature: Option<String>,
    /// SHA-256 of the raw 32-byte public key that signed the manifest.
    #[serde(default)]
    pub public_key_sha256: Option<String>,
    /// When the pointer moved here (UTC).
    pub updated_at: String,
    /// `publish` or `rollback`.
    pub action: Action,
    /// The corte the pointer moved away from, so that a re-run after a crash
    /// can finish the history and the stale-object cleanup.
    #[serde(default)]
    pub previous: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Publish,
    Rollback,
}

/// `cortes/index.json`: every corte that went live and every pointer move.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorteIndex {
    /// The process (`cdmx-2024`), from the first corte's manifest.
    #[serde(default)]
    pub process: String,
    #[serde(default)]
    pub process_name: String,
    /// Cortes in sequence order, one entry each.
    pub cortes: Vec<CorteEntry>,
    /// Pointer moves, oldest first: the audit trail of publishes and rollbacks.
    pub events: Vec<Event>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorteEntry {
    pub id: String,
    pub seq: u32,
    pub timestamp: String,
    #[serde(rename = "final")]
    pub final_corte: bool,
    pub manifest: String,
    pub manifest_sha256: String,
    /// When it first went live (UTC).
    pub published_at: String,
    /// Set when a rollback took the pointer away from this corte.
    #[serde(default)]
    pub withdrawn: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub at: String,
    pub action: Action,
    pub corte: String,
    pub seq: u32,
    /// The corte the pointer moved away from.
    pub from: Option<String>,
    pub manifest_sha256: String,
    /// Free text given with a rollback (`--reason`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl CorteIndex {
    /// Records a pointer move. Idempotent: recording the same move twice (a
    /// re-run after a crash between the pointer and the history) adds nothing.
    pub fn record(&mut self, entry: CorteEntry, event: Event) {
        if self.events.last().is_some_and(|e| {
            e.corte == event.corte && e.action == event.action && e.from == event.from
        }) {
            return;
        }
        if event.action == Action::Rollback
            && let Some(from) = &event.from
            && let Some(c) = self.cortes.iter_mut().find(|c| &c.id == from)
        {
            c.withdrawn = true;
        }
        match self.cortes.iter_mut().find(|c| c.id == entry.id) {
            Some(c) => c.withdrawn = false,
            None => {
                self.cortes.push(entry);
                self.cortes.sort_by_key(|c| c.seq);
            }
        }
        self.events.push(event);
    }

    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec_pretty(self).unwrap_or_default()
    }
}

impl Pointer {
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec_pretty(self).unwrap_or_default()
    }
}

/// The Atom feed of every corte, newest first.
pub fn feed(index: &CorteIndex, updated: &str) -> Vec<u8> {
    let mut x = String::new();
    x.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    x.push_str("<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
    let title = if index.process_name.is_empty() {
        "PREP: cortes publicados".to_string()
    } else {
        format!("{}: cortes publicados", index.process_name)
    };
    x.push_str(&format!("  <title>{}</title>\n", xml_escape(&title)));
    x.push_str(&format!(
        "  <id>urn:corte:{}</id>\n",
        xml_escape(&index.process)
    ));
    x.push_str(&format!("  <updated>{}</updated>\n", xml_escape(updated)));
    x.push_str("  <link rel=\"self\" href=\"feed.xml\"/>\n");
    x.push_str("  <author><name>corte</name></author>\n");
    for c in index.cortes.iter().rev() {
        let when = index
            .events
            .iter()
            .rev()
            .find(|e| e.corte == c.id)
            .map_or(c.published_at.as_str(), |e| e.at.as_str());
        let status = if c.withdrawn { " (retirado)" } else { "" };
        x.push_str("  <entry>\n");
        x.push_str(&format!(
            "    <title>Corte {} — {}{}</title>\n",
            c.seq,
            xml_escape(&c.timestamp),
            status
        ));
        x.push_str(&format!(
            "    <id>urn:corte:{}:{}</id>\n",
            xml_escape(&index.process),
            xml_escape(&c.id)
        ));
        x.push_str(&format!("    <updated>{}</updated>\n", xml_escape(when)));
        x.push_str(&format!(
            "    <link href=\"{}/index.html\"/>\n",
            xml_escape(&c.id)
        ));
        x.push_str(&format!(
            "    <link rel=\"alternate\" type=\"application/json\" href=\"{}/{MANIFEST}\"/>\n",
            xml_escape(&c.id)
        ));
        x.push_str(&format!(
            "    <summary>manifest.json SHA-256 {}</summary>\n",
            xml_escape(&c.manifest_sha256)
        ));
        x.push_str("  </entry>\n");
    }
    x.push_str("</feed>\n");
    x.into_bytes()
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
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
    pub fn attributes(&self) -> Attributes {
        let mut a = Attributes::new();
        a.insert(
            Attribute::ContentType,
            AttributeValue::from(self.content_type.clone()),
        );
        a.insert(
            Attribute::CacheControl,
            AttributeValue::from(self.cache_control.clone()),
        );
        if self.gzip {
            a.insert(Attribute::ContentEncoding, AttributeValue::from("gzip"));
        }
        a.insert(
            Attribute::Metadata(SHA256_META.into()),
            AttributeValue::from(self.sha256.clone()),
        );
        a
    }

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
            content_type: crate::site::content_type(&crate::images::key(sha256, ext)).to_string(),
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
            _ => crate::site::content_type(key),
        };
        Headers {
            content_type: content_type.to_string(),
            cache_control: cache_control(class, cache).to_string(),
            gzip: false,
            sha256: crate::source::sha256_hex(bytes),
        }
    }
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

/// Which rule of [`headers_for`] applies to `key`; `None` for a key under
/// `cortes/` that names no file of a corte (`cortes/x`).
pub fn source_of(key: &str) -> Option<Source<'_>> {
    if key == POINTER || key == PUBLIC_KEY || key == INDEX || key == FEED {
        return Some(Source::Document);
    }
    if let Some((sha256, ext)) = crate::images::parse_key(key) {
        return Some(Source::Image { sha256, ext });
    }
    match key.strip_prefix("cortes/") {
        Some(rest) => {
            let (id, file) = rest.split_once('/')?;
            if let Some((sha256, ext)) = crate::images::parse_key(file) {
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

/// The headers a reader should get for `key` when the store keeps none (a
/// `file://` target): under `cortes/<id>/` from that corte's manifest (via
/// `manifest_of`), at the root from the live corte's manifest, and by name
/// for the publisher's own documents. This is the rule `corte serve` applies.
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

/// SHA-256 of what is stored for an entry: its gzip copy when it has one.
pub fn stored_sha256(entry: &FileEntry) -> &str {
    entry.gzip.as_ref().map_or(&entry.sha256, |g| &g.sha256)
}

pub fn stored_size(entry: &FileEntry) -> u64 {
    entry.gzip.as_ref().map_or(entry.size, |g| g.size)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(corte: &str, action: Action, from: Option<&str>) -> (CorteEntry, Event) {
        let entry = CorteEntry {
            id: corte.into(),
            seq: corte.parse().unwrap(),
            timestamp: "t".into(),
            final_corte: false,
            manifest: manifest_key(corte),
            manifest_sha256: "h".into(),
            published_at: "now".into(),
            withdrawn: false,
        };
        let event = Event {
            at: "now".into(),
            action,
            corte: corte.into(),
            seq: entry.seq,
            from: from.map(str::to_string),
            manifest_sha256: "h".into(),
            reason: None,
        };
        (entry, event)
    }

    #[test]
    fn the_history_records_each_move_once_and_marks_withdrawn_cortes() {
        let mut ix = CorteIndex::default();
        let (c, e) = event("1", Action::Publish, None);
        ix.record(c.clone(), e.clone());
        ix.record(c, e);
        let (c, e) = event("2", Action::Publish, Some("1"));
        ix.record(c, e);
        let (c, e) = event("1", Action::Rollback, Some("2"));
        ix.record(c, e);
        assert_eq!(ix.events.len(), 3);
        assert_eq!(ix.cortes.len(), 2);
        assert!(ix.cortes[1].withdrawn);
        let feed = String::from_utf8(feed(&ix, "now")).unwrap();
        assert!(feed.contains("Corte 2 — t (retirado)"), "{feed}");
        assert!(feed.find("Corte 2").unwrap() < feed.find("Corte 1").unwrap());
    }

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

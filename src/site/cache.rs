//! The render cache: for every artifact of a corte, the digest of its
//! inputs ([`super::digest`]) and its output entry (SHA-256, size, content
//! type, cache class, gzip copy). The next corte reuses the entry of every
//! artifact whose digest is unchanged instead of rendering it.
//!
//! Its bytes are a text file of tab-separated fields that the cutover keeps in its state folder
//! (`site` reads no files). They end with their own SHA-256, so a damaged
//! or truncated file is refused as a whole ([`RenderCache::from_bytes`]),
//! and a render without a cache is a full render: never a wrong page.
//!
//! ```text
//! corte-render-cache 1 <corte id>
//! <key> <digest> <sha256> <size> <cache class> <content type> <gzip sha256 or -> <gzip size or ->
//! …
//! end <SHA-256 of every line above>
//! ```

use std::collections::HashMap;

use super::digest::Digest;
use crate::contract::sha256_hex;
use crate::published::manifest::{CacheClass, FileEntry, GzipEntry};

const MAGIC: &str = "corte-render-cache";
const VERSION: &str = "1";

/// One artifact as the cache remembers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheEntry {
    pub digest: Digest,
    pub entry: FileEntry,
}

/// The digests and output entries of one corte's render.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RenderCache {
    /// The corte these entries were rendered for.
    pub corte: String,
    pub entries: HashMap<String, CacheEntry>,
}

impl RenderCache {
    /// The entry of `key` if it was rendered from the same inputs.
    pub fn reuse(&self, key: &str, digest: &Digest) -> Option<&FileEntry> {
        self.entries
            .get(key)
            .filter(|c| c.digest == *digest)
            .map(|c| &c.entry)
    }

    /// The cache's bytes: keys sorted, so the same render gives the same
    /// file. Keys with a tab or a line break (none a render makes) are left
    /// out: they are rendered again next time.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut keys: Vec<&String> = self
            .entries
            .keys()
            .filter(|k| !k.contains(['\t', '\n', '\r']))
            .collect();
        keys.sort();
        let mut out = format!("{MAGIC}\t{VERSION}\t{}\n", self.corte).into_bytes();
        for key in keys {
            let c = &self.entries[key];
            let e = &c.entry;
            let (gz_sha, gz_size) = match &e.gzip {
                Some(g) => (g.sha256.clone(), g.size.to_string()),
                None => ("-".into(), "-".into()),
            };
            let line = format!(
                "{key}\t{}\t{}\t{}\t{}\t{}\t{gz_sha}\t{gz_size}\n",
                hex::encode(c.digest),
                e.sha256,
                e.size,
                cache_name(e.cache),
                e.content_type,
            );
            out.extend_from_slice(line.as_bytes());
        }
        let sum = sha256_hex(&out);
        out.extend_from_slice(format!("end\t{sum}\n").as_bytes());
        out
    }

    /// Parses a cache file; any damage (a wrong sum, a bad line, another
    /// version) refuses the whole file, saying where.
    pub fn from_bytes(bytes: &[u8]) -> Result<RenderCache, String> {
        let body_end = bytes
            .strip_suffix(b"\n")
            .and_then(|b| b.iter().rposition(|c| *c == b'\n'))
            .map(|i| i + 1)
            .ok_or("no end line: the file is truncated")?;
        let (body, end) = bytes.split_at(body_end);
        let end = std::str::from_utf8(end).map_err(|_| "the end line is not UTF-8")?;
        let sum = end
            .trim_end()
            .strip_prefix("end\t")
            .ok_or("no end line: the file is truncated")?;
        if sum != sha256_hex(body) {
            return Err("its SHA-256 does not match its end line: the file is damaged".into());
        }
        let text = std::str::from_utf8(body).map_err(|_| "not UTF-8")?;
        let mut lines = text.lines();
        let head: Vec<&str> = lines.next().unwrap_or_default().split('\t').collect();
        let [magic, version, corte] = head[..] else {
            return Err("line 1: not a render cache".into());
        };
        if magic != MAGIC || version != VERSION {
            return Err(format!(
                "line 1: {magic} version {version} is not {MAGIC} version {VERSION}"
            ));
        }
        let mut entries = HashMap::new();
        for (n, line) in lines.enumerate() {
            let (key, entry) = parse_line(line).map_err(|m| format!("line {}: {m}", n + 2))?;
            entries.insert(key, entry);
        }
        Ok(RenderCache {
            corte: corte.to_string(),
            entries,
        })
    }
}

fn cache_name(c: CacheClass) -> &'static str {
    match c {
        CacheClass::Immutable => "immutable",
        CacheClass::Short => "short",
        CacheClass::NoCache => "no_cache",
    }
}

fn parse_line(line: &str) -> Result<(String, CacheEntry), String> {
    let f: Vec<&str> = line.split('\t').collect();
    let [
        key,
        digest,
        sha256,
        size,
        cache,
        content_type,
        gz_sha,
        gz_size,
    ] = f[..]
    else {
        return Err(format!("{} fields, not 8", f.len()));
    };
    let mut d = [0u8; 16];
    hex::decode_to_slice(digest, &mut d).map_err(|_| format!("{key}: a bad digest"))?;
    let size: u64 = size.parse().map_err(|_| format!("{key}: a bad size"))?;
    let cache = match cache {
        "immutable" => CacheClass::Immutable,
        "short" => CacheClass::Short,
        "no_cache" => CacheClass::NoCache,
        other => return Err(format!("{key}: unknown cache class {other}")),
    };
    let gzip = match (gz_sha, gz_size) {
        ("-", "-") => None,
        (sha, n) => Some(GzipEntry {
            sha256: sha.to_string(),
            size: n.parse().map_err(|_| format!("{key}: a bad gzip size"))?,
        }),
    };
    let hash_ok = |h: &str| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit());
    if !hash_ok(sha256) || gzip.as_ref().is_some_and(|g| !hash_ok(&g.sha256)) {
        return Err(format!("{key}: a bad SHA-256"));
    }
    let entry = FileEntry {
        sha256: sha256.to_string(),
        size,
        content_type: content_type.to_string(),
        cache,
        gzip,
    };
    Ok((key.to_string(), CacheEntry { digest: d, entry }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache() -> RenderCache {
        let mut entries = HashMap::new();
        entries.insert(
            "gub/seccion/0001.html".to_string(),
            CacheEntry {
                digest: [7; 16],
                entry: FileEntry {
                    sha256: "a".repeat(64),
                    size: 1234,
                    content_type: "text/html; charset=utf-8".into(),
                    cache: CacheClass::Short,
                    gzip: Some(GzipEntry {
                        sha256: "b".repeat(64),
                        size: 456,
                    }),
                },
            },
        );
        entries.insert(
            "datos/CDMX_GUB_2024.csv".to_string(),
            CacheEntry {
                digest: [9; 16],
                entry: FileEntry {
                    sha256: "c".repeat(64),
                    size: 99,
                    content_type: "text/csv; charset=utf-8".into(),
                    cache: CacheClass::Short,
                    gzip: None,
                },
            },
        );
        RenderCache {
            corte: "00003-20240602-2030".into(),
            entries,
        }
    }

    #[test]
    fn a_cache_reads_back_what_was_written() {
        let c = cache();
        let bytes = c.to_bytes();
        assert_eq!(RenderCache::from_bytes(&bytes).unwrap(), c);
        assert_eq!(c.to_bytes(), bytes, "the same cache, the same bytes");
        assert!(c.reuse("gub/seccion/0001.html", &[7; 16]).is_some());
        assert!(c.reuse("gub/seccion/0001.html", &[8; 16]).is_none());
        assert!(c.reuse("gub/seccion/0002.html", &[7; 16]).is_none());
    }

    #[test]
    fn a_damaged_or_truncated_cache_is_refused_whole() {
        let bytes = cache().to_bytes();
        let mut flipped = bytes.clone();
        flipped[40] ^= 1;
        let err = RenderCache::from_bytes(&flipped).unwrap_err();
        assert!(err.contains("damaged"), "{err}");
        let err = RenderCache::from_bytes(&bytes[..bytes.len() / 2]).unwrap_err();
        assert!(
            err.contains("damaged") || err.contains("truncated"),
            "{err}"
        );
        assert!(RenderCache::from_bytes(b"").is_err());
        assert!(RenderCache::from_bytes(b"\xff\xfe").is_err());
    }
}

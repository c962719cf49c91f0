//! The render cache in the state folder: the previous corte's input digests
//! and output entries (`site::cache`), so that the next corte renders only
//! what changed. A missing, unreadable or damaged file is no cache: the
//! corte is rendered in full (never a wrong page), with a warning.
//!
//! Also the build id every input digest carries (this executable's
//! SHA-256): a new binary renders everything again, whatever its version.

use std::path::Path;
use std::sync::OnceLock;

use crate::site::RenderCache;

/// The file in the state folder.
pub const RENDER_CACHE: &str = "render-cache.tsv";

/// The cache of the corte rendered last, if it can be used.
pub fn read(state: &Path) -> Option<RenderCache> {
    let path = state.join(RENDER_CACHE);
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => {
            tracing::warn!(file = %path.display(), error = %e, "render cache unreadable: rendering in full");
            return None;
        }
    };
    match RenderCache::from_bytes(&bytes) {
        Ok(c) => Some(c),
        Err(m) => {
            tracing::warn!(file = %path.display(), error = %m, "render cache refused: rendering in full");
            None
        }
    }
}

/// Writes the cache of the corte just rendered (staged, then renamed in:
/// a crash leaves the old file or the new, never half of one).
pub fn write(state: &Path, cache: &RenderCache) -> std::io::Result<()> {
    std::fs::create_dir_all(state)?;
    let tmp = state.join(format!(".{RENDER_CACHE}.tmp"));
    std::fs::write(&tmp, cache.to_bytes())?;
    std::fs::rename(tmp, state.join(RENDER_CACHE))
}

/// This executable's SHA-256 (read once per process), or its version when
/// the file cannot be read.
pub fn build_id() -> &'static str {
    static ID: OnceLock<String> = OnceLock::new();
    ID.get_or_init(|| {
        std::env::current_exe()
            .and_then(std::fs::read)
            .map(|b| crate::contract::sha256_hex(&b))
            .unwrap_or_else(|_| format!("corte {}", env!("CARGO_PKG_VERSION")))
    })
}

//! Gzip copies of text artifacts for `Content-Encoding: gzip`, reproducible
//! (their hashes are in every manifest, so the bytes are part of the contract):
//! one compressor (libdeflate, through `libdeflater`, pinned by
//! `Cargo.lock`) at one level, whose gzip header is fixed (no name, mtime 0,
//! OS 255). Reading gzip (`gunzip`) stays with flate2.
//!
//! libdeflate compresses whole buffers, which is all we have, about three
//! times faster than miniz_oxide at the same level and a little smaller;
//! gzip was half the render's CPU before (docs/site.md, "Benchmark").

use std::cell::RefCell;

use libdeflater::{CompressionLvl, Compressor};

/// The level used everywhere; changing it (or the compressor) changes every
/// published hash of a gzip copy.
pub const LEVEL: i32 = 6;

thread_local! {
    // A compressor holds its match finder's tables (hundreds of KB): one per
    // thread, reused, rather than one per artifact.
    static COMPRESSOR: RefCell<Option<Compressor>> = const { RefCell::new(None) };
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    COMPRESSOR.with(|cell| {
        let mut slot = cell.borrow_mut();
        let c = slot
            .get_or_insert_with(|| Compressor::new(CompressionLvl::new(LEVEL).unwrap_or_default()));
        let mut out = vec![0; c.gzip_compress_bound(bytes.len())];
        // The bound is libdeflate's worst case, so the output always fits;
        // were it ever not to, flate2 makes a valid copy rather than none.
        match c.gzip_compress(bytes, &mut out) {
            Ok(n) => {
                out.truncate(n);
                out
            }
            Err(_) => gzip_flate2(bytes),
        }
    })
}

fn gzip_flate2(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::GzBuilder::new()
        .mtime(0)
        .operating_system(255)
        .write(
            Vec::with_capacity(bytes.len() / 4 + 64),
            flate2::Compression::new(LEVEL as u32),
        );
    // Writing into a Vec cannot fail.
    let _ = enc.write_all(bytes);
    enc.finish().unwrap_or_default()
}

pub fn gunzip(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut out = Vec::with_capacity(bytes.len() * 4);
    flate2::read::GzDecoder::new(bytes).read_to_end(&mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn gzip_is_reproducible_and_reversible() {
        let text = "<p>Los resultados presentados tienen un carácter informativo</p>".repeat(50);
        let a = super::gzip(text.as_bytes());
        assert_eq!(a, super::gzip(text.as_bytes()));
        assert_eq!(&a[4..8], &[0, 0, 0, 0], "mtime is zero");
        assert_eq!(a[3], 0, "no name, no comment, no extra field");
        assert_eq!(a[9], 255, "OS unknown");
        assert_eq!(super::gunzip(&a).unwrap(), text.as_bytes());
        let fallback = super::gzip_flate2(text.as_bytes());
        assert_eq!(super::gunzip(&fallback).unwrap(), text.as_bytes());
    }
}

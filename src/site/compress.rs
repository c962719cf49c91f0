//! Gzip copies of text artifacts for `Content-Encoding: gzip`, reproducible:
//! a fixed header (no name, mtime 0, OS 255), one backend (miniz_oxide, the
//! flate2 default) and one level.

use std::io::Write;

/// The level used everywhere; changing it changes every published hash.
pub const LEVEL: u32 = 6;

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::GzBuilder::new()
        .mtime(0)
        .operating_system(255)
        .write(
            Vec::with_capacity(bytes.len() / 4 + 64),
            flate2::Compression::new(LEVEL),
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
        assert_eq!(super::gunzip(&a).unwrap(), text.as_bytes());
    }
}

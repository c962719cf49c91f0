//! What a request asks for: the object key its path names, whether the
//! client takes gzip, and whether it already holds the version we would send.
//! Pure functions over header text, so that every refusal is testable.

use percent_encoding::percent_decode_str;

/// Why a path names no key. Answered with 400 and this text.
pub type Refusal = &'static str;

/// The object key for a request path (`uri.path()`, still percent-encoded):
/// `/` and any path ending in `/` name that folder's `index.html`.
///
/// Refused, encoded or not: dot segments (`..`, `.`), empty segments (`//`,
/// which would make an absolute key), backslashes, control characters and
/// bytes that are not UTF-8. Decoding happens once, before the checks, so
/// `%2e%2e` and `%2F` are seen for what they are; `%252e` decodes to a
/// literal `%2e`, which is just a key no manifest lists.
pub fn key_of(path: &str) -> Result<String, Refusal> {
    let rest = path.strip_prefix('/').ok_or("not an absolute path")?;
    let decoded = percent_decode_str(rest)
        .decode_utf8()
        .map_err(|_| "the path is not UTF-8")?;
    if decoded.chars().any(|c| c.is_control() || c == '\\') {
        return Err("control characters or backslashes in the path");
    }
    let key = if decoded.is_empty() || decoded.ends_with('/') {
        format!("{decoded}index.html")
    } else {
        decoded.into_owned()
    };
    for segment in key.split('/') {
        match segment {
            "" => return Err("an empty path segment"),
            "." | ".." => return Err("a dot segment in the path"),
            _ => {}
        }
    }
    Ok(key)
}

/// Whether an `Accept-Encoding` value allows gzip (RFC 9110 §12.5.3):
/// `gzip` or `x-gzip` with a non-zero weight, or `*` with one when gzip is
/// not named. No header means identity only (what `curl` sends without
/// `--compressed`), which is the safe reading for a byte-exact download.
pub fn accepts_gzip(accept_encoding: Option<&str>) -> bool {
    let Some(value) = accept_encoding else {
        return false;
    };
    let mut gzip = None;
    let mut any = None;
    for item in value.split(',') {
        let mut parts = item.split(';');
        let coding = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let weight = parts
            .filter_map(|p| p.trim().strip_prefix("q=").or(p.trim().strip_prefix("Q=")))
            .map(|q| q.trim().parse::<f32>().unwrap_or(0.0))
            .next()
            .unwrap_or(1.0);
        match coding.as_str() {
            "gzip" | "x-gzip" => gzip = Some(weight > 0.0),
            "*" => any = Some(weight > 0.0),
            _ => {}
        }
    }
    gzip.or(any).unwrap_or(false)
}

/// Whether an `If-None-Match` value names `etag` (a quoted strong tag) or is
/// `*`. Comparison is weak, as RFC 9110 §13.1.2 asks for this header:
/// `W/"x"` matches `"x"`.
pub fn none_match(if_none_match: Option<&str>, etag: &str) -> bool {
    let Some(value) = if_none_match else {
        return false;
    };
    value
        .split(',')
        .map(str::trim)
        .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == etag)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_name_their_index_page() {
        assert_eq!(key_of("/").unwrap(), "index.html");
        assert_eq!(key_of("/gub/").unwrap(), "gub/index.html");
        assert_eq!(
            key_of("/gub/seccion/00001.html").unwrap(),
            "gub/seccion/00001.html"
        );
        assert_eq!(
            key_of("/cortes/00002-x/").unwrap(),
            "cortes/00002-x/index.html"
        );
        assert_eq!(
            key_of("/a%20b/Tlalpan%C3%A1.html").unwrap(),
            "a b/Tlalpaná.html"
        );
    }

    #[test]
    fn traversal_is_refused_encoded_or_not() {
        for path in [
            "/../etc/passwd",
            "/gub/../../x",
            "/%2e%2e/x",
            "/%2E%2E%2Fx",
            "/gub/%2e%2e%2f%2e%2e%2fx",
            "/./index.html",
            "/gub/.",
            "//etc/passwd",
            "/%2Fetc/passwd",
            "/gub//x.html",
            "/..%5cx",
            "/x%00.html",
            "/%ff.html",
            "etc/passwd",
            "*",
        ] {
            assert!(key_of(path).is_err(), "{path} was accepted");
        }
        // A doubly encoded dot is a literal name, not a segment: no manifest lists it.
        assert_eq!(key_of("/%252e%252e/x").unwrap(), "%2e%2e/x");
    }

    #[test]
    fn gzip_is_taken_only_when_offered() {
        assert!(!accepts_gzip(None));
        assert!(!accepts_gzip(Some("")));
        assert!(!accepts_gzip(Some("identity")));
        assert!(accepts_gzip(Some("gzip")));
        assert!(accepts_gzip(Some("deflate, gzip;q=1.0, br")));
        assert!(accepts_gzip(Some("GZIP")));
        assert!(accepts_gzip(Some("x-gzip")));
        assert!(!accepts_gzip(Some("gzip;q=0")));
        assert!(!accepts_gzip(Some("br, gzip; q=0.000")));
        assert!(accepts_gzip(Some("*")));
        assert!(!accepts_gzip(Some("*, gzip;q=0")));
        assert!(!accepts_gzip(Some("*;q=0")));
    }

    #[test]
    fn if_none_match_compares_weakly() {
        let tag = "\"abc\"";
        assert!(none_match(Some("\"abc\""), tag));
        assert!(none_match(Some("\"x\", W/\"abc\""), tag));
        assert!(none_match(Some("*"), tag));
        assert!(!none_match(Some("\"abcd\""), tag));
        assert!(!none_match(Some("abc"), tag));
        assert!(!none_match(None, tag));
    }
}

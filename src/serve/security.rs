//! The security headers every answer carries, from `corte serve` and from
//! the CDN stand-in (`publish/nginx-cdn.conf` sends the same values with
//! `add_header … always`; `tests/cdn.rs` compares the file with
//! [`HEADERS`] and what nginx sends with both). They are one list so that a
//! change here that the config does not follow fails a test.
//!
//! - `X-Content-Type-Options: nosniff`: a browser takes each file as the
//!   Content-Type corte stored it with (a CSV is never run as a script).
//! - `Content-Security-Policy`: [`CSP`]. The theme has no inline script,
//!   no `<style>` and no `style=` attribute (colours are SVG `fill`s), and
//!   loads nothing from another host; the browser tests serve every kind of
//!   page with this policy and fail on any violation in the console.
//! - `Referrer-Policy: no-referrer`: a reader following a link out of the
//!   site tells that site nothing of which page they were on.

/// No inline script or style, nothing from another host, no plugins, no
/// `<base>`, forms only to the site, not framed by another site. `data:`
/// images for the theme's empty favicon (`<link rel="icon" href="data:,">`).
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; \
frame-ancestors 'none'";

/// Header name (lower case) and value, in the order they are sent.
pub const HEADERS: [(&str, &str); 3] = [
    ("x-content-type-options", "nosniff"),
    ("content-security-policy", CSP),
    ("referrer-policy", "no-referrer"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_is_a_valid_header() {
        for (name, value) in HEADERS {
            http::HeaderName::from_static(name);
            http::HeaderValue::from_static(value);
            assert!(!value.contains('"'), "{name}: nginx's config quotes it");
        }
        assert!(!CSP.contains("unsafe"), "a strict policy");
    }
}

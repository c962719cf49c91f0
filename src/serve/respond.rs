//! The HTTP answer for an object, as the CDN gives it: the stored headers,
//! gzip passed through to clients that take it and decoded for those that do
//! not, a strong ETag of the bytes sent, 304 for a matching If-None-Match.
//! HEAD gets the same answer; hyper sends its headers and no body.

use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{Response, StatusCode};
use http_body_util::Full;

use super::origin::Object;
use super::request::{accepts_gzip, none_match};
use crate::contract::sha256_hex;
use crate::published::gzip::gunzip;

pub type Body = Full<Bytes>;

/// How the body went out, for the request log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sent {
    Identity,
    Gzip,
    /// The stored gzip copy, decoded for a client that does not take gzip.
    Decoded,
}

impl Sent {
    pub fn label(self) -> &'static str {
        match self {
            Sent::Identity => "identity",
            Sent::Gzip => "gzip",
            Sent::Decoded => "decoded",
        }
    }
}

pub fn object(request: &HeaderMap, obj: Object) -> (Response<Body>, Sent) {
    let text = |name: HeaderName| request.get(name).and_then(|v| v.to_str().ok());
    let gzip_ok = accepts_gzip(text(header::ACCEPT_ENCODING));
    let sent = match (obj.headers.gzip, gzip_ok) {
        (false, _) => Sent::Identity,
        (true, true) => Sent::Gzip,
        (true, false) => Sent::Decoded,
    };
    let sha = match sent {
        Sent::Decoded => &obj.plain_sha256,
        Sent::Identity | Sent::Gzip => &obj.headers.sha256,
    };
    let etag = format!("\"{sha}\"");

    let mut headers = Vec::with_capacity(5);
    headers.push((header::CACHE_CONTROL, obj.headers.cache_control.as_str()));
    headers.push((header::ETAG, etag.as_str()));
    if obj.headers.gzip {
        // Both variants of an encoded object: a cache must key on the header.
        headers.push((header::VARY, "accept-encoding"));
    }
    if none_match(text(header::IF_NONE_MATCH), &etag) {
        return (
            build(StatusCode::NOT_MODIFIED, &headers, Bytes::new()),
            sent,
        );
    }
    let body = match sent {
        Sent::Identity | Sent::Gzip => obj.stored,
        Sent::Decoded => match gunzip(&obj.stored) {
            Ok(plain) if sha256_hex(&plain) == obj.plain_sha256 => Bytes::from(plain),
            Ok(_) => {
                return (
                    error(
                        StatusCode::BAD_GATEWAY,
                        "the gzip copy does not decode to the bytes the manifest lists",
                    ),
                    sent,
                );
            }
            Err(e) => {
                let why = format!("the stored gzip copy does not decode: {e}");
                return (error(StatusCode::BAD_GATEWAY, &why), sent);
            }
        },
    };
    headers.push((header::CONTENT_TYPE, obj.headers.content_type.as_str()));
    if sent == Sent::Gzip {
        headers.push((header::CONTENT_ENCODING, "gzip"));
    }
    (build(StatusCode::OK, &headers, body), sent)
}

/// A short plain-text answer for a refusal or a failure; never cached.
pub fn error(status: StatusCode, why: &str) -> Response<Body> {
    let mut headers = vec![
        (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
        (header::CACHE_CONTROL, "no-store"),
    ];
    if status == StatusCode::METHOD_NOT_ALLOWED {
        headers.push((header::ALLOW, "GET, HEAD"));
    }
    let reason = status.canonical_reason().unwrap_or("error");
    let body = format!("{} {reason}: {why}\n", status.as_u16());
    build(status, &headers, Bytes::from(body))
}

/// Content-Length comes from the body (hyper writes it, and keeps it for
/// HEAD while sending no body). A header value that cannot be sent (a
/// manifest with a control character in a content type) is left out rather
/// than failing the answer.
fn build(status: StatusCode, headers: &[(HeaderName, &str)], body: Bytes) -> Response<Body> {
    let mut response = Response::new(Full::new(body));
    *response.status_mut() = status;
    let map = response.headers_mut();
    for (name, value) in headers {
        match HeaderValue::from_str(value) {
            Ok(v) => {
                map.insert(name.clone(), v);
            }
            Err(_) => tracing::warn!(header = %name, value, "not a valid header value; left out"),
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::published::Headers;
    use crate::published::gzip::gzip;
    use http_body_util::BodyExt;

    fn page() -> Object {
        let plain = b"<p>Los resultados presentados tienen un caracter informativo</p>".repeat(20);
        let stored = gzip(&plain);
        Object {
            headers: Headers {
                content_type: "text/html; charset=utf-8".into(),
                cache_control: "public, max-age=60".into(),
                gzip: true,
                sha256: sha256_hex(&stored),
            },
            stored: Bytes::from(stored),
            plain_sha256: sha256_hex(&plain),
        }
    }

    fn request(pairs: &[(HeaderName, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (n, v) in pairs {
            h.insert(n.clone(), HeaderValue::from_str(v).unwrap());
        }
        h
    }

    async fn body(r: Response<Body>) -> Bytes {
        r.into_body().collect().await.unwrap().to_bytes()
    }

    #[tokio::test]
    async fn gzip_goes_out_as_stored_or_decoded() {
        let obj = page();
        let (r, sent) = object(
            &request(&[(header::ACCEPT_ENCODING, "gzip, br")]),
            obj.clone(),
        );
        assert_eq!(sent, Sent::Gzip);
        assert_eq!(r.headers()[header::CONTENT_ENCODING], "gzip");
        assert_eq!(r.headers()[header::VARY], "accept-encoding");
        assert_eq!(
            r.headers()[header::ETAG].to_str().unwrap(),
            format!("\"{}\"", obj.headers.sha256)
        );
        assert_eq!(body(r).await, obj.stored);

        let (r, sent) = object(&request(&[]), obj.clone());
        assert_eq!(sent, Sent::Decoded);
        assert!(r.headers().get(header::CONTENT_ENCODING).is_none());
        assert_eq!(r.headers()[header::VARY], "accept-encoding");
        let plain = body(r).await;
        assert_eq!(sha256_hex(&plain), obj.plain_sha256);
    }

    #[tokio::test]
    async fn a_matching_etag_is_not_modified() {
        let obj = page();
        let tag = format!("\"{}\"", obj.plain_sha256);
        let (r, _) = object(&request(&[(header::IF_NONE_MATCH, &tag)]), obj.clone());
        assert_eq!(r.status(), StatusCode::NOT_MODIFIED);
        assert_eq!(r.headers()[header::ETAG].to_str().unwrap(), tag);
        assert!(body(r).await.is_empty());
        // The gzip variant's tag does not match the identity answer.
        let (r, _) = object(
            &request(&[(
                header::IF_NONE_MATCH,
                &format!("\"{}\"", obj.headers.sha256),
            )]),
            obj,
        );
        assert_eq!(r.status(), StatusCode::OK);
    }

    #[tokio::test]
    async fn a_gzip_copy_that_lies_is_a_bad_gateway() {
        let mut obj = page();
        obj.plain_sha256 = "0".repeat(64);
        let (r, _) = object(&request(&[]), obj);
        assert_eq!(r.status(), StatusCode::BAD_GATEWAY);
    }
}

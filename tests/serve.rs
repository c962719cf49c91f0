//! `corte serve` as a reader meets it: a small synthetic corte published to
//! a temporary `file://` store through the publish module, the server on a
//! free port, and plain HTTP/1.1 requests over a TCP socket — the headers a
//! CDN would send, the bytes the manifest lists, and a new corte going live
//! while the server runs.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use corte::contract::sha256_hex;
use corte::publish::{Corte, Options, Outcome, Quiet, Target, publish, sign};
use corte::published::manifest::stored_sha256;
use corte::serve;

use crate::support::http::{self, Reply};
use crate::support::stores::Backend;
use crate::support::synthetic::{self, Shape};

// ------------------------------------------------------------------ fixture

fn key() -> &'static sign::PrivateKey {
    static KEY: std::sync::OnceLock<sign::PrivateKey> = std::sync::OnceLock::new();
    KEY.get_or_init(|| sign::generate().expect("a random source"))
}

fn corte(seq: u32) -> Corte {
    Corte::from_build(synthetic::build(seq, &Shape::small(8)), Some(key()))
}

/// A folder store with its target, a runtime, and the server on a free port.
struct Site {
    backend: Backend,
    target: Target,
    rt: tokio::runtime::Runtime,
    addr: SocketAddr,
    handle: Option<serve::Handle>,
}

impl Site {
    fn start() -> Site {
        let backend = Backend::folder();
        let target = backend.target("preview");
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a runtime");
        let any_port = SocketAddr::from(([127, 0, 0, 1], 0));
        let (addr, handle) = rt
            .block_on(serve::start(target.clone(), any_port))
            .expect("the server starts");
        assert_ne!(addr.port(), 0, "port 0 is replaced by the port bound");
        Site {
            backend,
            target,
            rt,
            addr,
            handle: Some(handle),
        }
    }

    fn publish(&self, c: &Corte) {
        let opts = Options {
            delete_stale: true,
            ..Options::default()
        };
        let r = self
            .rt
            .block_on(publish(&self.target, c, &opts, &Quiet))
            .unwrap_or_else(|e| panic!("publishing corte {}: {e}", c.id));
        assert_eq!(r.outcome, Outcome::Published);
    }

    fn folder(&self) -> &std::path::Path {
        self.backend.dir.as_ref().expect("a folder backend").path()
    }

    fn get(&self, path: &str, headers: &[(&str, &str)]) -> Reply {
        request(self.addr, "GET", path, headers)
    }
}

impl Drop for Site {
    fn drop(&mut self) {
        if let Some(h) = self.handle.take() {
            self.rt.block_on(h.shutdown());
        }
    }
}

// ------------------------------------------------------------ a tiny client

/// One HTTP/1.1 request with `Connection: close`; `target` goes on the
/// request line exactly as given, so traversal attempts reach the server.
fn request(addr: SocketAddr, method: &str, target: &str, headers: &[(&str, &str)]) -> Reply {
    http::send(addr, http::Version::Http11, method, target, headers)
}

fn quoted(sha: &str) -> String {
    format!("\"{sha}\"")
}

// -------------------------------------------------------------------- tests

#[test]
fn a_published_corte_is_served_with_the_headers_the_cdn_sends() {
    let site = Site::start();
    let c = corte(1);
    site.publish(&c);
    let cache = &site.target.cache;
    let css = c
        .manifest
        .files
        .keys()
        .find(|k| k.starts_with("assets/"))
        .expect("a hashed stylesheet")
        .clone();

    // Content-Type and Cache-Control per key and class.
    let corte_page = format!("/cortes/{}/gub/seccion/00001.html", c.id);
    let expect = [
        ("/", "text/html; charset=utf-8", cache.short.as_str()),
        (
            "/gub/seccion/00001.html",
            "text/html; charset=utf-8",
            &cache.short,
        ),
        (
            "/datos/ELECCION_0.csv",
            "text/csv; charset=utf-8",
            &cache.short,
        ),
        ("/datos/ELECCION_0.csv.gz", "application/gzip", &cache.short),
        (
            &format!("/{css}"),
            "text/css; charset=utf-8",
            &cache.immutable,
        ),
        (&corte_page, "text/html; charset=utf-8", &cache.immutable),
        (
            &format!("/cortes/{}/datos/ELECCION_1.csv", c.id),
            "text/csv; charset=utf-8",
            &cache.immutable,
        ),
        (
            &format!("/cortes/{}/manifest.json", c.id),
            "application/json",
            &cache.immutable,
        ),
        (
            &format!("/cortes/{}/manifest.json.sig", c.id),
            "application/octet-stream",
            &cache.immutable,
        ),
        ("/latest.json", "application/json", &cache.no_cache),
        ("/cortes/index.json", "application/json", &cache.short),
        ("/cortes/feed.xml", "application/atom+xml", &cache.short),
        ("/public-key.pem", "application/x-pem-file", &cache.short),
    ];
    for (path, content_type, cache_control) in expect {
        let r = site.get(path, &[]);
        assert_eq!(
            r.status,
            200,
            "{path}: {}",
            String::from_utf8_lossy(&r.body)
        );
        assert_eq!(r.header("content-type"), Some(content_type), "{path}");
        assert_eq!(r.header("cache-control"), Some(cache_control), "{path}");
        assert_eq!(
            r.header("content-length"),
            Some(r.body.len().to_string().as_str()),
            "{path}"
        );
        assert_eq!(
            r.etag(),
            quoted(&sha256_hex(&r.body)),
            "{path}: the ETag is the body's hash"
        );
    }
    // The corte's own index page at its folder URL.
    let r = site.get(&format!("/cortes/{}/", c.id), &[]);
    assert_eq!(r.status, 200);
    assert_eq!(r.etag(), quoted(&c.manifest.files["index.html"].sha256));

    // The pointer and the manifest as stored.
    let r = site.get("/latest.json", &[]);
    let p: corte::published::Pointer = serde_json::from_slice(&r.body).expect("a pointer");
    assert_eq!(p.corte, c.id);
    let r = site.get(&format!("/cortes/{}/manifest.json", c.id), &[]);
    assert_eq!(sha256_hex(&r.body), c.manifest_sha256);
}

#[test]
fn gzip_copies_go_to_clients_that_take_gzip_and_plain_bytes_to_the_rest() {
    let site = Site::start();
    let c = corte(1);
    site.publish(&c);
    let entry = &c.manifest.files["gub/seccion/00002.html"];
    let gz = entry.gzip.as_ref().expect("pages have gzip copies");

    let plain = site.get("/gub/seccion/00002.html", &[]);
    assert_eq!(plain.header("content-encoding"), None);
    assert_eq!(plain.header("vary"), Some("accept-encoding"));
    assert_eq!(
        sha256_hex(&plain.body),
        entry.sha256,
        "curl without --compressed gets the listed bytes"
    );
    assert_eq!(plain.body.len() as u64, entry.size);
    assert_eq!(plain.etag(), quoted(&entry.sha256));

    let encoded = site.get(
        "/gub/seccion/00002.html",
        &[("Accept-Encoding", "gzip, deflate, br")],
    );
    assert_eq!(encoded.header("content-encoding"), Some("gzip"));
    assert_eq!(encoded.header("vary"), Some("accept-encoding"));
    assert_eq!(
        sha256_hex(&encoded.body),
        gz.sha256,
        "the stored gzip copy, as is"
    );
    assert_eq!(encoded.etag(), quoted(&gz.sha256));
    assert_eq!(
        encoded.header("content-length"),
        Some(gz.size.to_string().as_str())
    );

    // Refusing gzip by weight is honoured.
    let refused = site.get(
        "/gub/seccion/00002.html",
        &[("Accept-Encoding", "gzip;q=0, br")],
    );
    assert_eq!(refused.header("content-encoding"), None);
    assert_eq!(sha256_hex(&refused.body), entry.sha256);

    // A dataset without a gzip copy is the same for everyone, with no Vary.
    let csv = &c.manifest.files["datos/ELECCION_0.csv"];
    let r = site.get("/datos/ELECCION_0.csv", &[("Accept-Encoding", "gzip")]);
    assert_eq!(r.header("content-encoding"), None);
    assert_eq!(r.header("vary"), None);
    assert_eq!(sha256_hex(&r.body), csv.sha256);
    assert_eq!(stored_sha256(csv), csv.sha256);
}

#[test]
fn etags_revalidate_and_head_sends_headers_only() {
    let site = Site::start();
    let c = corte(1);
    site.publish(&c);
    for accept in ["gzip", "identity"] {
        let first = site.get("/index.html", &[("Accept-Encoding", accept)]);
        let again = site.get(
            "/index.html",
            &[
                ("Accept-Encoding", accept),
                ("If-None-Match", &first.etag()),
            ],
        );
        assert_eq!(again.status, 304, "{accept}");
        assert!(again.body.is_empty());
        assert_eq!(again.etag(), first.etag());
        assert_eq!(again.header("cache-control"), first.header("cache-control"));
        let other = site.get(
            "/index.html",
            &[("Accept-Encoding", accept), ("If-None-Match", "\"0\"")],
        );
        assert_eq!(other.status, 200, "{accept}");
    }
    // Each encoding's tag is its own: the gzip tag does not revalidate the plain bytes.
    let gz = site.get("/index.html", &[("Accept-Encoding", "gzip")]);
    let r = site.get("/index.html", &[("If-None-Match", &gz.etag())]);
    assert_eq!(r.status, 200);

    let get = site.get("/datos/ELECCION_1.csv", &[]);
    let head = request(site.addr, "HEAD", "/datos/ELECCION_1.csv", &[]);
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    for h in ["content-length", "content-type", "cache-control", "etag"] {
        assert_eq!(head.header(h), get.header(h), "{h}");
    }
}

#[test]
fn only_what_a_manifest_lists_is_served_and_traversal_is_refused() {
    let site = Site::start();
    let c = corte(1);
    site.publish(&c);
    // Stray files in the folder: not in any manifest.
    std::fs::write(site.folder().join("notas.txt"), "privado").expect("a stray file");
    std::fs::write(
        site.folder().join(format!("cortes/{}/extra.html", c.id)),
        "x",
    )
    .expect("a stray file");
    for path in [
        "/notas.txt",
        "/.corte.lock",
        &format!("/cortes/{}/extra.html", c.id),
        "/no/existe.html",
        "/gub/",
        "/gub",
        "/cortes/",
        "/cortes/99999-nada/index.html",
        "/%252e%252e/latest.json",
    ] {
        let r = site.get(path, &[]);
        assert_eq!(r.status, 404, "{path}");
        assert_eq!(r.header("cache-control"), Some("no-store"), "{path}");
    }
    for path in [
        "/../latest.json",
        "/gub/../../../etc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/gub/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
        "//etc/passwd",
        "/%2Fetc%2Fpasswd",
        "/gub/..%5C..%5Cx",
        "/./index.html",
    ] {
        let r = site.get(path, &[]);
        assert!(
            (400..500).contains(&r.status),
            "{path} answered {}",
            r.status
        );
        assert!(
            !String::from_utf8_lossy(&r.body).contains(&c.id),
            "{path} leaked the pointer"
        );
    }
    for method in ["POST", "PUT", "DELETE", "OPTIONS"] {
        let r = request(site.addr, method, "/index.html", &[]);
        assert_eq!(r.status, 405, "{method}");
        assert_eq!(r.header("allow"), Some("GET, HEAD"));
    }
    // Query strings do not change the key (the CDN keys on the path).
    assert_eq!(site.get("/index.html?v=2", &[]).status, 200);
    // Garbage on the wire is answered, and the server keeps serving.
    let mut s = TcpStream::connect(site.addr).expect("a connection");
    s.write_all(b"\x16\x03\x01 not http\r\n\r\n")
        .expect("written");
    let mut sink = Vec::new();
    let _ = s.read_to_end(&mut sink);
    assert_eq!(site.get("/", &[]).status, 200);
}

#[test]
fn every_answer_carries_the_security_headers() {
    let site = Site::start();
    let c = corte(1);
    site.publish(&c);
    let page = format!("/cortes/{}/gub/seccion/00001.html", c.id);
    for (path, status) in [
        ("/", 200),
        (page.as_str(), 200),
        ("/latest.json", 200),
        ("/datos/ELECCION_0.csv", 200),
        ("/no/existe.html", 404),
        ("/../x", 400),
    ] {
        let r = site.get(path, &[("accept-encoding", "gzip")]);
        assert_eq!(r.status, status, "{path}");
        for (name, value) in serve::SECURITY_HEADERS {
            assert_eq!(r.header(name), Some(value), "{name} on {path}");
        }
    }
    let r = site.get(
        "/",
        &[(
            "if-none-match",
            &quoted(&c.manifest.files["index.html"].sha256),
        )],
    );
    assert_eq!(r.status, 304);
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
}

#[test]
fn symbolic_links_in_the_store_are_not_followed() {
    let site = Site::start();
    let c = corte(1);
    site.publish(&c);
    let outside = tempfile::tempdir().expect("a folder outside the store");
    let secret = outside.path().join("secreto.html");
    std::fs::write(&secret, "<p>root:x:0:0</p>").expect("a file outside");
    let page = "gub/seccion/00003.html";
    let entry = &c.manifest.files[page];
    // A page replaced by a link to a file outside the store whose bytes
    // are even the page's own: still not followed.
    let own = site.get(&format!("/{page}"), &[]);
    assert_eq!(own.status, 200);
    std::fs::write(&secret, &own.body).expect("the page's bytes outside");
    let at = site.folder().join(page);
    std::fs::remove_file(&at).expect("the page removed");
    std::os::unix::fs::symlink(&secret, &at).expect("a link in its place");
    let r = site.get(&format!("/{page}"), &[]);
    // The stable copy is refused; the live bytes come from the archive.
    assert_eq!(r.status, 200);
    assert_eq!(sha256_hex(&r.body), entry.sha256);
    // An archive object that is a link: an origin error, never its target.
    let object = corte::published::objects::key_of(entry).expect("an archive name");
    let stored = std::fs::read(site.folder().join(&object)).expect("the object");
    std::fs::write(outside.path().join("objeto"), &stored).expect("a copy outside");
    std::fs::remove_file(site.folder().join(&object)).expect("the object removed");
    std::os::unix::fs::symlink(outside.path().join("objeto"), site.folder().join(&object))
        .expect("a link in its place");
    let r = site.get(&format!("/{object}"), &[]);
    assert_eq!(r.status, 404, "an archive object through a link");
    assert_ne!(site.get(&format!("/{page}"), &[]).status, 200);
    // A folder of the stable tree replaced by a link to an altered copy.
    let gub = site.folder().join("gub");
    let copy = outside.path().join("gub");
    std::fs::rename(&gub, &copy).expect("the folder moved out");
    std::fs::write(copy.join("seccion/00001.html"), "<p>root:x:0:0</p>").expect("altered");
    std::os::unix::fs::symlink(&copy, &gub).expect("a folder link");
    let r = site.get("/gub/seccion/00001.html", &[]);
    assert_eq!(r.status, 200, "served from the archive");
    assert_eq!(
        sha256_hex(&r.body),
        c.manifest.files["gub/seccion/00001.html"].sha256
    );
    assert!(!String::from_utf8_lossy(&r.body).contains("root:x"));
}

#[test]
fn a_new_corte_goes_live_without_a_restart() {
    let site = Site::start();
    // Nothing published: the stable tree and the pointer are not there.
    assert_eq!(site.get("/", &[]).status, 404);
    assert_eq!(site.get("/latest.json", &[]).status, 404);

    let (c1, c2) = (corte(1), corte(2));
    site.publish(&c1);
    let home = |c: &Corte| quoted(&c.manifest.files["index.html"].sha256);
    let live_home = || site.get("/", &[]).header("etag").map(str::to_string);
    // The empty answer above is not remembered past the pointer's TTL.
    wait_until(|| live_home() == Some(home(&c1)), "corte 1 to show");

    site.publish(&c2);
    let r = site.get("/latest.json", &[]);
    assert!(
        String::from_utf8_lossy(&r.body).contains(&c2.id),
        "the pointer is never cached"
    );
    wait_until(|| live_home() == Some(home(&c2)), "corte 2 to show");
    let r = site.get("/", &[]);
    assert_eq!(sha256_hex(&r.body), c2.manifest.files["index.html"].sha256);

    // Corte 1 stays where it was, immutable.
    let r = site.get(&format!("/cortes/{}/index.html", c1.id), &[]);
    assert_eq!(r.etag(), home(&c1));
    assert_eq!(
        r.header("cache-control"),
        Some(site.target.cache.immutable.as_str())
    );
}

#[test]
fn a_stable_tree_object_that_is_not_the_live_corte_is_not_served() {
    let site = Site::start();
    let c = corte(1);
    site.publish(&c);
    let page = "gub/seccion/00003.html";
    let entry = &c.manifest.files[page];
    // Another corte's bytes at the stable URL (a publish between its stable
    // tree and its pointer): readers still get the live corte's page.
    std::fs::write(site.folder().join(page), "<p>otro corte</p>").expect("overwritten");
    let r = site.get(&format!("/{page}"), &[]);
    assert_eq!(r.status, 200);
    assert_eq!(sha256_hex(&r.body), entry.sha256);
    assert_eq!(r.etag(), quoted(&entry.sha256));
    // An archive object that does not match its manifest is an origin error.
    let object = corte::published::objects::key_of(entry).expect("an archive name");
    std::fs::write(site.folder().join(object), "roto").expect("overwritten");
    assert_eq!(
        site.get(&format!("/cortes/{}/{page}", c.id), &[]).status,
        502
    );
    assert_eq!(site.get(&format!("/{page}"), &[]).status, 502);
}

#[test]
fn the_server_stops_when_told() {
    let mut site = Site::start();
    let addr = site.addr;
    assert_eq!(site.get("/", &[]).status, 404);
    let handle = site.handle.take().expect("running");
    site.rt.block_on(handle.shutdown());
    assert!(TcpStream::connect(addr).is_err(), "the port is closed");
}

/// Polls `cond` for up to five seconds (the pointer is re-read every second).
fn wait_until(mut cond: impl FnMut() -> bool, what: &str) {
    let started = Instant::now();
    while !cond() {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "waited 5 s for {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

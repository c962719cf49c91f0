//! The CDN stand-in (`publish/nginx-cdn.conf`) run by Debian's real nginx
//! (`support::nginx`) in front of the two origins it is meant for: `corte
//! serve` of a folder store, and the S3 endpoint (moto). What a reader gets
//! through it: the cache classes `docs/publishing.md` promises, gzip passed
//! through or decoded, ETags and 304s, the security headers of
//! `corte::serve::security` exactly once, a corte flip, the origin going
//! down, and a purge driven by the corte's `cambios.json`
//! (`publish/nginx-purge.py`).
//!
//! The stable tree's TTL comes from the origin (`[cache].short`); the tests
//! shorten it to seconds so that expiry is seen without waiting a minute.

use std::net::SocketAddr;
use std::process::Command;
use std::time::{Duration, Instant};

use corte::contract::sha256_hex;
use corte::publish::{Corte, Options, Outcome, Quiet, Target, publish, sign};
use corte::published::Cambios;
use corte::published::manifest::stored_sha256;
use corte::serve;

use crate::support::moto;
use crate::support::nginx::{Nginx, Reply, config_text};
use crate::support::stores::Backend;
use crate::support::synthetic::{self, Shape};

fn key() -> &'static sign::PrivateKey {
    static KEY: std::sync::OnceLock<sign::PrivateKey> = std::sync::OnceLock::new();
    KEY.get_or_init(|| sign::generate().expect("a random source"))
}

fn corte(seq: u32) -> Corte {
    Corte::from_build(synthetic::build(seq, &Shape::small(8)), Some(key()))
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime")
}

fn publish_to(rt: &tokio::runtime::Runtime, target: &Target, c: &Corte) {
    let opts = Options {
        delete_stale: true,
        ..Options::default()
    };
    let r = rt
        .block_on(publish(target, c, &opts, &Quiet))
        .unwrap_or_else(|e| panic!("publishing corte {}: {e}", c.id));
    assert_eq!(r.outcome, Outcome::Published);
}

const GZIP: (&str, &str) = ("accept-encoding", "gzip");

/// The SHA-256 of the bytes stored for `key` in corte `c` (the gzip copy
/// where there is one): what a gzip-taking reader gets.
fn stored(c: &Corte, key: &str) -> String {
    stored_sha256(&c.manifest.files[key]).to_string()
}

fn assert_security_headers(r: &Reply, what: &str) {
    for (name, value) in serve::SECURITY_HEADERS {
        assert_eq!(r.all(name), vec![value], "{name} on {what}");
    }
}

#[test]
fn the_config_sends_the_security_headers_serve_sends() {
    let conf = config_text();
    let mut sent = Vec::new();
    for line in conf.lines().map(str::trim) {
        let Some(rest) = line.strip_prefix("add_header ") else {
            continue;
        };
        let (name, rest) = rest.split_once(' ').expect("add_header NAME VALUE");
        let value = rest
            .strip_suffix(" always;")
            .unwrap_or_else(|| panic!("`{line}`: every add_header is `always`"));
        sent.push((
            name.to_ascii_lowercase(),
            value.trim_matches('"').to_string(),
        ));
        if serve::SECURITY_HEADERS
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(name))
        {
            assert!(
                conf.contains(&format!("proxy_hide_header {name};")),
                "{name}: the origin's copy is hidden, so it is sent once"
            );
        }
    }
    for (name, value) in serve::SECURITY_HEADERS {
        let got: Vec<_> = sent.iter().filter(|(n, _)| n == name).collect();
        assert_eq!(got.len(), 1, "publish/nginx-cdn.conf sends {name} once");
        assert_eq!(got[0].1, value, "publish/nginx-cdn.conf's {name}");
    }
}

#[test]
#[should_panic(expected = "apt-get install nginx")]
fn a_missing_nginx_fails_saying_how_to_get_it() {
    let nowhere = std::path::Path::new("/nonexistent/sbin/nginx");
    Nginx::start_with(nowhere, SocketAddr::from(([127, 0, 0, 1], 9)), "");
}

/// Runs `step` until it says done, for up to `limit`.
fn poll(limit: Duration, what: &str, mut step: impl FnMut() -> bool) {
    let started = Instant::now();
    while !step() {
        assert!(started.elapsed() < limit, "waited {limit:?} for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn nginx_in_front_of_corte_serve_caches_by_class_survives_a_flip_and_the_origin_going_down() {
    let backend = Backend::folder();
    let mut target = backend.target("origen");
    // A stable page lives 2 s, is served stale 2 s more while one request
    // refreshes it, and for 10 minutes if the origin fails.
    target.cache.short = "public, max-age=2, stale-while-revalidate=2, stale-if-error=600".into();
    let rt = runtime();
    let (c1, c2) = (corte(1), corte(2));
    publish_to(&rt, &target, &c1);
    let any = SocketAddr::from(([127, 0, 0, 1], 0));
    let (origin, handle) = rt
        .block_on(serve::start(target.clone(), any))
        .expect("corte serve starts");
    let cdn = Nginx::start(origin, "");
    let log = || cdn.log();

    // Immutable: a corte's page and an archive object, a miss then hits.
    let corte_page = format!("/cortes/{}/gub/seccion/00001.html", c1.id);
    let entry = &c1.manifest.files["gub/seccion/00001.html"];
    let object = format!(
        "/{}",
        corte::published::objects::key_of(entry).expect("an archive name")
    );
    for path in [corte_page.as_str(), object.as_str()] {
        let first = cdn.get(path, &[GZIP]);
        assert_eq!(first.status, 200, "{path}: {}", log());
        assert_eq!(first.cache(), "MISS", "{path}");
        assert_eq!(
            first.header("cache-control"),
            Some(target.cache.immutable.as_str()),
            "{path}"
        );
        let again = cdn.get(path, &[GZIP]);
        assert_eq!(again.cache(), "HIT", "{path}");
        assert_eq!(again.body, first.body, "{path}");
        assert_eq!(sha256_hex(&again.body), stored_sha256(entry), "{path}");
    }

    // A stable page: short, gzip passed through as stored, decoded for
    // readers that do not take gzip, one cached copy for both.
    let page = "/gub/seccion/00002.html";
    let gz = cdn.get(page, &[GZIP]);
    assert_eq!(gz.status, 200);
    assert_eq!(gz.cache(), "MISS");
    assert_eq!(
        gz.header("cache-control"),
        Some(target.cache.short.as_str())
    );
    assert_eq!(gz.header("content-encoding"), Some("gzip"));
    assert_eq!(gz.header("content-type"), Some("text/html; charset=utf-8"));
    assert_eq!(sha256_hex(&gz.body), stored(&c1, &page[1..]));
    assert_security_headers(&gz, page);
    let plain = cdn.get(page, &[]);
    assert_eq!(plain.cache(), "HIT", "the gzip copy serves both");
    assert_eq!(plain.header("content-encoding"), None);
    assert_eq!(
        sha256_hex(&plain.body),
        c1.manifest.files[&page[1..]].sha256,
        "decoded by nginx to the bytes the manifest lists"
    );
    // ETag and 304, from the cache.
    let etag = gz.header("etag").expect("an ETag").to_string();
    assert_eq!(etag, format!("\"{}\"", stored(&c1, &page[1..])));
    let not_modified = cdn.get(page, &[GZIP, ("if-none-match", &etag)]);
    assert_eq!(not_modified.status, 304);
    assert!(not_modified.body.is_empty());
    assert_security_headers(&not_modified, "a 304");
    // Datasets go as their exact bytes, never encoded.
    let csv = cdn.get("/datos/ELECCION_0.csv", &[GZIP]);
    assert_eq!(csv.status, 200);
    assert_eq!(csv.header("content-encoding"), None);
    assert_eq!(
        sha256_hex(&csv.body),
        c1.manifest.files["datos/ELECCION_0.csv"].sha256
    );

    // The pointer is never stored: every request reaches the origin.
    for _ in 0..3 {
        let r = cdn.get("/latest.json", &[GZIP]);
        assert_eq!(r.status, 200);
        assert_ne!(r.cache(), "HIT");
        assert_eq!(r.header("cache-control"), Some("no-cache"));
        assert!(String::from_utf8_lossy(&r.body).contains(&c1.id));
    }
    // Refusals carry the security headers too, and are not cached.
    let missing = cdn.get("/no/existe.html", &[]);
    assert_eq!(missing.status, 404);
    assert_security_headers(&missing, "a 404");

    // A corte flip. The pointer says so at once; the home page is corte 1's
    // (the previous one) until its TTL is over, then corte 2's, never
    // anything else, and never corte 1's again.
    let home_1 = cdn.get("/", &[GZIP]);
    assert_eq!(sha256_hex(&home_1.body), stored(&c1, "index.html"));
    publish_to(&rt, &target, &c2);
    assert_ne!(stored(&c1, "index.html"), stored(&c2, "index.html"));
    poll(
        Duration::from_secs(3),
        "the pointer to name corte 2",
        || String::from_utf8_lossy(&cdn.get("/latest.json", &[]).body).contains(&c2.id),
    );
    let mut seen_new = false;
    poll(Duration::from_secs(12), "corte 2's home page", || {
        let r = cdn.get("/", &[GZIP]);
        assert_eq!(r.status, 200, "{}", log());
        let got = sha256_hex(&r.body);
        if got == stored(&c2, "index.html") {
            seen_new = true;
        } else {
            assert!(!seen_new, "corte 1's home page after corte 2's");
            assert_eq!(got, stored(&c1, "index.html"), "a home page of no corte");
        }
        seen_new
    });

    // The origin stops. A cached page, expired, is still served (stale-if-
    // error); what was never cached fails cleanly, and so does the pointer.
    let cached = "/gub/seccion/00003.html";
    assert_eq!(cdn.get(cached, &[GZIP]).status, 200);
    rt.block_on(handle.shutdown());
    std::thread::sleep(Duration::from_secs(5)); // past max-age + stale-while-revalidate
    let stale = cdn.get(cached, &[GZIP]);
    assert_eq!(stale.status, 200, "{}", log());
    assert!(
        ["STALE", "UPDATING"].contains(&stale.cache()),
        "served stale: {}",
        stale.cache()
    );
    assert_eq!(sha256_hex(&stale.body), stored(&c2, &cached[1..]));
    let never = cdn.get("/gub/seccion/00004.html", &[GZIP]);
    assert_eq!(never.status, 502, "an uncached page without an origin");
    assert_ne!(never.cache(), "HIT");
    assert_security_headers(&never, "a 502");
    assert_eq!(cdn.get("/latest.json", &[]).status, 502);
}

#[test]
fn nginx_in_front_of_s3_purges_exactly_what_the_change_list_names() {
    let backend = Backend::s3();
    let mut target = backend.target("bucket");
    // A CDN that purges by URL may cache the stable tree for long.
    target.cache.short =
        "public, max-age=3600, stale-while-revalidate=60, stale-if-error=86400".into();
    let rt = runtime();
    let (c1, c2) = (corte(1), corte(2));
    publish_to(&rt, &target, &c1);
    let bucket = backend.url.strip_prefix("s3://").expect("an s3:// URL");
    let origin = SocketAddr::from(([127, 0, 0, 1], moto::server().port));
    let cdn = Nginx::start(origin, &format!("/{bucket}"));
    let log = || cdn.log();

    // The headers stored with each object reach the reader.
    let css = c1
        .manifest
        .files
        .keys()
        .find(|k| k.starts_with("assets/"))
        .expect("a hashed stylesheet");
    for (path, class) in [
        (format!("/{css}"), &target.cache.immutable),
        (
            format!("/cortes/{}/manifest.json", c1.id),
            &target.cache.immutable,
        ),
        ("/datos/ELECCION_0.csv".to_string(), &target.cache.short),
        ("/index.html".to_string(), &target.cache.short),
    ] {
        let r = cdn.get(&path, &[GZIP]);
        assert_eq!(r.status, 200, "{path}: {}", log());
        assert_eq!(r.header("cache-control"), Some(class.as_str()), "{path}");
        assert_eq!(cdn.get(&path, &[GZIP]).cache(), "HIT", "{path}");
        assert_security_headers(&r, &path);
    }
    let page = cdn.get("/gub/seccion/00001.html", &[GZIP]);
    assert_eq!(page.header("content-encoding"), Some("gzip"));
    assert_eq!(
        sha256_hex(&page.body),
        stored(&c1, "gub/seccion/00001.html")
    );
    let plain = cdn.get("/gub/seccion/00001.html", &[]);
    assert_eq!(
        sha256_hex(&plain.body),
        c1.manifest.files["gub/seccion/00001.html"].sha256
    );
    let etag = page.header("etag").expect("an ETag").to_string();
    assert_eq!(
        cdn.get("/gub/seccion/00001.html", &[GZIP, ("if-none-match", &etag)])
            .status,
        304
    );
    assert_ne!(cdn.get("/latest.json", &[]).cache(), "HIT");
    assert_ne!(cdn.get("/latest.json", &[]).cache(), "HIT");

    // Every stable page cached, then corte 2 goes live.
    let pages: Vec<&String> = c1
        .manifest
        .files
        .keys()
        .filter(|k| k.ends_with(".html") && !k.starts_with("cortes/"))
        .collect();
    for p in &pages {
        assert_eq!(cdn.get(&format!("/{p}"), &[GZIP]).status, 200, "{p}");
    }
    publish_to(&rt, &target, &c2);
    let pointer = cdn.get("/latest.json", &[]);
    assert!(
        String::from_utf8_lossy(&pointer.body).contains(&c2.id),
        "the pointer is never stale"
    );
    // Within the long TTL the pages are corte 1's...
    let home = cdn.get("/", &[GZIP]);
    assert_eq!(home.cache(), "HIT");
    assert_eq!(sha256_hex(&home.body), stored(&c1, "index.html"));

    // ...until the purge of corte 2's change list.
    let cambios_reply = cdn.get(&format!("/cortes/{}/cambios.json", c2.id), &[]);
    let cambios: Cambios = serde_json::from_slice(&cambios_reply.body).expect("cambios.json");
    assert!(cambios.changed.iter().any(|k| k == "index.html"));
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("publish/nginx-purge.py");
    let listed = Command::new("python3")
        .arg(&script)
        .args(["--list", &cdn.url(), &c2.id])
        .output()
        .expect("python3 runs the purge script");
    assert!(listed.status.success(), "{listed:?}");
    let listed = String::from_utf8_lossy(&listed.stdout).to_string();
    let named: Vec<&String> = cambios
        .added
        .iter()
        .chain(&cambios.changed)
        .chain(&cambios.removed)
        .collect();
    for k in &named {
        assert!(
            listed.contains(&format!("{}/{k}\n", cdn.url())),
            "{k} listed"
        );
    }
    let purged = Command::new("python3")
        .arg(&script)
        .args([&cdn.url(), &c2.id])
        .output()
        .expect("python3 runs the purge script");
    assert!(
        purged.status.success(),
        "{}{}",
        String::from_utf8_lossy(&purged.stderr),
        log()
    );

    // Now every page is corte 2's, from the cache; those the change list
    // did not name were not fetched again and are the same bytes anyway.
    let mut unchanged = 0;
    for p in &pages {
        let r = cdn.get(&format!("/{p}"), &[GZIP]);
        let Some(entry) = c2.manifest.files.get(p.as_str()) else {
            assert!(cambios.removed.contains(p), "{p} vanished unlisted");
            continue;
        };
        assert_eq!(r.cache(), "HIT", "{p}");
        assert_eq!(
            sha256_hex(&r.body),
            stored_sha256(entry),
            "{p} after the purge"
        );
        if !named.contains(p) {
            unchanged += 1;
            assert_eq!(
                c1.manifest.files[p.as_str()],
                *entry,
                "{p} changed unlisted"
            );
        }
    }
    assert!(unchanged > 0, "some pages did not change, and were kept");
    let purged_home = cdn.get("/", &[GZIP]);
    assert_eq!(sha256_hex(&purged_home.body), stored(&c2, "index.html"));
}

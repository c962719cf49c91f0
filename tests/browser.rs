//! The site in a real browser: headless Chromium (Debian's `chromium`) loads
//! pages served on 127.0.0.1 at a phone and a desktop viewport, with
//! JavaScript on and off, and checks what a reader gets: no console error,
//! uncaught exception, failed request or request to another host, under a
//! strict Content-Security-Policy (no inline script or style); the
//! disclaimer and the leading candidacy's votes in the visible text; the
//! live corte's time on the home page, and on every other page the live-corte
//! banner with JavaScript or, without it, what the page's figures are and a
//! link to the live corte; no sideways scrolling on a phone. Screenshots go
//! to `target/browser-screenshots/`.
//!
//! The assertions read visible text and page-level facts only, never markup,
//! so the pages can change shape freely. Without Chromium these tests fail
//! and say how to install it: they are never skipped.

use std::path::{Path, PathBuf};

use cdp::{Chromium, DESKTOP, PHONE, Viewport, Visit};
use corte::contract::corte::corte_label;
use corte::site::format::miles;
use server::Server;

use crate::support::browser::cdp;
use crate::support::browser::server;
use crate::support::snapshots;

const DISCLAIMER: &str = "Los resultados presentados tienen un carácter informativo y no son \
                          definitivos, por tanto, no tienen efectos jurídicos.";

/// `target/browser-screenshots/<set>/`, emptied first.
fn screenshots(set: &str) -> PathBuf {
    let target = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap_or(Path::new("target"))
        .to_path_buf();
    let dir = target.join("browser-screenshots").join(set);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    dir
}

fn launch(out: &Path) -> Chromium {
    Chromium::launch(&out.join("chromium.log"))
        .unwrap_or_else(|e| panic!("headless Chromium did not start: {e}"))
}

fn visit(chromium: &mut Chromium, server: &Server, path: &str, vp: Viewport, js: bool) -> Visit {
    chromium
        .visit(&server.url(path), &server.origin(), vp, js)
        .unwrap_or_else(|e| panic!("loading {path} ({}, js {js}): {e}", vp.name))
}

/// The PNG's width and height, from its IHDR chunk.
fn png_size(png: &[u8]) -> Option<(u32, u32)> {
    if png.len() < 24 || &png[..8] != b"\x89PNG\r\n\x1a\n" || &png[12..16] != b"IHDR" {
        return None;
    }
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    Some((be(&png[16..20]), be(&png[20..24])))
}

/// The harness itself, on hand-written pages: it reports what a reader sees
/// and catches every kind of problem it is meant to catch.
#[test]
fn the_harness_sees_the_visible_text_and_catches_every_problem() {
    let out = screenshots("harness");
    let server = Server::start(&snapshots::repo("tests/fixtures/browser")).expect("the server");
    let mut chromium = launch(&out);

    for vp in [PHONE, DESKTOP] {
        for js in [true, false] {
            let v = visit(&mut chromium, &server, "/", vp, js);
            assert!(v.problems.is_empty(), "a clean page: {:?}", v.problems);
            for text in [DISCLAIMER, "02/06/2024 21:30 (UTC-6)", "1,225"] {
                assert!(v.text.contains(text), "{text:?} is visible: {:?}", v.text);
            }
            assert!(
                !v.text.contains("Texto oculto"),
                "hidden text is not visible text"
            );
            assert_eq!(
                v.text.contains("JavaScript activo"),
                js,
                "the page's script runs exactly when JavaScript is on"
            );
            assert_eq!(
                v.client_width,
                u64::from(vp.width),
                "the viewport is emulated"
            );
            assert!(v.scroll_width <= v.client_width);
            assert_eq!(
                png_size(&v.png),
                Some((
                    (f64::from(vp.width) * vp.scale) as u32,
                    (f64::from(vp.height) * vp.scale) as u32
                )),
                "a screenshot of the viewport"
            );
            assert!(
                v.requests.iter().any(|r| r.ends_with("/style.css"))
                    && v.requests.iter().any(|r| r.ends_with("/logo.svg")),
                "{:?}",
                v.requests
            );
            let name = format!("index-{}-js-{}.png", vp.name, if js { "on" } else { "off" });
            std::fs::write(out.join(name), &v.png).expect("the screenshot is written");
        }
    }

    let mut problem = |path: &str, js: bool| {
        let v = visit(&mut chromium, &server, path, DESKTOP, js);
        v.problems.join("\n")
    };
    let console = problem("/console-error.html", true);
    assert!(
        console.contains("console.error: algo salió mal"),
        "{console}"
    );
    let exception = problem("/exception.html", true);
    assert!(exception.contains("uncaught exception"), "{exception}");
    assert_eq!(
        problem("/console-error.html", false),
        "",
        "no script, no error"
    );
    assert_eq!(
        problem("/exception.html", false),
        "",
        "no script, no exception"
    );
    let missing = problem("/missing.html", false);
    assert!(
        missing.contains("HTTP 404") && missing.contains("no-existe.png"),
        "{missing}"
    );
    let foreign = problem("/other-host.html", false);
    assert!(
        foreign.contains("request to another host: http://127.0.0.2:9/rastreo.png"),
        "{foreign}"
    );
    let wide = visit(&mut chromium, &server, "/wide.html", PHONE, false);
    assert!(
        wide.scroll_width > wide.client_width,
        "a page wider than a phone is seen"
    );

    // Under the strict policy serve and the CDN send, inline script and
    // style are refused, and the refusal is a problem the site tests see.
    let strict = Server::start_strict(&snapshots::repo("tests/fixtures/browser"))
        .expect("the strict server");
    let v = visit(&mut chromium, &strict, "/inline.html", DESKTOP, true);
    let refused = v.problems.join("\n");
    assert!(
        refused.contains("Content Security Policy"),
        "inline script and style are refused: {refused}"
    );
    let clean = visit(&mut chromium, &strict, "/", DESKTOP, true);
    assert!(clean.problems.is_empty(), "{:?}", clean.problems);

    let served: Vec<_> = server.log();
    assert!(
        served
            .iter()
            .any(|r| (r.method.as_str(), r.path.as_str(), r.status) == ("GET", "/style.css", 200)),
        "{served:?}"
    );
}

/// One page of the rendered site to check, and the figure it must show.
struct Page {
    name: &'static str,
    key: String,
    leader_votes: u64,
}

/// The first of `candidates` the build has, or a failure that lists the
/// pages it does have.
fn page_key(
    build: &corte::site::Build,
    what: &str,
    candidates: &[String],
) -> Result<String, String> {
    if let Some(k) = candidates.iter().find(|k| build.get(k).is_some()) {
        return Ok(k.clone());
    }
    let html: Vec<&str> = build
        .artifacts
        .iter()
        .map(|a| a.key.as_str())
        .filter(|k| k.ends_with(".html"))
        .take(12)
        .collect();
    Err(format!(
        "the site has no {what} page: looked for {candidates:?}; its HTML pages are {html:?}"
    ))
}

fn leader(t: &corte::tally::LevelTotals) -> u64 {
    t.candidacies.iter().copied().max().unwrap_or(0)
}

/// The home page, an election's entidad page, a distrito page and a sección
/// page of the small fixture, each at a phone and a desktop viewport, with
/// JavaScript on and off.
#[test]
fn every_kind_of_page_reads_right_in_a_real_browser() {
    let started = std::time::Instant::now();
    let snapshot = snapshots::small_snapshot();
    let results = snapshots::tally(&snapshot);
    let build = snapshots::render(&snapshot, &results);
    let site = tempfile::tempdir().expect("a folder for the site");
    crate::support::browser::write_site(site.path(), &build, &snapshot);

    let (e, slug) = (0, corte::site::api::slug(&snapshot.catalog.elections[0].id));
    let r = &results.elections[e];
    let (distrito, seccion) = ("001", "0001");
    let d = snapshot.index.distrito_by_id[distrito] as usize;
    let s = snapshot.index.seccion_by_id[seccion] as usize;
    let wanted = [
        ("home", vec!["index.html".to_string()], leader(&r.entidad)),
        (
            "entidad",
            vec![
                format!("{slug}/index.html"),
                format!("{slug}/entidad.html"),
                format!("{slug}.html"),
            ],
            leader(&r.entidad),
        ),
        (
            "distrito",
            vec![
                format!("{slug}/distrito/{distrito}.html"),
                format!("{slug}/distrito/{distrito}/index.html"),
            ],
            leader(&r.distritos[d]),
        ),
        (
            "seccion",
            vec![
                format!("{slug}/seccion/{seccion}.html"),
                format!("{slug}/seccion/{seccion}/index.html"),
            ],
            leader(&r.secciones[s]),
        ),
    ];
    let mut failures = Vec::new();
    let mut pages = Vec::new();
    for (name, candidates, leader_votes) in wanted {
        match page_key(&build, name, &candidates) {
            Ok(key) => pages.push(Page {
                name,
                key,
                leader_votes,
            }),
            Err(e) => failures.push(e),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    let out = screenshots("site");
    let server = Server::start_strict(site.path()).expect("the server");
    let mut chromium = launch(&out);
    let label = corte_label(&snapshot.corte.time());
    for page in &pages {
        for vp in [PHONE, DESKTOP] {
            for js in [true, false] {
                let v = visit(&mut chromium, &server, &page.key, vp, js);
                let js_name = if js { "js-on" } else { "js-off" };
                let shot = out.join(format!("{}-{}-{js_name}.png", page.name, vp.name));
                std::fs::write(&shot, &v.png).expect("the screenshot is written");
                let at = format!("{} ({}, {}, {js_name})", page.name, page.key, vp.name);
                for p in &v.problems {
                    let hint = if p.contains("/favicon.ico") {
                        " (browsers ask for /favicon.ico when a page names no icon: \
                         give the theme's base template a <link rel=\"icon\">)"
                    } else {
                        ""
                    };
                    failures.push(format!("{at}: {p}{hint}"));
                }
                let votes = miles(page.leader_votes);
                let mut wanted = vec![
                    ("the disclaimer", DISCLAIMER),
                    ("the leading candidacy's votes", votes.as_str()),
                ];
                // The home page names its corte; the others are content-stable:
                // the script shows the live corte, and without it the page
                // says what its figures are and links to the live corte.
                let stable = page.name != "home";
                if !stable || js {
                    wanted.push(("the live corte's time", label.as_str()));
                }
                if stable && js {
                    wanted.push(("the live-corte banner", "Último corte:"));
                }
                if stable && !js {
                    wanted.push((
                        "what its figures are",
                        "Cifras con las actas capturadas hasta",
                    ));
                    wanted.push(("the link to the live corte", "Ver el último corte"));
                }
                for (what, text) in wanted {
                    if !v.text.contains(text) {
                        failures.push(format!(
                            "{at}: {what} ({text:?}) is not in the visible text"
                        ));
                    }
                }
                if vp.mobile && v.scroll_width > v.client_width {
                    failures.push(format!(
                        "{at}: the page is {} px wide on a {} px phone: readers must scroll sideways",
                        v.scroll_width, v.client_width
                    ));
                }
            }
        }
    }
    eprintln!(
        "{} page loads in {:.1} s; screenshots in {}",
        pages.len() * 4,
        started.elapsed().as_secs_f64(),
        out.display()
    );
    assert!(
        failures.is_empty(),
        "in the browser:\n{}",
        failures.join("\n")
    );
}

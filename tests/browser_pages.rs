//! The pages of the site in a real browser (headless Chromium, see
//! `tests/browser.rs` for the harness): every kind of page loads without a
//! problem and without sideways scrolling on a phone, with JavaScript on and
//! off; "Consulta tu casilla" works through its lists without JavaScript and
//! jumps to the sección with it.

use std::path::Path;

use cdp::{Chromium, DESKTOP, PHONE, Viewport, Visit};
use server::Server;

use crate::support::browser::cdp;
use crate::support::browser::server;
use crate::support::snapshots;

struct Rendered {
    _dir: tempfile::TempDir,
    server: Server,
    chromium: Chromium,
    out: std::path::PathBuf,
}

/// The small fixture's site, written to a folder, served on 127.0.0.1, and a
/// browser to read it.
fn rendered(set: &str) -> Rendered {
    rendered_from(set, snapshots::small_snapshot())
}

/// A snapshot's site, served, and a browser to read it.
fn rendered_from(set: &str, snapshot: corte::contract::Snapshot) -> Rendered {
    let results = snapshots::tally(&snapshot);
    let build = snapshots::render(&snapshot, &results);
    let dir = tempfile::tempdir().expect("a folder for the site");
    crate::support::browser::write_site(dir.path(), &build, &snapshot);
    let out = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap_or(Path::new("target"))
        .join("browser-screenshots")
        .join(set);
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).unwrap();
    let server = Server::start(dir.path()).expect("the server");
    let chromium = Chromium::launch(&out.join("chromium.log"))
        .unwrap_or_else(|e| panic!("headless Chromium did not start: {e}"));
    Rendered {
        _dir: dir,
        server,
        chromium,
        out,
    }
}

impl Rendered {
    fn visit(&mut self, path: &str, vp: Viewport, js: bool) -> Visit {
        let v = self
            .chromium
            .visit(&self.server.url(path), &self.server.origin(), vp, js)
            .unwrap_or_else(|e| panic!("loading {path} ({}, js {js}): {e}", vp.name));
        let name = format!(
            "{}-{}-js-{}.png",
            path.replace(['/', '?', '&', '='], "_"),
            vp.name,
            if js { "on" } else { "off" }
        );
        std::fs::write(self.out.join(name), &v.png).unwrap();
        v
    }
}

#[test]
fn every_kind_of_page_loads_cleanly_on_a_phone_and_a_desktop() {
    let mut site = rendered("pages");
    let pages = [
        "index.html",
        "gub/index.html",
        "gub/demarcacion/003.html",
        "alc/demarcacion/002.html",
        "dip-loc/distrito/001.html",
        "gub/extranjero.html",
        "consulta.html",
        "verificacion.html",
        "datos.html",
    ];
    let mut failures = Vec::new();
    for path in pages {
        for vp in [PHONE, DESKTOP] {
            for js in [true, false] {
                let v = site.visit(path, vp, js);
                let at = format!("{path} ({}, js {js})", vp.name);
                failures.extend(v.problems.iter().map(|p| format!("{at}: {p}")));
                if v.scroll_width > v.client_width {
                    failures.push(format!(
                        "{at}: {} px wide in a {} px window",
                        v.scroll_width, v.client_width
                    ));
                }
                if !v.text.contains("no tienen efectos jurídicos") {
                    failures.push(format!("{at}: no disclaimer in the visible text"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn consulta_works_without_javascript_and_jumps_to_the_seccion_with_it() {
    let mut site = rendered("consulta");
    // Without JavaScript: no form, the lists of units to browse.
    let plain = site.visit("consulta.html", PHONE, false);
    assert!(plain.problems.is_empty(), "{:?}", plain.problems);
    assert!(!plain.text.contains("Buscar por número de sección"));
    assert!(plain.text.contains("COYOACÁN") && plain.text.contains("DISTRITO 01"));
    // With it: the form shows, and a shared link searches at once.
    let enhanced = site.visit("consulta.html", PHONE, true);
    assert!(enhanced.problems.is_empty(), "{:?}", enhanced.problems);
    assert!(enhanced.text.contains("Buscar por número de sección"));
    // The pointer (for the live-corte banner) loads; the sección index only
    // when needed.
    assert!(
        !enhanced
            .requests
            .iter()
            .any(|r| r.ends_with(".json") && !r.ends_with("/latest.json")),
        "the index loads only when needed: {:?}",
        enhanced.requests
    );
    let jump = site.visit("consulta.html?eleccion=dip-loc&seccion=1", PHONE, true);
    assert!(jump.problems.is_empty(), "{:?}", jump.problems);
    assert!(
        jump.requests
            .iter()
            .any(|r| r.ends_with("/consulta/dip-loc.json")),
        "{:?}",
        jump.requests
    );
    assert!(
        jump.requests
            .iter()
            .any(|r| r.ends_with("/dip-loc/seccion/0001.html")),
        "{:?}",
        jump.requests
    );
    assert!(jump.text.contains("Sección 0001"), "{}", jump.text);
    let served = site.server.log();
    assert!(
        served
            .iter()
            .any(|r| (r.method.as_str(), r.path.as_str(), r.status)
                == ("GET", "/consulta/dip-loc.json", 200)),
        "{served:?}"
    );
    // A sección that does not exist says so and stays.
    let missing = site.visit("consulta.html?eleccion=gub&seccion=9999", PHONE, true);
    assert!(missing.problems.is_empty(), "{:?}", missing.problems);
    assert!(
        missing.text.contains("La sección 9999 no aparece"),
        "{}",
        missing.text
    );
}

#[test]
fn the_maps_help_and_rp_pages_load_cleanly_without_javascript() {
    // The fixture with an acta of representación proporcional: its page too.
    let mut site = rendered_from("maps-help", snapshots::small_snapshot_with_rp());
    let pages = [
        ("gub/index.html", "Cada cuadro es"),
        ("alc/index.html", "Cada cuadro es alcaldía"),
        (
            "dip-loc/index.html",
            "Actas y participación por tipo de casilla",
        ),
        ("ayuda/index.html", "¿Qué es el PREP?"),
        ("ayuda/glosario.html", "Casilla contigua"),
        ("ayuda/calculo.html", "iecm-2024"),
        ("ayuda/descargas.html", "Get-FileHash"),
        ("ayuda/cortes.html", "este corte"),
        (
            "dip-loc/representacion-proporcional.html",
            "Votos por partido político",
        ),
    ];
    let mut failures = Vec::new();
    for (path, shows) in pages {
        for vp in [PHONE, DESKTOP] {
            let v = site.visit(path, vp, false);
            let at = format!("{path} ({}, js off)", vp.name);
            failures.extend(v.problems.iter().map(|p| format!("{at}: {p}")));
            if v.scroll_width > v.client_width {
                failures.push(format!(
                    "{at}: {} px wide in a {} px window",
                    v.scroll_width, v.client_width
                ));
            }
            if !v.text.contains(shows) {
                failures.push(format!("{at}: `{shows}` is not in the visible text"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

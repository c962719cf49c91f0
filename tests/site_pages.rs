//! The pages of the results site, rendered from real PREP files: the same
//! snapshot gives the same bytes; names are escaped; the figures on the pages
//! are the engine's; a sección page stays light; nothing comes from another
//! host; every link leads to a file of the corte.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use corte::anexo13::import::{self, Input, Options};
use corte::contract::{EstadoActa, RulesetRef, Snapshot, TipoCasilla};
use corte::site::{Build, Theme};
use corte::tally::{self, LevelTotals, Results, Summary};

use crate::support::snapshots;

fn real(path: &str) -> (String, Vec<u8>) {
    let p: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data/real")
        .join(path);
    let bytes = std::fs::read(&p).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; the real PREP files live in ../shared/data/real beside the repository",
            p.display()
        )
    });
    let name = p.file_name().unwrap().to_string_lossy().into_owned();
    (name, bytes)
}

/// Imports a published file into an in-memory snapshot, letting `edit`
/// change the catalog (as JSON) first.
fn import_real(
    database: &str,
    candidaturas: &str,
    ruleset: &str,
    edit: impl FnOnce(&mut serde_json::Value),
) -> Snapshot {
    let (file, bytes) = real(database);
    let input = Input {
        file,
        bytes,
        candidaturas: Some(real(candidaturas)),
    };
    let opts = Options {
        ruleset: RulesetRef::Named(ruleset.into()),
        final_corte: true,
        ..Options::default()
    };
    let mut new = import::import(&[input], &opts)
        .unwrap_or_else(|e| panic!("import failed: {e}"))
        .snapshot;
    let catalog = new.members.get_mut("catalog.json").unwrap();
    let mut json: serde_json::Value = serde_json::from_slice(catalog).unwrap();
    edit(&mut json);
    *catalog = serde_json::to_vec(&json).unwrap();
    snapshots::snapshot_of(&new)
}

struct Site {
    snapshot: Snapshot,
    results: Results,
    build: Build,
}

impl Site {
    fn of(snapshot: Snapshot) -> Site {
        let ruleset = tally::ruleset_of(&snapshot).unwrap();
        let results = tally::tally(&snapshot, &ruleset);
        let build = snapshots::render(&snapshot, &results);
        Site {
            snapshot,
            results,
            build,
        }
    }

    fn page(&self, key: &str) -> &str {
        let a = self
            .build
            .get(key)
            .unwrap_or_else(|| panic!("{key} was not rendered"));
        std::str::from_utf8(&a.bytes).unwrap()
    }

    fn pages(&self) -> impl Iterator<Item = (&str, &str)> {
        self.build
            .artifacts
            .iter()
            .filter(|a| a.key.ends_with(".html"))
            .map(|a| (a.key.as_str(), std::str::from_utf8(&a.bytes).unwrap()))
    }

    fn summary(&self, t: &LevelTotals) -> Summary {
        Summary::of(t, 0, 0, self.results.final_corte, &self.results.ruleset)
    }
}

/// Quintana Roo 2019, Diputaciones locales: 15 distritos, independents, 938
/// secciones, one with 64 casillas. Four casillas are turned into casillas
/// of the special modalities (one of them, votes from abroad, with no sección).
fn qroo() -> &'static Site {
    static SITE: OnceLock<Site> = OnceLock::new();
    SITE.get_or_init(|| {
        let snapshot = import_real(
            "qroo-2019-dip-loc/QROO_DIP_LOC_2019.csv",
            "qroo-2019-dip-loc/QROO_DIP_CANDIDATURAS_2019.csv",
            "qroo-2019",
            |catalog| {
                // An independent's display name with markup, for the escaping test.
                for option in catalog["elections"][0]["options"].as_array_mut().unwrap() {
                    if option["column"] == "CAND_IND_1" {
                        option["name"] = HOSTILE_OPTION.into();
                    }
                }
                let casillas = catalog["casillas"].as_array_mut().unwrap();
                for (i, tipo) in [(10, "A"), (11, "A"), (20, "P"), (30, "M")] {
                    casillas[i]["tipo"] = tipo.into();
                }
                let seccion = casillas[30]["seccion"].take();
                let distrito = catalog["secciones"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|s| s["id"] == seccion)
                    .unwrap()["distrito"]
                    .clone();
                let m = &mut catalog["casillas"][30];
                m.as_object_mut().unwrap().remove("seccion");
                m["distrito"] = distrito;
            },
        );
        Site::of(snapshot)
    })
}

/// Campeche 2021, Gubernatura: one contest for the entidad, 98 actas not
/// yet captured, 3 fuera de catálogo; names edited to carry markup.
fn campeche() -> &'static Site {
    static SITE: OnceLock<Site> = OnceLock::new();
    SITE.get_or_init(|| {
        let snapshot = import_real(
            "campeche-2021-gob/CAMP_GOB_2021.csv",
            "campeche-2021-gob/CAMP_GOB_CANDIDATURA_2021.csv",
            "campeche-2021",
            |catalog| {
                let e = &mut catalog["elections"][0];
                e["candidacies"][0]["name"] = HOSTILE_CANDIDATE.into();

                catalog["parties"][0]["name"] = HOSTILE_PARTY.into();
                catalog["distritos"][0]["name"] = HOSTILE_PLACE.into();
                catalog["process"]["name"] = "PREP 2021 \"Campeche\" & <Región>".into();
            },
        );
        Site::of(snapshot)
    })
}

const HOSTILE_CANDIDATE: &str = "<script>alert(\"x\")</script> José O'Ñúñez";
const HOSTILE_PARTY: &str = "Partido \"Acción\" & <b>Nación</b>";
const HOSTILE_PLACE: &str = "<img src=x onerror=alert(1)> Ciudad del Carmen";
const HOSTILE_OPTION: &str = "</text><script>alert('svg')</script> Independiente";

// ---------------------------------------------------------------------------
// Reading figures back from the HTML.

/// `(key, text)` of every element carrying `attr="key"`, e.g. `data-cand`.
fn cells<'h>(html: &'h str, attr: &str) -> Vec<(&'h str, &'h str)> {
    let needle = format!(" {attr}=\"");
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find(&needle) {
        rest = &rest[i + needle.len()..];
        let end = rest.find('"').unwrap();
        let key = &rest[..end];
        let after = &rest[end..];
        let open = after.find('>').unwrap() + 1;
        let close = after[open..].find('<').unwrap();
        out.push((key, after[open..open + close].trim()));
        rest = &after[open..];
    }
    out
}

/// `1,234` → 1234.
fn number(text: &str) -> u64 {
    text.replace(',', "")
        .parse()
        .unwrap_or_else(|_| panic!("`{text}` is not a number"))
}

/// The one cell `attr="key"` as a number, or its text.
fn cell<'h>(html: &'h str, attr: &str, key: &str) -> &'h str {
    let found: Vec<&str> = cells(html, attr)
        .into_iter()
        .filter(|(k, _)| *k == key)
        .map(|(_, t)| t)
        .collect();
    assert_eq!(
        found.len(),
        1,
        "{attr}=\"{key}\" appears {} times",
        found.len()
    );
    found[0]
}

/// The page shows the 13 summary fields as the engine computes them.
fn assert_summary(html: &str, s: &Summary, page: &str) {
    let counts = [
        ("ACTAS_ESPERADAS", s.actas_esperadas),
        ("ACTAS_CAPTURADAS", s.actas_capturadas),
        ("ACTAS_CONTABILIZADAS", s.actas_contabilizadas),
        ("ACTAS_NO_CONTABILIZADAS", s.actas_no_contabilizadas),
        (
            "LISTA_NOMINAL_ACTAS_CONTABILIZADAS",
            s.lista_nominal_actas_contabilizadas,
        ),
        ("TOTAL_VOTOS_C_CS", s.total_votos_c_cs),
        ("TOTAL_VOTOS_S_CS", s.total_votos_s_cs),
    ];
    for (field, want) in counts {
        assert_eq!(number(cell(html, "data-f", field)), want, "{page}: {field}");
    }
    let pcts = [
        ("PORCENTAJE_ACTAS_CAPTURADAS", s.porcentaje_actas_capturadas),
        (
            "PORCENTAJE_ACTAS_CONTABILIZADAS",
            s.porcentaje_actas_contabilizadas,
        ),
        (
            "PORCENTAJE_ACTAS_INCONSISTENCIAS",
            s.porcentaje_actas_inconsistencias,
        ),
        (
            "PORCENTAJE_PARTICIPACION_CIUDADANA",
            s.porcentaje_participacion_ciudadana,
        ),
    ];
    for (field, want) in pcts {
        assert_eq!(
            cell(html, "data-f", field),
            format!("{} %", want.plain()),
            "{page}: {field}"
        );
    }
}

/// The page's votes per candidacy key, per party (distributed) and for no
/// registrados and nulos are the level's, and add up to its total.
fn assert_votes(site: &Site, html: &str, e: usize, t: &LevelTotals, page: &str) {
    let eix = &site.snapshot.index.elections[e];
    let r = &site.results.elections[e];
    let election = &site.snapshot.catalog.elections[e];
    let cands = cells(html, "data-cand");
    assert!(!cands.is_empty(), "{page} shows no candidacy");
    let mut shown = 0;
    for (key, text) in &cands {
        let k = eix
            .candidacy_keys
            .iter()
            .position(|c| c == key)
            .unwrap_or_else(|| panic!("{page}: unknown candidacy {key}"));
        assert_eq!(number(text), t.candidacies[k], "{page}: candidacy {key}");
        shown += number(text);
    }
    for (col, text) in cells(html, "data-opt") {
        let o = election
            .options
            .iter()
            .position(|o| o.column == col)
            .unwrap();
        assert_eq!(number(text), t.options[o], "{page}: option {col}");
        shown += number(text);
    }
    assert_eq!(
        shown,
        t.total_votos(),
        "{page}: the rows add up to the total"
    );
    assert_eq!(
        number(cell(html, "data-f", "TOTAL_VOTOS")),
        t.total_votos(),
        "{page}"
    );
    let parties = cells(html, "data-party");
    assert_eq!(
        parties.len(),
        r.plan.slots.len(),
        "{page}: one row per slot"
    );
    for ((slot, text), (want_slot, want)) in parties.iter().zip(r.plan.slots.iter().zip(&t.parties))
    {
        assert_eq!(slot, want_slot, "{page}: slots in plan order");
        assert_eq!(number(text), *want, "{page}: party {slot}");
    }
}

// ---------------------------------------------------------------------------

#[test]
fn the_same_snapshot_renders_to_the_same_bytes_and_manifest() {
    let site = qroo();
    let again = snapshots::render(&site.snapshot, &site.results);
    assert_eq!(site.build.artifacts.len(), again.artifacts.len());
    for (a, b) in site.build.artifacts.iter().zip(&again.artifacts) {
        assert_eq!(a.key, b.key);
        assert!(a.bytes == b.bytes, "{} differs between two renders", a.key);
        assert_eq!(a.gzip, b.gzip, "{}: gzip copy", a.key);
    }
    assert_eq!(site.build.manifest_bytes, again.manifest_bytes);
    assert_eq!(site.build.manifest_sha256, again.manifest_sha256);
}

#[test]
fn the_site_has_a_page_for_every_place_with_expected_actas() {
    let site = qroo();
    let r = &site.results.elections[0];
    let catalog = &site.snapshot.catalog;
    for key in [
        "index.html",
        "consulta.html",
        "verificacion.html",
        "datos.html",
        "dip-loc/index.html",
        "consulta/dip-loc.json",
    ] {
        assert!(site.build.get(key).is_some(), "{key} is missing");
    }
    for (d, t) in r.distritos.iter().enumerate() {
        let key = format!("dip-loc/distrito/{}.html", catalog.distritos[d].id);
        assert_eq!(
            site.build.get(&key).is_some(),
            t.actas_esperadas > 0,
            "{key}"
        );
    }
    let mut secciones = 0;
    for (s, t) in r.secciones.iter().enumerate() {
        let key = format!("dip-loc/seccion/{}.html", catalog.secciones[s].id);
        assert_eq!(
            site.build.get(&key).is_some(),
            t.actas_esperadas > 0,
            "{key}"
        );
        secciones += (t.actas_esperadas > 0) as usize;
    }
    assert!(secciones > 900, "{secciones} sección pages");
    // A distrito-level election has no demarcación pages.
    assert!(
        !site
            .build
            .artifacts
            .iter()
            .any(|a| a.key.starts_with("dip-loc/demarcacion/"))
    );
    // The consulta index lists exactly the sección pages.
    let index: serde_json::Value =
        serde_json::from_slice(&site.build.get("consulta/dip-loc.json").unwrap().bytes).unwrap();
    assert_eq!(index["secciones"].as_array().unwrap().len(), secciones);
    assert_eq!(index["prefijo"], "dip-loc/seccion/");
}

/// The corte pages name the corte; every other page is content-stable.
fn is_corte_page(key: &str) -> bool {
    matches!(
        key,
        "index.html" | "consulta.html" | "verificacion.html" | "datos.html"
    ) || key.starts_with("ayuda/")
}

#[test]
fn every_page_carries_the_disclaimer_the_corte_or_what_its_figures_are_and_its_results() {
    for site in [qroo(), campeche()] {
        let corte = &site.snapshot.corte;
        let label = corte::contract::corte::corte_label(&corte.time());
        for (key, html) in site.pages() {
            // The live corte, for the theme's script, on every page.
            assert!(
                html.contains("data-latest=\""),
                "{key}: the live-corte banner"
            );
            if is_corte_page(key) {
                assert!(html.contains(&label), "{key}: the corte time {label}");
            } else {
                // Content-stable: no corte in its bytes; what its figures
                // are, and the way to the live corte, instead.
                // (Its time may equal an acta's capture time, which it may show.)
                for corte_part in [corte.id().as_str(), "data-corte=", "Corte del "] {
                    assert!(
                        !html.contains(corte_part),
                        "{key} names the corte: {corte_part}"
                    );
                }
                assert!(
                    html.contains("Cifras con las actas capturadas hasta el <time datetime=\"")
                        || html.contains("Aún sin actas capturadas aquí"),
                    "{key}: what its figures are"
                );
                assert!(
                    html.contains("index.html\">Ver el último corte</a>"),
                    "{key}"
                );
            }
            // A strict Content-Security-Policy: no inline script or style.
            assert!(!html.contains("style=\""), "{key}: a style attribute");
            assert!(!html.contains("<style"), "{key}: a style element");
            assert!(
                html.matches("<script").count() == html.matches("<script src=\"").count(),
                "{key}: an inline script"
            );
            assert!(
                html.starts_with("<!doctype html>\n<html lang=\"es-MX\">"),
                "{key}"
            );
            assert!(
                html.contains("Los resultados presentados tienen un carácter informativo y no son definitivos, por tanto, no tienen efectos jurídicos."),
                "{key}: the disclaimer"
            );
            for part in [
                "data-f=\"PORCENTAJE_ACTAS_CAPTURADAS\"",
                "data-f=\"PORCENTAJE_ACTAS_CONTABILIZADAS\"",
                "data-f=\"PORCENTAJE_PARTICIPACION_CIUDADANA\"",
                "data-cand=\"",
                "data-party=\"",
                "class=\"chart\"",
                "<th scope=\"col\"",
                "class=\"skip\" href=\"#contenido\"",
                "datos.html\"",
            ] {
                assert!(html.contains(part), "{key} lacks {part}");
            }
            if key != "index.html" {
                assert!(html.contains("aria-label=\"Ruta\""), "{key}: breadcrumbs");
            }
            // An icon of its own, so browsers ask no host for /favicon.ico.
            assert!(
                html.contains("<link rel=\"icon\" href=\"data:,\">"),
                "{key}: the icon"
            );
            // A chart's text alternative is said once: the SVG's aria-label,
            // no caption or <title> repeating it to screen readers.
            for figure in html.split("<figure class=\"chart\">").skip(1) {
                let figure = figure.split("</figure>").next().unwrap_or_default();
                assert_eq!(figure.matches("aria-label=").count(), 1, "{key}: {figure}");
                assert!(
                    !figure.contains("<figcaption") && !figure.contains("<title"),
                    "{key}: a chart's text alternative twice"
                );
            }
        }
    }
    assert_eq!(
        corte::contract::corte::corte_label(&campeche().snapshot.corte.time()),
        "07/06/2021 20:00 (UTC-5)"
    );
}

/// The small three-election fixture: GUB per entidad, DIP_LOC per distrito,
/// ALC per demarcación, votes from abroad, every kind of acta.
fn small() -> &'static Site {
    static SITE: OnceLock<Site> = OnceLock::new();
    SITE.get_or_init(|| Site::of(snapshots::small_snapshot()))
}

#[test]
fn each_election_breaks_down_by_its_own_levels() {
    let site = small();
    let has = |prefix: &str| {
        site.build
            .artifacts
            .iter()
            .any(|a| a.key.starts_with(prefix))
    };
    // Jefatura de Gobierno: both breakdowns.
    assert!(has("gub/distrito/") && has("gub/demarcacion/"));
    // Diputaciones: distritos only; Alcaldías: demarcaciones only.
    assert!(has("dip-loc/distrito/") && !has("dip-loc/demarcacion/"));
    assert!(has("alc/demarcacion/") && !has("alc/distrito/"));
    let gub = site.page("gub/index.html");
    assert!(gub.contains("<h2>Distritos</h2>") && gub.contains("<h2>Alcaldías</h2>"));
    assert!(gub.contains("href=\"../gub/demarcacion/003.html\">COYOACÁN</a>"));
    // A sección of an entidad-wide election links to both of its units.
    let s = &site.snapshot.catalog.secciones[0];
    let html = site.page(&format!("gub/seccion/{}.html", s.id));
    for (folder, unit) in [("distrito", &s.distrito), ("demarcacion", &s.demarcacion)] {
        let unit = unit.as_ref().unwrap();
        assert!(
            html.contains(&format!("href=\"../../gub/{folder}/{unit}.html\"")),
            "{folder} {unit}"
        );
    }
}

#[test]
fn every_level_of_every_election_shows_the_engines_figures() {
    let site = small();
    let catalog = &site.snapshot.catalog;
    for (e, election) in catalog.elections.iter().enumerate() {
        let slug = corte::site::api::slug(&election.id);
        let r = &site.results.elections[e];
        let key = format!("{slug}/index.html");
        let html = site.page(&key);
        assert_summary(html, &r.summary, &key);
        assert_votes(site, html, e, &r.entidad, &key);
        let levels = [
            ("distrito", &catalog.distritos, &r.distritos),
            ("demarcacion", &catalog.demarcaciones, &r.demarcaciones),
        ];
        for (folder, units, totals) in levels {
            for (u, t) in units.iter().zip(totals.iter()) {
                let key = format!("{slug}/{folder}/{}.html", u.id);
                let Some(a) = site.build.get(&key) else {
                    continue;
                };
                let html = std::str::from_utf8(&a.bytes).unwrap();
                assert_summary(html, &site.summary(t), &key);
                assert_votes(site, html, e, t, &key);
            }
        }
        for (s, t) in catalog.secciones.iter().zip(&r.secciones) {
            let key = format!("{slug}/seccion/{}.html", s.id);
            let html = site.page(&key);
            assert_summary(html, &site.summary(t), &key);
            assert_votes(site, html, e, t, &key);
        }
        let key = format!("{slug}/extranjero.html");
        let t = tally::totals_of(&site.snapshot, &site.results, e, |c| {
            c.tipo == TipoCasilla::M
        });
        assert_eq!(
            site.build.get(&key).is_some(),
            t.actas_esperadas > 0,
            "{key}"
        );
        if t.actas_esperadas > 0 {
            let html = site.page(&key);
            assert_summary(html, &site.summary(&t), &key);
            assert_votes(site, html, e, &t, &key);
        }
    }
}

#[test]
fn headings_never_skip_a_level() {
    for site in [small(), campeche()] {
        for (key, html) in site.pages() {
            let mut last = 0;
            let mut rest = html;
            while let Some(i) = rest.find("<h") {
                rest = &rest[i + 2..];
                let Some(level) = rest.chars().next().and_then(|c| c.to_digit(10)) else {
                    continue;
                };
                if !rest[1..].starts_with(['>', ' ']) {
                    continue;
                }
                assert!(level <= last + 1, "{key}: h{level} after h{last}");
                if last == 0 {
                    assert_eq!(level, 1, "{key}: the first heading is h1");
                }
                last = level;
            }
            assert!(last > 0, "{key} has headings");
        }
    }
}

#[test]
fn names_with_markup_quotes_and_accents_are_escaped_and_shown() {
    let site = campeche();
    let entidad = site.page("gob/index.html");
    let distrito_id = &site.snapshot.catalog.distritos[0].id;
    for (key, html) in site.pages() {
        for raw in [
            HOSTILE_CANDIDATE,
            HOSTILE_PARTY,
            HOSTILE_PLACE,
            "<script>",
            "<img src=x",
            "<b>Nación",
            HOSTILE_OPTION,
            "</text><script>",
        ] {
            assert!(!html.contains(raw), "{key} contains unescaped {raw:?}");
        }
        assert!(
            !html.contains("<Región>"),
            "{key}: the process name is escaped"
        );
    }
    // Shown, escaped, with the accents as they are.
    assert!(entidad.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; José O&#39;Ñúñez"));
    assert!(entidad.contains("Partido &quot;Acción&quot; &amp; &lt;b&gt;Nación&lt;/b&gt;"));
    assert!(entidad.contains("&lt;img src=x onerror=alert(1)&gt; Ciudad del Carmen"));
    assert!(entidad.contains("PREP 2021 &quot;Campeche&quot; &amp; &lt;Región&gt;"));
    let distrito = site.page(&format!("gob/distrito/{distrito_id}.html"));
    assert!(distrito.contains("&lt;img src=x onerror=alert(1)&gt; Ciudad del Carmen"));
    // An option's name reaches the tables, the actas and the chart (its
    // bars' labels and its text alternative), escaped everywhere.
    let qroo = qroo();
    for (key, html) in qroo.pages() {
        assert!(
            !html.contains(HOSTILE_OPTION) && !html.contains("</text><script>"),
            "{key}"
        );
    }
    let distrito = qroo.page("dip-loc/distrito/11.html");
    assert!(
        distrito.contains(
            "&lt;/text&gt;&lt;script&gt;alert(&#39;svg&#39;)&lt;/script&gt; Independiente"
        )
    );
    let svg_at = distrito.find("aria-label=\"Votos por candidatura").unwrap();
    let votes_chart = &distrito[svg_at..svg_at + distrito[svg_at..].find("</svg>").unwrap()];
    assert!(votes_chart.contains("Independiente"), "{votes_chart}");
    // The names reach the charts' text alternatives escaped too.
    assert!(!entidad.contains("aria-label=\"Votos por candidatura: <"));
}

#[test]
fn the_entidad_page_shows_the_engines_figures() {
    for (site, key) in [
        (qroo(), "dip-loc/index.html"),
        (campeche(), "gob/index.html"),
    ] {
        let html = site.page(key);
        let r = &site.results.elections[0];
        assert_summary(html, &r.summary, key);
        assert_votes(site, html, 0, &r.entidad, key);
    }
    // Campeche's summary counts the actas fuera de catálogo.
    let html = campeche().page("gob/index.html");
    assert_eq!(number(cell(html, "data-f", "ACTAS_FUERA_CATALOGO")), 3);
}

#[test]
fn a_distrito_page_shows_the_engines_figures_and_its_candidates() {
    let site = qroo();
    let catalog = &site.snapshot.catalog;
    let r = &site.results.elections[0];
    // Distrito 11 has an independent candidate.
    let d = catalog.distritos.iter().position(|u| u.id == "11").unwrap();
    let key = "dip-loc/distrito/11.html";
    let html = site.page(key);
    assert_summary(html, &site.summary(&r.distritos[d]), key);
    assert_votes(site, html, 0, &r.distritos[d], key);
    let eix = &site.snapshot.index.elections[0];
    let unit = eix.unit_by_id["11"] as usize;
    for &k in &eix.unit_candidacies[unit] {
        let c = &catalog.elections[0].candidacies[k as usize];
        assert!(html.contains(&c.name), "{key}: candidate {}", c.name);
    }
    // Its secciones are listed, each with a link.
    for s in catalog
        .secciones
        .iter()
        .filter(|s| s.distrito.as_deref() == Some("11"))
    {
        assert!(
            html.contains(&format!("href=\"../../dip-loc/seccion/{}.html\"", s.id)),
            "{key}: sección {}",
            s.id
        );
    }
}

#[test]
fn a_seccion_page_shows_every_casilla_and_acta_as_the_engine_reads_them() {
    let site = qroo();
    let catalog = &site.snapshot.catalog;
    let ix = &site.snapshot.index;
    let r = &site.results.elections[0];
    let s = catalog
        .secciones
        .iter()
        .position(|s| s.id == "578")
        .unwrap();
    let key = "dip-loc/seccion/578.html";
    let html = site.page(key);
    assert_summary(html, &site.summary(&r.secciones[s]), key);
    assert_votes(site, html, 0, &r.secciones[s], key);
    let totals = cells(html, "data-total");
    let contabilizadas = cells(html, "data-cont");
    let mut seen = BTreeSet::new();
    for (acta, result) in site.snapshot.actas[0].iter().zip(&r.actas) {
        let Some(c) = acta.casilla else { continue };
        if ix.casilla_seccion[c as usize] != Some(s as u32) {
            continue;
        }
        let clave = format!("{}{}", acta.clave_casilla, acta.tipo_acta);
        let total = totals.iter().find(|(k, _)| *k == clave).unwrap().1;
        if matches!(acta.estado, EstadoActa::SinActa(_)) {
            assert_eq!(total, "—", "{key}: {clave} has no acta");
        } else {
            assert_eq!(number(total), result.total_calculado, "{key}: {clave}");
        }
        let cont = contabilizadas.iter().find(|(k, _)| *k == clave).unwrap().1;
        let want = match result.contabilizada.code() {
            1 => "Sí",
            2 => "Fuera de catálogo",
            _ => "No",
        };
        assert_eq!(cont, want, "{key}: {clave} CONTABILIZADA");
        if let Some(hash) = &acta.codigo_integridad {
            assert!(html.contains(hash.as_str()), "{key}: {clave} image hash");
        }
        seen.insert(clave);
    }
    assert_eq!(seen.len(), 64, "the 64 actas of sección 578");
    assert_eq!(totals.len(), 64);
}

#[test]
fn actas_not_yet_registered_are_shown_pending() {
    let site = campeche();
    let catalog = &site.snapshot.catalog;
    let ix = &site.snapshot.index;
    let registered: BTreeSet<u32> = site.snapshot.actas[0]
        .iter()
        .filter_map(|a| a.casilla)
        .collect();
    let pending = (0..catalog.casillas.len() as u32)
        .find(|c| !registered.contains(c) && ix.casilla_seccion[*c as usize].is_some())
        .expect("Campeche's final corte has actas not captured");
    let casilla = &catalog.casillas[pending as usize];
    let seccion = casilla.seccion.as_ref().unwrap();
    let html = site.page(&format!("gob/seccion/{seccion}.html"));
    let at = html.find(&format!("id=\"c{}\"", casilla.key)).unwrap();
    let block = &html[at..at + html[at..].find("</section>").unwrap()];
    assert!(block.contains("<strong>Pendiente</strong>"), "{block}");
}

#[test]
fn modality_pages_list_their_casillas_with_the_engines_totals() {
    let site = qroo();
    for (tipo, key, n) in [
        (TipoCasilla::A, "dip-loc/anticipado.html", 2),
        (TipoCasilla::P, "dip-loc/prision-preventiva.html", 1),
        (TipoCasilla::M, "dip-loc/extranjero.html", 1),
    ] {
        let html = site.page(key);
        let t = tally::totals_of(&site.snapshot, &site.results, 0, |c| c.tipo == tipo);
        assert_eq!(t.actas_esperadas, n);
        assert_summary(html, &site.summary(&t), key);
        assert_votes(site, html, 0, &t, key);
        assert_eq!(cells(html, "data-total").len() as u64, n, "{key}");
    }
    // The casilla from abroad has no sección: it is on no sección page.
    let m = site
        .snapshot
        .catalog
        .casillas
        .iter()
        .find(|c| c.tipo == TipoCasilla::M)
        .unwrap();
    assert!(m.seccion.is_none());
    let on_seccion_pages = site
        .pages()
        .filter(|(k, html)| k.contains("/seccion/") && html.contains(&m.key))
        .count();
    assert_eq!(on_seccion_pages, 0);
    let entidad = site.page("dip-loc/index.html");
    assert!(entidad.contains("href=\"../dip-loc/extranjero.html\""));
}

#[test]
fn actas_fuera_de_catalogo_are_shown_on_their_own_page() {
    let site = campeche();
    let key = "gob/fuera-de-catalogo.html";
    let html = site.page(key);
    let r = &site.results.elections[0];
    assert_summary(html, &r.summary, key);
    // In the order of their registered keys (Campeche's have none: `-`).
    let mut fuera: Vec<_> = site.snapshot.actas[0]
        .iter()
        .zip(&r.actas)
        .filter(|(a, _)| a.casilla.is_none())
        .collect();
    fuera.sort_by(|(a, _), (b, _)| {
        (&a.clave_casilla, &a.tipo_acta).cmp(&(&b.clave_casilla, &b.tipo_acta))
    });
    assert_eq!(fuera.len(), 3);
    let totals = cells(html, "data-total");
    let cont = cells(html, "data-cont");
    assert_eq!(totals.len(), 3, "{totals:?}");
    for (((acta, result), total), cont) in fuera.iter().zip(&totals).zip(&cont) {
        let clave = format!("{}{}", acta.clave_casilla, acta.tipo_acta);
        assert_eq!(total.0, clave);
        assert_eq!(number(total.1), result.total_calculado, "{clave}");
        assert_eq!(cont.1, "Fuera de catálogo");
    }
    assert!(
        site.page("gob/index.html")
            .contains("href=\"../gob/fuera-de-catalogo.html\"")
    );
    assert!(
        qroo().build.get("dip-loc/fuera-de-catalogo.html").is_none(),
        "none, no page"
    );
}

#[test]
fn the_totals_of_every_casilla_are_the_entidads() {
    for site in [qroo(), campeche()] {
        let t = tally::totals_of(&site.snapshot, &site.results, 0, |_| true);
        assert_eq!(t, site.results.elections[0].entidad);
    }
}

/// The figures of the table by casilla type of a page: per row key (`B`,
/// `S`, …, `TOTAL`) and field.
fn tipo_cells(html: &str) -> BTreeMap<(String, String), u64> {
    cells(html, "data-tipo")
        .into_iter()
        .map(|(key, text)| {
            let (tipo, field) = key.split_once(':').unwrap();
            ((tipo.to_string(), field.to_string()), number(text))
        })
        .collect()
}

#[test]
fn the_casilla_type_rows_add_up_to_the_totals_of_the_entidad_and_each_distrito() {
    let site = qroo();
    let r = &site.results.elections[0];
    let catalog = &site.snapshot.catalog;
    let mut places = vec![("dip-loc/index.html".to_string(), &r.entidad)];
    for (d, t) in r.distritos.iter().enumerate() {
        if t.actas_esperadas > 0 {
            let key = format!("dip-loc/distrito/{}.html", catalog.distritos[d].id);
            places.push((key, t));
        }
    }
    for (page, t) in &places {
        let figures = tipo_cells(site.page(page));
        let want = [
            ("ACTAS_ESPERADAS", t.actas_esperadas),
            ("ACTAS_CAPTURADAS", t.actas_capturadas),
            ("ACTAS_CONTABILIZADAS", t.actas_contabilizadas),
            ("LISTA_NOMINAL", t.lista_nominal),
            (
                "LISTA_NOMINAL_ACTAS_CONTABILIZADAS",
                t.lista_nominal_contabilizadas,
            ),
            ("TOTAL_VOTOS_C_CS", t.votos_c_cs),
        ];
        for (field, want) in want {
            let rows: u64 = figures
                .iter()
                .filter(|((tipo, f), _)| f == field && tipo != "TOTAL")
                .map(|(_, v)| v)
                .sum();
            assert_eq!(rows, want, "{page}: the rows' {field}");
            assert_eq!(
                figures[&("TOTAL".to_string(), field.to_string())],
                want,
                "{page}: total {field}"
            );
        }
    }
    // The entidad's rows against the published header (no RP, none fuera de
    // catálogo in this file) and each row against the catalog and the actas.
    assert!(r.rp.is_none() && r.actas_fuera_catalogo == 0);
    let figures = tipo_cells(site.page("dip-loc/index.html"));
    let sum = |field: &str| -> u64 {
        figures
            .iter()
            .filter(|((tipo, f), _)| f == field && tipo != "TOTAL")
            .map(|(_, v)| v)
            .sum()
    };
    assert_eq!(sum("ACTAS_ESPERADAS"), 2136, "the file's ACTAS_ESPERADAS");
    assert_eq!(sum("ACTAS_CAPTURADAS"), 2136, "the file's ACTAS_CAPTURADAS");
    assert_eq!(sum("ACTAS_CONTABILIZADAS"), 2031);
    assert_eq!(sum("LISTA_NOMINAL_ACTAS_CONTABILIZADAS"), 1187254);
    assert_eq!(sum("TOTAL_VOTOS_C_CS"), 263005);
    let eid = &catalog.elections[0].id;
    let mut rows = 0;
    for tipo in TipoCasilla::ALL {
        let esperadas = catalog
            .casillas
            .iter()
            .filter(|c| c.tipo == tipo)
            .map(|c| c.actas.get(eid).map_or(0, |a| a.len() as u64))
            .sum::<u64>();
        let capturadas = site.snapshot.actas[0]
            .iter()
            .filter(|a| {
                a.casilla
                    .is_some_and(|c| catalog.casillas[c as usize].tipo == tipo)
            })
            .count() as u64;
        let key = |f: &str| (tipo.letter().to_string(), f.to_string());
        if esperadas + capturadas == 0 {
            assert!(!figures.contains_key(&key("ACTAS_ESPERADAS")), "{tipo:?}");
            continue;
        }
        rows += 1;
        assert_eq!(figures[&key("ACTAS_ESPERADAS")], esperadas, "{tipo:?}");
        assert_eq!(figures[&key("ACTAS_CAPTURADAS")], capturadas, "{tipo:?}");
    }
    assert_eq!(rows, 7, "B, C, E, S and the edited M, A, P");
    // Casillas especiales have no lista nominal: no participation shown.
    assert_eq!(figures[&("S".to_string(), "LISTA_NOMINAL".to_string())], 0);
}

/// `ayuda/calculo.html` of the small fixture tallied with `ruleset`.
fn calculo_with(ruleset: &corte::tally::Ruleset) -> (String, Build) {
    let snapshot = snapshots::small_snapshot();
    let results = tally::tally(&snapshot, ruleset);
    let build = snapshots::render(&snapshot, &results);
    let html = std::str::from_utf8(&build.get("ayuda/calculo.html").unwrap().bytes)
        .unwrap()
        .to_string();
    (html, build)
}

#[test]
fn the_help_page_on_the_figures_says_the_active_ruleset_in_words() {
    use corte::contract::{Inconsistencia, VotosBase};
    let iecm = tally::ruleset::builtin("iecm-2024").unwrap();
    let otro = corte::tally::Ruleset {
        name: "otro-2027".into(),
        inconsistencias: vec![Inconsistencia::SinActa],
        sin_acta_no_contabilizada: false,
        participacion_ultimo_corte: VotosBase::SinEspeciales,
    };
    let (a, build) = calculo_with(&iecm);
    let (b, _) = calculo_with(&otro);
    assert_ne!(a, b);
    assert!(a.contains("<code>iecm-2024</code>") && b.contains("<code>otro-2027</code>"));
    for code in [
        "EXCEDE_LISTA_NOMINAL",
        "TODOS_ILEGIBLES_O_SIN_DATO",
        "ALGUN_CAMPO_ILEGIBLE_O_SIN_DATO",
    ] {
        assert!(
            a.contains(&format!("data-inconsistencia=\"{code}\"")),
            "{code}"
        );
        assert!(
            b.contains(&format!("data-no-inconsistencia=\"{code}\"")),
            "{code}"
        );
    }
    assert!(a.contains("data-no-inconsistencia=\"SIN_ACTA\""));
    assert!(b.contains("data-inconsistencia=\"SIN_ACTA\""));
    assert!(a.contains("cuentan como capturadas y como no contabilizadas"));
    assert!(b.contains("pero ni como contabilizadas ni como no contabilizadas"));
    assert!(a.contains("En el último corte se usan los votos con casillas especiales"));
    assert!(b.contains("En el último corte también se usan los votos sin casillas especiales"));
    assert!(a.contains("no es el último: su participación usa TOTAL_VOTOS_S_CS"));
    for html in [&a, &b] {
        assert!(html.contains("66.6666 %"), "truncated, never rounded");
    }
    // The help centre's pages exist, and every page links to it.
    for key in [
        "ayuda/index.html",
        "ayuda/glosario.html",
        "ayuda/calculo.html",
        "ayuda/descargas.html",
        "ayuda/cortes.html",
    ] {
        let page = build.get(key).unwrap_or_else(|| panic!("{key}"));
        let html = std::str::from_utf8(&page.bytes).unwrap();
        assert!(html.contains("verificacion.html\""), "{key}");
    }
    let cortes = std::str::from_utf8(&build.get("ayuda/cortes.html").unwrap().bytes).unwrap();
    assert!(cortes.contains("02/06/2024 21:30 (UTC-6)</strong> (este corte)"));
    for a in build.artifacts.iter().filter(|a| a.key.ends_with(".html")) {
        let html = std::str::from_utf8(&a.bytes).unwrap();
        assert!(html.contains("ayuda/index.html\">Ayuda</a>"), "{}", a.key);
    }
}

/// The value of `name="…"` in a piece of markup.
fn attr<'h>(html: &'h str, name: &str) -> &'h str {
    let needle = format!(" {name}=\"");
    let i = html
        .find(&needle)
        .unwrap_or_else(|| panic!("no {name} in {html}"))
        + needle.len();
    &html[i..i + html[i..].find('"').unwrap()]
}

/// The catalog's colour of a candidacy key: its first party in ballot
/// order, else its option's own colour.
fn key_color(site: &Site, e: usize, key: usize) -> Option<String> {
    let catalog = &site.snapshot.catalog;
    let eix = &site.snapshot.index.elections[e];
    let election = &catalog.elections[e];
    let k = eix.candidacy_key_index.iter().position(|x| *x == key)?;
    let mut options = eix.candidacy_options[k].clone();
    options.sort_unstable();
    let party = options
        .iter()
        .map(|o| &election.options[*o as usize])
        .find(|o| o.kind == corte::contract::OptionKind::Party)
        .and_then(|o| o.parties.first())
        .and_then(|p| catalog.parties.iter().find(|x| &x.id == p))
        .and_then(|p| p.color.clone());
    party.or_else(|| {
        options
            .iter()
            .find_map(|o| election.options[*o as usize].color.clone())
    })
}

#[test]
fn every_tile_of_the_maps_has_its_units_leader_colour_and_link() {
    let site = small();
    let catalog = &site.snapshot.catalog;
    let mut tiles = 0;
    for (e, election) in catalog.elections.iter().enumerate() {
        let slug = election.id.to_lowercase().replace('_', "-");
        let html = site.page(&format!("{slug}/index.html"));
        let r = &site.results.elections[e];
        let eix = &site.snapshot.index.elections[e];
        let levels = [
            ("distrito", &catalog.distritos, &r.distritos),
            ("demarcacion", &catalog.demarcaciones, &r.demarcaciones),
        ];
        for (level, units, totals) in levels {
            let has_pages = site
                .build
                .artifacts
                .iter()
                .any(|a| a.key.starts_with(&format!("{slug}/{level}/")));
            for (d, t) in totals.iter().enumerate() {
                let id = &units[d].id;
                let link = format!("<a href=\"../{slug}/{level}/{id}.html\" data-unit=\"{id}\"");
                let found = html.matches(&link).count();
                let want = (has_pages && t.actas_esperadas > 0) as usize;
                assert_eq!(found, want, "{slug} {level} {id}: tiles");
                if found == 0 {
                    continue;
                }
                tiles += 1;
                let target = format!("{slug}/{level}/{id}.html");
                assert!(
                    site.build.get(&target).is_some(),
                    "{target}: the tile's page"
                );
                let at = html.find(&link).unwrap();
                let tile = &html[at..at + html[at..].find("</a>").unwrap()];
                let best = t.candidacies.iter().copied().max().unwrap_or(0);
                let leaders: Vec<usize> = (0..t.candidacies.len())
                    .filter(|k| best > 0 && t.candidacies[*k] == best)
                    .collect();
                let (lider, fill) = (attr(tile, "data-lider"), attr(tile, "fill"));
                match leaders.as_slice() {
                    [] => {
                        assert_eq!(lider, "", "{slug} {level} {id}");
                        assert_eq!(fill, "#E6E6E6", "{slug} {level} {id}: no data");
                    }
                    tied => {
                        let k = tied
                            .iter()
                            .copied()
                            .find(|k| eix.candidacy_keys[*k] == lider)
                            .unwrap_or_else(|| {
                                panic!("{slug} {level} {id}: {lider} does not lead")
                            });
                        let color = key_color(site, e, k).unwrap_or("#8C8C8C".into());
                        assert_eq!(fill, color.to_uppercase(), "{slug} {level} {id}: colour");
                    }
                }
            }
        }
    }
    assert_eq!(tiles, 8, "GUB 2 + 2, DIP_LOC 2, ALC 2");
    // A catalog of another entidad gets no map, and no error.
    assert!(!qroo().page("dip-loc/index.html").contains("class=\"mapa\""));
}

#[test]
fn in_the_iecm_drill_every_casilla_type_adds_up_to_the_published_header() {
    // Ciudad de México 2024: básicas, contiguas, extraordinarias, especiales,
    // votes from abroad, voto anticipado and prisión preventiva, as exported.
    let snapshot = snapshots::drill_snapshot();
    let results = snapshots::tally(&snapshot);
    let r = &results.elections[0];
    let n = TipoCasilla::ALL.len();
    let by_type = tally::counts_by(&snapshot, &results, 0, n, |_, c| {
        TipoCasilla::ALL.iter().position(|t| *t == c.tipo)
    });
    let with_actas = by_type.iter().filter(|t| t.actas_capturadas > 0).count();
    assert_eq!(with_actas, 7, "every casilla type has captured actas");
    let sum = |f: fn(&LevelTotals) -> u64| by_type.iter().map(f).sum::<u64>();
    let e = &r.entidad;
    assert_eq!(sum(|t| t.actas_esperadas), e.actas_esperadas);
    assert_eq!(sum(|t| t.actas_capturadas), e.actas_capturadas);
    assert_eq!(sum(|t| t.actas_contabilizadas), e.actas_contabilizadas);
    assert_eq!(sum(|t| t.lista_nominal), e.lista_nominal);
    // The drill's header: 13,495 expected (71 of them not listed), 13,424
    // captured, 13,200 counted, lista nominal 9,917,669. Its vote totals
    // disagree with its own rows (see tests/real_data.rs); the rows say
    // 9,714,484 with especiales and 9,683,734 without.
    assert_eq!(sum(|t| t.actas_esperadas) + 71, r.summary.actas_esperadas);
    assert_eq!(r.summary.actas_esperadas, 13495);
    assert_eq!(sum(|t| t.actas_capturadas), 13424);
    assert_eq!(sum(|t| t.actas_contabilizadas), 13200);
    assert_eq!(sum(|t| t.lista_nominal_contabilizadas), 9917669);
    assert_eq!(sum(|t| t.votos_c_cs), 9714484);
    assert_eq!(sum(|t| t.votos_s_cs), 9683734);
    let s = TipoCasilla::ALL
        .iter()
        .position(|t| *t == TipoCasilla::S)
        .unwrap();
    assert_eq!(
        by_type[s].votos_s_cs, 0,
        "no especial counts without especiales"
    );
    assert_eq!(
        by_type[s].votos_c_cs,
        9714484 - 9683734,
        "the especiales' votes are the difference between C_CS and S_CS"
    );
}

#[test]
fn the_default_tiles_place_every_distrito_and_demarcacion_of_cdmx_2024() {
    use corte::generator::{Config, Generator, Scale};
    let generator = Generator::new(Config::new(Scale::Cdmx, 1))
        .unwrap_or_else(|e| panic!("the CDMX scale generates: {e}"));
    let catalog = generator.catalog();
    let theme = Theme::embedded().unwrap();
    let entidad = &catalog.entidad.id;
    let unplaced: Vec<&str> = catalog
        .distritos
        .iter()
        .filter(|d| theme.tiles.position(entidad, "distrito", &d.id).is_none())
        .map(|d| d.name.as_str())
        .collect();
    assert_eq!(
        unplaced,
        ["VOTO EN EL EXTRANJERO"],
        "only the abroad pseudo-distrito"
    );
    assert_eq!(catalog.demarcaciones.len(), 16);
    for d in &catalog.demarcaciones {
        assert!(
            theme
                .tiles
                .position(entidad, "demarcacion", &d.id)
                .is_some(),
            "{} has no tile",
            d.name
        );
    }
}

fn small_with_rp() -> Site {
    Site::of(snapshots::small_snapshot_with_rp())
}

#[test]
fn actas_of_representacion_proporcional_are_shown_apart_with_their_totals() {
    let plain = small();
    let site = small_with_rp();
    let e = 1;
    assert_eq!(site.snapshot.catalog.elections[e].id, "DIP_LOC");
    let r = &site.results.elections[e];
    let rp = r.rp.as_ref().expect("RP actas tallied apart");
    let html = site.page("dip-loc/representacion-proporcional.html");
    let f = |field: &str| number(cell(html, "data-rp-f", field));
    assert_eq!(f("ACTAS_ESPERADAS"), 1);
    assert_eq!(f("ACTAS_CAPTURADAS"), 1);
    assert_eq!(f("ACTAS_CONTABILIZADAS"), 1);
    assert_eq!(f("ACTAS_NO_CONTABILIZADAS"), 0);
    assert_eq!(f("TOTAL_VOTOS_C_CS"), 341);
    assert_eq!(f("TOTAL_VOTOS"), 341);
    // Votes per party, PAN_PRI split between PAN and PRI (one left over,
    // to the one with more votes of its own: PAN).
    let parties: BTreeMap<&str, u64> = cells(html, "data-rp")
        .into_iter()
        .map(|(k, v)| (k, number(v)))
        .collect();
    assert_eq!(parties["PAN"], 64);
    assert_eq!(parties["PRI"], 33);
    assert_eq!(parties["MORENA"], 200);
    assert_eq!(parties["MC"], 40);
    assert_eq!(parties.values().sum::<u64>(), 341);
    assert_eq!(rp.total_votos(), 341);
    // Only the RP acta is shown, with its figures.
    let totals = cells(html, "data-total");
    assert_eq!(totals.len(), 1, "{totals:?}");
    assert!(totals[0].0.contains("A03ERP"), "{totals:?}");
    assert_eq!(number(totals[0].1), 341);
    assert!(
        !html.contains(">Acta A03 "),
        "the acta of mayoría stays on its sección page"
    );
    // Apart: the entidad's and the distritos' figures are those without it.
    let (with, without) = (&r.entidad, &plain.results.elections[e].entidad);
    assert_eq!(with.actas_esperadas, without.actas_esperadas);
    assert_eq!(with.votos_c_cs, without.votos_c_cs);
    assert_eq!(r.summary.actas_esperadas, without.actas_esperadas + 1);
    let entidad = site.page("dip-loc/index.html");
    assert!(entidad.contains("href=\"../dip-loc/representacion-proporcional.html\""));
    assert!(
        plain
            .build
            .get("dip-loc/representacion-proporcional.html")
            .is_none()
    );
}

#[test]
fn the_biggest_seccion_page_and_its_css_stay_well_under_100_kb_compressed() {
    let site = qroo();
    let r = &site.results.elections[0];
    let biggest = (0..site.snapshot.catalog.secciones.len())
        .max_by_key(|s| r.secciones[*s].actas_esperadas)
        .unwrap();
    let id = &site.snapshot.catalog.secciones[biggest].id;
    assert_eq!(r.secciones[biggest].actas_esperadas, 64);
    let page = site
        .build
        .get(&format!("dip-loc/seccion/{id}.html"))
        .unwrap();
    let css = site
        .build
        .artifacts
        .iter()
        .find(|a| a.key.starts_with("assets/style.") && a.key.ends_with(".css"))
        .unwrap();
    let gz = |bytes: &[u8]| corte::published::gzip::gzip(bytes).len();
    let weight = gz(&page.bytes) + gz(&css.bytes);
    eprintln!(
        "sección {id} (64 casillas): {} bytes, {} gzip; CSS {} gzip; together {weight} bytes",
        page.bytes.len(),
        gz(&page.bytes),
        gz(&css.bytes)
    );
    assert!(weight < 60 * 1024, "{weight} bytes compressed");
}

/// `href="…"` and `src="…"` values of a page.
fn links(html: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for attr in [" href=\"", " src=\"", " action=\""] {
        let mut rest = html;
        while let Some(i) = rest.find(attr) {
            rest = &rest[i + attr.len()..];
            let end = rest.find('"').unwrap();
            out.push(&rest[..end]);
            rest = &rest[end..];
        }
    }
    out
}

/// `a/b/c.html` + `../d.html` → `a/d.html`.
fn resolve(page: &str, link: &str) -> String {
    let mut parts: Vec<&str> = page.split('/').collect();
    parts.pop();
    for seg in link.split('/') {
        match seg {
            ".." => {
                parts.pop();
            }
            "." | "" => {}
            s => parts.push(s),
        }
    }
    parts.join("/")
}

#[test]
fn no_page_loads_or_links_anything_from_another_host() {
    for site in [qroo(), campeche()] {
        for (key, html) in site.pages() {
            for link in links(html) {
                let lower = link.to_ascii_lowercase();
                assert!(
                    !(lower.starts_with("http:")
                        || lower.starts_with("https:")
                        || lower.starts_with("//")),
                    "{key} links to {link}"
                );
            }
        }
        for a in site
            .build
            .artifacts
            .iter()
            .filter(|a| a.key.starts_with("assets/"))
        {
            let text = String::from_utf8_lossy(&a.bytes);
            assert!(
                !text.contains("http:") && !text.contains("https:"),
                "{}",
                a.key
            );
            assert!(
                !text.contains("@import") && !text.contains("url("),
                "{}",
                a.key
            );
        }
    }
}

#[test]
fn every_relative_link_leads_to_a_file_of_the_corte() {
    for site in [qroo(), campeche()] {
        let keys: BTreeSet<&str> = site
            .build
            .artifacts
            .iter()
            .map(|a| a.key.as_str())
            .collect();
        let mut checked = 0;
        for (key, html) in site.pages() {
            for link in links(html) {
                if link == "data:," {
                    // The empty icon: spares browsers a request for /favicon.ico.
                    continue;
                }
                let target = link.split('#').next().unwrap();
                if target.is_empty() {
                    let id = link.trim_start_matches('#');
                    assert!(
                        html.contains(&format!("id=\"{id}\"")),
                        "{key}: anchor {link}"
                    );
                    continue;
                }
                assert!(!target.starts_with('/'), "{key}: {link} is not relative");
                let resolved = resolve(key, target);
                assert!(
                    keys.contains(resolved.as_str()),
                    "{key}: {link} → {resolved} is missing"
                );
                checked += 1;
            }
        }
        assert!(checked > 10_000, "{checked} links checked");
    }
}

#[test]
fn a_theme_folder_replaces_the_templates() {
    let site = campeche();
    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    files.insert(
        "theme.toml".into(),
        b"name = \"minimo\"\ninstitute = \"IEEC\"".to_vec(),
    );
    for t in corte::site::pages::TEMPLATES {
        files.insert(
            format!("templates/{t}"),
            format!("{t}|{{{{ site.institucion }}}}|{{{{ title }}}}|{{{{ root }}}}").into_bytes(),
        );
    }
    let theme = Theme::from_files("minimo", files).unwrap();
    let build = snapshots::render_with(&site.snapshot, &site.results, &theme);
    let seccion = build
        .artifacts
        .iter()
        .find(|a| a.key.starts_with("gob/seccion/"))
        .unwrap();
    assert!(seccion.bytes.starts_with(b"seccion.html|IEEC|"));
    assert!(seccion.bytes.ends_with(b"|../../"));
    assert!(
        !build.artifacts.iter().any(|a| a.key.ends_with(".css")),
        "no static files, no CSS"
    );
}

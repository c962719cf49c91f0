//! The snapshot generator: the same seed gives the same bytes; every corte it
//! writes loads and validates; actas accumulate and never change; the rates and
//! totals of the last corte look like the real Ciudad de México 2024 night.
//!
//! With images on (the example scale): every image is named by its SHA-256,
//! decodes, and arrives with its acta or one corte later, exactly once; with
//! images off, the codes are those of the committed `site-example/`.
//!
//! Only the CDMX and example scales run here (they read `../shared/data/real`);
//! the national scale is exercised by `cargo bench --bench load_tally`.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::sync::OnceLock;

use corte::contract::{Campo, EstadoActa, Snapshot};
use corte::generator::{
    Config, GenError, GeneratedImage, Generator, IMAGE_HEIGHT, IMAGE_WIDTH, Scale,
};
use corte::tally::{self, Results};

const CORTES: u32 = 4;

fn config() -> Config {
    Config::new(Scale::Cdmx, CORTES)
}

fn cdmx() -> &'static Generator {
    static GENERATOR: OnceLock<Generator> = OnceLock::new();
    GENERATOR.get_or_init(|| {
        Generator::new(config()).unwrap_or_else(|e| panic!("the CDMX scale generates: {e}"))
    })
}

/// Every corte, written to disk the way the CLI writes it and loaded back.
fn loaded() -> &'static Vec<Snapshot> {
    static LOADED: OnceLock<Vec<Snapshot>> = OnceLock::new();
    LOADED.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("temp dir: {e}"));
        let g = cdmx();
        (1..=g.cortes())
            .map(|seq| {
                let path = dir.path().join(g.snapshot_name(seq));
                let snapshot = g
                    .snapshot(seq)
                    .unwrap_or_else(|e| panic!("corte {seq}: {e}"));
                corte::source::write(&path, &snapshot)
                    .unwrap_or_else(|e| panic!("writing corte {seq}: {e}"));
                corte::source::load(&path).unwrap_or_else(|e| panic!("loading corte {seq}: {e}"))
            })
            .collect()
    })
}

fn tallied(snapshot: &Snapshot) -> Results {
    let ruleset = tally::ruleset_of(snapshot).unwrap_or_else(|e| panic!("ruleset: {e}"));
    tally::tally(snapshot, &ruleset)
}

fn last() -> &'static Snapshot {
    loaded().last().unwrap_or_else(|| panic!("no cortes"))
}

#[test]
fn the_same_seed_gives_the_same_bytes() {
    let again = Generator::new(config()).unwrap_or_else(|e| panic!("{e}"));
    for seq in [1, CORTES] {
        let (a, b) = (cdmx().snapshot(seq), again.snapshot(seq));
        let (a, b) = (a.expect("corte"), b.expect("corte"));
        assert_eq!(a.members, b.members, "corte {seq}");
        assert_eq!(a.corte_json(), b.corte_json(), "corte {seq}");
    }
    let other = Generator::new(Config {
        seed: 7,
        ..config()
    })
    .unwrap_or_else(|e| panic!("{e}"));
    let (a, b) = (
        cdmx().snapshot(CORTES).expect("corte"),
        other.snapshot(CORTES).expect("corte"),
    );
    assert_ne!(
        a.members.get("actas/GUB.csv"),
        b.members.get("actas/GUB.csv"),
        "another seed, another night"
    );
}

#[test]
fn every_corte_loads_validates_and_tallies() {
    let snapshots = loaded();
    assert_eq!(snapshots.len(), CORTES as usize);
    for (i, s) in snapshots.iter().enumerate() {
        assert_eq!(s.corte.seq, i as u32 + 1);
        assert_eq!(s.corte.process_id, "cdmx-2024-gen");
        assert_eq!(s.catalog.elections.len(), 3);
        let results = tallied(s);
        assert_eq!(results.elections.len(), 3);
    }
}

#[test]
fn only_the_last_corte_is_final() {
    let finals: Vec<bool> = loaded().iter().map(|s| s.corte.final_corte).collect();
    let mut expected = vec![false; CORTES as usize];
    expected[CORTES as usize - 1] = true;
    assert_eq!(finals, expected);
}

#[test]
fn an_archive_holds_the_same_corte() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir
        .path()
        .join(format!("{}.tar.gz", cdmx().snapshot_name(2)));
    let snapshot = cdmx().snapshot(2).expect("corte");
    corte::source::write_archive(&path, &snapshot).unwrap_or_else(|e| panic!("{e}"));
    let from_archive = corte::source::load(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(from_archive.corte, loaded()[1].corte);
    assert_eq!(from_archive.actas, loaded()[1].actas);
}

#[test]
fn actas_accumulate_and_never_change() {
    let g = cdmx();
    let snapshots: Vec<_> = (1..=CORTES)
        .map(|seq| g.snapshot(seq).expect("corte"))
        .collect();
    for pair in snapshots.windows(2) {
        for (path, earlier) in &pair[0].members {
            let later = &pair[1].members[path];
            // Rows are in registration order: a corte extends the one before.
            assert!(
                later.starts_with(earlier),
                "{path}: corte {} is not an extension of corte {}",
                pair[1].seq,
                pair[0].seq
            );
        }
    }
    for e in 0..3 {
        let counts: Vec<usize> = (1..=CORTES)
            .map(|seq| g.counts(seq)[e].registradas)
            .collect();
        let esperadas = g.counts(1)[e].esperadas as f64;
        assert!(
            counts.windows(2).all(|w| w[0] < w[1]),
            "registered actas grow corte after corte: {counts:?}"
        );
        assert!(
            (counts[0] as f64) < 0.1 * esperadas,
            "few at the first corte: {counts:?}"
        );
        assert!(
            counts[CORTES as usize - 1] as f64 > 0.95 * esperadas,
            "almost all by the last: {counts:?} of {esperadas}"
        );
    }
}

#[test]
fn the_rates_look_like_a_real_night() {
    let results = tallied(last());
    for (election, r) in last().catalog.elections.iter().zip(&results.elections) {
        let s = &r.summary;
        let captured = s.actas_capturadas as f64;
        let share = |n: u64| 100.0 * n as f64 / captured;
        let [excede, todos, algun, sin_acta] = r.entidad.por_observacion;
        let rp = r.rp.as_ref().map(|t| t.por_observacion).unwrap_or_default();
        let (excede, todos, algun, sin_acta) = (
            share(excede + rp[0]),
            share(todos + rp[1]),
            share(algun + rp[2]),
            share(sin_acta + rp[3]),
        );
        let id = &election.id;
        assert!(
            (1.8..=3.8).contains(&algun),
            "{id}: some illegible {algun:.2}%"
        );
        assert!(
            (0.15..=0.9).contains(&todos),
            "{id}: all illegible {todos:.2}%"
        );
        assert!(
            (0.3..=1.3).contains(&excede),
            "{id}: exceeding {excede:.2}%"
        );
        assert!(
            (0.3..=1.3).contains(&sin_acta),
            "{id}: sin acta {sin_acta:.2}%"
        );
        let fuera = 100.0 * s.actas_fuera_catalogo as f64 / s.actas_registradas as f64;
        assert!((0.01..=0.3).contains(&fuera), "{id}: fuera {fuera:.3}%");
        let capturadas = s.porcentaje_actas_capturadas.0 as f64 / 10_000.0;
        assert!(
            (95.0..=99.9).contains(&capturadas),
            "{id}: {capturadas}% captured"
        );
    }
}

#[test]
fn the_last_corte_approximates_the_real_result() {
    let snapshot = last();
    let lista_nominal: u64 = snapshot
        .catalog
        .casillas
        .iter()
        .map(|c| c.lista_nominal as u64)
        .sum();
    // The IECM cómputos: lista nominal 7,935,947; participation 69.51 %.
    assert!(
        (7_800_000..=8_100_000).contains(&lista_nominal),
        "{lista_nominal}"
    );
    let results = tallied(snapshot);
    for r in &results.elections {
        let esperadas = r.summary.actas_esperadas;
        assert!((13_300..=13_700).contains(&esperadas), "{esperadas} actas");
        let participation = r.summary.porcentaje_participacion_ciudadana.0 as f64 / 10_000.0;
        assert!((67.0..=72.0).contains(&participation), "{participation}%");
    }
    // Jefatura de Gobierno: Brugada, then Taboada, then Chertorivski.
    let eix = &snapshot.index.elections[0];
    let votes = |party: &str| {
        let k = eix
            .candidacy_keys
            .iter()
            .position(|k| k.split('_').any(|p| p == party))
            .unwrap_or_else(|| panic!("no candidacy with {party}"));
        results.elections[0].entidad.candidacies[k]
    };
    assert!(votes("MORENA") > votes("PAN") && votes("PAN") > votes("MC"));
    let share = votes("MORENA") as f64 / results.elections[0].entidad.total_votos() as f64;
    assert!((0.48..=0.55).contains(&share), "Brugada {share:.3}");
}

#[test]
fn captured_actas_carry_plausible_times_and_hashes() {
    let snapshot = last();
    let corte_time = snapshot.corte.time();
    for actas in &snapshot.actas {
        for a in actas {
            match a.estado {
                EstadoActa::SinActa(_) => {
                    assert!(a.votos.iter().all(|v| *v == Campo::NoAplica));
                    assert!(a.verificacion.is_none() && a.codigo_integridad.is_none());
                }
                _ => {
                    let (acopio, captura, verificacion) = (
                        a.acopio.expect("acopio"),
                        a.captura.expect("captura"),
                        a.verificacion.expect("verificación"),
                    );
                    assert!(
                        acopio < captura && captura < verificacion && verificacion < corte_time
                    );
                    let hash = a.codigo_integridad.as_deref().unwrap_or("");
                    assert!(corte::contract::ids::is_sha256_hex(hash), "{hash}");
                    assert!(a.origen.is_some() && a.digitalizacion.is_some());
                }
            }
        }
    }
}

#[test]
fn missing_real_data_is_a_clear_error() {
    let err = Generator::new(Config {
        real_data: "/nonexistent/shared/data/real".into(),
        ..config()
    })
    .err()
    .unwrap_or_else(|| panic!("generating without the real files must fail"));
    assert!(matches!(err, GenError::Config(_)));
    let message = err.to_string();
    assert!(message.contains("--real-data"), "{message}");
    assert!(message.contains("iecm-2024-computos"), "{message}");
}

#[test]
fn a_corte_outside_the_night_is_refused() {
    assert!(cdmx().snapshot(0).is_err());
    assert!(cdmx().snapshot(CORTES + 1).is_err());
    assert!(Generator::new(Config::new(Scale::Cdmx, 0)).is_err());
}

// ---- Acta images (example scale) ----

/// The night of `site-example/` (its README's command), images on or off.
fn example_config(images: bool) -> Config {
    Config {
        interval_minutes: 120,
        images,
        ..Config::new(Scale::Example, 3)
    }
}

fn example_with_images() -> &'static Generator {
    static GENERATOR: OnceLock<Generator> = OnceLock::new();
    GENERATOR.get_or_init(|| {
        Generator::new(example_config(true))
            .unwrap_or_else(|e| panic!("the example scale generates with images: {e}"))
    })
}

/// Per corte, the images that arrive at it.
fn example_images() -> &'static Vec<Vec<GeneratedImage>> {
    static IMAGES: OnceLock<Vec<Vec<GeneratedImage>>> = OnceLock::new();
    IMAGES.get_or_init(|| {
        let g = example_with_images();
        (1..=g.cortes())
            .map(|seq| {
                g.images(seq)
                    .unwrap_or_else(|e| panic!("images of corte {seq}: {e}"))
            })
            .collect()
    })
}

/// Every corte of a generator, written and loaded back.
fn write_and_load(g: &Generator) -> Vec<Snapshot> {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("temp dir: {e}"));
    (1..=g.cortes())
        .map(|seq| {
            let path = dir.path().join(g.snapshot_name(seq));
            let snapshot = g
                .snapshot(seq)
                .unwrap_or_else(|e| panic!("corte {seq}: {e}"));
            corte::source::write(&path, &snapshot)
                .unwrap_or_else(|e| panic!("writing corte {seq}: {e}"));
            corte::source::load(&path).unwrap_or_else(|e| panic!("loading corte {seq}: {e}"))
        })
        .collect()
}

fn example_loaded() -> &'static Vec<Snapshot> {
    static LOADED: OnceLock<Vec<Snapshot>> = OnceLock::new();
    LOADED.get_or_init(|| write_and_load(example_with_images()))
}

/// Every CODIGO_INTEGRIDAD of a corte.
fn codigos(snapshot: &Snapshot) -> BTreeSet<String> {
    snapshot
        .actas
        .iter()
        .flatten()
        .filter_map(|a| a.codigo_integridad.clone())
        .collect()
}

#[test]
fn each_image_is_named_by_its_hash_and_decodes_to_its_size() {
    let mut total = 0;
    for (k, images) in example_images().iter().enumerate() {
        for image in images {
            let sha = corte::contract::sha256_hex(&image.bytes);
            assert_eq!(image.file_name, format!("{sha}.png"), "corte {}", k + 1);
            assert_eq!(image.sha256(), sha);
            let decoder = png::Decoder::new(std::io::Cursor::new(&image.bytes));
            let mut reader = decoder
                .read_info()
                .unwrap_or_else(|e| panic!("{}: {e}", image.file_name));
            let info = reader.info();
            assert_eq!(
                (info.width, info.height),
                (IMAGE_WIDTH, IMAGE_HEIGHT),
                "{}",
                image.file_name
            );
            let size = reader
                .output_buffer_size()
                .unwrap_or_else(|| panic!("{}: no buffer size", image.file_name));
            let mut buf = vec![0; size];
            reader
                .next_frame(&mut buf)
                .unwrap_or_else(|e| panic!("{}: {e}", image.file_name));
            assert!(
                (200..6_000).contains(&image.bytes.len()),
                "{}: {} bytes",
                image.file_name,
                image.bytes.len()
            );
            total += 1;
        }
    }
    assert!(total > 2_000, "{total} images");
}

#[test]
fn every_acta_with_a_code_has_exactly_one_image() {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (k, images) in example_images().iter().enumerate() {
        for image in images {
            if let Some(first) = seen.insert(image.sha256(), k + 1) {
                panic!(
                    "{} arrives at cortes {first} and {}",
                    image.file_name,
                    k + 1
                );
            }
        }
    }
    let last = example_loaded()
        .last()
        .unwrap_or_else(|| panic!("no cortes"));
    let mut captured = 0;
    for a in last.actas.iter().flatten() {
        match a.estado {
            EstadoActa::SinActa(_) => assert!(a.codigo_integridad.is_none()),
            EstadoActa::Capturada => {
                captured += 1;
                assert!(a.codigo_integridad.is_some(), "{}", a.clave_casilla);
            }
            _ => {}
        }
    }
    assert!(captured > 2_000, "{captured} captured actas");
    let images: BTreeSet<String> = seen.keys().map(|s| s.to_string()).collect();
    assert_eq!(
        images,
        codigos(last),
        "the images of the night are the codes of the final corte"
    );
}

#[test]
fn an_image_arrives_with_its_acta_or_one_corte_later() {
    let snapshots = example_loaded();
    let images = example_images();
    let none = BTreeSet::new();
    let mut delivered: BTreeSet<&str> = BTreeSet::new();
    let mut late = 0;
    for (k, snapshot) in snapshots.iter().enumerate() {
        let now = codigos(snapshot);
        let before = k.checked_sub(1).map(|p| codigos(&snapshots[p]));
        let before = before.as_ref().unwrap_or(&none);
        for image in &images[k] {
            let sha = image.sha256();
            assert!(
                now.contains(sha),
                "corte {}: {sha} arrives before its acta",
                k + 1
            );
            if before.contains(sha) {
                late += 1;
            }
            delivered.insert(sha);
        }
        // What has no image yet is new at this corte: no image is more than one corte late.
        for code in now.iter().filter(|c| !delivered.contains(c.as_str())) {
            assert!(
                !before.contains(code),
                "corte {}: {code} has waited two cortes for its image",
                k + 1
            );
        }
    }
    // About LATE_IMAGE_RATE of the actas registered before the final corte.
    let before_final = codigos(&snapshots[snapshots.len() - 2]).len();
    let share = late as f64 / before_final as f64;
    assert!(late > 0, "no image arrived late");
    assert!(
        (0.04..=0.11).contains(&share),
        "{late} of {before_final} images late ({share:.3})"
    );
}

#[test]
fn the_same_seed_gives_the_same_images() {
    let again = Generator::new(example_config(true)).unwrap_or_else(|e| panic!("{e}"));
    for seq in 1..=again.cortes() {
        let images = again.images(seq).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            images == example_images()[seq as usize - 1],
            "corte {seq}: other images"
        );
        let (a, b) = (again.snapshot(seq), example_with_images().snapshot(seq));
        assert_eq!(a.expect("corte").members, b.expect("corte").members);
    }
}

#[test]
fn images_off_keeps_the_codes_of_site_example() {
    let off = Generator::new(example_config(false)).unwrap_or_else(|e| panic!("{e}"));
    assert!(off.images(1).is_err(), "no images were planned");
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("site-example");
    for seq in 1..=off.cortes() {
        let snapshot = off.snapshot(seq).expect("corte");
        let folder = committed.join(off.snapshot_name(seq));
        for (member, bytes) in &snapshot.members {
            let path = folder.join(member);
            let on_disk =
                std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert!(
                *bytes == on_disk,
                "{}: not what site-example holds",
                path.display()
            );
        }
    }
    // Images on change the codes and nothing else.
    let (off, on) = (write_and_load(&off), example_loaded());
    for (a, b) in off.iter().zip(on) {
        assert_eq!(a.actas.len(), b.actas.len());
        for (a, b) in a.actas.iter().flatten().zip(b.actas.iter().flatten()) {
            assert_eq!(a.codigo_integridad.is_some(), b.codigo_integridad.is_some());
            if a.codigo_integridad.is_some() {
                assert_ne!(a.codigo_integridad, b.codigo_integridad);
            }
            let blank = |acta: &corte::contract::Acta| corte::contract::Acta {
                codigo_integridad: None,
                ..acta.clone()
            };
            assert_eq!(blank(a), blank(b));
        }
    }
}

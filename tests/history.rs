//! `render --history DIR`: earlier cortes' manifests, read from a published
//! store, become the evolution charts of the current corte.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use corte::published::manifest::*;
use corte::site::charts;
use corte::site::history::{CurrentCorte, History, HistoryError};
use corte::source::history::read_manifests;
use corte::tally::{Porcentaje, Summary};

fn summary(contabilizadas: u64, votos: u64) -> Summary {
    Summary {
        actas_esperadas: 200,
        actas_registradas: contabilizadas,
        actas_fuera_catalogo: 0,
        actas_capturadas: contabilizadas,
        porcentaje_actas_capturadas: Porcentaje::of(contabilizadas, 200),
        actas_contabilizadas: contabilizadas,
        porcentaje_actas_contabilizadas: Porcentaje::of(contabilizadas, 200),
        porcentaje_actas_inconsistencias: Porcentaje(0),
        actas_no_contabilizadas: 0,
        lista_nominal_actas_contabilizadas: votos * 2,
        total_votos_c_cs: votos,
        total_votos_s_cs: votos,
        porcentaje_participacion_ciudadana: Porcentaje::of(votos, votos * 2),
    }
}

fn manifest(seq: u32, time: &str, contabilizadas: u64, votes: [u64; 2]) -> Manifest {
    Manifest {
        manifest_version: MANIFEST_VERSION,
        generator: "corte test".into(),
        process: ManifestProcess {
            id: "CDMX2024".into(),
            name: "Proceso Electoral Local Ordinario 2023-2024".into(),
            entidad: "Ciudad de México".into(),
        },
        corte: ManifestCorte {
            id: format!("{seq:05}-20240602-{}", &time[11..16].replace(':', "")),
            seq,
            timestamp: time.into(),
            final_corte: false,
        },
        previous: None,
        snapshot: vec![],
        ruleset: corte::tally::ruleset::builtin("iecm-2024").expect("built-in ruleset"),
        elections: vec![ManifestElection {
            id: "JG".into(),
            name: "Jefatura de Gobierno".into(),
            summary: summary(contabilizadas, votes[0] + votes[1] + 10),
            candidacies: vec![
                CandidacyVotes {
                    key: "JG_A".into(),
                    votes: votes[0],
                },
                CandidacyVotes {
                    key: "JG_B".into(),
                    votes: votes[1],
                },
            ],
        }],
        files: BTreeMap::new(),
        images: BTreeMap::new(),
    }
}

fn publish(root: &Path, m: &Manifest) {
    let dir = root.join("cortes").join(&m.corte.id);
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("manifest.json"), m.to_canonical_json()).unwrap();
}

#[test]
fn a_published_store_gives_the_evolution_of_the_night() {
    let store = tempfile::tempdir().unwrap();
    publish(
        store.path(),
        &manifest(2, "2024-06-02T20:30:00-06:00", 40, [60, 30]),
    );
    publish(
        store.path(),
        &manifest(1, "2024-06-02T20:00:00-06:00", 10, [20, 10]),
    );
    // The corte being rendered again, and one published after it: not history.
    publish(
        store.path(),
        &manifest(3, "2024-06-02T21:00:00-06:00", 90, [1, 1]),
    );
    publish(
        store.path(),
        &manifest(4, "2024-06-02T21:30:00-06:00", 99, [1, 1]),
    );

    let files = read_manifests(store.path()).unwrap();
    let history = History::from_manifest_bytes(files, 3).unwrap();
    let now = summary(100, 300);
    let keys = ["JG_A".to_string(), "JG_B".to_string()];
    let evolution = history.evolution(
        "JG",
        &CurrentCorte {
            timestamp: "2024-06-02T21:00:00-06:00",
            summary: &now,
            candidacy_keys: &keys,
            candidacy_votes: &[190, 100],
        },
    );
    assert_eq!(evolution.labels, ["20:00", "20:30", "21:00"]);

    let actas = charts::evolution(
        "Actas contabilizadas",
        &evolution.labels,
        &[evolution.actas_series("Actas contabilizadas")],
    );
    assert_eq!(
        actas.alt,
        "Actas contabilizadas, 3 cortes de 20:00 a 21:00. \
         Actas contabilizadas: 20:00 5.0000 %, 20:30 20.0000 %, 21:00 50.0000 %."
    );
    let names = |key: &str| match key {
        "JG_A" => ("Candidatura A".to_string(), Some("#B5261E".to_string())),
        _ => ("Candidatura B".to_string(), None),
    };
    let shares = charts::evolution(
        "Porcentaje de votos",
        &evolution.labels,
        &evolution.candidacy_series(names),
    );
    assert!(
        shares.alt.ends_with(
            "Candidatura A: 20:00 50.0000 %, 20:30 60.0000 %, 21:00 63.3333 %; \
             Candidatura B: 20:00 25.0000 %, 20:30 30.0000 %, 21:00 33.3333 %."
        ),
        "{}",
        shares.alt
    );
    assert!(shares.svg.contains("stroke=\"#B5261E\""));
}

#[test]
fn a_broken_manifest_in_the_folder_is_named() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("00001.json"), b"{\"manifest_version\": 7}").unwrap();
    let files = read_manifests(dir.path()).unwrap();
    let err = History::from_manifest_bytes(files, 2).unwrap_err();
    assert!(matches!(&err, HistoryError::Manifest { file, .. } if file == "00001.json"));
}

//! The real published PREP files are the final word: importing them and
//! writing the database files again must reproduce their official figures.
//! The files are read from `../shared/data/real` (beside the repository).

use std::collections::HashMap;

use corte::anexo13::import::{self, Input, Options};
use corte::anexo13::reader;
use corte::contract::RulesetRef;
use corte::contract::Snapshot;
use corte::tally::{self, Results};

use crate::support::snapshots::real;

fn read(path: &str) -> (String, Vec<u8>) {
    let p = real(path);
    let name = p.file_name().unwrap().to_string_lossy().into_owned();
    (name, std::fs::read(&p).unwrap())
}

struct Imported {
    snapshot: Snapshot,
    results: Results,
    report: import::Report,
    _dir: tempfile::TempDir,
}

/// Imports a published file as `corte import anexo13` does, writes the
/// snapshot to disk, loads it back and tallies it.
fn import_real(database: &str, candidaturas: &str, ruleset: &str, final_corte: bool) -> Imported {
    let (file, bytes) = read(database);
    let input = Input {
        file,
        bytes,
        candidaturas: Some(read(candidaturas)),
    };
    let opts = Options {
        ruleset: RulesetRef::Named(ruleset.into()),
        final_corte,
        ..Options::default()
    };
    import_inputs(vec![input], &opts)
}

fn import_inputs(inputs: Vec<Input>, opts: &Options) -> Imported {
    let imported = import::import(&inputs, opts).unwrap_or_else(|e| panic!("import failed: {e}"));
    let dir = tempfile::tempdir().unwrap();
    let snap_dir = dir.path().join("snapshot");
    corte::source::write(&snap_dir, &imported.snapshot).unwrap();
    let snapshot = corte::source::load(&snap_dir)
        .unwrap_or_else(|e| panic!("the imported snapshot does not load: {e}"));
    let ruleset = tally::ruleset_of(&snapshot).unwrap();
    let results = tally::tally(&snapshot, &ruleset);
    Imported {
        snapshot,
        results,
        report: imported.report,
        _dir: dir,
    }
}

/// Our database file for the snapshot's only election, parsed back.
fn our_database(imp: &Imported) -> reader::PublishedFile {
    our_database_of(imp, 0)
}

/// A real database file as its publisher published it, parsed.
fn published(path: &str) -> reader::PublishedFile {
    let (name, bytes) = read(path);
    reader::read(&name, &bytes).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Our database file for one election, parsed back.
fn our_database_of(imp: &Imported, election: usize) -> reader::PublishedFile {
    let files = corte::anexo13::datasets(&imp.snapshot, &imp.results);
    let name = corte::anexo13::writer::database_name(&imp.snapshot, election);
    let f = files
        .iter()
        .find(|f| f.name == name)
        .expect("the database file is among the datasets");
    reader::read(&name, &f.bytes).unwrap()
}

fn summary_of(file: &reader::PublishedFile) -> Vec<(String, String)> {
    file.summary.clone()
}

/// Rows keyed by (CLAVE_CASILLA, TIPO_ACTA).
type RowsByActa = HashMap<(String, String), Vec<String>>;

/// Rows keyed by (CLAVE_CASILLA, TIPO_ACTA); fuera de catálogo rows in order.
fn rows_by_acta(file: &reader::PublishedFile) -> (RowsByActa, Vec<Vec<String>>) {
    let clave = file.column("CLAVE_CASILLA").unwrap();
    let tipo = file.column("TIPO_ACTA").unwrap();
    let cont = file.column("CONTABILIZADA").unwrap();
    let obs = file.column("OBSERVACIONES").unwrap();
    let mut keyed = HashMap::new();
    let mut fuera = Vec::new();
    for r in &file.rows {
        let is_fuera = r.fields[cont] == "2" || r.fields[obs].contains("FUERA DE CAT");
        if is_fuera {
            fuera.push(r.fields.clone());
        } else {
            let prev = keyed.insert(
                (r.fields[clave].clone(), r.fields[tipo].clone()),
                r.fields.clone(),
            );
            assert!(
                prev.is_none(),
                "{}: duplicate acta {} {}",
                file.file,
                r.fields[clave],
                r.fields[tipo]
            );
        }
    }
    (keyed, fuera)
}

/// Observation texts of different years mean the same thing.
fn same_observation(a: &str) -> String {
    let a = a.trim().to_uppercase();
    if a == "--" || a.is_empty() {
        return String::new();
    }
    if a.starts_with("ALGUN") {
        return "ALGUN CAMPO ILEGIBLE O SIN DATO".into();
    }
    a.replace("SIN SOBRE", "SIN BOLSA")
}

/// Every row of the official file has the same CONTABILIZADA (and, when
/// asked, the same OBSERVACIONES) in ours.
fn assert_rows_match(
    official: &reader::PublishedFile,
    ours: &reader::PublishedFile,
    observations: bool,
) -> usize {
    let (official_rows, official_fuera) = rows_by_acta(official);
    let (our_rows, our_fuera) = rows_by_acta(ours);
    assert_eq!(
        official_rows.len(),
        our_rows.len(),
        "number of actas in the catalog"
    );
    assert_eq!(
        official_fuera.len(),
        our_fuera.len(),
        "fuera de catálogo rows"
    );
    let (oc, oo) = (
        official.column("CONTABILIZADA").unwrap(),
        official.column("OBSERVACIONES").unwrap(),
    );
    let (uc, uo) = (
        ours.column("CONTABILIZADA").unwrap(),
        ours.column("OBSERVACIONES").unwrap(),
    );
    let mut checked = 0;
    for (key, row) in &official_rows {
        let mine = our_rows
            .get(key)
            .unwrap_or_else(|| panic!("acta {key:?} is missing from our file"));
        assert_eq!(row[oc], mine[uc], "CONTABILIZADA of acta {key:?}");
        if observations {
            assert_eq!(
                same_observation(&row[oo]),
                same_observation(&mine[uo]),
                "OBSERVACIONES of acta {key:?}"
            );
        }
        checked += 1;
    }
    for (row, mine) in official_fuera.iter().zip(&our_fuera) {
        assert_eq!(
            mine[uc], "2",
            "a fuera de catálogo acta is CONTABILIZADA 2 in the IECM 2024 layout"
        );
        assert!(row[oc] == "2" || row[oc] == "0");
    }
    checked
}

#[test]
fn campeche_2021_final_corte_reproduces_the_official_summary_and_every_row() {
    let imp = import_real(
        "campeche-2021-gob/CAMP_GOB_2021.csv",
        "campeche-2021-gob/CAMP_GOB_CANDIDATURA_2021.csv",
        "campeche-2021",
        true,
    );
    let official = published("campeche-2021-gob/CAMP_GOB_2021.csv");
    let ours = our_database(&imp);
    assert_eq!(
        summary_of(&ours),
        summary_of(&official),
        "all 13 summary values"
    );
    assert_eq!(official.summary_value("ACTAS_CONTABILIZADAS"), Some("1050"));
    assert_eq!(
        official.summary_value("PORCENTAJE_PARTICIPACION_CIUDADANA"),
        Some("63.2564")
    );
    let checked = assert_rows_match(&official, &ours, false);
    assert_eq!(checked, 1190);
    // Campeche published every illegible field as 0 and withheld the votes of
    // exceeding actas: those rows keep their published observation, and only those.
    let kept = &imp.report.elections[0].observaciones_publicadas;
    assert_eq!(kept.len(), 242, "{kept:?}");
    assert_eq!(
        imp.results.elections[0].actas_con_observacion_publicada,
        242
    );
}

#[test]
fn quintana_roo_2019_final_corte_reproduces_the_official_summary_and_every_row() {
    let imp = import_real(
        "qroo-2019-dip-loc/QROO_DIP_LOC_2019.csv",
        "qroo-2019-dip-loc/QROO_DIP_CANDIDATURAS_2019.csv",
        "qroo-2019",
        true,
    );
    let official = published("qroo-2019-dip-loc/QROO_DIP_LOC_2019.csv");
    let ours = our_database(&imp);
    assert_eq!(
        summary_of(&ours),
        summary_of(&official),
        "all 13 summary values"
    );
    assert_eq!(
        official.summary_value("PORCENTAJE_ACTAS_INCONSISTENCIAS"),
        Some("23.0337")
    );
    assert_eq!(assert_rows_match(&official, &ours, true), 2136);
    // Six actas exceed the lista nominal plus the accredited representatives
    // yet were counted: the file's limit used more representatives than it
    // publishes. Only those keep their published observation.
    assert_eq!(imp.report.elections[0].observaciones_publicadas.len(), 6);
}

fn json_votes(path: &str) -> serde_json::Value {
    let v: serde_json::Value = serde_json::from_slice(&read(path).1).unwrap();
    v["json"][0].clone()
}

#[test]
fn quintana_roo_party_totals_after_distribution_equal_the_publication() {
    let imp = import_real(
        "qroo-2019-dip-loc/QROO_DIP_LOC_2019.csv",
        "qroo-2019-dip-loc/QROO_DIP_CANDIDATURAS_2019.csv",
        "qroo-2019",
        true,
    );
    let r = &imp.results.elections[0];
    let slots = &r.plan.slots;
    let published: serde_json::Value =
        serde_json::from_slice(&read("qroo-2019-dip-loc/publication-json/entidad_pp_ci.json").1)
            .unwrap();
    let mut compared = 0;
    let mut cand_ind = 0;
    for (slot, votes) in slots.iter().zip(&r.entidad.parties) {
        if slot.starts_with("CAND_IND") {
            cand_ind += votes;
            continue;
        }
        let key = slot.to_lowercase();
        let expected = published["json"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["partido"] == key.as_str())
            .unwrap_or_else(|| panic!("{key} is not in entidad_pp_ci.json"))["votos"]
            .as_u64()
            .unwrap();
        assert_eq!(*votes, expected, "distributed votes of {slot}");
        compared += 1;
    }
    assert_eq!(compared, 12, "ten parties, no registrados and nulos");
    assert_eq!(cand_ind, 3775);
    assert_eq!(
        r.entidad.parties.iter().sum::<u64>(),
        263005,
        "distribution conserves every vote"
    );

    // Per candidacy: a coalition where it ran, each party alone elsewhere.
    let entidad = json_votes("qroo-2019-dip-loc/publication-json/entidad.json");
    let eix = &imp.snapshot.index.elections[0];
    for (key, votes) in eix.candidacy_keys.iter().zip(&r.entidad.candidacies) {
        if key.starts_with("CAND_IND") {
            continue;
        }
        let expected = entidad[key.to_lowercase().as_str()]
            .as_u64()
            .unwrap_or_else(|| panic!("{key} in entidad.json"));
        assert_eq!(*votes, expected, "votes of candidacy {key}");
    }
}

#[test]
fn iecm_2024_drill_reproduces_every_row_and_the_summary_where_the_file_agrees_with_itself() {
    let imp = import_real(
        "iecm-2024-simulacro/CDMX_GUB_2024.csv",
        "iecm-2024-simulacro/CDMX_GUB_CANDIDATURAS_2024.csv",
        "iecm-2024",
        false,
    );
    let official = published("iecm-2024-simulacro/CDMX_GUB_2024.csv");
    let ours = our_database(&imp);
    assert_eq!(assert_rows_match(&official, &ours, true), 13424);
    // The drill declares 71 expected actas it does not list.
    assert_eq!(imp.report.elections[0].actas_esperadas_no_listadas, 71);
    let ours: HashMap<String, String> = summary_of(&ours).into_iter().collect();
    let theirs: HashMap<String, String> = summary_of(&official).into_iter().collect();
    for field in [
        "ACTAS_ESPERADAS",
        "ACTAS_REGISTRADAS",
        "ACTAS_FUERA_CATALOGO",
        "ACTAS_CAPTURADAS",
        "ACTAS_CONTABILIZADAS",
        "PORCENTAJE_ACTAS_CONTABILIZADAS",
        "ACTAS_NO_CONTABILIZADAS",
        "LISTA_NOMINAL_ACTAS_CONTABILIZADAS",
    ] {
        assert_eq!(ours[field], theirs[field], "{field}");
    }
    // The drill rounds where the rules truncate: 13424 / 13495 = 99.47388…
    assert_eq!(theirs["PORCENTAJE_ACTAS_CAPTURADAS"], "99.4739");
    assert_eq!(ours["PORCENTAJE_ACTAS_CAPTURADAS"], "99.4738");
    // Its header disagrees with its own rows: the sum of its TOTAL_VOTOS_CALCULADOS
    // over its CONTABILIZADA=1 rows is 9,714,484 (ours), the header says 9,715,234;
    // without especiales 9,683,734, the header says 9,715,192; its rows carry
    // 519 inconsistent observations, the header's 3.8607 % needs 521.
    let rows_sum = |especiales: bool| -> u64 {
        let (c, t, tipo) = (
            official.column("CONTABILIZADA").unwrap(),
            official.column("TOTAL_VOTOS_CALCULADO").unwrap(),
            official.column("TIPO_CASILLA").unwrap(),
        );
        official
            .rows
            .iter()
            .filter(|r| r.fields[c] == "1" && (especiales || r.fields[tipo] != "S"))
            .map(|r| r.fields[t].parse::<u64>().unwrap_or(0))
            .sum()
    };
    assert_eq!(ours["TOTAL_VOTOS_C_CS"], rows_sum(true).to_string());
    assert_eq!(ours["TOTAL_VOTOS_S_CS"], rows_sum(false).to_string());
    assert_eq!(theirs["TOTAL_VOTOS_C_CS"], "9715234");
    assert_eq!(ours["PORCENTAJE_ACTAS_INCONSISTENCIAS"], "3.8458");
    assert_eq!(imp.report.elections[0].observaciones_publicadas.len(), 7);
}

/// datasets → import → datasets gives the same bytes.
fn assert_round_trip(imp: &Imported, ruleset: &str) {
    let first = corte::anexo13::datasets(&imp.snapshot, &imp.results);
    let get = |files: &[corte::anexo13::DatasetFile], name: &str| {
        files
            .iter()
            .find(|f| f.name == name)
            .unwrap_or_else(|| panic!("{name} among the datasets"))
            .bytes
            .clone()
    };
    let inputs = (0..imp.snapshot.catalog.elections.len())
        .map(|e| {
            let database = corte::anexo13::writer::database_name(&imp.snapshot, e);
            let candidaturas = corte::anexo13::writer::candidaturas_name(&imp.snapshot, e);
            Input {
                bytes: get(&first, &database),
                file: database,
                candidaturas: Some((candidaturas.clone(), get(&first, &candidaturas))),
            }
        })
        .collect();
    let opts = Options {
        ruleset: RulesetRef::Named(ruleset.into()),
        final_corte: imp.snapshot.corte.final_corte,
        ..Options::default()
    };
    let again = import_inputs(inputs, &opts);
    let second = corte::anexo13::datasets(&again.snapshot, &again.results);
    assert_eq!(first.len(), second.len());
    for (a, b) in first.iter().zip(&second) {
        assert_eq!(a.name, b.name);
        assert!(
            a.bytes == b.bytes,
            "{} differs after datasets → import → datasets",
            a.name
        );
    }
}

#[test]
fn datasets_import_datasets_gives_identical_bytes_for_every_real_file() {
    for (db, cand, ruleset, fin) in [
        (
            "campeche-2021-gob/CAMP_GOB_2021.csv",
            "campeche-2021-gob/CAMP_GOB_CANDIDATURA_2021.csv",
            "campeche-2021",
            true,
        ),
        (
            "qroo-2019-dip-loc/QROO_DIP_LOC_2019.csv",
            "qroo-2019-dip-loc/QROO_DIP_CANDIDATURAS_2019.csv",
            "qroo-2019",
            true,
        ),
        (
            "iecm-2024-simulacro/CDMX_GUB_2024.csv",
            "iecm-2024-simulacro/CDMX_GUB_CANDIDATURAS_2024.csv",
            "iecm-2024",
            false,
        ),
    ] {
        let imp = import_real(db, cand, ruleset, fin);
        assert_round_trip(&imp, ruleset);
    }
    assert_round_trip(&import_puebla(), "puebla-2018");
    // The first corte (actas not yet captured) and the final one (every kind
    // of sin acta); the two between add nothing new to a round trip.
    for (corte, fin, _) in [OAXACA_2022[0], OAXACA_2022[3]] {
        assert_round_trip(&import_oaxaca(corte, fin), "oaxaca-2022");
    }
}

#[test]
fn the_candidates_file_of_each_unit_becomes_its_candidacies() {
    let imp = import_real(
        "qroo-2019-dip-loc/QROO_DIP_LOC_2019.csv",
        "qroo-2019-dip-loc/QROO_DIP_CANDIDATURAS_2019.csv",
        "qroo-2019",
        true,
    );
    let eix = &imp.snapshot.index.elections[0];
    // Distrito 1: the PAN-PRD-PESQROO coalition and PVEM, PT, MORENA apart.
    let unit = eix.unit_by_id["1"] as usize;
    let keys: Vec<&str> = eix.unit_candidacies[unit]
        .iter()
        .map(|k| eix.candidacy_key[*k as usize].as_str())
        .collect();
    assert!(keys.contains(&"PAN_PRD_PESQROO"), "{keys:?}");
    assert!(
        keys.contains(&"PVEM") && keys.contains(&"MORENA"),
        "{keys:?}"
    );
    // Distrito 11 alone has the first independent.
    let d11 = eix.unit_by_id["11"] as usize;
    let keys: Vec<&str> = eix.unit_candidacies[d11]
        .iter()
        .map(|k| eix.candidacy_key[*k as usize].as_str())
        .collect();
    assert!(keys.contains(&"CAND_IND_1"), "{keys:?}");
}

/// A whole CDMX corte of the generator (three elections, a candidatura común,
/// votes from abroad without sección, representación proporcional actas):
/// its datasets imported together give the same datasets back, byte for byte.
#[test]
fn a_generated_three_election_corte_survives_datasets_import_datasets() {
    use corte::generator::{Config, Generator, Scale};
    let mut config = Config::new(Scale::Cdmx, 3);
    config.real_data = real("");
    let generator = Generator::new(config).unwrap();
    let snap = generator.snapshot(2).unwrap();
    let dir = tempfile::tempdir().unwrap();
    corte::source::write(&dir.path().join("s"), &snap).unwrap();
    let snapshot = corte::source::load(&dir.path().join("s")).unwrap();
    let results = tally::tally(&snapshot, &tally::ruleset_of(&snapshot).unwrap());
    let first = corte::anexo13::datasets(&snapshot, &results);
    let get = |name: &str| first.iter().find(|f| f.name == name).unwrap().bytes.clone();
    let inputs = (0..snapshot.catalog.elections.len())
        .map(|e| {
            let db = corte::anexo13::writer::database_name(&snapshot, e);
            let cand = corte::anexo13::writer::candidaturas_name(&snapshot, e);
            Input {
                bytes: get(&db),
                file: db,
                candidaturas: Some((cand.clone(), get(&cand))),
            }
        })
        .collect();
    let opts = Options {
        ruleset: snapshot.catalog.ruleset.clone(),
        seq: snapshot.corte.seq,
        comunes: vec![
            import::Comun::parse("MORENA_PT_PVEM=MORENA:5333,PT:2000,PVEM:2667").unwrap(),
        ],
        ..Options::default()
    };
    let again = import_inputs(inputs, &opts);
    let second = corte::anexo13::datasets(&again.snapshot, &again.results);
    assert_eq!(first.len(), second.len());
    for (a, b) in first.iter().zip(&second) {
        assert_eq!(a.name, b.name);
        assert!(
            a.bytes == b.bytes,
            "{} differs after datasets → import → datasets",
            a.name
        );
    }
    // The distributed party totals survive too: the común is split the same way.
    for (a, b) in results.elections.iter().zip(&again.results.elections) {
        assert_eq!(a.entidad.parties, b.entidad.parties);
        assert_eq!(a.summary, b.summary);
    }
}

/// The official summary lines of IEE Puebla 2018 (final corte), in the order
/// of the 13 summary fields, as the README of `../shared/data/real` gives them.
const PUEBLA_2018: [(&str, &str, [&str; 13]); 3] = [
    (
        "PUE_GOB_2018.csv",
        "PUE_GOB_CANDIDATURAS_2018.csv",
        [
            "7548", "7407", "0", "7407", "98.1319", "6232", "82.5649", "4.0805", "1174", "3705612",
            "2516965", "2506816", "67.6491",
        ],
    ),
    (
        "PUE_DIP_LOC_2018.csv",
        "PUE_DIP_LOC_CANDIDATURAS_2018.csv",
        [
            "7547", "7402", "0", "7402", "98.0787", "6201", "82.1650", "4.0413", "1199", "3689842",
            "2491611", "2486552", "67.3891",
        ],
    ),
    (
        "PUE_AYUN_2018.csv",
        "PUE_AYUN_CANDIDATURAS_2018.csv",
        [
            "7547", "7392", "0", "7392", "97.9462", "6115", "81.0255", "4.0413", "1276", "3634952",
            "2466358", "2465153", "67.8180",
        ],
    ),
];

/// The three elections of Puebla in one snapshot, as published: candidates
/// files included, no hand edits.
fn import_puebla() -> Imported {
    let inputs = PUEBLA_2018
        .iter()
        .map(|(db, cand, _)| {
            let (file, bytes) = read(&format!("iee-puebla-2018/{db}"));
            Input {
                file,
                bytes,
                candidaturas: Some(read(&format!("iee-puebla-2018/{cand}"))),
            }
        })
        .collect();
    let opts = Options {
        ruleset: RulesetRef::Named("puebla-2018".into()),
        final_corte: true,
        ..Options::default()
    };
    import_inputs(inputs, &opts)
}

/// Every row's CONTABILIZADA of the official file is ours, a "nothing"
/// marker (`-`, empty) being an acta not yet captured in both.
fn assert_contabilizada_matches(
    official: &reader::PublishedFile,
    ours: &reader::PublishedFile,
) -> usize {
    let (official_rows, official_fuera) = rows_by_acta(official);
    let (our_rows, our_fuera) = rows_by_acta(ours);
    assert_eq!(official_rows.len(), our_rows.len(), "actas in the catalog");
    assert_eq!(official_fuera.len(), our_fuera.len(), "fuera de catálogo");
    let (oc, uc) = (
        official.column("CONTABILIZADA").unwrap(),
        ours.column("CONTABILIZADA").unwrap(),
    );
    let code = |v: &str| {
        if v == "-" {
            String::new()
        } else {
            v.to_string()
        }
    };
    for (key, row) in &official_rows {
        let mine = our_rows
            .get(key)
            .unwrap_or_else(|| panic!("acta {key:?} is missing from our file"));
        assert_eq!(
            code(&row[oc]),
            code(&mine[uc]),
            "CONTABILIZADA of acta {key:?}"
        );
    }
    official_rows.len()
}

#[test]
fn puebla_2018_three_elections_import_as_published_and_reproduce_all_39_summary_values() {
    let imp = import_puebla();
    for (e, (db, _, expected)) in PUEBLA_2018.iter().enumerate() {
        let official = published(&format!("iee-puebla-2018/{db}"));
        let ours = our_database_of(&imp, e);
        let values: Vec<&str> = ours.summary.iter().map(|(_, v)| v.as_str()).collect();
        assert_eq!(
            values,
            expected.to_vec(),
            "{db}: the README's official values"
        );
        assert_eq!(
            ours.summary, official.summary,
            "{db}: the file's own summary line"
        );
        assert_eq!(
            assert_contabilizada_matches(&official, &ours),
            expected[0].parse::<usize>().unwrap()
        );
    }
    // The acta published as CONTABILIZADA 0 with no observation is captured
    // and counted in no category, as its publisher did.
    let sin_clasificar: Vec<usize> = imp
        .report
        .elections
        .iter()
        .map(|r| r.rows.sin_clasificar)
        .collect();
    assert_eq!(sin_clasificar, vec![1, 2, 1]);
    let gob = &imp.snapshot.actas[0];
    let a = gob
        .iter()
        .find(|a| a.clave_casilla == "211293C0100")
        .unwrap();
    assert_eq!(
        a.observacion_publicada,
        Some(corte::contract::Publicada::SinClasificar)
    );
}

#[test]
fn puebla_2018_candidates_files_become_the_candidacies_that_ran_in_each_unit() {
    let imp = import_puebla();
    let keys = |e: usize, unit: &str| -> Vec<String> {
        let eix = &imp.snapshot.index.elections[e];
        let u = eix.unit_by_id[unit] as usize;
        let mut k: Vec<String> = eix.unit_candidacies[u]
            .iter()
            .map(|k| eix.candidacy_key[*k as usize].clone())
            .collect();
        k.sort();
        k
    };
    // Municipio 1 (Acajete): the file lists every combination and names the
    // candidates who ran: PAN with PRD, PT with MORENA and PES, the rest alone.
    assert_eq!(
        keys(2, "001"),
        [
            "CPP",
            "MC",
            "NA",
            "PAN_PRD",
            "PRI",
            "PSI",
            "PT_MORENA_PES",
            "PV"
        ]
    );
    // Municipio 111 names no PV candidate, but PV has votes on its counted
    // actas: the votes put it on the ballot.
    assert!(
        keys(2, "111").contains(&"PV".to_string()),
        "{:?}",
        keys(2, "111")
    );
    // Distrito 7: CPP alone, the other four of the front together.
    assert!(
        keys(1, "007").contains(&"PAN_PRD_MC_PSI".to_string()),
        "{:?}",
        keys(1, "007")
    );
    assert!(keys(1, "007").contains(&"CPP".to_string()));
    let report = &imp.report.elections[2];
    let mor = report
        .spellings
        .iter()
        .find(|s| s.spelling == "MOR")
        .unwrap();
    assert_eq!(
        mor.party, "MORENA",
        "the candidates file's MOR is the column MORENA"
    );
    let kinds: Vec<&str> = report.normalizations.iter().map(|n| n.kind).collect();
    for kind in [
        "guard",
        "not_yet_captured",
        "candidates_not_a_candidacy",
        "candidates_not_running",
        "sin_clasificar",
    ] {
        assert!(kinds.contains(&kind), "{kind} in {kinds:?}");
    }
}

/// The four cortes of IEEPCO Oaxaca 2022 (folder, final, official summary).
const OAXACA_2022: [(&str, bool, [&str; 13]); 4] = [
    (
        "20220605_2120",
        false,
        [
            "5707", "2618", "1", "2617", "45.8559", "2578", "45.1725", "2.8736", "39", "1425544",
            "539272", "526059", "36.9022",
        ],
    ),
    (
        "20220605_2340",
        false,
        [
            "5707", "4268", "2", "4266", "74.7503", "4180", "73.2433", "5.5020", "86", "2256649",
            "875755", "856539", "37.9562",
        ],
    ),
    (
        "20220606_0000",
        false,
        [
            "5707", "4449", "2", "4447", "77.9218", "4356", "76.3272", "5.8349", "91", "2345242",
            "906456", "887240", "37.8314",
        ],
    ),
    (
        "20220606_1500",
        true,
        [
            "5707", "5672", "5", "5667", "99.2991", "5503", "96.4254", "8.3231", "164", "2894578",
            "1122128", "1100508", "38.0195",
        ],
    ),
];

fn import_oaxaca(corte: &str, final_corte: bool) -> Imported {
    let (file, bytes) = read(&format!("ieepco-oaxaca-2022/{corte}/OAX_GUB_2022.csv"));
    let input = Input {
        file,
        bytes,
        candidaturas: Some(read(&format!(
            "ieepco-oaxaca-2022/{corte}/OAX_GUB_Candidatura_2022.csv"
        ))),
    };
    let opts = Options {
        ruleset: RulesetRef::Named("oaxaca-2022".into()),
        final_corte,
        ..Options::default()
    };
    import_inputs(vec![input], &opts)
}

/// Adds 0.0001 to a four-decimal percentage.
fn plus_one_unit(p: &str) -> String {
    let (whole, frac) = p.split_once('.').unwrap();
    let n: u64 = format!("{whole}{frac}").parse::<u64>().unwrap() + 1;
    format!("{}.{:04}", n / 10_000, n % 10_000)
}

#[test]
fn oaxaca_2022_four_cortes_reproduce_49_of_52_summary_values_and_the_three_are_one_unit_above() {
    // The publisher's fourth decimal is one below exact truncation in these
    // three (docs/decisions.md: no arithmetic found explains them and the rest).
    let below = [
        ("20220605_2120", "PORCENTAJE_PARTICIPACION_CIUDADANA"),
        ("20220606_0000", "PORCENTAJE_ACTAS_CONTABILIZADAS"),
        ("20220606_1500", "PORCENTAJE_PARTICIPACION_CIUDADANA"),
    ];
    let mut exact = 0;
    for (corte, fin, expected) in OAXACA_2022 {
        let imp = import_oaxaca(corte, fin);
        let ours = our_database(&imp);
        let official = published(&format!("ieepco-oaxaca-2022/{corte}/OAX_GUB_2022.csv"));
        assert_eq!(
            assert_contabilizada_matches(&official, &ours),
            5707,
            "{corte}"
        );
        for ((field, value), published) in ours.summary.iter().zip(expected) {
            assert_eq!(
                official.summary_value(field),
                Some(published),
                "{corte} {field}: the README is the file"
            );
            if below.contains(&(corte, field.as_str())) {
                assert_eq!(
                    *value,
                    plus_one_unit(published),
                    "{corte} {field}: exact truncation"
                );
            } else {
                assert_eq!(value, published, "{corte} {field}");
                exact += 1;
            }
        }
    }
    assert_eq!(exact, 49);
}

#[test]
fn oaxaca_2022_coalition_columns_spell_a_party_differently_and_are_matched_to_it() {
    let imp = import_oaxaca("20220606_1500", true);
    let election = &imp.snapshot.catalog.elections[0];
    let coalition = election
        .options
        .iter()
        .find(|o| o.column == "C_PT_PV_PUP_MOR")
        .unwrap();
    assert_eq!(coalition.parties, ["PT", "PVEM", "PUP", "MOR"]);
    assert!(
        !imp.snapshot.catalog.parties.iter().any(|p| p.id == "PV"),
        "PV is no party of its own"
    );
    let eix = &imp.snapshot.index.elections[0];
    let mut keys = eix.candidacy_keys.clone();
    keys.sort();
    assert_eq!(
        keys,
        [
            "CI1",
            "CI2",
            "MC",
            "NA",
            "PAN",
            "PRI_PRD",
            "PT_PVEM_PUP_MOR"
        ]
    );
    let report = &imp.report.elections[0];
    let pv = report
        .spellings
        .iter()
        .find(|s| s.spelling == "PV")
        .unwrap();
    assert_eq!(pv.party, "PVEM");
    assert!(
        pv.labels.iter().any(|l| l == "SUM-PT-PV-PUP-MOR"),
        "{:?}",
        pv.labels
    );
    // `-` is "no observation"; two observations in one field decide by precedence.
    let several = report
        .normalizations
        .iter()
        .find(|n| n.kind == "several_observations")
        .unwrap();
    assert_eq!(several.count, 2);
    assert_eq!(several.first.taken, "EXCEDE LISTA NOMINAL");
}

#[test]
fn the_iecm_computos_export_is_refused_as_no_prep_database_file() {
    let (file, bytes) = read("iecm-2024-computos/CDMX_GUB_2024_computos.csv");
    let input = Input {
        file,
        bytes,
        candidaturas: None,
    };
    let e = import::import(&[input], &Options::default())
        .err()
        .expect("a cómputos export has no CLAVE_CASILLA, CONTABILIZADA or OBSERVACIONES");
    assert_eq!(e.row, Some(7), "{e}");
    assert!(e.message.contains("not a PREP database file"), "{e}");
}

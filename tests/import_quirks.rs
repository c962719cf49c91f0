//! `corte import anexo13` on the families of quirks published files come
//! in, beyond the examples of `../shared/data/real`: one small database file
//! in IEE Puebla 2018's layout (with Oaxaca 2022's party columns), written
//! each way a publisher might write it. Lenient where the meaning is one,
//! an error naming the file, row, field and value where it could be two.

use corte::anexo13::import::{self, Imported, Input, Options};
use corte::contract::{Campo, RulesetRef};

const COLUMNS: &str = "CLAVE_CASILLA,CLAVE_ACTA,ID_ESTADO,ESTADO,ID_DISTRITO_LOCAL,DISTRITO_LOCAL,SECCION,ID_CASILLA,TIPO_CASILLA,EXT_CONTIGUA,UBICACION_CASILLA,TIPO_ACTA,TOTAL_BOLETAS_SOBRANTES,TOTAL_PERSONAS_VOTARON,TOTAL_REP_PARTIDO_CI_VOTARON,TOTAL_VOTOS_SACADOS,PAN,PRI,PRD,PT,PVEM,MORENA,C_PT_PV_MOR,C_PT_PV,C_PT_MOR,C_PV_MOR,CI1,NO_REGISTRADOS,NULOS,TOTAL_VOTOS_ASENTADO,TOTAL_VOTOS_CALCULADO,LISTA_NOMINAL,REPRESENTANTES_PP_CI,OBSERVACIONES,CONTABILIZADA,MECANISMOS_TRASLADO,SHA,FECHA_HORA_ACOPIO,FECHA_HORA_CAPTURA,FECHA_HORA_VERIFICACION,ORIGEN,DIGITALIZACION,TIPO_DOCUMENTO";

/// One acta row: casilla key, distrito, the 13 vote fields, observation,
/// CONTABILIZADA. The count fields are filled when some vote field is.
fn row(clave: &str, distrito: &str, votes: [&str; 13], obs: &str, cont: &str) -> String {
    let seccion = &clave[2..6];
    let tipo = &clave[6..7];
    let sum: u32 = votes.iter().filter_map(|v| v.parse::<u32>().ok()).sum();
    let counts = if votes.iter().any(|v| v.parse::<u32>().is_ok()) {
        [format!("100,{sum},2,{sum}"), format!("{sum},{sum}")]
    } else {
        [",,,".to_string(), ",".to_string()]
    };
    format!(
        "{clave},{clave}05,21,PUEBLA,{distrito},DISTRITO {distrito},{seccion},01,{tipo},00,2,5,{},{},{},600,6,{obs},{cont},F,,2018-07-02 04:27:00,2018-07-02 04:52:51,2018-07-02 04:55:26,CATD,Escaner,ACTA PREP",
        counts[0],
        votes.join(","),
        counts[1]
    )
}

const NONE: [&str; 13] = [""; 13];

/// Distrito 001: the PT–PVEM–MORENA coalition and PAN, PRI, PRD; no
/// independent. Distrito 002: the same, and an independent (CI1).
fn rows() -> Vec<String> {
    vec![
        row(
            "210001B0100",
            "001",
            [
                "30", "17", "5", "14", "2", "263", "8", "0", "0", "3", "-", "0", "12",
            ],
            "",
            "1",
        ),
        row(
            "210001C0100",
            "001",
            [
                "30", "21", "4", "12", "2", "233", "2", "6", "0", "1", "-", "0", "16",
            ],
            "ALGUN CAMPO ILEGIBLE O SIN DATO",
            "1",
        ),
        row("210001C0200", "001", NONE, "Sin Acta", "0"),
        row(
            "210001C0300",
            "001",
            ["ILEGIBLE"; 13],
            "TODOS ILEGIBLES O SIN DATO",
            "0",
        ),
        row(
            "210002B0100",
            "002",
            [
                "40", "11", "7", "9", "1", "120", "3", "1", "0", "0", "25", "1", "9",
            ],
            "",
            "1",
        ),
        row("210002C0100", "002", NONE, "", "-"),
    ]
}

fn database(rows: &[String]) -> String {
    format!(
        "DIPUTACIONES LOCALES\n02/07/2018 20:00 (UTC-5)\n\
         ACTAS_ESPERADAS,ACTAS_REGISTRADAS\n6,5\n\n{COLUMNS}\n{}\n",
        rows.join("\n")
    )
}

const CANDIDATES: &str = "ID_ESTADO,ID_DISTRITO_LOCAL,PARTIDO_CI,CANDIDATURA_PROPIETARIA\n\
    21,1,PAN,ANA\n21,1,PRI,BETO\n21,1,SUM-PT-PV-MOR,CARLA\n21,1,CNR,Candidaturas no registradas\n21,1,NULOS,Votos nulos\n\
    21,2,PAN,DORA\n21,2,PRI,ELIAS\n21,2,SUM-PT-PV-MOR,FELIPE\n21,2,CI1,GABRIELA\n21,1,PRD,HUGO\n21,2,PRD,IRMA\n";

fn import_text(
    db: &[u8],
    candidates: Option<&[u8]>,
) -> Result<Imported, corte::contract::ContractError> {
    let input = Input {
        file: "PUE_DIP_LOC_2018.csv".into(),
        bytes: db.to_vec(),
        candidaturas: candidates
            .map(|c| ("PUE_DIP_LOC_CANDIDATURAS_2018.csv".to_string(), c.to_vec())),
    };
    let opts = Options {
        ruleset: RulesetRef::Named("puebla-2018".into()),
        final_corte: true,
        ..Options::default()
    };
    import::import(&[input], &opts)
}

fn imported(db: &str) -> Imported {
    import_text(db.as_bytes(), Some(CANDIDATES.as_bytes())).unwrap_or_else(|e| panic!("{e}"))
}

/// The imported snapshot written, loaded back and tallied.
struct Loaded {
    snapshot: corte::contract::Snapshot,
    results: corte::tally::Results,
    _dir: tempfile::TempDir,
}

fn load(imp: &Imported) -> Loaded {
    let dir = tempfile::tempdir().unwrap();
    corte::source::write(dir.path(), &imp.snapshot).unwrap();
    let snapshot = corte::source::load(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    let results = corte::tally::tally(&snapshot, &corte::tally::ruleset_of(&snapshot).unwrap());
    Loaded {
        snapshot,
        results,
        _dir: dir,
    }
}

fn kinds(imp: &Imported) -> Vec<&'static str> {
    imp.report.elections[0]
        .normalizations
        .iter()
        .map(|n| n.kind)
        .collect()
}

fn latin1(s: &str) -> Vec<u8> {
    s.chars()
        .map(|c| u8::try_from(c as u32).expect("a Latin-1 character"))
        .collect()
}

#[test]
fn every_layout_of_the_same_file_gives_the_same_snapshot_and_says_how_it_was_read() {
    let plain = imported(&database(&rows()));
    let guarded: Vec<String> = rows()
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let (key, rest) = r.split_once(',').unwrap();
            if i % 2 == 0 {
                format!("'{key},{rest}")
            } else {
                format!("=\"{key}\",{rest}")
            }
        })
        .collect();
    let trailing: Vec<String> = guarded.iter().map(|r| format!("{r},")).collect();
    let with_bom = database(&trailing).replace(&format!("{COLUMNS}\n"), &format!("{COLUMNS},\n"));
    let accented = database(&rows())
        .replace("DIPUTACIONES LOCALES", "DIPUTACIÓN LOCAL")
        .replace("ACTAS_ESPERADAS", "Actas Esperadas");
    let worded_corte = database(&rows()).replace(
        "02/07/2018 20:00 (UTC-5)",
        "Fecha de corte: 02/07/2018 20:00 hrs. (UTC-5)",
    );
    let variants: Vec<(Vec<u8>, Vec<&str>)> = vec![
        (database(&guarded).into_bytes(), vec!["guard"]),
        (
            format!("sep=;\n{}", database(&rows()).replace(',', ";")).into_bytes(),
            vec!["separator_line"],
        ),
        (
            [b"\xEF\xBB\xBF".as_slice(), with_bom.as_bytes()].concat(),
            vec!["encoding", "trailing_delimiter", "guard"],
        ),
        (latin1(&accented), vec!["encoding", "summary_name"]),
        (worded_corte.into_bytes(), vec!["corte_line"]),
    ];
    for (bytes, expected) in variants {
        let imp =
            import_text(&bytes, Some(CANDIDATES.as_bytes())).unwrap_or_else(|e| panic!("{e}"));
        for (name, member) in &plain.snapshot.members {
            if name == "catalog.json" {
                continue; // the election's name differs in one variant
            }
            assert!(imp.snapshot.members[name] == *member, "{name} differs");
        }
        let got = kinds(&imp);
        for kind in expected {
            assert!(got.contains(&kind), "{kind} not in {got:?}");
        }
    }
}

#[test]
fn a_party_spelled_differently_in_a_coalition_and_a_label_is_matched_to_its_column() {
    let imp = imported(&database(&rows()));
    let l = load(&imp);
    let e = &l.snapshot.catalog.elections[0];
    let c = e
        .options
        .iter()
        .find(|o| o.column == "C_PT_PV_MOR")
        .unwrap();
    assert_eq!(c.parties, ["PT", "PVEM", "MORENA"]);
    let report = &imp.report.elections[0];
    let spellings: Vec<(&str, &str)> = report
        .spellings
        .iter()
        .map(|s| (s.spelling.as_str(), s.party.as_str()))
        .collect();
    assert!(
        spellings.contains(&("PV", "PVEM")) && spellings.contains(&("MOR", "MORENA")),
        "{spellings:?}"
    );
    let eix = &l.snapshot.index.elections[0];
    let mut keys = eix.candidacy_keys.clone();
    keys.sort();
    assert_eq!(keys, ["CI1", "PAN", "PRD", "PRI", "PT_PVEM_MORENA"]);
}

#[test]
fn a_spelling_that_could_be_two_parties_stops_the_import_naming_file_row_field_and_value() {
    let candidates = CANDIDATES.replace("21,2,PRI,ELIAS", "21,2,SUM-PR-PAN,ELIAS");
    let e = import_text(database(&rows()).as_bytes(), Some(candidates.as_bytes()))
        .err()
        .expect("an ambiguous spelling is refused");
    let text = e.to_string();
    assert!(
        text.starts_with("PUE_DIP_LOC_CANDIDATURAS_2018.csv, row 8, field PARTIDO_CI:"),
        "{text}"
    );
    assert!(text.ends_with("`PR` could be any of PRI, PRD"), "{text}");
}

#[test]
fn a_mark_printed_across_every_column_puts_no_option_on_a_ballot() {
    // Without a candidates file the ballots come from the counted actas'
    // votes only: distrito 001's TODOS ILEGIBLES acta prints ILEGIBLE in CI1
    // too, yet CI1 is on distrito 002's ballot alone.
    let imp = import_text(database(&rows()).as_bytes(), None).unwrap_or_else(|e| panic!("{e}"));
    let l = load(&imp);
    let eix = &l.snapshot.index.elections[0];
    let ci1 = eix.option_by_column["CI1"] as usize;
    let ballot = |unit: &str| eix.unit_ballot[eix.unit_by_id[unit] as usize][ci1];
    assert!(!ballot("001") && ballot("002"));
    let illegible = l.snapshot.actas[0]
        .iter()
        .find(|a| a.clave_casilla == "210001C0300")
        .unwrap();
    assert_eq!(
        illegible.votos[ci1],
        Campo::NoAplica,
        "left empty, reported"
    );
    assert!(kinds(&imp).contains(&"off_ballot"));
}

#[test]
fn observation_wordings_of_any_publisher_read_as_the_rules_word_them() {
    let mut r = rows();
    r[1] = r[1].replace(
        "ALGUN CAMPO ILEGIBLE O SIN DATO",
        "Algún campo ilegible (2)",
    );
    r[3] = r[3].replace("TODOS ILEGIBLES O SIN DATO", "Todos los campos vacíos");
    r[2] = r[2].replace("Sin Acta", "sin  ACTA");
    let plain = imported(&database(&rows()));
    let worded = imported(&database(&r));
    assert!(kinds(&worded).contains(&"observation"));
    let estados = |imp: &Imported| -> Vec<_> {
        let l = load(imp);
        l.snapshot.actas[0]
            .iter()
            .map(|a| (a.estado, a.observacion_publicada))
            .collect()
    };
    assert_eq!(estados(&plain), estados(&worded));
}

#[test]
fn an_acta_counted_in_no_category_is_captured_only() {
    let mut r = rows();
    r.push(row("210002C0200", "002", NONE, "", "0"));
    let imp = imported(&database(&r));
    assert_eq!(imp.report.elections[0].rows.sin_clasificar, 1);
    assert!(kinds(&imp).contains(&"sin_clasificar"));
    let s = &load(&imp).results.elections[0].summary;
    // Six captured: three counted, two not (sin acta, all illegible), one in neither.
    assert_eq!(
        (
            s.actas_capturadas,
            s.actas_contabilizadas,
            s.actas_no_contabilizadas
        ),
        (6, 3, 2)
    );
}

/// The import of the database with one row replaced fails with this text.
fn refused(row_index: usize, new_row: String) -> String {
    let mut r = rows();
    r[row_index] = new_row;
    match import_text(database(&r).as_bytes(), Some(CANDIDATES.as_bytes())) {
        Ok(_) => panic!("row {row_index} replaced should be refused"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn what_could_mean_two_things_is_refused_with_file_row_field_and_value() {
    let first =
        |votes: [&str; 13], obs: &str, cont: &str| row("210001B0100", "001", votes, obs, cont);
    let counted = [
        "30", "17", "5", "14", "2", "263", "8", "0", "0", "3", "-", "0", "12",
    ];
    // Votes in a column not on the unit's ballot: CI1 does not run in 001.
    let mut v = counted;
    v[10] = "7";
    let e = refused(0, first(v, "", "1"));
    assert!(
        e.starts_with("PUE_DIP_LOC_2018.csv, row 7, field CI1: 7 votes for `CI1`"),
        "{e}"
    );
    // CONTABILIZADA 1 beside an observation that is never counted.
    let e = refused(0, first(counted, "EXCEDE LISTA NOMINAL", "1"));
    assert!(
        e.contains("row 7, field CONTABILIZADA: CONTABILIZADA 1 contradicts"),
        "{e}"
    );
    // A sin-acta row with votes.
    let mut v = NONE;
    v[0] = "5";
    let e = refused(0, first(v, "Sin Acta", "0"));
    assert!(
        e.contains("row 7, field PAN: holds 5, but the row is `Sin Acta`"),
        "{e}"
    );
    // Nothing in CONTABILIZADA and OBSERVACIONES, but votes.
    let e = refused(0, first(counted, "", ""));
    assert!(
        e.contains("row 7, field PAN") && e.contains("cannot tell whether the acta was captured"),
        "{e}"
    );
    // Words that are no observation of the rules.
    let e = refused(0, first(counted, "RECUENTO", "1"));
    assert!(
        e.contains("row 7, field OBSERVACIONES: `RECUENTO` is not an observation"),
        "{e}"
    );
    // A period between groups of three: a decimal or a thousands separator?
    let mut v = counted;
    v[5] = "1.000";
    let e = refused(0, first(v, "", "1"));
    assert!(
        e.contains("row 7, field MORENA: `1.000` could be 1 or 1000"),
        "{e}"
    );
}

#[test]
fn the_import_report_follows_its_schema() {
    let imp = imported(&database(&rows()));
    let mut report = imp.report.clone();
    report.set_summaries(&load(&imp).results);
    let doc: serde_json::Value = serde_json::from_slice(&report.to_json()).unwrap();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("data-contracts/import-report.schema.json");
    let schema: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    jsonschema::meta::validate(&schema).unwrap_or_else(|e| panic!("not a JSON Schema: {e}"));
    let validator = jsonschema::draft202012::new(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&doc)
        .map(|e| format!("{}: {e}", e.instance_path))
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    let example_path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("data-contracts/examples/import-report.json");
    let example: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&example_path).unwrap()).unwrap();
    assert!(
        validator.is_valid(&example),
        "the example follows the schema"
    );
    assert_eq!(
        doc["elections"][0]["summary"][0]["field"],
        "ACTAS_ESPERADAS"
    );
    let kinds: Vec<&str> = import::report::Kind::ALL.iter().map(|k| k.code()).collect();
    let listed: Vec<&str> = schema["$defs"]["normalization"]["properties"]["kind"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap())
        .collect();
    assert_eq!(listed, kinds, "the schema lists every kind the code makes");
}

#[test]
fn two_files_that_pad_their_ids_differently_describe_the_same_places() {
    // Puebla's candidates files write distrito 1 where its rows write 001;
    // two files may do the same with secciones and distritos.
    let unpadded: Vec<String> = rows()
        .iter()
        .map(|r| {
            r.replace(",001,DISTRITO 001,0001,", ",1,DISTRITO 1,1,")
                .replace(",002,DISTRITO 002,0002,", ",2,DISTRITO 2,2,")
        })
        .collect();
    let gob = Input {
        file: "PUE_GOB_2018.csv".into(),
        bytes: database(&rows())
            .replace("DIPUTACIONES LOCALES", "GUBERNATURA")
            .into_bytes(),
        candidaturas: None,
    };
    let dip = Input {
        file: "PUE_DIP_LOC_2018.csv".into(),
        bytes: database(&unpadded).into_bytes(),
        candidaturas: Some(("C.csv".into(), CANDIDATES.as_bytes().to_vec())),
    };
    let opts = Options {
        ruleset: RulesetRef::Named("puebla-2018".into()),
        ..Options::default()
    };
    let imp = import::import(&[gob, dip], &opts).unwrap_or_else(|e| panic!("{e}"));
    let l = load(&imp);
    let c = &l.snapshot.catalog;
    let ids =
        |units: &[corte::contract::Unit]| units.iter().map(|u| u.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&c.distritos), ["001", "002"]);
    let secciones: Vec<&str> = c.secciones.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(secciones, ["0001", "0002"]);
}

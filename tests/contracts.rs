//! The contracts in `data-contracts/` against the code that reads snapshots:
//! the example validates against the schemas and loads; hand-made bad
//! documents are refused by the schemas *and* by corte; the machine-readable
//! actas columns and the prose match the constants in `src/contract/acta.rs`.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use corte::contract::acta::{
    DIGITALIZACIONES, FIXED_COLUMNS, HEAD_COLUMNS, MAX_FIELD, MECANISMOS, OBSERVACION_PUBLICADA,
    ORIGENES, TAIL_COLUMNS, TIPOS_DOCUMENTO,
};
use corte::contract::{
    CONTRACT_VERSION, CorteMeta, EstadoActa, Inconsistencia, Publicada, TipoCasilla,
};

fn contracts_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data-contracts")
}

fn example_dir() -> PathBuf {
    contracts_dir().join("examples/snapshot")
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

fn schema(name: &str) -> jsonschema::Validator {
    let schema = read_json(&contracts_dir().join(name));
    if let Err(e) = jsonschema::meta::validate(&schema) {
        panic!("{name} is not a valid JSON Schema: {e}");
    }
    jsonschema::draft202012::new(&schema).unwrap_or_else(|e| panic!("{name} does not compile: {e}"))
}

fn schema_errors(validator: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    validator
        .iter_errors(doc)
        .map(|e| format!("{}: {e}", e.instance_path))
        .collect()
}

fn example_catalog() -> Value {
    read_json(&example_dir().join("catalog.json"))
}

fn example_corte() -> Value {
    read_json(&example_dir().join("corte.json"))
}

/// What corte itself says of a catalog.json: parsed and validated.
fn corte_accepts_catalog(doc: &Value) -> Result<(), String> {
    let bytes = serde_json::to_vec(doc).map_err(|e| e.to_string())?;
    let catalog = corte::contract::parse_catalog(&bytes).map_err(|e| e.to_string())?;
    catalog.index().map(|_| ()).map_err(|e| e.to_string())
}

fn corte_accepts_corte(doc: &Value) -> Result<(), String> {
    let bytes = serde_json::to_vec(doc).map_err(|e| e.to_string())?;
    CorteMeta::from_json(&bytes)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

// ---------------------------------------------------------------- the example

#[test]
fn the_example_catalog_follows_its_schema() {
    let errors = schema_errors(&schema("catalog.schema.json"), &example_catalog());
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn the_example_corte_follows_its_schema() {
    let errors = schema_errors(&schema("corte.schema.json"), &example_corte());
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn the_example_snapshot_loads() {
    let snapshot = corte::source::load(&example_dir()).unwrap_or_else(|e| panic!("{e}"));
    let ids: Vec<&str> = snapshot
        .catalog
        .elections
        .iter()
        .map(|e| e.id.as_str())
        .collect();
    assert_eq!(ids, ["GUB", "DIP_LOC", "ALC"]);
    assert_eq!(snapshot.catalog.distritos.len(), 2);
    assert_eq!(snapshot.catalog.demarcaciones.len(), 2);
    assert_eq!(snapshot.catalog.secciones.len(), 6);
    assert!(snapshot.catalog.casillas.len() >= 15);
}

/// The example is the contract's showcase: keep every case a reader needs to
/// see, so that simplifying it cannot go unnoticed.
#[test]
fn the_example_shows_every_kind_of_acta_and_casilla() {
    let snapshot = corte::source::load(&example_dir()).unwrap_or_else(|e| panic!("{e}"));
    let catalog = &snapshot.catalog;
    let especial = catalog
        .casillas
        .iter()
        .find(|c| c.tipo == TipoCasilla::S)
        .expect("a casilla especial");
    assert!(especial.boletas.is_some());
    let mesa = catalog
        .casillas
        .iter()
        .find(|c| c.tipo == TipoCasilla::M)
        .expect("a mesa for votes from abroad");
    assert!(mesa.seccion.is_none());
    assert!(catalog.casillas.iter().any(|c| c.tipo == TipoCasilla::C));

    let dip = catalog
        .elections
        .iter()
        .find(|e| e.id == "DIP_LOC")
        .expect("DIP_LOC");
    let comun = dip
        .options
        .iter()
        .find(|o| o.column == "MORENA_PT_PVEM")
        .expect("the candidatura común");
    assert_eq!(comun.shares.as_deref(), Some(&[5333, 2000, 2667][..]));
    assert_eq!(comun.remainder_to.as_deref(), Some("MORENA"));
    assert!(!dip.rp_acta_types.is_empty());

    let all: Vec<&corte::contract::Acta> = snapshot.actas.iter().flatten().collect();
    for (code, estado) in EstadoActa::CODES {
        assert!(
            all.iter().any(|a| a.estado == estado),
            "no acta in the example has ESTADO {code}"
        );
    }
    let campos = || all.iter().flat_map(|a| a.votos.iter());
    assert!(campos().any(|c| *c == corte::contract::Campo::Ilegible));
    assert!(campos().any(|c| *c == corte::contract::Campo::SinDato));
    let exceeds = all.iter().any(|a| {
        let Some(c) = a.casilla else { return false };
        let casilla = &catalog.casillas[c as usize];
        let total: u64 = a.votos.iter().map(|v| v.value() as u64).sum();
        a.estado == EstadoActa::Capturada
            && !casilla.tipo.is_especial()
            && total > casilla.lista_nominal as u64 + casilla.representantes as u64
    });
    assert!(exceeds, "no acta in the example exceeds its lista nominal");
}

#[test]
fn the_example_loads_from_a_tar_gz_too() {
    let dir = example_dir();
    let mut members = std::collections::BTreeMap::new();
    for m in &example_meta().members {
        let bytes = std::fs::read(dir.join(&m.path)).expect("member");
        members.insert(m.path.clone(), bytes);
    }
    let meta = example_meta();
    let snapshot = corte::contract::NewSnapshot {
        process_id: meta.process_id,
        seq: meta.seq,
        timestamp: meta.timestamp,
        final_corte: meta.final_corte,
        members,
    };
    let tmp = tempfile::tempdir().expect("tempdir");
    let archive = tmp.path().join("20240602_2330_cdmx-2024.tar.gz");
    corte::source::write_archive(&archive, &snapshot).expect("write archive");
    corte::source::load(&archive).unwrap_or_else(|e| panic!("{e}"));
}

fn example_meta() -> CorteMeta {
    let bytes = std::fs::read(example_dir().join("corte.json")).expect("corte.json");
    CorteMeta::from_json(&bytes).unwrap_or_else(|e| panic!("{e}"))
}

// -------------------------------------------------- documents that must pass

#[test]
fn an_inline_ruleset_and_null_optionals_are_valid() {
    let validator = schema("catalog.schema.json");
    let mut doc = example_catalog();
    doc["ruleset"] = json!({
        "name": "campeche-2021-propio",
        "inconsistencias": ["EXCEDE_LISTA_NOMINAL", "TODOS_ILEGIBLES_O_SIN_DATO"],
        "sin_acta_no_contabilizada": true,
        "participacion_ultimo_corte": "C_CS"
    });
    doc["parties"][0]["color"] = Value::Null;
    doc["casillas"][0]["seccion"] = Value::Null;
    doc["elections"][0]["options"][0]["name"] = Value::Null;
    let errors = schema_errors(&validator, &doc);
    assert!(errors.is_empty(), "{errors:#?}");
    corte_accepts_catalog(&doc).unwrap_or_else(|e| panic!("corte refuses it: {e}"));
}

// -------------------------------------------------- documents that must fail

type Edit = fn(&mut Value);

/// Each edit breaks the example catalog in one way. The schema must refuse it,
/// and so must corte (the last field says whether corte's *contract* refuses it:
/// an unknown ruleset name is refused later, when the ruleset is resolved).
const BAD_CATALOGS: &[(&str, Edit, bool)] = &[
    (
        "contract version 2",
        |d| d["contract_version"] = json!(2),
        true,
    ),
    (
        "unknown top-level field",
        |d| d["observaciones"] = json!([]),
        true,
    ),
    (
        "missing casillas",
        |d| _ = d.as_object_mut().map(|o| o.remove("casillas")),
        true,
    ),
    (
        "casilla key climbing out",
        |d| d["casillas"][1]["key"] = json!("../093950B0100"),
        true,
    ),
    (
        "election id with a space",
        |d| d["elections"][0]["id"] = json!("JEFATURA GOB"),
        true,
    ),
    (
        "colour in words",
        |d| d["parties"][0]["color"] = json!("azul"),
        true,
    ),
    (
        "unknown casilla type",
        |d| d["casillas"][1]["tipo"] = json!("X"),
        true,
    ),
    (
        "especial without boletas",
        |d| {
            let s = d["casillas"]
                .as_array_mut()
                .and_then(|cs| cs.iter_mut().find(|c| c["tipo"] == "S"));
            if let Some(o) = s.and_then(Value::as_object_mut) {
                o.remove("boletas");
            }
        },
        true,
    ),
    (
        "negative lista nominal",
        |d| d["casillas"][1]["lista_nominal"] = json!(-1),
        true,
    ),
    (
        "option named like a fixed column",
        |d| d["elections"][0]["options"][0]["column"] = json!("ESTADO"),
        true,
    ),
    (
        "party option with two parties",
        |d| d["elections"][0]["options"][0]["parties"] = json!(["PAN", "PRI"]),
        true,
    ),
    (
        "coalition with one party",
        |d| d["elections"][0]["options"][7]["parties"] = json!(["PAN"]),
        true,
    ),
    (
        "comun without shares",
        |d| {
            _ = d["elections"][1]["options"][8]
                .as_object_mut()
                .map(|o| o.remove("shares"))
        },
        true,
    ),
    (
        "shares on a coalition",
        |d| d["elections"][0]["options"][7]["shares"] = json!([5000, 3000, 2000]),
        true,
    ),
    (
        "unknown contest level",
        |d| d["elections"][0]["contest"] = json!("circunscripcion"),
        true,
    ),
    (
        "inline ruleset with an extra knob",
        |d| {
            d["ruleset"] = json!({
                "name": "x", "inconsistencias": [], "sin_acta_no_contabilizada": true,
                "participacion_ultimo_corte": "C_CS", "redondeo": "truncar"
            })
        },
        true,
    ),
    (
        "inline ruleset missing a knob",
        |d| {
            d["ruleset"] = json!({
                "name": "x", "inconsistencias": [], "sin_acta_no_contabilizada": true
            })
        },
        true,
    ),
    (
        "unknown inconsistency",
        |d| {
            d["ruleset"] = json!({
                "name": "x", "inconsistencias": ["FUERA_CATALOGO"], "sin_acta_no_contabilizada": true,
                "participacion_ultimo_corte": "C_CS"
            })
        },
        true,
    ),
    (
        "unknown ruleset name",
        |d| d["ruleset"] = json!("iecm-2099"),
        false,
    ),
    (
        "ubicacion 4",
        |d| d["casillas"][1]["ubicacion"] = json!(4),
        true,
    ),
    (
        "acta type twice",
        |d| d["casillas"][1]["actas"]["GUB"] = json!(["A02", "A02"]),
        true,
    ),
];

#[test]
fn the_catalog_schema_refuses_what_corte_refuses() {
    let validator = schema("catalog.schema.json");
    for (what, edit, contract_refuses) in BAD_CATALOGS {
        let mut doc = example_catalog();
        edit(&mut doc);
        assert!(
            !validator.is_valid(&doc),
            "catalog.schema.json accepts a catalog with {what}"
        );
        if *contract_refuses {
            assert!(
                corte_accepts_catalog(&doc).is_err(),
                "corte accepts a catalog with {what}, the schema does not"
            );
        }
    }
}

const BAD_CORTES: &[(&str, Edit)] = &[
    ("contract version 2", |d| d["contract_version"] = json!(2)),
    ("unknown field", |d| d["firma"] = json!("abc")),
    ("process id with a slash", |d| {
        d["process_id"] = json!("cdmx/2024")
    }),
    ("seq 0", |d| d["seq"] = json!(0)),
    ("timestamp without offset", |d| {
        d["timestamp"] = json!("2024-06-02T23:30:00")
    }),
    ("timestamp as published", |d| {
        d["timestamp"] = json!("02/06/2024 23:30 (UTC-6)")
    }),
    ("final as a string", |d| d["final"] = json!("no")),
    ("uppercase sha256", |d| {
        let upper = d["members"][0]["sha256"]
            .as_str()
            .unwrap_or("")
            .to_uppercase();
        d["members"][0]["sha256"] = json!(upper);
    }),
    ("member path climbing out", |d| {
        d["members"][0]["path"] = json!("../actas/GUB.csv")
    }),
    ("member that is not catalog or actas", |d| {
        d["members"][0]["path"] = json!("LEEME.txt")
    }),
    ("negative size", |d| d["members"][0]["size"] = json!(-1)),
    ("no catalog.json member", |d| {
        if let Some(ms) = d["members"].as_array_mut() {
            ms.retain(|m| m["path"] != "catalog.json");
        }
    }),
    ("member without sha256", |d| {
        _ = d["members"][0].as_object_mut().map(|o| o.remove("sha256"))
    }),
];

#[test]
fn the_corte_schema_refuses_what_corte_refuses() {
    let validator = schema("corte.schema.json");
    for (what, edit) in BAD_CORTES {
        let mut doc = example_corte();
        edit(&mut doc);
        assert!(
            !validator.is_valid(&doc),
            "corte.schema.json accepts a corte.json with {what}"
        );
        assert!(
            corte_accepts_corte(&doc).is_err(),
            "corte accepts a corte.json with {what}, the schema does not"
        );
    }
}

// ------------------------------------------------ the contracts vs the code

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|s| {
            s.as_str()
                .unwrap_or_else(|| panic!("not a string: {s}"))
                .to_string()
        })
        .collect()
}

fn owned(s: &[&str]) -> Vec<String> {
    s.iter().map(|s| s.to_string()).collect()
}

#[test]
fn the_schemas_describe_this_contract_version() {
    for name in ["catalog.schema.json", "corte.schema.json"] {
        let schema = read_json(&contracts_dir().join(name));
        assert_eq!(
            schema["properties"]["contract_version"]["const"],
            json!(CONTRACT_VERSION),
            "{name}"
        );
    }
    let csv = read_json(&contracts_dir().join("actas-csv.json"));
    assert_eq!(csv["contract_version"], json!(CONTRACT_VERSION));
}

#[test]
fn the_catalog_schema_lists_what_the_code_knows() {
    let schema = read_json(&contracts_dir().join("catalog.schema.json"));
    let defs = &schema["$defs"];
    assert_eq!(
        strings(&defs["ballotOption"]["properties"]["column"]["allOf"][1]["not"]["enum"]),
        owned(&FIXED_COLUMNS),
        "reserved option columns"
    );
    assert_eq!(
        strings(&defs["builtinRuleset"]["enum"]),
        owned(&corte::tally::ruleset::BUILTIN_NAMES),
        "built-in rulesets"
    );
    let codes: Vec<&str> = Inconsistencia::ALL.iter().map(|i| i.code()).collect();
    assert_eq!(
        strings(&defs["rulesetSpec"]["properties"]["inconsistencias"]["items"]["enum"]),
        owned(&codes),
        "inconsistencias"
    );
    let tipos: Vec<String> = TipoCasilla::ALL
        .iter()
        .map(|t| t.letter().to_string())
        .collect();
    assert_eq!(
        strings(&defs["casilla"]["properties"]["tipo"]["enum"]),
        tipos,
        "casilla types"
    );
}

#[test]
fn the_actas_columns_file_matches_the_code() {
    let c = read_json(&contracts_dir().join("actas-csv.json"));
    assert_eq!(strings(&c["head_columns"]), owned(&HEAD_COLUMNS));
    assert_eq!(strings(&c["tail_columns"]), owned(&TAIL_COLUMNS));
    assert_eq!(c["optional_last_column"], json!(OBSERVACION_PUBLICADA));
    assert_eq!(strings(&c["reserved_columns"]), owned(&FIXED_COLUMNS));
    let f = &c["fields"];
    let estados: Vec<&str> = EstadoActa::CODES.iter().map(|(c, _)| *c).collect();
    assert_eq!(strings(&f["ESTADO"]["values"]), owned(&estados));
    assert_eq!(
        strings(&f["MECANISMOS_TRASLADO"]["values"]),
        owned(&MECANISMOS)
    );
    assert_eq!(strings(&f["ORIGEN"]["values"]), owned(&ORIGENES));
    assert_eq!(
        strings(&f["DIGITALIZACION"]["values"]),
        owned(&DIGITALIZACIONES)
    );
    assert_eq!(
        strings(&f["TIPO_DOCUMENTO"]["values"]),
        owned(&TIPOS_DOCUMENTO)
    );
    let obs: Vec<&str> = Publicada::CODES.iter().map(|(c, _)| *c).collect();
    assert_eq!(strings(&f["OBSERVACION_PUBLICADA"]["values"]), owned(&obs));
    assert_eq!(c["kinds"]["count"]["max"], json!(MAX_FIELD));
    // Every column of the file has a field description.
    for col in HEAD_COLUMNS.iter().chain(&TAIL_COLUMNS) {
        assert!(
            f.get(*col).is_some(),
            "actas-csv.json does not describe {col}"
        );
    }
}

#[test]
fn the_actas_columns_page_names_every_column_and_code() {
    let page = std::fs::read_to_string(contracts_dir().join("actas-csv.md")).expect("actas-csv.md");
    let estados = EstadoActa::CODES.iter().map(|(c, _)| *c);
    let observaciones = Publicada::CODES.iter().map(|(c, _)| *c);
    let names = HEAD_COLUMNS
        .iter()
        .chain(&TAIL_COLUMNS)
        .chain(&FIXED_COLUMNS)
        .chain(&MECANISMOS)
        .chain(&ORIGENES)
        .chain(&DIGITALIZACIONES)
        .chain(&TIPOS_DOCUMENTO)
        .copied()
        .chain(estados)
        .chain(observaciones);
    for name in names {
        assert!(
            page.contains(&format!("`{name}`")),
            "actas-csv.md does not mention `{name}`"
        );
    }
    assert!(page.contains(&MAX_FIELD.to_string()));
    let example = std::fs::read_to_string(example_dir().join("actas/GUB.csv")).expect("GUB.csv");
    let header = example.lines().next().unwrap_or_default();
    assert!(
        page.contains(header),
        "actas-csv.md shows another header than the example's GUB.csv"
    );
}

//! The JSON API and the manifest against their contracts in `data-contracts/`:
//! the schemas are valid JSON Schema 2020-12, their examples follow them, and
//! so does every document a real render produces — the small three-election
//! fixture and the IECM 2024 drill (5,547 secciones).

use std::collections::BTreeSet;
use std::sync::OnceLock;

use corte::site::Build;
use corte::tally::Porcentaje;
use jsonschema::{Draft, Resource, Validator};
use serde_json::Value;

use crate::support::snapshots;

const KINDS: [&str; 5] = ["index", "entidad", "distrito", "demarcacion", "seccion"];
/// Schemas refer to each other by relative paths; this base stands for the
/// `data-contracts/` folder.
const BASE: &str = "json-schema:///data-contracts/";

fn read_json(path: &str) -> Value {
    let p = snapshots::repo(path);
    let bytes = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{}: not JSON: {e}", p.display()))
}

/// A validator for `data-contracts/<path>`, with formats (date-time) checked.
fn validator(path: &str) -> Validator {
    let common = Resource::from_contents(read_json("data-contracts/api/common.schema.json"))
        .expect("common.schema.json is a schema");
    jsonschema::options()
        .with_draft(Draft::Draft202012)
        .should_validate_formats(true)
        .with_base_uri(format!("{BASE}{path}"))
        .with_resource(format!("{BASE}api/common.schema.json"), common)
        .build(&read_json(&format!("data-contracts/{path}")))
        .unwrap_or_else(|e| panic!("data-contracts/{path} is not a valid schema: {e}"))
}

fn api_validator(kind: &str) -> &'static Validator {
    static VALIDATORS: OnceLock<Vec<Validator>> = OnceLock::new();
    let all = VALIDATORS.get_or_init(|| {
        KINDS
            .iter()
            .map(|k| validator(&format!("api/{k}.schema.json")))
            .collect()
    });
    let i = KINDS
        .iter()
        .position(|k| *k == kind)
        .expect("a document kind");
    &all[i]
}

fn assert_valid(validator: &Validator, what: &str, doc: &Value) {
    let errors: Vec<String> = validator
        .iter_errors(doc)
        .take(10)
        .map(|e| format!("  at {}: {e}", e.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "{what} does not follow its schema:\n{}",
        errors.join("\n")
    );
}

/// The document kind of an API key: `datos/api/gub/seccion/0001.json` → `seccion`.
fn kind_of(key: &str) -> &'static str {
    let rest = key.strip_prefix("datos/api/").expect("an API key");
    if rest == "index.json" {
        return "index";
    }
    let parts: Vec<&str> = rest.split('/').collect();
    match parts.as_slice() {
        [_, "entidad.json"] => "entidad",
        [_, "distrito", _] => "distrito",
        [_, "demarcacion", _] => "demarcacion",
        [_, "seccion", _] => "seccion",
        _ => panic!("{key} is not where the API puts documents"),
    }
}

struct Rendered {
    snapshot: corte::contract::Snapshot,
    results: corte::tally::Results,
    build: Build,
}

fn small() -> &'static Rendered {
    static SMALL: OnceLock<Rendered> = OnceLock::new();
    SMALL.get_or_init(|| {
        let snapshot = snapshots::small_snapshot();
        let results = snapshots::tally(&snapshot);
        let build = snapshots::render(&snapshot, &results);
        Rendered {
            snapshot,
            results,
            build,
        }
    })
}

fn doc(build: &Build, key: &str) -> Value {
    let a = build
        .get(key)
        .unwrap_or_else(|| panic!("{key} is not in the build"));
    serde_json::from_slice(&a.bytes).unwrap_or_else(|e| panic!("{key}: not JSON: {e}"))
}

fn api_keys(build: &Build) -> Vec<&str> {
    build
        .artifacts
        .iter()
        .map(|a| a.key.as_str())
        .filter(|k| k.starts_with("datos/api/"))
        .collect()
}

/// Fails on any JSON number that is not an integer: percentages are strings.
fn assert_no_floats(key: &str, v: &Value) {
    match v {
        Value::Number(n) => assert!(
            n.is_u64() || n.is_i64(),
            "{key}: {n} is not an integer; percentages travel as strings"
        ),
        Value::Array(items) => items.iter().for_each(|i| assert_no_floats(key, i)),
        Value::Object(map) => map.values().for_each(|i| assert_no_floats(key, i)),
        _ => {}
    }
}

/// Every API document of a build follows its schema, is compact JSON with
/// integer numbers, travels gzip-encoded and is listed in the manifest.
/// Returns the sizes of the sección documents, as read and as gzipped.
fn check_build(build: &Build) -> Vec<(usize, usize)> {
    let keys = api_keys(build);
    assert!(keys.contains(&"datos/api/index.json"));
    let mut seccion_sizes = Vec::new();
    for key in keys {
        let a = build.get(key).expect("listed");
        let value: Value =
            serde_json::from_slice(&a.bytes).unwrap_or_else(|e| panic!("{key}: not JSON: {e}"));
        assert_valid(api_validator(kind_of(key)), key, &value);
        assert_no_floats(key, &value);
        // Re-serializing sorts keys but keeps the length: a longer original
        // would hold whitespace.
        let compact = serde_json::to_vec(&value).expect("serializes").len();
        assert_eq!(compact, a.bytes.len(), "{key} is compact JSON");
        assert_eq!(a.content_type, "application/json");
        let gz = a
            .gzip
            .as_ref()
            .unwrap_or_else(|| panic!("{key} travels gzip-encoded"));
        assert_eq!(
            corte::published::gzip::gunzip(gz).expect("gunzips"),
            a.bytes
        );
        let entry = &build.manifest.files[key];
        assert_eq!(
            (entry.sha256.as_str(), entry.size),
            (a.sha256.as_str(), a.bytes.len() as u64),
            "{key} in the manifest"
        );
        if kind_of(key) == "seccion" {
            seccion_sizes.push((a.bytes.len(), gz.len()));
        }
    }
    seccion_sizes
}

/// Every URL in the index leads to a document, every document is reachable
/// from the index, and each area lists exactly the secciones that have one.
fn check_links(build: &Build) {
    let index = doc(build, "datos/api/index.json");
    let mut reached = BTreeSet::from(["datos/api/index.json".to_string()]);
    let mut reach = |url: &str| {
        let key = format!("datos/api/{url}");
        assert!(
            build.get(&key).is_some(),
            "index.json links to {key}, which is missing"
        );
        reached.insert(key);
    };
    for e in index["elections"].as_array().expect("elections") {
        let levels = &e["levels"];
        reach(levels["entidad"]["url"].as_str().expect("url"));
        let template = levels["seccion"]["url_template"]
            .as_str()
            .expect("template");
        let mut secciones = BTreeSet::new();
        for area in ["distrito", "demarcacion"] {
            for unit in levels[area]["units"].as_array().expect("units") {
                let url = unit["url"].as_str().expect("url");
                reach(url);
                let id = unit["id"].as_str().expect("id");
                assert_eq!(
                    levels[area]["url_template"]
                        .as_str()
                        .map(|t| t.replace("{id}", id)),
                    Some(url.to_string())
                );
                let area_doc = doc(build, &format!("datos/api/{url}"));
                for s in area_doc["secciones"].as_array().expect("secciones") {
                    let s = s.as_str().expect("id");
                    reach(&template.replace("{id}", s));
                    secciones.insert(s.to_string());
                }
            }
        }
        assert_eq!(
            levels["seccion"]["count"].as_u64(),
            Some(secciones.len() as u64),
            "{}: the sección count",
            e["id"]
        );
    }
    let all: BTreeSet<String> = api_keys(build).into_iter().map(String::from).collect();
    let orphans: Vec<&String> = all.difference(&reached).collect();
    assert!(
        orphans.is_empty(),
        "documents the index does not lead to: {orphans:?}"
    );
}

#[test]
fn the_schemas_are_valid_and_their_examples_follow_them() {
    for kind in KINDS {
        let example = read_json(&format!("data-contracts/examples/api/{kind}.json"));
        assert_valid(
            api_validator(kind),
            &format!("examples/api/{kind}.json"),
            &example,
        );
    }
    let manifest = validator("manifest.schema.json");
    assert_valid(
        &manifest,
        "examples/manifest.json",
        &read_json("data-contracts/examples/manifest.json"),
    );
}

#[test]
fn the_schemas_refuse_what_the_api_never_writes() {
    let mut seccion = read_json("data-contracts/examples/api/seccion.json");
    assert!(api_validator("seccion").is_valid(&seccion));
    let pct = "/candidacies/0/percentage";
    *seccion.pointer_mut(pct).expect("a candidacy") = serde_json::json!(35.1234);
    assert!(
        !api_validator("seccion").is_valid(&seccion),
        "a float percentage"
    );
    *seccion.pointer_mut(pct).expect("a candidacy") = serde_json::json!("35.12");
    assert!(!api_validator("seccion").is_valid(&seccion), "two decimals");
    let mut seccion = read_json("data-contracts/examples/api/seccion.json");
    *seccion.pointer_mut("/actas/0/votos/0").expect("a vote") = serde_json::json!("ILLEGIBLE");
    assert!(
        !api_validator("seccion").is_valid(&seccion),
        "an unknown word"
    );
    let mut seccion = read_json("data-contracts/examples/api/seccion.json");
    *seccion
        .pointer_mut("/actas/0/fecha_hora_captura")
        .expect("a time") = serde_json::json!("2024-06-02 19:10");
    assert!(
        !api_validator("seccion").is_valid(&seccion),
        "a time without offset"
    );
    let mut entidad = read_json("data-contracts/examples/api/entidad.json");
    entidad["extra"] = serde_json::json!(1);
    assert!(
        !api_validator("entidad").is_valid(&entidad),
        "an unknown field"
    );
    let mut distrito = read_json("data-contracts/examples/api/distrito.json");
    distrito
        .as_object_mut()
        .expect("object")
        .remove("secciones");
    assert!(
        !api_validator("distrito").is_valid(&distrito),
        "no secciones"
    );
}

/// The examples are the small fixture's own documents, so they cannot drift
/// from what corte writes. After a deliberate change to the API, refresh
/// them with `CORTE_BLESS=1 cargo test --test integration api::`.
#[test]
fn the_examples_are_what_the_small_fixture_renders() {
    let examples = [
        ("index", "datos/api/index.json"),
        ("entidad", "datos/api/gub/entidad.json"),
        ("distrito", "datos/api/dip-loc/distrito/001.json"),
        ("demarcacion", "datos/api/dip-loc/demarcacion/003.json"),
        ("seccion", "datos/api/gub/seccion/0001.json"),
    ];
    let bless = std::env::var_os("CORTE_BLESS").is_some();
    for (kind, key) in examples {
        let rendered = doc(&small().build, key);
        let path = format!("data-contracts/examples/api/{kind}.json");
        if bless {
            let mut text = serde_json::to_string_pretty(&rendered).expect("serializes");
            text.push('\n');
            std::fs::write(snapshots::repo(&path), text).expect("writes the example");
        }
        assert_eq!(
            read_json(&path),
            rendered,
            "{path} differs from the small fixture's {key}; if the API changed on purpose, \
             run CORTE_BLESS=1 cargo test --test integration api:: and review the diff"
        );
    }
}

#[test]
fn every_api_document_of_the_small_fixture_follows_its_schema_and_is_linked() {
    let build = &small().build;
    let sizes = check_build(build);
    assert_eq!(sizes.len(), 9, "three secciones in each of three elections");
    check_links(build);
    let manifest: Value = serde_json::from_slice(&build.manifest_bytes).expect("JSON");
    assert_valid(
        &validator("manifest.schema.json"),
        "the manifest",
        &manifest,
    );
}

#[test]
fn every_api_document_of_the_iecm_drill_follows_its_schema_and_stays_small() {
    let snapshot = snapshots::drill_snapshot();
    let results = snapshots::tally(&snapshot);
    let build = snapshots::render(&snapshot, &results);
    let sizes = check_build(&build);
    // The drill's mesa of the votes from abroad prints sección 0000, which
    // the import reads as no sección.
    assert_eq!(sizes.len(), 5546, "a document per sección");
    check_links(&build);
    // 2 or 3 actas in most secciones, 13 in the fullest; gzip in transit.
    let (median, max) = median_and_max(sizes.iter().map(|s| s.0));
    let (gz_median, gz_max) = median_and_max(sizes.iter().map(|s| s.1));
    eprintln!(
        "sección documents: median {median} bytes ({gz_median} gzipped), largest {max} ({gz_max})"
    );
    assert!(
        median <= 5 * 1024,
        "median sección document: {median} bytes"
    );
    assert!(max <= 16 * 1024, "largest sección document: {max} bytes");
    assert!(
        gz_median <= 1536,
        "median gzipped sección document: {gz_median} bytes"
    );
    let index = build.get("datos/api/index.json").expect("index");
    let mut index: Value = serde_json::from_slice(&index.bytes).expect("JSON");
    // Every level document with its hash; the rest grows with the
    // distritos and demarcaciones, not with the secciones.
    let documents = index
        .as_object_mut()
        .and_then(|o| o.remove("documents"))
        .expect("documents");
    let documents = documents.as_object().expect("an object");
    let level_docs: Vec<&corte::site::Artifact> = build
        .artifacts
        .iter()
        .filter(|a| a.key.starts_with("datos/api/") && a.key != "datos/api/index.json")
        .collect();
    assert_eq!(documents.len(), level_docs.len());
    for a in level_docs {
        let path = a.key.strip_prefix("datos/api/").expect("under the API");
        assert_eq!(documents[path], a.sha256, "{path}");
        let doc: Value = serde_json::from_slice(&a.bytes).expect("JSON");
        assert!(doc.get("corte").is_none(), "{path} names the corte");
    }
    let rest = serde_json::to_vec(&index).expect("JSON").len();
    assert!(
        rest <= 16 * 1024,
        "index.json without documents: {rest} bytes"
    );
    let manifest: Value = serde_json::from_slice(&build.manifest_bytes).expect("JSON");
    assert_valid(
        &validator("manifest.schema.json"),
        "the drill's manifest",
        &manifest,
    );
}

#[test]
fn the_api_is_byte_identical_across_renders() {
    let first = &small().build;
    let again = snapshots::render(&small().snapshot, &small().results);
    for key in api_keys(first) {
        assert!(
            first.get(key).map(|a| &a.bytes) == again.get(key).map(|a| &a.bytes),
            "{key} differs between two renders of the same snapshot"
        );
    }
}

fn median_and_max(sizes: impl Iterator<Item = usize>) -> (usize, usize) {
    let mut sizes: Vec<usize> = sizes.collect();
    sizes.sort_unstable();
    (sizes[sizes.len() / 2], sizes[sizes.len() - 1])
}

fn find<'v>(list: &'v Value, field: &str, value: &str) -> &'v Value {
    list.as_array()
        .and_then(|l| l.iter().find(|x| x[field] == value))
        .unwrap_or_else(|| panic!("no {field} = {value} in {list}"))
}

#[test]
fn the_entidad_document_carries_the_election_summary_and_the_tally_votes() {
    let Rendered { build, results, .. } = small();
    let gub = doc(build, "datos/api/gub/entidad.json");
    let manifest = &build.manifest.elections[0];
    assert_eq!(
        gub["summary"],
        serde_json::to_value(&manifest.summary).expect("summary"),
        "the entidad's summary is the Anexo 13 header, fuera de catálogo included"
    );
    assert_eq!(gub["summary"]["ACTAS_FUERA_CATALOGO"], 1);
    for c in &manifest.candidacies {
        assert_eq!(find(&gub["candidacies"], "key", &c.key)["votes"], c.votes);
    }
    // MORENA: 410 + 395 + 300 (casilla especial) + 120 (from abroad); the
    // acta exceeding its lista nominal is not counted.
    let morena = find(&gub["candidacies"], "key", "MORENA");
    assert_eq!(morena["votes"], 1225);
    let total = results.elections[0].entidad.total_votos();
    assert_eq!(gub["total_votos"], total);
    assert_eq!(morena["percentage"], Porcentaje::of(1225, total).plain());
    assert_eq!(morena["propietaria"], "CLARA MÉNDEZ SOTO");
    let parties: u64 = gub["parties"]
        .as_array()
        .expect("parties")
        .iter()
        .filter_map(|p| p["votes"].as_u64())
        .sum();
    assert_eq!(parties, total, "distribution conserves every vote");
}

#[test]
fn candidates_are_named_only_where_the_level_lies_in_one_contest_unit() {
    let build = &small().build;
    let one_distrito = doc(build, "datos/api/dip-loc/distrito/001.json");
    assert_eq!(
        find(&one_distrito["candidacies"], "key", "PAN_PRI")["propietaria"],
        "FERNANDA ORTIZ"
    );
    // Coyoacán (003) spans distritos 001 and 002: two contests, no one name,
    // and the candidacies of both (the coalition in 001, PAN and PRI apart in 002).
    let coyoacan = doc(build, "datos/api/dip-loc/demarcacion/003.json");
    let keys: Vec<&str> = coyoacan["candidacies"]
        .as_array()
        .expect("candidacies")
        .iter()
        .filter_map(|c| c["key"].as_str())
        .collect();
    assert_eq!(keys, ["PAN_PRI", "MORENA", "MC", "PAN", "PRI"]);
    for c in coyoacan["candidacies"].as_array().expect("candidacies") {
        assert!(c["propietaria"].is_null() && c["suplente"].is_null(), "{c}");
    }
    // A sección lies in one distrito: its candidates are named.
    let seccion = doc(build, "datos/api/dip-loc/seccion/0003.json");
    assert_eq!(
        find(&seccion["candidacies"], "key", "PRI")["propietaria"],
        "JIMENA TORRES"
    );
}

#[test]
fn a_seccion_lists_every_acta_as_captured_and_the_pending_ones() {
    let build = &small().build;
    let s1 = doc(build, "datos/api/gub/seccion/0001.json");
    let c = find(&s1["actas"], "clave_casilla", "090001C0100");
    assert_eq!(
        c["votos"],
        serde_json::json!([170, "ILEGIBLE", 395, "SIN DATO", 18, 0, 10])
    );
    assert_eq!(
        c["total_votos_calculado"], 593,
        "illegible fields count as 0"
    );
    assert_eq!(c["observaciones"], "ALGUN CAMPO ILEGIBLE O SIN DATO");
    assert_eq!(c["contabilizada"], 1);
    assert_eq!(c["fecha_hora_captura"], "2024-06-02T19:13:40-06:00");
    assert_eq!(
        c["codigo_integridad"].as_str().map(str::len),
        Some(64),
        "the image hash"
    );

    let s3 = doc(build, "datos/api/gub/seccion/0003.json");
    let exceeding = find(&s3["actas"], "clave_casilla", "090003B0100");
    assert_eq!(
        (&exceeding["observaciones"], &exceeding["contabilizada"]),
        (
            &serde_json::json!("EXCEDE LISTA NOMINAL"),
            &serde_json::json!(0)
        )
    );
    assert_eq!(
        exceeding["total_votos_calculado"], 860,
        "votes still recorded"
    );
    let pending = find(&s3["actas"], "clave_casilla", "090003C0100");
    assert_eq!(pending["estado"], "PENDIENTE");
    assert!(pending["contabilizada"].is_null() && pending["votos"][0].is_null());
    assert_eq!(s3["summary"]["ACTAS_ESPERADAS"], 2);
    assert_eq!(
        (&s3["distrito"], &s3["demarcacion"]),
        (&"002".into(), &"003".into())
    );

    let s2 = doc(build, "datos/api/gub/seccion/0002.json");
    let sin_acta = find(&s2["actas"], "clave_casilla", "090002B0100");
    assert_eq!(
        sin_acta["observaciones"],
        "SIN ACTA POR PAQUETE NO ENTREGADO"
    );
    assert!(sin_acta["total_votos_calculado"].is_null());

    // Off the ballot of distrito 002, the coalition's field is null.
    let d3 = doc(build, "datos/api/dip-loc/seccion/0003.json");
    assert!(find(&d3["actas"], "clave_casilla", "090003B0100")["votos"][4].is_null());
}

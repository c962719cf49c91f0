//! The snapshots the tests render (the small fixture, the IECM 2024 drill
//! from the real files) and a render of them with the built-in theme.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use corte::contract::NewSnapshot;
use corte::contract::Snapshot;
use corte::site::{Build, History, RenderOptions, Theme};
use corte::tally::{self, Results};

pub fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// A file or folder of the real PREP files in `../shared/data/real`,
/// failing with where they should be when they are not there.
pub fn real(path: &str) -> PathBuf {
    let p = repo("../shared/data/real").join(path);
    assert!(
        p.exists(),
        "{} is missing: the real PREP files live in ../shared/data/real beside the repository",
        p.display()
    );
    p
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Builds a snapshot from member files as `source` would after checking
/// their hashes (the members' hashes are computed, so they always match).
pub fn snapshot_of(new: &NewSnapshot) -> Snapshot {
    let catalog = new.members.get("catalog.json").expect("catalog.json");
    let actas: BTreeMap<String, Vec<u8>> = new
        .members
        .iter()
        .filter_map(|(path, bytes)| {
            let election = path.strip_prefix("actas/")?.strip_suffix(".csv")?;
            Some((election.to_string(), bytes.clone()))
        })
        .collect();
    Snapshot::from_members(new.corte_meta(), catalog, &actas)
        .unwrap_or_else(|e| panic!("the snapshot does not load: {e}"))
}

/// A generated night of the example scale (two distritos, about 2,200
/// actas) of `cortes` cortes, the last one final.
pub fn example_night(cortes: u32) -> Vec<Snapshot> {
    let mut config = corte::generator::Config::new(corte::generator::Scale::Example, cortes);
    config.real_data = real("");
    let g = corte::generator::Generator::new(config)
        .unwrap_or_else(|e| panic!("the night generates: {e}"));
    (1..=cortes)
        .map(|seq| {
            let new = g
                .snapshot(seq)
                .unwrap_or_else(|e| panic!("corte {seq}: {e}"));
            snapshot_of(&new)
        })
        .collect()
}

/// `tests/fixtures/snapshot-small`: three elections (GUB per entidad,
/// DIP_LOC per distrito, ALC per demarcación), two distritos, two
/// demarcaciones, three secciones, a casilla especial, votes from abroad,
/// and actas of every kind: counted, with illegible fields, all illegible,
/// exceeding the lista nominal, sin acta, fuera de catálogo and pending.
pub fn small_snapshot() -> Snapshot {
    snapshot_of(&NewSnapshot {
        process_id: "cdmx-prueba-2024".into(),
        seq: 7,
        timestamp: "2024-06-02T21:30:00-06:00".into(),
        final_corte: false,
        members: small_members(),
    })
}

/// The member files of `tests/fixtures/snapshot-small`.
pub fn small_members() -> BTreeMap<String, Vec<u8>> {
    let dir = repo("tests/fixtures/snapshot-small");
    let mut members = BTreeMap::new();
    members.insert("catalog.json".to_string(), read(&dir.join("catalog.json")));
    for e in ["GUB", "DIP_LOC", "ALC"] {
        members.insert(
            format!("actas/{e}.csv"),
            read(&dir.join(format!("actas/{e}.csv"))),
        );
    }
    members
}

/// The small fixture as corte `seq` of a night whose cortes come every
/// 15 minutes from `first_hour`:00 (local time, UTC-6).
pub fn small_corte(seq: u32, first_hour: u32) -> NewSnapshot {
    NewSnapshot {
        process_id: "cdmx-prueba-2024".into(),
        seq,
        timestamp: format!(
            "2024-06-02T{:02}:{:02}:00-06:00",
            first_hour + seq / 4,
            (seq % 4) * 15
        ),
        final_corte: false,
        members: small_members(),
    }
}

/// Writes a snapshot beside the inbox and renames it in, as producers must.
pub fn drop_into(inbox: &Path, name: &str, snap: &NewSnapshot) -> PathBuf {
    let staging = inbox
        .parent()
        .expect("the inbox has a parent folder")
        .join(format!("staging-{name}"));
    corte::source::write(&staging, snap).unwrap_or_else(|e| panic!("{}: {e}", staging.display()));
    let target = inbox.join(name);
    std::fs::rename(&staging, &target).unwrap_or_else(|e| panic!("{}: {e}", target.display()));
    target
}

/// The small fixture with an acta of representación proporcional
/// (`A03ERP`) for Diputaciones at its casilla especial: 60 + 30 + 200 + 40
/// votes for PAN, PRI, MORENA, MC, 7 in the PAN_PRI combination, 4 nulos.
pub fn small_snapshot_with_rp() -> Snapshot {
    let dir = repo("tests/fixtures/snapshot-small");
    let read = |p: &str| std::fs::read(dir.join(p)).unwrap();
    let mut catalog: serde_json::Value = serde_json::from_slice(&read("catalog.json")).unwrap();
    for e in catalog["elections"].as_array_mut().unwrap() {
        if e["id"] == "DIP_LOC" {
            e["rp_acta_types"] = serde_json::json!(["A03ERP"]);
        }
    }
    for c in catalog["casillas"].as_array_mut().unwrap() {
        if c["key"] == "090002S0100" {
            c["actas"]["DIP_LOC"] = serde_json::json!(["A03", "A03ERP"]);
        }
    }
    let mut members = BTreeMap::new();
    members.insert(
        "catalog.json".to_string(),
        serde_json::to_vec(&catalog).unwrap(),
    );
    for e in ["GUB", "DIP_LOC", "ALC"] {
        let mut csv = read(&format!("actas/{e}.csv"));
        if e == "DIP_LOC" {
            csv.extend_from_slice(b"090002S0100,A03ERP,CAPTURADA,60,30,200,40,7,0,4,341,120,341,4,341,5a5f674a909162690f6dd18bb7179fbcab416ef92dd4116e69ea1bca7e882dd8,F,2024-06-02T19:18:10-06:00,2024-06-02T19:19:40-06:00,2024-06-02T19:21:05-06:00,CATD,ESCANER,ACTA PREP\n");
        }
        members.insert(format!("actas/{e}.csv"), csv);
    }
    let new = NewSnapshot {
        process_id: "cdmx-prueba-2024".into(),
        seq: 7,
        timestamp: "2024-06-02T21:30:00-06:00".into(),
        final_corte: false,
        members,
    };
    snapshot_of(&new)
}

/// The IECM 2024 drill (Jefatura de Gobierno, 13,424 actas, 5,547
/// secciones), imported from `../shared/data/real` as `corte import anexo13` does.
pub fn drill_snapshot() -> Snapshot {
    use corte::anexo13::import::{self, Input, Options};
    let real = real("iecm-2024-simulacro");
    let input = Input {
        file: "CDMX_GUB_2024.csv".into(),
        bytes: read(&real.join("CDMX_GUB_2024.csv")),
        candidaturas: Some((
            "CDMX_GUB_CANDIDATURAS_2024.csv".into(),
            read(&real.join("CDMX_GUB_CANDIDATURAS_2024.csv")),
        )),
    };
    let imported = import::import(&[input], &Options::default())
        .unwrap_or_else(|e| panic!("import failed: {e}"));
    snapshot_of(&imported.snapshot)
}

pub fn tally(snapshot: &Snapshot) -> Results {
    let ruleset = tally::ruleset_of(snapshot).expect("the catalog's ruleset");
    tally::tally(snapshot, &ruleset)
}

/// Renders a corte with the built-in theme.
pub fn render(snapshot: &Snapshot, results: &Results) -> Build {
    let theme = Theme::embedded().expect("the built-in theme loads");
    render_with(snapshot, results, &theme)
}

/// Renders a corte with `theme`, no history and no images.
pub fn render_with(snapshot: &Snapshot, results: &Results, theme: &Theme) -> Build {
    let history = History::default();
    let opts = RenderOptions::new(theme, &history);
    corte::site::render(snapshot, results, &opts).expect("the corte renders")
}

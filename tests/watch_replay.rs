//! Replays of real data: the published PREP files, imported into snapshots,
//! go through the watcher like any corte; the database files it publishes
//! carry the official summary figures.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use corte::anexo13::import::{self, Input, Options as ImportOptions};
use corte::anexo13::reader;
use corte::contract::RulesetRef;
use corte::cutover::HistorySource;
use corte::publish::Options;
use corte::watch::{WatchOptions, Watcher};

use crate::support::snapshots::real;
use crate::support::stores;

fn input(db: &str, cand: &str) -> Input {
    let read = |p: &str| {
        let path = real(p);
        (
            path.file_name().unwrap().to_string_lossy().into_owned(),
            std::fs::read(&path).unwrap(),
        )
    };
    let (file, bytes) = read(db);
    Input {
        file,
        bytes,
        candidaturas: Some(read(cand)),
    }
}

/// Imports, drops the snapshot into a fresh inbox, lets a watcher publish it,
/// and returns the store.
async fn replay(dir: &Path, input: Input, ruleset: &str, final_corte: bool) -> PathBuf {
    let opts = ImportOptions {
        ruleset: RulesetRef::Named(ruleset.into()),
        final_corte,
        ..ImportOptions::default()
    };
    let imported = import::import(&[input], &opts).unwrap_or_else(|e| panic!("import: {e}"));
    let inbox = dir.join("inbox");
    let store = dir.join("store");
    std::fs::create_dir_all(&inbox).unwrap();
    corte::source::write_archive(&dir.join("corte.tar.gz"), &imported.snapshot).unwrap();
    std::fs::rename(dir.join("corte.tar.gz"), inbox.join("corte.tar.gz")).unwrap();
    let target = stores::folder_target(&store);
    let publisher = stores::publisher(vec![target], Options::default(), HistorySource::FirstTarget);
    let watcher = Watcher::new(publisher, WatchOptions::new(inbox.clone())).unwrap();
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    let running = tokio::spawn(watcher.run(shutdown));
    let start = Instant::now();
    while !inbox.join(".done/corte.tar.gz").exists() {
        assert!(
            !inbox.join(".rejected/corte.tar.gz").exists(),
            "the watcher rejected the real snapshot"
        );
        assert!(
            start.elapsed() < Duration::from_secs(180),
            "the real snapshot was not published"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    stop.send(true).unwrap();
    running.await.unwrap().unwrap();
    store
}

fn summary(file: &str, bytes: &[u8]) -> Vec<(String, String)> {
    reader::read(file, bytes).unwrap().summary
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_files_replayed_through_the_watcher_publish_the_official_summaries() {
    for (db, cand, ruleset, published_name) in [
        (
            "campeche-2021-gob/CAMP_GOB_2021.csv",
            "campeche-2021-gob/CAMP_GOB_CANDIDATURA_2021.csv",
            "campeche-2021",
            "CAMP_GOB_2021.csv",
        ),
        (
            "qroo-2019-dip-loc/QROO_DIP_LOC_2019.csv",
            "qroo-2019-dip-loc/QROO_DIP_CANDIDATURAS_2019.csv",
            "qroo-2019",
            "QROO_DIP_LOC_2019.csv",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let store = replay(dir.path(), input(db, cand), ruleset, true).await;
        let published =
            std::fs::read(store.join("datos").join(published_name)).unwrap_or_else(|e| {
                panic!("{published_name} was not published in the stable tree: {e}")
            });
        let official = std::fs::read(real(db)).unwrap();
        assert_eq!(
            summary(published_name, &published),
            summary(db, &official),
            "{db}: the 13 summary values"
        );
        // The same file inside the corte's immutable tree, hash as the manifest says.
        let latest: serde_json::Value =
            serde_json::from_slice(&std::fs::read(store.join("latest.json")).unwrap()).unwrap();
        let manifest = corte::published::Manifest::from_json(
            &std::fs::read(store.join(latest["manifest"].as_str().unwrap())).unwrap(),
        )
        .unwrap();
        let key = format!("datos/{published_name}");
        assert_eq!(
            manifest.files[&key].sha256,
            corte::contract::sha256_hex(&published),
            "{key} as listed"
        );
    }
}

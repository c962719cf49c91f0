//! `corte seal`: the producer's last step, writing corte.json for a folder of
//! members.

use std::path::{Path, PathBuf};
use std::process::Command;

fn example_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data-contracts/examples/snapshot")
}

/// A copy of the example's members (no corte.json) in a fresh folder.
fn unsealed_example() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("tempdir");
    let src = example_dir();
    std::fs::create_dir(tmp.path().join("actas")).expect("actas/");
    std::fs::copy(src.join("catalog.json"), tmp.path().join("catalog.json")).expect("catalog");
    for entry in std::fs::read_dir(src.join("actas")).expect("example actas/") {
        let path = entry.expect("entry").path();
        let name = path.file_name().expect("file name");
        std::fs::copy(&path, tmp.path().join("actas").join(name)).expect("copy");
    }
    tmp
}

fn seal(dir: &Path, extra: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_corte"))
        .arg("seal")
        .arg(dir)
        .args(["--process", "cdmx-2024", "--seq", "12"])
        .args(["--timestamp", "2024-06-02T23:30:00-06:00"])
        .args(extra)
        .output()
        .expect("run corte seal")
}

#[test]
fn sealing_the_example_writes_its_corte_json() {
    let dir = unsealed_example();
    let out = seal(dir.path(), &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let written = std::fs::read(dir.path().join("corte.json")).expect("corte.json written");
    let committed = std::fs::read(example_dir().join("corte.json")).expect("example corte.json");
    assert_eq!(
        String::from_utf8_lossy(&written),
        String::from_utf8_lossy(&committed),
        "the example's corte.json is not what `corte seal` writes: re-seal the example"
    );
    corte::source::load(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    assert!(!dir.path().join(".corte.json.tmp").exists());
}

#[test]
fn a_sealed_snapshot_is_not_resealed_without_force() {
    let dir = unsealed_example();
    assert!(seal(dir.path(), &[]).status.success());
    let again = seal(dir.path(), &[]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
    assert!(seal(dir.path(), &["--force", "--final"]).status.success());
    let meta = corte::source::load(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    assert!(meta.corte.final_corte);
}

#[test]
fn seal_refuses_another_process_and_a_bad_timestamp() {
    let dir = unsealed_example();
    let out = Command::new(env!("CARGO_BIN_EXE_corte"))
        .arg("seal")
        .arg(dir.path())
        .args(["--process", "qroo-2019", "--seq", "1"])
        .args(["--timestamp", "2024-06-02T23:30:00-06:00"])
        .output()
        .expect("run corte seal");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not match catalog.json's process"));

    let out = Command::new(env!("CARGO_BIN_EXE_corte"))
        .arg("seal")
        .arg(dir.path())
        .args(["--process", "cdmx-2024", "--seq", "1"])
        .args(["--timestamp", "02/06/2024 23:30"])
        .output()
        .expect("run corte seal");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("field timestamp"));
    assert!(!dir.path().join("corte.json").exists());
}

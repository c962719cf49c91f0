//! `corte demo`, the README's first command, run as a newcomer would but
//! without the real data beside it: it falls back to the committed
//! `site-example/`, publishes every corte through the watcher to a
//! `file://` store, and the store verifies (hashes and signatures).

use std::path::Path;
use std::process::Command;

fn demo(work: &Path, scratch: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_corte"))
        .args(["demo", "--exit", "--port", "0", "--interval", "0"])
        .arg("--dir")
        .arg(work)
        .arg("--real-data")
        .arg(scratch.join("no-such-folder"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("corte demo runs")
}

#[test]
fn the_demo_publishes_the_example_night_and_the_store_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("demo");
    let out = demo(&work, dir.path());
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "corte demo failed:\n{stdout}\n{stderr}"
    );
    assert!(
        stderr.contains("replaying the committed example"),
        "without the real data it says it uses site-example/: {stderr}"
    );
    assert_eq!(
        stdout.matches("  live: corte ").count(),
        3,
        "each of the three example cortes went live:\n{stdout}"
    );
    assert!(stdout.contains("serving http://127.0.0.1:"), "{stdout}");

    let store = work.join("store");
    let latest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(store.join("latest.json")).unwrap()).unwrap();
    assert_eq!(latest["seq"], 3, "the last corte is live: {latest}");
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(store.join("cortes/index.json")).unwrap()).unwrap();
    assert_eq!(index["cortes"].as_array().map(Vec::len), Some(3));
    for seq in 1..=3 {
        let done = std::fs::read_dir(work.join("inbox/.done"))
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| {
                e.file_name()
                    .to_string_lossy()
                    .ends_with(&format!("-{seq:05}"))
            })
            .count();
        assert_eq!(done, 1, "corte {seq} moved to .done/");
    }

    let verify = Command::new(env!("CARGO_BIN_EXE_corte"))
        .arg("verify")
        .arg(format!("file://{}", store.display()))
        .arg("--key")
        .arg(work.join("keys/demo.key.pub"))
        .output()
        .unwrap();
    assert!(
        verify.status.success(),
        "the demo's store verifies:\n{}\n{}",
        String::from_utf8_lossy(&verify.stdout),
        String::from_utf8_lossy(&verify.stderr)
    );
}

/// A second run starts a new night in the same folder: the previous one is
/// moved aside at once and deleted after the night is live, and a folder
/// that is not a demo's is refused untouched.
#[test]
fn a_second_demo_replaces_the_first_and_a_foreign_folder_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("demo");
    let first = demo(&work, dir.path());
    assert!(first.status.success(), "{first:?}");
    std::fs::write(work.join("store/del-primer-demo.txt"), "x").unwrap();
    // A folder a killed run left aside is cleaned up too.
    let left = dir.path().join("demo.previo-1");
    std::fs::create_dir_all(left.join("inbox")).unwrap();

    let second = demo(&work, dir.path());
    let stdout = String::from_utf8_lossy(&second.stdout);
    assert!(second.status.success(), "{second:?}");
    assert!(
        stdout.contains("removed the previous demo folder in"),
        "{stdout}"
    );
    assert!(!work.join("store/del-primer-demo.txt").exists());
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(work.join("store/cortes/index.json")).unwrap())
            .unwrap();
    assert_eq!(
        index["cortes"].as_array().map(Vec::len),
        Some(3),
        "a new night, not the old one's cortes plus three: {index}"
    );
    let mut siblings: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    siblings.sort();
    assert_eq!(siblings, vec!["demo"], "nothing left aside");

    let foreign = dir.path().join("papeles");
    std::fs::create_dir_all(&foreign).unwrap();
    std::fs::write(foreign.join("nota.txt"), "mía").unwrap();
    let refused = demo(&foreign, dir.path());
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("is not a corte demo folder"),
        "{refused:?}"
    );
    assert_eq!(
        std::fs::read_to_string(foreign.join("nota.txt")).unwrap(),
        "mía"
    );
}

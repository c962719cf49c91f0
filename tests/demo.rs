//! `corte demo`, the README's first command, run as a newcomer would but
//! without the real data beside it: it falls back to the committed
//! `site-example/`, publishes every corte through the watcher to a
//! `file://` store, and the store verifies (hashes and signatures).

use std::process::Command;

#[test]
fn the_demo_publishes_the_example_night_and_the_store_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("demo");
    let out = Command::new(env!("CARGO_BIN_EXE_corte"))
        .args(["demo", "--exit", "--port", "0", "--interval", "0"])
        .arg("--dir")
        .arg(&work)
        .arg("--real-data")
        .arg(dir.path().join("no-such-folder"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("corte demo runs");
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

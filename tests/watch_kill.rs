//! Killing the watcher (SIGKILL) in the middle of a publish, then starting it
//! again, ends with the corte published once and verified — the real binary,
//! a real CDMX-scale corte, a real folder store.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use corte::generator::{Config, Generator, Scale};

fn corte_bin() -> &'static str {
    env!("CARGO_BIN_EXE_corte")
}

fn real_data() -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/real");
    assert!(
        p.exists(),
        "{} is missing: the real PREP files live in ../shared beside the repository",
        p.display()
    );
    p
}

fn watch(inbox: &Path, store: &Path, key: &Path, log: &Path) -> Child {
    Command::new(corte_bin())
        .args(["watch", "--inbox"])
        .arg(inbox)
        .arg("--to")
        .arg(format!("file://{}", store.display()))
        .arg("--signing-key")
        .arg(key)
        .env("RUST_LOG", "corte=info")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log).unwrap())
        .spawn()
        .expect("starting corte watch")
}

fn count_files(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .filter_map(Result::ok)
        .map(|e| {
            if e.path().is_dir() {
                count_files(&e.path())
            } else {
                1
            }
        })
        .sum()
}

#[test]
fn a_watcher_killed_mid_publish_finishes_the_corte_once_on_restart() {
    let dir = tempfile::tempdir().unwrap();
    let (inbox, store) = (dir.path().join("inbox"), dir.path().join("store"));
    std::fs::create_dir_all(&inbox).unwrap();
    let key = dir.path().join("key.pem");
    let out = Command::new(corte_bin())
        .args(["keygen", "--out"])
        .arg(&key)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let mut config = Config::new(Scale::Cdmx, 2);
    config.real_data = real_data();
    let generator = Generator::new(config).unwrap();
    let staging = dir.path().join("staging");
    corte::source::write(&staging, &generator.snapshot(2).unwrap()).unwrap();
    std::fs::rename(&staging, inbox.join("corte-02")).unwrap();

    // Start, and kill -9 once the archive objects are being written but the
    // pointer has not moved.
    let log = dir.path().join("watch-1.log");
    let mut child = watch(&inbox, &store, &key, &log);
    let start = Instant::now();
    let archive = store.join("objetos");
    loop {
        assert!(
            start.elapsed() < Duration::from_secs(300),
            "the publish never started: {}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        if let Ok(Some(status)) = child.try_wait() {
            panic!(
                "the watcher exited early ({status}): {}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        }
        if count_files(&archive) > 500 {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert!(
        !store.join("latest.json").exists(),
        "killed before the pointer moved: nothing is live yet"
    );
    assert!(
        inbox.join("corte-02").exists(),
        "the snapshot stays in the inbox"
    );

    // Start again: it finishes the same corte.
    let log = dir.path().join("watch-2.log");
    let mut child = watch(&inbox, &store, &key, &log);
    let start = Instant::now();
    while !inbox.join(".done/corte-02").exists() {
        assert!(
            start.elapsed() < Duration::from_secs(300),
            "not finished: {}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    child.kill().unwrap();
    child.wait().unwrap();

    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(store.join("cortes/index.json")).unwrap()).unwrap();
    let cortes = index["cortes"].as_array().unwrap();
    assert_eq!(cortes.len(), 1, "published once: {index}");
    assert_eq!(cortes[0]["seq"], 2);
    let verify = Command::new(corte_bin())
        .arg("verify")
        .arg(format!("file://{}", store.display()))
        .arg("--key")
        .arg(key.with_extension("pem.pub"))
        .output()
        .unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&verify.stdout),
        String::from_utf8_lossy(&verify.stderr)
    );
    assert!(verify.status.success(), "corte verify failed: {said}");
    assert!(
        said.contains("signature"),
        "verify checked the signature: {said}"
    );
}

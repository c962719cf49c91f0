//! One watcher per inbox and state folder, with the real binary: a second
//! watcher exits naming the first; `corte status --watcher` tells a running
//! watcher from one killed with `kill -9` (idle, or in the middle of a
//! publish), and the next watcher starts.

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

fn corte_bin() -> &'static str {
    env!("CARGO_BIN_EXE_corte")
}

fn watch(inbox: &Path, store: &Path) -> Command {
    let mut c = Command::new(corte_bin());
    c.args(["watch", "--unsigned", "--inbox"])
        .arg(inbox)
        .arg("--to")
        .arg(format!("file://{}", store.display()))
        .env("RUST_LOG", "corte=info");
    c
}

fn start(inbox: &Path, store: &Path) -> Child {
    watch(inbox, store)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("starting corte watch")
}

/// Waits until the watcher's status.json names `pid`.
fn wait_for_status(state: &Path, pid: u32) {
    wait_for(state, &format!("\"pid\": {pid}"));
}

/// Waits until the watcher's status.json holds `text`.
fn wait_for(state: &Path, text: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        let now = std::fs::read_to_string(state.join("status.json")).unwrap_or_default();
        if now.contains(text) {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("the watcher's status.json did not say {text} within 60 s");
}

fn status(state: &Path) -> String {
    let out: Output = Command::new(corte_bin())
        .args(["status", "--watcher"])
        .arg(state)
        .output()
        .expect("running corte status");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_second_watcher_is_refused_and_a_killed_one_is_told_from_a_running_one() {
    let dir = tempfile::tempdir().unwrap();
    let (inbox, store) = (dir.path().join("inbox"), dir.path().join("store"));
    let state = inbox.join(".state");
    let mut first = start(&inbox, &store);
    wait_for_status(&state, first.id());
    let line = status(&state);
    assert!(
        line.contains(&format!("(pid {}): running, idle", first.id())),
        "{line}"
    );

    let second = watch(&inbox, &store).output().expect("a second watcher");
    let err = String::from_utf8_lossy(&second.stderr);
    assert!(!second.status.success(), "the second watcher ran: {err}");
    assert!(err.contains("another watcher holds it"), "{err}");
    assert!(err.contains(&format!("pid {} on ", first.id())), "{err}");
    assert!(
        !err.contains("No such file or directory"),
        "the second watcher touched the first one's folders: {err}"
    );
    assert!(
        status(&state).contains("running"),
        "the first watcher still runs"
    );

    first.kill().expect("kill -9");
    first.wait().unwrap();
    let line = status(&state);
    assert!(
        line.contains(&format!(
            "(pid {}): NOT RUNNING (its lock is free: the process is gone); it was idle",
            first.id()
        )),
        "{line}"
    );

    let mut third = start(&inbox, &store);
    wait_for_status(&state, third.id());
    let line = status(&state);
    assert!(
        line.contains(&format!("(pid {}): running", third.id())),
        "{line}"
    );
    third.kill().unwrap();
    third.wait().unwrap();
}

/// The small fixture as corte `seq` of a night.
fn snapshot(seq: u32) -> corte::contract::NewSnapshot {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/snapshot-small");
    let mut members = std::collections::BTreeMap::new();
    members.insert(
        "catalog.json".to_string(),
        std::fs::read(dir.join("catalog.json")).unwrap(),
    );
    for e in ["GUB", "DIP_LOC", "ALC"] {
        members.insert(
            format!("actas/{e}.csv"),
            std::fs::read(dir.join(format!("actas/{e}.csv"))).unwrap(),
        );
    }
    corte::contract::NewSnapshot {
        process_id: "cdmx-prueba-2024".into(),
        seq,
        timestamp: "2024-06-02T20:15:00-06:00".into(),
        final_corte: false,
        members,
    }
}

/// The case of the issue: a watcher killed while its status said
/// "publishing". It is held there by a stable-tree lease of another
/// machine (`cortes/lease.json`, an hour to live), so the kill lands in the
/// middle of a publish every time.
#[test]
fn a_watcher_killed_while_publishing_is_not_reported_as_publishing() {
    let dir = tempfile::tempdir().unwrap();
    let (inbox, store) = (dir.path().join("inbox"), dir.path().join("store"));
    let state = inbox.join(".state");
    std::fs::create_dir_all(store.join("cortes")).unwrap();
    let lease = serde_json::json!({
        "lease_version": 1,
        "state": "held",
        "holder": {"host": "otra-maquina", "pid": 4242, "work": "publish 00001-20240602-2000"},
        "token": "theirs",
        "since": "2024-06-02T20:00:00Z",
        "renewed_at": "2024-06-02T20:00:00Z",
        "ttl_ms": 3_600_000u64,
        "renewals": 0
    });
    std::fs::write(
        store.join("cortes/lease.json"),
        serde_json::to_vec(&lease).unwrap(),
    )
    .unwrap();
    std::fs::create_dir_all(&inbox).unwrap();
    let staging = dir.path().join("staging");
    corte::source::write(&staging, &snapshot(2)).unwrap();
    std::fs::rename(&staging, inbox.join("corte-02")).unwrap();

    let mut first = start(&inbox, &store);
    wait_for(&state, "\"state\": \"publishing\"");
    let line = status(&state);
    assert!(
        line.contains(&format!("(pid {}): running, publishing", first.id())),
        "{line}"
    );
    first.kill().expect("kill -9");
    first.wait().unwrap();
    let line = status(&state);
    assert!(
        line.contains(&format!(
            "(pid {}): NOT RUNNING (its lock is free: the process is gone); it was publishing",
            first.id()
        )),
        "{line}"
    );
    assert!(!line.contains("running, publishing"), "{line}");
    assert!(
        !store.join("latest.json").exists(),
        "nothing went live under another's lease"
    );
}

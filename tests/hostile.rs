//! Hostile and unlucky inputs (issue 17): FIFOs and symlinks where files
//! should be, archives as real tools write them and as attackers do, a
//! member still being written, a sequence reused with other bytes, a corte
//! whose actas drop, gigabyte lines, formulas in names. Each must end in a
//! named outcome: nothing hangs, nothing outside is read or quoted, the live
//! site does not change, the watcher goes on with the next corte.
//!
//! Anything that could block (a FIFO opened for reading) runs under a
//! [`Watchdog`]: a regression fails the test binary instead of hanging CI.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::mpsc::RecvTimeoutError;
use std::time::{Duration, Instant};

use corte::contract::NewSnapshot;
use corte::cutover::{CutoverError, HistorySource, Publisher};
use corte::publish::{Options, Quiet, Target};
use corte::source::{self, SourceError, limits::Limits};
use corte::watch::{WatchOptions, Watcher};

use crate::support::snapshots::{self, drop_into};
use crate::support::stores;

/// Fails the whole test binary if still alive after `secs`: a test that
/// would otherwise hang (a FIFO read) ends CI with a message instead.
struct Watchdog(#[allow(dead_code)] std::sync::mpsc::Sender<()>);

fn watchdog(what: &'static str, secs: u64) -> Watchdog {
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    std::thread::spawn(move || {
        if let Err(RecvTimeoutError::Timeout) = rx.recv_timeout(Duration::from_secs(secs)) {
            eprintln!(
                "{what}: still running after {secs} s, so it hangs; stopping the test binary"
            );
            std::process::exit(101);
        }
    });
    Watchdog(tx)
}

fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo runs");
    assert!(status.success(), "mkfifo {}", path.display());
}

fn corte(seq: u32) -> NewSnapshot {
    snapshots::small_corte(seq, 21)
}

/// Corte `seq` whose GUB actas file is only its header: GUB falls to 0 actas.
fn corte_without_gub_actas(seq: u32) -> NewSnapshot {
    let mut c = corte(seq);
    let gub = c.members.get_mut("actas/GUB.csv").unwrap();
    let header_end = gub.iter().position(|b| *b == b'\n').unwrap() + 1;
    gub.truncate(header_end);
    c
}

fn latest_seq(store: &Path) -> u64 {
    std::fs::read(store.join("latest.json"))
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .and_then(|l| l["seq"].as_u64())
        .unwrap_or(0)
}

fn wait_until(what: &str, timeout: Duration, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn status(inbox: &Path) -> serde_json::Value {
    std::fs::read(inbox.join(".state/status.json"))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

fn publisher(target: Target) -> Publisher {
    let options = Options {
        delete_stale: true,
        ..Options::default()
    };
    stores::publisher(vec![target], options, HistorySource::FirstTarget)
}

/// An inbox, a folder store and a running watcher over them.
struct Night {
    _dir: tempfile::TempDir,
    inbox: PathBuf,
    store: PathBuf,
    stop: tokio::sync::watch::Sender<bool>,
    running: tokio::task::JoinHandle<Result<(), corte::watch::WatchError>>,
}

fn start_night(grace: Duration) -> Night {
    let dir = tempfile::tempdir().unwrap();
    let inbox = dir.path().join("inbox");
    let store = dir.path().join("store");
    std::fs::create_dir_all(&inbox).unwrap();
    std::fs::create_dir_all(&store).unwrap();
    let mut opts = WatchOptions::new(inbox.clone());
    opts.rescan = Duration::from_millis(200);
    opts.retry = Duration::from_millis(200);
    opts.incomplete_grace = grace;
    let watcher = Watcher::new(publisher(stores::folder_target(&store)), opts).unwrap();
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    let running = tokio::spawn(watcher.run(shutdown));
    Night {
        _dir: dir,
        inbox,
        store,
        stop,
        running,
    }
}

impl Night {
    async fn end(self) {
        self.stop.send(true).unwrap();
        self.running.await.unwrap().unwrap();
    }
}

const LONG: Duration = Duration::from_secs(120);

// ------------------------------------------------------------ the readers

#[test]
fn a_fifo_or_a_symlink_where_a_member_should_be_is_refused_without_blocking() {
    let _dog = watchdog("loading snapshots with FIFO members", 60);
    let dir = tempfile::tempdir().unwrap();

    // A member that is a FIFO.
    let snap = dir.path().join("fifo-member");
    source::write(&snap, &corte(1)).unwrap();
    std::fs::remove_file(snap.join("actas/GUB.csv")).unwrap();
    mkfifo(&snap.join("actas/GUB.csv"));
    let e = source::load(&snap).unwrap_err();
    assert!(matches!(e, SourceError::Refused { .. }), "{e}");
    assert_eq!(
        e.to_string(),
        format!(
            "{}: refused: actas/GUB.csv is a FIFO (named pipe), not a regular file: only regular files are read",
            snap.display()
        )
    );

    // corte.json itself a FIFO.
    let snap = dir.path().join("fifo-corte-json");
    source::write(&snap, &corte(1)).unwrap();
    std::fs::remove_file(snap.join("corte.json")).unwrap();
    mkfifo(&snap.join("corte.json"));
    let e = source::load(&snap).unwrap_err().to_string();
    assert!(e.ends_with("refused: corte.json is a FIFO (named pipe), not a regular file: only regular files are read"), "{e}");

    // A member that is a symlink out of the snapshot: refused, and what it
    // points to is neither followed nor quoted.
    let snap = dir.path().join("symlink-member");
    let mut c = corte(1);
    let passwd = std::fs::read("/etc/passwd").unwrap();
    // Sealed with the target's very bytes, so only the link is wrong.
    c.members.insert("actas/GUB.csv".into(), passwd);
    source::write(&snap, &c).unwrap();
    std::fs::remove_file(snap.join("actas/GUB.csv")).unwrap();
    std::os::unix::fs::symlink("/etc/passwd", snap.join("actas/GUB.csv")).unwrap();
    let e = source::load(&snap).unwrap_err().to_string();
    assert!(e.ends_with("refused: actas/GUB.csv is a symbolic link, not a regular file: only regular files are read"), "{e}");
    assert!(!e.contains("root"), "{e}");

    // The actas folder a symlink out of the snapshot.
    let snap = dir.path().join("symlink-actas");
    source::write(&snap, &corte(1)).unwrap();
    let elsewhere = dir.path().join("elsewhere");
    std::fs::rename(snap.join("actas"), &elsewhere).unwrap();
    std::os::unix::fs::symlink(&elsewhere, snap.join("actas")).unwrap();
    let e = source::load(&snap).unwrap_err().to_string();
    assert!(e.ends_with("refused: actas is a symbolic link, not a folder: only regular files inside the snapshot are read"), "{e}");

    // An archive that is a FIFO, or a symlink to /dev/zero.
    let fifo = dir.path().join("corte.tar.gz");
    mkfifo(&fifo);
    let e = source::load(&fifo).unwrap_err().to_string();
    assert!(e.ends_with("refused: the archive is a FIFO (named pipe), not a regular file: only regular files are read"), "{e}");
    let zero = dir.path().join("zero.tar.gz");
    std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
    let e = source::load(&zero).unwrap_err().to_string();
    assert!(e.ends_with("refused: the archive is a symbolic link, not a regular file: only regular files are read"), "{e}");
}

#[test]
fn an_actas_file_that_corte_json_does_not_list_is_a_named_error() {
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("s");
    source::write(&snap, &corte(1)).unwrap();
    std::fs::write(snap.join("actas/DIP_FED.csv"), b"CLAVE_CASILLA\n").unwrap();
    let e = source::load(&snap).unwrap_err();
    assert!(matches!(e, SourceError::Contract { .. }), "{e}");
    assert!(
        e.to_string()
            .contains("actas/DIP_FED.csv: is in the snapshot, but corte.json does not list it"),
        "{e}"
    );
}

/// The tar bytes of a snapshot (members, then corte.json), plus `extra`
/// entries, as `tar` writes them.
fn tar_of(snap: &NewSnapshot, extra: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut tar = tar::Builder::new(Vec::new());
    let mut add = |name: &str, bytes: &[u8]| {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        tar.append_data(&mut header, format!("corte/{name}"), bytes)
            .unwrap();
    };
    for (name, bytes) in &snap.members {
        add(name, bytes);
    }
    for (name, bytes) in extra {
        add(name, bytes);
    }
    add("corte.json", &snap.corte_json());
    tar.into_inner().unwrap()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

#[test]
fn a_multi_member_gzip_archive_reads_like_one_as_gnu_tar_and_pigz_write_it() {
    let dir = tempfile::tempdir().unwrap();
    let tar = tar_of(&corte(3), &[]);
    // Two gzip members, split mid-entry.
    let (a, b) = tar.split_at(tar.len() / 2);
    let mut bytes = gzip(a);
    bytes.extend(gzip(b));
    let path = dir.path().join("corte.tar.gz");
    std::fs::write(&path, bytes).unwrap();
    let snapshot = source::load(&path).expect("a multi-member gzip loads");
    assert_eq!(snapshot.corte.seq, 3);
    assert!(snapshot.actas.iter().map(Vec::len).sum::<usize>() > 0);
}

#[test]
fn an_archive_with_two_entries_of_one_name_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let snap = corte(3);
    let mut other = snap.members["actas/GUB.csv"].clone();
    other.extend_from_slice(b"\n");
    let path = dir.path().join("corte.tar.gz");
    std::fs::write(&path, gzip(&tar_of(&snap, &[("actas/GUB.csv", other)]))).unwrap();
    let e = source::load(&path).unwrap_err().to_string();
    assert!(
        e.ends_with("refused: the archive has two entries named corte/actas/GUB.csv: which one is the snapshot is ambiguous"),
        "{e}"
    );
}

#[test]
fn a_symlink_entry_in_an_archive_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let snap = corte(3);
    let mut tar = tar::Builder::new(Vec::new());
    for (name, bytes) in snap.members.iter().filter(|(n, _)| *n != "actas/GUB.csv") {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        tar.append_data(&mut header, name, &bytes[..]).unwrap();
    }
    let mut link = tar::Header::new_gnu();
    link.set_entry_type(tar::EntryType::Symlink);
    link.set_size(0);
    tar.append_link(&mut link, "actas/GUB.csv", "/etc/passwd")
        .unwrap();
    let mut header = tar::Header::new_gnu();
    let corte_json = snap.corte_json();
    header.set_size(corte_json.len() as u64);
    header.set_mode(0o644);
    header.set_cksum();
    tar.append_data(&mut header, "corte.json", &corte_json[..])
        .unwrap();
    let path = dir.path().join("corte.tar.gz");
    std::fs::write(&path, gzip(&tar.into_inner().unwrap())).unwrap();
    let e = source::load(&path).unwrap_err().to_string();
    assert!(
        e.ends_with("refused: actas/GUB.csv is a symbolic link inside the archive: only regular files are read"),
        "{e}"
    );
}

#[test]
fn a_tar_bomb_is_refused_at_the_limits_without_holding_it() {
    let dir = tempfile::tempdir().unwrap();
    let snap = corte(3);
    // 64 MiB of zeros beside the members: about 64 KiB compressed.
    let bomb = vec![0u8; 64 << 20];
    let path = dir.path().join("bomb.tar.gz");
    std::fs::write(&path, gzip(&tar_of(&snap, &[("relleno.bin", bomb)]))).unwrap();
    assert!(std::fs::metadata(&path).unwrap().len() < 1 << 20);
    // Within the defaults, it loads (the padding is skipped, not held).
    source::load_within(&path, &Limits::default()).expect("within the default limits");

    let small = Limits {
        snapshot_bytes: 16 << 20,
        ..Limits::default()
    };
    let e = source::load_within(&path, &small).unwrap_err().to_string();
    assert!(
        e.contains("refused: not a readable .tar.gz: goes past the limit of 16777216 bytes (snapshot_bytes in corte.toml's [limits])"),
        "{e}"
    );

    let members = Limits {
        member_bytes: 1000,
        ..Limits::default()
    };
    let e = source::load_within(&path, &members)
        .unwrap_err()
        .to_string();
    assert!(e.contains("refused: corte/actas/ALC.csv is "), "{e}");
    assert!(
        e.ends_with("bytes, over the limit of 1000 bytes (member_bytes in corte.toml's [limits])"),
        "{e}"
    );

    let many: Vec<(String, Vec<u8>)> = (0..20).map(|i| (format!("x{i}"), vec![])).collect();
    let many: Vec<(&str, Vec<u8>)> = many.iter().map(|(n, b)| (n.as_str(), b.clone())).collect();
    let path = dir.path().join("many.tar.gz");
    std::fs::write(&path, gzip(&tar_of(&snap, &many))).unwrap();
    let entries = Limits {
        archive_entries: 10,
        ..Limits::default()
    };
    let e = source::load_within(&path, &entries)
        .unwrap_err()
        .to_string();
    assert!(e.ends_with("refused: the archive has more than 10 entries (archive_entries in corte.toml's [limits])"), "{e}");
}

#[test]
fn the_image_folder_refuses_fifos_and_symlinks_named_like_images() {
    let _dog = watchdog("scanning an image folder with a FIFO", 60);
    let dir = tempfile::tempdir().unwrap();
    let images = dir.path().join("imagenes");
    std::fs::create_dir_all(&images).unwrap();
    let snapshot = source::load(&data_contract_example()).unwrap();
    let codes: Vec<String> = snapshot
        .actas
        .iter()
        .flatten()
        .filter_map(|a| a.codigo_integridad.clone())
        .take(3)
        .collect();
    assert_eq!(codes.len(), 3);
    // A FIFO, a link to /dev/zero, and a link to a file outside the folder
    // whose bytes do hash to the code (the worst case: it would pass).
    mkfifo(&images.join(format!("{}.jpg", codes[0])));
    std::os::unix::fs::symlink("/dev/zero", images.join(format!("{}.jpg", codes[1]))).unwrap();
    let outside = dir.path().join("outside.bin");
    std::fs::write(&outside, b"bytes from outside").unwrap();
    std::os::unix::fs::symlink(&outside, images.join(format!("{}.jpg", codes[2]))).unwrap();
    let set = corte::source::images::ImageFolder::new(&images)
        .scan(&snapshot)
        .unwrap();
    assert!(set.images.is_empty(), "nothing is published");
    let reasons: Vec<String> = set.rejected.iter().map(|r| r.to_string()).collect();
    assert_eq!(reasons.len(), 3, "{reasons:?}");
    let all = reasons.join("\n");
    assert!(all.contains("is a FIFO (named pipe), not a regular file: only regular files in the image folder are published"), "{all}");
    assert_eq!(
        all.matches("is a symbolic link, not a regular file")
            .count(),
        2,
        "{all}"
    );
}

fn data_contract_example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data-contracts/examples/snapshot")
}

// ------------------------------------------------------------ the watcher

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifos_and_symlinks_in_the_inbox_are_rejected_and_the_watcher_goes_on() {
    let _dog = watchdog("the watcher with FIFOs in its inbox", 300);
    let night = start_night(Duration::from_secs(60));
    let (inbox, store) = (night.inbox.clone(), night.store.clone());
    tokio::task::spawn_blocking(move || {
        drop_into(&inbox, "corte-01", &corte(1));
        wait_until("corte 1 to go live", LONG, || latest_seq(&store) == 1);
        let live_before = std::fs::read(store.join("latest.json")).unwrap();

        // A FIFO named like an archive.
        mkfifo(&inbox.join("corte-02.tar.gz"));
        let error = inbox.join(".rejected/corte-02.tar.gz/error.txt");
        wait_until("the FIFO to be rejected", LONG, || error.exists());
        let text = std::fs::read_to_string(&error).unwrap();
        assert!(text.contains("is a FIFO (named pipe), not a regular file or folder: the inbox takes folders and .tar.gz archives renamed in"), "{text}");

        // A snapshot whose corte.json is a FIFO.
        let folder = inbox.parent().unwrap().join("staging-fifo");
        source::write(&folder, &corte(2)).unwrap();
        std::fs::remove_file(folder.join("corte.json")).unwrap();
        mkfifo(&folder.join("corte.json"));
        std::fs::rename(&folder, inbox.join("corte-02-fifo")).unwrap();
        let error = inbox.join(".rejected/corte-02-fifo/error.txt");
        wait_until("the FIFO corte.json to be rejected", LONG, || error.exists());
        let text = std::fs::read_to_string(&error).unwrap();
        assert!(text.contains("corte.json is a FIFO (named pipe)"), "{text}");

        // A snapshot whose member is a symlink to /etc/passwd, sealed with its bytes.
        let mut c = corte(2);
        c.members
            .insert("actas/GUB.csv".into(), std::fs::read("/etc/passwd").unwrap());
        let staging = inbox.parent().unwrap().join("staging-link");
        source::write(&staging, &c).unwrap();
        std::fs::remove_file(staging.join("actas/GUB.csv")).unwrap();
        std::os::unix::fs::symlink("/etc/passwd", staging.join("actas/GUB.csv")).unwrap();
        std::fs::rename(&staging, inbox.join("corte-02-link")).unwrap();
        let error = inbox.join(".rejected/corte-02-link/error.txt");
        wait_until("the symlinked member to be rejected", LONG, || error.exists());
        let text = std::fs::read_to_string(&error).unwrap();
        assert!(text.contains("actas/GUB.csv is a symbolic link, not a regular file"), "{text}");
        assert!(!text.contains("root:"), "the target is never quoted: {text}");
        let s = status(&inbox);
        assert_eq!(s["last_attempt"]["outcome"], "rejected");
        assert!(!s.to_string().contains("root:"), "nor in status.json");

        assert_eq!(
            std::fs::read(store.join("latest.json")).unwrap(),
            live_before,
            "the live site did not change"
        );
        // … and the next corte goes live.
        drop_into(&inbox, "corte-03", &corte(3));
        wait_until("corte 3 to go live", LONG, || latest_seq(&store) == 3);
    })
    .await
    .unwrap();
    night.end().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_still_arriving_is_waited_for_and_a_reused_sequence_is_refused_once() {
    let night = start_night(Duration::from_secs(60));
    let (inbox, store) = (night.inbox.clone(), night.store.clone());
    tokio::task::spawn_blocking(move || {
        drop_into(&inbox, "corte-01", &corte(1));
        wait_until("corte 1 to go live", LONG, || latest_seq(&store) == 1);

        // Corte 2 with its GUB file still being copied: half there.
        let c2 = corte(2);
        let staging = inbox.parent().unwrap().join("staging-02");
        source::write(&staging, &c2).unwrap();
        let full = c2.members["actas/GUB.csv"].clone();
        std::fs::write(staging.join("actas/GUB.csv"), &full[..full.len() / 2]).unwrap();
        std::fs::rename(&staging, inbox.join("corte-02")).unwrap();
        wait_until("the watcher to wait for corte 2", LONG, || {
            status(&inbox)["last_attempt"]["outcome"] == "waiting"
        });
        let s = status(&inbox);
        let message = s["last_attempt"]["message"].as_str().unwrap_or_default();
        assert!(
            message.contains("actas/GUB.csv is")
                && message.contains("(still being written, or cut short)"),
            "{message}"
        );
        assert!(inbox.join("corte-02").exists(), "still in the inbox");
        assert_eq!(latest_seq(&store), 1);
        // The copy finishes: corte 2 goes live, not "altered".
        std::fs::write(inbox.join("corte-02/actas/GUB.csv"), &full).unwrap();
        wait_until("corte 2 to go live", LONG, || latest_seq(&store) == 2);

        // Sequence 2 again, same time, other bytes: a final, named refusal.
        let mut other = corte(2);
        other
            .members
            .get_mut("actas/ALC.csv")
            .unwrap()
            .extend_from_slice(b"\n");
        drop_into(&inbox, "corte-02-otra", &other);
        let error = inbox.join(".rejected/corte-02-otra/error.txt");
        wait_until("the reused sequence to be refused", LONG, || error.exists());
        let text = std::fs::read_to_string(&error).unwrap();
        assert!(
            text.contains("is already live with other contents"),
            "{text}"
        );
        assert_eq!(latest_seq(&store), 2);
        assert!(!inbox.join("corte-02-otra").exists(), "not retried");

        // A member complete and wrong (same size, other bytes): rejected at once.
        let c3 = corte(3);
        let staging = inbox.parent().unwrap().join("staging-03");
        source::write(&staging, &c3).unwrap();
        let gub = staging.join("actas/GUB.csv");
        let mut bytes = std::fs::read(&gub).unwrap();
        let last = bytes.len() - 2;
        bytes[last] = if bytes[last] == b'7' { b'8' } else { b'7' };
        std::fs::write(&gub, bytes).unwrap();
        std::fs::rename(&staging, inbox.join("corte-03")).unwrap();
        let error = inbox.join(".rejected/corte-03/error.txt");
        wait_until(
            "the altered corte to be rejected",
            Duration::from_secs(30),
            || error.exists(),
        );
        assert!(
            std::fs::read_to_string(&error)
                .unwrap()
                .contains("(altered or corrupted)")
        );

        drop_into(&inbox, "corte-04", &corte(4));
        wait_until("corte 4 to go live", LONG, || latest_seq(&store) == 4);
    })
    .await
    .unwrap();
    night.end().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corte_whose_actas_drop_is_held_until_a_newer_one_supersedes_it() {
    let night = start_night(Duration::from_secs(60));
    let (inbox, store) = (night.inbox.clone(), night.store.clone());
    tokio::task::spawn_blocking(move || {
        drop_into(&inbox, "corte-01", &corte(1));
        wait_until("corte 1 to go live", LONG, || latest_seq(&store) == 1);
        let live_before = std::fs::read(store.join("latest.json")).unwrap();

        let c2 = corte_without_gub_actas(2);
        let id2 = c2.corte_meta().id();
        drop_into(&inbox, "corte-02", &c2);
        let held = inbox.join(".held/corte-02/held.txt");
        wait_until("corte 2 to be held", LONG, || held.exists());
        let text = std::fs::read_to_string(&held).unwrap();
        assert!(
            text.contains("GUB: actas captured went down from"),
            "{text}"
        );
        assert!(text.contains(&format!("--confirm {id2}")), "{text}");
        wait_until("status.json to name the held corte", LONG, || {
            status(&inbox)["held"]["corte"] == id2.as_str()
        });
        let s = status(&inbox);
        assert_eq!(s["last_attempt"]["outcome"], "held");
        assert!(
            s["held"]["concerns"][0]
                .as_str()
                .unwrap()
                .starts_with("GUB: actas captured went down from")
        );
        assert_eq!(
            std::fs::read(store.join("latest.json")).unwrap(),
            live_before
        );
        assert!(
            !store.join("cortes").join(&id2).exists(),
            "nothing of it was written"
        );
        // A second watcher on this inbox is refused while this one runs.
        let second = Watcher::new(
            publisher(stores::folder_target(&store)),
            WatchOptions::new(inbox.clone()),
        );
        let e = second.err().expect("a second watcher on one inbox");
        assert!(e.to_string().contains("another watcher holds it"), "{e}");
        // A watcher started again still knows what is held: from what the
        // held snapshot's folder keeps (here a copy, this watcher running).
        let restarted = inbox.parent().unwrap().join("restarted");
        copy_tree(&inbox.join(".held"), &restarted.join(".held"));
        let again = Watcher::new(
            publisher(stores::folder_target(&store)),
            WatchOptions::new(restarted),
        )
        .unwrap();
        assert_eq!(
            again.status().held.as_ref().map(|h| h.corte.as_str()),
            Some(id2.as_str())
        );
        drop(again);
        let state = inbox.join(".state");
        let (code, out) =
            run_corte_stdout(&["status".as_ref(), "--watcher".as_ref(), state.as_os_str()]);
        assert_eq!(code, Some(0), "{out}");
        assert!(out.contains(&format!("HELD: corte {id2} (seq 2)")), "{out}");
        assert!(out.contains(&format!("--confirm {id2}")), "{out}");

        // A newer, sane corte goes live and supersedes it.
        drop_into(&inbox, "corte-03", &corte(3));
        wait_until("corte 3 to go live", LONG, || latest_seq(&store) == 3);
        let skipped = inbox.join(".skipped/corte-02/reason.txt");
        // The snapshot is shelved in `.skipped/` first, then its `.held/`
        // folder (the notes) removed: never a moment without it.
        let held = inbox.join(".held/corte-02");
        wait_until("the held corte to be superseded", LONG, || {
            skipped.exists() && !held.exists()
        });
        wait_until("status.json to drop the held corte", LONG, || {
            status(&inbox)["live"]["seq"] == 3 && status(&inbox).get("held").is_none()
        });
    })
    .await
    .unwrap();
    night.end().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_confirms_a_held_corte_by_its_id() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let state = dir.path().join("state");
    std::fs::create_dir_all(&store).unwrap();
    let (_stop, shutdown) = tokio::sync::watch::channel(false);
    let mut publisher = stores::publisher(
        vec![stores::folder_target(&store)],
        Options::default(),
        HistorySource::Folder(state.clone()),
    );
    let load = |c: &NewSnapshot| std::sync::Arc::new(crate::support::snapshots::snapshot_of(c));
    publisher
        .cutover(load(&corte(1)), std::sync::Arc::new(Quiet), &shutdown)
        .await
        .unwrap();
    let c2 = corte_without_gub_actas(2);
    let id2 = c2.corte_meta().id();
    let held = publisher
        .cutover(load(&c2), std::sync::Arc::new(Quiet), &shutdown)
        .await
        .err()
        .expect("held");
    assert!(matches!(held, CutoverError::Held { .. }), "{held}");
    assert!(
        held.to_string()
            .starts_with("held: GUB: actas captured went down from"),
        "{held}"
    );
    assert!(
        held.to_string().contains(&format!("--confirm {id2}")),
        "{held}"
    );
    assert_eq!(latest_seq(&store), 1);
    // Confirming another corte does not let this one through.
    publisher.confirm = Some(corte(9).corte_meta().id());
    assert!(
        publisher
            .cutover(load(&c2), std::sync::Arc::new(Quiet), &shutdown)
            .await
            .is_err()
    );
    publisher.confirm = Some(id2);
    publisher
        .cutover(load(&c2), std::sync::Arc::new(Quiet), &shutdown)
        .await
        .expect("a confirmed corte is published");
    assert_eq!(latest_seq(&store), 2);
}

#[test]
fn impossible_corte_times_and_zones_are_named_errors() {
    let dir = tempfile::tempdir().unwrap();
    for (ts, expected) in [
        ("2099-06-02T20:00:00-06:00", "ahead of this machine's clock"),
        (
            "0000-06-02T20:00:00-06:00",
            "is in the year 0, before any PREP (1990)",
        ),
        (
            "2024-06-02T20:00:00+23:59",
            "has the UTC offset +23:59, which no time zone uses",
        ),
    ] {
        let snap = dir.path().join(ts.replace(':', "_"));
        let mut c = corte(1);
        c.timestamp = ts.into();
        source::write(&snap, &c).unwrap();
        let e = source::load(&snap).unwrap_err().to_string();
        assert!(
            e.contains("corte.json, field timestamp:") && e.contains(expected),
            "{e}"
        );
    }
    let snap = dir.path().join("zone");
    let mut c = corte(1);
    let catalog = String::from_utf8(c.members["catalog.json"].clone()).unwrap();
    assert!(catalog.contains("\"America/Mexico_City\""));
    c.members.insert(
        "catalog.json".into(),
        catalog
            .replace("\"America/Mexico_City\"", "\"America/Ciudad_Gotica\"")
            .into_bytes(),
    );
    source::write(&snap, &c).unwrap();
    let e = source::load(&snap).unwrap_err().to_string();
    assert!(
        e.contains(
            "catalog.json, field time_zone: `America/Ciudad_Gotica` is not an IANA time zone"
        ),
        "{e}"
    );
}

// ------------------------------------------------------------ import

/// Runs `corte` with a bounded wait; (exit code, stderr).
fn run_corte(args: &[&std::ffi::OsStr]) -> (Option<i32>, String) {
    run_corte_with(args, false)
}

/// Runs `corte` with a bounded wait; (exit code, stdout).
fn run_corte_stdout(args: &[&std::ffi::OsStr]) -> (Option<i32>, String) {
    run_corte_with(args, true)
}

fn run_corte_with(args: &[&std::ffi::OsStr], stdout: bool) -> (Option<i32>, String) {
    let piped = std::process::Stdio::piped;
    let null = std::process::Stdio::null;
    let mut child = Command::new(env!("CARGO_BIN_EXE_corte"))
        .args(args)
        .stdout(if stdout { piped() } else { null() })
        .stderr(if stdout { null() } else { piped() })
        .spawn()
        .unwrap();
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            use std::io::Read;
            let mut pipe: Box<dyn Read> = if stdout {
                Box::new(child.stdout.take().unwrap())
            } else {
                Box::new(child.stderr.take().unwrap())
            };
            pipe.read_to_string(&mut err).unwrap();
            return (status.code(), err);
        }
        if start.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("corte {args:?} still running after 120 s: it hangs");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn import_refuses_a_gigabyte_line_or_field_by_name_and_a_fifo_without_blocking() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    // A 1 GiB line: sparse, so it costs no disk; read only up to the limit.
    let big = dir.path().join("CDMX_GUB_2024.csv");
    let mut f = std::fs::File::create(&big).unwrap();
    f.write_all(b"GUBERNATURA\n").unwrap();
    f.set_len(1 << 30).unwrap();
    drop(f);
    let (code, err) = run_corte(&[
        "import".as_ref(),
        "anexo13".as_ref(),
        big.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("CDMX_GUB_2024.csv, row 2: a record longer than the limit of 1048576 bytes (import_record_bytes in corte.toml's [limits])"),
        "{err}"
    );

    // A field in quotes over 2 MiB of lines.
    let field = dir.path().join("CDMX_ALC_2024.csv");
    let mut bytes = b"ALCALDIAS\n\"02/06/2024 20:00 (UTC-6)\"\nCLAVE_CASILLA,\"".to_vec();
    bytes.extend(std::iter::repeat_n(&b"a\n"[..], 1 << 20).flatten());
    bytes.extend_from_slice(b"\"\n");
    std::fs::write(&field, bytes).unwrap();
    let (code, err) = run_corte(&[
        "import".as_ref(),
        "anexo13".as_ref(),
        field.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("CDMX_ALC_2024.csv, row 3: a record longer than the limit"),
        "{err}"
    );

    let fifo = dir.path().join("CDMX_DIP_LOC_2024.csv");
    mkfifo(&fifo);
    let (code, err) = run_corte(&[
        "import".as_ref(),
        "anexo13".as_ref(),
        fifo.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("CDMX_DIP_LOC_2024.csv is a FIFO (named pipe), not a regular file"),
        "{err}"
    );
    assert!(!out.exists(), "nothing was written");
}

/// `import --out` over an existing snapshot used to rewrite it in place and
/// leave the old members behind. It is refused, naming the folder, and the
/// old snapshot stays byte for byte; `--replace` replaces it whole.
#[test]
fn import_never_writes_into_an_existing_snapshot_and_replace_leaves_nothing_behind() {
    let real = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/real/campeche-2021-gob");
    let file = real.join("CAMP_GOB_2021.csv");
    assert!(
        file.exists(),
        "{} is missing: clone beside shared/",
        file.display()
    );
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("snap");
    let import = |out: &Path, extra: &[&str]| {
        let mut args: Vec<&std::ffi::OsStr> = vec![
            "import".as_ref(),
            "anexo13".as_ref(),
            file.as_os_str(),
            "--utc-offset=-05:00".as_ref(),
            "--out".as_ref(),
            out.as_os_str(),
        ];
        args.extend(extra.iter().map(std::ffi::OsStr::new));
        run_corte(&args)
    };
    let (code, err) = import(&out, &[]);
    assert_eq!(code, Some(0), "{err}");
    let sealed = std::fs::read(out.join("corte.json")).unwrap();

    let (code, err) = import(&out, &["--seq", "2"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains(&format!(
            "--out {} holds a snapshot (corte.json)",
            out.display()
        )) && err.contains("--replace"),
        "{err}"
    );
    assert_eq!(
        std::fs::read(out.join("corte.json")).unwrap(),
        sealed,
        "untouched"
    );

    // A member the new import does not write: gone after --replace.
    let stray = out.join("actas").join("CAMP_DIP_LOC_2021.csv");
    std::fs::write(&stray, b"old").unwrap();
    let (code, err) = import(&out, &["--seq", "2", "--replace"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(!stray.exists(), "no member of the old snapshot is left");
    assert_ne!(std::fs::read(out.join("corte.json")).unwrap(), sealed);
    corte::source::load(&out).expect("the replaced snapshot loads");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // An archive: refused too unless --replace.
    let tgz = dir.path().join("snap.tar.gz");
    std::fs::write(&tgz, b"not yours").unwrap();
    let (code, err) = import(&tgz, &[]);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("snap.tar.gz exists: corte import never writes"),
        "{err}"
    );
    assert_eq!(std::fs::read(&tgz).unwrap(), b"not yours");
    let (code, err) = import(&tgz, &["--replace"]);
    assert_eq!(code, Some(0), "{err}");
    corte::source::load(&tgz).expect("the archive loads");
}

// ------------------------------------------------------------ published CSVs

#[test]
fn names_that_would_be_formulas_are_written_as_text_and_import_back_as_they_were() {
    let example = data_contract_example();
    let mut members = BTreeMap::new();
    let catalog = std::fs::read_to_string(example.join("catalog.json")).unwrap();
    let formula = r#"=HYPERLINK(\"http://example.invalid\",\"ver\")"#;
    let catalog = catalog
        .replace("\"SANTIAGO TABOADA CORTINA\"", &format!("\"{formula}\""))
        .replace("\"CLARA MARINA BRUGADA MOLINA\"", "\"@SUM(A1:A9)\"")
        .replace("\"SALOMÓN CHERTORIVSKI WOLDENBERG\"", "\"-2+3\"");
    members.insert("catalog.json".to_string(), catalog.into_bytes());
    for e in std::fs::read_dir(example.join("actas")).unwrap() {
        let e = e.unwrap();
        members.insert(
            format!("actas/{}", e.file_name().to_string_lossy()),
            std::fs::read(e.path()).unwrap(),
        );
    }
    let meta =
        corte::contract::CorteMeta::from_json(&std::fs::read(example.join("corte.json")).unwrap())
            .unwrap();
    let new = NewSnapshot {
        process_id: meta.process_id.clone(),
        seq: meta.seq,
        timestamp: meta.timestamp.clone(),
        final_corte: false,
        members,
    };
    let snapshot = crate::support::snapshots::snapshot_of(&new);
    let gub = snapshot
        .catalog
        .elections
        .iter()
        .position(|e| e.id == "GUB")
        .unwrap();
    let csv = String::from_utf8(corte::anexo13::writer::candidaturas(&snapshot, gub)).unwrap();
    assert!(
        csv.contains(r#"'=HYPERLINK(""http://example.invalid"",""ver"")"#),
        "{csv}"
    );
    assert!(csv.contains(",'@SUM(A1:A9)"), "{csv}");
    assert!(csv.contains(",'-2+3"), "{csv}");
    for line in csv.lines() {
        for field in line.split(',') {
            let f = field.trim_start_matches('"');
            assert!(
                !(f.starts_with(['=', '+', '@'])
                    || f.starts_with('-') && f.len() > 1 && !f.starts_with("--")),
                "a field starts a formula: {field} in {line}"
            );
        }
    }
    // Imported again, the names are what the catalog said.
    let results = crate::support::snapshots::tally(&snapshot);
    let input = corte::anexo13::import::Input {
        file: corte::anexo13::writer::database_name(&snapshot, gub),
        bytes: corte::anexo13::writer::database(&snapshot, &results.elections[gub], gub),
        candidaturas: Some((
            corte::anexo13::writer::candidaturas_name(&snapshot, gub),
            csv.clone().into_bytes(),
        )),
    };
    let imported = corte::anexo13::import::import(&[input], &Default::default())
        .unwrap_or_else(|e| panic!("the published files import: {e}"));
    let catalog = String::from_utf8(imported.snapshot.members["catalog.json"].clone()).unwrap();
    for name in [
        r#""=HYPERLINK(\"http://example.invalid\",\"ver\")""#,
        "\"@SUM(A1:A9)\"",
        "\"-2+3\"",
    ] {
        assert!(catalog.contains(name), "{name} not in the imported catalog");
    }
    // The database file's figures are as before: only names changed.
    let plain = crate::support::snapshots::snapshot_of(&NewSnapshot {
        members: {
            let mut m = new.members.clone();
            m.insert(
                "catalog.json".into(),
                std::fs::read(example.join("catalog.json")).unwrap(),
            );
            m
        },
        ..new
    });
    let plain_results = crate::support::snapshots::tally(&plain);
    assert_eq!(
        corte::anexo13::writer::database(&snapshot, &results.elections[gub], gub),
        corte::anexo13::writer::database(&plain, &plain_results.elections[gub], gub),
    );
}

/// Copies a folder and everything under it.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let dest = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &dest);
        } else {
            std::fs::copy(entry.path(), &dest).unwrap();
        }
    }
}

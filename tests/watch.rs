//! The watcher end to end on real folders: snapshots dropped into an inbox
//! (good, corrupt, half-written, older), published to a `file://` store,
//! while a reader checks that `latest.json` only ever names complete cortes;
//! at the end, headless Chromium reads the last corte through `corte serve`.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::{Duration, Instant};

use corte::contract::NewSnapshot;
use corte::cutover::{CutoverError, HistorySource, Publisher};
use corte::publish::faults::Faults;
use corte::publish::{Options, Outcome, Quiet, Step, Target, pointer, transfer};
use corte::published::layout;
use corte::watch::{WatchOptions, Watcher};

use crate::support::browser::cdp;
use crate::support::snapshots::{self, drop_into};
use crate::support::stores::{self, ShutdownAt};

fn corte(seq: u32) -> NewSnapshot {
    snapshots::small_corte(seq, 20)
}

/// A publisher to one target, history from it, stale keys deleted.
fn publisher(target: Target) -> Publisher {
    let options = Options {
        delete_stale: true,
        ..Options::default()
    };
    stores::publisher(vec![target], options, HistorySource::FirstTarget)
}

fn latest(store: &Path) -> Option<serde_json::Value> {
    let bytes = std::fs::read(store.join("latest.json")).ok()?;
    serde_json::from_slice(&bytes).ok()
}

fn wait_until(what: &str, timeout: Duration, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn live_seq(store: &Path) -> u64 {
    latest(store).and_then(|l| l["seq"].as_u64()).unwrap_or(0)
}

/// Every object the manifest that `latest.json` names lists is in the archive.
fn check_complete(store: &Path) -> Result<(), String> {
    let Some(l) = latest(store) else {
        return Ok(());
    };
    let manifest_key = l["manifest"]
        .as_str()
        .ok_or("latest.json names no manifest")?;
    let bytes =
        std::fs::read(store.join(manifest_key)).map_err(|e| format!("{manifest_key}: {e}"))?;
    let m = corte::published::Manifest::from_json(&bytes)?;
    for (object, key) in corte::published::objects::object_keys(&m) {
        if !store.join(&object).is_file() {
            return Err(format!(
                "latest.json names {} but the object of {key} ({object}) is missing",
                m.corte.id
            ));
        }
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_watcher_publishes_good_cortes_in_order_and_refuses_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let inbox = dir.path().join("inbox");
    let store = dir.path().join("store");
    std::fs::create_dir_all(&inbox).unwrap();
    std::fs::create_dir_all(&store).unwrap();
    let target = stores::folder_target(&store);
    let mut opts = WatchOptions::new(inbox.clone());
    opts.rescan = Duration::from_millis(300);
    let publisher = publisher(target);
    let watcher = Watcher::new(publisher, opts).unwrap();
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    let running = tokio::spawn(watcher.run(shutdown));

    // A reader polls the pointer the whole time.
    let done = Arc::new(AtomicBool::new(false));
    let checks = Arc::new(AtomicU32::new(0));
    let reader = {
        let (store, done, checks) = (store.clone(), done.clone(), checks.clone());
        std::thread::spawn(move || {
            let mut seen = Vec::new();
            loop {
                // One last look after `done`: the final corte may have gone
                // live during the sleep.
                let last = done.load(Ordering::Relaxed);
                check_complete(&store)?;
                let seq = live_seq(&store);
                if seen.last() != Some(&seq) {
                    seen.push(seq);
                }
                checks.fetch_add(1, Ordering::Relaxed);
                if last {
                    break;
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            Ok::<_, String>(seen)
        })
    };
    let long = Duration::from_secs(120);
    let inbox2 = inbox.clone();
    let store2 = store.clone();
    tokio::task::spawn_blocking(move || {
        let (inbox, store) = (inbox2, store2);
        // 1: good.
        drop_into(&inbox, "corte-01", &corte(1));
        wait_until("corte 1 to go live", long, || live_seq(&store) == 1);

        // 2: corrupt — a member altered after corte.json was written.
        let staging = inbox.parent().unwrap().join("staging-02");
        corte::source::write(&staging, &corte(2)).unwrap();
        let gub = staging.join("actas/GUB.csv");
        let mut bytes = std::fs::read(&gub).unwrap();
        let last = bytes.len() - 2;
        bytes[last] = if bytes[last] == b'7' { b'8' } else { b'7' };
        std::fs::write(&gub, bytes).unwrap();
        std::fs::rename(&staging, inbox.join("corte-02-corrupto")).unwrap();
        let error = inbox.join(".rejected/corte-02-corrupto/error.txt");
        wait_until("the corrupt corte to be rejected", long, || error.exists());
        let text = std::fs::read_to_string(&error).unwrap();
        assert!(
            text.contains("actas/GUB.csv") && text.contains("SHA-256"),
            "{text}"
        );
        assert_eq!(
            live_seq(&store),
            1,
            "a rejected corte leaves the live site as it was"
        );

        // 3: half-written — members in place, corte.json not yet.
        let half = inbox.join("corte-03");
        let snap3 = corte(3);
        std::fs::create_dir_all(half.join("actas")).unwrap();
        for (path, bytes) in &snap3.members {
            std::fs::write(half.join(path), bytes).unwrap();
        }
        std::thread::sleep(Duration::from_millis(1500));
        assert_eq!(live_seq(&store), 1, "no corte.json, nothing published");
        assert!(half.exists(), "a half-written snapshot stays in the inbox");
        // … and completed by writing corte.json last, through a rename.
        std::fs::write(half.join(".corte.json.tmp"), snap3.corte_json()).unwrap();
        std::fs::rename(half.join(".corte.json.tmp"), half.join("corte.json")).unwrap();
        wait_until("the completed corte 3 to go live", long, || {
            live_seq(&store) == 3
        });

        // 4: good, as a .tar.gz renamed in.
        let archive = inbox.parent().unwrap().join("corte-04.tar.gz");
        corte::source::write_archive(&archive, &corte(4)).unwrap();
        std::fs::rename(&archive, inbox.join("corte-04.tar.gz")).unwrap();
        wait_until("corte 4 to go live", long, || live_seq(&store) == 4);

        // An older corte out of order: refused.
        drop_into(&inbox, "corte-02-tardio", &corte(2));
        let error = inbox.join(".rejected/corte-02-tardio/error.txt");
        wait_until("the older corte to be refused", long, || error.exists());
        let text = std::fs::read_to_string(&error).unwrap();
        assert!(text.contains("not newer than the live corte"), "{text}");

        // 5: good.
        drop_into(&inbox, "corte-05", &corte(5));
        wait_until("corte 5 to go live", long, || live_seq(&store) == 5);
    })
    .await
    .unwrap();

    done.store(true, Ordering::Relaxed);
    let seen = reader
        .join()
        .unwrap()
        .unwrap_or_else(|e| panic!("the pointer named an incomplete corte: {e}"));
    assert!(
        checks.load(Ordering::Relaxed) > 20,
        "the reader really polled"
    );
    assert_eq!(
        seen.iter().filter(|s| **s > 0).copied().collect::<Vec<_>>(),
        vec![1, 3, 4, 5],
        "published in order, never backwards"
    );

    // The history lists exactly the good cortes, in order.
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(store.join("cortes/index.json")).unwrap()).unwrap();
    let seqs: Vec<u64> = index["cortes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["seq"].as_u64().unwrap())
        .collect();
    assert_eq!(seqs, vec![1, 3, 4, 5]);
    // The snapshot is moved aside just after its pointer flip.
    let last = inbox.join(".done/corte-05/corte-05");
    wait_until(
        "corte-05 to move to .done/",
        Duration::from_secs(30),
        || last.exists(),
    );
    for name in ["corte-01", "corte-03", "corte-04.tar.gz", "corte-05"] {
        assert!(
            inbox.join(".done").join(name).join(name).exists(),
            "{name} moved to .done/"
        );
    }

    // The status file tells what is live and how the last attempt went. It is
    // written just after the snapshot moves to .done/: wait for it.
    let read_status = || -> serde_json::Value {
        std::fs::read(inbox.join(".state/status.json"))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    };
    wait_until(
        "status.json to name corte 5 live",
        Duration::from_secs(30),
        || read_status()["live"]["seq"] == 5,
    );
    let status = read_status();
    assert_eq!(status["live"]["seq"], 5);
    assert_eq!(status["last_attempt"]["outcome"], "published");
    assert!(status["live"]["lag_from_arrival_secs"].as_f64().unwrap() >= 0.0);
    let outcomes: Vec<&str> = status["recent"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(
        outcomes.iter().filter(|o| **o == "rejected").count(),
        2,
        "{outcomes:?}"
    );

    stop.send(true).unwrap();
    running.await.unwrap().unwrap();

    // What a reader gets: the store served as the CDN serves it, read by a
    // real browser on a phone (no JavaScript) and a desktop.
    let target = stores::folder_target(&store);
    let (addr, server) = corte::serve::start(target, "127.0.0.1:0".parse().unwrap())
        .await
        .expect("corte serve starts");
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap_or(Path::new("target"))
        .join("browser-screenshots")
        .join("watch-served");
    let _ = std::fs::remove_dir_all(&shots);
    std::fs::create_dir_all(&shots).unwrap();
    tokio::task::spawn_blocking(move || {
        let mut chromium = cdp::Chromium::launch(&shots.join("chromium.log"))
            .unwrap_or_else(|e| panic!("headless Chromium did not start: {e}"));
        let origin = format!("http://{addr}");
        for (path, vp, js) in [
            ("/", cdp::PHONE, false),
            ("/", cdp::DESKTOP, true),
            ("/gub/index.html", cdp::PHONE, false),
            ("/gub/index.html", cdp::DESKTOP, true),
        ] {
            let v = chromium
                .visit(&format!("{origin}{path}"), &origin, vp, js)
                .unwrap_or_else(|e| panic!("loading {path}: {e}"));
            std::fs::write(
                shots.join(format!(
                    "{}-{}-js-{js}.png",
                    path.replace('/', "_"),
                    vp.name
                )),
                &v.png,
            )
            .unwrap();
            assert!(v.problems.is_empty(), "{path}: {:?}", v.problems);
            // The home page names the live corte; the others are
            // content-stable: the script shows the live corte, and without
            // it the page links to it.
            if path == "/" || js {
                assert!(
                    v.text.contains("02/06/2024 21:15 (UTC-6)"),
                    "{path} (js {js}) shows the last corte's time: {}",
                    v.text
                );
                assert!(
                    !v.text.contains("corte del 02/06/2024 21:00 (UTC-6)")
                        && !v.text.contains("Último corte: 02/06/2024 21:00 (UTC-6)"),
                    "{path} (js {js}) shows no earlier corte as the live one"
                );
            } else {
                assert!(
                    v.text.contains("Ver el último corte"),
                    "{path} links to the live corte: {}",
                    v.text
                );
            }
            assert!(
                v.text.contains("no tienen efectos jurídicos"),
                "{path} carries the disclaimer"
            );
        }
    })
    .await
    .unwrap();
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_several_cortes_wait_the_newest_wins_and_the_others_are_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let inbox = dir.path().join("inbox");
    let store = dir.path().join("store");
    std::fs::create_dir_all(&inbox).unwrap();
    // They arrive while the watcher is down: it finds them on start.
    for seq in [1, 2, 3] {
        drop_into(&inbox, &format!("corte-{seq:02}"), &corte(seq));
    }
    let target = stores::folder_target(&store);
    let publisher = stores::publisher(vec![target], Options::default(), HistorySource::FirstTarget);
    let watcher = Watcher::new(publisher, WatchOptions::new(inbox.clone())).unwrap();
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    let running = tokio::spawn(watcher.run(shutdown));
    let s = store.clone();
    tokio::task::spawn_blocking(move || {
        wait_until("corte 3", Duration::from_secs(120), || live_seq(&s) == 3)
    })
    .await
    .unwrap();
    for seq in [1, 2] {
        let reason = inbox.join(format!(".skipped/corte-{seq:02}/reason.txt"));
        let text = std::fs::read_to_string(&reason)
            .unwrap_or_else(|e| panic!("{}: {e}", reason.display()));
        assert!(text.contains("superseded by corte 00003"), "{text}");
    }
    stop.send(true).unwrap();
    running.await.unwrap().unwrap();
}

/// Every key of the live manifest at the root holds that manifest's bytes.
async fn stable_tree_follows_the_pointer(t: &Target) -> String {
    let (p, _) = pointer::read(t).await.unwrap().expect("a live corte");
    let m = pointer::live_manifest(t, &p).await.unwrap();
    stores::assert_stable_tree_is(t, &m).await;
    p.corte
}

/// SIGTERM during a cutover: during the uploads it abandons them and the
/// live site is untouched; once the stable tree has started, it is finished
/// and the pointer moved, so the public tree is never left half moved to a
/// corte `latest.json` does not name.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shutdown_abandons_the_uploads_but_finishes_a_started_stable_tree() {
    let dir = tempfile::tempdir().unwrap();
    let load = |seq: u32| {
        let path = dir.path().join(format!("snapshot-{seq}"));
        corte::source::write(&path, &corte(seq)).unwrap();
        Arc::new(corte::source::load(&path).unwrap())
    };
    let backend = stores::Backend::folder();
    // Every call a little slow, so the shutdown lands while a step is still writing.
    let (slow, _) = backend.faulty(
        "t",
        Faults {
            latency: Duration::from_millis(2),
            ..Faults::default()
        },
    );
    let t = backend.target("t");
    let (_keep, never) = tokio::sync::watch::channel(false);
    publisher(t.clone())
        .cutover(load(1), Arc::new(Quiet), &never)
        .await
        .unwrap();
    let first = stable_tree_follows_the_pointer(&t).await;

    // Shutdown as the archive objects start: abandoned, corte 1 untouched.
    let (progress, shutdown) = ShutdownAt::new(Step::Objects);
    let progress = Arc::new(progress);
    let err = publisher(slow.clone())
        .cutover(load(2), progress, &shutdown)
        .await
        .map(|c| c.corte_id)
        .unwrap_err();
    assert!(matches!(err, CutoverError::Abandoned), "{err}");
    assert_eq!(stable_tree_follows_the_pointer(&t).await, first);
    let two = corte::source::load(&dir.path().join("snapshot-2"))
        .unwrap()
        .corte
        .id();
    assert!(
        transfer::get(&t, &layout::manifest_key(&two))
            .await
            .unwrap()
            .is_none(),
        "the objects were abandoned before the manifest"
    );

    // Shutdown as the stable tree starts: finished, with the pointer.
    let (progress, shutdown) = ShutdownAt::new(Step::StableTree);
    let progress = Arc::new(progress);
    let c = publisher(slow)
        .cutover(load(2), progress, &shutdown)
        .await
        .unwrap_or_else(|e| panic!("a shutdown during the stable tree abandoned it: {e}"));
    assert!(*shutdown.borrow(), "the shutdown was asked for");
    let report = c.targets[0].1.as_ref().unwrap();
    assert_eq!(report.outcome, Outcome::Published);
    assert_eq!(stable_tree_follows_the_pointer(&t).await, two);
    let (p, _) = pointer::read(&t).await.unwrap().unwrap();
    assert_eq!(p.previous.as_deref(), Some(first.as_str()));
}

//! The publish suite: the same tests against `memory://`, a `file://` folder
//! and a real S3-compatible server (moto, started by the tests), as
//! object_store's integration suite runs against every backend.
//!
//! Builds are synthetic (`support::synthetic`): the tests depend on the
//! shape of a corte, never on page content.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use corte::publish::faults::Faults;
use corte::publish::verify::{Signature, verify, verify_all};
use corte::publish::{
    Corte, ErrorKind, Options, Outcome, Quiet, Target, mirror, pointer, publish, publish_all,
    rollback, sign, transfer,
};
use corte::published::layout::{self, POINTER};
use corte::published::objects::{key_of, object_keys};
use corte::published::{Action, headers::SHA256_META, headers_for};
use object_store::{Attribute, GetOptions, ObjectStoreExt, PutPayload};

use crate::support::stores::{self, Backend, ShutdownAt};
use crate::support::synthetic::{self, Shape};

fn key() -> &'static sign::PrivateKey {
    static KEY: std::sync::OnceLock<sign::PrivateKey> = std::sync::OnceLock::new();
    KEY.get_or_init(|| sign::generate().expect("a random source"))
}

fn public() -> sign::PublicKey {
    key().verifying_key()
}

fn corte(seq: u32, shape: &Shape) -> Corte {
    Corte::from_build(synthetic::build(seq, shape), Some(key()))
}

fn opts() -> Options {
    Options {
        delete_stale: true,
        ..Options::default()
    }
}

async fn live(t: &Target) -> Option<String> {
    pointer::read(t).await.unwrap().map(|(p, _)| p.corte)
}

async fn assert_verifies(t: &Target, id: Option<&str>) {
    let r = verify(t, id, Some(&public()), &Quiet).await.unwrap();
    assert!(r.ok(), "{}: verify found {:?}", t.name, r.problems);
    assert!(
        matches!(r.signature, Signature::Valid { pinned: true, .. }),
        "{:?}",
        r.signature
    );
}

async fn stored(t: &Target, key: &str) -> Option<Bytes> {
    transfer::get(t, key).await.unwrap().map(|(b, _)| b)
}

/// The stable tree holds exactly the stored bytes of `c` for every key.
async fn assert_stable_tree_is(t: &Target, c: &Corte) {
    stores::assert_stable_tree_is(t, &c.manifest).await
}

/// The archive object of a key of `c`.
fn object_of(c: &Corte, key: &str) -> String {
    key_of(&c.manifest.files[key]).expect("an archive name")
}

/// How many archive objects `c` lists that none of `before` does.
fn new_objects(c: &Corte, before: &[&Corte]) -> u64 {
    object_keys(&c.manifest)
        .keys()
        .filter(|o| {
            !before
                .iter()
                .any(|b| object_keys(&b.manifest).contains_key(*o))
        })
        .count() as u64
}

/// How many keys of `b` have another entry (or none) in `a`.
fn changed_keys(a: &Corte, b: &Corte) -> u64 {
    b.manifest
        .files
        .iter()
        .filter(|(k, e)| a.manifest.files.get(*k) != Some(*e))
        .count() as u64
}

/// The corte's datasets (kept under `cortes/<id>/datos/`).
fn datasets(c: &Corte) -> u64 {
    c.manifest
        .files
        .keys()
        .filter(|k| layout::is_dataset(k))
        .count() as u64
}

#[test]
fn a_synthetic_corte_changes_a_share_of_its_pages_at_the_next_corte() {
    let shape = Shape::small(40);
    let (a, b) = (synthetic::build(1, &shape), synthetic::build(2, &shape));
    assert_eq!(a.manifest.files.len(), b.manifest.files.len());
    let changed = a
        .manifest
        .files
        .iter()
        .filter(|(k, e)| b.manifest.files.get(*k) != Some(*e))
        .count();
    // 10 of 40 pages, the home page and 2 datasets with their .gz copies.
    assert_eq!(changed, 10 + 1 + 4);
    assert_eq!(synthetic::build(1, &shape).manifest_bytes, a.manifest_bytes);
    assert_eq!(synthetic::corte_id(3), "00003-20240602-2015");
}

// ---------------------------------------------------------------- the suite

async fn first_publish_then_the_next_corte_sends_only_what_changed(b: Backend) {
    let t = b.target("t");
    let shape = Shape::small(24);
    let c1 = corte(1, &shape);
    let n = c1.manifest.files.len() as u64;
    let r = publish(&t, &c1, &opts(), &Quiet).await.unwrap();
    assert_eq!(r.outcome, Outcome::Published);
    let objects = r.counts(corte::publish::Step::Objects);
    assert_eq!((objects.uploaded, objects.skipped), (n, 0));
    let data = r.counts(corte::publish::Step::Datasets);
    assert_eq!((data.copied, data.uploaded), (datasets(&c1), 0));
    assert_eq!(r.counts(corte::publish::Step::StableTree).uploaded, n);
    assert_eq!(live(&t).await.as_deref(), Some(c1.id.as_str()));
    assert_verifies(&t, None).await;
    assert_stable_tree_is(&t, &c1).await;

    // The same corte again: a completed earlier run; nothing is sent.
    let again = publish(&t, &c1, &opts(), &Quiet).await.unwrap();
    assert_eq!(again.outcome, Outcome::AlreadyLive);
    assert_eq!(again.total().uploaded, 0);

    let c2 = corte(2, &shape);
    let changed = changed_keys(&c1, &c2);
    assert!(changed > 0 && changed < n / 2);
    let r = publish(&t, &c2, &opts(), &Quiet).await.unwrap();
    let objects = r.counts(corte::publish::Step::Objects);
    assert_eq!(
        objects.uploaded, changed,
        "only changed objects are written"
    );
    assert_eq!(
        objects.skipped, 0,
        "unchanged objects are not even considered"
    );
    let data = r.counts(corte::publish::Step::Datasets);
    assert_eq!(
        data.copied,
        datasets(&c2),
        "datasets copied inside the store"
    );
    assert_eq!(r.counts(corte::publish::Step::StableTree).uploaded, changed);
    assert_eq!(r.from.as_deref(), Some(c1.id.as_str()));
    assert_eq!(live(&t).await.as_deref(), Some(c2.id.as_str()));
    assert_verifies(&t, None).await;
    assert_verifies(&t, Some(&c1.id)).await;
    assert_verifies(&t, Some(&c2.id)).await;
    assert_stable_tree_is(&t, &c2).await;
    let cambios = corte::published::Cambios::from_json(
        &stored(&t, &layout::cambios_key(&c2.id)).await.unwrap(),
    )
    .unwrap();
    assert_eq!(cambios.previous.as_deref(), Some(c1.id.as_str()));
    assert_eq!(cambios.written().count() as u64, changed);

    let (ix, _) = pointer::read_index(&t).await.unwrap();
    assert_eq!(ix.cortes.len(), 2);
    assert_eq!(ix.events.len(), 2);
    assert_eq!(ix.events[1].from.as_deref(), Some(c1.id.as_str()));
    let feed = String::from_utf8(stored(&t, layout::FEED).await.unwrap().to_vec()).unwrap();
    assert!(feed.contains(&c2.id) && feed.contains(&c1.id), "{feed}");
    assert!(stored(&t, layout::PUBLIC_KEY).await.is_some());
}

async fn every_object_carries_its_headers(b: Backend) {
    let t = b.target("t");
    let c = corte(1, &Shape::small(6));
    publish(&t, &c, &opts(), &Quiet).await.unwrap();
    let page = "gub/seccion/00001.html";
    let cache = &t.cache;
    let expect = [
        (
            object_of(&c, page),
            "text/html; charset=utf-8",
            cache.immutable.as_str(),
            true,
        ),
        (
            object_of(&c, "datos/ELECCION_0.csv"),
            "text/csv; charset=utf-8",
            cache.immutable.as_str(),
            false,
        ),
        (
            layout::cambios_key(&c.id),
            "application/json",
            cache.immutable.as_str(),
            false,
        ),
        (
            page.to_string(),
            "text/html; charset=utf-8",
            cache.short.as_str(),
            true,
        ),
        (
            layout::corte_key(&c.id, "datos/ELECCION_0.csv"),
            "text/csv; charset=utf-8",
            cache.immutable.as_str(),
            false,
        ),
        (
            "datos/ELECCION_0.csv".to_string(),
            "text/csv; charset=utf-8",
            cache.short.as_str(),
            false,
        ),
        (
            layout::manifest_key(&c.id),
            "application/json",
            cache.immutable.as_str(),
            false,
        ),
        (
            POINTER.to_string(),
            "application/json",
            cache.no_cache.as_str(),
            false,
        ),
        (
            layout::INDEX.to_string(),
            "application/json",
            cache.short.as_str(),
            false,
        ),
    ];
    if b.name == "folder" {
        // No attributes on a folder: the bytes are stored as published (gzip
        // copies as gzip) and every header follows from the manifests.
        let manifest = pointer::live_manifest(&t, &pointer::read(&t).await.unwrap().unwrap().0)
            .await
            .unwrap();
        for (k, ct, cc, gz) in &expect {
            let h = headers_for(k, Some(&manifest), |_| Some(manifest.clone()), cache)
                .unwrap_or_else(|| panic!("no headers for {k}"));
            assert_eq!(
                (&h.content_type[..], &h.cache_control[..], h.gzip),
                (*ct, *cc, *gz),
                "{k}"
            );
            let bytes = stored(&t, k).await.unwrap();
            assert_eq!(
                bytes.starts_with(&[0x1f, 0x8b]),
                *gz,
                "{k} stored gzip iff encoded"
            );
        }
        return;
    }
    for (k, ct, cc, gz) in &expect {
        let head = t
            .store
            .get_opts(
                &transfer::path(k),
                GetOptions {
                    head: true,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let a = &head.attributes;
        let get = |attr: Attribute| a.get(&attr).map(|v| v.as_ref().to_string());
        assert_eq!(get(Attribute::ContentType).as_deref(), Some(*ct), "{k}");
        assert_eq!(get(Attribute::CacheControl).as_deref(), Some(*cc), "{k}");
        assert_eq!(get(Attribute::ContentEncoding).is_some(), *gz, "{k}");
        assert!(
            get(Attribute::Metadata(SHA256_META.into())).is_some(),
            "{k}"
        );
    }
}

async fn the_pointer_never_moves_back_and_a_corte_never_changes(b: Backend) {
    let t = b.target("t");
    let shape = Shape::small(6);
    publish(&t, &corte(2, &shape), &opts(), &Quiet)
        .await
        .unwrap();
    let e = publish(&t, &corte(1, &shape), &opts(), &Quiet)
        .await
        .unwrap_err();
    assert!(e.is_superseded(), "{e}");
    assert!(e.to_string().contains("target t"), "{e}");
    // A different build under the same corte id.
    let other = Corte::from_build(synthetic::build(2, &Shape::small(7)), Some(key()));
    let e = publish(&t, &other, &opts(), &Quiet).await.unwrap_err();
    assert!(matches!(*e.kind, ErrorKind::Conflict(_)), "{e}");
    // Even before it is live: a corte with a manifest is final.
    let c3 = corte(3, &shape);
    let c2 = corte(2, &shape);
    // Its new objects, its datasets, its signature and manifest; not its change list.
    let writes = new_objects(&c3, &[&c2]) + datasets(&c3) + 2;
    let (ft, _) = b.faulty(
        "t",
        Faults {
            stop_after_writes: Some(writes),
            ..Faults::default()
        },
    );
    assert!(publish(&ft, &c3, &opts(), &Quiet).await.is_err());
    assert!(stored(&t, &layout::manifest_key(&c3.id)).await.is_some());
    let other3 = Corte::from_build(synthetic::build(3, &Shape::small(7)), Some(key()));
    let e = publish(&t, &other3, &opts(), &Quiet).await.unwrap_err();
    assert!(matches!(*e.kind, ErrorKind::Conflict(_)), "{e}");
    assert_eq!(live(&t).await, Some(synthetic::corte_id(2)));
}

/// Stops the publisher after every possible number of writes: the pointer
/// always names a complete corte, and a re-run finishes the job without
/// sending again what is there.
async fn a_stop_between_any_two_steps_leaves_a_complete_corte_live(
    b: &dyn Fn() -> Backend,
    every: u64,
) {
    let shape = Shape::small(8);
    let (c1, c2) = (corte(1, &shape), corte(2, &shape));
    // How many writes a clean publish of corte 2 takes.
    let probe = b();
    publish(&probe.target("t"), &c1, &opts(), &Quiet)
        .await
        .unwrap();
    let (t, f) = probe.faulty("t", Faults::default());
    publish(&t, &c2, &opts(), &Quiet).await.unwrap();
    let total = f.writes();
    assert!(total > 10, "{total}");
    let mut stop = 0;
    while stop <= total {
        let back = b();
        let t = back.target("t");
        publish(&t, &c1, &opts(), &Quiet).await.unwrap();
        let (ft, f) = back.faulty(
            "t",
            Faults {
                stop_after_writes: Some(stop),
                ..Faults::default()
            },
        );
        let r = publish(&ft, &c2, &opts(), &Quiet).await;
        // The last write gives the stable-tree lease back: when only that
        // fails, the corte is live and the publish succeeded (the next
        // publisher takes the lease over).
        let only_the_release = stop + 1 == total;
        assert_eq!(
            r.is_err(),
            f.stopped() && !only_the_release,
            "stop after {stop}: {r:?}"
        );
        let now = live(&t).await.unwrap();
        assert!(
            now == c1.id || now == c2.id,
            "stop after {stop}: live {now}"
        );
        // The live corte is complete in the archive (its stable tree may be
        // half moved: a crash is not a shutdown; the re-run puts it right).
        assert_verifies(&t, Some(&now)).await;
        let again = publish(&t, &c2, &opts(), &Quiet)
            .await
            .unwrap_or_else(|e| panic!("re-run after a stop at {stop}: {e}"));
        let objects = again.counts(corte::publish::Step::Objects);
        // Concurrent puts may land a few more than `stop` before it bites.
        assert!(
            objects.uploaded <= new_objects(&c2, &[&c1]).saturating_sub(stop),
            "stop after {stop}: the re-run wrote again what was there: {objects:?}"
        );
        assert_eq!(live(&t).await.as_deref(), Some(c2.id.as_str()));
        assert_verifies(&t, None).await;
        assert_stable_tree_is(&t, &c2).await;
        let (ix, _) = pointer::read_index(&t).await.unwrap();
        assert_eq!(ix.events.len(), 2, "stop after {stop}: {:?}", ix.events);
        stop += every;
    }
}

/// A publish that stopped halfway through the stable tree and was never run
/// again: the next corte puts every key it touched right, even keys whose
/// bytes are the same in the live corte and the next.
async fn an_unfinished_corte_is_put_right_by_the_next(b: Backend) {
    let t = b.target("t");
    let shape = Shape::small(8);
    let (c1, c2) = (corte(1, &shape), corte(2, &shape));
    publish(&t, &c1, &opts(), &Quiet).await.unwrap();
    // Its new objects, datasets, signature, manifest, the lease taken, the
    // change list, then two stable keys.
    let stop = new_objects(&c2, &[&c1]) + datasets(&c2) + 2 + 1 + 1 + 2;
    let (ft, f) = b.faulty(
        "t",
        Faults {
            stop_after_writes: Some(stop),
            ..Faults::default()
        },
    );
    assert!(publish(&ft, &c2, &opts(), &Quiet).await.is_err() && f.stopped());
    assert_eq!(live(&t).await.as_deref(), Some(c1.id.as_str()));
    let c3 = Corte::from_build(
        synthetic::relabel(synthetic::build(1, &shape), 3),
        Some(key()),
    );
    let r = publish(&t, &c3, &opts(), &Quiet).await.unwrap();
    // Every key the unfinished corte may have written (not knowing which it did).
    let touched = c2
        .manifest
        .files
        .iter()
        .filter(|(k, e)| c1.manifest.files.get(*k) != Some(*e))
        .count() as u64;
    let stable = r.counts(corte::publish::Step::StableTree);
    assert_eq!(stable.uploaded, touched, "{r:?}");
    assert_stable_tree_is(&t, &c3).await;
    assert_verifies(&t, None).await;
}

/// A shutdown during the uploads (or a rollback's check) abandons them with
/// nothing public changed; one that comes once the stable tree has started
/// lets it finish, with the pointer.
async fn a_shutdown_abandons_the_uploads_but_never_a_started_stable_tree(b: Backend) {
    let shape = Shape::small(12);
    let (c1, c2) = (corte(1, &shape), corte(2, &shape));
    let t = b.target("t");
    publish(&t, &c1, &opts(), &Quiet).await.unwrap();
    // Slow calls, so the shutdown lands while the step is still writing.
    let (slow, _) = b.faulty(
        "t",
        Faults {
            latency: Duration::from_millis(5),
            ..Faults::default()
        },
    );
    for (step, abandoned) in [
        (corte::publish::Step::Objects, true),
        (corte::publish::Step::StableTree, false),
    ] {
        let (progress, rx) = ShutdownAt::new(step);
        let o = Options {
            stop: Some(rx),
            ..opts()
        };
        let r = publish(&slow, &c2, &o, &progress).await;
        if abandoned {
            let e = r.unwrap_err();
            assert!(e.is_abandoned(), "{step:?}: {e}");
            assert_eq!(live(&t).await.as_deref(), Some(c1.id.as_str()));
            assert_stable_tree_is(&t, &c1).await;
            assert!(
                stored(&t, &layout::manifest_key(&c2.id)).await.is_none(),
                "the objects stopped before the manifest"
            );
        } else {
            let r = r.unwrap_or_else(|e| panic!("{step:?}: {e}"));
            assert_eq!(r.outcome, Outcome::Published);
            assert_eq!(live(&t).await.as_deref(), Some(c2.id.as_str()));
            assert_stable_tree_is(&t, &c2).await;
            assert_verifies(&t, None).await;
        }
    }
    // A rollback the same way: during its check, abandoned with corte 2
    // live and untouched; once its stable tree has started, finished.
    for (step, abandoned) in [
        (corte::publish::Step::Verify, true),
        (corte::publish::Step::StableTree, false),
    ] {
        let (progress, rx) = ShutdownAt::new(step);
        let o = Options {
            stop: Some(rx),
            ..opts()
        };
        let r = rollback::rollback(&slow, &c1.id, Some(&public()), &o, &progress).await;
        let (want, stable) = if abandoned {
            let e = r.unwrap_err();
            assert!(e.is_abandoned(), "rollback, {step:?}: {e}");
            (&c2, &c2)
        } else {
            r.unwrap_or_else(|e| panic!("rollback, {step:?}: {e}"));
            (&c1, &c1)
        };
        assert_eq!(live(&t).await.as_deref(), Some(want.id.as_str()));
        assert_stable_tree_is(&t, stable).await;
    }
}

async fn failing_and_slow_puts_are_retried(b: Backend) {
    let t0 = b.target("t");
    let shape = Shape::small(12);
    publish(&t0, &corte(1, &shape), &opts(), &Quiet)
        .await
        .unwrap();
    let (t, f) = b.faulty(
        "flaky",
        Faults {
            latency: Duration::from_millis(2),
            fail_puts: 0.3,
            lose_answers: 0.1,
            seed: 7,
            ..Faults::default()
        },
    );
    let c2 = corte(2, &shape);
    publish(&t, &c2, &opts(), &Quiet)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(f.injected() > 3, "{} failures injected", f.injected());
    assert_eq!(live(&t0).await.as_deref(), Some(c2.id.as_str()));
    assert_verifies(&t0, None).await;
}

/// Two publishers race for the pointer: it never regresses, the loser
/// reports it, and the stable tree is the winner's.
async fn racing_publishers(b: Backend) {
    let shape = Shape::small(10);
    let base = b.target("base");
    publish(&base, &corte(1, &shape), &opts(), &Quiet)
        .await
        .unwrap();
    let (slow, _) = b.faulty(
        "slow",
        Faults {
            latency: Duration::from_millis(15),
            ..Faults::default()
        },
    );
    let fast = b.target("fast");
    let (c2, c3) = (corte(2, &shape), corte(3, &shape));
    let o = opts();
    let (r2, r3) = tokio::join!(
        publish(&slow, &c2, &o, &Quiet),
        publish(&fast, &c3, &o, &Quiet)
    );
    let r3 = r3.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r3.outcome, Outcome::Published);
    let e = r2.expect_err("the older corte loses the race");
    assert!(e.is_superseded(), "{e}");
    assert!(e.to_string().contains(&c3.id), "{e}");
    assert_eq!(live(&base).await.as_deref(), Some(c3.id.as_str()));
    assert_stable_tree_is(&base, &c3).await;
    assert_verifies(&base, None).await;

    // Two publishers of the next corte at once: both succeed or one sees it live.
    let c4 = corte(4, &shape);
    let (a, b2) = tokio::join!(
        publish(&slow, &c4, &o, &Quiet),
        publish(&fast, &c4, &o, &Quiet)
    );
    let (a, b2) = (a.unwrap(), b2.unwrap());
    assert!(a.outcome == Outcome::Published || b2.outcome == Outcome::Published);
    let (ix, _) = pointer::read_index(&base).await.unwrap();
    let seqs: Vec<u32> = ix.events.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, vec![1, 3, 4], "the history never goes back");
}

/// Corte 2 and corte 3 published at once by two processes, in both orders
/// and at many offsets, where corte 3 has datasets that 1 and 2 lack (as a
/// night's later corte gains an election's files): corte 3 always ends
/// live with every stable key its bytes. Corte 2 loses (superseded) or
/// went live first. Without the lease, corte 2 took the running corte 3
/// for an abandoned one and deleted the keys only 3 had (issue 17).
async fn racing_publishers_leave_the_newer_corte_complete(b: Backend, runs: u64) {
    let (s2, s3) = (
        Shape::small(24),
        Shape {
            datasets: 4,
            ..Shape::small(24)
        },
    );
    let (c1, c2, c3) = (corte(1, &s2), corte(2, &s2), corte(3, &s3));
    let only3: Vec<&String> = c3
        .manifest
        .files
        .keys()
        .filter(|k| !c2.manifest.files.contains_key(*k))
        .collect();
    assert_eq!(only3.len(), 4, "{only3:?}");
    for run in 0..runs {
        for newer_first in [true, false] {
            let b = Backend::by_name(b.name);
            publish(&b.target("base"), &c1, &opts(), &Quiet)
                .await
                .unwrap();
            let racer = |name: &str, ms: u64| {
                let (mut t, _) = b.faulty(
                    name,
                    Faults {
                        latency: Duration::from_millis(ms),
                        ..Faults::default()
                    },
                );
                t.policy.lease_ttl = Duration::from_secs(5);
                t
            };
            let (t2, t3) = (racer("p2", 1 + run % 3), racer("p3", 1 + (run + 1) % 3));
            let head = Duration::from_millis(run * 7 % 40);
            let (d2, d3) = match newer_first {
                true => (head, Duration::ZERO),
                false => (Duration::ZERO, head),
            };
            let o = opts();
            let (r2, r3) = tokio::join!(
                async {
                    tokio::time::sleep(d2).await;
                    publish(&t2, &c2, &o, &Quiet).await
                },
                async {
                    tokio::time::sleep(d3).await;
                    publish(&t3, &c3, &o, &Quiet).await
                }
            );
            let at = format!("{} run {run}, corte 3 first: {newer_first}", b.name);
            let r3 = r3.unwrap_or_else(|e| panic!("{at}: {e}"));
            assert_eq!(r3.outcome, Outcome::Published, "{at}");
            let base = b.target("base");
            assert_eq!(live(&base).await.as_deref(), Some(c3.id.as_str()), "{at}");
            assert_stable_tree_is(&base, &c3).await;
            assert_verifies(&base, None).await;
            for r in verify_all(&base, Some(&public()), &Quiet).await.unwrap() {
                assert!(r.ok(), "{at}: corte {}: {:?}", r.corte, r.problems);
            }
            let (ix, _) = pointer::read_index(&base).await.unwrap();
            let seqs: Vec<u32> = ix.events.iter().map(|e| e.seq).collect();
            match r2 {
                Err(e) => {
                    assert!(e.is_superseded(), "{at}: {e}");
                    assert_eq!(seqs, [1, 3], "{at}");
                }
                Ok(r) => {
                    assert_eq!(r.outcome, Outcome::Published, "{at}");
                    assert_eq!(seqs, [1, 2, 3], "{at}");
                }
            }
            let lease = corte::publish::lease::read(&base).await.unwrap().unwrap();
            assert_eq!(lease.state, corte::publish::lease::State::Free, "{at}");
        }
    }
}

/// A publisher that died holding the stable-tree lease: the next waits out
/// the lease's time to live (by its own clock, the lease unchanged), then
/// takes it over and publishes.
async fn a_lease_left_by_a_dead_publisher_is_taken_over(b: Backend) {
    use corte::publish::lease::{Holder, LeaseDoc, State};
    let shape = Shape::small(6);
    let t = b.target("t");
    publish(&t, &corte(1, &shape), &opts(), &Quiet)
        .await
        .unwrap();
    let dead = LeaseDoc {
        lease_version: 1,
        state: State::Held,
        holder: Holder {
            host: "otra-maquina".into(),
            pid: 4242,
            work: "publish 00002-20240602-2010".into(),
        },
        token: "dead".into(),
        since: "2024-06-02T20:10:00Z".into(),
        renewed_at: "2024-06-02T20:10:00Z".into(),
        ttl_ms: 400,
        renewals: 0,
    };
    let bytes = Bytes::from(serde_json::to_vec(&dead).unwrap());
    t.store
        .put(&object_store::path::Path::from(layout::LEASE), bytes.into())
        .await
        .unwrap();
    let c3 = corte(3, &shape);
    let started = std::time::Instant::now();
    let r = publish(&t, &c3, &opts(), &Quiet).await.unwrap();
    assert_eq!(r.outcome, Outcome::Published);
    assert!(
        started.elapsed() >= Duration::from_millis(400),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(live(&t).await.as_deref(), Some(c3.id.as_str()));
    let lease = corte::publish::lease::read(&t).await.unwrap().unwrap();
    assert_eq!(lease.state, State::Free);
    assert_eq!(lease.holder.work, format!("publish {}", c3.id));
    assert_verifies(&t, None).await;
}

async fn tamper(t: &Target, key: &str, bytes: &'static [u8]) -> Bytes {
    let original = stored(t, key).await.unwrap();
    t.store
        .put(&transfer::path(key), PutPayload::from_static(bytes))
        .await
        .unwrap();
    original
}

async fn restore(t: &Target, key: &str, original: Bytes) {
    t.store
        .put(&transfer::path(key), original.into())
        .await
        .unwrap();
}

async fn tampering_is_caught_and_named(b: Backend) {
    let t = b.target("t");
    let c = corte(1, &Shape::small(6));
    let id = Some(c.id.as_str());
    publish(&t, &c, &opts(), &Quiet).await.unwrap();
    // An archive object: `verify --corte` names it, a mirror refuses it.
    let object = object_of(&c, "gub/seccion/00003.html");
    let original = tamper(&t, &object, b"<h1>otros resultados</h1>").await;
    let r = verify(&t, id, Some(&public()), &Quiet).await.unwrap();
    assert_eq!(r.problems.len(), 1, "{:?}", r.problems);
    assert_eq!(r.problems[0].object, object);
    assert!(
        r.problems[0].what.contains("gub/seccion/00003.html"),
        "{:?}",
        r.problems
    );
    let dest = Backend::memory().target("difusor");
    let e = mirror::mirror(&t, &dest, Some(&public()), true, &Quiet)
        .await
        .unwrap_err();
    assert!(e.to_string().contains(&object), "{e}");
    assert!(
        live(&dest).await.is_none(),
        "a failed mirror publishes nothing"
    );
    restore(&t, &object, original).await;
    assert_verifies(&t, id).await;

    // A page at its stable URL, and a dataset of the corte: each named.
    for key in [
        "gub/seccion/00003.html".to_string(),
        layout::corte_key(&c.id, "datos/ELECCION_1.csv"),
    ] {
        let original = tamper(&t, &key, b"otros").await;
        let scope = if key.starts_with("cortes/") { id } else { None };
        let r = verify(&t, scope, Some(&public()), &Quiet).await.unwrap();
        assert_eq!(r.problems.len(), 1, "{key}: {:?}", r.problems);
        assert_eq!(r.problems[0].object, key);
        restore(&t, &key, original).await;
    }
    assert_verifies(&t, None).await;

    // A changed manifest: its hash no longer matches the pointer, its
    // signature no longer verifies.
    let mkey = layout::manifest_key(&c.id);
    let m = stored(&t, &mkey).await.unwrap();
    let forged = String::from_utf8(m.to_vec())
        .unwrap()
        .replace("Proceso sintético", "Proceso alterado");
    t.store
        .put(&transfer::path(&mkey), forged.into())
        .await
        .unwrap();
    let r = verify(&t, None, Some(&public()), &Quiet).await.unwrap();
    assert!(!r.ok());
    assert!(
        r.problems.iter().all(|p| p.object == mkey),
        "{:?}",
        r.problems
    );
    assert!(
        r.problems.iter().any(|p| p.what.contains("signature")),
        "{:?}",
        r.problems
    );
    // Another key does not verify the genuine manifest either.
    t.store.put(&transfer::path(&mkey), m.into()).await.unwrap();
    let stranger = sign::generate().unwrap().verifying_key();
    let r = verify(&t, None, Some(&stranger), &Quiet).await.unwrap();
    assert!(!r.ok() && r.problems[0].object == mkey, "{:?}", r.problems);
    // A page added to the stable tree, a file added to the corte's folder,
    // and a change list that hides a change are named too.
    for (extra, scope) in [
        ("gub/extra.html".to_string(), None),
        (layout::corte_key(&c.id, "gub/extra.html"), id),
    ] {
        t.store
            .put(&transfer::path(&extra), PutPayload::from_static(b"x"))
            .await
            .unwrap();
        let r = verify(&t, scope, Some(&public()), &Quiet).await.unwrap();
        assert_eq!(r.problems.len(), 1, "{extra}: {:?}", r.problems);
        assert_eq!(r.problems[0].object, extra);
        t.store.delete(&transfer::path(&extra)).await.unwrap();
    }
    let ckey = layout::cambios_key(&c.id);
    let mut cambios =
        corte::published::Cambios::from_json(&stored(&t, &ckey).await.unwrap()).unwrap();
    cambios.added.retain(|k| k != "index.html");
    t.store
        .put(&transfer::path(&ckey), cambios.to_json().into())
        .await
        .unwrap();
    let r = verify(&t, id, Some(&public()), &Quiet).await.unwrap();
    assert_eq!(r.problems.len(), 1, "{:?}", r.problems);
    assert_eq!(r.problems[0].object, ckey);
}

async fn a_mirror_copies_every_corte_incrementally(b: Backend) {
    let src = b.target("iecm");
    let shape = Shape::small(10);
    let dest_backend = Backend::by_name(b.name);
    let dest = dest_backend.target("difusor");
    let (c1, c2) = (corte(1, &shape), corte(2, &shape));
    publish(&src, &c1, &opts(), &Quiet).await.unwrap();
    let r = mirror::mirror(&src, &dest, Some(&public()), true, &Quiet)
        .await
        .unwrap();
    assert_eq!(r.copied, vec![c1.id.clone()]);
    publish(&src, &c2, &opts(), &Quiet).await.unwrap();
    let r = mirror::mirror(&src, &dest, Some(&public()), true, &Quiet)
        .await
        .unwrap();
    assert_eq!(r.copied, vec![c2.id.clone()]);
    assert_eq!(r.present, vec![c1.id.clone()]);
    assert_eq!(
        r.counts.uploaded,
        new_objects(&c2, &[&c1]) + changed_keys(&c1, &c2),
        "only the new objects and the changed stable keys are written: {:?}",
        r.counts
    );
    assert_eq!(
        r.counts.copied,
        datasets(&c2),
        "datasets copied inside the mirror"
    );
    assert!(r.moved);
    let cambios = layout::cambios_key(&c2.id);
    assert_eq!(stored(&dest, &cambios).await, stored(&src, &cambios).await);
    let r = mirror::mirror(&src, &dest, Some(&public()), true, &Quiet)
        .await
        .unwrap();
    assert!(r.copied.is_empty() && !r.moved, "{r:?}");
    assert_eq!(stored(&dest, POINTER).await, stored(&src, POINTER).await);
    assert_eq!(
        stored(&dest, layout::INDEX).await,
        stored(&src, layout::INDEX).await
    );
    assert_verifies(&dest, None).await;
    assert_verifies(&dest, Some(&c1.id)).await;
    assert_verifies(&dest, Some(&c2.id)).await;
    assert_stable_tree_is(&dest, &c2).await;
}

async fn a_rollback_moves_the_pointer_back_and_is_recorded(b: Backend) {
    let t = b.target("t");
    let shape = Shape::small(8);
    let (c1, c2) = (corte(1, &shape), corte(2, &shape));
    publish(&t, &c1, &opts(), &Quiet).await.unwrap();
    publish(&t, &c2, &opts(), &Quiet).await.unwrap();
    let o = Options {
        reason: Some("acta duplicada en el distrito 5".into()),
        ..opts()
    };
    // An archive object of the older corte altered (same size): the
    // rollback checks every object of that corte before writing anything,
    // names it, and the live site stays exactly as it was.
    let changed = c1
        .manifest
        .files
        .iter()
        .find(|(k, e)| k.ends_with(".html") && c2.manifest.files.get(*k) != Some(*e))
        .map(|(k, _)| object_of(&c1, k))
        .expect("a page that differs between the two cortes");
    let original = stored(&t, &changed).await.unwrap();
    let mut altered = original.to_vec();
    let mid = altered.len() / 2;
    altered[mid] ^= 0xff;
    t.store
        .put(&transfer::path(&changed), altered.into())
        .await
        .unwrap();
    let e = rollback::rollback(&t, &c1.id, Some(&public()), &o, &Quiet)
        .await
        .unwrap_err();
    assert!(e.to_string().contains(&changed), "{e}");
    assert_eq!(live(&t).await.as_deref(), Some(c2.id.as_str()));
    assert_stable_tree_is(&t, &c2).await;
    t.store
        .put(&transfer::path(&changed), original.into())
        .await
        .unwrap();
    let r = rollback::rollback(&t, &c1.id, Some(&public()), &o, &Quiet)
        .await
        .unwrap();
    assert_eq!(r.from.as_deref(), Some(c2.id.as_str()));
    assert_eq!(
        r.counts(corte::publish::Step::StableTree).uploaded,
        changed_keys(&c2, &c1),
        "only the keys that differ are put back"
    );
    let (p, _) = pointer::read(&t).await.unwrap().unwrap();
    assert_eq!(
        (p.corte.as_str(), p.action),
        (c1.id.as_str(), Action::Rollback)
    );
    assert_stable_tree_is(&t, &c1).await;
    assert_verifies(&t, None).await;
    let (ix, _) = pointer::read_index(&t).await.unwrap();
    let last = ix.events.last().unwrap();
    assert_eq!(last.action, Action::Rollback);
    assert_eq!(
        last.reason.as_deref(),
        Some("acta duplicada en el distrito 5")
    );
    assert!(ix.cortes.iter().any(|c| c.id == c2.id && c.withdrawn));
    // The withdrawn corte does not come back by accident…
    let e = publish(&t, &c2, &opts(), &Quiet).await.unwrap_err();
    assert!(matches!(*e.kind, ErrorKind::Conflict(_)), "{e}");
    // …but the next corte goes out as usual.
    let c3 = corte(3, &shape);
    publish(&t, &c3, &opts(), &Quiet).await.unwrap();
    assert_stable_tree_is(&t, &c3).await;
    // A rollback to a corte that is not there is refused.
    assert!(
        rollback::rollback(&t, "00009-20240602-2045", None, &opts(), &Quiet)
            .await
            .is_err()
    );
}

async fn a_dry_run_writes_nothing(b: Backend) {
    let t = b.target("t");
    let shape = Shape::small(8);
    publish(&t, &corte(1, &shape), &opts(), &Quiet)
        .await
        .unwrap();
    let before = transfer::list(&t, "").await.unwrap();
    let o = Options {
        dry_run: true,
        ..opts()
    };
    let r = publish(&t, &corte(2, &shape), &o, &Quiet).await.unwrap();
    assert_eq!(r.outcome, Outcome::DryRun);
    assert!(r.counts(corte::publish::Step::Objects).uploaded > 0);
    assert!(r.counts(corte::publish::Step::Datasets).copied > 0);
    assert!(r.counts(corte::publish::Step::StableTree).uploaded > 0);
    let after = transfer::list(&t, "").await.unwrap();
    let keys = |m: &std::collections::HashMap<String, object_store::ObjectMeta>| {
        let mut k: Vec<_> = m
            .iter()
            .map(|(k, v)| (k.clone(), v.size, v.e_tag.clone()))
            .collect();
        k.sort();
        k
    };
    assert_eq!(keys(&before), keys(&after));
}

async fn large_objects_go_up_in_parts(b: Backend) {
    let mut t = b.target("t");
    t.policy.multipart_threshold = 6 << 20;
    t.policy.part_size = 5 << 20;
    let shape = Shape {
        pages: 3,
        page_bytes: 1000,
        datasets: 1,
        dataset_bytes: 13 << 20,
        change_one_in: 2,
    };
    let c = corte(1, &shape);
    publish(&t, &c, &opts(), &Quiet).await.unwrap();
    assert_verifies(&t, None).await;
    // A re-run recognises the multipart objects (their ETag is no MD5).
    let r = publish(&t, &corte(2, &shape), &opts(), &Quiet)
        .await
        .unwrap();
    assert_eq!(r.outcome, Outcome::Published);
    assert_verifies(&t, None).await;
}

async fn one_failing_target_holds_back_none_of_the_others(b: Backend) {
    let good = b.target("good");
    let (bad, _) = Backend::memory().faulty(
        "bad",
        Faults {
            fail_puts: 1.0,
            ..Faults::default()
        },
    );
    let (slow, _) = Backend::memory().faulty(
        "slow",
        Faults {
            latency: Duration::from_millis(3),
            ..Faults::default()
        },
    );
    let c = Arc::new(corte(1, &Shape::small(6)));
    let results = publish_all(vec![bad, good, slow], c.clone(), opts(), Arc::new(Quiet)).await;
    let names: Vec<_> = results.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["bad", "good", "slow"]);
    let e = results[0].1.as_ref().unwrap_err();
    assert!(
        e.to_string()
            .starts_with("target bad: writing the archive objects: objetos/"),
        "{e}"
    );
    assert!(results[1].1.is_ok() && results[2].1.is_ok());
    assert_eq!(live(&b.target("x")).await.as_deref(), Some(c.id.as_str()));
}

// ------------------------------------------------- one module per backend

macro_rules! suite {
    ($backend:ident, $make:expr, $stop_every:expr, $race_runs:expr) => {
        mod $backend {
            use super::*;

            fn make() -> Backend {
                $make
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn first_publish_then_the_next_corte_sends_only_what_changed() {
                super::first_publish_then_the_next_corte_sends_only_what_changed(make()).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn every_object_carries_its_headers() {
                super::every_object_carries_its_headers(make()).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn the_pointer_never_moves_back_and_a_corte_never_changes() {
                super::the_pointer_never_moves_back_and_a_corte_never_changes(make()).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn a_stop_between_any_two_steps_leaves_a_complete_corte_live() {
                super::a_stop_between_any_two_steps_leaves_a_complete_corte_live(&make, $stop_every)
                    .await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn an_unfinished_corte_is_put_right_by_the_next() {
                super::an_unfinished_corte_is_put_right_by_the_next(make()).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn a_shutdown_abandons_the_uploads_but_never_a_started_stable_tree() {
                super::a_shutdown_abandons_the_uploads_but_never_a_started_stable_tree(make()).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn failing_and_slow_puts_are_retried() {
                super::failing_and_slow_puts_are_retried(make()).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn racing_publishers() {
                super::racing_publishers(make()).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn racing_publishers_leave_the_newer_corte_complete() {
                super::racing_publishers_leave_the_newer_corte_complete(make(), $race_runs).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn a_lease_left_by_a_dead_publisher_is_taken_over() {
                super::a_lease_left_by_a_dead_publisher_is_taken_over(make()).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn tampering_is_caught_and_named() {
                super::tampering_is_caught_and_named(make()).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn a_mirror_copies_every_corte_incrementally() {
                super::a_mirror_copies_every_corte_incrementally(make()).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn a_rollback_moves_the_pointer_back_and_is_recorded() {
                super::a_rollback_moves_the_pointer_back_and_is_recorded(make()).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn a_dry_run_writes_nothing() {
                super::a_dry_run_writes_nothing(make()).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn large_objects_go_up_in_parts() {
                super::large_objects_go_up_in_parts(make()).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn one_failing_target_holds_back_none_of_the_others() {
                super::one_failing_target_holds_back_none_of_the_others(make()).await
            }
        }
    };
}

suite!(memory, Backend::memory(), 1, 12);
suite!(folder, Backend::folder(), 1, 8);
suite!(s3, Backend::s3(), 4, 4);

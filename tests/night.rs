//! A night of cortes through the cutover (render with the state folder's
//! cache, archive, manifest, change list, stable tree, pointer), checked
//! corte by corte: the store receives exactly the changed artifacts plus
//! the corte's datasets, manifest, signature, change list, pointer and
//! history, and deletes exactly the keys the corte no longer has; every
//! manifest is the one a full render gives; and at the end every corte
//! verifies and is served through its manifest.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use corte::contract::{Snapshot, sha256_hex};
use corte::cutover::{Cutover, HistorySource, Publisher};
use corte::publish::faults::{Faults, FaultyStore, Log};
use corte::publish::verify::{verify, verify_all};
use corte::publish::{Options, Quiet, Target, sign};
use corte::published::gzip::gunzip;
use corte::published::layout;
use corte::published::objects::object_keys;
use corte::published::{Cambios, Manifest};
use corte::serve::Origin;
use corte::site::{History, RenderOptions, Theme};

use crate::support::snapshots;
use crate::support::stores::{self, Backend};

const CORTES: u32 = 8;

/// A generated night of the example scale (two distritos, about 2,200
/// actas), the last corte final.
fn night() -> &'static Vec<Arc<Snapshot>> {
    static NIGHT: OnceLock<Vec<Arc<Snapshot>>> = OnceLock::new();
    NIGHT.get_or_init(|| {
        snapshots::example_night(CORTES)
            .into_iter()
            .map(Arc::new)
            .collect()
    })
}

fn cambios_schema() -> &'static jsonschema::Validator {
    static SCHEMA: OnceLock<jsonschema::Validator> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let read = |p: &str| -> serde_json::Value {
            let path = snapshots::repo(p);
            serde_json::from_slice(&std::fs::read(&path).unwrap_or_else(|e| panic!("{p}: {e}")))
                .unwrap_or_else(|e| panic!("{p}: {e}"))
        };
        let v = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .build(&read("data-contracts/cambios.schema.json"))
            .expect("cambios.schema.json is a schema");
        let example = read("data-contracts/examples/cambios.json");
        let errors: Vec<String> = v.iter_errors(&example).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "examples/cambios.json: {errors:?}");
        assert!(
            corte::published::Cambios::from_json(&serde_json::to_vec(&example).unwrap()).is_ok(),
            "examples/cambios.json reads as a change list"
        );
        v
    })
}

fn key() -> &'static sign::PrivateKey {
    static KEY: OnceLock<sign::PrivateKey> = OnceLock::new();
    KEY.get_or_init(|| sign::generate().expect("a random source"))
}

fn publisher(targets: Vec<Target>, state: &std::path::Path) -> Publisher {
    let options = Options {
        delete_stale: true,
        ..Options::default()
    };
    let mut p = stores::publisher(targets, options, HistorySource::Folder(state.to_path_buf()));
    p.key = Some(key().clone());
    p
}

async fn cutover(p: &Publisher, snapshot: &Arc<Snapshot>) -> Cutover {
    let (_stop, shutdown) = tokio::sync::watch::channel(false);
    let c = p
        .cutover(snapshot.clone(), Arc::new(Quiet), &shutdown)
        .await
        .unwrap_or_else(|e| panic!("corte {}: {e}", snapshot.corte.id()));
    for (name, r) in &c.targets {
        if let Err(e) = r {
            panic!("corte {} on {name}: {e}", c.corte_id);
        }
    }
    c
}

/// What publishing `m` over `before` (the cortes published earlier, oldest
/// first) must write and delete, sorted.
fn expected(m: &Manifest, before: &[Manifest]) -> Log {
    let id = &m.corte.id;
    let previous = before.last();
    let stored: BTreeSet<String> = before
        .iter()
        .flat_map(|b| object_keys(b).into_keys())
        .collect();
    let mut written: Vec<String> = object_keys(m)
        .into_keys()
        .filter(|o| !stored.contains(o))
        .collect();
    written.extend(
        m.files
            .keys()
            .filter(|k| layout::is_dataset(k))
            .map(|k| layout::corte_key(id, k)),
    );
    written.extend(
        m.files
            .iter()
            .filter(|(k, e)| previous.and_then(|p| p.files.get(*k)) != Some(*e))
            .map(|(k, _)| k.clone()),
    );
    written.extend([
        layout::signature_key(id),
        layout::manifest_key(id),
        layout::cambios_key(id),
        layout::POINTER.to_string(),
        layout::INDEX.to_string(),
        layout::FEED.to_string(),
    ]);
    if previous.is_none() {
        // The store's first key: public-key.pem, and its record in keys/.
        let fp = sign::fingerprint(&key().verifying_key());
        written.push(layout::PUBLIC_KEY.to_string());
        written.push(corte::publish::keys::INDEX.to_string());
        written.push(corte::publish::keys::pem_key(&fp));
    }
    written.sort();
    let deleted = previous.map_or_else(Vec::new, |p| {
        p.files
            .keys()
            .filter(|k| !m.files.contains_key(*k))
            .cloned()
            .collect()
    });
    Log { written, deleted }
}

fn sorted(mut log: Log) -> Log {
    log.written.sort();
    log.deleted.sort();
    log
}

/// The manifest a full render of `snapshot` gives, with `before` as history.
fn full_render(snapshot: &Snapshot, before: &[Manifest]) -> Vec<u8> {
    let theme = Theme::embedded().expect("the built-in theme");
    let history = History::before(before.to_vec(), snapshot.corte.seq);
    let results = snapshots::tally(snapshot);
    let opts = RenderOptions {
        previous: before.last().map(|m| m.corte.id.clone()),
        ..RenderOptions::new(&theme, &history)
    };
    corte::site::render(snapshot, &results, &opts)
        .unwrap_or_else(|e| panic!("{}: {e}", snapshot.corte.id()))
        .manifest_bytes
}

/// Every key of every corte, read through the origin as `corte serve`
/// answers `/cortes/<id>/<key>`: the bytes a reader gets are the manifest's.
async fn assert_served_through_manifests(t: &Target, manifests: &[Manifest]) {
    let origin = Origin::new(t.clone(), Duration::ZERO, 2);
    for m in manifests {
        for (key, entry) in &m.files {
            let path = layout::corte_key(&m.corte.id, key);
            let o = origin
                .object(&path)
                .await
                .unwrap_or_else(|e| panic!("{path}: {e:?}"));
            let plain = if o.headers.gzip {
                gunzip(&o.stored).unwrap_or_else(|e| panic!("{path}: {e}"))
            } else {
                o.stored.to_vec()
            };
            assert_eq!(sha256_hex(&plain), entry.sha256, "{path}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_night_writes_only_what_changed_and_every_corte_stays_verifiable() {
    let backend = Backend::memory();
    let (target, store): (Target, Arc<FaultyStore>) = backend.faulty("t", Faults::default());
    let state = tempfile::tempdir().unwrap();
    let p = publisher(vec![target.clone()], state.path());
    let mut manifests: Vec<Manifest> = Vec::new();
    let mut report = Vec::new();
    for snapshot in night() {
        let c = cutover(&p, snapshot).await;
        let id = c.corte_id.clone();
        let m = Manifest::from_json(&c.manifest_bytes).expect("the manifest reads");
        assert_eq!(
            String::from_utf8_lossy(&c.manifest_bytes),
            String::from_utf8_lossy(&full_render(snapshot, &manifests)),
            "corte {id}: the cutover's manifest is not a full render's"
        );
        let want = expected(&m, &manifests);
        let mut got = sorted(store.take_log());
        // The stable-tree lease: taken and given back (renewed too, if the
        // publish outlasts a third of its time to live).
        let lease = got.written.iter().filter(|k| *k == layout::LEASE).count();
        assert!(
            lease >= 2,
            "corte {id}: the lease was written {lease} times"
        );
        got.written.retain(|k| k != layout::LEASE);
        assert_eq!(
            got.deleted, want.deleted,
            "corte {id}: the keys deleted are the ones the corte dropped"
        );
        if got.written != want.written {
            let (g, w): (BTreeSet<_>, BTreeSet<_>) =
                (got.written.iter().collect(), want.written.iter().collect());
            panic!(
                "corte {id}: {} keys written, {} expected; written and not expected: {:?}; expected and not written: {:?}",
                got.written.len(),
                want.written.len(),
                g.difference(&w).take(10).collect::<Vec<_>>(),
                w.difference(&g).take(10).collect::<Vec<_>>()
            );
        }
        let cambios = Cambios::from_json(
            &corte::publish::transfer::get(&target, &layout::cambios_key(&id))
                .await
                .unwrap()
                .expect("the change list")
                .0,
        )
        .unwrap();
        assert!(cambios.check(manifests.last(), &m).is_empty(), "corte {id}");
        let doc = serde_json::to_value(&cambios).unwrap();
        let errors: Vec<String> = cambios_schema()
            .iter_errors(&doc)
            .map(|e| format!("at {}: {e}", e.instance_path))
            .collect();
        assert!(errors.is_empty(), "corte {id}: cambios.json: {errors:?}");
        let first = manifests.is_empty();
        if !first && !snapshot.corte.final_corte {
            assert!(
                c.reused > 0 && c.made < c.files,
                "corte {id}: {} of {} rendered again",
                c.made,
                c.files
            );
        } else {
            assert_eq!(c.made, c.files, "corte {id}: rendered in full");
        }
        report.push((id, c.made, c.files, want.written.len()));
        manifests.push(m);
    }
    eprintln!("corte, artifacts rendered, files, keys written: {report:?}");

    for r in verify_all(&target, Some(&key().verifying_key()), &Quiet)
        .await
        .unwrap()
    {
        assert!(r.ok(), "corte {}: {:?}", r.corte, r.problems);
    }
    let live = verify(&target, None, Some(&key().verifying_key()), &Quiet)
        .await
        .unwrap();
    assert!(live.ok(), "the live stable tree: {:?}", live.problems);
    stores::assert_stable_tree_is(&target, manifests.last().unwrap()).await;
    assert_served_through_manifests(&target, &manifests).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_that_joins_mid_night_gets_the_whole_corte() {
    let backend = Backend::memory();
    let first = backend.target("first");
    let state = tempfile::tempdir().unwrap();
    let cortes = night();
    let mut manifests = Vec::new();
    for snapshot in &cortes[..3] {
        let c = cutover(&publisher(vec![first.clone()], state.path()), snapshot).await;
        manifests.push(Manifest::from_json(&c.manifest_bytes).unwrap());
    }
    // A difusor's bucket joins: the render cache reuses most artifacts,
    // whose objects the new target lacks; they are rendered again for it.
    let late = Backend::memory();
    let joined = late.target("joined");
    let p = publisher(vec![first.clone(), joined.clone()], state.path());
    let c = cutover(&p, &cortes[3]).await;
    assert!(c.reused > 0, "the cache was used");
    let m = Manifest::from_json(&c.manifest_bytes).unwrap();
    manifests.push(m.clone());
    for t in [&first, &joined] {
        let r = verify(t, Some(&m.corte.id), Some(&key().verifying_key()), &Quiet)
            .await
            .unwrap();
        assert!(r.ok(), "{}: {:?}", t.name, r.problems);
        stores::assert_stable_tree_is(t, &m).await;
    }
    assert_served_through_manifests(&joined, &manifests[3..]).await;
    let written: BTreeMap<&str, u64> = c
        .targets
        .iter()
        .map(|(n, r)| {
            let r = r.as_ref().unwrap();
            (n.as_str(), r.counts(corte::publish::Step::Objects).uploaded)
        })
        .collect();
    assert_eq!(
        written["joined"],
        object_keys(&m).len() as u64,
        "the new target got every object: {written:?}"
    );
    assert!(written["first"] < written["joined"], "{written:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dry_run_counts_the_objects_the_real_run_writes_and_writes_nothing() {
    let backend = Backend::memory();
    let (target, store): (Target, Arc<FaultyStore>) = backend.faulty("t", Faults::default());
    let state = tempfile::tempdir().unwrap();
    let cortes = night();
    for snapshot in &cortes[..2] {
        cutover(&publisher(vec![target.clone()], state.path()), snapshot).await;
    }
    store.take_log();
    let objects = |c: &Cutover| {
        let r = c.targets[0].1.as_ref().expect("the target's report");
        r.counts(corte::publish::Step::Objects)
    };
    // The dry run renders batch by batch and keeps only the keys of what
    // it made (no bytes): it writes nothing, and counts as to be put the
    // objects the real run then puts.
    let mut dry = publisher(vec![target.clone()], state.path());
    dry.options.dry_run = true;
    let d = cutover(&dry, &cortes[2]).await;
    assert_eq!(store.take_log(), Log::default(), "a dry run writes nothing");
    let real = cutover(&publisher(vec![target.clone()], state.path()), &cortes[2]).await;
    assert_eq!(d.manifest_sha256, real.manifest_sha256);
    assert_eq!((d.made, d.reused), (real.made, real.reused));
    let (dry_objects, real_objects) = (objects(&d), objects(&real));
    assert!(real_objects.uploaded > 0, "the corte brings new objects");
    assert_eq!(
        (dry_objects.uploaded, dry_objects.uploaded_bytes),
        (real_objects.uploaded, real_objects.uploaded_bytes),
        "the dry run counts what the real run writes"
    );
}

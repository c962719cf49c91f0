//! `verify` that a script can trust (issue 17, item 5): each way a store
//! can lie — a silent rollback, a corte declared unsigned on a signed
//! store, a pointer that does not match its manifest, a changed page at
//! its stable URL — is a problem (a non-zero exit for the command), and key
//! rotation is explicit: a new key needs `--rotate-key`, is recorded in
//! `keys/`, and older cortes keep verifying against the key that signed
//! them (no false tamper alarm), rollback to them included. On a folder
//! and on moto; the command's exit codes at the end.

use std::process::Command;

use bytes::Bytes;
use corte::publish::keys::{self, KeyIndex};
use corte::publish::verify::{Signature, VerifyOptions, verify, verify_all, verify_opts};
use corte::publish::{
    Corte, ErrorKind, Options, Quiet, Target, mirror, pointer, publish, rollback, sign, transfer,
};
use corte::published::layout::{self, POINTER};
use corte::published::{Action, Pointer};
use object_store::{ObjectStoreExt, PutPayload};

use crate::support::snapshots;
use crate::support::stores::Backend;
use crate::support::synthetic::{self, Shape};

fn key_a() -> &'static sign::PrivateKey {
    static KEY: std::sync::OnceLock<sign::PrivateKey> = std::sync::OnceLock::new();
    KEY.get_or_init(|| sign::generate().expect("a random source"))
}

fn key_b() -> &'static sign::PrivateKey {
    static KEY: std::sync::OnceLock<sign::PrivateKey> = std::sync::OnceLock::new();
    KEY.get_or_init(|| sign::generate().expect("a random source"))
}

fn shape() -> Shape {
    Shape::small(8)
}

fn signed(seq: u32, key: &sign::PrivateKey) -> Corte {
    Corte::from_build(synthetic::build(seq, &shape()), Some(key))
}

fn unsigned(seq: u32) -> Corte {
    Corte::from_build(synthetic::build(seq, &shape()), None)
}

fn opts() -> Options {
    Options {
        delete_stale: true,
        ..Options::default()
    }
}

async fn stored(t: &Target, key: &str) -> Option<Bytes> {
    transfer::get(t, key).await.unwrap().map(|(b, _)| b)
}

async fn put(t: &Target, key: &str, bytes: impl Into<PutPayload>) {
    t.store
        .put(&transfer::path(key), bytes.into())
        .await
        .unwrap();
}

async fn live(t: &Target) -> Pointer {
    pointer::read(t).await.unwrap().expect("a pointer").0
}

/// The problems of verifying the live corte (the target's own keys).
async fn problems(t: &Target) -> Vec<(String, String)> {
    let r = verify(t, None, None, &Quiet).await.unwrap();
    r.problems.into_iter().map(|p| (p.object, p.what)).collect()
}

async fn assert_ok(t: &Target) {
    let p = problems(t).await;
    assert!(p.is_empty(), "{}: {p:?}", t.name);
    for r in verify_all(t, None, &Quiet).await.unwrap() {
        assert!(r.ok(), "{} corte {}: {:?}", t.name, r.corte, r.problems);
    }
}

fn named(problems: &[(String, String)], object: &str, words: &str) -> bool {
    problems
        .iter()
        .any(|(o, w)| o == object && w.contains(words))
}

async fn a_silent_rollback_is_a_failure(b: Backend) {
    let t = b.target("t");
    let (c1, c2, c3) = (signed(1, key_a()), signed(2, key_a()), signed(3, key_a()));
    publish(&t, &c1, &opts(), &Quiet).await.unwrap();
    publish(&t, &c2, &opts(), &Quiet).await.unwrap();
    // The pointer as it was at corte 2: signed, genuine, its manifest intact.
    let old = stored(&t, POINTER).await.unwrap();
    let history2 = stored(&t, layout::INDEX).await.unwrap();
    publish(&t, &c3, &opts(), &Quiet).await.unwrap();
    let at3 = stored(&t, POINTER).await.unwrap();
    assert_ok(&t).await;
    let history3 = stored(&t, layout::INDEX).await.unwrap();

    // A crash between the pointer and the history: the pointer ahead of
    // the history, at a corte it has no move for yet. Not a problem.
    put(&t, layout::INDEX, history2).await;
    let p = problems(&t).await;
    assert!(p.is_empty(), "{p:?}");
    put(&t, layout::INDEX, history3.clone()).await;

    // Someone puts corte 2's pointer back: a signed, genuine pointer.
    put(&t, POINTER, old.clone()).await;
    let p = problems(&t).await;
    assert!(named(&p, POINTER, "silent rollback"), "{p:?}");
    assert!(named(&p, POINTER, "records no rollback to"), "{p:?}");
    let all = verify_all(&t, None, &Quiet).await.unwrap();
    assert!(all.iter().any(|r| !r.ok()), "verify --all sees it too");

    // The same move made by `corte rollback` is recorded: no problem.
    put(&t, POINTER, at3.clone()).await;
    assert_ok(&t).await;
    rollback::rollback(&t, &c2.id, None, &opts(), &Quiet)
        .await
        .unwrap();
    assert_eq!(live(&t).await.action, Action::Rollback);
    assert_ok(&t).await;
    // The corte rolled away from, put back with its genuine pointer: ahead
    // of the history's last move, but a move the history already undid.
    let rolled_back = stored(&t, POINTER).await.unwrap();
    put(&t, POINTER, at3.clone()).await;
    let p = problems(&t).await;
    assert!(named(&p, POINTER, "and away from since"), "{p:?}");
    put(&t, POINTER, rolled_back).await;
    assert_ok(&t).await;

    // The rollback done silently: corte 2's stable tree (what the rollback
    // put back) and its genuine publish pointer, with the history as it was
    // at corte 3. Every page, the manifest and the signature match corte 2:
    // only the history can tell, and it does.
    let (history_rb, pointer_rb) = (
        stored(&t, layout::INDEX).await.unwrap(),
        stored(&t, POINTER).await.unwrap(),
    );
    put(&t, layout::INDEX, history3).await;
    put(&t, POINTER, old.clone()).await;
    let p = problems(&t).await;
    assert!(named(&p, POINTER, "silent rollback"), "{p:?}");
    assert!(
        p.iter().all(|(o, _)| o == POINTER),
        "only the pointer is wrong: {p:?}"
    );
    put(&t, layout::INDEX, history_rb).await;
    put(&t, POINTER, pointer_rb).await;
    assert_ok(&t).await;
    // …and a silent one further back, after it, is not.
    let first = c1.pointer(Action::Publish, None);
    put(&t, POINTER, Bytes::from(first.to_json())).await;
    let p = problems(&t).await;
    assert!(named(&p, POINTER, "silent rollback"), "{p:?}");

    // A history forged to hide it: a "publish" back to corte 1 recorded
    // after corte 2.
    let (mut ix, _) = pointer::read_index(&t).await.unwrap();
    let mut e = ix.events.last().unwrap().clone();
    e.action = Action::Publish;
    e.corte = c1.id.clone();
    e.seq = 1;
    e.from = Some(c2.id.clone());
    e.manifest_sha256 = c1.manifest_sha256.clone();
    ix.events.push(e);
    put(&t, layout::INDEX, ix.to_json()).await;
    let p = problems(&t).await;
    assert!(
        named(&p, layout::INDEX, "a publish never moves the pointer back"),
        "{p:?}"
    );
}

async fn an_unsigned_corte_on_a_signed_store_is_a_failure(b: Backend) {
    let t = b.target("t");
    publish(&t, &signed(1, key_a()), &opts(), &Quiet)
        .await
        .unwrap();
    let c2 = unsigned(2);
    publish(&t, &c2, &opts(), &Quiet).await.unwrap();
    let sig = layout::signature_key(&c2.id);
    let p = problems(&t).await;
    assert!(named(&p, &sig, "unsigned"), "{p:?}");
    assert!(named(&p, &sig, "--allow-unsigned"), "{p:?}");
    let allowed = VerifyOptions {
        allow_unsigned: true,
        ..VerifyOptions::default()
    };
    let r = verify_opts(&t, None, None, allowed, &Quiet).await.unwrap();
    assert!(r.ok(), "{:?}", r.problems);
    assert_eq!(r.signature, Signature::Unsigned);

    // A signed corte tampered, then declared unsigned: its signature
    // deleted, the pointer rewritten to match the forged manifest.
    let b2 = Backend::by_name(b.name);
    let t = b2.target("t2");
    publish(&t, &signed(1, key_a()), &opts(), &Quiet)
        .await
        .unwrap();
    let c2 = signed(2, key_a());
    publish(&t, &c2, &opts(), &Quiet).await.unwrap();
    let mkey = layout::manifest_key(&c2.id);
    let forged = String::from_utf8(stored(&t, &mkey).await.unwrap().to_vec())
        .unwrap()
        .replace("Proceso sintético", "Proceso alterado");
    put(&t, &mkey, forged.clone()).await;
    t.store
        .delete(&transfer::path(&layout::signature_key(&c2.id)))
        .await
        .unwrap();
    let mut p = live(&t).await;
    p.manifest_sha256 = corte::contract::sha256_hex(forged.as_bytes());
    p.signature = None;
    p.public_key_sha256 = None;
    put(&t, POINTER, p.to_json()).await;
    let found = problems(&t).await;
    assert!(
        named(&found, &layout::signature_key(&c2.id), "unsigned"),
        "{found:?}"
    );
    // A store that was never signed is fine unsigned.
    let b3 = Backend::by_name(b.name);
    let u = b3.target("u");
    publish(&u, &unsigned(1), &opts(), &Quiet).await.unwrap();
    publish(&u, &unsigned(2), &opts(), &Quiet).await.unwrap();
    assert_ok(&u).await;
}

async fn a_pointer_that_does_not_match_its_manifest_is_a_failure(b: Backend) {
    let t = b.target("t");
    let (c1, c2) = (signed(1, key_a()), signed(2, key_a()));
    publish(&t, &c1, &opts(), &Quiet).await.unwrap();
    publish(&t, &c2, &opts(), &Quiet).await.unwrap();
    assert_ok(&t).await;
    let genuine = stored(&t, POINTER).await.unwrap();
    let good: serde_json::Value = serde_json::from_slice(&genuine).unwrap();
    let edits: Vec<(&str, serde_json::Value)> = vec![
        ("manifest", "garbage".into()),
        ("manifest", layout::manifest_key(&c1.id).into()),
        ("manifest_sha256", "not a hash".into()),
        ("seq", 7.into()),
        ("timestamp", "2099-01-01T00:00:00-06:00".into()),
        ("updated_at", "ayer".into()),
        ("signature", "cortes/x/manifest.json.sig".into()),
        ("signature", serde_json::Value::Null),
        (
            "public_key_sha256",
            sign::fingerprint(&key_b().verifying_key()).into(),
        ),
        ("public_key_sha256", serde_json::Value::Null),
        ("previous", "00000-nada".into()),
        ("previous", c2.id.clone().into()),
        ("action", "rollback".into()),
    ];
    for (field, value) in edits {
        let mut p = good.clone();
        p[field] = value.clone();
        put(&t, POINTER, serde_json::to_vec(&p).unwrap()).await;
        let found = problems(&t).await;
        assert!(
            found.iter().any(|(o, _)| o == POINTER),
            "{field} = {value}: {found:?}"
        );
    }
    // Not a pointer at all: an error, not a report (a non-zero exit).
    put(&t, POINTER, Bytes::from_static(b"{\"corte\": 3")).await;
    assert!(verify(&t, None, None, &Quiet).await.is_err());
    put(&t, POINTER, genuine).await;
    assert_ok(&t).await;
}

async fn the_stable_tree_is_read_unless_quick(b: Backend) {
    let t = b.target("t");
    let c1 = signed(1, key_a());
    publish(&t, &c1, &opts(), &Quiet).await.unwrap();
    let r = verify(&t, None, None, &Quiet).await.unwrap();
    assert!(r.ok(), "{:?}", r.problems);
    assert!(r.objects as usize > c1.manifest.files.len(), "{r:?}");
    // A page and a gzip-stored dataset at their stable URLs.
    let dataset = c1
        .manifest
        .files
        .iter()
        .find(|(_, e)| e.gzip.is_some())
        .map(|(k, _)| k.clone())
        .expect("a gzip-stored entry");
    for key in ["gub/seccion/00003.html".to_string(), dataset] {
        let original = stored(&t, &key).await.unwrap();
        put(&t, &key, Bytes::from_static(b"<h1>otros resultados</h1>")).await;
        let found = problems(&t).await;
        assert!(named(&found, &key, "has SHA-256"), "{key}: {found:?}");
        let quick = VerifyOptions {
            quick: true,
            ..VerifyOptions::default()
        };
        let r = verify_opts(&t, None, None, quick, &Quiet).await.unwrap();
        assert!(r.ok() && r.quick && r.objects == 0, "{r:?}");
        put(&t, &key, original).await;
    }
    assert_ok(&t).await;
}

async fn key_rotation_is_explicit_and_old_cortes_keep_verifying(b: Backend) {
    let t = b.target("t");
    let (a, bk) = (key_a().verifying_key(), key_b().verifying_key());
    let (fa, fb) = (sign::fingerprint(&a), sign::fingerprint(&bk));
    let (c1, c2) = (signed(1, key_a()), signed(2, key_a()));
    publish(&t, &c1, &opts(), &Quiet).await.unwrap();
    publish(&t, &c2, &opts(), &Quiet).await.unwrap();
    let ix = KeyIndex::from_json(&stored(&t, keys::INDEX).await.unwrap()).unwrap();
    assert_eq!(ix.keys.len(), 1);
    assert_eq!(
        (ix.keys[0].fingerprint.as_str(), ix.keys[0].from_seq),
        (fa.as_str(), 1)
    );

    // Another key, not asked for: refused before anything is written.
    let c3 = signed(3, key_b());
    let e = publish(&t, &c3, &opts(), &Quiet).await.unwrap_err();
    assert!(matches!(*e.kind, ErrorKind::Conflict(_)), "{e}");
    assert!(e.to_string().contains("--rotate-key"), "{e}");
    assert_eq!(live(&t).await.corte, c2.id);
    assert!(stored(&t, &layout::manifest_key(&c3.id)).await.is_none());
    assert!(stored(&t, &keys::pem_key(&fb)).await.is_none());

    // Asked for: recorded, and every corte verifies with the store's own
    // keys — the older ones under the key that signed them.
    let rotate = Options {
        rotate_key: true,
        ..opts()
    };
    publish(&t, &c3, &rotate, &Quiet).await.unwrap();
    assert_follows_schema(&stored(&t, keys::INDEX).await.unwrap());
    let ix = KeyIndex::from_json(&stored(&t, keys::INDEX).await.unwrap()).unwrap();
    assert_eq!(ix.keys.len(), 2, "{ix:?}");
    let k = &ix.keys[1];
    assert_eq!(
        (
            k.fingerprint.as_str(),
            k.from_seq,
            k.from_corte.as_deref(),
            k.replaces.as_deref()
        ),
        (fb.as_str(), 3, Some(c3.id.as_str()), Some(fa.as_str()))
    );
    assert_eq!(
        sign::parse_public(&stored(&t, layout::PUBLIC_KEY).await.unwrap()).unwrap(),
        bk
    );
    assert_ok(&t).await;
    let old = verify(&t, Some(&c1.id), None, &Quiet).await.unwrap();
    assert_eq!(
        old.signature,
        Signature::Valid {
            key_sha256: fa.clone(),
            pinned: false,
            from: keys::pem_key(&fa)
        }
    );
    // The old key may not come back silently either.
    let e = publish(&t, &signed(4, key_a()), &opts(), &Quiet)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("--rotate-key"), "{e}");

    // Rollback to a corte of the old key works, and the next corte goes
    // out under the current key without asking again.
    rollback::rollback(&t, &c2.id, None, &opts(), &Quiet)
        .await
        .unwrap();
    assert_eq!(
        sign::parse_public(&stored(&t, layout::PUBLIC_KEY).await.unwrap()).unwrap(),
        a,
        "public-key.pem is the live corte's key"
    );
    assert_ok(&t).await;
    publish(&t, &signed(4, key_b()), &opts(), &Quiet)
        .await
        .unwrap();
    assert_ok(&t).await;

    // A dry run of a rotation checks, and records nothing.
    let c5 = signed(5, key_a());
    let mut force = Options {
        rotate_key: true,
        ..opts()
    };
    force.dry_run = true;
    publish(&t, &c5, &force, &Quiet).await.unwrap();
    assert_eq!(
        KeyIndex::from_json(&stored(&t, keys::INDEX).await.unwrap())
            .unwrap()
            .keys
            .len(),
        2,
        "a dry run records nothing"
    );

    // A mirror carries the keys: every corte verifies there too.
    let b2 = Backend::by_name(b.name);
    let dest = b2.target("difusor");
    mirror::mirror(&t, &dest, None, true, &Quiet).await.unwrap();
    assert_ok(&dest).await;

    // A key file swapped for another key is named.
    put(&t, &keys::pem_key(&fa), Bytes::from(sign::public_pem(&bk))).await;
    let r = verify(&t, Some(&c1.id), None, &Quiet).await.unwrap();
    assert!(
        r.problems
            .iter()
            .any(|p| p.object == keys::pem_key(&fa) && p.what.contains("not")),
        "{:?}",
        r.problems
    );
}

/// A store published before `keys/` existed: its `public-key.pem` is
/// adopted as the first key, valid from its first signed corte (the
/// unsigned trial corte before it stays unsigned, not a failure).
async fn a_store_without_keys_adopts_its_public_key(b: Backend) {
    let t = b.target("t");
    publish(&t, &unsigned(1), &opts(), &Quiet).await.unwrap();
    publish(&t, &signed(2, key_a()), &opts(), &Quiet)
        .await
        .unwrap();
    for k in [
        keys::INDEX.to_string(),
        keys::pem_key(&sign::fingerprint(&key_a().verifying_key())),
    ] {
        t.store.delete(&transfer::path(&k)).await.unwrap();
    }
    assert_ok(&t).await;
    let e = publish(&t, &signed(3, key_b()), &opts(), &Quiet)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("--rotate-key"), "{e}");
    assert!(
        stored(&t, keys::INDEX).await.is_none(),
        "a refusal writes nothing"
    );
    publish(&t, &signed(3, key_a()), &opts(), &Quiet)
        .await
        .unwrap();
    assert_follows_schema(&stored(&t, keys::INDEX).await.unwrap());
    let ix = KeyIndex::from_json(&stored(&t, keys::INDEX).await.unwrap()).unwrap();
    assert_eq!(ix.keys.len(), 1);
    assert_eq!(
        (ix.keys[0].from_seq, ix.keys[0].from_corte.as_deref()),
        (2, None),
        "valid from the first signed corte"
    );
    assert_ok(&t).await;
}

fn read_contract(p: &str) -> serde_json::Value {
    let path = snapshots::repo(p);
    serde_json::from_slice(&std::fs::read(&path).unwrap_or_else(|e| panic!("{p}: {e}")))
        .unwrap_or_else(|e| panic!("{p}: {e}"))
}

/// `data-contracts/keys.schema.json` (a valid JSON Schema 2020-12, formats
/// checked), checked against its example.
fn keys_schema() -> &'static jsonschema::Validator {
    static SCHEMA: std::sync::OnceLock<jsonschema::Validator> = std::sync::OnceLock::new();
    SCHEMA.get_or_init(|| {
        let schema = read_contract("data-contracts/keys.schema.json");
        if let Err(e) = jsonschema::meta::validate(&schema) {
            panic!("keys.schema.json is not a valid JSON Schema: {e}");
        }
        let v = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .should_validate_formats(true)
            .build(&schema)
            .expect("keys.schema.json is a schema");
        let example = read_contract("data-contracts/examples/keys-index.json");
        let errors: Vec<String> = v.iter_errors(&example).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "examples/keys-index.json: {errors:?}");
        assert!(
            KeyIndex::from_json(&serde_json::to_vec(&example).unwrap()).is_ok(),
            "examples/keys-index.json reads as a key index"
        );
        v
    })
}

fn assert_follows_schema(index: &[u8]) {
    let doc: serde_json::Value = serde_json::from_slice(index).unwrap();
    let errors: Vec<String> = keys_schema()
        .iter_errors(&doc)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "keys/index.json: {errors:?}");
}

#[test]
fn the_keys_example_follows_its_schema() {
    let example = read_contract("data-contracts/examples/keys-index.json");
    assert_follows_schema(&serde_json::to_vec(&example).unwrap());
}

/// Each edit breaks the example key index in one way: the schema and corte
/// must both refuse it.
#[test]
fn the_keys_schema_refuses_what_corte_refuses() {
    let example = read_contract("data-contracts/examples/keys-index.json");
    let fp = example["keys"][0]["fingerprint"]
        .as_str()
        .unwrap()
        .to_string();
    let upper = fp.to_uppercase();
    let edits: Vec<(&str, &str, serde_json::Value)> = vec![
        (
            "an uppercase fingerprint",
            "/keys/0/fingerprint",
            upper.clone().into(),
        ),
        ("a short fingerprint", "/keys/0/fingerprint", "5f1b".into()),
        (
            "a pem outside keys/",
            "/keys/0/pem",
            "../public-key.pem".into(),
        ),
        ("a negative from_seq", "/keys/0/from_seq", (-1).into()),
        ("a text from_seq", "/keys/0/from_seq", "1".into()),
        ("keys not a list", "/keys", 3.into()),
    ];
    for (what, at, value) in edits {
        let mut doc = example.clone();
        *doc.pointer_mut(at).unwrap_or_else(|| panic!("{at}")) = value;
        assert!(!keys_schema().is_valid(&doc), "the schema accepts {what}");
        let bytes = serde_json::to_vec(&doc).unwrap();
        assert!(KeyIndex::from_json(&bytes).is_err(), "corte accepts {what}");
    }
    let mut no_replaces = example.clone();
    no_replaces["keys"][0]
        .as_object_mut()
        .unwrap()
        .remove("replaces");
    let mut unknown = example.clone();
    unknown["keys"][0]["valid_until"] = 9.into();
    let mut top = example.clone();
    top["current"] = "x".into();
    for (what, doc) in [
        ("an entry without replaces", no_replaces),
        ("an unknown field in an entry", unknown),
        ("an unknown top-level field", top),
    ] {
        assert!(!keys_schema().is_valid(&doc), "the schema accepts {what}");
        let bytes = serde_json::to_vec(&doc).unwrap();
        assert!(KeyIndex::from_json(&bytes).is_err(), "corte accepts {what}");
    }
    // What only the schema sees: a time that is not a time.
    let mut doc = example.clone();
    doc["keys"][0]["recorded_at"] = "ayer".into();
    assert!(
        !keys_schema().is_valid(&doc),
        "the schema accepts recorded_at \"ayer\""
    );
}

macro_rules! suite {
    ($backend:ident, $make:expr) => {
        mod $backend {
            use super::*;

            fn make() -> Backend {
                $make
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn a_silent_rollback_is_a_failure() {
                super::a_silent_rollback_is_a_failure(make()).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn an_unsigned_corte_on_a_signed_store_is_a_failure() {
                super::an_unsigned_corte_on_a_signed_store_is_a_failure(make()).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn a_pointer_that_does_not_match_its_manifest_is_a_failure() {
                super::a_pointer_that_does_not_match_its_manifest_is_a_failure(make()).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn the_stable_tree_is_read_unless_quick() {
                super::the_stable_tree_is_read_unless_quick(make()).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn key_rotation_is_explicit_and_old_cortes_keep_verifying() {
                super::key_rotation_is_explicit_and_old_cortes_keep_verifying(make()).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn a_store_without_keys_adopts_its_public_key() {
                super::a_store_without_keys_adopts_its_public_key(make()).await
            }
        }
    };
}

suite!(folder, Backend::folder());
suite!(s3, Backend::s3());

// ------------------------------------------------------ the command's exit

fn corte_cmd(args: &[&str]) -> (bool, String) {
    corte_on(None, args)
}

/// `corte ARGS`; on moto (`s3`), with the server's endpoint and the test
/// credentials in the usual AWS_* variables.
fn corte_on(b: Option<&Backend>, args: &[&str]) -> (bool, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_corte"));
    cmd.args(args)
        .env_remove("CORTE_CONFIG")
        .env_remove("CORTE_SIGNING_KEY")
        .current_dir(std::env::temp_dir());
    if b.is_some_and(|b| b.name == "s3") {
        cmd.env("AWS_ENDPOINT", crate::support::moto::server().endpoint())
            .env("AWS_ALLOW_HTTP", "true")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing");
    }
    let out = cmd.output().expect("running corte");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// `corte verify` exits non-zero on each case, and zero once it is put
/// right or explicitly accepted (`--allow-unsigned`, `--quick`).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_command_exits_non_zero_on_each_case_on_a_folder() {
    the_command_exits_non_zero_on_each_case(Backend::folder()).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_command_exits_non_zero_on_each_case_on_s3() {
    the_command_exits_non_zero_on_each_case(Backend::s3()).await
}

async fn the_command_exits_non_zero_on_each_case(b: Backend) {
    let t = b.target("t");
    let url = b.url.clone();
    let (c1, c2, c3) = (signed(1, key_a()), signed(2, key_a()), signed(3, key_a()));
    publish(&t, &c1, &opts(), &Quiet).await.unwrap();
    publish(&t, &c2, &opts(), &Quiet).await.unwrap();
    let at2 = stored(&t, POINTER).await.unwrap();
    publish(&t, &c3, &opts(), &Quiet).await.unwrap();
    let history3 = stored(&t, layout::INDEX).await.unwrap();
    let run = |args: &[&str]| {
        let mut all = vec!["verify", url.as_str()];
        all.extend_from_slice(args);
        corte_on(Some(&b), &all)
    };
    let (ok, text) = run(&[]);
    assert!(ok, "{text}");

    // a) a silent rollback that every page agrees with: corte 2's stable
    // tree (put back by a rollback), corte 2's genuine publish pointer, and
    // the history as it was at corte 3 (main's verify exits 0 on this).
    rollback::rollback(&t, &c2.id, None, &opts(), &Quiet)
        .await
        .unwrap();
    let (history_rb, pointer_rb) = (
        stored(&t, layout::INDEX).await.unwrap(),
        stored(&t, POINTER).await.unwrap(),
    );
    put(&t, layout::INDEX, history3).await;
    put(&t, POINTER, at2).await;
    let (ok, text) = run(&[]);
    assert!(!ok && text.contains("silent rollback"), "{text}");
    let (ok, text) = run(&["--quick"]);
    assert!(
        !ok && text.contains("silent rollback"),
        "--quick reads the documents: {text}"
    );
    put(&t, layout::INDEX, history_rb).await;
    put(&t, POINTER, pointer_rb.clone()).await;
    let (ok, text) = run(&[]);
    assert!(ok, "the recorded rollback: {text}");

    // c) garbage in a pointer field
    let mut p: serde_json::Value = serde_json::from_slice(&pointer_rb).unwrap();
    p["manifest"] = "../../etc/passwd".into();
    put(&t, POINTER, serde_json::to_vec(&p).unwrap()).await;
    let (ok, text) = run(&["--quick"]);
    assert!(!ok && text.contains("field manifest"), "{text}");
    put(&t, POINTER, pointer_rb).await;

    // d) a page changed at its stable URL: read by default, not with --quick
    let page = "gub/seccion/00003.html";
    let original = stored(&t, page).await.unwrap();
    put(&t, page, Bytes::from_static(b"<h1>otros</h1>")).await;
    let (ok, text) = run(&[]);
    assert!(!ok && text.contains(page), "{text}");
    let (ok, text) = run(&["--quick"]);
    assert!(ok && text.contains("--quick"), "{text}");
    put(&t, page, original).await;

    // b) an unsigned corte after signed ones
    publish(&t, &unsigned(4), &opts(), &Quiet).await.unwrap();
    let (ok, text) = run(&[]);
    assert!(!ok && text.contains("--allow-unsigned"), "{text}");
    let (ok, text) = run(&["--allow-unsigned"]);
    assert!(ok && text.contains("UNSIGNED"), "{text}");

    // e) the old cortes still verify after a rotation, with no --key
    let rotate = Options {
        rotate_key: true,
        ..opts()
    };
    publish(&t, &signed(5, key_b()), &rotate, &Quiet)
        .await
        .unwrap();
    let (ok, text) = run(&["--all", "--allow-unsigned"]);
    assert!(ok, "{text}");
    assert!(
        text.contains(&keys::pem_key(&sign::fingerprint(&key_a().verifying_key()))),
        "{text}"
    );

    // f) the command rolls back to a corte of the old key, and it verifies
    let (ok, text) = corte_on(Some(&b), &["rollback", &url, "--to", &c2.id]);
    assert!(ok, "{text}");
    let (ok, text) = run(&[]);
    assert!(ok && text.contains(&c2.id), "{text}");
}

/// The operator's key rotation, end to end: a publish with a new key fails
/// naming `--rotate-key`, succeeds with it, and every corte still verifies
/// and can be rolled back to without `--key`.
#[test]
fn an_operator_rotates_the_signing_key() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (s1, s2) = (
        crate::publish_cli::snapshot(d, 1),
        crate::publish_cli::snapshot(d, 2),
    );
    let (old, new) = (d.join("vieja.pem"), d.join("nueva.pem"));
    let (old, new) = (old.to_str().unwrap(), new.to_str().unwrap());
    for k in [old, new] {
        let (ok, text) = corte_cmd(&["keygen", "--out", k]);
        assert!(ok, "{text}");
    }
    let site = url::Url::from_directory_path(d.join("site"))
        .unwrap()
        .to_string();
    let (s1, s2) = (s1.to_str().unwrap(), s2.to_str().unwrap());
    let (ok, text) = corte_cmd(&["publish", s1, "--to", &site, "--signing-key", old]);
    assert!(ok, "{text}");
    let (ok, text) = corte_cmd(&["publish", s2, "--to", &site, "--signing-key", new]);
    assert!(!ok && text.contains("--rotate-key"), "{text}");
    let (ok, text) = corte_cmd(&[
        "publish",
        s2,
        "--to",
        &site,
        "--signing-key",
        new,
        "--rotate-key",
    ]);
    assert!(ok && text.contains("published 00002-"), "{text}");
    let (ok, text) = corte_cmd(&["verify", &site, "--all"]);
    assert!(ok && text.ends_with("ok\n"), "{text}");
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.join("site/keys/index.json")).unwrap()).unwrap();
    assert_eq!(index["keys"].as_array().map(Vec::len), Some(2), "{index}");
    assert_follows_schema(&serde_json::to_vec(&index).unwrap());
    let first = {
        let v: serde_json::Value =
            serde_json::from_slice(&std::fs::read(d.join("site/cortes/index.json")).unwrap())
                .unwrap();
        v["cortes"][0]["id"].as_str().unwrap().to_string()
    };
    let (ok, text) = corte_cmd(&["rollback", &site, "--to", &first]);
    assert!(ok, "{text}");
    let (ok, text) = corte_cmd(&["verify", &site]);
    assert!(ok, "{text}");
}

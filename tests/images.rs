//! Acta images end to end, on a `file://` folder and on a real S3-compatible
//! server (moto): two cortes of the repository's example election, with an
//! image folder on disk where some images arrive only between the cortes and
//! one file's bytes do not match its name.
//!
//! Checked: each image is uploaded once (the second corte sends only the new
//! ones), an acta links to its image once it has arrived and says "Imagen en
//! proceso" before, the corrupted file is reported and never published, the
//! manifest lists the images, `verify` reads them and names a tampered one,
//! and re-rendering a corte uses the same images whatever arrived since.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use corte::contract::Snapshot;
use corte::cutover::{HistorySource, Publisher};
use corte::publish::verify::verify;
use corte::publish::{Options, Quiet, Step, Target};
use corte::published::Manifest;
use corte::published::layout::POINTER;
use corte::site::Theme;
use corte::source::images::ImageFolder;
use object_store::{ObjectStoreExt, PutPayload, path::Path as StorePath};

use crate::support::stores::{self, Backend};

fn example(seq: u32) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("site-example/cdmx-2024-ejemplo-{seq:05}"))
}

/// The bytes of an acta's image in this test: anything unique per acta.
fn image_bytes(clave: &str, tipo: &str) -> Vec<u8> {
    let mut b = b"\x89PNG\r\n\x1a\n".to_vec();
    b.extend_from_slice(format!("acta {clave} {tipo}").as_bytes());
    b
}

/// The example corte `seq` with each captured acta's CODIGO_INTEGRIDAD set
/// to the hash of its test image. Returns the snapshot and every image it
/// names, by hash.
fn corte(seq: u32) -> (Snapshot, Vec<(String, Vec<u8>)>) {
    let mut snapshot = corte::source::load(&example(seq)).expect("the example corte loads");
    let mut images = Vec::new();
    for (e, acta) in snapshot
        .actas
        .iter_mut()
        .enumerate()
        .flat_map(|(e, actas)| actas.iter_mut().map(move |a| (e, a)))
    {
        if acta.codigo_integridad.is_none() {
            continue;
        }
        let bytes = image_bytes(&format!("{e}-{}", acta.clave_casilla), &acta.tipo_acta);
        let sha = corte::contract::sha256_hex(&bytes);
        acta.codigo_integridad = Some(sha.clone());
        images.push((sha, bytes));
    }
    images.sort();
    images.dedup();
    (snapshot, images)
}

fn put_image(dir: &Path, sha: &str, bytes: &[u8]) {
    // By rename, as producers must.
    let tmp = dir.join(format!(".{sha}.tmp"));
    std::fs::write(&tmp, bytes).unwrap();
    std::fs::rename(tmp, dir.join(format!("{sha}.png"))).unwrap();
}

fn publisher(target: Target, images: &Path, state: &Path) -> Publisher {
    let options = Options {
        delete_stale: true,
        ..Options::default()
    };
    let history = HistorySource::Folder(state.to_path_buf());
    let images = ImageFolder::new(images).recording(state.join(corte::cutover::IMAGES_RECORD));
    Publisher {
        images: Some(images),
        ..stores::publisher(vec![target], options, history)
    }
}

async fn get(target: &Target, key: &str) -> Option<Bytes> {
    corte::publish::transfer::get(target, key)
        .await
        .unwrap()
        .map(|(b, _)| b)
}

/// A sección page (its key, and its HTML decompressed) of the live stable
/// tree that contains `needle`, found through the live manifest.
async fn page_with(target: &Target, manifest: &Manifest, needle: &str) -> (String, String) {
    for (key, entry) in &manifest.files {
        if !key.contains("/seccion/") || !key.ends_with(".html") {
            continue;
        }
        let stored = get(target, key).await.expect("a listed page is stored");
        let html = match entry.gzip {
            Some(_) => corte::published::gzip::gunzip(&stored).unwrap(),
            None => stored.to_vec(),
        };
        let html = String::from_utf8(html).unwrap();
        if html.contains(needle) {
            return (key.clone(), html);
        }
    }
    panic!("no sección page contains {needle}");
}

/// A plain HTTP/1.1 GET: the head (status line and headers) and the body.
async fn http_get(addr: std::net::SocketAddr, path: &str) -> (String, Vec<u8>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let req = format!("GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).await.unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a complete head");
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    (head, raw[split + 4..].to_vec())
}

async fn live_manifest(target: &Target) -> Manifest {
    let pointer: serde_json::Value =
        serde_json::from_slice(&get(target, POINTER).await.expect("a pointer")).unwrap();
    let key = pointer["manifest"].as_str().unwrap();
    Manifest::from_json(&get(target, key).await.unwrap()).unwrap()
}

async fn images_travel_once_and_are_verified(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (folder, state) = (dir.path().join("imagenes"), dir.path().join("state"));
    std::fs::create_dir_all(&folder).unwrap();
    let target = backend.target("t");
    let publisher = publisher(target.clone(), &folder, &state);
    let (_stop, shutdown) = tokio::sync::watch::channel(false);

    let (first, first_images) = corte(1);
    let (second, second_images) = corte(2);
    assert!(
        first_images.len() > 20,
        "the example corte has actas with images"
    );
    // Every 4th image of corte 1 is late; one file is corrupt: the name of
    // an acta's image, other bytes.
    let late: Vec<&(String, Vec<u8>)> = first_images.iter().step_by(4).collect();
    let corrupt = &first_images[1];
    for (sha, bytes) in &first_images {
        if late.iter().any(|(s, _)| s == sha) {
            continue;
        }
        if sha == &corrupt.0 {
            put_image(&folder, sha, b"not the acta's image");
        } else {
            put_image(&folder, sha, bytes);
        }
    }
    // Files nobody references are left alone.
    put_image(&folder, &"0".repeat(64), b"an image of a later corte");

    let c1 = publisher
        .cutover(Arc::new(first), Arc::new(Quiet), &shutdown)
        .await
        .unwrap();
    let report = c1.targets[0].1.as_ref().expect("corte 1 is published");
    let ready1 = first_images.len() - late.len() - 1;
    let images1 = c1.images.clone().expect("an image summary");
    assert_eq!(images1.ready, ready1);
    assert_eq!(images1.pending, late.len() + 1);
    assert_eq!(images1.rejected.len(), 1, "{:?}", images1.rejected);
    assert!(
        images1.rejected[0].contains(&corrupt.0),
        "{:?}",
        images1.rejected
    );
    assert!(
        images1.rejected[0].contains("SHA-256"),
        "{:?}",
        images1.rejected
    );
    let sent = report.counts(Step::Images);
    assert_eq!(sent.uploaded as usize, ready1, "{sent:?}");
    let bytes1: u64 = first_images
        .iter()
        .filter(|(s, _)| *s != corrupt.0 && !late.iter().any(|(l, _)| l == s))
        .map(|(_, b)| b.len() as u64)
        .sum();
    assert_eq!(sent.uploaded_bytes, bytes1);

    // What is stored, and what is not.
    let (ok_sha, ok_bytes) = first_images
        .iter()
        .find(|(s, _)| *s != corrupt.0 && !late.iter().any(|(l, _)| l == s))
        .unwrap();
    assert_eq!(
        get(&target, &format!("actas/{ok_sha}.png"))
            .await
            .as_deref(),
        Some(ok_bytes.as_slice())
    );
    assert!(
        get(&target, &format!("actas/{}.png", corrupt.0))
            .await
            .is_none()
    );
    assert!(
        get(&target, &format!("actas/{}.png", late[0].0))
            .await
            .is_none()
    );
    assert!(
        get(&target, &format!("actas/{}.png", "0".repeat(64)))
            .await
            .is_none()
    );
    let m1 = live_manifest(&target).await;
    assert_eq!(m1.images.len(), ready1);
    assert_eq!(m1.images[&format!("actas/{ok_sha}.png")].sha256, *ok_sha);
    assert_eq!(
        m1.images[&format!("actas/{ok_sha}.png")].content_type,
        "image/png"
    );

    // Links where the image is, "Imagen en proceso" where it is not.
    let (key, page) = page_with(&target, &m1, &format!("data-imagen=\"{ok_sha}\"")).await;
    let root = "../".repeat(key.matches('/').count());
    assert!(
        page.contains(&format!("href=\"{root}actas/{ok_sha}.png\"")),
        "the link is relative to the site root"
    );
    let needle = format!("data-imagen-en-proceso=\"{}\"", late[0].0);
    let (_, page) = page_with(&target, &m1, &needle).await;
    assert!(page.contains("Imagen en proceso"));
    let needle = format!("data-imagen-en-proceso=\"{}\"", corrupt.0);
    let (_, page) = page_with(&target, &m1, &needle).await;
    assert!(!page.contains(&format!("actas/{}.png", corrupt.0)));

    // The late images arrive, and the corrupt file is replaced by the right bytes.
    for (sha, bytes) in &late {
        put_image(&folder, sha, bytes);
    }
    for (sha, bytes) in &second_images {
        if !first_images.iter().any(|(s, _)| s == sha) {
            put_image(&folder, sha, bytes);
        }
    }
    put_image(&folder, &corrupt.0, &corrupt.1);

    // Corte 1 again (a re-run): the same images, so the same manifest.
    let again = publisher
        .cutover(Arc::new(corte(1).0), Arc::new(Quiet), &shutdown)
        .await
        .unwrap();
    assert_eq!(again.manifest_sha256, c1.manifest_sha256);

    let c2 = publisher
        .cutover(Arc::new(second), Arc::new(Quiet), &shutdown)
        .await
        .unwrap();
    let report = c2.targets[0].1.as_ref().expect("corte 2 is published");
    let sent = report.counts(Step::Images);
    let all2: BTreeSet<&String> = second_images.iter().map(|(s, _)| s).collect();
    assert_eq!(c2.images.as_ref().unwrap().ready, all2.len());
    assert!(c2.images.as_ref().unwrap().rejected.is_empty());
    assert_eq!(
        sent.uploaded as usize,
        all2.len() - ready1,
        "only the new images: {sent:?}"
    );
    assert_eq!(sent.skipped as usize, ready1, "{sent:?}");
    let m2 = live_manifest(&target).await;
    assert_eq!(m2.images.len(), all2.len());
    let (_, page) = page_with(&target, &m2, &format!("data-imagen=\"{}\"", late[0].0)).await;
    assert!(page.contains(&format!("actas/{}.png", late[0].0)));
    assert!(!page.contains(&format!("data-imagen-en-proceso=\"{}\"", late[0].0)));

    // Served as the CDN would: at the root and under a corte tree, where the
    // corte's pages resolve their links.
    let any_port = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    let (addr, server) = corte::serve::start(target.clone(), any_port).await.unwrap();
    let (sha, bytes) = &late[0];
    for path in [
        format!("/actas/{sha}.png"),
        format!("/cortes/{}/actas/{sha}.png", c1.corte_id),
    ] {
        let (head, body) = http_get(addr, &path).await;
        assert!(head.starts_with("HTTP/1.1 200"), "{path}: {head}");
        assert!(
            head.to_ascii_lowercase()
                .contains("content-type: image/png"),
            "{head}"
        );
        assert!(head.contains("immutable"), "{head}");
        assert_eq!(body, *bytes, "{path}");
    }
    let (head, _) = http_get(addr, &format!("/actas/{}.png", "1".repeat(64))).await;
    assert!(head.starts_with("HTTP/1.1 404"), "{head}");
    server.shutdown().await;

    // A difusor's mirror gets every image too, checked on the way.
    let copy = Backend::memory().target("difusor");
    corte::publish::mirror::mirror(&target, &copy, None, true, &Quiet)
        .await
        .unwrap();
    for key in m2.images.keys() {
        assert_eq!(get(&copy, key).await, get(&target, key).await, "{key}");
    }
    let r = verify(&copy, None, None, &Quiet).await.unwrap();
    assert!(r.ok(), "{:?}", r.problems);

    // verify reads every image; a tampered one is named.
    let r = verify(&target, None, None, &Quiet).await.unwrap();
    assert!(r.ok(), "{:?}", r.problems);
    assert!(r.objects as usize >= m2.files.len() + m2.images.len());
    let tampered = format!("actas/{ok_sha}.png");
    target
        .store
        .put(
            &StorePath::from(tampered.as_str()),
            PutPayload::from_static(b"changed"),
        )
        .await
        .unwrap();
    let r = verify(&target, None, None, &Quiet).await.unwrap();
    assert!(!r.ok());
    assert_eq!(r.problems.len(), 1, "{:?}", r.problems);
    assert_eq!(r.problems[0].object, tampered);
    assert!(r.problems[0].what.contains("SHA-256"), "{:?}", r.problems);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn images_on_a_folder() {
    images_travel_once_and_are_verified(Backend::folder()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn images_on_s3() {
    images_travel_once_and_are_verified(Backend::s3()).await;
}

#[test]
fn a_file_changed_after_its_check_is_not_published() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("imagenes");
    std::fs::create_dir_all(&folder).unwrap();
    let (snapshot, images) = corte(1);
    for (sha, bytes) in &images {
        put_image(&folder, sha, bytes);
    }
    let set = ImageFolder::new(&folder).scan(&snapshot).unwrap();
    assert_eq!(set.images.len(), images.len());
    assert_eq!(set.pending, 0);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let target = Backend::memory().target("m");
    let theme = Theme::embedded().unwrap();
    let ruleset = corte::tally::ruleset_of(&snapshot).unwrap();
    let results = corte::tally::tally(&snapshot, &ruleset);
    let history = corte::site::History::default();
    let build = corte::site::render(
        &snapshot,
        &results,
        &corte::site::RenderOptions {
            images: Some(&set),
            ..corte::site::RenderOptions::new(&theme, &history)
        },
    )
    .unwrap();
    let c = corte::publish::Corte::from_build(build, None);
    // An image's bytes change between the check and the upload.
    let (sha, _) = &images[0];
    std::fs::write(folder.join(format!("{sha}.png")), b"swapped").unwrap();
    let err = rt
        .block_on(corte::publish::publish(
            &target,
            &c,
            &Options::default(),
            &Quiet,
        ))
        .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("uploading acta images"), "{text}");
    assert!(text.contains(&format!("{sha}.png")), "{text}");
    assert!(
        rt.block_on(get(&target, POINTER)).is_none(),
        "nothing went live"
    );
}

//! Publishing a Ciudad de México-sized corte to a local S3 server (moto),
//! then the next corte, against `rclone sync` of the same rendered folder to
//! the same server in the same run.
//!
//! ```text
//! cargo bench --bench publish
//! ```
//!
//! Needs moto (see tests/support/moto.rs: CORTE_MOTO_SERVER, PATH or
//! ./.venv/bin) and rclone (`apt-get install rclone`). Knobs:
//! CORTE_BENCH_PAGES (17000), CORTE_BENCH_CONCURRENCY (32),
//! CORTE_BENCH_RCLONE_TRANSFERS (rclone's default 4, then this; default 32),
//! CORTE_BENCH_IMAGES (2000 acta images with corte 3, a tenth more with
//! corte 4) of CORTE_BENCH_IMAGE_KB (150) each, against `rclone sync` of the
//! same image files.

// Shared with the tests by #[path]: a bench uses only part of each.
#[path = "support/cdmx.rs"]
mod cdmx;
#[allow(dead_code)]
#[path = "../tests/support/moto.rs"]
mod moto;
#[allow(dead_code)]
#[path = "../tests/support/synthetic.rs"]
mod synthetic;

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use corte::publish::config::Settings;
use corte::publish::{Corte, Options, Quiet, Report, Step, Target, publish};
use corte::published::CachePolicy;
use rayon::prelude::*;
use synthetic::Shape;

fn env_num(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn mb(n: u64) -> String {
    format!("{:.1} MB", n as f64 / 1e6)
}

fn row(what: &str, objects: u64, bytes: u64, extra: &str, t: Duration) {
    println!(
        "{what:<44} {objects:>7} objects {:>10}  {extra:<26} {:>7.1} s",
        mb(bytes),
        t.as_secs_f64()
    );
}

fn report_row(what: &str, r: &Report) {
    let total = r.total();
    let datasets = r.counts(Step::Datasets);
    row(
        what,
        total.uploaded,
        total.uploaded_bytes,
        &format!("+{} server-side copies", datasets.copied),
        r.elapsed,
    );
    let steps: Vec<String> = r
        .steps
        .iter()
        .map(|(s, _, t)| format!("{} {:.1} s", s.label(), t.as_secs_f64()))
        .collect();
    println!("    {}", steps.join(", "));
}

/// Writes a corte's stored bytes as a plain folder (what `corte render` writes).
fn write_folder(dir: &Path, corte: &corte::site::Build) {
    for a in &corte.artifacts {
        let p = dir.join(&a.key);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("creating a folder");
        }
        let bytes = a.gzip.as_ref().unwrap_or(&a.bytes);
        if std::fs::read(&p).ok().as_deref() != Some(bytes.as_slice()) {
            std::fs::write(&p, bytes).expect("writing a file");
        }
    }
}

fn rclone(dir: &Path, server: &moto::Moto, bucket: &str, transfers: usize) -> Duration {
    let started = Instant::now();
    let out = Command::new("rclone")
        .args(["sync", "--checksum", "--transfers", &transfers.to_string()])
        .arg(dir)
        .arg(format!("bench:{bucket}"))
        .env_remove("AWS_CA_BUNDLE")
        .env("RCLONE_CONFIG_BENCH_TYPE", "s3")
        .env("RCLONE_CONFIG_BENCH_PROVIDER", "Other")
        .env("RCLONE_CONFIG_BENCH_ENDPOINT", server.endpoint())
        .env("RCLONE_CONFIG_BENCH_ACCESS_KEY_ID", "testing")
        .env("RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY", "testing")
        .env("RCLONE_CONFIG_BENCH_REGION", "us-east-1")
        .output()
        .unwrap_or_else(|e| {
            panic!("running rclone: {e}: install it with `apt-get install rclone`")
        });
    assert!(
        out.status.success(),
        "rclone sync failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    started.elapsed()
}

fn main() {
    let pages = env_num("CORTE_BENCH_PAGES", 17_000);
    let concurrency = env_num("CORTE_BENCH_CONCURRENCY", 32);
    let transfers = env_num("CORTE_BENCH_RCLONE_TRANSFERS", 32);
    let shape = Shape {
        pages,
        ..cdmx::shape()
    };
    let started = Instant::now();
    let b1 = synthetic::build(1, &shape);
    let b2 = synthetic::build(2, &shape);
    let files = b1.artifacts.len() as u64;
    let stored: u64 = b1
        .artifacts
        .iter()
        .map(|a| a.gzip.as_ref().map_or(a.bytes.len(), Vec::len) as u64)
        .sum();
    let changed = b2
        .manifest
        .files
        .iter()
        .filter(|(k, e)| b1.manifest.files.get(*k) != Some(*e))
        .count();
    println!(
        "corte of {files} files ({} stored, {changed} changed in the next corte); built in {:.1} s",
        mb(stored),
        started.elapsed().as_secs_f64()
    );

    let server = moto::server();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let settings = Settings {
        concurrency,
        ..Settings::default()
    };
    let bucket = server.new_bucket();
    let target: Target = Target::open(
        &server.target_config(&bucket),
        &settings,
        &CachePolicy::default(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let key = corte::publish::sign::generate().expect("a key");
    let dir = tempfile::tempdir().expect("a temporary folder");
    let site = dir.path().join("site");
    write_folder(&site, &b1);
    let c1 = Arc::new(Corte::from_build(b1.clone(), Some(&key)));
    let c2 = Arc::new(Corte::from_build(b2.clone(), Some(&key)));
    let opts = Options {
        delete_stale: true,
        ..Options::default()
    };

    println!(
        "\n{:<44} {:>15} {:>10}  {:<26} {:>9}",
        "", "uploaded", "bytes", "", "time"
    );
    let r1 = rt
        .block_on(publish(&target, &c1, &opts, &Quiet))
        .unwrap_or_else(|e| panic!("{e}"));
    report_row(
        &format!("corte publish, first corte (concurrency {concurrency})"),
        &r1,
    );
    let r2 = rt
        .block_on(publish(&target, &c2, &opts, &Quiet))
        .unwrap_or_else(|e| panic!("{e}"));
    report_row("corte publish, next corte", &r2);
    let r3 = rt
        .block_on(publish(&target, &c2, &opts, &Quiet))
        .unwrap_or_else(|e| panic!("{e}"));
    report_row("corte publish, same corte again", &r3);

    // Acta images: a batch arriving with corte 3, then a tenth more with corte 4.
    let n_images = env_num("CORTE_BENCH_IMAGES", 2_000);
    let image_kb = env_num("CORTE_BENCH_IMAGE_KB", 150);
    let folder = dir.path().join("imagenes");
    let first_images = image_files(&folder, n_images, image_kb * 1024, 1)
        .unwrap_or_else(|e| panic!("writing images: {e}"));
    let mut more = image_files(&folder, n_images / 10, image_kb * 1024, 2)
        .unwrap_or_else(|e| panic!("writing images: {e}"));
    more.images.extend(first_images.images.clone());
    for (seq, set, what) in [
        (3, &first_images, "corte publish, corte 3 with acta images"),
        (4, &more, "corte publish, corte 4 with a tenth more images"),
    ] {
        let b = with_images(synthetic::build(seq, &shape), set);
        let c = Arc::new(Corte::from_build(b, Some(&key)));
        let r = rt
            .block_on(publish(&target, &c, &opts, &Quiet))
            .unwrap_or_else(|e| panic!("{e}"));
        report_row(what, &r);
        let sent = r.counts(Step::Images);
        let t = r
            .steps
            .iter()
            .find(|(s, _, _)| *s == Step::Images)
            .map_or(Duration::ZERO, |(_, _, t)| *t);
        let secs = t.as_secs_f64().max(1e-9);
        println!(
            "    images: {} uploaded ({}), {} already there; {:.0} images/s, {:.1} MB/s",
            sent.uploaded,
            mb(sent.uploaded_bytes),
            sent.skipped,
            sent.uploaded as f64 / secs,
            sent.uploaded_bytes as f64 / 1e6 / secs
        );
    }
    let bucket = server.new_bucket();
    let only_first = dir.path().join("imagenes-rclone");
    std::fs::create_dir_all(&only_first).expect("a folder");
    for i in first_images.images.values() {
        let to = only_first.join(i.path.file_name().expect("a name"));
        std::fs::hard_link(&i.path, &to)
            .or_else(|_| std::fs::copy(&i.path, &to).map(|_| ()))
            .expect("linking an image");
    }
    let t = rclone(&only_first, server, &bucket, transfers);
    let image_bytes: u64 = first_images.images.values().map(|i| i.size).sum();
    row(
        &format!("rclone sync --checksum, the images (transfers {transfers})"),
        n_images as u64,
        image_bytes,
        &format!(
            "{:.0} images/s",
            n_images as f64 / t.as_secs_f64().max(1e-9)
        ),
        t,
    );

    for t in [4, transfers] {
        let bucket = server.new_bucket();
        write_folder(&site, &b1);
        let first = rclone(&site, server, &bucket, t);
        row(
            &format!("rclone sync --checksum, first (transfers {t})"),
            files,
            stored,
            "",
            first,
        );
        write_folder(&site, &b2);
        let next = rclone(&site, server, &bucket, t);
        let next_bytes: u64 = b2
            .artifacts
            .iter()
            .filter(|a| b1.manifest.files.get(&a.key) != b2.manifest.files.get(&a.key))
            .map(|a| a.gzip.as_ref().map_or(a.bytes.len(), Vec::len) as u64)
            .sum();
        row(
            "rclone sync --checksum, next",
            changed as u64,
            next_bytes,
            "",
            next,
        );
    }
    println!(
        "\ncorte publishes two trees (cortes/<id>/ and the stable root) and the manifest, signature,\npointer, history and feed; rclone syncs one folder with no ordering or atomicity."
    );
}

/// The same corte linking the acta images `images` too (as a render with an
/// image folder does).
fn with_images(
    mut build: corte::site::Build,
    images: &corte::published::images::ImageSet,
) -> corte::site::Build {
    for i in images.images.values() {
        build.manifest.images.insert(i.key(), i.entry());
        build.image_files.insert(i.key(), i.path.clone());
    }
    build.manifest_bytes = build.manifest.to_canonical_json();
    build.manifest_sha256 = corte::contract::sha256_hex(&build.manifest_bytes);
    build
}

/// `n` image files of `bytes` bytes each (incompressible, as JPEGs are) in
/// `dir`, named by their SHA-256, and the set a scan would give for them.
fn image_files(
    dir: &std::path::Path,
    n: usize,
    bytes: usize,
    salt: u64,
) -> std::io::Result<corte::published::images::ImageSet> {
    std::fs::create_dir_all(dir)?;
    let made: Vec<std::io::Result<corte::published::images::Image>> = (0..n)
        .into_par_iter()
        .map(|i| {
            let mut x = (i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ salt;
            let mut data = Vec::with_capacity(bytes + 8);
            data.extend_from_slice(b"\xff\xd8\xff\xe0");
            while data.len() < bytes {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                data.extend_from_slice(&x.to_le_bytes());
            }
            data.truncate(bytes.max(4));
            let sha = corte::contract::sha256_hex(&data);
            let path = dir.join(format!("{sha}.jpg"));
            std::fs::write(&path, &data)?;
            Ok(corte::published::images::Image {
                sha256: sha,
                ext: "jpg".into(),
                size: data.len() as u64,
                path,
            })
        })
        .collect();
    let mut set = corte::published::images::ImageSet::default();
    for i in made {
        let i = i?;
        set.images.insert(i.sha256.clone(), i);
    }
    Ok(set)
}

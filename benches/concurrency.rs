//! How the S3 upload of a corte scales with the publisher's concurrency when
//! every request waits a network round trip, as it does against a bucket in
//! another city, and how that compares with no round trip at all.
//!
//! ```text
//! cargo bench --bench concurrency [-- --rtt-ms 20] [--concurrency 32,64,128,256] [--pages 33600] [--s3-server s3s-fs|moto]
//! ```
//!
//! The corte is synthetic (`tests/support/synthetic.rs`) and shaped like a CDMX
//! corte: 33,600 pages by default, each about 7 KB and stored gzipped
//! (CDMX renders 33,634 files per corte, 2.3 KB stored on average). For
//! every concurrency it is published whole to a fresh bucket, archive objects
//! then stable tree, first with the round trip and then without it. The
//! round trip is a wait added before every call on the target's store
//! (`publish::faults`, as a slow network holds each request's slot). It is
//! not a real network; this sandbox has no `netem`. The run without it is
//! the comparison: what the server and the machine's two cores allow.
//!
//! The server is s3s-fs by default. moto (a few hundred PUTs/s) is the
//! bound of every row there, whatever the concurrency.

// Shared with the tests by #[path]: a bench uses only part of each.
#[path = "support/cdmx.rs"]
mod cdmx;
#[allow(dead_code)]
#[path = "../tests/support/moto.rs"]
mod moto;
#[path = "support/s3_server.rs"]
mod s3_server;
#[allow(dead_code)]
#[path = "../tests/support/synthetic.rs"]
mod synthetic;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use corte::publish::config::Settings;
use corte::publish::faults::{Faults, FaultyStore};
use corte::publish::{Corte, Options, Quiet, Step, Target, publish};
use corte::published::CachePolicy;
use s3_server::S3Server;
use synthetic::Shape;

fn fail(message: &str) -> ! {
    eprintln!("concurrency bench: {message}");
    std::process::exit(1);
}

fn main() {
    let mut rtt_ms: u64 = 20;
    let mut levels: Vec<usize> = vec![32, 64, 128, 256];
    let mut pages: usize = 33_600;
    let mut server_name = "s3s-fs";
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--rtt-ms" => {
                rtt_ms = it
                    .next()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or_else(|| fail("--rtt-ms needs milliseconds"))
            }
            "--concurrency" => {
                levels = it
                    .next()
                    .map(|v| v.split(',').filter_map(|n| n.trim().parse().ok()).collect())
                    .filter(|l: &Vec<usize>| !l.is_empty() && !l.contains(&0))
                    .unwrap_or_else(|| fail("--concurrency needs a list like 32,64,128"))
            }
            "--pages" => {
                pages = it
                    .next()
                    .and_then(|v| v.parse().ok())
                    .filter(|n| *n > 0)
                    .unwrap_or_else(|| fail("--pages needs a number"))
            }
            "--s3-server" => {
                server_name = match it.next().map(String::as_str) {
                    Some("moto") => "moto",
                    Some("s3s-fs") => "s3s-fs",
                    _ => fail("--s3-server needs moto or s3s-fs"),
                }
            }
            "--bench" => {}
            other => fail(&format!(
                "unknown argument `{other}`: cargo bench --bench concurrency -- [--rtt-ms N] [--concurrency 32,64,...] [--pages N] [--s3-server s3s-fs|moto]"
            )),
        }
    }
    let shape = Shape {
        pages,
        page_bytes: 7_000,
        ..cdmx::shape()
    };
    let key = corte::publish::sign::generate().unwrap_or_else(|e| fail(&format!("a key: {e}")));
    let corte = Corte::from_build(synthetic::build(1, &shape), Some(&key));
    let objects = corte.manifest.files.len();
    let stored: u64 = corte
        .manifest
        .files
        .values()
        .map(corte::published::manifest::stored_size)
        .sum();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| fail(&format!("a runtime: {e}")));
    let mut server = S3Server::start(server_name, Path::new(env!("CARGO_MANIFEST_DIR")));
    println!(
        "corte of {objects} files ({:.1} MB stored), written twice (archive objects, stable tree); server {}",
        stored as f64 / 1e6,
        server.name()
    );

    println!(
        "\n{:>11} {:>7} {:>12} {:>12} {:>10} {:>12} {:>16}",
        "concurrency", "rtt", "archive", "stable tree", "both", "objects/s", "vs first row"
    );
    for rtt in [rtt_ms, 0] {
        let mut first: Option<f64> = None;
        for &concurrency in &levels {
            let settings = Settings {
                concurrency,
                ..Settings::default()
            };
            let config = server.target_config();
            let mut target = Target::open(&config, &settings, &CachePolicy::default())
                .unwrap_or_else(|e| fail(&format!("opening {}: {e}", config.url)));
            if rtt > 0 {
                let slow = FaultyStore::new(
                    target.store.clone(),
                    Faults {
                        latency: Duration::from_millis(rtt),
                        ..Faults::default()
                    },
                );
                target.store = Arc::new(slow);
            }
            let started = Instant::now();
            let report = rt
                .block_on(publish(&target, &corte, &Options::default(), &Quiet))
                .unwrap_or_else(|e| fail(&format!("{e}")));
            let whole = started.elapsed().as_secs_f64();
            let step = |s: Step| {
                report
                    .steps
                    .iter()
                    .find(|(k, _, _)| *k == s)
                    .map_or(0.0, |(_, _, d)| d.as_secs_f64())
            };
            let (tree, stable) = (step(Step::Objects), step(Step::StableTree));
            let rate = (2 * objects) as f64 / (tree + stable);
            let base = *first.get_or_insert(rate);
            println!(
                "{concurrency:>11} {:>5} ms {tree:>10.2} s {stable:>10.2} s {whole:>8.2} s {rate:>12.0} {:>15.2}×",
                rtt,
                rate / base
            );
        }
    }
    println!(
        "\nobjects/s = 2 × files / (archive objects + stable tree); \"both\" is the whole publish (pointer and history included).\n\
         The round trip is a wait before each store call, not a network: read the ratios, and see docs/publishing.md."
    );
}

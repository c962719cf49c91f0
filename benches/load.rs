//! Readers' load on the published site, on loopback: a hot sección page and
//! the home page, through the CDN stand-in (Debian's nginx running
//! `publish/nginx-cdn.conf`) and from `corte serve` alone, at 50, 200 and
//! 500 connections, a fixed number of requests each; then the same while
//! cortes are being published to the store.
//!
//! ```text
//! cargo bench --bench load            # CORTE_BENCH_PAGES=2000 CORTE_BENCH_REQUESTS=20000
//! ```
//!
//! The load tool is h2load (Debian's `nghttp2-client`) over HTTP/1.1
//! (`--h1`), one thread, every request with `Accept-Encoding: gzip` (as
//! browsers send it); its per-request log gives the percentiles. The site
//! is a synthetic corte of CDMX's shape (`tests/support/synthetic.rs`,
//! `CORTE_BENCH_PAGES` pages of about 10 KB) in a `file://` store served by
//! `corte serve` in this process (a two-worker runtime), with nginx in front
//! of it on its own port. The nginx cache is warmed with one request per
//! page first: a CDN answers hot pages from its cache, which is the point.
//!
//! "While publishing": a thread publishes cortes 2, 3, … to the store (each
//! changing one page in 25 and the home page, as on election night) for as
//! long as the runs last; the table says how many went live meanwhile.
//!
//! The bench, h2load, nginx and the server share the machine's cores: the
//! figures are a floor for a real CDN edge, and are only comparable with
//! each other.

// Shared with the tests by #[path]: a bench uses only part of each.
#[path = "support/cdmx.rs"]
mod cdmx;
#[allow(dead_code)]
#[path = "../tests/support/http.rs"]
mod http;
#[path = "../tests/support/nginx.rs"]
mod nginx;
#[allow(dead_code)]
#[path = "../tests/support/synthetic.rs"]
mod synthetic;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::Instant;

use corte::publish::{Corte, Options, Quiet, Target, publish};
use corte::serve;

use synthetic::Shape;

const CONNECTIONS: [usize; 3] = [50, 200, 500];
const HOT: &str = "/gub/seccion/00001.html";
const HOME: &str = "/";

fn env_num(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn h2load() -> PathBuf {
    let dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    dirs.into_iter()
        .map(|d| d.join("h2load"))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!("h2load not found: `apt-get install nghttp2-client` (scripts/test installs it)")
        })
}

struct Run {
    requests: usize,
    ok: usize,
    per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
}

/// `requests` GETs of `url` over `connections` connections.
fn load(tool: &Path, url: &str, connections: usize, requests: usize, log: &Path) -> Run {
    // h2load appends to its log.
    let _ = std::fs::remove_file(log);
    let out = Command::new(tool)
        .args(["--h1", "-t", "1"])
        .arg(format!("-c{connections}"))
        .arg(format!("-n{}", requests.max(connections)))
        .args(["-H", "accept-encoding: gzip"])
        .arg(format!("--log-file={}", log.display()))
        .arg(url)
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", tool.display()));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "h2load {url}: {stdout}");
    // "finished in 1.23s, 16260.16 req/s, 4.00MB/s"
    let per_second = stdout
        .lines()
        .find_map(|l| l.strip_prefix("finished in "))
        .and_then(|l| l.split(", ").nth(1))
        .and_then(|r| r.strip_suffix(" req/s"))
        .and_then(|r| r.parse().ok())
        .unwrap_or_else(|| panic!("no req/s in h2load's output:\n{stdout}"));
    let text = std::fs::read_to_string(log).expect("h2load's log");
    let mut micros = Vec::new();
    let mut ok = 0;
    for line in text.lines() {
        let cols: Vec<&str> = line.split('\t').collect();
        let (Some(status), Some(us)) = (cols.get(1), cols.get(2)) else {
            continue;
        };
        if *status == "200" {
            ok += 1;
        }
        if let Ok(us) = us.parse::<u64>() {
            micros.push(us);
        }
    }
    micros.sort_unstable();
    let at = |q: f64| {
        micros
            .get(((micros.len() as f64 * q) as usize).min(micros.len().saturating_sub(1)))
            .map_or(f64::NAN, |us| *us as f64 / 1000.0)
    };
    Run {
        requests: micros.len(),
        ok,
        per_second,
        p50_ms: at(0.50),
        p99_ms: at(0.99),
    }
}

fn publish_one(rt: &tokio::runtime::Runtime, target: &Target, c: &Corte) {
    let opts = Options {
        delete_stale: true,
        ..Options::default()
    };
    rt.block_on(publish(target, c, &opts, &Quiet))
        .unwrap_or_else(|e| panic!("publishing corte {}: {e}", c.id));
}

fn main() {
    let pages = env_num("CORTE_BENCH_PAGES", 2_000);
    let requests = env_num("CORTE_BENCH_REQUESTS", 20_000);
    let tool = h2load();
    let shape = Shape {
        pages,
        ..cdmx::shape()
    };
    let dir = tempfile::tempdir().expect("a folder for the store");
    let url = url::Url::from_directory_path(dir.path())
        .expect("an absolute path")
        .to_string();
    let target = Target::open(
        &corte::publish::config::TargetConfig::from_url(&url),
        &Default::default(),
        &Default::default(),
    )
    .expect("the folder store opens");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let started = Instant::now();
    publish_one(
        &rt,
        &target,
        &Corte::from_build(synthetic::build(1, &shape), None),
    );
    println!(
        "corte 1 of {pages} pages published to {} in {:.1} s",
        dir.path().display(),
        started.elapsed().as_secs_f64()
    );
    let any = SocketAddr::from(([127, 0, 0, 1], 0));
    let (origin, handle) = rt
        .block_on(serve::start(target.clone(), any))
        .expect("corte serve starts");
    let cdn = nginx::Nginx::start(origin, "");
    for page in [HOT, HOME] {
        let r = cdn.get(page, &[("accept-encoding", "gzip")]);
        assert_eq!(r.status, 200, "{page} through nginx: {}", cdn.log());
    }
    let logs = tempfile::tempdir().expect("a folder for h2load's logs");
    let log = logs.path().join("h2load.tsv");

    println!(
        "\n{requests} requests per run, h2load --h1 -t 1, Accept-Encoding: gzip; \
         sección page {HOT}, home page {HOME}\n"
    );
    println!(
        "| server | page | while publishing | connections | requests | 200s | req/s | p50 ms | p99 ms |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    let servers = [("nginx (cached)", cdn.addr), ("corte serve", origin)];
    let table = |publishing: &str| {
        for (name, addr) in servers {
            for (label, page) in [("sección", HOT), ("home", HOME)] {
                for c in CONNECTIONS {
                    let r = load(&tool, &format!("http://{addr}{page}"), c, requests, &log);
                    println!(
                        "| {name} | {label} | {publishing} | {c} | {} | {} | {:.0} | {:.2} | {:.2} |",
                        r.requests, r.ok, r.per_second, r.p50_ms, r.p99_ms
                    );
                }
            }
        }
    };
    table("no");

    // The same while cortes go live one after another.
    let stop = Arc::new(AtomicBool::new(false));
    let published = Arc::new(AtomicU32::new(0));
    let publisher = {
        let (stop, published, target, shape) = (
            stop.clone(),
            published.clone(),
            target.clone(),
            shape.clone(),
        );
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime");
            let mut seq = 2;
            while !stop.load(Ordering::SeqCst) {
                let c = Corte::from_build(synthetic::build(seq, &shape), None);
                publish_one(&rt, &target, &c);
                published.fetch_add(1, Ordering::SeqCst);
                seq += 1;
            }
        })
    };
    let during = Instant::now();
    table("yes");
    stop.store(true, Ordering::SeqCst);
    publisher.join().expect("the publisher thread");
    println!(
        "\n{} cortes went live during the second table ({:.1} s)",
        published.load(Ordering::SeqCst),
        during.elapsed().as_secs_f64()
    );
    drop(cdn);
    rt.block_on(handle.shutdown());
}

//! Election-night lag: from a snapshot's arrival in the inbox to the pointer
//! flip (`latest.json` naming that corte), through the real watcher, at the
//! CDMX and national scales, over a series of cortes.
//!
//! ```text
//! cargo bench --bench lag -- [cdmx|national|all] [--cortes N] [--targets file|s3|both] [--s3-server moto|s3s-fs]
//! ```
//!
//! Per scale:
//! 1. The series (default 6 cortes for CDMX, 3 national, spread over the
//!    24-hour night so that the last is the final, complete one) is generated
//!    once into `target/bench-data/` and reused while the generator's output
//!    version and seed match. Generation is not part of the lag.
//! 2. The in-process [`Watcher`] (the code `corte watch` runs, on the same
//!    multi-thread tokio runtime, with a signing key and the default publish
//!    settings) follows a fresh inbox and publishes to one target.
//! 3. Each snapshot is dropped into the inbox the way the central database
//!    does: its members written into `<inbox>/<name>/`, `corte.json` last by a
//!    rename. The arrival is the moment that rename returns. A second thread
//!    reads `latest.json` through the target's own reader every 100 ms; the
//!    lag is the moment it first names the corte minus the arrival.
//! 4. The next snapshot is dropped only after the watcher has finished the
//!    previous corte (pointer moved, history and stale objects done) and is
//!    idle: on election night cortes come every 15 minutes and each goes live
//!    long before the next one is exported.
//!
//! The same series is published twice in the same command: to a `file://`
//! store on the local disk (the comparison run), then to a local moto S3
//! server. The S3/file ratio shows how much a noisy machine moved the figures.
//!
//! Needs moto (see tests/support/moto.rs: `CORTE_MOTO_SERVER`, `PATH` or
//! `./.venv/bin/moto_server`). Aims: CDMX under 5 s, national under 60 s.
//!
//! `--s3-server s3s-fs` uses s3s-fs instead (a Rust S3 server writing real
//! files, found through `CORTE_S3S_FS` or `PATH`; TECH-NOTES.md says how to
//! install it): moto is one Python process and its ~300 PUTs/s bound the S3
//! figures, where s3s-fs shows what the publisher does against a faster
//! server on the same two cores.

#[path = "../tests/support/moto.rs"]
mod moto;
#[path = "support/s3_server.rs"]
mod s3_server;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use corte::contract::corte::CORTE_FILE;
use corte::cutover::{HistorySource, Publisher};
use corte::generator::{Config, DEFAULT_SEED, Generator, OUTPUT_VERSION, Scale};
use corte::publish::{Options, Progress, Settings, Step, Target, TargetConfig};
use corte::published::CachePolicy;
use corte::site::Theme;
use corte::watch::status::{self, Status};
use corte::watch::{WatchOptions, Watcher};
use s3_server::S3Server;

const POLL: Duration = Duration::from_millis(100);
/// How often a long wait says where the publisher is.
const TELL: Duration = Duration::from_secs(60);
const NIGHT_MINUTES: u32 = 24 * 60;

struct Plan {
    scale: Scale,
    cortes: u32,
    aim: f64,
    timeout: Duration,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut wanted = Vec::new();
    let mut cortes: Option<u32> = None;
    let mut kinds = vec!["file", "s3"];
    let mut s3_server = "moto";
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--cortes" => {
                cortes = it.next().and_then(|n| n.parse().ok()).filter(|n| *n > 0);
                if cortes.is_none() {
                    fail("--cortes needs a number of cortes, at least 1");
                }
            }
            // One target only: `file` needs no S3 server and takes minutes
            // at CDMX scale, where moto takes most of an hour.
            "--targets" => {
                kinds = match it.next().map(String::as_str) {
                    Some("file") => vec!["file"],
                    Some("s3") => vec!["s3"],
                    Some("both") => vec!["file", "s3"],
                    _ => fail("--targets needs file, s3 or both"),
                }
            }
            "--s3-server" => {
                s3_server = match it.next().map(String::as_str) {
                    Some("moto") => "moto",
                    Some("s3s-fs") => "s3s-fs",
                    _ => fail("--s3-server needs moto or s3s-fs"),
                }
            }
            "cdmx" | "national" => wanted.push(a.clone()),
            "all" => wanted.extend(["cdmx".to_string(), "national".to_string()]),
            // What cargo's bench runner passes along.
            "--bench" => {}
            other => fail(&format!(
                "unknown argument `{other}`: cargo bench --bench lag -- [cdmx|national|all] [--cortes N] [--targets file|s3|both] [--s3-server moto|s3s-fs]"
            )),
        }
    }
    if wanted.is_empty() {
        wanted.push("cdmx".into());
    }
    let plans: Vec<Plan> = [
        (Scale::Cdmx, 6, 5.0, Duration::from_secs(600)),
        (Scale::National, 3, 60.0, Duration::from_secs(4 * 3600)),
    ]
    .into_iter()
    .filter(|(s, ..)| wanted.iter().any(|w| w == s.name()))
    .map(|(scale, n, aim, timeout)| Plan {
        scale,
        cortes: cortes.unwrap_or(n),
        aim,
        timeout,
    })
    .collect();

    capture::install();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // Start (and check for) the S3 server before generating anything.
    let mut server = kinds
        .contains(&"s3")
        .then(|| S3Server::start(s3_server, root));
    let mut rows = Vec::new();
    for plan in &plans {
        let series = stage(plan, root);
        println!(
            "\n{}: {} cortes, staged in {}",
            plan.scale.name(),
            series.len(),
            series[0].parent().unwrap_or(root).display()
        );
        let work =
            tempfile::tempdir().unwrap_or_else(|e| fail(&format!("a temporary folder: {e}")));
        let store = work.path().join("store");
        std::fs::create_dir_all(&store).unwrap_or_else(|e| fail(&format!("{e}")));
        let mut runs = Vec::new();
        for &kind in &kinds {
            let config = match &mut server {
                Some(server) if kind == "s3" => server.target_config(),
                _ => TargetConfig::from_url(&format!("file://{}", store.display())),
            };
            let via = match &server {
                Some(server) if kind == "s3" => format!(", {}", server.name()),
                _ => String::new(),
            };
            println!("\n{} → {kind} ({}{via})", plan.scale.name(), config.url);
            let dir = work.path().join(kind);
            let run = run_series(plan, &series, &config, &dir);
            runs.push((kind, run));
        }
        rows.push((plan, runs));
    }
    table(&rows);
}

fn fail(message: &str) -> ! {
    eprintln!("lag bench: {message}");
    std::process::exit(1);
}

/// The scale's series of snapshots on disk, generated if missing.
fn stage(plan: &Plan, root: &Path) -> Vec<PathBuf> {
    let interval = (NIGHT_MINUTES / plan.cortes.saturating_sub(1).max(1)).max(1);
    let config = Config {
        real_data: root.join("..").join("shared").join("data").join("real"),
        interval_minutes: interval,
        ..Config::new(plan.scale, plan.cortes)
    };
    let dir = root.join("target").join("bench-data").join(format!(
        "lag-{}-{}x{}min-seed{}-v{OUTPUT_VERSION}",
        plan.scale.process_id(),
        plan.cortes,
        interval,
        DEFAULT_SEED
    ));
    let t = Instant::now();
    let mut generator = None;
    let mut out = Vec::new();
    for seq in 1..=plan.cortes {
        let name = format!("{}-{seq:05}", plan.scale.process_id());
        let path = dir.join(&name);
        out.push(path.clone());
        if path.join(CORTE_FILE).is_file() {
            continue;
        }
        if generator.is_none() {
            println!(
                "{}: generating {} cortes into {} (not part of the lag)…",
                plan.scale.name(),
                plan.cortes,
                dir.display()
            );
            generator = Some(Generator::new(config.clone()).unwrap_or_else(|e| {
                fail(&format!(
                    "{}: cannot plan the night: {e}",
                    plan.scale.name()
                ))
            }));
        }
        let g = generator.as_ref().expect("just built");
        let snapshot = g
            .snapshot(seq)
            .unwrap_or_else(|e| fail(&format!("corte {seq}: {e}")));
        let partial = dir.join(format!("{name}.partial"));
        let _ = std::fs::remove_dir_all(&partial);
        corte::source::write(&partial, &snapshot)
            .unwrap_or_else(|e| fail(&format!("writing corte {seq}: {e}")));
        std::fs::rename(&partial, &path)
            .unwrap_or_else(|e| fail(&format!("{}: {e}", path.display())));
    }
    if generator.is_some() {
        println!(
            "{}: generated in {:.1} s",
            plan.scale.name(),
            t.elapsed().as_secs_f64()
        );
    }
    out
}

/// Copies a staged snapshot into the inbox as the central database writes
/// one: every member first, `corte.json` last through a temporary name and a
/// rename. Returns the moment of the rename (the arrival).
fn drop_into(inbox: &Path, staged: &Path) -> (Instant, String) {
    let name = staged
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let to = inbox.join(&name);
    copy_members(staged, &to);
    let corte = std::fs::read(staged.join(CORTE_FILE)).unwrap_or_else(|e| fail(&format!("{e}")));
    let tmp = to.join(".corte.json.tmp");
    std::fs::write(&tmp, &corte).unwrap_or_else(|e| fail(&format!("{e}")));
    std::fs::File::open(&tmp)
        .and_then(|f| f.sync_all())
        .unwrap_or_else(|e| fail(&format!("{e}")));
    std::fs::rename(&tmp, to.join(CORTE_FILE)).unwrap_or_else(|e| fail(&format!("{e}")));
    (Instant::now(), name)
}

fn copy_members(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| fail(&format!("{}: {e}", to.display())));
    let entries = std::fs::read_dir(from).unwrap_or_else(|e| fail(&format!("{e}")));
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name();
        if name.to_string_lossy() == CORTE_FILE {
            continue;
        }
        let (src, dst) = (entry.path(), to.join(&name));
        if src.is_dir() {
            copy_members(&src, &dst);
        } else {
            std::fs::copy(&src, &dst)
                .unwrap_or_else(|e| fail(&format!("{} → {}: {e}", src.display(), dst.display())));
        }
    }
}

/// One corte of a run.
struct Measured {
    seq: u32,
    corte: String,
    /// Arrival → `latest.json` names the corte, seen by the reader.
    lag: f64,
    /// The watcher's own figure (status.json: first seen → publish finished).
    watcher_lag: Option<f64>,
    /// Cutover steps from status.json (load, history, tally, render, sign, publish), ms.
    steps: Vec<(String, u64)>,
    /// Publish steps from the publisher's log lines.
    publish: Vec<capture::PublishStep>,
    files: usize,
}

fn run_series(plan: &Plan, series: &[PathBuf], config: &TargetConfig, dir: &Path) -> Vec<Measured> {
    let inbox = dir.join("inbox");
    std::fs::create_dir_all(&inbox).unwrap_or_else(|e| fail(&format!("{e}")));
    let open = || {
        Target::open(config, &Settings::default(), &CachePolicy::default())
            .unwrap_or_else(|e| fail(&format!("opening {}: {e}", config.url)))
    };
    // The runtime `corte watch` builds: multi-thread, one worker per core.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| fail(&format!("a runtime: {e}")));
    let opts = WatchOptions::new(inbox.clone());
    let state = opts.state.clone();
    let key = corte::publish::sign::generate().unwrap_or_else(|e| fail(&format!("a key: {e}")));
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    let progress = Arc::new(Counter::default());
    let running = {
        let _guard = rt.enter();
        let publisher = Publisher {
            targets: vec![open()],
            theme: Theme::embedded().unwrap_or_else(|e| fail(&format!("the theme: {e}"))),
            key: Some(key),
            ruleset: None,
            options: Options {
                delete_stale: true,
                ..Options::default()
            },
            history: HistorySource::Folder(state.clone()),
            images: None,
            confirm: None,
        };
        let watcher = Watcher::new(publisher, opts)
            .unwrap_or_else(|e| fail(&format!("starting the watcher: {e}")))
            .with_progress(progress.clone());
        rt.spawn(watcher.run(shutdown))
    };
    // The reader: its own small runtime and its own connection to the target.
    let reader_rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| fail(&format!("a runtime: {e}")));
    let reader = open();
    let live = |reader_rt: &tokio::runtime::Runtime| {
        reader_rt
            .block_on(corte::publish::pointer::read(&reader))
            .ok()
            .flatten()
            .map(|(p, _)| (p.seq, p.corte))
    };

    let mut out = Vec::new();
    for (i, staged) in series.iter().enumerate() {
        let seq = i as u32 + 1;
        capture::take();
        let (arrived, name) = drop_into(&inbox, staged);
        let mut told = Instant::now();
        let corte = loop {
            if let Some((s, id)) = live(&reader_rt)
                && s == seq
            {
                break id;
            }
            check_attempt(&state, &name);
            if told.elapsed() >= TELL {
                told = Instant::now();
                println!(
                    "      … {:.0} s after arrival: {}",
                    arrived.elapsed().as_secs_f64(),
                    progress.describe()
                );
            }
            if arrived.elapsed() > plan.timeout {
                fail(&format!(
                    "{name} not live after {} s",
                    plan.timeout.as_secs()
                ));
            }
            std::thread::sleep(POLL);
        };
        let lag = arrived.elapsed().as_secs_f64();
        // Let the watcher finish this corte (history, feed, stale objects) and
        // go idle before the next one arrives.
        let status = loop {
            if let Ok(s) = status::read_status(&state)
                && s.state == "idle"
                && s.last_attempt.as_ref().and_then(|a| a.corte.as_deref()) == Some(corte.as_str())
            {
                break s;
            }
            check_attempt(&state, &name);
            if arrived.elapsed() > plan.timeout * 2 {
                fail(&format!("the watcher did not finish {name}"));
            }
            std::thread::sleep(POLL);
        };
        let attempt = status.last_attempt.clone();
        let m = Measured {
            seq,
            corte,
            lag,
            watcher_lag: attempt.as_ref().and_then(|a| a.lag_from_arrival_secs),
            steps: attempt
                .map(|a| a.steps.into_iter().map(|s| (s.step, s.ms)).collect())
                .unwrap_or_default(),
            publish: capture::take(),
            files: capture::files(),
        };
        print_corte(&m);
        out.push(m);
    }
    let _ = stop.send(true);
    match rt.block_on(running) {
        Ok(Ok(())) => {}
        Ok(Err(e)) => fail(&format!("the watcher failed: {e}")),
        Err(e) => fail(&format!("the watcher task: {e}")),
    }
    out
}

/// Where a long publish is, for the reports during long waits.
#[derive(Default)]
struct Counter {
    step: Mutex<(String, u64)>,
    done: AtomicU64,
}

impl Progress for Counter {
    fn begin(&self, _target: &str, step: Step, objects: u64, _bytes: u64) {
        if let Ok(mut s) = self.step.lock() {
            *s = (step.label().to_string(), objects);
        }
        self.done.store(0, Ordering::Relaxed);
    }
    fn advance(&self, _target: &str, _bytes: u64, _transferred: bool) {
        self.done.fetch_add(1, Ordering::Relaxed);
    }
}

impl Counter {
    fn describe(&self) -> String {
        let (step, objects) = self.step.lock().map(|s| s.clone()).unwrap_or_default();
        if step.is_empty() {
            return "loading, tallying or rendering".into();
        }
        format!(
            "{step}: {} of {objects} objects",
            self.done.load(Ordering::Relaxed)
        )
    }
}

/// Fails at once when the watcher refused or could not publish the snapshot.
fn check_attempt(state: &Path, name: &str) {
    let Ok(Status {
        last_attempt: Some(a),
        ..
    }) = status::read_status(state)
    else {
        return;
    };
    if a.snapshot == name && matches!(a.outcome.as_str(), "rejected" | "failed" | "skipped") {
        fail(&format!(
            "the watcher did not publish {name}: {} {}",
            a.outcome,
            a.message.unwrap_or_default()
        ));
    }
}

fn step_ms(m: &Measured, step: &str) -> u64 {
    m.steps
        .iter()
        .filter(|(s, _)| s == step)
        .map(|(_, ms)| *ms)
        .sum()
}

fn secs(ms: u64) -> f64 {
    ms as f64 / 1000.0
}

/// The publish steps up to and including the pointer move, in ms.
fn before_flip(m: &Measured) -> u64 {
    let mut ms = 0;
    for p in &m.publish {
        ms += p.ms;
        if p.step == "moving the pointer" {
            break;
        }
    }
    ms
}

fn print_corte(m: &Measured) {
    let cpu: u64 = ["load", "history", "tally", "render", "sign"]
        .iter()
        .map(|s| step_ms(m, s))
        .sum();
    let upload = before_flip(m);
    let other = (m.lag - secs(cpu) - secs(upload)).max(0.0);
    println!(
        "  corte {:>2} {:<28} lag {:>7.2} s (watcher's own {:>7.2} s) | load {:.2} tally {:.2} render {:.2} sign {:.2} | publish to flip {:.2} | notice+reads {:.2} | after flip {:.2} s",
        m.seq,
        m.corte,
        m.lag,
        m.watcher_lag.unwrap_or(f64::NAN),
        secs(step_ms(m, "load")),
        secs(step_ms(m, "tally")),
        secs(step_ms(m, "render")),
        secs(step_ms(m, "sign")),
        secs(upload),
        other,
        secs(step_ms(m, "publish").saturating_sub(upload)),
    );
    let (objects, bytes) = written(m);
    let steps: Vec<String> = m
        .publish
        .iter()
        .map(|p| {
            format!(
                "{} {:.2} s ({} put, {} copied, {} skipped, {} deleted)",
                p.step,
                secs(p.ms),
                p.uploaded,
                p.copied,
                p.skipped,
                p.deleted
            )
        })
        .collect();
    println!(
        "      {} files rendered; {objects} objects written ({:.1} MB uploaded); {}",
        m.files,
        bytes as f64 / 1e6,
        steps.join("; ")
    );
}

/// Objects written (uploaded or copied server-side) and bytes uploaded.
fn written(m: &Measured) -> (u64, u64) {
    m.publish.iter().fold((0, 0), |(o, b), p| {
        (o + p.uploaded + p.copied, b + p.uploaded_bytes)
    })
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn worst(v: &[f64]) -> f64 {
    v.iter().copied().fold(f64::NAN, f64::max)
}

type Row<'a> = (&'a Plan, Vec<(&'static str, Vec<Measured>)>);

fn table(rows: &[Row]) {
    println!(
        "\n{:<9} {:<6} {:>6} {:>11} {:>10} {:>6} {:>5} {:>18} {:>11}",
        "scale",
        "target",
        "cortes",
        "median lag",
        "worst lag",
        "aim",
        "met?",
        "objects/corte",
        "MB/corte"
    );
    for (plan, runs) in rows {
        let mut medians = BTreeMap::new();
        for (kind, run) in runs {
            let lags: Vec<f64> = run.iter().map(|m| m.lag).collect();
            let (med, w) = (median(lags.clone()), worst(&lags));
            medians.insert(*kind, (med, w));
            let n = run.len().max(1) as f64;
            let (objects, bytes) = run
                .iter()
                .map(written)
                .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
            let met = if *kind == "s3" {
                if w < plan.aim { "yes" } else { "no" }
            } else {
                "-"
            };
            println!(
                "{:<9} {:<6} {:>6} {:>9.2} s {:>8.2} s {:>4} s {:>5} {:>18.0} {:>11.1}",
                plan.scale.name(),
                kind,
                run.len(),
                med,
                w,
                plan.aim,
                met,
                objects as f64 / n,
                bytes as f64 / n / 1e6
            );
        }
        if let (Some(s3), Some(file)) = (medians.get("s3"), medians.get("file")) {
            println!(
                "{:<9} s3/file ratio: median {:.2}×, worst {:.2}×",
                plan.scale.name(),
                s3.0 / file.0,
                s3.1 / file.1
            );
        }
    }
    println!(
        "\nlag = pointer flip seen by a reader polling latest.json every {} ms − rename of corte.json into the inbox;\nthe next corte is dropped only once the watcher is idle again (election night: a corte every 15 minutes).\n\"met?\" compares the worst S3 lag with the aim.",
        POLL.as_millis()
    );
}

/// Collects the publisher's and watcher's structured log lines in memory:
/// the per-step counts and timings of publishing, and warnings (printed).
mod capture {
    use super::*;
    use tracing::field::{Field, Visit};
    use tracing_subscriber::filter::LevelFilter;
    use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
    use tracing_subscriber::util::SubscriberInitExt;

    #[derive(Debug, Clone, Default)]
    pub struct PublishStep {
        pub step: String,
        pub uploaded: u64,
        pub uploaded_bytes: u64,
        pub copied: u64,
        pub skipped: u64,
        pub deleted: u64,
        pub ms: u64,
    }

    #[derive(Default)]
    struct Fields {
        message: String,
        strings: BTreeMap<String, String>,
        numbers: BTreeMap<String, u64>,
    }

    impl Visit for Fields {
        fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
            let v = format!("{value:?}");
            if field.name() == "message" {
                self.message = v;
            } else {
                self.strings.insert(field.name().to_string(), v);
            }
        }
        fn record_str(&mut self, field: &Field, value: &str) {
            if field.name() == "message" {
                self.message = value.to_string();
            } else {
                self.strings
                    .insert(field.name().to_string(), value.to_string());
            }
        }
        fn record_u64(&mut self, field: &Field, value: u64) {
            self.numbers.insert(field.name().to_string(), value);
            self.strings
                .insert(field.name().to_string(), value.to_string());
        }
        fn record_i64(&mut self, field: &Field, value: i64) {
            self.record_u64(field, value.max(0) as u64);
        }
    }

    #[derive(Default)]
    struct Collected {
        steps: Vec<PublishStep>,
        files: usize,
    }

    fn collected() -> &'static Mutex<Collected> {
        static C: OnceLock<Mutex<Collected>> = OnceLock::new();
        C.get_or_init(Default::default)
    }

    struct Capture;

    impl<S: tracing::Subscriber> Layer<S> for Capture {
        fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
            let mut f = Fields::default();
            event.record(&mut f);
            let n = |k: &str| f.numbers.get(k).copied().unwrap_or(0);
            match f.message.as_str() {
                "publish step" => {
                    let step = PublishStep {
                        step: f.strings.get("step").cloned().unwrap_or_default(),
                        uploaded: n("uploaded"),
                        uploaded_bytes: n("uploaded_bytes"),
                        copied: n("copied"),
                        skipped: n("skipped"),
                        deleted: n("deleted"),
                        ms: n("ms"),
                    };
                    if let Ok(mut c) = collected().lock() {
                        c.steps.push(step);
                    }
                }
                "corte live" => {
                    if let Ok(mut c) = collected().lock() {
                        c.files = n("files") as usize;
                    }
                }
                _ => {}
            }
            if *event.metadata().level() <= tracing::Level::WARN {
                eprintln!("  watcher: {} {:?}", f.message, f.strings);
            }
        }
    }

    pub fn install() {
        // INFO and up, as `corte watch` logs by default: no cost for the
        // libraries' debug and trace events.
        let _ = tracing_subscriber::registry()
            .with(Capture.with_filter(LevelFilter::INFO))
            .try_init();
    }

    /// The publish steps logged since the last call.
    pub fn take() -> Vec<PublishStep> {
        collected()
            .lock()
            .map(|mut c| std::mem::take(&mut c.steps))
            .unwrap_or_default()
    }

    /// Files of the last corte that went live.
    pub fn files() -> usize {
        collected().lock().map(|c| c.files).unwrap_or(0)
    }
}

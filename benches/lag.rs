//! Election-night lag at the real cadence: from a snapshot's arrival in the
//! inbox to the pointer flip (`latest.json` naming that corte), through the
//! real watcher, at the CDMX and national scales.
//!
//! ```text
//! cargo bench --bench lag -- [cdmx|national|all] [--targets file|s3|both] [--s3-server s3s-fs|moto]
//! ```
//!
//! Per scale:
//! 1. The night is the generator's own: 97 cortes every 15 minutes from
//!    20:00 to 20:00 (`measure::config`). Its busiest hour is the four
//!    consecutive cortes that bring the most new actas on the arrival curve
//!    (`Generator::counts`). The series published is: the first corte
//!    (everything new), the corte before the busiest hour (a catch-up:
//!    everything since 20:00), the four cortes of the busiest hour, the
//!    corte before the final one (a catch-up) and the final corte. So the
//!    busiest-hour and the final cortes each bring exactly 15 minutes of
//!    actas, as on election night. The snapshots are generated once, in a
//!    child process (`--stage`), into `target/bench-data/` and reused while
//!    the generator's output version and seed match. Generation is not part
//!    of the lag, nor of the peak memory.
//! 2. The in-process [`Watcher`] (the code `corte watch` runs, on the same
//!    multi-thread tokio runtime, with a signing key, a state folder and so
//!    the render cache, and the default publish settings) follows a fresh
//!    inbox and publishes to one target.
//! 3. Each snapshot is dropped into the inbox the way the central database
//!    does: its members written into `<inbox>/<name>/`, `corte.json` last by a
//!    rename. The arrival is the moment that rename returns. The main thread
//!    reads `latest.json` through the target's own reader every 100 ms; the
//!    lag is the moment it first names the corte minus the arrival.
//! 4. The next snapshot is dropped only after the watcher has finished the
//!    previous corte (pointer moved, history and stale objects done) and is
//!    idle: on election night each corte goes live long before the next.
//!
//! Per corte it reports the artifacts rendered (the rest reused from the
//! render cache), objects written, bytes sent, render and publish seconds,
//! the lag, the bench process's peak memory during the corte and the load
//! average. The summary judges the aims on the busiest hour's median lag.
//!
//! `--targets both` (the default) publishes the series to a `file://` store
//! on the local disk, then to a local S3 server: s3s-fs (the default; a Rust
//! server writing real files, found through `CORTE_S3S_FS` or `PATH`;
//! TECH-NOTES.md says how to install it) or moto (`--s3-server moto`; one
//! Python process, a few hundred PUTs/s; see tests/support/moto.rs).
//! Aims: busiest-hour median lag, CDMX under 2 s on `file://` and under 5 s
//! on S3; national under 60 s on S3; the national first corte's render
//! under 30 s and the process under 4 GB.

#[path = "support/measure.rs"]
mod measure;
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
use corte::generator::{Generator, OUTPUT_VERSION, Scale};
use corte::publish::{Options, Progress, Settings, Step, Target, TargetConfig};
use corte::published::CachePolicy;
use corte::site::Theme;
use corte::watch::status::{self, Status};
use corte::watch::{WatchOptions, Watcher};
use s3_server::S3Server;

const POLL: Duration = Duration::from_millis(100);
/// How often a long wait says where the publisher is.
const TELL: Duration = Duration::from_secs(60);
/// Cortes in the busiest hour (15-minute cortes).
const HOUR: u32 = 4;
/// The plan of a staged night, beside its snapshots.
const PLAN_FILE: &str = "plan.txt";

struct Plan {
    scale: Scale,
    /// Busiest-hour median lag aims, by target kind.
    aim_file: Option<f64>,
    aim_s3: f64,
    timeout: Duration,
}

/// Why a corte is in the series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    First,
    CatchUp,
    Busiest,
    Final,
}

impl Role {
    fn label(self) -> &'static str {
        match self {
            Role::First => "first",
            Role::CatchUp => "catch-up",
            Role::Busiest => "busiest",
            Role::Final => "final",
        }
    }

    fn parse(s: &str) -> Option<Role> {
        [Role::First, Role::CatchUp, Role::Busiest, Role::Final]
            .into_iter()
            .find(|r| r.label() == s)
    }
}

/// One snapshot of the series, on disk.
struct Staged {
    seq: u32,
    role: Role,
    /// Actas rows new since the previous corte of the night (seq − 1).
    new_actas: usize,
    path: PathBuf,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--stage") {
        return stage_child(args.get(1).map(String::as_str).unwrap_or(""));
    }
    let mut wanted = Vec::new();
    let mut kinds = vec!["file", "s3"];
    let mut s3_server = "s3s-fs";
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
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
                "unknown argument `{other}`: cargo bench --bench lag -- [cdmx|national|all] [--targets file|s3|both] [--s3-server s3s-fs|moto]"
            )),
        }
    }
    if wanted.is_empty() {
        wanted.push("cdmx".into());
    }
    let plans: Vec<Plan> = [
        (Scale::Cdmx, Some(2.0), 5.0, Duration::from_secs(900)),
        (Scale::National, None, 60.0, Duration::from_secs(4 * 3600)),
    ]
    .into_iter()
    .filter(|(s, ..)| wanted.iter().any(|w| w == s.name()))
    .map(|(scale, aim_file, aim_s3, timeout)| Plan {
        scale,
        aim_file,
        aim_s3,
        timeout,
    })
    .collect();

    capture::install();
    let (root, data) = measure::folders();
    // Start (and check for) the S3 server before generating anything.
    let mut server = kinds
        .contains(&"s3")
        .then(|| S3Server::start(s3_server, root));
    let mut rows = Vec::new();
    for plan in &plans {
        let series = stage(plan.scale, &data);
        println!(
            "\n{}: {} cortes of the 97-corte night ({}), staged in {}",
            plan.scale.name(),
            series.len(),
            series
                .iter()
                .map(|s| format!("{} {}", s.seq, s.role.label()))
                .collect::<Vec<_>>()
                .join(", "),
            series[0].path.parent().unwrap_or(root).display()
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
    table(&rows, server.as_ref().map(S3Server::name));
}

fn fail(message: &str) -> ! {
    eprintln!("lag bench: {message}");
    std::process::exit(1);
}

fn scale_named(name: &str) -> Scale {
    match name {
        "cdmx" => Scale::Cdmx,
        "national" => Scale::National,
        other => fail(&format!("--stage needs cdmx or national, not `{other}`")),
    }
}

/// The folder of a scale's staged night.
fn night_dir(scale: Scale, data: &Path) -> PathBuf {
    let (root, _) = measure::folders();
    let config = measure::config(scale, root);
    data.join(format!(
        "lag-{}-{}x{}min-seed{}-v{OUTPUT_VERSION}",
        scale.process_id(),
        config.cortes,
        config.interval_minutes,
        config.seed
    ))
}

/// The scale's series on disk: staged by a child process (`--stage`) when
/// its plan or a snapshot is missing, so that generating is neither in the
/// lag nor in this process's peak memory.
fn stage(scale: Scale, data: &Path) -> Vec<Staged> {
    let dir = night_dir(scale, data);
    let read = || -> Option<Vec<Staged>> {
        let text = std::fs::read_to_string(dir.join(PLAN_FILE)).ok()?;
        let mut out = Vec::new();
        for line in text.lines() {
            let mut f = line.split_whitespace();
            let seq: u32 = f.next()?.parse().ok()?;
            let role = Role::parse(f.next()?)?;
            let new_actas = f.next()?.parse().ok()?;
            let path = dir.join(format!("{}-{seq:05}", scale.process_id()));
            if !path.join(CORTE_FILE).is_file() {
                return None;
            }
            out.push(Staged {
                seq,
                role,
                new_actas,
                path,
            });
        }
        (!out.is_empty()).then_some(out)
    };
    if let Some(series) = read() {
        return series;
    }
    println!(
        "{}: staging the night into {} (not part of the lag)…",
        scale.name(),
        dir.display()
    );
    let t = Instant::now();
    let said = measure::child(scale.name(), &["--stage".as_ref(), scale.name().as_ref()]);
    print!("{said}");
    println!(
        "{}: staged in {:.1} s",
        scale.name(),
        t.elapsed().as_secs_f64()
    );
    read().unwrap_or_else(|| fail(&format!("{}: the staged plan is unreadable", dir.display())))
}

/// `--stage SCALE`: plans the night, picks the series and writes its
/// snapshots and `plan.txt` (one line per corte: seq, role, new actas).
fn stage_child(scale: &str) {
    let scale = scale_named(scale);
    let (root, data) = measure::folders();
    let dir = night_dir(scale, &data);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| fail(&format!("{}: {e}", dir.display())));
    let generator = Generator::new(measure::config(scale, root))
        .unwrap_or_else(|e| fail(&format!("{}: cannot plan the night: {e}", scale.name())));
    let series = series_of(&generator);
    let mut plan = String::new();
    for &(seq, role, new_actas) in &series {
        let name = generator.snapshot_name(seq);
        let path = dir.join(&name);
        if !path.join(CORTE_FILE).is_file() {
            let snapshot = generator
                .snapshot(seq)
                .unwrap_or_else(|e| fail(&format!("corte {seq}: {e}")));
            let partial = dir.join(format!("{name}.partial"));
            let _ = std::fs::remove_dir_all(&partial);
            corte::source::write(&partial, &snapshot)
                .unwrap_or_else(|e| fail(&format!("writing corte {seq}: {e}")));
            std::fs::rename(&partial, &path)
                .unwrap_or_else(|e| fail(&format!("{}: {e}", path.display())));
        }
        println!(
            "  corte {seq:>2} ({}): {new_actas} new actas rows",
            role.label()
        );
        plan.push_str(&format!("{seq} {} {new_actas}\n", role.label()));
    }
    let tmp = dir.join(format!("{PLAN_FILE}.tmp"));
    std::fs::write(&tmp, plan)
        .and_then(|()| std::fs::rename(&tmp, dir.join(PLAN_FILE)))
        .unwrap_or_else(|e| fail(&format!("{}: {e}", dir.display())));
}

/// The series of a night: first, catch-up, the busiest hour, catch-up,
/// final; each with its new actas rows since the night's previous corte.
fn series_of(g: &Generator) -> Vec<(u32, Role, usize)> {
    let n = g.cortes();
    let total = |seq: u32| -> usize {
        if seq == 0 {
            return 0;
        }
        g.counts(seq).iter().map(|c| c.registradas).sum()
    };
    let totals: Vec<usize> = (0..=n).map(total).collect();
    let new = |seq: u32| totals[seq as usize] - totals[seq as usize - 1];
    // The hour s..s+3 brings totals[s+3] − totals[s−1]; the first corte is
    // never in it (it is measured on its own), the earliest hour wins a tie.
    let last_start = n.saturating_sub(HOUR).max(2);
    let start = (2..=last_start)
        .max_by_key(|&s| {
            let end = (s + HOUR - 1).min(n);
            (
                totals[end as usize] - totals[s as usize - 1],
                std::cmp::Reverse(s),
            )
        })
        .unwrap_or(2);
    let end = (start + HOUR - 1).min(n);
    let mut out = vec![(1, Role::First)];
    if start > 2 {
        out.push((start - 1, Role::CatchUp));
    }
    out.extend((start..=end).map(|s| (s, Role::Busiest)));
    if end + 1 < n {
        out.push((n - 1, Role::CatchUp));
    }
    if end < n {
        out.push((n, Role::Final));
    }
    out.into_iter().map(|(s, r)| (s, r, new(s))).collect()
}

/// The 1-minute load average, from /proc/loadavg.
fn load_average() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(f64::NAN)
}

/// Resets this process's peak resident memory (VmHWM), so the next read is
/// the peak of what follows (Linux: `5` into clear_refs).
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
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
    role: Role,
    new_actas: usize,
    corte: String,
    /// Arrival → `latest.json` names the corte, seen by the reader.
    lag: f64,
    /// The watcher's own figure (status.json: first seen → publish finished).
    watcher_lag: Option<f64>,
    /// Cutover steps from status.json (load, history, tally, render, sign, publish), ms.
    steps: Vec<(String, u64)>,
    /// Publish steps from the publisher's log lines.
    publish: Vec<capture::PublishStep>,
    /// Artifacts rendered, reused from the render cache, and in the manifest.
    made: usize,
    reused: usize,
    files: usize,
    /// This process's peak resident memory during the corte, MB.
    peak_mb: f64,
    /// The 1-minute load average when the corte went live.
    load: f64,
}

fn run_series(plan: &Plan, series: &[Staged], config: &TargetConfig, dir: &Path) -> Vec<Measured> {
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
    for staged in series {
        let seq = staged.seq;
        capture::take();
        reset_peak();
        let (arrived, name) = drop_into(&inbox, &staged.path);
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
        let load = load_average();
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
        let rendered = capture::rendered();
        let m = Measured {
            seq,
            role: staged.role,
            new_actas: staged.new_actas,
            corte,
            lag,
            watcher_lag: attempt.as_ref().and_then(|a| a.lag_from_arrival_secs),
            steps: attempt
                .map(|a| a.steps.into_iter().map(|s| (s.step, s.ms)).collect())
                .unwrap_or_default(),
            publish: capture::take(),
            made: rendered.0,
            reused: rendered.1,
            files: rendered.2,
            peak_mb: measure::vm_hwm_kb() as f64 / 1024.0,
            load,
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

/// The publish steps up to and including the pointer move, in ms. The
/// archive objects written while rendering are logged after the publish
/// (their time is inside the render step), so they are not counted here.
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
    let (objects, bytes) = written(m);
    println!(
        "  corte {:>2} {:<9} {:<26} lag {:>7.2} s (watcher's own {:>7.2} s) | {} new actas | rendered {} of {} (reused {}) | {objects} objects, {:.1} MB | load {:.2} history {:.2} tally {:.2} render {:.2} sign {:.2} publish {:.2} (to flip {:.2}) | notice+reads {:.2} | peak {:.0} MB | loadavg {:.2}",
        m.seq,
        m.role.label(),
        m.corte,
        m.lag,
        m.watcher_lag.unwrap_or(f64::NAN),
        m.new_actas,
        m.made,
        m.files,
        m.reused,
        bytes as f64 / 1e6,
        secs(step_ms(m, "load")),
        secs(step_ms(m, "history")),
        secs(step_ms(m, "tally")),
        secs(step_ms(m, "render")),
        secs(step_ms(m, "sign")),
        secs(step_ms(m, "publish")),
        secs(upload),
        other,
        m.peak_mb,
        m.load,
    );
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
    println!("      {}", steps.join("; "));
}

/// Objects written (uploaded or copied server-side) and bytes uploaded, in
/// every step (the archive objects written while rendering included).
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

fn table(rows: &[Row], s3_server: Option<&str>) {
    println!("\nPer corte (markdown):\n");
    println!(
        "| scale | target | corte | role | new actas | rendered / reused | objects written | MB sent | render s | publish s | lag s | peak MB | load avg |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for (plan, runs) in rows {
        for (kind, run) in runs {
            let target = target_name(kind, s3_server);
            for m in run {
                let (objects, bytes) = written(m);
                println!(
                    "| {} | {target} | {} | {} | {} | {} / {} | {objects} | {:.1} | {:.2} | {:.2} | {:.2} | {:.0} | {:.2} |",
                    plan.scale.name(),
                    m.seq,
                    m.role.label(),
                    m.new_actas,
                    m.made,
                    m.reused,
                    bytes as f64 / 1e6,
                    secs(step_ms(m, "render")),
                    secs(step_ms(m, "publish")),
                    m.lag,
                    m.peak_mb,
                    m.load,
                );
            }
        }
    }
    println!("\nSummary (the aims are on the busiest hour's median lag):\n");
    println!(
        "| scale | target | busiest-hour median lag | worst | aim | met? | first corte: render s, lag s, peak MB | final corte lag |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for (plan, runs) in rows {
        for (kind, run) in runs {
            let lags: Vec<f64> = run
                .iter()
                .filter(|m| m.role == Role::Busiest)
                .map(|m| m.lag)
                .collect();
            let (med, w) = (median(lags.clone()), worst(&lags));
            let aim = if *kind == "s3" {
                Some(plan.aim_s3)
            } else {
                plan.aim_file
            };
            let (aim, met) = match aim {
                Some(a) => (format!("{a} s"), if med < a { "yes" } else { "**no**" }),
                None => ("—".to_string(), "—"),
            };
            let first = run.iter().find(|m| m.role == Role::First);
            let last = run.iter().find(|m| m.role == Role::Final);
            println!(
                "| {} | {} | {med:.2} s | {w:.2} s | {aim} | {met} | {} | {} |",
                plan.scale.name(),
                target_name(kind, s3_server),
                first.map_or("—".into(), |m| format!(
                    "{:.2} s, {:.2} s, {:.0} MB",
                    secs(step_ms(m, "render")),
                    m.lag,
                    m.peak_mb
                )),
                last.map_or("—".into(), |m| format!("{:.2} s", m.lag)),
            );
        }
    }
    println!(
        "\nlag = pointer flip seen by a reader polling latest.json every {} ms − rename of corte.json into the inbox;\nthe next corte is dropped only once the watcher is idle again. \"render s\" includes writing the new\narchive objects, which overlaps the render; \"publish s\" is the rest, to the history and stale deletions.",
        POLL.as_millis()
    );
}

fn target_name(kind: &str, s3_server: Option<&str>) -> String {
    match (kind, s3_server) {
        ("s3", Some(server)) => format!("S3 ({server})"),
        _ => "file://".to_string(),
    }
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
        /// The last "rendered" line: made, reused, files.
        rendered: (usize, usize, usize),
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
                "rendered" => {
                    if let Ok(mut c) = collected().lock() {
                        c.rendered = (
                            n("made") as usize,
                            n("reused") as usize,
                            n("files") as usize,
                        );
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

    /// Artifacts of the last render: made, reused from the cache, in all.
    pub fn rendered() -> (usize, usize, usize) {
        collected().lock().map(|c| c.rendered).unwrap_or_default()
    }
}

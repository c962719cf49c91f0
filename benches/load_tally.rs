//! Load + tally of a final corte at the CDMX and national scales.
//!
//! `cargo bench --bench load_tally [cdmx] [national]`
//!
//! Generates each scale's final snapshot once into `target/bench-data/`
//! (reused while the generator's output version and seed match), then, in a
//! child process per scale so that peak memory is the scale's own, loads and
//! tallies it `CORTE_BENCH_RUNS` times (default 3) and prints the medians, the
//! peak resident memory (VmHWM) and a breakdown of where loading goes.
//! `CORTE_BENCH_BREAKDOWN=0` skips the breakdown (for profiling the child:
//! `perf record … load_tally-<hash> --child <snapshot> 1`).
//! The aim: the national scale under 5 s and 2 GB.

#[path = "support/measure.rs"]
mod measure;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use corte::contract::{CorteMeta, Snapshot, acta, corte::CORTE_FILE};
use corte::generator::Scale;

/// A night of 24 hours at 15-minute cortes; only the last one is written.
const AIM_SECONDS: f64 = 5.0;
const AIM_MB: f64 = 2048.0;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--child") {
        return child(&args[1..]);
    }
    let wanted: Vec<&str> = args
        .iter()
        .map(String::as_str)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let runs = measure::runs(3);
    let mut rows = Vec::new();
    for scale in [Scale::Cdmx, Scale::National] {
        if !wanted.is_empty() && !wanted.contains(&scale.name()) {
            continue;
        }
        let path = measure::final_corte(scale);
        if let Some(row) = measure::in_child(scale, &path, runs) {
            rows.push((scale, size_mb(&path), row.to_string()));
        }
    }
    table(&rows, runs);
}

fn size_mb(path: &Path) -> f64 {
    let mut total = 0u64;
    for dir in [path.to_path_buf(), path.join("actas")] {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            total += entry.metadata().map(|m| m.len()).unwrap_or(0);
        }
    }
    total as f64 / 1e6
}

fn table(rows: &[(Scale, f64, String)], runs: usize) {
    println!();
    println!("load + tally of the final corte, median of {runs} runs (CPU s: all threads)");
    println!(
        "| scale    | casillas | actas rows | snapshot MB | load s | tally s | load+tally s | CPU s | peak MB | aim (<{AIM_SECONDS} s, <{AIM_MB} MB) |"
    );
    println!(
        "|----------|---------:|-----------:|------------:|-------:|--------:|-------------:|------:|--------:|------|"
    );
    for (scale, mb, row) in rows {
        let f: Vec<f64> = row
            .split_whitespace()
            .filter_map(|x| x.parse().ok())
            .collect();
        let [load, tally, total, cpu, peak_kb, casillas, actas] = f[..] else {
            continue;
        };
        let peak = peak_kb / 1024.0;
        let aim = if total < AIM_SECONDS && peak < AIM_MB {
            "met"
        } else {
            "MISSED"
        };
        println!(
            "| {:<8} | {casillas:>8} | {actas:>10} | {mb:>11.1} | {load:>6.2} | {tally:>7.2} | {total:>12.2} | {cpu:>5.2} | {peak:>7.0} | {aim} |",
            scale.name()
        );
    }
}

/// Runs in its own process: measures, then prints `RESULT load tally total
/// cpu peak_kb casillas actas` and indented breakdown lines.
fn child(args: &[String]) {
    let path = PathBuf::from(args.first().cloned().unwrap_or_default());
    let runs: usize = args.get(1).and_then(|r| r.parse().ok()).unwrap_or(3);
    let mut load = Vec::new();
    let mut tally = Vec::new();
    let mut cpu = Vec::new();
    let mut sizes = (0, 0);
    for _ in 0..runs {
        let cpu_before = cpu_time();
        let t = Instant::now();
        let snapshot = corte::source::load(&path).unwrap_or_else(|e| {
            eprintln!("{e}");
            std::process::exit(1)
        });
        load.push(t.elapsed());
        let t = Instant::now();
        let ruleset = corte::tally::ruleset_of(&snapshot).unwrap_or_else(|e| {
            eprintln!("{e}");
            std::process::exit(1)
        });
        let results = corte::tally::tally(&snapshot, &ruleset);
        tally.push(t.elapsed());
        cpu.push(cpu_time().saturating_sub(cpu_before));
        sizes = (
            snapshot.catalog.casillas.len(),
            snapshot.actas.iter().map(Vec::len).sum::<usize>(),
        );
        drop(results);
        drop(snapshot);
    }
    let total: Vec<Duration> = load.iter().zip(&tally).map(|(a, b)| *a + *b).collect();
    let peak_kb = measure::vm_hwm_kb();
    if std::env::var("CORTE_BENCH_BREAKDOWN").as_deref() != Ok("0") {
        breakdown(&path);
    }
    println!(
        "RESULT {:.3} {:.3} {:.3} {:.3} {peak_kb} {} {}",
        median(&load),
        median(&tally),
        median(&total),
        median(&cpu),
        sizes.0,
        sizes.1
    );
}

/// Where loading goes: the steps of `source::load`, timed one by one with the
/// same public functions it calls (one run, after the measured ones).
fn breakdown(path: &Path) {
    let step =
        |name: &str, t: Instant| println!("  {name:<28} {:>7.3} s", t.elapsed().as_secs_f64());
    let t = Instant::now();
    let corte_bytes = std::fs::read(path.join(CORTE_FILE)).unwrap_or_default();
    let Ok(meta) = CorteMeta::from_json(&corte_bytes) else {
        return;
    };
    let mut actas: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut catalog_bytes = Vec::new();
    for m in &meta.members {
        let bytes = std::fs::read(path.join(&m.path)).unwrap_or_default();
        match corte::contract::corte::member_election(&m.path) {
            Ok(Some(election)) => {
                actas.insert(election.to_string(), bytes);
            }
            _ => catalog_bytes = bytes,
        }
    }
    step("read files", t);
    let t = Instant::now();
    for bytes in actas.values().chain([&catalog_bytes]) {
        std::hint::black_box(corte::contract::sha256_hex(bytes));
    }
    step("sha256 (one thread)", t);
    let t = Instant::now();
    let Ok(catalog) = corte::contract::parse_catalog(&catalog_bytes) else {
        return;
    };
    step("parse catalog.json", t);
    let t = Instant::now();
    let Ok(index) = catalog.index() else {
        return;
    };
    step("Catalog::index", t);
    for (e, election) in catalog.elections.iter().enumerate() {
        let file = format!("actas/{}.csv", election.id);
        let t = Instant::now();
        if let Some(bytes) = actas.get(&election.id) {
            let _ = std::hint::black_box(acta::parse_actas(&file, bytes, &catalog, &index, e));
        }
        step(&format!("parse_actas {} (one thread)", election.id), t);
    }
    drop((catalog, index));
    let t = Instant::now();
    let snapshot: Result<Snapshot, _> = Snapshot::from_members(meta, &catalog_bytes, &actas);
    step("Snapshot::from_members", t);
    drop(snapshot);
}

fn median(xs: &[Duration]) -> f64 {
    let mut v: Vec<f64> = xs.iter().map(Duration::as_secs_f64).collect();
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// CPU time of the whole process (every thread), user plus system, from
/// `/proc/self/stat` (clock ticks of 1/100 s). On a shared machine this says
/// more than wall time: wall ≈ CPU / cores when nothing else runs.
fn cpu_time() -> Duration {
    let ticks = std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            // Fields after the command name, which is in parentheses.
            let rest = s.rsplit_once(')')?.1;
            let f: Vec<&str> = rest.split_whitespace().collect();
            Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
        })
        .unwrap_or(0);
    Duration::from_millis(ticks * 10)
}

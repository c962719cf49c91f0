//! Rendering a whole corte at the CDMX and national scales.
//!
//! `cargo bench --bench render -- [cdmx|national|all]` (default `all`)
//!
//! Generates each scale's final snapshot once into `target/bench-data/` (the
//! same files `benches/load_tally.rs` uses, reused while the generator's
//! output version and seed match). Then, in a child process per scale so that
//! its peak memory (VmHWM) is its own, it
//! 1. loads and tallies the snapshot (`source::load` + `tally::tally`): the
//!    comparison run, measured in the same process and the same minute;
//! 2. renders the whole corte with the built-in theme (`site::render`: pages,
//!    charts, datasets, JSON API, hashes, gzip copies, manifest);
//! 3. writes it to a temporary folder (every artifact, its gzip copy as
//!    `<key>.gz`, and `manifest.json`), then deletes the folder.
//!
//! It prints pages, artifacts, bytes, render and write time, pages per second,
//! peak memory, and render time over load+tally time. `CORTE_BENCH_RUNS`
//! (default 1) repeats steps 1–3 and reports medians.
//! Aims: CDMX under 2 s, national under 30 s (render + write), both under 4 GB.

#[path = "support/measure.rs"]
mod measure;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use corte::generator::Scale;
use corte::site::{Build, History, RenderOptions, Theme};

/// A night of 24 hours at 15-minute cortes; only the last one is rendered
/// (the same snapshot as `benches/load_tally.rs`).
const AIM_MB: f64 = 4096.0;

fn aim_seconds(scale: Scale) -> f64 {
    match scale {
        Scale::National => 30.0,
        _ => 2.0,
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--child") {
        return child(&args[1..]);
    }
    // `cargo bench` passes `--bench`; anything not a flag names scales.
    let wanted: Vec<&str> = args
        .iter()
        .map(String::as_str)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let all = wanted.is_empty() || wanted.contains(&"all");
    if let Some(unknown) = wanted
        .iter()
        .find(|w| !["all", "cdmx", "national"].contains(w))
    {
        eprintln!("unknown scale `{unknown}`: use cdmx, national or all");
        std::process::exit(2);
    }
    let runs = measure::runs(1);
    let mut rows = Vec::new();
    for scale in [Scale::Cdmx, Scale::National] {
        if !all && !wanted.contains(&scale.name()) {
            continue;
        }
        let path = measure::final_corte(scale);
        if let Some(row) = measure::in_child(scale, &path, runs) {
            rows.push((scale, row.to_string()));
        }
    }
    table(&rows, runs);
}

/// One measured run, in the child.
struct Run {
    load_tally: Duration,
    render: Duration,
    write: Duration,
}

/// What the child prints after `RESULT`, space-separated, in this order.
const FIELDS: [&str; 11] = [
    "casillas",
    "pages",
    "artifacts",
    "bytes",
    "gzip_bytes",
    "load_tally_s",
    "render_s",
    "write_s",
    "peak_kb_after_tally",
    "peak_kb",
    "cpu_s",
];

/// Runs in its own process: measures, then prints `RESULT` and the [`FIELDS`].
fn child(args: &[String]) {
    let path = PathBuf::from(args.first().cloned().unwrap_or_default());
    let runs: usize = args.get(1).and_then(|r| r.parse().ok()).unwrap_or(1);
    let fail = |what: &str, e: &dyn std::fmt::Display| -> ! {
        eprintln!("{what}: {e}");
        std::process::exit(1)
    };
    let theme = Theme::embedded().unwrap_or_else(|e| fail("the built-in theme", &e));
    let history = History::default();
    let out_root = std::env::temp_dir().join(format!("corte-bench-render-{}", std::process::id()));
    let mut measured = Vec::new();
    let mut sizes = (0, 0, 0, 0u64, 0u64);
    let mut peak_after_tally = 0;
    let cpu_before = cpu_time();
    for _ in 0..runs {
        let t = Instant::now();
        let snapshot = corte::source::load(&path).unwrap_or_else(|e| fail("load", &e));
        let ruleset = corte::tally::ruleset_of(&snapshot).unwrap_or_else(|e| fail("ruleset", &e));
        let results = corte::tally::tally(&snapshot, &ruleset);
        let load_tally = t.elapsed();
        peak_after_tally = peak_after_tally.max(measure::vm_hwm_kb());
        let t = Instant::now();
        let opts = RenderOptions::new(&theme, &history);
        let build =
            corte::site::render(&snapshot, &results, &opts).unwrap_or_else(|e| fail("render", &e));
        let render = t.elapsed();
        let t = Instant::now();
        write_build(&out_root, &build).unwrap_or_else(|e| fail("write", &e));
        let write = t.elapsed();
        let _ = std::fs::remove_dir_all(&out_root);
        sizes = (
            snapshot.catalog.casillas.len(),
            build
                .artifacts
                .iter()
                .filter(|a| a.key.ends_with(".html"))
                .count(),
            build.artifacts.len() + 1,
            build
                .artifacts
                .iter()
                .map(|a| a.bytes.len() as u64)
                .sum::<u64>()
                + build.manifest_bytes.len() as u64,
            build
                .artifacts
                .iter()
                .filter_map(|a| a.gzip.as_ref())
                .map(|g| g.len() as u64)
                .sum::<u64>(),
        );
        measured.push(Run {
            load_tally,
            render,
            write,
        });
    }
    let cpu = cpu_time().saturating_sub(cpu_before).as_secs_f64() / runs as f64;
    let median = |f: fn(&Run) -> Duration| {
        let mut v: Vec<f64> = measured.iter().map(|r| f(r).as_secs_f64()).collect();
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    println!(
        "RESULT {} {} {} {} {} {:.3} {:.3} {:.3} {peak_after_tally} {} {cpu:.2}",
        sizes.0,
        sizes.1,
        sizes.2,
        sizes.3,
        sizes.4,
        median(|r| r.load_tally),
        median(|r| r.render),
        median(|r| r.write),
        measure::vm_hwm_kb(),
    );
}

/// Every artifact at `out/<key>`, its gzip copy at `out/<key>.gz`, then
/// `manifest.json`: what a local publish of the corte writes.
fn write_build(out: &Path, build: &Build) -> std::io::Result<()> {
    use rayon::prelude::*;
    let folders: BTreeSet<&str> = build
        .artifacts
        .iter()
        .filter_map(|a| a.key.rsplit_once('/').map(|(dir, _)| dir))
        .collect();
    std::fs::create_dir_all(out)?;
    for dir in folders {
        std::fs::create_dir_all(out.join(dir))?;
    }
    build.artifacts.par_iter().try_for_each(|a| {
        std::fs::write(out.join(&a.key), &a.bytes)?;
        match &a.gzip {
            Some(gz) => std::fs::write(out.join(format!("{}.gz", a.key)), gz),
            None => Ok(()),
        }
    })?;
    std::fs::write(
        out.join(corte::published::layout::MANIFEST),
        &build.manifest_bytes,
    )
}

fn table(rows: &[(Scale, String)], runs: usize) {
    println!();
    println!(
        "whole corte render (final snapshot), median of {runs} run(s); \
         CPU s: all threads, whole run including load+tally"
    );
    println!(
        "| scale    | casillas | pages   | artifacts | MB (gzip MB) | load+tally s | render s | write s | pages/s | render/tally | CPU s | peak MB (after tally) | aim |"
    );
    println!(
        "|----------|---------:|--------:|----------:|-------------:|-------------:|---------:|--------:|--------:|-------------:|------:|----------------------:|-----|"
    );
    for (scale, row) in rows {
        let f: Vec<f64> = row
            .split_whitespace()
            .filter_map(|x| x.parse().ok())
            .collect();
        if f.len() != FIELDS.len() {
            continue;
        }
        let [
            casillas,
            pages,
            artifacts,
            bytes,
            gzip,
            tally,
            render,
            write,
            peak_tally,
            peak,
            cpu,
        ] = f[..]
        else {
            continue;
        };
        let (peak, peak_tally) = (peak / 1024.0, peak_tally / 1024.0);
        let aim_s = aim_seconds(*scale);
        let aim = if render + write < aim_s && peak < AIM_MB {
            format!("met (<{aim_s} s, <{AIM_MB} MB)")
        } else {
            format!("MISSED (<{aim_s} s, <{AIM_MB} MB)")
        };
        println!(
            "| {:<8} | {casillas:>8} | {pages:>7} | {artifacts:>9} | {:>6.0} ({:>4.0}) | {tally:>12.2} | {render:>8.2} | {write:>7.2} | {:>7.0} | {:>12.1} | {cpu:>5.1} | {peak:>7.0} ({peak_tally:.0}) | {aim} |",
            scale.name(),
            bytes / 1e6,
            gzip / 1e6,
            pages / render,
            render / tally,
        );
    }
}

/// CPU time of the whole process (every thread), user plus system, from
/// `/proc/self/stat` (clock ticks of 1/100 s).
fn cpu_time() -> Duration {
    let ticks = std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            let rest = s.rsplit_once(')')?.1;
            let f: Vec<&str> = rest.split_whitespace().collect();
            Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
        })
        .unwrap_or(0);
    Duration::from_millis(ticks * 10)
}

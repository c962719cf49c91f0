//! What the benches that measure in a child process share (load_tally,
//! render, database): the final corte of a generated night, written once as
//! a snapshot folder under `target/bench-data/` and reused; running the
//! bench's own binary as the measuring child; the child's peak memory.

#![allow(dead_code)] // each bench uses part of it

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use corte::contract::corte::CORTE_FILE;
use corte::generator::{Config, Generator, OUTPUT_VERSION, Scale};

/// The night's length: 97 cortes, every 15 minutes from 20:00 to 20:00.
pub const CORTES: u32 = 97;

/// The generator's configuration for `scale`, over the real files beside
/// the repository.
pub fn config(scale: Scale, root: &Path) -> Config {
    Config {
        real_data: root.join("..").join("shared").join("data").join("real"),
        ..Config::new(scale, CORTES)
    }
}

/// The folder name of the scale's final corte (seed and generator
/// version in it, so a changed generator never reuses a stale one).
pub fn name(scale: Scale, config: &Config) -> String {
    format!(
        "{}-final-seed{}-v{OUTPUT_VERSION}",
        scale.process_id(),
        config.seed
    )
}

/// The scale's final snapshot on disk, generated if missing.
pub fn ensure(scale: Scale, root: &Path, data: &Path) -> Result<PathBuf, String> {
    let config = config(scale, root);
    let name = name(scale, &config);
    let path = data.join(&name);
    if path.join(CORTE_FILE).is_file() {
        println!("{}: reusing {}", scale.name(), path.display());
        return Ok(path);
    }
    let t = Instant::now();
    let generator = Generator::new(config).map_err(|e| e.to_string())?;
    let snapshot = generator
        .snapshot(generator.cortes())
        .map_err(|e| e.to_string())?;
    let partial = data.join(format!("{name}.partial"));
    let _ = std::fs::remove_dir_all(&partial);
    corte::source::write(&partial, &snapshot).map_err(|e| e.to_string())?;
    std::fs::rename(&partial, &path).map_err(|e| format!("{}: {e}", path.display()))?;
    println!(
        "{}: generated {} in {:.1} s",
        scale.name(),
        path.display(),
        t.elapsed().as_secs_f64()
    );
    Ok(path)
}

/// Runs this bench's own binary with `args` (its `--child` mode) and
/// returns what it printed; a failure to start or a failed run ends the
/// bench with the child's message, under `label`.
pub fn child(label: &str, args: &[&std::ffi::OsStr]) -> String {
    let exe = std::env::current_exe().unwrap_or_else(|e| {
        eprintln!("{label}: cannot find this bench's binary: {e}");
        std::process::exit(1);
    });
    match Command::new(exe).args(args).output() {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).into_owned(),
        Ok(o) => {
            eprintln!(
                "{label}: the measuring process failed:\n{}{}",
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            );
            std::process::exit(1);
        }
        Err(e) => {
            eprintln!("{label}: cannot start the measuring process: {e}");
            std::process::exit(1);
        }
    }
}

/// This process's peak resident memory (VmHWM), in KiB; 0 where unknown.
pub fn vm_hwm_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.split_whitespace().next()?.parse().ok())
        })
        .unwrap_or(0)
}

/// `CORTE_BENCH_RUNS`, at least 1, else `default`.
pub fn runs(default: usize) -> usize {
    std::env::var("CORTE_BENCH_RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(default)
        .max(1)
}

/// The repository's root and the benches' data folder under `target/`.
pub fn folders() -> (&'static Path, PathBuf) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    (root, root.join("target").join("bench-data"))
}

/// The scale's final snapshot (see [`ensure`]); the bench ends if it
/// cannot be made.
pub fn final_corte(scale: Scale) -> PathBuf {
    let (root, data) = folders();
    ensure(scale, root, &data).unwrap_or_else(|e| {
        eprintln!("{}: cannot generate the snapshot: {e}", scale.name());
        std::process::exit(1);
    })
}

/// Measures `snapshot` in a child (`--child SNAPSHOT RUNS`): prints the
/// child's indented lines under the scale's name and returns its `RESULT`
/// line.
pub fn in_child(scale: Scale, snapshot: &Path, runs: usize) -> Option<String> {
    let runs = runs.to_string();
    let text = child(
        scale.name(),
        &["--child".as_ref(), snapshot.as_os_str(), runs.as_ref()],
    );
    for line in text.lines().filter(|l| l.starts_with("  ")) {
        println!("{} {line}", scale.name());
    }
    text.lines()
        .find_map(|l| l.strip_prefix("RESULT "))
        .map(str::to_string)
}

//! Reading a corte from the central database against loading it from files.
//!
//! `pg_virtualenv cargo bench --bench database [national|cdmx]` (or with
//! `PGHOST`, `PGPORT`, `PGUSER`, `PGPASSWORD` naming a server where that
//! user may create databases).
//!
//! Generates the scale's final corte once (the national one holds about
//! 500,000 actas), writes it as a snapshot folder into `target/bench-data/`
//! and into a database of its own (`corte_bench_<scale>`, reused while it
//! holds that corte), then, each in a child process so that peak memory is
//! the path's own, `CORTE_BENCH_RUNS` times (default 3), medians printed:
//!
//! - **files**: `source::load` of the folder (hash every member, validate);
//! - **database**: one read-only REPEATABLE READ read (`COPY … TO STDOUT`)
//!   into the snapshot's members and, from the same decoded rows, the
//!   validated snapshot (`read::corte_validated`: the contract's row checks
//!   without parsing the CSV back);
//! - **database via CSV**: the same read, then the members' CSV validated
//!   as a file's (`NewSnapshot::validate`), the way before the rows were
//!   validated as decoded;
//! - **database + seal**: what `corte watch --source` does before the
//!   watcher loads: the read, sealed into a folder (members, `corte.json`
//!   with every SHA-256), renamed in. The watcher then loads it as a file.
//!
//! Each path's wall seconds and its process's CPU seconds (user + sys,
//! `getrusage(RUSAGE_SELF)`, every thread): the database server shares the
//! machine here, but runs on its own in production, where the client's CPU
//! is what remains of the read. Under the table, each database path's
//! stages (read, validate; read, seal, load), medians, for where the time
//! goes.
//!
//! The aim: the database no slower than the files.

#[path = "support/measure.rs"]
mod measure;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use corte::contract::corte::CORTE_FILE;
use corte::generator::{Generator, OUTPUT_VERSION, Scale};
use corte::source::postgres::{DbConfig, connect, load, read};

use measure::CORTES;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--child") {
        return child(&args[1..]);
    }
    let scale = if args.iter().any(|a| a == "cdmx") {
        Scale::Cdmx
    } else {
        Scale::National
    };
    let runs = measure::runs(3);
    let (root, data) = measure::folders();
    let rt = tokio::runtime::Runtime::new().expect("a runtime");
    let (folder, db) = match rt.block_on(prepare(scale, root, &data)) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{}: {e}", scale.name());
            std::process::exit(1);
        }
    };
    println!("| path | median s | runs s | CPU s (median) | CPU runs s | peak MB | actas |");
    println!("|---|---|---|---|---|---|---|");
    let mut medians = Vec::new();
    let mut cpus = Vec::new();
    let mut stages = Vec::new();
    for path in ["files", "database", "database via CSV", "database+seal"] {
        let out = Command::new(std::env::current_exe().unwrap_or_else(|_| "database".into()))
            .args(["--child", path])
            .arg(&folder)
            .arg(&db)
            .arg(runs.to_string())
            .output()
            .expect("the measuring process starts");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let Some(result) = text.lines().find_map(|l| l.strip_prefix("RESULT ")) else {
            eprintln!(
                "{path}: the measuring process failed:\n{text}{}",
                String::from_utf8_lossy(&out.stderr)
            );
            std::process::exit(1);
        };
        let f: Vec<&str> = result.split_whitespace().collect();
        let [median, all, cpu, cpu_all, peak, actas] = f[..] else {
            eprintln!("{path}: cannot read `{result}`");
            std::process::exit(1);
        };
        medians.push(median.parse::<f64>().unwrap_or(0.0));
        cpus.push(cpu.parse::<f64>().unwrap_or(0.0));
        if let Some(split) = text.lines().find_map(|l| l.strip_prefix("STAGES "))
            && !split.is_empty()
        {
            stages.push(format!("{path}: {split} (medians)"));
        }
        println!(
            "| {path} | {median} | {} | {cpu} | {} | {peak} | {actas} |",
            all.replace(',', ", "),
            cpu_all.replace(',', ", ")
        );
    }
    println!();
    for line in stages {
        println!("{line}");
    }
    println!(
        "\nwall: database / files: {:.2}×; database via CSV / files: {:.2}×; database + seal / files: {:.2}× (aim: at most 1×)",
        medians[1] / medians[0],
        medians[2] / medians[0],
        medians[3] / medians[0]
    );
    println!(
        "CPU (this process): database / files: {:.2}×; database via CSV / files: {:.2}×; database + seal / files: {:.2}×",
        cpus[1] / cpus[0],
        cpus[2] / cpus[0],
        cpus[3] / cpus[0]
    );
}

/// The corte as a folder and in a database of its own; generated if missing.
async fn prepare(scale: Scale, root: &Path, data: &Path) -> Result<(PathBuf, String), String> {
    let config = measure::config(scale, root);
    let name = measure::name(scale, &config);
    let folder = data.join(&name);
    let db_name = format!("corte_bench_{}_v{OUTPUT_VERSION}", scale.name());
    let admin = DbConfig::new("postgres:///postgres");
    let db_url = format!("postgres:///{db_name}");
    let db = DbConfig::new(db_url.clone());
    let server = connect(&admin).await.map_err(|e| {
        format!("{e}: the bench needs a PostgreSQL server (run it inside pg_virtualenv, or set PGHOST, PGPORT, PGUSER, PGPASSWORD)")
    })?;
    let exists = server
        .client
        .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&db_name])
        .await
        .map_err(|e| e.to_string())?
        .is_some();
    if folder.join(CORTE_FILE).is_file() && exists {
        let conn = connect(&db).await.map_err(|e| e.to_string())?;
        if read::closed_after(&conn.client, &db, 0)
            .await
            .map_err(|e| e.to_string())?
            == [CORTES]
        {
            println!(
                "{}: reusing {} and the database {db_name}",
                scale.name(),
                folder.display()
            );
            return Ok((folder, db_url));
        }
    }
    let t = Instant::now();
    let generator = Generator::new(config).map_err(|e| e.to_string())?;
    let snapshot = generator.snapshot(CORTES).map_err(|e| e.to_string())?;
    let partial = data.join(format!("{name}.partial"));
    let _ = std::fs::remove_dir_all(&partial);
    let _ = std::fs::remove_dir_all(&folder);
    corte::source::write(&partial, &snapshot).map_err(|e| e.to_string())?;
    std::fs::rename(&partial, &folder).map_err(|e| format!("{}: {e}", folder.display()))?;
    let validated = snapshot.validate().map_err(|e| e.to_string())?;
    drop(snapshot);
    // One statement each: CREATE DATABASE runs outside any transaction.
    for sql in [
        format!("DROP DATABASE IF EXISTS {db_name}"),
        format!("CREATE DATABASE {db_name}"),
    ] {
        server
            .client
            .batch_execute(&sql)
            .await
            .map_err(|e| match e.as_db_error() {
                Some(db) => format!("{sql}: {}", db.message()),
                None => format!("{sql}: {e}"),
            })?;
    }
    let mut loader = load::Loader::connect(&db)
        .await
        .map_err(|e| e.to_string())?;
    load::create_example_schema(&loader.client, false)
        .await
        .map_err(|e| e.to_string())?;
    loader
        .write_corte(&validated)
        .await
        .map_err(|e| e.to_string())?;
    loader
        .client
        .batch_execute("VACUUM ANALYZE")
        .await
        .map_err(|e| e.to_string())?;
    println!(
        "{}: generated {} and wrote it into {db_name} in {:.1} s",
        scale.name(),
        folder.display(),
        t.elapsed().as_secs_f64()
    );
    Ok((folder, db_url))
}

/// `--child PATH FOLDER DB RUNS`: measures one path, prints `RESULT median
/// runs peak_mb actas`.
fn child(args: &[String]) {
    let [path, folder, db, runs] = args else {
        eprintln!("usage: --child PATH FOLDER DB RUNS");
        std::process::exit(2);
    };
    let folder = PathBuf::from(folder);
    let runs: usize = runs.parse().unwrap_or(3);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let db = DbConfig::new(db.clone());
    let sealed = std::env::temp_dir().join(format!("corte-bench-sealed-{}", std::process::id()));
    let mut times = Vec::new();
    // Each stage's time per run, for where the time goes.
    let mut stages: Vec<(&str, Vec<f64>)> = Vec::new();
    let mut stage = |name: &'static str, since: &mut Instant| {
        let now = Instant::now();
        let s = now.duration_since(*since).as_secs_f64();
        *since = now;
        match stages.iter_mut().find(|(n, _)| *n == name) {
            Some((_, v)) => v.push(s),
            None => stages.push((name, vec![s])),
        }
    };
    let mut actas = 0;
    let mut cpus = Vec::new();
    for _ in 0..runs {
        let cpu = cpu_seconds();
        let t = Instant::now();
        let mut since = t;
        let snapshot = match path.as_str() {
            "files" => corte::source::load(&folder).map_err(|e| e.to_string()),
            "database" => rt.block_on(async {
                let mut conn = connect(&db).await.map_err(|e| e.to_string())?;
                let (_, validated) = read::corte_validated(&mut conn.client, &db, CORTES)
                    .await
                    .map_err(|e| e.to_string())?;
                stage("read + validate", &mut since);
                validated.map_err(|e| e.to_string())
            }),
            "database via CSV" => rt.block_on(async {
                let mut conn = connect(&db).await.map_err(|e| e.to_string())?;
                let read = read::corte(&mut conn.client, &db, CORTES)
                    .await
                    .map_err(|e| e.to_string())?;
                stage("read", &mut since);
                let v = read.validate().map_err(|e| e.to_string());
                stage("validate", &mut since);
                v
            }),
            _ => rt.block_on(async {
                let mut conn = connect(&db).await.map_err(|e| e.to_string())?;
                let read = read::corte(&mut conn.client, &db, CORTES)
                    .await
                    .map_err(|e| e.to_string())?;
                stage("read", &mut since);
                let _ = std::fs::remove_dir_all(&sealed);
                corte::source::write(&sealed, &read).map_err(|e| e.to_string())?;
                drop(read);
                stage("seal", &mut since);
                let l = corte::source::load(&sealed).map_err(|e| e.to_string());
                stage("load", &mut since);
                l
            }),
        };
        let snapshot = snapshot.unwrap_or_else(|e| {
            eprintln!("{path}: {e}");
            std::process::exit(1);
        });
        times.push(t.elapsed().as_secs_f64());
        cpus.push(cpu_seconds() - cpu);
        actas = snapshot.actas.iter().map(Vec::len).sum::<usize>();
    }
    let _ = std::fs::remove_dir_all(&sealed);
    let median = |v: &[f64]| {
        let mut sorted = v.to_vec();
        sorted.sort_by(f64::total_cmp);
        sorted[sorted.len() / 2]
    };
    let all = |v: &[f64]| {
        v.iter()
            .map(|t| format!("{t:.2}"))
            .collect::<Vec<_>>()
            .join(",")
    };
    let split: Vec<String> = stages
        .iter_mut()
        .map(|(name, v)| {
            v.sort_by(f64::total_cmp);
            format!("{name} {:.2} s", v[v.len() / 2])
        })
        .collect();
    println!("STAGES {}", split.join(", "));
    println!(
        "RESULT {:.2} {} {:.2} {} {:.0} {actas}",
        median(&times),
        all(&times),
        median(&cpus),
        all(&cpus),
        measure::vm_hwm_kb() as f64 / 1024.0
    );
}

/// This process's CPU time so far, user + system, every thread, in seconds.
fn cpu_seconds() -> f64 {
    // SAFETY: getrusage only writes the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
        return 0.0;
    }
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    secs(usage.ru_utime) + secs(usage.ru_stime)
}

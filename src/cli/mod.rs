//! The `corte` command line: one file per subcommand, no logic beyond wiring.

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "corte",
    version,
    about = "Publishes Mexico's preliminary election results (PREP)"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Load and validate a snapshot, then print each election's summary.
    Check(check::Args),
    /// Write corte.json for a snapshot folder holding catalog.json and actas/*.csv.
    Seal(seal::Args),
    /// Write the official database files (Anexo 13 CSV, candidates, LEEME, zips).
    Datasets(datasets::Args),
    /// Generate a night of realistic snapshots (CDMX on real data, or national scale).
    Gen(r#gen::Args),
    /// Turn files published elsewhere into a snapshot.
    #[command(subcommand)]
    Import(import::Command),
    /// Render a snapshot's complete site (pages, assets, datasets, manifest) into a folder.
    Render(render::Args),
    /// Render a snapshot and publish it to one or more targets (a manual cutover).
    Publish(publish::Args),
    /// The live corte, the history and the corte trees of each target.
    Status(status::Args),
    /// Move the pointer back to an earlier complete corte (recorded in the history).
    Rollback(rollback::Args),
    /// Check a published corte against its manifest and signature.
    Verify(verify::Args),
    /// Copy every corte of a target into another, incrementally and verified.
    Mirror(mirror::Args),
    /// Make an Ed25519 key pair for signing manifests.
    Keygen(keygen::Args),
    /// Follow an inbox and publish every new corte to every target (the election-night daemon).
    Watch(watch::Args),
    /// A short election night on this machine: generated cortes, the watcher, a local store, served.
    Demo(demo::Args),
    /// Serve a published store over HTTP with the CDN's headers (a local preview).
    Serve(serve::Args),
}

mod check;
mod datasets;
mod demo;
mod r#gen;
mod import;
mod keygen;
mod mirror;
mod publish;
mod render;
mod rollback;
mod seal;
mod serve;
mod status;
mod targets;
mod verify;
mod watch;

pub fn main() -> i32 {
    let cli = Cli::parse();
    init_logging(match &cli.command {
        Command::Watch(_) | Command::Demo(_) => "corte=info",
        Command::Serve(a) if a.verbose => "corte=info,corte::serve=debug",
        Command::Serve(_) => "corte=info",
        _ => "corte=warn",
    });
    let config = match &cli.command {
        Command::Watch(a) => a.common.config.clone(),
        Command::Publish(a) => a.common.config.clone(),
        _ => None,
    };
    if let Err(e) = apply_limits(config.as_deref()) {
        eprintln!("error: {e:#}");
        return 1;
    }
    let result = match cli.command {
        Command::Check(args) => check::run(args),
        Command::Seal(args) => seal::run(args),
        Command::Datasets(args) => datasets::run(args),
        Command::Gen(args) => r#gen::run(args),
        Command::Import(cmd) => import::run(cmd),
        Command::Render(args) => render::run(args),
        Command::Publish(args) => publish::run(args),
        Command::Status(args) => status::run(args),
        Command::Rollback(args) => rollback::run(args),
        Command::Verify(args) => verify::run(args),
        Command::Mirror(args) => mirror::run(args),
        Command::Keygen(args) => keygen::run(args),
        Command::Watch(args) => watch::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Demo(args) => demo::run(args),
    };
    match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: {e:#}");
            1
        }
    }
}

/// Sets the input limits (`source::limits`) from `[limits]` of corte.toml,
/// and the sanity thresholds between cortes from `[sanity]`
/// (`--config`, else `$CORTE_CONFIG`, else `./corte.toml` if there).
fn apply_limits(config: Option<&std::path::Path>) -> anyhow::Result<()> {
    use anyhow::Context;
    let path = config
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("CORTE_CONFIG").map(std::path::PathBuf::from))
        .or_else(|| {
            Some(std::path::PathBuf::from(
                crate::publish::config::DEFAULT_CONFIG,
            ))
            .filter(|p| p.is_file())
        });
    let Some(path) = path else { return Ok(()) };
    let Ok(text) = std::fs::read_to_string(&path) else {
        // A missing or unreadable file is the command's own error to give.
        return Ok(());
    };
    // A file that is not TOML is the command's own error to give.
    let Ok(table) = toml::from_str::<toml::Table>(&text) else {
        return Ok(());
    };
    if let Some(value) = table.get("limits") {
        let limits: crate::source::limits::Limits = value
            .clone()
            .try_into()
            .with_context(|| format!("{}: [limits]", path.display()))?;
        crate::source::limits::set(limits);
    }
    if let Some(value) = table.get("sanity") {
        let sanity: crate::contract::sanity::Thresholds = value
            .clone()
            .try_into()
            .with_context(|| format!("{}: [sanity]", path.display()))?;
        crate::source::limits::set_sanity(sanity);
    }
    Ok(())
}

/// The snapshot a command reads and the ruleset that counts it: the
/// arguments `check`, `datasets`, `render` and `publish` share.
#[derive(clap::Args)]
pub struct SnapshotArgs {
    /// The snapshot: a folder with corte.json, or a .tar.gz of one.
    pub snapshot: std::path::PathBuf,
    /// A built-in ruleset name or a TOML file; default: the catalog's.
    #[arg(long)]
    pub ruleset: Option<String>,
}

impl SnapshotArgs {
    /// Loads the snapshot and counts it under `--ruleset NAME|FILE` if
    /// given, else under the ruleset its catalog names.
    pub fn tally(&self) -> anyhow::Result<(crate::contract::Snapshot, crate::tally::Results)> {
        let snapshot = crate::source::load(&self.snapshot)?;
        let ruleset = match &self.ruleset {
            Some(r) => crate::source::ruleset::from_arg(r),
            None => crate::tally::ruleset_of(&snapshot),
        }
        .map_err(anyhow::Error::msg)?;
        let results = crate::tally::tally(&snapshot, &ruleset);
        Ok((snapshot, results))
    }
}

/// Says on stderr what an image folder gave a corte: images linked, actas
/// still waiting for theirs, and every file rejected with its reason.
pub(crate) fn report_images(set: &crate::published::images::ImageSet) {
    eprintln!(
        "acta images: {} ready, {} in process",
        set.images.len(),
        set.pending
    );
    for r in &set.rejected {
        eprintln!("rejected image {r}");
    }
}

/// One log setup for every command: one structured line per event on
/// stderr, `RUST_LOG` over `default` (the daemon logs at info, one-shot
/// commands at warn), colours only on a terminal, JSON lines with
/// `CORTE_LOG_FORMAT=json` for log collectors.
fn init_logging(default: &str) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    use std::io::IsTerminal;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false);
    if std::env::var("CORTE_LOG_FORMAT").as_deref() == Ok("json") {
        let _ = builder.json().try_init();
    } else {
        let _ = builder.compact().try_init();
    }
}

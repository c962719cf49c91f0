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
    /// Serve a published store over HTTP with the CDN's headers (a local preview).
    Serve(serve::Args),
}

mod check;
mod datasets;
mod r#gen;
mod import;
mod keygen;
mod mirror;
mod publish;
mod rollback;
mod seal;
mod serve;
mod status;
mod targets;
mod verify;

pub fn main() -> i32 {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check(args) => check::run(args),
        Command::Seal(args) => seal::run(args),
        Command::Datasets(args) => datasets::run(args),
        Command::Gen(args) => r#gen::run(args),
        Command::Import(cmd) => import::run(cmd),
        Command::Publish(args) => publish::run(args),
        Command::Status(args) => status::run(args),
        Command::Rollback(args) => rollback::run(args),
        Command::Verify(args) => verify::run(args),
        Command::Mirror(args) => mirror::run(args),
        Command::Keygen(args) => keygen::run(args),
        Command::Serve(args) => serve::run(args),
    };
    match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: {e:#}");
            1
        }
    }
}

/// `--ruleset NAME|FILE` if given, else the ruleset the catalog names.
pub(crate) fn choose_ruleset(
    arg: Option<&str>,
    snapshot: &crate::contract::Snapshot,
) -> anyhow::Result<crate::tally::Ruleset> {
    match arg {
        Some(r) => crate::tally::ruleset::from_arg(r),
        None => crate::tally::ruleset_of(snapshot),
    }
    .map_err(anyhow::Error::msg)
}

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
}

mod check;
mod datasets;
mod r#gen;
mod import;
mod render;
mod seal;

pub fn main() -> i32 {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check(args) => check::run(args),
        Command::Seal(args) => seal::run(args),
        Command::Datasets(args) => datasets::run(args),
        Command::Gen(args) => r#gen::run(args),
        Command::Import(cmd) => import::run(cmd),
        Command::Render(args) => render::run(args),
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

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
}

mod check;
mod keygen;
mod mirror;
mod publish;
mod rollback;
mod status;
mod targets;
mod verify;

pub fn main() -> i32 {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check(args) => check::run(args),
        Command::Publish(args) => publish::run(args),
        Command::Status(args) => status::run(args),
        Command::Rollback(args) => rollback::run(args),
        Command::Verify(args) => verify::run(args),
        Command::Mirror(args) => mirror::run(args),
        Command::Keygen(args) => keygen::run(args),
    };
    match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: {e:#}");
            1
        }
    }
}

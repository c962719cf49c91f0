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
}

mod check;

pub fn main() -> i32 {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check(args) => check::run(args),
    };
    match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: {e:#}");
            1
        }
    }
}

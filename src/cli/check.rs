use std::path::PathBuf;

use anyhow::Context;

#[derive(clap::Args)]
pub struct Args {
    /// The snapshot: a folder with corte.json, or a .tar.gz of one.
    pub snapshot: PathBuf,
    /// A built-in ruleset name or a TOML file; default: the catalog's.
    #[arg(long)]
    pub ruleset: Option<String>,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let snapshot = crate::source::load(&args.snapshot)?;
    let ruleset = match &args.ruleset {
        Some(r) => crate::tally::ruleset::from_arg(r),
        None => crate::tally::ruleset_of(&snapshot),
    }
    .map_err(anyhow::Error::msg)
    .context("choosing the ruleset")?;
    let results = crate::tally::tally(&snapshot, &ruleset);
    for (election, r) in snapshot.catalog.elections.iter().zip(&results.elections) {
        println!("{} ({})", election.name, election.id);
        for (name, value) in crate::tally::summary::FIELD_NAMES
            .iter()
            .zip(r.summary.values())
        {
            println!("  {name:<36} {value}");
        }
    }
    Ok(())
}

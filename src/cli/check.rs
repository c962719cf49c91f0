use std::path::PathBuf;

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
    let ruleset = super::choose_ruleset(args.ruleset.as_deref(), &snapshot)?;
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

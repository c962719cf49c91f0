#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub input: super::SnapshotArgs,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let (snapshot, results) = args.input.tally()?;
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

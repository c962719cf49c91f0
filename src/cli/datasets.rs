use std::path::PathBuf;

use anyhow::Context;

#[derive(clap::Args)]
pub struct Args {
    /// The snapshot: a folder with corte.json, or a .tar.gz of one.
    pub snapshot: PathBuf,
    /// Where to write the files (created if missing).
    #[arg(long)]
    pub out: PathBuf,
    /// A built-in ruleset name or a TOML file; default: the catalog's.
    #[arg(long)]
    pub ruleset: Option<String>,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let snapshot = crate::source::load(&args.snapshot)?;
    let ruleset = super::choose_ruleset(args.ruleset.as_deref(), &snapshot)?;
    let results = crate::tally::tally(&snapshot, &ruleset);
    let files = crate::anexo13::datasets(&snapshot, &results);
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;
    for f in &files {
        let path = args.out.join(&f.name);
        std::fs::write(&path, &f.bytes).with_context(|| format!("writing {}", path.display()))?;
        println!("{:>12}  {}", f.bytes.len(), path.display());
    }
    Ok(())
}

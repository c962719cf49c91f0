use std::path::PathBuf;

use anyhow::Context;

#[derive(clap::Args)]
pub struct Args {
    /// Where to write the files (created if missing).
    #[arg(long)]
    pub out: PathBuf,
    #[command(flatten)]
    pub input: super::SnapshotArgs,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let (snapshot, results) = args.input.tally()?;
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

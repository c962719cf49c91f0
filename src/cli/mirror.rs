use std::path::PathBuf;

use super::targets::{self, Common, bytes};
use crate::publish::mirror;

#[derive(clap::Args)]
pub struct Args {
    /// The institute's target to copy from (URL or configured name).
    pub source: String,
    /// The difusor's store to copy into (URL or configured name).
    #[arg(long)]
    pub into: String,
    /// The institute's public key (PEM); every manifest's signature must
    /// verify under it. Default: the source's public-key.pem.
    #[arg(long)]
    pub key: Option<PathBuf>,
    /// Keep stable-tree objects the live corte no longer has.
    #[arg(long)]
    pub keep_stale: bool,
    #[command(flatten)]
    pub common: Common,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let config = args.common.config()?;
    let source = targets::open_one(&config, &args.source)?;
    let dest = targets::open_one(&config, &args.into)?;
    let key = targets::public_key(&args.key)?;
    let rt = targets::runtime()?;
    let progress = targets::progress();
    let r = rt.block_on(mirror::mirror(
        &source,
        &dest,
        key.as_ref(),
        config.publish.delete_stale && !args.keep_stale,
        &*progress,
    ))?;
    println!(
        "{} → {}: {} corte(s) copied{}, {} already complete; {} objects uploaded ({}), {} copied inside the mirror; live {}{}; {:.1} s",
        r.source,
        r.dest,
        r.copied.len(),
        if r.copied.is_empty() {
            String::new()
        } else {
            format!(" ({})", r.copied.join(", "))
        },
        r.present.len(),
        r.counts.uploaded,
        bytes(r.counts.uploaded_bytes),
        r.counts.copied,
        r.live,
        if r.moved { " (pointer moved)" } else { "" },
        r.elapsed.as_secs_f64()
    );
    Ok(())
}

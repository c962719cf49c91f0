use std::path::PathBuf;

use super::targets::{self, Common};
use crate::publish::{Options, rollback};

#[derive(clap::Args)]
pub struct Args {
    /// The target (URL or configured name).
    pub target: String,
    /// The earlier, complete corte to make live again (`00011-20240602-2055`).
    #[arg(long = "to")]
    pub to: String,
    /// Why: recorded with the pointer move in cortes/index.json.
    #[arg(long)]
    pub reason: Option<String>,
    /// Public key (PEM) the corte's signature must verify under; default:
    /// the target's public-key.pem.
    #[arg(long)]
    pub key: Option<PathBuf>,
    /// Show what would change; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub common: Common,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let config = args.common.config()?;
    let target = targets::open_one(&config, &args.target)?;
    let key = targets::public_key(&args.key)?;
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    let opts = Options {
        dry_run: args.dry_run,
        delete_stale: config.publish.delete_stale,
        allow_withdrawn: true,
        rotate_key: false,
        reason: args.reason.clone(),
        stop: Some(shutdown),
    };
    let rt = targets::runtime()?;
    let progress = targets::progress();
    let report = rt.block_on(async {
        super::watch::stop_on_signals(stop);
        rollback::rollback(&target, &args.to, key.as_ref(), &opts, &*progress).await
    })?;
    println!(
        "{}",
        super::publish::describe(&report).replace("published", "rolled back to")
    );
    Ok(())
}

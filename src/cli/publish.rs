use std::path::PathBuf;
use std::sync::Arc;

use anyhow::bail;

use super::targets::{self, Common, bytes};
use crate::cutover::{Publisher, Setup};
use crate::publish::{Outcome, Report, Step};

#[derive(clap::Args)]
pub struct Args {
    /// Targets: URLs (file:///srv/prep, s3://bucket/prefix, gs://…, az://…)
    /// or names of [[target]]s in corte.toml; default: every configured target.
    #[arg(long = "to", num_args = 1..)]
    pub to: Vec<String>,
    /// Show what would change on each target; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub input: super::SnapshotArgs,
    /// Ed25519 private key (PKCS#8 PEM) that signs the manifest
    /// (default: [publish].signing_key, env CORTE_SIGNING_KEY).
    #[arg(long)]
    pub signing_key: Option<PathBuf>,
    /// Publish without a signature (only for trials: `corte verify` will say so).
    #[arg(long, conflicts_with = "signing_key")]
    pub unsigned: bool,
    /// Sign with another key than the store's current one, and record the
    /// rotation in the store's keys/ (without it such a publish fails).
    /// Older cortes keep verifying against the key that signed them.
    #[arg(long, conflicts_with = "unsigned")]
    pub rotate_key: bool,
    /// Keep stable-tree objects the new corte no longer has.
    #[arg(long)]
    pub keep_stale: bool,
    /// Publish a corte that a rollback withdrew.
    #[arg(long)]
    pub allow_withdrawn: bool,
    /// Publish this corte (by its id, `00012-20240602-2330`) even though the
    /// sanity checks against the live corte hold it (actas going down, an
    /// election vanishing, the corte time going back).
    #[arg(long, value_name = "CORTE_ID")]
    pub confirm: Option<String>,
    /// Mark this corte as the final one of the night (participation then
    /// follows the ruleset's final-corte base).
    #[arg(long)]
    pub r#final: bool,
    /// A theme folder replacing the built-in one.
    #[arg(long)]
    pub theme: Option<PathBuf>,
    /// The watcher's state folder: earlier cortes come from there (and this
    /// one is recorded), so hand-published and watched cortes share history;
    /// and the render cache, so only what changed since the last corte
    /// rendered there is rendered again.
    #[arg(long)]
    pub state: Option<PathBuf>,
    /// The acta image folder (files named `<sha256>.<ext>`): the images the
    /// snapshot's actas name are checked, published once under `actas/` and
    /// linked from their actas. With --state, the set chosen for the corte is
    /// recorded there, so a re-run links the same images.
    #[arg(long)]
    pub images: Option<PathBuf>,
    #[command(flatten)]
    pub common: Common,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let config = args.common.config()?;
    let mut snapshot = crate::source::load(&args.input.snapshot)?;
    if let Some(id) = &args.confirm
        && *id != snapshot.corte.id()
    {
        bail!(
            "--confirm {id} names another corte: {} is corte {}",
            args.input.snapshot.display(),
            snapshot.corte.id()
        );
    }
    if args.r#final {
        // The operator closes the night: this corte is the last one.
        snapshot.corte.final_corte = true;
    }
    let mut publisher = Publisher::open(&Setup {
        config,
        to: args.to,
        theme: args.theme,
        signing_key: args.signing_key,
        unsigned: args.unsigned,
        ruleset: args.input.ruleset,
        keep_stale: args.keep_stale,
        dry_run: args.dry_run,
        allow_withdrawn: args.allow_withdrawn,
        confirm: args.confirm,
        // Without state, earlier cortes come from the first target: the
        // institute's own bucket.
        state: args.state,
        images: args.images,
    })?;
    publisher.options.rotate_key = args.rotate_key;
    let signed = publisher.key.is_some();
    let rt = targets::runtime()?;
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    let cutover = rt.block_on(async {
        super::watch::stop_on_signals(stop);
        publisher
            .cutover(Arc::new(snapshot), targets::progress(), &shutdown)
            .await
    })?;
    println!(
        "corte {} (seq {}): {} files, manifest SHA-256 {}{}",
        cutover.corte_id,
        cutover.seq,
        cutover.files,
        cutover.manifest_sha256,
        if signed { ", signed" } else { ", UNSIGNED" }
    );
    if let Some(i) = &cutover.images {
        println!(
            "acta images: {} linked, {} in process, {} rejected",
            i.ready,
            i.pending,
            i.rejected.len()
        );
        for r in &i.rejected {
            println!("  rejected image {r}");
        }
    }
    let mut failed = 0;
    for (name, r) in &cutover.targets {
        match r {
            Ok(report) => {
                println!("{}", describe(report));
                if report.outcome == Outcome::DryRun {
                    print_keys(report);
                }
            }
            Err(e) if e.is_superseded() => {
                failed += 1;
                println!("  {name}: NOT PUBLISHED: {e}");
            }
            Err(e) => {
                failed += 1;
                println!("  {name}: FAILED: {e}");
            }
        }
    }
    if failed > 0 {
        bail!(
            "{failed} of {} targets did not publish",
            cutover.targets.len()
        );
    }
    Ok(())
}

/// The stable-tree keys a dry run would write, the first few.
pub fn print_keys(r: &Report) {
    const SHOWN: usize = 20;
    for k in r.stable_keys.iter().take(SHOWN) {
        println!("      would update /{k}");
    }
    if r.stable_keys.len() > SHOWN {
        println!("      … and {} more", r.stable_keys.len() - SHOWN);
    }
}

/// One line per target: what moved and what it cost.
pub fn describe(r: &Report) -> String {
    let objects = r.counts(Step::Objects);
    let stable = r.counts(Step::StableTree);
    let stale = r.counts(Step::Stale);
    let what = match r.outcome {
        Outcome::Published => format!(
            "published {}{}",
            r.corte,
            r.from
                .as_ref()
                .map(|f| format!(" (was {f})"))
                .unwrap_or_default()
        ),
        Outcome::AlreadyLive => format!("{} was already live (finished what was left)", r.corte),
        Outcome::DryRun => format!(
            "would publish {} (pointer {} → {})",
            r.corte,
            r.from.as_deref().unwrap_or("none"),
            r.corte
        ),
    };
    let place = if crate::publish::config::default_name(&r.url) == r.target {
        r.target.clone()
    } else {
        format!("{} ({})", r.target, r.url)
    };
    format!(
        "  {place}: {what}; archive: {} new objects ({}), {} already there; stable tree: {} written ({}); {} stale deleted; {:.1} s",
        objects.uploaded,
        bytes(objects.uploaded_bytes),
        objects.skipped,
        stable.uploaded,
        bytes(stable.uploaded_bytes),
        stale.deleted,
        r.elapsed.as_secs_f64()
    )
}

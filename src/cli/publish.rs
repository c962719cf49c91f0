use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, bail};

use super::targets::{self, Common, bytes};
use crate::publish::{Corte, Options, Outcome, Report, Step, pointer, sign};
use crate::site::{History, Manifest, RenderOptions, Theme};

#[derive(clap::Args)]
pub struct Args {
    /// The snapshot: a folder with corte.json, or a .tar.gz of one.
    pub snapshot: PathBuf,
    /// Targets: URLs (file:///srv/prep, s3://bucket/prefix, gs://…, az://…)
    /// or names of [[target]]s in corte.toml; default: every configured target.
    #[arg(long = "to", num_args = 1..)]
    pub to: Vec<String>,
    /// Show what would change on each target; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// A built-in ruleset name or a TOML file; default: the catalog's.
    #[arg(long)]
    pub ruleset: Option<String>,
    /// Ed25519 private key (PKCS#8 PEM) that signs the manifest
    /// (default: [publish].signing_key, env CORTE_SIGNING_KEY).
    #[arg(long)]
    pub signing_key: Option<PathBuf>,
    /// Publish without a signature (only for trials: `corte verify` will say so).
    #[arg(long, conflicts_with = "signing_key")]
    pub unsigned: bool,
    /// Keep stable-tree objects the new corte no longer has.
    #[arg(long)]
    pub keep_stale: bool,
    /// Publish a corte that a rollback withdrew.
    #[arg(long)]
    pub allow_withdrawn: bool,
    #[command(flatten)]
    pub common: Common,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let config = args.common.config()?;
    let key = match (
        &args.signing_key,
        &config.publish.signing_key,
        args.unsigned,
    ) {
        (_, _, true) => None,
        (Some(p), _, _) | (None, Some(p), _) => {
            Some(sign::load_private(p).map_err(anyhow::Error::msg)?)
        }
        (None, None, false) => bail!(
            "no signing key: give --signing-key FILE (make one with `corte keygen`), set [publish].signing_key or CORTE_SIGNING_KEY, or pass --unsigned"
        ),
    };
    let targets = targets::open(&config, &args.to)?;
    let rt = targets::runtime()?;
    let snapshot = crate::source::load(&args.snapshot)?;
    let ruleset = match &args.ruleset {
        Some(r) => crate::tally::ruleset::from_arg(r),
        None => crate::tally::ruleset_of(&snapshot),
    }
    .map_err(anyhow::Error::msg)
    .context("choosing the ruleset")?;
    let results = crate::tally::tally(&snapshot, &ruleset);
    // Earlier cortes (for the evolution charts and `previous`) come from the
    // first target: the institute's own bucket in a configured list.
    let (history, previous) = rt.block_on(history_of(&targets[0]))?;
    let history = History::before(history, snapshot.corte.seq);
    let theme = Theme::embedded()?;
    let build = crate::site::render(
        &snapshot,
        &results,
        &RenderOptions {
            theme: &theme,
            history: &history,
            previous,
        },
    )?;
    let corte = Arc::new(Corte::from_build(build, key.as_ref()));
    println!(
        "corte {} (seq {}): {} files, manifest SHA-256 {}{}",
        corte.id,
        corte.seq,
        corte.manifest.files.len(),
        corte.manifest_sha256,
        if key.is_some() {
            ", signed"
        } else {
            ", UNSIGNED"
        }
    );
    let opts = Options {
        dry_run: args.dry_run,
        delete_stale: config.publish.delete_stale && !args.keep_stale,
        allow_withdrawn: args.allow_withdrawn,
        reason: None,
    };
    let results = rt.block_on(crate::publish::publish_all(
        targets,
        corte,
        opts,
        targets::progress(),
    ));
    let mut failed = 0;
    for (name, r) in &results {
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
        bail!("{failed} of {} targets did not publish", results.len());
    }
    Ok(())
}

async fn history_of(t: &crate::publish::Target) -> anyhow::Result<(Vec<Manifest>, Option<String>)> {
    let live = pointer::read(t).await?.map(|(p, _)| p.corte);
    let (ix, _) = pointer::read_index(t).await?;
    let mut manifests = Vec::new();
    for c in ix.cortes.iter().filter(|c| !c.withdrawn) {
        if let Some((b, _)) = crate::publish::transfer::get(t, &c.manifest)
            .await
            .with_context(|| format!("target {}: reading {}", t.name, c.manifest))?
        {
            manifests.push(
                Manifest::from_json(&b)
                    .map_err(|m| anyhow::anyhow!("target {}: {}: {m}", t.name, c.manifest))?,
            );
        }
    }
    Ok((manifests, live))
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
    let tree = r.counts(Step::CorteTree);
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
        "  {place}: {what}; corte tree: {} uploaded ({}), {} copied, {} already there; stable tree: {} uploaded ({}); {} stale deleted; {:.1} s",
        tree.uploaded,
        bytes(tree.uploaded_bytes),
        tree.copied,
        tree.skipped,
        stable.uploaded,
        bytes(stable.uploaded_bytes),
        stale.deleted,
        r.elapsed.as_secs_f64()
    )
}

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;

use super::targets::{self, Common};
use crate::cutover::{Publisher, Setup};
use crate::watch::{WatchOptions, Watcher};

#[derive(clap::Args)]
pub struct Args {
    /// The folder the central database drops snapshots into (default: [watch].inbox).
    #[arg(long)]
    pub inbox: Option<PathBuf>,
    /// Targets: URLs or names of [[target]]s in corte.toml (default: every configured target).
    #[arg(long = "to", num_args = 1..)]
    pub to: Vec<String>,
    /// State, status and history of published cortes (default: [watch].state or INBOX/.state).
    #[arg(long)]
    pub state: Option<PathBuf>,
    /// Ed25519 private key that signs each manifest (default: [publish].signing_key, CORTE_SIGNING_KEY).
    #[arg(long)]
    pub signing_key: Option<PathBuf>,
    /// Publish without signatures (trials only).
    #[arg(long, conflicts_with = "signing_key")]
    pub unsigned: bool,
    /// A theme folder replacing the built-in one (default: [site].theme).
    #[arg(long)]
    pub theme: Option<PathBuf>,
    /// A built-in ruleset or a TOML file, overriding the catalog's (default: [site].ruleset).
    #[arg(long)]
    pub ruleset: Option<String>,
    /// Keep stable-tree objects a new corte no longer has.
    #[arg(long)]
    pub keep_stale: bool,
    /// The acta image folder (files named `<sha256>.<ext>`, written by
    /// rename); also `[watch].images`. Without one, no image is published.
    #[arg(long)]
    pub images: Option<PathBuf>,
    #[command(flatten)]
    pub common: Common,
}

/// `[watch]` and `[site]` of corte.toml; the other sections belong to publish.
#[derive(serde::Deserialize, Default)]
struct FileSections {
    #[serde(default)]
    watch: WatchSection,
    #[serde(default)]
    site: SiteSection,
}

#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct WatchSection {
    inbox: Option<PathBuf>,
    state: Option<PathBuf>,
    debounce_ms: Option<u64>,
    incomplete_grace_secs: Option<u64>,
    retry_secs: Option<u64>,
    retry_max_secs: Option<u64>,
    images: Option<PathBuf>,
}

#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct SiteSection {
    pub theme: Option<PathBuf>,
    pub ruleset: Option<String>,
}

fn sections(common: &Common) -> anyhow::Result<FileSections> {
    let path = common
        .config
        .clone()
        .or_else(|| std::env::var_os("CORTE_CONFIG").map(PathBuf::from))
        .or_else(|| {
            Some(PathBuf::from(crate::publish::config::DEFAULT_CONFIG)).filter(|p| p.exists())
        });
    let Some(path) = path else {
        return Ok(FileSections::default());
    };
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("{}: [watch] or [site]", path.display()))
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let config = args.common.config()?;
    let file = sections(&args.common)?;
    let inbox = args
        .inbox
        .clone()
        .or(file.watch.inbox.clone())
        .context("no inbox: give --inbox DIR or set [watch].inbox in corte.toml")?;
    let mut opts = WatchOptions::new(inbox);
    if let Some(s) = args.state.clone().or(file.watch.state.clone()) {
        opts.state = s;
    }
    if let Some(ms) = file.watch.debounce_ms {
        opts.debounce = Duration::from_millis(ms);
    }
    if let Some(s) = file.watch.incomplete_grace_secs {
        opts.incomplete_grace = Duration::from_secs(s);
    }
    if let Some(s) = file.watch.retry_secs {
        opts.retry = Duration::from_secs(s.max(1));
    }
    if let Some(s) = file.watch.retry_max_secs {
        opts.retry_max = Duration::from_secs(s.max(1));
    }
    let publisher = Publisher::open(&Setup {
        config,
        to: args.to,
        theme: args.theme.or(file.site.theme),
        signing_key: args.signing_key,
        unsigned: args.unsigned,
        ruleset: args.ruleset.or(file.site.ruleset),
        keep_stale: args.keep_stale,
        state: Some(opts.state.clone()),
        images: args.images.or(file.watch.images),
        ..Setup::default()
    })?;
    let rt = targets::runtime()?;
    rt.block_on(async move {
        let (stop, shutdown) = tokio::sync::watch::channel(false);
        stop_on_signals(stop);
        let watcher = Watcher::new(publisher, opts)?.with_progress(targets::progress());
        watcher.run(shutdown).await
    })?;
    Ok(())
}

/// The first Ctrl-C or SIGTERM asks the cutover to stop (`stop` turns
/// true): uploads are abandoned, a stable tree already started is finished
/// with its pointer. A second one exits at once, as a SIGKILL would (safe
/// for the pointer; a stable tree cut halfway is finished by the next run).
pub(crate) fn stop_on_signals(stop: tokio::sync::watch::Sender<bool>) {
    tokio::spawn(async move {
        wait_for_signal().await;
        tracing::warn!(
            "signal received: abandoning the uploads, or finishing the stable tree and pointer if they have started; a second signal exits at once"
        );
        let _ = stop.send(true);
        wait_for_signal().await;
        tracing::warn!("second signal: exiting at once");
        std::process::exit(130);
    });
}

/// Ctrl-C or SIGTERM.
pub(crate) async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

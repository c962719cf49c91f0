use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;

use super::targets::{self, Common};
use crate::cutover::{Publisher, Setup};
use crate::source::postgres::DbConfig;
use crate::watch::database::DatabaseFeed;
use crate::watch::{WatchOptions, Watcher};

#[derive(clap::Args)]
pub struct Args {
    /// The folder the central database drops snapshots into (default: [watch].inbox).
    #[arg(long, conflicts_with = "source")]
    pub inbox: Option<PathBuf>,
    /// Read each closed corte straight from the central database
    /// (postgres://user@host:port/db, docs/database.md) instead of an inbox;
    /// also [source].url. The password comes from PGPASSWORD or PGPASSFILE
    /// (or the URL) and is never printed.
    #[arg(long, value_name = "URL")]
    pub source: Option<String>,
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
    #[serde(default)]
    source: SourceSection,
}

/// `[source]`: the central database (docs/database.md).
#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct SourceSection {
    url: Option<String>,
    schema: Option<String>,
    channel: Option<String>,
    poll_secs: Option<u64>,
    ca_file: Option<PathBuf>,
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
    toml::from_str(&text)
        .with_context(|| format!("{}: [watch], [site] or [source]", path.display()))
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let config = args.common.config()?;
    let file = sections(&args.common)?;
    let state = args.state.clone().or(file.watch.state.clone());
    let source = args.source.clone().or(file.source.url.clone());
    let (mut opts, feed) = match (&source, args.inbox.clone().or(file.watch.inbox.clone())) {
        (Some(url), _) => {
            let state = state.context(
                "a database source needs a state folder: give --state DIR or set [watch].state",
            )?;
            let feed = database_feed(url, &file.source, state.clone());
            let mut opts = WatchOptions::new(feed.inbox.clone());
            opts.state = state;
            (opts, Some(feed))
        }
        (None, Some(inbox)) => {
            let mut opts = WatchOptions::new(inbox);
            if let Some(s) = state {
                opts.state = s;
            }
            (opts, None)
        }
        (None, None) => anyhow::bail!(
            "nothing to watch: give --inbox DIR or --source postgres://…, or set [watch].inbox or [source].url in corte.toml"
        ),
    };
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
    // Before anything touches the inbox or the state folder.
    let lock = Watcher::lock(&opts)?;
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
        let watcher = Watcher::with_lock(publisher, opts, lock)?.with_progress(targets::progress());
        match feed {
            Some(feed) => {
                let feeding = tokio::spawn(feed.run(shutdown.clone()));
                let watched = watcher.run(shutdown).await;
                // Stopped by a signal, the source marks itself stopped; a
                // watcher that failed takes its source down with it.
                if watched.is_err() {
                    feeding.abort();
                }
                let _ = tokio::time::timeout(Duration::from_secs(5), feeding).await;
                watched
            }
            None => watcher.run(shutdown).await,
        }
    })?;
    Ok(())
}

fn database_feed(url: &str, section: &SourceSection, state: PathBuf) -> DatabaseFeed {
    let mut db = DbConfig::new(url);
    db.application_name = "corte watch".into();
    if let Some(s) = &section.schema {
        db.schema = s.clone();
    }
    if let Some(c) = &section.channel {
        db.channel = c.clone();
    }
    db.ca_file = section.ca_file.clone();
    let mut feed = DatabaseFeed::new(db, state);
    if let Some(s) = section.poll_secs {
        feed.poll = Duration::from_secs(s.max(1));
    }
    feed
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

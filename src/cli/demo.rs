//! `corte demo`: a short election night on this machine, with no network and
//! no cloud account — the README's first command.
//!
//! It makes a series of cortes (the generator's CDMX night over the real 2024
//! cómputos in `../shared/data/real`, with an image of every acta arriving in
//! an image folder beside the inbox; or the committed `site-example/` when
//! those files are not there), starts the watcher on a local inbox publishing
//! to a `file://` store, starts `corte serve` on that store, then drops the
//! cortes into the inbox one at a time, as the central database would, and
//! waits for each to go live before the next. The site stays served until
//! Ctrl-C (or, with `--exit`, the command returns once the last corte is live).
//!
//! Everything happens through the same code as election night: the inbox
//! contract (a snapshot renamed in whole), the watcher's cutover, the
//! publisher's order, the signed manifests and the server's headers.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use crate::cutover::{Publisher, Setup};
use crate::generator::{self, Config, Generator, Scale};
use crate::publish::{Target, TargetConfig, sign};
use crate::watch::status::read_status;
use crate::watch::{WatchOptions, Watcher};

#[derive(clap::Args)]
pub struct Args {
    /// How many cortes the night has (the last one is final).
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=96))]
    pub cortes: u32,
    /// Seconds to wait after a corte goes live before dropping the next.
    #[arg(long, default_value_t = 1.0)]
    pub interval: f64,
    /// Working folder (emptied first): inbox/, imagenes/ (acta images), store/ (the published site), state/, keys/.
    #[arg(long, default_value = "corte-demo")]
    pub dir: PathBuf,
    /// Port to serve on (0: any free port; if the port is taken, a free one is used).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// The shared data folder holding iecm-2024-computos/ (else site-example/ is used).
    #[arg(long, default_value = generator::DEFAULT_REAL_DATA)]
    pub real_data: PathBuf,
    /// Replay the committed site-example/ cortes even when the real data is there.
    #[arg(long)]
    pub example: bool,
    /// Return once the last corte is live instead of serving until Ctrl-C.
    #[arg(long)]
    pub exit: bool,
}

/// Where the night's snapshots come from.
enum Night {
    Generated(Box<Generator>),
    /// Snapshot folders or `.tar.gz` files, in order.
    Example(Vec<PathBuf>),
}

impl Night {
    fn len(&self) -> u32 {
        match self {
            Night::Generated(g) => g.cortes(),
            Night::Example(v) => v.len() as u32,
        }
    }
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let started = Instant::now();
    if !(0.0..=3600.0).contains(&args.interval) {
        bail!("--interval must be between 0 and 3600 seconds");
    }
    let night = std::sync::Arc::new(night(&args)?);
    let (dir, aside) = prepare(&args.dir)?;
    let inbox = dir.join("inbox");
    let store = dir.join("store");
    let state = dir.join("state");
    let staging = dir.join("staging");
    let images = dir.join("imagenes");
    for d in [&inbox, &store, &state, &staging, &images] {
        std::fs::create_dir_all(d).with_context(|| format!("creating {}", d.display()))?;
    }

    // A signing key of its own, so `corte verify` checks signatures too.
    let key_path = dir.join("keys").join("demo.key");
    std::fs::create_dir_all(dir.join("keys")).context("creating keys/")?;
    sign::keygen(&key_path).map_err(anyhow::Error::msg)?;

    let store_url = url::Url::from_directory_path(&store)
        .map_err(|_| anyhow::anyhow!("{} cannot be a file:// URL", store.display()))?
        .to_string();
    let publisher = Publisher::open(&Setup {
        to: vec![store_url.clone()],
        signing_key: Some(key_path.clone()),
        state: Some(state.clone()),
        // The committed example has no image files: its actas show their
        // hashes only, not "Imagen en proceso" forever.
        images: matches!(*night, Night::Generated(_)).then(|| images.clone()),
        ..Setup::default()
    })?;
    let mut opts = WatchOptions::new(inbox.clone());
    opts.state = state.clone();
    opts.rescan = Duration::from_millis(500);
    opts.incomplete_grace = Duration::from_secs(10);

    let rt = super::targets::runtime()?;
    rt.block_on(async {
        let (stop, shutdown) = tokio::sync::watch::channel(false);
        let watcher = Watcher::new(publisher, opts)?;
        let watching = tokio::spawn(watcher.run(shutdown));
        let (addr, server) = serve(publisher_target(&store_url)?, args.port).await?;
        let url = format!("http://{addr}/");
        println!("corte demo: {} cortes → {}", night.len(), dir.display());
        println!("serving {url} (the first corte shows in a few seconds)");

        let mut failure = None;
        for seq in 1..=night.len() {
            if seq > 1 && args.interval > 0.0 {
                tokio::time::sleep(Duration::from_secs_f64(args.interval)).await;
            }
            let step = async {
                let (night, staging, inbox) = (night.clone(), staging.clone(), inbox.clone());
                let images = images.clone();
                let (name, corte) = tokio::task::spawn_blocking(move || {
                    deliver(&night, seq, &staging, &inbox, &images)
                })
                .await
                .context("delivering a snapshot")??;
                wait_live(&state, &corte, &watching).await?;
                anyhow::Ok(name)
            };
            match step.await {
                Ok(name) => report(&state, &name),
                Err(e) => {
                    failure = Some(e);
                    break;
                }
            }
        }
        let _ = stop.send(true);
        let _ = watching.await;
        if let Some(e) = failure {
            server.shutdown().await;
            return Err(e);
        }
        println!(
            "{} cortes published in {:.1} s to {store_url}",
            night.len(),
            started.elapsed().as_secs_f64()
        );
        println!(
            "check it:  corte verify {store_url} --key {}",
            sign::public_path(&key_path).display()
        );
        if args.exit {
            server.shutdown().await;
            if !aside.is_empty() {
                let t = Instant::now();
                remove_aside(&aside);
                println!(
                    "removed the previous demo folder in {:.1} s",
                    t.elapsed().as_secs_f64()
                );
            }
            return Ok(());
        }
        // The night is live: the previous demo's files go while we serve.
        std::thread::spawn(move || remove_aside(&aside));
        println!("serving {url} — Ctrl-C to stop");
        super::watch::wait_for_signal().await;
        server.shutdown().await;
        anyhow::Ok(())
    })
}

fn night(args: &Args) -> anyhow::Result<Night> {
    let computos = args.real_data.join("iecm-2024-computos");
    if !args.example && computos.is_dir() {
        let config = Config {
            real_data: args.real_data.clone(),
            // Acta images too: each corte's arrive in the image folder
            // just before its snapshot, a few of them a corte late.
            images: true,
            ..Config::new(Scale::Cdmx, args.cortes)
        };
        return Ok(Night::Generated(Box::new(Generator::new(config)?)));
    }
    let example = example_folder().context(
        "neither the real data (../shared/data/real/iecm-2024-computos, or --real-data) \
         nor the committed site-example/ folder was found: run corte demo from the repository",
    )?;
    if !args.example {
        eprintln!(
            "{} not found: replaying the committed example ({})",
            computos.display(),
            example.display()
        );
    }
    let mut cortes: Vec<PathBuf> = std::fs::read_dir(&example)
        .with_context(|| format!("reading {}", example.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.join("corte.json").is_file()
                || p.extension().is_some_and(|x| x == "gz") && p.is_file()
        })
        .collect();
    cortes.sort();
    cortes.truncate(args.cortes as usize);
    if cortes.is_empty() {
        bail!("{} holds no snapshots", example.display());
    }
    Ok(Night::Example(cortes))
}

/// `site-example/` beside the current folder or beside the crate.
fn example_folder() -> Option<PathBuf> {
    [
        PathBuf::from("site-example"),
        Path::new(env!("CARGO_MANIFEST_DIR")).join("site-example"),
    ]
    .into_iter()
    .find(|p| p.is_dir())
}

/// Makes the working folder an empty demo folder, refusing one that is not
/// the demo's own. A previous demo's folder is not deleted here but moved
/// aside (one rename, beside it as `<dir>.previo-<pid>`): its 150,000-odd
/// files take about a minute to delete on a disk mounted with `discard`, and
/// deleting them while the night runs slows every corte. Returns the folder
/// and what is to be deleted once the night is live — the one just moved
/// aside and any a stopped demo left.
fn prepare(dir: &Path) -> anyhow::Result<(PathBuf, Vec<PathBuf>)> {
    let mut aside = leftovers(dir);
    if dir.exists() {
        let empty = dir.read_dir().is_ok_and(|mut d| d.next().is_none());
        if !dir.join("inbox").is_dir() && !empty {
            bail!(
                "{} exists and is not a corte demo folder: give another --dir",
                dir.display()
            );
        }
        match aside_name(dir) {
            Some(to) if !empty && std::fs::rename(dir, &to).is_ok() => aside.push(to),
            _ => std::fs::remove_dir_all(dir)
                .with_context(|| format!("emptying {}", dir.display()))?,
        }
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let dir = dir
        .canonicalize()
        .with_context(|| format!("resolving {}", dir.display()))?;
    Ok((dir, aside))
}

const ASIDE: &str = ".previo-";

fn aside_name(dir: &Path) -> Option<PathBuf> {
    let name = dir.file_name()?.to_string_lossy();
    Some(dir.with_file_name(format!("{name}{ASIDE}{}", std::process::id())))
}

/// Folders a previous demo moved aside and did not get to delete: siblings
/// named `<dir>.previo-…` that are demo folders.
fn leftovers(dir: &Path) -> Vec<PathBuf> {
    let (Some(name), Some(parent)) = (dir.file_name(), dir.parent()) else {
        return Vec::new();
    };
    let parent = if parent.as_os_str().is_empty() {
        Path::new(".")
    } else {
        parent
    };
    let prefix = format!("{}{ASIDE}", name.to_string_lossy());
    let Ok(entries) = std::fs::read_dir(parent) else {
        return Vec::new();
    };
    let mut found: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
        .map(|e| e.path())
        .filter(|p| p.join("inbox").is_dir())
        .collect();
    found.sort();
    found
}

/// Deletes the previous demo folders moved aside; a failure is only reported.
fn remove_aside(aside: &[PathBuf]) {
    for p in aside {
        if let Err(e) = std::fs::remove_dir_all(p) {
            eprintln!("could not remove {}: {e}", p.display());
        }
    }
}

/// Writes corte `seq` beside the inbox and renames it in whole, as the
/// central database must; a generated night's acta images that arrive with
/// this corte go into the image folder first. Returns its name and corte id.
fn deliver(
    night: &Night,
    seq: u32,
    staging: &Path,
    inbox: &Path,
    images: &Path,
) -> anyhow::Result<(String, String)> {
    match night {
        Night::Generated(g) => {
            generator::write_images(images, &g.images(seq)?)?;
            let snapshot = g.snapshot(seq)?;
            let name = g.snapshot_name(seq);
            let tmp = staging.join(&name);
            crate::source::write(&tmp, &snapshot)?;
            let corte = snapshot.corte_meta().id();
            rename(&tmp, &inbox.join(&name))?;
            Ok((name, corte))
        }
        Night::Example(paths) => {
            let from = &paths[(seq - 1) as usize];
            let name = from
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .context("a snapshot without a name")?;
            let corte = crate::source::load(from)
                .with_context(|| format!("reading {}", from.display()))?
                .corte
                .id();
            let tmp = staging.join(&name);
            copy_tree(from, &tmp)?;
            rename(&tmp, &inbox.join(&name))?;
            Ok((name, corte))
        }
    }
}

fn rename(from: &Path, to: &Path) -> anyhow::Result<()> {
    std::fs::rename(from, to)
        .with_context(|| format!("moving {} into {}", from.display(), to.display()))
}

fn copy_tree(from: &Path, to: &Path) -> anyhow::Result<()> {
    if from.is_file() {
        std::fs::copy(from, to).with_context(|| format!("copying {}", from.display()))?;
        return Ok(());
    }
    std::fs::create_dir_all(to).with_context(|| format!("creating {}", to.display()))?;
    for entry in std::fs::read_dir(from).with_context(|| format!("reading {}", from.display()))? {
        let entry = entry.with_context(|| format!("reading {}", from.display()))?;
        copy_tree(&entry.path(), &to.join(entry.file_name()))?;
    }
    Ok(())
}

/// Waits until the watcher's status names `corte` live, or says why not.
async fn wait_live(
    state: &Path,
    corte: &str,
    watching: &tokio::task::JoinHandle<Result<(), crate::watch::WatchError>>,
) -> anyhow::Result<()> {
    loop {
        if watching.is_finished() {
            bail!("the watcher stopped before corte {corte} went live");
        }
        if let Ok(status) = read_status(state) {
            if status.live.as_ref().is_some_and(|l| l.corte == corte) {
                return Ok(());
            }
            if let Some(a) = &status.last_attempt
                && a.corte.as_deref() == Some(corte)
                && matches!(a.outcome.as_str(), "rejected" | "failed")
            {
                bail!(
                    "corte {corte} was {}: {}",
                    a.outcome,
                    a.message.as_deref().unwrap_or("(no reason given)")
                );
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn report(state: &Path, name: &str) {
    let Ok(status) = read_status(state) else {
        return;
    };
    if let Some(live) = status.live {
        println!(
            "  live: corte {} (seq {}, {}) from {name}, {:.1} s after it arrived",
            live.corte, live.seq, live.corte_time, live.lag_from_arrival_secs
        );
    }
}

/// The store the demo publishes to, opened again for serving.
fn publisher_target(store_url: &str) -> anyhow::Result<Target> {
    Target::open(
        &TargetConfig::from_url(store_url),
        &Default::default(),
        &Default::default(),
    )
    .with_context(|| format!("opening {store_url}"))
}

/// Serves on `port`, or on a free port when that one is taken.
async fn serve(target: Target, port: u16) -> anyhow::Result<(SocketAddr, crate::serve::Handle)> {
    let local = IpAddr::V4(Ipv4Addr::LOCALHOST);
    match crate::serve::start(target.clone(), SocketAddr::new(local, port)).await {
        Ok(x) => Ok(x),
        Err(e) if port != 0 => {
            eprintln!("port {port}: {e}; using a free port");
            crate::serve::start(target, SocketAddr::new(local, 0))
                .await
                .context("listening on a free port")
        }
        Err(e) => Err(e).context("listening"),
    }
}

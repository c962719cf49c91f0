//! What the publishing commands share: the config, opening targets, the
//! runtime, progress bars, and figures for people.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use anyhow::Context;
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

use crate::publish::{Config, Progress, Quiet, Step, Target, sign};

/// Options every publishing command takes.
#[derive(clap::Args, Debug, Clone)]
pub struct Common {
    /// corte.toml with [publish], [cache] and [[target]] (default: $CORTE_CONFIG, ./corte.toml).
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    /// Objects in flight per target (default 32; env CORTE_CONCURRENCY).
    #[arg(long, global = true)]
    pub concurrency: Option<usize>,
}

impl Common {
    pub fn config(&self) -> anyhow::Result<Config> {
        let mut c = Config::load(self.config.as_deref()).map_err(anyhow::Error::msg)?;
        if let Some(n) = self.concurrency {
            c.publish.concurrency = n.max(1);
            for t in &mut c.targets {
                t.concurrency = None;
            }
        }
        Ok(c)
    }
}

/// Opens the targets named (or given by URL) in `to`.
pub fn open(config: &Config, to: &[String]) -> anyhow::Result<Vec<Target>> {
    Target::open_all(config, to).map_err(anyhow::Error::msg)
}

pub fn open_one(config: &Config, to: &str) -> anyhow::Result<Target> {
    open(config, &[to.to_string()])?.pop().context("no target")
}

pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

pub fn public_key(path: &Option<PathBuf>) -> anyhow::Result<Option<sign::PublicKey>> {
    path.as_deref()
        .map(sign::load_public)
        .transpose()
        .map_err(anyhow::Error::msg)
}

/// Bars on a terminal, one per target; nothing otherwise.
pub fn progress() -> Arc<dyn Progress> {
    if std::io::stderr().is_terminal() {
        Arc::new(Bars::default())
    } else {
        Arc::new(Quiet)
    }
}

#[derive(Default)]
struct Bars {
    multi: MultiProgress,
    bars: Mutex<HashMap<String, ProgressBar>>,
}

impl Progress for Bars {
    fn begin(&self, target: &str, step: Step, objects: u64, _bytes: u64) {
        let Ok(mut bars) = self.bars.lock() else {
            return;
        };
        let bar = bars.entry(target.to_string()).or_insert_with(|| {
            let b = self.multi.add(ProgressBar::new(objects));
            b.set_style(
                ProgressStyle::with_template(
                    "{prefix:>12} {bar:30} {pos:>6}/{len:6} {msg} ({binary_bytes_per_sec})",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            b.set_prefix(target.to_string());
            b
        });
        bar.set_length(objects);
        bar.set_position(0);
        bar.set_message(step.label());
    }

    fn advance(&self, target: &str, _bytes: u64, _transferred: bool) {
        if let Ok(bars) = self.bars.lock()
            && let Some(b) = bars.get(target)
        {
            b.inc(1);
        }
    }
}

/// `1.2 MB`, `340 kB`, `12 B`.
pub fn bytes(n: u64) -> String {
    match n {
        n if n >= 1_000_000_000 => format!("{:.2} GB", n as f64 / 1e9),
        n if n >= 1_000_000 => format!("{:.1} MB", n as f64 / 1e6),
        n if n >= 1_000 => format!("{:.0} kB", n as f64 / 1e3),
        n => format!("{n} B"),
    }
}

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;

use crate::site::{History, RenderOptions, Theme};

#[derive(clap::Args)]
pub struct Args {
    /// The snapshot: a folder with corte.json, or a .tar.gz of one.
    pub snapshot: PathBuf,
    /// Where to write the site (created if missing).
    #[arg(long)]
    pub out: PathBuf,
    /// A theme folder (theme.toml, templates/, static/); default: the built-in theme.
    #[arg(long)]
    pub theme: Option<PathBuf>,
    /// A built-in ruleset name or a TOML file; default: the catalog's.
    #[arg(long)]
    pub ruleset: Option<String>,
    /// Earlier cortes' manifests, for the charts of how counts evolved: a
    /// folder of manifest .json files, or a published store's root (its
    /// cortes/<id>/manifest.json).
    #[arg(long)]
    pub history: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let started = Instant::now();
    let snapshot = crate::source::load(&args.snapshot)?;
    let ruleset = super::choose_ruleset(args.ruleset.as_deref(), &snapshot)?;
    let results = crate::tally::tally(&snapshot, &ruleset);
    let theme = match &args.theme {
        Some(dir) => Theme::from_files(&dir.display().to_string(), read_theme(dir)?)?,
        None => Theme::embedded()?,
    };
    let history = match &args.history {
        Some(dir) => History::from_manifest_bytes(
            crate::source::history::read_manifests(dir)?,
            snapshot.corte.seq,
        )?,
        None => History::default(),
    };
    let loaded = started.elapsed();
    let opts = RenderOptions {
        theme: &theme,
        history: &history,
        // The latest earlier corte known is the one published before this.
        previous: history.cortes.last().map(|m| m.corte.id.clone()),
    };
    let build = crate::site::render(&snapshot, &results, &opts)?;
    let rendered = started.elapsed();
    write_build(&args.out, &build)?;
    let pages = build
        .artifacts
        .iter()
        .filter(|a| a.key.ends_with(".html"))
        .count();
    println!(
        "{} files ({pages} pages) in {}",
        build.artifacts.len() + 1,
        args.out.display()
    );
    println!("manifest.json sha256 {}", build.manifest_sha256);
    eprintln!(
        "load and tally {:.2} s, render {:.2} s, write {:.2} s",
        loaded.as_secs_f64(),
        (rendered - loaded).as_secs_f64(),
        (started.elapsed() - rendered).as_secs_f64()
    );
    Ok(())
}

/// Every file of a theme folder, by its path relative to the folder (`/`-separated).
fn read_theme(dir: &Path) -> anyhow::Result<BTreeMap<String, Vec<u8>>> {
    let mut files = BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        let entries = std::fs::read_dir(&d)
            .with_context(|| format!("reading the theme folder {}", d.display()))?;
        for entry in entries {
            let path = entry
                .with_context(|| format!("reading the theme folder {}", d.display()))?
                .path();
            let hidden = path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'));
            if hidden {
                continue;
            }
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            let rel = path
                .strip_prefix(dir)
                .with_context(|| format!("{} is outside the theme folder", path.display()))?;
            let key = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            let bytes =
                std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
            files.insert(key, bytes);
        }
    }
    Ok(files)
}

/// Every artifact's bytes at `out/<key>`, then `out/manifest.json`.
fn write_build(out: &Path, build: &crate::site::Build) -> anyhow::Result<()> {
    use rayon::prelude::*;
    let folders: BTreeSet<&str> = build
        .artifacts
        .iter()
        .filter_map(|a| a.key.rsplit_once('/').map(|(dir, _)| dir))
        .collect();
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    for dir in folders {
        let path = out.join(dir);
        std::fs::create_dir_all(&path).with_context(|| format!("creating {}", path.display()))?;
    }
    let write = |key: &str, bytes: &[u8]| {
        let path = out.join(key);
        std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))
    };
    build
        .artifacts
        .par_iter()
        .try_for_each(|a| write(&a.key, &a.bytes))?;
    write(crate::site::manifest::MANIFEST_FILE, &build.manifest_bytes)
}

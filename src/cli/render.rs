use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;

use crate::site::{History, RenderOptions};

#[derive(clap::Args)]
pub struct Args {
    /// Where to write the site (created if missing).
    #[arg(long)]
    pub out: PathBuf,
    /// A theme folder (theme.toml, templates/, static/); default: the built-in theme.
    #[arg(long)]
    pub theme: Option<PathBuf>,
    #[command(flatten)]
    pub input: super::SnapshotArgs,
    /// Earlier cortes' manifests, for the charts of how counts evolved: a
    /// folder of manifest .json files, or a published store's root (its
    /// cortes/<id>/manifest.json).
    #[arg(long)]
    pub history: Option<PathBuf>,
    /// The acta image folder (files named `<sha256>.<ext>`): actas whose
    /// image is there link to it, the others say "Imagen en proceso"; the
    /// images are copied to `OUT/actas/`.
    #[arg(long)]
    pub images: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let started = Instant::now();
    let (snapshot, results) = args.input.tally()?;
    let theme = crate::cutover::setup::theme(args.theme.as_deref())?;
    let history = match &args.history {
        Some(dir) => History::from_manifest_bytes(
            crate::source::history::read_manifests(dir)?,
            snapshot.corte.seq,
        )?,
        None => History::default(),
    };
    let images = match &args.images {
        Some(dir) => {
            let set = crate::source::images::ImageFolder::new(dir).scan(&snapshot)?;
            super::report_images(&set);
            Some(set)
        }
        None => None,
    };
    let loaded = started.elapsed();
    let opts = RenderOptions {
        theme: &theme,
        history: &history,
        // The latest earlier corte known is the one published before this.
        previous: history.cortes.last().map(|m| m.corte.id.clone()),
        images: images.as_ref(),
        ..RenderOptions::new(&theme, &history)
    };
    let build = crate::site::render(&snapshot, &results, &opts)?;
    let rendered = started.elapsed();
    write_build(&args.out, &build)?;
    if let Some(set) = &images {
        copy_images(&args.out, set)?;
    }
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

/// The verified images at `out/actas/<sha256>.<ext>`, where the pages link.
fn copy_images(out: &Path, set: &crate::published::images::ImageSet) -> anyhow::Result<()> {
    use rayon::prelude::*;
    let dir = out.join(crate::published::images::PREFIX);
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    set.images.par_iter().try_for_each(|(_, i)| {
        let to = out.join(i.key());
        std::fs::copy(&i.path, &to)
            .map(|_| ())
            .with_context(|| format!("copying {} to {}", i.path.display(), to.display()))
    })
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
    write(crate::published::layout::MANIFEST, &build.manifest_bytes)
}

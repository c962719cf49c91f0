//! `corte seal DIR`: writes the `corte.json` of a snapshot folder that already
//! holds `catalog.json` and `actas/*.csv`, the way the central database must:
//! sizes and SHA-256 of every member, written last through a temporary name.
//!
//! It does not validate the members' contents (`corte check` does): it seals
//! what is there, which is also how the invalid-snapshot fixtures are made.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use crate::contract::NewSnapshot;
use crate::contract::catalog::CATALOG_FILE;
use crate::contract::corte::CORTE_FILE;

#[derive(clap::Args)]
pub struct Args {
    /// The snapshot folder: catalog.json and actas/<ELECTION>.csv.
    pub dir: PathBuf,
    /// The process id; must match catalog.json's `process.id`.
    #[arg(long = "process")]
    pub process: String,
    /// The corte sequence number (1, 2, 3…).
    #[arg(long)]
    pub seq: u32,
    /// The corte time, RFC 3339 with offset: 2024-06-02T20:00:00-06:00.
    #[arg(long)]
    pub timestamp: String,
    /// Mark this corte as the last of the night.
    #[arg(long = "final")]
    pub final_corte: bool,
    /// Replace an existing corte.json.
    #[arg(long)]
    pub force: bool,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let corte_path = args.dir.join(CORTE_FILE);
    if corte_path.exists() && !args.force {
        bail!(
            "{} already exists: this snapshot is sealed; pass --force to seal it again",
            corte_path.display()
        );
    }
    let snapshot = NewSnapshot {
        process_id: args.process,
        seq: args.seq,
        timestamp: args.timestamp,
        final_corte: args.final_corte,
        members: read_members(&args.dir)?,
    };
    check_process(&snapshot)?;
    let meta = snapshot.corte_meta();
    meta.validate()
        .with_context(|| format!("refusing to seal {}", args.dir.display()))?;
    write_atomically(&args.dir, &snapshot.corte_json())?;
    println!(
        "sealed {}: corte {} of {} ({}), {} members",
        args.dir.display(),
        meta.seq,
        meta.process_id,
        meta.timestamp,
        meta.members.len()
    );
    Ok(())
}

/// A readable catalog must name the same process; an unreadable one is sealed
/// as it is (`corte check` will say what is wrong with it).
fn check_process(snapshot: &NewSnapshot) -> anyhow::Result<()> {
    let Some(bytes) = snapshot.members.get(CATALOG_FILE) else {
        return Ok(());
    };
    if let Ok(catalog) = crate::contract::parse_catalog(bytes)
        && catalog.process.id != snapshot.process_id
    {
        bail!(
            "--process {} does not match catalog.json's process `{}`",
            snapshot.process_id,
            catalog.process.id
        );
    }
    Ok(())
}

/// `catalog.json` and every `actas/*.csv`, by relative path.
fn read_members(dir: &Path) -> anyhow::Result<BTreeMap<String, Vec<u8>>> {
    let mut members = BTreeMap::new();
    let catalog = dir.join(CATALOG_FILE);
    let bytes = fs::read(&catalog).with_context(|| {
        format!(
            "cannot read {}: a snapshot folder holds catalog.json and actas/<ELECTION>.csv",
            catalog.display()
        )
    })?;
    members.insert(CATALOG_FILE.to_string(), bytes);
    let actas = dir.join("actas");
    if !actas.is_dir() {
        return Ok(members);
    }
    let entries =
        fs::read_dir(&actas).with_context(|| format!("cannot list {}", actas.display()))?;
    for entry in entries {
        let path = entry
            .with_context(|| format!("cannot list {}", actas.display()))?
            .path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            bail!("{}: file name is not UTF-8", path.display());
        };
        if !name.ends_with(".csv") || !path.is_file() {
            continue;
        }
        let bytes = fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
        members.insert(format!("actas/{name}"), bytes);
    }
    Ok(members)
}

fn write_atomically(dir: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let tmp = dir.join(".corte.json.tmp");
    let target = dir.join(CORTE_FILE);
    let write = || -> std::io::Result<()> {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, &target)
    };
    write().with_context(|| format!("cannot write {}", target.display()))
}

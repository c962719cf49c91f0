use std::path::PathBuf;

use anyhow::{Context, bail};

use crate::anexo13::import::{self, Comun, Input, Options};
use crate::contract::{ContestLevel, RulesetRef};

#[derive(clap::Subcommand)]
pub enum Command {
    /// Turn published PREP database files (Anexo 13 CSV, any year's quirks)
    /// into a snapshot: one file per election.
    Anexo13(Anexo13Args),
}

#[derive(clap::Args)]
pub struct Anexo13Args {
    /// The published database files (`CDMX_GUB_2024.csv`, …), one per election.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// The candidates file of each database file, in the same order.
    #[arg(long)]
    pub candidaturas: Vec<PathBuf>,
    /// A built-in ruleset name or a TOML file.
    #[arg(long, default_value = crate::tally::ruleset::DEFAULT)]
    pub ruleset: String,
    /// Mark the snapshot as the final corte.
    #[arg(long)]
    pub r#final: bool,
    /// The corte's sequence number.
    #[arg(long, default_value_t = 1)]
    pub seq: u32,
    /// Process id (default: the entidad's short name and the year, `cdmx-2024`).
    #[arg(long)]
    pub process: Option<String>,
    /// Boletas approved per casilla especial (published files do not carry them).
    #[arg(long, default_value_t = 750)]
    pub boletas_especiales: u32,
    /// UTC offset when the file's corte line gives none, e.g. -06:00.
    #[arg(long)]
    pub utc_offset: Option<String>,
    /// A candidatura común column and its shares in basis points, remainder to
    /// the first: `MORENA_PT_PVEM=MORENA:5333,PT:2000,PVEM:2667`.
    #[arg(long)]
    pub comun: Vec<String>,
    /// Force an election's contest level: `GUB=entidad`, `DIP_LOC=distrito`, `ALC=demarcacion`.
    #[arg(long)]
    pub contest: Vec<String>,
    /// Where to write the snapshot: a folder, or a path ending in .tar.gz.
    /// It must not exist yet (or be an empty folder), unless `--replace`.
    #[arg(long)]
    pub out: PathBuf,
    /// Replace what `--out` holds, whole: the new snapshot is written beside
    /// it and renamed into its place, so no member of the old one is left.
    #[arg(long)]
    pub replace: bool,
    /// Where to write the import report (default: `import-report.json` in
    /// the folder that holds the snapshot).
    #[arg(long)]
    pub report: Option<PathBuf>,
}

pub fn run(cmd: Command) -> anyhow::Result<()> {
    match cmd {
        Command::Anexo13(args) => anexo13(args),
    }
}

fn anexo13(args: Anexo13Args) -> anyhow::Result<()> {
    let inputs = inputs(&args)?;
    let opts = options(&args)?;
    refuse_to_overwrite(&args.out, args.replace)?;
    let mut imported = import::import(&inputs, &opts)?;
    if crate::source::is_archive(&args.out) {
        // Written to a temporary file and renamed over: whole or not at all.
        crate::source::write_archive(&args.out, &imported.snapshot)?;
    } else if args.replace && args.out.exists() {
        replace_folder(&args.out, &imported.snapshot)?;
    } else {
        crate::source::write(&args.out, &imported.snapshot)?;
    }
    println!("wrote {}", args.out.display());
    // Read back what was written, tally it, and set it beside the published summary.
    let snapshot = crate::source::load(&args.out)?;
    let ruleset = crate::tally::ruleset_of(&snapshot).map_err(anyhow::Error::msg)?;
    let results = crate::tally::tally(&snapshot, &ruleset);
    imported.report.set_summaries(&results);
    let report_path = args.report.clone().unwrap_or_else(|| {
        let parent = args.out.parent().unwrap_or(std::path::Path::new(""));
        parent.join("import-report.json")
    });
    std::fs::write(&report_path, imported.report.to_json())
        .with_context(|| format!("writing {}", report_path.display()))?;
    for election in &imported.report.elections {
        println!();
        print!("{election}");
    }
    println!();
    println!("wrote {}", report_path.display());
    Ok(())
}

/// A sealed snapshot is evidence: an import never writes into one. An
/// existing `--out` (a file, or a folder that is not empty) is refused
/// unless `--replace` says to replace it whole.
fn refuse_to_overwrite(out: &std::path::Path, replace: bool) -> anyhow::Result<()> {
    let occupied = match std::fs::symlink_metadata(out) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
        Err(e) => return Err(e).with_context(|| format!("reading {}", out.display())),
        Ok(m) if m.is_dir() => std::fs::read_dir(out)
            .with_context(|| format!("reading {}", out.display()))?
            .next()
            .is_some(),
        Ok(_) => true,
    };
    if occupied && !replace {
        let what = if !out.is_dir() {
            "exists"
        } else if out.join(crate::contract::corte::CORTE_FILE).exists() {
            "holds a snapshot (corte.json)"
        } else {
            "is a folder that is not empty"
        };
        bail!(
            "--out {} {what}: corte import never writes into an existing snapshot; \
             choose a new --out, or pass --replace to replace it whole",
            out.display()
        );
    }
    if occupied && !crate::source::is_archive(out) && !out.is_dir() {
        bail!(
            "--out {} is a file, not a folder: give a folder, or a path ending in .tar.gz",
            out.display()
        );
    }
    Ok(())
}

/// `--replace` of a folder: the new snapshot is written into a sibling
/// folder, the old one is moved aside, the new one renamed into its place,
/// and only then is the old one deleted. A failure before the renames
/// leaves the old snapshot as it was.
fn replace_folder(
    out: &std::path::Path,
    snapshot: &crate::contract::corte::NewSnapshot,
) -> anyhow::Result<()> {
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "snapshot".into());
    let sibling = |tag: &str| out.with_file_name(format!(".{name}.{tag}-{}", std::process::id()));
    let (new, old) = (sibling("new"), sibling("old"));
    let _ = std::fs::remove_dir_all(&new);
    crate::source::write(&new, snapshot)?;
    std::fs::rename(out, &old).with_context(|| {
        format!(
            "moving the old {} aside to {}",
            out.display(),
            old.display()
        )
    })?;
    std::fs::rename(&new, out)
        .with_context(|| format!("renaming {} to {}", new.display(), out.display()))?;
    std::fs::remove_dir_all(&old).with_context(|| format!("removing {}", old.display()))?;
    Ok(())
}

/// The database files, each with its candidates file if given.
fn inputs(args: &Anexo13Args) -> anyhow::Result<Vec<Input>> {
    if !args.candidaturas.is_empty() && args.candidaturas.len() != args.files.len() {
        bail!(
            "give one --candidaturas per database file ({} files, {} candidates files)",
            args.files.len(),
            args.candidaturas.len()
        );
    }
    let limits = crate::source::limits::current();
    let read = |p: &PathBuf| crate::source::limits::read_import_file(p, &limits);
    let name = |p: &PathBuf| {
        p.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    let mut inputs = Vec::new();
    for (i, f) in args.files.iter().enumerate() {
        let candidaturas = match args.candidaturas.get(i) {
            Some(c) => Some((name(c), read(c)?)),
            None => None,
        };
        inputs.push(Input {
            file: name(f),
            bytes: read(f)?,
            candidaturas,
        });
    }
    Ok(inputs)
}

fn options(args: &Anexo13Args) -> anyhow::Result<Options> {
    let ruleset = crate::source::ruleset::from_arg(&args.ruleset).map_err(anyhow::Error::msg)?;
    let ruleset_ref = if crate::tally::ruleset::builtin(&args.ruleset).is_some() {
        RulesetRef::Named(args.ruleset.clone())
    } else {
        RulesetRef::Inline(ruleset)
    };
    let utc_offset = match &args.utc_offset {
        Some(o) => Some(
            chrono::DateTime::parse_from_rfc3339(&format!("2000-01-01T00:00:00{o}"))
                .map(|t| *t.offset())
                .map_err(|_| anyhow::anyhow!("--utc-offset {o}: expected the form -06:00"))?,
        ),
        None => None,
    };
    let comunes = args
        .comun
        .iter()
        .map(|c| Comun::parse(c))
        .collect::<Result<Vec<_>, _>>()
        .map_err(anyhow::Error::msg)?;
    Ok(Options {
        ruleset: ruleset_ref,
        final_corte: args.r#final,
        seq: args.seq,
        process_id: args.process.clone(),
        boletas_especiales: args.boletas_especiales,
        utc_offset,
        comunes,
        contest: args
            .contest
            .iter()
            .map(|c| contest(c))
            .collect::<anyhow::Result<_>>()?,
    })
}

/// `--contest DIP_LOC=distrito`.
fn contest(arg: &str) -> anyhow::Result<(String, ContestLevel)> {
    let (e, level) = arg
        .split_once('=')
        .ok_or_else(|| anyhow::anyhow!("--contest {arg}: expected ELECTION=LEVEL"))?;
    let level = match level {
        "entidad" => ContestLevel::Entidad,
        "distrito" => ContestLevel::Distrito,
        "demarcacion" => ContestLevel::Demarcacion,
        other => bail!("--contest {arg}: `{other}` is not entidad, distrito or demarcacion"),
    };
    Ok((e.to_string(), level))
}

use std::path::PathBuf;

use anyhow::Context;

use crate::generator::{self, Config, Generator, Scale};

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum ScaleArg {
    /// Ciudad de México 2024 on its real cómputos (about 13,500 actas per election).
    Cdmx,
    /// A synthetic federal process (about 170,000 casillas × 3 elections).
    National,
    /// Two CDMX distritos and the votes from abroad: the repository's site-example/.
    Example,
}

#[derive(clap::Args)]
pub struct Args {
    #[arg(long, value_enum)]
    pub scale: ScaleArg,
    /// Number of cortes; the last one is final.
    #[arg(long)]
    pub cortes: u32,
    /// Folder to write <process-id>-<seq> snapshots into.
    #[arg(long, required_unless_present = "to")]
    pub out: Option<PathBuf>,
    /// Write the night into a PostgreSQL database instead, in the example
    /// schema of data-contracts/central-db.sql (created if missing), closing
    /// each corte with its NOTIFY (docs/database.md).
    #[arg(long, value_name = "URL", conflicts_with_all = ["out", "archive", "images"])]
    pub to: Option<String>,
    /// With --to: drop the example schema first if the database has one.
    #[arg(long, requires = "to")]
    pub replace: bool,
    /// With --to: seconds to wait before each corte after the first, to
    /// play a night at a watchable pace.
    #[arg(long, requires = "to", default_value_t = 0.0)]
    pub pace: f64,
    /// Same seed and arguments, same bytes.
    #[arg(long, default_value_t = generator::DEFAULT_SEED)]
    pub seed: u64,
    /// Time of the first corte, RFC 3339 with offset.
    #[arg(long, default_value = generator::DEFAULT_START)]
    pub start: String,
    /// Minutes between cortes.
    #[arg(long, default_value_t = generator::DEFAULT_INTERVAL_MINUTES)]
    pub interval_minutes: u32,
    /// Write each snapshot as a .tar.gz instead of a folder.
    #[arg(long)]
    pub archive: bool,
    /// The shared data folder holding iecm-2024-computos/ (CDMX and example scales).
    #[arg(long, default_value = generator::DEFAULT_REAL_DATA)]
    pub real_data: PathBuf,
    /// Also draw a synthetic PNG per acta (CODIGO_INTEGRIDAD becomes its
    /// SHA-256) and write the images arriving at each corte into
    /// DIR/<process-id>-<seq>/<sha256>.png, before that corte's snapshot.
    #[arg(long, value_name = "DIR")]
    pub images: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let start = crate::contract::corte::parse_timestamp(&args.start)
        .map_err(anyhow::Error::msg)
        .context("--start")?;
    let scale = match args.scale {
        ScaleArg::Cdmx => Scale::Cdmx,
        ScaleArg::National => Scale::National,
        ScaleArg::Example => Scale::Example,
    };
    let config = Config {
        seed: args.seed,
        start,
        interval_minutes: args.interval_minutes,
        real_data: args.real_data,
        images: args.images.is_some(),
        ..Config::new(scale, args.cortes)
    };
    let generator = Generator::new(config)?;
    if let Some(url) = &args.to {
        return to_database(&generator, url, args.replace, args.pace);
    }
    let out = args.out.clone().context("--out DIR or --to URL")?;
    std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    for seq in 1..=generator.cortes() {
        let snapshot = generator.snapshot(seq)?;
        let name = generator.snapshot_name(seq);
        // The images first: by the time a watcher sees the snapshot, the
        // images that arrived with it are in place.
        let images = match &args.images {
            Some(dir) => {
                let images = generator.images(seq)?;
                generator::write_images(&dir.join(&name), &images)?;
                format!("  images {}", images.len())
            }
            None => String::new(),
        };
        let path = if args.archive {
            let path = out.join(format!("{name}.tar.gz"));
            crate::source::write_archive(&path, &snapshot)?;
            path
        } else {
            let path = out.join(name);
            crate::source::write(&path, &snapshot)?;
            path
        };
        println!(
            "{}  {}{images}",
            path.display(),
            describe(&generator, seq, &snapshot)
        );
    }
    Ok(())
}

/// `2024-06-02T20:30:00-06:00  actas GUB 12138/13434, …  (final)`
fn describe(generator: &Generator, seq: u32, snapshot: &crate::contract::NewSnapshot) -> String {
    let counts: Vec<String> = generator
        .counts(seq)
        .iter()
        .map(|c| format!("{} {}/{}", c.election, c.registradas, c.esperadas))
        .collect();
    format!(
        "{}  actas {}{}",
        snapshot.timestamp,
        counts.join(", "),
        if snapshot.final_corte {
            "  (final)"
        } else {
            ""
        }
    )
}

/// Writes the night into the example schema, corte by corte.
fn to_database(generator: &Generator, url: &str, replace: bool, pace: f64) -> anyhow::Result<()> {
    use crate::source::postgres::{DbConfig, load};
    let db = DbConfig::new(url);
    let rt = super::targets::runtime()?;
    rt.block_on(async {
        let mut loader = load::Loader::connect(&db).await?;
        load::create_example_schema(&loader.client, replace).await?;
        for seq in 1..=generator.cortes() {
            if seq > 1 && pace > 0.0 {
                tokio::time::sleep(std::time::Duration::from_secs_f64(pace)).await;
            }
            let new = generator.snapshot(seq)?;
            let snapshot = new.validate()?;
            let written = loader.write_corte(&snapshot).await?;
            println!(
                "{} corte {seq}: {}  (+{written} actas, closed)",
                db.display(),
                describe(generator, seq, &new)
            );
        }
        anyhow::Ok(())
    })
}

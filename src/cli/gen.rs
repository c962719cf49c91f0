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
    #[arg(long)]
    pub out: PathBuf,
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
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;
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
            let path = args.out.join(format!("{name}.tar.gz"));
            crate::source::write_archive(&path, &snapshot)?;
            path
        } else {
            let path = args.out.join(name);
            crate::source::write(&path, &snapshot)?;
            path
        };
        let counts: Vec<String> = generator
            .counts(seq)
            .iter()
            .map(|c| format!("{} {}/{}", c.election, c.registradas, c.esperadas))
            .collect();
        println!(
            "{}  {}  actas {}{images}{}",
            path.display(),
            snapshot.timestamp,
            counts.join(", "),
            if snapshot.final_corte {
                "  (final)"
            } else {
                ""
            }
        );
    }
    Ok(())
}

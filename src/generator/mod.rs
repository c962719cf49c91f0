//! Realistic synthetic snapshots for demos, tests and benchmarks: a whole
//! night of cortes, as the central database would export them.
//!
//! Two scales (see `docs/generator.md` for the modelling choices and rates):
//! - [`Scale::Cdmx`]: Ciudad de México 2024 — the real geography, casillas,
//!   lista nominal and votes, read from the IECM cómputos files (`--real-data`),
//!   so the final corte approximates the real result.
//! - [`Scale::National`]: a fully synthetic federal process of INE 2024 size
//!   (about 170,000 casillas × 3 elections, lista nominal about 98 million).
//!   The catalog models one entidad, so the country is entidad `00`, its 300
//!   federal distritos are the `distritos` and its 32 entidades the
//!   `demarcaciones`.
//! - [`Scale::Example`]: a small cut of the CDMX scale (two distritos and the
//!   votes from abroad, see [`example`]), for the repository's `site-example/`.
//!
//! Everything follows from the [`Config`]: the same seed and arguments give
//! byte-identical snapshots. [`Generator::new`] plans the whole night once
//! (which acta arrives when, and what capture made of it); [`Generator::snapshot`]
//! then cuts corte `k` out of it: every acta verified before the corte's time.
//! An acta never changes once registered.
//!
//! With [`Config::images`] on, every acta with a `CODIGO_INTEGRIDAD` also
//! gets a small synthetic PNG drawn from its figures (see [`images`]), its
//! code becomes that file's SHA-256, and [`Generator::images`] hands out the
//! images that arrive at each corte — most with their acta, a
//! [`LATE_IMAGE_RATE`] share one corte later.
//!
//! What this module is not: it writes no snapshot (the CLI hands its
//! [`NewSnapshot`]s to [`crate::source::write`]) and it applies no counting
//! rule. Its one writer is [`write_images`], for the image folder.

mod cdmx;
pub mod example;
pub mod images;
mod model;
mod national;
mod night;
mod real;

use std::path::PathBuf;

use chrono::{DateTime, FixedOffset, TimeDelta};
use rayon::prelude::*;

use crate::contract::NewSnapshot;
use crate::contract::{Catalog, ContractError};

pub use images::{GeneratedImage, IMAGE_HEIGHT, IMAGE_WIDTH, LATE_IMAGE_RATE, write_images};

/// Which process to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scale {
    /// Ciudad de México 2024 on its real cómputos: 3 elections, about 13,500 actas each.
    Cdmx,
    /// A synthetic federal process: 3 elections, about 170,000 casillas.
    National,
    /// The CDMX scale cut to two distritos and the votes from abroad
    /// ([`example::DISTRITOS`]): about 740 casillas, 2,200 expected actas.
    Example,
}

impl Scale {
    pub fn process_id(self) -> &'static str {
        match self {
            Scale::Cdmx => cdmx::PROCESS_ID,
            Scale::National => national::PROCESS_ID,
            Scale::Example => example::PROCESS_ID,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Scale::Cdmx => "cdmx",
            Scale::National => "national",
            Scale::Example => "example",
        }
    }
}

pub const DEFAULT_SEED: u64 = 20_240_602;
pub const DEFAULT_START: &str = "2024-06-02T20:00:00-06:00";
pub const DEFAULT_INTERVAL_MINUTES: u32 = 15;
/// Where the real files are looked for by default, relative to the current folder.
pub const DEFAULT_REAL_DATA: &str = "../shared/data/real";
/// Bumped whenever the same configuration would generate other bytes, so that
/// cached snapshots (the benchmark's) know they are stale.
pub const OUTPUT_VERSION: u32 = 1;

/// Everything the generated night depends on.
#[derive(Debug, Clone)]
pub struct Config {
    pub scale: Scale,
    pub seed: u64,
    /// Number of cortes; the last one is final.
    pub cortes: u32,
    /// Time of the first corte; every timestamp carries its offset.
    pub start: DateTime<FixedOffset>,
    pub interval_minutes: u32,
    /// The shared data folder holding `iecm-2024-computos/` (CDMX and example scales).
    pub real_data: PathBuf,
    /// Synthetic acta images: each `CODIGO_INTEGRIDAD` becomes the SHA-256 of
    /// the acta's PNG, and [`Generator::images`] hands them out per corte.
    /// Off by default: with images off the snapshots are those of before
    /// images existed, byte for byte.
    pub images: bool,
}

impl Config {
    /// The defaults: seed [`DEFAULT_SEED`], first corte at [`DEFAULT_START`],
    /// every [`DEFAULT_INTERVAL_MINUTES`] minutes, real data at [`DEFAULT_REAL_DATA`].
    pub fn new(scale: Scale, cortes: u32) -> Config {
        Config {
            scale,
            seed: DEFAULT_SEED,
            cortes,
            start: crate::contract::corte::parse_timestamp(DEFAULT_START).unwrap_or_default(),
            interval_minutes: DEFAULT_INTERVAL_MINUTES,
            real_data: PathBuf::from(DEFAULT_REAL_DATA),
            images: false,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum GenError {
    #[error("{0}")]
    Config(String),
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A real file is not as expected: names the file, row and field.
    #[error("real data: {0}")]
    RealData(ContractError),
    /// The generated catalog fails validation: a bug in the generator.
    #[error("the generated catalog does not validate (a generator bug): {0}")]
    Invalid(ContractError),
    /// An acta image cannot be encoded: a bug in the generator.
    #[error("cannot encode an acta image (a generator bug): {0}")]
    Image(String),
}

/// How many actas one election has at one corte.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElectionCount {
    pub election: String,
    /// Rows in the corte's actas file (captured, sin acta, fuera de catálogo).
    pub registradas: usize,
    pub esperadas: u64,
}

/// A planned night of cortes, ready to be cut into snapshots.
pub struct Generator {
    config: Config,
    timeline: night::Timeline,
    catalog: Catalog,
    catalog_json: Vec<u8>,
    esperadas: Vec<u64>,
    registered: Vec<night::Registered>,
    /// With images on: per election, per registered acta, whether its image
    /// arrives one corte after the acta. Empty with images off.
    late_images: Vec<Vec<bool>>,
}

impl Generator {
    /// Builds the catalog and plans every acta of the night.
    pub fn new(config: Config) -> Result<Generator, GenError> {
        if config.cortes == 0 {
            return Err(GenError::Config("--cortes must be at least 1".into()));
        }
        if config.interval_minutes == 0 {
            return Err(GenError::Config(
                "--interval-minutes must be at least 1".into(),
            ));
        }
        let model = match config.scale {
            Scale::Cdmx => cdmx::build(&config.real_data)?,
            Scale::National => national::build(config.seed)?,
            Scale::Example => example::build(&config.real_data)?,
        };
        let timeline = night::Timeline {
            start: config.start,
            cortes: config.cortes,
            interval: TimeDelta::minutes(config.interval_minutes as i64),
        };
        let mut registered: Vec<night::Registered> = (0..model.catalog.elections.len())
            .into_par_iter()
            .map(|e| night::simulate(&model, e, &timeline, config.seed, &night::RATES))
            .collect();
        let late_images = if config.images {
            let ids: Vec<String> = model
                .catalog
                .elections
                .iter()
                .map(|e| e.id.clone())
                .collect();
            images::stamp_codigos(&ids, &mut registered)?;
            images::late_images(config.seed, &registered)
        } else {
            Vec::new()
        };
        let mut catalog_json = serde_json::to_vec(&model.catalog)
            .map_err(|e| GenError::Config(format!("cannot serialise the catalog: {e}")))?;
        catalog_json.push(b'\n');
        let esperadas = model
            .index
            .elections
            .iter()
            .map(|e| e.actas_esperadas)
            .collect();
        Ok(Generator {
            config,
            timeline,
            catalog: model.catalog,
            catalog_json,
            esperadas,
            registered,
            late_images,
        })
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    pub fn process_id(&self) -> &str {
        &self.catalog.process.id
    }

    pub fn cortes(&self) -> u32 {
        self.config.cortes
    }

    pub fn corte_time(&self, seq: u32) -> DateTime<FixedOffset> {
        self.timeline.corte_time(seq)
    }

    /// `<process-id>-<seq:05>`: the snapshot's folder name.
    pub fn snapshot_name(&self, seq: u32) -> String {
        format!("{}-{seq:05}", self.process_id())
    }

    /// Per election: actas registered by corte `seq`, and expected.
    pub fn counts(&self, seq: u32) -> Vec<ElectionCount> {
        let time = self.corte_time(seq);
        self.catalog
            .elections
            .iter()
            .zip(&self.registered)
            .zip(&self.esperadas)
            .map(|((e, r), &esperadas)| ElectionCount {
                election: e.id.clone(),
                registradas: r.count_before(time),
                esperadas,
            })
            .collect()
    }

    /// Corte `seq` (1 to [`Generator::cortes`]): the catalog and, per
    /// election, every acta verified before the corte's time.
    pub fn snapshot(&self, seq: u32) -> Result<NewSnapshot, GenError> {
        self.check_seq(seq)?;
        let time = self.corte_time(seq);
        let files: Vec<(String, Vec<u8>)> = (0..self.catalog.elections.len())
            .into_par_iter()
            .map(|e| {
                let actas = &self.registered[e].actas[..self.registered[e].count_before(time)];
                (
                    format!("actas/{}.csv", self.catalog.elections[e].id),
                    crate::contract::acta::write_actas(&self.catalog, e, actas),
                )
            })
            .collect();
        let mut members: std::collections::BTreeMap<String, Vec<u8>> = files.into_iter().collect();
        members.insert(
            crate::contract::catalog::CATALOG_FILE.into(),
            self.catalog_json.clone(),
        );
        Ok(NewSnapshot {
            process_id: self.process_id().to_string(),
            seq,
            timestamp: time.to_rfc3339(),
            final_corte: seq == self.config.cortes,
            members,
        })
    }

    /// The images that arrive at corte `seq` (new since corte `seq - 1`):
    /// those of the actas first registered at `seq`, except the
    /// [`LATE_IMAGE_RATE`] share held back a corte, plus those held back from
    /// corte `seq - 1`. At the final corte nothing is held back, so by then
    /// every `CODIGO_INTEGRIDAD` of the snapshot has exactly one image.
    /// Elections in catalog order, held-back images first, then in
    /// registration order. Needs [`Config::images`].
    pub fn images(&self, seq: u32) -> Result<Vec<GeneratedImage>, GenError> {
        self.check_seq(seq)?;
        if !self.config.images {
            return Err(GenError::Config(
                "this night was planned without images (Config::images, --images)".into(),
            ));
        }
        let last = seq == self.config.cortes;
        let mut wanted: Vec<(usize, usize)> = Vec::new();
        for (e, r) in self.registered.iter().enumerate() {
            let held = &self.late_images[e];
            let through = |s: u32| {
                if s == 0 {
                    0
                } else {
                    r.count_before(self.corte_time(s))
                }
            };
            let (before_prev, prev, now) = (
                through(seq.saturating_sub(2)),
                through(seq - 1),
                through(seq),
            );
            if seq >= 2 {
                wanted.extend((before_prev..prev).filter(|&i| held[i]).map(|i| (e, i)));
            }
            wanted.extend(
                (prev..now)
                    .filter(|&i| r.actas[i].codigo_integridad.is_some() && (last || !held[i]))
                    .map(|i| (e, i)),
            );
        }
        wanted
            .into_par_iter()
            .map(|(e, i)| {
                images::image(&self.catalog.elections[e].id, &self.registered[e].actas[i])
            })
            .collect()
    }

    fn check_seq(&self, seq: u32) -> Result<(), GenError> {
        if !(1..=self.config.cortes).contains(&seq) {
            return Err(GenError::Config(format!(
                "corte {seq} does not exist: this night has cortes 1 to {}",
                self.config.cortes
            )));
        }
        Ok(())
    }
}

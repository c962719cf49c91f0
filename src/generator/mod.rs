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
//! What this module is not: it writes no files (the CLI hands its
//! [`NewSnapshot`]s to [`crate::source::write`]) and it applies no counting rule.

mod cdmx;
pub mod example;
mod model;
mod national;
mod night;
mod real;

use std::path::PathBuf;

use chrono::{DateTime, FixedOffset, TimeDelta};
use rayon::prelude::*;

use crate::contract::{Catalog, ContractError};
use crate::source::NewSnapshot;

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
        let registered = (0..model.catalog.elections.len())
            .into_par_iter()
            .map(|e| night::simulate(&model, e, &timeline, config.seed, &night::RATES))
            .collect();
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
        if !(1..=self.config.cortes).contains(&seq) {
            return Err(GenError::Config(format!(
                "corte {seq} does not exist: this night has cortes 1 to {}",
                self.config.cortes
            )));
        }
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
}

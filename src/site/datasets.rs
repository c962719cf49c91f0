//! The downloadable datasets of a corte under `datos/`: the Anexo 13 files
//! and zips of `anexo13::writer`, and `.csv.gz` copies of every CSV.

use super::{Artifact, CacheClass};
use crate::contract::Snapshot;
use crate::tally::Results;

pub const PREFIX: &str = crate::published::layout::DATOS;

pub fn artifacts(snapshot: &Snapshot, results: &Results) -> Vec<Artifact> {
    use rayon::prelude::*;
    crate::anexo13::datasets(snapshot, results)
        .into_par_iter()
        .flat_map_iter(|f| {
            let key = format!("{PREFIX}{}", f.name);
            // Each CSV with its `.csv.gz` copy first, as before.
            let gz = key.ends_with(".csv").then(|| {
                Artifact::new(
                    format!("{key}.gz"),
                    crate::published::gzip::gzip(&f.bytes),
                    CacheClass::Short,
                )
            });
            gz.into_iter().chain(std::iter::once(Artifact::new(
                key,
                f.bytes,
                CacheClass::Short,
            )))
        })
        .collect()
}

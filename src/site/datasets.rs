//! The downloadable datasets of a corte under `datos/`: the Anexo 13 files
//! and zips of `anexo13::writer`, and `.csv.gz` copies of every CSV.

use super::{Artifact, CacheClass};
use crate::contract::Snapshot;
use crate::tally::Results;

pub const PREFIX: &str = "datos/";

pub fn artifacts(snapshot: &Snapshot, results: &Results) -> Vec<Artifact> {
    let files = crate::anexo13::datasets(snapshot, results);
    let mut out = Vec::with_capacity(files.len() * 2);
    for f in files {
        let key = format!("{PREFIX}{}", f.name);
        if key.ends_with(".csv") {
            out.push(Artifact::new(
                format!("{key}.gz"),
                super::compress::gzip(&f.bytes),
                CacheClass::Short,
            ));
        }
        out.push(Artifact::new(key, f.bytes, CacheClass::Short));
    }
    out
}

//! The hook of `contract::sanity` in the cutover: the new corte's profile
//! from its tally, the live corte's from its manifest (the last corte of
//! the history), compared before anything is rendered.

use std::collections::BTreeMap;

use crate::contract::Snapshot;
use crate::contract::sanity::{self, Counts, Profile, Thresholds};
use crate::published::Manifest;
use crate::tally::Results;

/// The concerns that hold `snapshot` against `live` (empty: go ahead).
pub fn concerns(
    snapshot: &Snapshot,
    results: &Results,
    live: Option<&Manifest>,
    thresholds: &Thresholds,
) -> Vec<String> {
    let next = Profile {
        id: snapshot.corte.id(),
        time: snapshot.corte.time(),
        elections: snapshot
            .catalog
            .elections
            .iter()
            .zip(&results.elections)
            .map(|(e, r)| (e.id.clone(), counts(&r.summary)))
            .collect(),
        latest_acta: snapshot
            .actas
            .iter()
            .flatten()
            .filter_map(|a| a.captura)
            .max(),
    };
    let live = live.and_then(profile_of_manifest);
    sanity::concerns(live.as_ref(), &next, thresholds)
}

fn counts(s: &crate::contract::Summary) -> Counts {
    Counts {
        capturadas: s.actas_capturadas,
        contabilizadas: s.actas_contabilizadas,
    }
}

fn profile_of_manifest(m: &Manifest) -> Option<Profile> {
    let time = chrono::DateTime::parse_from_rfc3339(&m.corte.timestamp).ok()?;
    let elections: BTreeMap<String, Counts> = m
        .elections
        .iter()
        .map(|e| (e.id.clone(), counts(&e.summary)))
        .collect();
    Some(Profile {
        id: m.corte.id.clone(),
        time,
        elections,
        latest_acta: None,
    })
}

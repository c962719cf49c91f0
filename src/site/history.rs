//! Earlier cortes, for the charts of how counts and shares evolved. Built from
//! their manifests (which carry each election's summary and candidacy totals),
//! so no earlier snapshot is needed.
//!
//! Reading the manifests from a folder or a published store is `source`'s job
//! (`source::history::read_manifests`); this module only parses and orders
//! the bytes it is given, and turns them into series the pages can chart.

use chrono::{DateTime, FixedOffset};

use super::charts::Series;
use crate::contract::corte::parse_timestamp;
use crate::contract::{Porcentaje, Summary};
use crate::published::Manifest;
use crate::published::manifest::ManifestElection;

#[derive(Debug, Clone, Default)]
pub struct History {
    /// Earlier cortes' manifests, oldest first.
    pub cortes: Vec<Manifest>,
}

/// A history that cannot be used as given.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum HistoryError {
    #[error("history: {file}: {message}")]
    Manifest { file: String, message: String },
    #[error(
        "history: {first} and {second} are both corte {seq} but differ; keep only the one that was published"
    )]
    Conflict {
        seq: u32,
        first: String,
        second: String,
    },
    #[error(
        "history: {first} is from process {first_process} but {second} is from process {second_process}; give the history of one process"
    )]
    MixedProcesses {
        first: String,
        first_process: String,
        second: String,
        second_process: String,
    },
}

/// The corte being rendered, as the evolution series need it.
#[derive(Debug, Clone, Copy)]
pub struct CurrentCorte<'a> {
    /// RFC 3339 with offset, as in `corte.json`.
    pub timestamp: &'a str,
    pub summary: &'a Summary,
    /// Candidacy keys in ballot order (`ElectionIndex::candidacy_keys`) and
    /// their votes at the entidad level, aligned.
    pub candidacy_keys: &'a [String],
    pub candidacy_votes: &'a [u64],
}

/// How one election evolved, corte by corte, oldest first, the current corte
/// last: ready for [`super::charts::evolution`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evolution {
    /// Corte times: `20:00`, or `02/06 20:00` when the cortes span days.
    pub labels: Vec<String>,
    /// PORCENTAJE_ACTAS_CONTABILIZADAS per corte.
    pub actas_contabilizadas: Vec<Porcentaje>,
    /// Per candidacy of the current corte, in ballot order: votes × 100 /
    /// total votes (TOTAL_VOTOS_C_CS), truncated, per corte. A key missing
    /// from an earlier corte counts 0 there.
    ///
    /// In an election with RP actas, TOTAL_VOTOS_C_CS also holds their votes
    /// while the candidacy totals (entidad, MR) do not, so shares come out a
    /// little low; the manifest would need the entidad's own total to fix it.
    pub candidacies: Vec<CandidacyShares>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CandidacyShares {
    pub key: String,
    pub points: Vec<Porcentaje>,
}

impl History {
    /// Keeps the manifests of cortes before `seq`, ordered by sequence, one per corte.
    pub fn before(manifests: Vec<Manifest>, seq: u32) -> History {
        let mut manifests: Vec<Manifest> = manifests.into_iter().map(summary_only).collect();
        manifests.retain(|m| m.corte.seq < seq);
        manifests.sort_by_key(|m| m.corte.seq);
        manifests.dedup_by_key(|m| m.corte.seq);
        History { cortes: manifests }
    }

    /// Parses manifests (file name, bytes) and keeps those of cortes before
    /// `current_seq`, oldest first. The same corte found twice (a folder of
    /// copies) counts once if both copies agree on the corte and its figures;
    /// two different cortes under one sequence number, or manifests of
    /// different processes, are errors naming the files.
    pub fn from_manifest_bytes(
        mut files: Vec<(String, Vec<u8>)>,
        current_seq: u32,
    ) -> Result<History, HistoryError> {
        files.sort_by(|a, b| a.0.cmp(&b.0));
        let mut parsed: Vec<(String, Manifest)> = Vec::with_capacity(files.len());
        for (file, bytes) in files {
            let bad = |message: String| HistoryError::Manifest {
                file: file.clone(),
                message,
            };
            let manifest = summary_only(Manifest::from_json(&bytes).map_err(bad)?);
            parse_timestamp(&manifest.corte.timestamp)
                .map_err(|m| bad(format!("corte.timestamp: {m}")))?;
            parsed.push((file, manifest));
        }
        if let Some((first, m)) = parsed.first()
            && let Some((second, other)) = parsed.iter().find(|(_, o)| o.process.id != m.process.id)
        {
            return Err(HistoryError::MixedProcesses {
                first: first.clone(),
                first_process: m.process.id.clone(),
                second: second.clone(),
                second_process: other.process.id.clone(),
            });
        }
        parsed.retain(|(_, m)| m.corte.seq < current_seq);
        parsed.sort_by_key(|(_, m)| m.corte.seq);
        let mut cortes: Vec<(String, Manifest)> = Vec::with_capacity(parsed.len());
        for (file, m) in parsed {
            match cortes.last() {
                Some((kept, k)) if k.corte.seq == m.corte.seq => {
                    if k.corte != m.corte || k.elections != m.elections {
                        return Err(HistoryError::Conflict {
                            seq: m.corte.seq,
                            first: kept.clone(),
                            second: file,
                        });
                    }
                }
                _ => cortes.push((file, m)),
            }
        }
        Ok(History {
            cortes: cortes.into_iter().map(|(_, m)| m).collect(),
        })
    }

    /// The process of these cortes, if any.
    pub fn process_id(&self) -> Option<&str> {
        self.cortes.first().map(|m| m.process.id.as_str())
    }

    /// How `election` evolved over the earlier cortes that published it and
    /// the current one: one point per corte *whose figures changed* (its
    /// summary or candidacy votes differ from the point before). A corte
    /// that brought no acta of the election adds no point, so the entidad
    /// page that charts it stays byte-identical (content-stable pages).
    pub fn evolution(&self, election: &str, current: &CurrentCorte) -> Evolution {
        let mut earlier: Vec<(&str, &ManifestElection)> = Vec::new();
        for m in &self.cortes {
            let Some(e) = m.elections.iter().find(|e| e.id == election) else {
                continue;
            };
            let same = earlier.last().is_some_and(|(_, last)| {
                last.summary == e.summary && last.candidacies == e.candidacies
            });
            if !same {
                earlier.push((m.corte.timestamp.as_str(), e));
            }
        }
        let current_is_new = earlier
            .last()
            .is_none_or(|(_, last)| !same_figures(last, current));
        let mut times: Vec<&str> = earlier.iter().map(|(t, _)| *t).collect();
        let mut actas_contabilizadas: Vec<Porcentaje> = earlier
            .iter()
            .map(|(_, e)| e.summary.porcentaje_actas_contabilizadas)
            .collect();
        if current_is_new {
            times.push(current.timestamp);
            actas_contabilizadas.push(current.summary.porcentaje_actas_contabilizadas);
        }
        let candidacies = current
            .candidacy_keys
            .iter()
            .zip(current.candidacy_votes)
            .map(|(key, votes)| {
                let mut points: Vec<Porcentaje> = earlier
                    .iter()
                    .map(|(_, e)| {
                        let votes = e
                            .candidacies
                            .iter()
                            .find(|c| &c.key == key)
                            .map_or(0, |c| c.votes);
                        Porcentaje::of(votes, e.summary.total_votos_c_cs)
                    })
                    .collect();
                if current_is_new {
                    points.push(Porcentaje::of(*votes, current.summary.total_votos_c_cs));
                }
                CandidacyShares {
                    key: key.clone(),
                    points,
                }
            })
            .collect();
        Evolution {
            labels: corte_labels(&times),
            actas_contabilizadas,
            candidacies,
        }
    }
}

/// Whether an earlier corte's figures of an election are the current ones.
fn same_figures(e: &ManifestElection, current: &CurrentCorte) -> bool {
    e.summary == *current.summary
        && e.candidacies.len() == current.candidacy_keys.len()
        && e.candidacies
            .iter()
            .zip(current.candidacy_keys.iter().zip(current.candidacy_votes))
            .all(|(c, (key, votes))| c.key == *key && c.votes == *votes)
}

impl Evolution {
    /// The counted-actas line, labelled `label`.
    pub fn actas_series(&self, label: &str) -> Series {
        Series {
            label: label.to_string(),
            color: None,
            points: self.actas_contabilizadas.clone(),
        }
    }

    /// One line per candidacy; `name_and_color` gives a key's display name
    /// and `#RRGGBB` colour (from the catalog).
    pub fn candidacy_series(
        &self,
        name_and_color: impl Fn(&str) -> (String, Option<String>),
    ) -> Vec<Series> {
        self.candidacies
            .iter()
            .map(|c| {
                let (label, color) = name_and_color(&c.key);
                Series {
                    label,
                    color,
                    points: c.points.clone(),
                }
            })
            .collect()
    }
}

/// `20:00` for each corte, in the corte's own offset; `02/06 20:00` for all
/// when they fall on different days. An unreadable timestamp is shown as is.
pub fn corte_labels(timestamps: &[&str]) -> Vec<String> {
    let parsed: Vec<Option<DateTime<FixedOffset>>> =
        timestamps.iter().map(|t| parse_timestamp(t).ok()).collect();
    let mut days = parsed.iter().flatten().map(|t| t.date_naive());
    let first = days.next();
    let one_day = days.all(|d| Some(d) == first);
    let format = if one_day { "%H:%M" } else { "%d/%m %H:%M" };
    parsed
        .iter()
        .zip(timestamps)
        .map(|(t, raw)| match t {
            Some(t) => t.format(format).to_string(),
            None => raw.to_string(),
        })
        .collect()
}

/// An earlier corte as the history keeps it: its summary (process, corte,
/// elections), not its file list. A national manifest lists about 423,000
/// files; a night's history held them all, so the watcher's peak memory grew
/// with every corte. What the history serves (the evolution series, the
/// previous corte's id, the sanity checks) reads only the summary.
pub fn summary_only(mut m: Manifest) -> Manifest {
    m.files = Default::default();
    m.images = Default::default();
    m
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::published::manifest::*;

    fn summary(contabilizadas: u64, esperadas: u64, votos: u64) -> Summary {
        Summary {
            actas_esperadas: esperadas,
            actas_registradas: contabilizadas,
            actas_fuera_catalogo: 0,
            actas_capturadas: contabilizadas,
            porcentaje_actas_capturadas: Porcentaje::of(contabilizadas, esperadas),
            actas_contabilizadas: contabilizadas,
            porcentaje_actas_contabilizadas: Porcentaje::of(contabilizadas, esperadas),
            porcentaje_actas_inconsistencias: Porcentaje(0),
            actas_no_contabilizadas: 0,
            lista_nominal_actas_contabilizadas: votos * 2,
            total_votos_c_cs: votos,
            total_votos_s_cs: votos,
            porcentaje_participacion_ciudadana: Porcentaje::of(votos, votos * 2),
        }
    }

    /// A manifest of corte `seq` at `time` with GUB votes for A and B (and nulos
    /// making up the rest of `total`).
    fn manifest(seq: u32, time: &str, actas: u64, a: u64, b: u64, total: u64) -> Manifest {
        Manifest {
            manifest_version: MANIFEST_VERSION,
            generator: "corte test".into(),
            process: ManifestProcess {
                id: "CDMX2024".into(),
                name: "Proceso".into(),
                entidad: "Ciudad de México".into(),
            },
            corte: ManifestCorte {
                id: format!("{seq:05}"),
                seq,
                timestamp: time.into(),
                final_corte: false,
            },
            previous: None,
            snapshot: vec![],
            ruleset: crate::tally::ruleset::builtin("iecm-2024").unwrap_or_else(|| panic!()),
            elections: vec![ManifestElection {
                id: "GUB".into(),
                name: "Jefatura de Gobierno".into(),
                summary: summary(actas, 100, total),
                candidacies: vec![
                    CandidacyVotes {
                        key: "A".into(),
                        votes: a,
                    },
                    CandidacyVotes {
                        key: "B".into(),
                        votes: b,
                    },
                ],
            }],
            files: BTreeMap::new(),
            images: Default::default(),
        }
    }

    fn file(name: &str, m: &Manifest) -> (String, Vec<u8>) {
        (name.to_string(), m.to_canonical_json())
    }

    /// Manifest files, one per row: name, then [`manifest`]'s arguments.
    #[allow(clippy::type_complexity)]
    fn files(rows: &[(&str, u32, &str, u64, u64, u64, u64)]) -> Vec<(String, Vec<u8>)> {
        rows.iter()
            .map(|&(name, seq, time, actas, a, b, total)| {
                file(name, &manifest(seq, time, actas, a, b, total))
            })
            .collect()
    }

    #[test]
    fn the_history_keeps_summaries_not_file_lists() {
        let mut m = manifest(1, "2024-06-02T20:00:00-06:00", 10, 1, 1, 2);
        let entry = FileEntry {
            sha256: "0".repeat(64),
            size: 1,
            content_type: "text/html".into(),
            cache: CacheClass::Short,
            gzip: None,
        };
        m.files.insert("index.html".into(), entry.clone());
        m.images.insert("actas/x.jpg".into(), entry);
        let from_bytes = History::from_manifest_bytes(vec![file("a.json", &m)], 2).unwrap();
        let from_target = History::before(vec![m.clone()], 2);
        for h in [from_bytes, from_target] {
            assert_eq!(h.cortes.len(), 1);
            assert!(h.cortes[0].files.is_empty() && h.cortes[0].images.is_empty());
            assert_eq!(h.cortes[0].elections, m.elections);
        }
    }

    #[test]
    fn cortes_come_oldest_first_and_stop_before_the_current_one() {
        let files = files(&[
            ("c.json", 3, "2024-06-02T21:00:00-06:00", 30, 1, 1, 2),
            ("a.json", 1, "2024-06-02T20:00:00-06:00", 10, 1, 1, 2),
            ("d.json", 4, "2024-06-02T21:30:00-06:00", 40, 1, 1, 2),
            ("b.json", 2, "2024-06-02T20:30:00-06:00", 20, 1, 1, 2),
        ]);
        let h = History::from_manifest_bytes(files, 4).unwrap();
        let seqs: Vec<u32> = h.cortes.iter().map(|m| m.corte.seq).collect();
        assert_eq!(seqs, [1, 2, 3]);
        assert_eq!(h.process_id(), Some("CDMX2024"));
    }

    #[test]
    fn the_same_corte_twice_counts_once() {
        let m = manifest(1, "2024-06-02T20:00:00-06:00", 10, 1, 1, 2);
        let files = vec![
            file("cortes/00001/manifest.json", &m),
            file("copia/00001.json", &m),
        ];
        let h = History::from_manifest_bytes(files, 9).unwrap();
        assert_eq!(h.cortes.len(), 1);
    }

    #[test]
    fn two_different_cortes_with_one_number_are_refused() {
        let files = files(&[
            ("x.json", 1, "2024-06-02T20:00:00-06:00", 10, 1, 1, 2),
            ("y.json", 1, "2024-06-02T20:00:00-06:00", 11, 1, 1, 2),
        ]);
        let err = History::from_manifest_bytes(files, 9).unwrap_err();
        assert_eq!(
            err.to_string(),
            "history: x.json and y.json are both corte 1 but differ; keep only the one that was published"
        );
    }

    #[test]
    fn errors_name_the_file() {
        let files = vec![("cortes/00002/manifest.json".to_string(), b"{".to_vec())];
        let err = History::from_manifest_bytes(files, 9).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("history: cortes/00002/manifest.json: not a corte manifest"),
            "{err}"
        );
        let bad_time = manifest(1, "ayer a las ocho", 10, 1, 1, 2);
        let err = History::from_manifest_bytes(vec![file("m.json", &bad_time)], 9).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("history: m.json: corte.timestamp: "),
            "{err}"
        );
    }

    #[test]
    fn manifests_of_another_process_are_refused() {
        let mut other = manifest(2, "2024-06-02T20:30:00-06:00", 10, 1, 1, 2);
        other.process.id = "QROO2019".into();
        let files = vec![
            file(
                "a.json",
                &manifest(1, "2024-06-02T20:00:00-06:00", 10, 1, 1, 2),
            ),
            file("b.json", &other),
        ];
        let err = History::from_manifest_bytes(files, 9).unwrap_err();
        assert!(matches!(err, HistoryError::MixedProcesses { .. }), "{err}");
    }

    #[test]
    fn an_empty_folder_is_an_empty_history() {
        let h = History::from_manifest_bytes(vec![], 1).unwrap();
        assert!(h.cortes.is_empty());
    }

    #[test]
    fn the_evolution_ends_with_the_current_corte() {
        let files = files(&[
            ("1.json", 1, "2024-06-02T20:00:00-06:00", 0, 0, 0, 0),
            ("2.json", 2, "2024-06-02T20:30:00-06:00", 10, 2, 1, 3),
        ]);
        let h = History::from_manifest_bytes(files, 3).unwrap();
        let keys = vec!["A".to_string(), "B".to_string(), "C".to_string()];
        let current = summary(50, 100, 300);
        let evolution = h.evolution(
            "GUB",
            &CurrentCorte {
                timestamp: "2024-06-02T21:00:00-06:00",
                summary: &current,
                candidacy_keys: &keys,
                candidacy_votes: &[200, 90, 10],
            },
        );
        assert_eq!(evolution.labels, ["20:00", "20:30", "21:00"]);
        let p = |s: &str| s.parse::<Porcentaje>().unwrap();
        assert_eq!(
            evolution.actas_contabilizadas,
            [p("0.0000"), p("10.0000"), p("50.0000")]
        );
        let shares: Vec<(&str, Vec<Porcentaje>)> = evolution
            .candidacies
            .iter()
            .map(|c| (c.key.as_str(), c.points.clone()))
            .collect();
        assert_eq!(
            shares,
            [
                ("A", vec![p("0.0000"), p("66.6666"), p("66.6666")]),
                ("B", vec![p("0.0000"), p("33.3333"), p("30.0000")]),
                ("C", vec![p("0.0000"), p("0.0000"), p("3.3333")]),
            ]
        );
        let series = evolution.candidacy_series(|k| (format!("Candidatura {k}"), None));
        assert_eq!(series[2].label, "Candidatura C");
        assert_eq!(evolution.actas_series("Actas").points.len(), 3);
    }

    #[test]
    fn a_corte_that_changed_nothing_adds_no_point() {
        let files = files(&[
            ("1.json", 1, "2024-06-02T20:00:00-06:00", 10, 2, 1, 3),
            ("2.json", 2, "2024-06-02T20:15:00-06:00", 10, 2, 1, 3),
            ("3.json", 3, "2024-06-02T20:30:00-06:00", 20, 4, 1, 5),
        ]);
        let h = History::from_manifest_bytes(files, 9).unwrap();
        let keys = vec!["A".to_string(), "B".to_string()];
        let unchanged = summary(20, 100, 5);
        let current = CurrentCorte {
            timestamp: "2024-06-02T20:45:00-06:00",
            summary: &unchanged,
            candidacy_keys: &keys,
            candidacy_votes: &[4, 1],
        };
        let evolution = h.evolution("GUB", &current);
        assert_eq!(evolution.labels, ["20:00", "20:30"]);
        assert_eq!(evolution.candidacies[0].points.len(), 2);
        let changed = summary(30, 100, 6);
        let current = CurrentCorte {
            summary: &changed,
            candidacy_votes: &[5, 1],
            ..current
        };
        assert_eq!(
            h.evolution("GUB", &current).labels,
            ["20:00", "20:30", "20:45"]
        );
    }

    #[test]
    fn the_first_corte_has_one_point_and_no_votes() {
        let current = summary(0, 100, 0);
        let evolution = History::default().evolution(
            "GUB",
            &CurrentCorte {
                timestamp: "2024-06-02T20:00:00-06:00",
                summary: &current,
                candidacy_keys: &["A".to_string()],
                candidacy_votes: &[0],
            },
        );
        assert_eq!(evolution.labels, ["20:00"]);
        assert_eq!(evolution.candidacies[0].points, [Porcentaje(0)]);
    }

    #[test]
    fn cortes_of_another_election_are_skipped() {
        let h = History {
            cortes: vec![manifest(1, "2024-06-02T20:00:00-06:00", 10, 1, 1, 2)],
        };
        let current = summary(0, 100, 0);
        let evolution = h.evolution(
            "ALC",
            &CurrentCorte {
                timestamp: "2024-06-02T20:30:00-06:00",
                summary: &current,
                candidacy_keys: &[],
                candidacy_votes: &[],
            },
        );
        assert_eq!(evolution.labels, ["20:30"]);
    }

    #[test]
    fn labels_carry_the_day_when_cortes_span_midnight() {
        assert_eq!(
            corte_labels(&["2024-06-02T23:30:00-06:00", "2024-06-03T00:30:00-06:00"]),
            ["02/06 23:30", "03/06 00:30"]
        );
        assert_eq!(
            corte_labels(&["2024-06-02T20:00:00-06:00", "2024-06-02T20:15:00-06:00"]),
            ["20:00", "20:15"]
        );
        assert_eq!(corte_labels(&["no es hora"]), ["no es hora"]);
    }
}

//! What a page shows of a place (the entidad, a distrito, a demarcación, a
//! sección, a modality), as plain serde data for the templates: the 13
//! summary fields, votes per candidacy and per party with their percentages,
//! the leading candidacy and the charts. Every figure comes from the tally;
//! nothing here counts.

use serde::Serialize;

use super::labels::{ElectionLabels, Label};
use crate::contract::Election;
use crate::contract::catalog::ElectionIndex;
use crate::site::charts::{self, Bar};
use crate::tally::{LevelTotals, Plan, Porcentaje, Summary};

/// Which candidacies a place shows: one contest unit's (with the candidates'
/// names), several units' (keys only), or every key of the election.
#[derive(Debug, Clone, Copy)]
pub enum Scope<'x> {
    Unit(usize),
    Units(&'x [u32]),
    All,
}

/// An SVG chart (from `charts`) and its text alternative.
#[derive(Debug, Clone, Serialize)]
pub struct ChartView {
    pub svg: String,
    pub alt: String,
}

impl From<charts::Chart> for ChartView {
    fn from(c: charts::Chart) -> Self {
        ChartView {
            svg: c.svg,
            alt: c.alt,
        }
    }
}

/// One row of a votes table.
#[derive(Debug, Clone, Serialize)]
pub struct VotosView<'a> {
    /// The candidacy key, party id or option column: stable, for `data-` attributes.
    pub clave: &'a str,
    pub label: &'a str,
    /// The candidate's name (candidacies within one contest unit) or the
    /// party's full name; may be empty.
    pub nombre: &'a str,
    pub color: Option<&'a str>,
    pub votos: u64,
    /// Share of the total votes (nulos and no registrados included),
    /// truncated to four decimals.
    pub pct: Porcentaje,
}

#[derive(Debug, Clone, Serialize)]
pub struct Charts {
    pub votos: ChartView,
    pub actas: ChartView,
    pub participacion: ChartView,
}

/// Everything a page shows of one place's results.
#[derive(Debug, Clone, Serialize)]
pub struct LevelView<'a> {
    /// The 13 fields of the database file, under their official names.
    pub resumen: Summary,
    pub total_votos: u64,
    /// Votes per candidacy in ballot order.
    pub candidaturas: Vec<VotosView<'a>>,
    /// No registrados and nulos: part of the total, no candidacy's.
    pub otros: Vec<VotosView<'a>>,
    /// Votes per party with coalition votes distributed, then independents,
    /// no registrados and nulos.
    pub partidos: Vec<VotosView<'a>>,
    /// The candidacy with most votes, if any has votes.
    pub lider: Option<VotosView<'a>>,
    /// Whether the candidacies carry candidates' names (one contest unit).
    pub con_nombres: bool,
    pub charts: Charts,
}

/// What the view builder needs of an election.
pub struct ElectionView<'a> {
    pub election: &'a Election,
    pub eix: &'a ElectionIndex,
    pub plan: &'a Plan,
    pub labels: &'a ElectionLabels,
}

fn row<'a>(clave: &'a str, l: &'a Label, nombre: &'a str, votos: u64, total: u64) -> VotosView<'a> {
    VotosView {
        clave,
        label: &l.short,
        nombre,
        color: l.color.as_deref(),
        votos,
        pct: Porcentaje::of(votos, total),
    }
}

/// The first of the candidacies with most votes, if any has votes.
fn leader<'a>(candidaturas: &[VotosView<'a>]) -> Option<VotosView<'a>> {
    candidaturas
        .iter()
        .filter(|c| c.votos > 0)
        .fold(None::<&VotosView>, |best, c| match best {
            Some(b) if b.votos >= c.votos => Some(b),
            _ => Some(c),
        })
        .cloned()
}

impl<'a> ElectionView<'a> {
    /// The view of one place: its totals, its summary (computed by the
    /// caller with `Summary::of`, or the election's own) and which
    /// candidacies it shows.
    pub fn level(&self, t: &LevelTotals, resumen: Summary, scope: Scope) -> LevelView<'a> {
        let total = t.total_votos();
        let labels = self.labels;
        let candidaturas = self.candidacies(t, scope, total);
        let otros = labels
            .outside
            .iter()
            .map(|&o| {
                let col = self.election.options[o].column.as_str();
                row(col, &labels.options[o], "", t.options[o], total)
            })
            .collect();
        let partidos = t
            .parties
            .iter()
            .enumerate()
            .map(|(s, &v)| {
                let l = &labels.slots[s];
                row(&self.plan.slots[s], l, &l.long, v, total)
            })
            .collect();
        let lider = leader(&candidaturas);
        let bars: Vec<Bar> = candidaturas
            .iter()
            .map(|c| Bar {
                label: c.label.to_string(),
                value: c.votos,
                color: c.color.map(str::to_string),
            })
            .collect();
        let charts = Charts {
            votos: charts::votes_with_total("Votos por candidatura", &bars, total).into(),
            actas: charts::actas(
                resumen.actas_contabilizadas,
                resumen.actas_no_contabilizadas,
                resumen.actas_esperadas,
            )
            .into(),
            participacion: charts::participation(resumen.porcentaje_participacion_ciudadana).into(),
        };
        LevelView {
            resumen,
            total_votos: total,
            con_nombres: matches!(scope, Scope::Unit(_)),
            candidaturas,
            otros,
            partidos,
            lider,
            charts,
        }
    }

    /// The candidacy with most votes in a place, if any has votes.
    pub fn leader(&self, t: &LevelTotals, scope: Scope) -> Option<VotosView<'a>> {
        leader(&self.candidacies(t, scope, t.total_votos()))
    }

    fn candidacies(&self, t: &LevelTotals, scope: Scope, total: u64) -> Vec<VotosView<'a>> {
        let eix = self.eix;
        let keys = &self.labels.keys;
        let by_key = |key: usize, nombre: &'a str| {
            row(
                &eix.candidacy_keys[key],
                &keys[key],
                nombre,
                t.candidacies[key],
                total,
            )
        };
        match scope {
            Scope::Unit(u) => {
                let mut ks: Vec<usize> = eix.unit_candidacies[u]
                    .iter()
                    .map(|&k| k as usize)
                    .collect();
                ks.sort_by_key(|&k| eix.candidacy_options[k].first().copied());
                ks.into_iter()
                    .map(|k| {
                        by_key(
                            eix.candidacy_key_index[k],
                            &self.election.candidacies[k].name,
                        )
                    })
                    .collect()
            }
            Scope::Units(units) => {
                let mut present = vec![false; keys.len()];
                for &u in units {
                    for &k in &eix.unit_candidacies[u as usize] {
                        present[eix.candidacy_key_index[k as usize]] = true;
                    }
                }
                self.labels
                    .key_order
                    .iter()
                    .filter(|k| present[**k])
                    .map(|&k| by_key(k, ""))
                    .collect()
            }
            Scope::All => self
                .labels
                .key_order
                .iter()
                .map(|&k| by_key(k, ""))
                .collect(),
        }
    }
}

/// What the figures of a content-stable page are: the capture time
/// (FECHA_HORA_CAPTURA) of the newest acta they count. A page says this
/// instead of the corte it was rendered in, so that it stays byte-identical
/// while its actas do not change; the live corte comes from `latest.json`
/// (the theme's script) and the home page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cifras {
    /// RFC 3339 with the acta's offset, for `<time datetime>`.
    pub timestamp: String,
    /// `02/06/2024 21:14 (UTC-6)`.
    pub label: String,
}

impl Cifras {
    pub fn of(newest: Option<chrono::DateTime<chrono::FixedOffset>>) -> Option<Cifras> {
        newest.map(|t| Cifras {
            timestamp: t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false),
            label: crate::contract::corte::corte_label(&t),
        })
    }
}

/// The newest of two capture times (by the instant, whatever their offsets).
pub fn newest(
    a: Option<chrono::DateTime<chrono::FixedOffset>>,
    b: Option<chrono::DateTime<chrono::FixedOffset>>,
) -> Option<chrono::DateTime<chrono::FixedOffset>> {
    match (a, b) {
        (Some(x), Some(y)) => Some(if y > x { y } else { x }),
        (x, None) => x,
        (None, y) => y,
    }
}

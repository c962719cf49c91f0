//! Actas and participation by casilla type (básica, contigua,
//! extraordinaria, especial, and the actas of votes from abroad, voto
//! anticipado and prisión preventiva) of one place: one row per type that
//! has actas there, a total row, and a chart of counted actas per type.
//! The counts come from `tally::counts_by`; nothing here counts.

use serde::Serialize;

use super::view::ChartView;
use crate::contract::TipoCasilla;
use crate::site::charts::{self, Bar};
use crate::tally::{LevelTotals, Summary};

/// The casilla types in the order the institute lists them, with their names.
pub const TIPOS: [(TipoCasilla, &str); 7] = [
    (TipoCasilla::B, "Básica"),
    (TipoCasilla::C, "Contigua"),
    (TipoCasilla::E, "Extraordinaria"),
    (TipoCasilla::S, "Especial"),
    (TipoCasilla::M, "Voto desde el extranjero"),
    (TipoCasilla::A, "Voto anticipado"),
    (TipoCasilla::P, "Prisión preventiva"),
];

/// The position of a type in [`TIPOS`], the group of `tally::counts_by`.
pub fn index(t: TipoCasilla) -> usize {
    TIPOS.iter().position(|(x, _)| *x == t).unwrap_or(0)
}

/// One row: a casilla type (or the total) in one place.
#[derive(Debug, Clone, Serialize)]
pub struct TipoRow {
    /// `B`, `C`, …; `TOTAL` for the total row (stable, for `data-` attributes).
    pub clave: String,
    pub nombre: &'static str,
    /// Lista nominal of every casilla of the type expecting an acta here.
    pub lista_nominal: u64,
    /// Whether participation applies: not to casillas especiales (voters
    /// from anywhere; some files give them the boletas as lista nominal),
    /// nor to a row with no lista nominal counted.
    pub con_participacion: bool,
    pub resumen: Summary,
}

/// `page.por_tipo` of `level.html`.
#[derive(Debug, Clone, Serialize)]
pub struct PorTipo {
    pub filas: Vec<TipoRow>,
    pub total: TipoRow,
    pub chart: ChartView,
}

fn row(
    clave: String,
    nombre: &'static str,
    especial: bool,
    t: &LevelTotals,
    resumen: Summary,
) -> TipoRow {
    TipoRow {
        clave,
        nombre,
        lista_nominal: t.lista_nominal,
        con_participacion: !especial && t.lista_nominal_contabilizadas > 0,
        resumen,
    }
}

/// The rows of a place: `groups` are its counts per type (aligned with
/// [`TIPOS`]), `total` the place's own counts; `summary` turns counts into
/// the 13 fields by the ruleset. None when no type has actas there.
pub fn por_tipo(
    groups: &[LevelTotals],
    total: &LevelTotals,
    summary: impl Fn(&LevelTotals) -> Summary,
) -> Option<PorTipo> {
    let filas: Vec<TipoRow> = TIPOS
        .iter()
        .zip(groups)
        .filter(|(_, t)| t.actas_esperadas > 0 || t.actas_capturadas > 0)
        .map(|((tipo, nombre), t)| {
            let especial = tipo.is_especial();
            row(tipo.letter().to_string(), nombre, especial, t, summary(t))
        })
        .collect();
    if filas.is_empty() {
        return None;
    }
    let bars: Vec<Bar> = filas
        .iter()
        .map(|f| Bar {
            label: f.nombre.to_string(),
            value: f.resumen.actas_contabilizadas,
            color: None,
        })
        .collect();
    let chart = charts::actas_por_tipo("Actas contabilizadas por tipo de casilla", &bars).into();
    Some(PorTipo {
        filas,
        total: row("TOTAL".into(), "Total", false, total, summary(total)),
        chart,
    })
}

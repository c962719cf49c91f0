//! The 13 summary fields of the database file, for an election or any level.

use serde::{Deserialize, Serialize};

use super::pct::Porcentaje;
use super::{LevelTotals, Ruleset};
use crate::contract::VotosBase;

/// The header block of the Anexo 13 file, in its order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE", deny_unknown_fields)]
pub struct Summary {
    pub actas_esperadas: u64,
    pub actas_registradas: u64,
    pub actas_fuera_catalogo: u64,
    pub actas_capturadas: u64,
    pub porcentaje_actas_capturadas: Porcentaje,
    pub actas_contabilizadas: u64,
    pub porcentaje_actas_contabilizadas: Porcentaje,
    pub porcentaje_actas_inconsistencias: Porcentaje,
    pub actas_no_contabilizadas: u64,
    pub lista_nominal_actas_contabilizadas: u64,
    pub total_votos_c_cs: u64,
    pub total_votos_s_cs: u64,
    pub porcentaje_participacion_ciudadana: Porcentaje,
}

pub const FIELD_NAMES: [&str; 13] = [
    "ACTAS_ESPERADAS",
    "ACTAS_REGISTRADAS",
    "ACTAS_FUERA_CATALOGO",
    "ACTAS_CAPTURADAS",
    "PORCENTAJE_ACTAS_CAPTURADAS",
    "ACTAS_CONTABILIZADAS",
    "PORCENTAJE_ACTAS_CONTABILIZADAS",
    "PORCENTAJE_ACTAS_INCONSISTENCIAS",
    "ACTAS_NO_CONTABILIZADAS",
    "LISTA_NOMINAL_ACTAS_CONTABILIZADAS",
    "TOTAL_VOTOS_C_CS",
    "TOTAL_VOTOS_S_CS",
    "PORCENTAJE_PARTICIPACION_CIUDADANA",
];

impl Summary {
    /// The summary of a level. `fuera` and `no_listadas` only apply to the
    /// whole election (actas fuera de catálogo belong to no place).
    pub fn of(
        level: &LevelTotals,
        fuera: u64,
        no_listadas: u64,
        final_corte: bool,
        ruleset: &Ruleset,
    ) -> Summary {
        let esperadas = level.actas_esperadas + no_listadas;
        let votos = match (final_corte, ruleset.participacion_ultimo_corte) {
            (true, VotosBase::ConEspeciales) => level.votos_c_cs,
            _ => level.votos_s_cs,
        };
        Summary {
            actas_esperadas: esperadas,
            actas_registradas: level.actas_capturadas + fuera,
            actas_fuera_catalogo: fuera,
            actas_capturadas: level.actas_capturadas,
            porcentaje_actas_capturadas: Porcentaje::of(level.actas_capturadas, esperadas),
            actas_contabilizadas: level.actas_contabilizadas,
            porcentaje_actas_contabilizadas: Porcentaje::of(level.actas_contabilizadas, esperadas),
            porcentaje_actas_inconsistencias: Porcentaje::of(level.actas_inconsistentes, esperadas),
            actas_no_contabilizadas: level.actas_no_contabilizadas,
            lista_nominal_actas_contabilizadas: level.lista_nominal_contabilizadas,
            total_votos_c_cs: level.votos_c_cs,
            total_votos_s_cs: level.votos_s_cs,
            porcentaje_participacion_ciudadana: Porcentaje::of(
                votos,
                level.lista_nominal_contabilizadas,
            ),
        }
    }

    /// The values as printed on line 5 of the database file.
    pub fn values(&self) -> [String; 13] {
        [
            self.actas_esperadas.to_string(),
            self.actas_registradas.to_string(),
            self.actas_fuera_catalogo.to_string(),
            self.actas_capturadas.to_string(),
            self.porcentaje_actas_capturadas.plain(),
            self.actas_contabilizadas.to_string(),
            self.porcentaje_actas_contabilizadas.plain(),
            self.porcentaje_actas_inconsistencias.plain(),
            self.actas_no_contabilizadas.to_string(),
            self.lista_nominal_actas_contabilizadas.to_string(),
            self.total_votos_c_cs.to_string(),
            self.total_votos_s_cs.to_string(),
            self.porcentaje_participacion_ciudadana.plain(),
        ]
    }
}

//! Computing the 13 summary fields of the database file for an election or
//! any level. The fields themselves are part of the published contract
//! ([`crate::contract::summary`]).

pub use crate::contract::summary::{FIELD_NAMES, Summary};

use super::{LevelTotals, Ruleset};
use crate::contract::{Porcentaje, VotosBase};

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
}

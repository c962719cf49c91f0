//! The 13 summary fields of the Anexo 13 database file, for an election or
//! any level: the figures every published form carries (the database file's
//! header, the manifest, the JSON API). `tally` computes them
//! (`Summary::of`, in `tally::summary`); here is only what they are and how
//! they are written.

use serde::{Deserialize, Serialize};

use super::pct::Porcentaje;

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

//! Per acta: CONTABILIZADA, OBSERVACIONES and TOTAL_VOTOS_CALCULADO.

use serde::Serialize;

use crate::contract::{Acta, Campo, Casilla, EstadoActa, Observacion};

/// `CONTABILIZADA`: 0 not counted, 1 counted, 2 fuera de catálogo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Contabilizada {
    No = 0,
    Si = 1,
    FueraCatalogo = 2,
}

impl Contabilizada {
    pub fn code(self) -> u8 {
        self as u8
    }
}

/// What the rules say of one acta.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActaResult {
    pub contabilizada: Contabilizada,
    /// The observation of a captured acta (None: counted without remarks).
    pub observacion: Option<Observacion>,
    /// Sum of every option field (non-numeric fields count as 0).
    pub total_calculado: u64,
    /// The observation was taken from the published file (see
    /// `Acta::observacion_publicada`), not derived by the rules.
    pub publicada: bool,
}

impl ActaResult {
    /// `OBSERVACIONES` as printed in the database file.
    pub fn observaciones(&self, acta: &Acta) -> &'static str {
        match acta.estado {
            EstadoActa::FueraCatalogo => "FUERA DE CATALOGO",
            EstadoActa::SinActa(motivo) => motivo.observacion(),
            EstadoActa::Capturada => self.observacion.map(Observacion::text).unwrap_or(""),
        }
    }
}

/// The sum of an acta's option fields.
pub fn total_calculado(votos: &[Campo]) -> u64 {
    votos.iter().map(|c| c.value() as u64).sum()
}

/// The observation the counting rules give a captured acta, from its fields
/// alone: exceeding the lista nominal (plus representatives; for a casilla
/// especial its boletas plus representatives) takes precedence; then no legible
/// field at all; then some field illegible or blank.
pub fn observacion_por_reglas(votos: &[Campo], casilla: &Casilla) -> Option<Observacion> {
    let total = total_calculado(votos);
    let base = if casilla.tipo.is_especial() {
        casilla.boletas.unwrap_or(0)
    } else {
        casilla.lista_nominal
    };
    let limit = base as u64 + casilla.representantes as u64;
    if total > limit {
        return Some(Observacion::ExcedeListaNominal);
    }
    let mut legible = false;
    let mut blank = false;
    for c in votos {
        match c {
            Campo::Num(_) => legible = true,
            Campo::Ilegible | Campo::SinDato => blank = true,
            Campo::NoAplica => {}
        }
    }
    if !legible {
        Some(Observacion::TodosIlegiblesOSinDato)
    } else if blank {
        Some(Observacion::AlgunCampoIlegibleOSinDato)
    } else {
        None
    }
}

/// Classifies one acta. `casilla` is None exactly for fuera de catálogo actas.
pub fn classify(acta: &Acta, casilla: Option<&Casilla>) -> ActaResult {
    let total = total_calculado(&acta.votos);
    match (acta.estado, casilla) {
        (EstadoActa::Capturada, Some(casilla)) => {
            let (observacion, publicada) = match acta.observacion_publicada {
                Some(obs) => (obs, true),
                None => (observacion_por_reglas(&acta.votos, casilla), false),
            };
            let contabilizada = if Observacion::contabilizada(observacion) {
                Contabilizada::Si
            } else {
                Contabilizada::No
            };
            ActaResult {
                contabilizada,
                observacion,
                total_calculado: total,
                publicada,
            }
        }
        (EstadoActa::SinActa(_), Some(_)) => ActaResult {
            contabilizada: Contabilizada::No,
            observacion: None,
            total_calculado: 0,
            publicada: false,
        },
        // Fuera de catálogo: its figures are shown as captured, never counted.
        _ => ActaResult {
            contabilizada: Contabilizada::FueraCatalogo,
            observacion: None,
            total_calculado: total,
            publicada: false,
        },
    }
}

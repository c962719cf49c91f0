//! Per acta: CONTABILIZADA, OBSERVACIONES and TOTAL_VOTOS_CALCULADO.

use serde::Serialize;

use crate::contract::{Acta, Campo, Casilla, EstadoActa, Observacion, Publicada};

/// `CONTABILIZADA`: 0 not counted, 1 counted, 2 fuera de catálogo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Contabilizada {
    No,
    Si,
    FueraCatalogo,
    /// Captured, but counted in neither ACTAS_CONTABILIZADAS nor
    /// ACTAS_NO_CONTABILIZADAS: only from a published file that says so
    /// (`Publicada::SinClasificar`). Printed as 0, as its publisher did.
    SinClasificar,
}

impl Contabilizada {
    pub fn code(self) -> u8 {
        match self {
            Contabilizada::No | Contabilizada::SinClasificar => 0,
            Contabilizada::Si => 1,
            Contabilizada::FueraCatalogo => 2,
        }
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
                Some(Publicada::Observacion(obs)) => (obs, true),
                Some(Publicada::SinClasificar) => (None, true),
                None => (observacion_por_reglas(&acta.votos, casilla), false),
            };
            let contabilizada = if acta.observacion_publicada == Some(Publicada::SinClasificar) {
                Contabilizada::SinClasificar
            } else if Observacion::contabilizada(observacion) {
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

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::contract::{MotivoSinActa, TipoCasilla};

    fn casilla(
        tipo: TipoCasilla,
        lista_nominal: u32,
        representantes: u32,
        boletas: Option<u32>,
    ) -> Casilla {
        Casilla {
            key: "090001B0100".into(),
            seccion: None,
            tipo,
            numero: 1,
            ext_contigua: 0,
            ubicacion: 1,
            lista_nominal,
            representantes,
            boletas,
            distrito: None,
            demarcacion: None,
            actas: BTreeMap::new(),
        }
    }

    fn acta(estado: EstadoActa, votos: Vec<Campo>) -> Acta {
        Acta {
            casilla: Some(0),
            line: 2,
            ..Acta::new("090001B0100", "A02", estado, votos)
        }
    }

    use Campo::{Ilegible, Num, SinDato};

    #[test]
    fn an_acta_with_every_field_legible_within_the_lista_nominal_is_counted() {
        let r = classify(
            &acta(EstadoActa::Capturada, vec![Num(100), Num(50), Num(3)]),
            Some(&casilla(TipoCasilla::B, 200, 4, None)),
        );
        assert_eq!(
            (r.contabilizada, r.observacion, r.total_calculado),
            (Contabilizada::Si, None, 153)
        );
    }

    #[test]
    fn an_acta_whose_votes_exceed_the_lista_nominal_plus_representatives_is_not_counted() {
        let c = casilla(TipoCasilla::B, 150, 4, None);
        let at_limit = classify(
            &acta(EstadoActa::Capturada, vec![Num(150), Num(4)]),
            Some(&c),
        );
        assert_eq!(
            at_limit.contabilizada,
            Contabilizada::Si,
            "equal to the limit is counted"
        );
        let over = classify(
            &acta(EstadoActa::Capturada, vec![Num(150), Num(5)]),
            Some(&c),
        );
        assert_eq!(over.contabilizada, Contabilizada::No);
        assert_eq!(over.observacion, Some(Observacion::ExcedeListaNominal));
        assert_eq!(over.total_calculado, 155, "the votes are still recorded");
    }

    #[test]
    fn exceeding_takes_precedence_over_illegible_fields() {
        let r = classify(
            &acta(EstadoActa::Capturada, vec![Num(300), Ilegible]),
            Some(&casilla(TipoCasilla::C, 100, 0, None)),
        );
        assert_eq!(r.observacion, Some(Observacion::ExcedeListaNominal));
    }

    #[test]
    fn a_casilla_especial_is_limited_by_its_boletas_not_its_lista_nominal() {
        let c = casilla(TipoCasilla::S, 0, 10, Some(750));
        assert_eq!(
            classify(&acta(EstadoActa::Capturada, vec![Num(760)]), Some(&c)).contabilizada,
            Contabilizada::Si
        );
        assert_eq!(
            classify(&acta(EstadoActa::Capturada, vec![Num(761)]), Some(&c)).contabilizada,
            Contabilizada::No
        );
    }

    #[test]
    fn an_acta_with_no_legible_field_is_not_counted() {
        let r = classify(
            &acta(EstadoActa::Capturada, vec![Ilegible, SinDato]),
            Some(&casilla(TipoCasilla::B, 100, 0, None)),
        );
        assert_eq!(
            (r.contabilizada, r.observacion),
            (Contabilizada::No, Some(Observacion::TodosIlegiblesOSinDato))
        );
    }

    #[test]
    fn an_acta_with_some_field_illegible_is_counted_with_its_observation() {
        let r = classify(
            &acta(EstadoActa::Capturada, vec![Num(10), SinDato, Num(0)]),
            Some(&casilla(TipoCasilla::B, 100, 0, None)),
        );
        assert_eq!(
            (r.contabilizada, r.observacion),
            (
                Contabilizada::Si,
                Some(Observacion::AlgunCampoIlegibleOSinDato)
            )
        );
        assert_eq!(r.total_calculado, 10, "non-numeric fields count as 0");
    }

    #[test]
    fn options_off_the_ballot_do_not_make_an_acta_illegible() {
        let r = classify(
            &acta(EstadoActa::Capturada, vec![Num(10), Campo::NoAplica]),
            Some(&casilla(TipoCasilla::B, 100, 0, None)),
        );
        assert_eq!(r.observacion, None);
    }

    #[test]
    fn a_sin_acta_is_not_counted_and_says_why() {
        let a = acta(
            EstadoActa::SinActa(MotivoSinActa::CasillaNoInstalada),
            vec![Campo::NoAplica],
        );
        let r = classify(&a, Some(&casilla(TipoCasilla::B, 100, 0, None)));
        assert_eq!(r.contabilizada, Contabilizada::No);
        assert_eq!(r.observaciones(&a), "SIN ACTA POR CASILLA NO INSTALADA");
    }

    #[test]
    fn an_acta_fuera_de_catalogo_is_contabilizada_2() {
        let mut a = acta(EstadoActa::FueraCatalogo, vec![Num(5)]);
        a.casilla = None;
        let r = classify(&a, None);
        assert_eq!(r.contabilizada.code(), 2);
        assert_eq!(r.observaciones(&a), "FUERA DE CATALOGO");
    }

    #[test]
    fn a_published_observation_overrides_the_rules_and_is_marked() {
        let mut a = acta(EstadoActa::Capturada, vec![Num(0), Num(0)]);
        a.observacion_publicada = Some(Publicada::Observacion(Some(
            Observacion::ExcedeListaNominal,
        )));
        let r = classify(&a, Some(&casilla(TipoCasilla::B, 100, 0, None)));
        assert_eq!((r.contabilizada, r.publicada), (Contabilizada::No, true));
    }

    #[test]
    fn an_acta_its_publisher_counted_in_no_category_stays_so_and_prints_as_0() {
        let mut a = acta(EstadoActa::Capturada, vec![Num(10), Num(3)]);
        a.observacion_publicada = Some(Publicada::SinClasificar);
        let r = classify(&a, Some(&casilla(TipoCasilla::B, 100, 0, None)));
        assert_eq!(
            (r.contabilizada, r.observacion, r.publicada),
            (Contabilizada::SinClasificar, None, true)
        );
        assert_eq!(r.contabilizada.code(), 0);
        assert_eq!(r.observaciones(&a), "");
    }
}

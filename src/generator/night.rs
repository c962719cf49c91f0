//! The night: when each expected acta is registered, and what capture made of
//! its figures. Works the same for both scales, on a [`Model`].
//!
//! Registration times follow a logistic curve over the night (normalised so
//! that the first corte sees a few percent and the last one everything that
//! will ever arrive); a small share never arrives. Each captured acta gets at
//! most one capture quirk — all fields illegible or blank, votes exceeding the
//! lista nominal, or some field illegible or blank — at the rates in
//! [`Rates`]; a few registrations carry a key that is not in the catalog.

use chrono::{DateTime, FixedOffset, TimeDelta};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use crate::contract::acta::{MAX_FIELD, ballot_of};
use crate::contract::{Acta, Campo, Casilla, EstadoActa, MotivoSinActa, TipoCasilla};

use super::model::{self, Basis, Expected, Model};

/// Shares of expected or captured actas, as seen in the real files.
pub(crate) struct Rates {
    /// Of expected actas: never registered by the last corte.
    pub late: f64,
    /// Of captured actas: a second registration under a key not in the catalog.
    pub fuera_catalogo: f64,
    /// Of captured actas: every vote field ILEGIBLE or SIN DATO.
    pub todos_ilegibles: f64,
    /// Of captured actas: votes above the lista nominal plus representatives.
    pub excede: f64,
    /// Of captured actas: one to three fields ILEGIBLE or SIN DATO.
    pub algun_ilegible: f64,
}

pub(crate) const RATES: Rates = Rates {
    late: 0.012,
    fuera_catalogo: 0.001,
    todos_ilegibles: 0.004,
    excede: 0.007,
    algun_ilegible: 0.028,
};

/// Where the arrival curve is centred and how steep it is, as fractions of
/// the night (first corte = 0, last corte = 1).
const MIDPOINT: f64 = 0.3;
const SPREAD: f64 = 0.085;
/// Nothing registers earlier than this fraction of the night before the
/// first corte, nor more than [`EARLIEST_SECONDS`] before it.
const EARLIEST: f64 = -0.08;
const EARLIEST_SECONDS: f64 = 90.0 * 60.0;

/// The cortes of the night.
#[derive(Debug, Clone)]
pub(crate) struct Timeline {
    pub start: DateTime<FixedOffset>,
    pub cortes: u32,
    pub interval: TimeDelta,
}

impl Timeline {
    pub fn corte_time(&self, seq: u32) -> DateTime<FixedOffset> {
        self.start + self.interval * (seq.max(1) as i32 - 1)
    }

    fn last(&self) -> DateTime<FixedOffset> {
        self.corte_time(self.cortes)
    }

    /// The span the arrival curve stretches over, in seconds: first to last
    /// corte, or one interval when there is a single corte.
    fn window(&self) -> f64 {
        (self.last() - self.start).max(self.interval).num_seconds() as f64
    }
}

/// One election's registered actas, in registration order.
pub(crate) struct Registered {
    pub actas: Vec<Acta>,
    /// Registration (verification) time of each, Unix seconds.
    pub at: Vec<i64>,
}

impl Registered {
    /// How many actas a corte at `time` holds: those verified before it.
    pub fn count_before(&self, time: DateTime<FixedOffset>) -> usize {
        let t = time.timestamp();
        self.at.partition_point(|&a| a < t)
    }
}

pub(crate) fn simulate(
    model: &Model,
    e: usize,
    timeline: &Timeline,
    seed: u64,
    rates: &Rates,
) -> Registered {
    let catalog = &model.catalog;
    let night = Night {
        timeline,
        rates,
        hash_prefix: format!("{}|{}", catalog.process.id, catalog.elections[e].id),
        seed,
    };
    let mut rng = model::stream(seed, 1_000 + e as u64);
    let n_options = catalog.elections[e].options.len();
    let mut out: Vec<(i64, Acta)> = Vec::with_capacity(model.elections[e].len());
    for exp in &model.elections[e] {
        if rng.random_bool(rates.late) {
            continue;
        }
        let casilla = &catalog.casillas[exp.casilla as usize];
        let at = arrival(&mut rng, timeline);
        let sin_acta = exp.basis.is_none() || rng.random_bool(model.sin_acta_extra);
        let acta = match &exp.basis {
            Some(basis) if !sin_acta => {
                let ballot = ballot_of(catalog, &model.index, e, exp.casilla, &exp.tipo_acta);
                night.captured(&mut rng, exp, casilla, basis, ballot, at)
            }
            _ => sin_acta_row(&mut rng, exp, casilla, n_options),
        };
        if acta.estado == EstadoActa::Capturada
            && rng.random_bool(rates.fuera_catalogo)
            && let Some(fuera) = fuera_de_catalogo(&mut rng, &acta, model)
        {
            let at = arrival(&mut rng, timeline);
            out.push((at, restamp(&mut rng, fuera, at, timeline)));
        }
        out.push((at, acta));
    }
    // Stable: actas verified in the same second keep catalog order.
    out.sort_by_key(|(at, _)| *at);
    let (at, actas) = out.into_iter().unzip();
    Registered { actas, at }
}

/// What every acta of one election's night shares.
struct Night<'a> {
    timeline: &'a Timeline,
    rates: &'a Rates,
    /// `process|election`: the start of each acta's image-hash input.
    hash_prefix: String,
    seed: u64,
}

/// A registration time (Unix seconds) on the logistic curve, truncated to
/// the night: from a little before the first corte to before the last.
fn arrival(rng: &mut ChaCha8Rng, timeline: &Timeline) -> i64 {
    let window = timeline.window();
    let logistic = |x: f64| 1.0 / (1.0 + (-(x - MIDPOINT) / SPREAD).exp());
    let (lo, hi) = (
        logistic(EARLIEST.max(-EARLIEST_SECONDS / window)),
        logistic(1.0),
    );
    let p = lo + rng.random::<f64>() * (hi - lo);
    let x = MIDPOINT + SPREAD * (p / (1.0 - p)).ln();
    let before_last = ((1.0 - x) * window).max(1.0).ceil() as i64;
    timeline.last().timestamp() - before_last
}

/// What capture made of an acta.
#[derive(Clone, Copy, PartialEq)]
enum Quirk {
    None,
    TodosIlegibles,
    Excede,
    AlgunIlegible,
}

fn quirk(rng: &mut ChaCha8Rng, rates: &Rates) -> Quirk {
    let u = rng.random::<f64>();
    let mut edge = rates.todos_ilegibles;
    if u < edge {
        return Quirk::TodosIlegibles;
    }
    edge += rates.excede;
    if u < edge {
        return Quirk::Excede;
    }
    edge += rates.algun_ilegible;
    if u < edge {
        return Quirk::AlgunIlegible;
    }
    Quirk::None
}

impl Night<'_> {
    fn captured(
        &self,
        rng: &mut ChaCha8Rng,
        exp: &Expected,
        casilla: &Casilla,
        basis: &Basis,
        ballot: Option<&[bool]>,
        at: i64,
    ) -> Acta {
        let on_ballot: Vec<usize> = (0..basis.votes.len())
            .filter(|&o| ballot.is_none_or(|b| b.get(o).copied().unwrap_or(false)))
            .collect();
        let mut votos: Vec<Campo> = vec![Campo::NoAplica; basis.votes.len()];
        for &o in &on_ballot {
            votos[o] = Campo::Num(basis.votes[o].min(MAX_FIELD));
        }
        let mut counts = basis.counts.map(|c| Campo::Num(c.min(MAX_FIELD)));
        match quirk(rng, self.rates) {
            Quirk::None => {}
            Quirk::TodosIlegibles => {
                let mark = match rng.random_range(0..20) {
                    0..10 => Some(Campo::SinDato),
                    10..17 => Some(Campo::Ilegible),
                    _ => None,
                };
                for &o in &on_ballot {
                    votos[o] = mark.unwrap_or_else(|| unreadable(rng));
                }
                if let Some(m) = mark {
                    counts[0] = m;
                }
            }
            Quirk::Excede => exceed(rng, &mut votos, &on_ballot, casilla),
            Quirk::AlgunIlegible => {
                // Keep at least one field legible, or it would be all illegible.
                let k = [1, 1, 1, 1, 1, 1, 1, 2, 2, 3][rng.random_range(0..10)];
                let k = k.min(on_ballot.len().saturating_sub(1));
                let mut pool = on_ballot.clone();
                for _ in 0..k {
                    let o = pool.swap_remove(rng.random_range(0..pool.len()));
                    votos[o] = unreadable(rng);
                }
            }
        }
        let mut acta = bare(exp, casilla, EstadoActa::Capturada, votos);
        [
            acta.total_asentado,
            acta.boletas_sobrantes,
            acta.personas_votaron,
            acta.rep_votaron,
            acta.votos_sacados,
        ] = counts;
        acta.codigo_integridad = Some(crate::contract::sha256_hex(
            format!(
                "{}|{}|{}|{}",
                self.hash_prefix, casilla.key, exp.tipo_acta, self.seed
            )
            .as_bytes(),
        ));
        let mut acta = restamp(rng, acta, at, self.timeline);
        let (origen, digitalizacion, documento) = provenance(rng, casilla.tipo);
        acta.origen = Some(origen);
        acta.digitalizacion = Some(digitalizacion);
        acta.tipo_documento = Some(documento);
        acta.mecanismo = mecanismo(rng);
        acta
    }
}

fn unreadable(rng: &mut ChaCha8Rng) -> Campo {
    if rng.random_bool(0.55) {
        Campo::Ilegible
    } else {
        Campo::SinDato
    }
}

/// Makes the votes exceed the lista nominal (boletas for an especial) plus
/// representatives: the largest field gets an extra digit, as a capture slip
/// would, or enough to pass the limit if that is not enough.
fn exceed(rng: &mut ChaCha8Rng, votos: &mut [Campo], on_ballot: &[usize], casilla: &Casilla) {
    let Some(&largest) = on_ballot
        .iter()
        .max_by_key(|&&o| (votos[o].value(), usize::MAX - o))
    else {
        return;
    };
    let base = if casilla.tipo.is_especial() {
        casilla.boletas.unwrap_or(0)
    } else {
        casilla.lista_nominal
    };
    let limit = base as u64 + casilla.representantes as u64;
    let total: u64 = votos.iter().map(|c| c.value() as u64).sum();
    let v = votos[largest].value() as u64;
    let rest = total - v;
    let slip = v * 10 + rng.random_range(0..10);
    let needed = (limit + 1).saturating_sub(rest) + rng.random_range(0..30);
    let new = if rest + slip > limit {
        slip
    } else {
        needed.max(v)
    };
    votos[largest] = Campo::Num(new.min(MAX_FIELD as u64) as u32);
}

/// Sets acopio < captura < verificación = `at`.
fn restamp(rng: &mut ChaCha8Rng, mut acta: Acta, at: i64, timeline: &Timeline) -> Acta {
    let verify = model::log_normal(rng, 300.0, 0.9, 20.0, 2_400.0) as i64;
    let capture = model::log_normal(rng, 480.0, 1.0, 30.0, 3_600.0) as i64;
    let time = |t: i64| timeline.start + TimeDelta::seconds(t - timeline.start.timestamp());
    acta.verificacion = Some(time(at));
    acta.captura = Some(time(at - verify));
    acta.acopio = Some(time(at - verify - capture));
    acta
}

/// ORIGEN, DIGITALIZACION, TIPO_DOCUMENTO.
fn provenance(
    rng: &mut ChaCha8Rng,
    tipo: TipoCasilla,
) -> (&'static str, &'static str, &'static str) {
    let special = match tipo {
        TipoCasilla::M => Some("ACTA VRME"),
        TipoCasilla::A => Some("ACTA VA"),
        TipoCasilla::P => Some("ACTA VPPP"),
        _ => None,
    };
    let (origen, digitalizacion) = match model::pick(rng, &[45.0, 50.0, 5.0]) {
        0 => ("CASILLA", "MOVIL"),
        1 => ("CATD", "ESCANER"),
        _ => ("CATD", "MOVIL"),
    };
    let documento = special.unwrap_or_else(|| {
        ["ACTA PREP", "RPP", "CC", "PPC"][model::pick(rng, &[96.0, 2.5, 1.0, 0.5])]
    });
    (origen, digitalizacion, documento)
}

/// MECANISMOS_TRASLADO: empty when the paquete went straight to its consejo.
fn mecanismo(rng: &mut ChaCha8Rng) -> Option<&'static str> {
    [None, Some("F"), Some("I"), Some("D")][model::pick(rng, &[75.0, 15.0, 6.0, 4.0])]
}

/// A sin-acta row: no figures, no image, no times (the LEEME's N/A).
fn sin_acta_row(rng: &mut ChaCha8Rng, exp: &Expected, casilla: &Casilla, n_options: usize) -> Acta {
    // The IECM 2024 drill's proportions.
    let motivo = [
        MotivoSinActa::PaqueteNoEntregado,
        MotivoSinActa::PaqueteSinBolsa,
        MotivoSinActa::CasillaNoInstalada,
    ][model::pick(rng, &[66.0, 18.0, 16.0])];
    let votos = vec![Campo::NoAplica; n_options];
    bare(exp, casilla, EstadoActa::SinActa(motivo), votos)
}

/// An acta of a casilla of the catalog with its state and vote fields, and
/// nothing else yet.
fn bare(exp: &Expected, casilla: &Casilla, estado: EstadoActa, votos: Vec<Campo>) -> Acta {
    Acta {
        casilla: Some(exp.casilla),
        ..Acta::new(casilla.key.clone(), exp.tipo_acta.clone(), estado, votos)
    }
}

/// The same acta registered again under a mistyped casilla number that the
/// catalog does not have.
fn fuera_de_catalogo(rng: &mut ChaCha8Rng, acta: &Acta, model: &Model) -> Option<Acta> {
    let key = &acta.clave_casilla;
    let (head, tail) = (key.get(..7)?, key.get(9..)?);
    for _ in 0..10 {
        let candidate = format!("{head}{}{tail}", rng.random_range(90..100));
        if !model.index.casilla_by_key.contains_key(&candidate) {
            let mut hash = acta.codigo_integridad.clone().unwrap_or_default();
            hash.push_str("|fuera");
            return Some(Acta {
                casilla: None,
                clave_casilla: candidate,
                estado: EstadoActa::FueraCatalogo,
                codigo_integridad: Some(crate::contract::sha256_hex(hash.as_bytes())),
                ..acta.clone()
            });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timeline(cortes: u32) -> Timeline {
        Timeline {
            start: crate::contract::corte::parse_timestamp("2024-06-02T20:00:00-06:00")
                .unwrap_or_default(),
            cortes,
            interval: TimeDelta::minutes(15),
        }
    }

    #[test]
    fn every_arrival_is_before_the_last_corte() {
        for cortes in [1, 2, 10] {
            let t = timeline(cortes);
            let mut rng = model::stream(7, 7);
            for _ in 0..10_000 {
                let at = arrival(&mut rng, &t);
                assert!(at < t.last().timestamp());
                assert!(at >= t.last().timestamp() - ((1.0 - EARLIEST) * t.window()) as i64 - 1);
                assert!(at >= t.start.timestamp() - EARLIEST_SECONDS as i64 - 1);
            }
        }
    }

    #[test]
    fn the_first_corte_sees_few_and_the_middle_most() {
        let t = timeline(9);
        let mut rng = model::stream(7, 8);
        let at: Vec<i64> = (0..20_000).map(|_| arrival(&mut rng, &t)).collect();
        let share = |seq| {
            let c = t.corte_time(seq).timestamp();
            at.iter().filter(|&&a| a < c).count() as f64 / at.len() as f64
        };
        assert!(share(1) < 0.06, "first corte: {}", share(1));
        assert!(share(5) > 0.85, "middle corte: {}", share(5));
        assert!(share(2) < share(3) && share(3) < share(4));
    }
}

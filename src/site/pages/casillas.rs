//! The casillas of a sección (or of a modality such as the votes from
//! abroad) with every acta as captured: each option's field (a number,
//! ILEGIBLE or SIN DATO), the totals, the observation, whether it was
//! counted, its image hash and its times. Expected actas not yet registered
//! are listed as pending.

use std::borrow::Cow;

use serde::Serialize;

use super::labels::ElectionLabels;
use crate::contract::corte::fecha_hora_label;
use crate::contract::{Acta, Campo, Casilla, EstadoActa, Snapshot, TipoCasilla};
use crate::site::format::miles;
use crate::tally::{ActaResult, Contabilizada};

/// Where each casilla's registered actas are: acta indexes grouped by
/// casilla (compressed rows: `actas[offsets[c]..offsets[c + 1]]`).
pub struct ActasPorCasilla {
    offsets: Vec<u32>,
    actas: Vec<u32>,
}

impl ActasPorCasilla {
    pub fn new(n_casillas: usize, actas: &[Acta]) -> Self {
        let mut counts = vec![0u32; n_casillas + 1];
        for a in actas {
            if let Some(c) = a.casilla {
                counts[c as usize + 1] += 1;
            }
        }
        for i in 1..counts.len() {
            counts[i] += counts[i - 1];
        }
        let offsets = counts.clone();
        let mut next = counts;
        let mut by_casilla = vec![0u32; offsets[n_casillas] as usize];
        for (i, a) in actas.iter().enumerate() {
            if let Some(c) = a.casilla {
                let slot = &mut next[c as usize];
                by_casilla[*slot as usize] = i as u32;
                *slot += 1;
            }
        }
        ActasPorCasilla {
            offsets,
            actas: by_casilla,
        }
    }

    pub fn of(&self, casilla: u32) -> &[u32] {
        let c = casilla as usize;
        match (self.offsets.get(c), self.offsets.get(c + 1)) {
            (Some(&a), Some(&b)) => &self.actas[a as usize..b as usize],
            _ => &[],
        }
    }
}

/// One casilla and its actas in one election.
#[derive(Debug, Serialize)]
pub struct CasillaView<'a> {
    pub clave: &'a str,
    /// `Contigua 2`, `Extraordinaria 1 contigua 1`.
    pub nombre: String,
    /// `Básica`, `Contigua`, …
    pub tipo: &'static str,
    pub lista_nominal: u32,
    pub representantes: u32,
    /// Casillas especiales: the boletas approved.
    pub boletas: Option<u32>,
    /// Registered actas, by acta type.
    pub actas: Vec<ActaView<'a>>,
    /// Expected acta types not yet registered.
    pub pendientes: Vec<&'a str>,
}

/// One option's field on an acta.
#[derive(Debug, Serialize)]
pub struct CampoView<'a> {
    /// The option's column (`PAN`, `PVEM_PT_MORENA`, `NULOS`).
    pub clave: &'a str,
    pub label: &'a str,
    pub valor: Valor,
}

/// A field as captured: a number, or `ILEGIBLE`, `SIN DATO`, `—` (not on
/// this acta's ballot, or no acta), or a number with thousands separators.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum Valor {
    N(u32),
    T(Cow<'static, str>),
}

#[derive(Debug, Serialize)]
pub struct ActaView<'a> {
    /// `CLAVE_ACTA`: the casilla key and the acta type.
    pub clave: String,
    pub tipo_acta: &'a str,
    /// One field per option on its ballot (and any other it carries), in ballot order.
    pub votos: Vec<CampoView<'a>>,
    /// TOTAL_VOTOS_CALCULADO (None for sin acta).
    pub total_calculado: Option<u64>,
    pub total_asentado: Cow<'static, str>,
    pub personas_votaron: Cow<'static, str>,
    pub boletas_sobrantes: Cow<'static, str>,
    pub rep_votaron: Cow<'static, str>,
    pub votos_sacados: Cow<'static, str>,
    /// OBSERVACIONES as in the database file ("" when none).
    pub observaciones: &'static str,
    /// The observation comes from the published file, not from the rules.
    pub observacion_publicada: bool,
    /// CONTABILIZADA: 0, 1 or 2.
    pub contabilizada: u8,
    pub sin_acta: bool,
    /// CODIGO_INTEGRIDAD: SHA-256 of the acta image.
    pub codigo_integridad: Option<&'a str>,
    /// Where the acta's image is, relative to the site root
    /// (`actas/<sha256>.<ext>`), once it has arrived.
    pub imagen: Option<String>,
    /// The acta has an image code, an image folder is in use, and the image
    /// has not arrived yet: "Imagen en proceso".
    pub imagen_en_proceso: bool,
    pub mecanismo: Option<&'static str>,
    pub acopio: Option<String>,
    pub captura: Option<String>,
    pub verificacion: Option<String>,
    pub origen: Option<&'static str>,
    pub digitalizacion: Option<&'static str>,
    pub tipo_documento: Option<&'static str>,
}

/// A casilla's name as the PREP prints it.
pub fn nombre_casilla(c: &Casilla) -> String {
    let mut name = match c.tipo {
        TipoCasilla::B if c.numero <= 1 => "Básica".to_string(),
        tipo => format!("{} {}", tipo.nombre(), c.numero),
    };
    if c.ext_contigua > 0 {
        name.push_str(&format!(" contigua {}", c.ext_contigua));
    }
    name
}

/// A field as it reads on the page.
fn campo(c: Campo) -> Valor {
    match c {
        Campo::Num(n) if n < 1000 => Valor::N(n),
        Campo::Num(n) => Valor::T(miles(n as u64).into()),
        Campo::NoAplica => Valor::T("—".into()),
        other => Valor::T(other.text()),
    }
}

fn texto(c: Campo) -> Cow<'static, str> {
    match campo(c) {
        Valor::N(n) => n.to_string().into(),
        Valor::T(t) => t,
    }
}

/// What the casilla views need of an election.
pub struct CasillaSource<'a> {
    pub snapshot: &'a Snapshot,
    pub election: usize,
    pub results: &'a [ActaResult],
    pub actas: &'a ActasPorCasilla,
    pub labels: &'a ElectionLabels,
    pub images: Option<&'a crate::published::images::ImageSet>,
}

impl<'a> CasillaSource<'a> {
    pub fn view(&self, c: u32) -> CasillaView<'a> {
        let snapshot = self.snapshot;
        let catalog = &snapshot.catalog;
        let casilla = &catalog.casillas[c as usize];
        let election = &catalog.elections[self.election];
        let all = &snapshot.actas[self.election];
        let mut indexes: Vec<usize> = self.actas.of(c).iter().map(|&i| i as usize).collect();
        indexes.sort_by(|&x, &y| all[x].tipo_acta.cmp(&all[y].tipo_acta));
        let pendientes = casilla
            .actas
            .get(&election.id)
            .into_iter()
            .flatten()
            .filter(|t| !indexes.iter().any(|&i| &all[i].tipo_acta == *t))
            .map(String::as_str)
            .collect();
        let actas = indexes.iter().map(|&i| self.acta(i)).collect();
        CasillaView {
            clave: &casilla.key,
            nombre: nombre_casilla(casilla),
            tipo: casilla.tipo.nombre(),
            lista_nominal: casilla.lista_nominal,
            representantes: casilla.representantes,
            boletas: casilla.boletas,
            actas,
            pendientes,
        }
    }
}

/// MECANISMOS_TRASLADO in words (LEEME, field 39).
fn mecanismo(code: &'static str) -> &'static str {
    match code {
        "D" => "D: dispositivo de apoyo para el traslado",
        "F" => "F: centro de recepción y traslado fijo",
        "I" => "I: centro de recepción y traslado itinerante",
        other => other,
    }
}

impl<'a> CasillaSource<'a> {
    /// Acta `i` of the election: the options on its ballot (its contest
    /// unit's; every option for an acta of representación proporcional)
    /// and any other field it carries.
    fn acta(&self, i: usize) -> ActaView<'a> {
        let snapshot = self.snapshot;
        let election = &snapshot.catalog.elections[self.election];
        let a = &snapshot.actas[self.election][i];
        let ballot = a.casilla.map(|c| {
            crate::contract::acta::ballot_of(
                &snapshot.catalog,
                &snapshot.index,
                self.election,
                c,
                &a.tipo_acta,
            )
        });
        let votos = election
            .options
            .iter()
            .enumerate()
            .filter(|&(o, _)| {
                let captured = a.votos.get(o).is_some_and(|v| *v != Campo::NoAplica);
                let on_ballot = match ballot {
                    Some(Some(b)) => b.get(o).copied().unwrap_or(false),
                    Some(None) => true,
                    None => false,
                };
                captured || on_ballot
            })
            .map(|(o, opt)| CampoView {
                clave: &opt.column,
                label: &self.labels.options[o].short,
                valor: match a.estado {
                    EstadoActa::SinActa(_) => Valor::T("—".into()),
                    _ => campo(a.votos.get(o).copied().unwrap_or(Campo::NoAplica)),
                },
            })
            .collect();
        acta_view(a, self.results.get(i), votos, self.images)
    }

    /// The actas fuera de catálogo, as registered: every field they carry.
    pub fn fuera_de_catalogo(&self) -> Vec<ActaView<'a>> {
        let actas = &self.snapshot.actas[self.election];
        let mut indexes: Vec<usize> = (0..actas.len())
            .filter(|&i| actas[i].casilla.is_none())
            .collect();
        indexes.sort_by(|&x, &y| {
            (&actas[x].clave_casilla, &actas[x].tipo_acta)
                .cmp(&(&actas[y].clave_casilla, &actas[y].tipo_acta))
        });
        indexes.into_iter().map(|i| self.acta(i)).collect()
    }
}

fn acta_view<'a>(
    a: &'a Acta,
    r: Option<&ActaResult>,
    votos: Vec<CampoView<'a>>,
    images: Option<&crate::published::images::ImageSet>,
) -> ActaView<'a> {
    let sin_acta = matches!(a.estado, EstadoActa::SinActa(_));
    let field = |c: Campo| if sin_acta { "—".into() } else { texto(c) };
    let fecha =
        |t: &Option<chrono::DateTime<chrono::FixedOffset>>| t.as_ref().map(fecha_hora_label);
    ActaView {
        clave: format!("{}{}", a.clave_casilla, a.tipo_acta),
        tipo_acta: &a.tipo_acta,
        votos,
        total_calculado: r.filter(|_| !sin_acta).map(|r| r.total_calculado),
        total_asentado: field(a.total_asentado),
        personas_votaron: field(a.personas_votaron),
        boletas_sobrantes: field(a.boletas_sobrantes),
        rep_votaron: field(a.rep_votaron),
        votos_sacados: field(a.votos_sacados),
        observaciones: r.map(|r| r.observaciones(a)).unwrap_or(""),
        observacion_publicada: r.is_some_and(|r| r.publicada),
        contabilizada: r
            .map(|r| r.contabilizada.code())
            .unwrap_or(Contabilizada::No.code()),
        sin_acta,
        codigo_integridad: a.codigo_integridad.as_deref(),
        imagen: imagen(a, images),
        imagen_en_proceso: images.is_some()
            && a.codigo_integridad.is_some()
            && imagen(a, images).is_none(),
        mecanismo: a.mecanismo.map(mecanismo),
        acopio: fecha(&a.acopio),
        captura: fecha(&a.captura),
        verificacion: fecha(&a.verificacion),
        origen: a.origen,
        digitalizacion: a.digitalizacion,
        tipo_documento: a.tipo_documento,
    }
}

/// The key of an acta's image, when an image folder is in use and the image
/// its CODIGO_INTEGRIDAD names has arrived.
pub fn imagen(a: &Acta, images: Option<&crate::published::images::ImageSet>) -> Option<String> {
    let codigo = a.codigo_integridad.as_deref()?;
    images?
        .get(codigo)
        .map(crate::published::images::Image::key)
}

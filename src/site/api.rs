//! The JSON API for difusores' own apps: one small document per level under
//! `datos/api/`, so an app fetches exactly the place it shows.
//!
//! - `datos/api/index.json`: the corte, the process, the parties, per
//!   election its options, its summary and where its level documents are,
//!   and every level document's SHA-256 (`documents`): the only document
//!   that names the corte, so it changes at every corte;
//! - `datos/api/<e>/entidad.json`, `<e>/distrito/<id>.json`,
//!   `<e>/demarcacion/<id>.json`, `<e>/seccion/<id>.json`: the 13 summary
//!   fields, votes per option, per candidacy and per party (distributed), and
//!   for a sección every acta as captured. They name no corte (API version
//!   2): a document whose place did not change is byte-identical in the
//!   next corte, and is not rendered again ([`Api::digest_of`]).
//!
//! `<e>` is the election's [`slug`]. Every URL inside the API is relative to
//! the API root (`datos/api/`, where `index.json` lives), so the same documents
//! work at the stable root, under `cortes/<id>/` and in a mirror.
//!
//! The bytes are deterministic: structs serialize in declaration order, lists
//! in catalog order, nothing iterates a hash map. Counts are JSON integers;
//! percentages are strings with four truncated decimals (`"35.1234"`), never
//! floats. The contract is `data-contracts/api/*.schema.json`; the prose for
//! difusores is `docs/api.md`.
//!
//! What this module is not: it counts nothing (every figure comes from
//! `tally`) and writes nothing (the artifacts go into the build).

use chrono::{DateTime, FixedOffset, SecondsFormat};
use rayon::prelude::*;
use serde::{Serialize, Serializer};

use super::digest::{Digest, Digests};
use super::{Artifact, CacheClass, SiteContext};
use crate::contract::catalog::ElectionIndex;
use crate::contract::corte::corte_label;
use crate::contract::{
    Acta, Campo, ContestLevel, Election, EstadoActa, OptionKind, Party, Snapshot, Unit,
};
use crate::tally::{ActaResult, ElectionResults, LevelTotals, Porcentaje, Results, Summary};

/// Where the API lives in a corte's tree.
pub const PREFIX: &str = "datos/api/";
/// The version of the documents' layout; a breaking change bumps it.
pub const API_VERSION: u32 = 2;

/// An election's URL slug: its id lowercased, `_` → `-` (`DIP_LOC` → `dip-loc`).
pub fn slug(election_id: &str) -> String {
    election_id.to_ascii_lowercase().replace('_', "-")
}

/// The levels a document can describe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Entidad,
    Distrito,
    Demarcacion,
    Seccion,
}

impl Level {
    fn folder(self) -> &'static str {
        match self {
            Level::Entidad => "entidad",
            Level::Distrito => "distrito",
            Level::Demarcacion => "demarcacion",
            Level::Seccion => "seccion",
        }
    }
}

/// A level document's path relative to the API root: `gub/entidad.json`,
/// `dip-loc/distrito/001.json`.
pub fn document_path(election_id: &str, level: Level, id: &str) -> String {
    match level {
        Level::Entidad => format!("{}/entidad.json", slug(election_id)),
        _ => format!("{}/{}/{id}.json", slug(election_id), level.folder()),
    }
}

/// A level document to make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiJob {
    Entidad(usize),
    /// Election, level (distrito or demarcación), unit index.
    Area(usize, Level, usize),
    /// Election, sección index.
    Seccion(usize, usize),
}

/// The API of one corte, ready to render document by document: what the
/// documents share is worked out once.
pub struct Api<'a> {
    ctx: &'a SiteContext<'a>,
    geo: Geography,
    views: Vec<ElectionView<'a>>,
}

/// The key of `index.json`.
pub fn index_key() -> String {
    format!("{PREFIX}index.json")
}

impl<'a> Api<'a> {
    pub fn new(ctx: &'a SiteContext<'a>) -> Api<'a> {
        let views = (0..ctx.snapshot.catalog.elections.len())
            .into_par_iter()
            .map(|e| ElectionView::new(ctx, e))
            .collect();
        Api {
            ctx,
            geo: Geography::of(ctx.snapshot),
            views,
        }
    }

    /// Every level document of the corte: per election the entidad, the
    /// distritos and demarcaciones with actas, the secciones with actas.
    pub fn jobs(&self) -> Vec<ApiJob> {
        let catalog = &self.ctx.snapshot.catalog;
        let mut jobs = Vec::new();
        for (e, v) in self.views.iter().enumerate() {
            jobs.push(ApiJob::Entidad(e));
            for (level, totals) in [
                (Level::Distrito, &v.r.distritos),
                (Level::Demarcacion, &v.r.demarcaciones),
            ] {
                let n = match level {
                    Level::Distrito => catalog.distritos.len(),
                    _ => catalog.demarcaciones.len(),
                };
                jobs.extend(
                    (0..n)
                        .filter(|i| totals.get(*i).is_some_and(has_actas))
                        .map(|i| ApiJob::Area(e, level, i)),
                );
            }
            jobs.extend(
                (0..catalog.secciones.len())
                    .filter(|s| v.r.secciones.get(*s).is_some_and(has_actas))
                    .map(|s| ApiJob::Seccion(e, s)),
            );
        }
        jobs
    }

    pub fn key_of(&self, job: ApiJob) -> String {
        let catalog = &self.ctx.snapshot.catalog;
        let path = match job {
            ApiJob::Entidad(e) => document_path(&catalog.elections[e].id, Level::Entidad, ""),
            ApiJob::Area(e, level, i) => {
                let units = match level {
                    Level::Distrito => &catalog.distritos,
                    _ => &catalog.demarcaciones,
                };
                document_path(&catalog.elections[e].id, level, &units[i].id)
            }
            ApiJob::Seccion(e, s) => document_path(
                &catalog.elections[e].id,
                Level::Seccion,
                &catalog.secciones[s].id,
            ),
        };
        format!("{PREFIX}{path}")
    }

    /// The digest of a document's inputs: the election's actas for the
    /// entidad; every casilla of the area (by its own place and by its
    /// sección's) for a distrito or demarcación; the sección's casillas.
    pub fn digest_of(&self, job: ApiJob, key: &str, d: &Digests) -> Digest {
        let geo = &self.geo;
        d.artifact(key, |f| match job {
            ApiJob::Entidad(e) => {
                f.digest(d.election(e));
            }
            ApiJob::Area(e, level, i) => {
                let (casillas, secciones) = match level {
                    Level::Distrito => (&geo.distrito_casillas[i], &geo.distrito_secciones[i]),
                    _ => (&geo.demarcacion_casillas[i], &geo.demarcacion_secciones[i]),
                };
                for c in casillas {
                    f.digest(d.casilla(e, *c));
                }
                for s in secciones {
                    for c in &geo.seccion_casillas[*s as usize] {
                        f.digest(d.casilla(e, *c));
                    }
                }
            }
            ApiJob::Seccion(e, s) => {
                for c in &geo.seccion_casillas[s] {
                    f.digest(d.casilla(e, *c));
                }
            }
        })
    }

    pub fn render(&self, job: ApiJob) -> Artifact {
        let key = self.key_of(job);
        let bytes = match job {
            ApiJob::Entidad(e) => json(&entidad_document(&self.views[e])),
            ApiJob::Area(e, level, i) => json(&area_document(&self.views[e], &self.geo, level, i)),
            ApiJob::Seccion(e, s) => json(&seccion_document(&self.views[e], &self.geo, s)),
        };
        Artifact::new(key, bytes, CacheClass::Short)
    }

    /// `index.json`, from the keys and SHA-256 of every level document of
    /// the corte (`datos/api/…`, rendered now or reused).
    pub fn index<'k>(&self, documents: impl Iterator<Item = (&'k str, &'k str)>) -> Artifact {
        let corte = CorteRef::of(self.ctx.snapshot);
        let index_key = index_key();
        let documents: std::collections::BTreeMap<&str, &str> = documents
            .filter(|(k, _)| *k != index_key)
            .filter_map(|(k, sha)| Some((k.strip_prefix(PREFIX)?, sha)))
            .collect();
        let catalog = &self.ctx.snapshot.catalog;
        let levels = (0..self.views.len())
            .map(|e| {
                let present = |level: Level, units: &[Unit]| {
                    (0..units.len())
                        .filter(|i| {
                            let path =
                                document_path(&catalog.elections[e].id, level, &units[*i].id);
                            documents.contains_key(path.as_str())
                        })
                        .collect()
                };
                let prefix = format!("{}/seccion/", slug(&catalog.elections[e].id));
                ElectionLevels {
                    distritos: present(Level::Distrito, &catalog.distritos),
                    demarcaciones: present(Level::Demarcacion, &catalog.demarcaciones),
                    secciones: documents.keys().filter(|k| k.starts_with(&prefix)).count(),
                }
            })
            .collect();
        let doc = index(self.ctx, &corte, levels, documents);
        Artifact::new(index_key, json(&doc), CacheClass::Short)
    }
}

fn json(doc: &impl Serialize) -> Vec<u8> {
    // Our own structs of strings and integers: serialization cannot fail.
    serde_json::to_vec(doc).unwrap_or_default()
}

// ---------------------------------------------------------------------------
// Shared pieces

/// The corte block of `index.json` (level documents have none).
#[derive(Serialize)]
struct CorteRef {
    id: String,
    seq: u32,
    /// RFC 3339 with the entidad's offset.
    timestamp: String,
    /// `02/06/2024 20:00 (UTC-6)`, as every page prints it.
    label: String,
    #[serde(rename = "final")]
    final_corte: bool,
}

impl CorteRef {
    fn of(snapshot: &Snapshot) -> CorteRef {
        let c = &snapshot.corte;
        CorteRef {
            id: c.id(),
            seq: c.seq,
            timestamp: c.timestamp.clone(),
            label: corte_label(&c.time()),
            final_corte: c.final_corte,
        }
    }
}

/// Which casillas and secciones lie in each place, built once per corte.
struct Geography {
    seccion_casillas: Vec<Vec<u32>>,
    distrito_casillas: Vec<Vec<u32>>,
    demarcacion_casillas: Vec<Vec<u32>>,
    distrito_secciones: Vec<Vec<u32>>,
    demarcacion_secciones: Vec<Vec<u32>>,
}

impl Geography {
    fn of(snapshot: &Snapshot) -> Geography {
        let (catalog, ix) = (&snapshot.catalog, &snapshot.index);
        let group = |n: usize, of: &[Option<u32>]| {
            let mut groups = vec![Vec::new(); n];
            for (member, place) in of.iter().enumerate() {
                if let Some(p) = place {
                    groups[*p as usize].push(member as u32);
                }
            }
            groups
        };
        let seccion_place = |id: Option<&String>, ids: &std::collections::HashMap<String, u32>| {
            id.and_then(|id| ids.get(id).copied())
        };
        let seccion_distrito: Vec<Option<u32>> = catalog
            .secciones
            .iter()
            .map(|s| seccion_place(s.distrito.as_ref(), &ix.distrito_by_id))
            .collect();
        let seccion_demarcacion: Vec<Option<u32>> = catalog
            .secciones
            .iter()
            .map(|s| seccion_place(s.demarcacion.as_ref(), &ix.demarcacion_by_id))
            .collect();
        Geography {
            seccion_casillas: group(catalog.secciones.len(), &ix.casilla_seccion),
            distrito_casillas: group(catalog.distritos.len(), &ix.casilla_distrito),
            demarcacion_casillas: group(catalog.demarcaciones.len(), &ix.casilla_demarcacion),
            distrito_secciones: group(catalog.distritos.len(), &seccion_distrito),
            demarcacion_secciones: group(catalog.demarcaciones.len(), &seccion_demarcacion),
        }
    }
}

/// One election's catalog and results, with what its documents share.
struct ElectionView<'a> {
    snapshot: &'a Snapshot,
    results: &'a Results,
    e: usize,
    election: &'a Election,
    eix: &'a ElectionIndex,
    r: &'a ElectionResults,
    /// Per candidacy key: its parties in ballot order.
    key_parties: Vec<Vec<&'a str>>,
    /// Per casilla: the contest unit it votes in for this election (None
    /// when it expects no acta of it, or only RP actas).
    casilla_unit: Vec<Option<u32>>,
    /// Per casilla: its registered actas of this election (indexes).
    casilla_actas: Vec<Vec<u32>>,
    images: Option<&'a crate::published::images::ImageSet>,
}

impl<'a> ElectionView<'a> {
    fn new(ctx: &SiteContext<'a>, e: usize) -> ElectionView<'a> {
        let snapshot = ctx.snapshot;
        let election = &snapshot.catalog.elections[e];
        let eix = &snapshot.index.elections[e];
        let mut key_parties: Vec<Vec<&str>> = vec![Vec::new(); eix.candidacy_keys.len()];
        for (k, options) in eix.candidacy_options.iter().enumerate() {
            let parties = &mut key_parties[eix.candidacy_key_index[k]];
            for &o in options {
                for p in &election.options[o as usize].parties {
                    if !parties.contains(&p.as_str()) {
                        parties.push(p);
                    }
                }
            }
        }
        let n_casillas = snapshot.catalog.casillas.len();
        let casilla_unit = (0..n_casillas as u32)
            .map(|c| {
                let expects = snapshot.catalog.casillas[c as usize]
                    .actas
                    .get(&election.id)
                    .is_some_and(|types| types.iter().any(|t| !eix.rp_acta_types.contains(t)));
                expects
                    .then(|| {
                        crate::contract::acta::contest_unit(
                            &snapshot.catalog,
                            &snapshot.index,
                            e,
                            c,
                        )
                    })
                    .flatten()
            })
            .collect();
        let mut casilla_actas = vec![Vec::new(); n_casillas];
        for (i, a) in snapshot.actas[e].iter().enumerate() {
            if let Some(c) = a.casilla {
                casilla_actas[c as usize].push(i as u32);
            }
        }
        ElectionView {
            snapshot,
            results: ctx.results,
            e,
            election,
            eix,
            r: &ctx.results.elections[e],
            key_parties,
            casilla_unit,
            casilla_actas,
            images: ctx.images,
        }
    }

    /// The contest units the given casillas vote in, sorted, each once.
    fn units_of(&self, casillas: impl Iterator<Item = usize>) -> Vec<u32> {
        let mut units: Vec<u32> = casillas.filter_map(|c| self.casilla_unit[c]).collect();
        units.sort_unstable();
        units.dedup();
        units
    }

    fn summary(&self, t: &LevelTotals) -> Summary {
        Summary::of(t, 0, 0, self.results.final_corte, &self.results.ruleset)
    }
}

/// Whether a level has anything to say for an election: an expected or a
/// captured acta.
fn has_actas(t: &LevelTotals) -> bool {
    t.actas_esperadas > 0 || t.actas_capturadas > 0
}

// ---------------------------------------------------------------------------
// Level documents

#[derive(Serialize)]
struct ElectionRef<'a> {
    id: &'a str,
    name: &'a str,
    contest: ContestLevel,
}

/// What every level document carries; `detail` adds the level's own fields.
#[derive(Serialize)]
struct LevelDoc<'a, D: Serialize> {
    api_version: u32,
    election: ElectionRef<'a>,
    level: Level,
    id: &'a str,
    name: Option<&'a str>,
    summary: Summary,
    /// Lista nominal of every casilla expecting an acta of this election here.
    lista_nominal: u64,
    /// Votes of counted actas, every option (nulos included): the base of
    /// every percentage below.
    total_votos: u64,
    options: Vec<OptionVotes<'a>>,
    candidacies: Vec<CandidacyVotes<'a>>,
    parties: Vec<SlotVotes<'a>>,
    #[serde(flatten)]
    detail: D,
}

#[derive(Serialize)]
struct OptionVotes<'a> {
    column: &'a str,
    kind: OptionKind,
    votes: u64,
    percentage: Porcentaje,
}

#[derive(Serialize)]
struct CandidacyVotes<'a> {
    key: &'a str,
    /// The candidate, where the level lies in one contest unit.
    propietaria: Option<&'a str>,
    suplente: Option<&'a str>,
    parties: &'a [&'a str],
    votes: u64,
    percentage: Porcentaje,
}

#[derive(Serialize)]
struct SlotVotes<'a> {
    slot: &'a str,
    votes: u64,
    percentage: Porcentaje,
}

#[derive(Serialize)]
struct EntidadDetail<'a> {
    /// Actas of representación proporcional, tallied apart (casillas
    /// especiales' `A03ERP`): counted in `summary`, in no place's votes.
    representacion_proporcional: Option<RpVotes<'a>>,
}

#[derive(Serialize)]
struct RpVotes<'a> {
    total_votos: u64,
    options: Vec<OptionVotes<'a>>,
    parties: Vec<SlotVotes<'a>>,
}

#[derive(Serialize)]
struct AreaDetail<'a> {
    /// The secciones of this distrito or demarcación that have a document.
    secciones: Vec<&'a str>,
}

#[derive(Serialize)]
struct SeccionDetail<'a> {
    distrito: Option<&'a str>,
    demarcacion: Option<&'a str>,
    actas: Vec<ActaDoc<'a>>,
}

fn option_votes<'a>(election: &'a Election, t: &LevelTotals) -> Vec<OptionVotes<'a>> {
    let total = t.total_votos();
    election
        .options
        .iter()
        .zip(&t.options)
        .map(|(o, &votes)| OptionVotes {
            column: &o.column,
            kind: o.kind,
            votes,
            percentage: Porcentaje::of(votes, total),
        })
        .collect()
}

fn slot_votes<'a>(v: &'a ElectionView, t: &LevelTotals) -> Vec<SlotVotes<'a>> {
    let total = t.total_votos();
    v.r.plan
        .slots
        .iter()
        .zip(&t.parties)
        .map(|(slot, &votes)| SlotVotes {
            slot,
            votes,
            percentage: Porcentaje::of(votes, total),
        })
        .collect()
}

/// The candidacies running in `units`, in ballot order; names only when the
/// level lies in exactly one contest unit.
fn candidacy_votes<'a>(
    v: &'a ElectionView,
    t: &LevelTotals,
    units: &[u32],
) -> Vec<CandidacyVotes<'a>> {
    let total = t.total_votos();
    let mut keys: Vec<usize> = units
        .iter()
        .flat_map(|u| &v.eix.unit_candidacies[*u as usize])
        .map(|k| v.eix.candidacy_key_index[*k as usize])
        .collect();
    keys.sort_unstable();
    keys.dedup();
    let single = match units {
        [u] => Some(*u as usize),
        _ => None,
    };
    keys.into_iter()
        .map(|key| {
            let candidacy = single.and_then(|u| {
                v.eix.unit_candidacies[u]
                    .iter()
                    .find(|k| v.eix.candidacy_key_index[**k as usize] == key)
                    .map(|k| &v.election.candidacies[*k as usize])
            });
            let non_empty = |s: &'a String| (!s.is_empty()).then_some(s.as_str());
            let votes = t.candidacies[key];
            CandidacyVotes {
                key: &v.eix.candidacy_keys[key],
                propietaria: candidacy.and_then(|c| non_empty(&c.name)),
                suplente: candidacy.and_then(|c| non_empty(&c.suplente)),
                parties: &v.key_parties[key],
                votes,
                percentage: Porcentaje::of(votes, total),
            }
        })
        .collect()
}

/// One level document's common part.
#[allow(clippy::too_many_arguments)]
fn level_doc<'a, D: Serialize>(
    v: &'a ElectionView,
    level: Level,
    id: &'a str,
    name: Option<&'a str>,
    summary: Summary,
    t: &LevelTotals,
    units: &[u32],
    detail: D,
) -> LevelDoc<'a, D> {
    LevelDoc {
        api_version: API_VERSION,
        election: ElectionRef {
            id: &v.election.id,
            name: &v.election.name,
            contest: v.election.contest,
        },
        level,
        id,
        name,
        summary,
        lista_nominal: t.lista_nominal,
        total_votos: t.total_votos(),
        options: option_votes(v.election, t),
        candidacies: candidacy_votes(v, t, units),
        parties: slot_votes(v, t),
        detail,
    }
}

/// What the index needs to know of one election's documents.
struct ElectionLevels {
    distritos: Vec<usize>,
    demarcaciones: Vec<usize>,
    secciones: usize,
}

fn entidad_document<'a>(v: &'a ElectionView) -> LevelDoc<'a, EntidadDetail<'a>> {
    let catalog = &v.snapshot.catalog;
    let all_units: Vec<u32> = (0..v.eix.units.len() as u32).collect();
    let rp = v.r.rp.as_ref().map(|t| RpVotes {
        total_votos: t.total_votos(),
        options: option_votes(v.election, t),
        parties: slot_votes(v, t),
    });
    level_doc(
        v,
        Level::Entidad,
        &catalog.entidad.id,
        Some(&catalog.entidad.name),
        v.r.summary.clone(),
        &v.r.entidad,
        &all_units,
        EntidadDetail {
            representacion_proporcional: rp,
        },
    )
}

fn area_document<'a>(
    v: &'a ElectionView,
    geo: &Geography,
    level: Level,
    i: usize,
) -> LevelDoc<'a, AreaDetail<'a>> {
    let catalog = &v.snapshot.catalog;
    let (unit, t, casillas, secciones) = match level {
        Level::Distrito => (
            &catalog.distritos[i],
            &v.r.distritos[i],
            &geo.distrito_casillas[i],
            &geo.distrito_secciones[i],
        ),
        _ => (
            &catalog.demarcaciones[i],
            &v.r.demarcaciones[i],
            &geo.demarcacion_casillas[i],
            &geo.demarcacion_secciones[i],
        ),
    };
    level_doc(
        v,
        level,
        &unit.id,
        Some(&unit.name),
        v.summary(t),
        t,
        &v.units_of(casillas.iter().map(|c| *c as usize)),
        AreaDetail {
            secciones: secciones
                .iter()
                .filter(|s| v.r.secciones.get(**s as usize).is_some_and(has_actas))
                .map(|s| catalog.secciones[*s as usize].id.as_str())
                .collect(),
        },
    )
}

fn seccion_document<'a>(
    v: &'a ElectionView,
    geo: &Geography,
    s: usize,
) -> LevelDoc<'a, SeccionDetail<'a>> {
    let catalog = &v.snapshot.catalog;
    let seccion = &catalog.secciones[s];
    let t = &v.r.secciones[s];
    let casillas = &geo.seccion_casillas[s];
    level_doc(
        v,
        Level::Seccion,
        &seccion.id,
        None,
        v.summary(t),
        t,
        &v.units_of(casillas.iter().map(|c| *c as usize)),
        SeccionDetail {
            distrito: seccion.distrito.as_deref(),
            demarcacion: seccion.demarcacion.as_deref(),
            actas: seccion_actas(v, casillas),
        },
    )
}

// ---------------------------------------------------------------------------
// Actas

/// A captured field: a number, `"ILEGIBLE"`, `"SIN DATO"`, or null when the
/// acta has no such field (off its ballot, not reported, or not yet captured).
#[derive(Clone, Copy)]
struct Captured(Option<Campo>);

impl Serialize for Captured {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Some(Campo::Num(n)) => s.serialize_u32(n),
            Some(Campo::Ilegible) => s.serialize_str("ILEGIBLE"),
            Some(Campo::SinDato) => s.serialize_str("SIN DATO"),
            Some(Campo::NoAplica) | None => s.serialize_none(),
        }
    }
}

/// `estado` of an expected acta not registered yet.
pub const PENDIENTE: &str = "PENDIENTE";

#[derive(Serialize)]
struct ActaDoc<'a> {
    clave_casilla: &'a str,
    tipo_casilla: char,
    tipo_acta: &'a str,
    /// `CAPTURADA`, `SIN_ACTA_…` (the snapshot's codes) or `PENDIENTE`.
    estado: &'static str,
    /// One field per option, aligned with the document's `options`.
    votos: Vec<Captured>,
    total_votos_asentado: Captured,
    total_boletas_sobrantes: Captured,
    total_personas_votaron: Captured,
    total_rep_partido_ci_votaron: Captured,
    total_votos_sacados: Captured,
    total_votos_calculado: Option<u64>,
    lista_nominal: u32,
    observaciones: Option<&'static str>,
    /// 0 not counted, 1 counted; null while pending.
    contabilizada: Option<u8>,
    codigo_integridad: Option<&'a str>,
    /// The image's path from the site root (`actas/<sha256>.<ext>`) once it
    /// has arrived; absent when no image folder is in use or not yet there.
    #[serde(skip_serializing_if = "Option::is_none")]
    imagen: Option<String>,
    mecanismo_traslado: Option<&'static str>,
    fecha_hora_acopio: Option<String>,
    fecha_hora_captura: Option<String>,
    fecha_hora_verificacion: Option<String>,
    origen: Option<&'static str>,
    digitalizacion: Option<&'static str>,
    tipo_documento: Option<&'static str>,
}

fn rfc3339(t: &Option<DateTime<FixedOffset>>) -> Option<String> {
    t.map(|t| t.to_rfc3339_opts(SecondsFormat::AutoSi, false))
}

/// Every acta of the sección's casillas: registered ones as captured, and
/// the expected ones not registered yet as pending; by casilla key and acta type.
fn seccion_actas<'a>(v: &'a ElectionView, casillas: &[u32]) -> Vec<ActaDoc<'a>> {
    let catalog = &v.snapshot.catalog;
    let actas = &v.snapshot.actas[v.e];
    let n_options = v.election.options.len();
    let mut docs = Vec::new();
    for &c in casillas {
        let casilla = &catalog.casillas[c as usize];
        let registered = &v.casilla_actas[c as usize];
        for &i in registered {
            let (a, res) = (&actas[i as usize], &v.r.actas[i as usize]);
            docs.push(registered_acta(
                a,
                res,
                casilla.tipo.letter(),
                casilla.lista_nominal,
                v.images,
            ));
        }
        for t in casilla.actas.get(&v.election.id).into_iter().flatten() {
            if registered
                .iter()
                .any(|&i| actas[i as usize].tipo_acta == *t)
            {
                continue;
            }
            docs.push(ActaDoc {
                clave_casilla: &casilla.key,
                tipo_casilla: casilla.tipo.letter(),
                tipo_acta: t,
                estado: PENDIENTE,
                votos: vec![Captured(None); n_options],
                total_votos_asentado: Captured(None),
                total_boletas_sobrantes: Captured(None),
                total_personas_votaron: Captured(None),
                total_rep_partido_ci_votaron: Captured(None),
                total_votos_sacados: Captured(None),
                total_votos_calculado: None,
                lista_nominal: casilla.lista_nominal,
                observaciones: None,
                contabilizada: None,
                codigo_integridad: None,
                imagen: None,
                mecanismo_traslado: None,
                fecha_hora_acopio: None,
                fecha_hora_captura: None,
                fecha_hora_verificacion: None,
                origen: None,
                digitalizacion: None,
                tipo_documento: None,
            });
        }
    }
    docs.sort_by(|a, b| (a.clave_casilla, a.tipo_acta).cmp(&(b.clave_casilla, b.tipo_acta)));
    docs
}

fn registered_acta<'a>(
    a: &'a Acta,
    res: &ActaResult,
    tipo_casilla: char,
    lista_nominal: u32,
    images: Option<&crate::published::images::ImageSet>,
) -> ActaDoc<'a> {
    let sin_acta = matches!(a.estado, EstadoActa::SinActa(_));
    let field = |c: Campo| Captured((!sin_acta).then_some(c));
    let observaciones = res.observaciones(a);
    ActaDoc {
        clave_casilla: &a.clave_casilla,
        tipo_casilla,
        tipo_acta: &a.tipo_acta,
        estado: a.estado.code(),
        votos: a.votos.iter().map(|c| field(*c)).collect(),
        total_votos_asentado: field(a.total_asentado),
        total_boletas_sobrantes: field(a.boletas_sobrantes),
        total_personas_votaron: field(a.personas_votaron),
        total_rep_partido_ci_votaron: field(a.rep_votaron),
        total_votos_sacados: field(a.votos_sacados),
        total_votos_calculado: (!sin_acta).then_some(res.total_calculado),
        lista_nominal,
        observaciones: (!observaciones.is_empty()).then_some(observaciones),
        contabilizada: Some(res.contabilizada.code()),
        codigo_integridad: a.codigo_integridad.as_deref(),
        imagen: crate::site::pages::casillas::imagen(a, images),
        mecanismo_traslado: a.mecanismo,
        fecha_hora_acopio: rfc3339(&a.acopio),
        fecha_hora_captura: rfc3339(&a.captura),
        fecha_hora_verificacion: rfc3339(&a.verificacion),
        origen: a.origen,
        digitalizacion: a.digitalizacion,
        tipo_documento: a.tipo_documento,
    }
}

// ---------------------------------------------------------------------------
// index.json

#[derive(Serialize)]
struct IndexDoc<'a> {
    api_version: u32,
    corte: &'a CorteRef,
    process: ProcessRef<'a>,
    parties: Vec<PartyEntry<'a>>,
    elections: Vec<ElectionEntry<'a>>,
    /// Every level document of the corte (path relative to the API root)
    /// with the SHA-256 of its bytes: what an app checks its documents
    /// against to know they are all of this corte.
    documents: std::collections::BTreeMap<&'a str, &'a str>,
}

#[derive(Serialize)]
struct PartyEntry<'a> {
    id: &'a str,
    name: &'a str,
    color: Option<&'a str>,
}

#[derive(Serialize)]
struct ProcessRef<'a> {
    id: &'a str,
    name: &'a str,
    institute: &'a str,
    entidad: EntidadRef<'a>,
    time_zone: &'a str,
    ruleset: &'a str,
}

#[derive(Serialize)]
struct EntidadRef<'a> {
    id: &'a str,
    name: &'a str,
    abbr: &'a str,
}

#[derive(Serialize)]
struct ElectionEntry<'a> {
    id: &'a str,
    name: &'a str,
    slug: String,
    contest: ContestLevel,
    options: Vec<OptionEntry<'a>>,
    summary: &'a Summary,
    levels: LevelsEntry<'a>,
}

#[derive(Serialize)]
struct OptionEntry<'a> {
    column: &'a str,
    kind: OptionKind,
    name: &'a str,
    parties: &'a [String],
    color: Option<&'a str>,
}

#[derive(Serialize)]
struct LevelsEntry<'a> {
    entidad: EntidadLevel,
    distrito: AreaLevel<'a>,
    demarcacion: AreaLevel<'a>,
    seccion: SeccionLevel,
}

#[derive(Serialize)]
struct EntidadLevel {
    url: String,
}

#[derive(Serialize)]
struct AreaLevel<'a> {
    url_template: String,
    units: Vec<UnitEntry<'a>>,
}

#[derive(Serialize)]
struct UnitEntry<'a> {
    id: &'a str,
    name: &'a str,
    url: String,
}

#[derive(Serialize)]
struct SeccionLevel {
    url_template: String,
    count: usize,
}

fn index<'a>(
    ctx: &'a SiteContext,
    corte: &'a CorteRef,
    levels: Vec<ElectionLevels>,
    documents: std::collections::BTreeMap<&'a str, &'a str>,
) -> IndexDoc<'a> {
    let catalog = &ctx.snapshot.catalog;
    let elections = catalog
        .elections
        .iter()
        .zip(&ctx.results.elections)
        .zip(levels)
        .map(|((election, r), l)| {
            let id = &election.id;
            let area = |level: Level, units: &'a [Unit], kept: &[usize]| AreaLevel {
                url_template: document_path(id, level, "{id}"),
                units: kept
                    .iter()
                    .map(|i| UnitEntry {
                        id: &units[*i].id,
                        name: &units[*i].name,
                        url: document_path(id, level, &units[*i].id),
                    })
                    .collect(),
            };
            ElectionEntry {
                id,
                name: &election.name,
                slug: slug(id),
                contest: election.contest,
                options: election
                    .options
                    .iter()
                    .map(|o| OptionEntry {
                        column: &o.column,
                        kind: o.kind,
                        name: o.display_name(),
                        parties: &o.parties,
                        color: o.color.as_deref(),
                    })
                    .collect(),
                summary: &r.summary,
                levels: LevelsEntry {
                    entidad: EntidadLevel {
                        url: document_path(id, Level::Entidad, ""),
                    },
                    distrito: area(Level::Distrito, &catalog.distritos, &l.distritos),
                    demarcacion: area(Level::Demarcacion, &catalog.demarcaciones, &l.demarcaciones),
                    seccion: SeccionLevel {
                        url_template: document_path(id, Level::Seccion, "{id}"),
                        count: l.secciones,
                    },
                },
            }
        })
        .collect();
    IndexDoc {
        api_version: API_VERSION,
        corte,
        process: ProcessRef {
            id: &catalog.process.id,
            name: &catalog.process.name,
            institute: &catalog.process.institute,
            entidad: EntidadRef {
                id: &catalog.entidad.id,
                name: &catalog.entidad.name,
                abbr: &catalog.entidad.abbr,
            },
            time_zone: &catalog.time_zone,
            ruleset: &ctx.results.ruleset.name,
        },
        parties: catalog
            .parties
            .iter()
            .map(|p: &Party| PartyEntry {
                id: &p.id,
                name: &p.name,
                color: p.color.as_deref(),
            })
            .collect(),
        elections,
        documents,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_election_slug_is_its_id_lowercased_with_dashes() {
        assert_eq!(slug("GUB"), "gub");
        assert_eq!(slug("DIP_LOC"), "dip-loc");
        assert_eq!(
            document_path("DIP_LOC", Level::Entidad, ""),
            "dip-loc/entidad.json"
        );
        assert_eq!(
            document_path("DIP_LOC", Level::Demarcacion, "003"),
            "dip-loc/demarcacion/003.json"
        );
        assert_eq!(
            document_path("ALC", Level::Seccion, "{id}"),
            "alc/seccion/{id}.json"
        );
    }

    #[test]
    fn a_captured_field_is_a_number_its_word_or_null() {
        let json = |c: Option<Campo>| serde_json::to_string(&Captured(c)).unwrap();
        assert_eq!(json(Some(Campo::Num(1234))), "1234");
        assert_eq!(json(Some(Campo::Ilegible)), "\"ILEGIBLE\"");
        assert_eq!(json(Some(Campo::SinDato)), "\"SIN DATO\"");
        assert_eq!(json(Some(Campo::NoAplica)), "null");
        assert_eq!(json(None), "null");
    }

    #[test]
    fn timestamps_keep_their_offset() {
        let t = crate::contract::corte::parse_timestamp("2024-06-02T19:05:10-06:00").ok();
        assert_eq!(rfc3339(&t).as_deref(), Some("2024-06-02T19:05:10-06:00"));
        assert_eq!(rfc3339(&None), None);
    }
}

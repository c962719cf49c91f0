//! The CDMX scale: Ciudad de México 2024 as it was — its distritos,
//! demarcaciones, secciones and casillas, their lista nominal and the real
//! votes of every acta — read from the IECM cómputos files (see [`super::real`]).
//!
//! How the files become a catalog:
//! - A casilla is identified across the three files by sección, type, number
//!   and ext. contigua; repeated keys (the contiguas of an extraordinaria,
//!   published as `1C` five times) take ext. contigua 0, 1, 2… in file order.
//! - Voto anticipado (`A`) rows have no sección or number: they are paired
//!   across files by capture time (within their distrito for the Jefatura and
//!   Diputaciones files, city-wide with the Alcaldías file, which knows their
//!   demarcación), and numbered 1… in the Jefatura file's order.
//! - Mesas of votes from abroad (`M`, distrito 034, sección 0000) have no
//!   sección: they sit in distrito `034` "VOTO EN EL EXTRANJERO".
//! - A casilla that some file omits still expects that election's acta
//!   (of the type its casilla type has elsewhere in the file): it comes in
//!   sin acta, as the actas missing from the cómputos did.
//! - A sección missing from one file takes the distrito or demarcación of the
//!   nearest sección number that has one.
//! - Candidacies per contest unit follow the votes: a coalition is formed
//!   where any of its combinations got votes, the candidatura común where its
//!   column did, an independent where it did; every other party runs alone.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use crate::contract::{
    BallotOption, Casilla, Catalog, ContestLevel, Election, OptionKind, Seccion, TipoCasilla, Unit,
    catalog::{Entidad, Process},
};

use super::GenError;
use super::model::{self, Basis, Expected, Model};
use super::real::{self, CandidateRow, ComputosFile, ComputosRow, SOURCES};

pub const PROCESS_ID: &str = "cdmx-2024-gen";
const ENTIDAD: &str = "09";
const ABROAD_DISTRITO: &str = "034";
/// Boletas of a casilla especial when the files do not say (they do not).
const BOLETAS_ESPECIAL: u32 = 750;
/// The cómputos files carry a few absurd REPRESENTANTES_PP_CI (up to 714);
/// the catalog keeps at most this many.
const MAX_REPRESENTANTES: u32 = 20;
/// The IECM 2024 candidatura común: column, members and shares (basis points).
const COMUN: (&str, [(&str, u32); 3], &str) = (
    "MORENA_PT_PVEM",
    [("MORENA", 5333), ("PT", 2000), ("PVEM", 2667)],
    "MORENA",
);
/// The column of the candidatura sin partido.
const INDEPENDENT: &str = "CSP";
/// Actas beyond the real sin-acta ones (casillas a file omits) that come in sin acta.
const SIN_ACTA_EXTRA: f64 = 0.002;

/// A casilla as identified in the files.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct CasillaId {
    seccion: String,
    tipo: TipoCasilla,
    numero: u32,
    ext: u32,
}

struct CasillaBuild {
    ubicacion: u8,
    lista_nominal: u32,
    representantes: u32,
    distrito: Option<String>,
    demarcacion: Option<String>,
    /// Per election (index into SOURCES): acta type → the row with its figures.
    actas: [BTreeMap<String, Option<usize>>; 3],
}

pub(crate) fn build(real_data: &Path) -> Result<Model, GenError> {
    let dir = real::locate(real_data)?;
    let mut files = Vec::new();
    let mut candidates = Vec::new();
    for source in &SOURCES {
        files.push(real::read_computos(&dir, source)?);
        candidates.push(real::read_candidates(&dir, source)?);
    }
    let mut casillas: BTreeMap<CasillaId, CasillaBuild> = BTreeMap::new();
    for (f, file) in files.iter().enumerate() {
        add_numbered_rows(&mut casillas, f, file);
    }
    add_anticipado_rows(&mut casillas, &files, &dir)?;
    expect_missing_actas(&mut casillas);

    let distritos = distritos(&files);
    let demarcaciones = demarcaciones(&files[2], &candidates[2]);
    let secciones = secciones(&files, &casillas);
    let elections: Vec<Election> = (0..SOURCES.len())
        .map(|f| election(f, &files[f], &candidates[f], &casillas))
        .collect();

    let (catalog_casillas, expected) = catalog_casillas(&casillas, &files);
    let catalog = Catalog {
        contract_version: crate::contract::CONTRACT_VERSION,
        process: Process {
            id: PROCESS_ID.into(),
            name: "Proceso Electoral Local Ordinario 2023-2024, Ciudad de México (datos generados \
                   sobre los cómputos reales)"
                .into(),
            institute: "IECM".into(),
        },
        entidad: Entidad {
            id: ENTIDAD.into(),
            name: "CIUDAD DE MÉXICO".into(),
            abbr: "CDMX".into(),
            demarcacion_term: "ALCALDIA".into(),
        },
        time_zone: "America/Mexico_City".into(),
        ruleset: crate::contract::RulesetRef::Named(crate::tally::ruleset::DEFAULT.into()),
        parties: model::parties(),
        elections,
        distritos,
        demarcaciones,
        secciones,
        casillas: catalog_casillas,
    };
    let index = catalog.index().map_err(GenError::Invalid)?;
    Ok(Model {
        catalog,
        index,
        elections: expected,
        sin_acta_extra: SIN_ACTA_EXTRA,
    })
}

/// The catalog's casillas, and per election every expected acta with its real
/// figures (None where the file lacks it).
fn catalog_casillas(
    casillas: &BTreeMap<CasillaId, CasillaBuild>,
    files: &[ComputosFile],
) -> (Vec<Casilla>, Vec<Vec<Expected>>) {
    let mut out = Vec::with_capacity(casillas.len());
    let mut expected: Vec<Vec<Expected>> = SOURCES.iter().map(|_| Vec::new()).collect();
    for (i, (id, c)) in casillas.iter().enumerate() {
        let especial = id.tipo.is_especial();
        out.push(Casilla {
            key: format!(
                "{ENTIDAD}{}{}{:02}{:02}",
                id.seccion,
                id.tipo.letter(),
                id.numero,
                id.ext
            ),
            seccion: (id.seccion != "0000").then(|| id.seccion.clone()),
            tipo: id.tipo,
            numero: id.numero,
            ext_contigua: id.ext,
            ubicacion: c.ubicacion,
            lista_nominal: if especial { 0 } else { c.lista_nominal },
            representantes: c.representantes.min(MAX_REPRESENTANTES),
            boletas: especial.then_some(BOLETAS_ESPECIAL),
            distrito: c.distrito.clone(),
            demarcacion: c.demarcacion.clone(),
            actas: SOURCES
                .iter()
                .zip(&c.actas)
                .filter(|(_, types)| !types.is_empty())
                .map(|(s, types)| (s.election.to_string(), types.keys().cloned().collect()))
                .collect(),
        });
        for (f, types) in c.actas.iter().enumerate() {
            for (tipo_acta, row) in types {
                expected[f].push(Expected {
                    casilla: i as u32,
                    tipo_acta: tipo_acta.clone(),
                    basis: row.map(|r| {
                        let row = &files[f].rows[r];
                        Basis {
                            votes: row.votes.clone().into_boxed_slice(),
                            counts: row.counts,
                        }
                    }),
                });
            }
        }
    }
    (out, expected)
}

fn new_casilla(row: &ComputosRow) -> CasillaBuild {
    CasillaBuild {
        ubicacion: row.ubicacion,
        lista_nominal: row.lista_nominal,
        representantes: row.representantes,
        distrito: None,
        demarcacion: None,
        actas: Default::default(),
    }
}

/// Every row but voto anticipado: identified by sección, type, number, ext.
fn add_numbered_rows(
    casillas: &mut BTreeMap<CasillaId, CasillaBuild>,
    f: usize,
    file: &ComputosFile,
) {
    let mut seen: HashMap<(CasillaId, &str), u32> = HashMap::new();
    for (r, row) in file.rows.iter().enumerate() {
        let Some(numero) = row.numero else { continue };
        let base = CasillaId {
            seccion: row.seccion.clone().unwrap_or_else(|| "0000".into()),
            tipo: row.tipo,
            numero,
            ext: row.ext_contigua,
        };
        let repeat = seen.entry((base.clone(), &row.tipo_acta)).or_insert(0);
        let id = CasillaId {
            ext: base.ext + *repeat,
            ..base
        };
        *repeat += 1;
        let c = casillas.entry(id).or_insert_with(|| new_casilla(row));
        if row.seccion.is_none() {
            c.distrito = Some(row.unit.clone());
        }
        c.actas[f].insert(row.tipo_acta.clone(), Some(r));
    }
}

/// Voto anticipado rows, paired across the three files by capture time.
fn add_anticipado_rows(
    casillas: &mut BTreeMap<CasillaId, CasillaBuild>,
    files: &[ComputosFile],
    dir: &Path,
) -> Result<(), GenError> {
    let anticipado = |f: usize| -> Vec<usize> {
        let mut rows: Vec<usize> = (0..files[f].rows.len())
            .filter(|&r| files[f].rows[r].numero.is_none())
            .collect();
        rows.sort_by(|&a, &b| {
            let (ra, rb) = (&files[f].rows[a], &files[f].rows[b]);
            (&ra.captura, ra.line).cmp(&(&rb.captura, rb.line))
        });
        rows
    };
    let lists: Vec<Vec<usize>> = (0..files.len()).map(anticipado).collect();
    let mismatch = |what: String| {
        GenError::Config(format!(
            "{}: cannot pair the voto anticipado actas across the cómputos files: {what}",
            dir.display()
        ))
    };
    for f in 1..files.len() {
        if lists[f].len() != lists[0].len() {
            return Err(mismatch(format!(
                "{} has {} and {} has {}",
                SOURCES[0].computos,
                lists[0].len(),
                SOURCES[f].computos,
                lists[f].len()
            )));
        }
    }
    // Numbered in the Jefatura file's order by distrito, then capture time.
    let mut order: Vec<usize> = (0..lists[0].len()).collect();
    order.sort_by_key(|&i| (&files[0].rows[lists[0][i]].unit, i));
    let mut numero = vec![0u32; order.len()];
    for (n, &i) in order.iter().enumerate() {
        numero[i] = n as u32 + 1;
    }
    // Jefatura and Diputaciones both know the distrito: pair by rank within it.
    let ranks = |f: usize| -> Vec<(String, usize)> {
        let mut count: HashMap<&str, usize> = HashMap::new();
        lists[f]
            .iter()
            .map(|&r| {
                let unit = files[f].rows[r].unit.as_str();
                let k = count.entry(unit).or_insert(0);
                *k += 1;
                (unit.to_string(), *k - 1)
            })
            .collect()
    };
    let dip: HashMap<(String, usize), usize> =
        ranks(1).into_iter().zip(lists[1].iter().copied()).collect();
    for (i, ((&g, rank), &a)) in lists[0].iter().zip(ranks(0)).zip(&lists[2]).enumerate() {
        let row = &files[0].rows[g];
        let d = *dip.get(&rank).ok_or_else(|| {
            mismatch(format!(
                "{} has fewer in distrito {} than {}",
                SOURCES[1].computos, rank.0, SOURCES[0].computos
            ))
        })?;
        let mut c = new_casilla(row);
        c.distrito = Some(row.unit.clone());
        c.demarcacion = Some(files[2].rows[a].unit.clone());
        c.actas[0].insert(row.tipo_acta.clone(), Some(g));
        c.actas[1].insert(files[1].rows[d].tipo_acta.clone(), Some(d));
        c.actas[2].insert(files[2].rows[a].tipo_acta.clone(), Some(a));
        let id = CasillaId {
            seccion: "0000".into(),
            tipo: TipoCasilla::A,
            numero: numero[i],
            ext: 0,
        };
        casillas.insert(id, c);
    }
    Ok(())
}

/// A casilla that a file omits still expects that election's acta, of the
/// types the file gives most casillas of its type (none for a type the file
/// never has, such as votes from abroad in Alcaldías).
fn expect_missing_actas(casillas: &mut BTreeMap<CasillaId, CasillaBuild>) {
    for f in 0..SOURCES.len() {
        let mut usual: HashMap<TipoCasilla, BTreeMap<Vec<String>, usize>> = HashMap::new();
        for (id, c) in casillas.iter() {
            if !c.actas[f].is_empty() {
                let types: Vec<String> = c.actas[f].keys().cloned().collect();
                *usual.entry(id.tipo).or_default().entry(types).or_insert(0) += 1;
            }
        }
        for (id, c) in casillas.iter_mut() {
            if !c.actas[f].is_empty() {
                continue;
            }
            let Some(types) = usual.get(&id.tipo).and_then(|t| {
                t.iter()
                    .max_by_key(|(types, n)| (**n, std::cmp::Reverse(*types)))
            }) else {
                continue;
            };
            for t in types.0 {
                c.actas[f].insert(t.clone(), None);
            }
        }
    }
}

fn distritos(files: &[ComputosFile]) -> Vec<Unit> {
    let ids: BTreeSet<&str> = files[..2]
        .iter()
        .flat_map(|f| f.rows.iter().map(|r| r.unit.as_str()))
        .chain([ABROAD_DISTRITO])
        .collect();
    ids.into_iter()
        .map(|id| Unit {
            id: id.to_string(),
            name: if id == ABROAD_DISTRITO {
                "VOTO EN EL EXTRANJERO".into()
            } else {
                format!("DISTRITO {}", id.trim_start_matches('0'))
            },
        })
        .collect()
}

/// The demarcaciones of the Alcaldías file, named as the candidates file
/// spells them (with accents) where it does.
fn demarcaciones(file: &ComputosFile, candidates: &[CandidateRow]) -> Vec<Unit> {
    let mut units: BTreeMap<&str, String> = BTreeMap::new();
    for r in &file.rows {
        units
            .entry(&r.unit)
            .or_insert_with(|| r.unit_name.clone().unwrap_or_default());
    }
    units
        .into_iter()
        .map(|(id, name)| {
            let accented = candidates
                .iter()
                .find(|c| c.unit.as_deref() == Some(id))
                .and_then(|c| c.unit_name.clone());
            Unit {
                id: id.to_string(),
                name: accented.unwrap_or(name),
            }
        })
        .collect()
}

fn secciones(files: &[ComputosFile], casillas: &BTreeMap<CasillaId, CasillaBuild>) -> Vec<Seccion> {
    let mut distrito: BTreeMap<u32, String> = BTreeMap::new();
    let mut demarcacion: BTreeMap<u32, String> = BTreeMap::new();
    for (f, file) in files.iter().enumerate() {
        let target = if f < 2 {
            &mut distrito
        } else {
            &mut demarcacion
        };
        for r in &file.rows {
            if let Some(s) = r.seccion.as_ref().and_then(|s| s.parse::<u32>().ok()) {
                target.entry(s).or_insert_with(|| r.unit.clone());
            }
        }
    }
    let ids: BTreeSet<&str> = casillas
        .keys()
        .map(|id| id.seccion.as_str())
        .filter(|s| *s != "0000")
        .collect();
    ids.into_iter()
        .map(|id| {
            let n = id.parse::<u32>().unwrap_or(0);
            Seccion {
                id: id.to_string(),
                distrito: nearest(&distrito, n),
                demarcacion: nearest(&demarcacion, n),
            }
        })
        .collect()
}

/// The value at `n`, or at the nearest number that has one (the lower on a tie).
fn nearest(map: &BTreeMap<u32, String>, n: u32) -> Option<String> {
    let below = map.range(..=n).next_back();
    let above = map.range(n..).next();
    match (below, above) {
        (Some((b, v)), Some((a, w))) => Some(if n - b <= a - n { v } else { w }.clone()),
        (Some((_, v)), None) | (None, Some((_, v))) => Some(v.clone()),
        (None, None) => None,
    }
}

fn ballot_options(columns: &[String]) -> Vec<BallotOption> {
    columns
        .iter()
        .map(|col| {
            if col == COMUN.0 {
                let (column, members, rest) = COMUN;
                BallotOption {
                    column: column.into(),
                    kind: OptionKind::Comun,
                    parties: members.iter().map(|(p, _)| p.to_string()).collect(),
                    name: Some("MORENA-PT-PVEM (candidatura común)".into()),
                    color: model::party_color(rest),
                    shares: Some(members.iter().map(|(_, s)| *s).collect()),
                    remainder_to: Some(rest.into()),
                }
            } else if let Some(o) = model::option_for_column(col) {
                o
            } else {
                BallotOption {
                    column: col.clone(),
                    kind: OptionKind::Independent,
                    parties: Vec::new(),
                    name: Some(if col == INDEPENDENT {
                        "Candidatura sin partido".into()
                    } else {
                        col.clone()
                    }),
                    color: Some(model::INDEPENDENT_COLOR.into()),
                    shares: None,
                    remainder_to: None,
                }
            }
        })
        .collect()
}

fn election(
    f: usize,
    file: &ComputosFile,
    candidates: &[CandidateRow],
    casillas: &BTreeMap<CasillaId, CasillaBuild>,
) -> Election {
    let source = &SOURCES[f];
    let options = ballot_options(&file.options);
    let contest = match f {
        0 => ContestLevel::Entidad,
        1 => ContestLevel::Distrito,
        _ => ContestLevel::Demarcacion,
    };
    let rp_acta_types: BTreeSet<String> = file
        .rows
        .iter()
        .filter(|r| r.tipo_acta.ends_with("ERP"))
        .map(|r| r.tipo_acta.clone())
        .collect();
    // Votes per contest unit and option, over the actas of mayoría.
    let mut votes: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for r in file
        .rows
        .iter()
        .filter(|r| !rp_acta_types.contains(&r.tipo_acta))
    {
        let unit = match contest {
            ContestLevel::Entidad => ENTIDAD.to_string(),
            _ => r.unit.clone(),
        };
        let sum = votes.entry(unit).or_insert_with(|| vec![0; options.len()]);
        for (s, v) in sum.iter_mut().zip(&r.votes) {
            *s += *v as u64;
        }
    }
    // A unit with expected actas but no row at all: everyone runs.
    let expected_units: BTreeSet<String> = match contest {
        ContestLevel::Entidad => [ENTIDAD.to_string()].into(),
        ContestLevel::Distrito => casillas
            .values()
            .filter(|c| !c.actas[f].is_empty())
            .filter_map(|c| c.distrito.clone())
            .chain(file.rows.iter().map(|r| r.unit.clone()))
            .collect(),
        ContestLevel::Demarcacion => file.rows.iter().map(|r| r.unit.clone()).collect(),
    };
    let mut candidacies = Vec::new();
    for unit in &expected_units {
        let running: Vec<bool> = match votes.get(unit) {
            Some(v) => v.iter().map(|&n| n > 0).collect(),
            None => vec![true; options.len()],
        };
        let groups = model::group_candidacies(&options, &running);
        let in_unit: Vec<&CandidateRow> = candidates
            .iter()
            .filter(|c| contest == ContestLevel::Entidad || c.unit.as_deref() == Some(unit))
            .collect();
        candidacies.extend(model::candidacies_of(unit, &options, &groups, |g| {
            let parties = model::group_parties(&options, g);
            in_unit
                .iter()
                .find(|c| c.parties == parties)
                .map(|c| (c.name.clone(), c.suplente.clone()))
                .unwrap_or_default()
        }));
    }
    Election {
        id: source.election.into(),
        name: source.name.into(),
        contest,
        options,
        candidacies,
        rp_acta_types: rp_acta_types.into_iter().collect(),
        actas_esperadas_no_listadas: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seccion_without_a_unit_takes_the_nearest() {
        let map: BTreeMap<u32, String> = [(10, "a".into()), (20, "b".into())].into();
        assert_eq!(nearest(&map, 14).as_deref(), Some("a"));
        assert_eq!(nearest(&map, 15).as_deref(), Some("a"));
        assert_eq!(nearest(&map, 16).as_deref(), Some("b"));
        assert_eq!(nearest(&map, 99).as_deref(), Some("b"));
        assert_eq!(nearest(&BTreeMap::new(), 1), None);
    }
}

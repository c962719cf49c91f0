//! The counting rules: pure, deterministic, integer arithmetic.
//!
//! [`tally`] turns a validated [`Snapshot`] into [`Results`]: per acta its
//! classification ([`classify`]), per election the 13 summary fields
//! ([`Summary`]) and per level (entidad, distrito, demarcación, sección) the
//! acta counts, participation, votes per option, per candidacy and per party
//! with coalition and candidatura común votes distributed ([`distribute`]).
//!
//! What this module is not: it reads no files and knows nothing of pages or
//! datasets; those take its [`Results`].

pub mod classify;
pub mod distribute;
pub mod ruleset;
pub mod summary;

use std::collections::HashMap;

use rayon::prelude::*;

pub use crate::contract::Porcentaje;
pub use classify::{ActaResult, Contabilizada};
pub use distribute::Plan;
pub use ruleset::Ruleset;
pub use summary::Summary;

use crate::contract::acta::contest_unit;
use crate::contract::catalog::ElectionIndex;
use crate::contract::{Casilla, EstadoActa, Inconsistencia, Observacion, Snapshot};

/// Counts, participation and votes of one place (the entidad, a distrito, a
/// demarcación, a sección) in one election.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LevelTotals {
    pub actas_esperadas: u64,
    pub actas_capturadas: u64,
    pub actas_contabilizadas: u64,
    pub actas_no_contabilizadas: u64,
    /// Actas whose observation the ruleset counts as inconsistent.
    pub actas_inconsistentes: u64,
    /// Captured actas by observation: exceeding, all illegible, some illegible, sin acta.
    pub por_observacion: [u64; 4],
    /// Lista nominal of every casilla expecting an acta here.
    pub lista_nominal: u64,
    pub lista_nominal_contabilizadas: u64,
    pub votos_c_cs: u64,
    pub votos_s_cs: u64,
    /// Votes of counted actas per ballot option (catalog order).
    pub options: Vec<u64>,
    /// Per candidacy key (`ElectionIndex::candidacy_keys`).
    pub candidacies: Vec<u64>,
    /// Per distributed slot ([`Plan::slots`]): parties, then independents,
    /// no registrados and nulos.
    pub parties: Vec<u64>,
}

impl LevelTotals {
    fn sized(options: usize, candidacies: usize, slots: usize) -> LevelTotals {
        LevelTotals {
            options: vec![0; options],
            candidacies: vec![0; candidacies],
            parties: vec![0; slots],
            ..Default::default()
        }
    }

    /// Total votes of counted actas (every option, nulos included).
    pub fn total_votos(&self) -> u64 {
        self.options.iter().sum()
    }

    /// Adds the votes per option of one contest unit (or of the part of one
    /// that lies in this place): as cast, per candidacy, and distributed.
    fn add_unit_votes(&mut self, eix: &ElectionIndex, plan: &Plan, unit: usize, votes: &[u64]) {
        for (o, v) in self.options.iter_mut().zip(votes) {
            *o += v;
        }
        distribute::candidacies_into(eix, unit, votes, &mut self.candidacies);
        plan.distribute_into(votes, &mut self.parties);
    }

    fn add_counts(&mut self, other: &LevelTotals) {
        self.actas_esperadas += other.actas_esperadas;
        self.actas_capturadas += other.actas_capturadas;
        self.actas_contabilizadas += other.actas_contabilizadas;
        self.actas_no_contabilizadas += other.actas_no_contabilizadas;
        self.actas_inconsistentes += other.actas_inconsistentes;
        for (a, b) in self.por_observacion.iter_mut().zip(other.por_observacion) {
            *a += b;
        }
        self.lista_nominal += other.lista_nominal;
        self.lista_nominal_contabilizadas += other.lista_nominal_contabilizadas;
        self.votos_c_cs += other.votos_c_cs;
        self.votos_s_cs += other.votos_s_cs;
    }
}

/// Everything the rules say of one election.
#[derive(Debug, Clone)]
pub struct ElectionResults {
    /// Aligned with `Snapshot::actas[election]`.
    pub actas: Vec<ActaResult>,
    pub summary: Summary,
    pub plan: Plan,
    pub entidad: LevelTotals,
    /// Aligned with the catalog's `distritos`, `demarcaciones`, `secciones`.
    pub distritos: Vec<LevelTotals>,
    pub demarcaciones: Vec<LevelTotals>,
    pub secciones: Vec<LevelTotals>,
    /// Actas of representación proporcional, tallied apart (None if the
    /// election has no RP acta types).
    pub rp: Option<LevelTotals>,
    pub actas_fuera_catalogo: u64,
    /// Actas whose classification came from the published file, not the rules.
    pub actas_con_observacion_publicada: u64,
}

/// The results of one corte.
#[derive(Debug, Clone)]
pub struct Results {
    pub ruleset: Ruleset,
    pub final_corte: bool,
    pub elections: Vec<ElectionResults>,
}

/// Applies the counting rules to a snapshot. Pure: the same snapshot and
/// ruleset always give the same results.
pub fn tally(snapshot: &Snapshot, ruleset: &Ruleset) -> Results {
    let elections = (0..snapshot.catalog.elections.len())
        .into_par_iter()
        .map(|e| tally_election(snapshot, e, ruleset))
        .collect();
    Results {
        ruleset: ruleset.clone(),
        final_corte: snapshot.corte.final_corte,
        elections,
    }
}

/// The totals of any set of casillas of one election — the casillas of a
/// modality such as the votes from abroad, which make no level of their own —
/// by the same rules as every level: acta counts of the casillas `keep`
/// selects, their counted votes distributed per contest unit. Actas of
/// representación proporcional are left out, as at every level.
pub fn totals_of(
    snapshot: &Snapshot,
    results: &Results,
    election: usize,
    keep: impl Fn(&Casilla) -> bool,
) -> LevelTotals {
    let catalog = &snapshot.catalog;
    let eid = &catalog.elections[election].id;
    let eix = &snapshot.index.elections[election];
    let r = &results.elections[election];
    let mut t = LevelTotals::sized(
        catalog.elections[election].options.len(),
        eix.candidacy_keys.len(),
        r.plan.slots.len(),
    );
    let kept: Vec<bool> = catalog.casillas.iter().map(&keep).collect();
    for (casilla, _) in catalog.casillas.iter().zip(&kept).filter(|(_, k)| **k) {
        for tipo in casilla.actas.get(eid).into_iter().flatten() {
            if !eix.rp_acta_types.contains(tipo) {
                t.actas_esperadas += 1;
                t.lista_nominal += casilla.lista_nominal as u64;
            }
        }
    }
    let mut per_unit: std::collections::BTreeMap<u32, Vec<u64>> = Default::default();
    for (acta, result) in snapshot.actas[election].iter().zip(&r.actas) {
        let Some(c) = acta.casilla else { continue };
        if !kept[c as usize] || eix.rp_acta_types.contains(&acta.tipo_acta) {
            continue;
        }
        let casilla = &catalog.casillas[c as usize];
        count_acta(&mut t, acta.estado, result, casilla, &results.ruleset);
        let unit = contest_unit(catalog, &snapshot.index, election, c);
        if let (Contabilizada::Si, Some(u)) = (result.contabilizada, unit) {
            let votes = per_unit
                .entry(u)
                .or_insert_with(|| vec![0; acta.votos.len()]);
            for (v, campo) in votes.iter_mut().zip(acta.votos.iter()) {
                *v += campo.value() as u64;
            }
        }
    }
    for (u, votes) in per_unit {
        t.add_unit_votes(eix, &r.plan, u as usize, &votes);
    }
    t
}

/// Acta counts (no votes) of one election's casillas in `groups` groups:
/// `group_of` puts a casilla (by index) in one, or in none. Per casilla type,
/// or per unit and type, for the pages that break participation down that
/// way. Actas of representación proporcional are left out, as at every
/// level (`ElectionResults::rp` counts them), and so are actas fuera de
/// catálogo, which belong to no casilla.
pub fn counts_by(
    snapshot: &Snapshot,
    results: &Results,
    election: usize,
    groups: usize,
    group_of: impl Fn(usize, &Casilla) -> Option<usize>,
) -> Vec<LevelTotals> {
    let catalog = &snapshot.catalog;
    let eid = &catalog.elections[election].id;
    let eix = &snapshot.index.elections[election];
    let r = &results.elections[election];
    let mut out = vec![LevelTotals::default(); groups];
    let group: Vec<Option<usize>> = catalog
        .casillas
        .iter()
        .enumerate()
        .map(|(c, casilla)| group_of(c, casilla).filter(|g| *g < groups))
        .collect();
    for (casilla, g) in catalog.casillas.iter().zip(&group) {
        let Some(g) = g else { continue };
        for tipo in casilla.actas.get(eid).into_iter().flatten() {
            if !eix.rp_acta_types.contains(tipo) {
                out[*g].actas_esperadas += 1;
                out[*g].lista_nominal += casilla.lista_nominal as u64;
            }
        }
    }
    for (acta, result) in snapshot.actas[election].iter().zip(&r.actas) {
        let Some(c) = acta.casilla else { continue };
        let Some(g) = group[c as usize] else { continue };
        if eix.rp_acta_types.contains(&acta.tipo_acta) {
            continue;
        }
        let casilla = &catalog.casillas[c as usize];
        count_acta(&mut out[g], acta.estado, result, casilla, &results.ruleset);
    }
    out
}

/// The ruleset a snapshot names in its catalog.
pub fn ruleset_of(snapshot: &Snapshot) -> Result<Ruleset, String> {
    ruleset::resolve(&snapshot.catalog.ruleset)
}

/// Where one casilla's figures land: its sección, distrito, demarcación and
/// contest unit, plus the aggregation cell (its sección, or the casilla itself
/// when it has none).
#[derive(Clone, Copy)]
struct Place {
    seccion: Option<usize>,
    distrito: Option<usize>,
    demarcacion: Option<usize>,
    unit: Option<usize>,
    cell: usize,
}

fn places(snapshot: &Snapshot, election: usize) -> Vec<Place> {
    let ix = &snapshot.index;
    let n_secciones = snapshot.catalog.secciones.len();
    let mut extra = 0;
    (0..snapshot.catalog.casillas.len())
        .map(|c| {
            let seccion = ix.casilla_seccion[c].map(|s| s as usize);
            let cell = match seccion {
                Some(s) => s,
                None => {
                    extra += 1;
                    n_secciones + extra - 1
                }
            };
            Place {
                seccion,
                distrito: ix.casilla_distrito[c].map(|d| d as usize),
                demarcacion: ix.casilla_demarcacion[c].map(|d| d as usize),
                unit: contest_unit(&snapshot.catalog, ix, election, c as u32).map(|u| u as usize),
                cell,
            }
        })
        .collect()
}

fn tally_election(snapshot: &Snapshot, e: usize, ruleset: &Ruleset) -> ElectionResults {
    let catalog = &snapshot.catalog;
    let election = &catalog.elections[e];
    let eix = &snapshot.index.elections[e];
    let party_ids: Vec<String> = catalog.parties.iter().map(|p| p.id.clone()).collect();
    let plan = Plan::new(election, eix, &party_ids);
    let blank = || {
        LevelTotals::sized(
            election.options.len(),
            eix.candidacy_keys.len(),
            plan.slots.len(),
        )
    };

    let places = places(snapshot, e);
    let results: Vec<ActaResult> = snapshot.actas[e]
        .par_iter()
        .map(|a| classify::classify(a, a.casilla.map(|c| &catalog.casillas[c as usize])))
        .collect();
    let mut rp = (!eix.rp_acta_types.is_empty()).then(blank);
    let counted = Counted::of(snapshot, e, ruleset, &results, &places, &mut rp);
    let mut levels = Levels::of_counts(catalog, &places, &counted.casillas, blank);
    levels.add_votes(eix, &plan, &places, &counted.cell_votes);
    if let Some(rp) = &mut rp {
        plan.distribute_into(&rp.options.clone(), &mut rp.parties);
    }

    let mut whole = levels.entidad.clone();
    if let Some(rp) = &rp {
        whole.add_counts(rp);
    }
    let summary = Summary::of(
        &whole,
        counted.fuera,
        election.actas_esperadas_no_listadas as u64,
        snapshot.corte.final_corte,
        ruleset,
    );
    ElectionResults {
        actas: results,
        summary,
        plan,
        entidad: levels.entidad,
        distritos: levels.distritos,
        demarcaciones: levels.demarcaciones,
        secciones: levels.secciones,
        rp,
        actas_fuera_catalogo: counted.fuera,
        actas_con_observacion_publicada: counted.publicadas,
    }
}

/// What one election's actas add up to before the roll-up: acta counts per
/// casilla, and the votes of counted actas per aggregation cell.
struct Counted {
    /// Per casilla of the catalog (actas of representación proporcional
    /// are counted in the RP totals instead).
    casillas: Vec<LevelTotals>,
    /// Per cell ([`Place::cell`]): the votes per option of its counted
    /// actas; empty where none is counted.
    cell_votes: Vec<Vec<u64>>,
    fuera: u64,
    publicadas: u64,
}

impl Counted {
    /// Per-casilla acta counts (the expected actas, then each registered
    /// one by its classification) and the counted votes per cell.
    fn of(
        snapshot: &Snapshot,
        e: usize,
        ruleset: &Ruleset,
        results: &[ActaResult],
        places: &[Place],
        rp: &mut Option<LevelTotals>,
    ) -> Counted {
        let catalog = &snapshot.catalog;
        let election = &catalog.elections[e];
        let eix = &snapshot.index.elections[e];
        let n_opt = election.options.len();
        let n_cells = places
            .iter()
            .map(|p| p.cell + 1)
            .max()
            .unwrap_or(0)
            .max(catalog.secciones.len());
        let mut casilla_counts = expected_per_casilla(catalog, e, eix, rp);
        let mut cell_votes: Vec<Vec<u64>> = vec![Vec::new(); n_cells];
        let mut fuera = 0;
        let mut publicadas = 0;
        for (acta, result) in snapshot.actas[e].iter().zip(results) {
            let Some(c) = acta.casilla else {
                fuera += 1;
                continue;
            };
            publicadas += result.publicada as u64;
            let casilla = &catalog.casillas[c as usize];
            let is_rp = eix.rp_acta_types.contains(&acta.tipo_acta);
            let target = match &mut *rp {
                Some(rp) if is_rp => rp,
                _ => &mut casilla_counts[c as usize],
            };
            count_acta(target, acta.estado, result, casilla, ruleset);
            if result.contabilizada != Contabilizada::Si {
                continue;
            }
            let votes: &mut Vec<u64> = match &mut *rp {
                Some(rp) if is_rp => &mut rp.options,
                _ => {
                    let cell = &mut cell_votes[places[c as usize].cell];
                    if cell.is_empty() {
                        *cell = vec![0; n_opt];
                    }
                    cell
                }
            };
            for (v, campo) in votes.iter_mut().zip(acta.votos.iter()) {
                *v += campo.value() as u64;
            }
        }
        Counted {
            casillas: casilla_counts,
            cell_votes,
            fuera,
            publicadas,
        }
    }
}

/// The actas each casilla expects and their lista nominal, per casilla;
/// those of representación proporcional go to the RP totals.
fn expected_per_casilla(
    catalog: &crate::contract::Catalog,
    e: usize,
    eix: &ElectionIndex,
    rp: &mut Option<LevelTotals>,
) -> Vec<LevelTotals> {
    let election = &catalog.elections[e];
    let mut casilla_counts: Vec<LevelTotals> = vec![LevelTotals::default(); catalog.casillas.len()];
    for (c, casilla) in catalog.casillas.iter().enumerate() {
        for t in casilla.actas.get(&election.id).into_iter().flatten() {
            let target = match &mut *rp {
                Some(rp) if eix.rp_acta_types.contains(t) => rp,
                _ => &mut casilla_counts[c],
            };
            target.actas_esperadas += 1;
            target.lista_nominal += casilla.lista_nominal as u64;
        }
    }
    casilla_counts
}

/// The totals of every level of one election.
struct Levels {
    entidad: LevelTotals,
    distritos: Vec<LevelTotals>,
    demarcaciones: Vec<LevelTotals>,
    secciones: Vec<LevelTotals>,
}

impl Levels {
    /// Every level's acta counts: the sum of its casillas'.
    fn of_counts(
        catalog: &crate::contract::Catalog,
        places: &[Place],
        casilla_counts: &[LevelTotals],
        blank: impl Fn() -> LevelTotals,
    ) -> Levels {
        let mut entidad = blank();
        let mut distritos = vec![blank(); catalog.distritos.len()];
        let mut demarcaciones = vec![blank(); catalog.demarcaciones.len()];
        let mut secciones = vec![blank(); catalog.secciones.len()];
        for (c, counts) in casilla_counts.iter().enumerate() {
            let p = places[c];
            entidad.add_counts(counts);
            if let Some(d) = p.distrito {
                distritos[d].add_counts(counts);
            }
            if let Some(d) = p.demarcacion {
                demarcaciones[d].add_counts(counts);
            }
            if let Some(s) = p.seccion {
                secciones[s].add_counts(counts);
            }
        }
        Levels {
            entidad,
            distritos,
            demarcaciones,
            secciones,
        }
    }

    /// Votes: every level is the sum, over contest units, of its part in
    /// each unit — distributed part by part, so a level that spans several
    /// units gets each unit's distribution, as the rules ask.
    fn add_votes(
        &mut self,
        eix: &ElectionIndex,
        plan: &Plan,
        places: &[Place],
        cell_votes: &[Vec<u64>],
    ) {
        let mut cell_place: Vec<Option<Place>> = vec![None; cell_votes.len()];
        for p in places {
            cell_place[p.cell].get_or_insert(*p);
        }
        let cells: Vec<(Place, &Vec<u64>)> = cell_votes
            .iter()
            .enumerate()
            .filter(|(_, v)| !v.is_empty())
            .filter_map(|(i, v)| cell_place[i].map(|p| (p, v)))
            .collect();
        let add_votes = |level: &mut [LevelTotals], key: &dyn Fn(&Place) -> Option<usize>| {
            let mut parts: HashMap<(usize, usize), Vec<u64>> = HashMap::new();
            for (place, votes) in &cells {
                let (Some(l), Some(u)) = (key(place), place.unit) else {
                    continue;
                };
                let sum = parts.entry((l, u)).or_insert_with(|| vec![0; votes.len()]);
                for (s, v) in sum.iter_mut().zip(votes.iter()) {
                    *s += v;
                }
            }
            let mut parts: Vec<_> = parts.into_iter().collect();
            parts.sort_unstable_by_key(|(k, _)| *k);
            for ((l, u), votes) in parts {
                level[l].add_unit_votes(eix, plan, u, &votes);
            }
        };
        add_votes(std::slice::from_mut(&mut self.entidad), &|_| Some(0));
        add_votes(&mut self.distritos, &|p| p.distrito);
        add_votes(&mut self.demarcaciones, &|p| p.demarcacion);
        add_votes(&mut self.secciones, &|p| p.seccion);
    }
}

fn count_acta(
    t: &mut LevelTotals,
    estado: EstadoActa,
    result: &ActaResult,
    casilla: &crate::contract::Casilla,
    ruleset: &Ruleset,
) {
    t.actas_capturadas += 1;
    let inconsistent = match estado {
        EstadoActa::SinActa(_) => {
            t.por_observacion[3] += 1;
            if ruleset.sin_acta_no_contabilizada {
                t.actas_no_contabilizadas += 1;
            }
            ruleset.inconsistencias.contains(&Inconsistencia::SinActa)
        }
        _ => {
            let as_inconsistency = match result.observacion {
                Some(Observacion::ExcedeListaNominal) => {
                    t.por_observacion[0] += 1;
                    Some(Inconsistencia::ExcedeListaNominal)
                }
                Some(Observacion::TodosIlegiblesOSinDato) => {
                    t.por_observacion[1] += 1;
                    Some(Inconsistencia::TodosIlegiblesOSinDato)
                }
                Some(Observacion::AlgunCampoIlegibleOSinDato) => {
                    t.por_observacion[2] += 1;
                    Some(Inconsistencia::AlgunCampoIlegibleOSinDato)
                }
                None => None,
            };
            match result.contabilizada {
                Contabilizada::Si => {
                    t.actas_contabilizadas += 1;
                    t.lista_nominal_contabilizadas += casilla.lista_nominal as u64;
                    t.votos_c_cs += result.total_calculado;
                    if !casilla.tipo.is_especial() {
                        t.votos_s_cs += result.total_calculado;
                    }
                }
                // Captured only: its publisher counted it in neither.
                Contabilizada::SinClasificar => {}
                _ => t.actas_no_contabilizadas += 1,
            }
            as_inconsistency.is_some_and(|i| ruleset.inconsistencias.contains(&i))
        }
    };
    t.actas_inconsistentes += inconsistent as u64;
}

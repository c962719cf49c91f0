//! The national scale: a synthetic federal process of the INE 2024 size,
//! entirely from the seed.
//!
//! The snapshot contract's catalog models one entidad, so the country is
//! modelled as entidad `00` "ESTADOS UNIDOS MEXICANOS" (`NAC`): its 300 federal
//! distritos are the catalog's `distritos` (ids `EEDD`: entidad and number),
//! its 32 entidades federativas the `demarcaciones` (ids `01`–`32`), and about
//! 70,000 secciones (ids `EESSSS`, numbered within each entidad, so that a
//! casilla key is the sección id followed by type, number and ext. contigua).
//! Elections: Presidencia (`PRES`, one contest), Senadurías (`SEN`, one
//! contest per entidad) and Diputaciones federales (`DIP_FED`, one per distrito).
//!
//! Votes come from a casilla profile shared by the three elections (the same
//! voters): a turnout and a multiplier per political bloc, each the product of
//! entidad, distrito, sección and casilla effects, applied to national shares
//! close to the 2024 results.

use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use crate::contract::acta::ballot_of;
use crate::contract::catalog::{Entidad, Process};
use crate::contract::entidades::ENTIDADES;
use crate::contract::{
    BallotOption, Casilla, Catalog, CatalogIndex, ContestLevel, Election, OptionKind, Seccion,
    TipoCasilla, Unit,
};

use super::GenError;
use super::model::{self, Basis, Expected, Model, normal};

pub const PROCESS_ID: &str = "nacional-2024-gen";
const ENTIDAD: &str = "00";

/// Federal distritos per entidad (2023 distritación), in `ENTIDADES` order: 300.
const DISTRITOS: [u32; 32] = [
    3, 9, 2, 2, 8, 2, 13, 9, 22, 4, 15, 8, 7, 20, 40, 11, 5, 3, 14, 10, 16, 6, 4, 7, 7, 7, 6, 8, 3,
    19, 6, 4,
];
/// Secciones per distrito: about 70,000 in all.
const SECCIONES_POR_DISTRITO: std::ops::RangeInclusive<u32> = 220..=248;
/// Lista nominal of a sección: log-normal around this median (mean about 1,400,
/// so the country adds up to about 98 million).
const LN_SECCION_MEDIAN: f64 = 1_204.0;
/// One casilla per this many electors (básica, then contiguas).
const ELECTORES_POR_CASILLA: u32 = 750;
const ESPECIALES_POR_DISTRITO: std::ops::RangeInclusive<u32> = 2..=5;
const BOLETAS_ESPECIAL: u32 = 1_000;
const MESAS_EXTRANJERO_POR_ENTIDAD: u32 = 3;
/// Share of secciones served by an extraordinaria (E) instead of B/C.
const EXTRAORDINARIAS: f64 = 0.015;
const SIN_ACTA_EXTRA: f64 = 0.006;

/// Political blocs the multipliers apply to: Fuerza y Corazón por México
/// (PAN, PRI, PRD), Sigamos Haciendo Historia (PVEM, PT, MORENA), MC, others.
const BLOCS: usize = 4;

/// The column of the independent candidacies of Diputaciones.
const INDEPENDENT: &str = "CI";

struct ElectionSpec {
    id: &'static str,
    name: &'static str,
    contest: ContestLevel,
    /// National shares in percent, by column (missing columns: 0).
    weights: &'static [(&'static str, f64)],
    /// Acta types: básica/contigua/extraordinaria, especial, mesa from abroad.
    acta: &'static str,
    especial: &'static [&'static str],
    extranjero: Option<&'static str>,
    rp: Option<&'static str>,
    /// Share of voters who leave this ballot out.
    abstain: f64,
    /// Share of contest units where each coalition is formed, and with an independent.
    fycm: f64,
    shh: f64,
    independent: f64,
}

const COMBOS_PRES: [(&str, f64); 8] = [
    ("PAN_PRI_PRD", 0.8),
    ("PAN_PRI", 0.2),
    ("PAN_PRD", 0.05),
    ("PRI_PRD", 0.03),
    ("PVEM_PT_MORENA", 1.6),
    ("PVEM_PT", 0.1),
    ("PVEM_MORENA", 0.6),
    ("PT_MORENA", 0.6),
];

/// Senadurías and Diputaciones: the same combinations, a little more used.
const COMBOS_FEDERAL: [(&str, f64); 8] = [
    ("PAN_PRI_PRD", 0.9),
    ("PAN_PRI", 0.25),
    ("PAN_PRD", 0.06),
    ("PRI_PRD", 0.04),
    ("PVEM_PT_MORENA", 1.7),
    ("PVEM_PT", 0.12),
    ("PVEM_MORENA", 0.65),
    ("PT_MORENA", 0.65),
];

const ELECTIONS: [ElectionSpec; 3] = [
    ElectionSpec {
        id: "PRES",
        name: "PRESIDENCIA DE LA REPÚBLICA",
        contest: ContestLevel::Entidad,
        weights: &[
            ("PAN", 16.0),
            ("PRI", 9.2),
            ("PRD", 1.9),
            ("PVEM", 8.5),
            ("PT", 5.6),
            ("MC", 10.3),
            ("MORENA", 41.5),
            COMBOS_PRES[0],
            COMBOS_PRES[1],
            COMBOS_PRES[2],
            COMBOS_PRES[3],
            COMBOS_PRES[4],
            COMBOS_PRES[5],
            COMBOS_PRES[6],
            COMBOS_PRES[7],
            ("NO_REGISTRADAS", 0.08),
            ("NULOS", 2.6),
        ],
        acta: "A02",
        especial: &["A02E"],
        extranjero: Some("A01"),
        rp: None,
        abstain: 0.0,
        fycm: 1.0,
        shh: 1.0,
        independent: 0.0,
    },
    ElectionSpec {
        id: "SEN",
        name: "SENADURÍAS",
        contest: ContestLevel::Demarcacion,
        weights: &[
            ("PAN", 17.3),
            ("PRI", 10.6),
            ("PRD", 2.4),
            ("PVEM", 9.3),
            ("PT", 5.8),
            ("MC", 10.9),
            ("MORENA", 36.3),
            COMBOS_FEDERAL[0],
            COMBOS_FEDERAL[1],
            COMBOS_FEDERAL[2],
            COMBOS_FEDERAL[3],
            COMBOS_FEDERAL[4],
            COMBOS_FEDERAL[5],
            COMBOS_FEDERAL[6],
            COMBOS_FEDERAL[7],
            ("NO_REGISTRADAS", 0.08),
            ("NULOS", 3.5),
        ],
        acta: "A03",
        especial: &["A03EMR", "A03ERP"],
        extranjero: Some("A01"),
        rp: Some("A03ERP"),
        abstain: 0.005,
        fycm: 0.94,
        shh: 1.0,
        independent: 0.0,
    },
    ElectionSpec {
        id: "DIP_FED",
        name: "DIPUTACIONES FEDERALES",
        contest: ContestLevel::Distrito,
        weights: &[
            ("PAN", 17.4),
            ("PRI", 11.0),
            ("PRD", 2.4),
            ("PVEM", 8.8),
            ("PT", 5.6),
            ("MC", 10.8),
            ("MORENA", 35.6),
            (INDEPENDENT, 3.0),
            COMBOS_FEDERAL[0],
            COMBOS_FEDERAL[1],
            COMBOS_FEDERAL[2],
            COMBOS_FEDERAL[3],
            COMBOS_FEDERAL[4],
            COMBOS_FEDERAL[5],
            COMBOS_FEDERAL[6],
            COMBOS_FEDERAL[7],
            ("NO_REGISTRADAS", 0.08),
            ("NULOS", 3.4),
        ],
        acta: "A04",
        especial: &["A04EMR", "A04ERP"],
        extranjero: None,
        rp: Some("A04ERP"),
        abstain: 0.008,
        fycm: 0.95,
        shh: 0.85,
        independent: 0.03,
    },
];

/// The shared part of a casilla's votes: who its voters are.
#[derive(Clone, Copy)]
struct Profile {
    /// Multiplier of each bloc's national share.
    bloc: [f32; BLOCS],
    turnout: f32,
}

/// Geographic effects: entidad, distrito and sección draws, each a z per bloc
/// and one for turnout.
#[derive(Clone, Copy)]
struct Effect([f64; BLOCS + 1]);

impl Effect {
    fn draw(rng: &mut ChaCha8Rng) -> Effect {
        Effect(std::array::from_fn(|_| normal(rng)))
    }
}

/// Standard deviation of the log-multipliers and of turnout at each level:
/// entidad, distrito, sección, casilla.
const SIGMA_BLOC: [f64; 4] = [0.25, 0.15, 0.10, 0.05];
const SIGMA_TURNOUT: [f64; 4] = [0.04, 0.03, 0.04, 0.02];
const TURNOUT: f64 = 0.61;

fn profile(rng: &mut ChaCha8Rng, levels: [&Effect; 3]) -> Profile {
    let casilla = Effect::draw(rng);
    let all = [levels[0], levels[1], levels[2], &casilla];
    let bloc = std::array::from_fn(|b| {
        let z: f64 = all.iter().zip(SIGMA_BLOC).map(|(e, s)| e.0[b] * s).sum();
        z.exp() as f32
    });
    let t: f64 = all
        .iter()
        .zip(SIGMA_TURNOUT)
        .map(|(e, s)| e.0[BLOCS] * s)
        .sum();
    Profile {
        bloc,
        turnout: (TURNOUT + t).clamp(0.3, 0.9) as f32,
    }
}

pub(crate) fn build(seed: u64) -> Result<Model, GenError> {
    let geography = geography(seed);
    let mut rng = model::stream(seed, 2);
    let elections: Vec<Election> = ELECTIONS
        .iter()
        .map(|spec| election(&mut rng, spec, &geography))
        .collect();
    let catalog = Catalog {
        contract_version: crate::contract::CONTRACT_VERSION,
        process: Process {
            id: PROCESS_ID.into(),
            name: "Proceso Electoral Federal 2023-2024 (datos sintéticos)".into(),
            institute: "INE".into(),
        },
        entidad: Entidad {
            id: ENTIDAD.into(),
            name: "ESTADOS UNIDOS MEXICANOS".into(),
            abbr: "NAC".into(),
            demarcacion_term: "ENTIDAD".into(),
        },
        time_zone: "America/Mexico_City".into(),
        ruleset: crate::contract::RulesetRef::Named(crate::tally::ruleset::DEFAULT.into()),
        parties: model::parties(),
        elections,
        distritos: geography.distritos,
        demarcaciones: geography.demarcaciones,
        secciones: geography.secciones,
        casillas: geography.casillas,
    };
    let index = catalog.index().map_err(GenError::Invalid)?;
    let expected = (0..ELECTIONS.len())
        .into_par_iter()
        .map(|e| votes(seed, e, &catalog, &index, &geography.profiles))
        .collect();
    Ok(Model {
        catalog,
        index,
        elections: expected,
        sin_acta_extra: SIN_ACTA_EXTRA,
    })
}

struct Geography {
    distritos: Vec<Unit>,
    demarcaciones: Vec<Unit>,
    secciones: Vec<Seccion>,
    casillas: Vec<Casilla>,
    /// Aligned with `casillas`.
    profiles: Vec<Profile>,
}

fn geography(seed: u64) -> Geography {
    let mut rng = model::stream(seed, 1);
    let mut g = Geography {
        distritos: Vec::new(),
        demarcaciones: Vec::new(),
        secciones: Vec::new(),
        casillas: Vec::new(),
        profiles: Vec::new(),
    };
    for ((ent, ent_name, _), &n_distritos) in ENTIDADES.iter().zip(&DISTRITOS) {
        g.demarcaciones.push(Unit {
            id: ent.to_string(),
            name: ent_name.to_string(),
        });
        let ent_effect = Effect::draw(&mut rng);
        let mut seccion_no = 0u32;
        for d in 1..=n_distritos {
            let distrito = format!("{ent}{d:02}");
            g.distritos.push(Unit {
                id: distrito.clone(),
                name: format!("{ent_name} {d:02}"),
            });
            let effects = [ent_effect, Effect::draw(&mut rng)];
            let first_seccion = g.secciones.len();
            for _ in 0..rng.random_range(SECCIONES_POR_DISTRITO) {
                seccion_no += 1;
                let seccion = format!("{ent}{seccion_no:04}");
                g.secciones.push(Seccion {
                    id: seccion.clone(),
                    distrito: Some(distrito.clone()),
                    demarcacion: Some(ent.to_string()),
                });
                g.add_seccion_casillas(&mut rng, &seccion, effects);
            }
            g.add_especiales(&mut rng, first_seccion, effects);
        }
        g.add_mesas_extranjero(&mut rng, ent, ent_effect);
    }
    g
}

impl Geography {
    /// One casilla per [`ELECTORES_POR_CASILLA`] electors: a básica and
    /// contiguas, or an extraordinaria and its contiguas.
    fn add_seccion_casillas(&mut self, rng: &mut ChaCha8Rng, seccion: &str, effects: [Effect; 2]) {
        let sec_effect = Effect::draw(rng);
        let ln = model::log_normal(rng, LN_SECCION_MEDIAN, 0.55, 40.0, 9_000.0) as u32;
        let extraordinaria = rng.random_bool(EXTRAORDINARIAS);
        let ubicacion = if extraordinaria || rng.random_bool(0.22) {
            2
        } else {
            1
        };
        let n = ln.div_ceil(ELECTORES_POR_CASILLA).max(1);
        for k in 0..n {
            let (tipo, numero, ext) = match (extraordinaria, k) {
                (true, k) => (TipoCasilla::E, 1, k),
                (false, 0) => (TipoCasilla::B, 1, 0),
                (false, k) => (TipoCasilla::C, k, 0),
            };
            let share = ln / n + u32::from(k < ln % n);
            self.casillas
                .push(casilla(seccion, tipo, numero, ext, ubicacion, share, rng));
            self.profiles
                .push(profile(rng, [&effects[0], &effects[1], &sec_effect]));
        }
    }

    /// Casillas especiales in random secciones of the distrito that starts at
    /// `first_seccion` (the last one added).
    fn add_especiales(&mut self, rng: &mut ChaCha8Rng, first_seccion: usize, effects: [Effect; 2]) {
        let n_secciones = self.secciones.len() - first_seccion;
        let mut chosen: Vec<usize> = Vec::new();
        for _ in 0..rng.random_range(ESPECIALES_POR_DISTRITO) {
            let s = first_seccion + rng.random_range(0..n_secciones);
            let numero = chosen.iter().filter(|&&x| x == s).count() as u32 + 1;
            chosen.push(s);
            let seccion = self.secciones[s].id.clone();
            let mut c = casilla(&seccion, TipoCasilla::S, numero, 0, 1, 0, rng);
            c.boletas = Some(BOLETAS_ESPECIAL);
            self.casillas.push(c);
            let sec_effect = Effect::draw(rng);
            self.profiles
                .push(profile(rng, [&effects[0], &effects[1], &sec_effect]));
        }
    }

    /// Mesas of votes from abroad: no sección, counted in their entidad.
    fn add_mesas_extranjero(&mut self, rng: &mut ChaCha8Rng, ent: &str, effect: Effect) {
        for m in 1..=MESAS_EXTRANJERO_POR_ENTIDAD {
            let ln = rng.random_range(300..3_000);
            let mut c = casilla("", TipoCasilla::M, m, 0, 1, ln, rng);
            c.key = format!("{ent}0000M{m:02}00");
            c.seccion = None;
            c.demarcacion = Some(ent.to_string());
            c.representantes = 0;
            self.casillas.push(c);
            let mut p = profile(rng, [&effect, &effect, &effect]);
            p.turnout *= 0.6;
            self.profiles.push(p);
        }
    }
}

fn casilla(
    seccion: &str,
    tipo: TipoCasilla,
    numero: u32,
    ext: u32,
    ubicacion: u8,
    lista_nominal: u32,
    rng: &mut ChaCha8Rng,
) -> Casilla {
    let actas = ELECTIONS
        .iter()
        .filter_map(|spec| {
            let types: Vec<String> = match tipo {
                TipoCasilla::S => spec.especial.iter().map(|t| t.to_string()).collect(),
                TipoCasilla::M => spec.extranjero.map(|t| vec![t.to_string()])?,
                _ => vec![spec.acta.to_string()],
            };
            Some((spec.id.to_string(), types))
        })
        .collect();
    Casilla {
        key: format!("{seccion}{}{numero:02}{ext:02}", tipo.letter()),
        seccion: Some(seccion.to_string()),
        tipo,
        numero,
        ext_contigua: ext,
        ubicacion,
        lista_nominal,
        representantes: model::representantes(rng),
        boletas: None,
        distrito: None,
        demarcacion: None,
        actas,
    }
}

fn columns(spec: &ElectionSpec) -> Vec<BallotOption> {
    spec.weights
        .iter()
        .map(|(col, _)| {
            model::option_for_column(col).unwrap_or_else(|| BallotOption {
                column: col.to_string(),
                kind: OptionKind::Independent,
                parties: Vec::new(),
                name: Some("Candidatura independiente".into()),
                color: Some(model::INDEPENDENT_COLOR.into()),
                shares: None,
                remainder_to: None,
            })
        })
        .collect()
}

fn election(rng: &mut ChaCha8Rng, spec: &ElectionSpec, g: &Geography) -> Election {
    let options = columns(spec);
    let units: Vec<&str> = match spec.contest {
        ContestLevel::Entidad => vec![ENTIDAD],
        ContestLevel::Demarcacion => g.demarcaciones.iter().map(|u| u.id.as_str()).collect(),
        ContestLevel::Distrito => g.distritos.iter().map(|u| u.id.as_str()).collect(),
    };
    let mut candidacies = Vec::new();
    for unit in units {
        let fycm = rng.random_bool(spec.fycm);
        let shh = rng.random_bool(spec.shh);
        let independent = rng.random_bool(spec.independent);
        let running: Vec<bool> = options
            .iter()
            .map(|o| match o.kind {
                OptionKind::Coalition if bloc_of(o) == 0 => fycm,
                OptionKind::Coalition => shh,
                OptionKind::Independent => independent,
                _ => true,
            })
            .collect();
        let groups = model::group_candidacies(&options, &running);
        candidacies.extend(model::candidacies_of(unit, &options, &groups, |grp| {
            let parties = model::group_parties(&options, grp);
            (candidate_name(rng, spec.contest, &parties), String::new())
        }));
    }
    Election {
        id: spec.id.into(),
        name: spec.name.into(),
        contest: spec.contest,
        options,
        candidacies,
        rp_acta_types: spec.rp.iter().map(|t| t.to_string()).collect(),
        actas_esperadas_no_listadas: 0,
    }
}

/// The 2024 presidential candidates; invented names elsewhere.
fn candidate_name(rng: &mut ChaCha8Rng, contest: ContestLevel, parties: &[String]) -> String {
    if contest == ContestLevel::Entidad {
        let has = |p: &str| parties.iter().any(|x| x == p);
        if has("MORENA") {
            return "CLAUDIA SHEINBAUM PARDO".into();
        }
        if has("PAN") {
            return "BERTHA XÓCHITL GÁLVEZ RUIZ".into();
        }
        if has("MC") {
            return "JORGE ÁLVAREZ MÁYNEZ".into();
        }
    }
    const GIVEN: [&str; 20] = [
        "MARÍA",
        "JOSÉ",
        "JUAN",
        "GUADALUPE",
        "ANA",
        "LUIS",
        "CARLOS",
        "ROSA",
        "JORGE",
        "LAURA",
        "FRANCISCO",
        "ELENA",
        "MIGUEL",
        "PATRICIA",
        "ALEJANDRO",
        "VERÓNICA",
        "RICARDO",
        "ADRIANA",
        "FERNANDO",
        "SOFÍA",
    ];
    const SURNAMES: [&str; 20] = [
        "HERNÁNDEZ",
        "GARCÍA",
        "MARTÍNEZ",
        "LÓPEZ",
        "GONZÁLEZ",
        "RODRÍGUEZ",
        "PÉREZ",
        "SÁNCHEZ",
        "RAMÍREZ",
        "CRUZ",
        "FLORES",
        "GÓMEZ",
        "MORALES",
        "VÁZQUEZ",
        "REYES",
        "JIMÉNEZ",
        "TORRES",
        "DÍAZ",
        "RUIZ",
        "MENDOZA",
    ];
    let mut pick = |list: &[&str]| list[rng.random_range(0..list.len())].to_string();
    format!("{} {} {}", pick(&GIVEN), pick(&SURNAMES), pick(&SURNAMES))
}

fn bloc_of(option: &BallotOption) -> usize {
    let has = |p: &str| option.parties.iter().any(|x| x == p);
    if has("PAN") || has("PRI") || has("PRD") {
        0
    } else if has("MORENA") || has("PT") || has("PVEM") {
        1
    } else if has("MC") {
        2
    } else {
        3
    }
}

/// Every expected acta of one election with its synthetic figures.
fn votes(
    seed: u64,
    e: usize,
    catalog: &Catalog,
    index: &CatalogIndex,
    profiles: &[Profile],
) -> Vec<Expected> {
    let spec = &ELECTIONS[e];
    let election = &catalog.elections[e];
    let mut rng = model::stream(seed, 100 + e as u64);
    let weights: Vec<f64> = spec.weights.iter().map(|(_, w)| *w).collect();
    let blocs: Vec<usize> = election.options.iter().map(bloc_of).collect();
    // Representación proporcional counts party votes only.
    let rp_weight: Vec<bool> = election
        .options
        .iter()
        .map(|o| !matches!(o.kind, OptionKind::Coalition | OptionKind::Independent))
        .collect();
    let mut out = Vec::new();
    let mut p = vec![0f64; weights.len()];
    for (c, casilla) in catalog.casillas.iter().enumerate() {
        let Some(types) = casilla.actas.get(spec.id) else {
            continue;
        };
        let profile = &profiles[c];
        let voters = match casilla.tipo {
            TipoCasilla::S => casilla.boletas.unwrap_or(0) as f64 * rng.random_range(0.15..0.6),
            _ => casilla.lista_nominal as f64 * profile.turnout as f64 * (1.0 - spec.abstain),
        };
        for tipo_acta in types {
            let ballot = ballot_of(catalog, index, e, c as u32, tipo_acta);
            for (o, slot) in p.iter_mut().enumerate() {
                let on = match ballot {
                    Some(b) => b[o],
                    None => rp_weight[o],
                };
                *slot = if on {
                    weights[o] * profile.bloc[blocs[o]] as f64
                } else {
                    0.0
                };
            }
            let total_p: f64 = p.iter().sum();
            let votes: Box<[u32]> = p
                .iter()
                .map(|&w| {
                    let mean = voters * w / total_p.max(f64::MIN_POSITIVE);
                    (mean + mean.sqrt() * normal(&mut rng)).round().max(0.0) as u32
                })
                .collect();
            let counts = counts(&mut rng, casilla, &votes);
            out.push(Expected {
                casilla: c as u32,
                tipo_acta: tipo_acta.clone(),
                basis: Some(Basis { votes, counts }),
            });
        }
    }
    out
}

/// The acta's other figures, consistent with its votes but for the odd slip.
fn counts(rng: &mut ChaCha8Rng, casilla: &Casilla, votes: &[u32]) -> [u32; 5] {
    let total: u32 = votes.iter().sum();
    let slip = |rng: &mut ChaCha8Rng, p: f64| {
        if rng.random_bool(p) {
            total.saturating_add_signed(rng.random_range(-3..=3))
        } else {
            total
        }
    };
    let asentado = slip(rng, 0.06);
    let sacados = slip(rng, 0.04);
    let personas = total + rng.random_range(0..3);
    let rep_votaron = rng.random_range(0..=casilla.representantes);
    let boletas = casilla.boletas.unwrap_or(casilla.lista_nominal) + casilla.representantes;
    [
        asentado,
        boletas.saturating_sub(personas),
        personas,
        rep_votaron,
        sacados,
    ]
}

//! What both scales hand to the night ([`super::night`]): a validated catalog
//! and, per election, every expected acta with the figures its casilla
//! produced (real 2024 votes for CDMX, synthetic ones for the national scale).
//! Also the small pieces both scales share: parties and their colours, how a
//! ballot groups its columns into candidacies, and the seeded random streams.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::contract::{BallotOption, Candidacy, Catalog, CatalogIndex, OptionKind, Party};

/// A validated catalog and what each expected acta will say.
pub(crate) struct Model {
    pub catalog: Catalog,
    pub index: CatalogIndex,
    /// Per election, in catalog order: every expected acta.
    pub elections: Vec<Vec<Expected>>,
    /// Share of expected actas that come in sin acta on top of those with no
    /// figures at all (`basis: None`).
    pub sin_acta_extra: f64,
}

/// One expected acta of one election.
pub(crate) struct Expected {
    /// Index into `catalog.casillas`.
    pub casilla: u32,
    pub tipo_acta: String,
    /// What the acta says; None when nothing is known of it (it comes in sin acta).
    pub basis: Option<Basis>,
}

/// The figures of an acta before capture (no illegible fields yet).
pub(crate) struct Basis {
    /// Votes per option, in the election's option order. Options off the
    /// acta's ballot are ignored.
    pub votes: Box<[u32]>,
    /// TOTAL_VOTOS_ASENTADO, TOTAL_BOLETAS_SOBRANTES, TOTAL_PERSONAS_VOTARON,
    /// TOTAL_REP_PARTIDO_CI_VOTARON, TOTAL_VOTOS_SACADOS.
    pub counts: [u32; 5],
}

/// The national parties of 2024, in ballot order. Names and colours come from
/// the table the importer uses, so generated and imported sites look alike.
pub(crate) const PARTIES: [&str; 7] = ["PAN", "PRI", "PRD", "PVEM", "PT", "MC", "MORENA"];

/// Colour of candidacies without a party.
pub(crate) const INDEPENDENT_COLOR: &str = "#6B4C9A";

pub(crate) fn parties() -> Vec<Party> {
    PARTIES
        .iter()
        .map(|id| {
            let (name, color) = crate::anexo13::parties::lookup(id);
            Party {
                id: id.to_string(),
                name,
                color,
            }
        })
        .collect()
}

pub(crate) fn party_color(id: &str) -> Option<String> {
    crate::anexo13::parties::lookup(id).1
}

/// A ballot option for a column, its kind told by its name: a party id, a
/// combination of party ids joined by `_` (a coalition), `NO_REGISTRADAS`,
/// `NULOS`. Candidaturas comunes and independents are built by the caller.
pub(crate) fn option_for_column(column: &str) -> Option<BallotOption> {
    let plain = |kind| BallotOption {
        column: column.to_string(),
        kind,
        parties: Vec::new(),
        name: None,
        color: None,
        shares: None,
        remainder_to: None,
    };
    match column {
        "NO_REGISTRADAS" | "NO_REGISTRADOS" => return Some(plain(OptionKind::NoRegistrados)),
        "NULOS" => return Some(plain(OptionKind::Nulos)),
        _ => {}
    }
    let is_party = |p: &str| PARTIES.contains(&p);
    if is_party(column) {
        return Some(BallotOption {
            parties: vec![column.to_string()],
            color: party_color(column),
            ..plain(OptionKind::Party)
        });
    }
    let members: Vec<&str> = column.split('_').collect();
    (members.len() >= 2 && members.iter().all(|p| is_party(p))).then(|| BallotOption {
        parties: members.iter().map(|p| p.to_string()).collect(),
        ..plain(OptionKind::Coalition)
    })
}

/// Groups the options on one contest unit's ballot into candidacies, in
/// ballot order. `running[o]` says whether option `o` is on the ballot there
/// (for the CDMX scale: whether it got any vote in the unit).
///
/// A candidatura común stands alone and takes its member parties off the
/// ballot; a coalition takes its parties and every combination of them; the
/// remaining parties run on their own; independents run where `running`.
pub(crate) fn group_candidacies(options: &[BallotOption], running: &[bool]) -> Vec<Vec<usize>> {
    let mut taken = vec![false; options.len()];
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let party_col = |p: &str| {
        options
            .iter()
            .position(|o| o.kind == OptionKind::Party && o.parties.iter().any(|x| x == p))
    };
    for (o, opt) in options.iter().enumerate() {
        if opt.kind == OptionKind::Comun && running[o] {
            groups.push(vec![o]);
            taken[o] = true;
            for p in &opt.parties {
                if let Some(c) = party_col(p) {
                    taken[c] = true;
                }
            }
        }
    }
    let is_subset = |a: &[String], b: &[String]| a.iter().all(|p| b.contains(p));
    for opt in options {
        let maximal = opt.kind == OptionKind::Coalition
            && !options.iter().any(|other| {
                other.kind == OptionKind::Coalition
                    && other.parties.len() > opt.parties.len()
                    && is_subset(&opt.parties, &other.parties)
            });
        if !maximal {
            continue;
        }
        let members: Vec<usize> = (0..options.len())
            .filter(|&c| {
                !taken[c]
                    && matches!(options[c].kind, OptionKind::Party | OptionKind::Coalition)
                    && is_subset(&options[c].parties, &opt.parties)
            })
            .collect();
        let formed = members
            .iter()
            .any(|&c| options[c].kind == OptionKind::Coalition && running[c]);
        if formed {
            for &c in &members {
                taken[c] = true;
            }
            groups.push(members);
        }
    }
    for (o, opt) in options.iter().enumerate() {
        let alone = match opt.kind {
            OptionKind::Party => !taken[o],
            OptionKind::Independent => running[o],
            _ => false,
        };
        if alone {
            groups.push(vec![o]);
        }
    }
    groups.sort_by_key(|g| g.first().copied().unwrap_or(usize::MAX));
    groups
}

/// Candidacies for one unit from groups of option indexes.
pub(crate) fn candidacies_of(
    unit: &str,
    options: &[BallotOption],
    groups: &[Vec<usize>],
    mut name: impl FnMut(&[usize]) -> (String, String),
) -> Vec<Candidacy> {
    groups
        .iter()
        .map(|g| {
            let (name, suplente) = name(g);
            Candidacy {
                unit: unit.to_string(),
                options: g.iter().map(|&o| options[o].column.clone()).collect(),
                name,
                suplente,
            }
        })
        .collect()
}

/// The party ids (or, for an independent, its column) a group of options stands for.
pub(crate) fn group_parties(options: &[BallotOption], group: &[usize]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for &o in group {
        let opt = &options[o];
        if opt.parties.is_empty() {
            out.push(opt.column.clone());
        }
        for p in &opt.parties {
            if !out.contains(p) {
                out.push(p.clone());
            }
        }
    }
    out.sort();
    out
}

/// An independent stream of random numbers for one purpose: the same seed and
/// purpose always give the same stream, whatever else is drawn.
pub(crate) fn stream(seed: u64, purpose: u64) -> ChaCha8Rng {
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    bytes[8..16].copy_from_slice(&purpose.to_le_bytes());
    bytes[16..24].copy_from_slice(b"corte-gn");
    ChaCha8Rng::from_seed(bytes)
}

/// A standard normal draw (Box–Muller).
pub(crate) fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = 1.0 - rng.random::<f64>();
    let u2: f64 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// A log-normal draw with the given median, clamped.
pub(crate) fn log_normal(rng: &mut ChaCha8Rng, median: f64, sigma: f64, lo: f64, hi: f64) -> f64 {
    (median * (sigma * normal(rng)).exp()).clamp(lo, hi)
}

/// Picks an index by weight.
pub(crate) fn pick(rng: &mut ChaCha8Rng, weights: &[f64]) -> usize {
    let total: f64 = weights.iter().sum();
    let mut x = rng.random::<f64>() * total;
    for (i, w) in weights.iter().enumerate() {
        if x < *w {
            return i;
        }
        x -= w;
    }
    weights.len().saturating_sub(1)
}

/// Maximum party and independent representatives before a casilla, drawn from
/// the distribution in the IECM 2024 cómputos files (0 to 10, mostly 0–4).
pub(crate) fn representantes(rng: &mut ChaCha8Rng) -> u32 {
    const WEIGHTS: [f64; 11] = [24.0, 17.0, 19.0, 17.0, 11.0, 6.0, 3.0, 1.0, 0.4, 0.1, 0.05];
    pick(rng, &WEIGHTS) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(cols: &[&str]) -> Vec<BallotOption> {
        cols.iter()
            .map(|c| {
                option_for_column(c).unwrap_or_else(|| BallotOption {
                    column: c.to_string(),
                    kind: OptionKind::Independent,
                    parties: vec![],
                    name: None,
                    color: None,
                    shares: None,
                    remainder_to: None,
                })
            })
            .collect()
    }

    #[test]
    fn a_formed_coalition_takes_its_parties_and_combinations() {
        let o = opts(&[
            "PAN",
            "PRI",
            "PRD",
            "MC",
            "PAN_PRI_PRD",
            "PAN_PRI",
            "PAN_PRD",
            "PRI_PRD",
            "NULOS",
        ]);
        let running = [true, true, true, true, true, false, false, false, true];
        let g = group_candidacies(&o, &running);
        assert_eq!(g, vec![vec![0, 1, 2, 4, 5, 6, 7], vec![3]]);
    }

    #[test]
    fn without_combination_votes_the_parties_run_alone() {
        let o = opts(&["PAN", "PRI", "PAN_PRI", "NULOS"]);
        let g = group_candidacies(&o, &[true, true, false, true]);
        assert_eq!(g, vec![vec![0], vec![1]]);
    }

    #[test]
    fn a_candidatura_comun_takes_its_parties_off_the_ballot() {
        let mut o = opts(&["PT", "MORENA", "MC", "CSP", "MORENA_PT", "NULOS"]);
        o[4].kind = OptionKind::Comun;
        let g = group_candidacies(&o, &[false, false, true, false, true, true]);
        assert_eq!(g, vec![vec![2], vec![4]]);
        let g = group_candidacies(&o, &[true, true, true, true, false, true]);
        assert_eq!(g, vec![vec![0], vec![1], vec![2], vec![3]]);
    }

    #[test]
    fn streams_depend_on_seed_and_purpose_only() {
        let a: u64 = stream(1, 2).random();
        let b: u64 = stream(1, 2).random();
        let c: u64 = stream(1, 3).random();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }
}

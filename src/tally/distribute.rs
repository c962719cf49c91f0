//! From votes per option to votes per candidacy and per party.
//!
//! Per candidacy: a party's or independent's own column, or a coalition's
//! parties plus every combination of them. Per party (distributed): each
//! coalition combination is split equally among its parties, the remainder
//! going one vote at a time to the member parties with the most own votes
//! (ties: ballot order); a candidatura común is split by its agreed shares, the
//! remainder to the party the agreement names. Distribution is done per
//! contest unit and then summed: the Quintana Roo 2019 publication only
//! matches this way.

use crate::contract::catalog::ElectionIndex;
use crate::contract::{Election, OptionKind};

/// Where one option's votes go when distributed.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Route {
    Slot(usize),
    Equal(Vec<usize>),
    Shares {
        slots: Vec<usize>,
        shares: Vec<u64>,
        remainder: usize,
    },
}

/// How an election's options map to the distributed slots: its parties in
/// ballot order, then independents, no registrados and nulos.
#[derive(Debug, Clone)]
pub struct Plan {
    routes: Vec<Route>,
    /// Label per slot: a party id, or the option column.
    pub slots: Vec<String>,
    /// Per slot: the option whose colour and name represent it.
    pub slot_option: Vec<usize>,
}

impl Plan {
    pub fn new(election: &Election, eix: &ElectionIndex, party_ids: &[String]) -> Plan {
        let mut slots: Vec<String> = eix
            .parties
            .iter()
            .map(|p| party_ids[*p as usize].clone())
            .collect();
        let mut slot_option: Vec<usize> = slots
            .iter()
            .map(|p| {
                election
                    .options
                    .iter()
                    .position(|o| o.kind == OptionKind::Party && o.parties.first() == Some(p))
                    .or_else(|| election.options.iter().position(|o| o.parties.contains(p)))
                    .unwrap_or(0)
            })
            .collect();
        let slot_of = |p: &String, slots: &[String]| slots.iter().position(|s| s == p).unwrap_or(0);
        let mut routes = Vec::with_capacity(election.options.len());
        for (o, opt) in election.options.iter().enumerate() {
            let route = match opt.kind {
                OptionKind::Party => Route::Slot(slot_of(&opt.parties[0], &slots)),
                OptionKind::Coalition => {
                    Route::Equal(opt.parties.iter().map(|p| slot_of(p, &slots)).collect())
                }
                OptionKind::Comun => Route::Shares {
                    slots: opt.parties.iter().map(|p| slot_of(p, &slots)).collect(),
                    shares: opt.shares.iter().flatten().map(|s| *s as u64).collect(),
                    remainder: opt
                        .remainder_to
                        .as_ref()
                        .map(|p| slot_of(p, &slots))
                        .unwrap_or(0),
                },
                OptionKind::Independent | OptionKind::NoRegistrados | OptionKind::Nulos => {
                    slots.push(opt.column.clone());
                    slot_option.push(o);
                    Route::Slot(slots.len() - 1)
                }
            };
            routes.push(route);
        }
        Plan {
            routes,
            slots,
            slot_option,
        }
    }

    /// Distributes one contest unit's (or part of one's) votes per option,
    /// adding them to `out` (one entry per slot).
    pub fn distribute_into(&self, votes: &[u64], out: &mut [u64]) {
        let mut own = vec![0u64; self.slots.len()];
        for (route, v) in self.routes.iter().zip(votes) {
            if let Route::Slot(s) = route {
                own[*s] += v;
            }
        }
        let mut dist = own.clone();
        for (route, &v) in self.routes.iter().zip(votes) {
            match route {
                Route::Slot(_) => {}
                Route::Equal(members) => {
                    let n = members.len() as u64;
                    for &m in members {
                        dist[m] += v / n;
                    }
                    let mut order = members.clone();
                    // Most own votes first; ties go to the earlier party on the ballot.
                    order.sort_by(|a, b| own[*b].cmp(&own[*a]).then(a.cmp(b)));
                    for &m in order.iter().take((v % n) as usize) {
                        dist[m] += 1;
                    }
                }
                Route::Shares {
                    slots,
                    shares,
                    remainder,
                } => {
                    let mut given = 0;
                    for (&m, &share) in slots.iter().zip(shares) {
                        let part = v * share / 10_000;
                        dist[m] += part;
                        given += part;
                    }
                    dist[*remainder] += v - given;
                }
            }
        }
        for (o, d) in out.iter_mut().zip(dist) {
            *o += d;
        }
    }

    pub fn distribute(&self, votes: &[u64]) -> Vec<u64> {
        let mut out = vec![0; self.slots.len()];
        self.distribute_into(votes, &mut out);
        out
    }
}

/// Votes per candidacy key of one contest unit (or part of one), added into
/// `out` (indexed like `ElectionIndex::candidacy_keys`).
pub fn candidacies_into(eix: &ElectionIndex, unit: usize, votes: &[u64], out: &mut [u64]) {
    for &k in &eix.unit_candidacies[unit] {
        let k = k as usize;
        let key = eix.candidacy_key_index[k];
        out[key] += eix.candidacy_options[k]
            .iter()
            .map(|o| votes[*o as usize])
            .sum::<u64>();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::BallotOption;

    fn opt(column: &str, kind: OptionKind, parties: &[&str]) -> BallotOption {
        BallotOption {
            column: column.into(),
            kind,
            parties: parties.iter().map(|s| s.to_string()).collect(),
            name: None,
            color: None,
            shares: None,
            remainder_to: None,
        }
    }

    fn plan(options: Vec<BallotOption>, parties: &[&str]) -> Plan {
        let election = Election {
            id: "E".into(),
            name: "E".into(),
            contest: crate::contract::ContestLevel::Entidad,
            options,
            candidacies: vec![],
            rp_acta_types: vec![],
            actas_esperadas_no_listadas: 0,
        };
        let ids: Vec<String> = parties.iter().map(|s| s.to_string()).collect();
        let eix = ElectionIndex {
            parties: (0..ids.len() as u32).collect(),
            ..Default::default()
        };
        Plan::new(&election, &eix, &ids)
    }

    #[test]
    fn a_coalition_remainder_goes_to_the_members_with_most_own_votes() {
        let p = plan(
            vec![
                opt("A", OptionKind::Party, &["A"]),
                opt("B", OptionKind::Party, &["B"]),
                opt("C", OptionKind::Party, &["C"]),
                opt("A_B_C", OptionKind::Coalition, &["A", "B", "C"]),
                opt("NULOS", OptionKind::Nulos, &[]),
            ],
            &["A", "B", "C"],
        );
        // 11 = 3×3 + 2: B (most own) and C (second) get the two left over.
        assert_eq!(
            p.distribute(&[1, 9, 5, 11, 4]),
            vec![1 + 3, 9 + 4, 5 + 4, 4]
        );
        // A tie goes to the earlier party on the ballot.
        assert_eq!(p.distribute(&[5, 5, 0, 1, 0]), vec![6, 5, 0, 0]);
    }

    #[test]
    fn a_candidatura_comun_is_split_by_its_shares_with_the_rest_to_its_named_party() {
        let mut comun = opt(
            "MORENA_PT_PVEM",
            OptionKind::Comun,
            &["MORENA", "PT", "PVEM"],
        );
        comun.shares = Some(vec![5333, 2000, 2667]);
        comun.remainder_to = Some("MORENA".into());
        let p = plan(
            vec![
                opt("PT", OptionKind::Party, &["PT"]),
                opt("PVEM", OptionKind::Party, &["PVEM"]),
                opt("MORENA", OptionKind::Party, &["MORENA"]),
                comun,
                opt("NULOS", OptionKind::Nulos, &[]),
            ],
            &["PT", "PVEM", "MORENA"],
        );
        // 100 → 53 / 20 / 26, one left over → MORENA.
        assert_eq!(p.distribute(&[0, 0, 0, 100, 0]), vec![20, 26, 54, 0]);
        // Votes are conserved.
        let d = p.distribute(&[7, 3, 11, 997, 2]);
        assert_eq!(d.iter().sum::<u64>(), 7 + 3 + 11 + 997 + 2);
    }
}

//! Ballot layout and columns: what each vote column of a published file is
//! (a party, a coalition combination, a candidatura común, an independent,
//! no registrados, nulos), which party a spelling names, and which options
//! are on each contest unit's ballot.
//!
//! A party may be spelled differently in a coalition column or a
//! candidates-file label than in its own column (`PV` beside `PVEM`, `MOR`
//! beside `MORENA`): a spelling is matched to the file's party columns, and
//! one that could be two of them is an error. A unit's ballot comes from
//! evidence that cannot be an artefact: numbers on the actas its publisher
//! counted, and the candidates file — never a mark printed across every
//! column.

use std::collections::HashMap;

use super::normalize::{Voto, fold};
use super::report::{Kind, Log};
use super::{Comun, Options};
use crate::anexo13::parties;
use crate::anexo13::reader::PublishedFile;
use crate::contract::ids::is_plain_key;
use crate::contract::{BallotOption, Campo, ContractError, OptionKind};

/// Letters and digits only, folded: `CAND_IND_1` → `CANDIND1`.
fn bare(s: &str) -> String {
    fold(s)
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect()
}

/// A column or label for votes for candidates not registered.
pub fn is_no_registrados(name: &str) -> bool {
    matches!(
        bare(name).as_str(),
        "NOREGISTRADOS"
            | "NOREGISTRADAS"
            | "CNR"
            | "CANDIDATOSNOREGISTRADOS"
            | "CANDIDATURASNOREGISTRADAS"
            | "VOTOSCANDIDATOSNOREGISTRADOS"
            | "CANDNOREG"
            | "NUMVOTOSCANNREG"
            | "VOTOSCANNREG"
            | "CANNREG"
    )
}

/// A column or label for null votes.
pub fn is_nulos(name: &str) -> bool {
    matches!(
        bare(name).as_str(),
        "NULOS" | "VOTOSNULOS" | "NULO" | "NUMVOTOSNULOS" | "TOTALVOTOSNULOS"
    )
}

/// An independent candidacy's column or label: `CAND_IND_1`, `CI1`,
/// `CAND_IND1`, `CANDIDATURA INDEPENDIENTE 1`, `CSP` → Some(its number, if any).
pub fn independent_number(name: &str) -> Option<Option<u32>> {
    const PREFIXES: [&str; 11] = [
        "CANDIDATURASINPARTIDOPOLITICO",
        "CANDIDATURASINPARTIDO",
        "CANDIDATURAINDEPENDIENTE",
        "CANDIDATOINDEPENDIENTE",
        "INDEPENDIENTE",
        "CANDINDEP",
        "CANDIND",
        "INDEP",
        "IND",
        "CSP",
        "CI",
    ];
    let b = bare(name);
    let rest = PREFIXES.iter().find_map(|p| b.strip_prefix(p))?;
    if rest.is_empty() {
        Some(None)
    } else if rest.bytes().all(|c| c.is_ascii_digit()) {
        rest.parse().ok().map(Some)
    } else {
        None
    }
}

/// The party column a spelling names among a file's party columns: the same
/// name; the same letters; the same known party (`PV` is `PVEM`, `MOR` is
/// `MORENA`, `Partido Acción Nacional` is `PAN`); else an abbreviation of
/// exactly one column (one a prefix of the other, two letters at least,
/// never two parties known to be different). Two candidates are an error.
pub fn resolve_party<'p>(
    spelling: &str,
    parties: &'p [String],
) -> Result<Option<&'p String>, String> {
    if let Some(p) = parties.iter().find(|p| *p == spelling) {
        return Ok(Some(p));
    }
    let b = bare(spelling);
    if b.is_empty() {
        return Ok(None);
    }
    if let Some(p) = parties.iter().find(|p| bare(p) == b) {
        return Ok(Some(p));
    }
    let known = parties::known(spelling);
    let one = |found: Vec<&'p String>| match found.as_slice() {
        [] => Ok(None),
        [p] => Ok(Some(*p)),
        many => Err(ambiguous(spelling, many)),
    };
    if known.is_some() {
        let same: Vec<&String> = parties
            .iter()
            .filter(|p| parties::known(p) == known)
            .collect();
        if !same.is_empty() {
            return one(same);
        }
    }
    if spelling.contains(|c: char| c.is_whitespace() || SEPARATORS.contains(&c)) {
        return Ok(None);
    }
    let prefixed: Vec<&String> = parties
        .iter()
        .filter(|p| {
            let pb = bare(p);
            let (short, long) = if pb.len() < b.len() {
                (&pb, &b)
            } else {
                (&b, &pb)
            };
            let other = parties::known(p);
            short.len() >= 2
                && long.starts_with(short.as_str())
                && !(known.is_some() && other.is_some() && known != other)
        })
        .collect();
    one(prefixed)
}

/// What separates the parties of a combination column or label.
const SEPARATORS: [char; 6] = [',', '_', '-', '+', '/', '|'];

/// The coalition prefixes of published columns and labels.
const COALITION_PREFIXES: [&str; 7] = ["SUM-", "SUM_", "COAL_", "COA_", "CC_", "CO_", "C_"];

/// The parties of a combination column or label (`C_PAN_PRD`,
/// `SUM-PT-MOR-PES`, `PAN_PRI_PRD`, `MORENA, PARTIDO DEL TRABAJO`), each
/// matched to a party column, with the spellings that differ. None if it
/// names no combination; an error if it has a coalition prefix but a part
/// names no party, or a part could be two.
pub fn combination(
    name: &str,
    parties: &[String],
) -> Result<Option<Vec<(String, String)>>, String> {
    let stripped = COALITION_PREFIXES.iter().find_map(|p| name.strip_prefix(p));
    let body = stripped.unwrap_or(name);
    let seps: &[char] = if body.contains(',') {
        &[',']
    } else {
        &SEPARATORS[1..]
    };
    let tokens: Vec<&str> = body
        .split(seps)
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .collect();
    if tokens.len() < 2 {
        return Ok(None);
    }
    let mut found: Vec<(String, String)> = Vec::new();
    for t in &tokens {
        match resolve_party(t, parties)? {
            Some(p) if found.iter().any(|(q, _)| q == p) => {
                return Err(format!("`{name}` names party {p} twice"));
            }
            Some(p) => found.push((p.clone(), t.to_string())),
            None if stripped.is_some() => {
                return Err(format!(
                    "`{t}` in `{name}` names no party column of the database file"
                ));
            }
            None => return Ok(None),
        }
    }
    Ok(Some(found))
}

/// The ballot options of a published file, with their kinds; and the party
/// ids (the party columns).
pub fn options(
    file: &PublishedFile,
    opts: &Options,
    log: &mut Log,
) -> Result<(Vec<BallotOption>, Vec<String>), ContractError> {
    let columns = &file.columns[file.options.clone()];
    let err = |c: &str, m: String| ContractError::new(&file.file, m).at_field(c.to_string());
    for c in columns {
        if !is_plain_key(c) {
            return Err(err(c, format!("vote column `{c}` is not a plain key")));
        }
    }
    // Single parties first, so that combinations are recognised by them.
    let looks_combined =
        |c: &str| COALITION_PREFIXES.iter().any(|p| c.starts_with(p)) || c.contains(['_', '-']);
    let mut party_ids: Vec<String> = columns
        .iter()
        .filter(|c| simple_kind(c).is_none() && !looks_combined(c))
        .cloned()
        .collect();
    let mut result = Vec::with_capacity(columns.len());
    for c in columns {
        let (kind, parties) = match simple_kind(c) {
            Some(k) => (k, vec![]),
            None if party_ids.contains(c) => (OptionKind::Party, vec![c.clone()]),
            None => match combination(c, &party_ids).map_err(|m| err(c, m))? {
                Some(found) => {
                    for (party, spelling) in &found {
                        if party != spelling {
                            log.spelling(spelling, party, c);
                            log.note(
                                Kind::PartySpelling,
                                &file.file,
                                None,
                                Some(c),
                                spelling,
                                party,
                            );
                        }
                    }
                    let kind = if opts.comunes.iter().any(|m| &m.column == c) {
                        OptionKind::Comun
                    } else {
                        OptionKind::Coalition
                    };
                    (kind, found.into_iter().map(|(p, _)| p).collect())
                }
                None => {
                    party_ids.push(c.clone());
                    (OptionKind::Party, vec![c.clone()])
                }
            },
        };
        result.push(option(&file.file, c, kind, parties, &opts.comunes)?);
    }
    Ok((result, party_ids))
}

fn simple_kind(c: &str) -> Option<OptionKind> {
    if is_no_registrados(c) {
        Some(OptionKind::NoRegistrados)
    } else if is_nulos(c) {
        Some(OptionKind::Nulos)
    } else if independent_number(c).is_some() {
        Some(OptionKind::Independent)
    } else {
        None
    }
}

fn option(
    file: &str,
    c: &str,
    kind: OptionKind,
    parties: Vec<String>,
    comunes: &[Comun],
) -> Result<BallotOption, ContractError> {
    let mut opt = BallotOption {
        column: c.to_string(),
        kind,
        parties,
        name: (kind == OptionKind::Independent).then(|| c.replace('_', " ")),
        color: None,
        shares: None,
        remainder_to: None,
    };
    if let Some(m) = comunes.iter().find(|m| m.column == c) {
        let mut shares = Vec::new();
        for p in &opt.parties {
            let bp = m
                .shares
                .iter()
                .find(|(q, _)| q == p)
                .map(|(_, bp)| *bp)
                .ok_or_else(|| {
                    ContractError::new(
                        file,
                        format!("--comun {}: no share given for party {p}", m.column),
                    )
                })?;
            shares.push(bp);
        }
        opt.shares = Some(shares);
        opt.remainder_to = Some(m.remainder_to.clone());
    }
    Ok(opt)
}

/// What a candidates-file label names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Label {
    /// A party alone, or a coalition or común of these parties.
    Parties(Vec<String>),
    /// An independent's column.
    Independent(String),
    /// Candidatos no registrados or votos nulos.
    NotACandidacy,
}

/// Reads a candidates-file label against the file's options: an option's
/// column (`PAN_PRI_PRD`, `CAND_IND_1`), an independent by number (`CI1`), a
/// party in any spelling, or a combination of them (`SUM-PT-MOR-PES`).
pub fn label(
    text: &str,
    options: &[BallotOption],
    party_ids: &[String],
    log: &mut Log,
) -> Result<Label, String> {
    let column = text.replace(' ', "_");
    if let Some(o) = options.iter().find(|o| o.column == column) {
        return Ok(match o.kind {
            OptionKind::Independent => Label::Independent(o.column.clone()),
            OptionKind::NoRegistrados | OptionKind::Nulos => Label::NotACandidacy,
            _ => Label::Parties(o.parties.clone()),
        });
    }
    if is_no_registrados(text) || is_nulos(text) {
        return Ok(Label::NotACandidacy);
    }
    if let Some(n) = independent_number(text) {
        return independent(text, n, options).map(Label::Independent);
    }
    let unknown = || format!("`{text}` names no party or vote column of the database file");
    // `PAN Y PRD`: the conjunction joins parties as a comma does.
    let joined = fold(text).replace(" Y ", ", ");
    let text_or_joined = if joined.contains(", ") {
        joined.as_str()
    } else {
        text
    };
    let combined = if text_or_joined.contains(SEPARATORS) {
        combination(text_or_joined, party_ids)?
    } else {
        None
    };
    let parties = match combined {
        Some(found) => found,
        None => match resolve_party(text, party_ids)? {
            Some(p) => vec![(p.clone(), text.to_string())],
            None => return Err(unknown()),
        },
    };
    for (party, spelling) in &parties {
        if party != spelling {
            log.spelling(spelling, party, text);
        }
    }
    Ok(Label::Parties(
        parties.into_iter().map(|(p, _)| p).collect(),
    ))
}

/// The independent column a label means: the one with its number, or the
/// only one.
fn independent(text: &str, n: Option<u32>, options: &[BallotOption]) -> Result<String, String> {
    let columns: Vec<(&String, Option<u32>)> = options
        .iter()
        .filter(|o| o.kind == OptionKind::Independent)
        .map(|o| (&o.column, independent_number(&o.column).flatten()))
        .collect();
    let found: Vec<&String> = match n {
        Some(n) if columns.iter().any(|(_, m)| *m == Some(n)) => columns
            .iter()
            .filter(|(_, m)| *m == Some(n))
            .map(|(c, _)| *c)
            .collect(),
        _ if columns.len() == 1 => vec![columns[0].0],
        _ => columns.iter().map(|(c, _)| *c).collect(),
    };
    match found.as_slice() {
        [c] => Ok((*c).clone()),
        [] => Err(format!(
            "`{text}` names an independent, but the database file has no independent column"
        )),
        many => Err(ambiguous(text, many)),
    }
}

/// The error for a spelling that could name several columns.
fn ambiguous(text: &str, columns: &[&String]) -> String {
    let names: Vec<&str> = columns.iter().map(|c| c.as_str()).collect();
    format!("`{text}` could be any of {}", names.join(", "))
}

/// What the counted actas of each contest unit show of its ballot: per
/// option, whether votes were published in it, a 0, or nothing. A 0 proves
/// little (Quintana Roo 2019 prints 0 in coalition columns of distritos where
/// the coalition does not run); votes prove the option is on the ballot, and
/// nothing but nothing proves it is not.
#[derive(Debug, Default)]
pub struct Evidence {
    units: HashMap<String, Vec<u8>>,
}

const VOTES: u8 = 1;
const NOTHING: u8 = 2;
const ZERO: u8 = 4;

/// A unit id as a key: numeric ids meet whatever their zero padding.
pub fn unit_key(id: &str) -> String {
    if !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) {
        let t = id.trim_start_matches('0');
        if t.is_empty() { "0".into() } else { t.into() }
    } else {
        id.to_string()
    }
}

impl Evidence {
    /// Records the vote fields of an acta its publisher counted.
    pub fn record(&mut self, unit: &str, votos: &[Voto]) {
        let seen = self
            .units
            .entry(unit_key(unit))
            .or_insert_with(|| vec![0; votos.len()]);
        for (s, v) in seen.iter_mut().zip(votos) {
            *s |= match v {
                Voto::Campo(Campo::Num(0)) => ZERO,
                Voto::Campo(Campo::Num(_)) => VOTES,
                Voto::Nada => NOTHING,
                _ => 0,
            };
        }
    }

    /// Whether any counted acta of the unit was seen.
    pub fn has(&self, unit: &str) -> bool {
        self.units.contains_key(&unit_key(unit))
    }

    /// Votes were published in the option on a counted acta of the unit.
    pub fn votes(&self, unit: &str, option: usize) -> bool {
        self.units
            .get(&unit_key(unit))
            .is_some_and(|s| s[option] & VOTES != 0)
    }

    /// The unit's counted actas leave the option empty and never give it a
    /// number: it is not on the unit's ballot.
    pub fn absent(&self, unit: &str, option: usize) -> bool {
        self.units
            .get(&unit_key(unit))
            .is_some_and(|s| s[option] == NOTHING)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_party_spelled_another_way_is_matched_to_its_column() {
        // IEEPCO Oaxaca 2022: `PV` in C_PT_PV_PUP_MOR beside the column PVEM.
        let oax = ids(&["PAN", "PRI", "PRD", "PT", "PVEM", "MC", "PUP", "MOR", "NA"]);
        assert_eq!(resolve_party("PV", &oax), Ok(Some(&oax[4])));
        // IEE Puebla 2018: `MOR` in SUM-PT-MOR-PES beside the column MORENA.
        let pue = ids(&[
            "PAN", "PRI", "PRD", "PT", "PV", "MC", "CPP", "PSI", "MORENA", "PES",
        ]);
        assert_eq!(resolve_party("MOR", &pue), Ok(Some(&pue[8])));
        assert_eq!(resolve_party("PVEM", &pue), Ok(Some(&pue[4])));
        assert_eq!(
            resolve_party("Partido del Trabajo", &pue),
            Ok(Some(&pue[3]))
        );
        // An abbreviation of a local party.
        assert_eq!(resolve_party("PS", &pue), Ok(Some(&pue[7])));
        // Two parties a spelling could be.
        assert!(resolve_party("PR", &pue).unwrap_err().contains("PRI, PRD"));
        // A party known to be another one is never matched by its letters.
        assert_eq!(resolve_party("PANAL", &pue), Ok(None));
    }

    #[test]
    fn combination_columns_and_labels_name_their_parties() {
        let oax = ids(&["PAN", "PRI", "PRD", "PT", "PVEM", "MC", "PUP", "MOR", "NA"]);
        let parties = |n: &str| {
            combination(n, &oax)
                .unwrap()
                .map(|v| v.into_iter().map(|(p, _)| p).collect::<Vec<_>>())
        };
        assert_eq!(
            parties("C_PT_PV_PUP_MOR"),
            Some(ids(&["PT", "PVEM", "PUP", "MOR"]))
        );
        assert_eq!(parties("SUM-PRI-PRD"), Some(ids(&["PRI", "PRD"])));
        assert_eq!(parties("PAN_PRI"), Some(ids(&["PAN", "PRI"])));
        assert_eq!(
            parties("PARTIDO ACCION NACIONAL, PARTIDO DE LA REVOLUCIÓN DEMOCRÁTICA"),
            Some(ids(&["PAN", "PRD"]))
        );
        assert_eq!(parties("CAND_IND"), None);
        let mut log = Log::default();
        assert_eq!(
            label("PAN y PRD", &[], &oax, &mut log),
            Ok(Label::Parties(ids(&["PAN", "PRD"])))
        );
        assert_eq!(
            label("Movimiento Ciudadano", &[], &oax, &mut log),
            Ok(Label::Parties(ids(&["MC"])))
        );
        assert!(
            label("PRT", &[], &oax, &mut log)
                .unwrap_err()
                .contains("names no party")
        );
        assert!(combination("C_PT_XYZ", &oax).unwrap_err().contains("XYZ"));
        assert!(
            combination("C_PT_PR", &oax)
                .unwrap_err()
                .contains("could be")
        );
    }

    #[test]
    fn independents_are_known_by_their_number() {
        assert_eq!(independent_number("CAND_IND_1"), Some(Some(1)));
        assert_eq!(independent_number("CI1"), Some(Some(1)));
        assert_eq!(independent_number("CAND_IND2"), Some(Some(2)));
        assert_eq!(
            independent_number("CANDIDATURA SIN PARTIDO POLITICO"),
            Some(None)
        );
        assert_eq!(independent_number("CIUDADANOS"), None);
        assert_eq!(independent_number("PAN"), None);
        assert!(is_no_registrados("CNR") && is_no_registrados("NO REGISTRADOS"));
        assert!(is_nulos("NULOS") && is_nulos("Votos nulos"));
        // The INE's federal files.
        assert!(is_no_registrados("NUM_VOTOS_CAN_NREG") && is_nulos("NUM_VOTOS_NULOS"));
    }

    #[test]
    fn a_unit_without_numbers_in_an_option_has_it_off_its_ballot() {
        let mut e = Evidence::default();
        let n = Voto::Campo(Campo::Num(3));
        let ilegible = Voto::Campo(Campo::Ilegible);
        e.record("012", &[n, Voto::Nada, ilegible, ilegible]);
        e.record("12", &[n, Voto::Nada, ilegible, Voto::Nada]);
        assert!(e.has("12") && e.votes("012", 0));
        assert!(e.absent("12", 1));
        assert!(!e.absent("12", 2), "ILEGIBLE is no evidence either way");
        assert!(e.absent("12", 3), "nor does it outweigh an empty field");
        e.record(
            "12",
            &[Voto::Campo(Campo::Num(0)), Voto::Nada, ilegible, Voto::Nada],
        );
        assert!(!e.absent("12", 0) && e.votes("12", 0));
        let mut z = Evidence::default();
        z.record("1", &[Voto::Campo(Campo::Num(0))]);
        assert!(!z.votes("1", 0) && !z.absent("1", 0), "a 0 proves neither");
        assert!(!e.has("13"));
    }
}

//! How options, candidacies and parties are named and coloured on the pages,
//! worked out once per election from the catalog.

use crate::contract::catalog::ElectionIndex;
use crate::contract::{BallotOption, Catalog, Election, OptionKind};
use crate::tally::Plan;

/// A name to show and the colour that goes with it.
#[derive(Debug, Clone)]
pub struct Label {
    /// Short: `PAN-PRI-PRD`, `MORENA`, `Votos nulos`.
    pub short: String,
    /// Long, when there is one: the party's full name.
    pub long: String,
    pub color: Option<String>,
}

/// The labels of one election.
#[derive(Debug, Clone)]
pub struct ElectionLabels {
    /// Per ballot option, in catalog order.
    pub options: Vec<Label>,
    /// Per candidacy key (`ElectionIndex::candidacy_keys`).
    pub keys: Vec<Label>,
    /// The candidacy keys in ballot order (of each key's first option).
    pub key_order: Vec<usize>,
    /// Per distributed slot (`Plan::slots`).
    pub slots: Vec<Label>,
    /// The options that belong to no candidacy (no registrados, nulos), in ballot order.
    pub outside: Vec<usize>,
}

impl ElectionLabels {
    pub fn new(catalog: &Catalog, election: &Election, eix: &ElectionIndex, plan: &Plan) -> Self {
        let options: Vec<Label> = election
            .options
            .iter()
            .map(|o| option_label(catalog, o))
            .collect();
        let first: Vec<Option<usize>> = (0..eix.candidacy_keys.len())
            .map(|key| eix.candidacy_key_index.iter().position(|k| *k == key))
            .collect();
        let keys = first
            .iter()
            .enumerate()
            .map(|(key, k)| key_label(catalog, election, eix, *k, &eix.candidacy_keys[key]))
            .collect();
        let mut key_order: Vec<usize> = (0..first.len()).collect();
        key_order
            .sort_by_key(|&key| first[key].and_then(|k| eix.candidacy_options[k].first().copied()));
        let slots = plan
            .slots
            .iter()
            .zip(&plan.slot_option)
            .map(|(slot, &o)| match party(catalog, slot) {
                Some(p) => Label {
                    short: p.id.clone(),
                    long: p.name.clone(),
                    color: p
                        .color
                        .clone()
                        .or_else(|| election.options[o].color.clone()),
                },
                None => options[o].clone(),
            })
            .collect();
        let outside = election
            .options
            .iter()
            .enumerate()
            .filter(|(_, o)| matches!(o.kind, OptionKind::NoRegistrados | OptionKind::Nulos))
            .map(|(i, _)| i)
            .collect();
        ElectionLabels {
            options,
            keys,
            key_order,
            slots,
            outside,
        }
    }
}

fn party<'c>(catalog: &'c Catalog, id: &str) -> Option<&'c crate::contract::Party> {
    catalog.parties.iter().find(|p| p.id == id)
}

/// An option's name: its display name if the catalog gives one; otherwise
/// the party or parties it stands for, or what it is.
fn option_label(catalog: &Catalog, o: &BallotOption) -> Label {
    let color = o.color.clone().or_else(|| {
        o.parties
            .first()
            .and_then(|p| party(catalog, p))
            .and_then(|p| p.color.clone())
    });
    let (short, long) = match (&o.name, o.kind) {
        (Some(name), _) => (name.clone(), String::new()),
        (None, OptionKind::NoRegistrados) => ("Candidaturas no registradas".into(), String::new()),
        (None, OptionKind::Nulos) => ("Votos nulos".into(), String::new()),
        (None, OptionKind::Party) => {
            let long = party(catalog, &o.column)
                .map(|p| p.name.clone())
                .unwrap_or_default();
            (o.column.clone(), long)
        }
        (None, OptionKind::Coalition | OptionKind::Comun) => (o.parties.join("-"), String::new()),
        (None, OptionKind::Independent) => (o.column.replace('_', " "), String::new()),
    };
    Label { short, long, color }
}

/// A candidacy key's name: its parties in ballot order (`PAN-PRI-PRD`), or
/// the independent's option; coloured as its first party.
fn key_label(
    catalog: &Catalog,
    election: &Election,
    eix: &ElectionIndex,
    candidacy: Option<usize>,
    key: &str,
) -> Label {
    let Some(k) = candidacy else {
        return Label {
            short: key.to_string(),
            long: String::new(),
            color: None,
        };
    };
    let options: Vec<&BallotOption> = eix.candidacy_options[k]
        .iter()
        .map(|o| &election.options[*o as usize])
        .collect();
    let mut parties: Vec<&str> = options
        .iter()
        .filter(|o| o.kind == OptionKind::Party)
        .flat_map(|o| o.parties.iter().map(String::as_str))
        .collect();
    for o in &options {
        for p in &o.parties {
            if !parties.contains(&p.as_str()) {
                parties.push(p);
            }
        }
    }
    let mut names: Vec<String> = parties.iter().map(|p| p.to_string()).collect();
    names.extend(
        options
            .iter()
            .filter(|o| o.parties.is_empty())
            .map(|o| option_label(catalog, o).short),
    );
    let color = parties
        .first()
        .and_then(|p| party(catalog, p))
        .and_then(|p| p.color.clone())
        .or_else(|| options.iter().find_map(|o| o.color.clone()));
    let long = match parties.as_slice() {
        [one] if names.len() == 1 => party(catalog, one)
            .map(|p| p.name.clone())
            .unwrap_or_default(),
        _ => String::new(),
    };
    Label {
        short: names.join("-"),
        long,
        color,
    }
}

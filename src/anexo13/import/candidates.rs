//! Candidates files: who runs in each contest unit, under which label
//! (`SUM-PT-MOR-PES`, `CI1`, `PAN_PRI_PRD`, a party's full name), read
//! against the vote columns of the database file beside it.
//!
//! Which rows are candidacies of a unit is decided with the unit's actas in
//! [`super::Builder`]: some publishers list every possible combination in
//! every unit and name only the candidates who run.

use super::ballot::{self, Label};
use super::normalize::{fold, is_nothing, unguard};
use super::report::{Kind, Log};
use crate::anexo13::reader;
use crate::contract::{BallotOption, ContestLevel, ContractError};

/// A candidates file, read.
pub struct CandidaturasFile {
    pub file: String,
    /// The contest level its unit column says, if it has one.
    pub level: Option<ContestLevel>,
    pub rows: Vec<CandRow>,
}

/// One candidacy row.
pub struct CandRow {
    pub line: u64,
    pub unit: Option<String>,
    /// The label as published.
    pub label: String,
    pub parties: Vec<String>,
    pub independents: Vec<String>,
    /// The candidate (propietaria), empty if the row names none.
    pub name: String,
    pub suplente: String,
}

/// The columns of a candidates file.
struct Columns {
    label: usize,
    name: Option<usize>,
    suplente: Option<usize>,
    unit: Option<usize>,
    level: Option<ContestLevel>,
}

fn columns(file: &str, header: &[String]) -> Result<Columns, ContractError> {
    let names: Vec<String> = header
        .iter()
        .map(|h| fold(unguard(h).0).replace(' ', "_"))
        .collect();
    let find = |want: &[&str]| names.iter().position(|h| want.contains(&h.as_str()));
    let label = find(&[
        "PARTIDO_CI",
        "PARTIDO_CSP",
        "PARTIDO",
        "PARTIDOS",
        "PARTIDO_CAND_IND",
        "PARTIDO_COALICION",
        "PARTIDO_CI_COALICION",
    ])
    .ok_or_else(|| ContractError::new(file, "has no PARTIDO_CI column").at_row(1))?;
    let dist = find(&["ID_DISTRITO_LOCAL", "ID_DISTRITO"]);
    let dem = find(&[
        "ID_MUNICIPIO",
        "ID_MUNICIPIO_LOCAL",
        "ID_AYUNTAMIENTO",
        "ID_ALCALDIA",
        "ID_DEMARCACION",
        "ID_DEMARCACION_TERRITORIAL",
    ]);
    let (unit, level) = match (dist, dem) {
        (Some(c), _) => (Some(c), Some(ContestLevel::Distrito)),
        (None, Some(c)) => (Some(c), Some(ContestLevel::Demarcacion)),
        _ => (None, Some(ContestLevel::Entidad)),
    };
    Ok(Columns {
        label,
        name: find(&[
            "CANDIDATURA_PROPIETARIA",
            "CANDIDATURA",
            "CANDIDATO",
            "CANDIDATA",
            "PROPIETARIO",
            "PROPIETARIA",
            "NOMBRE",
            "NOMBRE_CANDIDATO",
            "NOMBRE_CANDIDATURA",
        ]),
        suplente: find(&["CANDIDATURA_SUPLENTE", "SUPLENTE"]),
        unit,
        level,
    })
}

/// Reads a candidates file; every label must name options of the database
/// file, in any spelling (recorded in the log).
pub fn read(
    file: &str,
    bytes: &[u8],
    options: &[BallotOption],
    party_ids: &[String],
    log: &mut Log,
) -> Result<CandidaturasFile, ContractError> {
    let records = reader::table(file, bytes, log)?;
    let mut it = records.into_iter();
    let (_, header) = it
        .next()
        .ok_or_else(|| ContractError::new(file, "is empty").at_row(1))?;
    let cols = columns(file, &header)?;
    let ctx = Context {
        file,
        label_field: fold(unguard(&header[cols.label]).0),
        cols,
        options,
        party_ids,
    };
    let mut rows = Vec::new();
    for (line, rec) in it {
        if let Some(row) = ctx.row(line, &rec, log)? {
            rows.push(row);
        }
    }
    Ok(CandidaturasFile {
        file: file.to_string(),
        level: ctx.cols.level,
        rows,
    })
}

/// What reading one row needs.
struct Context<'a> {
    file: &'a str,
    label_field: String,
    cols: Columns,
    options: &'a [BallotOption],
    party_ids: &'a [String],
}

impl Context<'_> {
    /// One row: a candidacy, or None for a row that names none.
    fn row(
        &self,
        line: u64,
        rec: &[String],
        log: &mut Log,
    ) -> Result<Option<CandRow>, ContractError> {
        let file = self.file;
        let mut get = |c: Option<usize>, what: &str| -> String {
            let raw = c.and_then(|c| rec.get(c)).map(String::as_str).unwrap_or("");
            let (v, guarded) = unguard(raw);
            if guarded {
                log.note(Kind::Guard, file, Some(line), Some(what), raw, v);
            }
            v.to_string()
        };
        // `NA` is Nueva Alianza here, not "nothing": only dashes are.
        let text = get(Some(self.cols.label), &self.label_field);
        if text.chars().all(|c| c == '-') {
            return Ok(None);
        }
        let nothing = |s: String| if is_nothing(&s) { String::new() } else { s };
        let unit = nothing(get(self.cols.unit, "UNIT"));
        let name = nothing(get(self.cols.name, "CANDIDATURA"));
        let suplente = nothing(get(self.cols.suplente, "CANDIDATURA_SUPLENTE"));
        let err = |m: String| {
            ContractError::new(file, m)
                .at_row(line)
                .at_field(self.label_field.clone())
        };
        let (parties, independents) =
            match ballot::label(&text, self.options, self.party_ids, log).map_err(err)? {
                Label::NotACandidacy => {
                    let field = Some(self.label_field.as_str());
                    log.note(
                        Kind::CandidatesNotACandidacy,
                        file,
                        Some(line),
                        field,
                        &text,
                        "",
                    );
                    return Ok(None);
                }
                Label::Parties(p) => (p, vec![]),
                Label::Independent(c) => (vec![], vec![c]),
            };
        if self.cols.unit.is_some() && unit.is_empty() {
            return Err(ContractError::new(file, "names no contest unit").at_row(line));
        }
        Ok(Some(CandRow {
            line,
            unit: self.cols.unit.map(|_| unit),
            label: text,
            parties,
            independents,
            name,
            suplente,
        }))
    }
}

//! The import report: everything the importer read differently from the
//! bytes, so an auditor sees what was normalized, how often, and one example
//! of each (file, row, field, value as published → value taken).
//!
//! Written beside the snapshot as `import-report.json` (format:
//! `data-contracts/import-report.schema.json`) and printed by `corte import`.
//! It is not part of the snapshot and corte never reads it back.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

/// The version of the report's JSON layout.
pub const REPORT_VERSION: u32 = 1;

/// One kind of normalization: what the importer read as something else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Encoding,
    SeparatorLine,
    TrailingDelimiter,
    ColumnName,
    SummaryName,
    SummaryValue,
    CorteLine,
    Guard,
    Pendiente,
    Number,
    VoteWord,
    BlankOnBallot,
    OffBallot,
    SinActaFields,
    Observation,
    SeveralObservations,
    SinClasificar,
    ZeroId,
    NothingIsZero,
    NothingIsEmpty,
    TipoCasilla,
    Descriptive,
    DescriptiveDropped,
    PartySpelling,
    CandidatesNotACandidacy,
    CandidatesNotRunning,
}

impl Kind {
    /// Every kind, in report order.
    pub const ALL: [Kind; 26] = [
        Kind::Encoding,
        Kind::SeparatorLine,
        Kind::TrailingDelimiter,
        Kind::ColumnName,
        Kind::SummaryName,
        Kind::SummaryValue,
        Kind::CorteLine,
        Kind::Guard,
        Kind::Pendiente,
        Kind::Number,
        Kind::VoteWord,
        Kind::BlankOnBallot,
        Kind::OffBallot,
        Kind::SinActaFields,
        Kind::Observation,
        Kind::SeveralObservations,
        Kind::SinClasificar,
        Kind::ZeroId,
        Kind::NothingIsZero,
        Kind::NothingIsEmpty,
        Kind::TipoCasilla,
        Kind::Descriptive,
        Kind::DescriptiveDropped,
        Kind::PartySpelling,
        Kind::CandidatesNotACandidacy,
        Kind::CandidatesNotRunning,
    ];

    /// The code in `import-report.json`.
    pub fn code(self) -> &'static str {
        match self {
            Kind::Encoding => "encoding",
            Kind::SeparatorLine => "separator_line",
            Kind::TrailingDelimiter => "trailing_delimiter",
            Kind::ColumnName => "column_name",
            Kind::SummaryName => "summary_name",
            Kind::SummaryValue => "summary_value",
            Kind::CorteLine => "corte_line",
            Kind::Guard => "guard",
            Kind::Pendiente => "not_yet_captured",
            Kind::Number => "number",
            Kind::VoteWord => "vote_word",
            Kind::BlankOnBallot => "blank_on_ballot",
            Kind::OffBallot => "off_ballot",
            Kind::SinActaFields => "sin_acta_fields",
            Kind::Observation => "observation",
            Kind::SeveralObservations => "several_observations",
            Kind::SinClasificar => "sin_clasificar",
            Kind::ZeroId => "zero_id",
            Kind::NothingIsZero => "nothing_is_zero",
            Kind::NothingIsEmpty => "nothing_is_empty",
            Kind::TipoCasilla => "tipo_casilla",
            Kind::Descriptive => "descriptive",
            Kind::DescriptiveDropped => "descriptive_dropped",
            Kind::PartySpelling => "party_spelling",
            Kind::CandidatesNotACandidacy => "candidates_not_a_candidacy",
            Kind::CandidatesNotRunning => "candidates_not_running",
        }
    }

    /// What the normalization does, for people.
    pub fn meaning(self) -> &'static str {
        match self {
            Kind::Encoding => "the file is not UTF-8 without BOM: decoded from its encoding",
            Kind::SeparatorLine => "a `sep=` first line named the delimiter and was skipped",
            Kind::TrailingDelimiter => {
                "every line ends with a delimiter: the empty last field was dropped"
            }
            Kind::ColumnName => {
                "a column named another way (alias, case, accents, spaces) read as its canonical name"
            }
            Kind::SummaryName => "a summary field named another way read as its canonical name",
            Kind::SummaryValue => {
                "a summary value with thousands separators, a % sign, a decimal comma or blanks read as a plain number"
            }
            Kind::CorteLine => "words around the corte time on line 2 were dropped",
            Kind::Guard => "a spreadsheet guard (=\"…\", '…' or a leading ') was removed",
            Kind::Pendiente => {
                "a row with nothing in CONTABILIZADA and OBSERVACIONES is an expected acta not yet captured"
            }
            Kind::Number => {
                "a number written with thousands separators or a zero fraction read as a whole number"
            }
            Kind::VoteWord => "ILEGIBLE or SIN DATO spelled another way",
            Kind::BlankOnBallot => {
                "nothing (empty, -, N/A …) in an option on the acta's ballot: a blank field, SIN DATO"
            }
            Kind::OffBallot => {
                "a 0, ILEGIBLE, SIN DATO or nothing in an option that is not on the ballot of the acta's contest unit: left empty"
            }
            Kind::SinActaFields => {
                "what a sin-acta row prints in its vote and count fields (Sin Acta, -, N/A …): left empty"
            }
            Kind::Observation => {
                "an observation worded another way (case, accents, plural, spacing, a count in parentheses) read as the rules' wording"
            }
            Kind::SeveralObservations => {
                "several observations in one field: the one that decides by the rules' precedence is taken"
            }
            Kind::SinClasificar => {
                "CONTABILIZADA 0 with no observation: captured, counted by the publisher in no category (SIN_CLASIFICAR)"
            }
            Kind::ZeroId => "a sección, distrito or municipio 0 (votes from abroad) means none",
            Kind::NothingIsZero => {
                "nothing or a mark (empty, -, N/A, SIN DATO, Sin Acta …) in a count of the casilla (lista nominal, representatives, casilla number, contigua): 0, unless another file gives it"
            }
            Kind::NothingIsEmpty => {
                "nothing (-, N/A …) in a field the contract may leave empty (a count, a timestamp, a code): left empty"
            }
            Kind::TipoCasilla => {
                "a casilla type written as a word or in lowercase read as its letter"
            }
            Kind::Descriptive => {
                "a descriptive field typed another way (case, accents, spacing, a synonym) read as the contract's value"
            }
            Kind::DescriptiveDropped => {
                "a descriptive value the contract has no code for: left empty"
            }
            Kind::PartySpelling => {
                "a party spelled differently in a coalition column or a candidates label, matched to the party's own column"
            }
            Kind::CandidatesNotACandidacy => {
                "a candidates-file row for candidatos no registrados or votos nulos: not a candidacy"
            }
            Kind::CandidatesNotRunning => {
                "a candidates-file row with no candidate and no votes in its unit, where other rows name theirs: not a candidacy there"
            }
        }
    }
}

/// One example of a normalization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Example {
    pub file: String,
    /// The line in the file (1-based), if the normalization is about a row.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The value as published (after the CSV quoting, before anything else).
    pub published: String,
    /// What the importer took.
    pub taken: String,
}

/// Every normalization of one kind in one imported file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Normalization {
    pub kind: &'static str,
    pub meaning: &'static str,
    pub count: u64,
    /// How many of them in each field.
    pub fields: BTreeMap<String, u64>,
    pub first: Example,
}

/// A party spelled one way in a label and matched to a party column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Spelling {
    pub spelling: String,
    pub party: String,
    /// The labels (vote columns, candidates-file rows) that spell it so.
    pub labels: Vec<String>,
}

/// A row whose published classification was kept (OBSERVACION_PUBLICADA).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeptRow {
    pub row: u64,
    /// The classification as published.
    pub published: String,
    /// What the rules give from the published fields.
    pub rules: String,
}

/// One summary field, published and reproduced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SummaryField {
    pub field: String,
    pub published: String,
    pub corte: String,
}

/// Rows of a file by what they became.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RowCounts {
    pub total: usize,
    pub capturadas: usize,
    pub sin_acta: usize,
    pub sin_clasificar: usize,
    pub fuera_catalogo: usize,
    pub pendientes: usize,
}

/// What the import of one published file did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ElectionReport {
    pub file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub candidaturas: Option<String>,
    pub election: String,
    pub rows: RowCounts,
    pub actas_esperadas_no_listadas: u32,
    pub normalizations: Vec<Normalization>,
    pub spellings: Vec<Spelling>,
    pub observaciones_publicadas: Vec<KeptRow>,
    /// The published summary block, canonical names, values as read.
    #[serde(skip)]
    pub published_summary: Vec<(String, String)>,
    /// Filled once the snapshot is tallied: published beside reproduced.
    pub summary: Vec<SummaryField>,
    pub notes: Vec<String>,
}

/// What an import did, per file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    pub report_version: u32,
    pub process_id: String,
    pub seq: u32,
    pub timestamp: String,
    pub elections: Vec<ElectionReport>,
}

impl Report {
    /// Sets each file's published summary beside the tally's.
    pub fn set_summaries(&mut self, results: &crate::tally::Results) {
        for (e, r) in self.elections.iter_mut().zip(&results.elections) {
            e.summary = compare_summary(&e.published_summary, &r.summary)
                .into_iter()
                .map(|(field, published, corte)| SummaryField {
                    field,
                    published,
                    corte,
                })
                .collect();
        }
    }

    /// The report as `import-report.json`: pretty, deterministic, newline-ended.
    pub fn to_json(&self) -> Vec<u8> {
        let mut bytes = serde_json::to_vec_pretty(self).unwrap_or_default();
        bytes.push(b'\n');
        bytes
    }
}

/// The published summary next to ours, field by field: (name, published, ours).
pub fn compare_summary(
    published: &[(String, String)],
    ours: &crate::tally::Summary,
) -> Vec<(String, String, String)> {
    crate::tally::summary::FIELD_NAMES
        .iter()
        .zip(ours.values())
        .map(|(name, value)| {
            let p = published
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default();
            (name.to_string(), p, value)
        })
        .collect()
}

/// Collects the normalizations of one file as the importer makes them.
#[derive(Debug, Default)]
pub struct Log {
    entries: Vec<Normalization>,
    by_kind: HashMap<Kind, usize>,
    spellings: Vec<Spelling>,
}

impl Log {
    /// Records one normalization. `published` and `taken` are only turned
    /// into strings for the first of its kind.
    pub fn note(
        &mut self,
        kind: Kind,
        file: &str,
        row: Option<u64>,
        field: Option<&str>,
        published: &str,
        taken: &str,
    ) {
        let i = match self.by_kind.get(&kind) {
            Some(&i) => i,
            None => {
                self.by_kind.insert(kind, self.entries.len());
                self.entries.push(Normalization {
                    kind: kind.code(),
                    meaning: kind.meaning(),
                    count: 0,
                    fields: BTreeMap::new(),
                    first: Example {
                        file: file.to_string(),
                        row,
                        field: field.map(str::to_string),
                        published: published.to_string(),
                        taken: taken.to_string(),
                    },
                });
                self.entries.len() - 1
            }
        };
        let n = &mut self.entries[i];
        n.count += 1;
        if let Some(f) = field {
            match n.fields.get_mut(f) {
                Some(c) => *c += 1,
                None => {
                    n.fields.insert(f.to_string(), 1);
                }
            }
        }
    }

    /// Records that `spelling` in `label` names the party column `party`.
    pub fn spelling(&mut self, spelling: &str, party: &str, label: &str) {
        match self
            .spellings
            .iter_mut()
            .find(|s| s.spelling == spelling && s.party == party)
        {
            Some(s) => {
                if !s.labels.iter().any(|l| l == label) {
                    s.labels.push(label.to_string());
                }
            }
            None => self.spellings.push(Spelling {
                spelling: spelling.to_string(),
                party: party.to_string(),
                labels: vec![label.to_string()],
            }),
        }
    }

    /// How many normalizations of a kind were made.
    pub fn count(&self, kind: Kind) -> u64 {
        self.by_kind
            .get(&kind)
            .map(|&i| self.entries[i].count)
            .unwrap_or(0)
    }

    /// The normalizations in a fixed order (by kind), and the spellings.
    pub fn finish(self) -> (Vec<Normalization>, Vec<Spelling>) {
        let mut kinds: Vec<(Kind, usize)> = self.by_kind.into_iter().collect();
        kinds.sort();
        let mut entries: Vec<Option<Normalization>> = self.entries.into_iter().map(Some).collect();
        let ordered = kinds
            .into_iter()
            .filter_map(|(_, i)| entries[i].take())
            .collect();
        (ordered, self.spellings)
    }
}

impl std::fmt::Display for ElectionReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let r = &self.rows;
        writeln!(f, "{} → election {}", self.file, self.election)?;
        writeln!(
            f,
            "  {} rows: {} captured ({} sin acta, {} in no category), {} fuera de catálogo, {} not yet captured",
            r.total, r.capturadas, r.sin_acta, r.sin_clasificar, r.fuera_catalogo, r.pendientes
        )?;
        for note in &self.notes {
            writeln!(f, "  note: {note}")?;
        }
        if !self.normalizations.is_empty() {
            writeln!(f, "  read differently from the bytes:")?;
        }
        for n in &self.normalizations {
            let e = &n.first;
            let at = match (e.row, &e.field) {
                (Some(r), Some(c)) => format!("{}, row {r}, field {c}", e.file),
                (Some(r), None) => format!("{}, row {r}", e.file),
                (None, Some(c)) => format!("{}, field {c}", e.file),
                (None, None) => e.file.clone(),
            };
            writeln!(f, "    {} × {}: {}", n.count, n.kind, n.meaning)?;
            writeln!(f, "        first: {at}: `{}` → `{}`", e.published, e.taken)?;
        }
        for s in &self.spellings {
            writeln!(
                f,
                "  party spelling: {} is {} (in {})",
                s.spelling,
                s.party,
                s.labels.join(", ")
            )?;
        }
        write_kept(f, &self.observaciones_publicadas)?;
        if !self.summary.is_empty() {
            writeln!(f, "  {:<36} {:>12} {:>12}", "summary", "published", "corte")?;
            for s in &self.summary {
                let mark = if s.published == s.corte { "" } else { "  ≠" };
                writeln!(
                    f,
                    "  {:<36} {:>12} {:>12}{mark}",
                    s.field, s.published, s.corte
                )?;
            }
        }
        Ok(())
    }
}

fn write_kept(f: &mut std::fmt::Formatter<'_>, kept: &[KeptRow]) -> std::fmt::Result {
    if kept.is_empty() {
        return Ok(());
    }
    writeln!(
        f,
        "  {} rows keep the file's published classification, which the rules do not derive from the published fields:",
        kept.len()
    )?;
    for k in kept.iter().take(10) {
        writeln!(
            f,
            "    row {}: published {}; rules on the published fields: {}",
            k.row, k.published, k.rules
        )?;
    }
    if kept.len() > 10 {
        writeln!(f, "    … and {} more", kept.len() - 10)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_log_counts_each_kind_per_field_and_keeps_the_first_example() {
        let mut log = Log::default();
        log.note(
            Kind::Guard,
            "PUE_GOB_2018.csv",
            Some(7),
            Some("CLAVE_CASILLA"),
            "'210001B0100",
            "210001B0100",
        );
        log.note(
            Kind::Guard,
            "PUE_GOB_2018.csv",
            Some(8),
            Some("CLAVE_CASILLA"),
            "'210001C0100",
            "210001C0100",
        );
        log.note(
            Kind::Guard,
            "PUE_GOB_2018.csv",
            Some(8),
            Some("SECCION"),
            "'0001",
            "0001",
        );
        log.note(Kind::Encoding, "QROO.csv", None, None, "Latin-1", "UTF-8");
        assert_eq!(log.count(Kind::Guard), 3);
        let (entries, _) = log.finish();
        assert_eq!(entries[0].kind, "encoding", "ordered by kind");
        let guard = &entries[1];
        assert_eq!(guard.count, 3);
        assert_eq!(guard.fields["CLAVE_CASILLA"], 2);
        assert_eq!(guard.first.row, Some(7));
        assert_eq!(guard.first.published, "'210001B0100");
    }
}

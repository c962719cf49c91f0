//! Reading the IECM 2024 cómputos exports (the real votes of every casilla of
//! Ciudad de México) and the candidates files, as kept in
//! `shared/data/real/iecm-2024-computos/`.
//!
//! The cómputos layout: line 1 the election, line 2 the time, line 3 a
//! separator, lines 4–5 a summary, line 6 a separator, line 7 the column
//! header, then one row per acta. Only this reader knows that layout; the rest
//! of the generator sees [`ComputosRow`]s. Errors name the file, the row and
//! the field.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::contract::{ContractError, TipoCasilla};

use super::GenError;

/// The folder under `--real-data` that holds the files.
pub(crate) const FOLDER: &str = "iecm-2024-computos";

/// One election's pair of files.
pub(crate) struct Source {
    pub election: &'static str,
    pub name: &'static str,
    pub computos: &'static str,
    pub candidaturas: &'static str,
    /// The column naming the contest unit of each row.
    pub unit_column: &'static str,
    /// The column naming it in words, if any.
    pub unit_name_column: Option<&'static str>,
}

pub(crate) const SOURCES: [Source; 3] = [
    Source {
        election: "GUB",
        name: "JEFATURA DE GOBIERNO",
        computos: "CDMX_GUB_2024_computos.csv",
        candidaturas: "CDMX_GUB_CANDIDATURAS.csv",
        unit_column: "DISTRITO_LOCAL",
        unit_name_column: None,
    },
    Source {
        election: "DIP_LOC",
        name: "DIPUTACIONES LOCALES",
        computos: "CDMX_DIP_LOC_2024_computos.csv",
        candidaturas: "CDMX_DIP_LOC_CANDIDATURAS.csv",
        unit_column: "DISTRITO_LOCAL",
        unit_name_column: None,
    },
    Source {
        election: "ALC",
        name: "ALCALDIAS",
        computos: "CDMX_ALC_2024_computos.csv",
        candidaturas: "CDMX_ALC_CANDIDATURAS.csv",
        unit_column: "ID_ALCALDIA",
        unit_name_column: Some("ALCALDIA"),
    },
];

/// Finds the folder holding the files: `DIR/iecm-2024-computos/`, or `DIR`
/// itself if the files are there.
pub(crate) fn locate(dir: &Path) -> Result<PathBuf, GenError> {
    let first = SOURCES[0].computos;
    for candidate in [dir.join(FOLDER), dir.to_path_buf()] {
        if candidate.join(first).is_file() {
            return Ok(candidate);
        }
    }
    Err(GenError::Config(format!(
        "the real IECM 2024 files are not there: no {} (nor {}). The CDMX scale reads its \
         geography, lista nominal and votes from them; pass --real-data pointing at the \
         shared data folder (the one holding {FOLDER}/), e.g. --real-data ../shared/data/real",
        dir.join(FOLDER).join(first).display(),
        dir.join(first).display(),
    )))
}

/// One row (one acta) of a cómputos file.
pub(crate) struct ComputosRow {
    /// Line in the file (1-based), for messages.
    pub line: u64,
    /// The contest unit, three digits (`018`, `034`).
    pub unit: String,
    pub unit_name: Option<String>,
    /// Four digits; None for `N/A` and for `0000` (votes from abroad).
    pub seccion: Option<String>,
    /// None for `N/A` (voto anticipado).
    pub numero: Option<u32>,
    pub tipo: TipoCasilla,
    pub ext_contigua: u32,
    pub ubicacion: u8,
    pub tipo_acta: String,
    /// Aligned with [`ComputosFile::options`].
    pub votes: Vec<u32>,
    /// TOTAL_VOTOS_ASENTADO, TOTAL_BOLETAS_SOBRANTES, PERSONAS_VOTARON,
    /// TOTAL_REP_PARTIDO_CI_VOTARON, TOTAL_VOTOS_SACADOS.
    pub counts: [u32; 5],
    pub lista_nominal: u32,
    pub representantes: u32,
    /// FECHA_HORA_CAPTURA, local time.
    pub captura: chrono::NaiveDateTime,
}

pub(crate) struct ComputosFile {
    /// The vote columns, in ballot order (parties … NO_REGISTRADAS, NULOS).
    pub options: Vec<String>,
    pub rows: Vec<ComputosRow>,
}

/// Lines before the column header in the cómputos layout.
const PREAMBLE_LINES: usize = 6;

fn read(path: &Path) -> Result<String, GenError> {
    let bytes = std::fs::read(path).map_err(|source| GenError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(crate::anexo13::reader::decode(&bytes).into_owned())
}

/// Builds errors that point at a file, a row and a field.
struct At<'a> {
    file: &'a str,
    line: u64,
}

impl At<'_> {
    fn err(&self, field: &str, message: impl Into<String>) -> GenError {
        GenError::RealData(
            ContractError::new(self.file, message)
                .at_row(self.line)
                .at_field(field),
        )
    }

    fn num(&self, field: &str, s: &str) -> Result<u32, GenError> {
        s.trim()
            .parse::<u32>()
            .map_err(|_| self.err(field, format!("`{s}` is not a whole number")))
    }
}

pub(crate) fn read_computos(dir: &Path, source: &Source) -> Result<ComputosFile, GenError> {
    let path = dir.join(source.computos);
    let file = path.display().to_string();
    let text = read(&path)?;
    let offset = preamble_end(&text, &file)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(&text.as_bytes()[offset..]);
    let header_at = At {
        file: &file,
        line: PREAMBLE_LINES as u64 + 1,
    };
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| header_at.err("", format!("cannot read the column header: {e}")))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let columns = Columns::find(&header, source, &header_at)?;
    let options: Vec<String> = header[columns.votes.clone()].to_vec();

    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map(|p| p.line()).unwrap_or(0) + PREAMBLE_LINES as u64;
            At { file: &file, line }.err("", format!("cannot read the CSV: {e}"))
        })?;
        let line = record.position().map(|p| p.line()).unwrap_or(0) + PREAMBLE_LINES as u64;
        let at = At { file: &file, line };
        if record.len() != header.len() {
            return Err(at.err(
                "",
                format!(
                    "has {} fields; the header has {}",
                    record.len(),
                    header.len()
                ),
            ));
        }
        rows.push(columns.row(&record, &header, &at)?);
    }
    Ok(ComputosFile { options, rows })
}

/// Where the column header starts: past the title and summary lines.
fn preamble_end(text: &str, file: &str) -> Result<usize, GenError> {
    let mut offset = 0;
    for _ in 0..PREAMBLE_LINES {
        match text[offset..].find('\n') {
            Some(i) => offset += i + 1,
            None => {
                return Err(GenError::RealData(ContractError::new(
                    file,
                    "is too short for the cómputos layout (6 lines of title and summary, then the column header on line 7)",
                )));
            }
        }
    }
    Ok(offset)
}

/// Where each field of a cómputos row is, found by name in the header.
struct Columns {
    unit: usize,
    unit_name: Option<usize>,
    seccion: usize,
    id: usize,
    tipo: usize,
    ext: usize,
    ubicacion: usize,
    tipo_acta: usize,
    /// As in [`ComputosRow::counts`].
    counts: [usize; 5],
    lista_nominal: usize,
    representantes: usize,
    captura: usize,
    /// The vote columns: those between TOTAL_VOTOS_SACADOS and
    /// TOTAL_VOTOS_ASENTADO.
    votes: std::ops::Range<usize>,
}

impl Columns {
    fn find(header: &[String], source: &Source, header_at: &At) -> Result<Columns, GenError> {
        let col = |names: &[&str]| -> Result<usize, GenError> {
            names
                .iter()
                .find_map(|n| header.iter().position(|h| h == n))
                .ok_or_else(|| {
                    header_at.err(
                        names[0],
                        format!("has no column `{}` in its header", names.join("` or `")),
                    )
                })
        };
        let columns = Columns {
            unit: col(&[source.unit_column])?,
            unit_name: source.unit_name_column.map(|n| col(&[n])).transpose()?,
            seccion: col(&["SECCION"])?,
            id: col(&["ID_CASILLA"])?,
            tipo: col(&["TIPO_CASILLA"])?,
            ext: col(&["EXT_CONTIGUA"])?,
            ubicacion: col(&["UBICACION_CASILLA"])?,
            tipo_acta: col(&["TIPO_ACTA"])?,
            counts: [
                col(&["TOTAL_VOTOS_ASENTADO", "TOTAL_VOTOS_ASENTADOS"])?,
                col(&["TOTAL_BOLETAS_SOBRANTES"])?,
                col(&["PERSONAS_VOTARON", "TOTAL_PERSONAS_VOTARON"])?,
                col(&["TOTAL_REP_PARTIDO_CI_VOTARON"])?,
                col(&["TOTAL_VOTOS_SACADOS"])?,
            ],
            lista_nominal: col(&["LISTA_NOMINAL"])?,
            representantes: col(&["REPRESENTANTES_PP_CI"])?,
            captura: col(&["FECHA_HORA_CAPTURA"])?,
            votes: 0..0,
        };
        let votes = columns.counts[4] + 1..columns.counts[0];
        if votes.is_empty() {
            return Err(header_at.err(
                "TOTAL_VOTOS_SACADOS",
                "the vote columns must lie between TOTAL_VOTOS_SACADOS and TOTAL_VOTOS_ASENTADO",
            ));
        }
        Ok(Columns { votes, ..columns })
    }

    /// One acta of the file, every field checked.
    fn row(
        &self,
        record: &csv::StringRecord,
        header: &[String],
        at: &At,
    ) -> Result<ComputosRow, GenError> {
        let field = |c: usize| record.get(c).unwrap_or_default().trim();
        let name = |c: usize| header[c].as_str();
        let num = |c: usize| at.num(name(c), field(c));
        // Checked in the reader's long-standing order, so a row with several
        // bad fields names the same one first.
        let unit = format!("{:03}", num(self.unit)?);
        let seccion = seccion(at, name(self.seccion), field(self.seccion))?;
        let numero = numero(at, name(self.id), field(self.id))?;
        let tipo = tipo_casilla(at, name(self.tipo), field(self.tipo))?;
        let ubicacion = ubicacion(at, name(self.ubicacion), field(self.ubicacion))?;
        let tipo_acta = field(self.tipo_acta).to_string();
        if crate::contract::ids::plain_key_problem(&tipo_acta).is_some() {
            return Err(at.err(
                name(self.tipo_acta),
                format!("`{tipo_acta}` is not an acta type"),
            ));
        }
        let votes = self.votes.clone().map(num).collect::<Result<_, _>>()?;
        let mut counts = [0u32; 5];
        for (slot, &c) in counts.iter_mut().zip(&self.counts) {
            *slot = num(c)?;
        }
        Ok(ComputosRow {
            line: at.line,
            unit,
            unit_name: self.unit_name.map(|c| field(c).to_string()),
            seccion,
            numero,
            tipo,
            ext_contigua: num(self.ext)?,
            ubicacion,
            tipo_acta,
            votes,
            counts,
            lista_nominal: num(self.lista_nominal)?,
            representantes: num(self.representantes)?,
            captura: captura(at, name(self.captura), field(self.captura))?,
        })
    }
}

/// SECCION: four digits; `N/A` and `0000` (votes from abroad) are none.
fn seccion(at: &At, name: &str, s: &str) -> Result<Option<String>, GenError> {
    Ok(match s {
        "N/A" => None,
        s => match at.num(name, s)? {
            0 => None,
            n => Some(format!("{n:04}")),
        },
    })
}

/// ID_CASILLA: the casilla's number, the digits it starts with; `N/A`
/// (voto anticipado) is none.
fn numero(at: &At, name: &str, s: &str) -> Result<Option<u32>, GenError> {
    Ok(match s {
        "N/A" => None,
        s => {
            let digits: String = s.chars().take_while(char::is_ascii_digit).collect();
            Some(
                at.num(name, &digits)
                    .map_err(|_| at.err(name, format!("`{s}` does not start with a number")))?,
            )
        }
    })
}

fn tipo_casilla(at: &At, name: &str, s: &str) -> Result<TipoCasilla, GenError> {
    single_char(s)
        .and_then(TipoCasilla::from_letter)
        .ok_or_else(|| {
            at.err(
                name,
                format!("`{s}` is not a casilla type (B, C, E, S, M, A, P)"),
            )
        })
}

/// UBICACION_CASILLA: 1 urbana, 2 no urbana (3, fuera de catálogo, passes).
fn ubicacion(at: &At, name: &str, s: &str) -> Result<u8, GenError> {
    let ubicacion = at.num(name, s)?;
    u8::try_from(ubicacion)
        .ok()
        .filter(|u| (1..=3).contains(u))
        .ok_or_else(|| {
            at.err(
                name,
                format!("`{ubicacion}` is not 1 (urbana) or 2 (no urbana)"),
            )
        })
}

/// FECHA_HORA_CAPTURA, local time.
fn captura(at: &At, name: &str, s: &str) -> Result<chrono::NaiveDateTime, GenError> {
    crate::anexo13::reader::parse_local_time(s)
        .map(|(t, _)| t)
        .ok_or_else(|| {
            at.err(
                name,
                format!("`{s}` is not a time like `03/06/2024 05:19:34 (UTC-6)`"),
            )
        })
}

fn single_char(s: &str) -> Option<char> {
    let mut chars = s.chars();
    let c = chars.next()?;
    chars.next().is_none().then_some(c)
}

/// One row of a candidates file.
pub(crate) struct CandidateRow {
    /// Three digits; None in the Jefatura file (one contest).
    pub unit: Option<String>,
    pub unit_name: Option<String>,
    /// Party ids, sorted; `CSP` for a candidacy without party.
    pub parties: Vec<String>,
    pub name: String,
    pub suplente: String,
}

pub(crate) fn read_candidates(dir: &Path, source: &Source) -> Result<Vec<CandidateRow>, GenError> {
    let path = dir.join(source.candidaturas);
    let file = path.display().to_string();
    let text = read(&path)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(text.as_bytes());
    let header_at = At {
        file: &file,
        line: 1,
    };
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| header_at.err("", format!("cannot read the header: {e}")))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let find = |names: &[&str]| {
        names
            .iter()
            .find_map(|n| header.iter().position(|h| h == n))
    };
    let c_unit = find(&["ID_DISTRITO_LOCAL", "ID_ALCALDIA"]);
    let c_unit_name = find(&["ALCALDIA"]);
    let c_parties = find(&["PARTIDO_CSP"])
        .ok_or_else(|| header_at.err("PARTIDO_CSP", "has no column `PARTIDO_CSP`"))?;
    let c_name = find(&["CANDIDATURA", "CANDIDATURA_PROPIETARIA"]).ok_or_else(|| {
        header_at.err(
            "CANDIDATURA",
            "has no column `CANDIDATURA` or `CANDIDATURA_PROPIETARIA`",
        )
    })?;
    let c_suplente = find(&["CANDIDATURA_SUPLENTE"]);
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map(|p| p.line()).unwrap_or(0);
            At { file: &file, line }.err("", format!("cannot read the CSV: {e}"))
        })?;
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        let at = At { file: &file, line };
        let field = |c: usize| record.get(c).unwrap_or_default();
        let unit = c_unit
            .map(|c| at.num(&header[c], field(c)).map(|n| format!("{n:03}")))
            .transpose()?;
        let mut parties = BTreeSet::new();
        for part in field(c_parties).split(',') {
            let id = party_id(part).ok_or_else(|| {
                at.err(
                    "PARTIDO_CSP",
                    format!("`{}` is not a party this generator knows", part.trim()),
                )
            })?;
            parties.insert(id.to_string());
        }
        rows.push(CandidateRow {
            unit,
            unit_name: c_unit_name.map(|c| clean_name(field(c))),
            parties: parties.into_iter().collect(),
            name: clean_name(field(c_name)),
            suplente: c_suplente.map(|c| clean_name(field(c))).unwrap_or_default(),
        });
    }
    Ok(rows)
}

/// Collapses runs of spaces: the files pad names irregularly.
fn clean_name(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A party's full name as the candidates files spell it → its id. Matched on
/// fragments without accented letters: the files spell accents inconsistently
/// (one writes `REVOLUCIîN`).
fn party_id(name: &str) -> Option<&'static str> {
    let upper = clean_name(name).to_uppercase();
    const KNOWN: [(&[&str], &str); 8] = [
        (&["ACCI", "NACIONAL"], "PAN"),
        (&["REVOLUCIONARIO", "INSTITUCIONAL"], "PRI"),
        (&["REVOLUCI", "DEMOCR"], "PRD"),
        (&["VERDE", "ECOLOGISTA"], "PVEM"),
        (&["DEL TRABAJO"], "PT"),
        (&["MOVIMIENTO CIUDADANO"], "MC"),
        (&["SIN PARTIDO"], "CSP"),
        (&["MORENA"], "MORENA"),
    ];
    KNOWN
        .iter()
        .find(|(words, _)| words.iter().all(|w| upper.contains(w)))
        .map(|(_, id)| *id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn party_names_as_the_files_spell_them() {
        assert_eq!(
            party_id(" PARTIDO DE LA  REVOLUCIÓN DEMOCRÁTICA"),
            Some("PRD")
        );
        assert_eq!(party_id("PARTIDO VERDE ECOLOGISTA DE MÉXICO"), Some("PVEM"));
        assert_eq!(party_id("CANDIDATURA SIN PARTIDO POLITICO"), Some("CSP"));
        assert_eq!(party_id("MORENA"), Some("MORENA"));
        assert_eq!(
            party_id("PARTIDO DE LA REVOLUCIîN DEMOCRÁTICA"),
            Some("PRD")
        );
        assert_eq!(
            party_id("PARTIDO REVOLUCIONARIO INSTITUCIONAL"),
            Some("PRI")
        );
        assert_eq!(party_id("PARTIDO NUEVO"), None);
    }
}

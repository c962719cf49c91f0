//! Reads published PREP database files with every quirk they come in
//! (DOMAIN.md): comma or pipe, a `sep=|` first line, `="…"` guards, quotes,
//! UTF-8 with or without BOM or Latin-1, blank or tab separator lines, header
//! aliases, `-` / `N/A` / `SIN DATO` / `ILEGIBLE` / empty values.
//!
//! The result is the file's content with canonical column names and cleaned
//! values; what the values mean is [`super::import`]'s business.

use std::borrow::Cow;

use chrono::{FixedOffset, NaiveDateTime};

use crate::contract::ContractError;

/// A published database file, cleaned.
#[derive(Debug, Clone)]
pub struct PublishedFile {
    /// The file name, for messages.
    pub file: String,
    /// Line 1: the election's name.
    pub election_name: String,
    /// Line 2 as written.
    pub corte_text: String,
    /// The summary block: canonical name → value as written.
    pub summary: Vec<(String, String)>,
    /// Canonical column names.
    pub columns: Vec<String>,
    /// The vote columns: between `TOTAL_VOTOS_SACADOS` and `TOTAL_VOTOS_ASENTADO`.
    pub options: std::ops::Range<usize>,
    pub rows: Vec<Row>,
}

/// One acta row: cleaned fields (unguarded, trimmed) and its line in the file.
#[derive(Debug, Clone)]
pub struct Row {
    pub line: u64,
    pub fields: Vec<String>,
}

impl PublishedFile {
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }

    pub fn summary_value(&self, name: &str) -> Option<&str> {
        self.summary
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn err(&self, line: u64, field: Option<&str>, message: impl Into<String>) -> ContractError {
        let e = ContractError::new(&self.file, message).at_row(line);
        match field {
            Some(f) => e.at_field(f),
            None => e,
        }
    }
}

/// Text from bytes: UTF-8 (a BOM is dropped), or else Latin-1 / Windows-1252.
pub fn decode(bytes: &[u8]) -> Cow<'_, str> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => {
            encoding_rs::WINDOWS_1252
                .decode_without_bom_handling(bytes)
                .0
        }
    }
}

/// `="230085B0100"` → `230085B0100`; surrounding blanks dropped.
pub fn clean(field: &str) -> &str {
    let f = field.trim();
    let f = f
        .strip_prefix("=\"")
        .and_then(|f| f.strip_suffix('"'))
        .unwrap_or(f);
    f.trim().trim_start_matches('\u{feff}')
}

/// The canonical name of a published column (aliases of other years).
fn canonical_column(name: &str) -> String {
    let upper = name.to_uppercase().replace('Ó', "O").replace(' ', "_");
    let canon = match upper.as_str() {
        "ID_ESTADO" => "ID_ENTIDAD",
        "ESTADO" => "ENTIDAD",
        "PERSONAS_VOTARON" => "TOTAL_PERSONAS_VOTARON",
        "TOTAL_VOTOS_CALCULADOS" => "TOTAL_VOTOS_CALCULADO",
        "TOTAL_VOTOS_ASENTADOS" => "TOTAL_VOTOS_ASENTADO",
        "REPRESENTANTES" => "REPRESENTANTES_PP_CI",
        "CONTABILIZADAS" => "CONTABILIZADA",
        "MECANISMO_TRASLADO" => "MECANISMOS_TRASLADO",
        "SHA" => "CODIGO_INTEGRIDAD",
        other => other,
    };
    canon.to_string()
}

/// The canonical name of a summary field.
fn canonical_summary(name: &str) -> String {
    let upper = name.to_uppercase();
    match upper.as_str() {
        "PORCENTAJE_ACTAS_CON_INCONSISTENCIAS" => "PORCENTAJE_ACTAS_INCONSISTENCIAS".into(),
        "LISTA_NOMINAL_ACTAS_CONTABILZADAS" => "LISTA_NOMINAL_ACTAS_CONTABILIZADAS".into(),
        _ => upper,
    }
}

/// Geography columns: the unit id columns become `UNIT_DISTRITO` /
/// `UNIT_DEMARCACION`, their name columns `NOMBRE_DISTRITO` / `NOMBRE_DEMARCACION`.
fn canonical_geography(columns: &mut [String]) {
    let groups: [(&[&str], &[&str], &str, &str); 2] = [
        (
            &["ID_DISTRITO_LOCAL", "ID_DISTRITO"],
            &["DISTRITO_LOCAL", "DISTRITO"],
            "UNIT_DISTRITO",
            "NOMBRE_DISTRITO",
        ),
        (
            &[
                "ID_MUNICIPIO",
                "ID_ALCALDIA",
                "ID_DEMARCACION",
                "ID_DEMARCACION_TERRITORIAL",
            ],
            &[
                "MUNICIPIO",
                "ALCALDIA",
                "DEMARCACION",
                "DEMARCACION_TERRITORIAL",
            ],
            "UNIT_DEMARCACION",
            "NOMBRE_DEMARCACION",
        ),
    ];
    for (ids, names, unit, name) in groups {
        let has_id = columns.iter().any(|c| ids.contains(&c.as_str()));
        for c in columns.iter_mut() {
            if ids.contains(&c.as_str()) {
                *c = unit.to_string();
            } else if names.contains(&c.as_str()) {
                *c = if has_id {
                    name.to_string()
                } else {
                    unit.to_string()
                };
            }
        }
    }
}

fn delimiter(text: &str) -> (u8, &str) {
    if let Some(rest) = text.strip_prefix("sep=") {
        let d = rest.bytes().next().unwrap_or(b',');
        let after = rest.find('\n').map(|i| &rest[i + 1..]).unwrap_or("");
        return (d, after);
    }
    let probe = text
        .lines()
        .find(|l| l.contains("ACTAS_ESPERADAS") || l.contains("CLAVE_CASILLA"))
        .unwrap_or("");
    let d = if probe.matches('|').count() > probe.matches(',').count() {
        b'|'
    } else {
        b','
    };
    (d, text)
}

/// Parses a published database file.
pub fn read(file: &str, bytes: &[u8]) -> Result<PublishedFile, ContractError> {
    let text = decode(bytes);
    let (delim, body) = delimiter(&text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delim)
        .from_reader(body.as_bytes());
    let mut records: Vec<(u64, Vec<String>)> = Vec::new();
    let skipped = if body.len() == text.len() { 0 } else { 1 };
    for rec in reader.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map(|p| p.line() + skipped).unwrap_or(0);
            ContractError::new(file, format!("cannot read the CSV: {e}")).at_row(line)
        })?;
        let line = rec.position().map(|p| p.line() + skipped).unwrap_or(0);
        let fields: Vec<String> = rec.iter().map(|f| clean(f).to_string()).collect();
        if fields.iter().all(|f| f.is_empty()) {
            continue;
        }
        records.push((line, fields));
    }
    let mut it = records.into_iter().peekable();
    let first = |what: &str| ContractError::new(file, format!("ends before its {what}"));
    let (_, title) = it.next().ok_or_else(|| first("title line"))?;
    let election_name = title.first().cloned().unwrap_or_default();
    if election_name.contains("CLAVE_CASILLA") || election_name.contains("ACTAS_ESPERADAS") {
        return Err(
            ContractError::new(file, "has no title and corte lines before its tables").at_row(1),
        );
    }
    let (_, corte) = it.next().ok_or_else(|| first("corte time line"))?;
    let corte_text = corte.join(" ").trim().to_string();

    let mut summary = Vec::new();
    let mut header: Option<(u64, Vec<String>)> = None;
    while let Some((line, rec)) = it.next() {
        let head = rec.first().map(String::as_str).unwrap_or("");
        if head == "ACTAS_ESPERADAS" {
            let (vline, values) = it.next().ok_or_else(|| first("summary values"))?;
            if values.len() < rec.len() {
                return Err(ContractError::new(
                    file,
                    format!(
                        "the summary has {} names but {} values",
                        rec.len(),
                        values.len()
                    ),
                )
                .at_row(vline));
            }
            summary = rec
                .iter()
                .zip(values)
                .map(|(n, v)| (canonical_summary(n), v))
                .collect();
        } else if head == "CLAVE_CASILLA" {
            header = Some((line, rec));
            break;
        } else {
            return Err(ContractError::new(
                file,
                format!(
                    "unexpected line before the column header: `{}`",
                    rec.join(",")
                ),
            )
            .at_row(line));
        }
    }
    let (header_line, raw_columns) =
        header.ok_or_else(|| first("column header (CLAVE_CASILLA, …)"))?;
    let mut columns: Vec<String> = raw_columns.iter().map(|c| canonical_column(c)).collect();
    canonical_geography(&mut columns);
    let find = |name: &str| columns.iter().position(|c| c == name);
    let start = find("TOTAL_VOTOS_SACADOS").map(|i| i + 1).ok_or_else(|| {
        ContractError::new(
            file,
            "has no TOTAL_VOTOS_SACADOS column before the vote columns",
        )
        .at_row(header_line)
    })?;
    let end = find("TOTAL_VOTOS_ASENTADO").ok_or_else(|| {
        ContractError::new(
            file,
            "has no TOTAL_VOTOS_ASENTADO column after the vote columns",
        )
        .at_row(header_line)
    })?;
    if end <= start {
        return Err(ContractError::new(
            file,
            "has no vote columns between TOTAL_VOTOS_SACADOS and TOTAL_VOTOS_ASENTADO",
        )
        .at_row(header_line));
    }
    for required in [
        "TIPO_ACTA",
        "TIPO_CASILLA",
        "SECCION",
        "LISTA_NOMINAL",
        "OBSERVACIONES",
        "CONTABILIZADA",
    ] {
        if find(required).is_none() {
            return Err(
                ContractError::new(file, format!("has no {required} column")).at_row(header_line),
            );
        }
    }
    let mut rows = Vec::new();
    for (line, fields) in it {
        if fields.len() != columns.len() {
            return Err(ContractError::new(
                file,
                format!(
                    "has {} fields; the column header has {}",
                    fields.len(),
                    columns.len()
                ),
            )
            .at_row(line));
        }
        rows.push(Row { line, fields });
    }
    Ok(PublishedFile {
        file: file.to_string(),
        election_name,
        corte_text,
        summary,
        columns,
        options: start..end,
        rows,
    })
}

/// Line 2: `07/06/2021 20:00 (UTC-5)`, `2019/06/03 05:47 (UTC-5)`,
/// `12/05/2024 21:20(UTC-6)`. Returns the local time and the offset if given.
pub fn parse_corte_time(text: &str) -> Option<(NaiveDateTime, Option<FixedOffset>)> {
    parse_local_time(text)
}

/// A published timestamp: `07/06/2021 12:48:00`, `2019-06-03 02:45:00`,
/// `2021-06-07 11:15:00.000000`, `12/05/2024 07:17:06 (UTC-6)`.
pub fn parse_local_time(text: &str) -> Option<(NaiveDateTime, Option<FixedOffset>)> {
    let (time, offset) = match text.find("(UTC") {
        Some(i) => (text[..i].trim(), parse_utc_label(&text[i..])),
        None => (text.trim(), None),
    };
    let time = time.split('.').next().unwrap_or(time);
    const FORMATS: [&str; 8] = [
        "%d/%m/%Y %H:%M:%S",
        "%d/%m/%Y %H:%M",
        "%Y/%m/%d %H:%M:%S",
        "%Y/%m/%d %H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%d-%m-%Y %H:%M:%S",
        "%d-%m-%Y %H:%M",
    ];
    FORMATS
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(time, f).ok())
        .map(|t| (t, offset))
}

/// `(UTC-6)`, `(UTC+5:30)`, `(UTC)`.
pub fn parse_utc_label(label: &str) -> Option<FixedOffset> {
    let inner = label.trim().strip_prefix("(UTC")?.strip_suffix(')')?.trim();
    if inner.is_empty() {
        return FixedOffset::east_opt(0);
    }
    let (sign, rest) = match inner.as_bytes().first()? {
        b'-' => (-1, &inner[1..]),
        b'+' => (1, &inner[1..]),
        _ => return None,
    };
    let (h, m) = rest.split_once(':').unwrap_or((rest, "0"));
    let secs = h.parse::<i32>().ok()? * 3600 + m.parse::<i32>().ok()? * 60;
    FixedOffset::east_opt(sign * secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guards_and_blanks_are_cleaned() {
        assert_eq!(clean("=\"230085B0100\""), "230085B0100");
        assert_eq!(clean(" ILEGIBLE "), "ILEGIBLE");
        assert_eq!(clean("\t"), "");
    }

    #[test]
    fn corte_times_of_every_year_parse() {
        for text in [
            "07/06/2021 20:00 (UTC-5)",
            "2019/06/03 05:47 (UTC-5)",
            "12/05/2024 21:20(UTC-6)",
        ] {
            let (_, offset) = parse_corte_time(text).unwrap_or_else(|| panic!("{text}"));
            assert!(offset.is_some(), "{text}");
        }
        let (t, o) = parse_local_time("2021-06-07 11:15:00.000000").unwrap();
        assert_eq!(t.to_string(), "2021-06-07 11:15:00");
        assert!(o.is_none());
    }

    #[test]
    fn latin1_is_decoded() {
        assert_eq!(decode(b"MAR\xcdA"), "MARÍA");
        assert_eq!(decode("MARÍA".as_bytes()), "MARÍA");
        assert_eq!(decode(b"\xEF\xBB\xBFID"), "ID");
    }
}

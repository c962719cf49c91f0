//! Reads published PREP database files with every quirk of their layout
//! (DOMAIN.md): comma, pipe, semicolon or tab; a `sep=|` first line; a
//! delimiter at the end of every line; spreadsheet guards (`="…"`, `'…'`);
//! UTF-8 with or without BOM, UTF-16, Latin-1 / Windows-1252; blank or tab
//! separator lines; header and summary names in other spellings; summary
//! values with thousands separators or `%`.
//!
//! The result is the file's content with canonical column names and
//! unguarded values; what the values mean is [`super::import`]'s business.
//! Every liberty taken is recorded in the import's [`Log`].

use std::borrow::Cow;

use chrono::{FixedOffset, NaiveDateTime};

use super::import::normalize::{fold, unguard};
use super::import::report::{Kind, Log};
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
    /// The summary block: canonical name → value as a plain number.
    pub summary: Vec<(String, String)>,
    /// Canonical column names.
    pub columns: Vec<String>,
    /// The vote columns: between `TOTAL_VOTOS_SACADOS` and `TOTAL_VOTOS_ASENTADO`.
    pub options: std::ops::Range<usize>,
    pub rows: Vec<Row>,
}

/// One acta row: unguarded, trimmed fields and its line in the file.
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
    decode_named(bytes).0
}

/// Text from bytes, and the encoding it was decoded from when that was not
/// plain UTF-8: UTF-8 with a BOM, UTF-16 (with its BOM), else Windows-1252
/// (a superset of Latin-1's printable characters).
pub fn decode_named(bytes: &[u8]) -> (Cow<'_, str>, Option<&'static str>) {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        let text = String::from_utf8_lossy(rest);
        return (text, Some("UTF-8 with BOM"));
    }
    for (bom, enc, name) in [
        (&b"\xFF\xFE"[..], encoding_rs::UTF_16LE, "UTF-16LE"),
        (&b"\xFE\xFF"[..], encoding_rs::UTF_16BE, "UTF-16BE"),
    ] {
        if let Some(rest) = bytes.strip_prefix(bom) {
            let text = enc.decode_without_bom_handling(rest).0.into_owned();
            return (Cow::Owned(text), Some(name));
        }
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => (Cow::Borrowed(s), None),
        Err(_) => (
            encoding_rs::WINDOWS_1252
                .decode_without_bom_handling(bytes)
                .0,
            Some("Windows-1252 / Latin-1"),
        ),
    }
}

/// `="230085B0100"` → `230085B0100`; surrounding blanks dropped.
pub fn clean(field: &str) -> &str {
    unguard(field).0
}

/// A name as canonical: folded (uppercase, no accents), blanks as `_`.
fn canonical_name(name: &str) -> String {
    fold(name).replace(' ', "_")
}

/// The canonical name of a published column (aliases of other years).
fn canonical_column(name: &str) -> String {
    let upper = canonical_name(name);
    let canon = match upper.as_str() {
        "ID_ESTADO" => "ID_ENTIDAD",
        "ESTADO" | "NOMBRE_ESTADO" | "NOMBRE_ENTIDAD" => "ENTIDAD",
        "PERSONAS_VOTARON" | "TOTAL_CIUDADANOS_VOTARON" | "CIUDADANOS_VOTARON" => {
            "TOTAL_PERSONAS_VOTARON"
        }
        "NUM_BOLETAS_SOBRANTES" | "BOLETAS_SOBRANTES" => "TOTAL_BOLETAS_SOBRANTES",
        "NUM_BOLETAS_EXTRAIDAS" | "VOTOS_SACADOS" | "BOLETAS_EXTRAIDAS" => "TOTAL_VOTOS_SACADOS",
        "TOTAL_REPRESENTANTES_VOTARON" | "REP_PARTIDO_CI_VOTARON" => "TOTAL_REP_PARTIDO_CI_VOTARON",
        "TOTAL_VOTOS_CALCULADOS" => "TOTAL_VOTOS_CALCULADO",
        "TOTAL_VOTOS_ASENTADOS" => "TOTAL_VOTOS_ASENTADO",
        "REPRESENTANTES" | "REPRESENTANTES_PP" | "REPRESENTANTES_PP_CI_ACREDITADOS" => {
            "REPRESENTANTES_PP_CI"
        }
        "CONTABILIZADAS" => "CONTABILIZADA",
        "OBSERVACION" => "OBSERVACIONES",
        "UBICACION" => "UBICACION_CASILLA",
        "NUM_CASILLA" | "NUMERO_CASILLA" => "ID_CASILLA",
        "EXTENSION_CONTIGUA" => "EXT_CONTIGUA",
        "LISTA_NOMINAL_CASILLA" => "LISTA_NOMINAL",
        "MECANISMO_TRASLADO" => "MECANISMOS_TRASLADO",
        "SHA" | "SHA256" | "SHA_256" | "HASH" => "CODIGO_INTEGRIDAD",
        "FECHA_ACOPIO" => "FECHA_HORA_ACOPIO",
        "FECHA_CAPTURA" => "FECHA_HORA_CAPTURA",
        "FECHA_VERIFICACION" => "FECHA_HORA_VERIFICACION",
        other => other,
    };
    canon.to_string()
}

/// The canonical name of a summary field.
fn canonical_summary(name: &str) -> String {
    let mut upper: String = fold(name)
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    while upper.contains("__") {
        upper = upper.replace("__", "_");
    }
    let upper = upper.trim_matches('_');
    match upper {
        "PORCENTAJE_ACTAS_CON_INCONSISTENCIAS" => "PORCENTAJE_ACTAS_INCONSISTENCIAS".into(),
        "LISTA_NOMINAL_ACTAS_CONTABILZADAS" => "LISTA_NOMINAL_ACTAS_CONTABILIZADAS".into(),
        "TOTAL_VOTOS_CON_CS" => "TOTAL_VOTOS_C_CS".into(),
        "TOTAL_VOTOS_SIN_CS" => "TOTAL_VOTOS_S_CS".into(),
        "PORCENTAJE_PARTICIPACION" => "PORCENTAJE_PARTICIPACION_CIUDADANA".into(),
        other => other.into(),
    }
}

/// A summary value as a plain number: quotes, blanks, `%` and thousands
/// separators dropped; a percentage's decimal comma read as a point.
fn summary_number(name: &str, value: &str) -> String {
    let v: String = value
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '%' && *c != '"')
        .collect();
    let percentage = name.starts_with("PORCENTAJE");
    if percentage && v.contains(',') && !v.contains('.') {
        v.replace(',', ".")
    } else if v.contains(',') {
        v.replace(',', "")
    } else {
        v
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
                "ID_MUNICIPIO_LOCAL",
                "ID_AYUNTAMIENTO",
                "ID_ALCALDIA",
                "ID_DEMARCACION",
                "ID_DEMARCACION_TERRITORIAL",
            ],
            &[
                "MUNICIPIO",
                "MUNICIPIO_LOCAL",
                "AYUNTAMIENTO",
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

/// The delimiter, the text after a `sep=` line, and whether there was one.
fn delimiter(text: &str) -> (u8, &str, bool) {
    let first = text.lines().next().unwrap_or("");
    let bare = first.trim().trim_matches('"');
    if bare.len() >= 5 && bare[..4].eq_ignore_ascii_case("sep=") {
        let d = bare.as_bytes()[4];
        let after = text.find('\n').map(|i| &text[i + 1..]).unwrap_or("");
        return (d, after, true);
    }
    let probe = text
        .lines()
        .find(|l| {
            let u = l.to_uppercase();
            u.contains("ACTAS_ESPERADAS") || u.contains("CLAVE_CASILLA")
        })
        .unwrap_or(first);
    let d = [b',', b'|', b';', b'\t']
        .into_iter()
        .max_by_key(|d| (probe.bytes().filter(|b| b == d).count(), *d == b','))
        .unwrap_or(b',');
    (d, text, false)
}

/// The raw records of a file: (line, fields as the CSV gave them), without
/// blank lines and the separator lines made of blanks.
fn records(
    file: &str,
    body: &str,
    delim: u8,
    skipped: u64,
) -> Result<Vec<(u64, Vec<String>)>, ContractError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delim)
        .from_reader(body.as_bytes());
    let mut out = Vec::new();
    for rec in reader.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map(|p| p.line() + skipped).unwrap_or(0);
            ContractError::new(file, format!("cannot read the CSV: {e}")).at_row(line)
        })?;
        if rec.iter().all(|f| clean(f).is_empty()) {
            continue;
        }
        let line = rec.position().map_or(0, |p| {
            // A record after blank lines starts where they do: count them.
            let blank = body
                .as_bytes()
                .get(p.byte() as usize..)
                .unwrap_or_default()
                .iter()
                .take_while(|b| matches!(b, b'\r' | b'\n'))
                .filter(|b| **b == b'\n')
                .count() as u64;
            p.line() + blank + skipped
        });
        out.push((line, rec.iter().map(str::to_string).collect()));
    }
    Ok(out)
}

/// The records of a plain CSV table (a candidates file), decoded and split
/// as a database file is; blank lines dropped, fields as the CSV gave them.
pub fn table(
    file: &str,
    bytes: &[u8],
    log: &mut Log,
) -> Result<Vec<(u64, Vec<String>)>, ContractError> {
    let (text, encoding) = decode_named(bytes);
    if let Some(enc) = encoding {
        log.note(Kind::Encoding, file, None, None, enc, "UTF-8");
    }
    let (delim, body, sep_line) = delimiter(&text);
    if sep_line {
        let first = text.lines().next().unwrap_or("");
        log.note(Kind::SeparatorLine, file, Some(1), None, first, "");
    }
    records(file, body, delim, sep_line as u64)
}

/// Parses a published database file.
pub fn read(file: &str, bytes: &[u8]) -> Result<PublishedFile, ContractError> {
    read_logged(file, bytes, &mut Log::default())
}

/// Parses a published database file, recording what it reads differently
/// from the bytes.
pub fn read_logged(
    file: &str,
    bytes: &[u8],
    log: &mut Log,
) -> Result<PublishedFile, ContractError> {
    let mut it = table(file, bytes, log)?.into_iter();
    let first = |what: &str| ContractError::new(file, format!("ends before its {what}"));
    let line_text = |rec: &[String]| -> String {
        let parts: Vec<&str> = rec
            .iter()
            .map(|f| clean(f))
            .filter(|f| !f.is_empty())
            .collect();
        parts.join(" ")
    };
    let (_, title) = it.next().ok_or_else(|| first("title line"))?;
    let starts_table = |name: &str| {
        let n = canonical_name(clean(name));
        n == "CLAVE_CASILLA" || n == "ACTAS_ESPERADAS"
    };
    if title.first().is_some_and(|t| starts_table(t)) {
        return Err(
            ContractError::new(file, "has no title and corte lines before its tables").at_row(1),
        );
    }
    let (_, corte) = it.next().ok_or_else(|| first("corte time line"))?;
    let (summary, (header_line, raw_columns)) = summary_and_header(file, &mut it, log)?;
    let columns = read_columns(file, header_line, &raw_columns, log)?;
    let options = vote_columns(file, header_line, &columns)?;
    let rows = it
        .map(|(line, raw)| read_row(file, line, raw, &columns, log))
        .collect::<Result<_, _>>()?;
    Ok(PublishedFile {
        file: file.to_string(),
        election_name: line_text(&title),
        corte_text: line_text(&corte),
        summary,
        columns,
        options,
        rows,
    })
}

/// The summary block (if any) and the column header that follows it.
#[allow(clippy::type_complexity)]
fn summary_and_header(
    file: &str,
    it: &mut impl Iterator<Item = (u64, Vec<String>)>,
    log: &mut Log,
) -> Result<(Vec<(String, String)>, (u64, Vec<String>)), ContractError> {
    let first = |what: &str| ContractError::new(file, format!("ends before its {what}"));
    let mut summary = Vec::new();
    while let Some((line, rec)) = it.next() {
        let names: Vec<String> = rec.iter().map(|f| canonical_name(clean(f))).collect();
        let has = |n: &str| names.iter().any(|c| c == n);
        if names.first().is_some_and(|h| h == "ACTAS_ESPERADAS") {
            let (vline, values) = it.next().ok_or_else(|| first("summary values"))?;
            summary = read_summary(file, (line, &rec), (vline, &values), log)?;
        } else if has("CLAVE_CASILLA") {
            return Ok((summary, (line, rec)));
        } else if has("SECCION") && has("TIPO_ACTA") {
            return Err(ContractError::new(
                file,
                "the column header has no CLAVE_CASILLA: this is not a PREP database file \
                 (Anexo 13), perhaps another system's export such as the cómputos",
            )
            .at_row(line));
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
    Err(first("column header (CLAVE_CASILLA, …)"))
}

/// The summary block: names and values, canonical.
fn read_summary(
    file: &str,
    (line, names): (u64, &[String]),
    (vline, values): (u64, &[String]),
    log: &mut Log,
) -> Result<Vec<(String, String)>, ContractError> {
    let names: Vec<&str> = names.iter().map(|n| clean(n)).collect();
    let names = &names[..names
        .iter()
        .rposition(|n| !n.is_empty())
        .map_or(0, |i| i + 1)];
    if values.len() < names.len() {
        return Err(ContractError::new(
            file,
            format!(
                "the summary has {} names but {} values",
                names.len(),
                values.len()
            ),
        )
        .at_row(vline));
    }
    let mut out = Vec::with_capacity(names.len());
    for (name, raw) in names.iter().zip(values) {
        let canon = canonical_summary(name);
        if canon != *name {
            log.note(
                Kind::SummaryName,
                file,
                Some(line),
                Some(&canon),
                name,
                &canon,
            );
        }
        let (value, guarded) = unguard(raw);
        if guarded {
            log.note(Kind::Guard, file, Some(vline), Some(&canon), raw, value);
        }
        let number = summary_number(&canon, value);
        if number != value {
            log.note(
                Kind::SummaryValue,
                file,
                Some(vline),
                Some(&canon),
                value,
                &number,
            );
        }
        out.push((canon, number));
    }
    Ok(out)
}

/// The column header, canonical; a trailing empty column (a delimiter at
/// the end of the line) is dropped.
fn read_columns(
    file: &str,
    line: u64,
    raw: &[String],
    log: &mut Log,
) -> Result<Vec<String>, ContractError> {
    let mut raw: Vec<&str> = raw.iter().map(|c| clean(c)).collect();
    if raw.len() > 1 && raw.last().is_some_and(|c| c.is_empty()) {
        raw.pop();
    }
    let mut columns = Vec::with_capacity(raw.len());
    for (i, name) in raw.iter().enumerate() {
        if name.is_empty() {
            return Err(
                ContractError::new(file, format!("column {} has no name", i + 1)).at_row(line),
            );
        }
        let canon = canonical_column(name);
        if canon != *name {
            log.note(
                Kind::ColumnName,
                file,
                Some(line),
                Some(&canon),
                name,
                &canon,
            );
        }
        columns.push(canon);
    }
    canonical_geography(&mut columns);
    for required in [
        "TIPO_ACTA",
        "TIPO_CASILLA",
        "SECCION",
        "LISTA_NOMINAL",
        "OBSERVACIONES",
        "CONTABILIZADA",
    ] {
        if !columns.iter().any(|c| c == required) {
            return Err(ContractError::new(file, format!("has no {required} column")).at_row(line));
        }
    }
    Ok(columns)
}

/// The columns that come before the votes, in the layouts of every year.
const HEAD_COLUMNS: [&str; 18] = [
    "CLAVE_CASILLA",
    "CLAVE_ACTA",
    "ID_ENTIDAD",
    "ENTIDAD",
    "UNIT_DISTRITO",
    "NOMBRE_DISTRITO",
    "UNIT_DEMARCACION",
    "NOMBRE_DEMARCACION",
    "SECCION",
    "ID_CASILLA",
    "TIPO_CASILLA",
    "EXT_CONTIGUA",
    "UBICACION_CASILLA",
    "TIPO_ACTA",
    "TOTAL_BOLETAS_SOBRANTES",
    "TOTAL_PERSONAS_VOTARON",
    "TOTAL_REP_PARTIDO_CI_VOTARON",
    "TOTAL_VOTOS_SACADOS",
];

/// The vote columns: after the last column of the acta's identification
/// and counts (TOTAL_VOTOS_SACADOS in the Anexo 13 layout), before its
/// totals (TOTAL_VOTOS_ASENTADO or TOTAL_VOTOS_CALCULADO). A column there
/// that reads as a count is an error: it is no option.
fn vote_columns(
    file: &str,
    line: u64,
    columns: &[String],
) -> Result<std::ops::Range<usize>, ContractError> {
    let err = |m: String| ContractError::new(file, m).at_row(line);
    let end = columns
        .iter()
        .position(|c| c == "TOTAL_VOTOS_ASENTADO" || c == "TOTAL_VOTOS_CALCULADO")
        .ok_or_else(|| err("has no TOTAL_VOTOS_ASENTADO column after the vote columns".into()))?;
    let start = columns[..end]
        .iter()
        .rposition(|c| HEAD_COLUMNS.contains(&c.as_str()))
        .map(|i| i + 1)
        .ok_or_else(|| err("has no TOTAL_VOTOS_SACADOS column before the vote columns".into()))?;
    if end <= start {
        return Err(err(
            "has no vote columns between TOTAL_VOTOS_SACADOS and TOTAL_VOTOS_ASENTADO".into(),
        ));
    }
    if let Some(c) = columns[start..end]
        .iter()
        .find(|c| c.starts_with("TOTAL") || c.starts_with("NUM_BOLETAS") || c.contains("VOTARON"))
    {
        return Err(err(format!(
            "column `{c}` stands among the vote columns but reads as a count of the acta; \
             name it as one of {} or as a ballot option",
            HEAD_COLUMNS[14..].join(", ")
        ))
        .at_field(c.clone()));
    }
    Ok(start..end)
}

/// One acta row, unguarded field by field.
fn read_row(
    file: &str,
    line: u64,
    mut raw: Vec<String>,
    columns: &[String],
    log: &mut Log,
) -> Result<Row, ContractError> {
    if raw.len() == columns.len() + 1 && raw.last().is_some_and(|f| clean(f).is_empty()) {
        raw.pop();
        log.note(Kind::TrailingDelimiter, file, Some(line), None, "", "");
    }
    if raw.len() != columns.len() {
        return Err(ContractError::new(
            file,
            format!(
                "has {} fields; the column header has {}",
                raw.len(),
                columns.len()
            ),
        )
        .at_row(line));
    }
    let mut fields = Vec::with_capacity(raw.len());
    for (r, column) in raw.iter().zip(columns) {
        let (value, guarded) = unguard(r);
        if guarded {
            log.note(Kind::Guard, file, Some(line), Some(column), r, value);
        }
        fields.push(value.to_string());
    }
    Ok(Row { line, fields })
}

/// Line 2: `07/06/2021 20:00 (UTC-5)`, `2019/06/03 05:47 (UTC-5)`,
/// `12/05/2024 21:20(UTC-6)`, also with words around it (`Corte: … hrs.`).
/// Returns the local time and the offset if given.
pub fn parse_corte_time(text: &str) -> Option<(NaiveDateTime, Option<FixedOffset>)> {
    if let Some(t) = parse_local_time(text) {
        return Some(t);
    }
    let (time, offset) = split_offset(text);
    let kept: Vec<&str> = time
        .split_whitespace()
        .filter(|w| {
            w.bytes().any(|b| b.is_ascii_digit())
                && w.bytes()
                    .all(|b| b.is_ascii_digit() || b"/-:.,".contains(&b))
        })
        .map(|w| w.trim_end_matches(['.', ',']))
        .collect();
    parse_local_time(&kept.join(" ")).map(|(t, _)| (t, offset))
}

/// Whether line 2 holds more than the corte time (words to drop).
pub fn corte_line_has_words(text: &str) -> bool {
    parse_local_time(text).is_none()
}

fn split_offset(text: &str) -> (&str, Option<FixedOffset>) {
    let upper = text.to_ascii_uppercase();
    match upper.find("UTC").or_else(|| upper.find("GMT")) {
        Some(i) => {
            let start = if text[..i].ends_with('(') { i - 1 } else { i };
            (&text[..start], parse_utc_label(&text[i..]))
        }
        None => (text, None),
    }
}

/// A published timestamp: `07/06/2021 12:48:00`, `2019-06-03 02:45:00`,
/// `2021-06-07 11:15:00.000000`, `12/05/2024 07:17:06 (UTC-6)`.
pub fn parse_local_time(text: &str) -> Option<(NaiveDateTime, Option<FixedOffset>)> {
    let (time, offset) = split_offset(text);
    let (time, pm) = twelve_hour(time.trim());
    let time = time.split('.').next().unwrap_or(time);
    const FORMATS: [&str; 10] = [
        "%d/%m/%Y %H:%M:%S",
        "%d/%m/%Y %H:%M",
        "%Y/%m/%d %H:%M:%S",
        "%Y/%m/%d %H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%d-%m-%Y %H:%M:%S",
        "%d-%m-%Y %H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
    ];
    let t = FORMATS
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(time, f).ok())?;
    let t = match pm {
        None => t,
        Some(pm) => {
            use chrono::Timelike;
            let h = t.hour();
            if !(1..=12).contains(&h) {
                return None;
            }
            t.with_hour(h % 12 + if pm { 12 } else { 0 })?
        }
    };
    Some((t, offset))
}

/// A time on the 12-hour clock (`07:22:00 p. m.`, `7:22 PM`): the time
/// without its suffix, and whether it is after noon.
fn twelve_hour(time: &str) -> (&str, Option<bool>) {
    let lower = time.to_ascii_lowercase();
    for (suffix, pm) in [
        ("p. m.", true),
        ("p.m.", true),
        ("pm", true),
        ("a. m.", false),
        ("a.m.", false),
        ("am", false),
    ] {
        if lower.ends_with(suffix) {
            return (time[..time.len() - suffix.len()].trim_end(), Some(pm));
        }
    }
    (time, None)
}

/// `(UTC-6)`, `UTC-05:00`, `(UTC -5)`, `GMT-5`, `(UTC)`.
pub fn parse_utc_label(label: &str) -> Option<FixedOffset> {
    let inner = label.trim();
    let inner = inner.strip_prefix('(').unwrap_or(inner);
    let inner = inner.get(3..)?;
    let inner = inner.trim_end().trim_end_matches(')').trim();
    if inner.is_empty() {
        return FixedOffset::east_opt(0);
    }
    let (sign, rest) = match inner.as_bytes().first()? {
        b'-' => (-1, inner[1..].trim()),
        b'+' => (1, inner[1..].trim()),
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
        assert_eq!(clean("'210001B0100"), "210001B0100");
    }

    #[test]
    fn corte_times_of_every_year_parse() {
        for (text, hours) in [
            ("07/06/2021 20:00 (UTC-5)", -5),
            ("2019/06/03 05:47 (UTC-5)", -5),
            ("12/05/2024 21:20(UTC-6)", -6),
            ("Fecha de corte: 02/07/2018 20:00 hrs. (UTC-5)", -5),
            ("02/07/2018 20:00 UTC-05:00", -5),
        ] {
            let (_, offset) = parse_corte_time(text).unwrap_or_else(|| panic!("{text}"));
            assert_eq!(
                offset.map(|o| o.local_minus_utc()),
                Some(hours * 3600),
                "{text}"
            );
        }
        assert!(corte_line_has_words(
            "Fecha de corte: 02/07/2018 20:00 hrs. (UTC-5)"
        ));
        assert!(!corte_line_has_words("02/07/2018 20:00 (UTC-5)"));
        let (t, o) = parse_local_time("2021-06-07 11:15:00.000000").unwrap();
        assert_eq!(t.to_string(), "2021-06-07 11:15:00");
        assert!(o.is_none());
        // Spreadsheets in Spanish write the 12-hour clock.
        let (t, _) = parse_local_time("05/06/2022 07:22:00 p. m.").unwrap();
        assert_eq!(t.to_string(), "2022-06-05 19:22:00");
        let (t, _) = parse_local_time("05/06/2022 12:05 AM").unwrap();
        assert_eq!(t.to_string(), "2022-06-05 00:05:00");
        assert!(parse_local_time("05/06/2022 19:22 PM").is_none());
    }

    #[test]
    fn encodings_are_decoded_and_named() {
        assert_eq!(decode(b"MAR\xcdA"), "MARÍA");
        assert_eq!(decode("MARÍA".as_bytes()), "MARÍA");
        assert_eq!(
            decode_named(b"\xEF\xBB\xBFID"),
            ("ID".into(), Some("UTF-8 with BOM"))
        );
        assert_eq!(decode_named(b"\xFF\xFEI\0D\0").0, "ID");
        assert_eq!(decode_named(b"MAR\xcdA").1, Some("Windows-1252 / Latin-1"));
    }

    const PUEBLA_LIKE: &str = "GUBERNATURA\n02/07/2018 20:00 (UTC-5)\n\
        \"ACTAS ESPERADAS\",Porcentaje_Actas_Capturadas,\n\"7,548\",98.1319 %,\n\n\
        CLAVE_CASILLA,ID_ESTADO,SECCION,TIPO_CASILLA,TIPO_ACTA,TOTAL_VOTOS_SACADOS,PAN,TOTAL_VOTOS_ASENTADO,LISTA_NOMINAL,OBSERVACIONES,CONTABILIZADA,\n\
        '210001B0100,21,'0001,B,5,1,2,3,586,,1,\n";

    #[test]
    fn the_ine_federal_names_of_the_counts_frame_the_same_vote_columns() {
        let text = "PRESIDENCIA\n02/07/2018 20:00 (UTC-5)\n\
            CLAVE_CASILLA,ID_ESTADO,NOMBRE_ESTADO,ID_DISTRITO,SECCION,TIPO_CASILLA,TIPO_ACTA,\
            NUM_BOLETAS_SOBRANTES,TOTAL_CIUDADANOS_VOTARON,NUM_BOLETAS_EXTRAIDAS,PAN,PRI,CAND_IND_01,\
            NUM_VOTOS_CAN_NREG,NUM_VOTOS_NULOS,TOTAL_VOTOS_ASENTADO,TOTAL_VOTOS_CALCULADO,\
            LISTA_NOMINAL,OBSERVACIONES,CONTABILIZADA,COTEJADA\n";
        let f = read("P.csv", text.as_bytes()).unwrap();
        let votes: Vec<&str> = f.columns[f.options.clone()]
            .iter()
            .map(String::as_str)
            .collect();
        assert_eq!(
            votes,
            [
                "PAN",
                "PRI",
                "CAND_IND_01",
                "NUM_VOTOS_CAN_NREG",
                "NUM_VOTOS_NULOS"
            ]
        );
        let odd = text.replace(
            "NUM_BOLETAS_EXTRAIDAS,PAN",
            "NUM_BOLETAS_EXTRAIDAS,TOTAL_X,PAN",
        );
        let e = read("P.csv", odd.as_bytes()).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("TOTAL_X"), "{e}");
    }

    #[test]
    fn a_file_with_every_layout_quirk_reads_and_says_so() {
        let mut log = Log::default();
        let f = read_logged("PUE.csv", PUEBLA_LIKE.as_bytes(), &mut log).unwrap();
        assert_eq!(f.summary_value("ACTAS_ESPERADAS"), Some("7548"));
        assert_eq!(
            f.summary_value("PORCENTAJE_ACTAS_CAPTURADAS"),
            Some("98.1319")
        );
        assert_eq!(f.columns.len(), 11, "the trailing empty column is dropped");
        assert_eq!(f.columns[1], "ID_ENTIDAD");
        assert_eq!(f.rows[0].fields[0], "210001B0100");
        assert_eq!(f.rows[0].fields[2], "0001");
        for kind in [
            Kind::SummaryName,
            Kind::SummaryValue,
            Kind::TrailingDelimiter,
            Kind::ColumnName,
        ] {
            assert!(log.count(kind) > 0, "{kind:?}");
        }
        assert_eq!(log.count(Kind::Guard), 2);
        let pipes = PUEBLA_LIKE.replace(',', "|");
        let piped = format!("sep=|\n{pipes}");
        let mut log = Log::default();
        let g = read_logged("X.csv", piped.as_bytes(), &mut log).unwrap();
        assert_eq!(g.rows[0].fields, f.rows[0].fields);
        assert_eq!(log.count(Kind::SeparatorLine), 1);
        let semi = PUEBLA_LIKE.replace("\"7,548\"", "7548").replace(',', ";");
        let h = read("Y.csv", semi.as_bytes()).unwrap();
        assert_eq!(h.rows[0].fields, f.rows[0].fields);
    }
}

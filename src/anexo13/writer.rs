//! Writes the official database files of a corte: per election the Anexo 13
//! CSV in the IECM 2024 layout, the candidates file and the LEEME, each
//! election zipped as the institute names it, and one zip with everything.
//! Pure and deterministic: the same snapshot gives the same bytes.

use std::io::Write;

use chrono::{DateTime, FixedOffset};

use super::{leeme, unit_column};
use crate::contract::corte::{corte_label, fecha_hora_label};
use crate::contract::{Acta, Campo, ContestLevel, EstadoActa, Snapshot, TipoCasilla};
use crate::tally::summary::FIELD_NAMES;
use crate::tally::{ActaResult, ElectionResults, Results};

/// One file of the datasets: its name and bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatasetFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// The separator line of the IECM 2024 export (tabs in quotes).
pub const SEPARATOR_LINE: &str = "\"\t\",\"\t\",\"\t\",\"\t\"";

/// `CDMX_GUB_2024.csv`.
pub fn database_name(snapshot: &Snapshot, election: usize) -> String {
    format!(
        "{}_{}_{}.csv",
        snapshot.catalog.entidad.abbr,
        snapshot.catalog.elections[election].id,
        year(snapshot)
    )
}

/// `CDMX_GUB_CANDIDATURAS_2024.csv`.
pub fn candidaturas_name(snapshot: &Snapshot, election: usize) -> String {
    format!(
        "{}_{}_CANDIDATURAS_{}.csv",
        snapshot.catalog.entidad.abbr,
        snapshot.catalog.elections[election].id,
        year(snapshot)
    )
}

/// `20240602_2000_PREP_GUB_CDMX.zip` (per election) or `20240602_2000_PREP_CDMX.zip` (all).
pub fn zip_name(snapshot: &Snapshot, election: Option<usize>) -> String {
    let t = snapshot.corte.time();
    let stamp = t.format("%Y%m%d_%H%M");
    match election {
        Some(e) => format!(
            "{stamp}_PREP_{}_{}.zip",
            snapshot.catalog.elections[e].id, snapshot.catalog.entidad.abbr
        ),
        None => format!("{stamp}_PREP_{}.zip", snapshot.catalog.entidad.abbr),
    }
}

fn year(snapshot: &Snapshot) -> String {
    snapshot.corte.time().format("%Y").to_string()
}

/// Every dataset file of the corte, in a fixed order: per election its
/// database, candidates file, LEEME and their zip; then the zip of all.
/// Built in parallel (each election's files, then every zip at once): the
/// CSVs and their compression were a serial quarter of the render.
pub fn datasets(snapshot: &Snapshot, results: &Results) -> Vec<DatasetFile> {
    use rayon::prelude::*;
    let elections = &snapshot.catalog.elections;
    let per: Vec<[DatasetFile; 3]> = (0..elections.len())
        .into_par_iter()
        .map(|e| {
            let (database, (candidaturas, leeme)) = rayon::join(
                || database(snapshot, &results.elections[e], e),
                || {
                    (
                        candidaturas(snapshot, e),
                        leeme::leeme(snapshot, &results.ruleset, e).into_bytes(),
                    )
                },
            );
            [
                DatasetFile {
                    name: database_name(snapshot, e),
                    bytes: database,
                },
                DatasetFile {
                    name: candidaturas_name(snapshot, e),
                    bytes: candidaturas,
                },
                DatasetFile {
                    name: format!("LEEME_{}.txt", elections[e].id),
                    bytes: leeme,
                },
            ]
        })
        .collect();
    // One zip per election, at once; then the zip of all, from their
    // compressed members as they are (`rezip`): the same bytes as
    // compressing every file a second time, without the time.
    let zips: Vec<DatasetFile> = per
        .par_iter()
        .enumerate()
        .map(|(e, [database, candidaturas, leeme])| {
            let members = [
                (database.name.clone(), &database.bytes),
                (candidaturas.name.clone(), &candidaturas.bytes),
                ("LEEME.txt".to_string(), &leeme.bytes),
            ];
            DatasetFile {
                name: zip_name(snapshot, Some(e)),
                bytes: zip(snapshot, &members),
            }
        })
        .collect();
    let all: Vec<(String, &Vec<u8>)> = per
        .iter()
        .enumerate()
        .flat_map(|(e, files)| {
            files
                .iter()
                .map(move |f| (format!("{}/{}", elections[e].id, f.name), &f.bytes))
        })
        .collect();
    let names: Vec<&str> = all.iter().map(|(n, _)| n.as_str()).collect();
    let whole = DatasetFile {
        name: zip_name(snapshot, None),
        bytes: rezip(&zips, &names).unwrap_or_else(|| zip(snapshot, &all)),
    };
    let mut files = Vec::with_capacity(per.len() * 4 + 1);
    for (three, zipped) in per.into_iter().zip(zips) {
        files.extend(three);
        files.push(zipped);
    }
    files.push(whole);
    files
}

/// A zip with fixed timestamps (the corte time) and fixed compression, so
/// the same files always give the same bytes.
pub fn zip(snapshot: &Snapshot, members: &[(String, &Vec<u8>)]) -> Vec<u8> {
    let t = snapshot.corte.time();
    let when = zip::DateTime::from_date_and_time(
        t.format("%Y").to_string().parse().unwrap_or(1980),
        t.format("%m").to_string().parse().unwrap_or(1),
        t.format("%d").to_string().parse().unwrap_or(1),
        t.format("%H").to_string().parse().unwrap_or(0),
        t.format("%M").to_string().parse().unwrap_or(0),
        0,
    )
    .unwrap_or_default();
    zip_at(when, members)
}

fn zip_at(when: zip::DateTime, members: &[(String, &Vec<u8>)]) -> Vec<u8> {
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(6))
        .last_modified_time(when)
        .unix_permissions(0o644);
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes) in members {
        // Writing to memory cannot fail short of running out of it.
        let _ = w.start_file(name.as_str(), options);
        let _ = w.write_all(bytes);
    }
    w.finish().map(|c| c.into_inner()).unwrap_or_default()
}

/// A zip of every member of `zips`, in order, under `names` (one per
/// member), copying each member's compressed bytes and its header fields
/// (time, permissions, method) as they are. `None` if the zips do not read
/// back or the names do not match them in number; the caller then builds
/// the zip from the files.
fn rezip(zips: &[DatasetFile], names: &[&str]) -> Option<Vec<u8>> {
    let mut names = names.iter();
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for z in zips {
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(&z.bytes)).ok()?;
        for i in 0..archive.len() {
            let member = archive.by_index_raw(i).ok()?;
            w.raw_copy_file_rename(member, names.next()?).ok()?;
        }
    }
    if names.next().is_some() {
        return None;
    }
    w.finish().map(|c| c.into_inner()).ok()
}

fn quoted(s: &str) -> String {
    format!("\"{}\"", safe_text(s).replace('"', "\"\""))
}

/// A field as a spreadsheet cannot take it for a formula: text starting with
/// `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`
/// (Excel's and LibreOffice's text marker, which `corte import` removes
/// again). Numbers (the Anexo 13 figures never are negative) and the
/// layout's dashes (`-`, `--`) are left as they are.
pub fn safe_text(s: &str) -> std::borrow::Cow<'_, str> {
    let risky = match s.as_bytes().first() {
        Some(b'=' | b'+' | b'@' | b'\t' | b'\r') => true,
        Some(b'-') => {
            let rest = s.trim_start_matches('-');
            !(rest.is_empty() || rest.bytes().all(|b| b.is_ascii_digit() || b == b'.'))
        }
        _ => false,
    };
    if risky {
        std::borrow::Cow::Owned(format!("'{s}"))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// Writes a record with every field made safe ([`safe_text`]).
fn write_safe<W: std::io::Write>(w: &mut csv::Writer<W>, fields: &[String]) {
    use std::borrow::Cow;
    let _ = w.write_record(fields.iter().map(|f| match safe_text(f) {
        Cow::Borrowed(b) => Cow::Borrowed(b.as_bytes()),
        Cow::Owned(o) => Cow::Owned(o.into_bytes()),
    }));
}

/// `02/06/2024 19:45:12 (UTC-6)`, or `N/A`.
fn fecha(t: &Option<DateTime<FixedOffset>>) -> String {
    match t {
        Some(t) => fecha_hora_label(t),
        None => "N/A".into(),
    }
}

fn campo(c: Campo) -> String {
    match c {
        Campo::NoAplica => "N/A".into(),
        c => c.text().into_owned(),
    }
}

/// The column header of the election's database file.
pub fn columns(snapshot: &Snapshot, election: usize) -> Vec<String> {
    let e = &snapshot.catalog.elections[election];
    let mut h: Vec<String> = [
        "CLAVE_CASILLA",
        "CLAVE_ACTA",
        "ID_ENTIDAD",
        "ENTIDAD",
        &unit_column(&snapshot.catalog, e.contest),
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
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    h.extend(e.options.iter().map(|o| o.column.clone()));
    h.extend(
        [
            "TOTAL_VOTOS_ASENTADO",
            "TOTAL_VOTOS_CALCULADO",
            "LISTA_NOMINAL",
            "REPRESENTANTES_PP_CI",
            "OBSERVACIONES",
            "CONTABILIZADA",
            "MECANISMOS_TRASLADO",
            "CODIGO_INTEGRIDAD",
            "FECHA_HORA_ACOPIO",
            "FECHA_HORA_CAPTURA",
            "FECHA_HORA_VERIFICACION",
            "ORIGEN",
            "DIGITALIZACION",
            "TIPO_DOCUMENTO",
        ]
        .iter()
        .map(|s| s.to_string()),
    );
    h
}

/// The order of rows: votes from abroad first, then voto anticipado and
/// prisión preventiva, then every other casilla by key; fuera de catálogo last.
fn row_rank(tipo: Option<TipoCasilla>) -> u8 {
    match tipo {
        Some(TipoCasilla::M) => 0,
        Some(TipoCasilla::A) => 1,
        Some(TipoCasilla::P) => 2,
        Some(_) => 3,
        None => 4,
    }
}

/// The Anexo 13 database file of one election.
pub fn database(snapshot: &Snapshot, r: &ElectionResults, election: usize) -> Vec<u8> {
    let catalog = &snapshot.catalog;
    let e = &catalog.elections[election];
    let mut out = Vec::new();
    let _ = writeln!(out, "{}", quoted(&e.name));
    let _ = writeln!(out, "{}", quoted(&corte_label(&snapshot.corte.time())));
    let _ = writeln!(out, "{SEPARATOR_LINE}");
    let _ = writeln!(out, "{}", FIELD_NAMES.join(","));
    let _ = writeln!(out, "{}", r.summary.values().join(","));
    let _ = writeln!(out, "{SEPARATOR_LINE}");

    // Every expected acta, registered or not, then the fuera de catálogo ones.
    enum Row<'a> {
        Registered(&'a Acta, &'a ActaResult),
        Pending(u32, &'a str),
    }
    let actas = &snapshot.actas[election];
    let mut registered = std::collections::HashSet::with_capacity(actas.len());
    let mut rows: Vec<(u8, &str, &str, Row)> = Vec::with_capacity(actas.len());
    for (a, res) in actas.iter().zip(&r.actas) {
        let tipo = a.casilla.map(|c| catalog.casillas[c as usize].tipo);
        if let Some(c) = a.casilla {
            registered.insert((c, a.tipo_acta.as_str()));
        }
        rows.push((
            row_rank(tipo),
            &a.clave_casilla,
            &a.tipo_acta,
            Row::Registered(a, res),
        ));
    }
    for (c, casilla) in catalog.casillas.iter().enumerate() {
        for t in casilla.actas.get(&e.id).into_iter().flatten() {
            if !registered.contains(&(c as u32, t.as_str())) {
                rows.push((
                    row_rank(Some(casilla.tipo)),
                    &casilla.key,
                    t,
                    Row::Pending(c as u32, t),
                ));
            }
        }
    }
    rows.sort_by(|a, b| (a.0, a.1, a.2).cmp(&(b.0, b.1, b.2)));

    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(out);
    let header = columns(snapshot, election);
    write_safe(&mut w, &header);
    let mut fields: Vec<String> = Vec::with_capacity(header.len());
    for (_, _, _, row) in &rows {
        fields.clear();
        match row {
            Row::Registered(a, res) => registered_row(snapshot, election, a, res, &mut fields),
            Row::Pending(c, t) => pending_row(snapshot, election, *c, t, &mut fields),
        }
        write_safe(&mut w, &fields);
    }
    w.into_inner().unwrap_or_default()
}

fn identification(
    snapshot: &Snapshot,
    election: usize,
    casilla: Option<u32>,
    clave: &str,
    tipo: &str,
    f: &mut Vec<String>,
) {
    let catalog = &snapshot.catalog;
    let na = || "N/A".to_string();
    let clave = if clave.is_empty() { "-" } else { clave };
    f.push(clave.to_string());
    f.push(format!("{clave}{tipo}"));
    f.push(catalog.entidad.id.clone());
    f.push(catalog.entidad.name.clone());
    match casilla {
        Some(c) => {
            let cas = &catalog.casillas[c as usize];
            let ix = &snapshot.index;
            let unit = match catalog.elections[election].contest {
                ContestLevel::Demarcacion => ix.casilla_demarcacion[c as usize]
                    .map(|d| catalog.demarcaciones[d as usize].id.clone()),
                _ => ix.casilla_distrito[c as usize]
                    .map(|d| catalog.distritos[d as usize].id.clone()),
            };
            f.push(unit.unwrap_or_else(na));
            f.push(cas.seccion.clone().unwrap_or_else(na));
            f.push(format!("{:02}", cas.numero));
            f.push(cas.tipo.letter().to_string());
            f.push(format!("{:02}", cas.ext_contigua));
            f.push(format!("{:02}", cas.ubicacion));
        }
        None => {
            f.extend(["-", "-", "-", "-", "-"].iter().map(|s| s.to_string()));
            f.push("03".into());
        }
    }
    f.push(if tipo.is_empty() {
        "-".into()
    } else {
        tipo.to_string()
    });
}

fn registered_row(
    snapshot: &Snapshot,
    election: usize,
    a: &Acta,
    res: &ActaResult,
    f: &mut Vec<String>,
) {
    let catalog = &snapshot.catalog;
    identification(
        snapshot,
        election,
        a.casilla,
        &a.clave_casilla,
        &a.tipo_acta,
        f,
    );
    let sin_acta = matches!(a.estado, EstadoActa::SinActa(_));
    let value = |c: Campo| {
        if sin_acta {
            "SIN ACTA".to_string()
        } else {
            campo(c)
        }
    };
    for c in [
        a.boletas_sobrantes,
        a.personas_votaron,
        a.rep_votaron,
        a.votos_sacados,
    ] {
        f.push(value(c));
    }
    f.extend(a.votos.iter().map(|c| value(*c)));
    f.push(value(a.total_asentado));
    f.push(if sin_acta {
        "SIN ACTA".into()
    } else {
        res.total_calculado.to_string()
    });
    match a.casilla {
        Some(c) => {
            let cas = &catalog.casillas[c as usize];
            f.push(cas.lista_nominal.to_string());
            f.push(cas.representantes.to_string());
        }
        None => f.extend(["-".to_string(), "-".to_string()]),
    }
    let obs = res.observaciones(a);
    f.push(if obs.is_empty() {
        "--".into()
    } else {
        obs.into()
    });
    f.push(res.contabilizada.code().to_string());
    f.push(a.mecanismo.unwrap_or("").to_string());
    f.push(a.codigo_integridad.clone().unwrap_or_else(|| "N/A".into()));
    f.push(fecha(&a.acopio));
    f.push(fecha(&a.captura));
    f.push(fecha(&a.verificacion));
    for v in [a.origen, a.digitalizacion, a.tipo_documento] {
        f.push(v.unwrap_or("N/A").to_string());
    }
}

/// An expected acta not yet registered: identification and lista nominal,
/// everything else empty.
fn pending_row(snapshot: &Snapshot, election: usize, c: u32, tipo: &str, f: &mut Vec<String>) {
    let cas = &snapshot.catalog.casillas[c as usize];
    identification(snapshot, election, Some(c), &cas.key, tipo, f);
    let n = snapshot.catalog.elections[election].options.len();
    f.extend(std::iter::repeat_n(String::new(), 4 + n + 2));
    f.push(cas.lista_nominal.to_string());
    f.push(cas.representantes.to_string());
    f.extend(std::iter::repeat_n(String::new(), 10));
}

/// The candidates file: one row per candidacy and contest unit. `PARTIDO_CI`
/// is the candidacy key (its parties joined by `_`, or the independent's column).
pub fn candidaturas(snapshot: &Snapshot, election: usize) -> Vec<u8> {
    let catalog = &snapshot.catalog;
    let e = &catalog.elections[election];
    let eix = &snapshot.index.elections[election];
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    let per_unit = e.contest != ContestLevel::Entidad;
    let mut header = vec!["ID_ENTIDAD".to_string()];
    if per_unit {
        header.push(unit_column(catalog, e.contest));
    }
    header.extend(
        [
            "PARTIDO_CI",
            "CANDIDATURA_PROPIETARIA",
            "CANDIDATURA_SUPLENTE",
        ]
        .map(String::from),
    );
    write_safe(&mut w, &header);
    for (u, unit) in eix.units.iter().enumerate() {
        for &k in &eix.unit_candidacies[u] {
            let cand = &e.candidacies[k as usize];
            let mut row = vec![catalog.entidad.id.clone()];
            if per_unit {
                row.push(unit.clone());
            }
            row.push(eix.candidacy_key[k as usize].clone());
            row.push(cand.name.clone());
            row.push(cand.suplente.clone());
            write_safe(&mut w, &row);
        }
    }
    w.into_inner().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_that_would_start_a_formula_gets_the_text_marker_and_figures_do_not() {
        for (field, written) in [
            ("=1+1", "'=1+1"),
            ("+52 55", "'+52 55"),
            ("@SUMA", "'@SUMA"),
            ("-A1", "'-A1"),
            ("\tX", "'\tX"),
            ("\rX", "'\rX"),
            ("-", "-"),
            ("--", "--"),
            ("-12", "-12"),
            ("1234", "1234"),
            ("35.1234", "35.1234"),
            ("N/A", "N/A"),
            ("MARIA = LOPEZ", "MARIA = LOPEZ"),
            ("", ""),
        ] {
            assert_eq!(safe_text(field), written, "{field:?}");
        }
    }

    fn member(name: &str, bytes: &[u8]) -> (String, Vec<u8>) {
        (name.to_string(), bytes.to_vec())
    }

    fn refs(m: &[(String, Vec<u8>)]) -> Vec<(String, &Vec<u8>)> {
        m.iter().map(|(n, b)| (n.clone(), b)).collect()
    }

    #[test]
    fn the_zip_of_all_copied_from_the_elections_zips_is_the_zip_compressed_afresh() {
        let when = zip::DateTime::from_date_and_time(2024, 6, 2, 20, 30, 0).unwrap_or_default();
        let csv: Vec<u8> = (0..20_000)
            .flat_map(|i| format!("{i},\"x\",{}\n", i * 7).into_bytes())
            .collect();
        let a = [
            member("A.csv", &csv),
            member("LEEME.txt", "léeme".as_bytes()),
        ];
        let b = [member("B.csv", b"1,2,3\n"), member("LEEME.txt", b"otro")];
        let zips = [
            DatasetFile {
                name: "a.zip".into(),
                bytes: zip_at(when, &refs(&a)),
            },
            DatasetFile {
                name: "b.zip".into(),
                bytes: zip_at(when, &refs(&b)),
            },
        ];
        let names = ["A/A.csv", "A/LEEME_A.txt", "B/B.csv", "B/LEEME_B.txt"];
        let all: Vec<(String, &Vec<u8>)> = names
            .iter()
            .zip(a.iter().chain(&b))
            .map(|(n, (_, bytes))| (n.to_string(), bytes))
            .collect();
        let copied = rezip(&zips, &names).expect("the zips read back");
        assert_eq!(copied, zip_at(when, &all));
        // Names that do not match the members in number: no zip, the caller
        // compresses afresh.
        assert!(rezip(&zips, &names[..3]).is_none());
        assert!(rezip(&zips, &[names.as_slice(), &["C/extra.csv"]].concat()).is_none());
    }
}

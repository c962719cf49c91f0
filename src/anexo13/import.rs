//! `corte import anexo13`: published PREP database files → a snapshot.
//!
//! The catalog is rebuilt from the rows (geography, casillas, lista nominal,
//! expected actas) and the candidates file (who runs where); the actas keep
//! their raw fields. Where the published fields cannot produce the published
//! observation by the rules (votes withheld, or a file at odds with itself),
//! the published observation is kept in `OBSERVACION_PUBLICADA` and reported,
//! so the official figures are reproduced and every such row is visible.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone};

use super::reader::{self, PublishedFile, parse_local_time};
use crate::contract::NewSnapshot;
use crate::contract::acta::{self, DIGITALIZACIONES, MECANISMOS, ORIGENES, TIPOS_DOCUMENTO};
use crate::contract::ids::{is_plain_key, is_sha256_hex};
use crate::contract::{
    Acta, BallotOption, Campo, Candidacy, Casilla, Catalog, ContestLevel, ContractError, Election,
    EstadoActa, MotivoSinActa, Observacion, OptionKind, Party, RulesetRef, Seccion, TipoCasilla,
    Unit, entidades,
};

/// One published file to import, with its candidates file if there is one.
pub struct Input {
    pub file: String,
    pub bytes: Vec<u8>,
    pub candidaturas: Option<(String, Vec<u8>)>,
}

/// A candidatura común: its column, each member's share in basis points and
/// who gets the remainder.
#[derive(Debug, Clone)]
pub struct Comun {
    pub column: String,
    pub shares: Vec<(String, u32)>,
    pub remainder_to: String,
}

impl Comun {
    /// `MORENA_PT_PVEM=MORENA:5333,PT:2000,PVEM:2667` (remainder to the first).
    pub fn parse(s: &str) -> Result<Comun, String> {
        let (column, shares) = s
            .split_once('=')
            .ok_or_else(|| format!("`{s}`: expected COLUMN=PARTY:BP,PARTY:BP,…"))?;
        let shares = shares
            .split(',')
            .map(|p| {
                let (party, bp) = p
                    .split_once(':')
                    .ok_or_else(|| format!("`{p}`: expected PARTY:BASIS_POINTS"))?;
                let bp = bp
                    .trim()
                    .parse::<u32>()
                    .map_err(|_| format!("`{bp}` is not a whole number of basis points"))?;
                Ok((party.trim().to_string(), bp))
            })
            .collect::<Result<Vec<_>, String>>()?;
        let remainder_to = shares
            .first()
            .map(|(p, _)| p.clone())
            .ok_or("no shares given")?;
        Ok(Comun {
            column: column.trim().to_string(),
            shares,
            remainder_to,
        })
    }
}

pub struct Options {
    pub ruleset: RulesetRef,
    pub final_corte: bool,
    pub seq: u32,
    pub process_id: Option<String>,
    /// Boletas of a casilla especial, which published files do not carry.
    pub boletas_especiales: u32,
    /// The UTC offset when the file's corte line does not give one.
    pub utc_offset: Option<FixedOffset>,
    pub comunes: Vec<Comun>,
    /// Forces the contest level of elections by id.
    pub contest: Vec<(String, ContestLevel)>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            ruleset: RulesetRef::Named(crate::tally::ruleset::DEFAULT.into()),
            final_corte: false,
            seq: 1,
            process_id: None,
            boletas_especiales: 750,
            utc_offset: None,
            comunes: Vec::new(),
            contest: Vec::new(),
        }
    }
}

/// What an import found, per election, for the operator to read.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub elections: Vec<ElectionReport>,
}

#[derive(Debug, Clone, Default)]
pub struct ElectionReport {
    pub file: String,
    pub election: String,
    pub rows: usize,
    pub capturadas: usize,
    pub sin_acta: usize,
    pub fuera_catalogo: usize,
    pub pendientes: usize,
    pub no_listadas: u32,
    /// (line, published observation, what the rules give) for every row
    /// whose published observation was kept.
    pub publicadas: Vec<(u64, String, String)>,
    /// The published summary block, to compare with the tally.
    pub published_summary: Vec<(String, String)>,
    pub notes: Vec<String>,
}

pub struct Imported {
    pub snapshot: NewSnapshot,
    pub report: Report,
}

/// Imports one or more published files (one per election) into one snapshot.
pub fn import(inputs: &[Input], opts: &Options) -> Result<Imported, ContractError> {
    let files: Vec<PublishedFile> = inputs
        .iter()
        .map(|i| reader::read(&i.file, &i.bytes))
        .collect::<Result<_, _>>()?;
    let first = files
        .first()
        .ok_or_else(|| ContractError::new("import", "no file to import"))?;
    let (local, offset) = corte_time(first, opts)?;
    for f in &files[1..] {
        let (l, _) = corte_time(f, opts)?;
        if l != local {
            return Err(ContractError::new(
                &f.file,
                format!(
                    "corte `{}` differs from {}'s `{}`",
                    f.corte_text, first.file, first.corte_text
                ),
            ));
        }
    }
    let corte = offset.from_local_datetime(&local).single().ok_or_else(|| {
        ContractError::new(&first.file, "the corte time does not exist in its offset")
    })?;

    let mut b = Builder::new(opts, offset);
    let mut reports = Vec::new();
    for (input, file) in inputs.iter().zip(&files) {
        let report = b.add_election(file, input.candidaturas.as_ref())?;
        reports.push(report);
    }
    let (catalog, actas, kept) = b.finish(&corte)?;
    for (report, kept) in reports.iter_mut().zip(kept) {
        report.publicadas = kept;
    }
    let mut members = BTreeMap::new();
    let mut catalog_json = serde_json::to_vec_pretty(&catalog).unwrap_or_default();
    catalog_json.push(b'\n');
    members.insert("catalog.json".to_string(), catalog_json);
    for (e, election) in catalog.elections.iter().enumerate() {
        members.insert(
            format!("actas/{}.csv", election.id),
            acta::write_actas(&catalog, e, &actas[e]),
        );
    }
    let snapshot = NewSnapshot {
        process_id: catalog.process.id.clone(),
        seq: opts.seq,
        timestamp: corte.to_rfc3339(),
        final_corte: opts.final_corte,
        members,
    };
    Ok(Imported {
        snapshot,
        report: Report { elections: reports },
    })
}

fn corte_time(
    f: &PublishedFile,
    opts: &Options,
) -> Result<(NaiveDateTime, FixedOffset), ContractError> {
    let (local, offset) = reader::parse_corte_time(&f.corte_text).ok_or_else(|| {
        f.err(
            2,
            None,
            format!(
                "`{}` is not a corte time such as 02/06/2024 20:00 (UTC-6)",
                f.corte_text
            ),
        )
    })?;
    let offset = offset.or(opts.utc_offset).ok_or_else(|| {
        f.err(
            2,
            None,
            format!(
                "the corte time `{}` gives no UTC offset; pass --utc-offset",
                f.corte_text
            ),
        )
    })?;
    Ok((local, offset))
}

/// `CAMP_GOB_2021.csv` → `GOB`; `QROO_DIP_LOC_2019.csv` → `DIP_LOC`.
pub fn election_id_from_file(file: &str) -> String {
    let stem = std::path::Path::new(file)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or(file)
        .to_uppercase();
    let mut tokens: Vec<&str> = stem
        .split(['_', '-', ' '])
        .filter(|t| !t.is_empty())
        .collect();
    if tokens.len() > 1
        && entidades::ENTIDADES
            .iter()
            .any(|(_, _, abbr)| *abbr == tokens[0])
    {
        tokens.remove(0);
    }
    if tokens.len() > 1
        && tokens
            .last()
            .is_some_and(|t| t.len() == 4 && t.bytes().all(|b| b.is_ascii_digit()))
    {
        tokens.pop();
    }
    let id: String = tokens
        .join("_")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    if id.is_empty() { "ELECCION".into() } else { id }
}

fn default_contest(id: &str) -> ContestLevel {
    let id = id.to_uppercase();
    if id.starts_with("DIP") {
        ContestLevel::Distrito
    } else if ["ALC", "AYU", "MUN", "PM", "PRES_MUN"]
        .iter()
        .any(|p| id.starts_with(p))
    {
        ContestLevel::Demarcacion
    } else {
        ContestLevel::Entidad
    }
}

fn is_absent(v: &str) -> bool {
    matches!(v, "" | "-" | "--" | "N/A" | "NA" | "SIN ACTA")
}

fn digits(v: &str) -> Option<u32> {
    if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
        v.parse().ok()
    } else {
        None
    }
}

/// Pads a numeric id to the width it was first seen at, so `1` and `001` meet.
fn same_unit(a: &str, b: &str) -> bool {
    a == b || (digits(a).is_some() && digits(a) == digits(b))
}

struct Builder<'o> {
    opts: &'o Options,
    offset: FixedOffset,
    entidad: Option<(String, String)>,
    parties: Vec<Party>,
    elections: Vec<Election>,
    actas: Vec<Vec<Acta>>,
    distritos: Vec<String>,
    demarcaciones: Vec<(String, Option<String>)>,
    distrito_names: HashMap<String, String>,
    secciones: Vec<Seccion>,
    seccion_ix: HashMap<String, usize>,
    casillas: Vec<Casilla>,
    casilla_ix: HashMap<String, usize>,
    /// Where each casilla was first described, for conflict messages.
    casilla_origin: Vec<(String, u64)>,
}

/// The parties of a published column: `C_PAN_PRD` → PAN, PRD; `SUM-PT-MOR` → PT, MOR.
fn column_parties(column: &str, party_ids: &[String]) -> Option<Vec<String>> {
    let bare = ["C_", "CC_", "SUM-", "SUM_", "CO_"]
        .iter()
        .find_map(|p| column.strip_prefix(p))
        .unwrap_or(column);
    let tokens: Vec<&str> = bare
        .split(['_', '-', ','])
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .collect();
    if tokens.len() >= 2 && tokens.iter().all(|t| party_ids.iter().any(|p| p == t)) {
        Some(tokens.iter().map(|t| t.to_string()).collect())
    } else {
        None
    }
}

fn is_independent_column(c: &str) -> bool {
    ["CAND_IND", "CI_", "CI", "CSP", "IND_", "INDEPENDIENTE"]
        .iter()
        .any(|p| c.starts_with(p))
}

/// The ballot options of a published file, with their kinds.
fn ballot_options(
    file: &PublishedFile,
    opts: &Options,
) -> Result<(Vec<BallotOption>, Vec<String>), ContractError> {
    let columns = &file.columns[file.options.clone()];
    let mut options = Vec::new();
    let mut party_ids: Vec<String> = Vec::new();
    // Single parties first, so that combinations can be recognised by them.
    for c in columns {
        let kind = match c.as_str() {
            "NO_REGISTRADOS" | "NO_REGISTRADAS" | "CANDIDATOS_NO_REGISTRADOS" => {
                OptionKind::NoRegistrados
            }
            "NULOS" | "VOTOS_NULOS" => OptionKind::Nulos,
            c if is_independent_column(c) => OptionKind::Independent,
            c if c.contains('_') || c.starts_with("SUM-") => continue,
            _ => OptionKind::Party,
        };
        if kind == OptionKind::Party {
            party_ids.push(c.clone());
        }
        options.push((c.clone(), kind));
    }
    let mut result = Vec::new();
    for c in columns {
        if !is_plain_key(c) {
            return Err(ContractError::new(
                &file.file,
                format!("vote column `{c}` is not a plain key"),
            )
            .at_field(c.clone()));
        }
        let (kind, parties) = match options.iter().find(|(col, _)| col == c) {
            Some((_, OptionKind::Party)) => (OptionKind::Party, vec![c.clone()]),
            Some((_, k)) => (*k, vec![]),
            None => match column_parties(c, &party_ids) {
                Some(parties) => {
                    let comun = opts.comunes.iter().any(|m| &m.column == c);
                    (
                        if comun {
                            OptionKind::Comun
                        } else {
                            OptionKind::Coalition
                        },
                        parties,
                    )
                }
                None => (OptionKind::Party, vec![c.clone()]),
            },
        };
        if kind == OptionKind::Party && !party_ids.contains(c) {
            party_ids.push(c.clone());
        }
        let mut opt = BallotOption {
            column: c.clone(),
            kind,
            parties,
            name: None,
            color: None,
            shares: None,
            remainder_to: None,
        };
        if let Some(m) = opts.comunes.iter().find(|m| &m.column == c) {
            let mut shares = Vec::new();
            for p in &opt.parties {
                let bp = m
                    .shares
                    .iter()
                    .find(|(q, _)| q == p)
                    .map(|(_, bp)| *bp)
                    .ok_or_else(|| {
                        ContractError::new(
                            &file.file,
                            format!("--comun {}: no share given for party {p}", m.column),
                        )
                    })?;
                shares.push(bp);
            }
            opt.shares = Some(shares);
            opt.remainder_to = Some(m.remainder_to.clone());
        }
        if kind == OptionKind::Independent {
            opt.name = Some(c.replace('_', " "));
        }
        result.push(opt);
    }
    Ok((result, party_ids))
}

/// The candidacies of one unit group: the options whose parties are all
/// within a group of parties joined by coalitions, or an independent.
fn options_for_group(
    options: &[BallotOption],
    parties: &[String],
    independents: &[String],
) -> Vec<String> {
    options
        .iter()
        .filter(|o| match o.kind {
            OptionKind::Party | OptionKind::Coalition | OptionKind::Comun => {
                !o.parties.is_empty() && o.parties.iter().all(|p| parties.contains(p))
            }
            OptionKind::Independent => independents.contains(&o.column),
            _ => false,
        })
        .map(|o| o.column.clone())
        .collect()
}

/// Groups of parties joined by overlapping sets (union-find on parties).
fn merge_groups(
    sets: Vec<(Vec<String>, Vec<String>, String, String)>,
) -> Vec<(Vec<String>, Vec<String>, String, String)> {
    let mut groups: Vec<(Vec<String>, Vec<String>, String, String)> = Vec::new();
    for (parties, indep, name, suplente) in sets {
        let mut merged = (parties, indep, name, suplente);
        let mut i = 0;
        while i < groups.len() {
            let g = &groups[i];
            let overlap = g.0.iter().any(|p| merged.0.contains(p))
                || g.1.iter().any(|c| merged.1.contains(c));
            if overlap {
                let g = groups.remove(i);
                for p in g.0 {
                    if !merged.0.contains(&p) {
                        merged.0.push(p);
                    }
                }
                for c in g.1 {
                    if !merged.1.contains(&c) {
                        merged.1.push(c);
                    }
                }
                if merged.2.is_empty() {
                    merged.2 = g.2;
                }
                if merged.3.is_empty() {
                    merged.3 = g.3;
                }
                i = 0;
            } else {
                i += 1;
            }
        }
        groups.push(merged);
    }
    groups
}

impl<'o> Builder<'o> {
    fn new(opts: &'o Options, offset: FixedOffset) -> Self {
        Builder {
            opts,
            offset,
            entidad: None,
            parties: Vec::new(),
            elections: Vec::new(),
            actas: Vec::new(),
            distritos: Vec::new(),
            demarcaciones: Vec::new(),
            distrito_names: HashMap::new(),
            secciones: Vec::new(),
            seccion_ix: HashMap::new(),
            casillas: Vec::new(),
            casilla_ix: HashMap::new(),
            casilla_origin: Vec::new(),
        }
    }

    fn add_election(
        &mut self,
        file: &PublishedFile,
        candidaturas: Option<&(String, Vec<u8>)>,
    ) -> Result<ElectionReport, ContractError> {
        let id = election_id_from_file(&file.file);
        if self.elections.iter().any(|e| e.id == id) {
            return Err(ContractError::new(
                &file.file,
                format!("election `{id}` is imported twice"),
            ));
        }
        let (options, party_ids) = ballot_options(file, self.opts)?;
        for p in &party_ids {
            if !self.parties.iter().any(|q| &q.id == p) {
                let (name, color) = super::parties::lookup(p);
                self.parties.push(Party {
                    id: p.clone(),
                    name,
                    color,
                });
            }
        }
        let cand = match candidaturas {
            Some((name, bytes)) => Some(read_candidaturas(name, bytes, &options, &party_ids)?),
            None => None,
        };
        let contest = self
            .opts
            .contest
            .iter()
            .find(|(e, _)| *e == id)
            .map(|(_, c)| *c)
            .or_else(|| cand.as_ref().and_then(|c| c.level))
            .unwrap_or_else(|| default_contest(&id));
        let mut election = Election {
            id: id.clone(),
            name: file.election_name.clone(),
            contest,
            options,
            candidacies: Vec::new(),
            rp_acta_types: Vec::new(),
            actas_esperadas_no_listadas: 0,
        };
        let mut report = ElectionReport {
            file: file.file.clone(),
            election: id.clone(),
            rows: file.rows.len(),
            published_summary: file.summary.clone(),
            ..Default::default()
        };
        let rows = self.read_rows(file, &mut election, &mut report)?;
        self.set_candidacies(file, &mut election, cand, &rows)?;
        let listed = rows.expected;
        if let Some(declared) = file.summary_value("ACTAS_ESPERADAS").and_then(digits) {
            if declared as u64 > listed {
                election.actas_esperadas_no_listadas = (declared as u64 - listed) as u32;
                report.no_listadas = election.actas_esperadas_no_listadas;
                report.notes.push(format!(
                    "the file lists {listed} expected actas but declares ACTAS_ESPERADAS {declared}; \
                     {} expected actas are not itemised and are recorded as actas_esperadas_no_listadas",
                    election.actas_esperadas_no_listadas
                ));
            } else if (declared as u64) < listed {
                report.notes.push(format!(
                    "the file lists {listed} expected actas but declares only {declared}"
                ));
            }
        }
        self.elections.push(election);
        self.actas.push(rows.actas);
        Ok(report)
    }

    fn read_rows(
        &mut self,
        file: &PublishedFile,
        election: &mut Election,
        report: &mut ElectionReport,
    ) -> Result<Rows, ContractError> {
        let col = |name: &str| file.column(name);
        let need = |name: &str| {
            file.column(name)
                .ok_or_else(|| ContractError::new(&file.file, format!("has no {name} column")))
        };
        let c_clave = need("CLAVE_CASILLA")?;
        let c_tipo_acta = need("TIPO_ACTA")?;
        let c_obs = need("OBSERVACIONES")?;
        let c_cont = need("CONTABILIZADA")?;
        let mut out = Rows {
            actas: Vec::new(),
            expected: 0,
            presence: HashMap::new(),
        };
        for row in &file.rows {
            let f = |c: Option<usize>| c.map(|c| row.fields[c].as_str()).unwrap_or("");
            let obs = row.fields[c_obs].to_uppercase();
            let obs = if obs == "--" { String::new() } else { obs };
            let cont = row.fields[c_cont].as_str();
            let fuera = cont == "2" || obs.contains("FUERA DE CAT");
            if fuera {
                report.fuera_catalogo += 1;
                out.actas.push(self.fuera_row(file, row)?);
                continue;
            }
            if self.entidad.is_none() {
                let id = f(col("ID_ENTIDAD"));
                let id = digits(id)
                    .map(|n| format!("{n:02}"))
                    .unwrap_or_else(|| id.to_string());
                self.entidad = Some((id, f(col("ENTIDAD")).to_string()));
            }
            let clave = row.fields[c_clave].clone();
            let tipo_acta = row.fields[c_tipo_acta].clone();
            for (name, v) in [("CLAVE_CASILLA", &clave), ("TIPO_ACTA", &tipo_acta)] {
                if !is_plain_key(v) {
                    return Err(file.err(
                        row.line,
                        Some(name),
                        format!("`{v}` is not a plain key (letters, digits, _ and -)"),
                    ));
                }
            }
            let casilla = self.casilla(file, row, election)?;
            let types = self.casillas[casilla]
                .actas
                .entry(election.id.clone())
                .or_default();
            if types.contains(&tipo_acta) {
                return Err(file.err(
                    row.line,
                    Some("CLAVE_ACTA"),
                    format!("duplicate acta `{clave}` `{tipo_acta}`"),
                ));
            }
            types.push(tipo_acta.clone());
            if tipo_acta.ends_with("RP") && !election.rp_acta_types.contains(&tipo_acta) {
                election.rp_acta_types.push(tipo_acta.clone());
            }
            out.expected += 1;
            if obs.is_empty() && cont.is_empty() {
                report.pendientes += 1;
                continue;
            }
            let acta = self.captured_row(file, row, casilla, &obs, cont)?;
            match acta.estado {
                EstadoActa::SinActa(_) => report.sin_acta += 1,
                _ => report.capturadas += 1,
            }
            if acta.estado == EstadoActa::Capturada && !tipo_acta.ends_with("RP") {
                let unit = match election.contest {
                    ContestLevel::Entidad => None,
                    ContestLevel::Distrito => Some(f(col("UNIT_DISTRITO"))),
                    ContestLevel::Demarcacion => Some(f(col("UNIT_DEMARCACION"))),
                };
                if let Some(unit) = unit {
                    let p = out
                        .presence
                        .entry(unit.to_string())
                        .or_insert_with(|| vec![(false, false); acta.votos.len()]);
                    for (seen, v) in p.iter_mut().zip(acta.votos.iter()) {
                        if *v == Campo::NoAplica {
                            seen.0 = true;
                        } else {
                            seen.1 = true;
                        }
                    }
                }
            }
            out.actas.push(acta);
        }
        Ok(out)
    }

    fn casilla(
        &mut self,
        file: &PublishedFile,
        row: &reader::Row,
        election: &Election,
    ) -> Result<usize, ContractError> {
        let f = |name: &str| {
            file.column(name)
                .map(|c| row.fields[c].as_str())
                .unwrap_or("")
        };
        let key = f("CLAVE_CASILLA").to_string();
        let tipo_s = f("TIPO_CASILLA");
        let tipo = tipo_s
            .chars()
            .next()
            .and_then(TipoCasilla::from_letter)
            .filter(|_| tipo_s.len() == 1)
            .ok_or_else(|| {
                file.err(
                    row.line,
                    Some("TIPO_CASILLA"),
                    format!("`{tipo_s}` is not a casilla type (B, C, E, S, M, A, P)"),
                )
            })?;
        let seccion = Some(f("SECCION"))
            .filter(|s| !is_absent(s))
            .map(str::to_string);
        let distrito = Some(f("UNIT_DISTRITO"))
            .filter(|s| !is_absent(s))
            .map(str::to_string);
        let demarcacion = Some(f("UNIT_DEMARCACION"))
            .filter(|s| !is_absent(s))
            .map(str::to_string);
        for (what, v) in [
            ("SECCION", &seccion),
            ("DISTRITO", &distrito),
            ("DEMARCACION", &demarcacion),
        ] {
            if let Some(v) = v
                && !is_plain_key(v)
            {
                return Err(file.err(row.line, Some(what), format!("`{v}` is not a plain key")));
            }
        }
        if let Some(d) = &distrito {
            if !self.distritos.contains(d) {
                self.distritos.push(d.clone());
            }
            let name = f("NOMBRE_DISTRITO");
            if !is_absent(name) {
                self.distrito_names
                    .entry(d.clone())
                    .or_insert_with(|| name.to_string());
            }
        }
        if let Some(d) = &demarcacion
            && !self.demarcaciones.iter().any(|(id, _)| id == d)
        {
            let name = Some(f("NOMBRE_DEMARCACION"))
                .filter(|n| !is_absent(n))
                .map(str::to_string);
            self.demarcaciones.push((d.clone(), name));
        }
        if let Some(s) = &seccion {
            let i = *self.seccion_ix.entry(s.clone()).or_insert_with(|| {
                self.secciones.push(Seccion {
                    id: s.clone(),
                    distrito: None,
                    demarcacion: None,
                });
                self.secciones.len() - 1
            });
            let sec = &mut self.secciones[i];
            for (have, new, what) in [
                (&mut sec.distrito, &distrito, "distrito"),
                (&mut sec.demarcacion, &demarcacion, "demarcación"),
            ] {
                match (have.as_ref(), new) {
                    (Some(a), Some(b)) if a != b => {
                        return Err(file.err(
                            row.line,
                            Some("SECCION"),
                            format!("sección `{s}` is in {what} `{a}` elsewhere but `{b}` here"),
                        ));
                    }
                    (None, Some(b)) => *have = Some(b.clone()),
                    _ => {}
                }
            }
        }
        let lista_nominal = digits(f("LISTA_NOMINAL")).unwrap_or(0);
        let representantes = digits(f("REPRESENTANTES_PP_CI")).unwrap_or(0);
        let new = Casilla {
            key: key.clone(),
            seccion: seccion.clone(),
            tipo,
            numero: digits(f("ID_CASILLA")).unwrap_or(0),
            ext_contigua: digits(f("EXT_CONTIGUA")).unwrap_or(0),
            ubicacion: digits(f("UBICACION_CASILLA"))
                .filter(|u| (1..=2).contains(u))
                .unwrap_or(1) as u8,
            lista_nominal,
            representantes,
            boletas: tipo.is_especial().then_some(self.opts.boletas_especiales),
            distrito: if seccion.is_none() { distrito } else { None },
            demarcacion: if seccion.is_none() { demarcacion } else { None },
            actas: BTreeMap::new(),
        };
        if let Some(&i) = self.casilla_ix.get(&key) {
            let old = &mut self.casillas[i];
            if old.lista_nominal != new.lista_nominal || old.tipo != new.tipo {
                let (ofile, oline) = &self.casilla_origin[i];
                return Err(file.err(
                    row.line,
                    Some("LISTA_NOMINAL"),
                    format!(
                        "casilla `{key}` has lista nominal {} and type {:?} here but {} and {:?} in {ofile} row {oline}",
                        new.lista_nominal, new.tipo, old.lista_nominal, old.tipo
                    ),
                ));
            }
            old.representantes = old.representantes.max(new.representantes);
            if old.distrito.is_none() && election.contest != ContestLevel::Demarcacion {
                old.distrito = new.distrito;
            }
            if old.demarcacion.is_none() {
                old.demarcacion = new.demarcacion;
            }
            return Ok(i);
        }
        self.casilla_ix.insert(key, self.casillas.len());
        self.casillas.push(new);
        self.casilla_origin.push((file.file.clone(), row.line));
        Ok(self.casillas.len() - 1)
    }

    fn timestamp(
        &self,
        file: &PublishedFile,
        row: &reader::Row,
        column: &str,
    ) -> Result<Option<DateTime<FixedOffset>>, ContractError> {
        let Some(c) = file.column(column) else {
            return Ok(None);
        };
        let v = row.fields[c].as_str();
        if is_absent(v) {
            return Ok(None);
        }
        let (local, offset) = parse_local_time(v).ok_or_else(|| {
            file.err(
                row.line,
                Some(column),
                format!("`{v}` is not a date and time such as 02/06/2024 19:45:12"),
            )
        })?;
        let offset = offset.unwrap_or(self.offset);
        Ok(offset.from_local_datetime(&local).single())
    }

    fn details(
        &self,
        file: &PublishedFile,
        row: &reader::Row,
        acta: &mut Acta,
    ) -> Result<(), ContractError> {
        let f = |name: &str| {
            file.column(name)
                .map(|c| row.fields[c].to_uppercase())
                .unwrap_or_default()
        };
        let pick = |v: String, allowed: &'static [&'static str]| -> Option<&'static str> {
            let v = v.replace('Ó', "O").replace('Á', "A");
            allowed.iter().find(|a| **a == v).copied()
        };
        let codigo = f("CODIGO_INTEGRIDAD").to_lowercase();
        acta.codigo_integridad = is_sha256_hex(&codigo).then_some(codigo);
        acta.mecanismo = pick(f("MECANISMOS_TRASLADO"), &MECANISMOS);
        acta.origen = pick(f("ORIGEN"), &ORIGENES);
        acta.digitalizacion = pick(f("DIGITALIZACION"), &DIGITALIZACIONES);
        acta.tipo_documento = pick(f("TIPO_DOCUMENTO"), &TIPOS_DOCUMENTO);
        acta.acopio = self.timestamp(file, row, "FECHA_HORA_ACOPIO")?;
        acta.captura = self.timestamp(file, row, "FECHA_HORA_CAPTURA")?;
        acta.verificacion = self.timestamp(file, row, "FECHA_HORA_VERIFICACION")?;
        Ok(())
    }

    fn fuera_row(&self, file: &PublishedFile, row: &reader::Row) -> Result<Acta, ContractError> {
        let f = |name: &str| {
            file.column(name)
                .map(|c| row.fields[c].clone())
                .unwrap_or_default()
        };
        let keep = |v: String| if is_plain_key(&v) { v } else { String::new() };
        let votos = file
            .options
            .clone()
            .map(|c| lenient_campo(&row.fields[c]))
            .collect::<Vec<_>>();
        let mut acta = blank_acta(
            f("CLAVE_CASILLA"),
            f("TIPO_ACTA"),
            EstadoActa::FueraCatalogo,
            votos,
            row.line,
        );
        acta.clave_casilla = keep(acta.clave_casilla);
        acta.tipo_acta = keep(acta.tipo_acta);
        acta.total_asentado = lenient_campo(&f("TOTAL_VOTOS_ASENTADO"));
        acta.boletas_sobrantes = lenient_campo(&f("TOTAL_BOLETAS_SOBRANTES"));
        acta.personas_votaron = lenient_campo(&f("TOTAL_PERSONAS_VOTARON"));
        acta.rep_votaron = lenient_campo(&f("TOTAL_REP_PARTIDO_CI_VOTARON"));
        acta.votos_sacados = lenient_campo(&f("TOTAL_VOTOS_SACADOS"));
        self.details(file, row, &mut acta)?;
        Ok(acta)
    }

    fn captured_row(
        &self,
        file: &PublishedFile,
        row: &reader::Row,
        casilla: usize,
        obs: &str,
        cont: &str,
    ) -> Result<Acta, ContractError> {
        let f = |name: &str| {
            file.column(name)
                .map(|c| row.fields[c].clone())
                .unwrap_or_default()
        };
        let sin_acta = obs.starts_with("SIN ACTA").then(|| {
            if obs.contains("NO ENTREGADO") {
                MotivoSinActa::PaqueteNoEntregado
            } else if obs.contains("NO INSTALADA") {
                MotivoSinActa::CasillaNoInstalada
            } else if obs.contains("SIN BOLSA") || obs.contains("SIN SOBRE") {
                MotivoSinActa::PaqueteSinBolsa
            } else {
                MotivoSinActa::NoEspecificado
            }
        });
        let estado = sin_acta
            .map(EstadoActa::SinActa)
            .unwrap_or(EstadoActa::Capturada);
        let mut votos = Vec::with_capacity(file.options.len());
        for c in file.options.clone() {
            let v = row.fields[c].as_str();
            let campo = if sin_acta.is_some() {
                Campo::NoAplica
            } else {
                strict_campo(v).map_err(|m| file.err(row.line, Some(&file.columns[c]), m))?
            };
            votos.push(campo);
        }
        let count = |name: &str| -> Result<Campo, ContractError> {
            if sin_acta.is_some() {
                return Ok(Campo::NoAplica);
            }
            let v = f(name);
            if is_absent(&v) {
                return Ok(Campo::NoAplica);
            }
            strict_campo(&v).map_err(|m| file.err(row.line, Some(name), m))
        };
        let mut acta = blank_acta(f("CLAVE_CASILLA"), f("TIPO_ACTA"), estado, votos, row.line);
        acta.casilla = Some(casilla as u32);
        acta.total_asentado = count("TOTAL_VOTOS_ASENTADO")?;
        acta.boletas_sobrantes = count("TOTAL_BOLETAS_SOBRANTES")?;
        acta.personas_votaron = count("TOTAL_PERSONAS_VOTARON")?;
        acta.rep_votaron = count("TOTAL_REP_PARTIDO_CI_VOTARON")?;
        acta.votos_sacados = count("TOTAL_VOTOS_SACADOS")?;
        self.details(file, row, &mut acta)?;
        if sin_acta.is_some() {
            return Ok(acta);
        }
        let published = published_observacion(obs).ok_or_else(|| {
            file.err(
                row.line,
                Some("OBSERVACIONES"),
                format!("`{obs}` is not an observation of the counting rules"),
            )
        })?;
        let counted = match cont {
            "1" => true,
            "0" => false,
            other => {
                return Err(file.err(
                    row.line,
                    Some("CONTABILIZADA"),
                    format!("`{other}` is not 0, 1 or 2"),
                ));
            }
        };
        if counted != Observacion::contabilizada(published) {
            return Err(file.err(
                row.line,
                Some("CONTABILIZADA"),
                format!("CONTABILIZADA {cont} contradicts the observation `{obs}`"),
            ));
        }
        acta.observacion_publicada = Some(published);
        Ok(acta)
    }

    fn set_candidacies(
        &self,
        file: &PublishedFile,
        election: &mut Election,
        cand: Option<CandidaturasFile>,
        rows: &Rows,
    ) -> Result<(), ContractError> {
        let units: Vec<String> = match election.contest {
            ContestLevel::Entidad => vec![self.entidad_id()],
            ContestLevel::Distrito => self.unit_ids_of(election, true),
            ContestLevel::Demarcacion => self.unit_ids_of(election, false),
        };
        let party_ids: Vec<String> = election
            .options
            .iter()
            .filter(|o| o.kind == OptionKind::Party)
            .map(|o| o.column.clone())
            .collect();
        let independents: Vec<String> = election
            .options
            .iter()
            .filter(|o| o.kind == OptionKind::Independent)
            .map(|o| o.column.clone())
            .collect();
        for unit in &units {
            let groups = match &cand {
                Some(c) => {
                    let rows: Vec<_> = c
                        .rows
                        .iter()
                        .filter(|r| {
                            election.contest == ContestLevel::Entidad
                                || r.unit.as_deref().is_some_and(|u| same_unit(u, unit))
                        })
                        .map(|r| {
                            (
                                r.parties.clone(),
                                r.independents.clone(),
                                r.name.clone(),
                                r.suplente.clone(),
                            )
                        })
                        .collect();
                    if rows.is_empty() {
                        return Err(ContractError::new(
                            &c.file,
                            format!("has no candidacies for unit `{unit}` of {}", file.file),
                        ));
                    }
                    merge_groups(rows)
                }
                None => {
                    // Parties joined by a combination column run together.
                    let mut sets: Vec<(Vec<String>, Vec<String>, String, String)> = party_ids
                        .iter()
                        .map(|p| (vec![p.clone()], vec![], String::new(), String::new()))
                        .collect();
                    for o in &election.options {
                        if matches!(o.kind, OptionKind::Coalition | OptionKind::Comun) {
                            sets.push((o.parties.clone(), vec![], String::new(), String::new()));
                        }
                    }
                    for c in &independents {
                        sets.push((vec![], vec![c.clone()], String::new(), String::new()));
                    }
                    merge_groups(sets)
                }
            };
            for (parties, indep, name, suplente) in groups {
                // Options the unit's captured actas print as not applicable
                // are not on its ballot, whatever the grouping implies.
                let options: Vec<String> = options_for_group(&election.options, &parties, &indep)
                    .into_iter()
                    .filter(|c| {
                        let o = election
                            .options
                            .iter()
                            .position(|x| &x.column == c)
                            .unwrap_or(0);
                        !rows.off_ballot(unit, o)
                    })
                    .collect();
                if options.is_empty() {
                    continue;
                }
                election.candidacies.push(Candidacy {
                    unit: unit.clone(),
                    options,
                    name,
                    suplente,
                });
            }
        }
        Ok(())
    }

    fn entidad_id(&self) -> String {
        self.entidad
            .as_ref()
            .map(|(id, _)| id.clone())
            .unwrap_or_else(|| "00".into())
    }

    /// The units an election's casillas vote in.
    fn unit_ids_of(&self, election: &Election, distrito: bool) -> Vec<String> {
        let mut ids: Vec<String> = Vec::new();
        for c in &self.casillas {
            if !c.actas.contains_key(&election.id) {
                continue;
            }
            let sec = c
                .seccion
                .as_ref()
                .and_then(|s| self.seccion_ix.get(s))
                .map(|i| &self.secciones[*i]);
            let unit = if distrito {
                c.distrito
                    .clone()
                    .or_else(|| sec.and_then(|s| s.distrito.clone()))
            } else {
                c.demarcacion
                    .clone()
                    .or_else(|| sec.and_then(|s| s.demarcacion.clone()))
            };
            if let Some(u) = unit
                && !ids.contains(&u)
            {
                ids.push(u);
            }
        }
        sort_ids(&mut ids);
        ids
    }

    /// Builds the catalog and settles each acta against its ballot and the
    /// rules; returns, per election, the rows whose published observation was
    /// kept: (line, published, what the rules give).
    #[allow(clippy::type_complexity)]
    fn finish(
        mut self,
        corte: &DateTime<FixedOffset>,
    ) -> Result<(Catalog, Vec<Vec<Acta>>, Vec<Vec<(u64, String, String)>>), ContractError> {
        let (entidad_id, entidad_name) = self
            .entidad
            .clone()
            .unwrap_or_else(|| ("00".into(), String::new()));
        let known = entidades::by_id(&entidad_id);
        let abbr = known
            .map(|(_, _, a)| a.to_string())
            .unwrap_or_else(|| format!("E{entidad_id}"));
        let entidad_name = if entidad_name.is_empty() {
            known.map(|(_, n, _)| n.to_string()).unwrap_or_default()
        } else {
            entidad_name
        };
        let year = corte.format("%Y").to_string();
        let process_id = self
            .opts
            .process_id
            .clone()
            .unwrap_or_else(|| format!("{}-{year}", abbr.to_lowercase()));
        sort_ids(&mut self.distritos);
        self.demarcaciones.sort_by(|a, b| id_order(&a.0, &b.0));
        let distritos = self
            .distritos
            .iter()
            .map(|d| Unit {
                id: d.clone(),
                name: self
                    .distrito_names
                    .get(d)
                    .cloned()
                    .unwrap_or_else(|| format!("DISTRITO {d}")),
            })
            .collect();
        let demarcaciones = self
            .demarcaciones
            .iter()
            .map(|(d, n)| Unit {
                id: d.clone(),
                name: n.clone().unwrap_or_else(|| d.clone()),
            })
            .collect();
        let uses_alcaldia = entidad_id == "09";
        let catalog = Catalog {
            contract_version: crate::contract::CONTRACT_VERSION,
            process: crate::contract::catalog::Process {
                id: process_id,
                name: format!("PREP {year} {entidad_name}"),
                institute: String::new(),
            },
            entidad: crate::contract::catalog::Entidad {
                id: entidad_id.clone(),
                name: entidad_name,
                abbr,
                demarcacion_term: if uses_alcaldia {
                    "ALCALDIA".into()
                } else {
                    "MUNICIPIO".into()
                },
            },
            time_zone: entidades::time_zone(&entidad_id).to_string(),
            ruleset: self.opts.ruleset.clone(),
            parties: self.parties,
            elections: self.elections,
            distritos,
            demarcaciones,
            secciones: self.secciones,
            casillas: self.casillas,
        };
        let index = catalog.index()?;
        let mut actas = self.actas;
        let mut kept = Vec::new();
        let text =
            |o: Option<Observacion>| o.map(Observacion::text).unwrap_or("(ninguna)").to_string();
        for (e, list) in actas.iter_mut().enumerate() {
            let mut kept_here = Vec::new();
            for a in list.iter_mut() {
                let Some(c) = a.casilla else { continue };
                fit_to_ballot(&catalog, &index, e, c, a)?;
                // Keep the published observation only where the rules do not give it.
                if let Some(published) = a.observacion_publicada {
                    let ours = crate::tally::classify::observacion_por_reglas(
                        &a.votos,
                        &catalog.casillas[c as usize],
                    );
                    if ours == published {
                        a.observacion_publicada = None;
                    } else {
                        kept_here.push((a.line, text(published), text(ours)));
                    }
                }
            }
            kept.push(kept_here);
        }
        Ok((catalog, actas, kept))
    }
}

/// Options off an acta's ballot become empty; a vote in one is an error.
fn fit_to_ballot(
    catalog: &Catalog,
    index: &crate::contract::CatalogIndex,
    e: usize,
    c: u32,
    a: &mut Acta,
) -> Result<(), ContractError> {
    let Some(ballot) = acta::ballot_of(catalog, index, e, c, &a.tipo_acta) else {
        return Ok(());
    };
    if a.estado != EstadoActa::Capturada {
        return Ok(());
    }
    let election = &catalog.elections[e];
    for (o, campo) in a.votos.iter_mut().enumerate() {
        match (ballot[o], *campo) {
            (true, Campo::NoAplica) => *campo = Campo::SinDato,
            (false, Campo::Num(n)) if n > 0 => {
                return Err(ContractError::new(
                    format!("actas of {}", election.id),
                    format!(
                        "{n} votes for `{}`, which the candidates file does not put on the ballot of acta `{}` `{}`",
                        election.options[o].column, a.clave_casilla, a.tipo_acta
                    ),
                )
                .at_row(a.line)
                .at_field(election.options[o].column.clone()));
            }
            (false, _) => *campo = Campo::NoAplica,
            _ => {}
        }
    }
    Ok(())
}

struct Rows {
    actas: Vec<Acta>,
    expected: u64,
    /// Per contest unit and option: (printed as not applicable in some
    /// captured acta, printed with a value in some captured acta).
    presence: HashMap<String, Vec<(bool, bool)>>,
}

impl Rows {
    /// Whether a unit's captured actas say an option is not on its ballot.
    fn off_ballot(&self, unit: &str, option: usize) -> bool {
        self.presence
            .get(unit)
            .is_some_and(|p| p[option].0 && !p[option].1)
    }
}

fn blank_acta(
    clave: String,
    tipo: String,
    estado: EstadoActa,
    votos: Vec<Campo>,
    line: u64,
) -> Acta {
    Acta {
        casilla: None,
        clave_casilla: clave,
        tipo_acta: tipo,
        estado,
        votos: votos.into_boxed_slice(),
        total_asentado: Campo::NoAplica,
        boletas_sobrantes: Campo::NoAplica,
        personas_votaron: Campo::NoAplica,
        rep_votaron: Campo::NoAplica,
        votos_sacados: Campo::NoAplica,
        codigo_integridad: None,
        mecanismo: None,
        acopio: None,
        captura: None,
        verificacion: None,
        origen: None,
        digitalizacion: None,
        tipo_documento: None,
        observacion_publicada: None,
        line,
    }
}

/// A published vote field of a captured acta: a number, ILEGIBLE, SIN DATO
/// (or blank), or not applicable (`-`, `N/A`).
fn strict_campo(v: &str) -> Result<Campo, String> {
    let u = v.to_uppercase();
    match u.as_str() {
        "" => Ok(Campo::SinDato),
        "-" | "N/A" | "NA" => Ok(Campo::NoAplica),
        "ILEGIBLE" => Ok(Campo::Ilegible),
        "SIN DATO" | "SIN DATOS" | "SIN_DATO" => Ok(Campo::SinDato),
        _ => Campo::parse(&u),
    }
}

/// A field of a fuera de catálogo acta: kept if it reads, empty otherwise.
fn lenient_campo(v: &str) -> Campo {
    match strict_campo(v) {
        Ok(Campo::SinDato) if v.is_empty() => Campo::NoAplica,
        Ok(c) => c,
        Err(_) => Campo::NoAplica,
    }
}

fn published_observacion(obs: &str) -> Option<Option<Observacion>> {
    if obs.is_empty() {
        Some(None)
    } else if obs.starts_with("EXCEDE") {
        Some(Some(Observacion::ExcedeListaNominal))
    } else if obs.starts_with("TODOS") {
        Some(Some(Observacion::TodosIlegiblesOSinDato))
    } else if obs.starts_with("ALGUN") || obs.starts_with("ALGÚN") {
        Some(Some(Observacion::AlgunCampoIlegibleOSinDato))
    } else {
        None
    }
}

fn id_order(a: &str, b: &str) -> std::cmp::Ordering {
    match (digits(a), digits(b)) {
        (Some(x), Some(y)) => x.cmp(&y).then(a.cmp(b)),
        _ => a.cmp(b),
    }
}

fn sort_ids(ids: &mut [String]) {
    ids.sort_by(|a, b| id_order(a, b));
}

/// A candidates file, read.
struct CandidaturasFile {
    file: String,
    level: Option<ContestLevel>,
    rows: Vec<CandRow>,
}

struct CandRow {
    unit: Option<String>,
    parties: Vec<String>,
    independents: Vec<String>,
    name: String,
    suplente: String,
}

fn read_candidaturas(
    file: &str,
    bytes: &[u8],
    options: &[BallotOption],
    party_ids: &[String],
) -> Result<CandidaturasFile, ContractError> {
    let text = reader::decode(bytes);
    let first = text.lines().next().unwrap_or("");
    let delim = if first.matches('|').count() > first.matches(',').count() {
        b'|'
    } else {
        b','
    };
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delim)
        .from_reader(text.as_bytes());
    let mut records = rdr.records();
    let header: Vec<String> = match records.next() {
        Some(Ok(h)) => h.iter().map(|c| reader::clean(c).to_uppercase()).collect(),
        _ => return Err(ContractError::new(file, "is empty").at_row(1)),
    };
    let find = |names: &[&str]| header.iter().position(|h| names.contains(&h.as_str()));
    let c_party = find(&["PARTIDO_CI", "PARTIDO_CSP", "PARTIDO", "PARTIDO_CAND_IND"])
        .ok_or_else(|| ContractError::new(file, "has no PARTIDO_CI column").at_row(1))?;
    let c_name = find(&[
        "CANDIDATURA_PROPIETARIA",
        "CANDIDATURA",
        "CANDIDATO",
        "NOMBRE",
    ]);
    let c_sup = find(&["CANDIDATURA_SUPLENTE", "SUPLENTE"]);
    let c_dist = find(&["ID_DISTRITO_LOCAL", "ID_DISTRITO"]);
    let c_dem = find(&["ID_MUNICIPIO", "ID_ALCALDIA", "ID_DEMARCACION"]);
    let (c_unit, level) = match (c_dist, c_dem) {
        (Some(c), _) => (Some(c), Some(ContestLevel::Distrito)),
        (None, Some(c)) => (Some(c), Some(ContestLevel::Demarcacion)),
        _ => (None, Some(ContestLevel::Entidad)),
    };
    let mut rows = Vec::new();
    for rec in records {
        let rec = rec.map_err(|e| ContractError::new(file, format!("cannot read the CSV: {e}")))?;
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        let get = |c: Option<usize>| {
            c.and_then(|c| rec.get(c))
                .map(|v| reader::clean(v).to_string())
                .unwrap_or_default()
        };
        let party = get(Some(c_party));
        if party.is_empty() {
            continue;
        }
        let (parties, independents) = if options
            .iter()
            .any(|o| o.kind == OptionKind::Independent && o.column == party)
        {
            (vec![], vec![party.clone()])
        } else if party_ids.contains(&party) {
            (vec![party.clone()], vec![])
        } else if let Some(p) = column_parties(&party, party_ids) {
            (p, vec![])
        } else {
            return Err(ContractError::new(
                file,
                format!("`{party}` names no party or vote column of the database file"),
            )
            .at_row(line)
            .at_field(header[c_party].clone()));
        };
        rows.push(CandRow {
            unit: c_unit.map(|c| get(Some(c))),
            parties,
            independents,
            name: get(c_name),
            suplente: get(c_sup),
        });
    }
    Ok(CandidaturasFile {
        file: file.to_string(),
        level,
        rows,
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn election_ids_come_from_file_names() {
        assert_eq!(election_id_from_file("CAMP_GOB_2021.csv"), "GOB");
        assert_eq!(election_id_from_file("QROO_DIP_LOC_2019.csv"), "DIP_LOC");
        assert_eq!(election_id_from_file("/x/CDMX_GUB_2024.csv"), "GUB");
    }

    #[test]
    fn combination_columns_name_their_parties() {
        let parties: Vec<String> = ["PAN", "PRI", "PRD", "PT", "MOR"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            column_parties("C_PAN_PRI_PRD", &parties),
            Some(vec!["PAN".into(), "PRI".into(), "PRD".into()])
        );
        assert_eq!(
            column_parties("SUM-PT-MOR", &parties),
            Some(vec!["PT".into(), "MOR".into()])
        );
        assert_eq!(
            column_parties("PAN_PRI", &parties),
            Some(vec!["PAN".into(), "PRI".into()])
        );
        assert_eq!(column_parties("CAND_IND_1", &parties), None);
    }

    #[test]
    fn comun_flags_parse() {
        let c = Comun::parse("MORENA_PT_PVEM=MORENA:5333,PT:2000,PVEM:2667").unwrap();
        assert_eq!(c.remainder_to, "MORENA");
        assert_eq!(c.shares.len(), 3);
        assert!(Comun::parse("X").is_err());
    }
}

//! `corte import anexo13`: published PREP database files → a snapshot.
//!
//! The catalog is rebuilt from the rows (geography, casillas, lista nominal,
//! expected actas) and the candidates file (who runs where); the actas keep
//! their raw fields. The importer is lenient where a field's meaning is
//! unambiguous (guards, "nothing" markers, wordings, spellings, encodings:
//! [`normalize`]) and stops with an error naming the file, row, field and
//! value where it could mean two things. Every liberty taken is counted in
//! the [`report`], with its first example.
//!
//! The publisher's classification is the truth: where the published fields
//! cannot produce it by the rules (votes withheld, a file at odds with
//! itself, an acta counted in no category), it is kept in
//! `OBSERVACION_PUBLICADA` and reported, so the official figures are
//! reproduced and every such row is visible.
//!
//! What this module is not: it writes no files (the CLI does) and counts
//! nothing (`tally` does).

pub mod ballot;
pub mod candidates;
mod casillas;
pub mod normalize;
pub mod report;
mod rows;

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone};

use self::ballot::Evidence;
use self::candidates::CandidaturasFile;
pub use self::report::{ElectionReport, Report, compare_summary};
use self::report::{KeptRow, Kind, Log};
use super::reader::{self, PublishedFile};
use crate::contract::NewSnapshot;
use crate::contract::acta;
use crate::contract::{
    Acta, BallotOption, Candidacy, Casilla, Catalog, ContestLevel, ContractError, Election,
    OptionKind, Party, Publicada, RulesetRef, Seccion, entidades,
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

pub struct Imported {
    pub snapshot: NewSnapshot,
    pub report: Report,
}

/// Imports one or more published files (one per election) into one snapshot.
pub fn import(inputs: &[Input], opts: &Options) -> Result<Imported, ContractError> {
    let mut logs: Vec<Log> = inputs.iter().map(|_| Log::default()).collect();
    let files: Vec<PublishedFile> = inputs
        .iter()
        .zip(logs.iter_mut())
        .map(|(i, log)| reader::read_logged(&i.file, &i.bytes, log))
        .collect::<Result<_, _>>()?;
    let first = files
        .first()
        .ok_or_else(|| ContractError::new("import", "no file to import"))?;
    let (local, offset) = corte_time(first, opts, &mut logs[0])?;
    for (f, log) in files.iter().zip(logs.iter_mut()).skip(1) {
        let (l, _) = corte_time(f, opts, log)?;
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
    for ((input, file), log) in inputs.iter().zip(&files).zip(logs) {
        reports.push(b.add_election(file, input.candidaturas.as_ref(), log)?);
    }
    let (catalog, actas, kept) = b.finish(&corte)?;
    for (report, kept) in reports.iter_mut().zip(kept) {
        report.observaciones_publicadas = kept;
    }
    let snapshot = snapshot(catalog, &actas, &corte, opts);
    let report = Report {
        report_version: report::REPORT_VERSION,
        process_id: snapshot.process_id.clone(),
        seq: snapshot.seq,
        timestamp: snapshot.timestamp.clone(),
        elections: reports,
    };
    Ok(Imported { snapshot, report })
}

fn snapshot(
    catalog: Catalog,
    actas: &[Vec<Acta>],
    corte: &DateTime<FixedOffset>,
    opts: &Options,
) -> NewSnapshot {
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
    NewSnapshot {
        process_id: catalog.process.id.clone(),
        seq: opts.seq,
        timestamp: corte.to_rfc3339(),
        final_corte: opts.final_corte,
        members,
    }
}

fn corte_time(
    f: &PublishedFile,
    opts: &Options,
    log: &mut Log,
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
    if reader::corte_line_has_words(&f.corte_text) {
        let taken = local.format("%d/%m/%Y %H:%M").to_string();
        log.note(
            Kind::CorteLine,
            &f.file,
            Some(2),
            None,
            &f.corte_text,
            &taken,
        );
    }
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

/// The evidence key of a contest unit: the entidad's single unit is `*`.
fn evidence_unit(contest: ContestLevel, unit: &str) -> &str {
    match contest {
        ContestLevel::Entidad => "*",
        _ => unit,
    }
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
    /// The first spelling of each numeric place id (by column), so `12` and
    /// `012` meet.
    unit_spellings: HashMap<(&'static str, String), String>,
    secciones: Vec<Seccion>,
    seccion_ix: HashMap<String, usize>,
    casillas: Vec<Casilla>,
    casilla_ix: HashMap<String, usize>,
    /// Where each casilla was first described, for conflict messages.
    casilla_origin: Vec<(String, u64)>,
    /// Whether some row gave each casilla's lista nominal.
    lista_nominal_known: Vec<bool>,
}

/// Parties and independents that run as one candidacy, with its candidate.
#[derive(Debug, Clone, Default)]
struct Group {
    parties: Vec<String>,
    independents: Vec<String>,
    name: String,
    suplente: String,
}

impl Group {
    fn overlaps(&self, other: &Group) -> bool {
        self.parties.iter().any(|p| other.parties.contains(p))
            || self
                .independents
                .iter()
                .any(|c| other.independents.contains(c))
    }

    fn absorb(&mut self, other: Group) {
        for p in other.parties {
            if !self.parties.contains(&p) {
                self.parties.push(p);
            }
        }
        for c in other.independents {
            if !self.independents.contains(&c) {
                self.independents.push(c);
            }
        }
        if self.name.is_empty() {
            self.name = other.name;
        }
        if self.suplente.is_empty() {
            self.suplente = other.suplente;
        }
    }
}

/// Groups joined by a shared party or independent (union of overlapping sets).
fn merge_groups(sets: Vec<Group>) -> Vec<Group> {
    let mut groups: Vec<Group> = Vec::new();
    for mut merged in sets {
        while let Some(i) = groups.iter().position(|g| g.overlaps(&merged)) {
            merged.absorb(groups.remove(i));
        }
        groups.push(merged);
    }
    groups
}

/// The options of a group: those whose parties all run in it, or its
/// independents.
fn options_for_group(options: &[BallotOption], group: &Group) -> Vec<usize> {
    options
        .iter()
        .enumerate()
        .filter(|(_, o)| match o.kind {
            OptionKind::Party | OptionKind::Coalition | OptionKind::Comun => {
                !o.parties.is_empty() && o.parties.iter().all(|p| group.parties.contains(p))
            }
            OptionKind::Independent => group.independents.contains(&o.column),
            _ => false,
        })
        .map(|(i, _)| i)
        .collect()
}

/// The option a candidates-file row names by itself: its party's column, its
/// combination's column, or its independent's.
fn own_option(options: &[BallotOption], row: &candidates::CandRow) -> Option<usize> {
    if let Some(c) = row.independents.first() {
        return options.iter().position(|o| &o.column == c);
    }
    options.iter().position(|o| {
        o.parties.len() == row.parties.len()
            && !o.parties.is_empty()
            && o.parties.iter().all(|p| row.parties.contains(p))
    })
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
            unit_spellings: HashMap::new(),
            secciones: Vec::new(),
            seccion_ix: HashMap::new(),
            casillas: Vec::new(),
            casilla_ix: HashMap::new(),
            casilla_origin: Vec::new(),
            lista_nominal_known: Vec::new(),
        }
    }

    fn add_election(
        &mut self,
        file: &PublishedFile,
        candidaturas: Option<&(String, Vec<u8>)>,
        mut log: Log,
    ) -> Result<ElectionReport, ContractError> {
        let id = election_id_from_file(&file.file);
        if self.elections.iter().any(|e| e.id == id) {
            return Err(ContractError::new(
                &file.file,
                format!("election `{id}` is imported twice"),
            ));
        }
        let (options, party_ids) = ballot::options(file, self.opts, &mut log)?;
        self.add_parties(&party_ids);
        let cand = match candidaturas {
            Some((name, bytes)) => Some(candidates::read(
                name, bytes, &options, &party_ids, &mut log,
            )?),
            None => None,
        };
        let contest = self.contest_of(&id, cand.as_ref());
        let mut election = Election {
            id: id.clone(),
            name: file.election_name.clone(),
            contest,
            options,
            candidacies: Vec::new(),
            rp_acta_types: Vec::new(),
            actas_esperadas_no_listadas: 0,
        };
        let mut rows = self.read_rows(file, &mut election, &mut log)?;
        self.set_candidacies(file, &mut election, cand.as_ref(), &rows.evidence, &mut log)?;
        rows::fit_to_ballots(file, &election, &mut rows, &mut log)?;
        let mut notes = Vec::new();
        self.no_listadas(file, &mut election, rows.expected, &mut notes);
        let (normalizations, spellings) = log.finish();
        let report = ElectionReport {
            file: file.file.clone(),
            candidaturas: candidaturas.map(|(n, _)| n.clone()),
            election: id,
            rows: rows.counts,
            actas_esperadas_no_listadas: election.actas_esperadas_no_listadas,
            normalizations,
            spellings,
            observaciones_publicadas: Vec::new(),
            published_summary: file.summary.clone(),
            summary: Vec::new(),
            notes,
        };
        self.elections.push(election);
        self.actas.push(rows.actas);
        Ok(report)
    }

    /// How an election is contested: as forced, as its candidates file's
    /// unit column says, or as its id suggests.
    fn contest_of(&self, id: &str, cand: Option<&CandidaturasFile>) -> ContestLevel {
        self.opts
            .contest
            .iter()
            .find(|(e, _)| e == id)
            .map(|(_, c)| *c)
            .or_else(|| cand.and_then(|c| c.level))
            .unwrap_or_else(|| default_contest(id))
    }

    fn add_parties(&mut self, party_ids: &[String]) {
        for p in party_ids {
            if !self.parties.iter().any(|q| &q.id == p) {
                let (name, color) = super::parties::lookup(p);
                self.parties.push(Party {
                    id: p.clone(),
                    name,
                    color,
                });
            }
        }
    }

    /// Expected actas the file declares but does not list.
    fn no_listadas(
        &self,
        file: &PublishedFile,
        election: &mut Election,
        listed: u64,
        notes: &mut Vec<String>,
    ) {
        let Some(declared) = file
            .summary_value("ACTAS_ESPERADAS")
            .and_then(|v| v.parse::<u64>().ok())
        else {
            return;
        };
        if declared > listed {
            election.actas_esperadas_no_listadas = (declared - listed) as u32;
            notes.push(format!(
                "the file lists {listed} expected actas but declares ACTAS_ESPERADAS {declared}; \
                 {} expected actas are not itemised and are recorded as actas_esperadas_no_listadas",
                declared - listed
            ));
        } else if declared < listed {
            notes.push(format!(
                "the file lists {listed} expected actas but declares only {declared}"
            ));
        }
    }

    fn set_candidacies(
        &self,
        file: &PublishedFile,
        election: &mut Election,
        cand: Option<&CandidaturasFile>,
        evidence: &Evidence,
        log: &mut Log,
    ) -> Result<(), ContractError> {
        let units: Vec<String> = match election.contest {
            ContestLevel::Entidad => vec![self.entidad_id()],
            ContestLevel::Distrito => self.unit_ids_of(election, true),
            ContestLevel::Demarcacion => self.unit_ids_of(election, false),
        };
        for unit in &units {
            let eu = evidence_unit(election.contest, unit);
            let groups = match cand {
                Some(c) => candidates_groups(file, election, c, unit, eu, evidence, log)?,
                None => evidence_groups(election, eu, evidence),
            };
            for group in merge_groups(groups) {
                let options: Vec<String> = options_for_group(&election.options, &group)
                    .into_iter()
                    .filter(|o| !evidence.absent(eu, *o))
                    .map(|o| election.options[o].column.clone())
                    .collect();
                if options.is_empty() {
                    continue;
                }
                election.candidacies.push(Candidacy {
                    unit: unit.clone(),
                    options,
                    name: group.name,
                    suplente: group.suplente,
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

    /// Builds the catalog and settles each acta's published classification
    /// against the rules; returns, per election, the rows whose published
    /// classification was kept.
    #[allow(clippy::type_complexity)]
    fn finish(
        mut self,
        corte: &DateTime<FixedOffset>,
    ) -> Result<(Catalog, Vec<Vec<Acta>>, Vec<Vec<KeptRow>>), ContractError> {
        let mut actas = std::mem::take(&mut self.actas);
        let catalog = self.catalog(corte);
        catalog.index()?;
        let kept = actas
            .iter_mut()
            .map(|list| keep_published(&catalog, list))
            .collect();
        Ok((catalog, actas, kept))
    }
}

/// Keeps the published classification only where the rules, applied to the
/// published fields, give something else; lists those rows.
fn keep_published(catalog: &Catalog, actas: &mut [Acta]) -> Vec<KeptRow> {
    let mut kept = Vec::new();
    for a in actas.iter_mut() {
        let (Some(c), Some(published)) = (a.casilla, a.observacion_publicada) else {
            continue;
        };
        let ours =
            crate::tally::classify::observacion_por_reglas(&a.votos, &catalog.casillas[c as usize]);
        if published == Publicada::Observacion(ours) {
            a.observacion_publicada = None;
        } else {
            kept.push(KeptRow {
                row: a.line,
                published: published.text().to_string(),
                rules: Publicada::Observacion(ours).text().to_string(),
            });
        }
    }
    kept
}

/// A unit's candidacies from the candidates file. A row is a candidacy of
/// its unit if it names a candidate, or its own column has votes on a
/// counted acta of the unit, or — where no row of the unit names one and
/// no acta says otherwise — simply because it is listed.
fn candidates_groups(
    file: &PublishedFile,
    election: &Election,
    c: &CandidaturasFile,
    unit: &str,
    eu: &str,
    evidence: &Evidence,
    log: &mut Log,
) -> Result<Vec<Group>, ContractError> {
    let rows: Vec<&candidates::CandRow> = c
        .rows
        .iter()
        .filter(|r| {
            election.contest == ContestLevel::Entidad
                || r.unit.as_deref().is_some_and(|u| same_unit(u, unit))
        })
        .collect();
    if rows.is_empty() {
        return Err(ContractError::new(
            &c.file,
            format!("has no candidacies for unit `{unit}` of {}", file.file),
        ));
    }
    let named = rows.iter().any(|r| !r.name.is_empty());
    let mut groups = Vec::new();
    for r in rows {
        let numbers = own_option(&election.options, r)
            .filter(|_| evidence.has(eu))
            .map(|o| evidence.votes(eu, o));
        let runs = !r.name.is_empty() || numbers == Some(true) || (numbers.is_none() && !named);
        if !runs {
            log.note(
                Kind::CandidatesNotRunning,
                &c.file,
                Some(r.line),
                Some("PARTIDO_CI"),
                &r.label,
                "",
            );
            continue;
        }
        groups.push(Group {
            parties: r.parties.clone(),
            independents: r.independents.clone(),
            name: r.name.clone(),
            suplente: r.suplente.clone(),
        });
    }
    Ok(groups)
}

/// A unit's candidacies without a candidates file: the options with votes
/// on its counted actas, joined by their combinations; a unit with no
/// counted acta gets every party, combinations joined, and every independent.
fn evidence_groups(election: &Election, eu: &str, evidence: &Evidence) -> Vec<Group> {
    let seen = evidence.has(eu);
    election
        .options
        .iter()
        .enumerate()
        .filter(|(o, _)| !seen || evidence.votes(eu, *o))
        .filter_map(|(_, o)| match o.kind {
            OptionKind::Party | OptionKind::Coalition | OptionKind::Comun => Some(Group {
                parties: o.parties.clone(),
                ..Group::default()
            }),
            OptionKind::Independent => Some(Group {
                independents: vec![o.column.clone()],
                ..Group::default()
            }),
            _ => None,
        })
        .collect()
}

fn digits(v: &str) -> Option<u32> {
    if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
        v.parse().ok()
    } else {
        None
    }
}

/// Numeric ids meet whatever their zero padding: `1` and `001`.
fn same_unit(a: &str, b: &str) -> bool {
    a == b || (digits(a).is_some() && digits(a) == digits(b))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn election_ids_come_from_file_names() {
        assert_eq!(election_id_from_file("CAMP_GOB_2021.csv"), "GOB");
        assert_eq!(election_id_from_file("QROO_DIP_LOC_2019.csv"), "DIP_LOC");
        assert_eq!(election_id_from_file("/x/CDMX_GUB_2024.csv"), "GUB");
        assert_eq!(election_id_from_file("PUE_AYUN_2018.csv"), "AYUN");
    }

    #[test]
    fn comun_flags_parse() {
        let c = Comun::parse("MORENA_PT_PVEM=MORENA:5333,PT:2000,PVEM:2667").unwrap();
        assert_eq!(c.remainder_to, "MORENA");
        assert_eq!(c.shares.len(), 3);
        assert!(Comun::parse("X").is_err());
    }

    #[test]
    fn groups_sharing_a_party_run_as_one_candidacy() {
        let g = |p: &[&str], name: &str| Group {
            parties: p.iter().map(|s| s.to_string()).collect(),
            name: name.into(),
            ..Group::default()
        };
        // IEE Puebla 2018, municipio 1: SUM-PAN-PRD named, PAN and PRD listed.
        let merged = merge_groups(vec![
            g(&["PAN"], ""),
            g(&["PRI"], "ROGELIO"),
            g(&["PAN", "PRD"], "RAUL"),
            g(&["PRD"], ""),
        ]);
        assert_eq!(merged.len(), 2);
        let coalition = merged.iter().find(|g| g.parties.len() == 2).unwrap();
        assert_eq!(coalition.name, "RAUL");
    }
}

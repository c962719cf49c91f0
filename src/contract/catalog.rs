//! `catalog.json`: what is static for a process — the elections and their
//! ballots, the candidacies per contest unit, the geography and the casillas
//! with their lista nominal and expected actas.
//!
//! This module holds the serde types and [`Catalog::index`], which validates
//! the catalog and builds the lookups every later stage uses. It does no I/O.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::error::{ContractError, Result};
use super::ids::plain_key_problem;
use super::ruleset::RulesetRef;

pub const CATALOG_FILE: &str = "catalog.json";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    pub contract_version: u32,
    pub process: Process,
    pub entidad: Entidad,
    /// IANA time zone of the entidad (`America/Mexico_City`); informative: every
    /// timestamp in a snapshot carries its own UTC offset.
    pub time_zone: String,
    pub ruleset: RulesetRef,
    #[serde(default)]
    pub parties: Vec<Party>,
    pub elections: Vec<Election>,
    #[serde(default)]
    pub distritos: Vec<Unit>,
    #[serde(default)]
    pub demarcaciones: Vec<Unit>,
    #[serde(default)]
    pub secciones: Vec<Seccion>,
    pub casillas: Vec<Casilla>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Process {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub institute: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entidad {
    /// Two-digit INE key (`09`).
    pub id: String,
    pub name: String,
    /// Short name used in file names (`CDMX`); see [`super::entidades`].
    pub abbr: String,
    /// How the second geographic level is called in this entidad's files:
    /// `MUNICIPIO` (default) or `ALCALDIA` (Ciudad de México).
    #[serde(default = "default_demarcacion_term")]
    pub demarcacion_term: String,
}

fn default_demarcacion_term() -> String {
    "MUNICIPIO".into()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Party {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum ContestLevel {
    /// One contest for the whole entidad (Jefatura de Gobierno, Gubernatura).
    Entidad,
    /// One contest per distrito (Diputaciones de mayoría relativa).
    Distrito,
    /// One contest per demarcación or municipio (Alcaldías, Ayuntamientos).
    Demarcacion,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Election {
    /// File prefix and key: `GUB`, `DIP_LOC`, `ALC`.
    pub id: String,
    /// As printed on line 1 of the database file: `JEFATURA DE GOBIERNO`.
    pub name: String,
    pub contest: ContestLevel,
    /// Every vote column of the acta, in ballot order.
    pub options: Vec<BallotOption>,
    /// Who runs in each contest unit, and which options add up to each.
    pub candidacies: Vec<Candidacy>,
    /// Acta types tallied apart as representación proporcional (casillas
    /// especiales' `A03ERP`): they count in the summary and in the entidad's
    /// RP totals, never in a contest unit.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rp_acta_types: Vec<String>,
    /// Expected actas that the catalog does not itemise. Only imports of
    /// published files that omit uncaptured actas set it; a live export lists
    /// every casilla and leaves it 0.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub actas_esperadas_no_listadas: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OptionKind {
    /// A party's own column.
    Party,
    /// A candidatura independiente / sin partido.
    Independent,
    /// A coalition combination (`PAN_PRI_PRD`, `PAN_PRI`, …): split equally.
    Coalition,
    /// A candidatura común: split by the agreed shares.
    Comun,
    NoRegistrados,
    Nulos,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BallotOption {
    /// The CSV column (`PAN`, `PVEM_PT_MORENA`, `NO_REGISTRADAS`).
    pub column: String,
    pub kind: OptionKind,
    /// Party ids: one for `party`, the members for `coalition` and `comun`,
    /// none otherwise.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parties: Vec<String>,
    /// Display name; defaults to the column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    /// `comun` only: each member's share in basis points (1/100 of a percent),
    /// in the order of `parties`, adding up to 10000.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shares: Option<Vec<u32>>,
    /// `comun` only: the party that receives what the shares leave over.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remainder_to: Option<String>,
}

impl BallotOption {
    pub fn display_name(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.column)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Candidacy {
    /// The contest unit: the entidad id, a distrito id or a demarcación id,
    /// after the election's `contest` level.
    pub unit: String,
    /// The columns whose votes go to this candidacy (a party, or a
    /// coalition's parties and all their combinations).
    pub options: Vec<String>,
    /// The candidate (propietaria) as published; may be empty.
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub suplente: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Unit {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Seccion {
    pub id: String,
    /// None only in imports of files that do not say (an Alcaldías file alone).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distrito: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub demarcacion: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
pub enum TipoCasilla {
    /// Básica.
    B,
    /// Contigua.
    C,
    /// Extraordinaria.
    E,
    /// Especial: voters away from home; no lista nominal, a number of boletas.
    S,
    /// Mesa for the votes from abroad.
    M,
    /// Voto anticipado.
    A,
    /// Prisión preventiva.
    P,
}

impl TipoCasilla {
    pub const ALL: [TipoCasilla; 7] = [
        TipoCasilla::B,
        TipoCasilla::C,
        TipoCasilla::E,
        TipoCasilla::S,
        TipoCasilla::M,
        TipoCasilla::A,
        TipoCasilla::P,
    ];

    pub fn letter(self) -> char {
        match self {
            TipoCasilla::B => 'B',
            TipoCasilla::C => 'C',
            TipoCasilla::E => 'E',
            TipoCasilla::S => 'S',
            TipoCasilla::M => 'M',
            TipoCasilla::A => 'A',
            TipoCasilla::P => 'P',
        }
    }

    pub fn from_letter(c: char) -> Option<Self> {
        TipoCasilla::ALL.into_iter().find(|t| t.letter() == c)
    }

    pub fn nombre(self) -> &'static str {
        match self {
            TipoCasilla::B => "Básica",
            TipoCasilla::C => "Contigua",
            TipoCasilla::E => "Extraordinaria",
            TipoCasilla::S => "Especial",
            TipoCasilla::M => "Voto desde el extranjero",
            TipoCasilla::A => "Voto anticipado",
            TipoCasilla::P => "Prisión preventiva",
        }
    }

    pub fn is_especial(self) -> bool {
        self == TipoCasilla::S
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Casilla {
    /// `CLAVE_CASILLA`: entidad(2) + sección(4) + tipo(1) + número(2) + ext. contigua(2).
    pub key: String,
    /// None for the mesas of votes from abroad, which belong to no sección.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seccion: Option<String>,
    pub tipo: TipoCasilla,
    pub numero: u32,
    #[serde(default)]
    pub ext_contigua: u32,
    /// 1 urbana, 2 no urbana.
    #[serde(default = "default_ubicacion")]
    pub ubicacion: u8,
    pub lista_nominal: u32,
    /// Maximum number of party and independent representatives before the mesa.
    #[serde(default)]
    pub representantes: u32,
    /// Casillas especiales: boletas approved. Required for tipo `S`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boletas: Option<u32>,
    /// Distrito of a casilla without sección (votes from abroad); otherwise
    /// taken from its sección and, if given, must agree with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distrito: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub demarcacion: Option<String>,
    /// Expected acta types per election id (`{"GUB": ["A02"]}`).
    pub actas: BTreeMap<String, Vec<String>>,
}

fn default_ubicacion() -> u8 {
    1
}

/// The lookups built once per snapshot by [`Catalog::index`].
#[derive(Debug, Clone, Default)]
pub struct CatalogIndex {
    pub casilla_by_key: HashMap<String, u32>,
    pub distrito_by_id: HashMap<String, u32>,
    pub demarcacion_by_id: HashMap<String, u32>,
    pub seccion_by_id: HashMap<String, u32>,
    pub party_by_id: HashMap<String, u32>,
    /// Per casilla: its distrito and demarcación (indexes), resolved.
    pub casilla_distrito: Vec<Option<u32>>,
    pub casilla_demarcacion: Vec<Option<u32>>,
    pub casilla_seccion: Vec<Option<u32>>,
    pub elections: Vec<ElectionIndex>,
}

/// Per election: its columns, contest units and candidacies resolved to indexes.
#[derive(Debug, Clone, Default)]
pub struct ElectionIndex {
    pub option_by_column: HashMap<String, u32>,
    /// Contest units in catalog order (the entidad, the distritos or the demarcaciones).
    pub units: Vec<String>,
    pub unit_by_id: HashMap<String, u32>,
    /// Per unit: its candidacies (indexes into `Election::candidacies`).
    pub unit_candidacies: Vec<Vec<u32>>,
    /// Per unit: which option columns are on its ballot.
    pub unit_ballot: Vec<Vec<bool>>,
    /// Per candidacy: its option indexes, and its key (shared by the same
    /// party grouping in other units: `PAN_PRD_PESQROO`).
    pub candidacy_options: Vec<Vec<u32>>,
    pub candidacy_key: Vec<String>,
    /// Per candidacy: its key's index in `candidacy_keys`.
    pub candidacy_key_index: Vec<usize>,
    /// Distinct candidacy keys in first-seen ballot order.
    pub candidacy_keys: Vec<String>,
    /// Parties that appear on this election's ballot, in ballot order.
    pub parties: Vec<u32>,
    /// Number of expected actas (catalog) and RP acta types.
    pub actas_esperadas: u64,
    pub rp_acta_types: HashSet<String>,
}

fn err(field: impl Into<String>, message: impl Into<String>) -> ContractError {
    ContractError::new(CATALOG_FILE, message).at_field(field)
}

fn check_key(field: &str, value: &str) -> Result<()> {
    match plain_key_problem(value) {
        Some(problem) => Err(err(
            field,
            format!("`{value}` is not a plain key: it {problem}"),
        )),
        None => Ok(()),
    }
}

/// The IANA time zone names (zones and links) of the tz database 2025b.
const IANA_ZONES: &str = include_str!("iana-zones.txt");

fn check_time_zone(zone: &str) -> Result<()> {
    if IANA_ZONES.lines().any(|z| z == zone) {
        return Ok(());
    }
    Err(err(
        "time_zone",
        format!("`{zone}` is not an IANA time zone (tz database 2025b), e.g. America/Mexico_City"),
    ))
}

fn check_color(field: &str, color: &Option<String>) -> Result<()> {
    if let Some(c) = color {
        let ok =
            c.len() == 7 && c.starts_with('#') && c[1..].bytes().all(|b| b.is_ascii_hexdigit());
        if !ok {
            return Err(err(
                field,
                format!("colour `{c}` is not of the form #RRGGBB"),
            ));
        }
    }
    Ok(())
}

fn index_units(what: &str, units: &[Unit]) -> Result<HashMap<String, u32>> {
    let mut map = HashMap::with_capacity(units.len());
    for (i, u) in units.iter().enumerate() {
        let field = format!("{what}[{i}].id");
        check_key(&field, &u.id)?;
        if map.insert(u.id.clone(), i as u32).is_some() {
            return Err(err(field, format!("{what} `{}` appears twice", u.id)));
        }
    }
    Ok(map)
}

impl Catalog {
    /// Validates the catalog and builds its lookups. Errors name the JSON field.
    pub fn index(&self) -> Result<CatalogIndex> {
        super::check_version(CATALOG_FILE, self.contract_version)?;
        check_key("process.id", &self.process.id)?;
        check_key("entidad.id", &self.entidad.id)?;
        check_time_zone(&self.time_zone)?;
        check_key("entidad.abbr", &self.entidad.abbr)?;
        check_key("entidad.demarcacion_term", &self.entidad.demarcacion_term)?;
        if let RulesetRef::Named(name) = &self.ruleset
            && super::ruleset::builtin(name).is_none()
        {
            return Err(err(
                "ruleset",
                format!(
                    "unknown ruleset `{name}`; the built-in rulesets are {}, or give the knobs inline",
                    super::ruleset::BUILTIN_NAMES.join(", ")
                ),
            ));
        }

        let mut ix = CatalogIndex::default();
        for (i, p) in self.parties.iter().enumerate() {
            let field = format!("parties[{i}]");
            check_key(&format!("{field}.id"), &p.id)?;
            check_color(&format!("{field}.color"), &p.color)?;
            if ix.party_by_id.insert(p.id.clone(), i as u32).is_some() {
                return Err(err(field, format!("party `{}` appears twice", p.id)));
            }
        }
        ix.distrito_by_id = index_units("distritos", &self.distritos)?;
        ix.demarcacion_by_id = index_units("demarcaciones", &self.demarcaciones)?;
        self.index_secciones(&mut ix)?;
        self.index_casillas(&mut ix)?;
        let mut seen = HashSet::new();
        for (e, election) in self.elections.iter().enumerate() {
            let field = format!("elections[{e}]");
            check_key(&format!("{field}.id"), &election.id)?;
            if !seen.insert(election.id.as_str()) {
                return Err(err(
                    field,
                    format!("election `{}` appears twice", election.id),
                ));
            }
            let eix = self.index_election(e, &ix)?;
            ix.elections.push(eix);
        }
        self.count_expected(&mut ix)?;
        Ok(ix)
    }

    fn index_secciones(&self, ix: &mut CatalogIndex) -> Result<()> {
        for (i, s) in self.secciones.iter().enumerate() {
            let field = format!("secciones[{i}]");
            check_key(&format!("{field}.id"), &s.id)?;
            if let Some(d) = &s.distrito
                && !ix.distrito_by_id.contains_key(d)
            {
                return Err(err(
                    format!("{field}.distrito"),
                    format!(
                        "sección `{}` names distrito `{d}`, which is not in `distritos`",
                        s.id
                    ),
                ));
            }
            if let Some(d) = &s.demarcacion
                && !ix.demarcacion_by_id.contains_key(d)
            {
                return Err(err(
                    format!("{field}.demarcacion"),
                    format!(
                        "sección `{}` names demarcación `{d}`, which is not in `demarcaciones`",
                        s.id
                    ),
                ));
            }
            if ix.seccion_by_id.insert(s.id.clone(), i as u32).is_some() {
                return Err(err(field, format!("sección `{}` appears twice", s.id)));
            }
        }
        Ok(())
    }

    fn index_casillas(&self, ix: &mut CatalogIndex) -> Result<()> {
        let n = self.casillas.len();
        ix.casilla_by_key.reserve(n);
        ix.casilla_distrito.reserve(n);
        ix.casilla_demarcacion.reserve(n);
        ix.casilla_seccion.reserve(n);
        for (i, c) in self.casillas.iter().enumerate() {
            let field = format!("casillas[{i}]");
            check_key(&format!("{field}.key"), &c.key)?;
            if ix.casilla_by_key.insert(c.key.clone(), i as u32).is_some() {
                return Err(err(
                    format!("{field}.key"),
                    format!("casilla `{}` appears twice", c.key),
                ));
            }
            check_casilla(&field, c)?;
            let seccion = match &c.seccion {
                Some(s) => Some(*ix.seccion_by_id.get(s).ok_or_else(|| {
                    err(
                        format!("{field}.seccion"),
                        format!(
                            "casilla `{}` names sección `{s}`, which is not in `secciones`",
                            c.key
                        ),
                    )
                })?),
                None => None,
            };
            let sec = seccion.map(|s| &self.secciones[s as usize]);
            let distrito = resolve_unit(
                &field,
                "distrito",
                &c.key,
                c.distrito.as_deref(),
                sec.and_then(|s| s.distrito.as_deref()),
                &ix.distrito_by_id,
            )?;
            let demarcacion = resolve_unit(
                &field,
                "demarcacion",
                &c.key,
                c.demarcacion.as_deref(),
                sec.and_then(|s| s.demarcacion.as_deref()),
                &ix.demarcacion_by_id,
            )?;
            ix.casilla_seccion.push(seccion);
            ix.casilla_distrito.push(distrito);
            ix.casilla_demarcacion.push(demarcacion);
            self.check_acta_types(&field, c)?;
        }
        Ok(())
    }

    /// The actas a casilla expects: of elections of the catalog, each type
    /// a plain key listed once.
    fn check_acta_types(&self, field: &str, c: &Casilla) -> Result<()> {
        for (election, types) in &c.actas {
            if !self.elections.iter().any(|e| &e.id == election) {
                return Err(err(
                    format!("{field}.actas"),
                    format!(
                        "casilla `{}` expects an acta for election `{election}`, which is not in `elections`",
                        c.key
                    ),
                ));
            }
            let mut seen = HashSet::new();
            for t in types {
                check_key(&format!("{field}.actas.{election}"), t)?;
                if !seen.insert(t) {
                    return Err(err(
                        format!("{field}.actas.{election}"),
                        format!("casilla `{}` lists acta type `{t}` twice", c.key),
                    ));
                }
            }
        }
        Ok(())
    }

    fn index_election(&self, e: usize, ix: &CatalogIndex) -> Result<ElectionIndex> {
        let election = &self.elections[e];
        let base = format!("elections[{e}]");
        let mut eix = ElectionIndex::default();
        self.index_options(&base, election, ix, &mut eix)?;
        let units: Vec<String> = match election.contest {
            ContestLevel::Entidad => vec![self.entidad.id.clone()],
            ContestLevel::Distrito => self.distritos.iter().map(|u| u.id.clone()).collect(),
            ContestLevel::Demarcacion => self.demarcaciones.iter().map(|u| u.id.clone()).collect(),
        };
        eix.unit_by_id = units
            .iter()
            .enumerate()
            .map(|(i, u)| (u.clone(), i as u32))
            .collect();
        eix.units = units;
        eix.unit_candidacies = vec![Vec::new(); eix.units.len()];
        eix.unit_ballot = vec![vec![false; election.options.len()]; eix.units.len()];
        for (k, cand) in election.candidacies.iter().enumerate() {
            let field = format!("{base}.candidacies[{k}]");
            index_candidacy(&field, election, k, cand, &mut eix)?;
        }
        for (u, ballot) in eix.unit_ballot.iter_mut().enumerate() {
            if eix.unit_candidacies[u].is_empty() {
                continue;
            }
            for (o, opt) in election.options.iter().enumerate() {
                if matches!(opt.kind, OptionKind::NoRegistrados | OptionKind::Nulos) {
                    ballot[o] = true;
                }
            }
        }
        for t in &election.rp_acta_types {
            check_key(&format!("{base}.rp_acta_types"), t)?;
            eix.rp_acta_types.insert(t.clone());
        }
        Ok(eix)
    }

    fn index_options(
        &self,
        base: &str,
        election: &Election,
        ix: &CatalogIndex,
        eix: &mut ElectionIndex,
    ) -> Result<()> {
        let mut nulos = 0;
        for (o, opt) in election.options.iter().enumerate() {
            let field = format!("{base}.options[{o}]");
            check_key(&format!("{field}.column"), &opt.column)?;
            check_color(&format!("{field}.color"), &opt.color)?;
            if super::acta::FIXED_COLUMNS.contains(&opt.column.as_str()) {
                return Err(err(
                    format!("{field}.column"),
                    format!("`{}` is a reserved column name", opt.column),
                ));
            }
            if eix
                .option_by_column
                .insert(opt.column.clone(), o as u32)
                .is_some()
            {
                return Err(err(
                    format!("{field}.column"),
                    format!("column `{}` appears twice", opt.column),
                ));
            }
            let want = match opt.kind {
                OptionKind::Party => Some((1, 1)),
                OptionKind::Coalition | OptionKind::Comun => Some((2, usize::MAX)),
                OptionKind::Independent | OptionKind::NoRegistrados | OptionKind::Nulos => {
                    Some((0, 0))
                }
            };
            if let Some((lo, hi)) = want
                && !(lo..=hi).contains(&opt.parties.len())
            {
                return Err(err(
                    format!("{field}.parties"),
                    format!(
                        "a `{:?}` option lists {} parties",
                        opt.kind,
                        opt.parties.len()
                    ),
                ));
            }
            for p in &opt.parties {
                let pi = *ix.party_by_id.get(p).ok_or_else(|| {
                    err(
                        format!("{field}.parties"),
                        format!("party `{p}` is not in `parties`"),
                    )
                })?;
                if !eix.parties.contains(&pi) {
                    eix.parties.push(pi);
                }
            }
            if opt.kind == OptionKind::Nulos {
                nulos += 1;
            }
            self.check_shares(&field, opt)?;
        }
        eix.parties
            .sort_by_key(|p| first_ballot_position(election, &self.parties[*p as usize].id));
        if nulos != 1 {
            return Err(err(
                format!("{base}.options"),
                format!("an election has exactly one `nulos` option, found {nulos}"),
            ));
        }
        Ok(())
    }

    fn check_shares(&self, field: &str, opt: &BallotOption) -> Result<()> {
        match (opt.kind, &opt.shares, &opt.remainder_to) {
            (OptionKind::Comun, Some(shares), Some(rest)) => {
                if shares.len() != opt.parties.len() {
                    return Err(err(
                        format!("{field}.shares"),
                        "one share per member party is needed",
                    ));
                }
                let total: u64 = shares.iter().map(|s| *s as u64).sum();
                if total != 10_000 {
                    return Err(err(
                        format!("{field}.shares"),
                        format!("shares add up to {total} basis points, not 10000"),
                    ));
                }
                if !opt.parties.contains(rest) {
                    return Err(err(
                        format!("{field}.remainder_to"),
                        format!("`{rest}` is not a member of this candidatura común"),
                    ));
                }
                Ok(())
            }
            (OptionKind::Comun, _, _) => Err(err(
                format!("{field}.shares"),
                "a candidatura común needs `shares` (basis points per member) and `remainder_to`",
            )),
            (_, None, None) => Ok(()),
            _ => Err(err(
                format!("{field}.shares"),
                "only a `comun` option has shares",
            )),
        }
    }

    fn count_expected(&self, ix: &mut CatalogIndex) -> Result<()> {
        let by_id: HashMap<&str, usize> = self
            .elections
            .iter()
            .enumerate()
            .map(|(i, e)| (e.id.as_str(), i))
            .collect();
        for (i, c) in self.casillas.iter().enumerate() {
            for (election, types) in &c.actas {
                let e = by_id[election.as_str()];
                let eix = &ix.elections[e];
                if self.elections[e].contest != ContestLevel::Entidad {
                    let unit = match self.elections[e].contest {
                        ContestLevel::Distrito => ix.casilla_distrito[i],
                        _ => ix.casilla_demarcacion[i],
                    };
                    let needs_unit = types.iter().any(|t| !eix.rp_acta_types.contains(t));
                    if needs_unit && unit.is_none() {
                        return Err(err(
                            format!("casillas[{i}].actas.{election}"),
                            format!(
                                "casilla `{}` expects an acta for `{election}`, contested per {:?}, but has no {:?}",
                                c.key, self.elections[e].contest, self.elections[e].contest
                            ),
                        ));
                    }
                }
                let unit = match self.elections[e].contest {
                    ContestLevel::Entidad => Some(0),
                    ContestLevel::Distrito => ix.casilla_distrito[i]
                        .map(|d| eix.unit_by_id[&self.distritos[d as usize].id]),
                    ContestLevel::Demarcacion => ix.casilla_demarcacion[i]
                        .map(|d| eix.unit_by_id[&self.demarcaciones[d as usize].id]),
                };
                if let Some(u) = unit
                    && eix.unit_candidacies[u as usize].is_empty()
                {
                    return Err(err(
                        format!("elections[{e}].candidacies"),
                        format!(
                            "contest unit `{}` of election `{election}` has expected actas (casilla `{}`) but no candidacies",
                            eix.units[u as usize], c.key
                        ),
                    ));
                }
                ix.elections[e].actas_esperadas += types.len() as u64;
            }
        }
        for (e, election) in self.elections.iter().enumerate() {
            ix.elections[e].actas_esperadas += election.actas_esperadas_no_listadas as u64;
        }
        Ok(())
    }
}

/// What a casilla must say of itself: boletas if it is especial, and an
/// ubicación of 1 or 2.
fn check_casilla(field: &str, c: &Casilla) -> Result<()> {
    if c.tipo.is_especial() && c.boletas.is_none() {
        return Err(err(
            format!("{field}.boletas"),
            format!(
                "casilla especial `{}` needs `boletas` (the boletas approved for it)",
                c.key
            ),
        ));
    }
    if !(1..=2).contains(&c.ubicacion) {
        return Err(err(
            format!("{field}.ubicacion"),
            format!(
                "casilla `{}`: ubicación must be 1 (urbana) or 2 (no urbana), not {}",
                c.key, c.ubicacion
            ),
        ));
    }
    Ok(())
}

/// One candidacy of an election: its unit, its options (each on that
/// unit's ballot once, none a no-registrados or nulos option) and its key.
fn index_candidacy(
    field: &str,
    election: &Election,
    k: usize,
    cand: &Candidacy,
    eix: &mut ElectionIndex,
) -> Result<()> {
    let unit = *eix.unit_by_id.get(&cand.unit).ok_or_else(|| {
        err(
            format!("{field}.unit"),
            format!(
                "unit `{}` is not a contest unit of election `{}` (its contest level is {:?})",
                cand.unit, election.id, election.contest
            ),
        )
    })?;
    if cand.options.is_empty() {
        return Err(err(
            format!("{field}.options"),
            "a candidacy needs at least one option",
        ));
    }
    let mut opts = Vec::with_capacity(cand.options.len());
    for col in &cand.options {
        let o = *eix.option_by_column.get(col).ok_or_else(|| {
            err(
                format!("{field}.options"),
                format!(
                    "column `{col}` is not an option of election `{}`",
                    election.id
                ),
            )
        })?;
        let kind = election.options[o as usize].kind;
        if matches!(kind, OptionKind::NoRegistrados | OptionKind::Nulos) {
            return Err(err(
                format!("{field}.options"),
                format!("`{col}` ({kind:?}) cannot belong to a candidacy"),
            ));
        }
        let ballot = &mut eix.unit_ballot[unit as usize];
        if ballot[o as usize] {
            return Err(err(
                format!("{field}.options"),
                format!(
                    "column `{col}` belongs to two candidacies in unit `{}`",
                    cand.unit
                ),
            ));
        }
        ballot[o as usize] = true;
        opts.push(o);
    }
    opts.sort_unstable();
    eix.unit_candidacies[unit as usize].push(k as u32);
    let key = candidacy_key(election, &opts);
    let key_index = match eix.candidacy_keys.iter().position(|k| k == &key) {
        Some(i) => i,
        None => {
            eix.candidacy_keys.push(key.clone());
            eix.candidacy_keys.len() - 1
        }
    };
    eix.candidacy_key_index.push(key_index);
    eix.candidacy_key.push(key);
    eix.candidacy_options.push(opts);
    Ok(())
}

fn resolve_unit(
    field: &str,
    what: &str,
    key: &str,
    explicit: Option<&str>,
    from_seccion: Option<&str>,
    ids: &HashMap<String, u32>,
) -> Result<Option<u32>> {
    let id = match (explicit, from_seccion) {
        (Some(a), Some(b)) if a != b => {
            return Err(err(
                format!("{field}.{what}"),
                format!("casilla `{key}` says {what} `{a}` but its sección is in {what} `{b}`"),
            ));
        }
        (Some(a), _) => a,
        (None, Some(b)) => b,
        (None, None) => return Ok(None),
    };
    ids.get(id).copied().map(Some).ok_or_else(|| {
        err(
            format!("{field}.{what}"),
            format!("casilla `{key}` names {what} `{id}`, which is not listed"),
        )
    })
}

/// A candidacy's key: its parties joined in ballot order (`PAN_PRD_PESQROO`),
/// or the independent's column; the same grouping in another unit shares it.
fn candidacy_key(election: &Election, options: &[u32]) -> String {
    let mut parties: Vec<&str> = Vec::new();
    let mut others: Vec<&str> = Vec::new();
    for &o in options {
        let opt = &election.options[o as usize];
        if opt.parties.is_empty() {
            others.push(&opt.column);
        }
        for p in &opt.parties {
            if !parties.contains(&p.as_str()) {
                parties.push(p);
            }
        }
    }
    parties.sort_by_key(|p| first_ballot_position(election, p));
    parties.extend(others);
    parties.join("_")
}

fn first_ballot_position(election: &Election, party: &str) -> usize {
    election
        .options
        .iter()
        .position(|o| o.kind == OptionKind::Party && o.parties.iter().any(|p| p == party))
        .or_else(|| {
            election
                .options
                .iter()
                .position(|o| o.parties.iter().any(|p| p == party))
        })
        .unwrap_or(usize::MAX)
}

//! Acta rows: what each published row is (not yet captured, captured, sin
//! acta, fuera de catálogo), its fields read leniently, and its published
//! classification; then, once the ballots are known, each acta's fields
//! fitted to its unit's ballot.

use std::collections::HashMap;

use chrono::{DateTime, FixedOffset, TimeZone};

use super::ballot::{Evidence, unit_key};
use super::normalize::{self, Cont, Hash, Obs, Picked, Voto, is_nothing};
use super::report::{Kind, Log, RowCounts};
use super::{Builder, evidence_unit};
use crate::anexo13::reader::{PublishedFile, Row, parse_local_time};
use crate::contract::acta::{DIGITALIZACIONES, MECANISMOS, ORIGENES, TIPOS_DOCUMENTO};
use crate::contract::ids::is_plain_key;
use crate::contract::{
    Acta, Campo, ContestLevel, ContractError, Election, EstadoActa, Observacion, OptionKind,
    Publicada,
};

/// One row of a file, read by column name.
pub(super) struct RowView<'a> {
    pub file: &'a PublishedFile,
    pub row: &'a Row,
}

impl RowView<'_> {
    /// The field under a column ("" if the file has no such column).
    pub fn get(&self, column: &str) -> &str {
        self.file
            .column(column)
            .map(|c| self.row.fields[c].as_str())
            .unwrap_or("")
    }

    pub fn err(&self, column: &str, message: impl Into<String>) -> ContractError {
        self.file.err(self.row.line, Some(column), message)
    }

    /// Records a normalization of this row's field.
    pub fn note(&self, log: &mut Log, kind: Kind, column: &str, taken: &str) {
        let published = self.get(column);
        log.note(
            kind,
            &self.file.file,
            Some(self.row.line),
            Some(column),
            published,
            taken,
        );
    }
}

/// What an election's rows gave.
pub(super) struct Rows {
    pub actas: Vec<Acta>,
    /// Per acta: its row in the file, and its contest unit's evidence key
    /// (None: every option is on its ballot, or it has no votes).
    pub places: Vec<(usize, Option<String>)>,
    pub expected: u64,
    pub evidence: Evidence,
    pub counts: RowCounts,
}

impl Builder<'_> {
    pub(super) fn read_rows(
        &mut self,
        file: &PublishedFile,
        election: &mut Election,
        log: &mut Log,
    ) -> Result<Rows, ContractError> {
        let mut out = Rows {
            actas: Vec::new(),
            places: Vec::new(),
            expected: 0,
            evidence: Evidence::default(),
            counts: RowCounts {
                total: file.rows.len(),
                ..RowCounts::default()
            },
        };
        for (i, row) in file.rows.iter().enumerate() {
            let v = RowView { file, row };
            self.read_row(&v, i, election, &mut out, log)?;
        }
        Ok(out)
    }

    fn read_row(
        &mut self,
        v: &RowView,
        i: usize,
        election: &mut Election,
        out: &mut Rows,
        log: &mut Log,
    ) -> Result<(), ContractError> {
        let (obs, obs_kind) = normalize::observaciones(v.get("OBSERVACIONES"))
            .map_err(|m| v.err("OBSERVACIONES", m))?;
        let (cont, cont_kind) = normalize::contabilizada(v.get("CONTABILIZADA"))
            .map_err(|m| v.err("CONTABILIZADA", m))?;
        if let Some(k) = cont_kind {
            v.note(log, k, "CONTABILIZADA", cont_code(cont));
        }
        if cont == Cont::Fuera || obs.contains(&Obs::Fuera) {
            out.counts.fuera_catalogo += 1;
            out.actas.push(self.fuera_row(v, log)?);
            out.places.push((i, None));
            return Ok(());
        }
        self.set_entidad(v);
        let tipo_acta = v.get("TIPO_ACTA").to_string();
        for name in ["CLAVE_CASILLA", "TIPO_ACTA"] {
            let value = v.get(name);
            if is_nothing(value) {
                return Err(v.err(
                    name,
                    format!("`{value}`: an acta of the catalog needs its key (only an acta fuera de catálogo may lack it)"),
                ));
            }
            if !is_plain_key(value) {
                return Err(v.err(
                    name,
                    format!("`{value}` is not a plain key (letters, digits, _ and -)"),
                ));
            }
        }
        let casilla = self.casilla(v, election, log)?;
        self.expect_acta(v, casilla, &tipo_acta, election)?;
        out.expected += 1;
        if cont == Cont::Nada && obs.is_empty() {
            return pending(v, out, log);
        }
        if let Some(k) = obs_kind {
            let taken = obs.first().map(|o| o.text()).unwrap_or("");
            v.note(log, k, "OBSERVACIONES", taken);
        }
        self.registered(v, i, casilla, (&obs, cont), election, out, log)
    }

    /// A registered row (captured or sin acta) of an expected acta.
    #[allow(clippy::too_many_arguments)]
    fn registered(
        &mut self,
        v: &RowView,
        i: usize,
        casilla: usize,
        (obs, cont): (&[Obs], Cont),
        election: &Election,
        out: &mut Rows,
        log: &mut Log,
    ) -> Result<(), ContractError> {
        let tipo_acta = v.get("TIPO_ACTA");
        let mut votos = Vec::with_capacity(v.file.options.len());
        let acta = self.registered_row(v, casilla, obs, cont, &mut votos, log)?;
        let unit = self.ballot_unit(v, election, tipo_acta);
        match acta.estado {
            EstadoActa::SinActa(_) => out.counts.sin_acta += 1,
            _ if acta.observacion_publicada == Some(Publicada::SinClasificar) => {
                out.counts.sin_clasificar += 1
            }
            _ => {}
        }
        out.counts.capturadas += 1;
        if acta.estado == EstadoActa::Capturada
            && cont == Cont::Si
            && let Some(u) = &unit
        {
            out.evidence.record(u, &votos);
        }
        let place = (acta.estado == EstadoActa::Capturada)
            .then_some(unit)
            .flatten();
        out.actas.push(acta);
        out.places.push((i, place));
        Ok(())
    }

    fn set_entidad(&mut self, v: &RowView) {
        if self.entidad.is_some() {
            return;
        }
        let id = v.get("ID_ENTIDAD");
        let id = super::digits(id)
            .map(|n| format!("{n:02}"))
            .unwrap_or_else(|| id.to_string());
        self.entidad = Some((id, v.get("ENTIDAD").to_string()));
    }

    /// Adds the acta type to what the casilla expects; twice is an error.
    fn expect_acta(
        &mut self,
        v: &RowView,
        casilla: usize,
        tipo_acta: &str,
        election: &mut Election,
    ) -> Result<(), ContractError> {
        let types = self.casillas[casilla]
            .actas
            .entry(election.id.clone())
            .or_default();
        if types.iter().any(|t| t == tipo_acta) {
            return Err(v.err(
                "CLAVE_ACTA",
                format!("duplicate acta `{}` `{tipo_acta}`", v.get("CLAVE_CASILLA")),
            ));
        }
        types.push(tipo_acta.to_string());
        if tipo_acta.ends_with("RP") && !election.rp_acta_types.iter().any(|t| t == tipo_acta) {
            election.rp_acta_types.push(tipo_acta.to_string());
        }
        Ok(())
    }

    /// The evidence key of the acta's contest unit; None for an acta of
    /// representación proporcional (every option on its ballot) or a casilla
    /// without a unit.
    fn ballot_unit(&mut self, v: &RowView, election: &Election, tipo_acta: &str) -> Option<String> {
        if tipo_acta.ends_with("RP") {
            return None;
        }
        let column = match election.contest {
            ContestLevel::Entidad => return Some(evidence_unit(election.contest, "").to_string()),
            ContestLevel::Distrito => "UNIT_DISTRITO",
            ContestLevel::Demarcacion => "UNIT_DEMARCACION",
        };
        let raw = v.get(column);
        (!is_nothing(raw) && !normalize::is_zero_id(raw))
            .then(|| self.place_spelling(column, raw.to_string()))
    }

    /// A captured or sin-acta row. `votos` receives the vote fields as
    /// published, for the ballot evidence.
    fn registered_row(
        &self,
        v: &RowView,
        casilla: usize,
        obs: &[Obs],
        cont: Cont,
        votos: &mut Vec<Voto>,
        log: &mut Log,
    ) -> Result<Acta, ContractError> {
        let sin_acta = match obs.first() {
            Some(Obs::SinActa(m)) => Some(*m),
            _ => None,
        };
        if sin_acta.is_some() && (obs.len() > 1 || cont == Cont::Si) {
            return Err(v.err(
                "OBSERVACIONES",
                format!(
                    "`{}` with CONTABILIZADA {}: a sin-acta row is neither counted nor observed otherwise",
                    v.get("OBSERVACIONES"),
                    v.get("CONTABILIZADA")
                ),
            ));
        }
        let estado = sin_acta
            .map(EstadoActa::SinActa)
            .unwrap_or(EstadoActa::Capturada);
        let mut acta = blank_acta(v, estado);
        acta.casilla = Some(casilla as u32);
        if sin_acta.is_some() {
            sin_acta_fields(v, log)?;
            acta.votos = vec![Campo::NoAplica; v.file.options.len()].into_boxed_slice();
            self.details(v, &mut acta, log)?;
            return Ok(acta);
        }
        let mut campos = Vec::with_capacity(v.file.options.len());
        for c in v.file.options.clone() {
            let name = &v.file.columns[c];
            let voto = read_voto(v, name, log)?;
            campos.push(match voto {
                Voto::Campo(c) => c,
                _ => Campo::NoAplica,
            });
            votos.push(voto);
        }
        acta.votos = campos.into_boxed_slice();
        self.counts(v, &mut acta, log)?;
        self.details(v, &mut acta, log)?;
        acta.observacion_publicada = Some(publicada(v, obs, cont, log)?);
        Ok(acta)
    }

    fn counts(&self, v: &RowView, acta: &mut Acta, log: &mut Log) -> Result<(), ContractError> {
        for (column, slot) in COUNT_COLUMNS {
            let campo = match read_voto(v, column, log)? {
                Voto::Campo(c) => c,
                _ => {
                    if !v.get(column).is_empty() {
                        v.note(log, Kind::NothingIsEmpty, column, "");
                    }
                    Campo::NoAplica
                }
            };
            *slot(acta) = campo;
        }
        Ok(())
    }

    fn fuera_row(&self, v: &RowView, log: &mut Log) -> Result<Acta, ContractError> {
        let mut acta = blank_acta(v, EstadoActa::FueraCatalogo);
        // What a fuera de catálogo acta says it is, if it reads as a key.
        let mut key = |name: &str| {
            let value = v.get(name);
            if is_nothing(value) {
                nothing_is_empty(v, name, log);
                String::new()
            } else if is_plain_key(value) {
                value.to_string()
            } else {
                v.note(log, Kind::DescriptiveDropped, name, "");
                String::new()
            }
        };
        acta.clave_casilla = key("CLAVE_CASILLA");
        acta.tipo_acta = key("TIPO_ACTA");
        acta.votos = v
            .file
            .options
            .clone()
            .map(|c| lenient_campo(v, &v.file.columns[c], log))
            .collect();
        for (column, slot) in COUNT_COLUMNS {
            *slot(&mut acta) = lenient_campo(v, column, log);
        }
        self.details(v, &mut acta, log)?;
        Ok(acta)
    }

    /// The descriptive fields: hash, transport, times, origin, document.
    fn details(&self, v: &RowView, acta: &mut Acta, log: &mut Log) -> Result<(), ContractError> {
        acta.codigo_integridad = match normalize::sha256(v.get("CODIGO_INTEGRIDAD")) {
            Hash::Hex(h, kind) => {
                if let Some(k) = kind {
                    v.note(log, k, "CODIGO_INTEGRIDAD", &h);
                }
                Some(h)
            }
            Hash::Nada => {
                nothing_is_empty(v, "CODIGO_INTEGRIDAD", log);
                None
            }
            Hash::Unknown => {
                v.note(log, Kind::DescriptiveDropped, "CODIGO_INTEGRIDAD", "");
                None
            }
        };
        acta.mecanismo = pick(v, "MECANISMOS_TRASLADO", &MECANISMOS, log);
        acta.origen = pick(v, "ORIGEN", &ORIGENES, log);
        acta.digitalizacion = pick(v, "DIGITALIZACION", &DIGITALIZACIONES, log);
        acta.tipo_documento = pick(v, "TIPO_DOCUMENTO", &TIPOS_DOCUMENTO, log);
        acta.acopio = self.timestamp(v, "FECHA_HORA_ACOPIO", log)?;
        acta.captura = self.timestamp(v, "FECHA_HORA_CAPTURA", log)?;
        acta.verificacion = self.timestamp(v, "FECHA_HORA_VERIFICACION", log)?;
        Ok(())
    }

    fn timestamp(
        &self,
        v: &RowView,
        column: &str,
        log: &mut Log,
    ) -> Result<Option<DateTime<FixedOffset>>, ContractError> {
        let raw = v.get(column);
        if is_nothing(raw) {
            nothing_is_empty(v, column, log);
            return Ok(None);
        }
        let (local, offset) = parse_local_time(raw).ok_or_else(|| {
            v.err(
                column,
                format!("`{raw}` is not a date and time such as 02/06/2024 19:45:12"),
            )
        })?;
        let offset = offset.unwrap_or(self.offset);
        Ok(offset.from_local_datetime(&local).single())
    }
}

/// The count fields of an acta and where each goes.
type Slot = fn(&mut Acta) -> &mut Campo;
const COUNT_COLUMNS: [(&str, Slot); 5] = [
    ("TOTAL_VOTOS_ASENTADO", |a| &mut a.total_asentado),
    ("TOTAL_BOLETAS_SOBRANTES", |a| &mut a.boletas_sobrantes),
    ("TOTAL_PERSONAS_VOTARON", |a| &mut a.personas_votaron),
    ("TOTAL_REP_PARTIDO_CI_VOTARON", |a| &mut a.rep_votaron),
    ("TOTAL_VOTOS_SACADOS", |a| &mut a.votos_sacados),
];

fn cont_code(c: Cont) -> &'static str {
    match c {
        Cont::Si => "1",
        Cont::No => "0",
        Cont::Fuera => "2",
        Cont::Nada => "",
    }
}

/// Sin-acta rows print `Sin Acta`, `-`, `N/A` or 0 in their fields: empty.
/// Votes there contradict the observation: an error.
fn sin_acta_fields(v: &RowView, log: &mut Log) -> Result<(), ContractError> {
    let counts = COUNT_COLUMNS.iter().map(|(c, _)| *c);
    let options = v.file.options.clone().map(|c| v.file.columns[c].as_str());
    for column in options.chain(counts) {
        let raw = v.get(column);
        if raw.is_empty() {
            continue;
        }
        if let Ok((Voto::Campo(Campo::Num(n)), _)) = normalize::voto(raw)
            && n > 0
        {
            return Err(v.err(
                column,
                format!("holds {n}, but the row is `{}`", v.get("OBSERVACIONES")),
            ));
        }
        v.note(log, Kind::SinActaFields, column, "");
    }
    Ok(())
}

/// A row with nothing in CONTABILIZADA and OBSERVACIONES: expected, not yet
/// captured. One that carries votes could be either: an error.
fn pending(v: &RowView, out: &mut Rows, log: &mut Log) -> Result<(), ContractError> {
    for c in v.file.options.clone() {
        let name = &v.file.columns[c];
        if let Ok((Voto::Campo(Campo::Num(n)), _)) = normalize::voto(v.get(name)) {
            return Err(v.err(
                name,
                format!(
                    "holds {n} votes, but CONTABILIZADA and OBSERVACIONES are empty: \
                     cannot tell whether the acta was captured"
                ),
            ));
        }
    }
    if !v.get("CONTABILIZADA").is_empty() {
        v.note(log, Kind::Pendiente, "CONTABILIZADA", "");
    }
    out.counts.pendientes += 1;
    Ok(())
}

/// How the publisher classified a captured acta: the observation that
/// decides, checked against CONTABILIZADA.
fn publicada(
    v: &RowView,
    obs: &[Obs],
    cont: Cont,
    log: &mut Log,
) -> Result<Publicada, ContractError> {
    let decisive = match obs.first() {
        None => None,
        Some(Obs::Excede) => Some(Observacion::ExcedeListaNominal),
        Some(Obs::Todos) => Some(Observacion::TodosIlegiblesOSinDato),
        Some(Obs::Algun) => Some(Observacion::AlgunCampoIlegibleOSinDato),
        Some(_) => return Err(v.err("OBSERVACIONES", "is not an observation of a captured acta")),
    };
    let counted = Observacion::contabilizada(decisive);
    match (cont, counted, decisive) {
        (Cont::No, _, None) => {
            v.note(log, Kind::SinClasificar, "CONTABILIZADA", "SIN_CLASIFICAR");
            Ok(Publicada::SinClasificar)
        }
        (Cont::Si, true, _) | (Cont::No, false, _) | (Cont::Nada, _, _) => {
            Ok(Publicada::Observacion(decisive))
        }
        _ => Err(v.err(
            "CONTABILIZADA",
            format!(
                "CONTABILIZADA {} contradicts the observation `{}`",
                v.get("CONTABILIZADA"),
                v.get("OBSERVACIONES")
            ),
        )),
    }
}

/// A vote or count field of a captured row; `Sin Acta` there is an error.
fn read_voto(v: &RowView, column: &str, log: &mut Log) -> Result<Voto, ContractError> {
    let (voto, kind) = normalize::voto(v.get(column)).map_err(|m| v.err(column, m))?;
    if voto == Voto::SinActa {
        return Err(v.err(column, "says SIN ACTA, but the row's observation does not"));
    }
    if let (Some(k), Voto::Campo(c)) = (kind, voto) {
        v.note(log, k, column, &c.text());
    }
    Ok(voto)
}

/// A field of a fuera de catálogo acta: kept if it reads, empty otherwise.
fn lenient_campo(v: &RowView, column: &str, log: &mut Log) -> Campo {
    match normalize::voto(v.get(column)) {
        Ok((Voto::Campo(c), _)) => c,
        Ok(_) if v.get(column).is_empty() => Campo::NoAplica,
        Ok(_) => {
            v.note(log, Kind::NothingIsEmpty, column, "");
            Campo::NoAplica
        }
        Err(_) => {
            v.note(log, Kind::DescriptiveDropped, column, "");
            Campo::NoAplica
        }
    }
}

fn nothing_is_empty(v: &RowView, column: &str, log: &mut Log) {
    if !v.get(column).is_empty() {
        v.note(log, Kind::NothingIsEmpty, column, "");
    }
}

fn pick(
    v: &RowView,
    column: &str,
    allowed: &'static [&'static str],
    log: &mut Log,
) -> Option<&'static str> {
    match normalize::pick(v.get(column), allowed) {
        Picked::Value(value, kind) => {
            if let Some(k) = kind {
                v.note(log, k, column, value);
            }
            Some(value)
        }
        Picked::Nada => {
            nothing_is_empty(v, column, log);
            None
        }
        Picked::Unknown => {
            v.note(log, Kind::DescriptiveDropped, column, "");
            None
        }
    }
}

fn blank_acta(v: &RowView, estado: EstadoActa) -> Acta {
    Acta {
        line: v.row.line,
        ..Acta::new(
            v.get("CLAVE_CASILLA"),
            v.get("TIPO_ACTA"),
            estado,
            Vec::new(),
        )
    }
}

/// Fits every captured acta's vote fields to its unit's ballot: nothing on
/// the ballot is a blank (SIN DATO); a 0, a mark or nothing off the ballot
/// is left empty; votes off the ballot are an error.
pub(super) fn fit_to_ballots(
    file: &PublishedFile,
    election: &Election,
    rows: &mut Rows,
    log: &mut Log,
) -> Result<(), ContractError> {
    let ballots = unit_ballots(election);
    for (acta, (i, unit)) in rows.actas.iter_mut().zip(&rows.places) {
        if acta.estado != EstadoActa::Capturada {
            continue;
        }
        let row = &file.rows[*i];
        let v = RowView { file, row };
        let ballot = unit
            .as_ref()
            .map(|u| ballots.get(&unit_key(u)).map(Vec::as_slice).unwrap_or(&[]));
        for (o, campo) in acta.votos.iter_mut().enumerate() {
            let on = ballot.is_none_or(|b| b.get(o).copied().unwrap_or(false));
            fit(&v, election, o, on, campo, log)?;
        }
    }
    Ok(())
}

fn fit(
    v: &RowView,
    election: &Election,
    o: usize,
    on: bool,
    campo: &mut Campo,
    log: &mut Log,
) -> Result<(), ContractError> {
    let column = &v.file.columns[v.file.options.start + o];
    match (on, *campo) {
        (true, Campo::NoAplica) => {
            *campo = Campo::SinDato;
            v.note(log, Kind::BlankOnBallot, column, "SIN DATO");
        }
        (false, Campo::Num(n)) if n > 0 => {
            return Err(v.err(
                column,
                format!(
                    "{n} votes for `{}`, which is not on the ballot of this acta's contest unit \
                     (the candidates file and the unit's counted actas do not put it there)",
                    election.options[o].column
                ),
            ));
        }
        (false, Campo::NoAplica) if v.get(column).is_empty() => {}
        (false, _) => {
            *campo = Campo::NoAplica;
            v.note(log, Kind::OffBallot, column, "");
        }
        _ => {}
    }
    Ok(())
}

/// Per contest unit (its evidence key), which options are on its ballot:
/// its candidacies' options, no registrados and nulos.
fn unit_ballots(election: &Election) -> HashMap<String, Vec<bool>> {
    let always: Vec<bool> = election
        .options
        .iter()
        .map(|o| matches!(o.kind, OptionKind::NoRegistrados | OptionKind::Nulos))
        .collect();
    let mut out: HashMap<String, Vec<bool>> = HashMap::new();
    for c in &election.candidacies {
        let key = unit_key(evidence_unit(election.contest, &c.unit));
        let on = out.entry(key).or_insert_with(|| always.clone());
        for col in &c.options {
            if let Some(o) = election.options.iter().position(|x| &x.column == col) {
                on[o] = true;
            }
        }
    }
    out
}

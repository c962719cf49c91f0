//! `actas/<ELECTION>.csv`: one row per registered acta, with the raw captured
//! fields. Derived values (CONTABILIZADA, OBSERVACIONES, TOTAL_VOTOS_CALCULADO)
//! are never input: `tally` computes them.
//!
//! The header is fixed: `CLAVE_CASILLA, TIPO_ACTA, ESTADO`, then one column per
//! ballot option in the catalog's order, then [`TAIL_COLUMNS`], optionally
//! followed by `OBSERVACION_PUBLICADA` (imports only; see [`Acta::observacion_publicada`]).

use std::collections::HashMap;

use chrono::{DateTime, FixedOffset};

use super::catalog::{Catalog, CatalogIndex};
use super::corte::parse_timestamp;
use super::error::{ContractError, Result};
use super::ids::{is_sha256_hex, plain_key_problem};

pub const HEAD_COLUMNS: [&str; 3] = ["CLAVE_CASILLA", "TIPO_ACTA", "ESTADO"];
pub const TAIL_COLUMNS: [&str; 13] = [
    "TOTAL_VOTOS_ASENTADO",
    "TOTAL_BOLETAS_SOBRANTES",
    "TOTAL_PERSONAS_VOTARON",
    "TOTAL_REP_PARTIDO_CI_VOTARON",
    "TOTAL_VOTOS_SACADOS",
    "CODIGO_INTEGRIDAD",
    "MECANISMOS_TRASLADO",
    "FECHA_HORA_ACOPIO",
    "FECHA_HORA_CAPTURA",
    "FECHA_HORA_VERIFICACION",
    "ORIGEN",
    "DIGITALIZACION",
    "TIPO_DOCUMENTO",
];
pub const OBSERVACION_PUBLICADA: &str = "OBSERVACION_PUBLICADA";

/// Column names an option may not take.
pub const FIXED_COLUMNS: [&str; 17] = [
    "CLAVE_CASILLA",
    "TIPO_ACTA",
    "ESTADO",
    "TOTAL_VOTOS_ASENTADO",
    "TOTAL_BOLETAS_SOBRANTES",
    "TOTAL_PERSONAS_VOTARON",
    "TOTAL_REP_PARTIDO_CI_VOTARON",
    "TOTAL_VOTOS_SACADOS",
    "CODIGO_INTEGRIDAD",
    "MECANISMOS_TRASLADO",
    "FECHA_HORA_ACOPIO",
    "FECHA_HORA_CAPTURA",
    "FECHA_HORA_VERIFICACION",
    "ORIGEN",
    "DIGITALIZACION",
    "TIPO_DOCUMENTO",
    "OBSERVACION_PUBLICADA",
];

/// The largest number a field may hold. No acta holds a billion votes; the
/// bound keeps every sum far from overflowing.
pub const MAX_FIELD: u32 = 999_999_999;

/// One captured field of an acta.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Campo {
    Num(u32),
    /// Unreadable in digits and in words.
    Ilegible,
    /// Left blank on the acta.
    SinDato,
    /// Empty cell: not on this acta's ballot, or not reported.
    NoAplica,
}

impl Campo {
    pub fn value(self) -> u32 {
        match self {
            Campo::Num(n) => n,
            _ => 0,
        }
    }

    pub fn is_legible_number(self) -> bool {
        matches!(self, Campo::Num(_))
    }

    /// The text of the field in a snapshot or database file.
    pub fn text(self) -> std::borrow::Cow<'static, str> {
        match self {
            Campo::Num(n) => n.to_string().into(),
            Campo::Ilegible => "ILEGIBLE".into(),
            Campo::SinDato => "SIN DATO".into(),
            Campo::NoAplica => "".into(),
        }
    }

    pub fn parse(s: &str) -> std::result::Result<Campo, String> {
        match s {
            "" => return Ok(Campo::NoAplica),
            "ILEGIBLE" => return Ok(Campo::Ilegible),
            "SIN DATO" => return Ok(Campo::SinDato),
            _ => {}
        }
        let bytes = s.as_bytes();
        if bytes.iter().all(u8::is_ascii_digit) {
            return match s.parse::<u64>() {
                Ok(n) if n <= MAX_FIELD as u64 => Ok(Campo::Num(n as u32)),
                _ => Err(format!(
                    "`{s}` is too large: a field holds at most {MAX_FIELD}"
                )),
            };
        }
        if let Some(rest) = s.strip_prefix('-')
            && !rest.is_empty()
            && rest.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        {
            return Err(format!("`{s}` is negative; votes are whole numbers from 0"));
        }
        if s.bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b',' | b'e' | b'E' | b'+'))
        {
            return Err(format!("`{s}` is not a whole number"));
        }
        Err(format!("`{s}` is not a number, ILEGIBLE or SIN DATO"))
    }
}

/// Why an acta is sin acta.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MotivoSinActa {
    PaqueteNoEntregado,
    CasillaNoInstalada,
    PaqueteSinBolsa,
    /// The source did not say which.
    NoEspecificado,
}

impl MotivoSinActa {
    pub fn observacion(self) -> &'static str {
        match self {
            MotivoSinActa::PaqueteNoEntregado => "SIN ACTA POR PAQUETE NO ENTREGADO",
            MotivoSinActa::CasillaNoInstalada => "SIN ACTA POR CASILLA NO INSTALADA",
            MotivoSinActa::PaqueteSinBolsa => "SIN ACTA POR PAQUETE ENTREGADO SIN BOLSA",
            MotivoSinActa::NoEspecificado => "SIN ACTA",
        }
    }
}

/// What the central database knows of an acta.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EstadoActa {
    Capturada,
    SinActa(MotivoSinActa),
    /// Registered but not matched to an approved casilla.
    FueraCatalogo,
}

impl EstadoActa {
    pub const CODES: [(&'static str, EstadoActa); 6] = [
        ("CAPTURADA", EstadoActa::Capturada),
        (
            "SIN_ACTA_PAQUETE_NO_ENTREGADO",
            EstadoActa::SinActa(MotivoSinActa::PaqueteNoEntregado),
        ),
        (
            "SIN_ACTA_CASILLA_NO_INSTALADA",
            EstadoActa::SinActa(MotivoSinActa::CasillaNoInstalada),
        ),
        (
            "SIN_ACTA_PAQUETE_SIN_BOLSA",
            EstadoActa::SinActa(MotivoSinActa::PaqueteSinBolsa),
        ),
        (
            "SIN_ACTA",
            EstadoActa::SinActa(MotivoSinActa::NoEspecificado),
        ),
        ("FUERA_CATALOGO", EstadoActa::FueraCatalogo),
    ];

    pub fn code(self) -> &'static str {
        code_of(&EstadoActa::CODES, self).unwrap_or("CAPTURADA")
    }

    pub fn from_code(s: &str) -> Option<EstadoActa> {
        value_of(&EstadoActa::CODES, s)
    }
}

/// The observation a captured acta can carry by the counting rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Observacion {
    ExcedeListaNominal,
    TodosIlegiblesOSinDato,
    AlgunCampoIlegibleOSinDato,
}

impl Observacion {
    pub const CODES: [(&'static str, Option<Observacion>); 4] = [
        ("NINGUNA", None),
        (
            "EXCEDE_LISTA_NOMINAL",
            Some(Observacion::ExcedeListaNominal),
        ),
        (
            "TODOS_ILEGIBLES_O_SIN_DATO",
            Some(Observacion::TodosIlegiblesOSinDato),
        ),
        (
            "ALGUN_CAMPO_ILEGIBLE_O_SIN_DATO",
            Some(Observacion::AlgunCampoIlegibleOSinDato),
        ),
    ];

    pub fn text(self) -> &'static str {
        match self {
            Observacion::ExcedeListaNominal => "EXCEDE LISTA NOMINAL",
            Observacion::TodosIlegiblesOSinDato => "TODOS ILEGIBLES O SIN DATO",
            Observacion::AlgunCampoIlegibleOSinDato => "ALGUN CAMPO ILEGIBLE O SIN DATO",
        }
    }

    pub fn code(obs: Option<Observacion>) -> &'static str {
        Observacion::CODES
            .iter()
            .find(|(_, o)| *o == obs)
            .map(|(c, _)| *c)
            .unwrap_or("NINGUNA")
    }

    /// Whether an acta with this observation is counted.
    pub fn contabilizada(obs: Option<Observacion>) -> bool {
        !matches!(
            obs,
            Some(Observacion::ExcedeListaNominal | Observacion::TodosIlegiblesOSinDato)
        )
    }
}

/// How a published file classified a captured acta, kept by imports where
/// the rules cannot derive it from the published fields (see
/// [`Acta::observacion_publicada`]). Live exports never carry one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Publicada {
    /// Counted or not counted with this observation (`None`: counted, no remark).
    Observacion(Option<Observacion>),
    /// Captured, but counted by its publisher in neither ACTAS_CONTABILIZADAS
    /// nor ACTAS_NO_CONTABILIZADAS (IEE Puebla 2018 prints such actas as
    /// CONTABILIZADA 0 with no observation).
    SinClasificar,
}

impl Publicada {
    /// The codes of the `OBSERVACION_PUBLICADA` column.
    pub const CODES: [(&'static str, Publicada); 5] = [
        ("NINGUNA", Publicada::Observacion(None)),
        (
            "EXCEDE_LISTA_NOMINAL",
            Publicada::Observacion(Some(Observacion::ExcedeListaNominal)),
        ),
        (
            "TODOS_ILEGIBLES_O_SIN_DATO",
            Publicada::Observacion(Some(Observacion::TodosIlegiblesOSinDato)),
        ),
        (
            "ALGUN_CAMPO_ILEGIBLE_O_SIN_DATO",
            Publicada::Observacion(Some(Observacion::AlgunCampoIlegibleOSinDato)),
        ),
        ("SIN_CLASIFICAR", Publicada::SinClasificar),
    ];

    pub fn code(self) -> &'static str {
        code_of(&Publicada::CODES, self).unwrap_or("NINGUNA")
    }

    pub fn from_code(s: &str) -> Option<Publicada> {
        value_of(&Publicada::CODES, s)
    }

    /// As an operator reads it: the observation's text, `(ninguna)`, or
    /// `(sin clasificar)`.
    pub fn text(self) -> &'static str {
        match self {
            Publicada::Observacion(Some(o)) => o.text(),
            Publicada::Observacion(None) => "(ninguna)",
            Publicada::SinClasificar => "(sin clasificar)",
        }
    }
}

pub const MECANISMOS: [&str; 3] = ["D", "F", "I"];
pub const ORIGENES: [&str; 2] = ["CASILLA", "CATD"];
pub const DIGITALIZACIONES: [&str; 2] = ["MOVIL", "ESCANER"];
pub const TIPOS_DOCUMENTO: [&str; 8] = [
    "ACTA PREP",
    "RPP",
    "CC",
    "PPC",
    "ACTA VRME",
    "ACTA VA",
    "ACTA VPPP",
    "ACTA UE",
];

/// One acta row.
#[derive(Debug, Clone, PartialEq)]
pub struct Acta {
    /// Index of the casilla in the catalog; None for an acta fuera de catálogo.
    pub casilla: Option<u32>,
    /// `CLAVE_CASILLA` as registered (what a fuera de catálogo acta says it is).
    pub clave_casilla: String,
    pub tipo_acta: String,
    pub estado: EstadoActa,
    /// One field per ballot option, in the catalog's order.
    pub votos: Box<[Campo]>,
    pub total_asentado: Campo,
    pub boletas_sobrantes: Campo,
    pub personas_votaron: Campo,
    pub rep_votaron: Campo,
    pub votos_sacados: Campo,
    /// SHA-256 of the acta image (lowercase hex).
    pub codigo_integridad: Option<String>,
    pub mecanismo: Option<&'static str>,
    pub acopio: Option<DateTime<FixedOffset>>,
    pub captura: Option<DateTime<FixedOffset>>,
    pub verificacion: Option<DateTime<FixedOffset>>,
    pub origen: Option<&'static str>,
    pub digitalizacion: Option<&'static str>,
    pub tipo_documento: Option<&'static str>,
    /// Only for imports of published files: how the source classified the
    /// acta, kept where the published fields cannot produce it by the rules
    /// (votes withheld, a file at odds with itself, or an acta its publisher
    /// counted in no category). The tally uses it instead of the rules and
    /// marks the acta.
    pub observacion_publicada: Option<Publicada>,
    /// Line in the CSV file (header = 1), for messages.
    pub line: u64,
}

impl Acta {
    /// An acta with its key, state and vote fields and nothing else yet: no
    /// casilla of the catalog, no counts (each `NoAplica`), no image, times
    /// or provenance, line 0. Producers set what they know with struct
    /// update syntax (`Acta { casilla: Some(c), ..Acta::new(…) }`); the
    /// snapshot's reader ([`parse_actas`]) fills every field from its row.
    pub fn new(
        clave_casilla: impl Into<String>,
        tipo_acta: impl Into<String>,
        estado: EstadoActa,
        votos: Vec<Campo>,
    ) -> Acta {
        Acta {
            casilla: None,
            clave_casilla: clave_casilla.into(),
            tipo_acta: tipo_acta.into(),
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
            line: 0,
        }
    }
}

/// The header a snapshot's actas file for this election must have.
pub fn header(catalog: &Catalog, election: usize, with_publicada: bool) -> Vec<String> {
    let mut h: Vec<String> = HEAD_COLUMNS.iter().map(|s| s.to_string()).collect();
    h.extend(
        catalog.elections[election]
            .options
            .iter()
            .map(|o| o.column.clone()),
    );
    h.extend(TAIL_COLUMNS.iter().map(|s| s.to_string()));
    if with_publicada {
        h.push(OBSERVACION_PUBLICADA.into());
    }
    h
}

#[derive(Clone, Copy)]
struct RowCtx<'a> {
    file: &'a str,
    line: u64,
    header: &'a [String],
    /// The row's CLAVE_CASILLA and TIPO_ACTA once read: errors name the
    /// acta too, since a row number means little outside the file (a
    /// corte read from the database).
    acta: Option<(&'a str, &'a str)>,
}

impl RowCtx<'_> {
    fn err(&self, col: usize, message: impl Into<String>) -> ContractError {
        let mut message = message.into();
        if let Some((clave, tipo)) = self.acta.filter(|(c, _)| !c.is_empty()) {
            message.push_str(&format!(" (acta {clave} {tipo})"));
        }
        ContractError::new(self.file, message)
            .at_row(self.line)
            .at_field(self.header[col].clone())
    }
}

/// One row's fields, wherever they come from: a CSV record of a file, or a
/// row the central database sent (see `source::postgres`). Both go through
/// the same checks ([`Rows::acta`]), so both give the same errors.
pub trait Fields {
    /// How many fields the row has.
    fn width(&self) -> usize;
    /// Field `col`'s bytes; `None` (past the end, or a database NULL) reads
    /// as an empty field.
    fn field(&self, col: usize) -> Option<&[u8]>;
}

impl Fields for csv::ByteRecord {
    fn width(&self) -> usize {
        self.len()
    }

    fn field(&self, col: usize) -> Option<&[u8]> {
        self.get(col)
    }
}

fn field_str<'r, R: Fields + ?Sized>(ctx: &RowCtx, record: &'r R, col: usize) -> Result<&'r str> {
    let raw = record.field(col).unwrap_or_default();
    std::str::from_utf8(raw).map_err(|_| ctx.err(col, "is not valid UTF-8"))
}

fn one_of(
    ctx: &RowCtx,
    col: usize,
    s: &str,
    allowed: &'static [&'static str],
) -> Result<Option<&'static str>> {
    if s.is_empty() {
        return Ok(None);
    }
    allowed
        .iter()
        .find(|a| **a == s)
        .map(|a| Some(*a))
        .ok_or_else(|| ctx.err(col, format!("`{s}` is not one of {}", allowed.join(", "))))
}

fn timestamp(ctx: &RowCtx, col: usize, s: &str) -> Result<Option<DateTime<FixedOffset>>> {
    if s.is_empty() {
        return Ok(None);
    }
    parse_timestamp(s).map(Some).map_err(|m| ctx.err(col, m))
}

/// Parses and validates one election's actas file against the catalog.
pub fn parse_actas(
    file: &str,
    bytes: &[u8],
    catalog: &Catalog,
    index: &CatalogIndex,
    election: usize,
) -> Result<Vec<Acta>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut record = csv::ByteRecord::new();
    let found = read_header(file, &mut reader, &mut record)?;
    let mut validator = Validator::new(file, &found, catalog, index, election)?;
    let mut actas = Vec::with_capacity(bytes.len() / 200);
    let mut line = 1u64;
    while read_record(file, &mut reader, &mut record, line + 1)? {
        // The record's own position: the reader's is already past it.
        line = record.position().map_or(line + 1, |p| p.line());
        actas.push(validator.row(line, &record)?);
    }
    Ok(actas)
}

/// Validates one election's actas given as rows of fields rather than as
/// CSV text (the central database's decoded rows): the same checks and the
/// same errors as [`parse_actas`] on the CSV those rows would be written
/// as. `header` is that CSV's header; `rows` yields each row in the file's
/// order with its line in it (header = 1).
pub fn validate_rows<R: Fields>(
    file: &str,
    header: &[String],
    rows: impl IntoIterator<Item = (u64, R)>,
    catalog: &Catalog,
    index: &CatalogIndex,
    election: usize,
) -> Result<Vec<Acta>> {
    let mut validator = Validator::new(file, header, catalog, index, election)?;
    let rows = rows.into_iter();
    let mut actas = Vec::with_capacity(rows.size_hint().0);
    for (line, record) in rows {
        actas.push(validator.row(line, &record)?);
    }
    Ok(actas)
}

/// One election's file being validated row by row, whatever feeds it.
struct Validator<'a> {
    file: &'a str,
    rows: Rows<'a>,
    /// The header the rows follow.
    expected: Vec<String>,
    /// The rows before, to refuse a duplicate acta.
    seen: HashMap<(u32, String), u64>,
}

impl<'a> Validator<'a> {
    /// Checks the header found in the file; the rows must follow it.
    fn new(
        file: &'a str,
        found: &[String],
        catalog: &'a Catalog,
        index: &'a CatalogIndex,
        election: usize,
    ) -> Result<Validator<'a>> {
        let with_publicada = found.last().map(String::as_str) == Some(OBSERVACION_PUBLICADA);
        let expected = header(catalog, election, with_publicada);
        check_header(file, found, &expected)?;
        Ok(Validator {
            file,
            rows: Rows {
                catalog,
                index,
                election,
                with_publicada,
            },
            expected,
            seen: HashMap::new(),
        })
    }

    fn row<R: Fields + ?Sized>(&mut self, line: u64, record: &R) -> Result<Acta> {
        let ctx = RowCtx {
            file: self.file,
            line,
            header: &self.expected,
            acta: None,
        };
        self.rows.acta(&ctx, record, &mut self.seen)
    }
}

fn read_record(
    file: &str,
    reader: &mut csv::Reader<&[u8]>,
    record: &mut csv::ByteRecord,
    line: u64,
) -> Result<bool> {
    reader
        .read_byte_record(record)
        .map_err(|err| ContractError::new(file, format!("cannot read the CSV: {err}")).at_row(line))
}

/// Reads the header line, as text.
fn read_header(
    file: &str,
    reader: &mut csv::Reader<&[u8]>,
    record: &mut csv::ByteRecord,
) -> Result<Vec<String>> {
    if !read_record(file, reader, record, 1)? {
        return Err(
            ContractError::new(file, "is empty; the first line must be the header").at_row(1),
        );
    }
    Ok(record
        .iter()
        .map(|f| String::from_utf8_lossy(f).into_owned())
        .collect())
}

/// What every row of one election's actas file is checked against.
struct Rows<'a> {
    catalog: &'a Catalog,
    index: &'a CatalogIndex,
    election: usize,
    with_publicada: bool,
}

impl Rows<'_> {
    /// One row: its key and state, its casilla, its votes, then the tail
    /// (counts, image hash, provenance, times, published observation).
    /// `seen` holds the rows before it, to refuse a duplicate acta.
    fn acta<R: Fields + ?Sized>(
        &self,
        ctx: &RowCtx,
        record: &R,
        seen: &mut HashMap<(u32, String), u64>,
    ) -> Result<Acta> {
        let (file, line, expected) = (ctx.file, ctx.line, ctx.header);
        if record.width() != expected.len() {
            return Err(ContractError::new(
                file,
                format!(
                    "has {} fields; the header has {}",
                    record.width(),
                    expected.len()
                ),
            )
            .at_row(line));
        }
        let clave = field_str(ctx, record, 0)?;
        let tipo_acta = field_str(ctx, record, 1)?;
        // From here errors name the acta too.
        let ctx = &RowCtx {
            acta: Some((clave, tipo_acta)),
            ..*ctx
        };
        let estado_s = field_str(ctx, record, 2)?;
        let estado = EstadoActa::from_code(estado_s).ok_or_else(|| {
            let codes: Vec<&str> = EstadoActa::CODES.iter().map(|(c, _)| *c).collect();
            ctx.err(
                2,
                format!("`{estado_s}` is not one of {}", codes.join(", ")),
            )
        })?;
        let casilla = self.casilla(ctx, clave, tipo_acta, estado, seen)?;
        let votos = self.votos(ctx, record, casilla, tipo_acta, estado)?;
        let tail = HEAD_COLUMNS.len() + votos.len();
        // Field `i` of the tail, read as what its column holds.
        let text = |i: usize| field_str(ctx, record, tail + i);
        let counts = |i: usize| -> Result<Campo> {
            Campo::parse(text(i)?).map_err(|m| ctx.err(tail + i, m))
        };
        let one = |i: usize, allowed| one_of(ctx, tail + i, text(i)?, allowed);
        let time = |i: usize| timestamp(ctx, tail + i, text(i)?);
        let codigo = text(5)?;
        if !codigo.is_empty() && !is_sha256_hex(codigo) {
            return Err(ctx.err(
                tail + 5,
                format!("`{codigo}` is not a lowercase hex SHA-256 (64 characters 0-9a-f)"),
            ));
        }
        let observacion_publicada = if self.with_publicada {
            observacion_publicada(ctx, record, tail + TAIL_COLUMNS.len(), estado)?
        } else {
            None
        };
        Ok(Acta {
            casilla,
            clave_casilla: clave.to_string(),
            tipo_acta: tipo_acta.to_string(),
            estado,
            votos: votos.into_boxed_slice(),
            total_asentado: counts(0)?,
            boletas_sobrantes: counts(1)?,
            personas_votaron: counts(2)?,
            rep_votaron: counts(3)?,
            votos_sacados: counts(4)?,
            codigo_integridad: (!codigo.is_empty()).then(|| codigo.to_string()),
            mecanismo: one(6, &MECANISMOS)?,
            acopio: time(7)?,
            captura: time(8)?,
            verificacion: time(9)?,
            origen: one(10, &ORIGENES)?,
            digitalizacion: one(11, &DIGITALIZACIONES)?,
            tipo_documento: one(12, &TIPOS_DOCUMENTO)?,
            observacion_publicada,
            line,
        })
    }

    /// The catalog's casilla of a row (None for fuera de catálogo), once
    /// its key and acta type are plain and it is not a duplicate.
    fn casilla(
        &self,
        ctx: &RowCtx,
        clave: &str,
        tipo_acta: &str,
        estado: EstadoActa,
        seen: &mut HashMap<(u32, String), u64>,
    ) -> Result<Option<u32>> {
        let (catalog, index, line) = (self.catalog, self.index, ctx.line);
        let e = &catalog.elections[self.election];
        let fuera = estado == EstadoActa::FueraCatalogo;
        for (col, value) in [(0, clave), (1, tipo_acta)] {
            if fuera && value.is_empty() {
                continue;
            }
            if let Some(p) = plain_key_problem(value) {
                return Err(ctx.err(col, format!("`{value}` is not a plain key: it {p}")));
            }
        }
        let casilla = if fuera {
            None
        } else {
            let c = *index.casilla_by_key.get(clave).ok_or_else(|| {
                ctx.err(
                    0,
                    format!("unknown casilla `{clave}`: it is not in catalog.json"),
                )
            })?;
            let expected_types = catalog.casillas[c as usize].actas.get(&e.id);
            if !expected_types.is_some_and(|t| t.iter().any(|t| t == tipo_acta)) {
                return Err(ctx.err(
                    1,
                    format!(
                        "casilla `{clave}` expects no acta of type `{tipo_acta}` for election `{}`",
                        e.id
                    ),
                ));
            }
            if let Some(first) = seen.insert((c, tipo_acta.to_string()), line) {
                return Err(ctx.err(
                    0,
                    format!("duplicate acta `{clave}` `{tipo_acta}`: already at row {first}"),
                ));
            }
            Some(c)
        };
        Ok(casilla)
    }

    /// The vote fields of a row, one per option: present exactly where the
    /// option is on the acta's ballot, and none on a sin-acta row.
    fn votos<R: Fields + ?Sized>(
        &self,
        ctx: &RowCtx,
        record: &R,
        casilla: Option<u32>,
        tipo_acta: &str,
        estado: EstadoActa,
    ) -> Result<Vec<Campo>> {
        let (catalog, index, election) = (self.catalog, self.index, self.election);
        let n_opts = catalog.elections[election].options.len();
        let ballot = casilla.and_then(|c| ballot_of(catalog, index, election, c, tipo_acta));
        let mut votos = Vec::with_capacity(n_opts);
        for o in 0..n_opts {
            let col = HEAD_COLUMNS.len() + o;
            let campo = Campo::parse(field_str(ctx, record, col)?).map_err(|m| ctx.err(col, m))?;
            match estado {
                EstadoActa::Capturada => {
                    let on_ballot = ballot.is_none_or(|b| b[o]);
                    if on_ballot && campo == Campo::NoAplica {
                        return Err(ctx.err(col, "is empty, but the option is on this acta's ballot: give a number, ILEGIBLE or SIN DATO"));
                    }
                    if !on_ballot && campo != Campo::NoAplica {
                        return Err(ctx.err(col, format!("holds `{}`, but the option is not on the ballot of this acta's contest unit; leave it empty", campo.text())));
                    }
                }
                EstadoActa::SinActa(_) if campo != Campo::NoAplica => {
                    return Err(ctx.err(col, "a sin-acta row carries no votes; leave it empty"));
                }
                _ => {}
            }
            votos.push(campo);
        }
        Ok(votos)
    }
}

/// The `OBSERVACION_PUBLICADA` field (column `col`) of a row: empty, or a
/// code that only a captured acta may carry.
fn observacion_publicada<R: Fields + ?Sized>(
    ctx: &RowCtx,
    record: &R,
    col: usize,
    estado: EstadoActa,
) -> Result<Option<Publicada>> {
    let s = field_str(ctx, record, col)?;
    if s.is_empty() {
        Ok(None)
    } else {
        let obs = Publicada::from_code(s).ok_or_else(|| {
            let codes: Vec<&str> = Publicada::CODES.iter().map(|(c, _)| *c).collect();
            ctx.err(col, format!("`{s}` is not one of {}", codes.join(", ")))
        })?;
        if estado != EstadoActa::Capturada {
            return Err(ctx.err(
                col,
                "only a captured acta can carry a published observation",
            ));
        }
        Ok(Some(obs))
    }
}

/// Which options are on an acta's ballot: its contest unit's, or every option
/// for an acta of representación proporcional.
pub fn ballot_of<'a>(
    catalog: &Catalog,
    index: &'a CatalogIndex,
    election: usize,
    casilla: u32,
    tipo_acta: &str,
) -> Option<&'a [bool]> {
    let eix = &index.elections[election];
    if eix.rp_acta_types.contains(tipo_acta) {
        return None;
    }
    let unit = contest_unit(catalog, index, election, casilla)?;
    Some(&eix.unit_ballot[unit as usize])
}

/// The contest unit (index into `ElectionIndex::units`) a casilla votes in.
pub fn contest_unit(
    catalog: &Catalog,
    index: &CatalogIndex,
    election: usize,
    casilla: u32,
) -> Option<u32> {
    use super::catalog::ContestLevel;
    let eix = &index.elections[election];
    match catalog.elections[election].contest {
        ContestLevel::Entidad => Some(0),
        ContestLevel::Distrito => index.casilla_distrito[casilla as usize].and_then(|d| {
            eix.unit_by_id
                .get(&catalog.distritos[d as usize].id)
                .copied()
        }),
        ContestLevel::Demarcacion => index.casilla_demarcacion[casilla as usize].and_then(|d| {
            eix.unit_by_id
                .get(&catalog.demarcaciones[d as usize].id)
                .copied()
        }),
    }
}

fn check_header(file: &str, found: &[String], expected: &[String]) -> Result<()> {
    for (i, want) in expected.iter().enumerate() {
        match found.get(i) {
            Some(got) if got == want => {}
            Some(got) => {
                return Err(ContractError::new(
                    file,
                    format!("column {} is `{got}`, expected `{want}` (the columns are fixed: CLAVE_CASILLA, TIPO_ACTA, ESTADO, the election's options in catalog order, then {})", i + 1, TAIL_COLUMNS.join(", ")),
                )
                .at_row(1)
                .at_field(got.clone()));
            }
            None => {
                return Err(ContractError::new(
                    file,
                    format!("the header stops before column `{want}`"),
                )
                .at_row(1));
            }
        }
    }
    if found.len() > expected.len() {
        return Err(ContractError::new(
            file,
            format!("unexpected column `{}`", found[expected.len()]),
        )
        .at_row(1)
        .at_field(found[expected.len()].clone()));
    }
    Ok(())
}

/// Writes one election's actas file in the snapshot contract's layout: the
/// producer side of [`parse_actas`]. The `OBSERVACION_PUBLICADA` column is
/// written only when some acta carries one.
pub fn write_actas(catalog: &Catalog, election: usize, actas: &[Acta]) -> Vec<u8> {
    let with_publicada = actas.iter().any(|a| a.observacion_publicada.is_some());
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    let header = header(catalog, election, with_publicada);
    let _ = w.write_record(&header);
    let ts = |t: &Option<DateTime<FixedOffset>>| t.map(|t| t.to_rfc3339()).unwrap_or_default();
    let mut row: Vec<String> = Vec::with_capacity(header.len());
    for a in actas {
        row.clear();
        row.push(a.clave_casilla.clone());
        row.push(a.tipo_acta.clone());
        row.push(a.estado.code().to_string());
        row.extend(a.votos.iter().map(|c| c.text().into_owned()));
        for c in [
            a.total_asentado,
            a.boletas_sobrantes,
            a.personas_votaron,
            a.rep_votaron,
            a.votos_sacados,
        ] {
            row.push(c.text().into_owned());
        }
        row.push(a.codigo_integridad.clone().unwrap_or_default());
        row.push(a.mecanismo.unwrap_or("").to_string());
        row.push(ts(&a.acopio));
        row.push(ts(&a.captura));
        row.push(ts(&a.verificacion));
        row.push(a.origen.unwrap_or("").to_string());
        row.push(a.digitalizacion.unwrap_or("").to_string());
        row.push(a.tipo_documento.unwrap_or("").to_string());
        if with_publicada {
            row.push(
                a.observacion_publicada
                    .map(Publicada::code)
                    .unwrap_or("")
                    .to_string(),
            );
        }
        let _ = w.write_record(&row);
    }
    w.into_inner().unwrap_or_default()
}

/// The code a value has in a table of codes.
fn code_of<T: PartialEq + Copy>(codes: &[(&'static str, T)], value: T) -> Option<&'static str> {
    codes.iter().find(|(_, v)| *v == value).map(|(c, _)| *c)
}

/// The value a code stands for in a table of codes.
fn value_of<T: Copy>(codes: &[(&'static str, T)], code: &str) -> Option<T> {
    codes.iter().find(|(c, _)| *c == code).map(|(_, v)| *v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_read_numbers_and_marks() {
        assert_eq!(Campo::parse("12"), Ok(Campo::Num(12)));
        assert_eq!(Campo::parse("ILEGIBLE"), Ok(Campo::Ilegible));
        assert_eq!(Campo::parse("SIN DATO"), Ok(Campo::SinDato));
        assert_eq!(Campo::parse(""), Ok(Campo::NoAplica));
    }

    #[test]
    fn fields_refuse_what_cannot_be_a_vote_count() {
        assert!(Campo::parse("-3").unwrap_err().contains("negative"));
        assert!(Campo::parse("3.5").unwrap_err().contains("whole"));
        assert!(
            Campo::parse("99999999999999999999")
                .unwrap_err()
                .contains("too large")
        );
        assert!(
            Campo::parse("1000000000")
                .unwrap_err()
                .contains("too large")
        );
        assert!(Campo::parse("doce").unwrap_err().contains("not a number"));
    }
}

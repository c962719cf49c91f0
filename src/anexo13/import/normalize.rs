//! The lenient field readers: what a published field means, whatever way a
//! publisher wrote it, and an error where it could mean two things.
//!
//! Each reader returns the value taken and, when the field was not written
//! the contract's way, the [`Kind`] of normalization, for the import report.
//! Pure functions of one field; what a row means is [`super::rows`]'
//! business, what a column is [`super::ballot`]'s.

use crate::contract::acta::MAX_FIELD;
use crate::contract::{Campo, MotivoSinActa, TipoCasilla};

use super::report::Kind;

/// Uppercase, accents dropped (Á→A, Ñ→N), blanks collapsed: for comparing words.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut blank = false;
    for c in s.trim().chars() {
        if c.is_whitespace() {
            blank = true;
            continue;
        }
        if blank && !out.is_empty() {
            out.push(' ');
        }
        blank = false;
        for u in c.to_uppercase() {
            out.push(match u {
                'Á' | 'À' | 'Ä' | 'Â' => 'A',
                'É' | 'È' | 'Ë' | 'Ê' => 'E',
                'Í' | 'Ì' | 'Ï' | 'Î' => 'I',
                'Ó' | 'Ò' | 'Ö' | 'Ô' => 'O',
                'Ú' | 'Ù' | 'Ü' | 'Û' => 'U',
                'Ñ' => 'N',
                other => other,
            });
        }
    }
    out
}

/// Removes spreadsheet guards around a field: `="0001"`, `'0001'`, a leading
/// `'` (Excel's text marker), any number of them; surrounding blanks and a
/// stray BOM go too. Returns the value and whether a guard was removed.
pub fn unguard(raw: &str) -> (&str, bool) {
    let mut s = raw.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    let mut guarded = false;
    loop {
        let inner = if let Some(i) = s.strip_prefix("=\"").and_then(|i| i.strip_suffix('"')) {
            i
        } else if s.len() >= 2 && s.starts_with('\'') && s.ends_with('\'') {
            &s[1..s.len() - 1]
        } else if let Some(i) = s.strip_prefix('\'') {
            i
        } else {
            break;
        };
        s = inner.trim();
        guarded = true;
    }
    (s, guarded)
}

/// "Nothing here": empty, dashes, `N/A`, `NA`, `N/D`, `S/N`, `NULL`, ….
pub fn is_nothing(v: &str) -> bool {
    if v.is_empty() || v.chars().all(|c| matches!(c, '-' | '—' | '–' | '−' | '_')) {
        return true;
    }
    if v.len() > 16 {
        return false;
    }
    matches!(
        fold(v).as_str(),
        "N/A"
            | "NA"
            | "N.A."
            | "N.A"
            | "N/D"
            | "ND"
            | "N.D."
            | "S/N"
            | "NULL"
            | "NONE"
            | "NAN"
            | "NO APLICA"
            | "NO DISPONIBLE"
    )
}

/// A vote or count field as published.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Voto {
    Campo(Campo),
    /// Nothing here: a blank on the acta's ballot, or an option off it.
    Nada,
    /// `Sin Acta` printed in the fields of a sin-acta row.
    SinActa,
}

/// Reads a vote or count field: a number, ILEGIBLE, SIN DATO (in their
/// spellings), nothing, or `SIN ACTA`.
pub fn voto(v: &str) -> Result<(Voto, Option<Kind>), String> {
    if is_nothing(v) {
        return Ok((Voto::Nada, None));
    }
    match v {
        "ILEGIBLE" => return Ok((Voto::Campo(Campo::Ilegible), None)),
        "SIN DATO" => return Ok((Voto::Campo(Campo::SinDato), None)),
        _ => {}
    }
    if v.as_bytes()[0].is_ascii_digit() {
        return number(v).map(|(n, k)| (Voto::Campo(Campo::Num(n)), k));
    }
    let word = Some(Kind::VoteWord);
    match fold(v).as_str() {
        "ILEGIBLE" | "ILEGIBLES" | "ILEG" | "ILEG." => Ok((Voto::Campo(Campo::Ilegible), word)),
        "SIN DATO" | "SIN DATOS" | "SIN_DATO" | "SIN_DATOS" | "SINDATO" | "S/D" | "VACIO"
        | "EN BLANCO" => Ok((Voto::Campo(Campo::SinDato), word)),
        "SIN ACTA" => Ok((Voto::SinActa, None)),
        _ => Campo::parse(v).map(|c| (Voto::Campo(c), None)),
    }
}

/// A whole number: plain digits, or with comma thousands separators
/// (`1,061`), or with a zero fraction (`12.0`). A period between groups of
/// three (`1.061`) could be a decimal or a thousands separator: refused.
pub fn number(v: &str) -> Result<(u32, Option<Kind>), String> {
    let bytes = v.as_bytes();
    if bytes.is_empty() {
        return Err("is empty; expected a number".into());
    }
    let (digits, kind): (std::borrow::Cow<str>, _) = if bytes.iter().all(u8::is_ascii_digit) {
        (v.into(), None)
    } else if let Some(sep) = [',', ' ', '\u{a0}'].into_iter().find(|s| grouped(v, *s)) {
        (v.replace(sep, "").into(), Some(Kind::Number))
    } else if let Some((whole, frac)) = v.split_once('.')
        && !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && !frac.is_empty()
        && frac.bytes().all(|b| b == b'0')
    {
        if frac.len() == 3 {
            return Err(format!(
                "`{v}` could be {whole} or {whole}{frac} (a decimal or a thousands separator)"
            ));
        }
        (whole.into(), Some(Kind::Number))
    } else {
        return Err(Campo::parse(v)
            .err()
            .unwrap_or_else(|| format!("`{v}` is not a number")));
    };
    match digits.parse::<u64>() {
        Ok(n) if n <= MAX_FIELD as u64 => Ok((n as u32, kind)),
        _ => Err(format!(
            "`{v}` is too large: a field holds at most {MAX_FIELD}"
        )),
    }
}

/// `1,234,567`: one to three digits, then groups of exactly three.
fn grouped(v: &str, sep: char) -> bool {
    let mut parts = v.split(sep);
    let first = parts.next().unwrap_or("");
    let mut rest = parts.peekable();
    rest.peek().is_some()
        && (1..=3).contains(&first.len())
        && first.bytes().all(|b| b.is_ascii_digit())
        && rest.all(|p| p.len() == 3 && p.bytes().all(|b| b.is_ascii_digit()))
}

/// A count of the casilla (lista nominal, representatives, casilla number,
/// contigua): a number, or None where the row does not give it — nothing,
/// or a mark printed across the whole row (`SIN DATO`, `Sin Acta`).
pub fn casilla_count(v: &str) -> Result<(Option<u32>, Option<Kind>), String> {
    match voto(v)? {
        (Voto::Campo(Campo::Num(n)), kind) => Ok((Some(n), kind)),
        _ => Ok((None, Some(Kind::NothingIsZero))),
    }
}

/// A sección, distrito or municipio id of 0 (`0000`, `000`): votes from
/// abroad, which lie in none.
pub fn is_zero_id(v: &str) -> bool {
    !v.is_empty() && v.bytes().all(|b| b == b'0')
}

/// One observation of the counting rules, as published.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Obs {
    Excede,
    Todos,
    Algun,
    SinActa(MotivoSinActa),
    Fuera,
}

impl Obs {
    /// The rules' wording.
    pub fn text(self) -> &'static str {
        match self {
            Obs::Excede => "EXCEDE LISTA NOMINAL",
            Obs::Todos => "TODOS ILEGIBLES O SIN DATO",
            Obs::Algun => "ALGUN CAMPO ILEGIBLE O SIN DATO",
            Obs::SinActa(m) => m.observacion(),
            Obs::Fuera => "FUERA DE CATALOGO",
        }
    }

    /// Precedence when several are published together: the first decides.
    fn rank(self) -> u8 {
        match self {
            Obs::Fuera => 0,
            Obs::SinActa(_) => 1,
            Obs::Excede => 2,
            Obs::Todos => 3,
            Obs::Algun => 4,
        }
    }
}

/// Reads OBSERVACIONES: none, or the observations it names, each in any
/// wording (case, accents, plural, spacing, a count in parentheses), several
/// in one field. Sorted by precedence; a text that names no observation of
/// the rules is an error.
pub fn observaciones(v: &str) -> Result<(Vec<Obs>, Option<Kind>), String> {
    if v.is_empty() || v == "--" {
        return Ok((Vec::new(), None));
    }
    let folded = fold(v);
    if is_nothing(v)
        || matches!(
            folded.as_str(),
            "NINGUNA" | "NINGUNO" | "SIN OBSERVACION" | "SIN OBSERVACIONES"
        )
    {
        return Ok((Vec::new(), Some(Kind::Observation)));
    }
    let mut found: Vec<Obs> = Vec::new();
    for piece in pieces(&folded) {
        let obs = one_observation(&piece)
            .ok_or_else(|| format!("`{v}` is not an observation of the counting rules"))?;
        if !found.contains(&obs) {
            found.push(obs);
        }
    }
    found.sort_by_key(|o| o.rank());
    let kind = match found.as_slice() {
        [] => Some(Kind::Observation),
        [one] if one.text() == v => None,
        [_] => Some(Kind::Observation),
        _ => Some(Kind::SeveralObservations),
    };
    Ok((found, kind))
}

/// Splits a folded observation field into its observations: on `.`, `;`,
/// `,`, `|`, `/`, ` - ` and ` Y `; counts in parentheses dropped.
fn pieces(folded: &str) -> Vec<String> {
    let mut text = String::with_capacity(folded.len());
    let mut depth = 0;
    for c in folded.chars() {
        match c {
            '(' => depth += 1,
            ')' if depth > 0 => depth -= 1,
            _ if depth > 0 => {}
            '.' | ';' | ',' | '|' | '/' => text.push('\n'),
            c => text.push(c),
        }
    }
    text.replace(" - ", "\n")
        .replace(" Y ", "\n")
        .split('\n')
        .map(|p| {
            p.trim()
                .trim_matches(|c: char| c.is_ascii_digit())
                .trim()
                .to_string()
        })
        .filter(|p| !p.is_empty())
        .collect()
}

/// One observation in any wording; None if it names none, or could be two
/// (`CAMPOS ILEGIBLES`: some or all?).
fn one_observation(p: &str) -> Option<Obs> {
    let has = |w: &[&str]| w.iter().any(|w| p.contains(w));
    if p.contains("FUERA DE CATALOGO") {
        return Some(Obs::Fuera);
    }
    if let Some(m) = motivo_sin_acta(p) {
        return Some(Obs::SinActa(m));
    }
    let blank = has(&["ILEGIBLE", "SIN DATO", "VACIO", "BLANCO"]);
    let words = format!(" {p} ");
    let found: Vec<Obs> = [
        (has(&["EXCEDE", "REBASA"]), Obs::Excede),
        (
            blank && (words.contains(" TODOS ") || words.contains(" TODAS ")),
            Obs::Todos,
        ),
        (blank && has(&["ALGUN"]), Obs::Algun),
    ]
    .into_iter()
    .filter_map(|(yes, o)| yes.then_some(o))
    .collect();
    match found.as_slice() {
        [one] => Some(*one),
        _ => None,
    }
}

fn motivo_sin_acta(p: &str) -> Option<MotivoSinActa> {
    let has = |w: &[&str]| w.iter().any(|w| p.contains(w));
    let motivo = if has(&["NO ENTREGADO", "NO RECIBIDO", "NO SE ENTREGO"]) {
        MotivoSinActa::PaqueteNoEntregado
    } else if has(&["NO INSTALADA", "NO SE INSTALO"]) {
        MotivoSinActa::CasillaNoInstalada
    } else if has(&["SIN BOLSA", "SIN SOBRE", "SIN EL SOBRE"]) {
        MotivoSinActa::PaqueteSinBolsa
    } else {
        MotivoSinActa::NoEspecificado
    };
    let sin_acta = p.contains("SIN ACTA");
    let named = sin_acta || p.starts_with("PAQUETE") || p.starts_with("CASILLA");
    (named && (sin_acta || motivo != MotivoSinActa::NoEspecificado)).then_some(motivo)
}

/// CONTABILIZADA as published.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cont {
    Si,
    No,
    Fuera,
    Nada,
}

pub fn contabilizada(v: &str) -> Result<(Cont, Option<Kind>), String> {
    match v {
        "1" => return Ok((Cont::Si, None)),
        "0" => return Ok((Cont::No, None)),
        "2" => return Ok((Cont::Fuera, None)),
        _ if is_nothing(v) => return Ok((Cont::Nada, None)),
        _ => {}
    }
    let normalized = Some(Kind::Descriptive);
    match fold(v).as_str() {
        "1.0" | "SI" | "CONTABILIZADA" => Ok((Cont::Si, normalized)),
        "0.0" | "NO" | "NO CONTABILIZADA" => Ok((Cont::No, normalized)),
        "2.0" | "FUERA DE CATALOGO" => Ok((Cont::Fuera, normalized)),
        _ => Err(format!("`{v}` is not 0, 1 or 2")),
    }
}

/// A descriptive field read against the contract's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Picked {
    Value(&'static str, Option<Kind>),
    Nada,
    /// No value of the contract: left empty (reported).
    Unknown,
}

/// Synonyms of descriptive values, by the contract value they mean: a
/// published value holding the words means the value.
const SYNONYMS: [(&str, &str); 10] = [
    ("EXTRANJERO", "ACTA VRME"),
    ("ANTICIPADO", "ACTA VA"),
    ("PRISION", "ACTA VPPP"),
    ("URNA ELECTRONICA", "ACTA UE"),
    ("SCANNER", "ESCANER"),
    ("ESCANEO", "ESCANER"),
    ("CELULAR", "MOVIL"),
    ("DAT", "D"),
    ("FIJO", "F"),
    ("ITINERANTE", "I"),
];

/// Picks the contract's value a descriptive field means: the same letters in
/// any case, accents, dots or spacing (`Escáner`, `C.A.T.D.`), or a synonym.
pub fn pick(v: &str, allowed: &'static [&'static str]) -> Picked {
    if let Some(a) = allowed.iter().find(|a| **a == v) {
        return Picked::Value(a, None);
    }
    if is_nothing(v) {
        return Picked::Nada;
    }
    let bare = |s: &str| fold(s).replace(['.', ' ', '_', '-'], "");
    let folded = bare(v);
    if let Some(a) = allowed.iter().find(|a| bare(a) == folded) {
        return Picked::Value(a, Some(Kind::Descriptive));
    }
    let words = format!(" {} ", fold(v).replace(['.', ',', '-', '_'], " "));
    SYNONYMS
        .iter()
        .filter(|(word, value)| words.contains(&format!(" {word} ")) && allowed.contains(value))
        .map(|(_, value)| *value)
        .next()
        .and_then(|value| allowed.iter().find(|a| **a == value))
        .map(|a| Picked::Value(a, Some(Kind::Descriptive)))
        .unwrap_or(Picked::Unknown)
}

/// TIPO_CASILLA: its letter, in either case, or its name.
pub fn tipo_casilla(v: &str) -> Result<(TipoCasilla, Option<Kind>), String> {
    let mut chars = v.chars();
    if let (Some(c), None) = (chars.next(), chars.next())
        && let Some(t) = TipoCasilla::from_letter(c.to_ascii_uppercase())
    {
        let kind = (!c.is_ascii_uppercase()).then_some(Kind::TipoCasilla);
        return Ok((t, kind));
    }
    let t = match fold(v).as_str() {
        "BASICA" => TipoCasilla::B,
        "CONTIGUA" => TipoCasilla::C,
        "EXTRAORDINARIA" => TipoCasilla::E,
        "ESPECIAL" => TipoCasilla::S,
        _ => return Err(format!("`{v}` is not a casilla type (B, C, E, S, M, A, P)")),
    };
    Ok((t, Some(Kind::TipoCasilla)))
}

/// A CODIGO_INTEGRIDAD as published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hash {
    Hex(String, Option<Kind>),
    Nada,
    /// Not a SHA-256: left empty (reported).
    Unknown,
}

/// A CODIGO_INTEGRIDAD: a SHA-256 in hex, lowercased.
pub fn sha256(v: &str) -> Hash {
    use crate::contract::ids::is_sha256_hex;
    if is_sha256_hex(v) {
        return Hash::Hex(v.to_string(), None);
    }
    if is_nothing(v) {
        return Hash::Nada;
    }
    let lower = v.to_ascii_lowercase();
    if is_sha256_hex(&lower) {
        Hash::Hex(lower, Some(Kind::Descriptive))
    } else {
        Hash::Unknown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guards_of_every_publisher_are_removed() {
        // Quintana Roo 2019, IEE Puebla 2018, IEEPCO Oaxaca 2022.
        assert_eq!(unguard("=\"230085B0100\""), ("230085B0100", true));
        assert_eq!(unguard("'210001B0100"), ("210001B0100", true));
        assert_eq!(unguard("'000"), ("000", true));
        assert_eq!(unguard("'0002'"), ("0002", true));
        assert_eq!(unguard(" ILEGIBLE "), ("ILEGIBLE", false));
        assert_eq!(unguard("\u{feff}ID_ESTADO"), ("ID_ESTADO", false));
        assert_eq!(unguard("O'HIGGINS"), ("O'HIGGINS", false));
    }

    #[test]
    fn nothing_markers_mean_nothing() {
        for v in ["", "-", "--", "—", "N/A", "n/a", "NA", "S/N", "N/D", "NULL"] {
            assert!(is_nothing(v), "{v}");
        }
        for v in ["0", "SIN DATO", "ILEGIBLE", "NAL"] {
            assert!(!is_nothing(v), "{v}");
        }
    }

    #[test]
    fn vote_fields_read_their_spellings() {
        use Campo::*;
        assert_eq!(voto("12"), Ok((Voto::Campo(Num(12)), None)));
        assert_eq!(voto("ILEGIBLE"), Ok((Voto::Campo(Ilegible), None)));
        // Oaxaca 2022 prints `Sin Acta` across a sin-acta row's fields.
        assert_eq!(voto("Sin Acta"), Ok((Voto::SinActa, None)));
        assert_eq!(
            voto("Ilegible"),
            Ok((Voto::Campo(Ilegible), Some(Kind::VoteWord)))
        );
        assert_eq!(
            voto("Sin datos"),
            Ok((Voto::Campo(SinDato), Some(Kind::VoteWord)))
        );
        assert_eq!(voto("-"), Ok((Voto::Nada, None)));
        assert_eq!(
            voto("1,061"),
            Ok((Voto::Campo(Num(1061)), Some(Kind::Number)))
        );
        assert_eq!(voto("12.0"), Ok((Voto::Campo(Num(12)), Some(Kind::Number))));
        assert_eq!(
            voto("1 061"),
            Ok((Voto::Campo(Num(1061)), Some(Kind::Number)))
        );
        assert!(voto("1.000").unwrap_err().contains("could be 1 or 1000"));
        assert!(voto("1.061").unwrap_err().contains("not a whole number"));
        assert!(voto("1,06").is_err());
        assert!(voto("-3").unwrap_err().contains("negative"));
        assert!(voto("doce").is_err());
    }

    #[test]
    fn observations_of_every_publisher_read_as_the_rules_word_them() {
        use Obs::*;
        let read = |v| observaciones(v).unwrap();
        assert_eq!(read("--"), (vec![], None));
        // Oaxaca 2022: `-` for none.
        assert_eq!(read("-"), (vec![], Some(Kind::Observation)));
        assert_eq!(read("EXCEDE LISTA NOMINAL"), (vec![Excede], None));
        // IEE Puebla 2018.
        assert_eq!(read("Todos los campos vacio").0, vec![Todos]);
        assert_eq!(read("Todos los campos ilegibles").0, vec![Todos]);
        assert_eq!(read("Excede Lista Nominal").0, vec![Excede]);
        assert_eq!(
            read("Sin Acta").0,
            vec![SinActa(MotivoSinActa::NoEspecificado)]
        );
        // Quintana Roo 2019.
        assert_eq!(read("ALGUN DATO ILEGIBLE O SIN DATO").0, vec![Algun]);
        assert_eq!(read("Algún campo ilegible (2)").0, vec![Algun]);
        assert_eq!(read("ALGUNOS  CAMPOS ILEGIBLES O SIN DATOS").0, vec![Algun]);
        // Oaxaca 2022: two in one field; the exceeding one decides.
        assert_eq!(
            read("EXCEDE LISTA NOMINAL. ALGUN CAMPO ILEGIBLE O SIN DATO"),
            (vec![Excede, Algun], Some(Kind::SeveralObservations))
        );
        assert_eq!(
            read("SIN ACTA POR PAQUETE ENTREGADO SIN BOLSA").0,
            vec![SinActa(MotivoSinActa::PaqueteSinBolsa)]
        );
        assert_eq!(
            read("Paquete no entregado").0,
            vec![SinActa(MotivoSinActa::PaqueteNoEntregado)]
        );
        assert_eq!(read("FUERA DE CATÁLOGO").0, vec![Fuera]);
        assert!(observaciones("RECUENTO").is_err());
        assert!(observaciones("EXCEDE LISTA NOMINAL. RECUENTO").is_err());
        assert!(observaciones("CAMPOS ILEGIBLES").is_err(), "some or all?");
        assert_eq!(read("Acta con algún campo ilegible").0, vec![Algun]);
        assert!(
            observaciones("ALGUNOS O TODOS ILEGIBLES").is_err(),
            "some or all?"
        );
    }

    #[test]
    fn contabilizada_reads_codes_and_nothing() {
        assert_eq!(contabilizada("1"), Ok((Cont::Si, None)));
        // IEE Puebla 2018: `-` for an acta not yet captured.
        assert_eq!(contabilizada("-"), Ok((Cont::Nada, None)));
        assert_eq!(contabilizada(""), Ok((Cont::Nada, None)));
        assert!(contabilizada("3").is_err());
    }

    #[test]
    fn descriptive_fields_typed_by_hand_read_as_the_contract_values() {
        use crate::contract::acta::{DIGITALIZACIONES, MECANISMOS, ORIGENES, TIPOS_DOCUMENTO};
        assert_eq!(
            pick("ESCANER", &DIGITALIZACIONES),
            Picked::Value("ESCANER", None)
        );
        // IEE Puebla 2018 and Oaxaca 2022.
        assert_eq!(
            pick("Escaner", &DIGITALIZACIONES),
            Picked::Value("ESCANER", Some(Kind::Descriptive))
        );
        assert_eq!(
            pick("Móvil", &DIGITALIZACIONES),
            Picked::Value("MOVIL", Some(Kind::Descriptive))
        );
        assert_eq!(
            pick("C.A.T.D.", &ORIGENES),
            Picked::Value("CATD", Some(Kind::Descriptive))
        );
        // Oaxaca 2022's acta of the votes from abroad.
        assert_eq!(
            pick("Acta Extranjero", &TIPOS_DOCUMENTO),
            Picked::Value("ACTA VRME", Some(Kind::Descriptive))
        );
        assert_eq!(
            pick("CRyT Itinerante", &MECANISMOS),
            Picked::Value("I", Some(Kind::Descriptive))
        );
        assert_eq!(
            pick("SIN DATO", &MECANISMOS),
            Picked::Unknown,
            "DAT is a word, not letters"
        );
        assert_eq!(pick("N/A", &ORIGENES), Picked::Nada);
        assert_eq!(pick("OTRO", &ORIGENES), Picked::Unknown);
    }

    #[test]
    fn casilla_types_read_letters_and_names() {
        assert_eq!(tipo_casilla("B"), Ok((TipoCasilla::B, None)));
        assert_eq!(
            tipo_casilla("s"),
            Ok((TipoCasilla::S, Some(Kind::TipoCasilla)))
        );
        assert_eq!(
            tipo_casilla("Básica"),
            Ok((TipoCasilla::B, Some(Kind::TipoCasilla)))
        );
        assert!(tipo_casilla("X").is_err());
    }

    #[test]
    fn counts_of_the_casilla_take_nothing_as_zero() {
        assert_eq!(casilla_count("586"), Ok((Some(586), None)));
        assert_eq!(casilla_count("-"), Ok((None, Some(Kind::NothingIsZero))));
        // IEEPCO Oaxaca 2022 prints the row's mark in LISTA_NOMINAL too.
        assert_eq!(
            casilla_count("SIN DATO"),
            Ok((None, Some(Kind::NothingIsZero)))
        );
        assert_eq!(
            casilla_count("Sin Acta"),
            Ok((None, Some(Kind::NothingIsZero)))
        );
        assert!(casilla_count("seis").is_err());
        assert!(is_zero_id("0000") && is_zero_id("000") && !is_zero_id("0010"));
    }
}

//! The ruleset knobs as they appear in the contract (`catalog.json`, a TOML
//! file, `corte.toml`). What they mean is `tally`'s business.

use serde::{Deserialize, Serialize};

/// The observations an acta can carry that a ruleset may count as
/// inconsistencies for `PORCENTAJE_ACTAS_INCONSISTENCIAS`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Inconsistencia {
    ExcedeListaNominal,
    TodosIlegiblesOSinDato,
    AlgunCampoIlegibleOSinDato,
    SinActa,
}

impl Inconsistencia {
    pub const ALL: [Inconsistencia; 4] = [
        Inconsistencia::ExcedeListaNominal,
        Inconsistencia::TodosIlegiblesOSinDato,
        Inconsistencia::AlgunCampoIlegibleOSinDato,
        Inconsistencia::SinActa,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Inconsistencia::ExcedeListaNominal => "EXCEDE_LISTA_NOMINAL",
            Inconsistencia::TodosIlegiblesOSinDato => "TODOS_ILEGIBLES_O_SIN_DATO",
            Inconsistencia::AlgunCampoIlegibleOSinDato => "ALGUN_CAMPO_ILEGIBLE_O_SIN_DATO",
            Inconsistencia::SinActa => "SIN_ACTA",
        }
    }
}

/// Which vote total feeds participation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum VotosBase {
    /// With casillas especiales.
    #[serde(rename = "C_CS")]
    ConEspeciales,
    /// Without casillas especiales.
    #[serde(rename = "S_CS")]
    SinEspeciales,
}

impl VotosBase {
    pub fn code(self) -> &'static str {
        match self {
            VotosBase::ConEspeciales => "C_CS",
            VotosBase::SinEspeciales => "S_CS",
        }
    }
}

/// A ruleset: exactly these knobs (DOMAIN.md, "Rule variants").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulesetSpec {
    pub name: String,
    /// Which observations count as inconsistencies (any subset).
    pub inconsistencias: Vec<Inconsistencia>,
    /// true: sin-acta actas are captured and not counted (Anexo 13).
    /// false: captured, but in neither counted nor not-counted.
    pub sin_acta_no_contabilizada: bool,
    /// Participation at the final corte; during operation it is always `S_CS`.
    pub participacion_ultimo_corte: VotosBase,
}

/// A ruleset in `catalog.json`: a built-in name, or the knobs inline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum RulesetRef {
    Named(String),
    Inline(RulesetSpec),
}

/// The rulesets that ship with corte, each reproducing a real published file.
pub fn builtin(name: &str) -> Option<RulesetSpec> {
    use Inconsistencia::*;
    let spec = |inconsistencias: Vec<Inconsistencia>| RulesetSpec {
        name: name.to_string(),
        inconsistencias,
        sin_acta_no_contabilizada: true,
        participacion_ultimo_corte: VotosBase::ConEspeciales,
    };
    // Publishers who keep participation without casillas especiales at the end.
    let s_cs = |inconsistencias: Vec<Inconsistencia>| RulesetSpec {
        participacion_ultimo_corte: VotosBase::SinEspeciales,
        ..spec(inconsistencias)
    };
    match name {
        // IECM LEEME 2024: inconsistencies exclude sin acta and fuera de catálogo.
        "iecm-2024" => Some(spec(vec![
            ExcedeListaNominal,
            TodosIlegiblesOSinDato,
            AlgunCampoIlegibleOSinDato,
        ])),
        // IEEC Campeche 2021: only all-illegible and exceeding actas.
        "campeche-2021" => Some(spec(vec![ExcedeListaNominal, TodosIlegiblesOSinDato])),
        // IEQROO 2019: as IECM 2024.
        "qroo-2019" => Some(spec(vec![
            ExcedeListaNominal,
            TodosIlegiblesOSinDato,
            AlgunCampoIlegibleOSinDato,
        ])),
        // IEE Puebla 2018: as Campeche 2021, and S_CS at the final corte.
        "puebla-2018" => Some(s_cs(vec![ExcedeListaNominal, TodosIlegiblesOSinDato])),
        // IEEPCO Oaxaca 2022: as IECM 2024, and S_CS at the final corte.
        "oaxaca-2022" => Some(s_cs(vec![
            ExcedeListaNominal,
            TodosIlegiblesOSinDato,
            AlgunCampoIlegibleOSinDato,
        ])),
        _ => None,
    }
}

pub const BUILTIN_NAMES: [&str; 5] = [
    "iecm-2024",
    "campeche-2021",
    "qroo-2019",
    "puebla-2018",
    "oaxaca-2022",
];
pub const DEFAULT: &str = "iecm-2024";

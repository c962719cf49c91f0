//! The ruleset knobs as they appear in the contract (`catalog.json`, a TOML
//! file, `corte.toml`), the built-in rulesets, and how a reference or a TOML
//! text becomes a checked ruleset. What they mean is `tally`'s business;
//! reading a ruleset file is `source`'s.

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

/// A catalog's ruleset reference, resolved.
pub fn resolve(r: &RulesetRef) -> Result<RulesetSpec, String> {
    match r {
        RulesetRef::Named(name) => named(name),
        RulesetRef::Inline(spec) => check(spec.clone()),
    }
}

/// A built-in ruleset by name, or an error listing the built-in names.
pub fn named(name: &str) -> Result<RulesetSpec, String> {
    builtin(name).ok_or_else(|| unknown(name))
}

fn unknown(name: &str) -> String {
    format!(
        "unknown ruleset `{name}`; the built-in rulesets are {}, or give a TOML file",
        BUILTIN_NAMES.join(", ")
    )
}

/// Parses a ruleset TOML file's text. `origin` names it in errors.
pub fn from_toml(origin: &str, text: &str) -> Result<RulesetSpec, String> {
    let spec: RulesetSpec =
        toml::from_str(text).map_err(|e| format!("{origin}: not a valid ruleset: {e}"))?;
    check(spec).map_err(|e| format!("{origin}: {e}"))
}

fn check(mut spec: RulesetSpec) -> Result<RulesetSpec, String> {
    if let Some(p) = super::ids::plain_key_problem(&spec.name) {
        return Err(format!(
            "ruleset name `{}` is not a plain key: it {p}",
            spec.name
        ));
    }
    spec.inconsistencias.sort();
    spec.inconsistencias.dedup();
    Ok(spec)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_toml_ruleset_takes_exactly_the_four_knobs() {
        let r = from_toml(
            "mi.toml",
            r#"
name = "mi-ople-2027"
inconsistencias = ["EXCEDE_LISTA_NOMINAL", "SIN_ACTA"]
sin_acta_no_contabilizada = false
participacion_ultimo_corte = "S_CS"
"#,
        )
        .unwrap();
        assert_eq!(
            r.inconsistencias,
            vec![Inconsistencia::ExcedeListaNominal, Inconsistencia::SinActa]
        );
        assert!(!r.sin_acta_no_contabilizada);
        assert_eq!(r.participacion_ultimo_corte, VotosBase::SinEspeciales);
        let extra = from_toml(
            "x.toml",
            "name='a'\ninconsistencias=[]\nsin_acta_no_contabilizada=true\nparticipacion_ultimo_corte='C_CS'\nredondear=true\n",
        );
        assert!(extra.unwrap_err().contains("redondear"));
        assert!(from_toml("y.toml", "name='a'\ninconsistencias=['OTRA']\nsin_acta_no_contabilizada=true\nparticipacion_ultimo_corte='C_CS'\n").is_err());
    }

    #[test]
    fn the_builtins_resolve_and_unknown_names_are_refused() {
        for name in BUILTIN_NAMES {
            assert_eq!(resolve(&RulesetRef::Named(name.into())).unwrap().name, name);
        }
        assert!(
            resolve(&RulesetRef::Named("nope".into()))
                .unwrap_err()
                .contains("unknown ruleset")
        );
    }
}

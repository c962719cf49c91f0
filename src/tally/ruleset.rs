//! Rulesets: the small, named set of knobs in which real publishers differ
//! (DOMAIN.md, "Rule variants"). One engine, one ruleset per process.

use std::path::Path;

use crate::contract::{RulesetRef, RulesetSpec};

pub use crate::contract::RulesetSpec as Ruleset;

pub use crate::contract::ruleset::{BUILTIN_NAMES, DEFAULT, builtin};

/// A catalog's ruleset reference, resolved.
pub fn resolve(r: &RulesetRef) -> Result<Ruleset, String> {
    match r {
        RulesetRef::Named(name) => builtin(name).ok_or_else(|| unknown(name)),
        RulesetRef::Inline(spec) => check(spec.clone()),
    }
}

fn unknown(name: &str) -> String {
    format!(
        "unknown ruleset `{name}`; the built-in rulesets are {}, or give a TOML file",
        BUILTIN_NAMES.join(", ")
    )
}

/// Parses a ruleset TOML file's text. `origin` names it in errors.
pub fn from_toml(origin: &str, text: &str) -> Result<Ruleset, String> {
    let spec: RulesetSpec =
        toml::from_str(text).map_err(|e| format!("{origin}: not a valid ruleset: {e}"))?;
    check(spec).map_err(|e| format!("{origin}: {e}"))
}

fn check(mut spec: RulesetSpec) -> Result<Ruleset, String> {
    if let Some(p) = crate::contract::ids::plain_key_problem(&spec.name) {
        return Err(format!(
            "ruleset name `{}` is not a plain key: it {p}",
            spec.name
        ));
    }
    spec.inconsistencias.sort();
    spec.inconsistencias.dedup();
    Ok(spec)
}

/// `--ruleset NAME|FILE`: a path to an existing file is read as TOML, anything
/// else is a built-in name.
pub fn from_arg(arg: &str) -> Result<Ruleset, String> {
    let path = Path::new(arg);
    if path.is_file() {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{arg}: cannot read the ruleset: {e}"))?;
        return from_toml(arg, &text);
    }
    builtin(arg).ok_or_else(|| unknown(arg))
}

/// The ruleset as TOML, for `corte rulesets` and the help pages.
pub fn to_toml(r: &Ruleset) -> String {
    toml::to_string(r).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::{Inconsistencia, VotosBase};

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

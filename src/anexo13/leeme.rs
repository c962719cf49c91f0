//! The LEEME (read-me) that travels with each database file: the layout and
//! the meaning of every field, written from the election's ballot and the
//! active ruleset, so it never drifts from what the file holds.
//!
//! The text is the template `leeme.txt.j2` beside this file, built into the
//! binary; this module only gathers what varies (names, the ruleset's knobs,
//! the ballot) into its context. The template belongs to `anexo13`, not to a
//! theme: the LEEME is part of the official database layout, which an
//! institute's theme must not be able to change (the datasets' hashes are
//! pinned and `corte datasets` takes no theme).

use std::sync::LazyLock;

use minijinja::syntax::SyntaxConfig;
use minijinja::value::{Serde, Value};
use minijinja::{Environment, UndefinedBehavior};
use serde::Serialize;

use super::unit_column;
use crate::contract::{
    BallotOption, ContestLevel, Inconsistencia, OptionKind, Snapshot, VotosBase,
};
use crate::tally::Ruleset;

const TEMPLATE: &str = "LEEME.txt";

/// The template, parsed once. Lines that hold only a block tag leave no
/// trace (`trim_blocks`, `lstrip_blocks`) and the last newline is kept, so
/// the template reads like the text it renders.
static ENV: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    if let Ok(syntax) = SyntaxConfig::builder()
        .trim_blocks(true)
        .lstrip_blocks(true)
        .keep_trailing_newline(true)
        .build()
    {
        env.set_syntax(syntax);
    }
    // A syntax error is caught by every test that writes a LEEME.
    let _ = env.add_template(TEMPLATE, include_str!("leeme.txt.j2"));
    env
});

/// What varies from one LEEME to another: the template's context.
#[derive(Serialize)]
struct Contexto<'a> {
    eleccion: &'a str,
    base_de_datos: String,
    candidaturas: String,
    /// The observations the ruleset counts as inconsistencies, in its order.
    inconsistencias: Vec<&'static str>,
    sin_acta_no_contabilizada: bool,
    base_participacion_ultimo_corte: &'static str,
    /// `ID_DISTRITO_LOCAL`, `ID_ALCALDIA`, …, and what it holds.
    columna_unidad: String,
    unidad: &'static str,
    /// Whether the candidates file names each candidacy's contest unit.
    candidaturas_por_unidad: bool,
    opciones: Vec<Opcion>,
}

/// One vote column of the ballot and what its votes are.
#[derive(Serialize)]
struct Opcion {
    columna: String,
    votos: String,
}

/// The LEEME text of one election's database file.
pub fn leeme(snapshot: &Snapshot, ruleset: &Ruleset, election: usize) -> String {
    let contexto = contexto(snapshot, ruleset, election);
    // The template is the crate's own and every branch of it is rendered by
    // the tests; a failure here is a bug in it, not in the snapshot.
    ENV.get_template(TEMPLATE)
        .and_then(|t| t.render(Value::from(Serde(&contexto))))
        .unwrap_or_else(|e| panic!("the built-in LEEME template: {e:#}"))
}

fn contexto<'a>(snapshot: &'a Snapshot, ruleset: &Ruleset, election: usize) -> Contexto<'a> {
    let catalog = &snapshot.catalog;
    let e = &catalog.elections[election];
    Contexto {
        eleccion: &e.name,
        base_de_datos: super::writer::database_name(snapshot, election),
        candidaturas: super::writer::candidaturas_name(snapshot, election),
        inconsistencias: ruleset
            .inconsistencias
            .iter()
            .map(|i| inconsistencia(*i))
            .collect(),
        sin_acta_no_contabilizada: ruleset.sin_acta_no_contabilizada,
        base_participacion_ultimo_corte: base_participacion(ruleset.participacion_ultimo_corte),
        columna_unidad: unit_column(catalog, e.contest),
        unidad: unidad(e.contest),
        candidaturas_por_unidad: e.contest != ContestLevel::Entidad,
        opciones: e.options.iter().map(opcion).collect(),
    }
}

/// An observation the ruleset counts as an inconsistency, as the LEEME names it.
fn inconsistencia(i: Inconsistencia) -> &'static str {
    match i {
        Inconsistencia::ExcedeListaNominal => "EXCEDE LISTA NOMINAL",
        Inconsistencia::TodosIlegiblesOSinDato => "TODOS ILEGIBLES O SIN DATO",
        Inconsistencia::AlgunCampoIlegibleOSinDato => "ALGUN CAMPO ILEGIBLE O SIN DATO",
        Inconsistencia::SinActa => "SIN ACTA (CUALQUIERA DE SUS SUPUESTOS)",
    }
}

/// The summary field participation uses at the final corte.
fn base_participacion(base: VotosBase) -> &'static str {
    match base {
        VotosBase::ConEspeciales => "TOTAL_VOTOS_C_CS",
        VotosBase::SinEspeciales => "TOTAL_VOTOS_S_CS",
    }
}

/// What the contest unit column of the database file holds.
fn unidad(contest: ContestLevel) -> &'static str {
    match contest {
        ContestLevel::Demarcacion => "CLAVE DE LA DEMARCACION O MUNICIPIO DE LA CASILLA.",
        _ => "CLAVE DEL DISTRITO ELECTORAL LOCAL DE LA CASILLA.",
    }
}

fn opcion(o: &BallotOption) -> Opcion {
    let votos = match o.kind {
        OptionKind::Party => format!("VOTOS DEL PARTIDO {}", o.parties.join("")),
        OptionKind::Independent => "VOTOS DE LA CANDIDATURA SIN PARTIDO".into(),
        OptionKind::Coalition => format!(
            "VOTOS DE LA COMBINACION DE COALICION {}",
            o.parties.join("-")
        ),
        OptionKind::Comun => format!("VOTOS DE LA CANDIDATURA COMUN {}", o.parties.join("-")),
        OptionKind::NoRegistrados => "VOTOS POR CANDIDATURAS NO REGISTRADAS".into(),
        OptionKind::Nulos => "VOTOS NULOS".into(),
    };
    Opcion {
        columna: o.column.clone(),
        votos,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every built-in ruleset and every kind of option through the
    /// template: each says what it counts, in full.
    #[test]
    fn a_leeme_says_what_its_ruleset_counts_and_what_each_column_holds() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("site-example/cdmx-2024-ejemplo-00001");
        // The example's catalog, with no actas: a LEEME describes columns.
        let read = |name: &str| std::fs::read(dir.join(name)).expect("the committed example");
        let corte = crate::contract::CorteMeta::from_json(&read("corte.json")).expect("corte.json");
        let mut snapshot =
            Snapshot::from_members(corte, &read("catalog.json"), &Default::default())
                .expect("the committed example's catalog");
        let kinds = [
            OptionKind::Party,
            OptionKind::Independent,
            OptionKind::Coalition,
            OptionKind::Comun,
            OptionKind::NoRegistrados,
            OptionKind::Nulos,
        ];
        for e in &mut snapshot.catalog.elections {
            for (o, kind) in e.options.iter_mut().zip(kinds.iter().cycle()) {
                o.kind = *kind;
            }
        }
        for name in crate::tally::ruleset::BUILTIN_NAMES {
            let ruleset = crate::tally::ruleset::builtin(name).expect("a built-in");
            for (e, election) in snapshot.catalog.elections.iter().enumerate() {
                let text = leeme(&snapshot, &ruleset, e);
                assert!(text.starts_with("PROGRAMA DE RESULTADOS ELECTORALES PRELIMINARES - "));
                assert!(text.ends_with("NO\nTIENEN EFECTOS JURIDICOS.\n"), "{text}");
                for i in &ruleset.inconsistencias {
                    assert!(text.contains(&format!("\n      - {}\n", inconsistencia(*i))));
                }
                let base = base_participacion(ruleset.participacion_ultimo_corte);
                assert!(text.contains(&format!("EN EL ULTIMO CORTE SE USA {base}.\n")));
                for o in &election.options {
                    let line = format!("\n    {} - {}.\n", o.column, opcion(o).votos);
                    assert!(text.contains(&line), "{name}: no line for {}", o.column);
                }
                assert!(!text.contains("{{") && !text.contains("{%"), "{text}");
            }
        }
    }
}

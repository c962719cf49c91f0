//! The help centre (`ayuda/`): what the PREP is, a glossary, how the figures
//! are computed, how to download and verify the databases, and the cortes.
//!
//! How the figures are computed is written here from the active ruleset's
//! knobs and the catalog's coalitions, not in the template, so the text
//! always says what the engine did for this corte.

use std::borrow::Cow;

use minijinja::Template;
use serde::Serialize;

use super::election::{Descarga, descarga};
use super::{Crumb, Link, Renderer};
use crate::contract::corte::corte_label;
use crate::contract::{Catalog, Inconsistencia, OptionKind, VotosBase};
use crate::site::{Artifact, SiteError};
use crate::tally::{Porcentaje, Ruleset};

/// The help pages: file under `ayuda/` and title.
pub const TEMAS: [(&str, &str); 5] = [
    ("index", "Centro de ayuda"),
    ("glosario", "Glosario"),
    ("calculo", "Cómo se calculan las cifras"),
    ("descargas", "Descarga y verifica las bases de datos"),
    ("cortes", "Los cortes de información"),
];

/// `ayuda/<file>.html`.
pub fn key(tema: usize) -> String {
    format!("ayuda/{}.html", TEMAS[tema].0)
}

/// One rule in words; `codigo` names the knob or observation it comes from.
#[derive(Debug, Serialize)]
pub struct Regla {
    pub codigo: &'static str,
    pub texto: String,
}

/// The active ruleset in words.
#[derive(Debug, Serialize)]
pub struct Reglas {
    pub nombre: String,
    /// Observations that count as inconsistencies, and those that do not.
    pub inconsistencias: Vec<Regla>,
    pub no_inconsistencias: Vec<Regla>,
    pub sin_acta: Regla,
    pub participacion: Regla,
    pub participacion_corte: String,
    pub truncado: Regla,
    /// How coalition and candidatura común votes are split, per option of
    /// the catalog.
    pub distribucion: Vec<String>,
    /// The ruleset as TOML, as `corte rulesets` prints it.
    pub toml: String,
}

fn observacion(i: Inconsistencia) -> &'static str {
    match i {
        Inconsistencia::ExcedeListaNominal => {
            "EXCEDE LISTA NOMINAL: el total de votos calculado es mayor que la lista nominal más los representantes de partido y de candidaturas sin partido (en casillas especiales, que las boletas aprobadas más los representantes). El acta no se contabiliza."
        }
        Inconsistencia::TodosIlegiblesOSinDato => {
            "TODOS ILEGIBLES O SIN DATO: ningún campo de votos se puede leer o todos están en blanco. El acta no se contabiliza."
        }
        Inconsistencia::AlgunCampoIlegibleOSinDato => {
            "ALGÚN CAMPO ILEGIBLE O SIN DATO: algún campo no se puede leer o está en blanco; ese campo cuenta como cero y el acta sí se contabiliza."
        }
        Inconsistencia::SinActa => {
            "SIN ACTA: el paquete no se entregó, la casilla no se instaló o el paquete llegó sin bolsa."
        }
    }
}

pub fn reglas(ruleset: &Ruleset, final_corte: bool, catalog: &Catalog) -> Reglas {
    let regla = |i: &Inconsistencia| Regla {
        codigo: i.code(),
        texto: observacion(*i).to_string(),
    };
    let (si, no): (Vec<Inconsistencia>, Vec<Inconsistencia>) = Inconsistencia::ALL
        .into_iter()
        .partition(|i| ruleset.inconsistencias.contains(i));
    let sin_acta = Regla {
        codigo: "sin_acta_no_contabilizada",
        texto: if ruleset.sin_acta_no_contabilizada {
            "Las actas sin acta (paquete no entregado, casilla no instalada, paquete entregado sin bolsa) cuentan como capturadas y como no contabilizadas.".into()
        } else {
            "Las actas sin acta (paquete no entregado, casilla no instalada, paquete entregado sin bolsa) cuentan como capturadas, pero ni como contabilizadas ni como no contabilizadas.".into()
        },
    };
    let ultimo = match ruleset.participacion_ultimo_corte {
        VotosBase::ConEspeciales => {
            "En el último corte se usan los votos con casillas especiales (TOTAL_VOTOS_C_CS)."
        }
        VotosBase::SinEspeciales => {
            "En el último corte también se usan los votos sin casillas especiales (TOTAL_VOTOS_S_CS)."
        }
    };
    let participacion = Regla {
        codigo: "participacion_ultimo_corte",
        texto: format!(
            "La participación ciudadana es el total de votos de las actas contabilizadas entre la lista nominal de esas actas, por cien. Las casillas especiales no tienen lista nominal, así que durante la operación se usan los votos sin casillas especiales (TOTAL_VOTOS_S_CS). {ultimo}"
        ),
    };
    let base = match (final_corte, ruleset.participacion_ultimo_corte) {
        (true, VotosBase::ConEspeciales) => "TOTAL_VOTOS_C_CS",
        _ => "TOTAL_VOTOS_S_CS",
    };
    let participacion_corte = format!(
        "Este corte {} el último: su participación usa {base}.",
        if final_corte { "es" } else { "no es" }
    );
    let truncado = Regla {
        codigo: "truncado",
        texto: format!(
            "Cada porcentaje se calcula con números enteros y se trunca a cuatro decimales, sin redondear: 2 actas de 3 son {} %, no 66.6667 %. Los porcentajes de votos se calculan sobre el total de votos, con los nulos y las candidaturas no registradas.",
            Porcentaje::of(2, 3).plain()
        ),
    };
    Reglas {
        nombre: ruleset.name.clone(),
        inconsistencias: si.iter().map(regla).collect(),
        no_inconsistencias: no.iter().map(regla).collect(),
        sin_acta,
        participacion,
        participacion_corte,
        truncado,
        distribucion: distribucion(catalog),
        toml: crate::tally::ruleset::to_toml(ruleset),
    }
}

/// How each coalition combination and candidatura común of the catalog is
/// split among its parties.
fn distribucion(catalog: &Catalog) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for e in &catalog.elections {
        for o in &e.options {
            let text = match o.kind {
                OptionKind::Coalition => format!(
                    "{}: en partes iguales entre {}; lo que sobra, un voto a la vez a los partidos de la combinación con más votos propios.",
                    o.column,
                    o.parties.join(", ")
                ),
                OptionKind::Comun => {
                    let parts: Vec<String> = match &o.shares {
                        Some(shares) => o
                            .parties
                            .iter()
                            .zip(shares)
                            .map(|(p, s)| format!("{p} {}.{:02} %", s / 100, s % 100))
                            .collect(),
                        None => o.parties.clone(),
                    };
                    let resto = o
                        .remainder_to
                        .as_deref()
                        .map(|p| format!("; lo que sobra, a {p}"))
                        .unwrap_or_default();
                    format!(
                        "{} (candidatura común): según su convenio, {}{resto}.",
                        o.column,
                        parts.join(", ")
                    )
                }
                _ => continue,
            };
            if !out.contains(&text) {
                out.push(text);
            }
        }
    }
    out
}

/// One corte of the process, for the schedule.
#[derive(Debug, Serialize)]
struct CorteFila {
    seq: u32,
    label: String,
    actual: bool,
}

fn cortes(r: &Renderer) -> Vec<CorteFila> {
    let label = |t: &str| {
        chrono::DateTime::parse_from_rfc3339(t)
            .map(|t| corte_label(&t))
            .unwrap_or_else(|_| t.to_string())
    };
    let corte = &r.ctx.snapshot.corte;
    let mut rows: Vec<CorteFila> = r
        .ctx
        .history
        .cortes
        .iter()
        .filter(|m| m.corte.seq < corte.seq)
        .map(|m| CorteFila {
            seq: m.corte.seq,
            label: label(&m.corte.timestamp),
            actual: false,
        })
        .collect();
    rows.push(CorteFila {
        seq: corte.seq,
        label: label(&corte.timestamp),
        actual: true,
    });
    rows.sort_by_key(|c| c.seq);
    rows.dedup_by_key(|c| c.seq);
    rows
}

#[derive(Serialize)]
struct Page<'a> {
    /// `index`, `glosario`, `calculo`, `descargas`, `cortes`.
    tema: &'static str,
    titulo: &'static str,
    /// Every help page, for the help centre's own navigation.
    temas: Vec<Link<'static>>,
    reglas: Option<Reglas>,
    cortes: Vec<CorteFila>,
    ejemplo: Option<Descarga<'a>>,
}

/// `ayuda/<tema>.html`, with the theme's `ayuda.html`.
pub fn page(r: &Renderer, template: &Template, tema: usize) -> Result<Artifact, SiteError> {
    let (file, titulo) = TEMAS[tema];
    let temas = (0..TEMAS.len())
        .map(|t| Link {
            label: Cow::Borrowed(TEMAS[t].1),
            href: key(t),
        })
        .collect();
    let results = r.ctx.results;
    let page = Page {
        tema: file,
        titulo,
        temas,
        reglas: (file == "calculo").then(|| {
            reglas(
                &results.ruleset,
                results.final_corte,
                &r.ctx.snapshot.catalog,
            )
        }),
        cortes: if file == "cortes" {
            cortes(r)
        } else {
            Vec::new()
        },
        ejemplo: r
            .ctx
            .datasets
            .iter()
            .find(|a| a.key.ends_with(".zip"))
            .or_else(|| r.ctx.datasets.first())
            .map(descarga),
    };
    let mut crumbs = vec![r.inicio()];
    if tema == 0 {
        crumbs.push(Crumb {
            label: Cow::Borrowed(titulo),
            href: None,
        });
    } else {
        crumbs.push(Crumb {
            label: Cow::Borrowed(TEMAS[0].1),
            href: Some(key(0)),
        });
        crumbs.push(Crumb {
            label: Cow::Borrowed(titulo),
            href: None,
        });
    }
    r.corte_page(key(tema), template, titulo, &crumbs, &page)
}

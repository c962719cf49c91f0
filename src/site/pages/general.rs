//! The pages about the whole corte: the home page, "Consulta tu casilla",
//! how to verify, and the datasets. These are the *corte pages*: they name
//! the corte and carry every election's results in the entidad, so they are
//! rendered at every corte. Every other page is content-stable: its `site`
//! names no corte (see [`site_value`]).

use minijinja::value::{Serde, Value};
use serde::Serialize;

use super::election::{Descarga, Eleccion, EleccionInfo, consulta_key, descarga};
use super::geo::Nivel;
use super::view::LevelView;
use super::{AVISO, Crumb, Link, Renderer};
use crate::contract::ContestLevel;
use crate::contract::corte::corte_label;
use crate::site::{Artifact, SiteContext, SiteError};

/// `site`: what every page shares. Nothing here changes from corte to
/// corte (the catalog, the theme): a content-stable page must not depend
/// on the corte it was rendered in.
#[derive(Serialize)]
struct SiteView<'a> {
    /// The process (`PREP 2024 CIUDAD DE MÉXICO`).
    proceso: &'a str,
    /// The institute: the theme's, else the catalog's.
    institucion: &'a str,
    entidad: &'a str,
    aviso: &'static str,
    /// The live corte's pointer, relative to the root (the theme's script
    /// reads it to show the live corte on every page).
    latest: &'static str,
    /// Asset keys (relative to the root): `assets/style.3f2a9c1b.css`.
    css: Option<&'a str>,
    js: Option<&'a str>,
    /// Every election, for the navigation.
    elecciones: Vec<EleccionNav<'a>>,
}

#[derive(Serialize)]
struct EleccionNav<'a> {
    eleccion: EleccionInfo<'a>,
}

/// `corte`: the corte of a corte page (home, consulta, verificación,
/// datos, ayuda), with every election's results in the entidad.
#[derive(Serialize)]
struct CorteView<'a> {
    id: String,
    seq: u32,
    /// RFC 3339 with offset, for `<time datetime>`.
    timestamp: String,
    /// `02/06/2024 20:00 (UTC-6)`.
    label: String,
    #[serde(rename = "final")]
    final_corte: bool,
    elecciones: Vec<EleccionResumen<'a>>,
}

#[derive(Serialize)]
struct EleccionResumen<'a> {
    eleccion: EleccionInfo<'a>,
    resultados: LevelView<'a>,
}

/// `site`: what every page shares, converted to a template value once.
pub fn site_value(ctx: &SiteContext, elecciones: &[Eleccion]) -> Value {
    let catalog = &ctx.snapshot.catalog;
    let institucion = if ctx.theme.meta.institute.is_empty() {
        catalog.process.institute.as_str()
    } else {
        ctx.theme.meta.institute.as_str()
    };
    let site = SiteView {
        proceso: &catalog.process.name,
        institucion,
        entidad: &catalog.entidad.name,
        aviso: AVISO,
        latest: crate::published::layout::POINTER,
        css: ctx.theme.asset_key("style.css"),
        js: ctx.theme.asset_key("app.js"),
        elecciones: elecciones
            .iter()
            .map(|e| EleccionNav { eleccion: e.info() })
            .collect(),
    };
    Value::from(Serde(&site))
}

/// `corte` of the corte pages, converted to a template value once.
pub fn corte_value(ctx: &SiteContext, elecciones: &[Eleccion]) -> Value {
    let corte = &ctx.snapshot.corte;
    let view = CorteView {
        id: corte.id(),
        seq: corte.seq,
        timestamp: corte.timestamp.clone(),
        label: corte_label(&corte.time()),
        final_corte: corte.final_corte,
        elecciones: elecciones
            .iter()
            .map(|e| EleccionResumen {
                eleccion: e.info(),
                resultados: e.entidad_view(),
            })
            .collect(),
    };
    Value::from(Serde(&view))
}

#[derive(Serialize)]
struct Empty {}

pub fn home(r: &Renderer) -> Result<Artifact, SiteError> {
    let crumbs = [Crumb {
        label: "Inicio".into(),
        href: None,
    }];
    r.corte_page(
        "index.html".into(),
        &r.templates.home,
        "Resultados preliminares",
        &crumbs,
        &Empty {},
    )
}

fn crumbs_for(r: &Renderer, label: &'static str) -> [Crumb<'static>; 2] {
    [
        r.inicio(),
        Crumb {
            label: label.into(),
            href: None,
        },
    ]
}

/// One election in the consulta: its folder's index and, for browsing
/// without JavaScript, the pages that list secciones.
#[derive(Serialize)]
struct ConsultaEleccion<'a> {
    eleccion: EleccionInfo<'a>,
    /// `consulta/gub.json`.
    indice: String,
    listas: Vec<ConsultaLista<'a>>,
    modalidades: Vec<Link<'static>>,
}

#[derive(Serialize)]
struct ConsultaLista<'a> {
    titulo: &'static str,
    unidades: Vec<Link<'a>>,
}

pub fn consulta(r: &Renderer) -> Result<Artifact, SiteError> {
    #[derive(Serialize)]
    struct Page<'a> {
        elecciones: Vec<ConsultaEleccion<'a>>,
    }
    let catalog = &r.ctx.snapshot.catalog;
    let (_, demarcaciones) = Nivel::Demarcacion.names(catalog);
    let elecciones = r
        .elecciones
        .iter()
        .map(|el| {
            let distritos = el.unit_links(Nivel::Distrito);
            let demarcs = el.unit_links(Nivel::Demarcacion);
            // Entidad-wide elections: one breakdown is enough to find a sección.
            let mut listas = Vec::new();
            let prefer_demarcacion = el.election.contest == ContestLevel::Demarcacion;
            if !demarcs.is_empty() && (prefer_demarcacion || distritos.is_empty()) {
                listas.push(ConsultaLista {
                    titulo: demarcaciones,
                    unidades: demarcs,
                });
            } else if !distritos.is_empty() {
                listas.push(ConsultaLista {
                    titulo: "Distritos",
                    unidades: distritos,
                });
            }
            ConsultaEleccion {
                eleccion: el.info(),
                indice: consulta_key(&el.slug),
                listas,
                modalidades: el.modalidad_links(),
            }
        })
        .collect();
    r.corte_page(
        "consulta.html".into(),
        &r.templates.consulta,
        "Consulta tu casilla",
        &crumbs_for(r, "Consulta tu casilla"),
        &Page { elecciones },
    )
}

pub fn verificacion(r: &Renderer) -> Result<Artifact, SiteError> {
    #[derive(Serialize)]
    struct Page<'a> {
        /// A dataset to use in the examples.
        ejemplo: Option<Descarga<'a>>,
        /// An acta image hash to use in the examples.
        codigo_ejemplo: Option<&'a str>,
    }
    let ejemplo = r
        .ctx
        .datasets
        .iter()
        .find(|a| a.key.ends_with(".zip"))
        .or_else(|| r.ctx.datasets.first())
        .map(descarga);
    let codigo_ejemplo = r
        .ctx
        .snapshot
        .actas
        .iter()
        .flatten()
        .find_map(|a| a.codigo_integridad.as_deref());
    r.corte_page(
        "verificacion.html".into(),
        &r.templates.verificacion,
        "Verifica los archivos",
        &crumbs_for(r, "Verificación"),
        &Page {
            ejemplo,
            codigo_ejemplo,
        },
    )
}

pub fn datos(r: &Renderer) -> Result<Artifact, SiteError> {
    #[derive(Serialize)]
    struct Archivo<'a> {
        #[serde(flatten)]
        descarga: Descarga<'a>,
        descripcion: &'static str,
    }
    #[derive(Serialize)]
    struct Page<'a> {
        archivos: Vec<Archivo<'a>>,
        /// The JSON API's index (`datos/api/index.json`), for difusores' apps.
        api: String,
    }
    let archivos = r
        .ctx
        .datasets
        .iter()
        .map(|a| Archivo {
            descarga: descarga(a),
            descripcion: describe(&a.key),
        })
        .collect();
    r.corte_page(
        "datos.html".into(),
        &r.templates.datos,
        "Bases de datos",
        &crumbs_for(r, "Bases de datos"),
        &Page {
            archivos,
            api: format!("{}index.json", crate::site::api::PREFIX),
        },
    )
}

/// What a dataset file is, from its name.
fn describe(key: &str) -> &'static str {
    let gz = key.ends_with(".gz");
    match (key, gz) {
        (k, false) if k.contains("_CANDIDATURAS_") => "Candidaturas",
        (k, true) if k.contains("_CANDIDATURAS_") => "Candidaturas, copia comprimida (gzip)",
        (k, _) if k.contains("LEEME") => "Descripción de los campos (LEEME)",
        (k, _) if k.ends_with(".zip") => "Paquete del corte (ZIP)",
        (_, true) => "Base de datos (Anexo 13), copia comprimida (gzip)",
        (k, _) if k.ends_with(".csv") => "Base de datos (Anexo 13)",
        _ => "Archivo",
    }
}

//! The HTML pages of a corte, rendered with the theme's templates.
//!
//! The URL layout (every link relative, every file named explicitly, so the
//! same files work at the site root, under `cortes/<corte-id>/`, in a mirror
//! and from a local folder):
//!
//! | key | page | template |
//! |---|---|---|
//! | `index.html` | the corte: every election's results | `home.html` |
//! | `<e>/index.html` | an election in the whole entidad, its distritos / demarcaciones | `level.html` |
//! | `<e>/distrito/<id>.html`, `<e>/demarcacion/<id>.html` | one unit and its secciones | `level.html` |
//! | `<e>/seccion/<id>.html` | one sección: every casilla and acta | `seccion.html` |
//! | `<e>/extranjero.html`, `<e>/anticipado.html`, `<e>/prision-preventiva.html` | casillas of a modality | `seccion.html` |
//! | `<e>/fuera-de-catalogo.html` | actas that match no casilla of the catalog | `seccion.html` |
//! | `<e>/representacion-proporcional.html` | actas of representación proporcional (casillas especiales), apart | `seccion.html` |
//! | `consulta.html`, `consulta/<e>.json` | find your casilla; the sección index its script reads | `consulta.html` |
//! | `verificacion.html` | how to verify downloads, acta images and the manifest | `verificacion.html` |
//! | `datos.html` | every dataset with size and SHA-256 | `datos.html` |
//! | `ayuda/<tema>.html` | the help centre, if the theme has `ayuda.html` | `ayuda.html` |
//!
//! `<e>` is the election's slug, as in the JSON API ([`super::api::slug`]:
//! `DIP_LOC` → `dip-loc`). Pages are rendered in parallel; each template is fetched once.
//! The data every page shares (`site`) is converted once; each page adds its
//! own `page` (see docs/site.md for every variable).

mod ayuda;
pub mod casillas;
mod election;
mod general;
mod geo;
mod labels;
mod level;
mod seccion;
mod tipos;
mod view;

use std::borrow::Cow;

use minijinja::value::{Serde, Value};
use minijinja::{Template, context};
use rayon::prelude::*;
use serde::Serialize;

use super::digest::{Digest, Digests, Feed};
use super::{Artifact, CacheClass, SiteContext, SiteError};
use crate::contract::TipoCasilla;
use election::Eleccion;
use geo::{Geo, Nivel};

/// Templates every theme must provide.
pub const TEMPLATES: &[&str] = &[
    "base.html",
    "home.html",
    "level.html",
    "seccion.html",
    "consulta.html",
    "verificacion.html",
    "datos.html",
];

/// The disclaimer every page carries.
pub const AVISO: &str = "Los resultados presentados tienen un carácter informativo y no son definitivos, por tanto, no tienen efectos jurídicos.";

/// The modalities with a page of their own: casilla type, file name, title.
pub const MODALIDADES: [(TipoCasilla, &str, &str); 3] = [
    (TipoCasilla::M, "extranjero", "Votos desde el extranjero"),
    (TipoCasilla::A, "anticipado", "Voto anticipado"),
    (
        TipoCasilla::P,
        "prision-preventiva",
        "Voto en prisión preventiva",
    ),
];

/// The way back to the site root from a key: `gub/seccion/0001.html` → `../../`.
fn root_of(key: &str) -> String {
    "../".repeat(key.matches('/').count())
}

/// One step of the breadcrumbs; the last one (the page itself) has no link.
#[derive(Debug, Clone, Serialize)]
pub struct Crumb<'a> {
    pub label: Cow<'a, str>,
    /// Relative to the site root.
    pub href: Option<String>,
}

/// A link: its text and where it goes (relative to the site root).
#[derive(Debug, Clone, Serialize)]
pub struct Link<'a> {
    pub label: Cow<'a, str>,
    pub href: String,
}

/// The templates, each fetched once.
struct Templates<'env> {
    home: Template<'env, 'env>,
    level: Template<'env, 'env>,
    seccion: Template<'env, 'env>,
    consulta: Template<'env, 'env>,
    verificacion: Template<'env, 'env>,
    datos: Template<'env, 'env>,
    /// The help centre, if the theme has one (`ayuda.html`).
    ayuda: Option<Template<'env, 'env>>,
}

/// Everything shared by every page of the corte.
pub(crate) struct Renderer<'a> {
    ctx: &'a SiteContext<'a>,
    templates: Templates<'a>,
    geo: Geo,
    elecciones: Vec<Eleccion<'a>>,
    /// `site` in every template: the process, the disclaimer, the assets
    /// and the elections; nothing that changes from corte to corte.
    site: Value,
    /// `corte` in the corte pages only: the corte and every election's
    /// results in the entidad.
    corte: Value,
}

/// A page to render.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Job {
    Home,
    Consulta,
    Verificacion,
    Datos,
    Ayuda(usize),
    Entidad(usize),
    Distrito(usize, u32),
    Demarcacion(usize, u32),
    Seccion(usize, u32),
    Modalidad(usize, usize),
    FueraDeCatalogo(usize),
    RepresentacionProporcional(usize),
}

impl<'a> Renderer<'a> {
    pub(crate) fn new(ctx: &'a SiteContext<'a>) -> Result<Self, SiteError> {
        let env = &ctx.theme.env;
        let get = |name: &str| {
            env.get_template(name).map_err(|e| SiteError::Theme {
                file: format!("templates/{name}"),
                message: format!("{e:#}"),
            })
        };
        let templates = Templates {
            home: get("home.html")?,
            level: get("level.html")?,
            seccion: get("seccion.html")?,
            consulta: get("consulta.html")?,
            verificacion: get("verificacion.html")?,
            datos: get("datos.html")?,
            ayuda: env.get_template("ayuda.html").ok(),
        };
        let geo = Geo::new(ctx.snapshot);
        let elecciones: Vec<Eleccion> = (0..ctx.snapshot.catalog.elections.len())
            .into_par_iter()
            .map(|e| Eleccion::new(ctx, &geo, e))
            .collect();
        let site = general::site_value(ctx, &elecciones);
        let corte = general::corte_value(ctx, &elecciones);
        Ok(Renderer {
            ctx,
            templates,
            geo,
            elecciones,
            site,
            corte,
        })
    }

    pub(crate) fn jobs(&self) -> Vec<Job> {
        let mut jobs = vec![Job::Home, Job::Consulta, Job::Verificacion, Job::Datos];
        if self.templates.ayuda.is_some() {
            jobs.extend((0..ayuda::TEMAS.len()).map(Job::Ayuda));
        }
        for (e, el) in self.elecciones.iter().enumerate() {
            jobs.push(Job::Entidad(e));
            jobs.extend(el.distritos_con_paginas().map(|d| Job::Distrito(e, d)));
            jobs.extend(
                el.demarcaciones_con_paginas()
                    .map(|d| Job::Demarcacion(e, d)),
            );
            jobs.extend(el.secciones_con_paginas().map(|s| Job::Seccion(e, s)));
            jobs.extend(el.modalidades_con_paginas().map(|m| Job::Modalidad(e, m)));
            if el.tiene_fuera_de_catalogo() {
                jobs.push(Job::FueraDeCatalogo(e));
            }
            if el.tiene_rp() {
                jobs.push(Job::RepresentacionProporcional(e));
            }
        }
        jobs
    }

    /// The key of a page, known before it is rendered.
    pub(crate) fn key_of(&self, job: Job) -> String {
        let el = |e: usize| &self.elecciones[e];
        match job {
            Job::Home => "index.html".into(),
            Job::Consulta => "consulta.html".into(),
            Job::Verificacion => "verificacion.html".into(),
            Job::Datos => "datos.html".into(),
            Job::Ayuda(t) => ayuda::key(t),
            Job::Entidad(e) => format!("{}/index.html", el(e).slug),
            Job::Distrito(e, d) => el(e).unit_href(Nivel::Distrito, d),
            Job::Demarcacion(e, d) => el(e).unit_href(Nivel::Demarcacion, d),
            Job::Seccion(e, s) => el(e).seccion_href(s),
            Job::Modalidad(e, m) => format!("{}/{}.html", el(e).slug, MODALIDADES[m].1),
            Job::FueraDeCatalogo(e) => {
                format!("{}/{}.html", el(e).slug, seccion::FUERA_DE_CATALOGO.0)
            }
            Job::RepresentacionProporcional(e) => format!(
                "{}/{}.html",
                el(e).slug,
                seccion::REPRESENTACION_PROPORCIONAL.0
            ),
        }
    }

    /// The digest of a page's inputs (see [`crate::site::digest`]); `None`
    /// for the corte pages, which name the corte and are always rendered.
    pub(crate) fn digest_of(&self, job: Job, key: &str, d: &Digests) -> Option<Digest> {
        let geo = &self.geo;
        let casillas = |f: &mut Feed, e: usize, list: &[u32]| {
            for c in list {
                f.digest(d.casilla(e, *c));
            }
        };
        let area = |f: &mut Feed, e: usize, own: &[u32], secciones: &[u32]| {
            casillas(f, e, own);
            for s in secciones {
                casillas(f, e, &geo.seccion_casillas[*s as usize]);
            }
        };
        Some(match job {
            Job::Home | Job::Consulta | Job::Verificacion | Job::Datos | Job::Ayuda(_) => {
                return None;
            }
            Job::Entidad(e) => d.artifact(key, |f| {
                f.digest(d.election(e));
                self.elecciones[e].feed_evolucion(f);
            }),
            Job::FueraDeCatalogo(e) | Job::RepresentacionProporcional(e) => d.artifact(key, |f| {
                f.digest(d.election(e));
            }),
            Job::Distrito(e, u) => d.artifact(key, |f| {
                let u = u as usize;
                area(f, e, &geo.distrito_casillas[u], &geo.distrito_secciones[u]);
            }),
            Job::Demarcacion(e, u) => d.artifact(key, |f| {
                let u = u as usize;
                area(
                    f,
                    e,
                    &geo.demarcacion_casillas[u],
                    &geo.demarcacion_secciones[u],
                );
            }),
            Job::Seccion(e, s) => d.artifact(key, |f| {
                casillas(f, e, &geo.seccion_casillas[s as usize]);
            }),
            Job::Modalidad(e, m) => d.artifact(key, |f| {
                casillas(f, e, self.elecciones[e].modalidad_casillas(m));
            }),
        })
    }

    pub(crate) fn render(&self, job: Job) -> Result<Artifact, SiteError> {
        match job {
            Job::Home => general::home(self),
            Job::Consulta => general::consulta(self),
            Job::Verificacion => general::verificacion(self),
            Job::Datos => general::datos(self),
            Job::Ayuda(t) => match &self.templates.ayuda {
                Some(template) => ayuda::page(self, template, t),
                None => Err(SiteError::Theme {
                    file: "templates/ayuda.html".into(),
                    message: "is missing".into(),
                }),
            },
            Job::Entidad(e) => self.elecciones[e].entidad(self),
            Job::Distrito(e, d) => self.elecciones[e].distrito(self, d),
            Job::Demarcacion(e, d) => self.elecciones[e].demarcacion(self, d),
            Job::Seccion(e, s) => self.elecciones[e].seccion(self, s),
            Job::Modalidad(e, m) => self.elecciones[e].modalidad(self, m),
            Job::FueraDeCatalogo(e) => self.elecciones[e].fuera_de_catalogo(self),
            Job::RepresentacionProporcional(e) => {
                self.elecciones[e].representacion_proporcional(self)
            }
        }
    }

    /// Renders a content-stable page: the shared `site`, the page's `root`,
    /// `title`, `crumbs`, its own `page` data and `cifras`, the capture time
    /// of the newest acta its figures count. Nothing of the corte: the page's
    /// bytes change only when what it shows changes.
    fn page<P: Serialize>(
        &self,
        key: String,
        template: &Template,
        title: &str,
        crumbs: &[Crumb],
        page: &P,
        cifras: Option<&view::Cifras>,
    ) -> Result<Artifact, SiteError> {
        let context = context! {
            site => self.site.clone(),
            root => root_of(&key),
            title => title,
            crumbs => Value::from(Serde(crumbs)),
            page => Value::from(Serde(page)),
            cifras => Value::from(Serde(cifras)),
        };
        self.render_page(key, template, context)
    }

    /// Renders a corte page (home, consulta, verificación, datos, ayuda):
    /// as [`Renderer::page`], with `corte`, the corte and every election's
    /// results, instead of `cifras`. These change at every corte.
    fn corte_page<P: Serialize>(
        &self,
        key: String,
        template: &Template,
        title: &str,
        crumbs: &[Crumb],
        page: &P,
    ) -> Result<Artifact, SiteError> {
        let context = context! {
            site => self.site.clone(),
            corte => self.corte.clone(),
            root => root_of(&key),
            title => title,
            crumbs => Value::from(Serde(crumbs)),
            page => Value::from(Serde(page)),
        };
        self.render_page(key, template, context)
    }

    fn render_page(
        &self,
        key: String,
        template: &Template,
        context: Value,
    ) -> Result<Artifact, SiteError> {
        let html = template.render(context).map_err(|e| SiteError::Template {
            page: key.clone(),
            template: template.name().to_string(),
            message: format!("{e:#}"),
        })?;
        Ok(Artifact::new(key, html.into_bytes(), CacheClass::Short))
    }

    /// `consulta/<e>.json` of election `e`: the secciones with a page, for
    /// the consulta's script.
    pub(crate) fn consulta_index(&self, e: usize) -> Artifact {
        self.elecciones[e].consulta_index()
    }

    pub(crate) fn consulta_key(&self, e: usize) -> String {
        election::consulta_key(&self.elecciones[e].slug)
    }

    /// The first crumb of every page.
    fn inicio(&self) -> Crumb<'static> {
        Crumb {
            label: "Inicio".into(),
            href: Some("index.html".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_pages_root_climbs_one_folder_per_slash_of_its_key() {
        assert_eq!(super::root_of("index.html"), "");
        assert_eq!(super::root_of("gub/index.html"), "../");
        assert_eq!(super::root_of("dip-loc/seccion/0001.html"), "../../");
    }
}

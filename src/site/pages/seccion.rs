//! `seccion.html`: a sección with every casilla and acta, and the pages of
//! actas outside the secciones' lists: the modalities (votes from abroad,
//! voto anticipado, prisión preventiva), representación proporcional and
//! fuera de catálogo.

use std::borrow::Cow;

use serde::Serialize;

use super::casillas::{ActaView, CasillaSource, CasillaView};
use super::election::{DescargaEstable, Eleccion, EleccionInfo, scope_of};
use super::geo::{Nivel, unit_label};
use super::view::{ChartView, Cifras, LevelView, Scope};
use super::{Crumb, Link, MODALIDADES, Renderer};
use crate::contract::acta::contest_unit;
use crate::site::charts;
use crate::site::{Artifact, SiteError};
use crate::tally::LevelTotals;

/// `seccion.html`'s page: a sección, or the casillas of a modality.
#[derive(Debug, Serialize)]
pub(super) struct SeccionPage<'a> {
    eleccion: EleccionInfo<'a>,
    /// `seccion`, `modalidad` or `fuera_de_catalogo`.
    nivel: &'static str,
    titulo: Cow<'a, str>,
    seccion: Option<&'a str>,
    /// The sección's distrito and demarcación pages, where they exist.
    unidades: Vec<Link<'a>>,
    resultados: LevelView<'a>,
    casillas: Vec<CasillaView<'a>>,
    /// The actas fuera de catálogo (their own page only).
    fuera: Vec<ActaView<'a>>,
    /// Representación proporcional (its own page only): votes per party.
    chart_partidos: Option<ChartView>,
    descargas: Vec<DescargaEstable>,
}

/// The page of the actas of representación proporcional: file name and title.
pub const REPRESENTACION_PROPORCIONAL: (&str, &str) = (
    "representacion-proporcional",
    "Actas de representación proporcional",
);

/// The page of the actas fuera de catálogo: file name and title.
pub const FUERA_DE_CATALOGO: (&str, &str) = ("fuera-de-catalogo", "Actas fuera de catálogo");

impl<'a> Eleccion<'a> {
    fn source(&self) -> CasillaSource<'_> {
        CasillaSource {
            snapshot: self.ctx.snapshot,
            election: self.index,
            results: &self.r.actas,
            actas: &self.actas,
            labels: &self.labels,
            images: self.ctx.images,
        }
    }

    fn casillas(&self, list: &[u32]) -> Vec<CasillaView<'_>> {
        let source = self.source();
        list.iter()
            .filter(|&&c| {
                let casilla = &self.ctx.snapshot.catalog.casillas[c as usize];
                casilla.actas.contains_key(&self.election.id) || !self.actas.of(c).is_empty()
            })
            .map(|&c| source.view(c))
            .collect()
    }

    pub fn seccion(&self, r: &Renderer, s: u32) -> Result<Artifact, SiteError> {
        let snapshot = self.ctx.snapshot;
        let catalog = &snapshot.catalog;
        let ix = &snapshot.index;
        let sec = &catalog.secciones[s as usize];
        let t = &self.r.secciones[s as usize];
        let scope = match self.seccion_unit[s as usize] {
            Some(u) => Scope::Unit(u as usize),
            None => Scope::Units(&[]),
        };
        // The sección's distrito and demarcación, where this election has their pages.
        let mut unidades = Vec::new();
        let mut crumbs = self.crumbs(r);
        let places = [
            (
                Nivel::Distrito,
                sec.distrito.as_ref().and_then(|d| ix.distrito_by_id.get(d)),
            ),
            (
                Nivel::Demarcacion,
                sec.demarcacion
                    .as_ref()
                    .and_then(|d| ix.demarcacion_by_id.get(d)),
            ),
        ];
        for (nivel, d) in places {
            let Some(&d) = d else { continue };
            if !self.shows(nivel) || self.totals(nivel)[d as usize].actas_esperadas == 0 {
                continue;
            }
            let (singular, _) = nivel.names(catalog);
            let link = Link {
                label: Cow::Owned(unit_label(singular, &nivel.units(catalog)[d as usize].name)),
                href: self.unit_href(nivel, d),
            };
            if crumbs.len() == 2 {
                crumbs.push(Crumb {
                    label: link.label.clone(),
                    href: Some(link.href.clone()),
                });
            }
            unidades.push(link);
        }
        let titulo = format!("Sección {}", sec.id);
        crumbs.push(Crumb {
            label: Cow::Owned(titulo.clone()),
            href: None,
        });
        let page = SeccionPage {
            eleccion: self.info(),
            nivel: "seccion",
            titulo: Cow::Owned(titulo.clone()),
            seccion: Some(&sec.id),
            unidades,
            resultados: self.view().level(t, self.summary(t), scope),
            casillas: self.casillas(&r.geo.seccion_casillas[s as usize]),
            fuera: Vec::new(),
            chart_partidos: None,
            descargas: self.descargas(),
        };
        let title = format!("{} · {titulo}", self.election.name);
        let cifras = Cifras::of(self.captura.secciones.get(s as usize).copied().flatten());
        r.page(
            self.seccion_href(s),
            &r.templates.seccion,
            &title,
            &crumbs,
            &page,
            cifras.as_ref(),
        )
    }

    pub fn modalidad(&self, r: &Renderer, m: usize) -> Result<Artifact, SiteError> {
        let snapshot = self.ctx.snapshot;
        let (tipo, file, titulo) = MODALIDADES[m];
        let list = &self.modalidades[m];
        let t = crate::tally::totals_of(snapshot, self.ctx.results, self.index, |c| c.tipo == tipo);
        let mut units: Vec<u32> = list
            .iter()
            .filter_map(|&c| contest_unit(&snapshot.catalog, &snapshot.index, self.index, c))
            .collect();
        units.sort_unstable();
        units.dedup();
        let page = SeccionPage {
            eleccion: self.info(),
            nivel: "modalidad",
            titulo: Cow::Borrowed(titulo),
            seccion: None,
            unidades: Vec::new(),
            resultados: self.view().level(&t, self.summary(&t), scope_of(&units)),
            casillas: self.casillas(list),
            fuera: Vec::new(),
            chart_partidos: None,
            descargas: self.descargas(),
        };
        let cifras = Cifras::of(self.captura.modalidades.get(m).copied().flatten());
        self.election_wide_page(r, file, page, cifras)
    }

    /// A page of actas that lie in no sección's list: `<e>/<file>.html`,
    /// reached from the election's page.
    fn election_wide_page(
        &self,
        r: &Renderer,
        file: &str,
        page: SeccionPage,
        cifras: Option<Cifras>,
    ) -> Result<Artifact, SiteError> {
        let mut crumbs = self.crumbs(r);
        crumbs.push(Crumb {
            label: page.titulo.clone(),
            href: None,
        });
        let title = format!("{} · {}", self.election.name, page.titulo);
        r.page(
            format!("{}/{file}.html", self.slug),
            &r.templates.seccion,
            &title,
            &crumbs,
            &page,
            cifras.as_ref(),
        )
    }

    /// Whether the election has actas of representación proporcional
    /// (expected or registered), which get a page of their own.
    pub fn tiene_rp(&self) -> bool {
        self.r
            .rp
            .as_ref()
            .is_some_and(|t| t.actas_esperadas > 0 || t.actas_capturadas > 0)
    }

    /// The actas of representación proporcional of the casillas especiales,
    /// apart from the election's results as the institute shows them: their
    /// own acta counts, their votes per party, every such acta as captured.
    pub fn representacion_proporcional(&self, r: &Renderer) -> Result<Artifact, SiteError> {
        let (file, titulo) = REPRESENTACION_PROPORCIONAL;
        let blank = LevelTotals::default();
        let t = self.r.rp.as_ref().unwrap_or(&blank);
        let resultados = self.view().level(t, self.summary(t), Scope::Units(&[]));
        let bars: Vec<charts::Bar> = resultados
            .partidos
            .iter()
            .map(|p| charts::Bar {
                label: p.label.to_string(),
                value: p.votos,
                color: p.color.map(str::to_string),
            })
            .collect();
        let chart = charts::votes("Votos por partido, representación proporcional", &bars);
        let casillas = self.rp_casillas();
        let page = SeccionPage {
            eleccion: self.info(),
            nivel: "rp",
            titulo: Cow::Borrowed(titulo),
            seccion: None,
            unidades: Vec::new(),
            resultados,
            casillas,
            fuera: Vec::new(),
            chart_partidos: Some(chart.into()),
            descargas: self.descargas(),
        };
        self.election_wide_page(r, file, page, Cifras::of(self.captura.entidad))
    }

    /// Every casilla that expects or has an acta of representación
    /// proporcional, by key, showing only those actas.
    fn rp_casillas(&self) -> Vec<CasillaView<'_>> {
        let snapshot = self.ctx.snapshot;
        let catalog = &snapshot.catalog;
        let rp_types = &self.eix.rp_acta_types;
        let is_rp = |c: u32| {
            let expects = catalog.casillas[c as usize]
                .actas
                .get(&self.election.id)
                .is_some_and(|ts| ts.iter().any(|t| rp_types.contains(t)));
            let has = self
                .actas
                .of(c)
                .iter()
                .any(|a| rp_types.contains(&snapshot.actas[self.index][*a as usize].tipo_acta));
            expects || has
        };
        let mut list: Vec<u32> = (0..catalog.casillas.len() as u32)
            .filter(|c| is_rp(*c))
            .collect();
        list.sort_by(|a, b| {
            catalog.casillas[*a as usize]
                .key
                .cmp(&catalog.casillas[*b as usize].key)
        });
        let mut casillas = self.casillas(&list);
        for c in &mut casillas {
            c.actas.retain(|a| rp_types.contains(a.tipo_acta));
            c.pendientes.retain(|t| rp_types.contains(*t));
        }
        casillas
    }

    pub fn tiene_fuera_de_catalogo(&self) -> bool {
        self.r.actas_fuera_catalogo > 0
    }

    /// The actas that match no casilla of the catalog: they count only in
    /// ACTAS_REGISTRADAS, and are shown as registered, beside the
    /// election's results.
    pub fn fuera_de_catalogo(&self, r: &Renderer) -> Result<Artifact, SiteError> {
        let (file, titulo) = FUERA_DE_CATALOGO;
        let page = SeccionPage {
            eleccion: self.info(),
            nivel: "fuera_de_catalogo",
            titulo: Cow::Borrowed(titulo),
            seccion: None,
            unidades: Vec::new(),
            resultados: self.entidad_view(),
            casillas: Vec::new(),
            fuera: self.source().fuera_de_catalogo(),
            chart_partidos: None,
            descargas: self.descargas(),
        };
        self.election_wide_page(r, file, page, Cifras::of(self.captura.entidad))
    }
}

//! `level.html`: an election in the entidad (its units with their leaders,
//! the tile maps, the evolution charts), a distrito or a demarcación.

use std::borrow::Cow;

use serde::Serialize;

use super::election::{DescargaEstable, Eleccion, EleccionInfo};
use super::geo::{Nivel, unit_label};
use super::seccion::{FUERA_DE_CATALOGO, REPRESENTACION_PROPORCIONAL};
use super::tipos::PorTipo;
use super::view::{ChartView, Cifras, LevelView, Scope, VotosView};
use super::{Crumb, Link, Renderer};
use crate::site::charts;
use crate::site::digest::Feed;
use crate::site::format::{miles, pct};
use crate::site::history::{CurrentCorte, Evolution};
use crate::site::tiles::{self, MapTile};
use crate::site::{Artifact, SiteError};
use crate::tally::Summary;

/// One row of a list of units: its figures and its leading candidacy.
#[derive(Debug, Serialize)]
pub struct UnitRow<'a> {
    pub id: &'a str,
    pub nombre: &'a str,
    pub href: String,
    pub resumen: Summary,
    pub lider: Option<VotosView<'a>>,
}

#[derive(Debug, Serialize)]
pub struct UnitList<'a> {
    /// `Distritos`, `Alcaldías`, …
    pub titulo: &'static str,
    /// `Distrito`, `Alcaldía`, …
    pub singular: &'static str,
    pub filas: Vec<UnitRow<'a>>,
    /// The tile map of the units, if the theme places any of them.
    pub mapa: Option<MapaView<'a>>,
}

/// A tile map of the units (`site::tiles`) and what reads it in words.
#[derive(Debug, Serialize)]
pub struct MapaView<'a> {
    pub svg: String,
    /// The candidacies that lead some tile, with their colour.
    pub leyenda: Vec<LeyendaItem<'a>>,
    /// Units with a page but no place on the map (the table lists them).
    pub sin_lugar: Vec<&'a str>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LeyendaItem<'a> {
    pub label: &'a str,
    pub color: Option<&'a str>,
}

/// `level.html`'s page: the entidad, a distrito or a demarcación.
#[derive(Debug, Serialize)]
pub(super) struct LevelPage<'a> {
    eleccion: EleccionInfo<'a>,
    /// `entidad`, `distrito`, `demarcacion`.
    nivel: &'static str,
    /// `Distrito`, `Alcaldía`, … (empty for the entidad).
    nivel_nombre: &'static str,
    /// `DIPUTACIONES LOCALES`, `Distrito 5`, `Alcaldía COYOACÁN`.
    titulo: Cow<'a, str>,
    resultados: LevelView<'a>,
    /// Entidad: its units with their leading candidacy.
    unidades: Vec<UnitList<'a>>,
    /// Distrito or demarcación: its secciones.
    secciones: Vec<Link<'a>>,
    /// Entidad: the modality pages.
    modalidades: Vec<Link<'static>>,
    /// Entidad: representación proporcional actas, votes per party.
    rp: Option<LevelView<'a>>,
    /// Entidad, when earlier cortes are known: counted actas and each
    /// candidacy's share, corte by corte.
    evolucion: Vec<ChartView>,
    /// Actas and participation by casilla type, if the place has actas.
    por_tipo: Option<PorTipo>,
    descargas: Vec<DescargaEstable>,
}

impl<'a> Eleccion<'a> {
    fn unit_rows(&self, nivel: Nivel) -> Vec<UnitRow<'_>> {
        let units = nivel.units(&self.ctx.snapshot.catalog);
        let totals = self.totals(nivel);
        self.units_with_pages(nivel)
            .map(|d| {
                let t = &totals[d as usize];
                UnitRow {
                    id: &units[d as usize].id,
                    nombre: &units[d as usize].name,
                    href: self.unit_href(nivel, d),
                    resumen: self.summary(t),
                    lider: self.view().leader(t, self.unit_scope(nivel, d)),
                }
            })
            .collect()
    }

    /// The tile map of a level's units on the entidad page (whose root is
    /// `../`): each tile in the colour of the candidacy that leads the
    /// unit, linking to its page.
    fn mapa<'r>(&self, nivel: Nivel, rows: &[UnitRow<'r>]) -> Option<MapaView<'r>> {
        let catalog = &self.ctx.snapshot.catalog;
        let (singular, plural) = nivel.names(catalog);
        let mut tiles = Vec::new();
        let mut sin_lugar = Vec::new();
        let mut leyenda: Vec<LeyendaItem> = Vec::new();
        for row in rows {
            let Some(t) =
                self.ctx
                    .theme
                    .tiles
                    .position(&catalog.entidad.id, nivel.folder(), row.id)
            else {
                sin_lugar.push(row.nombre);
                continue;
            };
            let place = unit_label(singular, row.nombre);
            let description = match &row.lider {
                Some(l) => format!(
                    "{place}: encabeza {}, {} votos ({})",
                    l.label,
                    miles(l.votos),
                    pct(l.pct)
                ),
                None => format!("{place}: aún sin actas contabilizadas"),
            };
            if let Some(l) = &row.lider {
                let item = LeyendaItem {
                    label: l.label,
                    color: l.color,
                };
                if !leyenda.contains(&item) {
                    leyenda.push(item);
                }
            }
            tiles.push(MapTile {
                id: row.id,
                label: t
                    .abrev
                    .clone()
                    .unwrap_or_else(|| row.id.trim_start_matches('0').to_string()),
                description,
                href: row.href.clone(),
                x: t.x,
                y: t.y,
                lider: row.lider.as_ref().map(|l| l.clave),
                color: row.lider.as_ref().and_then(|l| l.color),
            });
        }
        if tiles.is_empty() {
            return None;
        }
        leyenda.sort_by(|a, b| a.label.cmp(b.label));
        let title = format!(
            "Mapa de {}: cada cuadro con el color de la candidatura que encabeza; la tabla da las mismas cifras",
            plural.to_lowercase()
        );
        Some(MapaView {
            svg: tiles::svg(&title, &tiles, "../"),
            leyenda,
            sin_lugar,
        })
    }

    /// The election's evolution over the cortes whose figures changed,
    /// when earlier cortes are known.
    fn evolution(&self) -> Option<Evolution> {
        if self.ctx.history.cortes.is_empty() {
            return None;
        }
        let current = CurrentCorte {
            timestamp: &self.ctx.snapshot.corte.timestamp,
            summary: &self.r.summary,
            candidacy_keys: &self.eix.candidacy_keys,
            candidacy_votes: &self.r.entidad.candidacies,
        };
        Some(self.ctx.history.evolution(&self.election.id, &current))
    }

    /// Feeds what the entidad page charts of the evolution to its digest.
    pub fn feed_evolucion(&self, f: &mut Feed) {
        let Some(ev) = self.evolution() else {
            f.u64(0);
            return;
        };
        f.u64(ev.labels.len() as u64);
        for l in &ev.labels {
            f.str(l);
        }
        let series = std::iter::once(&ev.actas_contabilizadas)
            .chain(ev.candidacies.iter().map(|c| &c.points));
        for points in series {
            f.u64(points.len() as u64);
            for p in points {
                f.u64(p.0);
            }
        }
        for c in &ev.candidacies {
            f.str(&c.key);
        }
    }

    /// How counted actas and each candidacy's share evolved, when earlier
    /// cortes are known.
    fn evolucion(&self) -> Vec<ChartView> {
        let Some(ev) = self.evolution() else {
            return Vec::new();
        };
        let keys = &self.labels.keys;
        let candidaturas = ev.candidacy_series(|key| {
            let label = self
                .eix
                .candidacy_keys
                .iter()
                .position(|k| k == key)
                .map(|k| &keys[k]);
            (
                label.map_or_else(|| key.to_string(), |l| l.short.clone()),
                label.and_then(|l| l.color.clone()),
            )
        });
        vec![
            charts::evolution(
                "Actas contabilizadas por corte",
                &ev.labels,
                &[ev.actas_series("Actas contabilizadas")],
            )
            .into(),
            charts::evolution("Votos por candidatura por corte", &ev.labels, &candidaturas).into(),
        ]
    }

    pub fn entidad(&self, r: &Renderer) -> Result<Artifact, SiteError> {
        let catalog = &self.ctx.snapshot.catalog;
        let unidades = [Nivel::Distrito, Nivel::Demarcacion]
            .into_iter()
            .filter(|n| self.shows(*n))
            .map(|n| {
                let (singular, plural) = n.names(catalog);
                let filas = self.unit_rows(n);
                UnitList {
                    titulo: plural,
                    singular,
                    mapa: self.mapa(n, &filas),
                    filas,
                }
            })
            .filter(|l| !l.filas.is_empty())
            .collect();
        let mut modalidades = self.modalidad_links();
        if self.tiene_rp() {
            modalidades.push(Link {
                label: Cow::Borrowed(REPRESENTACION_PROPORCIONAL.1),
                href: format!("{}/{}.html", self.slug, REPRESENTACION_PROPORCIONAL.0),
            });
        }
        if self.tiene_fuera_de_catalogo() {
            modalidades.push(Link {
                label: Cow::Borrowed(FUERA_DE_CATALOGO.1),
                href: format!("{}/{}.html", self.slug, FUERA_DE_CATALOGO.0),
            });
        }
        let rp = self
            .r
            .rp
            .as_ref()
            .map(|t| self.view().level(t, self.summary(t), Scope::Units(&[])));
        let page = LevelPage {
            eleccion: self.info(),
            nivel: "entidad",
            nivel_nombre: "",
            titulo: Cow::Borrowed(&self.election.name),
            resultados: self.entidad_view(),
            unidades,
            secciones: Vec::new(),
            modalidades,
            rp,
            evolucion: self.evolucion(),
            por_tipo: self.por_tipo(None),
            descargas: self.descargas(),
        };
        let mut crumbs = self.crumbs(r);
        crumbs[1].href = None;
        let title = format!("{} · {}", self.election.name, catalog.entidad.name);
        r.page(
            format!("{}/index.html", self.slug),
            &r.templates.level,
            &title,
            &crumbs,
            &page,
            Cifras::of(self.captura.entidad).as_ref(),
        )
    }

    fn unit_page(&self, r: &Renderer, nivel: Nivel, d: u32) -> Result<Artifact, SiteError> {
        let catalog = &self.ctx.snapshot.catalog;
        let unit = &nivel.units(catalog)[d as usize];
        let t = &self.totals(nivel)[d as usize];
        let secciones_all = match nivel {
            Nivel::Distrito => &r.geo.distrito_secciones[d as usize],
            Nivel::Demarcacion => &r.geo.demarcacion_secciones[d as usize],
        };
        let secciones = secciones_all
            .iter()
            .filter(|s| self.r.secciones[**s as usize].actas_esperadas > 0)
            .map(|&s| Link {
                label: Cow::Borrowed(&catalog.secciones[s as usize].id),
                href: self.seccion_href(s),
            })
            .collect();
        let (singular, _) = nivel.names(catalog);
        let page = LevelPage {
            eleccion: self.info(),
            nivel: nivel.folder(),
            nivel_nombre: singular,
            titulo: Cow::Owned(unit_label(singular, &unit.name)),
            resultados: self
                .view()
                .level(t, self.summary(t), self.unit_scope(nivel, d)),
            unidades: Vec::new(),
            secciones,
            modalidades: Vec::new(),
            rp: None,
            evolucion: Vec::new(),
            por_tipo: self.por_tipo(Some((nivel, d))),
            descargas: self.descargas(),
        };
        let mut crumbs = self.crumbs(r);
        crumbs.push(Crumb {
            label: Cow::Owned(unit_label(singular, &unit.name)),
            href: None,
        });
        let title = format!(
            "{} · {}",
            self.election.name,
            unit_label(singular, &unit.name)
        );
        let captura = match nivel {
            Nivel::Distrito => &self.captura.distritos,
            Nivel::Demarcacion => &self.captura.demarcaciones,
        };
        let cifras = Cifras::of(captura.get(d as usize).copied().flatten());
        r.page(
            self.unit_href(nivel, d),
            &r.templates.level,
            &title,
            &crumbs,
            &page,
            cifras.as_ref(),
        )
    }

    pub fn distrito(&self, r: &Renderer, d: u32) -> Result<Artifact, SiteError> {
        self.unit_page(r, Nivel::Distrito, d)
    }

    pub fn demarcacion(&self, r: &Renderer, d: u32) -> Result<Artifact, SiteError> {
        self.unit_page(r, Nivel::Demarcacion, d)
    }
}

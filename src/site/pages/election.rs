//! The pages of one election: the entidad, its distritos and demarcaciones,
//! its secciones and its modalities (votes from abroad, voto anticipado,
//! prisión preventiva).

use std::borrow::Cow;

use serde::Serialize;

use super::casillas::{ActaView, ActasPorCasilla, CasillaSource, CasillaView};
use super::labels::ElectionLabels;
use super::tipos::{self, PorTipo};
use super::view::{ChartView, ElectionView, LevelView, Scope, VotosView};
use super::{Crumb, Link, MODALIDADES, Renderer};
use crate::contract::acta::contest_unit;
use crate::contract::catalog::ElectionIndex;
use crate::contract::{Catalog, ContestLevel, Election, Snapshot, Unit};
use crate::site::charts;
use crate::site::format::{miles, pct};
use crate::site::history::CurrentCorte;
use crate::site::tiles::{self, MapTile};
use crate::site::{Artifact, CacheClass, SiteContext, SiteError};
use crate::tally::{ElectionResults, LevelTotals, Summary};

/// The geography every election shares, ordered for people.
pub struct Geo {
    /// Per sección: its casillas, by key.
    pub seccion_casillas: Vec<Vec<u32>>,
    /// Per distrito and per demarcación: its secciones, in sección order.
    pub distrito_secciones: Vec<Vec<u32>>,
    pub demarcacion_secciones: Vec<Vec<u32>>,
    /// Every sección, numerically where the ids are numbers.
    pub seccion_order: Vec<u32>,
}

/// Secciones sort by number (`85` before `137`), then by id.
fn seccion_sort_key(id: &str) -> (u64, &str) {
    (id.parse().unwrap_or(u64::MAX), id)
}

impl Geo {
    pub fn new(snapshot: &Snapshot) -> Geo {
        let catalog = &snapshot.catalog;
        let ix = &snapshot.index;
        let mut seccion_casillas = vec![Vec::new(); catalog.secciones.len()];
        for (c, s) in ix.casilla_seccion.iter().enumerate() {
            if let Some(s) = s {
                seccion_casillas[*s as usize].push(c as u32);
            }
        }
        for list in &mut seccion_casillas {
            list.sort_by(|a, b| {
                catalog.casillas[*a as usize]
                    .key
                    .cmp(&catalog.casillas[*b as usize].key)
            });
        }
        let mut seccion_order: Vec<u32> = (0..catalog.secciones.len() as u32).collect();
        seccion_order.sort_by(|a, b| {
            seccion_sort_key(&catalog.secciones[*a as usize].id)
                .cmp(&seccion_sort_key(&catalog.secciones[*b as usize].id))
        });
        let mut distrito_secciones = vec![Vec::new(); catalog.distritos.len()];
        let mut demarcacion_secciones = vec![Vec::new(); catalog.demarcaciones.len()];
        for &s in &seccion_order {
            let sec = &catalog.secciones[s as usize];
            if let Some(d) = sec.distrito.as_ref().and_then(|d| ix.distrito_by_id.get(d)) {
                distrito_secciones[*d as usize].push(s);
            }
            if let Some(d) = sec
                .demarcacion
                .as_ref()
                .and_then(|d| ix.demarcacion_by_id.get(d))
            {
                demarcacion_secciones[*d as usize].push(s);
            }
        }
        Geo {
            seccion_casillas,
            distrito_secciones,
            demarcacion_secciones,
            seccion_order,
        }
    }
}

/// `Distrito 5`, but `DISTRITO 005` as is when the name already says what it is.
fn unit_label(singular: &str, name: &str) -> String {
    let says_it = name
        .get(..singular.len())
        .is_some_and(|head| head.to_lowercase() == singular.to_lowercase());
    if says_it {
        name.to_string()
    } else {
        format!("{singular} {name}")
    }
}

/// How this entidad calls its demarcaciones: (singular, plural).
fn demarcacion_terms(catalog: &Catalog) -> (&'static str, &'static str) {
    match catalog.entidad.demarcacion_term.as_str() {
        "ALCALDIA" => ("Alcaldía", "Alcaldías"),
        "MUNICIPIO" => ("Municipio", "Municipios"),
        _ => ("Demarcación", "Demarcaciones"),
    }
}

/// A geographic level of the entidad.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nivel {
    Distrito,
    Demarcacion,
}

impl Nivel {
    fn folder(self) -> &'static str {
        match self {
            Nivel::Distrito => "distrito",
            Nivel::Demarcacion => "demarcacion",
        }
    }

    fn units(self, catalog: &Catalog) -> &[Unit] {
        match self {
            Nivel::Distrito => &catalog.distritos,
            Nivel::Demarcacion => &catalog.demarcaciones,
        }
    }

    /// (singular, plural): `Distrito`, `Alcaldías`, …
    pub fn names(self, catalog: &Catalog) -> (&'static str, &'static str) {
        match self {
            Nivel::Distrito => ("Distrito", "Distritos"),
            Nivel::Demarcacion => demarcacion_terms(catalog),
        }
    }
}

/// The election as the templates see it.
#[derive(Debug, Clone, Serialize)]
pub struct EleccionInfo<'a> {
    pub id: &'a str,
    pub slug: &'a str,
    pub nombre: &'a str,
    /// `entidad`, `distrito` or `demarcacion`.
    pub nivel: ContestLevel,
    pub href: String,
}

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

/// A downloadable file: name, link, size, SHA-256.
#[derive(Debug, Clone, Serialize)]
pub struct Descarga<'a> {
    pub nombre: &'a str,
    pub href: &'a str,
    pub bytes: u64,
    pub sha256: &'a str,
}

/// `level.html`'s page: the entidad, a distrito or a demarcación.
#[derive(Debug, Serialize)]
struct LevelPage<'a> {
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
    descargas: Vec<Descarga<'a>>,
}

/// `seccion.html`'s page: a sección, or the casillas of a modality.
#[derive(Debug, Serialize)]
struct SeccionPage<'a> {
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
    descargas: Vec<Descarga<'a>>,
}

/// The page of the actas of representación proporcional: file name and title.
pub const REPRESENTACION_PROPORCIONAL: (&str, &str) = (
    "representacion-proporcional",
    "Actas de representación proporcional",
);

/// The page of the actas fuera de catálogo: file name and title.
pub const FUERA_DE_CATALOGO: (&str, &str) = ("fuera-de-catalogo", "Actas fuera de catálogo");

/// One election and what its pages need, worked out once.
pub struct Eleccion<'a> {
    ctx: &'a SiteContext<'a>,
    pub index: usize,
    pub election: &'a Election,
    eix: &'a ElectionIndex,
    pub r: &'a ElectionResults,
    pub slug: String,
    labels: ElectionLabels,
    actas: ActasPorCasilla,
    /// Per distrito and demarcación: the contest units its casillas vote in.
    distrito_units: Vec<Vec<u32>>,
    demarcacion_units: Vec<Vec<u32>>,
    /// Per sección: its contest unit.
    seccion_unit: Vec<Option<u32>>,
    /// Secciones with expected actas, in sección order.
    secciones: Vec<u32>,
    /// Per modality of `MODALIDADES`: its casillas, by key.
    modalidades: Vec<Vec<u32>>,
    /// Acta counts per casilla type (`tipos::TIPOS`) in the entidad, and per
    /// distrito and demarcación (`unit * TIPOS.len() + type`).
    tipos_entidad: Vec<LevelTotals>,
    tipos_distrito: Vec<LevelTotals>,
    tipos_demarcacion: Vec<LevelTotals>,
}

fn push_unique(list: &mut Vec<u32>, u: u32) {
    if !list.contains(&u) {
        list.push(u);
    }
}

impl<'a> Eleccion<'a> {
    pub fn new(ctx: &'a SiteContext<'a>, geo: &Geo, e: usize) -> Eleccion<'a> {
        let snapshot = ctx.snapshot;
        let catalog = &snapshot.catalog;
        let ix = &snapshot.index;
        let election = &catalog.elections[e];
        let eix = &ix.elections[e];
        let r = &ctx.results.elections[e];
        let labels = ElectionLabels::new(catalog, election, eix, &r.plan);
        let actas = ActasPorCasilla::new(catalog.casillas.len(), &snapshot.actas[e]);
        let mut distrito_units = vec![Vec::new(); catalog.distritos.len()];
        let mut demarcacion_units = vec![Vec::new(); catalog.demarcaciones.len()];
        let mut seccion_unit = vec![None; catalog.secciones.len()];
        let mut modalidades = vec![Vec::new(); MODALIDADES.len()];
        for (c, casilla) in catalog.casillas.iter().enumerate() {
            let c32 = c as u32;
            if !casilla.actas.contains_key(&election.id) && actas.of(c32).is_empty() {
                continue;
            }
            if let Some(m) = MODALIDADES.iter().position(|(t, _, _)| *t == casilla.tipo) {
                modalidades[m].push(c32);
            }
            let Some(u) = contest_unit(catalog, ix, e, c32) else {
                continue;
            };
            if let Some(d) = ix.casilla_distrito[c] {
                push_unique(&mut distrito_units[d as usize], u);
            }
            if let Some(d) = ix.casilla_demarcacion[c] {
                push_unique(&mut demarcacion_units[d as usize], u);
            }
            if let Some(s) = ix.casilla_seccion[c] {
                seccion_unit[s as usize].get_or_insert(u);
            }
        }
        for list in distrito_units.iter_mut().chain(&mut demarcacion_units) {
            list.sort_unstable();
        }
        for list in &mut modalidades {
            list.sort_by(|a, b| {
                catalog.casillas[*a as usize]
                    .key
                    .cmp(&catalog.casillas[*b as usize].key)
            });
        }
        let secciones = geo
            .seccion_order
            .iter()
            .copied()
            .filter(|s| r.secciones[*s as usize].actas_esperadas > 0)
            .collect();
        let n = tipos::TIPOS.len();
        let by = |units: usize, unit: &dyn Fn(usize) -> Option<u32>| {
            crate::tally::counts_by(snapshot, ctx.results, e, units * n, |c, casilla| {
                unit(c).map(|u| u as usize * n + tipos::index(casilla.tipo))
            })
        };
        let tipos_entidad = by(1, &|_| Some(0));
        let tipos_distrito = by(catalog.distritos.len(), &|c| ix.casilla_distrito[c]);
        let tipos_demarcacion = by(catalog.demarcaciones.len(), &|c| ix.casilla_demarcacion[c]);
        Eleccion {
            ctx,
            index: e,
            election,
            eix,
            r,
            slug: crate::site::api::slug(&election.id),
            labels,
            actas,
            distrito_units,
            demarcacion_units,
            seccion_unit,
            secciones,
            modalidades,
            tipos_entidad,
            tipos_distrito,
            tipos_demarcacion,
        }
    }

    /// Actas and participation by casilla type: in the entidad (`None`) or
    /// in one distrito or demarcación.
    fn por_tipo(&self, unit: Option<(Nivel, u32)>) -> Option<PorTipo> {
        let n = tipos::TIPOS.len();
        let (groups, total) = match unit {
            None => (&self.tipos_entidad[..], &self.r.entidad),
            Some((nivel, d)) => {
                let all = match nivel {
                    Nivel::Distrito => &self.tipos_distrito,
                    Nivel::Demarcacion => &self.tipos_demarcacion,
                };
                let d = d as usize;
                (all.get(d * n..(d + 1) * n)?, self.totals(nivel).get(d)?)
            }
        };
        tipos::por_tipo(groups, total, |t| self.summary(t))
    }

    fn view(&self) -> ElectionView<'_> {
        ElectionView {
            election: self.election,
            eix: self.eix,
            plan: &self.r.plan,
            labels: &self.labels,
        }
    }

    pub fn info(&self) -> EleccionInfo<'_> {
        EleccionInfo {
            id: &self.election.id,
            slug: &self.slug,
            nombre: &self.election.name,
            nivel: self.election.contest,
            href: format!("{}/index.html", self.slug),
        }
    }

    fn summary(&self, t: &LevelTotals) -> Summary {
        let results = self.ctx.results;
        Summary::of(t, 0, 0, results.final_corte, &results.ruleset)
    }

    /// The entidad's results: the election's own summary (with actas fuera
    /// de catálogo and representación proporcional), votes of its contest units.
    pub fn entidad_view(&self) -> LevelView<'_> {
        let scope = match self.election.contest {
            ContestLevel::Entidad => Scope::Unit(0),
            _ => Scope::All,
        };
        self.view()
            .level(&self.r.entidad, self.r.summary.clone(), scope)
    }

    /// Whether this election's pages break down by the level.
    fn shows(&self, nivel: Nivel) -> bool {
        matches!(
            (self.election.contest, nivel),
            (ContestLevel::Entidad, _)
                | (ContestLevel::Distrito, Nivel::Distrito)
                | (ContestLevel::Demarcacion, Nivel::Demarcacion)
        )
    }

    fn totals(&self, nivel: Nivel) -> &'a [LevelTotals] {
        match nivel {
            Nivel::Distrito => &self.r.distritos,
            Nivel::Demarcacion => &self.r.demarcaciones,
        }
    }

    fn units_with_pages(&self, nivel: Nivel) -> impl Iterator<Item = u32> + '_ {
        let shows = self.shows(nivel);
        self.totals(nivel)
            .iter()
            .enumerate()
            .filter(move |(_, t)| shows && t.actas_esperadas > 0)
            .map(|(d, _)| d as u32)
    }

    pub fn distritos_con_paginas(&self) -> impl Iterator<Item = u32> + '_ {
        self.units_with_pages(Nivel::Distrito)
    }

    pub fn demarcaciones_con_paginas(&self) -> impl Iterator<Item = u32> + '_ {
        self.units_with_pages(Nivel::Demarcacion)
    }

    pub fn secciones_con_paginas(&self) -> impl Iterator<Item = u32> + '_ {
        self.secciones.iter().copied()
    }

    pub fn modalidades_con_paginas(&self) -> impl Iterator<Item = usize> + '_ {
        (0..MODALIDADES.len()).filter(|m| !self.modalidades[*m].is_empty())
    }

    fn unit_href(&self, nivel: Nivel, d: u32) -> String {
        let units = nivel.units(&self.ctx.snapshot.catalog);
        format!(
            "{}/{}/{}.html",
            self.slug,
            nivel.folder(),
            units[d as usize].id
        )
    }

    /// Links to the pages of the level's units, in catalog order.
    pub fn unit_links(&self, nivel: Nivel) -> Vec<Link<'a>> {
        let units = nivel.units(&self.ctx.snapshot.catalog);
        self.units_with_pages(nivel)
            .map(|d| Link {
                label: Cow::Borrowed(units[d as usize].name.as_str()),
                href: self.unit_href(nivel, d),
            })
            .collect()
    }

    /// Links to the modality pages this election has.
    pub fn modalidad_links(&self) -> Vec<Link<'static>> {
        self.modalidades_con_paginas()
            .map(|m| Link {
                label: Cow::Borrowed(MODALIDADES[m].2),
                href: format!("{}/{}.html", self.slug, MODALIDADES[m].1),
            })
            .collect()
    }

    fn seccion_href(&self, s: u32) -> String {
        let id = &self.ctx.snapshot.catalog.secciones[s as usize].id;
        format!("{}/seccion/{id}.html", self.slug)
    }

    fn unit_scope(&self, nivel: Nivel, d: u32) -> Scope<'_> {
        let units = match nivel {
            Nivel::Distrito => &self.distrito_units[d as usize],
            Nivel::Demarcacion => &self.demarcacion_units[d as usize],
        };
        scope_of(units)
    }

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

    fn descargas(&self) -> Vec<Descarga<'a>> {
        let snapshot = self.ctx.snapshot;
        let e = self.index;
        let names = [
            crate::anexo13::writer::database_name(snapshot, e),
            crate::anexo13::writer::zip_name(snapshot, Some(e)),
            crate::anexo13::writer::candidaturas_name(snapshot, e),
        ];
        names
            .iter()
            .filter_map(|n| {
                let key = format!("{}{n}", crate::site::datasets::PREFIX);
                self.ctx.datasets.iter().find(|a| a.key == key)
            })
            .map(descarga)
            .collect()
    }

    fn crumbs(&self, r: &Renderer) -> Vec<Crumb<'_>> {
        vec![
            r.inicio(),
            Crumb {
                label: Cow::Borrowed(&self.election.name),
                href: Some(format!("{}/index.html", self.slug)),
            },
        ]
    }

    /// How counted actas and each candidacy's share evolved, when earlier
    /// cortes are known.
    fn evolucion(&self) -> Vec<ChartView> {
        if self.ctx.history.cortes.is_empty() {
            return Vec::new();
        }
        let current = CurrentCorte {
            timestamp: &self.ctx.snapshot.corte.timestamp,
            summary: &self.r.summary,
            candidacy_keys: &self.eix.candidacy_keys,
            candidacy_votes: &self.r.entidad.candidacies,
        };
        let ev = self.ctx.history.evolution(&self.election.id, &current);
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
        r.page(
            self.unit_href(nivel, d),
            &r.templates.level,
            &title,
            &crumbs,
            &page,
        )
    }

    pub fn distrito(&self, r: &Renderer, d: u32) -> Result<Artifact, SiteError> {
        self.unit_page(r, Nivel::Distrito, d)
    }

    pub fn demarcacion(&self, r: &Renderer, d: u32) -> Result<Artifact, SiteError> {
        self.unit_page(r, Nivel::Demarcacion, d)
    }

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
        r.page(
            self.seccion_href(s),
            &r.templates.seccion,
            &title,
            &crumbs,
            &page,
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
        self.election_wide_page(r, file, page)
    }

    /// A page of actas that lie in no sección's list: `<e>/<file>.html`,
    /// reached from the election's page.
    fn election_wide_page(
        &self,
        r: &Renderer,
        file: &str,
        page: SeccionPage,
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
        self.election_wide_page(r, file, page)
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
        self.election_wide_page(r, file, page)
    }

    /// `consulta/<e>.json`: which secciones have a page, and how to reach one.
    pub fn consulta_index(&self) -> Artifact {
        #[derive(Serialize)]
        struct Index<'a> {
            eleccion: &'a str,
            nombre: &'a str,
            prefijo: String,
            sufijo: &'static str,
            secciones: Vec<&'a str>,
        }
        let catalog = &self.ctx.snapshot.catalog;
        let index = Index {
            eleccion: &self.election.id,
            nombre: &self.election.name,
            prefijo: format!("{}/seccion/", self.slug),
            sufijo: ".html",
            secciones: self
                .secciones
                .iter()
                .map(|s| catalog.secciones[*s as usize].id.as_str())
                .collect(),
        };
        Artifact::new(
            consulta_key(&self.slug),
            serde_json::to_vec(&index).unwrap_or_default(),
            CacheClass::Short,
        )
    }
}

/// `consulta/gub.json`.
pub fn consulta_key(slug: &str) -> String {
    format!("consulta/{slug}.json")
}

fn scope_of(units: &[u32]) -> Scope<'_> {
    match units {
        [one] => Scope::Unit(*one as usize),
        many => Scope::Units(many),
    }
}

pub fn descarga(a: &Artifact) -> Descarga<'_> {
    Descarga {
        nombre: a
            .key
            .strip_prefix(crate::site::datasets::PREFIX)
            .unwrap_or(&a.key),
        href: &a.key,
        bytes: a.bytes.len() as u64,
        sha256: &a.sha256,
    }
}

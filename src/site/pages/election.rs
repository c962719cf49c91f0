//! The pages of one election: the entidad, its distritos and demarcaciones,
//! its secciones and its modalities (votes from abroad, voto anticipado,
//! prisión preventiva).

use std::borrow::Cow;

use serde::Serialize;

use super::casillas::ActasPorCasilla;
use super::geo::{Geo, Nivel};
use super::labels::ElectionLabels;
use super::tipos::{self, PorTipo};
use super::view::{ElectionView, LevelView, Scope, newest};
use super::{Crumb, Link, MODALIDADES, Renderer};
use crate::contract::acta::contest_unit;
use crate::contract::catalog::ElectionIndex;
use crate::contract::{ContestLevel, Election, Snapshot};
use crate::site::{Artifact, CacheClass, DatasetFile, SiteContext};
use crate::tally::{ElectionResults, LevelTotals, Summary};

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

/// A downloadable file: name, link, size, SHA-256.
#[derive(Debug, Clone, Serialize)]
pub struct Descarga<'a> {
    pub nombre: &'a str,
    pub href: &'a str,
    pub bytes: u64,
    pub sha256: &'a str,
}

/// A dataset at its stable name, linked from a content-stable page: no size
/// or hash (they change at every corte; `datos.html` lists them).
#[derive(Debug, Clone, Serialize)]
pub struct DescargaEstable {
    pub nombre: String,
    pub href: String,
}

/// One election and what its pages need, worked out once.
pub struct Eleccion<'a> {
    pub(super) ctx: &'a SiteContext<'a>,
    pub index: usize,
    pub election: &'a Election,
    pub(super) eix: &'a ElectionIndex,
    pub r: &'a ElectionResults,
    pub slug: String,
    pub(super) labels: ElectionLabels,
    pub(super) actas: ActasPorCasilla,
    /// Per distrito and demarcación: the contest units its casillas vote in.
    pub(super) distrito_units: Vec<Vec<u32>>,
    pub(super) demarcacion_units: Vec<Vec<u32>>,
    /// Per sección: its contest unit.
    pub(super) seccion_unit: Vec<Option<u32>>,
    /// Secciones with expected actas, in sección order.
    pub(super) secciones: Vec<u32>,
    /// Per modality of `MODALIDADES`: its casillas, by key.
    pub(super) modalidades: Vec<Vec<u32>>,
    /// Acta counts per casilla type (`tipos::TIPOS`) in the entidad, and per
    /// distrito and demarcación (`unit * TIPOS.len() + type`).
    pub(super) tipos_entidad: Vec<LevelTotals>,
    pub(super) tipos_distrito: Vec<LevelTotals>,
    pub(super) tipos_demarcacion: Vec<LevelTotals>,
    /// The newest capture time of the actas each page counts.
    pub(super) captura: Capturas,
}

pub(super) type Instante = Option<chrono::DateTime<chrono::FixedOffset>>;

/// The capture time of the newest acta per place, for what a page's
/// figures are ([`Cifras`]). Actas of representación proporcional count
/// only where the page shows them (the entidad and their own page).
#[derive(Default)]
pub(super) struct Capturas {
    pub(super) entidad: Instante,
    pub(super) distritos: Vec<Instante>,
    pub(super) demarcaciones: Vec<Instante>,
    pub(super) secciones: Vec<Instante>,
    pub(super) modalidades: Vec<Instante>,
}

impl Capturas {
    pub(super) fn of(snapshot: &Snapshot, e: usize) -> Capturas {
        let (catalog, ix) = (&snapshot.catalog, &snapshot.index);
        let rp_types = &ix.elections[e].rp_acta_types;
        let mut c = Capturas {
            entidad: None,
            distritos: vec![None; catalog.distritos.len()],
            demarcaciones: vec![None; catalog.demarcaciones.len()],
            secciones: vec![None; catalog.secciones.len()],
            modalidades: vec![None; MODALIDADES.len()],
        };
        let put = |slot: Option<&mut Instante>, t: Instante| {
            if let Some(slot) = slot {
                *slot = newest(*slot, t);
            }
        };
        for a in &snapshot.actas[e] {
            let t = a.captura;
            c.entidad = newest(c.entidad, t);
            let Some(casilla) = a.casilla.map(|k| k as usize) else {
                continue;
            };
            if rp_types.contains(&a.tipo_acta) {
                continue;
            }
            let at = |place: Option<u32>| place.map(|p| p as usize);
            put(
                at(ix.casilla_distrito[casilla]).and_then(|d| c.distritos.get_mut(d)),
                t,
            );
            put(
                at(ix.casilla_demarcacion[casilla]).and_then(|d| c.demarcaciones.get_mut(d)),
                t,
            );
            put(
                at(ix.casilla_seccion[casilla]).and_then(|s| c.secciones.get_mut(s)),
                t,
            );
            let tipo = catalog.casillas[casilla].tipo;
            let m = MODALIDADES.iter().position(|(x, _, _)| *x == tipo);
            put(m.and_then(|m| c.modalidades.get_mut(m)), t);
        }
        c
    }
}

pub(super) fn push_unique(list: &mut Vec<u32>, u: u32) {
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
        let captura = Capturas::of(snapshot, e);
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
            captura,
        }
    }

    /// Actas and participation by casilla type: in the entidad (`None`) or
    /// in one distrito or demarcación.
    pub(super) fn por_tipo(&self, unit: Option<(Nivel, u32)>) -> Option<PorTipo> {
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

    pub(super) fn view(&self) -> ElectionView<'_> {
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

    pub(super) fn summary(&self, t: &LevelTotals) -> Summary {
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
    pub(super) fn shows(&self, nivel: Nivel) -> bool {
        matches!(
            (self.election.contest, nivel),
            (ContestLevel::Entidad, _)
                | (ContestLevel::Distrito, Nivel::Distrito)
                | (ContestLevel::Demarcacion, Nivel::Demarcacion)
        )
    }

    pub(super) fn totals(&self, nivel: Nivel) -> &'a [LevelTotals] {
        match nivel {
            Nivel::Distrito => &self.r.distritos,
            Nivel::Demarcacion => &self.r.demarcaciones,
        }
    }

    pub(super) fn units_with_pages(&self, nivel: Nivel) -> impl Iterator<Item = u32> + '_ {
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

    /// The casillas of modality `m` (of [`MODALIDADES`]) with actas, by key.
    pub fn modalidad_casillas(&self, m: usize) -> &[u32] {
        self.modalidades.get(m).map_or(&[], Vec::as_slice)
    }

    pub fn modalidades_con_paginas(&self) -> impl Iterator<Item = usize> + '_ {
        (0..MODALIDADES.len()).filter(|m| !self.modalidades[*m].is_empty())
    }

    pub(crate) fn unit_href(&self, nivel: Nivel, d: u32) -> String {
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

    pub(crate) fn seccion_href(&self, s: u32) -> String {
        let id = &self.ctx.snapshot.catalog.secciones[s as usize].id;
        format!("{}/seccion/{id}.html", self.slug)
    }

    pub(super) fn unit_scope(&self, nivel: Nivel, d: u32) -> Scope<'_> {
        let units = match nivel {
            Nivel::Distrito => &self.distrito_units[d as usize],
            Nivel::Demarcacion => &self.demarcacion_units[d as usize],
        };
        scope_of(units)
    }

    /// The election's database files at their stable names (the zips,
    /// named by the corte's time, are on `datos.html`).
    pub(super) fn descargas(&self) -> Vec<DescargaEstable> {
        let snapshot = self.ctx.snapshot;
        let e = self.index;
        let names = [
            crate::anexo13::writer::database_name(snapshot, e),
            crate::anexo13::writer::candidaturas_name(snapshot, e),
        ];
        names
            .into_iter()
            .map(|nombre| DescargaEstable {
                href: format!("{}{nombre}", crate::site::datasets::PREFIX),
                nombre,
            })
            .collect()
    }

    pub(super) fn crumbs(&self, r: &Renderer) -> Vec<Crumb<'_>> {
        vec![
            r.inicio(),
            Crumb {
                label: Cow::Borrowed(&self.election.name),
                href: Some(format!("{}/index.html", self.slug)),
            },
        ]
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

pub(super) fn scope_of(units: &[u32]) -> Scope<'_> {
    match units {
        [one] => Scope::Unit(*one as usize),
        many => Scope::Units(many),
    }
}

pub fn descarga(a: &DatasetFile) -> Descarga<'_> {
    Descarga {
        nombre: a
            .key
            .strip_prefix(crate::site::datasets::PREFIX)
            .unwrap_or(&a.key),
        href: &a.key,
        bytes: a.size,
        sha256: &a.sha256,
    }
}

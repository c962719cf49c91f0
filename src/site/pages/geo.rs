//! The geography every election shares: secciones in order, the casillas
//! and secciones of each distrito and demarcación, and how a level is named.

use crate::contract::{Catalog, Snapshot, Unit};

/// The geography every election shares, ordered for people.
pub struct Geo {
    /// Per sección: its casillas, by key.
    pub seccion_casillas: Vec<Vec<u32>>,
    /// Per distrito and per demarcación: its secciones, in sección order.
    pub distrito_secciones: Vec<Vec<u32>>,
    pub demarcacion_secciones: Vec<Vec<u32>>,
    /// Per distrito and per demarcación: the casillas the catalog places
    /// there (their secciones' casillas, and any without a sección).
    pub distrito_casillas: Vec<Vec<u32>>,
    pub demarcacion_casillas: Vec<Vec<u32>>,
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
        let group = |n: usize, of: &[Option<u32>]| {
            let mut groups = vec![Vec::new(); n];
            for (c, place) in of.iter().enumerate() {
                if let Some(list) = place.and_then(|p| groups.get_mut(p as usize)) {
                    list.push(c as u32);
                }
            }
            groups
        };
        Geo {
            distrito_casillas: group(catalog.distritos.len(), &ix.casilla_distrito),
            demarcacion_casillas: group(catalog.demarcaciones.len(), &ix.casilla_demarcacion),
            seccion_casillas,
            distrito_secciones,
            demarcacion_secciones,
            seccion_order,
        }
    }
}

/// `Distrito 5`, but `DISTRITO 005` as is when the name already says what it is.
pub(super) fn unit_label(singular: &str, name: &str) -> String {
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
pub(super) fn demarcacion_terms(catalog: &Catalog) -> (&'static str, &'static str) {
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
    pub(super) fn folder(self) -> &'static str {
        match self {
            Nivel::Distrito => "distrito",
            Nivel::Demarcacion => "demarcacion",
        }
    }

    pub(super) fn units(self, catalog: &Catalog) -> &[Unit] {
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

//! The example scale: a small election cut out of the CDMX scale, for the
//! repository's `site-example/` (what `corte demo` publishes) and for tests
//! that need a whole process without `../shared`.
//!
//! It keeps two real distritos and the votes from abroad — every casilla,
//! sección and acta of them, with their real figures — so that the example
//! shows every kind of page: casillas básicas, contiguas, an extraordinaria,
//! especiales (with representación proporcional actas), voto anticipado,
//! prisión preventiva and mesas of votes from abroad. The demarcaciones are
//! the parts of the alcaldías inside those distritos.

use std::collections::HashSet;
use std::path::Path;

use crate::contract::ContestLevel;

use super::GenError;
use super::model::{Expected, Model};

pub const PROCESS_ID: &str = "cdmx-2024-ejemplo";

/// Distrito 01 (voto anticipado, prisión preventiva, especiales), distrito 08
/// (an extraordinaria too) and 034, the mesas of votes from abroad.
pub const DISTRITOS: [&str; 3] = ["001", "008", "034"];

pub(crate) fn build(real_data: &Path) -> Result<Model, GenError> {
    let mut model = restrict_to_distritos(super::cdmx::build(real_data)?, &DISTRITOS)?;
    let process = &mut model.catalog.process;
    process.id = PROCESS_ID.into();
    process.name = "Ejemplo: Ciudad de México 2024, distritos locales 1 y 8 y el voto en el \
                    extranjero (datos generados sobre los cómputos reales)"
        .into();
    Ok(model)
}

/// The part of a model inside some distritos: their casillas and expected
/// actas, the secciones and demarcaciones those casillas are in, and the
/// candidacies of the contest units left. Casillas keep their catalog order.
pub(crate) fn restrict_to_distritos(model: Model, keep: &[&str]) -> Result<Model, GenError> {
    let Model {
        mut catalog,
        index,
        elections,
        sin_acta_extra,
    } = model;
    if let Some(missing) = keep
        .iter()
        .find(|id| !index.distrito_by_id.contains_key(**id))
    {
        return Err(GenError::Config(format!(
            "distrito `{missing}` is not in the catalog"
        )));
    }
    let kept_distrito: Vec<bool> = catalog
        .distritos
        .iter()
        .map(|u| keep.contains(&u.id.as_str()))
        .collect();
    let inside: Vec<bool> = index
        .casilla_distrito
        .iter()
        .map(|d| d.is_some_and(|d| kept_distrito[d as usize]))
        .collect();
    let mut new_index = vec![None; catalog.casillas.len()];
    let mut demarcaciones = HashSet::new();
    let mut secciones = HashSet::new();
    for (n, c) in (0..inside.len()).filter(|&c| inside[c]).enumerate() {
        new_index[c] = Some(n as u32);
        demarcaciones.extend(index.casilla_demarcacion[c]);
        secciones.extend(index.casilla_seccion[c]);
    }
    catalog.casillas = kept(catalog.casillas, |c| inside[c]);
    catalog.distritos = kept(catalog.distritos, |d| kept_distrito[d]);
    catalog.demarcaciones = kept(catalog.demarcaciones, |d| {
        demarcaciones.contains(&(d as u32))
    });
    catalog.secciones = kept(catalog.secciones, |s| secciones.contains(&(s as u32)));
    let distrito_ids: HashSet<String> = catalog.distritos.iter().map(|u| u.id.clone()).collect();
    let demarcacion_ids: HashSet<String> =
        catalog.demarcaciones.iter().map(|u| u.id.clone()).collect();
    for election in &mut catalog.elections {
        let units = match election.contest {
            ContestLevel::Entidad => continue,
            ContestLevel::Distrito => &distrito_ids,
            ContestLevel::Demarcacion => &demarcacion_ids,
        };
        election.candidacies.retain(|c| units.contains(&c.unit));
    }
    let elections = elections
        .into_iter()
        .map(|actas| {
            actas
                .into_iter()
                .filter_map(|exp| {
                    let casilla = new_index[exp.casilla as usize]?;
                    Some(Expected { casilla, ..exp })
                })
                .collect()
        })
        .collect();
    let index = catalog.index().map_err(GenError::Invalid)?;
    Ok(Model {
        catalog,
        index,
        elections,
        sin_acta_extra,
    })
}

/// The items whose position `keep` accepts, in order.
fn kept<T>(items: Vec<T>, keep: impl Fn(usize) -> bool) -> Vec<T> {
    items
        .into_iter()
        .enumerate()
        .filter_map(|(i, item)| keep(i).then_some(item))
        .collect()
}

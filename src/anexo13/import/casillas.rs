//! Casillas and geography from the rows: each casilla once (its sección,
//! type, lista nominal, the actas it is expected to produce), the secciones
//! with their distrito and demarcación, and the catalog they make.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset};

use super::normalize::{self, is_nothing, is_zero_id};
use super::report::{Kind, Log};
use super::rows::RowView;
use super::{Builder, id_order, sort_ids};
use crate::contract::catalog::{Entidad, Process};
use crate::contract::ids::is_plain_key;
use crate::contract::{
    Casilla, Catalog, ContestLevel, ContractError, Election, Seccion, Unit, entidades,
};

impl Builder<'_> {
    /// A geography id of the row (SECCION, a distrito, a demarcación): none
    /// if nothing or 0, else a plain key.
    fn place_id(
        &self,
        v: &RowView,
        column: &str,
        log: &mut Log,
    ) -> Result<Option<String>, ContractError> {
        let raw = v.get(column);
        if is_nothing(raw) {
            return Ok(None);
        }
        if is_zero_id(raw) {
            v.note(log, Kind::ZeroId, column, "");
            return Ok(None);
        }
        if !is_plain_key(raw) {
            return Err(v.err(column, format!("`{raw}` is not a plain key")));
        }
        Ok(Some(raw.to_string()))
    }

    /// The first spelling seen of a numeric place id (`12` and `012`, or
    /// `0001` and `1`, meet). `what`: the kind of place.
    pub(super) fn place_spelling(&mut self, what: &'static str, id: String) -> String {
        let key = super::ballot::unit_key(&id);
        self.unit_spellings.entry((what, key)).or_insert(id).clone()
    }

    /// A count of the casilla: a number, or None where the row does not
    /// give it (0 unless another row does).
    fn casilla_count(
        v: &RowView,
        column: &str,
        log: &mut Log,
    ) -> Result<Option<u32>, ContractError> {
        if v.file.column(column).is_none() {
            return Ok(None);
        }
        let (n, kind) = normalize::casilla_count(v.get(column)).map_err(|m| v.err(column, m))?;
        if let Some(k) = kind {
            v.note(log, k, column, &n.unwrap_or(0).to_string());
        }
        Ok(n)
    }

    /// Registers the row's casilla (once per key across elections) and its
    /// place; returns its index.
    pub(super) fn casilla(
        &mut self,
        v: &RowView,
        election: &Election,
        log: &mut Log,
    ) -> Result<usize, ContractError> {
        let key = v.get("CLAVE_CASILLA").to_string();
        let (tipo, kind) =
            normalize::tipo_casilla(v.get("TIPO_CASILLA")).map_err(|m| v.err("TIPO_CASILLA", m))?;
        if let Some(k) = kind {
            v.note(log, k, "TIPO_CASILLA", &tipo.letter().to_string());
        }
        let seccion = self
            .place_id(v, "SECCION", log)?
            .map(|s| self.place_spelling("SECCION", s));
        let distrito = self
            .place_id(v, "UNIT_DISTRITO", log)?
            .map(|d| self.place_spelling("UNIT_DISTRITO", d));
        let demarcacion = self
            .place_id(v, "UNIT_DEMARCACION", log)?
            .map(|d| self.place_spelling("UNIT_DEMARCACION", d));
        self.add_units(v, &distrito, &demarcacion);
        if let Some(s) = &seccion {
            self.add_seccion(v, s, &distrito, &demarcacion)?;
        }
        // 1 urbana, 2 no urbana; anything else is the contract's default, 1.
        let ubicacion = match normalize::fold(v.get("UBICACION_CASILLA")).as_str() {
            "1" | "01" => 1,
            "2" | "02" => 2,
            "" => 1,
            word @ ("URBANA" | "NO URBANA" | "RURAL") => {
                let u = if word == "URBANA" { 1 } else { 2 };
                v.note(log, Kind::Descriptive, "UBICACION_CASILLA", &u.to_string());
                u
            }
            _ => {
                v.note(log, Kind::DescriptiveDropped, "UBICACION_CASILLA", "1");
                1
            }
        };
        let lista_nominal = Self::casilla_count(v, "LISTA_NOMINAL", log)?;
        let new = Casilla {
            key: key.clone(),
            seccion: seccion.clone(),
            tipo,
            numero: Self::casilla_count(v, "ID_CASILLA", log)?.unwrap_or(0),
            ext_contigua: Self::casilla_count(v, "EXT_CONTIGUA", log)?.unwrap_or(0),
            ubicacion,
            lista_nominal: lista_nominal.unwrap_or(0),
            representantes: Self::casilla_count(v, "REPRESENTANTES_PP_CI", log)?.unwrap_or(0),
            boletas: tipo.is_especial().then_some(self.opts.boletas_especiales),
            distrito: if seccion.is_none() { distrito } else { None },
            demarcacion: if seccion.is_none() { demarcacion } else { None },
            actas: BTreeMap::new(),
        };
        match self.casilla_ix.get(&key) {
            Some(&i) => self.merge_casilla(v, i, new, lista_nominal.is_some(), election),
            None => {
                self.casilla_ix.insert(key, self.casillas.len());
                self.casillas.push(new);
                self.casilla_origin.push((v.file.file.clone(), v.row.line));
                self.lista_nominal_known.push(lista_nominal.is_some());
                Ok(self.casillas.len() - 1)
            }
        }
    }

    /// The same casilla seen again (in another election's file).
    fn merge_casilla(
        &mut self,
        v: &RowView,
        i: usize,
        new: Casilla,
        known: bool,
        election: &Election,
    ) -> Result<usize, ContractError> {
        let old = &mut self.casillas[i];
        if !self.lista_nominal_known[i] && known {
            old.lista_nominal = new.lista_nominal;
            self.lista_nominal_known[i] = true;
        }
        let differs = known && old.lista_nominal != new.lista_nominal;
        if differs || old.tipo != new.tipo {
            let (ofile, oline) = &self.casilla_origin[i];
            return Err(v.err(
                "LISTA_NOMINAL",
                format!(
                    "casilla `{}` has lista nominal {} and type {:?} here but {} and {:?} in {ofile} row {oline}",
                    new.key, new.lista_nominal, new.tipo, old.lista_nominal, old.tipo
                ),
            ));
        }
        old.representantes = old.representantes.max(new.representantes);
        if old.distrito.is_none() && election.contest != ContestLevel::Demarcacion {
            old.distrito = new.distrito;
        }
        if old.demarcacion.is_none() {
            old.demarcacion = new.demarcacion;
        }
        Ok(i)
    }

    fn add_units(&mut self, v: &RowView, distrito: &Option<String>, demarcacion: &Option<String>) {
        if let Some(d) = distrito {
            if !self.distritos.contains(d) {
                self.distritos.push(d.clone());
            }
            let name = v.get("NOMBRE_DISTRITO");
            if !is_nothing(name) {
                self.distrito_names
                    .entry(d.clone())
                    .or_insert_with(|| name.to_string());
            }
        }
        if let Some(d) = demarcacion
            && !self.demarcaciones.iter().any(|(id, _)| id == d)
        {
            let name = Some(v.get("NOMBRE_DEMARCACION"))
                .filter(|n| !is_nothing(n))
                .map(str::to_string);
            self.demarcaciones.push((d.clone(), name));
        }
    }

    /// A sección lies in one distrito and one demarcación, in every file.
    fn add_seccion(
        &mut self,
        v: &RowView,
        s: &str,
        distrito: &Option<String>,
        demarcacion: &Option<String>,
    ) -> Result<(), ContractError> {
        let i = *self.seccion_ix.entry(s.to_string()).or_insert_with(|| {
            self.secciones.push(Seccion {
                id: s.to_string(),
                distrito: None,
                demarcacion: None,
            });
            self.secciones.len() - 1
        });
        let sec = &mut self.secciones[i];
        for (have, new, what) in [
            (&mut sec.distrito, distrito, "distrito"),
            (&mut sec.demarcacion, demarcacion, "demarcación"),
        ] {
            match (have.as_ref(), new) {
                (Some(a), Some(b)) if a != b => {
                    return Err(v.err(
                        "SECCION",
                        format!("sección `{s}` is in {what} `{a}` elsewhere but `{b}` here"),
                    ));
                }
                (None, Some(b)) => *have = Some(b.clone()),
                _ => {}
            }
        }
        Ok(())
    }

    /// The catalog of everything read.
    pub(super) fn catalog(&mut self, corte: &DateTime<FixedOffset>) -> Catalog {
        let (process, entidad) = self.process_and_entidad(corte);
        sort_ids(&mut self.distritos);
        self.demarcaciones.sort_by(|a, b| id_order(&a.0, &b.0));
        let distritos = self
            .distritos
            .iter()
            .map(|d| Unit {
                id: d.clone(),
                name: self
                    .distrito_names
                    .get(d)
                    .cloned()
                    .unwrap_or_else(|| format!("DISTRITO {d}")),
            })
            .collect();
        let demarcaciones = self
            .demarcaciones
            .iter()
            .map(|(d, n)| Unit {
                id: d.clone(),
                name: n.clone().unwrap_or_else(|| d.clone()),
            })
            .collect();
        Catalog {
            contract_version: crate::contract::CONTRACT_VERSION,
            time_zone: entidades::time_zone(&entidad.id).to_string(),
            process,
            entidad,
            ruleset: self.opts.ruleset.clone(),
            parties: std::mem::take(&mut self.parties),
            elections: std::mem::take(&mut self.elections),
            distritos,
            demarcaciones,
            secciones: std::mem::take(&mut self.secciones),
            casillas: std::mem::take(&mut self.casillas),
        }
    }

    /// The process (named after the entidad and the year, unless given) and
    /// the entidad the rows name.
    fn process_and_entidad(&self, corte: &DateTime<FixedOffset>) -> (Process, Entidad) {
        let (id, name) = self
            .entidad
            .clone()
            .unwrap_or_else(|| ("00".into(), String::new()));
        let known = entidades::by_id(&id);
        let abbr = known
            .map(|(_, _, a)| a.to_string())
            .unwrap_or_else(|| format!("E{id}"));
        let name = if name.is_empty() {
            known.map(|(_, n, _)| n.to_string()).unwrap_or_default()
        } else {
            name
        };
        let year = corte.format("%Y").to_string();
        let process = Process {
            id: self
                .opts
                .process_id
                .clone()
                .unwrap_or_else(|| format!("{}-{year}", abbr.to_lowercase())),
            name: format!("PREP {year} {name}"),
            institute: String::new(),
        };
        let demarcacion_term = if id == "09" { "ALCALDIA" } else { "MUNICIPIO" };
        let entidad = Entidad {
            id,
            name,
            abbr,
            demarcacion_term: demarcacion_term.into(),
        };
        (process, entidad)
    }
}

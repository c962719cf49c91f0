//! The catalog views (`corte.process`, `corte.parties`, … `corte.casilla_actas`)
//! read into a [`Catalog`], whose JSON is the snapshot's `catalog.json`.
//!
//! Only the shape is checked here (a column's type, a missing row, an
//! unknown code); what the catalog means is checked by the contract when
//! the snapshot is validated, exactly as for a file.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use tokio_postgres::{Row, Transaction};

use super::{DbConfig, DbError, query};
use crate::contract::catalog::{
    BallotOption, Candidacy, Casilla, Catalog, Election, Entidad, Party, Process, Seccion, Unit,
};

/// A row of a view, for messages: `corte.casillas (key 090001B0100)`.
/// The message is formatted only when there is one: an `At` is made for
/// every row of views of half a million rows.
struct At<'a> {
    schema: &'a str,
    view: &'a str,
    key: &'a str,
}

impl At<'_> {
    fn err(&self, column: &str, message: impl std::fmt::Display) -> DbError {
        DbError::Data(format!(
            "{}.{} ({}), column {column}: {message}",
            self.schema, self.view, self.key
        ))
    }

    /// As [`At::text`], borrowed from the row (no allocation).
    fn str<'r>(&self, row: &'r Row, column: &str) -> Result<&'r str, DbError> {
        row.try_get::<_, Option<&str>>(column)
            .map_err(|e| self.err(column, e))?
            .ok_or_else(|| self.err(column, "is NULL; a value is required"))
    }

    fn text(&self, row: &Row, column: &str) -> Result<String, DbError> {
        self.opt_text(row, column)?
            .ok_or_else(|| self.err(column, "is NULL; a value is required"))
    }

    fn opt_text(&self, row: &Row, column: &str) -> Result<Option<String>, DbError> {
        row.try_get(column).map_err(|e| self.err(column, e))
    }

    fn number(&self, row: &Row, column: &str) -> Result<u32, DbError> {
        self.opt_number(row, column)?
            .ok_or_else(|| self.err(column, "is NULL; a number is required"))
    }

    fn opt_number(&self, row: &Row, column: &str) -> Result<Option<u32>, DbError> {
        let n: Option<i64> = row.try_get(column).map_err(|e| self.err(column, e))?;
        n.map(|n| {
            u32::try_from(n)
                .map_err(|_| self.err(column, format!("{n} is not a whole number from 0")))
        })
        .transpose()
    }

    fn texts(&self, row: &Row, column: &str) -> Result<Vec<String>, DbError> {
        let v: Option<Vec<Option<String>>> =
            row.try_get(column).map_err(|e| self.err(column, e))?;
        v.unwrap_or_default()
            .into_iter()
            .map(|s| s.ok_or_else(|| self.err(column, "holds a NULL element")))
            .collect()
    }

    /// A code spelled as in catalog.json (`distrito`, `coalition`, `B`).
    fn code<T: DeserializeOwned>(&self, row: &Row, column: &str) -> Result<T, DbError> {
        let s = self.text(row, column)?;
        serde_json::from_value(serde_json::Value::String(s)).map_err(|e| self.err(column, e))
    }
}

async fn rows(
    tx: &Transaction<'_>,
    cfg: &DbConfig,
    view: &str,
    columns: &str,
    order: &str,
) -> Result<Vec<Row>, DbError> {
    let sql = format!("SELECT {columns} FROM {} ORDER BY {order}", cfg.view(view));
    tx.query(&sql, &[]).await.map_err(|e| query(cfg, view, &e))
}

fn at<'a>(cfg: &'a DbConfig, view: &'a str, key: &'a str) -> At<'a> {
    At {
        schema: &cfg.schema,
        view,
        key,
    }
}

/// Reads the catalog's process, parties and elections (small; what the
/// actas' reads need): [`rest`] reads the geography and casillas.
pub(super) async fn head(tx: &Transaction<'_>, cfg: &DbConfig) -> Result<Catalog, DbError> {
    let mut catalog = process(tx, cfg).await?;
    for row in rows(
        tx,
        cfg,
        "parties",
        "id::text, name::text, color::text",
        "position",
    )
    .await?
    {
        let a = at(cfg, "parties", "");
        let id = a.text(&row, "id")?;
        let a = at(cfg, "parties", &id);
        catalog.parties.push(Party {
            name: a.text(&row, "name")?,
            color: a.opt_text(&row, "color")?,
            id,
        });
    }
    catalog.elections = elections(tx, cfg).await?;
    Ok(catalog)
}

/// Reads the rest of the catalog after [`head`]: distritos, demarcaciones,
/// secciones and casillas with their expected actas.
pub(super) async fn rest(
    tx: &Transaction<'_>,
    cfg: &DbConfig,
    catalog: &mut Catalog,
) -> Result<(), DbError> {
    catalog.distritos = units(tx, cfg, "distritos").await?;
    catalog.demarcaciones = units(tx, cfg, "demarcaciones").await?;
    for row in rows(
        tx,
        cfg,
        "secciones",
        "id::text, distrito::text, demarcacion::text",
        "position",
    )
    .await?
    {
        let id = at(cfg, "secciones", "").text(&row, "id")?;
        let a = at(cfg, "secciones", &id);
        catalog.secciones.push(Seccion {
            distrito: a.opt_text(&row, "distrito")?,
            demarcacion: a.opt_text(&row, "demarcacion")?,
            id,
        });
    }
    catalog.casillas = casillas(tx, cfg).await?;
    Ok(())
}

async fn process(tx: &Transaction<'_>, cfg: &DbConfig) -> Result<Catalog, DbError> {
    let rows = rows(
        tx,
        cfg,
        "process",
        "contract_version::int8, process_id::text, process_name::text, \
         process_institute::text, entidad_id::text, entidad_name::text, entidad_abbr::text, \
         entidad_demarcacion_term::text, time_zone::text, ruleset::text",
        "process_id",
    )
    .await?;
    let [row] = rows.as_slice() else {
        return Err(DbError::Data(format!(
            "{}.process holds {} rows; it must hold exactly one (the process this database publishes)",
            cfg.schema,
            rows.len()
        )));
    };
    let a = at(cfg, "process", "the process");
    let ruleset = a.text(row, "ruleset")?;
    Ok(Catalog {
        contract_version: a.number(row, "contract_version")?,
        process: Process {
            id: a.text(row, "process_id")?,
            name: a.text(row, "process_name")?,
            institute: a.opt_text(row, "process_institute")?.unwrap_or_default(),
        },
        entidad: Entidad {
            id: a.text(row, "entidad_id")?,
            name: a.text(row, "entidad_name")?,
            abbr: a.text(row, "entidad_abbr")?,
            demarcacion_term: a
                .opt_text(row, "entidad_demarcacion_term")?
                .unwrap_or_else(|| "MUNICIPIO".into()),
        },
        time_zone: a.text(row, "time_zone")?,
        ruleset: serde_json::from_str(&ruleset).map_err(|e| {
            a.err(
                "ruleset",
                format!("is not a built-in ruleset's name nor the ruleset knobs: {e}"),
            )
        })?,
        parties: Vec::new(),
        elections: Vec::new(),
        distritos: Vec::new(),
        demarcaciones: Vec::new(),
        secciones: Vec::new(),
        casillas: Vec::new(),
    })
}

async fn elections(tx: &Transaction<'_>, cfg: &DbConfig) -> Result<Vec<Election>, DbError> {
    let mut options: BTreeMap<String, Vec<BallotOption>> = BTreeMap::new();
    let cols = "election::text, column_name::text, kind::text, parties::text[], name::text, \
                color::text, shares::int8[], remainder_to::text";
    for row in rows(tx, cfg, "options", cols, "election, position").await? {
        let election = at(cfg, "options", "").text(&row, "election")?;
        let column = at(cfg, "options", &election).text(&row, "column_name")?;
        let key = format!("{election} {column}");
        let a = at(cfg, "options", &key);
        let shares: Option<Vec<Option<i64>>> =
            row.try_get("shares").map_err(|e| a.err("shares", e))?;
        let shares = shares
            .map(|s| {
                s.into_iter()
                    .map(|n| {
                        n.and_then(|n| u32::try_from(n).ok())
                            .ok_or_else(|| a.err("shares", "holds a NULL or negative share"))
                    })
                    .collect::<Result<Vec<u32>, _>>()
            })
            .transpose()?;
        options
            .entry(election.clone())
            .or_default()
            .push(BallotOption {
                kind: a.code(&row, "kind")?,
                parties: a.texts(&row, "parties")?,
                name: a.opt_text(&row, "name")?,
                color: a.opt_text(&row, "color")?,
                shares,
                remainder_to: a.opt_text(&row, "remainder_to")?,
                column,
            });
    }
    let mut candidacies: BTreeMap<String, Vec<Candidacy>> = BTreeMap::new();
    let cols = "election::text, unit::text, options::text[], name::text, suplente::text";
    for row in rows(tx, cfg, "candidacies", cols, "election, position").await? {
        let election = at(cfg, "candidacies", "").text(&row, "election")?;
        let unit = at(cfg, "candidacies", &election).text(&row, "unit")?;
        let key = format!("{election} {unit}");
        let a = at(cfg, "candidacies", &key);
        candidacies.entry(election).or_default().push(Candidacy {
            options: a.texts(&row, "options")?,
            name: a.opt_text(&row, "name")?.unwrap_or_default(),
            suplente: a.opt_text(&row, "suplente")?.unwrap_or_default(),
            unit,
        });
    }
    let cols = "id::text, name::text, contest::text, rp_acta_types::text[]";
    let mut elections = Vec::new();
    for row in rows(tx, cfg, "elections", cols, "position").await? {
        let id = at(cfg, "elections", "").text(&row, "id")?;
        let a = at(cfg, "elections", &id);
        elections.push(Election {
            name: a.text(&row, "name")?,
            contest: a.code(&row, "contest")?,
            options: options.remove(&id).unwrap_or_default(),
            candidacies: candidacies.remove(&id).unwrap_or_default(),
            rp_acta_types: a.texts(&row, "rp_acta_types")?,
            actas_esperadas_no_listadas: 0,
            id,
        });
    }
    if let Some(orphan) = options.keys().chain(candidacies.keys()).next() {
        return Err(DbError::Data(format!(
            "{}.options or {0}.candidacies name election `{orphan}`, which {0}.elections does not have",
            cfg.schema
        )));
    }
    Ok(elections)
}

async fn units(tx: &Transaction<'_>, cfg: &DbConfig, view: &str) -> Result<Vec<Unit>, DbError> {
    let mut units = Vec::new();
    for row in rows(tx, cfg, view, "id::text, name::text", "position").await? {
        let id = at(cfg, view, "").text(&row, "id")?;
        let name = at(cfg, view, &id).text(&row, "name")?;
        units.push(Unit { id, name });
    }
    Ok(units)
}

async fn casillas(tx: &Transaction<'_>, cfg: &DbConfig) -> Result<Vec<Casilla>, DbError> {
    // Both views at once: the connection pipelines them, so the server
    // runs the second while this side takes in the first. The expected
    // actas come unsorted (sorting half a million rows by text cost the
    // server about a second); each casilla's are put in order here.
    let expected_sql = format!(
        "SELECT casilla::text, election::text, tipo_acta::text, position::int8 FROM {}",
        cfg.view("casilla_actas")
    );
    let cols = "key::text, seccion::text, tipo::text, numero::int8, ext_contigua::int8, \
                ubicacion::int8, lista_nominal::int8, representantes::int8, boletas::int8, \
                distrito::text, demarcacion::text";
    let (expected_rows, casilla_rows) = futures::try_join!(
        async {
            tx.query(&expected_sql, &[])
                .await
                .map_err(|e| query(cfg, "casilla_actas", &e))
        },
        rows(tx, cfg, "casillas", cols, "position"),
    )?;
    // Each casilla's expected actas, borrowed from the rows: (election,
    // position, type). Grouped per election in position order below.
    type Expected<'r> = std::collections::HashMap<&'r str, Vec<(&'r str, i64, &'r str)>>;
    let mut expected: Expected = std::collections::HashMap::new();
    for row in &expected_rows {
        let casilla = at(cfg, "casilla_actas", "").str(row, "casilla")?;
        let a = at(cfg, "casilla_actas", casilla);
        let election = a.str(row, "election")?;
        let tipo = a.str(row, "tipo_acta")?;
        let position: Option<i64> = row.try_get("position").map_err(|e| a.err("position", e))?;
        let position =
            position.ok_or_else(|| a.err("position", "is NULL; a number is required"))?;
        expected
            .entry(casilla)
            .or_default()
            .push((election, position, tipo));
    }
    // Each casilla's expected actas per election in position order (ties,
    // which the contract does not expect, by type: the same every read).
    let in_order = |mut actas: Vec<(&str, i64, &str)>| {
        actas.sort_unstable();
        let mut by_election: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (election, _, tipo) in actas {
            match by_election.get_mut(election) {
                Some(tipos) => tipos.push(tipo.to_string()),
                None => {
                    by_election.insert(election.to_string(), vec![tipo.to_string()]);
                }
            }
        }
        by_election
    };
    let mut casillas = Vec::new();
    for row in casilla_rows {
        let key = at(cfg, "casillas", "").text(&row, "key")?;
        let a = at(cfg, "casillas", &key);
        let ubicacion = a.opt_number(&row, "ubicacion")?.unwrap_or(1);
        casillas.push(Casilla {
            seccion: a.opt_text(&row, "seccion")?,
            tipo: a.code(&row, "tipo")?,
            numero: a.number(&row, "numero")?,
            ext_contigua: a.opt_number(&row, "ext_contigua")?.unwrap_or(0),
            ubicacion: u8::try_from(ubicacion)
                .map_err(|_| a.err("ubicacion", format!("{ubicacion} is not 1 or 2")))?,
            lista_nominal: a.number(&row, "lista_nominal")?,
            representantes: a.opt_number(&row, "representantes")?.unwrap_or(0),
            boletas: a.opt_number(&row, "boletas")?,
            distrito: a.opt_text(&row, "distrito")?,
            demarcacion: a.opt_text(&row, "demarcacion")?,
            actas: expected
                .remove(key.as_str())
                .map(in_order)
                .unwrap_or_default(),
            key,
        });
    }
    if let Some(orphan) = expected.keys().min() {
        return Err(DbError::Data(format!(
            "{}.casilla_actas names casilla `{orphan}`, which {0}.casillas does not have",
            cfg.schema
        )));
    }
    Ok(casillas)
}

//! Writing a night into the example tables of `data-contracts/central-db.sql`
//! (schema `prep`), corte by corte, as an institute's system would: the
//! catalog once, then each corte's new actas and the corte row, closed in
//! the same transaction, whose commit delivers the `NOTIFY`.
//!
//! For `corte gen --to postgres://…`, the demo, the tests and the benches;
//! corte itself never writes to a central database it publishes from.

use std::pin::pin;

use serde::Serialize;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::{ToSql, Type};
use tokio_postgres::{Client, Transaction};

use super::{DbConfig, DbError, describe_error};
use crate::contract::{Acta, Campo, Catalog, CorteMeta, Snapshot};

/// The contract and its example implementation, as one SQL script.
pub const CENTRAL_DB_SQL: &str = include_str!("../../../data-contracts/central-db.sql");

fn sql_error(what: &str) -> impl Fn(tokio_postgres::Error) -> DbError + '_ {
    move |e| DbError::Data(format!("{what}: {}", describe_error(&e)))
}

/// Creates the example schema (`prep`) and the contract's views (`corte`).
/// An existing one is refused, or dropped first with `replace`.
pub async fn create_example_schema(client: &Client, replace: bool) -> Result<(), DbError> {
    if replace {
        client
            .batch_execute(
                "DROP SCHEMA IF EXISTS corte CASCADE; DROP SCHEMA IF EXISTS prep CASCADE;",
            )
            .await
            .map_err(sql_error("dropping the example schema"))?;
    } else {
        let exists = client
            .query_opt(
                "SELECT 1 FROM pg_namespace WHERE nspname IN ('prep', 'corte')",
                &[],
            )
            .await
            .map_err(sql_error("looking for the example schema"))?;
        if exists.is_some() {
            return Err(DbError::Data(
                "the schemas prep and corte already exist in this database: use another database, or --replace to drop them first".into(),
            ));
        }
    }
    client
        .batch_execute(CENTRAL_DB_SQL)
        .await
        .map_err(sql_error(
            "creating the example schema (data-contracts/central-db.sql)",
        ))
}

/// A catalog code as catalog.json spells it (`distrito`, `coalition`, `B`).
fn code<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        other => format!("{other:?}"),
    }
}

type Value = Box<dyn ToSql + Sync + Send>;

fn v<T: ToSql + Sync + Send + 'static>(t: T) -> Value {
    Box::new(t)
}

/// Bulk-inserts rows with binary `COPY … FROM STDIN`.
async fn copy_in(
    tx: &Transaction<'_>,
    table: &str,
    columns: &[(&str, Type)],
    rows: impl IntoIterator<Item = Vec<Value>>,
) -> Result<u64, DbError> {
    let names: Vec<&str> = columns.iter().map(|(n, _)| *n).collect();
    let types: Vec<Type> = columns.iter().map(|(_, t)| t.clone()).collect();
    let sql = format!("COPY {table} ({}) FROM STDIN BINARY", names.join(", "));
    let what = format!("writing {table}");
    let sink = tx.copy_in(&sql).await.map_err(sql_error(&what))?;
    let mut writer = pin!(BinaryCopyInWriter::new(sink, &types));
    for row in rows {
        let refs: Vec<&(dyn ToSql + Sync)> = row.iter().map(|b| b.as_ref() as _).collect();
        writer
            .as_mut()
            .write(&refs)
            .await
            .map_err(sql_error(&what))?;
    }
    writer.as_mut().finish().await.map_err(sql_error(&what))
}

/// Writes the catalog into the example tables.
pub async fn write_catalog(tx: &Transaction<'_>, catalog: &Catalog) -> Result<(), DbError> {
    let ruleset = serde_json::to_string(&catalog.ruleset)
        .map_err(|e| DbError::Data(format!("the catalog's ruleset: {e}")))?;
    tx.execute(
        "INSERT INTO prep.proceso VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::text::jsonb)",
        &[
            &catalog.process.id,
            &catalog.process.name,
            &catalog.process.institute,
            &catalog.entidad.id,
            &catalog.entidad.name,
            &catalog.entidad.abbr,
            &catalog.entidad.demarcacion_term,
            &catalog.time_zone,
            &ruleset,
        ],
    )
    .await
    .map_err(sql_error("writing prep.proceso"))?;
    let (int, text, texts) = (Type::INT4, Type::TEXT, Type::TEXT_ARRAY);
    let pos = |i: usize| v(i as i32);
    copy_in(
        tx,
        "prep.partido",
        &[
            ("posicion", int.clone()),
            ("id", text.clone()),
            ("nombre", text.clone()),
            ("color", text.clone()),
        ],
        catalog.parties.iter().enumerate().map(|(i, p)| {
            vec![
                pos(i),
                v(p.id.clone()),
                v(p.name.clone()),
                v(p.color.clone()),
            ]
        }),
    )
    .await?;
    copy_in(
        tx,
        "prep.eleccion",
        &[
            ("posicion", int.clone()),
            ("id", text.clone()),
            ("nombre", text.clone()),
            ("contienda", text.clone()),
            ("tipos_acta_rp", texts.clone()),
        ],
        catalog.elections.iter().enumerate().map(|(i, e)| {
            vec![
                pos(i),
                v(e.id.clone()),
                v(e.name.clone()),
                v(code(&e.contest)),
                v(e.rp_acta_types.clone()),
            ]
        }),
    )
    .await?;
    write_ballots(tx, catalog).await?;
    for (table, units) in [
        ("prep.distrito", &catalog.distritos),
        ("prep.demarcacion", &catalog.demarcaciones),
    ] {
        copy_in(
            tx,
            table,
            &[
                ("posicion", int.clone()),
                ("id", text.clone()),
                ("nombre", text.clone()),
            ],
            units
                .iter()
                .enumerate()
                .map(|(i, u)| vec![pos(i), v(u.id.clone()), v(u.name.clone())]),
        )
        .await?;
    }
    copy_in(
        tx,
        "prep.seccion",
        &[
            ("posicion", int.clone()),
            ("id", text.clone()),
            ("distrito", text.clone()),
            ("demarcacion", text.clone()),
        ],
        catalog.secciones.iter().enumerate().map(|(i, s)| {
            vec![
                pos(i),
                v(s.id.clone()),
                v(s.distrito.clone()),
                v(s.demarcacion.clone()),
            ]
        }),
    )
    .await?;
    write_casillas(tx, catalog).await
}

async fn write_ballots(tx: &Transaction<'_>, catalog: &Catalog) -> Result<(), DbError> {
    let (int, text, texts) = (Type::INT4, Type::TEXT, Type::TEXT_ARRAY);
    let options = catalog.elections.iter().flat_map(|e| {
        e.options.iter().enumerate().map(|(i, o)| {
            let shares: Option<Vec<i32>> = o
                .shares
                .as_ref()
                .map(|s| s.iter().map(|n| *n as i32).collect());
            vec![
                v(e.id.clone()),
                v(i as i32),
                v(o.column.clone()),
                v(code(&o.kind)),
                v(o.parties.clone()),
                v(o.name.clone()),
                v(o.color.clone()),
                v(shares),
                v(o.remainder_to.clone()),
            ]
        })
    });
    copy_in(
        tx,
        "prep.opcion",
        &[
            ("eleccion", text.clone()),
            ("posicion", int.clone()),
            ("columna", text.clone()),
            ("tipo", text.clone()),
            ("partidos", texts.clone()),
            ("nombre", text.clone()),
            ("color", text.clone()),
            ("reparto", Type::INT4_ARRAY),
            ("remanente_a", text.clone()),
        ],
        options.collect::<Vec<_>>(),
    )
    .await?;
    let candidacies = catalog.elections.iter().flat_map(|e| {
        e.candidacies.iter().enumerate().map(|(i, c)| {
            vec![
                v(e.id.clone()),
                v(i as i32),
                v(c.unit.clone()),
                v(c.options.clone()),
                v(c.name.clone()),
                v(c.suplente.clone()),
            ]
        })
    });
    copy_in(
        tx,
        "prep.candidatura",
        &[
            ("eleccion", text.clone()),
            ("posicion", int),
            ("unidad", text.clone()),
            ("opciones", texts),
            ("nombre", text.clone()),
            ("suplente", text),
        ],
        candidacies.collect::<Vec<_>>(),
    )
    .await?;
    Ok(())
}

async fn write_casillas(tx: &Transaction<'_>, catalog: &Catalog) -> Result<(), DbError> {
    let (int, text) = (Type::INT4, Type::TEXT);
    let n = |x: u32| v(x as i32);
    copy_in(
        tx,
        "prep.casilla",
        &[
            ("posicion", int.clone()),
            ("clave", text.clone()),
            ("seccion", text.clone()),
            ("tipo", text.clone()),
            ("numero", int.clone()),
            ("ext_contigua", int.clone()),
            ("ubicacion", int.clone()),
            ("lista_nominal", int.clone()),
            ("representantes", int.clone()),
            ("boletas", int.clone()),
            ("distrito", text.clone()),
            ("demarcacion", text.clone()),
        ],
        catalog.casillas.iter().enumerate().map(|(i, c)| {
            vec![
                v(i as i32),
                v(c.key.clone()),
                v(c.seccion.clone()),
                v(code(&c.tipo)),
                n(c.numero),
                n(c.ext_contigua),
                n(u32::from(c.ubicacion)),
                n(c.lista_nominal),
                n(c.representantes),
                v(c.boletas.map(|b| b as i32)),
                v(c.distrito.clone()),
                v(c.demarcacion.clone()),
            ]
        }),
    )
    .await?;
    let expected = catalog.casillas.iter().flat_map(|c| {
        c.actas.iter().flat_map(move |(election, tipos)| {
            tipos.iter().enumerate().map(move |(i, t)| {
                vec![
                    v(c.key.clone()),
                    v(election.clone()),
                    v(i as i32),
                    v(t.clone()),
                ]
            })
        })
    });
    copy_in(
        tx,
        "prep.acta_esperada",
        &[
            ("casilla", text.clone()),
            ("eleccion", text.clone()),
            ("posicion", int),
            ("tipo_acta", text),
        ],
        expected.collect::<Vec<_>>(),
    )
    .await?;
    Ok(())
}

fn campo(c: &Campo) -> Option<String> {
    match c {
        Campo::NoAplica => None,
        other => Some(other.text().into_owned()),
    }
}

fn acta_row(seq: u32, election: &str, a: &Acta) -> Vec<Value> {
    let votos: Vec<Option<String>> = a.votos.iter().map(campo).collect();
    vec![
        v(seq as i32),
        v(election.to_string()),
        v(a.clave_casilla.clone()),
        v(a.tipo_acta.clone()),
        v(a.estado.code().to_string()),
        v(votos),
        v(campo(&a.total_asentado)),
        v(campo(&a.boletas_sobrantes)),
        v(campo(&a.personas_votaron)),
        v(campo(&a.rep_votaron)),
        v(campo(&a.votos_sacados)),
        v(a.codigo_integridad.clone()),
        v(a.mecanismo.map(String::from)),
        v(a.acopio),
        v(a.captura),
        v(a.verificacion),
        v(a.origen.map(String::from)),
        v(a.digitalizacion.map(String::from)),
        v(a.tipo_documento.map(String::from)),
    ]
}

/// Writes actas registered in corte `seq`: per election, those of
/// `snapshot` from index `from[e]` on (the ones earlier cortes already
/// have are not written again). They stay invisible until the corte closes.
pub async fn write_actas(
    tx: &Transaction<'_>,
    seq: u32,
    snapshot: &Snapshot,
    from: &[usize],
) -> Result<u64, DbError> {
    let text = Type::TEXT;
    let ts = Type::TIMESTAMPTZ;
    let mut columns = vec![
        ("corte", Type::INT4),
        ("eleccion", text.clone()),
        ("clave_casilla", text.clone()),
        ("tipo_acta", text.clone()),
        ("estado", text.clone()),
        ("votos", Type::TEXT_ARRAY),
    ];
    for name in [
        "total_votos_asentado",
        "total_boletas_sobrantes",
        "total_personas_votaron",
        "total_rep_partido_ci_votaron",
        "total_votos_sacados",
        "codigo_integridad",
        "mecanismos_traslado",
    ] {
        columns.push((name, text.clone()));
    }
    for name in [
        "fecha_hora_acopio",
        "fecha_hora_captura",
        "fecha_hora_verificacion",
    ] {
        columns.push((name, ts.clone()));
    }
    for name in ["origen", "digitalizacion", "tipo_documento"] {
        columns.push((name, text.clone()));
    }
    let rows = snapshot
        .catalog
        .elections
        .iter()
        .zip(&snapshot.actas)
        .enumerate()
        .flat_map(|(e, (election, actas))| {
            let start = from.get(e).copied().unwrap_or(0).min(actas.len());
            actas[start..]
                .iter()
                .map(move |a| acta_row(seq, &election.id, a))
        });
    copy_in(tx, "prep.acta", &columns, rows).await
}

/// Adds the corte row, closed: the trigger's `NOTIFY` goes out when the
/// transaction commits.
pub async fn close_corte(tx: &Transaction<'_>, corte: &CorteMeta) -> Result<(), DbError> {
    tx.execute(
        "INSERT INTO prep.corte (seq, fecha_hora, final, cerrado_en) VALUES ($1, $2::text::timestamptz, $3, clock_timestamp())",
        &[&(corte.seq as i32), &corte.timestamp, &corte.final_corte],
    )
    .await
    .map_err(sql_error("writing prep.corte"))?;
    Ok(())
}

/// Writes a night into the example tables corte by corte; each corte
/// extends the previous one (an acta never changes once registered).
pub struct Loader {
    pub client: Client,
    /// Per election: actas already written.
    written: Vec<usize>,
    catalog_written: bool,
}

impl Loader {
    /// Connects as `cfg` says (an owner of the example schema, not the
    /// read-only role the watcher uses).
    pub async fn connect(cfg: &DbConfig) -> Result<Loader, DbError> {
        let conn = super::connect(cfg).await?;
        Ok(Loader {
            client: conn.client,
            written: Vec::new(),
            catalog_written: false,
        })
    }

    /// Goes on from a night whose corte `previous` is already written (by
    /// another loader, before a restart).
    pub fn after(mut self, previous: &Snapshot) -> Loader {
        self.written = previous.actas.iter().map(Vec::len).collect();
        self.catalog_written = true;
        self
    }

    /// Writes one corte (and the catalog, with the first), in one
    /// transaction, closed at its commit. Returns the actas written.
    pub async fn write_corte(&mut self, snapshot: &Snapshot) -> Result<u64, DbError> {
        let tx = self
            .client
            .transaction()
            .await
            .map_err(sql_error("starting a transaction"))?;
        if !self.catalog_written {
            write_catalog(&tx, &snapshot.catalog).await?;
        }
        let n = write_actas(&tx, snapshot.corte.seq, snapshot, &self.written).await?;
        close_corte(&tx, &snapshot.corte).await?;
        tx.commit().await.map_err(sql_error("closing the corte"))?;
        self.catalog_written = true;
        self.written = snapshot.actas.iter().map(Vec::len).collect();
        Ok(n)
    }
}

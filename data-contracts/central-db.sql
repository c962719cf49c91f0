-- The central database as corte reads it: contract version 1.
--
-- corte (`corte watch --source postgres://…`) reads only the views of the
-- schema `corte` below, as a read-only role, one corte at a time in one
-- REPEATABLE READ transaction. Their columns carry the fields of the
-- snapshot contract (docs/snapshot-contract.md): the catalog.json fields
-- (process, parties, elections, options, candidacies, geography, casillas
-- and their expected actas), the corte.json fields (sequence, time, final)
-- plus the moment the corte was declared verified and closed, and the
-- fields of actas/<ELECTION>.csv for every acta as of each corte.
-- docs/database.md is the prose.
--
-- An institute's DBA implements the `corte` views over their own tables:
-- same view names, same column names and types, same meaning. This file is
-- one implementation, over the example tables of the schema `prep`, which
-- `corte gen --to postgres://…` fills and the tests use. Running this whole
-- file in an empty database creates both schemas, the NOTIFY a closing
-- corte sends, and the read-only group role `corte_lector`.
--
-- Rules every implementation keeps (corte checks what it can):
--  * A corte is readable once `closed_at` is set; before that corte never
--    reads it. Once closed, nothing it shows ever changes (a correction is
--    a new corte).
--  * Closing a corte sends `NOTIFY corte_cerrado, '<seq>'` (by the
--    closing transaction, so it is delivered at its commit). corte also
--    polls, so a notification lost while it was disconnected only delays.
--  * `position` columns give the order corte writes into catalog.json; for
--    options it is the ballot order, which the `votos` arrays follow.
--  * Ids are plain keys (letters, digits, `_`, `-`; 1 to 64 characters).

BEGIN;

CREATE SCHEMA prep;
CREATE SCHEMA corte;

------------------------------------------------------------------------
-- The example implementation: the institute's own tables.
------------------------------------------------------------------------

CREATE TABLE prep.proceso (
    id               text PRIMARY KEY,
    nombre           text NOT NULL,
    instituto        text NOT NULL DEFAULT '',
    entidad_id       text NOT NULL,
    entidad_nombre   text NOT NULL,
    entidad_abrev    text NOT NULL,
    termino_demarcacion text NOT NULL DEFAULT 'MUNICIPIO',
    zona_horaria     text NOT NULL,
    ruleset          jsonb NOT NULL          -- "iecm-2024", or the knobs object
);

CREATE TABLE prep.partido (
    posicion int PRIMARY KEY,
    id       text NOT NULL UNIQUE,
    nombre   text NOT NULL,
    color    text
);

CREATE TABLE prep.eleccion (
    posicion int PRIMARY KEY,
    id       text NOT NULL UNIQUE,
    nombre   text NOT NULL,
    contienda text NOT NULL CHECK (contienda IN ('entidad', 'distrito', 'demarcacion')),
    tipos_acta_rp text[] NOT NULL DEFAULT '{}'
);

CREATE TABLE prep.opcion (
    eleccion text NOT NULL REFERENCES prep.eleccion (id),
    posicion int  NOT NULL,
    columna  text NOT NULL,
    tipo     text NOT NULL,
    partidos text[] NOT NULL DEFAULT '{}',
    nombre   text,
    color    text,
    reparto  int[],
    remanente_a text,
    PRIMARY KEY (eleccion, posicion),
    UNIQUE (eleccion, columna)
);

CREATE TABLE prep.candidatura (
    eleccion text NOT NULL REFERENCES prep.eleccion (id),
    posicion int  NOT NULL,
    unidad   text NOT NULL,
    opciones text[] NOT NULL,
    nombre   text NOT NULL DEFAULT '',
    suplente text NOT NULL DEFAULT '',
    PRIMARY KEY (eleccion, posicion)
);

CREATE TABLE prep.distrito (posicion int PRIMARY KEY, id text NOT NULL UNIQUE, nombre text NOT NULL);
CREATE TABLE prep.demarcacion (posicion int PRIMARY KEY, id text NOT NULL UNIQUE, nombre text NOT NULL);

CREATE TABLE prep.seccion (
    posicion    int PRIMARY KEY,
    id          text NOT NULL UNIQUE,
    distrito    text,
    demarcacion text
);

CREATE TABLE prep.casilla (
    posicion      int PRIMARY KEY,
    clave         text NOT NULL UNIQUE,
    seccion       text,
    tipo          text NOT NULL,
    numero        int  NOT NULL,
    ext_contigua  int  NOT NULL DEFAULT 0,
    ubicacion     int  NOT NULL DEFAULT 1,
    lista_nominal int  NOT NULL,
    representantes int NOT NULL DEFAULT 0,
    boletas       int,
    distrito      text,
    demarcacion   text
);

-- The actas each casilla is expected to produce, per election.
CREATE TABLE prep.acta_esperada (
    casilla   text NOT NULL,
    eleccion  text NOT NULL,
    posicion  int  NOT NULL,
    tipo_acta text NOT NULL,
    PRIMARY KEY (casilla, eleccion, posicion)
);

CREATE TABLE prep.corte (
    seq        int PRIMARY KEY CHECK (seq >= 1),
    fecha_hora timestamptz NOT NULL,
    final      boolean NOT NULL DEFAULT false,
    cerrado_en timestamptz           -- NULL while the corte is still open
);

-- Every verified acta with the corte it first belongs to. A correction
-- never touches a closed corte: the old row gets the corte it is replaced
-- in (reemplazada_en), and the corrected row is added for that corte.
CREATE TABLE prep.acta (
    id            bigserial PRIMARY KEY,
    corte         int  NOT NULL,
    reemplazada_en int,
    eleccion      text NOT NULL,
    clave_casilla text NOT NULL,
    tipo_acta     text NOT NULL,
    estado        text NOT NULL,
    votos         text[],               -- in ballot order; NULL: no votes (sin acta)
    total_votos_asentado         text,
    total_boletas_sobrantes      text,
    total_personas_votaron       text,
    total_rep_partido_ci_votaron text,
    total_votos_sacados          text,
    codigo_integridad   text,
    mecanismos_traslado text,
    fecha_hora_acopio        timestamptz,
    fecha_hora_captura       timestamptz,
    fecha_hora_verificacion  timestamptz,
    origen         text,
    digitalizacion text,
    tipo_documento text
);
CREATE INDEX acta_corte ON prep.acta (eleccion, corte);

-- The notification a closing corte sends: on the commit of the transaction
-- that sets cerrado_en.
CREATE FUNCTION prep.avisar_corte_cerrado() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.cerrado_en IS NOT NULL
       AND (TG_OP = 'INSERT' OR OLD.cerrado_en IS NULL) THEN
        PERFORM pg_notify('corte_cerrado', NEW.seq::text);
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER corte_cerrado
    AFTER INSERT OR UPDATE OF cerrado_en ON prep.corte
    FOR EACH ROW EXECUTE FUNCTION prep.avisar_corte_cerrado();

------------------------------------------------------------------------
-- The contract: what corte reads. Implement these over your own tables.
------------------------------------------------------------------------

-- One row: catalog.json's process, entidad, time_zone and ruleset.
CREATE VIEW corte.process AS
SELECT 1                   AS contract_version, -- int: this contract's version
       id                  AS process_id,      -- text, plain key
       nombre              AS process_name,    -- text
       instituto           AS process_institute, -- text ('' if none)
       entidad_id,                             -- text, '09'
       entidad_nombre      AS entidad_name,    -- text, 'CIUDAD DE MÉXICO'
       entidad_abrev       AS entidad_abbr,    -- text, 'CDMX'
       termino_demarcacion AS entidad_demarcacion_term, -- text, 'ALCALDIA' or 'MUNICIPIO'
       zona_horaria        AS time_zone,       -- text, IANA: corte writes every timestamp in it
       ruleset                                 -- jsonb: a built-in name ("iecm-2024") or the knobs object
FROM prep.proceso;

CREATE VIEW corte.parties AS
SELECT posicion AS position, id, nombre AS name, color   -- int, text, text, text (#RRGGBB or NULL)
FROM prep.partido;

CREATE VIEW corte.elections AS
SELECT posicion  AS position,        -- int: the site's order
       id,                           -- text: GUB, DIP_LOC, ALC
       nombre    AS name,            -- text
       contienda AS contest,         -- text: entidad, distrito or demarcacion
       tipos_acta_rp AS rp_acta_types -- text[] (empty if none)
FROM prep.eleccion;

CREATE VIEW corte.options AS
SELECT eleccion AS election,         -- text
       posicion AS position,         -- int: ballot order
       columna  AS column_name,      -- text: the actas CSV column
       tipo     AS kind,             -- text: party, independent, coalition, comun, no_registrados, nulos
       partidos AS parties,          -- text[] (empty if none)
       nombre   AS name,             -- text or NULL
       color,                        -- text or NULL
       reparto  AS shares,           -- int[] (comun only) or NULL
       remanente_a AS remainder_to   -- text (comun only) or NULL
FROM prep.opcion;

CREATE VIEW corte.candidacies AS
SELECT eleccion AS election, posicion AS position, unidad AS unit,
       opciones AS options,          -- text[]: option columns
       nombre   AS name, suplente    -- text, text ('' if none)
FROM prep.candidatura;

CREATE VIEW corte.distritos AS
SELECT posicion AS position, id, nombre AS name FROM prep.distrito;

CREATE VIEW corte.demarcaciones AS
SELECT posicion AS position, id, nombre AS name FROM prep.demarcacion;

CREATE VIEW corte.secciones AS
SELECT posicion AS position, id, distrito, demarcacion   -- text or NULL
FROM prep.seccion;

CREATE VIEW corte.casillas AS
SELECT posicion AS position,
       clave    AS key,              -- text: CLAVE_CASILLA
       seccion,                      -- text, NULL for the mesas of votes from abroad
       tipo,                         -- text: B C E S M A P
       numero,                       -- int
       ext_contigua,                 -- int
       ubicacion,                    -- int: 1 urbana, 2 no urbana
       lista_nominal,                -- int
       representantes,               -- int
       boletas,                      -- int, casillas especiales; else NULL
       distrito, demarcacion         -- text or NULL (casillas without sección)
FROM prep.casilla;

-- catalog.json's casillas[].actas: the acta types expected per election.
CREATE VIEW corte.casilla_actas AS
SELECT casilla,                      -- text: the casilla's key
       eleccion AS election,         -- text
       posicion AS position,         -- int
       tipo_acta                     -- text: A02, A03EMR…
FROM prep.acta_esperada;

-- corte.json's seq, timestamp and final, and when the corte was closed.
CREATE VIEW corte.cortes AS
SELECT seq,                          -- int, from 1, strictly increasing
       fecha_hora AS "timestamp",    -- timestamptz: the corte time
       final,                        -- boolean: the last corte of the night
       cerrado_en AS closed_at       -- timestamptz: declared verified and closed; NULL while open
FROM prep.corte;

-- Every acta as of every corte: the fields of actas/<ELECTION>.csv.
CREATE VIEW corte.actas AS
SELECT c.seq               AS corte,    -- int: the corte this row belongs to
       a.eleccion          AS election, -- text
       a.clave_casilla,                 -- text: CLAVE_CASILLA ('' only fuera de catálogo)
       a.tipo_acta,                     -- text: TIPO_ACTA
       a.estado,                        -- text: CAPTURADA, SIN_ACTA_…, FUERA_CATALOGO
       a.votos,                         -- text[]: one per option in ballot order; a number,
                                        --   'ILEGIBLE', 'SIN DATO', or NULL (not on the ballot);
                                        --   NULL array: no votes (sin acta)
       a.total_votos_asentado,          -- text: counts as the votes
       a.total_boletas_sobrantes,
       a.total_personas_votaron,
       a.total_rep_partido_ci_votaron,
       a.total_votos_sacados,
       a.codigo_integridad,             -- text: SHA-256 of the acta image, lowercase hex
       a.mecanismos_traslado,           -- text: D, F, I or NULL
       a.fecha_hora_acopio,             -- timestamptz
       a.fecha_hora_captura,            -- timestamptz
       a.fecha_hora_verificacion,       -- timestamptz
       a.origen,                        -- text: CASILLA, CATD
       a.digitalizacion,                -- text: MOVIL, ESCANER
       a.tipo_documento                 -- text: ACTA PREP, RPP, …
FROM prep.corte c
JOIN prep.acta a ON a.corte <= c.seq
                AND (a.reemplazada_en IS NULL OR c.seq < a.reemplazada_en);

------------------------------------------------------------------------
-- The read-only role corte connects as, through a login role of yours:
--   CREATE ROLE corte_publicador LOGIN PASSWORD '…' IN ROLE corte_lector;
--   ALTER ROLE corte_publicador SET default_transaction_read_only = on;
-- (corte opens every read READ ONLY anyway; the setting guards the role.)
------------------------------------------------------------------------

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'corte_lector') THEN
        CREATE ROLE corte_lector NOLOGIN;
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;  -- created meanwhile by another database of the same server
END $$;
GRANT USAGE ON SCHEMA corte TO corte_lector;
GRANT SELECT ON ALL TABLES IN SCHEMA corte TO corte_lector;

COMMIT;

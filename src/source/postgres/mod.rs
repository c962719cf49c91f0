//! The central database as a source: PostgreSQL, read at each corte.
//!
//! The database exposes the views of `data-contracts/central-db.sql`
//! (docs/database.md). [`read`] reads one closed corte in one read-only
//! REPEATABLE READ transaction and hands back an ordinary snapshot's member
//! files ([`super::NewSnapshot`]), which are validated and sealed exactly as
//! a file snapshot; [`load`] writes a night into the example tables (for
//! `corte gen --to`, the demo, the tests and the benches).
//!
//! Connections: the URL, then libpq's environment (`PGHOST`, `PGPORT`,
//! `PGUSER`, `PGDATABASE`, `PGPASSWORD`, `PGPASSFILE` or `~/.pgpass`,
//! `PGSSLMODE`, `PGSSLROOTCERT`). A password never appears in a log line or
//! an error: connections are named by [`DbConfig::display`]. TLS is rustls,
//! always verifying the server's certificate and name (libpq's `verify-full`)
//! when `sslmode` is `prefer` or `require`; without an `sslmode` corte does
//! not use TLS (a loopback or socket connection).
//!
//! What this module is not: it does not wait for cortes or decide what to
//! publish (that is `watch::database`), and it does not validate (that is
//! `contract`).

mod catalog;
mod copy;
pub mod load;
pub mod read;

use std::path::{Path, PathBuf};
use std::time::Duration;

use futures::StreamExt;
use tokio_postgres::config::{Host, SslMode};
use tokio_postgres::{AsyncMessage, Client};

/// The interface schema the views live in, unless configured otherwise.
pub const DEFAULT_SCHEMA: &str = "corte";
/// The channel a closing corte notifies.
pub const DEFAULT_CHANNEL: &str = "corte_cerrado";

/// Where the central database is and how to read it.
#[derive(Clone)]
pub struct DbConfig {
    /// `postgres://user@host:port/db?sslmode=…` (a password in it is allowed,
    /// never shown).
    pub url: String,
    /// The schema holding the contract's views.
    pub schema: String,
    /// The channel `NOTIFY` uses when a corte closes.
    pub channel: String,
    /// Extra root certificates (PEM) for TLS, besides the system's.
    pub ca_file: Option<PathBuf>,
    /// Set as the connection's `application_name` (seen in `pg_stat_activity`).
    pub application_name: String,
}

impl std::fmt::Debug for DbConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DbConfig")
            .field("url", &redact(&self.url))
            .field("schema", &self.schema)
            .field("channel", &self.channel)
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The database could not be reached or answered with an error; worth
    /// retrying.
    #[error("{database}: {message}")]
    Connection { database: String, message: String },
    /// The configuration cannot work (a bad URL, a certificate file).
    #[error("{0}")]
    Config(String),
    /// The database answered, but what it holds breaks the contract; the
    /// message names the view, the row and the column.
    #[error("{0}")]
    Data(String),
}

impl DbConfig {
    pub fn new(url: impl Into<String>) -> DbConfig {
        DbConfig {
            url: url.into(),
            schema: DEFAULT_SCHEMA.into(),
            channel: DEFAULT_CHANNEL.into(),
            ca_file: None,
            application_name: "corte".into(),
        }
    }

    /// The database as people see it in logs: `postgres://user@host:port/db`,
    /// never with a password.
    pub fn display(&self) -> String {
        match self.pg_config() {
            Ok(c) => describe(&c),
            Err(_) => redact(&self.url),
        }
    }

    /// The URL completed from the environment, as libpq would.
    pub fn pg_config(&self) -> Result<tokio_postgres::Config, DbError> {
        let mut c: tokio_postgres::Config = self.url.parse().map_err(|e| {
            DbError::Config(format!(
                "{}: not a PostgreSQL connection URL: {e}",
                redact(&self.url)
            ))
        })?;
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        if c.get_hosts().is_empty() {
            let host = env("PGHOST").unwrap_or_else(|| "localhost".into());
            for h in host.split(',') {
                if h.starts_with('/') {
                    #[cfg(unix)]
                    c.host_path(h);
                } else {
                    c.host(h);
                }
            }
        }
        if c.get_ports().is_empty()
            && let Some(port) = env("PGPORT")
        {
            let port = port
                .parse::<u16>()
                .map_err(|_| DbError::Config(format!("PGPORT={port}: not a port number")))?;
            c.port(port);
        }
        if c.get_user().is_none() {
            let user = env("PGUSER")
                .or_else(|| env("USER"))
                .unwrap_or_else(|| "postgres".into());
            c.user(user);
        }
        if c.get_dbname().is_none() {
            let db = env("PGDATABASE")
                .or_else(|| c.get_user().map(String::from))
                .unwrap_or_default();
            c.dbname(db);
        }
        if c.get_password().is_none() {
            if let Some(pw) = env("PGPASSWORD") {
                c.password(pw);
            } else if let Some(pw) = pgpass_lookup(&c) {
                c.password(pw);
            }
        }
        if !self.url.contains("sslmode=") {
            c.ssl_mode(match env("PGSSLMODE").as_deref() {
                Some("require") | Some("verify-ca") | Some("verify-full") => SslMode::Require,
                Some("prefer") => SslMode::Prefer,
                _ => SslMode::Disable,
            });
        }
        c.application_name(self.application_name.clone());
        c.connect_timeout(Duration::from_secs(10));
        // A dropped network shows within about a minute, not hours.
        c.keepalives_idle(Duration::from_secs(20));
        c.keepalives_interval(Duration::from_secs(5));
        c.keepalives_retries(4);
        Ok(c)
    }

    fn tls(&self) -> Result<tokio_postgres_rustls::MakeRustlsConnect, DbError> {
        let mut roots = rustls::RootCertStore::empty();
        let native = rustls_native_certs::load_native_certs();
        for cert in native.certs {
            // A system certificate rustls cannot parse is skipped, as curl does.
            let _ = roots.add(cert);
        }
        let extra = self
            .ca_file
            .clone()
            .or_else(|| std::env::var_os("PGSSLROOTCERT").map(PathBuf::from));
        if let Some(path) = extra {
            for cert in read_pem_certs(&path)? {
                roots.add(cert).map_err(|e| {
                    DbError::Config(format!("{}: not a usable certificate: {e}", path.display()))
                })?;
            }
        }
        let config = rustls::ClientConfig::builder()
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(tokio_postgres_rustls::MakeRustlsConnect::new(config))
    }

    fn error(&self, e: &tokio_postgres::Error) -> DbError {
        DbError::Connection {
            database: self.display(),
            message: describe_error(e),
        }
    }

    /// The schema-qualified name of a view of the contract.
    pub(crate) fn view(&self, name: &str) -> String {
        format!("{}.{}", quote_ident(&self.schema), quote_ident(name))
    }
}

fn read_pem_certs(path: &Path) -> Result<Vec<rustls_pki_types::CertificateDer<'static>>, DbError> {
    use rustls_pki_types::pem::PemObject;
    let certs: Result<Vec<_>, _> = rustls_pki_types::CertificateDer::pem_file_iter(path)
        .map_err(|e| DbError::Config(format!("{}: {e}", path.display())))?
        .collect();
    let certs = certs.map_err(|e| DbError::Config(format!("{}: {e}", path.display())))?;
    if certs.is_empty() {
        return Err(DbError::Config(format!(
            "{}: holds no PEM certificate",
            path.display()
        )));
    }
    Ok(certs)
}

/// A PostgreSQL error in words, with the server's detail when it sent one.
pub(crate) fn describe_error(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => {
            let mut s = db.message().to_string();
            if let Some(d) = db.detail() {
                s.push_str(&format!(" ({d})"));
            }
            s
        }
        None => {
            // The source holds the useful part (connection refused, TLS).
            let mut s = e.to_string();
            let mut source = std::error::Error::source(e);
            while let Some(inner) = source {
                s.push_str(&format!(": {inner}"));
                source = inner.source();
            }
            s
        }
    }
}

/// A failed read of a view: the database's answer is about the data
/// ([`DbError::Data`]); anything else means the connection is gone.
pub(crate) fn query(cfg: &DbConfig, view: &str, e: &tokio_postgres::Error) -> DbError {
    let message = format!("reading {}: {}", cfg.view(view), describe_error(e));
    if connection_lost(e) {
        DbError::Connection {
            database: cfg.display(),
            message,
        }
    } else {
        DbError::Data(message)
    }
}

/// Whether an error means the connection is gone (closed, or the socket
/// failed), rather than an answer about the query.
pub(crate) fn connection_lost(e: &tokio_postgres::Error) -> bool {
    if e.is_closed() {
        return true;
    }
    let mut source = std::error::Error::source(e);
    while let Some(inner) = source {
        if inner.is::<std::io::Error>() {
            return true;
        }
        source = inner.source();
    }
    false
}

/// `postgres://user@host:port/db` from a parsed configuration.
fn describe(c: &tokio_postgres::Config) -> String {
    let host = match c.get_hosts().first() {
        Some(Host::Tcp(h)) => h.clone(),
        #[cfg(unix)]
        Some(Host::Unix(p)) => p.display().to_string(),
        None => "localhost".into(),
    };
    let port = c
        .get_ports()
        .first()
        .map(|p| format!(":{p}"))
        .unwrap_or_default();
    format!(
        "postgres://{}@{host}{port}/{}",
        c.get_user().unwrap_or(""),
        c.get_dbname().unwrap_or("")
    )
}

/// A URL with any password replaced, for messages about a URL that did not parse.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        Ok(u) => u.to_string(),
        // A URL the url crate refuses (a bad port): cut the userinfo's password.
        Err(_) if url.contains("://") => {
            let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
            let end = rest.find('/').unwrap_or(rest.len());
            match rest[..end].rsplit_once('@') {
                Some((userinfo, host)) => {
                    let user = userinfo.split(':').next().unwrap_or("");
                    format!("{scheme}://{user}:***@{host}{}", &rest[end..])
                }
                None => url.to_string(),
            }
        }
        // Not a URL at all: it may be a key=value string holding a password.
        Err(_) => url
            .split_whitespace()
            .map(|kv| {
                if kv.starts_with("password=") {
                    "password=***"
                } else {
                    kv
                }
            })
            .collect::<Vec<_>>()
            .join(" "),
    }
}

/// The password for this connection from `PGPASSFILE` or `~/.pgpass`
/// (`host:port:database:user:password`, `*` matching anything), as libpq
/// reads it. A file readable by others is ignored, as libpq does.
fn pgpass_lookup(c: &tokio_postgres::Config) -> Option<String> {
    let path = std::env::var_os("PGPASSFILE")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".pgpass")))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).ok()?.permissions().mode();
        if mode & 0o077 != 0 {
            tracing::warn!(file = %path.display(), "password file ignored: it is readable by others (chmod 0600 it)");
            return None;
        }
    }
    let text = std::fs::read_to_string(&path).ok()?;
    let host = match c.get_hosts().first() {
        Some(Host::Tcp(h)) => h.clone(),
        _ => "localhost".into(),
    };
    let port = c.get_ports().first().copied().unwrap_or(5432).to_string();
    let want = [
        host.as_str(),
        port.as_str(),
        c.get_dbname().unwrap_or(""),
        c.get_user().unwrap_or(""),
    ];
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .find_map(|line| {
            let fields = split_pgpass(line);
            if fields.len() != 5 {
                return None;
            }
            let matches = fields[..4]
                .iter()
                .zip(want)
                .all(|(f, w)| f == "*" || f == w);
            matches.then(|| fields[4].clone())
        })
}

/// One `.pgpass` line's fields: `:` separates, `\` escapes.
fn split_pgpass(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut chars = line.chars();
    while let Some(ch) = chars.next() {
        match ch {
            '\\' => {
                if let (Some(next), Some(f)) = (chars.next(), fields.last_mut()) {
                    f.push(next);
                }
            }
            ':' if fields.len() < 5 => fields.push(String::new()),
            _ => {
                if let Some(f) = fields.last_mut() {
                    f.push(ch)
                }
            }
        }
    }
    fields
}

/// An identifier for SQL text (COPY and SET take no parameters).
pub(crate) fn quote_ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// A string literal for SQL text.
pub(crate) fn quote_literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// What the connection's background task tells its owner.
#[derive(Debug)]
pub enum Event {
    /// A `NOTIFY` on a channel this connection listens to: (channel, payload).
    Notified(String, String),
    /// The connection ended; why.
    Lost(String),
}

/// An open connection: the client, and what its background task hears.
pub struct Connection {
    pub client: Client,
    pub events: tokio::sync::mpsc::UnboundedReceiver<Event>,
}

/// Connects, and drives the connection on a task of its own that forwards
/// notifications and, once, the connection's end.
pub async fn connect(cfg: &DbConfig) -> Result<Connection, DbError> {
    let pg = cfg.pg_config()?;
    let (client, mut connection) = pg.connect(cfg.tls()?).await.map_err(|e| cfg.error(&e))?;
    let (tx, events) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut messages = futures::stream::poll_fn(move |cx| connection.poll_message(cx));
        let why = loop {
            match messages.next().await {
                Some(Ok(AsyncMessage::Notification(n))) => {
                    let _ = tx.send(Event::Notified(
                        n.channel().to_string(),
                        n.payload().to_string(),
                    ));
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => break describe_error(&e),
                None => break "the connection was closed".to_string(),
            }
        };
        let _ = tx.send(Event::Lost(why));
    });
    Ok(Connection { client, events })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_show() {
        let c = DbConfig::new("postgres://lector:s3creto@db.example:5433/prep");
        assert_eq!(c.display(), "postgres://lector@db.example:5433/prep");
        assert!(!format!("{c:?}").contains("s3creto"));
        assert!(!redact("postgres://lector:s3creto@db/prep").contains("s3creto"));
        assert!(!redact("host=db password=s3creto user=x").contains("s3creto"));
        let bad = DbConfig::new("postgres://lector:s3creto@db:notaport/prep");
        let err = bad
            .pg_config()
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("not a PostgreSQL connection URL"), "{err}");
        assert!(!err.contains("s3creto"), "{err}");
    }

    #[test]
    fn pgpass_lines_split_with_escapes() {
        assert_eq!(
            split_pgpass(r"db:5432:*:lector:pa\:ss\\word"),
            ["db", "5432", "*", "lector", r"pa:ss\word"]
        );
    }

    #[test]
    fn identifiers_and_literals_are_quoted() {
        assert_eq!(quote_ident(r#"a"b"#), r#""a""b""#);
        assert_eq!(quote_literal("O'Higgins"), "'O''Higgins'");
    }
}

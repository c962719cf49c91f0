//! `corte serve`: a published store (a `file://` folder, or any target the
//! publish module opens) served over HTTP exactly as the CDN serves it, for
//! operators previewing a corte, the end-to-end tests and the demo.
//!
//! - `/` and every path ending in `/` answer that folder's `index.html`; the
//!   stable tree at `/…`, each corte's immutable tree at `/cortes/<id>/…`, and
//!   the publisher's documents (`latest.json`, `cortes/index.json`,
//!   `cortes/feed.xml`, `public-key.pem`, manifests and signatures) as stored.
//! - Headers follow from the manifests by the publisher's own rule
//!   (`published::headers_for`): Content-Type, Cache-Control by cache
//!   class, gzip copies sent as stored with `Content-Encoding: gzip` to
//!   clients that take gzip and decoded for the others, a strong ETag (the
//!   SHA-256 of the bytes sent) with `If-None-Match` → 304, and HEAD.
//! - The live corte is re-read from `latest.json` at most once a second
//!   (`Options::pointer_ttl`), so a new corte shows without a restart.
//! - Only keys a manifest lists are served: stray files in a folder, paths
//!   that climb out (`..`, encoded or not) and absolute keys are refused; in
//!   a folder store, a symbolic link (or anything but a regular file) on the
//!   way to a key is not followed: 404.
//! - Every answer carries the security headers of [`security`]
//!   (`nosniff`, a strict Content-Security-Policy, `Referrer-Policy`), the
//!   same values `publish/nginx-cdn.conf` sends.
//!
//! What this module is not: a production web server or CDN. It holds each
//! object in memory while answering, and knows nothing of ranges, TLS or
//! HTTP/2. It only reads from the store.

mod origin;
mod request;
mod respond;
pub mod security;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use http::{Method, Request, Response, StatusCode};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::watch;

pub use origin::{Live, Miss, Object, Origin};
pub use request::{accepts_gzip, key_of, none_match};
pub use security::{CSP, HEADERS as SECURITY_HEADERS};

use crate::publish::Target;
use respond::Body;

/// How long a request may take to send its headers.
const HEADER_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a shutdown waits for requests in flight.
const DRAIN: Duration = Duration::from_secs(5);

#[derive(Debug, Clone)]
pub struct Options {
    /// How stale the live corte may be: `latest.json` is read again at most
    /// this often (zero: on every request for the stable tree).
    pub pointer_ttl: Duration,
    /// Corte manifests kept in memory (they are immutable; the live one is
    /// always among them).
    pub manifests: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            pointer_ttl: Duration::from_secs(1),
            manifests: 8,
        }
    }
}

/// A running server. Dropping it stops the server, as [`Handle::shutdown`]
/// does without waiting.
pub struct Handle {
    addr: SocketAddr,
    stop: watch::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl Handle {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT/`.
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// Stops accepting connections and waits (a few seconds at most) for
    /// the requests in flight.
    pub async fn shutdown(self) {
        let Handle { stop, task, .. } = self;
        let _ = stop.send(());
        let _ = task.await;
    }

    /// Serves until the task ends (it does not, unless the runtime stops).
    pub async fn wait(self) {
        let Handle { stop, task, .. } = self;
        let _ = task.await;
        drop(stop);
    }
}

/// Serves `target` on `addr` (port 0 picks a free one) with the default
/// options, on the current tokio runtime. Returns the bound address.
pub async fn start(target: Target, addr: SocketAddr) -> std::io::Result<(SocketAddr, Handle)> {
    start_with(target, addr, Options::default()).await
}

pub async fn start_with(
    target: Target,
    addr: SocketAddr,
    options: Options,
) -> std::io::Result<(SocketAddr, Handle)> {
    let listener = TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let origin = Arc::new(Origin::new(target, options.pointer_ttl, options.manifests));
    let (stop, stopped) = watch::channel(());
    let task = tokio::spawn(accept(listener, origin, stopped));
    Ok((addr, Handle { addr, stop, task }))
}

async fn accept(listener: TcpListener, origin: Arc<Origin>, mut stopped: watch::Receiver<()>) {
    let graceful = GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(HEADER_TIMEOUT);
    loop {
        let stream = tokio::select! {
            got = listener.accept() => match got {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors and the like: let it pass.
                    tracing::warn!(error = %e, "accepting a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            // A stop, or the handle dropped.
            _ = stopped.changed() => break,
        };
        let origin = origin.clone();
        let service = service_fn(move |req| {
            let origin = origin.clone();
            async move { Ok::<_, Infallible>(answer(&origin, req).await) }
        });
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "connection closed");
            }
        });
    }
    drop(listener);
    let _ = tokio::time::timeout(DRAIN, graceful.shutdown()).await;
}

/// One request: one answer, with the security headers, and one log line.
async fn answer(origin: &Origin, req: Request<Incoming>) -> Response<Body> {
    let mut response = answer_plain(origin, req).await;
    let headers = response.headers_mut();
    for (name, value) in SECURITY_HEADERS {
        headers.insert(
            http::HeaderName::from_static(name),
            http::HeaderValue::from_static(value),
        );
    }
    response
}

async fn answer_plain(origin: &Origin, req: Request<Incoming>) -> Response<Body> {
    let started = Instant::now();
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let mut sent = None;
    let response = if method != Method::GET && method != Method::HEAD {
        respond::error(StatusCode::METHOD_NOT_ALLOWED, "only GET and HEAD")
    } else {
        match key_of(&path) {
            Err(why) => respond::error(StatusCode::BAD_REQUEST, why),
            Ok(key) => match origin.object(&key).await {
                Ok(obj) => {
                    let (r, how) = respond::object(req.headers(), obj);
                    sent = Some(how.label());
                    r
                }
                Err(Miss::NotFound(why)) => respond::error(StatusCode::NOT_FOUND, why),
                Err(Miss::Origin(why)) => {
                    tracing::warn!(path, "{why}");
                    respond::error(StatusCode::BAD_GATEWAY, "the store could not be read")
                }
            },
        }
    };
    tracing::debug!(
        method = %method,
        path,
        status = response.status().as_u16(),
        bytes = hyper::body::Body::size_hint(response.body()).exact().unwrap_or(0),
        encoding = sent.unwrap_or("-"),
        us = started.elapsed().as_micros() as u64,
        "request"
    );
    response
}

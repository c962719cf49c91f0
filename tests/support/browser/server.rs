//! A tiny static HTTP/1.1 server for the browser tests: serves one folder on
//! 127.0.0.1 with the Content-Type corte publishes each file with, one thread
//! per connection, `Connection: close`. It answers GET and HEAD, maps `/` and
//! folder paths to `index.html`, refuses `..`, and logs every request.
//! [`Server::start_strict`] also sends the strict Content-Security-Policy the
//! site must satisfy ([`CSP`]): a violation is a console error in Chromium.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// The policy `corte serve` and the CDN config send
/// (`corte::serve::security`): no inline script or style, nothing from
/// another host.
pub const CSP: &str = corte::serve::CSP;

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Logged {
    pub method: String,
    pub path: String,
    pub status: u16,
}

pub struct Server {
    pub port: u16,
    stop: Arc<AtomicBool>,
    log: Arc<Mutex<Vec<Logged>>>,
    accept: Option<JoinHandle<()>>,
}

impl Server {
    /// Serves `root` on an ephemeral port of 127.0.0.1.
    pub fn start(root: &Path) -> std::io::Result<Server> {
        Server::start_with(root, None)
    }

    /// [`Server::start`], every answer with the header `Content-Security-Policy: `[`CSP`].
    pub fn start_strict(root: &Path) -> std::io::Result<Server> {
        Server::start_with(root, Some(CSP))
    }

    fn start_with(root: &Path, csp: Option<&'static str>) -> std::io::Result<Server> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let port = listener.local_addr()?.port();
        let stop = Arc::new(AtomicBool::new(false));
        let log = Arc::new(Mutex::new(Vec::new()));
        let root = root.to_path_buf();
        let accept = {
            let (stop, log) = (stop.clone(), log.clone());
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let (root, log) = (root.clone(), log.clone());
                    std::thread::spawn(move || {
                        // A client that hangs up mid-request is its own business.
                        let _ = serve(&root, stream, &log, csp);
                    });
                }
            })
        };
        Ok(Server {
            port,
            stop,
            log,
            accept: Some(accept),
        })
    }

    pub fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}/{}", self.origin(), path.trim_start_matches('/'))
    }

    pub fn log(&self) -> Vec<Logged> {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so that it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.accept.take() {
            let _ = t.join();
        }
    }
}

/// The file a request path names under `root`, if it may be served.
fn resolve(root: &Path, raw: &str) -> Option<PathBuf> {
    let path = raw.split(['?', '#']).next().unwrap_or("");
    let path = path.strip_prefix('/')?;
    let mut file = root.to_path_buf();
    for segment in path.split('/') {
        match segment {
            "" => {}
            "." | ".." => return None,
            s if s.contains('\\') || s.contains('%') => return None,
            s => file.push(s),
        }
    }
    if path.is_empty() || path.ends_with('/') || file.is_dir() {
        file.push("index.html");
    }
    Some(file)
}

fn serve(
    root: &Path,
    stream: TcpStream,
    log: &Mutex<Vec<Logged>>,
    csp: Option<&str>,
) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header == "\r\n" || header == "\n" {
            break;
        }
    }
    let mut parts = request_line.split_whitespace();
    let (method, path) = (
        parts.next().unwrap_or("").to_string(),
        parts.next().unwrap_or("").to_string(),
    );
    let file = resolve(root, &path).filter(|f| f.is_file());
    let (status, reason, content_type, body) = match (method.as_str(), &file) {
        ("GET" | "HEAD", Some(f)) => {
            let key = f
                .strip_prefix(root)
                .unwrap_or(f)
                .to_string_lossy()
                .into_owned();
            (
                200,
                "OK",
                corte::published::content_type(&key),
                std::fs::read(f)?,
            )
        }
        ("GET" | "HEAD", None) => (
            404,
            "Not Found",
            "text/plain; charset=utf-8",
            b"not found\n".to_vec(),
        ),
        _ => (
            405,
            "Method Not Allowed",
            "text/plain; charset=utf-8",
            b"GET or HEAD\n".to_vec(),
        ),
    };
    if let Ok(mut l) = log.lock() {
        l.push(Logged {
            method: method.clone(),
            path,
            status,
        });
    }
    let mut out = stream;
    let policy = csp
        .map(|p| format!("Content-Security-Policy: {p}\r\n"))
        .unwrap_or_default();
    write!(
        out,
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n{policy}Connection: close\r\n\r\n",
        body.len()
    )?;
    if method != "HEAD" {
        out.write_all(&body)?;
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_inside_the_root() {
        let root = Path::new("/srv/site");
        assert_eq!(resolve(root, "/"), Some(root.join("index.html")));
        assert_eq!(
            resolve(root, "/gub/seccion/0001.html?x=1"),
            Some(root.join("gub/seccion/0001.html"))
        );
        assert_eq!(resolve(root, "/a/../../etc/passwd"), None);
        assert_eq!(resolve(root, "/%2e%2e/etc/passwd"), None);
        assert_eq!(resolve(root, "relative"), None);
    }
}

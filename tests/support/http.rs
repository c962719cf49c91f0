//! A raw HTTP client for the tests: one request on its own connection, the
//! target on the request line exactly as given (so traversal attempts reach
//! the server), the answer read to the connection's end.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a header (a duplicated security header is a bug).
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// `X-Cache-Status` as nginx set it (`-` when it sent none).
    pub fn cache(&self) -> &str {
        self.header("x-cache-status").unwrap_or("-")
    }

    pub fn etag(&self) -> String {
        self.header("etag").expect("an ETag").to_string()
    }
}

/// The protocol of the request line. HTTP/1.0 answers are never chunked
/// (what a test of a proxy wants); HTTP/1.1 goes with `Connection: close`.
#[derive(Clone, Copy)]
pub enum Version {
    Http10,
    Http11,
}

/// One request on its own connection; the whole answer.
pub fn send(
    addr: SocketAddr,
    version: Version,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
) -> Reply {
    let mut stream = TcpStream::connect(addr).unwrap_or_else(|e| panic!("{addr}: {e}"));
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .expect("a timeout");
    let mut req = match version {
        Version::Http10 => format!("{method} {target} HTTP/1.0\r\nHost: {addr}\r\n"),
        Version::Http11 => {
            format!("{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n")
        }
    };
    for (n, v) in headers {
        req.push_str(&format!("{n}: {v}\r\n"));
    }
    req.push_str("\r\n");
    stream
        .write_all(req.as_bytes())
        .expect("the request is sent");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("an answer");
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no header end in {:?}", String::from_utf8_lossy(&raw)));
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {head}"));
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Reply {
        status,
        headers,
        body: raw[split + 4..].to_vec(),
    }
}

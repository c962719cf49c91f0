//! Headless Chromium driven through the DevTools protocol, over its
//! remote-debugging WebSocket, with plain JSON messages (serde_json::Value).
//!
//! Why not a typed CDP crate: the few methods used here are stable, while
//! typed crates generated from one protocol version break when Chromium adds
//! fields or events (headless_chrome and chromiumoxide both have had such
//! breakage); untyped JSON does not care. tungstenite carries the WebSocket.
//!
//! [`Chromium::visit`] opens a fresh tab, sets the viewport and whether
//! JavaScript runs, loads a page, waits for the network to go quiet, and
//! returns what a reader of the page gets: its visible text, a screenshot and
//! every problem the browser saw (console errors, uncaught exceptions, failed
//! requests, requests to another host).

use std::fs::File;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{Value, json};
use tungstenite::{Message, WebSocket};

/// Where Debian's package puts Chromium; `CORTE_CHROMIUM` overrides it.
pub const DEFAULT_CHROMIUM: &str = "/usr/bin/chromium";

/// The flags that work on a machine with a closed network, as root.
const FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-default-browser-check",
    "--hide-scrollbars",
    "--mute-audio",
    "--remote-debugging-port=0",
];

const COMMAND_TIMEOUT: Duration = Duration::from_secs(20);
const LOAD_TIMEOUT: Duration = Duration::from_secs(20);
/// The network counts as quiet after this long without a request in flight.
const QUIET: Duration = Duration::from_millis(300);

/// The Chromium binary, or a failure that says how to install it.
pub fn chromium_path() -> PathBuf {
    let path = std::env::var_os("CORTE_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(DEFAULT_CHROMIUM));
    assert!(
        path.is_file(),
        "Chromium is missing at {}: the browser tests need a real browser. Install Debian's \
         package with `apt-get install -y chromium` (CI's .ci/run does), or point CORTE_CHROMIUM \
         at a Chromium or Chrome binary.",
        path.display()
    );
    path
}

#[derive(Debug, Clone, Copy)]
pub struct Viewport {
    pub name: &'static str,
    pub width: u32,
    pub height: u32,
    pub scale: f64,
    pub mobile: bool,
}

pub const PHONE: Viewport = Viewport {
    name: "phone",
    width: 390,
    height: 844,
    scale: 3.0,
    mobile: true,
};

pub const DESKTOP: Viewport = Viewport {
    name: "desktop",
    width: 1366,
    height: 900,
    scale: 1.0,
    mobile: false,
};

/// What one page load gave.
#[derive(Debug)]
pub struct Visit {
    /// `document.body.innerText`: the text a reader sees.
    pub text: String,
    /// Every URL the page requested, in order.
    pub requests: Vec<String>,
    /// Console errors, uncaught exceptions, failed requests, other hosts.
    pub problems: Vec<String>,
    /// The page's layout width against the viewport's: wider means the
    /// reader must scroll sideways.
    pub scroll_width: u64,
    pub client_width: u64,
    pub png: Vec<u8>,
}

pub struct Chromium {
    child: Child,
    ws: WebSocket<TcpStream>,
    next_id: u64,
    /// Events read while waiting for a reply, not yet handed to a visit.
    pending: Vec<Value>,
    _profile: tempfile::TempDir,
}

fn err(what: &str, e: impl std::fmt::Display) -> String {
    format!("{what}: {e}")
}

impl Chromium {
    /// Starts headless Chromium with a new empty profile; its output goes to
    /// `log`.
    pub fn launch(log: &Path) -> Result<Chromium, String> {
        let path = chromium_path();
        let profile = tempfile::tempdir().map_err(|e| err("a profile folder", e))?;
        let out = File::create(log).map_err(|e| err(&log.display().to_string(), e))?;
        let out2 = out.try_clone().map_err(|e| err("the log", e))?;
        let mut child = Command::new(&path)
            .args(FLAGS)
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(out2)
            .spawn()
            .map_err(|e| err(&format!("starting {}", path.display()), e))?;
        let connected = wait_for_endpoint(profile.path(), &mut child)
            .and_then(|(port, ws_path)| connect(port, &ws_path));
        match connected {
            Ok(ws) => Ok(Chromium {
                child,
                ws,
                next_id: 0,
                pending: Vec::new(),
                _profile: profile,
            }),
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                Err(format!("{e}; see {}", log.display()))
            }
        }
    }

    /// One message, or None when nothing arrived for a moment.
    fn read(&mut self) -> Result<Option<Value>, String> {
        match self.ws.read() {
            Ok(Message::Text(text)) => serde_json::from_str(text.as_str())
                .map(Some)
                .map_err(|e| err("a DevTools message", e)),
            Ok(_) => Ok(None),
            Err(tungstenite::Error::Io(e))
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                Ok(None)
            }
            Err(e) => Err(err("reading from DevTools", e)),
        }
    }

    /// Sends a command and waits for its reply; events that arrive meanwhile
    /// are kept for [`Chromium::drain`].
    fn call(
        &mut self,
        session: Option<&str>,
        method: &str,
        params: Value,
    ) -> Result<Value, String> {
        self.next_id += 1;
        let id = self.next_id;
        let mut msg = json!({ "id": id, "method": method, "params": params });
        if let Some(s) = session {
            msg["sessionId"] = json!(s);
        }
        self.ws
            .send(Message::text(msg.to_string()))
            .map_err(|e| err(method, e))?;
        let deadline = Instant::now() + COMMAND_TIMEOUT;
        while Instant::now() < deadline {
            let Some(m) = self.read()? else { continue };
            if m["id"] == id {
                if let Some(e) = m.get("error") {
                    return Err(format!("{method}: {e}"));
                }
                return Ok(m["result"].clone());
            }
            if m.get("method").is_some() {
                self.pending.push(m);
            }
        }
        Err(format!("{method}: no reply in {COMMAND_TIMEOUT:?}"))
    }

    /// Events kept so far, and any that arrive within `wait`.
    fn drain(&mut self, wait: Duration) -> Result<Vec<Value>, String> {
        let deadline = Instant::now() + wait;
        while Instant::now() < deadline {
            match self.read()? {
                Some(m) if m.get("method").is_some() => self.pending.push(m),
                Some(_) => {}
                None => break,
            }
        }
        Ok(std::mem::take(&mut self.pending))
    }

    /// Loads `url` in a fresh tab at `viewport`, with JavaScript on or off.
    /// Requests outside `origin` are problems.
    pub fn visit(
        &mut self,
        url: &str,
        origin: &str,
        viewport: Viewport,
        javascript: bool,
    ) -> Result<Visit, String> {
        let target = self.call(None, "Target.createTarget", json!({ "url": "about:blank" }))?;
        let target_id = target["targetId"].as_str().unwrap_or_default().to_string();
        let attached = self.call(
            None,
            "Target.attachToTarget",
            json!({ "targetId": target_id, "flatten": true }),
        )?;
        let session = attached["sessionId"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let result = self.visit_in(&session, url, origin, viewport, javascript);
        let _ = self.call(None, "Target.closeTarget", json!({ "targetId": target_id }));
        result
    }

    fn visit_in(
        &mut self,
        session: &str,
        url: &str,
        origin: &str,
        viewport: Viewport,
        javascript: bool,
    ) -> Result<Visit, String> {
        let s = Some(session);
        for method in [
            "Runtime.enable",
            "Log.enable",
            "Network.enable",
            "Page.enable",
        ] {
            self.call(s, method, json!({}))?;
        }
        self.call(
            s,
            "Network.setCacheDisabled",
            json!({ "cacheDisabled": true }),
        )?;
        self.call(
            s,
            "Emulation.setDeviceMetricsOverride",
            json!({
                "width": viewport.width,
                "height": viewport.height,
                "deviceScaleFactor": viewport.scale,
                "mobile": viewport.mobile,
            }),
        )?;
        self.call(
            s,
            "Emulation.setTouchEmulationEnabled",
            json!({ "enabled": viewport.mobile }),
        )?;
        self.call(
            s,
            "Emulation.setScriptExecutionDisabled",
            json!({ "value": !javascript }),
        )?;
        self.pending.clear();
        let nav = self.call(s, "Page.navigate", json!({ "url": url }))?;
        let mut watch = Watch::new(session, origin);
        if let Some(e) = nav.get("errorText").and_then(Value::as_str) {
            watch.problems.push(format!("navigation failed: {e}"));
        }
        let deadline = Instant::now() + LOAD_TIMEOUT;
        let mut quiet_since: Option<Instant> = None;
        loop {
            for event in self.drain(Duration::from_millis(50))? {
                watch.see(&event);
            }
            let now = Instant::now();
            if watch.loaded && watch.in_flight.is_empty() {
                let since = *quiet_since.get_or_insert(now);
                if now - since >= QUIET {
                    break;
                }
            } else {
                quiet_since = None;
            }
            if now > deadline {
                watch.problems.push(format!(
                    "the page did not finish loading in {LOAD_TIMEOUT:?} (load event: {}, requests in flight: {})",
                    watch.loaded,
                    watch.in_flight.len()
                ));
                break;
            }
        }
        // DevTools' own evaluation runs even where the page's scripts may not.
        let facts = self.call(
            s,
            "Runtime.evaluate",
            json!({
                "expression": "JSON.stringify({text: document.body ? document.body.innerText : '', \
                               scroll: document.documentElement.scrollWidth, \
                               client: document.documentElement.clientWidth})",
                "returnByValue": true,
            }),
        )?;
        let facts: Value = facts["result"]["value"]
            .as_str()
            .and_then(|v| serde_json::from_str(v).ok())
            .ok_or_else(|| format!("reading the page's text: {facts}"))?;
        let shot = self.call(s, "Page.captureScreenshot", json!({ "format": "png" }))?;
        let png = base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().unwrap_or_default())
            .map_err(|e| err("the screenshot", e))?;
        for event in self.drain(Duration::from_millis(50))? {
            watch.see(&event);
        }
        Ok(Visit {
            text: facts["text"].as_str().unwrap_or_default().to_string(),
            requests: watch.requests,
            problems: watch.problems,
            scroll_width: facts["scroll"].as_u64().unwrap_or(0),
            client_width: facts["client"].as_u64().unwrap_or(0),
            png,
        })
    }
}

impl Drop for Chromium {
    fn drop(&mut self) {
        let _ = self.call(None, "Browser.close", json!({}));
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Chromium writes `DevToolsActivePort` (its port, then the browser's
/// WebSocket path) into the profile once it listens.
fn wait_for_endpoint(profile: &Path, child: &mut Child) -> Result<(u16, String), String> {
    let file = profile.join("DevToolsActivePort");
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("Chromium exited at start ({status})"));
        }
        if let Ok(text) = std::fs::read_to_string(&file) {
            let mut lines = text.lines();
            if let (Some(Ok(port)), Some(path)) =
                (lines.next().map(|p| p.trim().parse()), lines.next())
            {
                return Ok((port, path.trim().to_string()));
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Err("Chromium did not open its DevTools port in 30 s".into())
}

/// The browser's DevTools WebSocket, reading in short slices so that a
/// silent browser never blocks a test.
fn connect(port: u16, path: &str) -> Result<WebSocket<TcpStream>, String> {
    let stream =
        TcpStream::connect(("127.0.0.1", port)).map_err(|e| err("connecting to DevTools", e))?;
    let url = format!("ws://127.0.0.1:{port}{path}");
    let (mut ws, _) = tungstenite::client(url, stream).map_err(|e| err("DevTools handshake", e))?;
    ws.get_mut()
        .set_read_timeout(Some(Duration::from_millis(100)))
        .map_err(|e| err("read timeout", e))?;
    Ok(ws)
}

/// What the events of one tab say.
struct Watch<'a> {
    session: &'a str,
    origin: &'a str,
    loaded: bool,
    in_flight: std::collections::BTreeSet<String>,
    requests: Vec<String>,
    problems: Vec<String>,
}

impl<'a> Watch<'a> {
    fn new(session: &'a str, origin: &'a str) -> Watch<'a> {
        Watch {
            session,
            origin,
            loaded: false,
            in_flight: Default::default(),
            requests: Vec::new(),
            problems: Vec::new(),
        }
    }

    fn see(&mut self, event: &Value) {
        if event["sessionId"] != self.session {
            return;
        }
        let p = &event["params"];
        let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
        match event["method"].as_str().unwrap_or_default() {
            "Page.loadEventFired" => self.loaded = true,
            "Network.requestWillBeSent" => {
                let url = text(&p["request"]["url"]);
                let local = url == self.origin
                    || url.starts_with(&format!("{}/", self.origin))
                    || ["data:", "blob:", "about:"]
                        .iter()
                        .any(|s| url.starts_with(s));
                if !local {
                    self.problems
                        .push(format!("request to another host: {url}"));
                }
                self.in_flight.insert(text(&p["requestId"]));
                self.requests.push(url);
            }
            "Network.responseReceived" => {
                let status = p["response"]["status"].as_u64().unwrap_or(0);
                if status >= 400 {
                    self.problems
                        .push(format!("HTTP {status} for {}", text(&p["response"]["url"])));
                }
            }
            "Network.loadingFinished" => {
                self.in_flight.remove(&text(&p["requestId"]));
            }
            "Network.loadingFailed" => {
                self.in_flight.remove(&text(&p["requestId"]));
                self.problems.push(format!(
                    "request failed: {} {}{}",
                    text(&p["errorText"]),
                    text(&p["blockedReason"]),
                    if p["canceled"] == true {
                        " (canceled)"
                    } else {
                        ""
                    }
                ));
            }
            "Runtime.exceptionThrown" => {
                let d = &p["exceptionDetails"];
                let what = d["exception"]["description"]
                    .as_str()
                    .unwrap_or_else(|| d["text"].as_str().unwrap_or_default());
                self.problems.push(format!(
                    "uncaught exception at {}:{}: {what}",
                    text(&d["url"]),
                    d["lineNumber"]
                ));
            }
            "Runtime.consoleAPICalled" => {
                let kind = text(&p["type"]);
                if kind == "error" || kind == "assert" {
                    let args: Vec<String> = p["args"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|a| {
                            a["value"]
                                .as_str()
                                .map(String::from)
                                .unwrap_or_else(|| a["description"].to_string())
                        })
                        .collect();
                    self.problems
                        .push(format!("console.{kind}: {}", args.join(" ")));
                }
            }
            "Log.entryAdded" => {
                let e = &p["entry"];
                if e["level"] == "error" {
                    self.problems.push(format!(
                        "browser log ({}): {} {}",
                        text(&e["source"]),
                        text(&e["text"]),
                        text(&e["url"])
                    ));
                }
            }
            _ => {}
        }
    }
}

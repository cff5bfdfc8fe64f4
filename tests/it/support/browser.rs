//! Headless Chromium driven over the DevTools protocol, to load a page and see exactly which
//! requests *the page* made.
//!
//! Why not a proxy trap: Chromium's own background services (variations, safe browsing,
//! time queries, …) call Google hosts whatever switches it gets, and the set changes with
//! every release (148 added `www.google.com`). A proxy cannot tell those from the page's
//! requests. The DevTools `Network` domain of a page session reports only that page's
//! requests (`Network.requestWillBeSent`, with its initiator and frame), so the check holds
//! across versions. The page is served from a loopback server, and every other host is
//! mapped to nothing with `--host-resolver-rules`, so a leak is recorded and never leaves
//! the machine.
//!
//! The protocol runs over `--remote-debugging-pipe`: commands on fd 3, replies on fd 4,
//! each message a JSON object ended by a NUL byte (Chromium's `devtools_pipe_handler`).

use std::io::{BufRead as _, BufReader, Write as _};
use std::net::TcpListener;
use std::os::fd::AsRawFd as _;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

pub fn find_chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    for name in [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ] {
        for dir in std::env::split_paths(&path) {
            let p = dir.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

/// Serves the files of one folder on loopback until dropped.
pub struct FileServer {
    pub port: u16,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FileServer {
    pub fn start(root: &Path) -> FileServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let st = stop.clone();
        let root = root.to_path_buf();
        let thread = std::thread::spawn(move || {
            while !st.load(Ordering::SeqCst) {
                let Ok((conn, _)) = listener.accept() else {
                    std::thread::sleep(Duration::from_millis(10));
                    continue;
                };
                let _ = conn.set_nonblocking(false);
                let _ = conn.set_read_timeout(Some(Duration::from_secs(5)));
                let mut reader = BufReader::new(conn);
                let mut line = String::new();
                if reader.read_line(&mut line).is_err() {
                    continue;
                }
                let name = line
                    .split_whitespace()
                    .nth(1)
                    .unwrap_or("/")
                    .trim_start_matches('/');
                let file = root.join(name);
                let ok = !name.contains("..") && file.is_file();
                let body = if ok {
                    std::fs::read(&file).unwrap_or_default()
                } else {
                    b"not found".to_vec()
                };
                let ctype = if name.ends_with(".html") {
                    "text/html; charset=utf-8"
                } else {
                    "application/octet-stream"
                };
                let status = if ok { "200 OK" } else { "404 Not Found" };
                let mut conn = reader.into_inner();
                let head = format!(
                    "HTTP/1.1 {status}\r\ncontent-type: {ctype}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    body.len()
                );
                let _ = conn.write_all(head.as_bytes());
                let _ = conn.write_all(&body);
            }
        });
        FileServer {
            port,
            stop,
            thread: Some(thread),
        }
    }

    pub fn url(&self, name: &str) -> String {
        format!("http://127.0.0.1:{}/{name}", self.port)
    }
}

impl Drop for FileServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// What loading a page showed: its DOM after the load event, every request the page made
/// other than for the page itself, and a screenshot when one was asked for.
pub struct PageLoad {
    pub dom: String,
    pub requests: Vec<String>,
    pub screenshot_png: Option<Vec<u8>>,
}

struct Cdp {
    child: Child,
    to_browser: std::io::PipeWriter,
    from_browser: mpsc::Receiver<Value>,
    next_id: u64,
    /// Events that arrived while a reply was awaited.
    events: Vec<Value>,
    _profile: tempfile::TempDir,
}

impl Cdp {
    fn launch(bin: &Path) -> Cdp {
        let profile = tempfile::tempdir().unwrap();
        let (cmd_r, cmd_w) = std::io::pipe().unwrap();
        let (resp_r, resp_w) = std::io::pipe().unwrap();
        let (cr, rw) = (cmd_r.as_raw_fd(), resp_w.as_raw_fd());
        let mut command = Command::new(bin);
        command
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
                "--no-pings",
                "--remote-debugging-pipe",
                // Every host but the loopback page server resolves to nothing: a leak is
                // seen by the protocol below and never reaches a network.
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        // SAFETY: only async-signal-safe calls (fcntl, dup2) between fork and exec. The
        // pipes are close-on-exec; copies at fd 3 and 4 are not, which is what Chromium
        // expects. Going through fds >= 10 first keeps dup2 from clobbering one pipe
        // with the other when they happen to sit at 3 or 4.
        unsafe {
            command.pre_exec(move || {
                let a = libc::fcntl(cr, libc::F_DUPFD_CLOEXEC, 10);
                let b = libc::fcntl(rw, libc::F_DUPFD_CLOEXEC, 10);
                if a < 0 || b < 0 || libc::dup2(a, 3) < 0 || libc::dup2(b, 4) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = command.spawn().expect("chromium starts");
        drop(cmd_r);
        drop(resp_w);
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(resp_r);
            loop {
                let mut msg = Vec::new();
                match reader.read_until(0, &mut msg) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {}
                }
                if msg.last() == Some(&0) {
                    msg.pop();
                }
                if let Ok(v) = serde_json::from_slice::<Value>(&msg)
                    && tx.send(v).is_err()
                {
                    break;
                }
            }
        });
        Cdp {
            child,
            to_browser: cmd_w,
            from_browser: rx,
            next_id: 0,
            events: vec![],
            _profile: profile,
        }
    }

    fn call(&mut self, session: Option<&str>, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut msg = json!({"id": id, "method": method, "params": params});
        if let Some(s) = session {
            msg["sessionId"] = json!(s);
        }
        let mut bytes = serde_json::to_vec(&msg).unwrap();
        bytes.push(0);
        self.to_browser
            .write_all(&bytes)
            .expect("chromium reads commands");
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let v = self
                .from_browser
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("chromium did not answer {method} within 60 s"));
            if v.get("id").and_then(Value::as_u64) == Some(id) {
                if let Some(e) = v.get("error") {
                    panic!("chromium refused {method}: {e}");
                }
                return v.get("result").cloned().unwrap_or(Value::Null);
            }
            self.events.push(v);
        }
    }

    /// Collects events until `until` says stop or the time runs out.
    fn pump(&mut self, within: Duration, mut until: impl FnMut(&Value) -> bool) -> bool {
        let deadline = Instant::now() + within;
        if self.events.iter().any(&mut until) {
            return true;
        }
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.from_browser.recv_timeout(left) {
                Ok(v) => {
                    let hit = until(&v);
                    self.events.push(v);
                    if hit {
                        return true;
                    }
                }
                Err(_) => return false,
            }
        }
        false
    }
}

impl Drop for Cdp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Loads `url` in a fresh headless Chromium and reports what the page did. `viewport`
/// (width, height, mobile) also takes a full-page screenshot.
pub fn load_page(bin: &Path, url: &str, viewport: Option<(u32, u32, bool)>) -> PageLoad {
    let mut cdp = Cdp::launch(bin);
    let target = cdp.call(None, "Target.createTarget", json!({"url": "about:blank"}));
    let target_id = target["targetId"].as_str().unwrap().to_string();
    let attached = cdp.call(
        None,
        "Target.attachToTarget",
        json!({"targetId": target_id, "flatten": true}),
    );
    let session = attached["sessionId"].as_str().unwrap().to_string();
    let s = Some(session.as_str());
    cdp.call(s, "Network.enable", json!({}));
    cdp.call(s, "Page.enable", json!({}));
    if let Some((width, height, mobile)) = viewport {
        cdp.call(
            s,
            "Emulation.setDeviceMetricsOverride",
            json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile}),
        );
    }
    cdp.call(s, "Page.navigate", json!({"url": url}));
    let in_session = |v: &Value| v.get("sessionId").and_then(Value::as_str) == Some(&session);
    let loaded = cdp.pump(Duration::from_secs(60), |v| {
        in_session(v) && v["method"] == "Page.loadEventFired"
    });
    assert!(loaded, "the page did not finish loading within 60 s");
    // Late fetches (lazy images, fonts) still count: give them a moment after the load.
    cdp.pump(Duration::from_millis(1500), |_| false);
    let dom = cdp.call(
        s,
        "Runtime.evaluate",
        json!({"expression": "document.documentElement.outerHTML", "returnByValue": true}),
    )["result"]["value"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let screenshot_png = viewport.map(|_| {
        let shot = cdp.call(
            s,
            "Page.captureScreenshot",
            json!({"format": "png", "captureBeyondViewport": true}),
        );
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().unwrap_or_default())
            .unwrap()
    });
    let requests = cdp
        .events
        .iter()
        .filter(|v| in_session(v) && v["method"] == "Network.requestWillBeSent")
        .map(|v| {
            v["params"]["request"]["url"]
                .as_str()
                .unwrap_or("")
                .to_string()
        })
        .filter(|u| u != url && !u.starts_with("data:") && !u.starts_with("about:"))
        .collect();
    let _ = cdp.call(None, "Browser.close", json!({}));
    let _ = cdp.child.wait();
    PageLoad {
        dom,
        requests,
        screenshot_png,
    }
}

/// The check both Chromium tests share: the page asked for nothing but itself.
pub fn assert_page_made_no_requests(load: &PageLoad) {
    assert!(
        load.requests.is_empty(),
        "the page made requests: {:?}",
        load.requests
    );
}

//! Launch the built app under WebDriver and talk to its window.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use tokio::sync::{Mutex, MutexGuard};

/// One app at a time: the app is single-instance on a D-Bus session, and two WebKit processes
/// on two cores make timings meaningless.
static ONE_APP_AT_A_TIME: Mutex<()> = Mutex::const_new(());

pub const APP_BINARY_ENV: &str = "DESK_APP_BIN";

/// Hold this while running the app outside WebDriver (it is single-instance on the bus).
pub async fn exclusive() -> MutexGuard<'static, ()> {
    ONE_APP_AT_A_TIME.lock().await
}

/// The built app binary (`cargo build -p skinspire-verify-desk`), or `DESK_APP_BIN`.
pub fn app_binary() -> PathBuf {
    let bin = std::env::var_os(APP_BINARY_ENV)
        .map(PathBuf::from)
        .unwrap_or_else(|| crate::target_dir().join("debug").join("skinspire-verify-desk"));
    assert!(
        bin.exists(),
        "the app binary {} does not exist: build it first (`make test` does; or \
         `cargo build -p skinspire-verify-desk`)",
        bin.display()
    );
    bin
}

fn tauri_driver() -> PathBuf {
    if let Some(p) = std::env::var_os("TAURI_DRIVER") {
        return PathBuf::from(p);
    }
    let home_bin = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .map(|c| c.join("bin").join("tauri-driver"));
    match home_bin {
        Some(p) if p.exists() => p,
        _ => PathBuf::from("tauri-driver"),
    }
}

/// How to launch the app.
#[derive(Default)]
pub struct Launch {
    env: Vec<(String, String)>,
    data_dir: Option<PathBuf>,
    os_data_folder: bool,
}

impl Launch {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.to_owned(), value.to_owned()));
        self
    }

    /// Use this data folder instead of a fresh temporary one.
    pub fn data_dir(mut self, dir: &Path) -> Self {
        self.data_dir = Some(dir.to_owned());
        self
    }

    /// Let the app find its data folder as an installed desk does (the per-user folder under
    /// `XDG_DATA_HOME`, which the test session points at its own temporary folder), with no
    /// override.
    pub fn os_data_folder(mut self) -> Self {
        self.os_data_folder = true;
        self
    }

    pub async fn start(self) -> AppUnderTest {
        let guard = ONE_APP_AT_A_TIME.lock().await;
        let temp = tempfile::tempdir().expect("tempdir");
        let data_dir = if self.os_data_folder {
            desk_core::AppPaths::resolve().expect("the per-user data folder").data_dir
        } else {
            self.data_dir.unwrap_or_else(|| temp.path().join("data"))
        };
        let port = crate::free_port();
        let native_port = crate::free_port();
        let mut cmd = Command::new(tauri_driver());
        cmd.args(["--port", &port.to_string(), "--native-port", &native_port.to_string()])
            .env("SKINSPIRE_DESK_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::from(std::fs::File::create(temp.path().join("driver.log")).expect("driver log")));
        if self.os_data_folder {
            cmd.env_remove(desk_core::paths::DATA_DIR_ENV);
        } else {
            cmd.env(desk_core::paths::DATA_DIR_ENV, &data_dir);
        }
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        let driver = cmd.spawn().expect("tauri-driver must be installed (make test installs it)");

        let mut caps = serde_json::Map::new();
        caps.insert("tauri:options".into(), serde_json::json!({ "application": app_binary(), "args": [] }));
        let url = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        let client = loop {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(connector).capabilities(caps.clone()).connect(&url).await {
                Ok(c) => break c,
                Err(e) if started.elapsed() < Duration::from_secs(30) => {
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(e) => panic!("could not start the app under tauri-driver: {e}"),
            }
        };
        AppUnderTest { client, driver, data_dir, temp, _guard: guard }
    }
}

pub struct AppUnderTest {
    pub client: Client,
    pub data_dir: PathBuf,
    driver: Child,
    temp: tempfile::TempDir,
    _guard: MutexGuard<'static, ()>,
}

impl AppUnderTest {
    /// Wait for an element by `data-testid` and return it.
    pub async fn by_testid(&self, id: &str) -> fantoccini::elements::Element {
        let css = format!("[data-testid=\"{id}\"]");
        self.client
            .wait()
            .at_most(Duration::from_secs(15))
            .for_element(Locator::Css(&css))
            .await
            .unwrap_or_else(|e| panic!("no element [data-testid={id}] appeared: {e}"))
    }

    /// Wait until the element's text satisfies `pred`; returns the text.
    pub async fn wait_text(&self, id: &str, pred: impl Fn(&str) -> bool) -> String {
        let started = Instant::now();
        loop {
            let text = self.by_testid(id).await.text().await.unwrap_or_default();
            if pred(&text) {
                return text;
            }
            if started.elapsed() > Duration::from_secs(15) {
                panic!("[data-testid={id}] never matched; last text: {text:?}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Type into an input (found by testid), after clearing it.
    pub async fn fill(&self, id: &str, text: &str) {
        // Found afresh on a second try: a screen that re-renders can replace the element.
        for attempt in 0..3 {
            let el = self.by_testid(id).await;
            // Into the middle of the view: the fixed status bar can cover a field at the bottom,
            // and WebKitWebDriver won't clear a field it can't reach.
            if let Ok(arg) = serde_json::to_value(&el) {
                let _ = self.client.execute("arguments[0].scrollIntoView({block: 'center'})", vec![arg]).await;
            }
            match el.clear().await {
                Ok(()) => {
                    el.send_keys(text).await.unwrap_or_else(|e| panic!("type into [data-testid={id}]: {e}"));
                    return;
                }
                Err(e) if attempt == 2 => panic!("clear [data-testid={id}]: {e}"),
                Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        }
    }

    /// Click an element (found by testid), waiting for it to be enabled.
    pub async fn click(&self, id: &str) {
        let started = Instant::now();
        let el = self.by_testid(id).await;
        while !el.is_enabled().await.unwrap_or(true) {
            assert!(started.elapsed() < Duration::from_secs(15), "[data-testid={id}] stayed disabled");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        el.click().await.unwrap_or_else(|e| panic!("click [data-testid={id}]: {e}"));
    }

    /// True when no element has this testid right now (no waiting).
    pub async fn absent(&self, id: &str) -> bool {
        let css = format!("[data-testid=\"{id}\"]");
        self.client.find_all(Locator::Css(&css)).await.map(|v| v.is_empty()).unwrap_or(true)
    }

    /// Call a command over the real IPC path from inside the webview, as any script in the
    /// window could: `Ok(result)` or `Err({code, message})`.
    pub async fn invoke(&self, cmd: &str, args: serde_json::Value) -> Result<serde_json::Value, serde_json::Value> {
        let script = "const [cmd, args, done] = arguments;
            window.__TAURI_INTERNALS__.invoke(cmd, args)
                .then((ok) => done({ ok: ok === undefined ? null : ok }), (err) => done({ err }));";
        let out = self
            .client
            .execute_async(script, vec![serde_json::Value::String(cmd.to_owned()), args])
            .await
            .unwrap_or_else(|e| panic!("invoke {cmd} from the page: {e}"));
        match (out.get("ok"), out.get("err")) {
            (Some(ok), _) => Ok(ok.clone()),
            (_, Some(err)) => Err(err.clone()),
            _ => panic!("invoke {cmd}: odd answer {out}"),
        }
    }

    /// Save a screenshot under target/e2e-screenshots/ for people to look at.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        // Let the last state change paint before capturing.
        tokio::time::sleep(Duration::from_millis(500)).await;
        let png = self.client.screenshot().await.expect("screenshot");
        assert!(png.starts_with(b"\x89PNG"), "screenshot is not a PNG");
        let dir = crate::screenshot_dir();
        std::fs::create_dir_all(&dir).expect("screenshot dir");
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).expect("write screenshot");
        path
    }

    /// The log of the tauri-driver/WebKitWebDriver pair, for failure messages.
    pub fn driver_log(&self) -> String {
        std::fs::read_to_string(self.temp.path().join("driver.log")).unwrap_or_default()
    }

    /// Close the session (which ends the app) and stop the driver.
    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for AppUnderTest {
    fn drop(&mut self) {
        // A failed test never reaches close(): don't leave the driver, or the WebKitWebDriver
        // and app it started, running (a leftover app makes the next test's app wait on it).
        // Only the driver's own descendants are stopped, found through /proc.
        let mut pids = vec![self.driver.id()];
        let mut i = 0;
        while i < pids.len() {
            pids.extend(children_of(pids[i]));
            i += 1;
        }
        for pid in pids.iter().skip(1).rev() {
            let _ = Command::new("kill").args(["-KILL", &pid.to_string()]).status();
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// The child processes of `pid` (Linux: /proc/<pid>/task/*/children).
fn children_of(pid: u32) -> Vec<u32> {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else { return Vec::new() };
    tasks
        .flatten()
        .filter_map(|t| std::fs::read_to_string(t.path().join("children")).ok())
        .flat_map(|c| c.split_whitespace().filter_map(|p| p.parse().ok()).collect::<Vec<u32>>())
        .collect()
}

/// Top-level window titles on the X display (needs `xwininfo`).
pub fn x_window_titles() -> Vec<String> {
    let out = Command::new("xwininfo").args(["-root", "-tree"]).output().expect("xwininfo");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let start = l.find('"')?;
            let end = l[start + 1..].find('"')?;
            Some(l[start + 1..start + 1 + end].to_owned())
        })
        .collect()
}

//! The real services the integration tests talk to, as `scripts/test-session.sh` starts them
//! (`scripts/services/start-services.sh`): the test SMTP server, Prism serving Twilio's contract,
//! and a private D-Bus bus with an unlocked gnome-keyring.
//!
//! A test asks for a service with one of the `*::from_env` / `require_*` functions. A missing
//! service FAILS the test, saying which service is missing and how to start it: a test never
//! passes without checking what it is there for. (The functions still return `Option`, for
//! their callers' `let … else`; a missing service never gets that far.)

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// A missing service: the test that needed it fails, with what is missing and how to start it.
pub fn missing(test: &str, service: &str, why: &str) -> ! {
    panic!(
        "{test}: {service} is missing: {why}. Run the tests inside scripts/test-session.sh \
         (make test), which starts it."
    )
}

fn env_value(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// A run-unique suffix, so messages from an earlier run in the same session never count.
pub fn nonce() -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or_default();
    format!("{}-{}", std::process::id(), nanos % 1_000_000_000_000)
}

/// A recipient address nobody else uses, for finding one test's mail in the shared maildir.
pub fn unique_rcpt(tag: &str) -> String {
    format!("{tag}-{}@patients.skinspire.test", nonce())
}

// ------------------------------------------------------------------------------------------
// SMTP

/// The session's SMTP server (STARTTLS + AUTH required, certificate from a private test CA).
#[derive(Debug, Clone)]
pub struct Smtp {
    pub host: String,
    pub port: u16,
    pub user: String,
    pub password: String,
    /// The test CA's certificate (PEM): trust it, or see the server's certificate refused.
    pub ca: PathBuf,
    pub maildir: PathBuf,
}

impl Smtp {
    /// Set a desk's Gmail provider up against this server, as an admin would (the password to
    /// the desk's keyring), trusting the test CA (a setting the admin screen only changes with
    /// the password typed again, so it is written as a fixture).
    pub fn set_up_gmail(&self, desk: &desk_app::Desk) {
        desk_delivery::admin::save_gmail(
            desk.ctx(),
            "setup",
            &desk_delivery::credentials::GmailInput {
                address: self.user.clone(),
                app_password: secrecy::SecretString::from(self.password.clone()),
                from_name: None,
                smtp_host: Some(self.host.clone()),
                smtp_port: Some(self.port),
                smtp_tls: None,
            },
        )
        .expect("gmail in the keyring");
        let mut patch = serde_json::Map::new();
        patch.insert("smtp_ca_file".into(), json!(self.ca.display().to_string()));
        desk.with_store(|s| {
            desk_core::settings::update::<desk_delivery::DeliverySettings>(s.conn(), &patch, "setup", "2026-01-01T00:00:00.000Z")
                .map(|_| ())
        })
        .expect("the test CA");
    }
}

/// One message as the server saved it.
#[derive(Debug, Clone)]
pub struct Saved {
    pub path: PathBuf,
    pub raw: Vec<u8>,
    /// The envelope recipients (the server's `X-Test-Rcpt-To` line).
    pub rcpt_to: Vec<String>,
}

/// Serialises read-modify-write of faults.json within this process.
static FAULTS_LOCK: Mutex<()> = Mutex::new(());

impl Smtp {
    /// The server from `DESK_TEST_SMTP_*` (the test fails when they are not set).
    pub fn from_env(test: &str) -> Smtp {
        let names = [
            "DESK_TEST_SMTP_HOST",
            "DESK_TEST_SMTP_PORT",
            "DESK_TEST_SMTP_USER",
            "DESK_TEST_SMTP_PASSWORD",
            "DESK_TEST_SMTP_CA",
            "DESK_TEST_SMTP_MAILDIR",
        ];
        let unset: Vec<&str> = names.iter().copied().filter(|n| env_value(n).is_none()).collect();
        if !unset.is_empty() {
            missing(test, "the test SMTP server (scripts/services/smtp-server.py)", &format!("{} not set", unset.join(", ")));
        }
        let get = |n: &str| env_value(n).unwrap_or_default();
        let port = get("DESK_TEST_SMTP_PORT");
        let Ok(port) = port.trim().parse::<u16>() else {
            panic!("{test}: DESK_TEST_SMTP_PORT is not a port number: {port:?}");
        };
        let smtp = Smtp {
            host: get("DESK_TEST_SMTP_HOST"),
            port,
            user: get("DESK_TEST_SMTP_USER"),
            password: get("DESK_TEST_SMTP_PASSWORD"),
            ca: PathBuf::from(get("DESK_TEST_SMTP_CA")),
            maildir: PathBuf::from(get("DESK_TEST_SMTP_MAILDIR")),
        };
        // Set but dead is a broken session, not a missing service: always a failure.
        assert!(smtp.ca.is_file(), "{test}: DESK_TEST_SMTP_CA={} is not a file", smtp.ca.display());
        assert!(smtp.maildir.is_dir(), "{test}: DESK_TEST_SMTP_MAILDIR={} is not a folder", smtp.maildir.display());
        let reachable = std::net::ToSocketAddrs::to_socket_addrs(&(smtp.host.as_str(), smtp.port))
            .ok()
            .and_then(|mut a| a.next())
            .is_some_and(|addr| std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(2)).is_ok());
        assert!(reachable, "{test}: nothing answers at the test SMTP server {}:{}", smtp.host, smtp.port);
        smtp
    }

    /// Every message saved so far whose envelope went to `rcpt`.
    pub fn messages_to(&self, rcpt: &str) -> Vec<Saved> {
        let mut found: Vec<(u64, Saved)> = Vec::new();
        let Ok(entries) = std::fs::read_dir(&self.maildir) else {
            return Vec::new();
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Some(n) =
                path.file_name().and_then(|f| f.to_str()).and_then(|f| f.strip_suffix(".eml")).and_then(|n| n.parse::<u64>().ok())
            else {
                continue;
            };
            let Ok(raw) = std::fs::read(&path) else {
                continue;
            };
            let rcpt_to = rcpt_header(&raw);
            if rcpt_to.iter().any(|r| r.eq_ignore_ascii_case(rcpt)) {
                found.push((n, Saved { path, raw, rcpt_to }));
            }
        }
        found.sort_by_key(|(n, _)| *n);
        found.into_iter().map(|(_, s)| s).collect()
    }

    /// Wait (up to `timeout`) until at least `count` messages to `rcpt` are saved; returns all of
    /// them (possibly fewer than `count` after the timeout).
    pub async fn wait_for(&self, rcpt: &str, count: usize, timeout: Duration) -> Vec<Saved> {
        let deadline = Instant::now() + timeout;
        loop {
            let found = self.messages_to(rcpt);
            if found.len() >= count || Instant::now() >= deadline {
                return found;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn faults_file(&self) -> PathBuf {
        self.maildir.join("faults.json")
    }

    /// The current faults.json (an empty object when there is none).
    pub fn faults(&self) -> Value {
        std::fs::read(self.faults_file()).ok().and_then(|raw| serde_json::from_slice(&raw).ok()).unwrap_or_else(|| json!({}))
    }

    /// Queue fault replies for the next DATA commands to `rcpt` (`by_rcpt` in faults.json).
    pub fn add_faults(&self, rcpt: &str, entries: &[&str]) {
        self.edit_faults(|doc| {
            let by = doc.as_object_mut().map(|o| o.entry("by_rcpt").or_insert_with(|| json!({}))).and_then(Value::as_object_mut);
            if let Some(by) = by {
                let list = by.entry(rcpt.to_owned()).or_insert_with(|| json!([]));
                if let Some(list) = list.as_array_mut() {
                    list.extend(entries.iter().map(|e| json!(e)));
                }
            }
        });
    }

    /// The faults still queued for `rcpt`.
    pub fn faults_for(&self, rcpt: &str) -> Vec<String> {
        self.faults()["by_rcpt"][rcpt]
            .as_array()
            .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
            .unwrap_or_default()
    }

    /// Drop whatever is still queued for `rcpt`.
    pub fn clear_faults(&self, rcpt: &str) {
        self.edit_faults(|doc| {
            if let Some(by) = doc.get_mut("by_rcpt").and_then(Value::as_object_mut) {
                by.remove(rcpt);
            }
        });
    }

    fn edit_faults(&self, edit: impl FnOnce(&mut Value)) {
        let _guard = FAULTS_LOCK.lock().unwrap_or_else(|p| p.into_inner());
        let mut doc = self.faults();
        if !doc.is_object() {
            doc = json!({});
        }
        edit(&mut doc);
        write_atomic(&self.faults_file(), &serde_json::to_vec_pretty(&doc).unwrap_or_default());
    }
}

/// The envelope recipients from the server's `X-Test-Rcpt-To:` line.
fn rcpt_header(raw: &[u8]) -> Vec<String> {
    let head = &raw[..raw.len().min(4096)];
    String::from_utf8_lossy(head)
        .lines()
        .take_while(|l| !l.is_empty())
        .find_map(|l| l.strip_prefix("X-Test-Rcpt-To:"))
        .map(|v| v.split(',').map(|r| r.trim().to_owned()).filter(|r| !r.is_empty()).collect())
        .unwrap_or_default()
}

fn write_atomic(path: &Path, data: &[u8]) {
    let tmp = path.with_file_name(format!(".{}.{}.tmp", path.file_name().and_then(|f| f.to_str()).unwrap_or("file"), std::process::id()));
    std::fs::write(&tmp, data).unwrap_or_else(|e| panic!("write {}: {e}", tmp.display()));
    std::fs::rename(&tmp, path).unwrap_or_else(|e| panic!("rename to {}: {e}", path.display()));
}

// ------------------------------------------------------------------------------------------
// Twilio contract (Prism)

/// The spec Prism serves: `TWILIO_OAI_SPEC`, else where start-services.sh looks for it.
pub fn twilio_spec_path() -> PathBuf {
    env_value("TWILIO_OAI_SPEC")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate::workspace_root().join("../shared/reference/twilio/twilio_api_v2010_messages.json"))
}

/// Prism's base URL (`TWILIO_CONTRACT_URL`; the test fails when it is missing).
pub fn twilio_contract_url(test: &str) -> String {
    if let Some(url) = env_value("TWILIO_CONTRACT_URL") {
        return url.trim_end_matches('/').to_owned();
    }
    let spec = twilio_spec_path();
    let why = if spec.is_file() {
        format!("TWILIO_CONTRACT_URL is not set, though the spec is at {}", spec.display())
    } else {
        format!(
            "Twilio's contract spec was not found at ../shared/reference/twilio/twilio_api_v2010_messages.json \
             (looked at {}; set TWILIO_OAI_SPEC to its path), so TWILIO_CONTRACT_URL is not set",
            spec.display()
        )
    };
    missing(test, "the Twilio contract server (Prism serving Twilio's OpenAPI)", &why)
}

// ------------------------------------------------------------------------------------------
// Secret Service

/// The session's Secret Service: a private bus with an unlocked gnome-keyring, as
/// scripts/test-session.sh starts. Returns the keyring (the test fails when there is none).
///
/// Outside a test session this refuses to run rather than write and delete the app's items in
/// the developer's own keyring: it needs `DBUS_SESSION_BUS_ADDRESS` and an `XDG_DATA_HOME` that
/// is not the usual one (test-session.sh points it at a throwaway folder).
pub fn secret_service(test: &str) -> desk_core::secrets::Keyring {
    const SERVICE: &str = "the test Secret Service (a private D-Bus bus with an unlocked gnome-keyring)";
    if env_value("DBUS_SESSION_BUS_ADDRESS").is_none() {
        missing(test, SERVICE, "DBUS_SESSION_BUS_ADDRESS is not set");
    }
    let Some(xdg) = env_value("XDG_DATA_HOME") else {
        missing(test, SERVICE, "XDG_DATA_HOME is not set, so this may be your own keyring (the tests write and delete the app's items)");
    };
    if let Some(home) = env_value("HOME") {
        if Path::new(&xdg) == Path::new(&home).join(".local/share") {
            missing(test, SERVICE, "XDG_DATA_HOME is the usual ~/.local/share, so this may be your own keyring");
        }
    }
    let keyring = desk_core::secrets::Keyring::system();
    let status = keyring.probe();
    if status.state != "ok" {
        missing(test, SERVICE, &format!("the keyring on this bus is {} ({})", status.state, status.message));
    }
    keyring
}

// ------------------------------------------------------------------------------------------
// A desk for service tests

/// A desk on a temporary folder with a manual clock and seeded randomness, on the given keyring.
pub struct ServiceDesk {
    pub desk: desk_app::Desk,
    pub clock: desk_core::clock::ManualClock,
    pub dir: tempfile::TempDir,
}

/// One outbox row, as the worker left it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxRow {
    pub status: String,
    pub channel: String,
    pub attempts: i64,
    pub last_error_code: Option<String>,
    pub last_error: Option<String>,
    pub next_attempt_at: Option<String>,
    pub provider_message_id: Option<String>,
}

impl ServiceDesk {
    pub fn open(keyring: desk_core::secrets::Keyring, seed: u64) -> ServiceDesk {
        let dir = tempfile::tempdir().expect("tempdir");
        Self::open_in(dir, keyring, seed)
    }

    /// Open on a folder made beforehand (a test that starts logging into it first).
    pub fn open_in(dir: tempfile::TempDir, keyring: desk_core::secrets::Keyring, seed: u64) -> ServiceDesk {
        let clock = desk_core::clock::ManualClock::at(time::macros::datetime!(2026-11-24 04:30 UTC));
        let desk = desk_app::Desk::open_with(
            desk_app::AppPaths::under(dir.path()),
            keyring,
            std::sync::Arc::new(clock.clone()),
            std::sync::Arc::new(desk_core::codes::SeededRandom::new(seed)),
        )
        .expect("open desk");
        ServiceDesk { desk, clock, dir }
    }

    /// Change settings as an admin would; where a test points a provider at its local server
    /// (settings the admin screen only changes with the secret typed again), they are written
    /// to the store directly, as a fixture.
    pub fn set(&self, patch: Value) {
        let (bound, rest) = split_bound(patch.as_object().expect("a JSON object"));
        if !bound.is_empty() {
            self.desk
                .with_store(|s| {
                    desk_core::settings::update::<desk_delivery::DeliverySettings>(s.conn(), &bound, "test", "2026-01-01T00:00:00.000Z")
                        .map(|_| ())
                })
                .unwrap_or_else(|e| panic!("settings {patch}: {e}"));
            self.desk.delivery().invalidate_transports();
        }
        self.desk.update_settings("admin", &rest).unwrap_or_else(|e| panic!("settings {patch}: {e}"));
    }

    /// Add a patient; returns the user id.
    pub fn add_patient(&self, name: &str, phone: Option<&str>, email: Option<&str>, language: Option<&str>) -> String {
        self.desk
            .add_person(
                "reception1",
                &desk_core::people::PersonInput {
                    display_name: name.into(),
                    entity_type: Some(desk_core::people::EntityType::Patient),
                    phone: phone.map(Into::into),
                    email: email.map(Into::into),
                    preferred_language: language.map(Into::into),
                },
            )
            .expect("add person")
            .user_id
    }

    /// The code a queued message carries (what the patient would receive).
    pub fn queued_code(&self, outbox_id: i64) -> String {
        use secrecy::ExposeSecret;
        self.desk
            .with_store(|s| desk_core::outbox::get(s.conn(), self.desk.engine().secrets(), outbox_id))
            .expect("outbox read")
            .and_then(|m| m.code)
            .map(|c| c.expose_secret().to_owned())
            .expect("the queued message carries a code")
    }

    pub fn row(&self, outbox_id: i64) -> OutboxRow {
        self.desk
            .with_store(|s| {
                Ok(s.conn().query_row(
                    "SELECT status, channel, attempts, last_error_code, last_error, next_attempt_at, provider_message_id
                     FROM outbox WHERE id = ?1",
                    [outbox_id],
                    |r| {
                        Ok(OutboxRow {
                            status: r.get(0)?,
                            channel: r.get(1)?,
                            attempts: r.get(2)?,
                            last_error_code: r.get(3)?,
                            last_error: r.get(4)?,
                            next_attempt_at: r.get(5)?,
                            provider_message_id: r.get(6)?,
                        })
                    },
                )?)
            })
            .expect("outbox row")
    }

    pub fn now(&self) -> time::OffsetDateTime {
        desk_core::clock::Clock::now(&self.clock)
    }
}

/// A patch split into the settings bound to saved secrets and the rest.
pub fn split_bound(patch: &serde_json::Map<String, Value>) -> (serde_json::Map<String, Value>, serde_json::Map<String, Value>) {
    patch.iter().map(|(k, v)| (k.clone(), v.clone())).partition(|(k, _)| desk_delivery::credentials::BOUND_TO_SECRETS.contains(&k.as_str()))
}

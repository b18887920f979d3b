//! Provider credentials in the real Secret Service (gnome-keyring on the session's private bus):
//! saved through the admin functions they are read back by the channels that use them, and
//! appear nowhere else: not in the database files, not in the log (at trace level), not in any
//! view the UI is sent. Deleted, they are gone from the keyring too. `secret-tool` (libsecret)
//! looks at the keyring from outside the app.
//!
//! The app's keyring items have fixed names, so the tests here take turns (`KEYRING`).

use std::hash::{BuildHasher, Hasher};
use std::path::{Path, PathBuf};
use std::process::Command;

use desk_app::AppPaths;
use desk_core::channel::Channel;
use desk_core::secrets::{Keyring, KEYRING_SERVICE};
use desk_delivery::admin::{self, Provider};
use desk_delivery::credentials::{self, GmailInput, TwilioInput, GMAIL_PASSWORD, TWILIO_SID, TWILIO_TOKEN};
use desk_delivery::settings::SmtpTls;
use desk_delivery::worker::{self, Providers};
use desk_tests::services::{self, ServiceDesk, Smtp};
use secrecy::{ExposeSecret, SecretString};

static KEYRING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// `n` random lowercase hex digits (fresh per call: every run has its own secrets).
fn random_hex(n: usize) -> String {
    let mut out = String::new();
    while out.len() < n {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_usize(out.len());
        out.push_str(&format!("{:016x}", h.finish()));
    }
    out.truncate(n);
    out
}

/// Sixteen random lowercase letters, the shape of a Google app password.
fn random_letters() -> String {
    random_hex(32)
        .as_bytes()
        .chunks(2)
        .map(|p| char::from(b'a' + (u8::from_str_radix(std::str::from_utf8(p).unwrap_or("0"), 16).unwrap_or(0) % 26)))
        .collect()
}

struct Secrets {
    app_password: String,
    account_sid: String,
    auth_token: String,
}

impl Secrets {
    fn all(&self) -> [(&'static str, &str); 3] {
        [("app password", &self.app_password), ("auth token", &self.auth_token), ("account SID", &self.account_sid)]
    }
}

/// Removes the app's credential items however the test ends.
struct Forget(Keyring);

impl Drop for Forget {
    fn drop(&mut self) {
        for item in [GMAIL_PASSWORD, TWILIO_SID, TWILIO_TOKEN] {
            let _ = self.0.delete(item);
        }
    }
}

fn save_both(t: &ServiceDesk, s: &Secrets, smtp: Option<&Smtp>, prism: Option<&str>) -> Vec<String> {
    let gmail = admin::save_gmail(
        t.desk.ctx(),
        "admin",
        &GmailInput {
            address: smtp.map(|m| m.user.clone()).unwrap_or_else(|| "clinic@skinspire.test".into()),
            // Pasted the way Google shows it, in groups of four: the spaces are dropped.
            app_password: SecretString::from(
                s.app_password.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join(" "),
            ),
            from_name: Some("Skinspire Clinic".into()),
            smtp_host: smtp.map(|m| m.host.clone()),
            smtp_port: smtp.map(|m| m.port),
            smtp_tls: Some(SmtpTls::Starttls),
        },
    )
    .expect("save Gmail");
    let twilio = admin::save_twilio(
        t.desk.ctx(),
        "admin",
        &TwilioInput {
            account_sid: SecretString::from(format!(" {} ", s.account_sid)),
            auth_token: SecretString::from(s.auth_token.clone()),
            whatsapp_from: Some("+14155238886".into()),
            sms_from: Some("+15005550006".into()),
            messaging_service_sid: None,
            content_sid: None,
            base_url: prism.map(str::to_owned),
        },
    )
    .expect("save Twilio");
    assert!(gmail.gmail_configured && twilio.twilio_configured && twilio.gmail_configured, "{gmail:?} {twilio:?}");
    vec![json(&gmail), json(&twilio)]
}

fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("serialize view")
}

/// Which of `secrets` occur in `haystack` (as UTF-8 text, bytes compared).
fn leaks<'a>(haystack: &[u8], secrets: &[(&'a str, &str)]) -> Vec<&'a str> {
    secrets.iter().filter(|(_, s)| !s.is_empty() && haystack.windows(s.len()).any(|w| w == s.as_bytes())).map(|(name, _)| *name).collect()
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = entry.path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out
}

fn database_files(paths: &AppPaths) -> Vec<PathBuf> {
    let base = paths.db_file.display().to_string();
    [base.clone(), format!("{base}-wal"), format!("{base}-shm"), format!("{base}-journal")]
        .into_iter()
        .map(PathBuf::from)
        .filter(|p| p.is_file())
        .collect()
}

fn assert_no_secret_in_files(files: &[PathBuf], s: &Secrets, what: &str) {
    for f in files {
        let bytes = std::fs::read(f).unwrap_or_else(|e| panic!("read {}: {e}", f.display()));
        let found = leaks(&bytes, &s.all());
        assert!(found.is_empty(), "{what}: {} contains the {}", f.display(), found.join(", "));
    }
}

#[tokio::test]
async fn credentials_live_only_in_the_secret_service_and_are_gone_after_delete() {
    const TEST: &str = "credentials_live_only_in_the_secret_service_and_are_gone_after_delete";
    let _turn = KEYRING.lock().await;
    let keyring = services::secret_service(TEST);
    // Real sends make the log show the delivery path with the secrets in use.
    let smtp = Smtp::from_env(TEST);
    let prism = services::twilio_contract_url(TEST);
    let _forget = Forget(keyring.clone());

    // The log at trace level, in the desk's own log folder. One subscriber for this binary:
    // only this test installs it.
    let dir = tempfile::tempdir().expect("tempdir");
    let paths = AppPaths::under(dir.path());
    std::fs::create_dir_all(&paths.log_dir).expect("log dir");
    std::env::set_var(desk_core::logging::LOG_ENV, "trace");
    let log_guard = desk_core::logging::init_with(&paths.log_dir, false).expect("the log file can be opened");
    tracing::info!("keyring_credentials test started");

    let t = ServiceDesk::open_in(dir, keyring.clone(), 31);
    let s = Secrets { app_password: smtp.password.clone(), account_sid: format!("AC{}", random_hex(32)), auth_token: random_hex(32) };
    let mut views = save_both(&t, &s, Some(&smtp), Some(&prism));

    // In the keyring, under the app's names, exactly as typed (less the spaces and padding).
    let read = |name: &str| keyring.get(name).expect("keyring read").map(|v| v.expose_secret().to_owned());
    assert_eq!(read(GMAIL_PASSWORD).as_deref(), Some(s.app_password.as_str()));
    assert_eq!(read(TWILIO_SID).as_deref(), Some(s.account_sid.as_str()));
    assert_eq!(read(TWILIO_TOKEN).as_deref(), Some(s.auth_token.as_str()));
    // Another connection to the Secret Service sees them too: they are not held in memory.
    let other = Keyring::system();
    assert_eq!(other.get(TWILIO_TOKEN).expect("read").map(|v| v.expose_secret().to_owned()), Some(s.auth_token.clone()));

    let view = admin::credentials_view(t.desk.ctx()).expect("view");
    assert!(view.gmail_configured && view.twilio_configured && view.keyring_problem.is_none(), "{view:?}");
    views.push(json(&view));

    // The channels read them back.
    let settings = t.desk.settings().expect("settings");
    let providers = Providers::load(&settings.core, &settings.delivery, t.desk.keyring());
    assert!(providers.for_channel(Channel::EMAIL).is_ok(), "email transport from the keyring");
    assert!(providers.for_channel(Channel::SMS).is_ok(), "Twilio client from the keyring");
    assert!(!providers.demo);
    let smtp_cfg =
        credentials::smtp_config(&settings.delivery, &settings.core.clinic_name, t.desk.keyring()).expect("read").expect("configured");
    assert_eq!(smtp_cfg.password.expose_secret(), s.app_password);
    let tw_cfg = credentials::twilio_config(&settings.delivery, t.desk.keyring()).expect("read").expect("configured");
    assert_eq!((tw_cfg.account_sid.expose_secret(), tw_cfg.auth_token.expose_secret()), (s.account_sid.as_str(), s.auth_token.as_str()));
    assert!(!format!("{smtp_cfg:?}{tw_cfg:?}").contains(&s.auth_token), "Debug output redacts");

    // Use them for real, so the log covers sending too.
    let mut updates = t.desk.delivery().subscribe();
    t.set(serde_json::json!({ "smtp_ca_file": smtp.ca.display().to_string() }));
    let rcpt = services::unique_rcpt("keyring");
    let id = t.add_patient("Ravi Teja", None, Some(&rcpt), None);
    let started = t.desk.start_verification("reception1", &id, Channel::EMAIL, true).expect("start");
    worker::tick(t.desk.ctx()).await.expect("tick");
    assert_eq!(t.row(started.outbox_id).status, "sent", "{:?}", t.row(started.outbox_id));
    assert_eq!(smtp.wait_for(&rcpt, 1, std::time::Duration::from_secs(5)).await.len(), 1);
    let test = admin::send_test(t.desk.ctx(), "admin", Provider::Gmail, &rcpt).await.expect("send_test");
    assert!(test.ok, "{test:?}");
    views.push(json(&test));
    views.push(json(&t.desk.events_for(&id).expect("events")));
    // And an SMS through Twilio's contract server.
    let id = t.add_patient("Divya Subramanian", Some("98860 77889"), None, None);
    let started = t.desk.start_verification("reception1", &id, Channel::SMS, true).expect("start");
    worker::tick(t.desk.ctx()).await.expect("tick");
    assert_eq!(t.row(started.outbox_id).status, "sent", "{:?}", t.row(started.outbox_id));
    let test = admin::send_test(t.desk.ctx(), "admin", Provider::TwilioSms, "98860 77889").await.expect("send_test");
    assert!(test.ok, "{test:?}");
    views.push(json(&test));
    views.push(json(&t.desk.events_for(&id).expect("events")));
    while let Ok(update) = updates.try_recv() {
        views.push(json(&update));
    }

    // Every view the UI gets.
    views.push(json(&admin::health(t.desk.ctx()).expect("health")));
    views.push(json(&t.desk.outbox_list(None, 100).expect("outbox")));
    views.push(json(&t.desk.settings().expect("settings")));
    views.push(json(&t.desk.status().expect("status")));
    for (i, v) in views.iter().enumerate() {
        let found = leaks(v.as_bytes(), &s.all());
        assert!(found.is_empty(), "view #{i} contains the {}: {v}", found.join(", "));
    }

    // The database files, while open and after closing (the WAL is folded back then).
    let db_files = database_files(&paths);
    assert!(db_files.len() >= 2, "the database and its WAL: {db_files:?}");
    assert_no_secret_in_files(&db_files, &s, "database (open)");

    // The log: flush it, then read every file in the log folder.
    drop(log_guard);
    let logs = files_under(&paths.log_dir);
    let log_text: String = logs.iter().map(|f| std::fs::read_to_string(f).unwrap_or_default()).collect();
    assert!(log_text.contains("keyring_credentials test started"), "the log was written to {}", paths.log_dir.display());
    assert!(log_text.contains("TRACE"), "the log is at trace level");
    assert!(log_text.contains("Gmail credentials saved to the keyring"), "saving was logged");
    assert_no_secret_in_files(&logs, &s, "log");

    // Delete both: not configured, and gone from the Secret Service.
    let after_gmail = admin::delete_credentials(t.desk.ctx(), "admin", Provider::Gmail).expect("delete Gmail");
    assert!(!after_gmail.gmail_configured && after_gmail.twilio_configured, "{after_gmail:?}");
    let after = admin::delete_credentials(t.desk.ctx(), "admin", Provider::TwilioSms).expect("delete Twilio");
    assert!(!after.gmail_configured && !after.twilio_configured, "{after:?}");
    let view = admin::credentials_view(t.desk.ctx()).expect("view");
    assert!(!view.gmail_configured && !view.twilio_configured, "{view:?}");
    for name in [GMAIL_PASSWORD, TWILIO_SID, TWILIO_TOKEN] {
        assert!(keyring.get(name).expect("read").is_none(), "{name} still in the keyring");
        assert!(Keyring::system().get(name).expect("read").is_none(), "{name} still in the keyring (new connection)");
    }
    let settings = t.desk.settings().expect("settings");
    let providers = Providers::load(&settings.core, &settings.delivery, t.desk.keyring());
    assert!(providers.for_channel(Channel::EMAIL).is_err() && providers.for_channel(Channel::SMS).is_err() && providers.demo);

    let ServiceDesk { desk, dir, .. } = t;
    drop(desk);
    assert_no_secret_in_files(&database_files(&paths), &s, "database (closed)");
    drop(dir);
}

/// One item as `secret-tool search` prints it.
#[derive(Debug)]
struct Item {
    label: String,
    secret: String,
}

/// `secret-tool search --all service <app>`: every item filed under the app's service name.
fn secret_tool_items(test: &str) -> Vec<Item> {
    let out = match Command::new("secret-tool").args(["search", "--all", "service", KEYRING_SERVICE]).output() {
        Ok(out) => out,
        Err(e) => services::missing(test, "secret-tool (libsecret-tools)", &format!("it could not be run: {e}")),
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Attributes go to stderr; every one must be the app's service.
    for line in stderr.lines().filter(|l| l.starts_with("attribute.service")) {
        assert_eq!(line.trim(), format!("attribute.service = {KEYRING_SERVICE}"));
    }
    let mut items = Vec::new();
    let mut current: Option<Item> = None;
    for line in stdout.lines() {
        if line.starts_with('[') {
            items.extend(current.take());
            current = Some(Item { label: String::new(), secret: String::new() });
        } else if let (Some(item), Some((k, v))) = (current.as_mut(), line.split_once(" = ")) {
            match k {
                "label" => item.label = v.to_owned(),
                "secret" => item.secret = v.to_owned(),
                _ => {}
            }
        }
    }
    items.extend(current);
    items
}

fn item<'a>(items: &'a [Item], name: &str) -> Option<&'a Item> {
    items.iter().find(|i| i.label == format!("keyring:{name}@{KEYRING_SERVICE}"))
}

#[tokio::test]
async fn secret_tool_finds_the_secrets_under_the_apps_service_name_until_deleted() {
    const TEST: &str = "secret_tool_finds_the_secrets_under_the_apps_service_name_until_deleted";
    let _turn = KEYRING.lock().await;
    let keyring = services::secret_service(TEST);
    let _forget = Forget(keyring.clone());
    let t = ServiceDesk::open(keyring, 32);
    let s = Secrets { app_password: random_letters(), account_sid: format!("AC{}", random_hex(32)), auth_token: random_hex(32) };

    let before = secret_tool_items(TEST);
    for name in [GMAIL_PASSWORD, TWILIO_SID, TWILIO_TOKEN] {
        assert!(item(&before, name).is_none(), "{name} present before saving: {before:?}");
    }

    save_both(&t, &s, None, None);
    let saved = secret_tool_items(TEST);
    for (name, secret) in [(GMAIL_PASSWORD, &s.app_password), (TWILIO_SID, &s.account_sid), (TWILIO_TOKEN, &s.auth_token)] {
        let found = item(&saved, name).unwrap_or_else(|| panic!("secret-tool does not find {name}: {saved:?}"));
        assert_eq!(&found.secret, secret, "{name} holds what was saved");
    }
    // The lookup libsecret users would do.
    let lookup = Command::new("secret-tool")
        .args(["lookup", "service", KEYRING_SERVICE, "username", TWILIO_TOKEN])
        .output()
        .expect("secret-tool lookup");
    assert!(lookup.status.success());
    assert_eq!(String::from_utf8_lossy(&lookup.stdout).trim_end(), s.auth_token);

    admin::delete_credentials(t.desk.ctx(), "admin", Provider::Gmail).expect("delete Gmail");
    admin::delete_credentials(t.desk.ctx(), "admin", Provider::TwilioWhatsapp).expect("delete Twilio");
    let after = secret_tool_items(TEST);
    for name in [GMAIL_PASSWORD, TWILIO_SID, TWILIO_TOKEN] {
        assert!(item(&after, name).is_none(), "{name} still in the Secret Service after delete: {after:?}");
    }
    let lookup = Command::new("secret-tool")
        .args(["lookup", "service", KEYRING_SERVICE, "username", TWILIO_TOKEN])
        .output()
        .expect("secret-tool lookup");
    assert!(!lookup.status.success() && lookup.stdout.is_empty(), "lookup after delete finds nothing");
}

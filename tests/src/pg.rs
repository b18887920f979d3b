//! The clinic's PostgreSQL 15 for the sync tests: the session's server (scripts/services,
//! `DESK_TEST_PG_*`), one database per test loaded with the clinic's schema, its quirky rows
//! and the desk's clinic-side SQL; or a private server for a test that stops and starts it.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::services::missing;

/// A name part unique to this test run, fit for an SQL identifier.
fn nonce() -> String {
    crate::services::nonce().to_lowercase().replace(|c: char| !c.is_ascii_alphanumeric(), "_")
}
use crate::workspace_root;

/// A running PostgreSQL server.
pub struct Pg {
    pub port: u16,
    pub dir: PathBuf,
    /// The CA that signed the server's certificate (PEM).
    pub ca: PathBuf,
    /// A private server, stopped and removed with this handle.
    private: Option<tempfile::TempDir>,
}

fn script() -> PathBuf {
    workspace_root().join("scripts/services/postgres.sh")
}

impl Pg {
    /// The session's server (the test fails when the session didn't start one).
    pub fn session(test: &str) -> Pg {
        let (Ok(port), Ok(dir), Ok(ca)) =
            (std::env::var("DESK_TEST_PG_PORT"), std::env::var("DESK_TEST_PG_DIR"), std::env::var("DESK_TEST_PG_CA"))
        else {
            missing(test, "PostgreSQL", "DESK_TEST_PG_PORT is not set: run the tests with `make test` (scripts/test.sh)");
        };
        Pg { port: port.parse().expect("DESK_TEST_PG_PORT"), dir: dir.into(), ca: ca.into(), private: None }
    }

    /// A server of the test's own (same certificate as the session's), for tests that stop it.
    pub fn private(test: &str) -> Pg {
        let (Ok(cert), Ok(key), Ok(ca)) =
            (std::env::var("DESK_TEST_PG_CERT"), std::env::var("DESK_TEST_PG_KEY"), std::env::var("DESK_TEST_PG_CA"))
        else {
            missing(test, "PostgreSQL", "DESK_TEST_PG_CERT is not set: run the tests with `make test` (scripts/test.sh)");
        };
        let tmp = tempfile::Builder::new().prefix("desk-pg-").tempdir_in("/tmp").expect("tempdir");
        let dir = tmp.path().to_path_buf();
        let port = crate::free_port();
        let out =
            Command::new(script()).args(["start"]).arg(&dir).arg(port.to_string()).arg(&cert).arg(&key).output().expect("run postgres.sh");
        assert!(out.status.success(), "private PostgreSQL did not start: {}{}", String::from_utf8_lossy(&out.stderr), read_log(&dir));
        Pg { port, dir, ca: ca.into(), private: Some(tmp) }
    }

    pub fn socket(&self) -> PathBuf {
        self.dir.join("sock")
    }

    /// Stop the server (`immediate`: as if the machine lost power; the WAL brings it back).
    pub fn stop(&self, mode: &str) {
        assert!(self.private.is_some(), "only a private server is stopped by a test");
        let out = Command::new(script()).arg("stop").arg(&self.dir).arg(mode).output().expect("run postgres.sh");
        assert!(out.status.success(), "pg_ctl stop: {}", String::from_utf8_lossy(&out.stderr));
    }

    pub fn restart(&self) {
        let out = Command::new(script()).arg("restart").arg(&self.dir).output().expect("run postgres.sh");
        assert!(out.status.success(), "pg_ctl start: {}{}", String::from_utf8_lossy(&out.stderr), read_log(&self.dir));
    }

    fn psql_cmd(&self, db: &str) -> Command {
        let mut c = Command::new("psql");
        c.arg("-h").arg(self.socket()).args(["-p", &self.port.to_string(), "-U", "postgres", "-d", db, "-X", "-q", "-t", "-A"]);
        c.args(["-v", "ON_ERROR_STOP=1"]);
        c
    }

    /// Run SQL as the superuser; its output (unaligned, tuples only). Panics on an error.
    pub fn sql(&self, db: &str, sql: &str) -> String {
        self.try_sql(db, sql).unwrap_or_else(|e| panic!("psql failed on {sql:?}: {e}"))
    }

    pub fn try_sql(&self, db: &str, sql: &str) -> Result<String, String> {
        let out = self.psql_cmd(db).arg("-c").arg(sql).output().expect("run psql");
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).trim().to_owned())
        }
    }

    pub fn sql_file(&self, db: &str, file: &Path) {
        let out = self.psql_cmd(db).arg("-f").arg(file).output().expect("run psql");
        assert!(out.status.success(), "psql -f {}: {}", file.display(), String::from_utf8_lossy(&out.stderr));
    }

    /// A new clinic database: the clinic's schema, its quirky rows, the desk's SQL installed.
    pub fn clinic(&self, tag: &str) -> ClinicDb {
        self.clinic_with(tag, &[fixture("quirks.sql")])
    }

    /// A clinic with other rows (a benchmark's, a test's own).
    pub fn clinic_with(&self, tag: &str, fixtures: &[PathBuf]) -> ClinicDb {
        let db = format!("clinic_{}_{}", tag.to_lowercase().replace(|c: char| !c.is_ascii_alphanumeric(), "_"), nonce().to_lowercase());
        self.sql("postgres", &format!("CREATE DATABASE {db}"));
        self.sql_file(&db, &reference("hms-schema.sql"));
        for f in fixtures {
            self.sql_file(&db, f);
        }
        self.sql_file(&db, &install_sql());
        ClinicDb { db, port: self.port, ca: self.ca.clone(), socket: self.socket() }
    }
}

impl Drop for Pg {
    fn drop(&mut self) {
        if self.private.is_some() {
            let _ = Command::new(script()).arg("stop").arg(&self.dir).arg("immediate").output();
        }
    }
}

impl Pg {
    /// The server's log so far (what it refused, with its words).
    pub fn log(&self) -> String {
        read_log(&self.dir)
    }
}

fn read_log(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("server.log")).unwrap_or_default()
}

/// The clinic's own reference files (`../shared/reference`), or `tests/fixtures/hms` copies.
pub fn reference(name: &str) -> PathBuf {
    let shared = workspace_root().join("../shared/reference").join(name);
    if shared.exists() {
        return shared;
    }
    fixture(name)
}

pub fn fixture(name: &str) -> PathBuf {
    workspace_root().join("tests/fixtures/hms").join(name)
}

pub fn install_sql() -> PathBuf {
    workspace_root().join("migrations/hms/install.sql")
}

/// One clinic database on a server.
#[derive(Debug, Clone)]
pub struct ClinicDb {
    pub db: String,
    pub port: u16,
    pub ca: PathBuf,
    socket: PathBuf,
}

/// Hospital H1 of the fixture (`tests/fixtures/hms/quirks.sql`).
pub const H1: &str = "11111111-1111-1111-1111-111111111111";
pub const H2: &str = "22222222-2222-2222-2222-222222222222";

impl ClinicDb {
    fn psql(&self, sql: &str) -> Result<String, String> {
        let out = Command::new("psql")
            .arg("-h")
            .arg(&self.socket)
            .args([
                "-p",
                &self.port.to_string(),
                "-U",
                "postgres",
                "-d",
                &self.db,
                "-X",
                "-q",
                "-t",
                "-A",
                "-v",
                "ON_ERROR_STOP=1",
                "-c",
                sql,
            ])
            .output()
            .expect("run psql");
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).trim().to_owned())
        }
    }

    /// SQL as the clinic's superuser (the DBA, or the clinic's own app).
    pub fn sql(&self, sql: &str) -> String {
        self.psql(sql).unwrap_or_else(|e| panic!("psql failed on {sql:?}: {e}"))
    }

    pub fn try_sql(&self, sql: &str) -> Result<String, String> {
        self.psql(sql)
    }

    /// `n` more patients of `hospital`, with their users rows, as the clinic's own app writes
    /// them (`verification_status` `{}`). Patient `g` (1 to `n`) is [`seeded_patient`]`(g)`, named
    /// `{first_name} Patient{g}`.
    pub fn seed_patients(&self, hospital: &str, first_name: &str, n: usize) {
        let mail = first_name.to_lowercase();
        self.sql(&format!(
            "INSERT INTO patients (patient_id, hospital_id, personal_info, contact_info, is_active, created_at, updated_at)
             SELECT ('a9000000-0000-4000-8000-' || lpad(g::text, 12, '0'))::uuid, '{hospital}',
                    jsonb_build_object('first_name', '{first_name}', 'last_name', 'Patient' || g),
                    jsonb_build_object('phone', '+9170' || lpad(g::text, 8, '0'), 'email', '{mail}' || g || '@example.com'),
                    true, now(), now()
             FROM generate_series(1, {n}) g;
             INSERT INTO users (user_id, hospital_id, entity_type, entity_id, is_active, created_at, updated_at, verification_status)
             SELECT '+9170' || lpad(g::text, 8, '0'), '{hospital}', 'patient', ('a9000000-0000-4000-8000-' || lpad(g::text, 12, '0'))::uuid,
                    true, now(), now(), '{{}}'
             FROM generate_series(1, {n}) g;"
        ));
    }

    /// Enroll a desk (the DBA's command): its role name and password, shown once.
    pub fn enroll(&self, name: &str, hospital: &str) -> (String, String) {
        let unique = format!("{name}_{}", nonce().to_lowercase());
        let out = self.sql(&format!("SELECT role_name || '|' || password FROM desk_sync.enroll('{unique}', '{hospital}')"));
        let (role, password) = out.split_once('|').expect("role|password");
        (role.to_owned(), password.to_owned())
    }

    /// `users.verification_status` of one person, as the clinic's Flask code reads it.
    pub fn status_of(&self, user_id: &str) -> serde_json::Value {
        let raw = self.sql(&format!("SELECT coalesce(verification_status::text, 'null') FROM users WHERE user_id = '{user_id}'"));
        serde_json::from_str(&raw).unwrap_or(serde_json::Value::Null)
    }

    /// Connect as a desk role over TLS (for the privilege tests).
    pub async fn connect_as(&self, role: &str, password: &str) -> tokio_postgres::Client {
        let target = desk_sync::client::Target {
            host: "127.0.0.1".into(),
            port: self.port,
            database: self.db.clone(),
            role: role.into(),
            password: password.to_owned().into(),
            ca_file: self.ca.display().to_string(),
            timeout: desk_sync::client::CALL_TIMEOUT,
        };
        let clinic = desk_sync::client::connect(&target).await.expect("connect as the desk role");
        clinic.into_client()
    }
}

/// The user id (also the phone) and email of patient `g` of [`ClinicDb::seed_patients`] with
/// that first name.
pub fn seeded_patient(first_name: &str, g: usize) -> (String, String) {
    (format!("+9170{g:08}"), format!("{}{g}@example.com", first_name.to_lowercase()))
}

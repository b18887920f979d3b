//! One connection to the clinic's database as this desk's role: TLS checked, every call bounded
//! in time (a server that stops answering must not hang sync), and the two small calls of the
//! desk's own bookkeeping: the clock offset and `hello`.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use time::OffsetDateTime;
use tokio_postgres::config::SslMode;

use crate::errors::SyncError;
use crate::settings::SyncSettings;
use crate::tls;

/// How long a connection attempt or one call may take before the server counts as unreachable.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(20);

/// Where to connect, with the password from the keyring.
#[derive(Clone)]
pub struct Target {
    pub host: String,
    pub port: u16,
    pub database: String,
    pub role: String,
    pub password: SecretString,
    pub ca_file: String,
    /// How long the server may take to answer one call.
    pub timeout: Duration,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target").field("host", &self.host).field("port", &self.port).field("role", &self.role).finish_non_exhaustive()
    }
}

impl Target {
    pub fn from_settings(s: &SyncSettings, password: SecretString) -> Result<Self, SyncError> {
        if !s.configured() {
            return Err(SyncError::NotConfigured);
        }
        Ok(Target {
            host: s.clinic_host.trim().to_owned(),
            port: s.clinic_port,
            database: s.clinic_database.trim().to_owned(),
            role: s.clinic_role.trim().to_owned(),
            password,
            ca_file: s.clinic_ca_file.trim().to_owned(),
            timeout: CALL_TIMEOUT,
        })
    }
}

/// A call that must answer within `limit`.
pub async fn bounded<T>(
    limit: Duration,
    what: &str,
    f: impl std::future::Future<Output = Result<T, tokio_postgres::Error>>,
) -> Result<T, SyncError> {
    match tokio::time::timeout(limit, f).await {
        Ok(r) => r.map_err(SyncError::from_pg),
        Err(_) => Err(SyncError::Unreachable(format!("no answer to {what} within {} s", limit.as_secs_f32()))),
    }
}

/// Clocks this close (beyond half the round trip) count as in step: NTP keeps desks closer.
pub const IN_STEP_MS: i64 = 100;

/// An open connection to the clinic.
pub struct Clinic {
    pub client: tokio_postgres::Client,
    /// The bound on each call (the target's).
    pub timeout: Duration,
    task: ConnectionTask,
}

/// The connection's task, stopped with the connection (a server that stopped answering would
/// otherwise keep it waiting until TCP gives up).
struct ConnectionTask(Option<tokio::task::JoinHandle<()>>);

impl ConnectionTask {
    fn detach(mut self) {
        self.0.take();
    }
}

impl Drop for ConnectionTask {
    fn drop(&mut self) {
        if let Some(t) = self.0.take() {
            t.abort();
        }
    }
}

/// What `hello` answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hello {
    pub hospital_id: String,
    pub acked_seq: i64,
    pub chain_hash: Option<String>,
    pub forked: bool,
}

#[tracing::instrument(skip_all, fields(host = %t.host, port = t.port, role = %t.role))]
pub async fn connect(t: &Target) -> Result<Clinic, SyncError> {
    let tls = tokio_postgres_rustls::MakeRustlsConnect::new(tls::client_config(&t.ca_file)?);
    let mut config = tokio_postgres::Config::new();
    config
        .host(&t.host)
        .port(t.port)
        .dbname(&t.database)
        .user(&t.role)
        .password(t.password.expose_secret())
        .application_name("skinspire-verify-desk")
        .ssl_mode(SslMode::Require)
        .connect_timeout(t.timeout)
        .keepalives_idle(Duration::from_secs(30));
    let (client, connection) = bounded(t.timeout, "the connection", config.connect(tls)).await?;
    let task = tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::debug!(error = %e, "clinic connection ended");
        }
    });
    Ok(Clinic { client, timeout: t.timeout, task: ConnectionTask(Some(task)) })
}

impl Clinic {
    /// The connection as a plain client (tests that run their own SQL as the desk role).
    pub fn into_client(self) -> tokio_postgres::Client {
        let Clinic { client, task, .. } = self;
        // The connection task keeps running; it ends when the client is dropped.
        task.detach();
        client
    }

    /// The server's clock minus this desk's, in milliseconds, measured around one round trip.
    pub async fn clock_offset_ms(&self, now: impl Fn() -> OffsetDateTime) -> Result<i64, SyncError> {
        let before = now();
        let row = bounded(
            self.timeout,
            "the clock check",
            self.client.query_one("SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint", &[]),
        )
        .await?;
        let after = now();
        let server_ms: i64 = row.get(0);
        let mid: OffsetDateTime = before + (after - before) / 2;
        let desk_ms = (mid.unix_timestamp_nanos() / 1_000_000) as i64;
        let offset = server_ms - desk_ms;
        // Within what one round trip can tell apart, the clocks agree: recording the noise
        // would reorder events made moments apart on two desks whose clocks are in step.
        let uncertainty = (after - before).whole_milliseconds() as i64 / 2 + IN_STEP_MS;
        Ok(if offset.abs() <= uncertainty { 0 } else { offset })
    }

    /// Register (or find) this device under the desk's role; record last seen and the offset.
    pub async fn hello(&self, device_id: &str, offset_ms: i64) -> Result<Hello, SyncError> {
        let row = bounded(
            self.timeout,
            "hello",
            self.client.query_one(
                "SELECT hospital_id::text, acked_seq, chain_hash, forked FROM desk_sync.hello($1, $2)",
                &[&device_id, &offset_ms],
            ),
        )
        .await?;
        Ok(Hello { hospital_id: row.get(0), acked_seq: row.get(1), chain_hash: row.get(2), forked: row.get(3) })
    }
}

//! Benchmark for issue #4: how much the delivery pipeline costs on top of the bare clients, on
//! real connections to the local test services (scripts/services/start-services.sh):
//! 1. N emails through the core (`Desk::start_verification` + `worker::tick`) to the test SMTP
//!    server (STARTTLS + AUTH), vs a bare lettre loop sending messages of the same size with the
//!    same transport settings (one pool, same TLS and auth);
//! 2. N SMS through the core to Prism serving Twilio's contract, vs a bare reqwest loop posting
//!    the same form.
//!
//! Each pipeline figure is taken two ways: one tick per message (how the desk runs at reception:
//! every start wakes the worker) and a burst (N queued, then drained by ticks of up to 50).
//!
//! Run: `scripts/bench.sh` (starts the services, writes docs/benchmarks.md). Without the services
//! (`DESK_TEST_SMTP_*`, `TWILIO_CONTRACT_URL`) it says so and measures nothing.
#![allow(clippy::print_stderr, clippy::print_stdout)]

use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

use desk_app::{AppPaths, Desk};
use desk_core::channel::Channel;
use desk_core::clock::ManualClock;
use desk_core::codes::SeededRandom;
use desk_core::people::{EntityType, PersonInput};
use desk_core::secrets::Keyring;
use desk_core::templates;
use desk_delivery::admin;
use desk_delivery::credentials::{GmailInput, TwilioInput};
use desk_delivery::settings::SmtpTls;
use desk_delivery::worker;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::SecretString;
use time::macros::datetime;
use time::Duration;

const N: usize = 200;
const ACTORS: [&str; 4] = ["r1", "r2", "r3", "r4"];
const SID: &str = "AC0123456789abcdef0123456789abcdef";
const TOKEN: &str = "f0e1d2c3b4a5968778695a4b3c2d1e0f";
const SMS_FROM: &str = "+15005550006";
const FROM_NAME: &str = "Skinspire Clinic";

struct Services {
    smtp_host: String,
    smtp_port: u16,
    smtp_user: String,
    smtp_password: String,
    smtp_ca: String,
    prism: String,
}

fn services() -> Option<Services> {
    let get = |n: &str| std::env::var(n).ok().filter(|v| !v.is_empty());
    let names = [
        "DESK_TEST_SMTP_HOST",
        "DESK_TEST_SMTP_PORT",
        "DESK_TEST_SMTP_USER",
        "DESK_TEST_SMTP_PASSWORD",
        "DESK_TEST_SMTP_CA",
        "TWILIO_CONTRACT_URL",
    ];
    let unset: Vec<_> = names.iter().filter(|n| get(n).is_none()).collect();
    if !unset.is_empty() {
        eprintln!(
            "send_pipeline: not measured: the test services are not running ({unset:?} not set). \
             Run scripts/bench.sh, which starts the SMTP server and Prism."
        );
        return None;
    }
    Some(Services {
        smtp_host: get("DESK_TEST_SMTP_HOST")?,
        smtp_port: get("DESK_TEST_SMTP_PORT")?.parse().expect("DESK_TEST_SMTP_PORT is a port"),
        smtp_user: get("DESK_TEST_SMTP_USER")?,
        smtp_password: get("DESK_TEST_SMTP_PASSWORD")?,
        smtp_ca: get("DESK_TEST_SMTP_CA")?,
        prism: get("TWILIO_CONTRACT_URL")?.trim_end_matches('/').to_owned(),
    })
}

/// The real Secret Service when bench.sh says its private one is up; else an in-memory store.
fn keyring() -> (Keyring, &'static str) {
    if std::env::var("DESK_BENCH_KEYRING").is_ok_and(|v| v == "system") {
        let k = Keyring::system();
        let probe = k.probe();
        assert_eq!(probe.state, "ok", "DESK_BENCH_KEYRING=system but the Secret Service is {}: {}", probe.state, probe.message);
        (k, "the Secret Service (gnome-keyring on a private D-Bus bus)")
    } else {
        (Keyring::with_store(keyring_core::mock::Store::new().expect("mock"), "mock"), "an in-memory keyring (keyring-core's mock)")
    }
}

struct Bench {
    desk: Desk,
    clock: ManualClock,
    people: Vec<String>,
    _dir: tempfile::TempDir,
}

/// A fresh desk with the caps raised, and N distinct people (set up outside the timing).
fn bench_desk(keyring: &Keyring, tag: &str, channel: Channel) -> Bench {
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = ManualClock::at(datetime!(2026-11-24 04:30 UTC));
    let desk = Desk::open_with(AppPaths::under(dir.path()), keyring.clone(), Arc::new(clock.clone()), Arc::new(SeededRandom::new(4)))
        .expect("open desk");
    let caps = serde_json::json!({"max_sends_per_desk_per_hour": 2000, "max_sends_per_staff_per_hour": 1000,
        "max_sends_per_day": 10000, "gmail_daily_limit": 10000});
    desk.update_settings("admin", caps.as_object().expect("object")).expect("settings");
    let people = (0..N)
        .map(|i| {
            let input = PersonInput {
                display_name: format!("Bench Patient {i:03}"),
                entity_type: Some(EntityType::Patient),
                phone: (channel != Channel::EMAIL).then(|| format!("+9198{:08}", 40_000_000 + i)),
                email: (channel == Channel::EMAIL).then(|| format!("bench-{tag}-{i:03}@patients.skinspire.test")),
                preferred_language: Some("en".into()),
            };
            desk.add_person("admin", &input).expect("add person").user_id
        })
        .collect();
    Bench { desk, clock, people, _dir: dir }
}

fn configure_gmail(desk: &Desk, s: &Services) {
    admin::save_gmail(
        desk.ctx(),
        "admin",
        &GmailInput {
            address: s.smtp_user.clone(),
            app_password: SecretString::from(s.smtp_password.clone()),
            from_name: Some(FROM_NAME.into()),
            smtp_host: Some(s.smtp_host.clone()),
            smtp_port: Some(s.smtp_port),
            smtp_tls: Some(SmtpTls::Starttls),
        },
    )
    .expect("save Gmail");
    // The test CA goes with the credentials' settings: written to the store as a fixture (the
    // admin screen changes it only with the password typed again).
    let ca = serde_json::json!({ "smtp_ca_file": s.smtp_ca });
    desk.with_store(|st| {
        desk_core::settings::update::<desk_delivery::DeliverySettings>(
            st.conn(),
            ca.as_object().expect("object"),
            "admin",
            "2026-01-01T00:00:00.000Z",
        )
        .map(|_| ())
    })
    .expect("settings");
    desk.delivery().invalidate_transports();
}

fn configure_twilio(desk: &Desk, s: &Services) {
    admin::save_twilio(
        desk.ctx(),
        "admin",
        &TwilioInput {
            account_sid: SecretString::from(SID),
            auth_token: SecretString::from(TOKEN),
            whatsapp_from: None,
            sms_from: Some(SMS_FROM.into()),
            messaging_service_sid: None,
            content_sid: None,
            base_url: Some(s.prism.clone()),
        },
    )
    .expect("save Twilio");
}

fn sent_count(desk: &Desk) -> i64 {
    desk.with_store(|s| Ok(s.conn().query_row("SELECT count(*) FROM outbox WHERE status = 'sent'", [], |r| r.get(0))?)).expect("count")
}

fn failures(desk: &Desk) -> Vec<(String, Option<String>)> {
    desk.with_store(|s| {
        let mut st = s.conn().prepare("SELECT status, last_error_code FROM outbox WHERE status != 'sent' LIMIT 5")?;
        let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    })
    .expect("failures")
}

/// One tick per message: start, tick, next.
async fn pipeline_per_message(b: &Bench, channel: Channel) -> StdDuration {
    let t0 = Instant::now();
    for (i, id) in b.people.iter().enumerate() {
        b.desk.start_verification(ACTORS[i % ACTORS.len()], id, channel, true).expect("start");
        worker::tick(b.desk.ctx()).await.expect("tick");
        // Timestamps move on (10 ms a send: no Twilio poll falls due within the run).
        b.clock.advance(Duration::milliseconds(10));
    }
    let took = t0.elapsed();
    assert_eq!(sent_count(&b.desk), N as i64, "every message sent: {:?}", failures(&b.desk));
    took
}

/// A burst: N started, then ticks until nothing is queued.
async fn pipeline_burst(b: &Bench, channel: Channel) -> StdDuration {
    let t0 = Instant::now();
    for (i, id) in b.people.iter().enumerate() {
        b.desk.start_verification(ACTORS[i % ACTORS.len()], id, channel, true).expect("start");
        b.clock.advance(Duration::milliseconds(10));
    }
    for _ in 0..(N / 50 + 2) {
        worker::tick(b.desk.ctx()).await.expect("tick");
    }
    let took = t0.elapsed();
    assert_eq!(sent_count(&b.desk), N as i64, "every message sent: {:?}", failures(&b.desk));
    took
}

/// The email the pipeline sends, rendered the same way (same template, language, lengths).
fn sample_email(desk: &Desk) -> templates::Rendered {
    desk.with_store(|s| {
        templates::render(
            s.conn(),
            Channel::EMAIL,
            "en",
            &templates::Vars { code: "493817", clinic_name: "Skinspire Clinic", person_name: "Bench Patient 000", expiry_minutes: 10 },
        )
    })
    .expect("render")
}

fn sample_sms(desk: &Desk) -> String {
    desk.with_store(|s| {
        templates::render(
            s.conn(),
            Channel::SMS,
            "en",
            &templates::Vars { code: "493817", clinic_name: "Skinspire Clinic", person_name: "Bench Patient 000", expiry_minutes: 10 },
        )
    })
    .expect("render")
    .text
}

/// Bare lettre: one transport (one pool) with the pipeline's settings, N messages.
async fn bare_lettre(s: &Services, email: &templates::Rendered) -> StdDuration {
    let pem = std::fs::read(&s.smtp_ca).expect("CA file");
    let params =
        TlsParameters::builder(s.smtp_host.clone()).add_root_certificate(Certificate::from_pem(&pem).expect("CA")).build().expect("tls");
    let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(s.smtp_host.as_str())
        .port(s.smtp_port)
        .tls(Tls::Required(params))
        .credentials(Credentials::new(s.smtp_user.clone(), s.smtp_password.clone()))
        .timeout(Some(StdDuration::from_secs(30)))
        .build();
    let from: Mailbox = format!("{FROM_NAME} <{}>", s.smtp_user).parse().expect("from");
    let t0 = Instant::now();
    for i in 0..N {
        let message = Message::builder()
            .from(from.clone())
            .to(format!("bench-bare-{i:03}@patients.skinspire.test").parse().expect("to"))
            .subject(email.subject.as_deref().unwrap_or(""))
            .message_id(Some(format!("<00000000-0000-4000-8000-{i:012}@verify-desk.skinspire>")))
            .raw_header(HeaderValue::new(HeaderName::new_from_ascii_str("Auto-Submitted"), "auto-generated".into()))
            .raw_header(HeaderValue::new(HeaderName::new_from_ascii_str("Content-Language"), "en".into()))
            .multipart(
                MultiPart::alternative()
                    .singlepart(SinglePart::builder().header(ContentType::TEXT_PLAIN).body(email.text.clone()))
                    .singlepart(SinglePart::builder().header(ContentType::TEXT_HTML).body(email.html.clone().unwrap_or_default())),
            )
            .expect("message");
        let reply = transport.send(message).await.expect("the server accepts");
        assert!(reply.is_positive());
    }
    t0.elapsed()
}

/// Bare reqwest: one client, the same form the pipeline posts, N creates.
async fn bare_reqwest(s: &Services, body: &str) -> StdDuration {
    let http = reqwest::Client::builder().timeout(StdDuration::from_secs(20)).build().expect("client");
    let url = format!("{}/2010-04-01/Accounts/{SID}/Messages.json", s.prism);
    let t0 = Instant::now();
    for i in 0..N {
        let form = [
            ("To", format!("+9198{:08}", 40_000_000 + i)),
            ("From", SMS_FROM.to_owned()),
            ("Body", body.to_owned()),
            ("ValidityPeriod", "600".to_owned()),
        ];
        let response = http.post(&url).basic_auth(SID, Some(TOKEN)).form(&form).send().await.expect("Prism answers");
        assert_eq!(response.status().as_u16(), 201, "Prism accepted the create");
        let _ = response.bytes().await.expect("body");
    }
    t0.elapsed()
}

fn per_s(d: StdDuration) -> f64 {
    N as f64 / d.as_secs_f64()
}

fn ms_each(d: StdDuration) -> f64 {
    d.as_secs_f64() * 1_000.0 / N as f64
}

fn main() {
    let Some(s) = services() else { return };
    let (keyring, keyring_name) = keyring();
    let system = keyring_name.starts_with("the Secret Service");
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    rt.block_on(async {
        // Email. Baselines first and last would be fairer still; one each keeps the run short.
        let a = bench_desk(&keyring, "tick", Channel::EMAIL);
        configure_gmail(&a.desk, &s);
        let email = sample_email(&a.desk);
        let bare_email = bare_lettre(&s, &email).await;
        let email_tick = pipeline_per_message(&a, Channel::EMAIL).await;
        drop(a);
        let b = bench_desk(&keyring, "burst", Channel::EMAIL);
        configure_gmail(&b.desk, &s);
        let email_burst = pipeline_burst(&b, Channel::EMAIL).await;
        drop(b);

        // SMS through Twilio's contract.
        let c = bench_desk(&keyring, "tick", Channel::SMS);
        configure_twilio(&c.desk, &s);
        let sms = sample_sms(&c.desk);
        let bare_sms = bare_reqwest(&s, &sms).await;
        let sms_tick = pipeline_per_message(&c, Channel::SMS).await;
        drop(c);
        let d = bench_desk(&keyring, "burst", Channel::SMS);
        configure_twilio(&d.desk, &s);
        let sms_burst = pipeline_burst(&d, Channel::SMS).await;
        drop(d);
        // What the keyring costs per tick: the same run with the credentials in memory.
        let sms_tick_mock = if system {
            let mock = Keyring::with_store(keyring_core::mock::Store::new().expect("mock"), "mock");
            let e = bench_desk(&mock, "tick-mock", Channel::SMS);
            configure_twilio(&e.desk, &s);
            Some(pipeline_per_message(&e, Channel::SMS).await)
        } else {
            None
        };
        for item in
            [desk_delivery::credentials::GMAIL_PASSWORD, desk_delivery::credentials::TWILIO_SID, desk_delivery::credentials::TWILIO_TOKEN]
        {
            let _ = keyring.delete(item);
        }

        let cpu = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|c| c.lines().find(|l| l.starts_with("model name")).map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned()))
            .unwrap_or_else(|| "unknown CPU".into());
        let row = |name: &str, core: StdDuration, bare: StdDuration| {
            format!(
                "| {name} | {:.0} /s ({:.1} ms) | {:.0} /s ({:.1} ms) | {:.2} |\n",
                per_s(core),
                ms_each(core),
                per_s(bare),
                ms_each(bare),
                per_s(core) / per_s(bare)
            )
        };
        let report = format!(
            "## Send pipeline (issue #4)\n\n\
             Measured on {cpu}, {cores} cores, {build} build, against the local test services \
             (scripts/services/start-services.sh) on loopback: the test SMTP server (Python aiosmtpd, \
             STARTTLS + AUTH, a private CA) and Prism serving Twilio's OpenAPI for Messages. Credentials \
             in {keyring_name}. Each pipeline run and its baseline ran in the same process, one after \
             the other; {N} messages each.\n\n\
             | figure | core pipeline (per message) | bare client baseline (per message) | ratio |\n\
             |---|---|---|---|\n\
             {}{}{}{}{}\n\
             - **Core pipeline:** `Desk::start_verification` then `worker::tick`: rate limits, code, \
             sealed outbox row, claim (`sending` committed before the network), credentials from the \
             keyring, template rendering, the send, the result and its event. People are distinct and \
             the caps raised, so no limit trips; the manual clock moves 10 ms a send.\n\
             - **One tick per message** is how the desk runs at reception (every start wakes the worker). \
             The providers (SMTP pool, HTTP client, credentials read from the keyring) are built once \
             and reused until settings or credentials change, so connections stay open between sends.\n\
             - **Burst:** {N} started, then drained by ticks of up to 50 sends.\n\
             - **Bare baselines:** one lettre transport (one pool, the same TLS and auth) sending \
             messages built from the same rendered template; one reqwest client posting the same form \
             (To, From, Body, ValidityPeriod) with Basic auth. Neither touches SQLite or the keyring.\n\
             - **Email is bound by the client's writes, on both sides:** lettre writes the message and \
             the closing `.` as two separate writes on a socket without `TCP_NODELAY`, so each message \
             waits for the server's delayed ACK (about 40 ms on Linux loopback). Checked with a Python \
             client on the same server: 44 ms a message with the two writes, 0.7 ms with one write or \
             with `TCP_NODELAY`. The email ratios therefore say little about the \
             desk's own cost: the difference in time per message does (the new connection, STARTTLS, \
             AUTH and keyring reads of a tick that sends one message).\n",
            row("email, one tick per message", email_tick, bare_email),
            row("email, burst", email_burst, bare_email),
            row("SMS (Twilio contract), one tick per message", sms_tick, bare_sms),
            row("SMS (Twilio contract), burst", sms_burst, bare_sms),
            sms_tick_mock
                .map(|t| row("SMS (Twilio contract), one tick per message, credentials in memory", t, bare_sms))
                .unwrap_or_default(),
            build = if cfg!(debug_assertions) { "debug" } else { "release" },
            cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        );
        print!("{report}");
        if let Some(path) = std::env::var_os("DESK_BENCH_OUT") {
            std::fs::write(&path, &report).expect("write report");
        }
    });
}

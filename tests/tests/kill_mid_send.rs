//! Kill the real app (SIGKILL) while it is in the middle of sending, start it again, and count
//! what the provider received: nothing twice, nothing lost.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use desk_app::{AppPaths, Desk};
use desk_core::channel::Channel;
use desk_core::people::PersonInput;
use desk_core::secrets::Keyring;
use desk_delivery::admin;
use desk_delivery::credentials::TwilioInput;
use secrecy::SecretString;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

fn launch(data: &std::path::Path, log: &std::path::Path) -> Child {
    Command::new(desk_tests::app::app_binary())
        .env("SKINSPIRE_DESK_DATA_DIR", data)
        .env("SKINSPIRE_DESK_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::from(std::fs::File::create(log).expect("log file")))
        .spawn()
        .expect("start the app")
}

fn statuses(db: &std::path::Path) -> Vec<(String, String)> {
    let conn = rusqlite::Connection::open(db).expect("open db");
    let mut stmt = conn.prepare("SELECT target, status FROM outbox ORDER BY id").expect("prepare");
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).expect("query").collect::<Result<_, _>>().expect("rows")
}

fn targets_of(requests: &[wiremock::Request]) -> Vec<String> {
    requests
        .iter()
        .filter(|r| r.method == wiremock::http::Method::POST)
        .filter_map(|r| url_form(&String::from_utf8_lossy(&r.body)).into_iter().find(|(k, _)| k == "To").map(|(_, v)| v))
        .collect()
}

fn url_form(body: &str) -> Vec<(String, String)> {
    body.split('&').filter_map(|kv| kv.split_once('=')).map(|(k, v)| (k.to_owned(), v.replace("%2B", "+").replace("%3A", ":"))).collect()
}

async fn wait_for(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn killing_the_app_mid_send_neither_loses_nor_repeats_a_message() {
    let _one_app = desk_tests::app::exclusive().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let db = data.join("desk.sqlite3");

    // The provider hangs on the first message: the app will be killed while waiting for it.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(serde_json::json!({"sid": "SMslow", "status": "queued"}))
                .set_delay(Duration::from_secs(60)),
        )
        .mount(&server)
        .await;

    // Three codes queued, as reception would leave them, with Twilio set up in the real keyring.
    let targets = {
        let desk = Desk::open(AppPaths::under(&data), Keyring::system()).expect("open desk");
        admin::save_twilio(
            desk.ctx(),
            "admin",
            &TwilioInput {
                account_sid: SecretString::from("AC0123456789abcdef0123456789abcdef"),
                auth_token: SecretString::from("0123456789abcdef0123456789abcdef"),
                whatsapp_from: None,
                sms_from: Some("+15005550006".into()),
                messaging_service_sid: None,
                content_sid: None,
                base_url: Some(server.uri()),
            },
        )
        .expect("twilio credentials in the keyring");
        let mut targets = Vec::new();
        for (i, phone) in ["98450 11001", "98450 11002", "98450 11003"].iter().enumerate() {
            let person = desk
                .add_person(
                    "reception",
                    &PersonInput { display_name: format!("Patient {i}"), phone: Some((*phone).into()), ..Default::default() },
                )
                .expect("add");
            desk.start_verification("reception", &person.user_id, Channel::SMS, true).expect("queue");
            targets.push(person.phone.expect("phone"));
        }
        targets
    };

    // First run: the worker takes the first message and hangs on the provider; kill it there.
    let mut app = launch(&data, &dir.path().join("run1.log"));
    let started = Instant::now();
    loop {
        let got = server.received_requests().await.unwrap_or_default();
        if !got.is_empty() {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "the app never started sending");
        if let Ok(Some(status)) = app.try_wait() {
            panic!("the app exited early ({status}): {}", std::fs::read_to_string(dir.path().join("run1.log")).unwrap_or_default());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    app.kill().expect("SIGKILL");
    app.wait().expect("reaped");
    let first_run = targets_of(&server.received_requests().await.unwrap_or_default());
    assert_eq!(first_run, vec![targets[0].clone()], "only the first message was in flight");
    assert_eq!(
        statuses(&db).iter().map(|(_, s)| s.as_str()).collect::<Vec<_>>(),
        ["sending", "queued", "queued"],
        "killed mid-send: one claimed, two waiting"
    );

    // Second run, provider healthy: the waiting two go; the interrupted one is not repeated.
    server.reset().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201).set_body_json(serde_json::json!({"sid": "SMok", "status": "queued"})))
        .mount(&server)
        .await;
    let mut app = launch(&data, &dir.path().join("run2.log"));
    wait_for("the two waiting messages to be sent", Duration::from_secs(30), || {
        statuses(&db).iter().filter(|(_, s)| s == "sent").count() == 2
    })
    .await;
    // Give a wrongly repeated send the chance to happen before counting.
    tokio::time::sleep(Duration::from_secs(2)).await;
    app.kill().expect("stop");
    app.wait().expect("reaped");

    let second_run = targets_of(&server.received_requests().await.unwrap_or_default());
    let mut second_sorted = second_run.clone();
    second_sorted.sort();
    assert_eq!(second_sorted, vec![targets[1].clone(), targets[2].clone()], "each waiting message exactly once");
    let st = statuses(&db);
    assert_eq!(st[0].1, "unknown", "the interrupted send is marked unknown, not resent: {st:?}");

    // Leave the keyring as we found it.
    let desk = Desk::open(AppPaths::under(&data), Keyring::system()).expect("reopen");
    admin::delete_credentials(desk.ctx(), "admin", admin::Provider::TwilioSms).expect("delete");
}

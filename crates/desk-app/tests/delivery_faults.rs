//! Scripted Twilio faults (wiremock) through the real outbox worker: every error code the
//! delivery issue lists, proving retry, fallback and stop each behave as specified.

mod common;

use desk_core::channel::Channel;
use desk_core::contact::CodeType;
use desk_core::secrets::Keyring;
use desk_delivery::worker;
use secrecy::SecretString;
use serde_json::{json, Value};
use time::Duration;
use wiremock::matchers::{body_string_contains, method, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SID: &str = "AC0123456789abcdef0123456789abcdef";

async fn twilio_desk(server: &MockServer, content_sid: Option<&str>) -> common::TestDesk {
    let t = common::desk();
    let k: &Keyring = &t.keyring;
    k.set("twilio-account-sid", &SecretString::from(SID)).expect("sid");
    k.set("twilio-auth-token", &SecretString::from("0123456789abcdef0123456789abcdef")).expect("token");
    t.set(json!({
        "twilio_base_url": server.uri(),
        "twilio_whatsapp_from": "+14155238886",
        "twilio_sms_from": "+15005550006",
        "twilio_content_sid": content_sid.unwrap_or(""),
    }));
    t
}

fn created(sid: &str) -> ResponseTemplate {
    ResponseTemplate::new(201).set_body_json(json!({"sid": sid, "status": "queued"}))
}

fn error(status: u16, code: i64) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({"code": code, "message": "scripted", "more_info": "", "status": status}))
}

fn status_of(t: &common::TestDesk, outbox_id: i64) -> (String, Option<String>) {
    t.desk
        .with_store(|s| {
            Ok(s.conn()
                .query_row("SELECT status, last_error_code FROM outbox WHERE id = ?1", [outbox_id], |r| Ok((r.get(0)?, r.get(1)?)))?)
        })
        .expect("status")
}

fn rows(t: &common::TestDesk) -> Vec<(i64, String, String)> {
    t.desk
        .with_store(|s| {
            let mut st = s.conn().prepare("SELECT id, channel, status FROM outbox ORDER BY id")?;
            let r = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<rusqlite::Result<_>>()?;
            Ok(r)
        })
        .expect("rows")
}

/// The body Twilio received for the n-th create request.
async fn create_bodies(server: &MockServer) -> Vec<String> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.method == wiremock::http::Method::POST)
        .map(|r| String::from_utf8_lossy(&r.body).into_owned())
        .collect()
}

async fn start(t: &common::TestDesk, channel: Channel) -> (String, i64) {
    let id = t.add("Priya Sharma", "98450 12345", "priya@gmail.com");
    let s = t.desk.start_verification("r", &id, channel, true).expect("start");
    (id, s.outbox_id)
}

#[tokio::test]
async fn whatsapp_is_sent_in_twilios_form_and_polled_to_delivered() {
    let server = MockServer::start().await;
    Mock::given(method("POST")).and(path_regex(r"/Messages\.json$")).respond_with(created("SM1")).mount(&server).await;
    Mock::given(method("GET"))
        .and(path_regex(r"/Messages/SM1\.json$"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"sid": "SM1", "status": "read"})))
        .mount(&server)
        .await;
    let t = twilio_desk(&server, None).await;
    let mut updates = t.desk.delivery().subscribe();
    let (_, outbox) = start(&t, Channel::WHATSAPP).await;
    worker::tick(t.desk.ctx()).await.expect("tick");
    assert_eq!(status_of(&t, outbox).0, "sent");
    let u = updates.try_recv().expect("update");
    assert_eq!((u.status.as_str(), u.message.as_deref()), ("sent", Some("Code sent by WhatsApp to +91 98••• ••345.")));

    let body = &create_bodies(&server).await[0];
    assert!(body.contains("To=whatsapp%3A%2B919845012345"), "{body}");
    assert!(body.contains("From=whatsapp%3A%2B14155238886"), "{body}");
    assert!(body.contains("Body="), "sandbox: free-form body");
    assert!(body.contains("ValidityPeriod=600"), "{body}");
    let auth = server.received_requests().await.unwrap_or_default()[0].headers.get("authorization").cloned();
    assert!(auth.is_some_and(|a| a.to_str().unwrap_or("").starts_with("Basic ")));

    t.clock.advance(Duration::seconds(10));
    worker::tick(t.desk.ctx()).await.expect("poll");
    assert_eq!(status_of(&t, outbox).0, "read");
    assert_eq!(updates.try_recv().expect("update").message.as_deref(), Some("Read on the phone."));
    // The sealed code is gone once the message is final.
    let sealed: Option<Vec<u8>> = t
        .desk
        .with_store(|s| Ok(s.conn().query_row("SELECT sealed_payload FROM outbox WHERE id = ?1", [outbox], |r| r.get(0))?))
        .expect("q");
    assert!(sealed.is_none());
}

#[tokio::test]
async fn an_approved_template_goes_by_content_sid_with_the_code_as_its_only_variable() {
    let server = MockServer::start().await;
    Mock::given(method("POST")).respond_with(created("SM2")).mount(&server).await;
    let t = twilio_desk(&server, Some("HX0123456789abcdef0123456789abcdef")).await;
    let (_, outbox) = start(&t, Channel::WHATSAPP).await;
    let code = t.code_in(outbox);
    worker::tick(t.desk.ctx()).await.expect("tick");
    let body = &create_bodies(&server).await[0];
    assert!(body.contains("ContentSid=HX0123456789abcdef0123456789abcdef"), "{body}");
    assert!(body.contains(&format!("ContentVariables=%7B%221%22%3A%22{code}%22%7D")), "{body}");
    assert!(!body.contains("Body="), "no free-form body with a template: {body}");
}

#[tokio::test]
async fn not_on_whatsapp_falls_back_to_sms_with_the_same_code() {
    for code in [63003, 63024, 63016] {
        let server = MockServer::start().await;
        Mock::given(method("POST")).and(body_string_contains("whatsapp")).respond_with(error(400, code)).mount(&server).await;
        Mock::given(method("POST")).respond_with(created("SMsms")).mount(&server).await;
        let t = twilio_desk(&server, None).await;
        let mut updates = t.desk.delivery().subscribe();
        let (id, outbox) = start(&t, Channel::WHATSAPP).await;
        let the_code = t.code_in(outbox);
        worker::tick(t.desk.ctx()).await.expect("tick");
        let r = rows(&t);
        assert_eq!(r.len(), 2, "{code}: {r:?}");
        assert_eq!((r[0].1.as_str(), r[0].2.as_str()), ("whatsapp", "failed"));
        assert_eq!((r[1].1.as_str(), r[1].2.as_str()), ("sms", "sent"), "{code}");
        let u = updates.try_recv().expect("fallback update");
        assert_eq!(u.fallback_channel, Some(Channel::SMS));
        assert!(u.message.as_deref().unwrap_or("").contains("Sending by SMS instead"), "{code}: {u:?}");
        let sms = &create_bodies(&server).await[1];
        assert!(sms.contains("To=%2B919845012345") && sms.contains("From=%2B15005550006"), "{sms}");
        assert!(sms.contains(&the_code), "the SMS carries the same code");
        // That code verifies; the desk shows it went by SMS.
        t.desk.check_code("r", &id, CodeType::Phone, &the_code).expect("same code verifies");
    }
}

#[tokio::test]
async fn fallback_follows_the_admins_channel_order() {
    let server = MockServer::start().await;
    Mock::given(method("POST")).respond_with(error(400, 63003)).mount(&server).await;
    let t = twilio_desk(&server, None).await;
    t.set(json!({"channel_order": ["sms", "whatsapp", "email"]}));
    let mut updates = t.desk.delivery().subscribe();
    let (_, outbox) = start(&t, Channel::WHATSAPP).await;
    worker::tick(t.desk.ctx()).await.expect("tick");
    assert_eq!(rows(&t).len(), 1, "SMS comes before WhatsApp in this order: nothing after it");
    assert_eq!(status_of(&t, outbox), ("failed".into(), Some("63003".into())));
    let u = updates.try_recv().expect("update");
    assert!(u.message.as_deref().unwrap_or("").contains("Try email"), "{u:?}");
}

#[tokio::test]
async fn busy_and_server_errors_retry_with_backoff_then_succeed() {
    for (status, code, retry_after) in [(429u16, Some(20429i64), Some("7")), (503, None, None), (500, None, None)] {
        let server = MockServer::start().await;
        let mut fault = match code {
            Some(c) => error(status, c),
            None => ResponseTemplate::new(status),
        };
        if let Some(ra) = retry_after {
            fault = fault.insert_header("Retry-After", ra);
        }
        Mock::given(method("POST")).respond_with(fault).up_to_n_times(1).mount(&server).await;
        Mock::given(method("POST")).respond_with(created("SMok")).mount(&server).await;
        let t = twilio_desk(&server, None).await;
        let (_, outbox) = start(&t, Channel::SMS).await;
        worker::tick(t.desk.ctx()).await.expect("tick");
        assert_eq!(status_of(&t, outbox).0, "queued", "{status}: waits to retry");
        let next: String = t
            .desk
            .with_store(|s| Ok(s.conn().query_row("SELECT next_attempt_at FROM outbox WHERE id = ?1", [outbox], |r| r.get(0))?))
            .expect("q");
        let wait = desk_core::clock::parse_ts(&next).expect("ts") - t.clock_now();
        assert!(wait >= Duration::seconds(4), "{status}: backoff {wait}");
        if retry_after.is_some() {
            assert!(wait >= Duration::seconds(7), "Retry-After honoured: {wait}");
        }
        // Not yet due: nothing happens.
        worker::tick(t.desk.ctx()).await.expect("tick");
        assert_eq!(create_bodies(&server).await.len(), 1);
        t.clock.advance(wait + Duration::seconds(1));
        worker::tick(t.desk.ctx()).await.expect("retry");
        assert_eq!(status_of(&t, outbox).0, "sent", "{status}: retried");
        assert_eq!(create_bodies(&server).await.len(), 2);
    }
}

#[tokio::test]
async fn retries_stop_when_the_code_expires() {
    let server = MockServer::start().await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(503)).mount(&server).await;
    let t = twilio_desk(&server, None).await;
    let (_, outbox) = start(&t, Channel::SMS).await;
    for _ in 0..40 {
        worker::tick(t.desk.ctx()).await.expect("tick");
        t.clock.advance(Duration::seconds(30));
    }
    let (status, _) = status_of(&t, outbox);
    assert!(status == "failed" || status == "expired", "{status}");
    let sends = create_bodies(&server).await.len();
    assert!(sends <= 12, "backoff keeps retries few within 10 minutes: {sends}");
}

#[tokio::test]
async fn handset_unreachable_after_sending_is_retried() {
    for code in [30003, 30008] {
        let server = MockServer::start().await;
        Mock::given(method("POST")).respond_with(created("SMfirst")).up_to_n_times(1).mount(&server).await;
        Mock::given(method("POST")).respond_with(created("SMsecond")).mount(&server).await;
        Mock::given(method("GET"))
            .and(path_regex("SMfirst"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"sid": "SMfirst", "status": "undelivered", "error_code": code})))
            .mount(&server)
            .await;
        let t = twilio_desk(&server, None).await;
        let (_, outbox) = start(&t, Channel::SMS).await;
        worker::tick(t.desk.ctx()).await.expect("send");
        t.clock.advance(Duration::seconds(5));
        worker::tick(t.desk.ctx()).await.expect("poll");
        assert_eq!(status_of(&t, outbox), ("queued".into(), Some(code.to_string())), "{code}");
        t.clock.advance(Duration::minutes(1));
        worker::tick(t.desk.ctx()).await.expect("resend");
        assert_eq!(status_of(&t, outbox).0, "sent");
        assert_eq!(create_bodies(&server).await.len(), 2, "{code}");
    }
}

#[tokio::test]
async fn permanent_failures_stop_with_a_reason_in_plain_words() {
    let cases: [(i64, u16, &str); 4] = [
        (21211, 400, "This phone number isn't valid."),
        (21610, 400, "opted out"),
        (21614, 400, "can't receive text messages"),
        (20003, 401, "Ask an administrator to check the Twilio settings."),
    ];
    for (code, http, words) in cases {
        let server = MockServer::start().await;
        Mock::given(method("POST")).respond_with(error(http, code)).mount(&server).await;
        let t = twilio_desk(&server, None).await;
        let mut updates = t.desk.delivery().subscribe();
        let (id, outbox) = start(&t, Channel::SMS).await;
        worker::tick(t.desk.ctx()).await.expect("tick");
        assert_eq!(status_of(&t, outbox), ("failed".into(), Some(code.to_string())));
        let u = updates.try_recv().expect("update");
        assert!(u.message.as_deref().unwrap_or("").contains(words), "{code}: {u:?}");
        t.clock.advance(Duration::minutes(5));
        worker::tick(t.desk.ctx()).await.expect("tick");
        assert_eq!(create_bodies(&server).await.len(), 1, "{code}: never retried");
        let events = t.desk.events_for(&id).expect("events");
        assert!(events.iter().any(|e| e.kind == "delivery_status" && e.error_code.as_deref() == Some(&code.to_string())), "{code}");
        if code == 20003 {
            let detail: Value = t
                .desk
                .with_store(|s| {
                    Ok(s.conn().query_row("SELECT detail FROM verification_events WHERE kind = 'delivery_status'", [], |r| {
                        r.get::<_, String>(0)
                    })?)
                })
                .map(|d| serde_json::from_str(&d).unwrap_or_default())
                .expect("detail");
            assert!(detail["admin"].as_str().unwrap_or("").contains("Auth Token"), "admin told: {detail}");
        }
    }
}

#[tokio::test]
async fn whatsapp_not_delivered_in_time_falls_back_to_sms() {
    let server = MockServer::start().await;
    Mock::given(method("POST")).and(body_string_contains("whatsapp")).respond_with(created("SMwa")).mount(&server).await;
    Mock::given(method("POST")).respond_with(created("SMsms")).mount(&server).await;
    Mock::given(method("GET"))
        .and(path_regex("SMwa"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"sid": "SMwa", "status": "sent"})))
        .mount(&server)
        .await;
    let t = twilio_desk(&server, None).await;
    let (_, outbox) = start(&t, Channel::WHATSAPP).await;
    worker::tick(t.desk.ctx()).await.expect("send");
    t.clock.advance(Duration::seconds(30));
    worker::tick(t.desk.ctx()).await.expect("poll: still sent");
    assert_eq!(status_of(&t, outbox).0, "sent");
    t.clock.advance(Duration::seconds(100));
    worker::tick(t.desk.ctx()).await.expect("poll: timed out");
    assert_eq!(status_of(&t, outbox), ("undelivered".into(), Some("whatsapp_timeout".into())));
    let r = rows(&t);
    assert_eq!((r[1].1.as_str(), r[1].2.as_str()), ("sms", "sent"), "{r:?}");
}

#[tokio::test]
async fn a_slow_twilio_is_a_timeout_that_retries() {
    use desk_delivery::credentials::TwilioConfig;
    use desk_delivery::twilio::{Outgoing, Route, TwilioClient};
    let server = MockServer::start().await;
    Mock::given(method("POST")).respond_with(created("SMslow").set_delay(std::time::Duration::from_secs(3))).mount(&server).await;
    let client = TwilioClient::new(TwilioConfig {
        base_url: server.uri(),
        account_sid: SecretString::from(SID),
        auth_token: SecretString::from("0123456789abcdef0123456789abcdef"),
        whatsapp_from: None,
        sms_from: Some("+15005550006".into()),
        messaging_service_sid: None,
        content_sid: None,
        timeout: std::time::Duration::from_millis(500),
    })
    .expect("client");
    let f = client
        .create(&Outgoing { route: Route::Sms, to_e164: "+919845012345", body: "x", code: "1", validity_seconds: 600 })
        .await
        .expect_err("times out");
    assert_eq!(f.action, desk_delivery::failure::Action::Retry);
}

#[tokio::test]
async fn no_network_queues_as_offline_and_sends_when_it_returns() {
    // A port with nothing listening is what "no network" looks like to the client.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let dead_url = format!("http://{}", dead.local_addr().expect("addr"));
    drop(dead);
    let server = MockServer::start().await;
    Mock::given(method("POST")).respond_with(created("SMback")).mount(&server).await;
    let t = twilio_desk(&server, None).await;
    t.set(json!({"twilio_base_url": dead_url}));
    let mut updates = t.desk.delivery().subscribe();
    let (_, outbox) = start(&t, Channel::SMS).await;
    worker::tick(t.desk.ctx()).await.expect("tick");
    assert_eq!(status_of(&t, outbox), ("queued".into(), Some("offline".into())));
    let u = updates.try_recv().expect("update");
    assert!(u.offline);
    assert_eq!(u.message.as_deref(), Some("No internet connection. The message will go when the connection is back."));
    // The connection is back.
    t.set(json!({"twilio_base_url": server.uri()}));
    t.clock.advance(Duration::minutes(1));
    worker::tick(t.desk.ctx()).await.expect("tick");
    assert_eq!(status_of(&t, outbox).0, "sent");
}

#[tokio::test]
async fn with_nothing_configured_messages_go_to_the_demo_outbox() {
    let t = common::desk();
    let (id, outbox) = start(&t, Channel::EMAIL).await;
    let code = t.code_in(outbox);
    worker::tick(t.desk.ctx()).await.expect("tick");
    let demo = t.desk.delivery().demo_messages();
    assert_eq!(demo.len(), 1);
    assert!(demo[0].text.contains(&code));
    assert_eq!(demo[0].to_masked, "p•••••@gmail.com");
    assert_eq!(status_of(&t, outbox).0, "sent");
    let events = t.desk.events_for(&id).expect("events");
    assert!(events.iter().any(|e| e.kind == "sent" && e.outcome == "demo"));
}

#[tokio::test]
async fn a_send_interrupted_by_a_crash_is_never_repeated() {
    let server = MockServer::start().await;
    Mock::given(method("POST")).respond_with(created("SMx")).mount(&server).await;
    let t = twilio_desk(&server, None).await;
    let (_, outbox) = start(&t, Channel::SMS).await;
    // What a crash mid-send leaves behind: the row claimed as sending.
    t.desk.with_store(|s| Ok(s.conn().execute("UPDATE outbox SET status = 'sending' WHERE id = ?1", [outbox])?)).expect("claim");
    let t = t.reopen();
    assert_eq!(worker::recover(t.desk.ctx()).expect("recover"), 1);
    worker::tick(t.desk.ctx()).await.expect("tick");
    assert_eq!(status_of(&t, outbox), ("unknown".into(), Some("interrupted".into())));
    assert!(create_bodies(&server).await.is_empty(), "not sent again");
}

#[tokio::test]
async fn old_finished_messages_are_pruned_and_waiting_ones_kept() {
    let t = common::desk();
    let (_, sent) = start(&t, Channel::EMAIL).await;
    worker::tick(t.desk.ctx()).await.expect("demo send");
    let other = t.add("Rahul Verma", "99001 23456", "rahul@gmail.com");
    let waiting = t.desk.start_verification("r", &other, Channel::EMAIL, true).expect("start").outbox_id;
    t.clock.advance(Duration::days(1));
    assert_eq!(t.desk.prune_outbox().expect("prune"), 0, "kept for two days: they feed the limits");
    t.clock.advance(Duration::days(2));
    assert_eq!(t.desk.prune_outbox().expect("prune"), 1);
    let ids: Vec<i64> = rows(&t).into_iter().map(|r| r.0).collect();
    assert_eq!(ids, vec![waiting], "the sent one ({sent}) went; the waiting one stays");
}

#[tokio::test]
async fn without_a_keyring_the_desk_still_verifies_in_demo_mode_and_says_why() {
    use desk_core::secrets::SecretsError;
    let dir = tempfile::tempdir().expect("tempdir");
    let keyring = Keyring::unavailable(SecretsError::Unavailable("ServiceUnknown".into()), "Secret Service");
    let desk = desk_app::Desk::open(desk_app::AppPaths::under(dir.path()), keyring).expect("opens without a keyring");
    let id = desk
        .add_person(
            "r",
            &desk_core::people::PersonInput { display_name: "Priya".into(), email: Some("priya@gmail.com".into()), ..Default::default() },
        )
        .expect("add")
        .user_id;
    let started = desk.start_verification("r", &id, Channel::EMAIL, true).expect("codes still issue");
    worker::tick(desk.ctx()).await.expect("tick");
    let demo = desk.delivery().demo_messages();
    assert_eq!(demo.len(), 1, "the message is in the demo outbox");
    let code: String = demo[0].text.chars().filter(char::is_ascii_digit).collect::<String>();
    assert!(code.len() >= 6);
    let the_code = desk
        .with_store(|s| desk_core::outbox::get(s.conn(), desk.engine().secrets(), started.outbox_id))
        .expect("read")
        .map(|m| m.code.is_none())
        .expect("row");
    assert!(the_code, "sent: the sealed code was wiped");

    let view = desk_delivery::admin::credentials_view(desk.ctx()).expect("view");
    assert!(view.keyring_problem.as_deref().unwrap_or("").contains("No system keyring is running"), "{view:?}");
    let err = desk_delivery::admin::save_gmail(
        desk.ctx(),
        "admin",
        &desk_delivery::credentials::GmailInput {
            address: "clinic@gmail.com".into(),
            app_password: SecretString::from("abcdabcdabcdabcd"),
            from_name: None,
            smtp_host: None,
            smtp_port: None,
            smtp_tls: None,
        },
    )
    .expect_err("nowhere to keep the password");
    assert_eq!(err.code(), desk_core::ErrorCode::KeyringUnavailable);
    assert!(err.user_message().contains("No system keyring is running"));
    assert!(desk_delivery::admin::health(desk.ctx()).expect("health").demo_mode);
}

#[tokio::test]
async fn a_new_code_while_whatsapp_waits_retires_the_old_message_and_its_fallback() {
    // Every WhatsApp message stays "sent" (never delivered); SMS is accepted.
    let server = MockServer::start().await;
    Mock::given(method("POST")).and(body_string_contains("whatsapp")).respond_with(created("SMwa")).mount(&server).await;
    Mock::given(method("POST")).respond_with(created("SMsms")).mount(&server).await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"sid": "SMwa", "status": "sent"})))
        .mount(&server)
        .await;
    let t = twilio_desk(&server, None).await;
    let (id, first) = start(&t, Channel::WHATSAPP).await;
    let old_code = t.code_in(first);
    worker::tick(t.desk.ctx()).await.expect("send the first");
    assert_eq!(status_of(&t, first).0, "sent");

    // A minute later the receptionist sends again: a new code, by WhatsApp again.
    t.clock.advance(Duration::seconds(60));
    let second = t.desk.start_verification("r", &id, Channel::WHATSAPP, true).expect("resend").outbox_id;
    let new_code = t.code_in(second);
    assert_ne!(old_code, new_code);
    worker::tick(t.desk.ctx()).await.expect("send the second");

    // The first message's wait runs out (the second's doesn't yet): it must not carry its old
    // code on by SMS, nor cancel the new code's message.
    t.clock.advance(Duration::seconds(100));
    for _ in 0..3 {
        worker::tick(t.desk.ctx()).await.expect("poll");
    }
    assert_eq!(status_of(&t, first).0, "undelivered");
    assert_eq!(status_of(&t, second).0, "sent", "the new code's message is untouched");
    let r = rows(&t);
    assert!(!r.iter().any(|(_, ch, _)| ch == "sms"), "no SMS fallback with the old code: {r:?}");
    let bodies = create_bodies(&server).await;
    assert_eq!(bodies.iter().filter(|b| b.contains(&old_code)).count(), 1, "the old code went once, by WhatsApp: {bodies:?}");
    let (sealed, retired): (Option<Vec<u8>>, Option<String>) = t
        .desk
        .with_store(|s| {
            Ok(s.conn()
                .query_row("SELECT sealed_payload, retired_at FROM outbox WHERE id = ?1", [first], |r| Ok((r.get(0)?, r.get(1)?)))?)
        })
        .expect("row");
    assert!(sealed.is_none() && retired.is_some(), "the old message's code is wiped and the row retired");

    // The new code works (and it really went out, so it verifies); the old one never does.
    let e = t.desk.check_code("r", &id, desk_core::contact::CodeType::Phone, &old_code).expect_err("old code");
    assert_eq!(e.code(), desk_core::ErrorCode::WrongCode);
    let ok = t.desk.check_code("r", &id, desk_core::contact::CodeType::Phone, &new_code).expect("new code");
    assert!(!ok.verified.practice);
}

#[tokio::test]
async fn an_edited_contact_cancels_the_messages_still_queued_for_the_old_one() {
    let server = MockServer::start().await;
    Mock::given(method("POST")).respond_with(error(503, 20503)).mount(&server).await;
    let t = twilio_desk(&server, None).await;
    let (id, outbox) = start(&t, Channel::SMS).await;
    worker::tick(t.desk.ctx()).await.expect("busy: retried later");
    assert_eq!(status_of(&t, outbox).0, "queued");
    let input = desk_core::people::PersonInput {
        display_name: "Priya Sharma".into(),
        phone: Some("98450 99999".into()),
        email: Some("priya@gmail.com".into()),
        ..Default::default()
    };
    t.desk.update_person("r", &id, &input).expect("edit");
    assert_eq!(status_of(&t, outbox), ("cancelled".into(), Some("contact_changed".into())));
    t.clock.advance(Duration::minutes(5));
    worker::tick(t.desk.ctx()).await.expect("tick");
    assert_eq!(create_bodies(&server).await.len(), 1, "nothing more went to the old number");
}

//! End to end, in the real window over WebDriver: first start, sign-in, search, verifying an
//! email against the real SMTP server, WhatsApp failing over to SMS on a local Twilio, wrong
//! codes and the resend cooldown, role checks, the idle lock. Screenshots under target/.

use std::path::Path;
use std::time::Duration;

use desk_app::FirstAdmin;
use desk_app::{AppPaths, Desk};
use desk_core::secrets::Keyring;
use desk_core::staff::{NewStaff, Role};
use desk_delivery::admin;
use desk_delivery::credentials::{GmailInput, TwilioInput};
use desk_tests::app::{AppUnderTest, Launch};
use desk_tests::services::{secret_service, Smtp};
use secrecy::SecretString;
use serde_json::json;
use wiremock::matchers::{body_string_contains, method};
use wiremock::{Mock, MockServer, ResponseTemplate};

const ADMIN: (&str, &str) = ("asha.admin", "admin-passphrase");

/// These tests share the app's keyring items (credentials): one test at a time, start to end.
static ONE_TEST_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
const RECEPTION: (&str, &str) = ("latha.k", "front-desk-2026");

/// A desk prepared through the core before the app opens on it: staff, people, settings.
fn prepare(data: &Path, keyring: Keyring, sample: bool, extra: impl FnOnce(&Desk)) {
    let desk = Desk::open(AppPaths::under(data), keyring).expect("open desk");
    desk.create_first_admin(&FirstAdmin {
        clinic_name: "Skinspire Clinic".into(),
        admin: NewStaff {
            user_id: ADMIN.0.into(),
            display_name: "Dr. Asha Rao".into(),
            role: Role::Admin,
            password: SecretString::from(ADMIN.1),
        },
    })
    .expect("admin");
    desk.sign_in(ADMIN.0, ADMIN.1).expect("admin signs in");
    desk.staff_add(&NewStaff {
        user_id: RECEPTION.0.into(),
        display_name: "Latha Krishnamurthy".into(),
        role: Role::Reception,
        password: SecretString::from(RECEPTION.1),
    })
    .expect("reception account");
    if sample {
        desk.load_sample_data(ADMIN.0).expect("sample");
    }
    extra(&desk);
}

async fn sign_in(app: &AppUnderTest, who: (&str, &str)) {
    app.fill("signin-user-id", who.0).await;
    app.fill("signin-password", who.1).await;
    app.click("signin-submit").await;
    app.by_testid("search-input").await;
}

/// Search, pick the first hit, and wait for the person panel.
async fn open_person(app: &AppUnderTest, query: &str, name: &str) {
    app.fill("search-input", query).await;
    app.wait_text("search-result", |t| t.contains(name)).await;
    app.click("search-result").await;
    app.wait_text("person-name", |t| t == name).await;
}

async fn type_code(app: &AppUnderTest, code: &str) {
    let input = app.by_testid("code-input").await;
    input.clear().await.expect("clear");
    input.send_keys(code).await.expect("type code");
}

#[tokio::test]
async fn first_start_to_a_verified_email_against_the_real_smtp_server() {
    let _serial = ONE_TEST_AT_A_TIME.lock().await;
    let smtp = Smtp::from_env("first_start_to_a_verified_email");
    let keyring = secret_service("first_start_to_a_verified_email");
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    // Only the email credentials exist beforehand (the test CA is not something the UI sets).
    {
        let desk = Desk::open(AppPaths::under(&data), keyring.clone()).expect("open");
        admin::save_gmail(
            desk.ctx(),
            "setup",
            &GmailInput {
                address: smtp.user.clone(),
                app_password: SecretString::from(smtp.password.clone()),
                from_name: None,
                smtp_host: Some(smtp.host.clone()),
                smtp_port: Some(smtp.port),
                smtp_tls: None,
            },
        )
        .expect("gmail in the keyring");
        // The test CA goes with the credentials' settings (which the admin screen only changes
        // with the password typed again): written to the store as a fixture.
        let mut patch = serde_json::Map::new();
        patch.insert("smtp_ca_file".into(), json!(smtp.ca.display().to_string()));
        desk.with_store(|s| {
            desk_core::settings::update::<desk_delivery::DeliverySettings>(s.conn(), &patch, "setup", "2026-01-01T00:00:00.000Z")
                .map(|_| ())
        })
        .expect("ca");
    }
    let app = Launch::new().data_dir(&data).start().await;

    app.by_testid("setup-clinic").await;
    app.screenshot("desk-01-first-start").await;
    app.fill("setup-clinic", "Skinspire Clinic").await;
    app.fill("setup-name", "Dr. Asha Rao").await;
    app.fill("setup-user-id", ADMIN.0).await;
    app.fill("setup-password", ADMIN.1).await;
    app.fill("setup-password-confirm", ADMIN.1).await;
    app.click("setup-submit").await;

    // The recovery code, shown once, before anything else.
    let code = app.wait_text("recovery-code", |t| t.trim().len() == 23).await;
    assert_eq!(code.trim().matches('-').count(), 3, "four groups of five: {code}");
    app.screenshot("desk-01b-recovery-code").await;
    app.click("recovery-code-done").await;
    assert!(app.absent("recovery-code").await, "the code is not shown again");

    app.by_testid("signin-password").await;
    app.screenshot("desk-02-sign-in").await;
    app.fill("signin-password", ADMIN.1).await;
    app.click("signin-submit").await;
    app.wait_text("status-staff", |t| t.contains("Dr. Asha Rao")).await;

    app.click("load-sample-data").await;
    // As a receptionist would: the people are there once the desk says so, then search.
    app.wait_text("sample-message", |t| t.contains("Added 34 sample people")).await;
    app.fill("search-input", "sharma").await;
    app.wait_text("search-result", |t| t.contains("Priya Sharma")).await;
    app.screenshot("desk-03-main-screen").await;
    app.click("search-result").await;
    app.wait_text("person-name", |t| t == "Priya Sharma").await;

    app.click("consent-email").await;
    app.click("send-email").await;
    app.by_testid("code-input").await;
    let mails = smtp.wait_for("priya.sharma@gmail.com", 1, Duration::from_secs(20)).await;
    assert_eq!(mails.len(), 1, "the code reached the SMTP server");
    let parsed = mailparse::parse_mail(&mails[0].raw).expect("mime");
    let text = parsed.subparts.iter().find(|p| p.ctype.mimetype == "text/plain").expect("text part").get_body().expect("body");
    let code = six_digits(&text).expect("a code in the email");
    app.wait_text("delivery-state", |t| !t.trim().is_empty()).await;
    app.screenshot("desk-04-person-panel-code-sent").await;

    type_code(&app, &code).await;
    app.wait_text("email-badge", |t| t.contains("Verified")).await;
    app.screenshot("desk-05-verified").await;
    // Focus went back to search for the next person.
    let focused = app.client.execute("return document.activeElement?.dataset?.testid ?? ''", vec![]).await.expect("focus");
    assert_eq!(focused, json!("search-input"));
    app.close().await;
    let desk = Desk::open(AppPaths::under(&data), keyring).expect("reopen");
    admin::delete_credentials(desk.ctx(), "test", admin::Provider::Gmail).expect("clean keyring");
}

fn six_digits(text: &str) -> Option<String> {
    text.split(|c: char| !c.is_ascii_digit()).find(|w| w.len() == 6).map(str::to_owned)
}

#[tokio::test]
async fn whatsapp_not_reaching_the_number_falls_back_to_sms_and_verifies() {
    let _serial = ONE_TEST_AT_A_TIME.lock().await;
    let keyring = secret_service("whatsapp_falls_back_to_sms");
    let twilio = MockServer::start().await;
    Mock::given(method("POST"))
        .and(body_string_contains("whatsapp"))
        .respond_with(
            ResponseTemplate::new(400).set_body_json(json!({"code": 63003, "message": "Channel could not find To address", "status": 400})),
        )
        .mount(&twilio)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"sid": "SMe2e", "status": "queued"})))
        .mount(&twilio)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"sid": "SMe2e", "status": "delivered"})))
        .mount(&twilio)
        .await;
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let uri = twilio.uri();
    prepare(&data, keyring.clone(), true, |desk| {
        admin::save_twilio(
            desk.ctx(),
            ADMIN.0,
            &TwilioInput {
                account_sid: SecretString::from("AC0123456789abcdef0123456789abcdef"),
                auth_token: SecretString::from("0123456789abcdef0123456789abcdef"),
                whatsapp_from: Some("+14155238886".into()),
                sms_from: Some("+15005550006".into()),
                messaging_service_sid: None,
                content_sid: None,
                base_url: Some(uri),
            },
        )
        .expect("twilio");
    });
    let app = Launch::new().data_dir(&data).start().await;
    sign_in(&app, RECEPTION).await;
    open_person(&app, "rahul", "Rahul Verma").await;
    app.click("consent-phone").await;
    app.click("send-whatsapp").await;
    // The panel shows the fallback, or (when the SMS went at once) where the code went by it.
    let state = app.wait_text("delivery-state", |t| t.contains("SMS")).await;
    assert!(state.contains("isn't on WhatsApp") || state.contains("Sending by SMS") || state.contains("Code sent by SMS"), "{state}");
    app.screenshot("desk-06-whatsapp-to-sms-fallback").await;

    let sms_body = twilio
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|r| String::from_utf8_lossy(&r.body).into_owned())
        .find(|b| !b.contains("whatsapp"))
        .expect("an SMS request");
    let decoded: String = sms_body.replace('+', " ");
    let code = six_digits(&decoded).expect("code in the SMS body");
    type_code(&app, &code).await;
    app.wait_text("phone-badge", |t| t.contains("Verified")).await;
    app.close().await;
    let desk = Desk::open(AppPaths::under(&data), keyring).expect("reopen");
    admin::delete_credentials(desk.ctx(), "test", admin::Provider::TwilioSms).expect("clean keyring");
}

#[tokio::test]
async fn wrong_codes_kill_the_code_and_an_early_resend_says_when() {
    let _serial = ONE_TEST_AT_A_TIME.lock().await;
    let keyring = secret_service("wrong_codes_kill_the_code");
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    // Nothing configured: demo mode, the code shows in the demo outbox.
    prepare(&data, keyring, true, |_| {});
    let app = Launch::new().data_dir(&data).start().await;
    sign_in(&app, RECEPTION).await;
    open_person(&app, "ananya", "Ananya Iyer").await;
    app.click("consent-phone").await;
    app.click("send-sms").await;
    let demo = app.wait_text("demo-message", |t| six_digits(t).is_some()).await;
    let code = six_digits(&demo).expect("code in the demo outbox");
    app.screenshot("desk-07-demo-outbox").await;
    let wrong: String = code.chars().map(|c| if c == '9' { '0' } else { char::from(c as u8 + 1) }).collect();

    type_code(&app, &wrong).await;
    app.wait_text("code-message", |t| t.contains("Wrong code. 2 tries left.")).await;
    type_code(&app, &wrong).await;
    app.wait_text("code-message", |t| t.contains("Wrong code. 1 try left.")).await;
    type_code(&app, &wrong).await;
    app.wait_text("code-message", |t| t.contains("can't be used any more")).await;
    app.screenshot("desk-08-code-dead").await;

    // The resend waits out its cooldown, and the desk says when.
    let resend = app.by_testid("resend-button").await.text().await.expect("resend text");
    assert!(resend.contains("available in"), "{resend}");
    let user_id = app.by_testid("person-panel").await.attr("data-user-id").await.expect("attr").expect("user id");
    let err = app.invoke("verification_start", json!({"userId": user_id, "channel": "sms", "consent": true})).await.expect_err("too early");
    assert_eq!(err["code"], "rate_limited");
    assert!(err["message"].as_str().unwrap_or("").contains("can be sent in"), "{err}");
    app.close().await;
}

#[tokio::test]
async fn reception_never_reaches_admin_screens_or_commands() {
    let _serial = ONE_TEST_AT_A_TIME.lock().await;
    let keyring = secret_service("reception_never_reaches_admin");
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    prepare(&data, keyring, true, |_| {});
    let app = Launch::new().data_dir(&data).start().await;
    sign_in(&app, RECEPTION).await;
    app.wait_text("status-staff", |t| t.contains("Latha")).await;
    assert!(app.absent("nav-admin").await, "reception sees no Admin entry");
    for (cmd, args) in [
        ("staff_list", json!({})),
        ("settings_update", json!({"patch": {"otp_length": 4}})),
        ("credentials_save_gmail", json!({"input": {"address": "x@gmail.com", "appPassword": "abcdabcdabcdabcd"}})),
        ("audit_search", json!({"filter": {}})),
        ("sample_data_load", json!({})),
    ] {
        let err = app.invoke(cmd, args).await.expect_err(cmd);
        assert_eq!(err["code"], "admin_only", "{cmd}: {err}");
    }
    app.screenshot("desk-09-reception-view").await;

    // The admin, for comparison, has the Admin screens.
    app.click("sign-out").await;
    sign_in(&app, ADMIN).await;
    app.click("nav-admin").await;
    app.click("admin-settings").await;
    app.by_testid("setting-otp_length").await;
    app.screenshot("desk-10-admin-settings").await;
    app.fill("setting-otp_length", "9").await;
    app.click("settings-save").await;
    let msg = app.wait_text("settings-message", |t| !t.is_empty()).await;
    assert!(msg.contains("between 4 and 8"), "range enforced in Rust: {msg}");
    app.click("admin-credentials").await;
    app.screenshot("desk-11-admin-credentials").await;
    app.close().await;
}

#[tokio::test]
async fn an_idle_desk_locks_itself() {
    let _serial = ONE_TEST_AT_A_TIME.lock().await;
    let keyring = secret_service("an_idle_desk_locks_itself");
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    prepare(&data, keyring, false, |desk| {
        let mut patch = serde_json::Map::new();
        patch.insert("idle_lock_minutes".into(), json!(1));
        desk.update_settings(ADMIN.0, &patch).expect("short idle time");
    });
    let app = Launch::new().data_dir(&data).start().await;
    sign_in(&app, RECEPTION).await;
    // Hands off the keyboard for a minute.
    tokio::time::sleep(Duration::from_secs(62)).await;
    let started = std::time::Instant::now();
    let msg = loop {
        if let Ok(els) = app.client.find_all(fantoccini::Locator::Css("[data-testid=\"signin-message\"]")).await {
            if let Some(el) = els.first() {
                let t = el.text().await.unwrap_or_default();
                if !t.is_empty() {
                    break t;
                }
            }
        }
        assert!(started.elapsed() < Duration::from_secs(20), "the desk did not lock");
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    assert!(msg.contains("locked itself"), "{msg}");
    app.screenshot("desk-12-idle-locked").await;
    // And Rust agrees: the session is gone, commands need a new sign-in.
    let err = app.invoke("people_search", json!({"query": "a"})).await.expect_err("locked");
    assert!(err["code"] == "sign_in_required" || err["code"] == "session_locked", "{err}");
    app.close().await;
}

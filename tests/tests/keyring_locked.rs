//! A configured desk whose keyring locks is not in demo mode: on a keyring daemon of this
//! test's own (so no other test is disturbed), the desk restarts while the keyring is locked,
//! a code is sent, and the message waits with plain words, in the status bar and in the
//! delivery update, with nothing in the demo outbox. When the keyring is unlocked the desk
//! notices by itself, the message goes to the real SMTP server, and its code verifies.
//!
//! One test in this binary: it points the process's session bus at its own daemon.

use desk_core::channel::Channel;
use desk_core::contact::CodeType;
use desk_core::secrets::{Keyring, KeyringState};
use desk_delivery::admin;
use desk_delivery::credentials::GmailInput;
use desk_delivery::settings::SmtpTls;
use desk_delivery::worker;
use desk_tests::dbus::PrivateKeyring;
use desk_tests::services::{self, ServiceDesk, Smtp};
use secrecy::SecretString;
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn a_locked_keyring_makes_messages_wait_and_they_go_when_it_is_unlocked() {
    let smtp = Smtp::from_env("a_locked_keyring_makes_messages_wait_and_they_go_when_it_is_unlocked");
    let k = PrivateKeyring::start();
    // Before any keyring store is made in this process (one test in this binary).
    std::env::set_var("DBUS_SESSION_BUS_ADDRESS", &k.address);
    let keyring = Keyring::system();
    assert_eq!(keyring.probe().state, KeyringState::Ok);

    // Set up: Gmail (the test server) saved to the keyring, one email verified normally.
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().to_owned();
    let t = ServiceDesk::open_in(dir, keyring.clone(), 21);
    admin::save_gmail(
        t.desk.ctx(),
        "admin",
        &GmailInput {
            address: smtp.user.clone(),
            app_password: SecretString::from(smtp.password.clone()),
            from_name: Some("Skinspire".into()),
            smtp_host: Some(smtp.host.clone()),
            smtp_port: Some(smtp.port),
            smtp_tls: Some(SmtpTls::Starttls),
        },
    )
    .expect("save Gmail");
    t.set(json!({ "smtp_ca_file": smtp.ca.display().to_string() }));

    // The desktop locks the keyring; the desk is restarted (a new day, a crash) while it is.
    k.lock();
    let ServiceDesk { desk, clock, dir } = t;
    drop(desk);
    let desk = desk_app::Desk::open_with(
        desk_app::AppPaths::under(&data),
        keyring.clone(),
        std::sync::Arc::new(clock.clone()),
        std::sync::Arc::new(desk_core::codes::SeededRandom::new(22)),
    )
    .expect("the desk opens with its keyring locked");
    let rcpt = services::unique_rcpt("locked");
    let id = desk
        .add_person(
            "reception1",
            &desk_core::people::PersonInput { display_name: "Lakshmi Rao".into(), email: Some(rcpt.clone()), ..Default::default() },
        )
        .expect("add")
        .user_id;
    let mut updates = desk.delivery().subscribe();
    let started = desk.start_verification("reception1", &id, Channel::EMAIL, true).expect("start");
    let code = desk
        .with_store(|s| desk_core::outbox::get(s.conn(), desk.engine().secrets(), started.outbox_id))
        .expect("read")
        .and_then(|m| m.code)
        .map(|c| secrecy::ExposeSecret::expose_secret(&c).to_owned())
        .expect("code");
    worker::tick(desk.ctx()).await.expect("tick");

    // It waits: not sent, not in the demo outbox, and it says why in plain words.
    let (status, error_code): (String, Option<String>) = desk
        .with_store(|s| {
            Ok(s.conn().query_row("SELECT status, last_error_code FROM outbox WHERE id = ?1", [started.outbox_id], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?)
        })
        .expect("row");
    assert_eq!((status.as_str(), error_code.as_deref()), ("queued", Some("keyring_locked")));
    assert!(desk.delivery().demo_messages().is_empty(), "nothing went to the demo outbox");
    let u = updates.try_recv().expect("a delivery update");
    assert_eq!(u.message.as_deref(), Some("The keyring is locked: unlock it and the waiting messages go."));
    assert!(!u.demo);
    let bar = desk.status().expect("status");
    assert_eq!(bar.keyring.state, KeyringState::Locked);
    assert_eq!(bar.waiting_for_keyring, 1);
    assert!(bar.temporary_pepper.is_some(), "the pepper couldn't be read at start-up: the status bar says so");
    let health = desk.health().expect("health");
    assert!(!health.demo_mode && health.temporary_pepper);
    assert!(health.credentials.gmail_configured, "a locked keyring doesn't make Gmail not set up");
    assert!(health.credentials.keyring_problem.is_some());
    assert_eq!(health.usable_channels, Some(vec![Channel::EMAIL]), "email is still offered: its codes wait");
    assert!(smtp.messages_to(&rcpt).is_empty());

    // Unlocked: the next status check notices, and the message goes without anyone asking.
    k.unlock();

    let bar = desk.status().expect("status");
    assert_eq!(bar.keyring.state, KeyringState::Ok);
    for _ in 0..3 {
        worker::tick(desk.ctx()).await.expect("tick");
    }
    let arrived = smtp.wait_for(&rcpt, 1, Duration::from_secs(20)).await;
    assert_eq!(arrived.len(), 1, "the waiting message arrived at the SMTP server");
    assert!(String::from_utf8_lossy(&arrived[0].raw).contains(&code));
    assert!(desk.delivery().demo_messages().is_empty());
    let r = desk.check_code("reception1", &id, CodeType::Email, &code).expect("verifies");
    assert!(!r.verified.practice, "a code that really went out is a real verification");
    for item in [desk_delivery::credentials::GMAIL_PASSWORD, desk_core::codes::PEPPER_ITEM] {
        let _ = keyring.delete(item);
    }
    drop(dir);
}

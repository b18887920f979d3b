//! End to end in the real window: a desk whose Gmail account is set up starts while its keyring
//! is locked. It is not in demo mode: a code sent to a clinic patient waits, the status bar and
//! the person panel say why in plain words, and nothing appears in a demo outbox. When the
//! keyring is unlocked (headlessly, on a keyring daemon of this test's own) the desk notices by
//! itself, the email reaches the real SMTP server, and its code verifies in the window.
//!
//! One test in this binary: it points the process's session bus at its own keyring daemon.

use std::time::Duration;

use desk_app::{AppPaths, Desk, FirstAdmin};
use desk_core::people::PersonInput;
use desk_core::secrets::Keyring;
use desk_core::staff::{NewStaff, Role};
use desk_tests::app::Launch;
use desk_tests::dbus::PrivateKeyring;
use desk_tests::services::{self, Smtp};
use secrecy::SecretString;

const ADMIN: (&str, &str) = ("asha.admin", "admin-passphrase");

#[tokio::test]
async fn a_locked_keyring_is_named_in_the_window_and_the_waiting_code_goes_when_it_opens() {
    let smtp = Smtp::from_env("a_locked_keyring_is_named_in_the_window");
    let k = PrivateKeyring::start();
    std::env::set_var("DBUS_SESSION_BUS_ADDRESS", &k.address);
    let keyring = Keyring::system();
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let rcpt = services::unique_rcpt("keyring.e2e");
    {
        let desk = Desk::open(AppPaths::under(&data), keyring.clone()).expect("open");
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
        desk.add_person("setup", &PersonInput { display_name: "Lakshmi Iyer".into(), email: Some(rcpt.clone()), ..Default::default() })
            .expect("person");
        smtp.set_up_gmail(&desk);
    }
    // The screen locked overnight, and the keyring with it; the desk starts in the morning.
    k.lock();
    let app = Launch::new().data_dir(&data).env("DBUS_SESSION_BUS_ADDRESS", &k.address).start().await;
    app.fill("signin-user-id", ADMIN.0).await;
    app.fill("signin-password", ADMIN.1).await;
    app.click("signin-submit").await;
    app.fill("search-input", "lakshmi").await;
    app.wait_text("search-result", |t| t.contains("Lakshmi Iyer")).await;
    app.click("search-result").await;
    app.wait_text("person-name", |t| t == "Lakshmi Iyer").await;
    app.click("consent-email").await;
    app.click("send-email").await;

    // It waits, and says why: in the person panel and in the status bar.
    app.wait_text("delivery-state", |t| t.contains("The keyring is locked: unlock it and the waiting messages go")).await;
    app.wait_text("status-keyring-waiting", |t| t.contains("keyring") && t.contains('1')).await;
    app.screenshot("keyring-locked-waiting").await;
    assert!(app.absent("demo-outbox").await, "a configured desk is not in demo mode");
    assert!(smtp.messages_to(&rcpt).is_empty(), "nothing was sent");

    // Unlocked (as the person at the desk would, by signing in to the computer): the desk
    // notices on its next health check, and the message goes.
    k.unlock();
    let mails = smtp.wait_for(&rcpt, 1, Duration::from_secs(90)).await;
    assert_eq!(mails.len(), 1, "the waiting email reached the SMTP server");
    let parsed = mailparse::parse_mail(&mails[0].raw).expect("mime");
    let text = parsed.subparts.iter().find(|p| p.ctype.mimetype == "text/plain").expect("text part").get_body().expect("body");
    let code = text.split(|c: char| !c.is_ascii_digit()).find(|w| w.len() == 6).expect("a code").to_owned();
    assert!(app.absent("demo-outbox").await);
    let input = app.by_testid("code-input").await;
    input.send_keys(&code).await.expect("type the code");
    app.wait_text("email-badge", |t| t.contains("Verified")).await;
    app.close().await;
}

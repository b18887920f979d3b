//! End to end in the real window: an admin sets up the clinic server on the sync screen, syncs,
//! reception finds a clinic patient, verifies the email against the real SMTP server, syncs, and
//! the clinic's PostgreSQL holds the verification in `users.verification_status`, read with psql.
//! Then a contact corrected at the desk while the clinic changed it too: the admin settles the
//! conflict on the sync screen, and the clinic's `contact_info` has the desk's value.

use std::time::Duration;

use desk_app::{AppPaths, Desk, FirstAdmin};
use desk_core::staff::{NewStaff, Role};
use desk_tests::app::Launch;
use desk_tests::pg::{Pg, H1};
use desk_tests::services::{self, Smtp};
use secrecy::SecretString;

const ADMIN: (&str, &str) = ("asha.admin", "admin-passphrase");

#[tokio::test]
async fn an_admin_connects_the_desk_and_a_verification_reaches_the_clinics_records() {
    let smtp = Smtp::from_env("e2e sync");
    let keyring = services::secret_service("e2e sync");
    let pg = Pg::session("e2e sync");
    let clinic = pg.clinic("e2e");
    let (role, password) = clinic.enroll("e2e", H1);
    // The clinic patient whose email the desk will verify receives it at the test SMTP server.
    let rcpt = services::unique_rcpt("sync.e2e");
    clinic.sql(&format!(
        "UPDATE patients SET contact_info = jsonb_set(contact_info, '{{email}}', to_jsonb('{rcpt}'::text))
         WHERE patient_id = (SELECT entity_id FROM users WHERE user_id = '+919845012345')"
    ));

    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
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
        smtp.set_up_gmail(&desk);
    }

    let app = Launch::new().data_dir(&data).start().await;
    app.fill("signin-user-id", ADMIN.0).await;
    app.fill("signin-password", ADMIN.1).await;
    app.click("signin-submit").await;

    // The admin enters what the DBA gave: server, database, role, CA file, password.
    app.click("nav-admin").await;
    app.click("admin-sync").await;
    // The form is filled from the desk's saved setup first: wait for it, then type.
    app.wait_text("sync-device-id", |t| t.len() >= 32).await;
    app.fill("sync-host", "127.0.0.1").await;
    app.fill("sync-port", &clinic.port.to_string()).await;
    app.fill("sync-database", &clinic.db).await;
    app.fill("sync-role", &role).await;
    app.fill("sync-ca-file", &clinic.ca.display().to_string()).await;
    app.fill("sync-password", &password).await;
    app.click("sync-test").await;
    app.wait_text("sync-message", |t| t.contains("Connected to 127.0.0.1")).await;
    app.click("sync-save").await;
    app.wait_text("sync-password-saved", |t| t.contains("saved")).await;
    // Saving starts a sync by itself; Sync now runs one more and says what it did.
    app.click("sync-now").await;
    app.wait_text("sync-message", |t| t.starts_with("Sent") || t.starts_with("No events")).await;
    app.wait_text("sync-summary", |t| t.contains("Synced with the clinic")).await;
    app.wait_text("sync-clinic-people", |t| t.contains("18")).await;
    app.screenshot("sync-screen").await;

    // At the desk: the clinic's patient is there; her email is verified by a real message.
    app.click("nav-desk").await;
    app.fill("search-input", "Asha Rao").await;
    app.wait_text("search-result", |t| t.contains("Asha Rao")).await;
    app.click("search-result").await;
    app.wait_text("person-name", |t| t == "Asha Rao").await;
    app.click("consent-email").await;
    app.click("send-email").await;
    let mails = smtp.wait_for(&rcpt, 1, Duration::from_secs(60)).await;
    assert_eq!(mails.len(), 1, "the code reached the SMTP server");
    let parsed = mailparse::parse_mail(&mails[0].raw).expect("mime");
    let text = parsed.subparts.iter().find(|p| p.ctype.mimetype == "text/plain").expect("text part").get_body().expect("body");
    let code = text.split(|c: char| !c.is_ascii_digit()).find(|w| w.len() == 6).expect("a code").to_owned();
    let input = app.by_testid("code-input").await;
    input.send_keys(&code).await.expect("type the code");
    app.wait_text("email-badge", |t| t.contains("Verified")).await;

    // Sync, and the clinic's record says so, as its Flask code reads it.
    app.click("nav-admin").await;
    app.click("admin-sync").await;
    app.click("sync-now").await;
    app.wait_text("sync-message", |t| t.contains("Sent")).await;
    app.wait_text("status-sync", |t| t.contains("Synced with the clinic")).await;
    let status = clinic.status_of("+919845012345");
    assert_eq!(status["email"]["verified"], true, "{status}");
    assert_eq!(status["email"]["target"], rcpt.as_str());

    // Reception corrects Ravi's address while the clinic's office changes it too: the admin
    // sees both on the sync screen, keeps the desk's, and the clinic's record then has it.
    clinic.sql(
        "UPDATE patients SET contact_info = jsonb_set(contact_info, '{email}', to_jsonb('ravi.office@example.com'::text))
         WHERE patient_id = (SELECT entity_id FROM users WHERE user_id = '9845012346')",
    );
    app.click("nav-desk").await;
    app.fill("search-input", "Ravi Kumar").await;
    app.wait_text("search-result", |t| t.contains("Ravi Kumar")).await;
    app.click("search-result").await;
    app.wait_text("person-name", |t| t == "Ravi Kumar").await;
    app.click("edit-contact").await;
    app.fill("form-email", "ravi.home@example.com").await;
    app.click("save-person").await;
    app.wait_text("person-name", |t| t == "Ravi Kumar").await;
    app.click("nav-admin").await;
    app.click("admin-sync").await;
    app.click("sync-now").await;
    app.wait_text("sync-conflicts", |t| t.contains("ravi.home@example.com") && t.contains("ravi.office@example.com")).await;
    app.screenshot("sync-conflict").await;
    let listed = app.invoke("sync_conflicts", serde_json::json!({})).await.expect("the conflicts");
    let event_id = listed[0]["eventId"].as_str().expect("an event id").to_owned();
    app.click(&format!("sync-conflict-keep-desk-{event_id}")).await;
    app.wait_text("sync-conflict-message", |t| t.contains("Saved")).await;
    app.wait_text("sync-conflicts-none", |t| !t.is_empty()).await;
    app.click("sync-now").await;
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let email = clinic.sql(
            "SELECT p.contact_info->>'email' FROM patients p JOIN users u ON u.entity_id = p.patient_id WHERE u.user_id = '9845012346'",
        );
        if email == "ravi.home@example.com" {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the clinic's record still has {email}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(clinic.sql("SELECT count(*) FROM desk_sync.conflicts WHERE closed_at IS NULL"), "0");
    app.close().await;
}

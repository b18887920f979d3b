//! A desk made by version 0.1.0 (schema 5; tests/fixtures/desk-v0.1.0.sqlite3) opened by this
//! version: the migrations run once and everything is still there and usable: staff, people,
//! a verification, queued messages (whose codes still open), and a message in flight, whose new
//! `sent_at` column the migration fills from its `sent` event.

use std::sync::Arc;

use desk_app::{AppPaths, Desk};
use desk_core::channel::Channel;
use desk_core::clock::ManualClock;
use desk_core::codes::{SeededRandom, PEPPER_ITEM};
use desk_core::outbox;
use desk_core::secrets::Keyring;
use desk_core::store::RawConnection;
use desk_core::verify::ContactStatus;
use secrecy::{ExposeSecret, SecretString};
use time::macros::datetime;

/// The fixture's public test pepper (see tests/fixtures/make_v0_1_0_fixture.rs).
const FIXTURE_PEPPER_HEX: &str = "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a";

fn fixture_copy() -> (tempfile::TempDir, AppPaths) {
    let dir = tempfile::tempdir().expect("tempdir");
    let paths = AppPaths::under(dir.path());
    paths.ensure().expect("folders");
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/desk-v0.1.0.sqlite3");
    std::fs::copy(fixture, &paths.db_file).expect("copy the fixture");
    (dir, paths)
}

fn open(paths: &AppPaths, clock: &ManualClock) -> Desk {
    let keyring = Keyring::with_store(keyring_core::mock::Store::new().expect("mock"), "mock");
    keyring.set(PEPPER_ITEM, &SecretString::from(FIXTURE_PEPPER_HEX)).expect("pepper");
    Desk::open_with(paths.clone(), keyring, Arc::new(clock.clone()), Arc::new(SeededRandom::new(9))).expect("open the old desk")
}

#[test]
fn a_0_1_0_desk_opens_with_everything_in_it() {
    let (_dir, paths) = fixture_copy();
    {
        // As 0.1.0 left a WhatsApp message in flight: sent, waiting for its receipt.
        let conn = RawConnection::open(&paths.db_file).expect("raw");
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).expect("version");
        assert_eq!(version, 5, "the fixture is schema 5");
        conn.execute(
            "UPDATE outbox SET status = 'sent', provider_message_id = 'SM00000000000000000000000000000001',
                 next_attempt_at = '2026-11-24T04:30:08.000Z', updated_at = '2026-11-24T04:30:06.000Z' WHERE id = 2",
            [],
        )
        .expect("in flight");
        let device: String = conn.query_row("SELECT value FROM desk_meta WHERE key = 'device_id'", [], |r| r.get(0)).expect("device");
        conn.execute(
            "INSERT INTO verification_events (event_id, device_id, seq, occurred_at, user_id, code_type, kind, actor,
                 channel, outcome, detail)
             VALUES ('019ab4a0-0000-7000-8000-000000000001', ?1, 6, '2026-11-24T04:30:05.500Z', '+919845012345', 'phone',
                 'sent', 'system:delivery', 'whatsapp', 'accepted', '{\"outbox_id\": 2}')",
            [device],
        )
        .expect("its sent event");
    }

    let clock = ManualClock::at(datetime!(2026-11-24 04:30:07 UTC));
    let desk = open(&paths, &clock);
    let status = desk.status().expect("status");
    assert!(status.migrations_ok);
    assert_eq!(
        (status.migrations_applied, status.schema_version),
        (desk_core::store::latest_version() - 5, desk_core::store::latest_version())
    );

    // Staff sign in with the passwords they had.
    assert_eq!(desk.setup_status().expect("setup").clinic_name, "Skinspire Clinic Fixture");
    desk.sign_in("latha.k", "fixture-reception-pass").expect("reception signs in");
    desk.sign_out().expect("sign out");
    desk.sign_in("asha.admin", "fixture-admin-pass").expect("admin signs in");
    assert_eq!(desk.staff_list().expect("staff").len(), 2);
    assert_eq!(desk.policy().expect("settings").resend_cooldown_seconds, 45);

    // People, including the one named in Devanagari, and the verified email.
    assert_eq!(desk.setup_status().expect("setup").people_count, 4);
    let priya = desk.search("Priya").expect("search");
    assert!(matches!(priya[0].email_status, ContactStatus::Verified { .. }), "{:?}", priya[0].email_status);
    assert_eq!(desk.search("राजेश").expect("search").len(), 1);

    // The queued messages, with codes that still open under the pepper that made them.
    let rows = desk.outbox_list(None, 10).expect("outbox");
    assert_eq!(rows.len(), 3);
    assert_eq!(rows.iter().filter(|r| r.status == "queued").count(), 2);
    let meena_email = rows.iter().find(|r| r.channel == Channel::EMAIL && r.status == "queued" && r.id == 3).expect("queued email");
    let code = desk.with_store(|s| outbox::get(s.conn(), desk.ctx().journal.secrets(), meena_email.id)).expect("read").and_then(|m| m.code);
    assert_eq!(code.map(|c| c.expose_secret().len()), Some(6));

    // The message in flight got its sent_at from its event, in the migration.
    let sent_at: Option<String> =
        desk.with_store(|s| Ok(s.conn().query_row("SELECT sent_at FROM outbox WHERE id = 2", [], |r| r.get(0))?)).expect("sent_at");
    assert_eq!(sent_at.as_deref(), Some("2026-11-24T04:30:05.500Z"));
    assert_eq!(desk.events_for(&priya[0].user_id).expect("events").len(), 3, "the history came along");

    // The events 0.1.0 wrote are sealed by one anchor, untouched; new ones chain on from it,
    // and the whole log checks intact.
    let report = desk.audit_chain_check(|_, _| {}).expect("chain");
    assert!(report.intact, "{report:?}");
    assert_eq!(report.anchored, 6, "the fixture's six events are under the anchor: {report:?}");
    assert!(report.checked >= 1, "events since the upgrade are chained: {report:?}");
    let unhashed: i64 = desk
        .with_store(|s| Ok(s.conn().query_row("SELECT count(*) FROM verification_events WHERE hash IS NULL", [], |r| r.get(0))?))
        .expect("count");
    assert_eq!(unhashed, 6, "the old rows were not rewritten");

    // Opened again: nothing more to migrate.
    drop(desk);
    let again = open(&paths, &clock);
    assert_eq!(again.status().expect("status").migrations_applied, 0);
}

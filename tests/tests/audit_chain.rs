//! The audit chain against someone who can edit the database file: with the `sqlite3` shell
//! they drop the append-only triggers, change an event, and recompute every later event's hash
//! and link the only way they can without the keyring (an unkeyed hash). The desk still finds
//! the break, at the edited event. An untouched log is intact, and the check reports progress.

use std::process::Command;
use std::sync::Arc;

use desk_app::{AppPaths, Desk};
use desk_core::channel::Channel;
use desk_core::clock::ManualClock;
use desk_core::codes::SeededRandom;
use desk_core::events::chain::BreakKind;
use desk_core::people::PersonInput;
use desk_core::secrets::Keyring;
use desk_core::staff::{NewStaff, Role};
use secrecy::SecretString;
use time::macros::datetime;

fn open(dir: &std::path::Path, keyring: &Keyring, clock: &ManualClock) -> Desk {
    Desk::open_with(AppPaths::under(dir), keyring.clone(), Arc::new(clock.clone()), Arc::new(SeededRandom::new(5))).expect("desk")
}

fn sqlite3(db: &std::path::Path, sql: &str) -> String {
    let out = Command::new("sqlite3").arg(db).arg(sql).output().expect("the sqlite3 shell must be installed (make test installs it)");
    assert!(out.status.success(), "sqlite3 failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

#[test]
fn an_edited_event_is_found_even_when_every_later_hash_is_recomputed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let keyring = Keyring::with_store(keyring_core::mock::Store::new().expect("mock"), "mock");
    let clock = ManualClock::at(datetime!(2026-11-24 04:30 UTC));
    let desk = open(dir.path(), &keyring, &clock);
    desk.create_first_admin(&desk_app::FirstAdmin {
        clinic_name: "Skinspire".into(),
        admin: NewStaff {
            user_id: "asha.admin".into(),
            display_name: "Asha".into(),
            role: Role::Admin,
            password: SecretString::from("admin-passphrase"),
        },
    })
    .expect("setup");
    desk.sign_in("asha.admin", "admin-passphrase").expect("sign in");
    for (i, name) in ["Priya Sharma", "Rahul Verma", "Meena Iyer", "Arjun Nair"].iter().enumerate() {
        let p = desk
            .add_person(
                "asha.admin",
                &PersonInput { display_name: (*name).into(), phone: Some(format!("98450 1234{i}")), ..Default::default() },
            )
            .expect("add");
        desk.start_verification("asha.admin", &p.user_id, Channel::SMS, true).expect("start");
        let _ = desk.check_code("asha.admin", &p.user_id, desk_core::contact::CodeType::Phone, "000000");
    }
    let mut progress = Vec::new();
    let clean = desk.audit_chain_check(|done, total| progress.push((done, total))).expect("check");
    assert!(clean.intact, "{clean:?}");
    assert!(clean.checked >= 15, "{clean:?}");
    assert_eq!(progress.last().map(|p| p.0), progress.last().map(|p| p.1), "progress reaches the total: {progress:?}");
    drop(desk);

    // The attacker: no triggers, one outcome changed (a wrong code made "verified"), and every
    // later row re-hashed and re-linked with an unkeyed SHA3 so the links look consistent.
    let db = dir.path().join("desk.sqlite3");
    let target: i64 =
        sqlite3(&db, "SELECT seq FROM verification_events WHERE kind = 'wrong_code' ORDER BY seq LIMIT 1").parse().expect("seq");
    let last: i64 = sqlite3(&db, "SELECT max(seq) FROM verification_events").parse().expect("max");
    let mut script =
        String::from("DROP TRIGGER verification_events_append_only_update; DROP TRIGGER verification_events_append_only_delete; BEGIN;");
    script.push_str(&format!("UPDATE verification_events SET kind = 'verified', outcome = 'verified' WHERE seq = {target};"));
    for seq in target..=last {
        script.push_str(&format!(
            "UPDATE verification_events SET
                 prev_hash = coalesce((SELECT hash FROM verification_events WHERE seq = {seq} - 1), prev_hash),
                 hash = lower(hex(sha3(event_id || kind || outcome || coalesce(detail, '') || coalesce((SELECT hash FROM verification_events WHERE seq = {seq} - 1), ''), 256)))
             WHERE seq = {seq};"
        ));
    }
    script.push_str("COMMIT;");
    sqlite3(&db, &script);
    let relinked: i64 = sqlite3(
        &db,
        "SELECT count(*) FROM verification_events a JOIN verification_events b ON b.seq = a.seq + 1 WHERE b.prev_hash = a.hash",
    )
    .parse()
    .expect("count");
    assert_eq!(relinked, last - 1, "the attacker's links are consistent");

    let desk = open(dir.path(), &keyring, &clock);
    desk.sign_in("asha.admin", "admin-passphrase").expect("sign in");
    let report = desk.audit_chain_check(|_, _| {}).expect("check");
    assert!(!report.intact);
    let b = report.first_break.expect("a break");
    assert_eq!(b.seq, target, "found at the edited event: {b:?}");
    assert_eq!(b.kind, BreakKind::Altered);
    assert_eq!(b.message, "this event was changed after it was written");

    // A deleted event is a gap, found where it was.
    drop(desk);
    sqlite3(&db, &format!("DELETE FROM verification_events WHERE seq = {}", last - 1));
    let desk = open(dir.path(), &keyring, &clock);
    desk.sign_in("asha.admin", "admin-passphrase").expect("sign in");
    let report = desk.audit_chain_check(|_, _| {}).expect("check");
    assert_eq!(report.first_break.map(|b| b.seq), Some(target), "the first break is still the edit");
}

#[test]
fn a_years_worth_of_events_checks_with_progress_and_stays_intact() {
    let dir = tempfile::tempdir().expect("tempdir");
    let keyring = Keyring::with_store(keyring_core::mock::Store::new().expect("mock"), "mock");
    let clock = ManualClock::at(datetime!(2025-11-24 04:30 UTC));
    let desk = open(dir.path(), &keyring, &clock);
    desk.create_first_admin(&desk_app::FirstAdmin {
        clinic_name: "Skinspire".into(),
        admin: NewStaff {
            user_id: "asha.admin".into(),
            display_name: "Asha".into(),
            role: Role::Admin,
            password: SecretString::from("admin-passphrase"),
        },
    })
    .expect("setup");
    desk.sign_in("asha.admin", "admin-passphrase").expect("sign in");
    // Fifteen events a day for a year: walk-ins spread over 365 days.
    for day in 0..365 {
        if day > 0 {
            clock.advance(time::Duration::days(1));
        }
        for i in 0..15 {
            desk.add_person(
                "asha.admin",
                &PersonInput { display_name: format!("P {day} {i}"), email: Some(format!("p{day}.{i}@gmail.com")), ..Default::default() },
            )
            .expect("add");
        }
    }
    desk.sign_in("asha.admin", "admin-passphrase").expect("sign in");
    let mut updates = 0;
    let mut last = (0, 0);
    let report = desk
        .audit_chain_check(|done, total| {
            assert!(done >= last.0, "progress never goes back");
            last = (done, total);
            updates += 1;
        })
        .expect("check");
    assert!(report.intact, "{report:?}");
    assert!(report.checked > 365 * 15, "{report:?}");
    assert!(updates >= 5, "progress reported as it goes ({updates} updates)");
    assert_eq!(last.0, last.1);
    // Events are kept: a year-old one is still there (they are never pruned).
    desk.prune_outbox().expect("prune");
    let oldest: String =
        desk.with_store(|s| Ok(s.conn().query_row("SELECT min(occurred_at) FROM verification_events", [], |r| r.get(0))?)).expect("oldest");
    assert!(oldest.starts_with("2025-11-24"), "{oldest}");
}

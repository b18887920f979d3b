//! Sign-in, sessions, the idle lock, role checks and the audit log, through the desk's API.

mod common;

use desk_app::FirstAdmin;
use desk_core::channel::Channel;
use desk_core::contact::CodeType;
use desk_core::error::AccessError;
use desk_core::events::AuditFilter;
use desk_core::staff::{NewStaff, Role};
use desk_core::{Error, ErrorCode};
use secrecy::SecretString;
use time::Duration;

fn first_admin(t: &common::TestDesk) {
    t.desk
        .create_first_admin(&FirstAdmin {
            clinic_name: "Skinspire Clinic, Jayanagar".into(),
            admin: NewStaff {
                user_id: "asha.admin".into(),
                display_name: "Dr. Asha Rao".into(),
                role: Role::Reception,
                password: SecretString::from("admin-passphrase"),
            },
        })
        .expect("first admin");
}

#[test]
fn the_first_start_creates_one_admin_and_names_the_clinic() {
    let t = common::desk();
    assert!(t.desk.setup_status().expect("status").needs_first_admin);
    first_admin(&t);
    let status = t.desk.setup_status().expect("status");
    assert!(!status.needs_first_admin);
    assert_eq!(status.clinic_name, "Skinspire Clinic, Jayanagar");
    let again = t.desk.create_first_admin(&FirstAdmin {
        clinic_name: "X".into(),
        admin: NewStaff {
            user_id: "mallory".into(),
            display_name: "M".into(),
            role: Role::Admin,
            password: SecretString::from("whatever-123"),
        },
    });
    assert!(matches!(again, Err(Error::Access(AccessError::AlreadySetUp))), "only once");
    let s = t.desk.sign_in("asha.admin", "admin-passphrase").expect("sign in");
    assert_eq!(s.role, Role::Admin, "the first account is an admin whatever was asked");
}

#[test]
fn reception_cannot_use_admin_functions() {
    let t = common::desk();
    first_admin(&t);
    t.desk.sign_in("asha.admin", "admin-passphrase").expect("admin");
    t.desk
        .staff_add(&NewStaff {
            user_id: "latha.k".into(),
            display_name: "Latha".into(),
            role: Role::Reception,
            password: SecretString::from("front-desk-2026"),
        })
        .expect("add reception");
    t.desk.sign_out().expect("sign out");
    assert!(matches!(t.desk.session(), Err(Error::Access(AccessError::SignInRequired))));
    t.desk.sign_in("latha.k", "front-desk-2026").expect("reception");
    assert_eq!(t.desk.staff_list().expect_err("admin only").code(), ErrorCode::AdminOnly);
    assert!(t.desk.audit(&AuditFilter::default()).is_err());
    assert!(t.desk.staff_set_role("latha.k", Role::Admin).is_err(), "no promoting oneself");
    assert!(t.desk.require_admin().is_err());
    assert!(t.desk.session().is_ok(), "but reception work goes on");
}

#[test]
fn an_idle_desk_locks_itself() {
    let t = common::desk();
    first_admin(&t);
    t.set(serde_json::json!({"idle_lock_minutes": 2}));
    t.desk.sign_in("asha.admin", "admin-passphrase").expect("admin");
    t.clock.advance(Duration::seconds(100));
    t.desk.session().expect("still live: activity resets the timer");
    t.clock.advance(Duration::seconds(100));
    t.desk.session().expect("100 s since the last activity");
    t.clock.advance(Duration::seconds(120));
    let e = t.desk.session().expect_err("locked");
    assert!(matches!(e, Error::Access(AccessError::SessionLocked)));
    assert_eq!(e.user_message(), "The desk locked itself because it wasn't used for a while. Sign in again.");
    assert!(t.desk.session_peek().is_none());
}

#[test]
fn the_audit_log_filters_and_exports_csv() {
    let t = common::desk();
    first_admin(&t);
    t.desk.sign_in("asha.admin", "admin-passphrase").expect("admin");
    let a = t.add("Priya Sharma", "98450 12345", "priya@gmail.com");
    let b = t.add("Rahul Verma", "99001 23456", "");
    let s = t.desk.start_verification("asha.admin", &a, Channel::SMS, true).expect("start");
    let _ = t.desk.check_code("asha.admin", &a, CodeType::Phone, &common::TestDesk::wrong(&t.code_in(s.outbox_id)));
    t.desk.start_verification("latha.k", &b, Channel::WHATSAPP, true).expect("start");

    let all = t.desk.audit(&AuditFilter::default()).expect("audit");
    let kinds: Vec<&str> = all.iter().rev().map(|e| e.kind.as_str()).collect();
    // The verifications, and around them what staff did: set up, signed in, added people.
    assert_eq!(kinds.iter().filter(|k| ["issued", "wrong_code"].contains(k)).count(), 3, "{kinds:?}");
    for k in ["staff_added", "recovery_code_made", "settings_changed", "sign_in", "person_added"] {
        assert!(kinds.contains(&k), "{k} in {kinds:?}");
    }
    let for_a = t.desk.audit(&AuditFilter { user_id: Some(a.clone()), ..Default::default() }).expect("audit");
    assert_eq!(for_a.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(), ["wrong_code", "issued", "person_added"]);
    let by_latha = t.desk.audit(&AuditFilter { actor: Some("latha.k".into()), ..Default::default() }).expect("audit");
    assert_eq!(by_latha.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(), ["issued"]);
    let wa = t.desk.audit(&AuditFilter { channel: Some("whatsapp".into()), ..Default::default() }).expect("audit");
    assert_eq!(wa[0].user_id, b);
    let wrong = t.desk.audit(&AuditFilter { outcome: Some("wrong_code".into()), ..Default::default() }).expect("audit");
    assert_eq!(wrong.len(), 1);
    let none = t.desk.audit(&AuditFilter { from: Some("2026-11-25".into()), ..Default::default() }).expect("audit");
    assert!(none.is_empty());
    let today =
        t.desk.audit(&AuditFilter { from: Some("2026-11-24".into()), to: Some("2026-11-24".into()), ..Default::default() }).expect("audit");
    assert_eq!(today.len(), all.len());

    let path = t.desk.audit_export(&AuditFilter { user_id: Some(a.clone()), ..Default::default() }).expect("export");
    let csv = std::fs::read_to_string(&path).expect("csv file");
    let lines: Vec<_> = csv.lines().collect();
    let for_a_kinds: Vec<&str> = for_a.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(lines.len(), 1 + for_a_kinds.len(), "header + one line an event: {csv}");
    assert!(lines[0].starts_with("occurred_at,kind,outcome,user_id"));
    assert!(lines[0].contains(",detail,"));
    assert!(lines[1].contains("wrong_code") && lines[1].contains("+91 98••• ••345"), "masked: {}", lines[1]);
    // The details are there, consent included (its notice version and purpose).
    assert!(csv.contains("notice_version") && csv.contains("verification of this contact"), "{csv}");
    // A walk-in's id is opaque: the number appears nowhere in clear.
    assert!(!csv.contains("9845012345"), "{csv}");
    std::fs::remove_file(path).ok();
}

#[test]
fn background_reads_do_not_keep_an_idle_desk_open() {
    let t = common::desk();
    first_admin(&t);
    t.set(serde_json::json!({"idle_lock_minutes": 2}));
    t.desk.sign_in("asha.admin", "admin-passphrase").expect("admin");
    for _ in 0..2 {
        t.clock.advance(Duration::seconds(50));
        t.desk.session_passive().expect("a refresh is allowed while the session lives");
    }
    t.clock.advance(Duration::seconds(50));
    // 150 s of refreshes and nothing else: the refreshes didn't count, so the desk is locked.
    assert!(matches!(t.desk.session_passive(), Err(Error::Access(AccessError::SessionLocked))));
    assert!(t.desk.session_peek().is_none());
    assert!(matches!(t.desk.session(), Err(Error::Access(AccessError::SignInRequired))));
}

#[test]
fn audit_dates_are_the_desks_local_days() {
    use std::sync::Arc;
    // A desk in India (UTC+5:30): an event at 00:10 local on 25 Nov is 18:40 UTC on 24 Nov.
    struct Ist(desk_core::clock::ManualClock);
    impl desk_core::clock::Clock for Ist {
        fn now(&self) -> time::OffsetDateTime {
            self.0.now()
        }
        fn local_offset(&self) -> time::UtcOffset {
            time::UtcOffset::from_hms(5, 30, 0).expect("IST")
        }
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = desk_core::clock::ManualClock::at(time::macros::datetime!(2026-11-24 18:40 UTC));
    let desk = desk_app::Desk::open_with(
        desk_app::AppPaths::under(dir.path()),
        common::mock_keyring(),
        Arc::new(Ist(clock.clone())),
        Arc::new(desk_core::codes::SeededRandom::new(1)),
    )
    .expect("desk");
    desk.create_first_admin(&FirstAdmin {
        clinic_name: "C".into(),
        admin: NewStaff {
            user_id: "asha.admin".into(),
            display_name: "A".into(),
            role: Role::Admin,
            password: SecretString::from("admin-passphrase"),
        },
    })
    .expect("admin");
    desk.sign_in("asha.admin", "admin-passphrase").expect("sign in");
    let id = desk
        .add_person(
            "asha.admin",
            &desk_core::people::PersonInput { display_name: "P".into(), phone: Some("98450 12345".into()), ..Default::default() },
        )
        .expect("add")
        .user_id;
    desk.start_verification("asha.admin", &id, Channel::SMS, true).expect("start");
    let day = |d: &str| AuditFilter { from: Some(d.into()), to: Some(d.into()), ..Default::default() };
    let issued = |d: &str| desk.audit(&AuditFilter { kind: Some("issued".into()), ..day(d) }).expect("audit").len();
    assert_eq!(issued("2026-11-25"), 1, "25 Nov, local");
    assert_eq!(issued("2026-11-24"), 0);
}

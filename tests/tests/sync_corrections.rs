//! What travels with sync besides verifications, against a real PostgreSQL 15 holding the
//! clinic's quirks: a contact corrected at a desk reaches the clinic's `contact_info` (or waits
//! as a conflict an admin settles, never overwritten either way), failed sign-ins of clinic staff
//! count at every desk, and walk-ins the clinic doesn't know are listed for an admin.

use desk_core::people::clinic::MatchReason;
use desk_core::people::corrections::Settle;
use desk_core::people::PersonInput;
use desk_tests::pg::{ClinicDb, Pg, H1};
use desk_tests::sync_desk::SyncDesk;
use serde_json::Value;
use time::macros::datetime;

const T0: time::OffsetDateTime = datetime!(2026-11-24 04:30 UTC);

fn clinic(test: &str) -> ClinicDb {
    Pg::session(test).clinic(test)
}

/// The clinic's `contact_info` of a person, as stored (a string when double-encoded).
fn contact_info(clinic: &ClinicDb, user_id: &str) -> Value {
    let text = clinic.sql(&format!(
        "SELECT coalesce(p.contact_info, s.contact_info)::text FROM users u
         LEFT JOIN patients p ON lower(u.entity_type) = 'patient' AND p.patient_id = u.entity_id
         LEFT JOIN staff s ON lower(u.entity_type) = 'staff' AND s.staff_id = u.entity_id
         WHERE u.user_id = '{user_id}'"
    ));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("contact_info of {user_id}: {e}: {text}"))
}

/// The object inside, unwrapping a double-encoded column.
fn unwrapped(v: &Value) -> Value {
    match v {
        Value::String(s) => serde_json::from_str(s).expect("double-encoded JSON"),
        other => other.clone(),
    }
}

fn set_clinic_contact(clinic: &ClinicDb, user_id: &str, key: &str, value: &str) {
    clinic.sql(&format!(
        "UPDATE patients SET contact_info = jsonb_set(contact_info, '{{{key}}}', to_jsonb('{value}'::text))
         WHERE patient_id = (SELECT entity_id FROM users WHERE user_id = '{user_id}')"
    ));
}

fn edit(d: &SyncDesk, user_id: &str, f: impl FnOnce(&mut PersonInput)) {
    let p = d.desk.person(user_id).expect("person");
    let mut input = PersonInput {
        display_name: p.display_name.clone(),
        entity_type: None,
        phone: p.phone.clone(),
        email: p.email.clone(),
        preferred_language: p.preferred_language.clone(),
    };
    f(&mut input);
    d.desk.update_person("reception1", user_id, &input).expect("edit the person");
}

fn corrections_waiting(d: &SyncDesk) -> i64 {
    d.desk.with_store(|s| Ok(s.conn().query_row("SELECT count(*) FROM contact_corrections", [], |r| r.get(0))?)).expect("count")
}

#[test]
fn a_contact_corrected_at_the_desk_reaches_the_clinics_record_keeping_its_other_keys_and_its_encoding() {
    let clinic = clinic("correct_apply");
    let d = SyncDesk::enrolled(&clinic, "front", H1, T0);
    d.synced();
    let before = contact_info(&clinic, "+919845012345");
    assert!(before.get("display_phone").is_some(), "the fixture's P01 has other keys: {before}");

    // Asha's new number, Meera's new address (her contact_info is double-encoded), Kiran's new
    // number (his contact_info has "mobile", no "phone").
    edit(&d, "+919845012345", |p| p.phone = Some("98450 99999".into()));
    edit(&d, "+919845012347", |p| p.email = Some("Meera.New@Example.COM".into()));
    edit(&d, "+919845012348", |p| p.phone = Some("98450 88888".into()));
    assert_eq!(corrections_waiting(&d), 3);
    d.synced();

    let asha = contact_info(&clinic, "+919845012345");
    assert_eq!(asha["phone"], "+919845099999", "{asha}");
    assert_eq!(asha["display_phone"], before["display_phone"], "the other keys stay: {asha}");
    assert_eq!(asha["email"], before["email"]);
    let meera = contact_info(&clinic, "+919845012347");
    assert!(meera.is_string(), "a double-encoded column stays a string: {meera}");
    assert_eq!(unwrapped(&meera)["email"], "Meera.New@example.com", "the desk's form: the domain lower-cased");
    let kiran = contact_info(&clinic, "+919845012348");
    assert_eq!(kiran["mobile"], "+919845088888", "written where the clinic keeps it: {kiran}");
    assert!(kiran.get("phone").is_none(), "{kiran}");

    // The desk keeps its values, and lets the corrections go once the clinic holds them.
    d.synced();
    assert_eq!(d.desk.person("+919845012345").expect("asha").phone.as_deref(), Some("+919845099999"));
    assert_eq!(d.desk.person("+919845012347").expect("meera").email.as_deref(), Some("Meera.New@example.com"));
    assert_eq!(corrections_waiting(&d), 0);
    assert!(d.desk.sync_conflicts().expect("conflicts").is_empty());

    // A verification of the corrected number reaches the clinic as any other.
    d.verify("+919845012345", desk_core::channel::Channel::SMS);
    d.synced();
    let status = clinic.status_of("+919845012345");
    assert_eq!((status["phone"]["verified"].clone(), status["phone"]["target"].clone()), (Value::Bool(true), "+919845099999".into()));
}

#[test]
fn a_correction_typed_while_a_round_runs_is_not_overwritten_by_its_pull() {
    use desk_sync::push::{FaultPoint, Faults};
    use std::sync::mpsc;
    use std::sync::Mutex;
    let clinic = clinic("correct_pending");
    let d = SyncDesk::enrolled(&clinic, "front", H1, T0);
    d.synced();
    // The clinic changes something else of Asha's, so the round's pull brings her row again.
    clinic.sql(
        "UPDATE patients SET personal_info = personal_info || '{\"note\": \"x\"}'
         WHERE patient_id = (SELECT entity_id FROM users WHERE user_id = '+919845012345')",
    );
    /// Holds the round between its push and its pull until the test has typed the correction.
    struct Between {
        reached: Mutex<mpsc::Sender<()>>,
        go: Mutex<mpsc::Receiver<()>>,
    }
    impl Faults for Between {
        fn at(&self, point: FaultPoint) -> Result<(), desk_sync::SyncError> {
            if point == FaultPoint::BeforePull {
                self.reached.lock().expect("lock").send(()).expect("send");
                self.go.lock().expect("lock").recv().expect("recv");
            }
            Ok(())
        }
    }
    let (reached_tx, reached) = mpsc::channel();
    let (go, go_rx) = mpsc::channel();
    d.desk.syncer().set_faults(Some(std::sync::Arc::new(Between { reached: Mutex::new(reached_tx), go: Mutex::new(go_rx) })));
    std::thread::scope(|s| {
        let round = s.spawn(|| d.sync());
        reached.recv().expect("the round reached its pull");
        edit(&d, "+919845012345", |p| p.phone = Some("98450 99999".into()));
        go.send(()).expect("go");
        round.join().expect("round thread").expect("the round");
    });
    d.desk.syncer().set_faults(None);
    assert_eq!(d.desk.person("+919845012345").expect("asha").phone.as_deref(), Some("+919845099999"), "the pull kept it");
    assert_eq!(contact_info(&clinic, "+919845012345")["phone"], "+919845012345", "the clinic doesn't have it yet");
    d.synced();
    assert_eq!(contact_info(&clinic, "+919845012345")["phone"], "+919845099999");
    d.synced();
    assert_eq!(d.desk.person("+919845012345").expect("asha").phone.as_deref(), Some("+919845099999"));
    assert_eq!(corrections_waiting(&d), 0);
}

#[test]
fn a_correction_the_clinic_changed_meanwhile_waits_for_an_admin_who_settles_it_for_every_desk() {
    let clinic = clinic("correct_conflict");
    let a = SyncDesk::enrolled(&clinic, "front", H1, T0);
    let b = SyncDesk::enrolled(&clinic, "back", H1, T0);
    a.synced();
    b.synced();

    // The clinic's office changes Ravi's and Asha's addresses; desk A, not yet synced, corrects
    // both to something else.
    set_clinic_contact(&clinic, "9845012346", "email", "ravi.office@example.com");
    set_clinic_contact(&clinic, "+919845012345", "email", "asha.office@example.com");
    edit(&a, "9845012346", |p| p.email = Some("ravi.home@example.com".into()));
    edit(&a, "+919845012345", |p| p.email = Some("asha.home@example.com".into()));
    a.synced();

    // Nothing is overwritten: the clinic keeps its value, desk A its own, and both conflicts are
    // listed, on desk A and on desk B, with both values.
    assert_eq!(unwrapped(&contact_info(&clinic, "9845012346"))["email"], "ravi.office@example.com");
    assert_eq!(a.desk.person("9845012346").expect("ravi").email.as_deref(), Some("ravi.home@example.com"));
    a.synced();
    assert_eq!(a.desk.person("9845012346").expect("ravi").email.as_deref(), Some("ravi.home@example.com"), "still, at the next pull");
    b.synced();
    for d in [&a, &b] {
        let list = d.desk.sync_conflicts().expect("conflicts");
        assert_eq!(list.len(), 2, "{list:?}");
        let ravi = list.iter().find(|c| c.user_id == "9845012346").expect("ravi's conflict");
        assert_eq!(ravi.desk_value.as_deref(), Some("ravi.home@example.com"));
        assert_eq!(ravi.clinic_value.as_deref(), Some("ravi.office@example.com"));
        assert!(ravi.desk_name.starts_with("front"), "{}", ravi.desk_name);
        assert_eq!(ravi.display_name, "Ravi Kumar");
    }
    assert_eq!(b.desk.person("9845012346").expect("ravi").email.as_deref(), Some("ravi.office@example.com"));
    // Desk B verifies the office address it has meanwhile: settling for the desk's value undoes it.
    b.verify("9845012346", desk_core::channel::Channel::EMAIL);
    assert!(matches!(b.desk.person("9845012346").expect("ravi").email_status, desk_core::verify::ContactStatus::Verified { .. }));

    // Desk B's admin keeps the desk's value for Ravi, desk A's keeps the clinic's for Asha.
    let ravi = a.desk.sync_conflicts().expect("list").into_iter().find(|c| c.user_id == "9845012346").expect("ravi");
    let asha = a.desk.sync_conflicts().expect("list").into_iter().find(|c| c.user_id == "+919845012345").expect("asha");
    let left = b.desk.sync_conflict_resolve("admin", &ravi.event_id, Settle::Desk).expect("keep the desk's");
    assert_eq!(left.len(), 1);
    assert_eq!(b.desk.person("9845012346").expect("ravi").email.as_deref(), Some("ravi.home@example.com"), "at once");
    let status = b.desk.person("9845012346").expect("ravi").email_status;
    assert!(
        matches!(status, desk_core::verify::ContactStatus::NotVerified { .. }),
        "the office address's verification is undone: {status:?}"
    );
    a.desk.sync_conflict_resolve("admin", &asha.event_id, Settle::Clinic).expect("keep the clinic's");
    assert_eq!(a.desk.person("+919845012345").expect("asha").email.as_deref(), Some("asha.office@example.com"), "at once");
    assert!(a.desk.sync_conflict_resolve("admin", &asha.event_id, Settle::Clinic).is_err(), "settled already");
    b.synced();
    a.synced();
    b.synced();

    assert_eq!(unwrapped(&contact_info(&clinic, "9845012346"))["email"], "ravi.home@example.com");
    assert_eq!(contact_info(&clinic, "+919845012345")["email"], "asha.office@example.com");
    assert_eq!(clinic.sql("SELECT count(*) FROM desk_sync.conflicts WHERE closed_at IS NULL"), "0");
    for d in [&a, &b] {
        assert!(d.desk.sync_conflicts().expect("conflicts").is_empty());
        assert_eq!(d.desk.person("9845012346").expect("ravi").email.as_deref(), Some("ravi.home@example.com"));
        assert_eq!(d.desk.person("+919845012345").expect("asha").email.as_deref(), Some("asha.office@example.com"));
        assert_eq!(corrections_waiting(d), 0);
    }
}

#[test]
fn two_desks_correcting_one_contact_end_the_same_in_either_order() {
    let pg = Pg::session("correct_orders");
    let mut results = Vec::new();
    for order in [[0, 1], [1, 0]] {
        let clinic = pg.clinic(&format!("correct_orders_{}{}", order[0], order[1]));
        let a = SyncDesk::enrolled(&clinic, "front", H1, T0);
        let b = SyncDesk::enrolled(&clinic, "back", H1, T0);
        a.synced();
        b.synced();
        edit(&a, "+919845012345", |p| p.phone = Some("98450 77777".into()));
        b.clock.advance(time::Duration::minutes(2));
        edit(&b, "+919845012345", |p| p.phone = Some("98450 66666".into()));
        let desks = [&a, &b];
        desks[order[0]].synced();
        desks[order[1]].synced();
        a.synced();
        b.synced();
        let clinic_phone = contact_info(&clinic, "+919845012345")["phone"].clone();
        let on_desks: Vec<Option<String>> = desks.iter().map(|d| d.desk.person("+919845012345").expect("asha").phone).collect();
        results.push((clinic_phone, on_desks));
    }
    assert_eq!(results[0], results[1], "the same whatever order the desks push in");
    assert_eq!(results[0].0, "+919845066666", "the later correction wins");
    assert_eq!(results[0].1, vec![Some("+919845066666".to_owned()); 2]);
}

#[test]
fn failed_sign_ins_at_one_desk_count_at_the_next_and_an_unlock_travels_too() {
    let clinic = clinic("shared_sign_ins");
    let a = SyncDesk::enrolled(&clinic, "front", H1, T0);
    let b = SyncDesk::enrolled(&clinic, "back", H1, T0);
    a.synced();
    b.synced();
    // A guesser at desk A: the free tries, then one more, which makes the account wait.
    for _ in 0..desk_core::staff::signin::FREE_FAILURES + 1 {
        assert!(a.desk.sign_in("+919845020001", "guess").is_err());
    }
    assert!(a.desk.sign_in("+919845020001", "clinic-pass-1").is_err(), "waiting at desk A");
    // Desk B knew nothing; after sync it makes the account wait too, even with the right password.
    a.synced();
    let r = b.synced();
    assert_eq!(r.pulled.sign_ins_shared, 1, "{:?}", r.pulled);
    let err = b.desk.sign_in("+919845020001", "clinic-pass-1").expect_err("waiting at desk B too");
    assert_eq!(err.code(), desk_core::ErrorCode::AccountLocked, "{err}");
    assert!(b.desk.sign_in("+919845020002", "clinic-pass-1").is_ok(), "another account is not held");

    // An admin unlocks the account at desk B: desk A lets it in after the next sync.
    b.desk.staff_unlock("+919845020001").expect("unlock");
    b.desk.sign_out().ok();
    b.synced();
    a.synced();
    a.desk.sign_in("+919845020001", "clinic-pass-1").expect("unlocked everywhere");
    // The clinic counts only staff: patients and unknown IDs never appear.
    assert_eq!(
        clinic.sql("SELECT count(*) FROM desk_sync.sign_ins s JOIN users u USING (user_id) WHERE lower(u.entity_type) <> 'staff'"),
        "0"
    );
}

#[test]
fn walk_ins_the_clinic_does_not_know_are_listed_for_an_admin_with_a_possible_match() {
    let clinic = clinic("walkin_list");
    let d = SyncDesk::enrolled(&clinic, "front", H1, T0);
    let add = |name: &str, phone: Option<&str>, email: Option<&str>| {
        d.clock.advance(time::Duration::seconds(1));
        d.desk
            .add_person(
                "reception1",
                &PersonInput {
                    display_name: name.into(),
                    phone: phone.map(Into::into),
                    email: email.map(Into::into),
                    ..Default::default()
                },
            )
            .expect("walk-in")
            .user_id
    };
    let brother = add("Asha's brother", Some("98450 12345"), None);
    let cousin = add("Ravi's cousin", Some("98450 55555"), Some("RAVI.KUMAR@example.com"));
    let stranger = add("Someone New", Some("98450 44444"), None);
    let merged = add("Asha Rao", Some("98450 12345"), None);
    d.synced();
    let list = d.desk.sync_walkins().expect("walk-ins");
    let ids: Vec<&str> = list.iter().map(|w| w.user_id.as_str()).collect();
    assert_eq!(ids, vec![brother.as_str(), cousin.as_str(), stranger.as_str()], "the merged one is gone: {list:?}");
    let m = list[0].possible_match.as_ref().expect("same phone as Asha");
    assert_eq!((m.user_id.as_str(), m.reason), ("+919845012345", MatchReason::SamePhone));
    let m = list[1].possible_match.as_ref().expect("same email as Ravi");
    assert_eq!((m.user_id.as_str(), m.reason), ("9845012346", MatchReason::SameEmail));
    assert!(list[2].possible_match.is_none());
    assert!(d.desk.person(&merged).is_err());
}

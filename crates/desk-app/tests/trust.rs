//! A desk that never pretends, through the desk's API: practice in demo mode, codes that know
//! their pepper and length, the security floor, consent, the "needs verifying" policy, roles
//! read afresh, first setup in one transaction, secrets that can't be redirected, limits that
//! ignore letter case. (The real keyring, SMTP server and window are in tests/tests.)

mod common;

use std::sync::Arc;

use desk_app::{AppPaths, Desk, FirstAdmin};
use desk_core::channel::Channel;
use desk_core::codes::SeededRandom;
use desk_core::consent::ConsentState;
use desk_core::contact::CodeType;
use desk_core::error::{AccessError, CodeError};
use desk_core::events::AuditFilter;
use desk_core::people::PersonInput;
use desk_core::staff::{NewStaff, Role};
use desk_core::verify::ContactStatus;
use desk_core::{Error, ErrorCode};
use desk_delivery::credentials::{GmailInput, TwilioInput};
use secrecy::SecretString;
use serde_json::json;
use time::Duration;

fn status_json(t: &common::TestDesk, id: &str) -> serde_json::Value {
    let raw: String = t
        .desk
        .with_store(|s| Ok(s.conn().query_row("SELECT verification_status FROM users WHERE user_id = ?1", [id], |r| r.get(0))?))
        .expect("status");
    serde_json::from_str(&raw).expect("json")
}

fn admin(t: &common::TestDesk) {
    t.desk
        .create_first_admin(&FirstAdmin {
            clinic_name: "Skinspire".into(),
            admin: NewStaff {
                user_id: "asha.admin".into(),
                display_name: "Asha".into(),
                role: Role::Admin,
                password: SecretString::from("admin-passphrase"),
            },
        })
        .expect("first admin");
    t.desk.sign_in("asha.admin", "admin-passphrase").expect("sign in");
}

#[test]
fn a_right_code_in_demo_mode_is_practice_everywhere_it_shows() {
    let t = common::desk();
    admin(&t);
    let id = t.add("Priya Sharma", "98450 12345", "");
    let started = t.desk.start_verification("asha.admin", &id, Channel::SMS, true).expect("start");
    // The demo outbox is the only place the code appears, and it never left the desk.
    let code = t.received(started.outbox_id);
    assert_eq!(t.desk.delivery().demo_messages().len(), 1);
    let r = t.desk.check_code("asha.admin", &id, CodeType::Phone, &code).expect("right code");
    assert!(r.verified.practice);
    // Status JSON (what the clinic's records read): not verified, marked practice.
    let s = status_json(&t, &id);
    assert_eq!(s["phone"]["verified"], false);
    assert_eq!(s["phone"]["practice"], true);
    assert!(s["phone"].get("target").is_none(), "a practice run records no verified target");
    // Badge.
    assert!(matches!(r.person.phone_status, ContactStatus::Practice { .. }), "{:?}", r.person.phone_status);
    // Event and audit.
    let audit = t.desk.audit(&AuditFilter { user_id: Some(id.clone()), ..Default::default() }).expect("audit");
    assert_eq!((audit[0].kind.as_str(), audit[0].outcome.as_str()), ("practised", "practice"));
    assert!(!audit.iter().any(|e| e.kind.as_str() == "verified"));
    // Policy: a practised contact still needs verifying.
    assert!(t.desk.needs_verifying(50).expect("list").iter().any(|p| p.user_id == id));
}

#[test]
fn a_code_made_under_another_pepper_asks_for_a_new_code_and_costs_no_try() {
    let t = common::delivering_desk();
    let id = t.add("Rahul Verma", "99001 23456", "");
    let started = t.desk.start_verification("r", &id, Channel::SMS, true).expect("start");
    let code = t.received(started.outbox_id);
    // The desk restarts with a keyring that holds another pepper (the old one timed out).
    let common::TestDesk { desk, clock, dir, keyring: _ } = t;
    drop(desk);
    let other = common::mock_keyring();
    let desk = Desk::open_with(AppPaths::under(dir.path()), other.clone(), Arc::new(clock.clone()), Arc::new(SeededRandom::new(3)))
        .expect("reopen");
    let e = desk.check_code("r", &id, CodeType::Phone, &code).expect_err("other pepper");
    assert!(matches!(e, Error::Code(CodeError::CodeFromOtherPepper)), "{e:?}");
    assert!(e.user_message().contains("Send a new code"), "{}", e.user_message());
    let attempts: u32 = desk
        .with_store(|s| Ok(s.conn().query_row("SELECT attempts FROM verification_codes WHERE user_id = ?1", [&id], |r| r.get(0))?))
        .expect("attempts");
    assert_eq!(attempts, 0, "no try counted");
}

#[test]
fn a_code_keeps_its_own_length_when_the_setting_changes() {
    let t = common::delivering_desk();
    let id = t.add("Meena Iyer", "98860 54321", "");
    let started = t.desk.start_verification("r", &id, Channel::SMS, true).expect("start");
    assert_eq!(started.code_length, 6);
    let code = t.received(started.outbox_id);
    t.set(json!({"otp_length": 8}));
    let r = t.desk.check_code("r", &id, CodeType::Phone, &code).expect("a 6-digit code sent before the change still checks");
    assert!(!r.verified.practice);
    let next = t.desk.start_verification("r", &id, Channel::SMS, true);
    // (The resend cooldown applies first.)
    assert!(next.is_err());
    t.clock.advance(Duration::seconds(31));
    assert_eq!(t.desk.start_verification("r", &id, Channel::SMS, true).expect("start").code_length, 8);
}

#[test]
fn settings_below_the_security_floor_are_raised_and_the_admin_is_told() {
    let t = common::delivering_desk();
    t.set(json!({"otp_length": 4, "otp_expiry_minutes": 30}));
    let id = t.add("Arjun Nair", "98470 11223", "arjun@gmail.com");
    let sms = t.desk.start_verification("r", &id, Channel::SMS, true).expect("sms");
    assert_eq!(sms.code_length, 6, "never fewer than 6 digits");
    let minutes = |s: &desk_core::verify::Started| {
        let at = |x: &str| desk_core::clock::parse_ts(x).expect("ts");
        (at(&s.expires_at) - at(&s.sent_at)).whole_minutes()
    };
    assert_eq!(minutes(&sms), 10, "codes by SMS live 10 minutes at most");
    let email = t.desk.start_verification("r", &id, Channel::EMAIL, true).expect("email");
    assert_eq!(minutes(&email), 30, "email keeps the setting");
    let health = t.desk.health().expect("health");
    let notices: Vec<&str> = health.floor_notices.iter().map(|n| n.setting.as_str()).collect();
    assert_eq!(notices, ["otp_length", "otp_expiry_minutes"]);
    assert!(health.floor_notices[0].message.contains("the desk sends 6-digit codes"), "{}", health.floor_notices[0].message);
    t.set(json!({"otp_length": 6, "otp_expiry_minutes": 10}));
    assert!(t.desk.health().expect("health").floor_notices.is_empty());
}

#[test]
fn withdrawn_consent_cancels_waiting_messages_and_blocks_sends_until_given_again() {
    let t = common::desk();
    admin(&t);
    let id = t.add("Divya Pillai", "94950 88990", "");
    let queued = t.desk.start_verification("latha.k", &id, Channel::SMS, true).expect("start").outbox_id;
    let v = t.desk.consent_withdraw("latha.k", &id, CodeType::Phone).expect("withdraw");
    assert_eq!(v.phone_consent.as_ref().map(|c| c.state), Some(ConsentState::Withdrawn));
    let (status, code): (String, Option<String>) = t
        .desk
        .with_store(|s| {
            Ok(s.conn().query_row("SELECT status, last_error_code FROM outbox WHERE id = ?1", [queued], |r| Ok((r.get(0)?, r.get(1)?)))?)
        })
        .expect("row");
    assert_eq!((status.as_str(), code.as_deref()), ("cancelled", Some("consent_withdrawn")));
    t.clock.advance(Duration::minutes(1));
    let e = t.desk.start_verification("latha.k", &id, Channel::SMS, true).expect_err("withdrawn");
    assert_eq!(e.code(), ErrorCode::ConsentWithdrawn);
    // A changed number is another contact: the withdrawal was about the old one.
    let v = t.desk.consent_renew("latha.k", &id, CodeType::Phone).expect("renew");
    assert_eq!(v.phone_consent.as_ref().map(|c| c.state), Some(ConsentState::Given));
    t.desk.start_verification("latha.k", &id, Channel::SMS, true).expect("sends again");
    let events = t.desk.audit(&AuditFilter { user_id: Some(id.clone()), ..Default::default() }).expect("audit");
    let kinds: Vec<&str> = events.iter().rev().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["person_added", "issued", "consent_withdrawn", "consent_given", "issued"]);
    let withdrawn = events.iter().find(|e| e.kind.as_str() == "consent_withdrawn").expect("event");
    assert_eq!(withdrawn.actor, "latha.k");
    assert_eq!(withdrawn.target_masked.as_deref(), Some("+91 94••• ••990"));
    let d = withdrawn.detail.as_ref().expect("detail");
    assert_eq!(d["notice_version"], 1);
    assert_eq!(d["purpose"], "verification of this contact");
    assert_eq!(d["cancelled_messages"], json!([queued]));
    let issued = events.iter().find(|e| e.kind.as_str() == "issued").expect("issued");
    assert_eq!(issued.detail.as_ref().expect("detail")["consent"]["notice_version"], 1);
}

#[test]
fn required_contacts_past_their_grace_period_show_as_overdue_and_are_listed() {
    let t = common::delivering_desk();
    let patient = t.add("Kavya Reddy", "98850 44556", "kavya@gmail.com");
    let hits = t.desk.search("kavya").expect("search");
    let due = |s: &ContactStatus| match s {
        ContactStatus::NotVerified { due, .. } => due.clone(),
        other => panic!("{other:?}"),
    };
    let d = due(&hits[0].phone_status).expect("required by default");
    assert!(!d.overdue);
    assert_eq!(d.by, "2026-12-01T04:30:00.000Z", "7 days' grace by default");
    t.clock.advance(Duration::days(8));
    let hits = t.desk.search("kavya").expect("search");
    assert!(due(&hits[0].phone_status).expect("due").overdue);
    assert!(t.desk.needs_verifying(50).expect("list").iter().any(|p| p.user_id == patient));
    // Verified: off the list.
    let s = t.desk.start_verification("r", &patient, Channel::SMS, true).expect("start");
    let code = t.received(s.outbox_id);
    t.desk.check_code("r", &patient, CodeType::Phone, &code).expect("verify");
    t.set(json!({"require_email_verification": false}));
    assert!(!t.desk.needs_verifying(50).expect("list").iter().any(|p| p.user_id == patient), "phone done, email not required");
    // Not required for patients: no deadline shown at all.
    t.set(json!({"require_email_verification": true, "verification_required_for_patients": false}));
    assert!(due(&t.desk.search("kavya").expect("search")[0].email_status).is_none());
    assert!(t.desk.needs_verifying(50).expect("list").is_empty());
}

#[test]
fn a_demoted_or_disabled_admin_loses_the_rights_at_once() {
    let t = common::desk();
    admin(&t);
    t.desk
        .staff_add(&NewStaff {
            user_id: "ravi.admin".into(),
            display_name: "Ravi".into(),
            role: Role::Admin,
            password: SecretString::from("ravi-passphrase"),
        })
        .expect("second admin");
    t.desk.sign_in("ravi.admin", "ravi-passphrase").expect("ravi");
    t.desk.staff_list().expect("an admin");
    // Another desk (or sync) demotes Ravi while he is signed in here.
    t.desk
        .with_store(|s| Ok(s.conn().execute("UPDATE staff_accounts SET role = 'reception' WHERE user_id = 'ravi.admin'", [])?))
        .expect("demote");
    assert!(matches!(t.desk.staff_list(), Err(Error::Access(AccessError::AdminOnly))));
    assert!(matches!(t.desk.admin_session_passive(), Err(Error::Access(AccessError::AdminOnly))));
    t.desk.session().expect("still reception");
    // Then switched off: the session ends.
    t.desk
        .with_store(|s| Ok(s.conn().execute("UPDATE staff_accounts SET is_active = 0 WHERE user_id = 'ravi.admin'", [])?))
        .expect("disable");
    assert!(matches!(t.desk.session(), Err(Error::Access(AccessError::AccountDisabled))));
    assert!(t.desk.session_peek().is_none());
}

#[test]
fn the_first_setup_is_all_or_nothing() {
    let t = common::desk();
    let bad = t.desk.create_first_admin(&FirstAdmin {
        clinic_name: "   ".into(),
        admin: NewStaff {
            user_id: "asha.admin".into(),
            display_name: "Asha".into(),
            role: Role::Admin,
            password: SecretString::from("admin-passphrase"),
        },
    });
    assert!(bad.is_err(), "a blank clinic name is refused");
    assert!(t.desk.setup_status().expect("status").needs_first_admin, "and no half-made admin is left behind");
    let ok = t
        .desk
        .create_first_admin(&FirstAdmin {
            clinic_name: "Skinspire".into(),
            admin: NewStaff {
                user_id: "asha.admin".into(),
                display_name: "Asha".into(),
                role: Role::Admin,
                password: SecretString::from("admin-passphrase"),
            },
        })
        .expect("setup");
    assert_eq!(ok.recovery_code.len(), 23, "four groups of five: {}", ok.recovery_code);
}

#[test]
fn the_recovery_code_lets_a_locked_out_admin_back_in_once() {
    let t = common::desk();
    let setup = t
        .desk
        .create_first_admin(&FirstAdmin {
            clinic_name: "Skinspire".into(),
            admin: NewStaff {
                user_id: "asha.admin".into(),
                display_name: "Asha".into(),
                role: Role::Admin,
                password: SecretString::from("admin-passphrase"),
            },
        })
        .expect("setup");
    // A guesser blocks the only admin: 100 wrong passwords, waiting out every delay.
    for i in 1..=100 {
        let _ = t.desk.sign_in("asha.admin", "guess");
        t.clock.advance(desk_core::staff::signin::delay_after(i) + Duration::minutes(1));
    }
    let e = t.desk.sign_in("asha.admin", "admin-passphrase").expect_err("blocked");
    assert_eq!(e.code(), ErrorCode::AccountBlocked);
    let wrong = t.desk.recover("asha.admin", "AAAAA-AAAAA-AAAAA-AAAAA", "a-new-passphrase").expect_err("wrong code");
    assert_eq!(wrong.code(), ErrorCode::SignInFailed);
    let next = t.desk.recover("asha.admin", &setup.recovery_code, "a-new-passphrase").expect("recover");
    assert_ne!(next, setup.recovery_code);
    t.desk.sign_in("asha.admin", "a-new-passphrase").expect("back in");
    assert!(t.desk.recover("asha.admin", &setup.recovery_code, "another-passphrase").is_err(), "a code works once");
    let kinds: Vec<String> = t.desk.audit(&AuditFilter::default()).expect("audit").iter().map(|e| e.kind.to_string()).collect();
    assert!(kinds.contains(&"recovery_code_used".to_owned()) && kinds.contains(&"locked".to_owned()), "{kinds:?}");
}

#[test]
fn a_saved_secret_is_never_sent_to_a_server_it_was_not_typed_for() {
    let t = common::desk();
    admin(&t);
    let gmail = |host: Option<&str>, password: &str| GmailInput {
        address: "clinic@gmail.com".into(),
        app_password: SecretString::from(password.to_owned()),
        from_name: None,
        smtp_host: host.map(str::to_owned),
        smtp_port: None,
        smtp_tls: None,
    };
    t.desk.save_gmail("asha.admin", &gmail(None, "abcd efgh ijkl mnop")).expect("saved");
    t.desk.save_gmail("asha.admin", &gmail(None, "")).expect("same server: a blank password keeps the saved one");
    let e = t.desk.save_gmail("asha.admin", &gmail(Some("smtp.evil.example"), "")).expect_err("redirect");
    assert!(e.user_message().contains("Type the app password again"), "{}", e.user_message());
    let e =
        t.desk.update_settings("asha.admin", json!({"smtp_host": "smtp.evil.example"}).as_object().expect("obj")).expect_err("settings");
    assert!(e.user_message().contains("Admin → Providers"), "{}", e.user_message());
    assert_eq!(t.desk.settings().expect("settings").delivery.smtp_host, "smtp.gmail.com");

    let twilio = |url: &str, token: &str| TwilioInput {
        account_sid: SecretString::from(if token.is_empty() { "" } else { "AC0123456789abcdef0123456789abcdef" }),
        auth_token: SecretString::from(token.to_owned()),
        whatsapp_from: Some("+14155238886".into()),
        sms_from: None,
        messaging_service_sid: None,
        content_sid: None,
        base_url: Some(url.into()),
    };
    t.desk.save_twilio("asha.admin", &twilio("https://api.twilio.com", "0123456789abcdef0123456789abcdef")).expect("saved");
    let e = t.desk.save_twilio("asha.admin", &twilio("http://127.0.0.1:4010", "")).expect_err("new address, saved token");
    assert!(e.user_message().contains("Type the Account SID and Auth Token again"), "{}", e.user_message());
    let e = t
        .desk
        .save_twilio("asha.admin", &twilio("http://127.0.0.1@evil.example", "0123456789abcdef0123456789abcdef"))
        .expect_err("not loopback");
    assert!(e.user_message().contains("must be https://api.twilio.com"), "{}", e.user_message());
    let kinds: Vec<String> = t.desk.audit(&AuditFilter::default()).expect("audit").iter().map(|e| e.kind.to_string()).collect();
    assert_eq!(kinds.iter().filter(|k| *k == "credentials_saved").count(), 3, "{kinds:?}");
}

#[test]
fn rate_limits_count_an_address_once_whatever_its_letter_case() {
    let t = common::desk();
    t.set(json!({"max_sends_per_target_per_10_min": 2, "resend_cooldown_seconds": 10}));
    let a = t.add("Priya One", "", "Priya.Sharma@Gmail.com");
    let b = t.add("Priya Two", "", "priya.sharma@gmail.com");
    t.desk.start_verification("r", &a, Channel::EMAIL, true).expect("first");
    t.clock.advance(Duration::seconds(11));
    t.desk.start_verification("r", &b, Channel::EMAIL, true).expect("second: same inbox");
    t.clock.advance(Duration::seconds(11));
    let e = t.desk.start_verification("r", &a, Channel::EMAIL, true).expect_err("third to the same inbox");
    assert_eq!(e.code(), ErrorCode::RateLimited);
}

#[test]
fn walk_ins_get_opaque_ids_and_the_event_log_holds_no_contact_in_clear() {
    let t = common::delivering_desk();
    let id = t.add("Sunil Rao", "98450 67890", "sunil.rao@gmail.com");
    assert!(id.starts_with('W') && !id.contains("98450"), "{id}");
    let s = t.desk.start_verification("r", &id, Channel::EMAIL, true).expect("start");
    let code = t.received(s.outbox_id);
    t.desk.check_code("r", &id, CodeType::Email, &code).expect("verify");
    t.desk
        .update_person(
            "r",
            &id,
            &PersonInput {
                display_name: "Sunil Rao".into(),
                phone: Some("98450 67891".into()),
                email: Some("sunil.rao@gmail.com".into()),
                ..Default::default()
            },
        )
        .expect("edit");
    let dump: String = t
        .desk
        .with_store(|s| {
            let mut st = s.conn().prepare(
                "SELECT coalesce(user_id,'') || coalesce(target_masked,'') || coalesce(detail,'') || coalesce(hex(target_sealed),'') FROM verification_events",
            )?;
            let rows: Vec<String> = st.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
            Ok(rows.join("\n"))
        })
        .expect("event log");
    assert!(!dump.is_empty());
    for clear in ["9845067890", "9845067891", "sunil.rao@gmail.com", "sunil.rao"] {
        assert!(!dump.contains(clear), "{clear} in the event log");
    }
}

/// A keyring that takes its time over every call, like a Secret Service waiting on D-Bus.
#[derive(Debug)]
struct SlowStore(Arc<keyring_core::mock::Store>);

impl keyring_core::api::CredentialStoreApi for SlowStore {
    fn vendor(&self) -> String {
        "slow".into()
    }
    fn id(&self) -> String {
        "slow".into()
    }
    fn build(
        &self,
        service: &str,
        user: &str,
        modifiers: Option<&std::collections::HashMap<&str, &str>>,
    ) -> keyring_core::Result<keyring_core::Entry> {
        std::thread::sleep(std::time::Duration::from_millis(700));
        self.0.build(service, user, modifiers)
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

#[test]
fn a_slow_keyring_never_holds_up_search_and_checks() {
    let slow = desk_core::secrets::Keyring::with_store(Arc::new(SlowStore(keyring_core::mock::Store::new().expect("mock"))), "slow");
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = desk_core::clock::ManualClock::at(time::macros::datetime!(2026-11-24 04:30 UTC));
    let desk = Arc::new(Desk::open_with(AppPaths::under(dir.path()), slow, Arc::new(clock), Arc::new(SeededRandom::new(1))).expect("open"));
    desk.add_person("r", &PersonInput { display_name: "Priya Sharma".into(), phone: Some("98450 12345".into()), ..Default::default() })
        .expect("add");
    // The health view and the status bar ask the keyring (a probe is three calls: ~2 s here).
    let busy = {
        let d = desk.clone();
        std::thread::spawn(move || {
            d.health().expect("health");
            d.status().expect("status");
        })
    };
    std::thread::sleep(std::time::Duration::from_millis(200));
    for _ in 0..5 {
        let t0 = std::time::Instant::now();
        assert_eq!(desk.search("priya").expect("search").len(), 1);
        assert!(t0.elapsed() < std::time::Duration::from_millis(300), "search waited on the keyring: {:?}", t0.elapsed());
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    assert!(!busy.is_finished(), "the keyring calls were still going while search answered");
    busy.join().expect("health and status");
}

//! The verification engine through the core's public API: codes, attempts, expiry, limits,
//! persistence, invalidation, and the clinic's status shape.

mod common;

use common::{delivering_desk as desk, TestDesk};
use desk_core::channel::Channel;
use desk_core::contact::CodeType;
use desk_core::error::CodeError;
use desk_core::verify::ContactStatus;
use desk_core::{Error, ErrorCode, PublicError};
use time::Duration;

#[test]
fn the_right_code_verifies_once_and_writes_the_clinics_status_shape() {
    let t = desk();
    let id = t.add("Priya Sharma", "98450 12345", "priya@gmail.com");
    let started = t.desk.start_verification("reception1", &id, Channel::WHATSAPP, true).expect("start");
    assert_eq!(started.target_masked, "+91 98••• ••345");
    assert_eq!(started.attempts_left, 3);
    assert_eq!(started.code_length, 6);
    let person = t.desk.person(&id).expect("person");
    assert!(matches!(person.phone_status, ContactStatus::CodeSent { attempts_left: 3, .. }), "{:?}", person.phone_status);

    let code = t.received(started.outbox_id);
    assert_eq!(code.len(), 6);
    t.clock.advance(Duration::seconds(40));
    // People type codes with spaces.
    let spaced = format!("{} {}", &code[..3], &code[3..]);
    let result = t.desk.check_code("reception1", &id, CodeType::Phone, &spaced).expect("verifies");
    assert!(matches!(result.person.phone_status, ContactStatus::Verified { .. }));

    let raw: String = t
        .desk
        .with_store(|s| Ok(s.conn().query_row("SELECT verification_status FROM users WHERE user_id = ?1", [&id], |r| r.get(0))?))
        .expect("status");
    let status: serde_json::Value = serde_json::from_str(&raw).expect("json");
    assert_eq!(status["phone"]["verified"], true);
    assert_eq!(status["phone"]["target"], "+919845012345");
    assert_eq!(status["phone"]["verified_at"], "2026-11-24T04:30:40.000Z");
    assert_eq!(status["phone"]["verified_by"], "reception1");
    assert!(status.get("email").is_none(), "email untouched");

    // Single use.
    let again = t.desk.check_code("reception1", &id, CodeType::Phone, &code).expect_err("used");
    assert!(matches!(again, Error::Code(CodeError::NoCodeInProgress)));
    assert_eq!(t.event_kinds(&id), ["person_added", "issued", "sent", "verified"]);
}

#[test]
fn wrong_codes_count_down_then_the_code_is_dead() {
    let t = desk();
    let id = t.add("Rahul Verma", "99001 23456", "");
    let started = t.desk.start_verification("reception1", &id, Channel::SMS, true).expect("start");
    let code = t.received(started.outbox_id);
    let wrong = TestDesk::wrong(&code);

    let e1 = t.desk.check_code("reception1", &id, CodeType::Phone, &wrong).expect_err("wrong");
    assert_eq!(PublicError::from(&e1).message, "Wrong code. 2 tries left.");
    let e2 = t.desk.check_code("reception1", &id, CodeType::Phone, &wrong).expect_err("wrong");
    assert_eq!(PublicError::from(&e2).message, "Wrong code. 1 try left.");
    let e3 = t.desk.check_code("reception1", &id, CodeType::Phone, &wrong).expect_err("wrong");
    assert_eq!(e3.code(), ErrorCode::CodeLocked);
    assert!(e3.user_message().contains("Send a new one"));
    // Now even the right code is refused, and refusing it costs no event.
    let e4 = t.desk.check_code("reception1", &id, CodeType::Phone, &code).expect_err("dead");
    assert!(matches!(e4, Error::Code(CodeError::CodeLocked)));
    assert!(matches!(t.desk.person(&id).expect("p").phone_status, ContactStatus::CodeDead { .. }));
    assert_eq!(t.event_kinds(&id), ["person_added", "issued", "sent", "wrong_code", "wrong_code", "locked"]);

    // A typo of the wrong length is not a guess.
    let fmt = t.desk.check_code("reception1", &id, CodeType::Phone, "12").expect_err("format");
    assert!(matches!(fmt, Error::Code(CodeError::CodeLocked)), "dead code is reported before format: {fmt:?}");

    // A new code (after the cooldown) works.
    t.clock.advance(Duration::seconds(31));
    let again = t.desk.start_verification("reception1", &id, Channel::SMS, true).expect("restart");
    let new_code = t.received(again.outbox_id);
    t.desk.check_code("reception1", &id, CodeType::Phone, &new_code).expect("verifies");
}

#[test]
fn a_code_of_the_wrong_shape_costs_no_try() {
    let t = desk();
    let id = t.add("Ananya Iyer", "98860 34567", "");
    let started = t.desk.start_verification("r", &id, Channel::SMS, true).expect("start");
    for typo in ["12345", "1234567", "12a456", ""] {
        let e = t.desk.check_code("r", &id, CodeType::Phone, typo).expect_err("format");
        assert_eq!(e.user_message(), "The code is 6 digits. Check it and type it again.");
    }
    let view = t.desk.person(&id).expect("p");
    assert!(matches!(view.phone_status, ContactStatus::CodeSent { attempts_left: 3, .. }));
    let code = t.received(started.outbox_id);
    t.desk.check_code("r", &id, CodeType::Phone, &code).expect("still verifies");
}

#[test]
fn expired_codes_never_verify() {
    let t = desk();
    let id = t.add("Mohammed Irfan", "97400 45678", "irfan.m@outlook.com");
    let started = t.desk.start_verification("r", &id, Channel::EMAIL, true).expect("start");
    assert_eq!(started.target_masked, "i•••••@outlook.com");
    let code = t.received(started.outbox_id);
    t.clock.advance(Duration::minutes(10));
    let e = t.desk.check_code("r", &id, CodeType::Email, &code).expect_err("expired");
    assert!(matches!(e, Error::Code(CodeError::CodeExpired)));
    assert_eq!(e.user_message(), "This code has expired. Send a new one.");
    let e = t.desk.check_code("r", &id, CodeType::Email, &code).expect_err("gone");
    assert!(matches!(e, Error::Code(CodeError::NoCodeInProgress)));
    assert_eq!(t.event_kinds(&id), ["person_added", "issued", "sent", "expired"]);
    assert!(matches!(t.desk.person(&id).expect("p").email_status, ContactStatus::NotVerified { .. }));
}

#[test]
fn a_new_code_replaces_the_old_one() {
    let t = desk();
    let id = t.add("Sneha Reddy", "90080 67890", "");
    let first = t.desk.start_verification("r", &id, Channel::WHATSAPP, true).expect("start");
    let old = t.received(first.outbox_id);
    t.clock.advance(Duration::seconds(30));
    let second = t.desk.start_verification("r", &id, Channel::SMS, true).expect("resend");
    let new = t.received(second.outbox_id);
    if old != new {
        let e = t.desk.check_code("r", &id, CodeType::Phone, &old).expect_err("old code");
        assert!(matches!(e, Error::Code(CodeError::WrongCode { .. })), "{e:?}");
    }
    t.desk.check_code("r", &id, CodeType::Phone, &new).expect("new code verifies");
}

#[test]
fn resends_wait_for_the_cooldown_and_say_when() {
    let t = desk();
    let id = t.add("Arjun Nair", "81230 78901", "");
    t.desk.start_verification("r", &id, Channel::SMS, true).expect("start");
    t.clock.advance(Duration::seconds(6));
    let e = t.desk.start_verification("r", &id, Channel::SMS, true).expect_err("cooldown");
    assert_eq!(e.code(), ErrorCode::RateLimited);
    assert_eq!(e.user_message(), "A code was sent moments ago. A new one can be sent in 24 seconds.");
    t.clock.advance(Duration::seconds(24));
    t.desk.start_verification("r", &id, Channel::SMS, true).expect("allowed after 30 s");
    assert_eq!(t.event_kinds(&id), ["person_added", "issued", "send_refused", "issued"]);
}

#[test]
fn at_most_five_sends_per_target_in_ten_minutes_and_new_codes_do_not_reset_it() {
    let t = desk();
    let id = t.add("Kavya Gowda", "96860 89012", "");
    for _ in 0..5 {
        t.desk.start_verification("r", &id, Channel::SMS, true).expect("within the limit");
        t.clock.advance(Duration::seconds(31));
    }
    let e = t.desk.start_verification("r", &id, Channel::WHATSAPP, true).expect_err("sixth refused");
    match &e {
        Error::RateLimited { retry_at, now, .. } => {
            // The first send was at 04:30:00; it leaves the window at 04:40:00.
            assert_eq!(*retry_at - *now, Duration::minutes(10) - Duration::seconds(5 * 31));
        }
        other => panic!("wrong error {other:?}"),
    }
    assert!(e.user_message().starts_with("Too many codes have gone to this contact."), "{}", e.user_message());
    // The limit is per target: another person with the same number is also refused.
    let twin = t.add("Kavya's mother", "96860 89012", "");
    assert!(t.desk.start_verification("r", &twin, Channel::SMS, true).is_err());
    t.clock.advance(Duration::minutes(10));
    t.desk.start_verification("r", &id, Channel::SMS, true).expect("window moved on");
}

#[test]
fn per_staff_per_desk_and_daily_caps_apply() {
    let t = desk();
    t.set(serde_json::json!({"max_sends_per_staff_per_hour": 2, "max_sends_per_desk_per_hour": 3, "max_sends_per_day": 4}));
    let ids: Vec<_> = (0..6).map(|i| t.add(&format!("Person {i}"), &format!("98450 1000{i}"), "")).collect();
    t.desk.start_verification("alice", &ids[0], Channel::SMS, true).expect("1");
    t.desk.start_verification("alice", &ids[1], Channel::SMS, true).expect("2");
    let e = t.desk.start_verification("alice", &ids[2], Channel::SMS, true).expect_err("staff cap");
    assert!(e.user_message().starts_with("You have sent the most codes allowed in an hour."), "{}", e.user_message());
    t.desk.start_verification("bob", &ids[2], Channel::SMS, true).expect("bob may");
    let e = t.desk.start_verification("carol", &ids[3], Channel::SMS, true).expect_err("desk cap");
    assert!(e.user_message().starts_with("This desk has sent the most codes allowed in an hour."));
    t.clock.advance(Duration::hours(1));
    t.desk.start_verification("carol", &ids[3], Channel::SMS, true).expect("next hour");
    let e = t.desk.start_verification("dave", &ids[4], Channel::SMS, true).expect_err("daily cap");
    // 4 sent since 04:30 UTC; the first leaves the 24 h window at 04:30 UTC tomorrow.
    assert_eq!(e.user_message(), "This desk has reached its daily limit of codes. The next one can be sent at 04:30.");
}

#[test]
fn limits_survive_a_restart() {
    let t = desk();
    let id = t.add("Vikram Singh", "98100 90123", "");
    t.desk.start_verification("r", &id, Channel::SMS, true).expect("start");
    let t = t.reopen();
    let e = t.desk.start_verification("r", &id, Channel::SMS, true).expect_err("still cooling down");
    assert_eq!(e.code(), ErrorCode::RateLimited);
}

#[test]
fn codes_issued_before_a_restart_still_verify() {
    let t = desk();
    let id = t.add("Deepa Menon", "94470 01234", "");
    let started = t.desk.start_verification("r", &id, Channel::SMS, true).expect("start");
    let code = t.received(started.outbox_id);
    let t = t.reopen();
    t.desk.check_code("r", &id, CodeType::Phone, &code).expect("the pepper persisted in the keyring");
}

#[test]
fn a_changed_contact_needs_verifying_again() {
    let t = desk();
    let id = t.add("Suresh Kumar", "99860 11223", "suresh@gmail.com");
    let s = t.desk.start_verification("r", &id, Channel::SMS, true).expect("start");
    let code = t.received(s.outbox_id);
    t.desk.check_code("r", &id, CodeType::Phone, &code).expect("verified");

    let input = desk_core::people::PersonInput {
        display_name: "Suresh Kumar".into(),
        phone: Some("99860 99999".into()),
        email: Some("suresh@gmail.com".into()),
        ..Default::default()
    };
    let edit = t.desk.update_person("r", &id, &input).expect("edit");
    assert_eq!(edit.outcome.invalidated, vec![CodeType::Phone]);
    assert!(matches!(edit.person.phone_status, ContactStatus::NotVerified { invalidated_at: Some(_), .. }));
    assert_eq!(edit.person.phone.as_deref(), Some("+919986099999"));
    assert_eq!(t.event_kinds(&id), ["person_added", "issued", "sent", "verified", "invalidated", "contact_edited"]);

    // Editing without changing the contact invalidates nothing.
    let same = t.desk.update_person("r", &id, &input).expect("edit");
    assert!(same.outcome.invalidated.is_empty());
}

#[test]
fn changing_a_contact_cancels_a_code_in_flight() {
    let t = desk();
    let id = t.add("Fatima Begum", "88840 22334", "fatima@gmail.com");
    let s = t.desk.start_verification("r", &id, Channel::EMAIL, true).expect("start");
    let code = t.received(s.outbox_id);
    let input = desk_core::people::PersonInput {
        display_name: "Fatima Begum".into(),
        phone: Some("88840 22334".into()),
        email: Some("fatima.begum@gmail.com".into()),
        ..Default::default()
    };
    t.desk.update_person("r", &id, &input).expect("edit");
    let e = t.desk.check_code("r", &id, CodeType::Email, &code).expect_err("cancelled");
    assert!(matches!(e, Error::Code(CodeError::NoCodeInProgress)));
}

#[test]
fn a_verification_older_than_its_validity_shows_as_expired() {
    let t = desk();
    t.set(serde_json::json!({"verification_validity_months": 6}));
    let id = t.add("Karthik S", "98410 33445", "");
    let s = t.desk.start_verification("r", &id, Channel::SMS, true).expect("start");
    t.desk.check_code("r", &id, CodeType::Phone, &t.received(s.outbox_id)).expect("verified");
    t.clock.advance(Duration::days(180));
    assert!(matches!(t.desk.person(&id).expect("p").phone_status, ContactStatus::Verified { .. }));
    t.clock.advance(Duration::days(2));
    match t.desk.person(&id).expect("p").phone_status {
        ContactStatus::Expired { expired_at, .. } => {
            assert_eq!(expired_at, "2027-05-24T04:30:00.000Z")
        }
        other => panic!("expected expired, got {other:?}"),
    }
}

#[test]
fn bad_targets_get_specific_errors() {
    let t = desk();
    let landline = t.add("Clinic Landline", "080 2222 3333", "");
    let e = t.desk.start_verification("r", &landline, Channel::WHATSAPP, true).expect_err("landline");
    assert_eq!(e.code(), ErrorCode::InvalidContact);
    assert!(e.user_message().contains("landline"), "{}", e.user_message());

    let no_email = t.add("No Email", "98450 12399", "");
    let e = t.desk.start_verification("r", &no_email, Channel::EMAIL, true).expect_err("no email");
    assert_eq!(e.user_message(), "There is no email address for this person. Add one first (Edit contact).");

    let e = t.desk.start_verification("r", "nobody", Channel::SMS, true).expect_err("unknown");
    assert_eq!(e.code(), ErrorCode::PersonNotFound);

    for (phone, email) in [("12345", ""), ("", "priya@gmail"), ("", "")] {
        let r = t.desk.add_person(
            "r",
            &desk_core::people::PersonInput {
                display_name: "X".into(),
                phone: Some(phone.into()),
                email: Some(email.into()),
                ..Default::default()
            },
        );
        let e = r.expect_err("refused");
        assert!(matches!(e.code(), ErrorCode::InvalidContact | ErrorCode::InvalidInput), "{e:?}");
        assert!(!e.user_message().is_empty());
    }
}

#[test]
fn search_finds_people_by_any_part_of_name_phone_or_email() {
    let t = desk();
    assert_eq!(t.desk.load_sample_data("admin").expect("sample"), 34);
    assert!(matches!(t.desk.load_sample_data("admin"), Err(Error::NotEmpty)));

    let names = |q: &str| t.desk.search(q).expect("search").into_iter().map(|h| h.display_name).collect::<Vec<_>>();
    assert_eq!(names("priya"), ["Priya Sharma"]);
    assert_eq!(names("SHARM"), ["Priya Sharma"]);
    assert!(names("iyer").contains(&"Ananya Iyer".to_owned()));
    assert_eq!(names("98450 12345"), ["Priya Sharma"]);
    assert_eq!(names("5012345"), ["Priya Sharma"]);
    let mut by_digits = names("12345");
    by_digits.sort();
    assert_eq!(by_digits, ["Priya Sharma", "Rahul Verma"], "any part of the number: +919900123456 too");
    assert_eq!(names("outlook"), ["Mohammed Irfan"]);
    assert_eq!(names("Ra").first().map(String::as_str), Some("Rahul Verma"));
    assert!(names("zzzz").is_empty());
    assert!(names("").is_empty());
    // FTS syntax in the query is data, not an error.
    assert!(t.desk.search("\"AND OR* NEAR(").is_ok());
    let hit = &t.desk.search("priya").expect("search")[0];
    assert_eq!(hit.phone_masked.as_deref(), Some("+91 98••• ••345"));
    assert!(matches!(hit.phone_status, ContactStatus::NotVerified { .. }));
}

#[test]
fn no_code_goes_out_without_consent() {
    let t = desk();
    let id = t.add("Divya Pillai", "94950 88990", "");
    let e = t.desk.start_verification("r", &id, Channel::SMS, false).expect_err("needs consent");
    assert_eq!(e.code(), ErrorCode::ConsentRequired);
    assert_eq!(t.event_kinds(&id), ["person_added"], "nothing issued, nothing logged as sent");
}

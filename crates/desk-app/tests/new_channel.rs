//! Adding a channel takes a provider, its settings, its templates and one registration line:
//! a test's own "pigeon" channel, unknown to the core, delivery and the facade, goes end to end
//! through the real outbox and worker, and the code it carried verifies the contact.

mod common;

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use desk_app::{AppPaths, Desk};
use desk_core::channel::{Channel, ChannelInfo, Length, Part};
use desk_core::clock::ManualClock;
use desk_core::codes::SeededRandom;
use desk_core::contact::CodeType;
use desk_core::secrets::Keyring;
use desk_core::settings::Settings;
use desk_delivery::failure::Failure;
use desk_delivery::provider::{Built, Outgoing, Provider, Receipt, Registration};
use desk_delivery::{worker, DeliverySettings};
use time::macros::datetime;

/// The channel's facts: it reaches a phone, its message is one short body, its text is its own.
static PIGEON: ChannelInfo = ChannelInfo {
    name: "pigeon",
    code_type: CodeType::Phone,
    label: "Pigeon post",
    parts: &[(Part::Body, "pigeon note")],
    no_such_part: "",
    length: Length::Chars(160),
    texts: |_language, part| (part == Part::Body).then_some("{{ clinic_name }}: your code is {{ code }}. Coo."),
};

/// What the pigeon carried: (to, text).
static CARRIED: Mutex<Vec<(String, String)>> = Mutex::new(Vec::new());

struct Pigeon;

#[async_trait]
impl Provider for Pigeon {
    fn channel(&self) -> Channel {
        Channel::new(&PIGEON)
    }
    fn vendor(&self) -> &'static str {
        "loft"
    }
    async fn send(&self, m: &Outgoing<'_>) -> Result<String, Failure> {
        let mut carried = CARRIED.lock().unwrap_or_else(|p| p.into_inner());
        carried.push((m.to.to_owned(), m.text.to_owned()));
        Ok(format!("bird-{}", carried.len()))
    }
    fn has_receipts(&self) -> bool {
        true
    }
    async fn poll(&self, _id: &str) -> Result<Receipt, Failure> {
        Ok(Receipt::Delivered)
    }
    async fn send_test(&self, _to: &str, _clinic: &str, _id: &str) -> Result<String, Failure> {
        Ok("The pigeon flew.".into())
    }
    fn classify(&self, _code: Option<i64>) -> Failure {
        Failure::not_configured("pigeon post")
    }
}

fn build(_: &Settings, _: &DeliverySettings, _: &Keyring) -> Built {
    Built::Ready(Arc::new(Pigeon))
}

/// The one registration line.
const PIGEON_POST: Registration = Registration { channel: Channel::new(&PIGEON), name: "pigeon_post", build };

#[tokio::test]
async fn a_channel_registered_by_a_test_goes_end_to_end_through_the_outbox() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = ManualClock::at(datetime!(2026-11-24 04:30 UTC));
    let mut providers = desk_delivery::registry::registrations();
    providers.push(PIGEON_POST);
    let desk = Desk::open_with_providers(
        AppPaths::under(dir.path()),
        common::mock_keyring(),
        Arc::new(clock.clone()),
        Arc::new(SeededRandom::new(5)),
        providers,
    )
    .expect("open");
    let mut patch = serde_json::Map::new();
    patch.insert("channel_order".into(), serde_json::json!(["pigeon", "sms", "email"]));
    desk.update_settings("admin", &patch).expect("the new channel is a valid setting value");
    let person = desk
        .add_person(
            "r",
            &desk_core::people::PersonInput { display_name: "Kavya Nair".into(), phone: Some("98765 12345".into()), ..Default::default() },
        )
        .expect("add")
        .user_id;

    let pigeon = Channel::parse("pigeon").expect("registered");
    let started = desk.start_verification("r", &person, pigeon, true).expect("start");
    assert_eq!(started.channel, pigeon);
    assert_eq!(started.target_masked, "+91 98••• ••345");
    // Not demo mode: a provider is set up, so the code goes to it, not to the demo outbox.
    worker::tick(desk.ctx()).await.expect("send");
    assert!(desk.delivery().demo_messages().is_empty());
    let (to, text) = CARRIED.lock().unwrap_or_else(|p| p.into_inner()).last().cloned().expect("carried");
    assert_eq!(to, "+919876512345");
    assert!(text.starts_with("Skinspire Clinic: your code is ") && text.ends_with(". Coo."), "{text}");
    let code: String = text.chars().filter(char::is_ascii_digit).collect();

    // Its receipt comes back by the worker's delivery check, like any channel's.
    clock.advance(time::Duration::seconds(5));
    worker::tick(desk.ctx()).await.expect("poll");
    let entry = desk.outbox_list(Some(&person), 10).expect("outbox").into_iter().next().expect("row");
    assert_eq!((entry.channel, entry.status.as_str()), (pigeon, "delivered"));

    let checked = desk.check_code("r", &person, CodeType::Phone, &code).expect("verified");
    assert_eq!(checked.verified.code_type, CodeType::Phone);
    let kinds: Vec<String> = desk.events_for(&person).expect("events").iter().rev().map(|e| format!("{}:{}", e.kind, e.outcome)).collect();
    assert_eq!(kinds, ["person_added:done", "issued:queued", "sent:accepted", "delivery_status:delivered", "verified:verified"]);
    assert!(!checked.verified.practice, "the code went out by a real provider");
    assert_eq!(desk.events_for(&person).expect("events")[0].channel, Some(pigeon));

    // Its template is edited like any other, with its own part and limit.
    let rows = desk.templates_list(pigeon, "en").expect("templates");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].part, Part::Body);
    let too_long = format!("{{{{ code }}}} {}", "coo ".repeat(60));
    let err = desk.template_save("a", pigeon, "en", Part::Body, &too_long).expect_err("over its 160 characters");
    assert!(err.user_message().contains("Pigeon post allows at most 160"), "{}", err.user_message());
}

#[test]
fn a_channel_nobody_registered_is_refused_everywhere() {
    let t = common::desk();
    let err = serde_json::from_str::<Channel>("\"carrier_owl\"").expect_err("unknown");
    assert!(err.to_string().contains("unknown channel"), "{err}");
    let mut patch = serde_json::Map::new();
    patch.insert("channel_order".into(), serde_json::json!(["carrier_owl"]));
    assert!(t.desk.update_settings("admin", &patch).is_err());
    // The database keeps it out too: the tables that name a channel refer to the known ones.
    let refused = t.desk.with_store(|s| {
        Ok(s.conn().execute(
            "INSERT INTO templates (channel, language, part, body, updated_at) VALUES ('carrier_owl', 'en', 'body', '{{ code }}', 't')",
            [],
        ))
    });
    assert!(matches!(refused, Ok(Err(_))), "{refused:?}");
}

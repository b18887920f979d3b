//! WhatsApp and SMS through the real outbox worker to Prism, which serves Twilio's published
//! OpenAPI for the Messages API and validates every request against it (an invalid one gets
//! 422, a missing Basic auth 401). A message only ends `sent` if Twilio's contract accepted the
//! request the desk built.
//!
//! The credentials go through `admin::save_twilio` into an in-memory keyring (the real
//! Secret Service is covered by keyring_credentials.rs), so these tests run in parallel.

use desk_core::channel::Channel;
use desk_core::secrets::Keyring;
use desk_delivery::admin::{self, Provider};
use desk_delivery::credentials::TwilioConfig;
use desk_delivery::credentials::TwilioInput;
use desk_delivery::twilio::TwilioClient;
use desk_delivery::worker;
use desk_tests::services::{self, ServiceDesk};
use secrecy::SecretString;
use time::Duration;

const SID: &str = "AC0123456789abcdef0123456789abcdef";
const TOKEN: &str = "f0e1d2c3b4a5968778695a4b3c2d1e0f";
const WHATSAPP_SANDBOX: &str = "+14155238886";
const SMS_FROM: &str = "+15005550006";
const MESSAGING_SERVICE: &str = "MG0123456789abcdef0123456789abcdef";
const CONTENT_SID: &str = "HX0123456789abcdef0123456789abcdef";

fn messages_url(base: &str) -> String {
    format!("{base}/2010-04-01/Accounts/{SID}/Messages.json")
}

struct Route {
    whatsapp_from: Option<&'static str>,
    sms_from: Option<&'static str>,
    messaging_service_sid: Option<&'static str>,
    content_sid: Option<&'static str>,
}

/// A desk whose Twilio settings point at Prism, saved the way the admin screen saves them.
fn twilio_desk(base: &str, seed: u64, route: &Route) -> ServiceDesk {
    let keyring = Keyring::with_store(keyring_core::mock::Store::new().expect("mock store"), "mock");
    let t = ServiceDesk::open(keyring, seed);
    let view = admin::save_twilio(
        t.desk.ctx(),
        "admin",
        &TwilioInput {
            account_sid: SecretString::from(SID),
            auth_token: SecretString::from(TOKEN),
            whatsapp_from: route.whatsapp_from.map(Into::into),
            sms_from: route.sms_from.map(Into::into),
            messaging_service_sid: route.messaging_service_sid.map(Into::into),
            content_sid: route.content_sid.map(Into::into),
            base_url: Some(base.to_owned()),
        },
    )
    .expect("save Twilio credentials");
    assert!(view.twilio_configured, "{view:?}");
    assert_eq!(t.desk.settings().expect("settings").delivery.twilio_base_url, base);
    t
}

/// Queue a code on `channel` for a new patient and run the worker once; returns the outbox id.
async fn send_through_worker(t: &ServiceDesk, channel: Channel, name: &str, phone: &str) -> i64 {
    let id = t.add_patient(name, Some(phone), None, Some("en"));
    let started = t.desk.start_verification("reception1", &id, channel, true).expect("start");
    let mut updates = t.desk.delivery().subscribe();
    worker::tick(t.desk.ctx()).await.expect("tick");
    let row = t.row(started.outbox_id);
    assert_eq!(row.channel, channel.as_str());
    assert_eq!(
        (row.status.as_str(), row.last_error_code.as_deref()),
        ("sent", None),
        "Prism refused the request the desk built for {channel:?} (422 = not Twilio's contract): {row:?}"
    );
    let sid = row.provider_message_id.clone().unwrap_or_default();
    assert!(sid.starts_with("SM") || sid.starts_with("MM"), "Twilio's message sid is kept: {row:?}");
    assert_eq!(sid.len(), 34, "{sid}");
    let update = updates.try_recv().expect("a delivery update");
    assert_eq!(update.status, "sent");
    assert!(update.message.as_deref().unwrap_or("").starts_with("Code sent by"), "{update:?}");
    started.outbox_id
}

#[tokio::test]
async fn the_contract_server_refuses_a_message_without_to() {
    let base = services::twilio_contract_url("the_contract_server_refuses_a_message_without_to");
    let http = reqwest::Client::new();
    let post = |form: &[(&str, &str)]| http.post(messages_url(&base)).basic_auth(SID, Some(TOKEN)).form(&form.to_vec()).send();
    // The control: a valid create is accepted …
    let ok = post(&[("To", "+919845012345"), ("From", SMS_FROM), ("Body", "hello")]).await.expect("Prism answers");
    assert_eq!(ok.status().as_u16(), 201, "{}", ok.text().await.unwrap_or_default());
    // … the same without To is not: Prism really enforces Twilio's contract.
    let no_to = post(&[("From", SMS_FROM), ("Body", "hello")]).await.expect("Prism answers");
    let status = no_to.status().as_u16();
    let body = no_to.text().await.unwrap_or_default();
    assert_eq!(status, 422, "a create without To must be refused: {body}");
    assert!(body.contains("To"), "the violation names To: {body}");
    // And without Basic auth at all, 401.
    let anon = http.post(messages_url(&base)).form(&[("To", "+919845012345"), ("From", SMS_FROM), ("Body", "x")]).send().await;
    assert_eq!(anon.expect("Prism answers").status().as_u16(), 401);
}

#[tokio::test]
async fn whatsapp_free_form_from_the_sandbox_is_accepted_by_twilios_contract() {
    let base = services::twilio_contract_url("whatsapp_free_form_from_the_sandbox_is_accepted_by_twilios_contract");
    let route = Route { whatsapp_from: Some(WHATSAPP_SANDBOX), sms_from: None, messaging_service_sid: None, content_sid: None };
    let t = twilio_desk(&base, 21, &route);
    let outbox = send_through_worker(&t, Channel::WHATSAPP, "Priya Sharma", "98450 12345").await;

    // The worker polls the message (GET …/Messages/{sid}.json) and Prism answers that too: the
    // message stays `sent` with a next poll scheduled (a refused poll would stop polling).
    t.clock.advance(Duration::seconds(5));
    worker::tick(t.desk.ctx()).await.expect("poll");
    let row = t.row(outbox);
    assert_eq!(row.status, "sent", "{row:?}");
    assert!(row.next_attempt_at.is_some(), "Prism answered the poll; another is scheduled: {row:?}");
    assert_eq!(row.attempts, 2, "one send and one poll: {row:?}");
}

#[tokio::test]
async fn whatsapp_with_an_approved_template_content_sid_is_accepted() {
    let base = services::twilio_contract_url("whatsapp_with_an_approved_template_content_sid_is_accepted");
    let route =
        Route { whatsapp_from: Some(WHATSAPP_SANDBOX), sms_from: None, messaging_service_sid: None, content_sid: Some(CONTENT_SID) };
    let t = twilio_desk(&base, 22, &route);
    send_through_worker(&t, Channel::WHATSAPP, "Rahul Verma", "+91 98860 11223").await;
}

#[tokio::test]
async fn sms_from_a_number_is_accepted() {
    let base = services::twilio_contract_url("sms_from_a_number_is_accepted");
    let route = Route { whatsapp_from: None, sms_from: Some(SMS_FROM), messaging_service_sid: None, content_sid: None };
    let t = twilio_desk(&base, 23, &route);
    send_through_worker(&t, Channel::SMS, "Lakshmi Narayanan", "94480 55667").await;
}

#[tokio::test]
async fn sms_by_messaging_service_sid_is_accepted() {
    let base = services::twilio_contract_url("sms_by_messaging_service_sid_is_accepted");
    let route = Route { whatsapp_from: None, sms_from: None, messaging_service_sid: Some(MESSAGING_SERVICE), content_sid: None };
    let t = twilio_desk(&base, 24, &route);
    // Hindi: a UCS-2 body in two parts, still one valid create.
    let id = t.add_patient("Mohammed Irfan", Some("90080 33445"), None, Some("hi"));
    let started = t.desk.start_verification("reception1", &id, Channel::SMS, true).expect("start");
    worker::tick(t.desk.ctx()).await.expect("tick");
    let row = t.row(started.outbox_id);
    assert_eq!((row.status.as_str(), row.last_error_code.as_deref()), ("sent", None), "{row:?}");
    assert!(row.provider_message_id.as_deref().unwrap_or("").starts_with("SM"), "{row:?}");
}

/// The other side of every `sent` above: a request outside the contract is refused by Prism and
/// the message is not marked sent. (The admin screen refuses this ContentSid; settings written
/// directly do not check it, which is how a bad one gets this far here.)
#[tokio::test]
async fn a_request_outside_twilios_contract_is_refused_and_not_marked_sent() {
    let base = services::twilio_contract_url("a_request_outside_twilios_contract_is_refused_and_not_marked_sent");
    let route = Route { whatsapp_from: Some(WHATSAPP_SANDBOX), sms_from: None, messaging_service_sid: None, content_sid: None };
    let t = twilio_desk(&base, 26, &route);
    t.set(serde_json::json!({ "twilio_content_sid": "HX0123456789abcdef0123456789abcdeZ" }));
    let id = t.add_patient("Shalini Reddy", Some("98450 67890"), None, None);
    let started = t.desk.start_verification("reception1", &id, Channel::WHATSAPP, true).expect("start");
    worker::tick(t.desk.ctx()).await.expect("tick");
    let row = t.row(started.outbox_id);
    assert_eq!(row.status, "failed", "Prism's 422 is a failure: {row:?}");
    assert!(row.provider_message_id.is_none(), "{row:?}");
}

#[tokio::test]
async fn send_test_for_whatsapp_and_sms_is_accepted() {
    let base = services::twilio_contract_url("send_test_for_whatsapp_and_sms_is_accepted");
    let route = Route { whatsapp_from: Some(WHATSAPP_SANDBOX), sms_from: Some(SMS_FROM), messaging_service_sid: None, content_sid: None };
    let t = twilio_desk(&base, 25, &route);
    for provider in [Provider::TwilioWhatsapp, Provider::TwilioSms] {
        let result = admin::send_test(t.desk.ctx(), "admin", provider, "98450 12345").await.expect("send_test");
        assert!(result.ok, "{provider:?}: {result:?}");
        assert!(result.message.starts_with("Twilio accepted the test message"), "{result:?}");
    }
    let health = admin::health(t.desk.ctx()).expect("health");
    let tested: Vec<_> = health.last_tests.iter().map(|r| (r.provider, r.ok)).collect();
    assert_eq!(tested, vec![(Provider::TwilioSms, true), (Provider::TwilioWhatsapp, true)], "{health:?}");
}

#[tokio::test]
async fn fetching_a_message_is_accepted_by_twilios_contract() {
    let base = services::twilio_contract_url("fetching_a_message_is_accepted_by_twilios_contract");
    let sid = "SM0123456789abcdef0123456789abcdef";
    let raw = reqwest::Client::new()
        .get(format!("{base}/2010-04-01/Accounts/{SID}/Messages/{sid}.json"))
        .basic_auth(SID, Some(TOKEN))
        .send()
        .await
        .expect("Prism answers");
    assert_eq!(raw.status().as_u16(), 200);

    let client = TwilioClient::new(TwilioConfig {
        base_url: base.clone(),
        account_sid: SecretString::from(SID),
        auth_token: SecretString::from(TOKEN),
        whatsapp_from: None,
        sms_from: Some(SMS_FROM.into()),
        messaging_service_sid: None,
        content_sid: None,
        timeout: std::time::Duration::from_secs(10),
    })
    .expect("client");
    let message = client.fetch(sid, false).await.expect("the fetch the worker polls with is accepted (200)");
    assert!(message.sid.starts_with("SM") && message.sid.len() == 34, "{message:?}");
    assert!(
        [
            "queued",
            "sending",
            "sent",
            "delivered",
            "undelivered",
            "failed",
            "read",
            "accepted",
            "scheduled",
            "canceled",
            "receiving",
            "received"
        ]
        .contains(&message.status.as_str()),
        "one of Twilio's message states: {message:?}"
    );
}

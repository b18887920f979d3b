//! Email through the real pipeline to a real SMTP server (scripts/services/smtp-server.py:
//! STARTTLS and AUTH required, like Gmail's port 587, certificate from a private test CA), with
//! the app password in the real gnome-keyring (`Keyring::system()` on the session's bus).
//!
//! Every test saves the Gmail credentials under the app's fixed keyring item, so they run one at
//! a time (`KEYRING`) and remove the item when done. Each uses its own recipient address, and
//! finds its mail in the server's maildir by the `X-Test-Rcpt-To` line.

use std::time::Duration as StdDuration;

use desk_core::channel::Channel;
use desk_core::contact::CodeType;
use desk_core::secrets::Keyring;
use desk_delivery::admin::{self, Provider};
use desk_delivery::credentials::{GmailInput, GMAIL_PASSWORD};
use desk_delivery::settings::SmtpTls;
use desk_delivery::worker;
use desk_tests::services::{self, ServiceDesk, Smtp};
use mailparse::{MailAddr, MailHeaderMap, ParsedMail};
use secrecy::SecretString;
use serde_json::json;
use time::Duration;

/// The app's Gmail item is one per keyring: one test at a time may own it.
static KEYRING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// How long to wait for a message to appear in the maildir.
const ARRIVAL: StdDuration = StdDuration::from_secs(5);
/// How long to wait before concluding that nothing arrived.
const NOTHING: StdDuration = StdDuration::from_millis(800);

const FROM_NAME: &str = "Skinspire Clinic Reception";

/// Removes the app's Gmail password from the keyring when a test ends, even by panicking.
struct ForgetGmail(Keyring);

impl Drop for ForgetGmail {
    fn drop(&mut self) {
        let _ = self.0.delete(GMAIL_PASSWORD);
    }
}

struct Setup {
    t: ServiceDesk,
    smtp: Smtp,
    keyring: Keyring,
    _forget: ForgetGmail,
    _lock: tokio::sync::MutexGuard<'static, ()>,
}

/// A desk whose Gmail settings point at the test server (the test fails when a service is missing).
async fn setup(test: &str, seed: u64, password: Option<&str>, trust_ca: bool) -> Setup {
    let lock = KEYRING.lock().await;
    let (smtp, keyring) = (Smtp::from_env(test), services::secret_service(test));
    let forget = ForgetGmail(keyring.clone());
    let t = ServiceDesk::open(keyring.clone(), seed);
    let view = admin::save_gmail(
        t.desk.ctx(),
        "admin",
        &GmailInput {
            address: smtp.user.clone(),
            app_password: SecretString::from(password.unwrap_or(&smtp.password).to_owned()),
            from_name: Some(FROM_NAME.into()),
            smtp_host: Some(smtp.host.clone()),
            smtp_port: Some(smtp.port),
            smtp_tls: Some(SmtpTls::Starttls),
        },
    )
    .expect("save Gmail credentials");
    assert!(view.gmail_configured, "Gmail not configured after saving: {view:?}");
    assert_eq!((view.smtp_host.as_str(), view.smtp_port), (smtp.host.as_str(), smtp.port));
    if trust_ca {
        t.set(json!({ "smtp_ca_file": smtp.ca.display().to_string() }));
    }
    Setup { t, smtp, keyring, _forget: forget, _lock: lock }
}

/// Queue an email code for a new patient at `rcpt`; returns (user id, outbox id).
fn start_email(t: &ServiceDesk, name: &str, rcpt: &str, language: Option<&str>) -> (String, i64) {
    let id = t.add_patient(name, None, Some(rcpt), language);
    let started = t.desk.start_verification("reception1", &id, Channel::EMAIL, true).expect("start verification");
    assert_eq!(started.channel, Channel::EMAIL);
    (id, started.outbox_id)
}

fn single_addr(header: &mailparse::MailHeader<'_>) -> (Option<String>, String) {
    let list = mailparse::addrparse_header(header).unwrap_or_else(|e| panic!("bad address header {:?}: {e}", header.get_value()));
    match list.first() {
        Some(MailAddr::Single(s)) if list.len() == 1 => (s.display_name.clone(), s.addr.clone()),
        other => panic!("expected one address in {}, got {other:?}", header.get_key()),
    }
}

fn header<'a>(mail: &'a ParsedMail<'a>, name: &str) -> String {
    mail.headers.get_first_value(name).unwrap_or_else(|| panic!("no {name} header"))
}

/// Runs of ASCII digits exactly `len` long.
fn digit_runs(text: &str, len: usize) -> Vec<String> {
    text.split(|c: char| !c.is_ascii_digit()).filter(|w| w.len() == len).map(str::to_owned).collect()
}

fn devanagari(text: &str) -> usize {
    text.chars().filter(|c| ('\u{0900}'..='\u{097F}').contains(c)).count()
}

#[tokio::test]
async fn a_hindi_code_email_arrives_over_starttls_and_its_code_verifies() {
    let s = setup("a_hindi_code_email_arrives_over_starttls_and_its_code_verifies", 11, None, true).await;
    let t = &s.t;
    // The password the desk sends with was read back from the Secret Service.
    assert!(s.keyring.get(GMAIL_PASSWORD).expect("keyring read").is_some());
    let rcpt = services::unique_rcpt("anjali");
    let (id, outbox) = start_email(t, "Anjali Verma", &rcpt, Some("hi"));
    let code = t.queued_code(outbox);

    worker::tick(t.desk.ctx()).await.expect("tick");
    let row = t.row(outbox);
    assert_eq!(row.status, "sent", "{row:?}");
    assert!(row.provider_message_id.as_deref().unwrap_or("").starts_with("smtp:"), "{row:?}");
    assert!(row.provider_message_id.as_deref().unwrap_or("").contains("gsmtp"), "the server's 250 reply is kept: {row:?}");

    let saved = s.smtp.wait_for(&rcpt, 1, ARRIVAL).await;
    assert_eq!(saved.len(), 1, "exactly one message for {rcpt} in {}", s.smtp.maildir.display());
    let raw = &saved[0].raw;
    let mail = mailparse::parse_mail(raw).expect("the saved message parses as MIME");

    // Envelope and headers.
    assert_eq!(header(&mail, "X-Test-Mail-From"), s.smtp.user, "envelope sender");
    let to = mail.headers.get_first_header("To").expect("To");
    assert_eq!(single_addr(to).1, rcpt);
    let from = mail.headers.get_first_header("From").expect("From");
    assert_eq!(single_addr(from), (Some(FROM_NAME.to_owned()), s.smtp.user.clone()));
    let subject = header(&mail, "Subject");
    assert_eq!(subject, "आपका Skinspire Clinic सत्यापन कोड", "the Hindi subject, decoded");
    assert!(!subject.contains(&code), "the subject must not carry the code: {subject}");
    assert!(digit_runs(&subject, 6).is_empty(), "no six-digit number in the subject: {subject}");
    assert_eq!(header(&mail, "Content-Language"), "hi");
    assert_eq!(header(&mail, "Auto-Submitted"), "auto-generated");
    assert!(header(&mail, "Message-ID").ends_with("@verify-desk.skinspire>"), "{}", header(&mail, "Message-ID"));

    // Body: multipart/alternative with a text and an HTML part, both UTF-8.
    assert_eq!(mail.ctype.mimetype, "multipart/alternative");
    let part = |mime: &str| {
        mail.subparts
            .iter()
            .find(|p| p.ctype.mimetype == mime)
            .unwrap_or_else(|| panic!("no {mime} part; parts: {:?}", mail.subparts.iter().map(|p| &p.ctype.mimetype).collect::<Vec<_>>()))
    };
    let text_part = part("text/plain");
    let html_part = part("text/html");
    assert_eq!(mail.subparts.len(), 2);
    assert_eq!(text_part.ctype.charset.to_ascii_lowercase(), "utf-8");
    let text = text_part.get_body().expect("text body");
    let html = html_part.get_body().expect("html body");
    assert!(devanagari(&text) > 40, "the text part is in Devanagari: {text}");
    assert!(text.contains("सत्यापन कोड"), "{text}");
    assert!(text.contains("Anjali Verma"), "greets the patient by name: {text}");
    assert!(devanagari(&html) > 40 && html.contains("lang=\"hi\""), "the HTML part is Hindi: {html}");

    // The code in the message is the code the desk issued, and it verifies.
    let found = digit_runs(&text, 6);
    assert_eq!(found, vec![code.clone()], "the text part carries the queued code (and no other six-digit number)");
    assert!(html.contains(&found[0]), "the HTML part carries the same code");
    let checked = t.desk.check_code("reception1", &id, CodeType::Email, &found[0]).expect("the emailed code verifies");
    assert_eq!(checked.verified.code_type, CodeType::Email);

    let events = t.desk.events_for(&id).expect("events");
    assert!(events.iter().any(|e| e.kind == "sent" && e.outcome == "accepted"), "{events:?}");
    assert!(events.iter().any(|e| e.kind == "verified"), "{events:?}");
}

#[tokio::test]
async fn a_wrong_app_password_fails_with_535_and_tells_the_admin() {
    let s = setup("a_wrong_app_password_fails_with_535_and_tells_the_admin", 12, Some("wrongwrongwrongw"), true).await;
    let t = &s.t;
    let rcpt = services::unique_rcpt("wrongpw");
    let (id, outbox) = start_email(t, "Rahul Iyer", &rcpt, None);
    let mut updates = t.desk.delivery().subscribe();

    worker::tick(t.desk.ctx()).await.expect("tick");
    let row = t.row(outbox);
    assert_eq!(row.status, "failed", "{row:?}");
    assert_eq!(row.last_error_code.as_deref(), Some("535 5.7.8"), "{row:?}");
    assert!(row.next_attempt_at.is_none(), "a refused login is not retried: {row:?}");
    let update = updates.try_recv().expect("a delivery update");
    assert_eq!(update.status, "failed");
    assert!(update.message.as_deref().unwrap_or("").contains("Gmail settings"), "{update:?}");

    let events = t.desk.events_for(&id).expect("events");
    assert!(
        events.iter().any(|e| e.kind == "delivery_status" && e.outcome == "failed" && e.error_code.as_deref() == Some("535 5.7.8")),
        "the event log records the failure: {events:?}"
    );

    let test = admin::send_test(t.desk.ctx(), "admin", Provider::Gmail, &rcpt).await.expect("send_test");
    assert!(!test.ok, "{test:?}");
    assert!(test.message.contains("app password"), "the admin is told about the app password: {test:?}");

    // Nothing got through, and it stays that way.
    t.clock.advance(Duration::minutes(2));
    worker::tick(t.desk.ctx()).await.expect("tick");
    assert!(s.smtp.wait_for(&rcpt, 1, NOTHING).await.is_empty(), "nothing may be delivered with a wrong password");
    assert_eq!(t.row(outbox).attempts, 1, "never retried");
}

#[tokio::test]
async fn an_untrusted_server_certificate_is_refused_in_plain_words() {
    // No smtp_ca_file: the server's certificate is signed by a CA nobody trusts.
    let s = setup("an_untrusted_server_certificate_is_refused_in_plain_words", 13, None, false).await;
    let t = &s.t;
    let rcpt = services::unique_rcpt("untrusted");

    let test = admin::send_test(t.desk.ctx(), "admin", Provider::Gmail, &rcpt).await.expect("send_test");
    assert!(!test.ok, "{test:?}");
    let words = test.message.to_lowercase();
    assert!(words.contains("certificate"), "says it is about the certificate: {test:?}");
    assert!(words.contains("ca certificate file") || words.contains("secure connection"), "{test:?}");
    for internals in ["rustls", "invalidcertificate", "unknownissuer", "error {", "os error", "panicked", "backtrace", "src/"] {
        assert!(!words.contains(internals), "plain words, not internals ({internals}): {test:?}");
    }

    let (_, outbox) = start_email(t, "Sneha Nair", &rcpt, None);
    worker::tick(t.desk.ctx()).await.expect("tick");
    let row = t.row(outbox);
    assert_eq!((row.status.as_str(), row.last_error_code.as_deref()), ("failed", Some("tls")), "{row:?}");
    assert!(row.last_error.as_deref().unwrap_or("").contains("secure connection"), "{row:?}");
    assert!(s.smtp.wait_for(&rcpt, 1, NOTHING).await.is_empty(), "nothing may be delivered over an untrusted connection");
}

#[tokio::test]
async fn a_421_is_retried_after_backoff_and_delivered_once() {
    let s = setup("a_421_is_retried_after_backoff_and_delivered_once", 14, None, true).await;
    let t = &s.t;
    let rcpt = services::unique_rcpt("busy421");
    s.smtp.add_faults(&rcpt, &["421"]);
    let (id, outbox) = start_email(t, "Karthik Rao", &rcpt, None);
    let code = t.queued_code(outbox);

    worker::tick(t.desk.ctx()).await.expect("tick");
    assert!(s.smtp.faults_for(&rcpt).is_empty(), "the server answered the queued 421");
    let row = t.row(outbox);
    assert_eq!(row.status, "queued", "a 421 is retried: {row:?}");
    assert_eq!(row.last_error_code.as_deref(), Some("421 4.7.0"), "{row:?}");
    let next = row.next_attempt_at.as_deref().and_then(desk_core::clock::parse_ts).expect("a next attempt");
    let wait = next - t.now();
    assert!(wait >= Duration::seconds(1) && wait <= Duration::minutes(2), "backoff {wait}");
    assert!(s.smtp.wait_for(&rcpt, 1, NOTHING).await.is_empty(), "nothing saved for a 421");

    // Not yet due: no attempt.
    worker::tick(t.desk.ctx()).await.expect("tick");
    assert_eq!(t.row(outbox).attempts, 1);

    t.clock.advance(wait + Duration::seconds(1));
    worker::tick(t.desk.ctx()).await.expect("retry");
    let row = t.row(outbox);
    assert_eq!((row.status.as_str(), row.attempts), ("sent", 2), "{row:?}");
    assert!(row.last_error_code.is_none(), "{row:?}");
    let saved = s.smtp.wait_for(&rcpt, 1, ARRIVAL).await;
    tokio::time::sleep(NOTHING).await;
    let saved_after = s.smtp.messages_to(&rcpt);
    assert_eq!((saved.len(), saved_after.len()), (1, 1), "exactly one message arrives");
    let mail = mailparse::parse_mail(&saved_after[0].raw).expect("parse");
    let text = mail.subparts.iter().find(|p| p.ctype.mimetype == "text/plain").expect("text").get_body().expect("body");
    assert_eq!(digit_runs(&text, 6), vec![code.clone()], "the retry carries the same code");
    t.desk.check_code("reception1", &id, CodeType::Email, &code).expect("verifies");
}

#[tokio::test]
async fn gmails_daily_limit_pauses_email_and_later_sends_are_refused_locally() {
    let s = setup("gmails_daily_limit_pauses_email_and_later_sends_are_refused_locally", 15, None, true).await;
    let t = &s.t;
    let rcpt = services::unique_rcpt("quota");
    s.smtp.add_faults(&rcpt, &["550-5.4.5"]);
    let before = admin::health(t.desk.ctx()).expect("health");
    assert!(before.gmail.paused_until.is_none(), "{:?}", before.gmail);

    let (id, outbox) = start_email(t, "Fatima Begum", &rcpt, None);
    worker::tick(t.desk.ctx()).await.expect("tick");
    assert!(s.smtp.faults_for(&rcpt).is_empty(), "the server gave its 550-5.4.5");
    let row = t.row(outbox);
    assert_eq!((row.status.as_str(), row.last_error_code.as_deref()), ("failed", Some("550 5.4.5")), "{row:?}");
    assert!(row.last_error.as_deref().unwrap_or("").contains("daily sending limit"), "{row:?}");
    let events = t.desk.events_for(&id).expect("events");
    assert!(events.iter().any(|e| e.outcome == "failed" && e.error_code.as_deref() == Some("550 5.4.5")), "{events:?}");

    let health = admin::health(t.desk.ctx()).expect("health");
    let paused = health.gmail.paused_until.clone().expect("gmail.pausedUntil is set after Gmail's 550 5.4.5");
    assert_eq!(paused, "04:30", "paused for 24 hours from 04:30 UTC: {:?}", health.gmail);
    let as_json = serde_json::to_value(&health).expect("json");
    assert_eq!(as_json["gmail"]["pausedUntil"], json!(paused), "{as_json}");

    // A second email is refused by the desk itself: the server is not contacted. A sentinel
    // fault for the new recipient would be used up by any DATA the desk sent.
    let rcpt2 = services::unique_rcpt("quota-after");
    s.smtp.add_faults(&rcpt2, &["451"]);
    let mut updates = t.desk.delivery().subscribe();
    t.clock.advance(Duration::minutes(5));
    let (_, outbox2) = start_email(t, "Abdul Rahman", &rcpt2, None);
    worker::tick(t.desk.ctx()).await.expect("tick");
    let row2 = t.row(outbox2);
    assert_eq!(row2.status, "failed", "{row2:?}");
    let update = updates.try_recv().expect("update");
    assert!(update.message.as_deref().unwrap_or("").contains("daily sending limit"), "{update:?}");
    assert_eq!(s.smtp.faults_for(&rcpt2), vec!["451".to_owned()], "the server was contacted for a paused send");
    assert!(s.smtp.wait_for(&rcpt2, 1, NOTHING).await.is_empty(), "nothing may reach the server while paused");
    s.smtp.clear_faults(&rcpt2);
}

#[tokio::test]
async fn the_gmail_counter_counts_accepted_emails_and_warns_at_80_percent() {
    let s = setup("the_gmail_counter_counts_accepted_emails_and_warns_at_80_percent", 16, None, true).await;
    let t = &s.t;
    t.set(json!({ "gmail_daily_limit": 5 }));
    let h = admin::health(t.desk.ctx()).expect("health");
    assert_eq!((h.gmail.sent_24h, h.gmail.limit, h.gmail.warn), (0, 5, false), "{:?}", h.gmail);

    // One refused by the server does not count.
    let refused = services::unique_rcpt("count-refused");
    s.smtp.add_faults(&refused, &["552"]);
    let (_, refused_outbox) = start_email(t, "Refused Person", &refused, None);
    worker::tick(t.desk.ctx()).await.expect("tick");
    assert_eq!(t.row(refused_outbox).status, "failed");
    assert_eq!(admin::health(t.desk.ctx()).expect("health").gmail.sent_24h, 0);

    let names = ["Priya Sharma", "Arjun Menon", "Kavya Gowda", "Vikram Singh"];
    let mut rcpts = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let rcpt = services::unique_rcpt(&format!("count{i}"));
        let (_, outbox) = start_email(t, name, &rcpt, None);
        worker::tick(t.desk.ctx()).await.expect("tick");
        assert_eq!(t.row(outbox).status, "sent", "{name}");
        rcpts.push(rcpt);
        t.clock.advance(Duration::minutes(1));
        let h = admin::health(t.desk.ctx()).expect("health");
        assert_eq!(h.gmail.sent_24h, i as i64 + 1, "{:?}", h.gmail);
        // 80 % of 5 is 4.
        assert_eq!(h.gmail.warn, i + 1 >= 4, "after {} sent: {:?}", i + 1, h.gmail);
    }
    for rcpt in &rcpts {
        assert_eq!(s.smtp.wait_for(rcpt, 1, ARRIVAL).await.len(), 1, "{rcpt} got its email");
    }
    let json = serde_json::to_value(admin::health(t.desk.ctx()).expect("health")).expect("json");
    assert_eq!((json["gmail"]["sent24h"].clone(), json["gmail"]["warn"].clone()), (json!(4), json!(true)), "{json}");

    // The counter is a rolling 24 hours.
    t.clock.advance(Duration::hours(25));
    let h = admin::health(t.desk.ctx()).expect("health");
    assert_eq!((h.gmail.sent_24h, h.gmail.warn), (0, false), "{:?}", h.gmail);
}

/// Gmail's pause ends 24 hours after *Gmail* said the quota was used up. The desk's own refusals
/// during the pause carry their own code ("gmail_paused"), so they can't push the end of the
/// pause out (they once did: a desk that kept trying email never got it back).
#[tokio::test]
async fn the_gmail_pause_ends_24_hours_after_gmails_refusal() {
    let s = setup("the_gmail_pause_ends_24_hours_after_gmails_refusal", 17, None, true).await;
    let t = &s.t;
    let rcpt = services::unique_rcpt("pause");
    s.smtp.add_faults(&rcpt, &["550"]);
    let (_, outbox) = start_email(t, "Deepa Pillai", &rcpt, None);
    worker::tick(t.desk.ctx()).await.expect("tick");
    assert_eq!(t.row(outbox).last_error_code.as_deref(), Some("550 5.4.5"));

    // 23 hours later someone tries email again: refused locally, as it should be.
    t.clock.advance(Duration::hours(23));
    let (_, during) = start_email(t, "Naveen Hegde", &services::unique_rcpt("pause-during"), None);
    worker::tick(t.desk.ctx()).await.expect("tick");
    assert_eq!(t.row(during).status, "failed");

    // 25 hours after Gmail's refusal the window has moved on: email must work again.
    t.clock.advance(Duration::hours(2));
    let health = admin::health(t.desk.ctx()).expect("health");
    assert!(health.gmail.paused_until.is_none(), "still paused 25 h after Gmail's 550: {:?}", health.gmail);
    let after = services::unique_rcpt("pause-after");
    let (_, later) = start_email(t, "Meera Joshi", &after, None);
    worker::tick(t.desk.ctx()).await.expect("tick");
    assert_eq!(t.row(later).status, "sent", "{:?}", t.row(later));
}

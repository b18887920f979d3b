//! The verification engine: start a verification (validate the contact, check limits, issue a
//! code, queue the message) and check a typed code, each in one SQLite transaction that also
//! writes its event. Clock and randomness are injected.

pub mod codes_table;
pub mod errors;
pub mod ratelimit;
pub(crate) mod status;

use crate::error::CodeError;
use std::sync::Arc;

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use secrecy::ExposeSecret;
use serde::Serialize;
use serde_json::json;
use time::{Duration, OffsetDateTime};

use crate::channel::Channel;
use crate::clock::{parse_ts, ts, Clock};
use crate::codes::{self, CodeSecrets, RandomSource};
use crate::consent::{self, ConsentGiven};
use crate::contact::{self, CodeType};
use crate::error::{Error, Result};
use crate::events::{self, EventKind, Journal, NewEvent, Outcome};
use crate::outbox;
use crate::people;
use crate::settings::Settings;

pub use status::{ChangedBy, ContactStatus, PersonView};

/// What the desk shows after a code was issued. Never contains the code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Started {
    pub user_id: String,
    pub code_type: CodeType,
    pub channel: Channel,
    pub target_masked: String,
    pub sent_at: String,
    pub expires_at: String,
    pub attempts_left: u32,
    pub code_length: u8,
    pub resend_available_at: String,
    pub outbox_id: i64,
}

/// A search result with its badges.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct PersonSummary {
    pub user_id: String,
    pub display_name: String,
    pub entity_type: String,
    pub phone_masked: Option<String>,
    pub email_masked: Option<String>,
    pub phone_status: ContactStatus,
    pub email_status: ContactStatus,
}

/// A successful check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Verified {
    pub user_id: String,
    pub code_type: CodeType,
    pub verified_at: String,
    pub target_masked: String,
    /// Demo mode: the code was read off the demo outbox, so nothing is proven. Shown as
    /// practice, never counted as verified.
    pub practice: bool,
}

/// The live code row a check reads.
struct LiveCode {
    hash: String,
    target: String,
    channel: String,
    expires_at: String,
    attempts: u32,
    max_attempts: u32,
    locked: bool,
    pepper_id: Option<String>,
    length: Option<u8>,
    created_at: String,
}

pub struct Engine {
    pub clock: Arc<dyn Clock>,
    pub rng: Arc<dyn RandomSource>,
    /// The event log's writer, with this device's id and the code secrets.
    pub journal: Arc<Journal>,
    /// Settings change rarely and are read on every start, check and screen refresh.
    /// Only `update_settings` writes them, and it refreshes this.
    /// The settings and the clinic settings' stamp they were read with.
    settings: std::sync::Mutex<Option<(Settings, String)>>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine").field("device_id", &self.journal.device_id()).finish_non_exhaustive()
    }
}

impl Engine {
    pub fn new(clock: Arc<dyn Clock>, rng: Arc<dyn RandomSource>, journal: Arc<Journal>) -> Self {
        Engine { clock, rng, journal, settings: std::sync::Mutex::new(None) }
    }

    pub fn secrets(&self) -> &CodeSecrets {
        self.journal.secrets()
    }

    pub fn device_id(&self) -> &str {
        self.journal.device_id()
    }

    pub fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }

    /// The current settings (cached).
    pub fn settings(&self, conn: &Connection) -> Result<Settings> {
        // A pull may have brought the clinic's settings since: a cheap stamp says so.
        let stamp = crate::settings::central_stamp(conn)?;
        let mut cached = self.settings.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((s, at)) = cached.as_ref() {
            if *at == stamp {
                return Ok(s.clone());
            }
        }
        let loaded = Settings::load(conn)?;
        *cached = Some((loaded.clone(), stamp));
        Ok(loaded)
    }

    /// Drop the cached settings (a change that failed part-way rolled back).
    pub fn forget_settings(&self) {
        *self.settings.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    /// Change the core's settings named in `patch` and refresh the cache.
    pub fn update_settings(&self, conn: &Connection, patch: &serde_json::Map<String, serde_json::Value>, by: &str) -> Result<Settings> {
        let mut cached = self.settings.lock().unwrap_or_else(|p| p.into_inner());
        let updated = Settings::update(conn, patch, by, &ts(self.clock.now()))?;
        *cached = Some((updated.clone(), crate::settings::central_stamp(conn)?));
        Ok(updated)
    }

    /// Issue a code for `user_id` on `channel` and queue it for sending.
    #[tracing::instrument(skip(self, conn, user_id), fields(user = %contact::log_id(user_id), channel = channel.as_str()))]
    pub fn start(&self, conn: &mut Connection, actor: &str, user_id: &str, channel: Channel, consent: &ConsentGiven) -> Result<Started> {
        let now = self.clock.now();
        let code_type = channel.code_type();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let person = people::get(&tx, user_id)?;
        if !person.is_active {
            return Err(Error::Code(CodeError::PersonInactive));
        }
        let stored = match code_type {
            CodeType::Phone => person.phone.as_deref(),
            CodeType::Email => person.email.as_deref(),
        };
        let stored = stored.ok_or(Error::Code(CodeError::NoContact { channel }))?;
        let target = match code_type {
            // Codes by phone go by WhatsApp or SMS: only mobiles receive them.
            CodeType::Phone => contact::normalize_mobile(stored)?,
            CodeType::Email => contact::normalize_email(stored)?,
        };
        let masked = contact::mask(code_type, &target);
        let settings = self.settings(&tx)?;
        // Withdrawn consent for this very contact stands until the person consents again.
        consent::check_not_withdrawn(&tx, self.secrets(), user_id, code_type, &target)?;

        let request = ratelimit::SendRequest { user_id, code_type, target: &target, actor };
        if let Some(refusal) = ratelimit::check(&tx, &settings, &request, now)? {
            events::append(
                &tx,
                &self.journal,
                now,
                &NewEvent {
                    user_id,
                    code_type: Some(code_type),
                    kind: EventKind::SendRefused,
                    actor,
                    channel: Some(channel),
                    target: Some(&target),
                    outcome: Outcome::Refused,
                    error_code: Some(refusal.limit.as_str()),
                    detail: Some(json!({"retry_at": ts(refusal.retry_at)})),
                },
            )?;
            tx.commit()?;
            return Err(refusal.into_error(now, self.clock.local_offset()));
        }

        let length = settings.code_length();
        let code = codes::generate(length, self.rng.as_ref());
        let hash = self.secrets().hash(user_id, code_type, &target, code.expose_secret());
        let expires_at = now + Duration::minutes(settings.code_minutes(code_type).into());
        let replaced = codes_table::discard(&tx, user_id, code_type)?;
        // Every earlier message for this contact carries a code that no longer works: none of
        // them may be retried or fall back to another channel with it.
        let retired = outbox::retire_contact(&tx, user_id, code_type, outbox::RetireReason::NewCode, now)?;
        tx.execute(
            "INSERT INTO verification_codes (user_id, code_type, code, target, channel, expires_at,
                 attempts, max_attempts, created_at, updated_at, created_by, updated_by, pepper_id, code_length)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, ?7, ?8, ?8, ?9, ?9, ?10, ?11)",
            params![
                user_id,
                code_type.as_str(),
                hash,
                target,
                channel.as_str(),
                ts(expires_at),
                settings.max_otp_attempts,
                ts(now),
                actor,
                self.secrets().key_id(),
                length,
            ],
        )?;
        let language = person.preferred_language.clone().unwrap_or_else(|| settings.default_language.clone());
        let outbox_id = outbox::enqueue(
            &tx,
            self.secrets(),
            self.rng.as_ref(),
            &code,
            &outbox::Enqueue {
                user_id,
                code_type,
                channel,
                target: &target,
                language: &language,
                expires_at,
                actor,
                device_id: self.device_id(),
            },
            now,
        )?;
        let notice = consent::record_given(&tx, &self.journal, user_id, code_type, &target, consent, actor, now)?;
        events::append(
            &tx,
            &self.journal,
            now,
            &NewEvent {
                user_id,
                code_type: Some(code_type),
                kind: EventKind::Issued,
                actor,
                channel: Some(channel),
                target: Some(&target),
                outcome: Outcome::Queued,
                error_code: None,
                detail: Some(json!({
                    "outbox_id": outbox_id,
                    "replaced_previous": replaced,
                    "retired_messages": retired,
                    "code_length": length,
                    "consent": {"notice_version": notice.version, "language": notice.language, "purpose": notice.purpose},
                })),
            },
        )?;
        tx.commit()?;
        tracing::info!(outbox_id, "code issued and queued");
        Ok(Started {
            user_id: user_id.to_owned(),
            code_type,
            channel,
            target_masked: masked,
            sent_at: ts(now),
            expires_at: ts(expires_at),
            attempts_left: settings.max_otp_attempts,
            code_length: length,
            resend_available_at: ts(now + Duration::seconds(settings.resend_cooldown_seconds.into())),
            outbox_id,
        })
    }

    /// Check a typed code. Wrong, expired and dead codes are errors that say what to do next;
    /// the attempt is counted (and its event written) before the error returns.
    #[tracing::instrument(skip(self, conn, user_id, typed), fields(user = %contact::log_id(user_id), code_type = code_type.as_str()))]
    pub fn check(&self, conn: &mut Connection, actor: &str, user_id: &str, code_type: CodeType, typed: &str) -> Result<Verified> {
        let now = self.clock.now();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let row = tx
            .query_row(
                "SELECT code, target, channel, expires_at, attempts, max_attempts, locked_at, pepper_id, code_length, created_at
                 FROM verification_codes WHERE user_id = ?1 AND code_type = ?2",
                params![user_id, code_type.as_str()],
                |r| {
                    Ok(LiveCode {
                        hash: r.get(0)?,
                        target: r.get(1)?,
                        channel: r.get(2)?,
                        expires_at: r.get(3)?,
                        attempts: r.get(4)?,
                        max_attempts: r.get(5)?,
                        locked: r.get::<_, Option<String>>(6)?.is_some(),
                        pepper_id: r.get(7)?,
                        length: r.get(8)?,
                        created_at: r.get(9)?,
                    })
                },
            )
            .optional()?;
        let Some(LiveCode { hash, target, channel, expires_at, attempts, max_attempts, locked, pepper_id, length, created_at }) = row
        else {
            // Either never sent, or already used: a code is single-use.
            people::get(&tx, user_id)?;
            return Err(Error::Code(CodeError::NoCodeInProgress));
        };
        let channel = Channel::parse(&channel);
        let masked = contact::mask(code_type, &target);
        if locked {
            return Err(Error::Code(CodeError::CodeLocked));
        }
        // Made under another pepper, its hash can't match whatever is typed: say so, and don't
        // count a try the person can't win.
        if pepper_id.as_deref().is_some_and(|p| p != self.secrets().key_id()) {
            return Err(Error::Code(CodeError::CodeFromOtherPepper));
        }
        let expired = parse_ts(&expires_at).is_none_or(|e| now >= e);
        if expired {
            codes_table::discard(&tx, user_id, code_type)?;
            events::append(
                &tx,
                &self.journal,
                now,
                &NewEvent {
                    user_id,
                    code_type: Some(code_type),
                    kind: EventKind::Expired,
                    actor,
                    channel,
                    target: Some(&target),
                    outcome: Outcome::Expired,
                    error_code: None,
                    detail: None,
                },
            )?;
            tx.commit()?;
            return Err(Error::Code(CodeError::CodeExpired));
        }

        let settings = self.settings(&tx)?;
        let typed = codes::normalize_typed_code(typed);
        // The code's own length: an admin may have changed the setting since it was sent.
        let expected_len = length.unwrap_or_else(|| settings.code_length());
        if typed.len() != usize::from(expected_len) || !typed.chars().all(|c| c.is_ascii_digit()) {
            // A typo of the wrong shape is not a guess: it doesn't cost a try.
            return Err(Error::Code(CodeError::CodeFormat { length: expected_len }));
        }

        let attempts = attempts + 1;
        if self.secrets().matches(&hash, user_id, code_type, &target, &typed) {
            // Real only if the code went out through a provider: a code read off the demo
            // outbox proves nothing about the contact. Practice is kept apart from `verified`
            // everywhere (status, event, badge), so no policy and no clinic record counts it.
            let practice = !outbox::went_to_provider(&tx, user_id, code_type, &created_at)?;
            let person = people::get(&tx, user_id)?;
            let mut status = person.verification_status;
            if !status.is_object() {
                status = json!({});
            }
            let entry = if practice {
                json!({"verified": false, "practice": true, "practiced_at": ts(now), "channel": channel.map(Channel::as_str), "verified_by": actor})
            } else {
                json!({
                    "verified": true,
                    "verified_at": ts(now),
                    "target": target,
                    "channel": channel.map(Channel::as_str),
                    "verified_by": actor,
                })
            };
            if let Some(obj) = status.as_object_mut() {
                obj.insert(code_type.as_str().to_owned(), entry);
            }
            people::set_verification_status(&tx, user_id, &status, actor, now)?;
            codes_table::discard(&tx, user_id, code_type)?;
            events::append(
                &tx,
                &self.journal,
                now,
                &NewEvent {
                    user_id,
                    code_type: Some(code_type),
                    kind: if practice { EventKind::Practised } else { EventKind::Verified },
                    actor,
                    channel,
                    target: Some(&target),
                    outcome: if practice { Outcome::Practice } else { Outcome::Verified },
                    error_code: None,
                    detail: Some(json!({"attempt": attempts, "practice": practice})),
                },
            )?;
            tx.commit()?;
            tracing::info!(practice, "contact verified");
            return Ok(Verified { user_id: user_id.to_owned(), code_type, verified_at: ts(now), target_masked: masked, practice });
        }

        let locked = attempts >= max_attempts;
        tx.execute(
            "UPDATE verification_codes SET attempts = ?3, locked_at = ?4, updated_at = ?5, updated_by = ?6
             WHERE user_id = ?1 AND code_type = ?2",
            params![user_id, code_type.as_str(), attempts, locked.then(|| ts(now)), ts(now), actor],
        )?;
        events::append(
            &tx,
            &self.journal,
            now,
            &NewEvent {
                user_id,
                code_type: Some(code_type),
                kind: if locked { EventKind::Locked } else { EventKind::WrongCode },
                actor,
                channel,
                target: Some(&target),
                outcome: Outcome::WrongCode,
                error_code: None,
                detail: Some(json!({"attempt": attempts, "max_attempts": max_attempts})),
            },
        )?;
        tx.commit()?;
        if locked {
            Err(Error::Code(CodeError::WrongCodeLocked))
        } else {
            Err(Error::Code(CodeError::WrongCode { attempts_left: max_attempts - attempts }))
        }
    }

    /// Search results with their badges: two queries in all, however many hits.
    pub fn search(&self, conn: &Connection, query: &str) -> Result<Vec<PersonSummary>> {
        let hits = people::search(conn, query, people::SEARCH_LIMIT)?;
        self.summaries(conn, &hits)
    }

    /// The "needs verifying" list: people with a required contact that isn't verified,
    /// oldest first, each with its badges (overdue ones say so).
    pub fn needs_verifying(&self, conn: &Connection, limit: u32) -> Result<Vec<PersonSummary>> {
        let s = self.settings(conn)?;
        let hits = people::needing_verification(
            conn,
            s.require_phone_verification,
            s.require_email_verification,
            s.verification_required_for_staff,
            s.verification_required_for_patients,
            limit,
        )?;
        self.summaries(conn, &hits)
    }

    fn summaries(&self, conn: &Connection, hits: &[people::SearchHit]) -> Result<Vec<PersonSummary>> {
        let settings = self.settings(conn)?;
        let now = self.clock.now();
        let ids: Vec<&str> = hits.iter().map(|h| h.user_id.as_str()).collect();
        let codes = status::codes_for(conn, &ids)?;
        Ok(hits
            .iter()
            .map(|h| {
                let status_json = people::parse_status(&h.verification_status);
                let code = |t: CodeType| codes.get(&(h.user_id.clone(), t.as_str().to_owned()));
                let whom = status::Whom { entity_type: &h.entity_type, created_at: &h.created_at };
                PersonSummary {
                    user_id: h.user_id.clone(),
                    display_name: h.display_name.clone(),
                    entity_type: h.entity_type.clone(),
                    phone_masked: h.phone.as_deref().map(contact::mask_phone),
                    email_masked: h.email.as_deref().map(contact::mask_email),
                    phone_status: status::contact_status(
                        CodeType::Phone,
                        h.phone.as_deref(),
                        &status_json,
                        code(CodeType::Phone),
                        &whom,
                        &settings,
                        now,
                    ),
                    email_status: status::contact_status(
                        CodeType::Email,
                        h.email.as_deref(),
                        &status_json,
                        code(CodeType::Email),
                        &whom,
                        &settings,
                        now,
                    ),
                }
            })
            .collect())
    }

    /// A person with the state of each contact, as the desk shows it.
    pub fn person_view(&self, conn: &Connection, user_id: &str) -> Result<PersonView> {
        let person = people::get(conn, user_id)?;
        let settings = self.settings(conn)?;
        status::person_view(conn, self.secrets(), &person, &settings, self.clock.now())
    }
}

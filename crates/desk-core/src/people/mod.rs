//! People at the desk: add walk-ins, edit contacts, find anyone by any part of name, phone or
//! email. A changed phone or email undoes that channel's verification (status + event) in the
//! same transaction.

use rusqlite::{params, Connection, OptionalExtension, Row, Transaction, TransactionBehavior};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use time::OffsetDateTime;

use crate::clock::ts;
use crate::contact::{self, CodeType};
use crate::error::{Error, Result};
use crate::events::{self, EventKind, Journal, NewEvent, Outcome};
use crate::language;
use crate::outbox::{self, RetireReason};

pub mod clinic;
pub mod corrections;
pub mod search_index;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, strum::IntoStaticStr, strum::EnumString, specta::Type)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum EntityType {
    Staff,
    Patient,
}

crate::sql_text!(EntityType);

impl EntityType {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// What staff type when adding or editing a person.
#[derive(Debug, Clone, Default, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct PersonInput {
    pub display_name: String,
    pub entity_type: Option<EntityType>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub preferred_language: Option<String>,
}

/// A person row, as the engine reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonRow {
    pub user_id: String,
    pub entity_type: String,
    pub display_name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub preferred_language: Option<String>,
    pub is_active: bool,
    pub verification_status: Value,
    pub updated_at: String,
    pub created_at: String,
}

const PERSON_COLUMNS: &str = "user_id, entity_type, display_name, phone, email, preferred_language,
     is_active, verification_status, updated_at, created_at";

fn person_from_row(r: &Row<'_>) -> rusqlite::Result<PersonRow> {
    let status: String = r.get(7)?;
    Ok(PersonRow {
        user_id: r.get(0)?,
        entity_type: r.get(1)?,
        display_name: r.get(2)?,
        phone: r.get(3)?,
        email: r.get(4)?,
        preferred_language: r.get(5)?,
        is_active: r.get(6)?,
        verification_status: parse_status(&status),
        updated_at: r.get(8)?,
        created_at: r.get(9)?,
    })
}

/// The clinic's column holds JSON objects, but 43 of its rows hold a JSON *string* containing
/// the object (double-encoded). Read both; anything else counts as "nothing verified".
pub fn parse_status(raw: &str) -> Value {
    match serde_json::from_str::<Value>(raw) {
        Ok(Value::Object(m)) => Value::Object(m),
        Ok(Value::String(inner)) => match serde_json::from_str::<Value>(&inner) {
            Ok(Value::Object(m)) => Value::Object(m),
            _ => json!({}),
        },
        _ => json!({}),
    }
}

pub fn get(conn: &Connection, user_id: &str) -> Result<PersonRow> {
    conn.query_row(&format!("SELECT {PERSON_COLUMNS} FROM users WHERE user_id = ?1 AND is_deleted = 0"), [user_id], person_from_row)
        .optional()?
        .ok_or(Error::PersonNotFound)
}

struct Clean {
    name: String,
    phone: Option<String>,
    email: Option<String>,
    language: Option<String>,
}

fn clean(input: &PersonInput) -> Result<Clean> {
    let name = input.display_name.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        return Err(Error::InvalidInput("Type the person's name.".into()));
    }
    if name.chars().count() > 120 {
        return Err(Error::InvalidInput("That name is too long (120 characters at most).".into()));
    }
    let phone = match input.phone.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        Some(p) => Some(contact::normalize_phone(p)?),
        None => None,
    };
    let email = match input.email.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
        Some(e) => Some(contact::normalize_email(e)?),
        None => None,
    };
    if phone.is_none() && email.is_none() {
        return Err(Error::InvalidInput("Give at least a phone number or an email address.".into()));
    }
    let language = match input.preferred_language.as_deref().filter(|l| !l.is_empty()) {
        Some(l) if language::is_shipped(l) => Some(l.to_owned()),
        Some(l) => return Err(Error::InvalidInput(format!("The desk has no messages in language “{l}”."))),
        None => None,
    };
    Ok(Clean { name, phone, email, language })
}

/// A walk-in's id: "W" and 10 random base-32 characters. Never the phone number: the id goes
/// into the event log and the clinic's records, where a contact must not appear in clear.
fn new_user_id(tx: &Transaction<'_>, rng: &dyn crate::codes::RandomSource) -> Result<String> {
    loop {
        let id = random_id(rng);
        let taken: bool = tx.query_row("SELECT EXISTS (SELECT 1 FROM users WHERE user_id = ?1)", [&id], |r| r.get(0))?;
        if !taken {
            return Ok(id);
        }
    }
}

fn random_id(rng: &dyn crate::codes::RandomSource) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 10];
    rng.fill(&mut bytes);
    std::iter::once('W').chain(bytes.iter().map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)).collect()
}

/// Add a walk-in. Returns the new user id.
pub fn add(
    conn: &mut Connection,
    j: &Journal,
    input: &PersonInput,
    actor: &str,
    now: OffsetDateTime,
    rng: &dyn crate::codes::RandomSource,
) -> Result<String> {
    let c = clean(input)?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let user_id = new_user_id(&tx, rng)?;
    let mut entity = [0u8; 16];
    rng.fill(&mut entity);
    let entity_id = uuid::Builder::from_random_bytes(entity).into_uuid().to_string();
    let at = ts(now);
    tx.execute(
        "INSERT INTO users (user_id, entity_type, entity_id, display_name, phone, email,
             preferred_language, verification_status, created_at, updated_at, created_by, updated_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, '{}', ?8, ?8, ?9, ?9)",
        params![
            user_id,
            input.entity_type.unwrap_or(EntityType::Patient).as_str(),
            entity_id,
            c.name,
            c.phone,
            c.email,
            c.language,
            at,
            actor
        ],
    )?;
    events::append(
        &tx,
        j,
        now,
        &NewEvent::action(
            &user_id,
            EventKind::PersonAdded,
            actor,
            Outcome::Done,
            Some(
                json!({"entity_type": input.entity_type.unwrap_or(EntityType::Patient).as_str(), "has_phone": c.phone.is_some(), "has_email": c.email.is_some()}),
            ),
        ),
    )?;
    tx.commit()?;
    tracing::info!(user = %contact::log_id(&user_id), "person added");
    Ok(user_id)
}

/// What an edit did to verifications.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct EditOutcome {
    /// Channels whose verification was undone because the contact changed.
    pub invalidated: Vec<CodeType>,
}

/// Edit a person's name, contacts and language. A changed phone or email undoes that channel's
/// verification and cancels any code in flight for it.
pub fn update(
    conn: &mut Connection,
    j: &Journal,
    user_id: &str,
    input: &PersonInput,
    actor: &str,
    now: OffsetDateTime,
) -> Result<EditOutcome> {
    let c = clean(input)?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let before = get(&tx, user_id)?;
    // A clinic person's corrected contact goes to the clinic (and isn't lost at the next pull).
    let from_clinic: bool = tx.query_row("SELECT origin = 'clinic' FROM users WHERE user_id = ?1", [user_id], |r| r.get(0))?;
    let mut status = before.verification_status.clone();
    let mut outcome = EditOutcome::default();
    let mut changed: Vec<&str> = Vec::new();
    for (code_type, old, new) in
        [(CodeType::Phone, before.phone.as_deref(), c.phone.as_deref()), (CodeType::Email, before.email.as_deref(), c.email.as_deref())]
    {
        if old == new {
            continue;
        }
        if from_clinic {
            corrections::record(&tx, j, user_id, code_type, old, new, actor, now)?;
        }
        let key = code_type.as_str();
        let was_verified = status.get(key).and_then(|s| s.get("verified")).and_then(Value::as_bool) == Some(true);
        let deleted_code = crate::verify::codes_table::discard(&tx, user_id, code_type)?;
        // Messages still waiting would go to the old contact: cancel them.
        let cancelled = outbox::retire_contact(&tx, user_id, code_type, RetireReason::ContactChanged, now)?;
        changed.push(code_type.as_str());
        if was_verified || deleted_code || !cancelled.is_empty() {
            if let Some(obj) = status.as_object_mut() {
                obj.insert(key.to_owned(), json!({"verified": false, "invalidated_at": ts(now), "reason": "contact_changed"}));
            }
            events::append(
                &tx,
                j,
                now,
                &NewEvent {
                    user_id,
                    code_type: Some(code_type),
                    kind: EventKind::Invalidated,
                    actor,
                    channel: None,
                    target: old,
                    outcome: Outcome::ContactChanged,
                    error_code: None,
                    detail: Some(json!({"was_verified": was_verified, "code_cancelled": deleted_code, "cancelled_messages": cancelled})),
                },
            )?;
            outcome.invalidated.push(code_type);
        }
    }
    let name_changed = before.display_name != c.name;
    let language_changed = before.preferred_language != c.language;
    if !changed.is_empty() || name_changed || language_changed {
        events::append(
            &tx,
            j,
            now,
            &NewEvent::action(
                user_id,
                EventKind::ContactEdited,
                actor,
                Outcome::Done,
                Some(json!({"contacts_changed": changed, "name_changed": name_changed, "language_changed": language_changed})),
            ),
        )?;
    }
    tx.execute(
        "UPDATE users SET display_name = ?2, phone = ?3, email = ?4, preferred_language = ?5,
             verification_status = ?6, updated_at = ?7, updated_by = ?8
         WHERE user_id = ?1",
        params![user_id, c.name, c.phone, c.email, c.language, status.to_string(), ts(now), actor],
    )?;
    tx.commit()?;
    Ok(outcome)
}

/// Record a person's new `verification_status` (the verify module's result).
pub fn set_verification_status(tx: &Transaction<'_>, user_id: &str, status: &Value, actor: &str, now: OffsetDateTime) -> Result<()> {
    tx.execute(
        "UPDATE users SET verification_status = ?2, updated_at = ?3, updated_by = ?4 WHERE user_id = ?1",
        params![user_id, status.to_string(), ts(now), actor],
    )?;
    Ok(())
}

/// A search hit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchHit {
    pub user_id: String,
    pub display_name: String,
    pub entity_type: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    #[serde(skip)]
    pub verification_status: String,
    #[serde(skip)]
    pub created_at: String,
}

/// People with a contact that policy says must be verified and isn't (not verified, only
/// practised in demo mode, or verified too long ago), oldest first: the "needs verifying" list.
pub fn needing_verification(
    conn: &Connection,
    phone: bool,
    email: bool,
    staff: bool,
    patients: bool,
    limit: u32,
) -> Result<Vec<SearchHit>> {
    let mut stmt = conn.prepare_cached(
        "SELECT user_id, display_name, entity_type, phone, email, verification_status, created_at FROM users
         WHERE is_deleted = 0 AND is_active = 1
           AND ((entity_type = 'staff' AND ?3) OR (entity_type = 'patient' AND ?4))
           AND ((?1 AND phone IS NOT NULL AND coalesce(json_extract(verification_status, '$.phone.verified'), 0) != 1)
             OR (?2 AND email IS NOT NULL AND coalesce(json_extract(verification_status, '$.email.verified'), 0) != 1))
         ORDER BY created_at LIMIT ?5",
    )?;
    let rows = stmt.query_map(params![phone, email, staff, patients, limit], hit_from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A hit from the columns `user_id, display_name, entity_type, phone, email,
/// verification_status, created_at`, in that order (both lists read them so).
fn hit_from_row(r: &Row<'_>) -> rusqlite::Result<SearchHit> {
    Ok(SearchHit {
        user_id: r.get(0)?,
        display_name: r.get(1)?,
        entity_type: r.get(2)?,
        phone: r.get(3)?,
        email: r.get(4)?,
        verification_status: r.get(5)?,
        created_at: r.get(6)?,
    })
}

pub const SEARCH_LIMIT: u32 = 25;

/// Find people by any part of name, phone or email. Three characters or more use the trigram
/// index; shorter queries match the start of names (an index range scan).
pub fn search(conn: &Connection, query: &str, limit: u32) -> Result<Vec<SearchHit>> {
    let q = query.trim();
    if q.is_empty() {
        return Ok(Vec::new());
    }
    // People type numbers with spaces and dashes: "98765 43210".
    let looks_like_phone = q.chars().all(|c| c.is_ascii_digit() || " +-()".contains(c));
    let q: String = if looks_like_phone { q.chars().filter(|c| c.is_ascii_digit() || *c == '+').collect() } else { q.to_owned() };
    let map = hit_from_row;
    if q.chars().count() < 3 {
        let mut stmt = conn.prepare_cached(
            "SELECT user_id, display_name, entity_type, phone, email, verification_status, created_at FROM users
             WHERE is_deleted = 0 AND is_active = 1 AND display_name LIKE ?1 || '%' ESCAPE '\\'
             ORDER BY display_name COLLATE NOCASE LIMIT ?2",
        )?;
        let escaped = q.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        let hits = stmt.query_map(params![escaped, limit], map)?.collect::<rusqlite::Result<_>>()?;
        return Ok(hits);
    }
    // A quoted FTS5 string: the user's text is data, never query syntax.
    let fts = format!("\"{}\"", q.replace('"', "\"\""));
    // Ranking every match is what makes a broad query ("gmail": a quarter of the clinic) slow,
    // and bm25 says little about a trigram hit anyway. Take a bounded set of matches, then put
    // the ones whose name starts with the query first, then by name.
    let mut stmt = conn.prepare_cached(SEARCH_SQL)?;
    let mut hits: Vec<SearchHit> = stmt.query_map(params![fts, SEARCH_CANDIDATES], map)?.collect::<rusqlite::Result<_>>()?;
    let needle = q.to_lowercase();
    hits.sort_by_cached_key(|h| {
        let name = h.display_name.to_lowercase();
        let word_prefix = name.split_whitespace().any(|w| w.starts_with(&needle));
        (!name.starts_with(&needle), !word_prefix, name)
    });
    hits.truncate(limit as usize);
    Ok(hits)
}

/// How many FTS matches a search considers before ordering them.
pub const SEARCH_CANDIDATES: u32 = 200;

/// The search's FTS5 query (shared with the benchmark's raw baseline).
pub const SEARCH_SQL: &str = "SELECT u.user_id, u.display_name, u.entity_type, u.phone, u.email,
            u.verification_status, u.created_at
     FROM users_fts f JOIN users u ON u.rowid = f.rowid
     WHERE users_fts MATCH ?1 AND u.is_deleted = 0 AND u.is_active = 1 LIMIT ?2";

pub fn count(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("SELECT count(*) FROM users WHERE is_deleted = 0", [], |r| r.get(0))?)
}

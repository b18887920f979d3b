//! A provider's daily limit (Gmail's rolling 24 hours), counted from the outbox: the warning at
//! 80 % and the pause after the provider said the limit is used up are decided here only.

use desk_core::channel::Channel;
use desk_core::clock::local_hh_mm;
use desk_core::error::Result;
use desk_core::outbox;
use rusqlite::Connection;
use serde::Serialize;
use time::{Duration, OffsetDateTime, UtcOffset};

use crate::failure::Failure;
use crate::provider::Quota;

/// How much of the limit is used, as the admin's health view shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Usage {
    pub sent_24h: i64,
    pub limit: u32,
    /// At 80 % of the limit the admin is warned.
    pub warn: bool,
    /// The provider said the quota is used up: sending is paused until then (local "14:05").
    pub paused_until: Option<String>,
}

/// The counts behind the limit, read once.
pub struct State {
    pub sent_24h: i64,
    pub exhausted_until: Option<OffsetDateTime>,
}

pub fn state(conn: &Connection, channel: Channel, quota: &Quota, now: OffsetDateTime) -> Result<State> {
    let since = now - Duration::hours(24);
    Ok(State {
        sent_24h: outbox::accepted_since(conn, channel, since)?,
        exhausted_until: outbox::last_failure_at(conn, channel, quota.exhausted_code, since)?.map(|t| t + Duration::hours(24)),
    })
}

fn near_limit(sent: i64, limit: u32) -> bool {
    sent * 100 >= i64::from(limit) * 80
}

/// May a message go now? Refused by the desk itself (a code of its own, so a local refusal never
/// looks like, or extends, a refusal from the provider) while the provider's pause lasts or the
/// count is at the limit.
pub fn gate(state: &State, quota: &Quota, now: OffsetDateTime, offset: UtcOffset) -> std::result::Result<(), Failure> {
    match state.exhausted_until {
        Some(until) if until > now => return Err(Failure::gmail_paused(Some(&local_hh_mm(until, offset)))),
        _ => {}
    }
    if state.sent_24h >= i64::from(quota.daily_limit) {
        return Err(Failure::gmail_paused(None));
    }
    if near_limit(state.sent_24h, quota.daily_limit) {
        tracing::warn!(sent = state.sent_24h, limit = quota.daily_limit, "Gmail's daily limit is 80 % used");
    }
    Ok(())
}

pub fn usage(state: &State, limit: u32, now: OffsetDateTime, offset: UtcOffset) -> Usage {
    Usage {
        sent_24h: state.sent_24h,
        limit,
        warn: near_limit(state.sent_24h, limit),
        paused_until: state.exhausted_until.filter(|u| *u > now).map(|p| local_hh_mm(p, offset)),
    }
}

//! Send limits, derived from the outbox rows themselves. The outbox is already persisted and
//! written in the same transaction as every send, so the limits survive a restart and can
//! never drift from what was actually queued: there is no separate counter to keep in step,
//! and an in-memory limiter (governor and the like) would forget everything on restart.

use rusqlite::Transaction;
use time::{Duration, OffsetDateTime};

use crate::contact::CodeType;
use crate::error::Result;
use crate::outbox::limits;
use crate::settings::Settings;

/// Which limit refused a send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum Limit {
    Cooldown,
    PerTarget,
    PerStaff,
    PerDesk,
    Daily,
}

impl Limit {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refusal {
    pub limit: Limit,
    pub retry_at: OffsetDateTime,
}

impl Refusal {
    /// The refusal in the receptionist's words: which limit, and when the next send is allowed
    /// (in seconds when it is soon, else at a local clock time).
    pub fn user_message(&self, now: OffsetDateTime, offset: time::UtcOffset) -> String {
        let wait = self.retry_at - now;
        let when = if wait <= Duration::minutes(2) {
            let secs = wait.whole_seconds().max(1);
            format!("in {secs} second{}", if secs == 1 { "" } else { "s" })
        } else {
            format!("at {}", crate::clock::local_hh_mm(self.retry_at, offset))
        };
        match self.limit {
            Limit::Cooldown => format!("A code was sent moments ago. A new one can be sent {when}."),
            Limit::PerTarget => format!("Too many codes have gone to this contact. The next one can be sent {when}."),
            Limit::PerStaff => format!("You have sent the most codes allowed in an hour. The next one can be sent {when}."),
            Limit::PerDesk => format!("This desk has sent the most codes allowed in an hour. The next one can be sent {when}."),
            Limit::Daily => format!("This desk has reached its daily limit of codes. The next one can be sent {when}."),
        }
    }

    pub fn into_error(self, now: OffsetDateTime, offset: time::UtcOffset) -> crate::error::Error {
        crate::error::Error::RateLimited {
            limit: self.limit.as_str(),
            retry_at: self.retry_at,
            now,
            message: self.user_message(now, offset),
        }
    }
}

pub struct SendRequest<'a> {
    pub user_id: &'a str,
    pub code_type: CodeType,
    pub target: &'a str,
    pub actor: &'a str,
}

/// `Ok(None)` if a send is allowed now, else the first limit that refuses and when it lifts.
pub fn check(tx: &Transaction<'_>, s: &Settings, req: &SendRequest<'_>, now: OffsetDateTime) -> Result<Option<Refusal>> {
    // Cooldown: since the last send to this person on this contact type.
    if let Some(last) = limits::last_send(tx, req.user_id, req.code_type)? {
        let ready = last + Duration::seconds(s.resend_cooldown_seconds.into());
        if ready > now {
            return Ok(Some(Refusal { limit: Limit::Cooldown, retry_at: ready }));
        }
    }
    let windows: [(Limit, limits::Key<'_>, u32, Duration); 2] = [
        (Limit::PerTarget, limits::Key::Target(req.target), s.max_sends_per_target_per_10_min, Duration::minutes(10)),
        (Limit::PerStaff, limits::Key::Actor(req.actor), s.max_sends_per_staff_per_hour, Duration::hours(1)),
    ];
    for (limit, key, cap, window) in windows {
        if let Some(retry_at) = limits::window_full(tx, key, cap, window, now)? {
            return Ok(Some(Refusal { limit, retry_at }));
        }
    }
    for (limit, cap, window) in
        [(Limit::PerDesk, s.max_sends_per_desk_per_hour, Duration::hours(1)), (Limit::Daily, s.max_sends_per_day, Duration::hours(24))]
    {
        if let Some(retry_at) = limits::table_window_full(tx, cap, window, now)? {
            return Ok(Some(Refusal { limit, retry_at }));
        }
    }
    Ok(None)
}

//! The outbox worker: a tokio task that sends queued messages, asks providers where sent ones
//! have got to, retries with backoff and jitter within the code's lifetime, falls back to the
//! next channel in the admin's order, and reports every change as an event and to the UI.
//!
//! Split by concern: `send` (claim, send, record), `poll` (delivery receipts), `fallback` (the
//! next channel: decided in one place), `quota` (Gmail's daily limit) and `recover` (crash
//! recovery and expiry); the provider cache is the `registry`'s.
//!
//! Idempotency: a row is marked `sending` (committed) before the provider is called. A row
//! found `sending` at start-up was interrupted mid-send; whether the provider took it can't be
//! known, so it becomes `unknown` and is never sent again automatically. Nothing queued is lost:
//! `queued` rows survive any crash and go out after restart (if their code is still valid).

mod fallback;
mod poll;
pub mod quota;
mod recover;
mod send;

use std::time::Duration as StdDuration;

use desk_core::error::Result;
use desk_core::outbox::{self, Due};
use time::{Duration, OffsetDateTime};

pub use crate::registry::Providers;
pub use crate::updates::{DeliveryUpdate, DemoMessage};
pub use recover::recover;

use crate::context::Context;

/// Who the worker's events are by.
pub(crate) const ACTOR: &str = "system:delivery";

/// Do everything that is due now; returns when the next thing falls due (if anything is waiting).
pub async fn tick(ctx: &Context) -> Result<Option<OffsetDateTime>> {
    recover::expire_stale(ctx)?;
    let (core, ds) = ctx.settings()?;
    let providers = ctx.hub.providers.get(&core, &ds, &ctx.keyring);
    // Bounded: a burst never starves the UI of the store for long.
    for _ in 0..50 {
        let due = ctx.db.with(|s| outbox::next_due(s.conn(), ctx.now()))?;
        match due {
            Some(Due::Send(id)) => send::send_one(ctx, &core, &providers, id).await?,
            Some(Due::Poll(id)) => poll::poll_one(ctx, &core, &providers, id).await?,
            None => break,
        }
    }
    ctx.db.with(|s| outbox::next_wake(s.conn()))
}

/// Run until the process ends: tick, then sleep until something is due or a send is queued.
pub async fn run(ctx: Context) {
    if let Err(err) = recover(&ctx) {
        tracing::error!(%err, "could not recover interrupted sends");
    }
    let mut last_prune: Option<OffsetDateTime> = None;
    loop {
        // Old final rows only fed the rate limits; drop them now and then.
        let now = ctx.now();
        if last_prune.is_none_or(|t| now - t >= Duration::hours(1)) {
            match ctx.db.with(|s| outbox::prune(s.conn(), now)) {
                Ok(n) if n > 0 => tracing::info!(n, "pruned old outbox rows"),
                Ok(_) => {}
                Err(err) => tracing::warn!(%err, "could not prune the outbox"),
            }
            last_prune = Some(now);
        }
        let next = match tick(&ctx).await {
            Ok(next) => next,
            Err(err) => {
                tracing::error!(%err, "delivery tick failed");
                None
            }
        };
        let now = ctx.now();
        let wait = next
            .map(|t| StdDuration::from_millis((t - now).whole_milliseconds().clamp(50, 15_000) as u64))
            .unwrap_or(StdDuration::from_secs(15));
        tokio::select! {
            _ = ctx.hub.wake.notified() => {}
            _ = tokio::time::sleep(wait) => {}
        }
    }
}

/// Backoff with ±20 % jitter: 5 s, 10 s, 20 s … capped at 2 minutes.
pub(crate) fn backoff(ctx: &Context, attempt: u32, at_least: Option<StdDuration>) -> Duration {
    let base = 5_000u64.saturating_mul(1 << attempt.saturating_sub(1).min(5)).min(120_000);
    let mut r = [0u8; 2];
    ctx.rng.fill(&mut r);
    let jitter = (u16::from_le_bytes(r) as i64 % 401) - 200; // -200..=200 per mille
    let ms = (base as i64 + base as i64 * jitter / 1_000).max(1_000);
    let ms = at_least.map(|d| ms.max(d.as_millis() as i64)).unwrap_or(ms);
    Duration::milliseconds(ms)
}

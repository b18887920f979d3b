//! Falling back to the next channel: the one place that decides where a code goes when its
//! channel can't reach the person (a provider's refusal, a failed receipt, a delivery timeout).

use desk_core::channel::Channel;
use desk_core::error::Result;
use desk_core::outbox::{self, QueuedMessage};
use desk_core::settings::Settings;
use desk_core::verify;
use rusqlite::Transaction;
use secrecy::SecretString;
use time::OffsetDateTime;

use desk_core::clock::parse_ts;

use crate::context::Context;

/// The next channel after `current` in the admin's order that reaches the same contact.
pub fn next_channel(order: &[Channel], current: Channel) -> Option<Channel> {
    let after = order.iter().position(|c| *c == current).map(|i| i + 1).unwrap_or(order.len());
    order[after..].iter().copied().find(|c| c.code_type() == current.code_type() && *c != current)
}

/// Queue the same code on the next channel, if there is one. Call it once the current row is
/// final: queueing cancels the contact's live rows, and the current one is not to be cancelled.
pub fn fall_back(
    tx: &Transaction<'_>,
    ctx: &Context,
    core: &Settings,
    m: &QueuedMessage,
    created_by: &str,
    code: &SecretString,
    now: OffsetDateTime,
) -> Result<Option<(i64, Channel)>> {
    // A newer code (or an edited contact, or withdrawn consent) retired this message: its code
    // is dead, and sending it on would cancel nothing but confuse the person.
    if outbox::is_retired(tx, m.id)? {
        return Ok(None);
    }
    let Some(next) = next_channel(&core.channel_order, m.channel) else {
        return Ok(None);
    };
    let expires_at = parse_ts(&m.expires_at).unwrap_or(now);
    let id = outbox::enqueue(
        tx,
        ctx.journal.secrets(),
        ctx.rng.as_ref(),
        code,
        &outbox::Enqueue {
            user_id: &m.user_id,
            code_type: m.code_type,
            channel: next,
            target: &m.target,
            language: &m.language,
            expires_at,
            actor: created_by,
            device_id: ctx.journal.device_id(),
        },
        now,
    )?;
    verify::codes_table::moved_to(tx, &m.user_id, m.code_type, next, now)?;
    Ok(Some((id, next)))
}

/// What the receptionist reads when there is nowhere left to fall back to.
pub fn no_fallback_words(channel: Channel) -> String {
    format!("The message couldn't go by {}, and no other way to reach this number is switched on. Try email.", channel.label())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_channel_follows_the_admins_order_for_the_same_contact() {
        let order = [Channel::WHATSAPP, Channel::SMS, Channel::EMAIL];
        assert_eq!(next_channel(&order, Channel::WHATSAPP), Some(Channel::SMS));
        assert_eq!(next_channel(&order, Channel::SMS), None, "email reaches another contact");
        assert_eq!(next_channel(&[Channel::SMS, Channel::WHATSAPP], Channel::WHATSAPP), None);
        assert_eq!(next_channel(&[Channel::EMAIL], Channel::WHATSAPP), None);
    }
}

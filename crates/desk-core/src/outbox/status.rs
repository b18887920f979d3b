//! A message's state and the moves between them.

use serde::{Deserialize, Serialize};

/// Where a message stands. `unknown`: the app stopped mid-send, so whether the provider got it
/// can't be known; it is never sent again automatically. `expired`: its code ran out first.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::Display,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::EnumIter,
    specta::Type,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum OutboxStatus {
    Queued,
    Sending,
    Sent,
    Delivered,
    Read,
    Failed,
    Undelivered,
    Cancelled,
    Unknown,
    Expired,
}

crate::sql_text!(OutboxStatus);

impl OutboxStatus {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Nothing more happens to a message in a final state.
    pub fn is_final(self) -> bool {
        !matches!(self, OutboxStatus::Queued | OutboxStatus::Sending | OutboxStatus::Sent)
    }

    /// The moves the worker makes: queued → sending (claim) → sent / queued (retry) / final;
    /// sent → delivered, read, failed, undelivered, cancelled, or queued (resend after a
    /// retryable failure); queued → expired or cancelled; sending → unknown (crash).
    pub fn can_become(self, next: OutboxStatus) -> bool {
        use OutboxStatus::*;
        matches!(
            (self, next),
            (Queued, Sending | Expired | Cancelled)
                | (Sending, Sent | Queued | Failed | Unknown | Cancelled)
                | (Sent, Delivered | Read | Failed | Undelivered | Cancelled | Queued)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use strum::IntoEnumIterator;

    #[test]
    fn names_round_trip_and_final_states_go_nowhere() {
        for s in OutboxStatus::iter() {
            assert_eq!(s.to_string().parse::<OutboxStatus>().ok(), Some(s));
            if s.is_final() {
                assert!(OutboxStatus::iter().all(|n| !s.can_become(n)), "{s} is final");
            }
        }
        assert_eq!(OutboxStatus::Cancelled.to_string(), "cancelled");
    }
}

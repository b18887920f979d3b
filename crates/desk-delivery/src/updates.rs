//! What the worker tells the window: a message's new state, and the demo outbox's messages.

use desk_core::channel::Channel;
use desk_core::contact::CodeType;
use desk_core::outbox::{self, OutboxStatus};
use serde::Serialize;

/// A change in a message's state, for the UI (sent as a Tauri event by the shell).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryUpdate {
    pub outbox_id: i64,
    pub user_id: String,
    pub code_type: CodeType,
    pub channel: Channel,
    pub status: OutboxStatus,
    /// Plain words for the receptionist, when there is something to say.
    pub message: Option<String>,
    /// The message that carries on by another channel after a fallback.
    pub fallback_outbox_id: Option<i64>,
    pub fallback_channel: Option<Channel>,
    pub offline: bool,
    pub demo: bool,
}

impl DeliveryUpdate {
    pub(crate) fn new(m: &outbox::QueuedMessage, status: OutboxStatus) -> Self {
        DeliveryUpdate {
            outbox_id: m.id,
            user_id: m.user_id.clone(),
            code_type: m.code_type,
            channel: m.channel,
            status,
            message: None,
            fallback_outbox_id: None,
            fallback_channel: None,
            offline: false,
            demo: false,
        }
    }
}

/// A message "sent" in demo mode: shown in the app, clearly not sent. Holds the code, so it
/// lives in memory only and never reaches the database or the log.
#[derive(Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DemoMessage {
    pub outbox_id: i64,
    pub at: String,
    pub channel: Channel,
    pub to_masked: String,
    pub subject: Option<String>,
    pub text: String,
}

impl std::fmt::Debug for DemoMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemoMessage").field("outbox_id", &self.outbox_id).finish_non_exhaustive()
    }
}

//! Delivery: getting codes to people. One module per provider (Gmail SMTP, Twilio WhatsApp and
//! SMS), their failures classified into retry / fall back / stop, credentials from the keyring,
//! and the outbox worker that drives it all.
//!
//! Everything here takes a [`Context`] handed down by the facade: the store handle, clock,
//! randomness, code secrets, device id and keyring. Nothing here knows the facade.

// Lowest first (layers.toml): each module imports only those above it in this list.
pub mod admin;
pub mod context;
pub mod credentials;
pub mod failure;
pub mod gmail;
pub mod provider;
pub mod registry;
pub mod settings;
pub mod twilio;
pub mod updates;
pub mod worker;

pub use context::{Context, Hub};
pub use settings::DeliverySettings;

//! Delivery: getting codes to people. One module per provider (Gmail SMTP, Twilio WhatsApp and
//! SMS), their failures classified into retry / fall back / stop, credentials from the keyring,
//! and the outbox worker that drives it all.

pub mod credentials;
pub mod email;
pub mod failure;
pub mod twilio;
pub mod worker;
pub mod admin;

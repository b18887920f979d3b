//! How a code travels. Channels are open: each comes with its facts ([`ChannelInfo`]: which
//! contact it reaches, its name for people, its message parts and their limits, its shipped
//! texts), and a provider that brings a new one registers it. The desk's own three (WhatsApp,
//! SMS, email) are built in.
//!
//! A channel is a value like an enum's, Copy and compared by name, so the registry is
//! process-wide: it only grows, at start-up, as providers register; a name nobody registered
//! reads as an error, never as a default.

mod builtin_texts;

use std::sync::{LazyLock, RwLock};

use serde::{Deserialize, Serialize};

use crate::contact::CodeType;

/// One piece of a channel's message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, strum::IntoStaticStr, strum::EnumString, specta::Type)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Part {
    Subject,
    Text,
    Html,
    Body,
}

crate::sql_text!(Part);

impl Part {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    pub fn parse(s: &str) -> Option<Self> {
        s.parse().ok()
    }
}

/// How long a channel's message may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Length {
    Unlimited,
    /// At most this many SMS parts (GSM-7 or UCS-2, counted as operators count them).
    SmsParts(u32),
    /// At most this many characters.
    Chars(usize),
}

/// What the desk knows about a channel.
#[derive(Debug)]
pub struct ChannelInfo {
    /// Stored and sent over IPC: lower-case letters, digits and `_`, at most 15 characters.
    pub name: &'static str,
    /// Which of a person's contacts it reaches.
    pub code_type: CodeType,
    /// Its name for people: "WhatsApp", "SMS", "email".
    pub label: &'static str,
    /// Its message's parts, each with how an admin calls it ("email subject").
    pub parts: &'static [(Part, &'static str)],
    /// What an admin is told when asking for a part the channel doesn't have.
    pub no_such_part: &'static str,
    pub length: Length,
    /// The shipped text of a part in a language (`None`: not shipped).
    pub texts: fn(&str, Part) -> Option<&'static str>,
}

const WHATSAPP_INFO: ChannelInfo = ChannelInfo {
    name: "whatsapp",
    code_type: CodeType::Phone,
    label: "WhatsApp",
    parts: &[(Part::Body, "WhatsApp message")],
    no_such_part: "",
    length: Length::Chars(1024),
    texts: builtin_texts::phone,
};

const SMS_INFO: ChannelInfo = ChannelInfo {
    name: "sms",
    code_type: CodeType::Phone,
    label: "SMS",
    parts: &[(Part::Body, "SMS")],
    no_such_part: "",
    length: Length::SmsParts(3),
    texts: builtin_texts::phone,
};

const EMAIL_INFO: ChannelInfo = ChannelInfo {
    name: "email",
    code_type: CodeType::Email,
    label: "email",
    parts: &[(Part::Subject, "email subject"), (Part::Text, "plain-text email"), (Part::Html, "HTML email")],
    no_such_part: "An email has a subject, a plain-text version and an HTML version; choose one of those.",
    length: Length::Unlimited,
    texts: builtin_texts::email,
};

/// A channel: Copy, compared and stored by name.
#[derive(Clone, Copy)]
pub struct Channel(&'static ChannelInfo);

impl Channel {
    pub const WHATSAPP: Channel = Channel(&WHATSAPP_INFO);
    pub const SMS: Channel = Channel(&SMS_INFO);
    pub const EMAIL: Channel = Channel(&EMAIL_INFO);

    /// A channel from its facts (a provider's own; register it before use).
    pub const fn new(info: &'static ChannelInfo) -> Channel {
        Channel(info)
    }

    pub fn info(self) -> &'static ChannelInfo {
        self.0
    }

    pub fn as_str(self) -> &'static str {
        self.0.name
    }

    pub fn code_type(self) -> CodeType {
        self.0.code_type
    }

    /// Words for people: "WhatsApp", "SMS", "email".
    pub fn label(self) -> &'static str {
        self.0.label
    }

    /// The message's parts, in the order the admin screen shows them.
    pub fn parts(self) -> impl Iterator<Item = Part> {
        self.0.parts.iter().map(|(p, _)| *p)
    }

    /// The registered channel of this name.
    pub fn parse(name: &str) -> Option<Channel> {
        registry().iter().copied().find(|c| c.as_str() == name)
    }
}

impl PartialEq for Channel {
    fn eq(&self, other: &Self) -> bool {
        self.0.name == other.0.name
    }
}

impl Eq for Channel {}

impl PartialEq<&str> for Channel {
    fn eq(&self, other: &&str) -> bool {
        self.0.name == *other
    }
}

impl std::hash::Hash for Channel {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.name.hash(state)
    }
}

impl std::fmt::Debug for Channel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0.name)
    }
}

impl std::fmt::Display for Channel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0.name)
    }
}

impl Serialize for Channel {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0.name)
    }
}

impl<'de> Deserialize<'de> for Channel {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = std::borrow::Cow::<'de, str>::deserialize(d)?;
        Channel::parse(&name).ok_or_else(|| serde::de::Error::custom(format!("unknown channel {name:?}")))
    }
}

/// In TypeScript a channel is its name.
impl specta::Type for Channel {
    fn definition(types: &mut specta::Types) -> specta::datatype::DataType {
        <String as specta::Type>::definition(types)
    }
}

impl rusqlite::types::ToSql for Channel {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        Ok(rusqlite::types::ToSqlOutput::Borrowed(rusqlite::types::ValueRef::Text(self.0.name.as_bytes())))
    }
}

impl rusqlite::types::FromSql for Channel {
    fn column_result(v: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
        let s = v.as_str()?;
        Channel::parse(s).ok_or_else(|| rusqlite::types::FromSqlError::Other(format!("unknown channel {s:?}").into()))
    }
}

static REGISTRY: LazyLock<RwLock<Vec<Channel>>> = LazyLock::new(|| RwLock::new(vec![Channel::WHATSAPP, Channel::SMS, Channel::EMAIL]));

fn registry() -> std::sync::RwLockReadGuard<'static, Vec<Channel>> {
    REGISTRY.read().unwrap_or_else(|p| p.into_inner())
}

/// Why a channel can't be registered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegisterError {
    #[error("channel name {0:?} must be 1 to 15 lower-case letters, digits or _")]
    BadName(&'static str),
    #[error("another channel is already registered as {0:?}")]
    Taken(&'static str),
}

/// Make a provider's channel known. Registering the same channel again is a no-op.
pub fn register(channel: Channel) -> Result<(), RegisterError> {
    let name = channel.as_str();
    if name.is_empty() || name.len() > 15 || !name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') {
        return Err(RegisterError::BadName(name));
    }
    let mut all = REGISTRY.write().unwrap_or_else(|p| p.into_inner());
    match all.iter().find(|c| c.as_str() == name) {
        // The same facts again (a provider built twice) are the same channel.
        Some(c) if c.0.code_type == channel.0.code_type && c.0.label == channel.0.label => Ok(()),
        Some(_) => Err(RegisterError::Taken(name)),
        None => {
            all.push(channel);
            Ok(())
        }
    }
}

/// Every channel this process knows.
pub fn all() -> Vec<Channel> {
    registry().clone()
}

/// Note every known channel and its parts in `channels` and `channel_parts` (this module owns
/// them), which the tables naming a channel refer to: a channel becomes storable once
/// registered and recorded.
pub fn record_known(conn: &rusqlite::Connection) -> rusqlite::Result<()> {
    let mut channel = conn.prepare_cached("INSERT OR IGNORE INTO channels (name, code_type) VALUES (?1, ?2)")?;
    let mut part = conn.prepare_cached("INSERT OR IGNORE INTO channel_parts (channel, part) VALUES (?1, ?2)")?;
    for c in all() {
        channel.execute(rusqlite::params![c.as_str(), c.code_type()])?;
        for p in c.parts() {
            part.execute(rusqlite::params![c.as_str(), p])?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_channels_read_and_write_by_name() {
        for c in [Channel::WHATSAPP, Channel::SMS, Channel::EMAIL] {
            assert_eq!(Channel::parse(c.as_str()), Some(c));
            let json = serde_json::to_string(&c).expect("json");
            assert_eq!(serde_json::from_str::<Channel>(&json).expect("back"), c);
        }
        assert_eq!(Channel::WHATSAPP.code_type(), CodeType::Phone);
        assert_eq!(Channel::EMAIL.parts().collect::<Vec<_>>(), vec![Part::Subject, Part::Text, Part::Html]);
        assert!(serde_json::from_str::<Channel>("\"pigeon\"").is_err(), "an unknown name is an error");
        assert!(Channel::parse("Email").is_none());
    }

    #[test]
    fn a_new_channel_registers_once_under_a_clean_name() {
        static PAGER: ChannelInfo = ChannelInfo {
            name: "pager_test",
            code_type: CodeType::Phone,
            label: "Pager",
            parts: &[(Part::Body, "pager message")],
            no_such_part: "",
            length: Length::Chars(80),
            texts: |_, _| Some("{{ code }}"),
        };
        static BAD: ChannelInfo = ChannelInfo { name: "Bad Name", ..PAGER_COPY };
        const PAGER_COPY: ChannelInfo = ChannelInfo {
            name: "pager_copy",
            code_type: CodeType::Email,
            label: "Pager",
            parts: &[],
            no_such_part: "",
            length: Length::Unlimited,
            texts: |_, _| None,
        };
        let pager = Channel::new(&PAGER);
        register(pager).expect("register");
        register(pager).expect("again is fine");
        assert_eq!(Channel::parse("pager_test"), Some(pager));
        assert!(all().contains(&pager));
        assert_eq!(register(Channel::new(&BAD)), Err(RegisterError::BadName("Bad Name")));
        static CLASH: ChannelInfo = ChannelInfo { name: "sms", ..PAGER_COPY };
        assert_eq!(register(Channel::new(&CLASH)), Err(RegisterError::Taken("sms")), "a built-in can't be replaced");
        assert_eq!(Channel::parse("sms").map(Channel::label), Some("SMS"));
    }
}

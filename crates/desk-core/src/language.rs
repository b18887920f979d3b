//! The languages the desk ships messages in: the one list. Settings, people, templates, the
//! `languages` table (this module owns it) and the UI's pickers all take it from here.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Language {
    /// ISO 639-1, as stored and as the templates are keyed.
    pub code: &'static str,
    /// Its name in English ("Hindi").
    pub english: &'static str,
    /// Its name in its own script ("हिन्दी").
    pub native: &'static str,
}

pub const LANGUAGES: &[Language] = &[
    Language { code: "en", english: "English", native: "English" },
    Language { code: "hi", english: "Hindi", native: "हिन्दी" },
    Language { code: "kn", english: "Kannada", native: "ಕನ್ನಡ" },
    Language { code: "ta", english: "Tamil", native: "தமிழ்" },
    Language { code: "te", english: "Telugu", native: "తెలుగు" },
    Language { code: "ml", english: "Malayalam", native: "മലയാളം" },
];

/// The shipped language with this code.
pub fn find(code: &str) -> Option<&'static Language> {
    LANGUAGES.iter().find(|l| l.code == code)
}

pub fn is_shipped(code: &str) -> bool {
    find(code).is_some()
}

/// The codes, for messages: "en, hi, kn, ta, te, ml".
pub fn codes() -> impl Iterator<Item = &'static str> {
    LANGUAGES.iter().map(|l| l.code)
}

/// Note the shipped languages in the `languages` table, which the templates refer to.
pub fn record_known(conn: &rusqlite::Connection) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare_cached("INSERT OR IGNORE INTO languages (code) VALUES (?1)")?;
    for l in LANGUAGES {
        stmt.execute([l.code])?;
    }
    Ok(())
}

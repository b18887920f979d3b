//! The messages that carry a code: one template per channel, language and part, rendered with
//! minijinja. Each channel's shipped texts (its `ChannelInfo`) apply unless an admin has saved an
//! override in the `templates` table (this module owns it).
//!
//! A saved template is checked hard when it is saved, because a mistake only shows when a
//! patient at the desk doesn't get a usable code. At send time a saved template that still
//! fails (or leaves the code out) is replaced by the shipped default, so a code always goes out.
//!
//! Nothing here logs a rendered message or a code: both would put live codes in log files.

mod sms;

use std::fmt;
use std::sync::LazyLock;

use minijinja::{context, AutoEscape, Environment, ErrorKind, UndefinedBehavior};
use rusqlite::{params, Connection};
use serde::Serialize;

use crate::channel::{Channel, Length};
use crate::error::{Error, Result};
use crate::language::{self, LANGUAGES};
use crate::settings::Settings;

pub use sms::{sms_info, SmsInfo};

/// The names a template can fill in.
pub const VARIABLES: &[&str] = &["code", "clinic_name", "person_name", "expiry_minutes"];

pub use crate::channel::Part;

/// The parts a channel's message has, in the order the admin screen shows them.
pub fn parts_of(channel: Channel) -> Vec<Part> {
    channel.parts().collect()
}

/// What a template is filled in with.
#[derive(Clone, Copy)]
pub struct Vars<'a> {
    pub code: &'a str,
    pub clinic_name: &'a str,
    pub person_name: &'a str,
    pub expiry_minutes: u32,
}

impl fmt::Debug for Vars<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Vars")
            .field("code", &Redacted(self.code.chars().count()))
            .field("clinic_name", &self.clinic_name)
            .field("person_name", &self.person_name)
            .field("expiry_minutes", &self.expiry_minutes)
            .finish()
    }
}

/// A message ready to send. For WhatsApp and SMS `text` is the body and the others are None.
#[derive(Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: Option<String>,
    pub text: String,
    pub html: Option<String>,
}

/// Debug output ends up in logs and panic messages; text and html hold a live code, and the
/// subject may hold the person's name, so only their sizes are shown.
impl fmt::Debug for Rendered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let size = |s: &String| Redacted(s.chars().count());
        f.debug_struct("Rendered")
            .field("subject", &self.subject.as_ref().map(size))
            .field("text", &size(&self.text))
            .field("html", &self.html.as_ref().map(size))
            .finish()
    }
}

struct Redacted(usize);

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<redacted, {} chars>", self.0)
    }
}

/// One row of the admin's template editor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TemplateView {
    pub channel: Channel,
    pub language: String,
    pub part: Part,
    /// What is used now: the saved override, or the default when there is none.
    pub body: String,
    pub is_default: bool,
    pub default_body: String,
}

/// A message filled in with sample values, for the editor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Preview {
    pub subject: Option<String>,
    pub text: String,
    pub html: Option<String>,
    /// For SMS and WhatsApp bodies (WhatsApp falls back to SMS with the same text).
    pub sms: Option<SmsInfo>,
}

// --- limits -----------------------------------------------------------------------------------

const MAX_TEMPLATE_CHARS: usize = 20_000;
const MAX_SUBJECT_CHARS: usize = 150;

// --- sample values ----------------------------------------------------------------------------

const SAMPLE_CODE: &str = "482913";
const SAMPLE_PERSON: &str = "Priya Sharma";
const SAMPLE_EXPIRY_MINUTES: u32 = 10;
/// A second code for the check that a template prints the code it is given: a template that
/// merely contains the sample code as text (copied from the preview) passes with SAMPLE_CODE
/// but not with this.
const SENTINEL_CODE: &str = "730519";

/// Statements a message may use. Loops, macros and includes have no use in a code message, and
/// refusing them keeps a template from looping a save or a send into a hang; `autoescape` is left out so
/// the HTML part can't switch off escaping of names typed at the desk.
const ALLOWED_TAGS: &[&str] = &["if", "elif", "else", "endif", "set", "endset", "raw", "endraw", "filter", "endfilter", "with", "endwith"];

/// Instructions one render may run (a shipped message uses well under 1 % of it).
pub const RENDER_FUEL: u64 = 50_000;

static ENV: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    // A misspelt name must be an error, not an empty gap in a patient's message.
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    // A budget of instructions per render: no template, however it got past the checks, can
    // hang a save or a send. A code message needs a few hundred.
    env.set_fuel(Some(RENDER_FUEL));
    // With debug on, errors carry the values in scope, and one of them is the live code.
    env.set_debug(false);
    // Templates are compiled under their part's name; only the HTML part escapes.
    env.set_auto_escape_callback(|name| if name == Part::Html.as_str() { AutoEscape::Html } else { AutoEscape::None });
    // `safe` would let a person's name through into the HTML as markup.
    env.remove_filter("safe");
    // range(), namespace(), debug() and the like: not needed, and debug() would print the code
    // somewhere unexpected. Without globals every name a template uses must be one of VARIABLES.
    let globals: Vec<String> = env.globals().map(|(name, _)| name.to_owned()).collect();
    for name in globals {
        env.remove_global(&name);
    }
    env
});

fn fill(part: Part, source: &str, vars: &Vars<'_>) -> std::result::Result<String, minijinja::Error> {
    let ctx = context! {
        code => vars.code,
        clinic_name => vars.clinic_name,
        person_name => vars.person_name,
        expiry_minutes => vars.expiry_minutes,
    };
    ENV.template_from_named_str(part.as_str(), source)?.render(ctx)
}

/// Subjects become a mail header: a line break from a name or a template must not reach it.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

// --- language -----------------------------------------------------------------------------------

fn shipped(code: &str) -> Option<&'static str> {
    language::find(code).map(|l| l.code)
}

/// Accepts what clinic records hold: "hi", "HI", "hi-IN", "ta_IN", "Hindi".
fn normalise_language(raw: &str) -> Option<&'static str> {
    let lower = raw.trim().to_ascii_lowercase();
    let primary = lower.split(['-', '_']).next().unwrap_or_default();
    shipped(primary).or_else(|| LANGUAGES.iter().find(|l| l.english.eq_ignore_ascii_case(&lower)).map(|l| l.code))
}

/// The language actually used: `preferred` if it is one of LANGUAGES, else `fallback` (the
/// clinic default) if valid, else "en".
pub fn pick_language(preferred: Option<&str>, fallback: &str) -> &'static str {
    preferred.and_then(normalise_language).or_else(|| normalise_language(fallback)).unwrap_or("en")
}

fn known_language(language: &str) -> Result<&'static str> {
    shipped(language).ok_or_else(|| {
        let choices: Vec<String> = LANGUAGES.iter().map(|l| format!("{} ({})", l.english, l.code)).collect();
        let (last, rest) = choices.split_last().map(|(l, r)| (l.clone(), r.join(", "))).unwrap_or_default();
        Error::InvalidTemplate(format!("There are no messages in the language “{language}”. Choose {rest} or {last}."))
    })
}

// --- validation -------------------------------------------------------------------------------

fn invalid(message: String) -> Error {
    Error::InvalidTemplate(message)
}

/// "{{ name }}", for messages.
fn tag(name: &str) -> String {
    format!("{{{{ {name} }}}}")
}

/// The part as an admin calls it.
fn describe(channel: Channel, part: Part) -> &'static str {
    channel.info().parts.iter().find(|(p, _)| *p == part).map(|(_, words)| *words).unwrap_or(channel.info().label)
}

fn check_part(channel: Channel, part: Part) -> Result<()> {
    if channel.parts().any(|p| p == part) {
        return Ok(());
    }
    let info = channel.info();
    Err(invalid(if info.parts.len() > 1 {
        info.no_such_part.to_owned()
    } else {
        format!("{} messages have only a body; there is no {} to edit.", channel.label(), part.as_str())
    }))
}

/// "1,024".
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The first statement outside ALLOWED_TAGS, if any. A plain scan (minijinja's parser is not
/// public) that reads the source in order, the way minijinja's lexer does: a comment `{# … #}`
/// is skipped whole (a tag inside it is no tag, so `{# {% raw %} #}` opens no raw block that
/// could hide a loop), and inside a raw block everything up to its `{% endraw %}` is text,
/// comments included. Fuel (see [`ENV`]) backs it up: whatever slips past, no render runs for
/// ever.
fn first_disallowed_tag(source: &str) -> Option<String> {
    let mut rest = source;
    loop {
        let tag = rest.find("{%");
        let comment = rest.find("{#");
        match (tag, comment) {
            (None, _) => return None,
            (Some(t), Some(c)) if c < t => match rest[c + 2..].find("#}") {
                Some(end) => rest = &rest[c + 2 + end + 2..],
                None => return None,
            },
            (Some(t), _) => {
                rest = &rest[t + 2..];
                let name = tag_name(rest);
                if name == "raw" {
                    loop {
                        match rest.find("{%") {
                            Some(i) if tag_name(&rest[i + 2..]) == "endraw" => {
                                rest = &rest[i + 2..];
                                break;
                            }
                            Some(i) => rest = &rest[i + 2..],
                            None => return None,
                        }
                    }
                } else if !name.is_empty() && !ALLOWED_TAGS.contains(&name) {
                    return Some(name.to_owned());
                }
            }
        }
    }
}

/// The name a `{%` opens, given the text after it.
fn tag_name(after_open: &str) -> &str {
    let inner = after_open.trim_start_matches(['-', '+', '~']).trim_start();
    let end = inner.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(inner.len());
    &inner[..end]
}

/// Plain words for a template that minijinja refused. Only ever built from sample values, so
/// minijinja's detail can't contain a real code.
fn explain(what: &str, err: &minijinja::Error) -> Error {
    let at = err.line().map(|l| format!(" on line {l}")).unwrap_or_default();
    let detail = err.detail().map(|d| format!(" ({d})")).unwrap_or_default();
    invalid(match err.kind() {
        ErrorKind::SyntaxError => format!(
            "The {what} has a mistake{at}{detail}. Check that every {{{{ is closed by }}}} and \
             every {{% by %}}."
        ),
        ErrorKind::UndefinedError => {
            format!("The {what} uses something the desk can't fill in{at}. You can use {}.", variable_list())
        }
        ErrorKind::UnknownFilter | ErrorKind::UnknownTest | ErrorKind::UnknownFunction | ErrorKind::UnknownMethod => {
            format!("The {what} uses a filter or function the desk doesn't offer{at}{detail}. Remove it.")
        }
        _ => format!("The {what} can't be filled in{at}{detail}. Check the part between {{{{ and }}}}."),
    })
}

fn variable_list() -> String {
    let tags: Vec<String> = VARIABLES.iter().map(|v| tag(v)).collect();
    match tags.split_last() {
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// Everything `save` refuses, with the message that says what to fix. `clinic_name` is the
/// sample the length limits are measured with.
fn validate(channel: Channel, language: &str, part: Part, body: &str, clinic_name: &str) -> Result<()> {
    known_language(language)?;
    check_part(channel, part)?;
    let what = describe(channel, part);

    let chars = body.chars().count();
    if chars > MAX_TEMPLATE_CHARS {
        return Err(invalid(format!("The {what} is {chars} characters long; the most allowed is 20,000. Shorten it.")));
    }
    if body.trim().is_empty() {
        return Err(invalid(format!(
            "The {what} is empty. Write the message, or use “Reset to default” to go back to the \
             message the desk comes with."
        )));
    }

    let template = ENV.template_from_named_str(part.as_str(), body).map_err(|e| explain(what, &e))?;

    if let Some(name) = first_disallowed_tag(body) {
        return Err(invalid(format!(
            "The {what} uses {{% {name} %}}, which messages can't use. Only {{% if %}} … \
             {{% endif %}} and {{% set %}} are allowed; remove the {{% {name} %}} part."
        )));
    }

    // Found statically, so a misspelling inside an {% if %} that the sample skips is caught too.
    let used = template.undeclared_variables(false);
    let mut unknown: Vec<&str> = used.iter().map(String::as_str).filter(|v| !VARIABLES.contains(v)).collect();
    unknown.sort_unstable();
    if let Some((last, rest)) = unknown.split_last() {
        let named = if rest.is_empty() {
            format!("uses {}, which the desk can't fill in", tag(last))
        } else {
            let rest: Vec<String> = rest.iter().map(|v| tag(v)).collect();
            format!("uses {} and {}, which the desk can't fill in", rest.join(", "), tag(last))
        };
        return Err(invalid(format!("The {what} {named}. Check the spelling: you can use {}.", variable_list())));
    }

    let subject_code_error = || {
        invalid(format!(
            "Take {} out of the subject. Subject lines show on phone lock screens and in inbox \
             lists, where other people can see them; the code belongs in the email itself.",
            tag("code")
        ))
    };
    if part == Part::Subject && used.contains("code") {
        return Err(subject_code_error());
    }

    let sample = Vars { code: SAMPLE_CODE, clinic_name, person_name: SAMPLE_PERSON, expiry_minutes: SAMPLE_EXPIRY_MINUTES };
    let sentinel = Vars { code: SENTINEL_CODE, ..sample };
    let rendered = fill(part, body, &sample).map_err(|e| explain(what, &e))?;
    let with_sentinel = fill(part, body, &sentinel).map_err(|e| explain(what, &e))?;

    if part == Part::Subject {
        if rendered.contains(SAMPLE_CODE) || with_sentinel.contains(SENTINEL_CODE) {
            return Err(subject_code_error());
        }
        let length = one_line(&rendered).chars().count();
        if length > MAX_SUBJECT_CHARS {
            return Err(invalid(format!(
                "With a sample name, the subject comes to {length} characters. Keep it to 150 or \
                 fewer so it shows in full."
            )));
        }
        return Ok(());
    }

    if !rendered.contains(SAMPLE_CODE) || !with_sentinel.contains(SENTINEL_CODE) {
        return Err(invalid(format!("The {what} must include the code: add {} where it should appear.", tag("code"))));
    }

    match channel.info().length {
        Length::SmsParts(max) => {
            let info = sms_info(&rendered);
            if info.segments > max as usize {
                let why = if info.encoding == "UCS-2" {
                    " It uses characters outside the basic SMS alphabet, so each part holds only 67."
                } else {
                    ""
                };
                let label = channel.label();
                return Err(invalid(format!(
                    "With a sample name and code this {label} comes to {} characters, which is {} {label} \
                     parts; the most allowed is {max}. Shorten the message.{why}",
                    info.characters, info.segments
                )));
            }
        }
        Length::Chars(max) => {
            let length = rendered.chars().count();
            if length > max {
                let label = channel.label();
                return Err(invalid(format!(
                    "With a sample name and code this {label} message comes to {length} \
                     characters; {label} allows at most {}. Shorten it.",
                    thousands(max)
                )));
            }
        }
        Length::Unlimited => {}
    }
    Ok(())
}

// --- storage ----------------------------------------------------------------------------------

fn overrides(conn: &Connection, channel: Channel, language: &str) -> Result<Vec<(Part, String)>> {
    let mut stmt = conn.prepare_cached("SELECT part, body FROM templates WHERE channel = ?1 AND language = ?2")?;
    let rows = stmt.query_map(params![channel.as_str(), language], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    let mut out = Vec::new();
    for row in rows {
        let (part, body) = row?;
        if let Some(part) = Part::parse(&part) {
            out.push((part, body));
        }
    }
    Ok(out)
}

fn default_for(channel: Channel, language: &str, part: Part) -> Result<&'static str> {
    (channel.info().texts)(language, part).ok_or_else(|| invalid(format!("The desk has no {} in this language.", describe(channel, part))))
}

/// One part, checked the way a send needs it: the code present (subjects are checked for the
/// code when saved; checking their output here would misfire on a clinic name with digits).
fn use_part(part: Part, source: &str, vars: &Vars<'_>) -> std::result::Result<String, &'static str> {
    let out = fill(part, source, vars).map_err(|_| "could not be filled in")?;
    if part == Part::Subject {
        Ok(one_line(&out))
    } else if out.contains(vars.code) {
        Ok(out)
    } else {
        Err("leaves out the code")
    }
}

fn render_with(channel: Channel, language: &'static str, saved: &[(Part, String)], vars: &Vars<'_>) -> Result<Rendered> {
    let mut rendered = Rendered { subject: None, text: String::new(), html: None };
    for part in channel.parts() {
        let default = default_for(channel, language, part)?;
        let from_saved = saved.iter().find(|(p, _)| *p == part).and_then(|(_, source)| {
            use_part(part, source, vars)
                .inspect_err(|reason| {
                    tracing::warn!(
                        channel = channel.as_str(),
                        language,
                        part = part.as_str(),
                        reason,
                        "saved message template unusable; using the shipped one"
                    );
                })
                .ok()
        });
        let text = match from_saved {
            Some(text) => text,
            None => use_part(part, default, vars).map_err(|reason| {
                tracing::error!(channel = channel.as_str(), language, part = part.as_str(), reason, "shipped message template unusable");
                invalid(format!(
                    "The {} in {} can't be filled in. Reset it to the default in Settings → Messages.",
                    describe(channel, part),
                    language::find(language).map(|l| l.english).unwrap_or(language)
                ))
            })?,
        };
        match part {
            Part::Subject => rendered.subject = Some(text),
            Part::Html => rendered.html = Some(text),
            Part::Text | Part::Body => rendered.text = text,
        }
    }
    Ok(rendered)
}

/// The saved texts a send will render (read under the store lock; render them without it with
/// [`render_saved`]).
pub fn saved_for(conn: &Connection, channel: Channel, language: &str) -> Result<Saved> {
    let language = known_language(language)?;
    Ok(Saved { language, parts: overrides(conn, channel, language)? })
}

/// A channel's saved texts in one language, read from the store.
#[derive(Debug, Clone)]
pub struct Saved {
    language: &'static str,
    parts: Vec<(Part, String)>,
}

/// Render a message from texts read with [`saved_for`]: no store access, so a slow render
/// never holds up the desk.
pub fn render_saved(channel: Channel, saved: &Saved, vars: &Vars<'_>) -> Result<Rendered> {
    render_with(channel, saved.language, &saved.parts, vars)
}

/// The message to send. `language` must be one of LANGUAGES (see [`pick_language`]).
pub fn render(conn: &Connection, channel: Channel, language: &str, vars: &Vars<'_>) -> Result<Rendered> {
    let language = known_language(language)?;
    let saved = overrides(conn, channel, language)?;
    render_with(channel, language, &saved, vars)
}

/// The editor's rows: one per part of the channel.
pub fn list(conn: &Connection, channel: Channel, language: &str) -> Result<Vec<TemplateView>> {
    let language = known_language(language)?;
    let saved = overrides(conn, channel, language)?;
    channel
        .parts()
        .map(|part| {
            let default_body = default_for(channel, language, part)?.to_owned();
            let saved = saved.iter().find(|(p, _)| *p == part).map(|(_, b)| b.clone());
            Ok(TemplateView {
                channel,
                language: language.to_owned(),
                part,
                is_default: saved.is_none(),
                body: saved.unwrap_or_else(|| default_body.clone()),
                default_body,
            })
        })
        .collect()
}

/// Check and store an override. Saving the shipped text itself removes the override, so the
/// part follows future improvements to the default again.
pub fn save(conn: &Connection, channel: Channel, language: &str, part: Part, body: &str, by: &str, now: &str) -> Result<()> {
    let clinic_name = Settings::load(conn)?.clinic_name;
    validate(channel, language, part, body, &clinic_name)?;
    let language = known_language(language)?;
    if body == default_for(channel, language, part)? {
        return reset(conn, channel, language, Some(part));
    }
    conn.execute(
        "INSERT INTO templates (channel, language, part, body, updated_at, updated_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (channel, language, part) DO UPDATE SET body = excluded.body,
             updated_at = excluded.updated_at, updated_by = excluded.updated_by",
        params![channel.as_str(), language, part.as_str(), body, now, by],
    )?;
    tracing::info!(channel = channel.as_str(), language, part = part.as_str(), by, "message template saved");
    Ok(())
}

/// Go back to the shipped default for one part, or for all of the channel's parts (`None`).
pub fn reset(conn: &Connection, channel: Channel, language: &str, part: Option<Part>) -> Result<()> {
    let language = known_language(language)?;
    match part {
        Some(part) => {
            check_part(channel, part)?;
            conn.execute(
                "DELETE FROM templates WHERE channel = ?1 AND language = ?2 AND part = ?3",
                params![channel.as_str(), language, part.as_str()],
            )?;
        }
        None => {
            conn.execute("DELETE FROM templates WHERE channel = ?1 AND language = ?2", params![channel.as_str(), language])?;
        }
    }
    tracing::info!(channel = channel.as_str(), language, part = part.map(Part::as_str), "message template reset");
    Ok(())
}

/// The message with sample values (code 482913, the given clinic name, Priya Sharma, 10
/// minutes). `draft` is a body being edited and not yet saved; it is checked as `save` would,
/// so the editor can show the problem while the admin types.
pub fn preview(conn: &Connection, channel: Channel, language: &str, clinic_name: &str, draft: Option<(Part, &str)>) -> Result<Preview> {
    let language = known_language(language)?;
    let mut saved = overrides(conn, channel, language)?;
    if let Some((part, body)) = draft {
        validate(channel, language, part, body, clinic_name)?;
        saved.retain(|(p, _)| *p != part);
        saved.push((part, body.to_owned()));
    }
    let vars = Vars { code: SAMPLE_CODE, clinic_name, person_name: SAMPLE_PERSON, expiry_minutes: SAMPLE_EXPIRY_MINUTES };
    let Rendered { subject, text, html } = render_with(channel, language, &saved, &vars)?;
    // WhatsApp falls back to SMS with the same text: phone messages show their SMS length.
    let sms = (channel.code_type() == crate::contact::CodeType::Phone).then(|| sms_info(&text));
    Ok(Preview { subject, text, html, sms })
}

#[cfg(test)]
mod tests;

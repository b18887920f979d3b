-- Message templates an admin has changed. The shipped defaults live in the app
-- (crates/desk-core/src/templates/defaults.rs), not here, so a new version can improve them for
-- every clinic that kept them; a row overrides one part of one channel's message in one
-- language, and deleting the row goes back to the shipped default.
--
-- The language list is fixed by CHECK on purpose: a row in a language the app can't offer would
-- never be used or shown. Adding a language therefore needs a migration that rebuilds this table.
CREATE TABLE templates (
    channel    TEXT NOT NULL CHECK (channel IN ('whatsapp', 'sms', 'email')),
    language   TEXT NOT NULL CHECK (language IN ('en', 'hi', 'kn', 'ta', 'te', 'ml')),
    part       TEXT NOT NULL CHECK (part IN ('subject', 'text', 'html', 'body')),
    -- The app refuses longer templates with a message; this is the backstop.
    body       TEXT NOT NULL CHECK (length(body) BETWEEN 1 AND 20000),
    updated_at TEXT NOT NULL,
    updated_by TEXT,
    PRIMARY KEY (channel, language, part),
    -- Email has a subject, a plain-text and an HTML part; WhatsApp and SMS have one body. A part
    -- the channel doesn't have would be an override nothing ever reads.
    CHECK ((channel = 'email') = (part IN ('subject', 'text', 'html')))
) STRICT;

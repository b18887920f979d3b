-- The house (0.2.0). Two changes, made in one step so the tables are rebuilt once.
--
-- 1. Channels are open: each provider registers its own. Instead of CHECK lists, which need a
--    table rebuild for every new channel, the names live in `channels` (the desk adds the
--    channels it knows at start-up) and the tables that name a channel refer to it. This is the
--    last rebuild for a channel: a new one is a row. The event log, which will also hold other
--    desks' events, checks only the shape of a channel's or a kind's name. Templates refer to
--    the channel's parts and to the languages the desk ships, both tables the desk fills from
--    its one list of each.
-- 2. When a message was handed to its provider is a column of the outbox (its owner): the
--    delivery check times a WhatsApp fallback from it, and used to read it back out of the audit
--    log's JSON. Messages already sent (in flight included) take the time of their `sent` event,
--    or their last update when the event is gone.

CREATE TABLE channels (
    name      TEXT PRIMARY KEY NOT NULL
              CHECK (length(name) BETWEEN 1 AND 15 AND name NOT GLOB '*[^a-z0-9_]*'),
    code_type TEXT NOT NULL CHECK (code_type IN ('phone', 'email'))
) STRICT;
INSERT INTO channels (name, code_type) VALUES ('whatsapp', 'phone'), ('sms', 'phone'), ('email', 'email');

-- Each channel's message parts (email: subject, text, html; the others a body).
CREATE TABLE channel_parts (
    channel TEXT NOT NULL REFERENCES channels (name),
    part    TEXT NOT NULL CHECK (part IN ('subject', 'text', 'html', 'body')),
    PRIMARY KEY (channel, part)
) STRICT;
INSERT INTO channel_parts (channel, part) VALUES
    ('whatsapp', 'body'), ('sms', 'body'), ('email', 'subject'), ('email', 'text'), ('email', 'html');

-- The languages the desk ships messages in (its one list, `desk_core::language`, noted here at
-- start-up): a new language is a row, not a rebuild.
CREATE TABLE languages (
    code TEXT PRIMARY KEY NOT NULL CHECK (length(code) BETWEEN 2 AND 8 AND code NOT GLOB '*[^a-z-]*')
) STRICT;
INSERT INTO languages (code) VALUES ('en'), ('hi'), ('kn'), ('ta'), ('te'), ('ml');

-- outbox --------------------------------------------------------------------------------------
CREATE TABLE outbox_new (
    id                  INTEGER PRIMARY KEY,
    idempotency_key     TEXT NOT NULL UNIQUE,
    user_id             TEXT NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    code_type           TEXT NOT NULL CHECK (code_type IN ('phone', 'email')),
    channel             TEXT NOT NULL REFERENCES channels (name),
    target              TEXT NOT NULL,
    language            TEXT NOT NULL,
    sealed_payload      BLOB,
    status              TEXT NOT NULL DEFAULT 'queued' CHECK (status IN (
                            'queued', 'sending', 'sent', 'delivered', 'read', 'failed',
                            'undelivered', 'cancelled', 'unknown', 'expired')),
    provider_message_id TEXT,
    attempts            INTEGER NOT NULL DEFAULT 0,
    next_attempt_at     TEXT,
    last_error          TEXT,
    last_error_code     TEXT,
    expires_at          TEXT NOT NULL,
    created_at          TEXT NOT NULL,
    created_by          TEXT NOT NULL,
    device_id           TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    sent_at             TEXT
) STRICT;
INSERT INTO outbox_new (id, idempotency_key, user_id, code_type, channel, target, language,
        sealed_payload, status, provider_message_id, attempts, next_attempt_at, last_error,
        last_error_code, expires_at, created_at, created_by, device_id, updated_at, sent_at)
SELECT o.id, o.idempotency_key, o.user_id, o.code_type, o.channel, o.target, o.language,
       o.sealed_payload, o.status, o.provider_message_id, o.attempts, o.next_attempt_at,
       o.last_error, o.last_error_code, o.expires_at, o.created_at, o.created_by, o.device_id,
       o.updated_at,
       CASE WHEN o.provider_message_id IS NULL THEN NULL ELSE coalesce(
           (SELECT max(e.occurred_at) FROM verification_events e
            WHERE e.kind = 'sent' AND json_extract(e.detail, '$.outbox_id') = o.id),
           o.updated_at) END
FROM outbox o;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX idx_outbox_status ON outbox (status, next_attempt_at);
CREATE INDEX idx_outbox_target ON outbox (target, created_at);
CREATE INDEX idx_outbox_user ON outbox (user_id, code_type, created_at);
CREATE INDEX idx_outbox_actor ON outbox (created_by, created_at);
CREATE INDEX idx_outbox_created ON outbox (created_at);

-- verification_codes --------------------------------------------------------------------------
CREATE TABLE verification_codes_new (
    user_id      TEXT NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    code_type    TEXT NOT NULL CHECK (code_type IN ('phone', 'email')),
    code         TEXT NOT NULL CHECK (length(code) = 64),
    target       TEXT NOT NULL,
    channel      TEXT NOT NULL REFERENCES channels (name),
    expires_at   TEXT NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    max_attempts INTEGER NOT NULL CHECK (max_attempts BETWEEN 1 AND 10),
    locked_at    TEXT,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    created_by   TEXT,
    updated_by   TEXT,
    PRIMARY KEY (user_id, code_type)
) STRICT;
INSERT INTO verification_codes_new SELECT * FROM verification_codes;
DROP TABLE verification_codes;
ALTER TABLE verification_codes_new RENAME TO verification_codes;
CREATE INDEX ix_verification_codes_expires_at ON verification_codes (expires_at);

-- verification_events (append-only: copied, never updated; its triggers are made again) -------
CREATE TABLE verification_events_new (
    event_id      TEXT PRIMARY KEY NOT NULL,
    device_id     TEXT NOT NULL,
    seq           INTEGER NOT NULL CHECK (seq >= 1),
    occurred_at   TEXT NOT NULL,
    user_id       TEXT NOT NULL,
    code_type     TEXT CHECK (code_type IN ('phone', 'email')),
    kind          TEXT NOT NULL CHECK (length(kind) BETWEEN 1 AND 40 AND kind NOT GLOB '*[^a-z_]*'),
    actor         TEXT NOT NULL,
    channel       TEXT CHECK (channel IS NULL OR (length(channel) BETWEEN 1 AND 15 AND channel NOT GLOB '*[^a-z0-9_]*')),
    target_masked TEXT,
    outcome       TEXT NOT NULL,
    error_code    TEXT,
    detail        TEXT CHECK (detail IS NULL OR json_valid(detail)),
    UNIQUE (device_id, seq)
) STRICT;
INSERT INTO verification_events_new SELECT * FROM verification_events;
DROP TABLE verification_events;
ALTER TABLE verification_events_new RENAME TO verification_events;
CREATE INDEX idx_events_user ON verification_events (user_id, occurred_at);
CREATE INDEX idx_events_time ON verification_events (occurred_at);
CREATE TRIGGER verification_events_append_only_update BEFORE UPDATE ON verification_events
BEGIN SELECT RAISE(ABORT, 'verification_events is append-only'); END;
CREATE TRIGGER verification_events_append_only_delete BEFORE DELETE ON verification_events
BEGIN SELECT RAISE(ABORT, 'verification_events is append-only'); END;

-- templates -----------------------------------------------------------------------------------
CREATE TABLE templates_new (
    channel    TEXT NOT NULL,
    language   TEXT NOT NULL REFERENCES languages (code),
    part       TEXT NOT NULL,
    body       TEXT NOT NULL CHECK (length(body) BETWEEN 1 AND 20000),
    updated_at TEXT NOT NULL,
    updated_by TEXT,
    PRIMARY KEY (channel, language, part),
    -- A part the channel doesn't have would be an override nothing ever reads.
    FOREIGN KEY (channel, part) REFERENCES channel_parts (channel, part)
) STRICT;
INSERT INTO templates_new SELECT * FROM templates;
DROP TABLE templates;
ALTER TABLE templates_new RENAME TO templates;

-- channel_health: providers are registered, not listed here -----------------------------------
CREATE TABLE channel_health_new (
    provider   TEXT PRIMARY KEY NOT NULL CHECK (length(provider) BETWEEN 1 AND 40 AND provider NOT GLOB '*[^a-z0-9_]*'),
    ok         INTEGER NOT NULL CHECK (ok IN (0, 1)),
    message    TEXT NOT NULL,
    tested_at  TEXT NOT NULL,
    tested_by  TEXT
) STRICT;
INSERT INTO channel_health_new SELECT * FROM channel_health;
DROP TABLE channel_health;
ALTER TABLE channel_health_new RENAME TO channel_health;

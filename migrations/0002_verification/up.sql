-- The verification engine's store. Names mirror the clinic system (skinspire-schema.md); the
-- desk adds what it needs locally. Timestamps are ISO-8601 UTC text ("2026-11-24T10:32:05.123Z").

-- People: the clinic's `users` row plus the contact details the desk works with
-- (copied out of staff/patients.contact_info when synced; typed in for walk-ins).
CREATE TABLE users (
    user_id             TEXT PRIMARY KEY NOT NULL CHECK (length(user_id) BETWEEN 1 AND 15),
    hospital_id         TEXT,
    entity_type         TEXT NOT NULL CHECK (entity_type IN ('staff', 'patient')),
    entity_id           TEXT NOT NULL,
    is_active           INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
    is_deleted          INTEGER NOT NULL DEFAULT 0 CHECK (is_deleted IN (0, 1)),
    verification_status TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(verification_status)),
    display_name        TEXT NOT NULL CHECK (length(trim(display_name)) > 0),
    phone               TEXT CHECK (phone IS NULL OR phone GLOB '+[1-9]*'),
    email               TEXT CHECK (email IS NULL OR email LIKE '%_@_%'),
    preferred_language  TEXT,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    created_by          TEXT,
    updated_by          TEXT,
    deleted_at          TEXT,
    deleted_by          TEXT
) STRICT;

CREATE INDEX idx_users_entity ON users (entity_type, entity_id);
CREATE INDEX idx_users_name ON users (display_name COLLATE NOCASE);

-- Search by any part of name, phone or email: trigram FTS5 over the users table.
CREATE VIRTUAL TABLE users_fts USING fts5(
    display_name, phone, email,
    content = 'users', content_rowid = 'rowid', tokenize = 'trigram'
);
CREATE TRIGGER users_fts_insert AFTER INSERT ON users BEGIN
    INSERT INTO users_fts (rowid, display_name, phone, email)
    VALUES (new.rowid, new.display_name, new.phone, new.email);
END;
CREATE TRIGGER users_fts_delete AFTER DELETE ON users BEGIN
    INSERT INTO users_fts (users_fts, rowid, display_name, phone, email)
    VALUES ('delete', old.rowid, old.display_name, old.phone, old.email);
END;
CREATE TRIGGER users_fts_update AFTER UPDATE OF display_name, phone, email ON users BEGIN
    INSERT INTO users_fts (users_fts, rowid, display_name, phone, email)
    VALUES ('delete', old.rowid, old.display_name, old.phone, old.email);
    INSERT INTO users_fts (rowid, display_name, phone, email)
    VALUES (new.rowid, new.display_name, new.phone, new.email);
END;

-- One live code per person and channel, as in the clinic system, except that `code` holds
-- HMAC-SHA256(pepper, request || code) in hex: the code itself is never stored.
CREATE TABLE verification_codes (
    user_id      TEXT NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    code_type    TEXT NOT NULL CHECK (code_type IN ('phone', 'email')),
    code         TEXT NOT NULL CHECK (length(code) = 64),
    target       TEXT NOT NULL,
    channel      TEXT NOT NULL CHECK (channel IN ('whatsapp', 'sms', 'email')),
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
CREATE INDEX ix_verification_codes_expires_at ON verification_codes (expires_at);

-- The audit trail and the sync feed in one: append-only, each device its own series.
CREATE TABLE verification_events (
    event_id      TEXT PRIMARY KEY NOT NULL,          -- UUID v7
    device_id     TEXT NOT NULL,
    seq           INTEGER NOT NULL CHECK (seq >= 1),
    occurred_at   TEXT NOT NULL,
    user_id       TEXT NOT NULL,
    code_type     TEXT CHECK (code_type IN ('phone', 'email')),
    kind          TEXT NOT NULL CHECK (kind IN (
                      'issued', 'sent', 'delivery_status', 'verified', 'wrong_code', 'locked',
                      'expired', 'invalidated', 'overridden', 'send_refused')),
    actor         TEXT NOT NULL,
    channel       TEXT CHECK (channel IN ('whatsapp', 'sms', 'email')),
    target_masked TEXT,
    outcome       TEXT NOT NULL,
    error_code    TEXT,
    detail        TEXT CHECK (detail IS NULL OR json_valid(detail)),
    UNIQUE (device_id, seq)
) STRICT;
CREATE INDEX idx_events_user ON verification_events (user_id, occurred_at);
CREATE INDEX idx_events_time ON verification_events (occurred_at);

CREATE TRIGGER verification_events_append_only_update BEFORE UPDATE ON verification_events
BEGIN SELECT RAISE(ABORT, 'verification_events is append-only'); END;
CREATE TRIGGER verification_events_append_only_delete BEFORE DELETE ON verification_events
BEGIN SELECT RAISE(ABORT, 'verification_events is append-only'); END;

-- Messages waiting to go out. The code travels sealed (ChaCha20-Poly1305 under a key derived
-- from the pepper) and the seal is wiped once the message is final. Rows also feed the send
-- rate limits, so they are kept for two days.
CREATE TABLE outbox (
    id                  INTEGER PRIMARY KEY,
    idempotency_key     TEXT NOT NULL UNIQUE,
    user_id             TEXT NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    code_type           TEXT NOT NULL CHECK (code_type IN ('phone', 'email')),
    channel             TEXT NOT NULL CHECK (channel IN ('whatsapp', 'sms', 'email')),
    target              TEXT NOT NULL,
    language            TEXT NOT NULL,
    sealed_payload      BLOB,
    -- 'unknown': the app stopped mid-send, so whether the provider got it can't be known; it
    -- is never sent again automatically (no double send). 'expired': the code ran out first.
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
    updated_at          TEXT NOT NULL
) STRICT;
CREATE INDEX idx_outbox_status ON outbox (status, next_attempt_at);
CREATE INDEX idx_outbox_target ON outbox (target, created_at);
CREATE INDEX idx_outbox_user ON outbox (user_id, code_type, created_at);
CREATE INDEX idx_outbox_actor ON outbox (created_by, created_at);
CREATE INDEX idx_outbox_created ON outbox (created_at);

-- Non-secret settings, one JSON value per name (the clinic's names where they exist).
CREATE TABLE settings (
    name       TEXT PRIMARY KEY NOT NULL,
    value      TEXT NOT NULL CHECK (json_valid(value)),
    updated_at TEXT NOT NULL,
    updated_by TEXT
) STRICT;

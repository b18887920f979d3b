-- Trust: the audit chain, codes that know their pepper and length, sign-in throttles and the
-- recovery code, consent records. Append-only tables get columns here, never rewrites: their
-- rows and triggers stay as they are.

-- verification_events: the event format v1 (see events::chain) -------------------------------
-- The contact sealed (ChaCha20-Poly1305, key from the pepper, bound to the event id), the clock
-- offset sync had measured, which pepper's keys wrote the event, and the chain.
ALTER TABLE verification_events ADD COLUMN clock_offset_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE verification_events ADD COLUMN target_sealed BLOB;
ALTER TABLE verification_events ADD COLUMN key_id TEXT;
ALTER TABLE verification_events ADD COLUMN prev_hash TEXT;
ALTER TABLE verification_events ADD COLUMN hash TEXT;
CREATE INDEX idx_events_kind_time ON verification_events (kind, occurred_at);

-- One row per device sealing the events written before the chain began (made by the desk on
-- first use: the key is in the keyring, not here).
CREATE TABLE audit_anchors (
    device_id   TEXT PRIMARY KEY NOT NULL,
    through_seq INTEGER NOT NULL CHECK (through_seq >= 1),
    digest      TEXT NOT NULL CHECK (length(digest) = 64),
    key_id      TEXT NOT NULL,
    hash        TEXT NOT NULL CHECK (length(hash) = 64),
    made_at     TEXT NOT NULL
) STRICT;
CREATE TRIGGER audit_anchors_append_only_update BEFORE UPDATE ON audit_anchors
BEGIN SELECT RAISE(ABORT, 'audit_anchors is append-only'); END;
CREATE TRIGGER audit_anchors_append_only_delete BEFORE DELETE ON audit_anchors
BEGIN SELECT RAISE(ABORT, 'audit_anchors is append-only'); END;

-- verification_codes: which pepper made the hash, and how long the code is -------------------
-- NULL for codes issued before this migration: they were made by the pepper in use then and
-- have the length the settings had, which is what the check assumes for them.
ALTER TABLE verification_codes ADD COLUMN pepper_id TEXT;
ALTER TABLE verification_codes ADD COLUMN code_length INTEGER CHECK (code_length IS NULL OR code_length BETWEEN 4 AND 10);

-- Sign-in throttles: per typed user ID (hashed: people type passwords into the wrong field),
-- whether or not an account has it, so an unknown ID and a locked one behave the same.
CREATE TABLE sign_in_throttle (
    id_key      TEXT PRIMARY KEY NOT NULL CHECK (length(id_key) = 64),
    failures    INTEGER NOT NULL CHECK (failures >= 1),
    next_try_at TEXT NOT NULL,
    blocked_at  TEXT,
    updated_at  TEXT NOT NULL
) STRICT;

-- The administrators' way back in: one recovery code at a time, stored as an argon2id hash.
CREATE TABLE recovery_codes (
    id          INTEGER PRIMARY KEY,
    code_hash   TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    used_at     TEXT,
    used_for    TEXT
) STRICT;

-- Consent (DPDP): the latest consent state per person and contact type; the history is in the
-- event log. `target_key` is a keyed hash of the contact the consent was about.
CREATE TABLE consents (
    user_id        TEXT NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    code_type      TEXT NOT NULL CHECK (code_type IN ('phone', 'email')),
    target_key     TEXT NOT NULL,
    state          TEXT NOT NULL CHECK (state IN ('given', 'withdrawn')),
    notice_version INTEGER NOT NULL CHECK (notice_version >= 1),
    language       TEXT NOT NULL,
    at             TEXT NOT NULL,
    by_staff       TEXT NOT NULL,
    PRIMARY KEY (user_id, code_type)
) STRICT;

-- outbox: a message whose code was replaced (a new code, an edited contact, withdrawn consent)
-- is retired: its sealed code is wiped, and nothing (retry or fallback) sends it again.
ALTER TABLE outbox ADD COLUMN retired_at TEXT;

-- Rate limits count a contact once whatever its letter case (an email's local part keeps its
-- case for sending, but Priya@… and priya@… are one inbox to a limit).
CREATE INDEX idx_outbox_target_nocase ON outbox (target COLLATE NOCASE, created_at);
DROP INDEX idx_outbox_target;

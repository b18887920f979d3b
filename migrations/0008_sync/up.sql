-- Sync with the clinic's PostgreSQL (crates/desk-sync; docs/sync-protocol.md).

-- Where a person came from: typed at this desk (walk-ins, sample data) or pulled from the
-- clinic. A clinic person's contacts follow the clinic's records at every pull.
ALTER TABLE users ADD COLUMN origin TEXT NOT NULL DEFAULT 'desk' CHECK (origin IN ('desk', 'clinic'));
CREATE INDEX idx_users_origin ON users (origin) WHERE origin = 'clinic';

-- The desk's place in the clinic's change log and event series: one row (owner: desk-sync's
-- state module).
CREATE TABLE sync_state (
    id              INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    -- The device id the acknowledgement below belongs to (a new device starts again at 0).
    device_id       TEXT,
    hospital_id     TEXT,
    -- pg_snapshot_xmin of the last pull's snapshot, as text (an xid8).
    watermark       TEXT,
    acked_seq       INTEGER NOT NULL DEFAULT 0 CHECK (acked_seq >= 0),
    clock_offset_ms INTEGER NOT NULL DEFAULT 0,
    last_ok_at      TEXT,
    last_attempt_at TEXT,
    last_error      TEXT,
    last_error_code TEXT,
    error_since     TEXT,
    fork_seq        INTEGER,
    forked_at       TEXT,
    -- After a fork, the old device's verifications the clinic may not have (those after its
    -- last acknowledgement) are carried into the new device's series at its first push.
    carry_device    TEXT,
    carry_after_seq INTEGER,
    updated_at      TEXT NOT NULL
) STRICT;
INSERT INTO sync_state (id, updated_at) VALUES (1, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));

-- Clinic rows the desk could not read (no name, a phone that is no number…): kept raw and
-- listed for an admin, never dropped silently.
CREATE TABLE sync_unreadable (
    user_id       TEXT PRIMARY KEY NOT NULL,
    raw           TEXT NOT NULL CHECK (json_valid(raw)),
    problems      TEXT NOT NULL CHECK (json_valid(problems)),
    first_seen_at TEXT NOT NULL,
    last_seen_at  TEXT NOT NULL
) STRICT;

-- Which clinic role names give which desk role; a clinic staff member with none of these has
-- no account at the desk.
CREATE TABLE sync_role_map (
    clinic_role TEXT PRIMARY KEY NOT NULL COLLATE NOCASE,
    desk_role   TEXT NOT NULL CHECK (desk_role IN ('admin', 'reception')),
    updated_at  TEXT NOT NULL,
    updated_by  TEXT
) STRICT;
INSERT INTO sync_role_map (clinic_role, desk_role, updated_at) VALUES
    ('System Administrator', 'admin', strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    ('Hospital Administrator', 'admin', strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    ('Receptionist', 'reception', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));

-- The clinic's verification settings (hospital_settings, category 'verification'), as the last
-- pull brought them (owner: the settings module). They override the desk's own values and are
-- read-only on the desk; a value below the security floor is raised to it.
CREATE TABLE settings_central (
    name       TEXT PRIMARY KEY NOT NULL,
    value      TEXT NOT NULL CHECK (json_valid(value)),
    updated_at TEXT NOT NULL
) STRICT;

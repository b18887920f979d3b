-- Contacts corrected at this desk for clinic people, and the clinic's conflicts about them
-- (owner: desk-core's people::corrections; docs/sync-protocol.md, "Corrections").

-- A clinic person's phone or email changed here: kept over the clinic's value at every pull
-- until the clinic has taken it, a later correction won, or an admin settled a conflict.
-- One row per person and channel (a second correction replaces the first).
CREATE TABLE contact_corrections (
    user_id   TEXT NOT NULL,
    code_type TEXT NOT NULL CHECK (code_type IN ('phone', 'email')),
    -- The desk's value (NULL: the contact was removed here).
    value     TEXT,
    -- The clinic's value it replaced, as this desk last pulled it.
    base      TEXT,
    -- The contact_corrected event that carries it to the clinic, and its number in this
    -- desk's series (a correction the clinic has not acknowledged yet is always kept).
    event_id  TEXT NOT NULL,
    seq       INTEGER NOT NULL,
    made_at   TEXT NOT NULL,
    PRIMARY KEY (user_id, code_type)
) STRICT;

-- Corrections (from any desk of the hospital) that the clinic could not apply because its own
-- record had changed since: as the last pull listed them, for an admin to settle.
CREATE TABLE clinic_conflicts (
    event_id     TEXT PRIMARY KEY NOT NULL,
    user_id      TEXT NOT NULL,
    code_type    TEXT NOT NULL CHECK (code_type IN ('phone', 'email')),
    device_id    TEXT NOT NULL,
    desk_name    TEXT NOT NULL,
    desk_value   TEXT,
    base_value   TEXT,
    clinic_value TEXT,
    made_at      TEXT NOT NULL,
    opened_at    TEXT NOT NULL,
    pulled_at    TEXT NOT NULL
) STRICT;

-- Walk-ins are matched against clinic people by phone and email (people::clinic::walk_ins and
-- the merge at each pull).
CREATE INDEX idx_users_phone ON users (phone) WHERE phone IS NOT NULL;
CREATE INDEX idx_users_email ON users (lower(email)) WHERE email IS NOT NULL;

-- Skinspire Verify Desk: the clinic side of sync (docs/sync-protocol.md), schema version 1.
--
-- Run by the clinic's DBA, as a superuser, in the clinic's database:
--     psql -v ON_ERROR_STOP=1 -d <clinic db> -f install.sql
-- Safe to run again: every step checks or replaces what an earlier run made, and the whole
-- script is one transaction, so a failure leaves the database as it was.
--
-- What it makes:
--   roles   desk_sync_owner (NOLOGIN): owns everything below; the only holder of privileges on
--                                      the clinic's tables, and only those the contract lists.
--           desk_sync_desk  (NOLOGIN): the group of the desks' login roles; EXECUTE on the seven
--                                      desk functions and USAGE on the schema, nothing else.
--   schema  desk_sync: bookkeeping tables, the change log and its triggers, the functions.
--
-- Every function that runs with the owner's rights (SECURITY DEFINER) pins
-- search_path = pg_catalog, pg_temp and names every other object with its schema: a role that
-- can create objects in public (older clinic databases still let PUBLIC do so) can then not
-- slip a look-alike function or table under the owner's rights.

\set ON_ERROR_STOP 1
BEGIN;
-- Nothing below may resolve a name through public while a superuser runs it.
SET LOCAL search_path = pg_catalog, pg_temp;
SET LOCAL client_min_messages = warning;   -- no "already exists, skipping" chatter on a rerun

-- A newer version must not be overwritten by this older script.
DO $$
DECLARE
    newest int;
BEGIN
    IF to_regclass('desk_sync.schema_version') IS NOT NULL THEN
        EXECUTE 'SELECT max(version) FROM desk_sync.schema_version' INTO newest;
        IF newest > 1 THEN
            RAISE EXCEPTION 'desk_sync: schema version % is installed; this script is version 1',
                newest;
        END IF;
    END IF;
END $$;

-- ---------------------------------------------------------------------------------------------
-- Roles (cluster-wide: made only when missing, and brought back to NOLOGIN if someone changed it)
-- ---------------------------------------------------------------------------------------------
-- Two databases of one cluster installed at the same time race to make the same roles: the
-- loser finds the role made, which is what it wanted.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'desk_sync_owner') THEN
        BEGIN
            CREATE ROLE desk_sync_owner NOLOGIN;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
        END;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'desk_sync_desk') THEN
        BEGIN
            CREATE ROLE desk_sync_desk NOLOGIN;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
        END;
    END IF;
END $$;
-- Only when someone changed them (an ALTER of a role another install alters at the same moment
-- fails with "tuple concurrently updated").
DO $$
DECLARE r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['desk_sync_owner', 'desk_sync_desk'] LOOP
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r
                   AND (rolcanlogin OR rolsuper OR rolcreatedb OR rolcreaterole OR rolbypassrls)) THEN
            EXECUTE format('ALTER ROLE %I NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS', r);
        END IF;
    END LOOP;
END $$;

-- Desks must be able to connect even where the DBA took CONNECT away from PUBLIC.
DO $$ BEGIN
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO desk_sync_desk', current_database());
END $$;

-- ---------------------------------------------------------------------------------------------
-- What the owner may do on the clinic's tables: read the people, their roles and the settings;
-- write only users.verification_status (the fold of verifications) and the contact_info of
-- patients and staff (the fold of contact corrections), each with updated_at beside it.
-- Revoked first, so a rerun also takes back anything granted by hand since. Nothing at all on
-- verification_codes (the clinic's plaintext codes).
-- ---------------------------------------------------------------------------------------------
GRANT USAGE ON SCHEMA public TO desk_sync_owner;
REVOKE ALL ON public.users, public.patients, public.staff, public.role_master,
              public.user_role_mapping, public.hospital_settings, public.hospitals,
              public.verification_codes
       FROM desk_sync_owner;
GRANT SELECT ON public.users, public.patients, public.staff, public.role_master,
                public.user_role_mapping, public.hospital_settings, public.hospitals
      TO desk_sync_owner;
GRANT UPDATE (verification_status, updated_at) ON public.users TO desk_sync_owner;
GRANT UPDATE (contact_info, updated_at) ON public.patients, public.staff TO desk_sync_owner;

-- ---------------------------------------------------------------------------------------------
-- The schema and its tables, made as the owner so that the owner owns them.
-- ---------------------------------------------------------------------------------------------
CREATE SCHEMA IF NOT EXISTS desk_sync AUTHORIZATION desk_sync_owner;
ALTER SCHEMA desk_sync OWNER TO desk_sync_owner;
REVOKE ALL ON SCHEMA desk_sync FROM PUBLIC;

SET LOCAL ROLE desk_sync_owner;

CREATE TABLE IF NOT EXISTS desk_sync.schema_version (
    version      int PRIMARY KEY,
    installed_at timestamptz NOT NULL DEFAULT now()
);

-- One row per enrolled desk login. No foreign key to public.hospitals: that would need the
-- REFERENCES privilege, which the owner is not given; enroll checks the hospital instead.
CREATE TABLE IF NOT EXISTS desk_sync.desks (
    role_name   name PRIMARY KEY,
    hospital_id uuid NOT NULL,
    desk_name   text NOT NULL,
    enrolled_at timestamptz NOT NULL DEFAULT now(),
    enrolled_by name NOT NULL DEFAULT session_user,
    revoked_at  timestamptz
);

-- A desk's event series. A desk restored from a backup starts a new device id.
CREATE TABLE IF NOT EXISTS desk_sync.devices (
    device_id       text PRIMARY KEY CHECK (device_id <> '' AND length(device_id) <= 200),
    role_name       name NOT NULL REFERENCES desk_sync.desks (role_name),
    acked_seq       bigint NOT NULL DEFAULT 0,
    chain_hash      text,
    last_seen       timestamptz,
    clock_offset_ms bigint,
    first_seen      timestamptz NOT NULL DEFAULT now(),
    forked_at       timestamptz,
    fork_seq        bigint
);
CREATE INDEX IF NOT EXISTS devices_role_name_idx ON desk_sync.devices (role_name);

-- The change log, filled by the triggers below. xid is the writing transaction's id, so a
-- desk can ask for "everything written by a transaction not yet visible to my last snapshot".
-- hospital_id (an addition to the contract's columns, never shown to a desk) is the hospital
-- the row belonged to: it lets a tombstone reach only desks of the hospital the person was in,
-- so a deletion in one hospital never tells another hospital's desk a user id (a phone number).
CREATE TABLE IF NOT EXISTS desk_sync.changes (
    change_id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    xid         xid8 NOT NULL DEFAULT pg_current_xact_id(),
    table_name  text NOT NULL,
    row_key     text,
    op          char(1) NOT NULL,          -- I, U, D (a key change logs the old key as D)
    changed_at  timestamptz NOT NULL DEFAULT now(),
    hospital_id uuid
);
CREATE INDEX IF NOT EXISTS changes_xid_idx ON desk_sync.changes (xid);
CREATE INDEX IF NOT EXISTS changes_changed_at_idx ON desk_sync.changes (changed_at);

-- One row: the oldest xid the change log still covers. Starts at the installing transaction
-- (nothing earlier was logged); prune raises it. A rerun keeps it.
CREATE TABLE IF NOT EXISTS desk_sync.log_horizon (
    one     boolean PRIMARY KEY DEFAULT true CHECK (one),
    horizon xid8 NOT NULL
);
INSERT INTO desk_sync.log_horizon (one, horizon) VALUES (true, pg_current_xact_id())
ON CONFLICT (one) DO NOTHING;

-- Every event every desk pushed; body is the exact canonical bytes (docs/event-format.md).
-- device_id names a devices row, but not by a foreign key: its check, one lookup per inserted
-- row, cost a tenth of a push's time, and push (the only writer) makes and locks the device's
-- row before it inserts. The other direction, a device row that goes while its events stay,
-- is refused by devices_keep_events below.
CREATE TABLE IF NOT EXISTS desk_sync.desk_events (
    device_id       text NOT NULL,
    seq             bigint NOT NULL,
    event_id        uuid NOT NULL UNIQUE,
    occurred_at     timestamptz NOT NULL,
    clock_offset_ms bigint NOT NULL,
    sort_at         timestamptz NOT NULL,
    user_id         text,
    code_type       text,
    kind            text,
    outcome         text,
    target          text,
    body            text NOT NULL,
    hash            text NOT NULL,
    received_at     timestamptz NOT NULL DEFAULT now(),
    applied         text,    -- applied | superseded | stale_target | no_user | conflict | practice
                             -- | not_result
    PRIMARY KEY (device_id, seq)
);
-- An install of before the change above had the foreign key.
ALTER TABLE desk_sync.desk_events DROP CONSTRAINT IF EXISTS desk_events_device_id_fkey;
CREATE INDEX IF NOT EXISTS desk_events_user_idx ON desk_sync.desk_events (user_id, code_type);
-- The sign-in events of a person, for the recount of desk_sync.sign_ins.
CREATE INDEX IF NOT EXISTS desk_events_sign_in_idx ON desk_sync.desk_events (user_id, sort_at)
    WHERE kind IN ('sign_in', 'account_unlocked', 'password_reset');

-- What the foreign key from desk_events did on the devices side: a device's row can't go, or
-- change its id, while the clinic keeps its events (devices are never deleted by anything here).
CREATE OR REPLACE FUNCTION desk_sync.devices_keep_events() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        IF EXISTS (SELECT 1 FROM desk_sync.desk_events) THEN
            RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
                MESSAGE = 'desk_sync.devices: the clinic keeps events of these devices';
        END IF;
        RETURN NULL;
    END IF;
    IF (TG_OP = 'DELETE' OR NEW.device_id IS DISTINCT FROM OLD.device_id)
       AND EXISTS (SELECT 1 FROM desk_sync.desk_events e WHERE e.device_id = OLD.device_id) THEN
        RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
            MESSAGE = format('desk_sync.devices: the clinic keeps events of device %s',
                             OLD.device_id);
    END IF;
    RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
END $$;
CREATE OR REPLACE TRIGGER devices_keep_events BEFORE UPDATE OF device_id OR DELETE
    ON desk_sync.devices FOR EACH ROW EXECUTE FUNCTION desk_sync.devices_keep_events();
CREATE OR REPLACE TRIGGER devices_keep_events_truncate BEFORE TRUNCATE
    ON desk_sync.devices FOR EACH STATEMENT EXECUTE FUNCTION desk_sync.devices_keep_events();

-- The fold's current winner per person and channel, walk-ins included.
CREATE TABLE IF NOT EXISTS desk_sync.results (
    user_id     text NOT NULL,
    code_type   text NOT NULL,
    verified    boolean NOT NULL,
    verified_at timestamptz NOT NULL,
    target      text,
    device_id   text NOT NULL,
    seq         bigint NOT NULL,
    event_id    uuid NOT NULL,
    sort_at     timestamptz NOT NULL,
    PRIMARY KEY (user_id, code_type)
);

-- The fold's current winner per person and channel among the contact corrections it applied.
CREATE TABLE IF NOT EXISTS desk_sync.corrections (
    user_id    text NOT NULL,
    code_type  text NOT NULL,
    value      text,            -- the desk's new value as it sent it; NULL: the contact removed
    device_id  text NOT NULL,
    seq        bigint NOT NULL,
    event_id   uuid NOT NULL,
    sort_at    timestamptz NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, code_type)
);

-- Corrections the fold could not apply because the clinic's value had changed since the desk
-- read it: open until a desk's admin settles them (closed_how 'clinic': the clinic's value
-- kept; 'desk': a later correction with this value applied; 'superseded': a later correction
-- with another value applied).
CREATE TABLE IF NOT EXISTS desk_sync.conflicts (
    event_id        uuid PRIMARY KEY,      -- the contact_corrected event
    user_id         text NOT NULL,
    code_type       text NOT NULL,
    device_id       text NOT NULL,
    desk_value      text,                  -- the correction's new value (NULL: removed)
    base_value      text,                  -- the value it replaced, as the desk had it
    clinic_value    text,                  -- the clinic's value (normalised) when it was found
    sort_at         timestamptz NOT NULL,
    opened_at       timestamptz NOT NULL DEFAULT now(),
    closed_at       timestamptz,
    closed_by_event uuid,
    closed_how      text CHECK (closed_how IN ('desk', 'clinic', 'superseded'))
);
CREATE INDEX IF NOT EXISTS conflicts_open_idx ON desk_sync.conflicts (user_id, code_type)
    WHERE closed_at IS NULL;

-- Failed sign-ins per staff account, counted over every desk's events since the last success
-- or unlock (recounted by push for the accounts a batch names).
CREATE TABLE IF NOT EXISTS desk_sync.sign_ins (
    user_id        text PRIMARY KEY,
    failures       int NOT NULL,
    last_failed_at timestamptz,
    last_reset_at  timestamptz,
    updated_at     timestamptz NOT NULL DEFAULT now()
);

INSERT INTO desk_sync.schema_version (version) VALUES (1) ON CONFLICT (version) DO NOTHING;

-- ---------------------------------------------------------------------------------------------
-- Helpers (not callable by desks; the definer functions call them with the owner's rights)
-- ---------------------------------------------------------------------------------------------

-- A phone as the clinic's normalize_phone_number keeps it: digits (and '+') only; 10 digits are
-- an Indian mobile (+91...), any other run of digits is taken as already carrying its country
-- code. Fewer than 8 digits ('call reception', 'ext 12') is no phone at all: NULL.
-- PL/pgSQL rather than SQL: a SQL function with a SET clause is never inlined, and runs slower
-- per call than this (the set-based fold in push calls them for every event).
CREATE OR REPLACE FUNCTION desk_sync.norm_phone(p text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    d text := pg_catalog.regexp_replace(p, '[^0-9]', '', 'g');
BEGIN
    RETURN CASE
               WHEN length(d) < 8  THEN NULL
               WHEN length(d) = 10 THEN '+91' || d
               ELSE '+' || d
           END;
END $$;

-- An e-mail address compared as the clinic types them: surrounding white space dropped, lower
-- case. Empty is NULL.
CREATE OR REPLACE FUNCTION desk_sync.norm_email(p text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN NULLIF(pg_catalog.lower(pg_catalog.regexp_replace(p, '^\s+|\s+$', '', 'g')), '');
END $$;

-- A contact of a channel normalised as the fold compares it (norm_phone or norm_email).
CREATE OR REPLACE FUNCTION desk_sync.norm_contact(p_code_type text, p text) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF p IS NULL THEN
        RETURN NULL;
    ELSIF p_code_type = 'phone' THEN
        RETURN desk_sync.norm_phone(p);
    ELSIF p_code_type = 'email' THEN
        RETURN desk_sync.norm_email(p);
    END IF;
    RETURN NULL;
END $$;

-- The clinic's JSONB columns are sometimes a JSON string holding the JSON (double-encoded by
-- the Flask app). Unwrap such a string (up to three layers); anything else comes back as is.
CREATE OR REPLACE FUNCTION desk_sync.unwrap_json(v jsonb) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    i int := 0;
BEGIN
    WHILE pg_catalog.jsonb_typeof(v) = 'string' AND i < 3 LOOP
        BEGIN
            v := (v #>> '{}')::jsonb;
        EXCEPTION WHEN invalid_text_representation THEN
            RETURN v;           -- a plain string, not JSON inside
        END;
        i := i + 1;
    END LOOP;
    RETURN v;
END $$;

-- A time the Flask app wrote (verified_at): naive ones are UTC (utcnow().isoformat()), which
-- the function's own TimeZone setting makes the cast assume. Missing or unreadable: -infinity,
-- so that it loses to any desk event.
CREATE OR REPLACE FUNCTION desk_sync.ts_utc(p text) RETURNS timestamptz
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
SET TimeZone = 'UTC'
AS $$
BEGIN
    IF p IS NULL OR p = '' THEN
        RETURN '-infinity';
    END IF;
    RETURN p::timestamptz;
EXCEPTION WHEN others THEN
    RETURN '-infinity';
END $$;

-- The hospital a row of a logged table belongs to, for the change log (see changes.hospital_id).
-- A users row without hospital_id takes its patient's or staff member's.
CREATE OR REPLACE FUNCTION desk_sync.row_hospital(p_table text, r jsonb) RETURNS uuid
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    h uuid;
BEGIN
    IF r IS NULL THEN
        RETURN NULL;
    ELSIF p_table IN ('patients', 'staff') THEN
        RETURN (r ->> 'hospital_id')::uuid;
    ELSIF p_table = 'users' THEN
        h := (r ->> 'hospital_id')::uuid;
        IF h IS NULL AND pg_catalog.lower(r ->> 'entity_type') = 'patient' THEN
            SELECT p.hospital_id INTO h FROM public.patients p
             WHERE p.patient_id = (r ->> 'entity_id')::uuid;
        ELSIF h IS NULL AND pg_catalog.lower(r ->> 'entity_type') = 'staff' THEN
            SELECT s.hospital_id INTO h FROM public.staff s
             WHERE s.staff_id = (r ->> 'entity_id')::uuid;
        END IF;
        RETURN h;
    END IF;
    RETURN NULL;   -- user_role_mapping, role_master: the people they map to carry the hospital
END $$;

-- The hospital of a person now: users.hospital_id, else the patient's or staff member's. NULL
-- when there is no such user.
CREATE OR REPLACE FUNCTION desk_sync.user_hospital(p_user_id text) RETURNS uuid
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT coalesce(u.hospital_id, p.hospital_id, s.hospital_id)
      FROM public.users u
      LEFT JOIN public.patients p ON lower(u.entity_type) = 'patient' AND p.patient_id = u.entity_id
      LEFT JOIN public.staff s ON lower(u.entity_type) = 'staff' AND s.staff_id = u.entity_id
     WHERE u.user_id = p_user_id
$$;

-- The hospital of the desk a device belongs to.
CREATE OR REPLACE FUNCTION desk_sync.device_hospital(p_device_id text) RETURNS uuid
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT k.hospital_id
      FROM desk_sync.devices v JOIN desk_sync.desks k ON k.role_name = v.role_name
     WHERE v.device_id = p_device_id
$$;

-- The enrolled, not revoked desk of this login, or DS001. session_user, not current_user:
-- inside a SECURITY DEFINER function current_user is the owner.
CREATE OR REPLACE FUNCTION desk_sync.current_desk() RETURNS desk_sync.desks
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    d desk_sync.desks;
BEGIN
    SELECT * INTO d FROM desk_sync.desks k
     WHERE k.role_name = session_user AND k.revoked_at IS NULL;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'DS001',
            MESSAGE = format('%s is not an enrolled desk, or it was revoked', session_user);
    END IF;
    RETURN d;
END $$;

-- A device id the desk names: must be a sensible string, and not another desk's (DS002).
-- A device not yet registered is accepted here (hello and push register it).
CREATE OR REPLACE FUNCTION desk_sync.check_device(p_device_id text, p_role name) RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    owner_role name;
BEGIN
    IF p_device_id IS NULL OR p_device_id = '' OR length(p_device_id) > 200 THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = 'the device id must be a non-empty string of at most 200 characters';
    END IF;
    SELECT d.role_name INTO owner_role FROM desk_sync.devices d WHERE d.device_id = p_device_id;
    IF FOUND AND owner_role <> p_role THEN
        RAISE EXCEPTION USING ERRCODE = 'DS002',
            MESSAGE = format('device %s belongs to another desk', p_device_id);
    END IF;
END $$;

-- ---------------------------------------------------------------------------------------------
-- The change log triggers: one per statement (INSERT, UPDATE, DELETE), reading the statement's
-- rows from its transition tables, so that a statement writing many rows logs them with one
-- insert. SECURITY DEFINER so that the clinic's own application role, which has no privilege on
-- desk_sync, can go on writing users, patients... as before.
-- TG_ARGV[0] names the key column. Updates that touch only bookkeeping columns (a login stamps
-- last_login on every sign-in) are not logged: the desk would re-fetch the person for nothing.
-- An updated row is matched with the old row of the same key: a row whose key changed is logged
-- under its new key and, as deleted ('D'), under its old one; a row that moved to another
-- hospital is logged under both hospitals, so that the desks of the hospital it left get a
-- tombstone for it.
-- ---------------------------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION desk_sync.log_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    key_col text := TG_ARGV[0];
    noise   text[] := ARRAY['updated_at', 'updated_by', 'last_login', 'failed_login_attempts',
                            'ui_preferences', 'last_currency'];
    -- users.hospital_id, patients/staff.hospital_id as they are; a users row without one takes
    -- its patient's or staff member's (desk_sync.row_hospital). None for the other tables.
    with_h  boolean := TG_TABLE_NAME IN ('users', 'patients', 'staff');
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO desk_sync.changes (table_name, row_key, op, hospital_id)
        SELECT TG_TABLE_NAME, r.j ->> key_col, 'I',
               CASE WHEN with_h THEN coalesce((r.j ->> 'hospital_id')::uuid,
                                              desk_sync.row_hospital(TG_TABLE_NAME, r.j)) END
          FROM (SELECT pg_catalog.to_jsonb(x) AS j FROM desk_sync_new x OFFSET 0) r;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO desk_sync.changes (table_name, row_key, op, hospital_id)
        SELECT TG_TABLE_NAME, r.j ->> key_col, 'D',
               CASE WHEN with_h THEN coalesce((r.j ->> 'hospital_id')::uuid,
                                              desk_sync.row_hospital(TG_TABLE_NAME, r.j)) END
          FROM (SELECT pg_catalog.to_jsonb(x) AS j FROM desk_sync_old x OFFSET 0) r;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO desk_sync.changes (table_name, row_key, op, hospital_id)
        WITH o AS (
            SELECT r.j ->> key_col AS k, r.j - noise AS body,
                   CASE WHEN with_h THEN coalesce((r.j ->> 'hospital_id')::uuid,
                                                  desk_sync.row_hospital(TG_TABLE_NAME, r.j)) END AS h
              FROM (SELECT pg_catalog.to_jsonb(x) AS j FROM desk_sync_old x OFFSET 0) r
        ),
        n AS (
            SELECT r.j ->> key_col AS k, r.j - noise AS body,
                   CASE WHEN with_h THEN coalesce((r.j ->> 'hospital_id')::uuid,
                                                  desk_sync.row_hospital(TG_TABLE_NAME, r.j)) END AS h
              FROM (SELECT pg_catalog.to_jsonb(x) AS j FROM desk_sync_new x OFFSET 0) r
        )
        -- New rows, unless only bookkeeping changed.
        SELECT TG_TABLE_NAME, n.k, 'U', n.h
          FROM n
         WHERE NOT EXISTS (SELECT 1 FROM o WHERE o.k = n.k AND o.body = n.body)
        UNION ALL
        -- Old rows whose key is gone ('D') or that left their hospital ('U' there).
        SELECT TG_TABLE_NAME, o.k,
               CASE WHEN EXISTS (SELECT 1 FROM n WHERE n.k = o.k) THEN 'U' ELSE 'D' END, o.h
          FROM o
         WHERE NOT EXISTS (SELECT 1 FROM n WHERE n.k = o.k AND n.h IS NOT DISTINCT FROM o.h)
           AND NOT EXISTS (SELECT 1 FROM n WHERE n.k = o.k AND n.body = o.body);
    END IF;
    RETURN NULL;
END $$;

-- ---------------------------------------------------------------------------------------------
-- The people of a hospital, as pull_begin counts them and pull_people pages them.
--   full:  every user whose hospital (users.hospital_id, else the patient's/staff's) is p_hospital.
--   since: the users named by change rows with xid >= p_since (patients/staff through
--          users.entity_id, role_master through user_role_mapping) that are in p_hospital now,
--          plus a tombstone for those that were in p_hospital (by the change log) and no longer
--          are (deleted, or moved away).
-- Ordered and paged by user_id in byte order (COLLATE "C"), whatever the database's collation.
-- One query per kind of pull, each planned for its own values: the full one reads every user,
-- the one since a watermark starts from the change rows (so an idle pull reads next to nothing).
-- ---------------------------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION desk_sync.people(p_hospital uuid, p_since xid8, p_full boolean,
                                            p_after text, p_limit int)
RETURNS TABLE (user_id text, entity_type text, deleted boolean, is_active boolean,
               first_name text, last_name text, full_name text, personal_info jsonb,
               contact_info jsonb, verification_status jsonb, password_hash text, roles text[])
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
BEGIN
    IF p_full THEN
        RETURN QUERY
        SELECT u.user_id::text,
               u.entity_type::text,
               false,
               (coalesce(u.is_active, true) AND NOT u.is_deleted
                AND NOT coalesce(e.is_deleted, false) AND coalesce(e.is_active, true)),
               e.first_name::text, e.last_name::text, e.full_name::text,
               e.personal_info, e.contact_info, u.verification_status,
               CASE WHEN lower(u.entity_type) = 'staff' THEN u.password_hash::text END,
               ARRAY(SELECT rm.role_name::text
                       FROM public.user_role_mapping m
                       JOIN public.role_master rm ON rm.role_id = m.role_id
                      WHERE m.user_id = u.user_id
                        AND coalesce(m.is_active, true) AND rm.is_active
                        AND (rm.hospital_id IS NULL OR rm.hospital_id = p_hospital)
                      ORDER BY rm.role_name::text COLLATE "C")
          FROM public.users u
          LEFT JOIN LATERAL (
                 SELECT p.hospital_id, p.is_active, p.is_deleted, p.first_name, p.last_name,
                        p.full_name, p.personal_info, p.contact_info
                   FROM public.patients p
                  WHERE lower(u.entity_type) = 'patient' AND p.patient_id = u.entity_id
                 UNION ALL
                 SELECT s.hospital_id, s.is_active, s.is_deleted, s.first_name, s.last_name,
                        s.full_name, s.personal_info, s.contact_info
                   FROM public.staff s
                  WHERE lower(u.entity_type) = 'staff' AND s.staff_id = u.entity_id
               ) e ON true
         WHERE coalesce(u.hospital_id, e.hospital_id) = p_hospital
           AND (p_after IS NULL OR u.user_id::text COLLATE "C" > p_after COLLATE "C")
         ORDER BY u.user_id::text COLLATE "C"
         LIMIT p_limit;
        RETURN;
    END IF;

    RETURN QUERY
    WITH changed AS (
        SELECT c.row_key AS user_id, c.hospital_id
          FROM desk_sync.changes c
         WHERE c.xid >= p_since AND c.table_name IN ('users', 'user_role_mapping')
        UNION ALL
        SELECT u.user_id::text, c.hospital_id
          FROM desk_sync.changes c
          JOIN public.users u
            ON u.entity_id::text = c.row_key
           AND lower(u.entity_type) = CASE c.table_name WHEN 'patients' THEN 'patient' ELSE 'staff' END
         WHERE c.xid >= p_since AND c.table_name IN ('patients', 'staff')
        UNION ALL
        SELECT m.user_id::text, NULL::uuid
          FROM desk_sync.changes c
          JOIN public.user_role_mapping m ON m.role_id::text = c.row_key
         WHERE c.xid >= p_since AND c.table_name = 'role_master'
    ),
    candidates AS (
        SELECT ch.user_id, bool_or(ch.hospital_id IS NOT DISTINCT FROM p_hospital) AS was_here
          FROM changed ch
         WHERE ch.user_id IS NOT NULL
           AND (p_after IS NULL OR ch.user_id COLLATE "C" > p_after COLLATE "C")
         GROUP BY ch.user_id
    ),
    present AS (
        SELECT u.user_id::text AS user_id,
               u.entity_type::text AS entity_type,
               false AS deleted,
               (coalesce(u.is_active, true) AND NOT u.is_deleted
                AND NOT coalesce(e.is_deleted, false) AND coalesce(e.is_active, true)) AS is_active,
               e.first_name::text AS first_name, e.last_name::text AS last_name,
               e.full_name::text AS full_name,
               e.personal_info, e.contact_info, u.verification_status,
               CASE WHEN lower(u.entity_type) = 'staff' THEN u.password_hash::text END AS password_hash,
               ARRAY(SELECT rm.role_name::text
                       FROM public.user_role_mapping m
                       JOIN public.role_master rm ON rm.role_id = m.role_id
                      WHERE m.user_id = u.user_id
                        AND coalesce(m.is_active, true) AND rm.is_active
                        AND (rm.hospital_id IS NULL OR rm.hospital_id = p_hospital)
                      ORDER BY rm.role_name::text COLLATE "C") AS roles
          FROM candidates ca
          JOIN public.users u ON u.user_id = ca.user_id
          LEFT JOIN LATERAL (
                 SELECT p.hospital_id, p.is_active, p.is_deleted, p.first_name, p.last_name,
                        p.full_name, p.personal_info, p.contact_info
                   FROM public.patients p
                  WHERE lower(u.entity_type) = 'patient' AND p.patient_id = u.entity_id
                 UNION ALL
                 SELECT s.hospital_id, s.is_active, s.is_deleted, s.first_name, s.last_name,
                        s.full_name, s.personal_info, s.contact_info
                   FROM public.staff s
                  WHERE lower(u.entity_type) = 'staff' AND s.staff_id = u.entity_id
               ) e ON true
         WHERE coalesce(u.hospital_id, e.hospital_id) = p_hospital
    )
    SELECT r.* FROM (
        SELECT * FROM present
        UNION ALL
        SELECT ca.user_id, NULL::text, true, NULL::boolean, NULL::text, NULL::text, NULL::text,
               NULL::jsonb, NULL::jsonb, NULL::jsonb, NULL::text, NULL::text[]
          FROM candidates ca
         WHERE ca.was_here
           AND NOT EXISTS (SELECT 1 FROM present pr WHERE pr.user_id = ca.user_id)
    ) r
    ORDER BY r.user_id COLLATE "C"
    LIMIT p_limit;
END $$;

-- ---------------------------------------------------------------------------------------------
-- The fold of one inserted event, for the events push folds one at a time (those of a person
-- and channel whose batch holds a contact correction; docs/sync-protocol.md, "The fold").
-- Returns what became of it (desk_events.applied). push folds every other verification as a
-- set, by the same rules. The caller holds an advisory lock per (user, channel) of the batch,
-- taken in sorted order, and the users rows of the batch (FOR UPDATE, in sorted order).
-- ---------------------------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION desk_sync.fold(ev desk_sync.desk_events) RETURNS text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
SET TimeZone = 'UTC'
AS $$
#variable_conflict use_column
DECLARE
    u         record;
    has_user  boolean;
    ci        jsonb;
    cur       text;
    vs        jsonb;
    entry     jsonb;
    flask_at  timestamptz;
    r         desk_sync.results;
    wins      boolean;
BEGIN
    IF ev.kind = 'practised' THEN
        RETURN 'practice';
    ELSIF ev.kind = 'contact_corrected' THEN
        RETURN desk_sync.fold_correction(ev);
    ELSIF ev.kind = 'contact_conflict_closed' THEN
        RETURN desk_sync.fold_conflict_closed(ev);
    END IF;
    IF ev.kind IS DISTINCT FROM 'verified' OR ev.outcome IS DISTINCT FROM 'verified'
       OR coalesce(ev.code_type, '') NOT IN ('phone', 'email')
       OR ev.user_id IS NULL OR ev.target IS NULL THEN
        RETURN 'not_result';
    END IF;

    SELECT uu.user_id, uu.entity_type, uu.entity_id, uu.verification_status INTO u
      FROM public.users uu WHERE uu.user_id = ev.user_id FOR UPDATE;
    has_user := FOUND;

    IF has_user THEN
        -- The person's current contact, as the clinic holds it now.
        SELECT desk_sync.unwrap_json(x.contact_info) INTO ci FROM (
            SELECT p.contact_info FROM public.patients p
             WHERE lower(u.entity_type) = 'patient' AND p.patient_id = u.entity_id
            UNION ALL
            SELECT s.contact_info FROM public.staff s
             WHERE lower(u.entity_type) = 'staff' AND s.staff_id = u.entity_id) x;
        IF jsonb_typeof(ci) IS DISTINCT FROM 'object' THEN
            ci := '{}';
        END IF;
        IF ev.code_type = 'phone' THEN
            -- phone, else mobile, else the login id (User.phone falls back the same way); an
            -- unreadable value counts as missing.
            cur := coalesce(desk_sync.norm_phone(ci ->> 'phone'),
                            desk_sync.norm_phone(ci ->> 'mobile'),
                            desk_sync.norm_phone(u.user_id));
            IF cur IS DISTINCT FROM desk_sync.norm_phone(ev.target) OR cur IS NULL THEN
                RETURN 'stale_target';
            END IF;
        ELSE
            cur := desk_sync.norm_email(ci ->> 'email');
            IF cur IS DISTINCT FROM desk_sync.norm_email(ev.target) OR cur IS NULL THEN
                RETURN 'stale_target';
            END IF;
        END IF;

        -- An entry the Flask page wrote (no event_id) competes by its verified_at.
        vs := desk_sync.unwrap_json(u.verification_status);
        IF jsonb_typeof(vs) IS DISTINCT FROM 'object' THEN
            vs := '{}';
        END IF;
        entry := vs -> ev.code_type;
        IF jsonb_typeof(entry) = 'object' AND NOT (entry ? 'event_id')
           AND lower(entry ->> 'verified') = 'true' THEN
            flask_at := desk_sync.ts_utc(entry ->> 'verified_at');
        END IF;
    END IF;

    SELECT * INTO r FROM desk_sync.results rr
     WHERE rr.user_id = ev.user_id AND rr.code_type = ev.code_type FOR UPDATE;

    -- Later than every current one, by (sort_at, device_id, seq); the Flask entry is
    -- (verified_at, '', 0).
    wins := (r.user_id IS NULL
             OR ROW(ev.sort_at, ev.device_id COLLATE "C", ev.seq)
                > ROW(r.sort_at, r.device_id COLLATE "C", r.seq))
        AND (flask_at IS NULL
             OR ROW(ev.sort_at, ev.device_id COLLATE "C", ev.seq)
                > ROW(flask_at, ''::text COLLATE "C", 0::bigint));
    IF NOT wins THEN
        RETURN 'superseded';
    END IF;

    INSERT INTO desk_sync.results AS rr
           (user_id, code_type, verified, verified_at, target, device_id, seq, event_id, sort_at)
    VALUES (ev.user_id, ev.code_type, true, ev.occurred_at, ev.target, ev.device_id, ev.seq,
            ev.event_id, ev.sort_at)
    ON CONFLICT (user_id, code_type) DO UPDATE
       SET verified = true, verified_at = EXCLUDED.verified_at, target = EXCLUDED.target,
           device_id = EXCLUDED.device_id, seq = EXCLUDED.seq, event_id = EXCLUDED.event_id,
           sort_at = EXCLUDED.sort_at;

    IF NOT has_user THEN
        RETURN 'no_user';     -- a walk-in: the result is kept in results only
    END IF;

    -- The entry for this channel is replaced; other keys stay; a double-encoded column is
    -- written back as an object.
    UPDATE public.users uu
       SET verification_status = vs || jsonb_build_object(ev.code_type, jsonb_build_object(
               'verified', true,
               'verified_at', ev.body::json ->> 'occurred_at',
               'target', ev.target,
               'event_id', ev.event_id,
               'device_id', ev.device_id)),
           updated_at = now()
     WHERE uu.user_id = ev.user_id;
    RETURN 'applied';
END $$;

-- ---------------------------------------------------------------------------------------------
-- The fold of a contact_corrected event (docs/sync-protocol.md, "Contact corrections"): the
-- desk's new value goes into the person's contact_info unless the clinic changed that contact
-- since the desk read it; then it becomes an open conflict. Order-free like the verifications:
-- a later correction (by sort_at, device_id, seq) wins whatever order they arrive in.
-- ---------------------------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION desk_sync.fold_correction(ev desk_sync.desk_events) RETURNS text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
SET TimeZone = 'UTC'
AS $$
#variable_conflict use_column
DECLARE
    u          record;
    ent_found  boolean := false;
    ent_h      uuid;
    v_hosp     uuid;
    raw        jsonb;
    wrapped    boolean;
    ci         jsonb;
    v_key      text;
    cur        text;
    v_new      text;
    v_replaces text;
    base_ev    desk_sync.desk_events;
    base_known boolean := false;
    base       text;
    w          desk_sync.corrections;
    has_w      boolean;
    vs         jsonb;
    entry      jsonb;
    verdict    text;
BEGIN
    IF coalesce(ev.code_type, '') NOT IN ('phone', 'email') OR ev.user_id IS NULL
       OR ev.outcome IS DISTINCT FROM 'done' THEN
        RETURN 'not_result';
    END IF;
    v_new := desk_sync.norm_contact(ev.code_type, ev.target);
    IF ev.target IS NOT NULL AND v_new IS NULL THEN
        RETURN 'not_result';             -- not a phone number or e-mail address
    END IF;

    SELECT uu.user_id, uu.entity_type, uu.entity_id, uu.hospital_id, uu.verification_status INTO u
      FROM public.users uu WHERE uu.user_id = ev.user_id FOR UPDATE;
    IF NOT FOUND THEN
        RETURN 'no_user';
    END IF;
    -- The row that holds the contact, locked: it may be written below.
    IF lower(u.entity_type) = 'patient' THEN
        SELECT p.contact_info, p.hospital_id INTO raw, ent_h
          FROM public.patients p WHERE p.patient_id = u.entity_id FOR UPDATE;
        ent_found := FOUND;
    ELSIF lower(u.entity_type) = 'staff' THEN
        SELECT s.contact_info, s.hospital_id INTO raw, ent_h
          FROM public.staff s WHERE s.staff_id = u.entity_id FOR UPDATE;
        ent_found := FOUND;
    END IF;
    -- Only a person of the pushing desk's hospital, with a patient or staff row to write to.
    v_hosp := coalesce(u.hospital_id, ent_h);
    IF NOT ent_found OR v_hosp IS DISTINCT FROM desk_sync.device_hospital(ev.device_id) THEN
        RETURN 'no_user';
    END IF;

    -- The contact as the clinic holds it now, under the key a correction writes: phone (else
    -- mobile when only that is there) or email.
    wrapped := jsonb_typeof(raw) = 'string';
    ci := desk_sync.unwrap_json(raw);
    IF jsonb_typeof(ci) IS DISTINCT FROM 'object' THEN
        ci := '{}';
        wrapped := false;                -- nothing readable: written back as an object
    END IF;
    v_key := CASE WHEN ev.code_type = 'email' THEN 'email'
                  WHEN ci ? 'phone' THEN 'phone'
                  WHEN ci ? 'mobile' THEN 'mobile'
                  ELSE 'phone' END;
    cur := desk_sync.norm_contact(ev.code_type, ci ->> v_key);

    -- The base: the value the desk replaced, from the contact_replaced event the correction
    -- names (the same device, person and channel). Not found: unknown, which matches nothing.
    v_replaces := ev.body::json -> 'detail' ->> 'replaces';
    IF v_replaces ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN
        SELECT * INTO base_ev FROM desk_sync.desk_events e
         WHERE e.event_id = v_replaces::uuid AND e.device_id = ev.device_id
           AND e.kind = 'contact_replaced' AND e.user_id = ev.user_id
           AND e.code_type = ev.code_type;
        base_known := FOUND;
    END IF;
    base := desk_sync.norm_contact(ev.code_type, base_ev.target);

    SELECT * INTO w FROM desk_sync.corrections c
     WHERE c.user_id = ev.user_id AND c.code_type = ev.code_type FOR UPDATE;
    has_w := FOUND;

    IF has_w AND ROW(ev.sort_at, ev.device_id COLLATE "C", ev.seq)
                 <= ROW(w.sort_at, w.device_id COLLATE "C", w.seq) THEN
        verdict := 'superseded';         -- a later correction already applied
    ELSIF (base_known AND cur IS NOT DISTINCT FROM base)
          OR (has_w AND cur IS NOT DISTINCT FROM desk_sync.norm_contact(ev.code_type, w.value)) THEN
        -- The clinic still has what the desk replaced (or what the last applied correction
        -- wrote): apply. The other keys stay; a double-encoded column stays a string.
        IF cur IS DISTINCT FROM v_new THEN
            ci := CASE WHEN ev.target IS NULL THEN ci - v_key
                       ELSE ci || jsonb_build_object(v_key, ev.target) END;
            IF lower(u.entity_type) = 'patient' THEN
                UPDATE public.patients p
                   SET contact_info = CASE WHEN wrapped THEN to_jsonb(ci::text) ELSE ci END,
                       updated_at = now()
                 WHERE p.patient_id = u.entity_id;
            ELSE
                UPDATE public.staff s
                   SET contact_info = CASE WHEN wrapped THEN to_jsonb(ci::text) ELSE ci END,
                       updated_at = now()
                 WHERE s.staff_id = u.entity_id;
            END IF;
        END IF;
        INSERT INTO desk_sync.corrections AS c
               (user_id, code_type, value, device_id, seq, event_id, sort_at, applied_at)
        VALUES (ev.user_id, ev.code_type, ev.target, ev.device_id, ev.seq, ev.event_id,
                ev.sort_at, now())
        ON CONFLICT (user_id, code_type) DO UPDATE
           SET value = EXCLUDED.value, device_id = EXCLUDED.device_id, seq = EXCLUDED.seq,
               event_id = EXCLUDED.event_id, sort_at = EXCLUDED.sort_at,
               applied_at = EXCLUDED.applied_at;
        -- The open conflicts of this contact are settled by it.
        UPDATE desk_sync.conflicts c
           SET closed_at = now(), closed_by_event = ev.event_id,
               closed_how = CASE WHEN desk_sync.norm_contact(ev.code_type, c.desk_value)
                                      IS NOT DISTINCT FROM v_new
                                 THEN 'desk' ELSE 'superseded' END
         WHERE c.user_id = ev.user_id AND c.code_type = ev.code_type AND c.closed_at IS NULL;
        -- A verification of another number or address no longer holds.
        vs := desk_sync.unwrap_json(u.verification_status);
        IF jsonb_typeof(vs) IS DISTINCT FROM 'object' THEN
            vs := '{}';
        END IF;
        entry := vs -> ev.code_type;
        IF entry IS NOT NULL AND jsonb_typeof(entry) <> 'null'
           AND desk_sync.norm_contact(ev.code_type, entry ->> 'target') IS DISTINCT FROM v_new THEN
            UPDATE public.users uu
               SET verification_status = vs || jsonb_build_object(ev.code_type, jsonb_build_object(
                       'verified', false,
                       'reason', 'contact_changed',
                       'invalidated_at', ev.body::json ->> 'occurred_at',
                       'event_id', ev.event_id,
                       'device_id', ev.device_id)),
                   updated_at = now()
             WHERE uu.user_id = ev.user_id;
        END IF;
        verdict := 'applied';
    ELSE
        INSERT INTO desk_sync.conflicts AS c
               (event_id, user_id, code_type, device_id, desk_value, base_value, clinic_value,
                sort_at, opened_at)
        VALUES (ev.event_id, ev.user_id, ev.code_type, ev.device_id, ev.target, base_ev.target,
                cur, ev.sort_at, now())
        ON CONFLICT (event_id) DO NOTHING;
        verdict := 'conflict';
    END IF;

    -- Whatever became of it, every desk of the hospital pulls the person again.
    INSERT INTO desk_sync.changes (table_name, row_key, op, hospital_id)
    VALUES ('users', ev.user_id, 'U', v_hosp);
    RETURN verdict;
END $$;

-- ---------------------------------------------------------------------------------------------
-- The fold of a contact_conflict_closed event: an admin kept the clinic's value; the conflict
-- detail.conflict_event_id names is closed (if it is one of the pushing desk's hospital).
-- ---------------------------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION desk_sync.fold_conflict_closed(ev desk_sync.desk_events) RETURNS text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    v_id   text := ev.body::json -> 'detail' ->> 'conflict_event_id';
    c      desk_sync.conflicts;
    v_hosp uuid;
BEGIN
    IF v_id IS NULL OR v_id !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN
        RETURN 'not_result';
    END IF;
    SELECT * INTO c FROM desk_sync.conflicts cf WHERE cf.event_id = v_id::uuid FOR UPDATE;
    IF NOT FOUND THEN
        RETURN 'not_result';
    END IF;
    v_hosp := desk_sync.user_hospital(c.user_id);
    IF v_hosp IS NULL OR v_hosp IS DISTINCT FROM desk_sync.device_hospital(ev.device_id) THEN
        RETURN 'not_result';
    END IF;
    INSERT INTO desk_sync.changes (table_name, row_key, op, hospital_id)
    VALUES ('users', c.user_id, 'U', v_hosp);
    IF c.closed_at IS NOT NULL THEN
        RETURN 'superseded';             -- settled already
    END IF;
    UPDATE desk_sync.conflicts cf
       SET closed_at = now(), closed_by_event = ev.event_id, closed_how = 'clinic'
     WHERE cf.event_id = c.event_id;
    RETURN 'applied';
END $$;

-- ---------------------------------------------------------------------------------------------
-- The seven functions a desk calls.
-- ---------------------------------------------------------------------------------------------

-- 1. hello: register the device for this desk if new, stamp it, say where it stands.
CREATE OR REPLACE FUNCTION desk_sync.hello(p_device_id text, p_clock_offset_ms bigint)
RETURNS TABLE (hospital_id uuid, acked_seq bigint, chain_hash text, forked boolean,
               server_now timestamptz)
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    d   desk_sync.desks := desk_sync.current_desk();
    dev desk_sync.devices;
BEGIN
    PERFORM desk_sync.check_device(p_device_id, d.role_name);
    INSERT INTO desk_sync.devices (device_id, role_name)
    VALUES (p_device_id, d.role_name)
    ON CONFLICT (device_id) DO NOTHING;
    UPDATE desk_sync.devices v
       SET last_seen = now(), clock_offset_ms = p_clock_offset_ms
     WHERE v.device_id = p_device_id AND v.role_name = d.role_name
    RETURNING * INTO dev;
    IF NOT FOUND THEN      -- another desk registered it between the check and the insert
        RAISE EXCEPTION USING ERRCODE = 'DS002',
            MESSAGE = format('device %s belongs to another desk', p_device_id);
    END IF;
    RETURN QUERY SELECT d.hospital_id, dev.acked_seq, dev.chain_hash, dev.forked_at IS NOT NULL,
                        clock_timestamp();
END $$;

-- 2. pull_begin: in the desk's REPEATABLE READ READ ONLY transaction (it only reads).
CREATE OR REPLACE FUNCTION desk_sync.pull_begin(p_device_id text, p_since xid8)
RETURNS TABLE (watermark xid8, full_refetch boolean, total bigint)
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    d    desk_sync.desks := desk_sync.current_desk();
    snap pg_snapshot := pg_current_snapshot();
    h    xid8;
    v_full boolean;
    n    bigint;
BEGIN
    PERFORM desk_sync.check_device(p_device_id, d.role_name);
    SELECT lh.horizon INTO h FROM desk_sync.log_horizon lh;
    -- Full when the desk has nothing, when the log no longer reaches back to p_since, or when
    -- p_since lies in the future (the database was restored or rebuilt since).
    v_full := p_since IS NULL OR h IS NULL OR p_since < h OR p_since > pg_snapshot_xmax(snap);
    IF v_full THEN
        -- Every person of the hospital: counted without building their rows.
        SELECT count(*) INTO n
          FROM public.users u
          LEFT JOIN public.patients p ON lower(u.entity_type) = 'patient' AND p.patient_id = u.entity_id
          LEFT JOIN public.staff s ON lower(u.entity_type) = 'staff' AND s.staff_id = u.entity_id
         WHERE coalesce(u.hospital_id, p.hospital_id, s.hospital_id) = d.hospital_id;
    ELSE
        -- What changed since: the answer itself, from the change rows (none when idle).
        SELECT count(*) INTO n FROM desk_sync.people(d.hospital_id, p_since, false, NULL, NULL);
    END IF;
    RETURN QUERY SELECT pg_snapshot_xmin(snap), v_full, n;
END $$;

-- 3. pull_people: one page, keyset by user_id (pass the last user_id of the previous page).
CREATE OR REPLACE FUNCTION desk_sync.pull_people(p_device_id text, p_since xid8, p_full boolean,
                                                 p_after text, p_limit int)
RETURNS TABLE (user_id text, entity_type text, deleted boolean, is_active boolean,
               first_name text, last_name text, full_name text, personal_info jsonb,
               contact_info jsonb, verification_status jsonb, password_hash text, roles text[])
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    d    desk_sync.desks := desk_sync.current_desk();
    h    xid8;
    v_full boolean;
BEGIN
    PERFORM desk_sync.check_device(p_device_id, d.role_name);
    SELECT lh.horizon INTO h FROM desk_sync.log_horizon lh;
    -- Defensive: a since the log cannot answer is answered in full (pull_begin said so).
    v_full := coalesce(p_full, false) OR p_since IS NULL OR p_since < h;
    -- No limit: the whole answer, which the desk reads a page at a time through a portal.
    RETURN QUERY SELECT * FROM desk_sync.people(d.hospital_id, p_since, v_full, p_after,
                                                CASE WHEN p_limit IS NULL THEN NULL
                                                     ELSE greatest(1, least(p_limit, 10000)) END);
END $$;

-- 4. pull_settings: the hospital's active verification settings, newest first, or NULL.
CREATE OR REPLACE FUNCTION desk_sync.pull_settings(p_device_id text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    d desk_sync.desks := desk_sync.current_desk();
    s jsonb;
BEGIN
    PERFORM desk_sync.check_device(p_device_id, d.role_name);
    SELECT desk_sync.unwrap_json(hs.settings) INTO s
      FROM public.hospital_settings hs
     WHERE hs.hospital_id = d.hospital_id AND hs.category = 'verification'
       AND coalesce(hs.is_active, true)
     ORDER BY hs.updated_at DESC
     LIMIT 1;
    RETURN s;
END $$;

-- 6. pull_sign_ins: failed sign-ins per staff account of the desk's hospital, over every desk,
-- since the account's last success or unlock. Only reads.
CREATE OR REPLACE FUNCTION desk_sync.pull_sign_ins(p_device_id text)
RETURNS TABLE (user_id text, failures int, last_failed_at timestamptz, last_reset_at timestamptz)
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    d desk_sync.desks := desk_sync.current_desk();
BEGIN
    PERFORM desk_sync.check_device(p_device_id, d.role_name);
    RETURN QUERY
    SELECT si.user_id, si.failures, si.last_failed_at, si.last_reset_at
      FROM desk_sync.sign_ins si
      JOIN public.users u ON u.user_id = si.user_id
      LEFT JOIN public.staff s ON s.staff_id = u.entity_id
     WHERE lower(u.entity_type) = 'staff'
       AND coalesce(u.hospital_id, s.hospital_id) = d.hospital_id
     ORDER BY si.user_id COLLATE "C";
END $$;

-- 7. pull_conflicts: the open conflicts of the desk's hospital's people, oldest first. Only reads.
CREATE OR REPLACE FUNCTION desk_sync.pull_conflicts(p_device_id text)
RETURNS TABLE (event_id uuid, user_id text, code_type text, device_id text, desk_name text,
               desk_value text, base_value text, clinic_value text, made_at timestamptz,
               opened_at timestamptz)
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    d desk_sync.desks := desk_sync.current_desk();
BEGIN
    PERFORM desk_sync.check_device(p_device_id, d.role_name);
    RETURN QUERY
    SELECT c.event_id, c.user_id, c.code_type, c.device_id, k.desk_name, c.desk_value,
           c.base_value, c.clinic_value, e.occurred_at, c.opened_at
      FROM desk_sync.conflicts c
      JOIN desk_sync.desk_events e ON e.event_id = c.event_id
      JOIN desk_sync.devices v ON v.device_id = c.device_id
      JOIN desk_sync.desks k ON k.role_name = v.role_name
     WHERE c.closed_at IS NULL
       AND desk_sync.user_hospital(c.user_id) = d.hospital_id
     ORDER BY c.opened_at, c.event_id;
END $$;

-- 5. push: store a batch of a device's events and fold the new ones.
CREATE OR REPLACE FUNCTION desk_sync.push(p_device_id text, p_seqs bigint[], p_event_ids uuid[],
                                          p_bodies text[], p_hashes text[], p_chain_hash text)
RETURNS TABLE (acked_seq bigint, inserted int, fork_seq bigint)
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET TimeZone = 'UTC'
AS $$
#variable_conflict use_column
DECLARE
    d      desk_sync.desks := desk_sync.current_desk();
    dev    desk_sync.devices;
    n      int := coalesce(cardinality(p_seqs), 0);
    v_first  bigint;
    v_last   bigint;
    v_fork   bigint;
    v_stored bigint;
    v_ok     boolean;
    v_folds  boolean;
    -- The fields of the batch's bodies, parsed once, in the batch's order.
    a_user    text[];
    a_code    text[];
    a_kind    text[];
    a_outcome text[];
    a_target  text[];
    a_at      text[];
    a_occ     timestamptz[];
    a_off     bigint[];
    -- The verdicts of the batch's verifications (seq, applied), for the insert.
    v_vseqs    bigint[];
    v_verdicts text[];
    v_count  int := 0;
    v_single bigint[];
    v_sign_in text[];
    v_corrections boolean;
    j      json;
    f      record;
    ev     desk_sync.desk_events;
BEGIN
    PERFORM desk_sync.check_device(p_device_id, d.role_name);
    -- An unknown device is registered as hello would; then the row is locked for the batch,
    -- so two pushes of one device run one after the other.
    INSERT INTO desk_sync.devices (device_id, role_name, last_seen)
    VALUES (p_device_id, d.role_name, now())
    ON CONFLICT (device_id) DO NOTHING;
    SELECT * INTO dev FROM desk_sync.devices v WHERE v.device_id = p_device_id FOR UPDATE;
    IF dev.role_name <> d.role_name THEN
        RAISE EXCEPTION USING ERRCODE = 'DS002',
            MESSAGE = format('device %s belongs to another desk', p_device_id);
    END IF;
    IF dev.forked_at IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'DS005',
            MESSAGE = format('device %s is marked forked at seq %s: enroll again as a new device',
                             p_device_id, dev.fork_seq);
    END IF;
    IF n = 0 THEN
        RETURN QUERY SELECT dev.acked_seq, 0, NULL::bigint;
        RETURN;
    END IF;

    -- The batch's shape (DS004 for anything malformed: the desk sent something it should not).
    IF array_ndims(p_seqs) <> 1 OR cardinality(p_event_ids) IS DISTINCT FROM n
       OR cardinality(p_bodies) IS DISTINCT FROM n OR cardinality(p_hashes) IS DISTINCT FROM n
       OR array_position(p_seqs, NULL) IS NOT NULL OR array_position(p_event_ids, NULL) IS NOT NULL
       OR array_position(p_bodies, NULL) IS NOT NULL OR array_position(p_hashes, NULL) IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'DS004',
            MESSAGE = 'the batch arrays must be one-dimensional, of one length, without nulls';
    END IF;
    v_first := p_seqs[1];
    v_last  := v_first + n - 1;
    IF v_first < 1 OR EXISTS (SELECT 1 FROM unnest(p_seqs) WITH ORDINALITY s(seq, i)
                             WHERE s.seq <> v_first + s.i - 1) THEN
        RAISE EXCEPTION USING ERRCODE = 'DS004',
            MESSAGE = 'the batch is not contiguous: seqs must be consecutive, in order, from 1 up';
    END IF;
    IF v_first > dev.acked_seq + 1 THEN
        RAISE EXCEPTION USING ERRCODE = 'DS003',
            MESSAGE = format('a gap: the batch of device %s starts at seq %s but the clinic has up to seq %s',
                             p_device_id, v_first, dev.acked_seq);
    END IF;

    -- A seq the clinic has under another event id: this device's history forked (a restore
    -- from backup that kept the old device id). Mark it and say where; insert nothing. Not an
    -- exception, so that the mark stays. (Also counted: how many of the batch are stored.)
    SELECT min(e.seq) FILTER (WHERE e.event_id <> b.event_id), count(*) INTO v_fork, v_stored
      FROM desk_sync.desk_events e
      JOIN unnest(p_seqs, p_event_ids) b(seq, event_id) ON b.seq = e.seq
     WHERE e.device_id = p_device_id AND e.seq BETWEEN v_first AND v_last;
    IF v_fork IS NOT NULL THEN
        UPDATE desk_sync.devices v SET forked_at = now(), fork_seq = v_fork, last_seen = now()
         WHERE v.device_id = p_device_id;
        RETURN QUERY SELECT dev.acked_seq, 0, v_fork;
        RETURN;
    END IF;

    -- Each body must be the event it claims to be: a JSON object, of this device, seq and event
    -- id, with a readable occurred_at and clock_offset_ms. One query reads the batch and keeps
    -- the fields the rest of the push reads, as plain arrays in the batch's order (only what is
    -- folded one event at a time, after the insert, reads its stored body again); only when
    -- something is wrong does the loop below read the batch
    -- again, one event at a time, the same way, to name the first bad one. The bodies are read
    -- as json, not JSONB: the cast checks the text and json_to_record takes the ten fields
    -- straight from it (a body that is not a JSON object is an error, caught below), which
    -- measured a fifth cheaper than building each body's JSONB. The fold functions read a
    -- stored body as json too, so whatever the push took they can read.
    BEGIN
        SELECT bool_and(x.ok), bool_or(x.folds),
               array_agg(x.user_id), array_agg(x.code_type), array_agg(x.kind),
               array_agg(x.outcome), array_agg(x.target), array_agg(x.at_text),
               array_agg(x.occ), array_agg(x.off)
          INTO v_ok, v_folds, a_user, a_code, a_kind, a_outcome, a_target, a_at, a_occ, a_off
          -- Sorted once here, so every aggregate takes the rows in the batch's order.
          FROM (SELECT z.* FROM (
                  SELECT b.i,
                         r.device_id IS NOT DISTINCT FROM p_device_id
                             AND r.seq IS NOT DISTINCT FROM b.seq::text
                             AND lower(r.event_id) IS NOT DISTINCT FROM b.event_id::text
                             AND r.occurred_at IS NOT NULL AS ok,
                         -- What may fold into users or results, or recount a sign-in: only a
                         -- batch holding one takes the locks and runs the fold below.
                         (r.kind = 'verified' AND r.outcome = 'verified')
                             OR r.kind IN ('contact_corrected', 'contact_conflict_closed',
                                           'sign_in', 'account_unlocked', 'password_reset')
                             AS folds,
                         r.user_id, r.code_type, r.kind, r.outcome, r.target,
                         r.occurred_at AS at_text, r.occurred_at::timestamptz AS occ,
                         coalesce(r.clock_offset_ms::bigint, 0) AS off
                    FROM unnest(p_seqs, p_event_ids, p_bodies) WITH ORDINALITY b(seq, event_id, body, i)
                   CROSS JOIN LATERAL json_to_record(b.body::json)
                         AS r(device_id text, seq text, event_id text, occurred_at text,
                              clock_offset_ms text, user_id text, code_type text, kind text,
                              outcome text, target text)
                  OFFSET 0) z
                ORDER BY z.i) x;
    EXCEPTION WHEN others THEN
        v_ok := false;
    END;
    IF NOT coalesce(v_ok, false) THEN
        -- The same reading as above (json, json_to_record), one event at a time: the first
        -- event it refuses is the one named.
        FOR i IN 1 .. n LOOP
            BEGIN
                j := p_bodies[i]::json;
                IF json_typeof(j) IS DISTINCT FROM 'object' THEN
                    RAISE invalid_text_representation;
                END IF;
            EXCEPTION WHEN invalid_text_representation THEN
                RAISE EXCEPTION USING ERRCODE = 'DS004',
                    MESSAGE = format('event seq %s: the body is not a JSON object', p_seqs[i]);
            WHEN others THEN             -- nested too deep to read, say: as the query above does
                RAISE EXCEPTION USING ERRCODE = 'DS004',
                    MESSAGE = format('event seq %s: the body is unreadable (%s)', p_seqs[i], SQLERRM);
            END;
            BEGIN
                SELECT * INTO f FROM json_to_record(j)
                    AS r(device_id text, seq text, event_id text, occurred_at text,
                         clock_offset_ms text, user_id text, code_type text, kind text,
                         outcome text, target text);
            EXCEPTION WHEN others THEN
                RAISE EXCEPTION USING ERRCODE = 'DS004',
                    MESSAGE = format('event seq %s: a field of the body is unreadable (%s)',
                                     p_seqs[i], SQLERRM);
            END;
            IF f.device_id IS DISTINCT FROM p_device_id
               OR f.seq IS DISTINCT FROM p_seqs[i]::text
               OR lower(f.event_id) IS DISTINCT FROM p_event_ids[i]::text
               OR f.occurred_at IS NULL THEN
                RAISE EXCEPTION USING ERRCODE = 'DS004',
                    MESSAGE = format('event seq %s: the body does not match its device, seq or '
                                     'event id, or has no occurred_at', p_seqs[i]);
            END IF;
            BEGIN
                PERFORM f.occurred_at::timestamptz, f.clock_offset_ms::bigint;
            EXCEPTION WHEN others THEN
                RAISE EXCEPTION USING ERRCODE = 'DS004',
                    MESSAGE = format('event seq %s: occurred_at or clock_offset_ms is unreadable',
                                     p_seqs[i]);
            END;
        END LOOP;
        RAISE EXCEPTION USING ERRCODE = 'DS004', MESSAGE = 'the batch''s bodies are unreadable';
    END IF;
    IF v_stored < n THEN
        IF v_folds THEN
            -- One advisory lock per (person, channel) the new events may fold into, and per staff
            -- account whose sign-ins they recount, in sorted order, so that two desks pushing for
            -- the same people cannot deadlock each other; then the users rows, in sorted order.
            PERFORM pg_advisory_xact_lock(l.k)
               FROM (SELECT DISTINCT hashtextextended(
                                CASE WHEN x.kind IN ('sign_in', 'account_unlocked', 'password_reset')
                                     THEN 'desk_sync.sign_in:' || x.user_id
                                     ELSE 'desk_sync.fold:' || x.user_id || '/' || x.code_type
                                END, 0) AS k
                       FROM unnest(p_seqs, a_kind, a_outcome, a_user, a_code)
                            x(seq, kind, outcome, user_id, code_type)
                      WHERE ((x.kind = 'verified' AND x.outcome = 'verified')
                             OR x.kind IN ('contact_corrected', 'contact_conflict_closed',
                                           'sign_in', 'account_unlocked', 'password_reset'))
                        AND x.user_id IS NOT NULL
                        AND (v_stored = 0
                             OR NOT EXISTS (SELECT 1 FROM desk_sync.desk_events e
                                             WHERE e.device_id = p_device_id AND e.seq = x.seq))
                      ORDER BY 1) l;
            v_corrections := coalesce('contact_corrected' = ANY (a_kind), false);
            PERFORM 1 FROM public.users uu
             WHERE uu.user_id IN (SELECT x.user_id FROM unnest(a_kind, a_outcome, a_user)
                                                         x(kind, outcome, user_id)
                                   WHERE (x.kind = 'verified' AND x.outcome = 'verified')
                                      OR x.kind = 'contact_corrected')
             ORDER BY uu.user_id
               FOR UPDATE;

            -- The fold of the verifications, as a set. For each person and channel, in seq
            -- order, a verification is 'stale_target' when it names another contact than the
            -- clinic's; else it wins when it is later, by (sort_at, device_id, seq), than the
            -- results row, the Flask page's entry and every earlier one of the batch that was
            -- not stale ('applied', or 'no_user' for a walk-in); else 'superseded'. Only the
            -- last winner is written to results and users. A person and channel whose batch
            -- holds a contact correction is folded one event at a time, after the insert
            -- (applied NULL here). The verdicts go to the insert below.
            WITH b AS (
                SELECT x.seq, x.event_id, x.occ, x.occ + x.off * interval '1 millisecond' AS sort_at,
                       x.user_id, x.code_type, x.kind, x.outcome, x.target, x.at_text
                  FROM unnest(p_seqs, p_event_ids, a_user, a_code, a_kind, a_outcome, a_target,
                              a_at, a_occ, a_off)
                       x(seq, event_id, user_id, code_type, kind, outcome, target, at_text, occ, off)
                 WHERE v_stored = 0
                    OR NOT EXISTS (SELECT 1 FROM desk_sync.desk_events e
                                    WHERE e.device_id = p_device_id AND e.seq = x.seq)
            ),
            corrected AS (
                SELECT DISTINCT b.user_id, b.code_type FROM b WHERE b.kind = 'contact_corrected'
            ),
            cand AS (
                SELECT b.seq, b.event_id, b.sort_at, b.occ, b.user_id, b.code_type, b.target,
                       b.at_text
                  FROM b
                 WHERE b.kind = 'verified' AND b.outcome = 'verified'
                   AND b.code_type IN ('phone', 'email') AND b.user_id IS NOT NULL
                   AND b.target IS NOT NULL
                   AND (NOT v_corrections
                        OR NOT EXISTS (SELECT 1 FROM corrected g
                                        WHERE g.user_id = b.user_id AND g.code_type = b.code_type))
            ),
            judged AS (
                SELECT c.*, uu.user_id IS NOT NULL AS has_user, o.vs,
                       uu.user_id IS NOT NULL
                           AND (k.cur IS NULL OR k.cur IS DISTINCT FROM k.want) AS stale,
                       CASE WHEN jsonb_typeof(o.vs -> c.code_type) = 'object'
                                 AND NOT ((o.vs -> c.code_type) ? 'event_id')
                                 AND lower(o.vs -> c.code_type ->> 'verified') = 'true'
                            THEN desk_sync.ts_utc(o.vs -> c.code_type ->> 'verified_at') END AS flask_at,
                       r.sort_at AS r_sort, r.device_id AS r_dev, r.seq AS r_seq
                  FROM cand c
                  LEFT JOIN public.users uu ON uu.user_id = c.user_id
                  LEFT JOIN LATERAL (
                         SELECT p.contact_info FROM public.patients p
                          WHERE lower(uu.entity_type) = 'patient' AND p.patient_id = uu.entity_id
                         UNION ALL
                         SELECT s.contact_info FROM public.staff s
                          WHERE lower(uu.entity_type) = 'staff' AND s.staff_id = uu.entity_id
                       ) e ON true
                  -- Unwrapped when double-encoded; anything but an object reads as {}.
                  CROSS JOIN LATERAL (
                         SELECT CASE jsonb_typeof(e.contact_info)
                                     WHEN 'object' THEN e.contact_info
                                     WHEN 'string' THEN CASE WHEN jsonb_typeof(desk_sync.unwrap_json(e.contact_info)) = 'object'
                                                             THEN desk_sync.unwrap_json(e.contact_info) ELSE '{}' END
                                     ELSE '{}' END AS ci,
                                CASE WHEN uu.user_id IS NULL THEN NULL
                                     WHEN jsonb_typeof(uu.verification_status) = 'object' THEN uu.verification_status
                                     WHEN jsonb_typeof(uu.verification_status) = 'string'
                                      AND jsonb_typeof(desk_sync.unwrap_json(uu.verification_status)) = 'object'
                                     THEN desk_sync.unwrap_json(uu.verification_status)
                                     ELSE '{}' END AS vs
                         OFFSET 0) o
                  -- The event's target, and the current contact: phone, else mobile, else the login
                  -- id; or email (the same text as the target is the same value, normalised once).
                  CROSS JOIN LATERAL (
                         SELECT CASE c.code_type
                                     WHEN 'phone' THEN desk_sync.norm_phone(c.target)
                                     ELSE desk_sync.norm_email(c.target) END AS want
                         OFFSET 0) t
                  CROSS JOIN LATERAL (
                         SELECT t.want,
                                CASE WHEN t.want IS NOT NULL AND o.ci ->> c.code_type = c.target THEN t.want
                                     WHEN c.code_type = 'phone'
                                     THEN coalesce(desk_sync.norm_phone(o.ci ->> 'phone'),
                                                   desk_sync.norm_phone(o.ci ->> 'mobile'),
                                                   desk_sync.norm_phone(uu.user_id))
                                     ELSE desk_sync.norm_email(o.ci ->> 'email') END AS cur
                         OFFSET 0) k
                  LEFT JOIN desk_sync.results r ON r.user_id = c.user_id AND r.code_type = c.code_type
            ),
            ranked AS (
                SELECT jd.*,
                       max(jd.sort_at) FILTER (WHERE NOT jd.stale)
                           OVER (PARTITION BY jd.user_id, jd.code_type ORDER BY jd.seq
                                 ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_max
                  FROM judged jd
            ),
            verdicts AS (
                -- Earlier events of the batch share the device and have a lower seq: this one is
                -- later than all of them when its sort_at is not below theirs.
                SELECT rk.*,
                       CASE WHEN rk.stale THEN 'stale_target'
                            WHEN (rk.prev_max IS NULL OR rk.sort_at >= rk.prev_max)
                             AND (rk.r_sort IS NULL
                                  OR ROW(rk.sort_at, p_device_id COLLATE "C", rk.seq)
                                     > ROW(rk.r_sort, rk.r_dev COLLATE "C", rk.r_seq))
                             AND (rk.flask_at IS NULL
                                  OR ROW(rk.sort_at, p_device_id COLLATE "C", rk.seq)
                                     > ROW(rk.flask_at, ''::text COLLATE "C", 0::bigint))
                            THEN CASE WHEN rk.has_user THEN 'applied' ELSE 'no_user' END
                            ELSE 'superseded' END AS verdict
                  FROM ranked rk
            ),
            win AS (
                SELECT DISTINCT ON (v.user_id, v.code_type) v.*
                  FROM verdicts v
                 WHERE v.verdict IN ('applied', 'no_user')
                 ORDER BY v.user_id, v.code_type, v.seq DESC
            ),
            res AS (
                INSERT INTO desk_sync.results AS rr
                       (user_id, code_type, verified, verified_at, target, device_id, seq,
                        event_id, sort_at)
                SELECT w.user_id, w.code_type, true, w.occ, w.target, p_device_id, w.seq,
                       w.event_id, w.sort_at
                  FROM win w
                ON CONFLICT (user_id, code_type) DO UPDATE
                   SET verified = true, verified_at = EXCLUDED.verified_at,
                       target = EXCLUDED.target, device_id = EXCLUDED.device_id,
                       seq = EXCLUDED.seq, event_id = EXCLUDED.event_id,
                       sort_at = EXCLUDED.sort_at
            ),
            upd AS (
                -- The entry of each channel replaced, the other keys kept; a double-encoded
                -- column is written back as an object.
                UPDATE public.users uu
                   SET verification_status = x.vs || x.entries, updated_at = now()
                  FROM (SELECT w.user_id, w.vs,
                               jsonb_object_agg(w.code_type, jsonb_build_object(
                                   'verified', true,
                                   'verified_at', w.at_text,
                                   'target', w.target,
                                   'event_id', w.event_id,
                                   'device_id', p_device_id)) AS entries
                          FROM win w
                         WHERE w.verdict = 'applied'
                         GROUP BY w.user_id, w.vs) x
                 WHERE uu.user_id = x.user_id
            )
            SELECT array_agg(v.seq), array_agg(v.verdict) INTO v_vseqs, v_verdicts FROM verdicts v;
        END IF;

        -- The insert. Every event of the batch that is not stored goes in, with its verdict.
        -- Nothing else can store one of this device's seqs meanwhile (this push holds the
        -- device's row), so a batch none of whose seqs is stored, the usual case, is inserted
        -- plainly: ON CONFLICT's speculative insertion cost a tenth of a push's time. A batch
        -- that overlaps what is stored (a retry, an overlapping range) skips those seqs, and
        -- keeps ON CONFLICT (device_id, seq) DO NOTHING besides. An event id used twice in the
        -- batch, or stored under another device or seq (even by a push running at this
        -- moment), meets the event id's unique index: the batch is refused, in plain words, and
        -- everything the push did before it, the fold included, is undone (skipping the event
        -- would leave a hole under acked_seq). The index is the check: looking up every event of the batch first, as
        -- the push did, took about 0.1 s per 100k events, for nothing the index doesn't do.
        BEGIN
            EXECUTE format($ins$
                WITH ins AS (
                    INSERT INTO desk_sync.desk_events AS de
                           (device_id, seq, event_id, occurred_at, clock_offset_ms, sort_at,
                            user_id, code_type, kind, outcome, target, body, hash, applied)
                    SELECT $1, x.seq, x.event_id, x.occ, x.off,
                           x.occ + x.off * interval '1 millisecond', x.user_id, x.code_type,
                           x.kind, x.outcome, x.target, x.body, x.hash,
                           CASE WHEN v.seq IS NOT NULL THEN v.verdict
                                WHEN x.kind = 'practised' THEN 'practice'
                                WHEN x.kind IN ('contact_corrected', 'contact_conflict_closed')
                                THEN NULL
                                WHEN x.kind = 'verified' AND x.outcome = 'verified'
                                 AND x.code_type IN ('phone', 'email') AND x.user_id IS NOT NULL
                                 AND x.target IS NOT NULL THEN NULL
                                ELSE 'not_result' END
                      FROM unnest($2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
                           x(seq, event_id, body, hash, user_id, code_type, kind, outcome,
                             target, occ, off)
                      LEFT JOIN unnest($13, $14) v(seq, verdict) ON v.seq = x.seq
                     WHERE $15 = 0
                        OR NOT EXISTS (SELECT 1 FROM desk_sync.desk_events e
                                        WHERE e.device_id = $1 AND e.seq = x.seq)
                    %s
                    RETURNING de.seq, de.applied, de.user_id, de.kind
                )
                SELECT count(*)::int,
                       coalesce(array_agg(i.seq ORDER BY i.seq) FILTER (WHERE i.applied IS NULL),
                                '{}'),
                       coalesce(array_agg(DISTINCT i.user_id) FILTER (
                                    WHERE i.kind IN ('sign_in', 'account_unlocked', 'password_reset')
                                      AND i.user_id IS NOT NULL), '{}')
                  FROM ins i
                $ins$, CASE WHEN v_stored = 0 THEN '' ELSE 'ON CONFLICT (device_id, seq) DO NOTHING' END)
              INTO v_count, v_single, v_sign_in
             USING p_device_id, p_seqs, p_event_ids, p_bodies, p_hashes, a_user, a_code, a_kind,
                   a_outcome, a_target, a_occ, a_off, v_vseqs, v_verdicts, v_stored;
        EXCEPTION WHEN unique_violation THEN
            RAISE EXCEPTION USING ERRCODE = 'DS004',
                MESSAGE = 'an event id of the batch is used twice, or already stored under another '
                          'device or seq';
        END;

        -- The rest, one at a time in seq order: a correction, then a verification of the new
        -- number, must meet in that order.
        FOR ev IN SELECT * FROM desk_sync.desk_events e
                   WHERE e.device_id = p_device_id AND e.seq = ANY (v_single)
                   ORDER BY e.seq
        LOOP
            UPDATE desk_sync.desk_events e SET applied = desk_sync.fold(ev)
             WHERE e.device_id = ev.device_id AND e.seq = ev.seq;
        END LOOP;

        -- Sign-ins across desks: the failures of each staff account the batch names, counted
        -- again over every device's events since its last success, unlock or password reset.
        IF cardinality(v_sign_in) > 0 THEN
            INSERT INTO desk_sync.sign_ins AS si
                   (user_id, failures, last_failed_at, last_reset_at, updated_at)
            SELECT u.user_id::text, f.n, f.last_failed, r.last_reset, now()
              FROM public.users u
             CROSS JOIN LATERAL (
                    SELECT max(e.sort_at) AS last_reset FROM desk_sync.desk_events e
                     WHERE e.user_id = u.user_id::text
                       AND e.kind IN ('sign_in', 'account_unlocked', 'password_reset')
                       AND (e.kind <> 'sign_in' OR e.outcome = 'done')) r
             CROSS JOIN LATERAL (
                    SELECT count(*)::int AS n, max(e.sort_at) AS last_failed
                      FROM desk_sync.desk_events e
                     WHERE e.user_id = u.user_id::text
                       AND e.kind IN ('sign_in', 'account_unlocked', 'password_reset')
                       AND e.kind = 'sign_in' AND e.outcome = 'failed'
                       AND e.sort_at > coalesce(r.last_reset, '-infinity')) f
             WHERE u.user_id = ANY (v_sign_in) AND lower(u.entity_type) = 'staff'
            ON CONFLICT (user_id) DO UPDATE
               SET failures = EXCLUDED.failures, last_failed_at = EXCLUDED.last_failed_at,
                   last_reset_at = EXCLUDED.last_reset_at, updated_at = EXCLUDED.updated_at;
        END IF;
    END IF;

    -- A late duplicate of an older batch must not move the chain hash back.
    UPDATE desk_sync.devices v
       SET acked_seq  = greatest(v.acked_seq, v_last),
           chain_hash = CASE WHEN v_last >= v.acked_seq THEN p_chain_hash ELSE v.chain_hash END,
           last_seen  = now()
     WHERE v.device_id = p_device_id
    RETURNING * INTO dev;
    RETURN QUERY SELECT dev.acked_seq, v_count, NULL::bigint;
END $$;

-- ---------------------------------------------------------------------------------------------
-- The DBA's functions. SECURITY INVOKER: they run with the DBA's own rights (a superuser, or a
-- role with CREATEROLE that was granted these), and no desk can execute them.
-- ---------------------------------------------------------------------------------------------

-- enroll: a login role for one desk, with a random password that is returned once and stored
-- nowhere (PostgreSQL keeps only its SCRAM verifier). Enrolling an existing desk again (same
-- hospital) gives it a new password and lifts a revoke.
CREATE OR REPLACE FUNCTION desk_sync.enroll(p_desk_name text, p_hospital_id uuid)
RETURNS TABLE (role_name text, password text)
LANGUAGE plpgsql SECURITY INVOKER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    r  text;
    pw text;
    existing desk_sync.desks;
BEGIN
    -- desk_ + the name in lower case, every run of other characters one '_' (none at the ends).
    r := 'desk_' || btrim(regexp_replace(lower(coalesce(p_desk_name, '')), '[^a-z0-9]+', '_', 'g'), '_');
    IF r = 'desk_' THEN
        RAISE EXCEPTION 'enroll: the desk name needs at least one letter or digit';
    END IF;
    IF length(r) > 63 THEN
        RAISE EXCEPTION 'enroll: the role name % would be longer than 63 characters', r;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM public.hospitals h WHERE h.hospital_id = p_hospital_id) THEN
        RAISE EXCEPTION 'enroll: no hospital %', p_hospital_id;
    END IF;

    -- 64 hex characters from two v4 UUIDs (pg_strong_random): 244 random bits.
    pw := replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '');

    SELECT * INTO existing FROM desk_sync.desks k WHERE k.role_name = r;
    IF FOUND THEN
        IF existing.hospital_id <> p_hospital_id THEN
            RAISE EXCEPTION 'enroll: % is already the desk of hospital %', r, existing.hospital_id;
        END IF;
        EXECUTE format('ALTER ROLE %I LOGIN PASSWORD %L', r, pw);
        UPDATE desk_sync.desks k
           SET revoked_at = NULL, desk_name = p_desk_name, enrolled_at = now(),
               enrolled_by = session_user
         WHERE k.role_name = r;
    ELSE
        -- Checked before CREATE ROLE, so that a failing statement (whose text the server may log
        -- with the password in it) does not happen for this ordinary reason.
        IF EXISTS (SELECT 1 FROM pg_roles pr WHERE pr.rolname = r) THEN
            RAISE EXCEPTION 'enroll: a role % exists and is not a desk; choose another name', r;
        END IF;
        -- INHERIT (the default): the desk gets EXECUTE through its membership.
        EXECUTE format('CREATE ROLE %I LOGIN INHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE '
                       'PASSWORD %L IN ROLE desk_sync_desk', r, pw);
        INSERT INTO desk_sync.desks (role_name, hospital_id, desk_name)
        VALUES (r, p_hospital_id, p_desk_name);
    END IF;
    RETURN QUERY SELECT r, pw;
END $$;

-- revoke: the desk can no longer sign in; its open sessions end now.
CREATE OR REPLACE FUNCTION desk_sync.revoke(p_role_name text) RETURNS void
LANGUAGE plpgsql SECURITY INVOKER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    UPDATE desk_sync.desks k SET revoked_at = coalesce(k.revoked_at, now())
     WHERE k.role_name = p_role_name;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'revoke: % is not an enrolled desk', p_role_name;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles pr WHERE pr.rolname = p_role_name) THEN
        EXECUTE format('ALTER ROLE %I NOLOGIN PASSWORD NULL', p_role_name);
    END IF;
    PERFORM pg_terminate_backend(a.pid) FROM pg_stat_activity a
     WHERE a.usename = p_role_name AND a.pid <> pg_backend_pid();
END $$;

-- prune: forget change rows older than p_keep; a desk whose last pull is older than what is
-- left gets a full refetch (the horizon rises past every deleted row's transaction).
CREATE OR REPLACE FUNCTION desk_sync.prune(p_keep interval) RETURNS bigint
LANGUAGE plpgsql SECURITY INVOKER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    n   bigint;
    top xid8;
BEGIN
    PERFORM 1 FROM desk_sync.log_horizon FOR UPDATE;    -- one prune at a time
    WITH gone AS (
        DELETE FROM desk_sync.changes c WHERE c.changed_at < now() - p_keep RETURNING c.xid)
    SELECT count(*), max(g.xid) INTO n, top FROM gone g;
    IF top IS NOT NULL THEN
        UPDATE desk_sync.log_horizon lh
           SET horizon = greatest(lh.horizon, ((top::text::numeric + 1)::text)::xid8);
    END IF;
    RETURN n;
END $$;

RESET ROLE;

-- ---------------------------------------------------------------------------------------------
-- Triggers on the clinic's tables (made by the superuser: the owner has no TRIGGER privilege).
-- ---------------------------------------------------------------------------------------------
-- Three per table, one per kind of statement (a trigger with transition tables has one event).
DO $$
DECLARE
    t record;
BEGIN
    FOR t IN SELECT * FROM (VALUES ('users', 'user_id'), ('patients', 'patient_id'),
                                   ('staff', 'staff_id'), ('user_role_mapping', 'user_id'),
                                   ('role_master', 'role_id')) v(tab, key_col)
    LOOP
        EXECUTE format('DROP TRIGGER IF EXISTS desk_sync_changes ON public.%I', t.tab);
        EXECUTE format('DROP TRIGGER IF EXISTS desk_sync_changes_insert ON public.%I', t.tab);
        EXECUTE format('DROP TRIGGER IF EXISTS desk_sync_changes_update ON public.%I', t.tab);
        EXECUTE format('DROP TRIGGER IF EXISTS desk_sync_changes_delete ON public.%I', t.tab);
        EXECUTE format('CREATE TRIGGER desk_sync_changes_insert AFTER INSERT ON public.%I '
                       'REFERENCING NEW TABLE AS desk_sync_new '
                       'FOR EACH STATEMENT EXECUTE FUNCTION desk_sync.log_change(%L)',
                       t.tab, t.key_col);
        EXECUTE format('CREATE TRIGGER desk_sync_changes_update AFTER UPDATE ON public.%I '
                       'REFERENCING OLD TABLE AS desk_sync_old NEW TABLE AS desk_sync_new '
                       'FOR EACH STATEMENT EXECUTE FUNCTION desk_sync.log_change(%L)',
                       t.tab, t.key_col);
        EXECUTE format('CREATE TRIGGER desk_sync_changes_delete AFTER DELETE ON public.%I '
                       'REFERENCING OLD TABLE AS desk_sync_old '
                       'FOR EACH STATEMENT EXECUTE FUNCTION desk_sync.log_change(%L)',
                       t.tab, t.key_col);
    END LOOP;
END $$;

-- ---------------------------------------------------------------------------------------------
-- Privileges inside desk_sync: nothing for PUBLIC (functions are executable by PUBLIC when
-- made, so every one is revoked); the desks' group gets the schema and the seven functions.
-- ---------------------------------------------------------------------------------------------
REVOKE ALL ON ALL TABLES    IN SCHEMA desk_sync FROM PUBLIC, desk_sync_desk;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA desk_sync FROM PUBLIC, desk_sync_desk;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA desk_sync FROM PUBLIC, desk_sync_desk;
GRANT USAGE ON SCHEMA desk_sync TO desk_sync_desk;
GRANT EXECUTE ON FUNCTION
    desk_sync.hello(text, bigint),
    desk_sync.pull_begin(text, xid8),
    desk_sync.pull_people(text, xid8, boolean, text, int),
    desk_sync.pull_settings(text),
    desk_sync.pull_conflicts(text),
    desk_sync.pull_sign_ins(text),
    desk_sync.push(text, bigint[], uuid[], text[], text[], text)
  TO desk_sync_desk;

COMMIT;

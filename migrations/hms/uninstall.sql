-- Skinspire Verify Desk: remove the clinic side of sync (what install.sql made).
--
-- Run by the DBA, as a superuser, in the clinic's database:
--     psql -v ON_ERROR_STOP=1 -d <clinic db> -f uninstall.sql
-- Safe to run again, and on a database where install.sql never ran. One transaction.
--
-- The clinic's own tables and data stay as they are, including what sync wrote into
-- users.verification_status (those are real verifications). Gone: the triggers, schema
-- desk_sync with its tables and functions, the desks' login roles listed in desk_sync.desks,
-- the owner's privileges on the clinic's tables, and the roles desk_sync_owner and
-- desk_sync_desk. Roles are cluster-wide: if desk_sync is still installed in another database
-- of this cluster, the two group roles are kept (a WARNING says so) and go with the last uninstall.

\set ON_ERROR_STOP 1
BEGIN;
SET LOCAL search_path = pg_catalog, pg_temp;
SET LOCAL client_min_messages = warning;   -- the kept-role messages below are WARNINGs

-- The triggers first (DROP SCHEMA ... CASCADE would take them too, but say it plainly).
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['users', 'patients', 'staff', 'user_role_mapping', 'role_master'] LOOP
        IF to_regclass(format('public.%I', t)) IS NOT NULL THEN
            EXECUTE format('DROP TRIGGER IF EXISTS desk_sync_changes_insert ON public.%I', t);
            EXECUTE format('DROP TRIGGER IF EXISTS desk_sync_changes_update ON public.%I', t);
            EXECUTE format('DROP TRIGGER IF EXISTS desk_sync_changes_delete ON public.%I', t);
            EXECUTE format('DROP TRIGGER IF EXISTS desk_sync_changes ON public.%I', t);
        END IF;
    END LOOP;
END $$;

-- The desks' login roles are read from desks before the schema goes; their sessions end first.
DO $$
DECLARE
    desk_roles name[] := '{}';
    r name;
    t text;
BEGIN
    IF to_regclass('desk_sync.desks') IS NOT NULL THEN
        EXECUTE 'SELECT coalesce(array_agg(role_name), ''{}'') FROM desk_sync.desks' INTO desk_roles;
    END IF;

    -- End the desks' sessions first: an open one would hold DROP SCHEMA up.
    PERFORM pg_terminate_backend(a.pid) FROM pg_stat_activity a
     WHERE a.usename = ANY (desk_roles) AND a.pid <> pg_backend_pid();

    DROP SCHEMA IF EXISTS desk_sync CASCADE;

    FOREACH r IN ARRAY desk_roles LOOP
        CONTINUE WHEN NOT EXISTS (SELECT 1 FROM pg_roles pr WHERE pr.rolname = r);
        BEGIN
            EXECUTE format('DROP ROLE %I', r);
        EXCEPTION WHEN dependent_objects_still_exist THEN
            RAISE WARNING 'desk role % kept: it still has privileges or objects elsewhere (%)', r, SQLERRM;
        END;
    END LOOP;

    -- The owner's grants on the clinic's tables, and the desks' CONNECT on this database.
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'desk_sync_owner') THEN
        FOREACH t IN ARRAY ARRAY['users', 'patients', 'staff', 'role_master', 'user_role_mapping',
                                 'hospital_settings', 'hospitals', 'verification_codes'] LOOP
            IF to_regclass(format('public.%I', t)) IS NOT NULL THEN
                EXECUTE format('REVOKE ALL ON public.%I FROM desk_sync_owner', t);
            END IF;
        END LOOP;
        REVOKE ALL ON SCHEMA public FROM desk_sync_owner;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'desk_sync_desk') THEN
        EXECUTE format('REVOKE ALL ON DATABASE %I FROM desk_sync_desk', current_database());
    END IF;

    -- The group roles, unless another database of the cluster still uses them.
    FOREACH t IN ARRAY ARRAY['desk_sync_desk', 'desk_sync_owner'] LOOP
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = t) THEN
            BEGIN
                EXECUTE format('DROP ROLE %I', t);
            EXCEPTION WHEN dependent_objects_still_exist THEN
                RAISE WARNING 'role % kept: desk_sync is still installed in another database (%)', t, SQLERRM;
            END;
        END IF;
    END LOOP;
END $$;

COMMIT;

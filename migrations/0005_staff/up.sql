-- Staff who sign in at this desk. Accounts made here hash with argon2id; accounts from the
-- clinic system (sync) keep its werkzeug scrypt or bcrypt hashes, which the desk verifies.
-- Anything else in password_hash (the clinic's plaintext leftovers, NULL) never verifies.
CREATE TABLE staff_accounts (
    user_id         TEXT PRIMARY KEY NOT NULL CHECK (length(user_id) BETWEEN 3 AND 50),
    display_name    TEXT NOT NULL CHECK (length(trim(display_name)) > 0),
    role            TEXT NOT NULL CHECK (role IN ('reception', 'admin')),
    password_hash   TEXT,
    is_active       INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
    failed_attempts INTEGER NOT NULL DEFAULT 0 CHECK (failed_attempts >= 0),
    locked_until    TEXT,
    last_login      TEXT,
    source          TEXT NOT NULL DEFAULT 'desk' CHECK (source IN ('desk', 'clinic')),
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    created_by      TEXT,
    updated_by      TEXT
) STRICT;

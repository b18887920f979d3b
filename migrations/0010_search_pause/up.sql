-- A large pull pauses the search index's row-by-row upkeep and rebuilds the index once at its
-- end (people::search_index): a first pull of 100k people spent three quarters of its time in
-- these triggers, and a rebuild of the whole index takes a fraction of that. While the one row
-- here exists, the triggers do nothing; `resume` rebuilds the index from `users` and deletes it.
CREATE TABLE search_index_pause (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    paused_at TEXT NOT NULL
);

DROP TRIGGER users_fts_insert;
DROP TRIGGER users_fts_delete;
DROP TRIGGER users_fts_update;
CREATE TRIGGER users_fts_insert AFTER INSERT ON users
WHEN NOT EXISTS (SELECT 1 FROM search_index_pause) BEGIN
    INSERT INTO users_fts (rowid, display_name, phone, email)
    VALUES (new.rowid, new.display_name, new.phone, new.email);
END;
CREATE TRIGGER users_fts_delete AFTER DELETE ON users
WHEN NOT EXISTS (SELECT 1 FROM search_index_pause) BEGIN
    INSERT INTO users_fts (users_fts, rowid, display_name, phone, email)
    VALUES ('delete', old.rowid, old.display_name, old.phone, old.email);
END;
CREATE TRIGGER users_fts_update AFTER UPDATE OF display_name, phone, email ON users
WHEN NOT EXISTS (SELECT 1 FROM search_index_pause) BEGIN
    INSERT INTO users_fts (users_fts, rowid, display_name, phone, email)
    VALUES ('delete', old.rowid, old.display_name, old.phone, old.email);
    INSERT INTO users_fts (rowid, display_name, phone, email)
    VALUES (new.rowid, new.display_name, new.phone, new.email);
END;

-- Foundation: facts about this desk installation itself.
-- `device_id` names this workstation's own series of events for sync (see ARCHITECTURE.md);
-- it is made once, here, and never changes.
CREATE TABLE desk_meta (
    key        TEXT PRIMARY KEY NOT NULL,
    value      TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;

INSERT INTO desk_meta (key, value) VALUES ('device_id', lower(hex(randomblob(16))));

-- The last "send test message" result per provider, for the admin's health view. Never holds
-- a secret: only whether it worked and the provider's answer in plain words.
CREATE TABLE channel_health (
    provider   TEXT PRIMARY KEY NOT NULL CHECK (provider IN ('gmail', 'twilio_whatsapp', 'twilio_sms')),
    ok         INTEGER NOT NULL CHECK (ok IN (0, 1)),
    message    TEXT NOT NULL,
    tested_at  TEXT NOT NULL,
    tested_by  TEXT
) STRICT;

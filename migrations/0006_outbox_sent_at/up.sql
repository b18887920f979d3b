-- When a message was handed to its provider, as a column of the outbox (its owner): the
-- delivery check times a WhatsApp fallback from it, and used to read it back out of the audit
-- log's JSON. Messages already sent at upgrade (in flight included) take the time of their
-- `sent` event, or their last update when the event is gone.
ALTER TABLE outbox ADD COLUMN sent_at TEXT;

UPDATE outbox
SET sent_at = coalesce(
    (SELECT max(e.occurred_at) FROM verification_events e
     WHERE e.kind = 'sent' AND json_extract(e.detail, '$.outbox_id') = outbox.id),
    updated_at)
WHERE provider_message_id IS NOT NULL;

-- Scheduled sends and channel statistics.
--
-- A scheduled message is a `messages` row with status `scheduled` and a row here; it is not
-- in the outbox (so it never holds back its chat or the dispatcher's claim) until it is due,
-- when one transaction moves it to the outbox's tail (status `accepted`) or fails it.
CREATE TABLE scheduled_messages (
    message_id TEXT PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
    channel_id TEXT NOT NULL,
    chat       TEXT NOT NULL,
    send_at    INTEGER NOT NULL
);
-- Due rows are found, and the next due time read, from the front of this index.
CREATE INDEX scheduled_messages_due ON scheduled_messages(send_at);

-- The category of a template message (MARKETING, UTILITY, AUTHENTICATION, …) for statistics
-- and cost; NULL when unknown or not a template.
ALTER TABLE messages ADD COLUMN template_category TEXT;

-- Statistics aggregate a channel's messages over a time range.
CREATE INDEX messages_channel_created ON messages(channel_id, created_at);

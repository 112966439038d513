-- Telegram getUpdates polling: per channel, the next offset to ask for and the node holding
-- the polling lease (one node polls a bot at a time; a lease that ran out may be taken).
CREATE TABLE telegram_polls (
    channel_id  TEXT PRIMARY KEY REFERENCES channels(id) ON DELETE CASCADE,
    next_offset BIGINT NOT NULL DEFAULT 0,
    owner       TEXT,
    lease_until BIGINT NOT NULL DEFAULT 0
);

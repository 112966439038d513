-- Bot automation: contact fields the bot needs (opt-out, tags, custom fields), per-channel bot
-- settings, ordered keyword rules, per-contact bot state, the decision log, and the bot
-- worker's starting position in the event log.
ALTER TABLE contacts ADD COLUMN opted_out_at INTEGER;
ALTER TABLE contacts ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';
ALTER TABLE contacts ADD COLUMN custom_fields TEXT NOT NULL DEFAULT '{}';

CREATE TABLE bot_settings (
    channel_id TEXT PRIMARY KEY REFERENCES channels(id) ON DELETE CASCADE,
    account_id TEXT NOT NULL,
    settings   TEXT NOT NULL,
    enabled    INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL
);

CREATE INDEX bot_settings_enabled ON bot_settings(enabled);

CREATE TABLE bot_rules (
    id         TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    channel_id TEXT NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    rule       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX bot_rules_channel ON bot_rules(channel_id, position, id);

CREATE TABLE bot_contact_state (
    channel_id TEXT NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
    chat       TEXT NOT NULL,
    state      TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (channel_id, chat)
);

CREATE TABLE bot_decisions (
    id                 TEXT PRIMARY KEY,
    account_id         TEXT NOT NULL,
    channel_id         TEXT NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
    chat               TEXT NOT NULL,
    inbound_message_id TEXT NOT NULL UNIQUE,
    code               TEXT NOT NULL,
    rule_id            TEXT,
    explanation        TEXT NOT NULL,
    decision           TEXT NOT NULL,
    reply_message_ids  TEXT NOT NULL DEFAULT '[]',
    replies_done       INTEGER NOT NULL DEFAULT 0,
    error              TEXT,
    created_at         INTEGER NOT NULL
);
CREATE INDEX bot_decisions_channel ON bot_decisions(channel_id, id);
CREATE INDEX bot_decisions_chat ON bot_decisions(channel_id, chat, id);

-- An existing installation's bot starts at the end of the log, so it never answers history.
INSERT INTO fanout_position (name, cursor)
SELECT 'bot', CAST(seq AS TEXT) FROM events ORDER BY seq DESC LIMIT 1;

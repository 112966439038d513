-- Messages (history), the outbox (pending dispatch), status history, statuses that arrived
-- before their message's upstream id was known, the event log, idempotency keys, contacts
-- and their 24-hour windows.
CREATE TABLE messages (
    id          TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL,
    channel_id  TEXT NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
    direction   TEXT NOT NULL,
    chat        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    body        TEXT NOT NULL,
    status      TEXT NOT NULL,
    upstream_id TEXT,
    context_id  TEXT,
    error       TEXT,
    attempts    INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX messages_account ON messages(account_id, id);
CREATE INDEX messages_channel ON messages(channel_id, id);
CREATE INDEX messages_chat ON messages(channel_id, chat, id);
CREATE UNIQUE INDEX messages_upstream ON messages(channel_id, upstream_id) WHERE upstream_id IS NOT NULL;

CREATE TABLE outbox (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id  TEXT NOT NULL UNIQUE REFERENCES messages(id) ON DELETE CASCADE,
    channel_id  TEXT NOT NULL,
    chat        TEXT NOT NULL,
    not_before  INTEGER NOT NULL,
    lease_owner TEXT,
    lease_until INTEGER
);
CREATE INDEX outbox_chat ON outbox(channel_id, chat, seq);

CREATE TABLE message_statuses (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id TEXT NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    status     TEXT NOT NULL,
    at         INTEGER NOT NULL,
    applied    INTEGER NOT NULL,
    error      TEXT
);
CREATE INDEX message_statuses_message ON message_statuses(message_id, id);

CREATE TABLE pending_statuses (
    channel_id  TEXT NOT NULL,
    upstream_id TEXT NOT NULL,
    status      TEXT NOT NULL,
    at          INTEGER NOT NULL,
    error       TEXT,
    received_at INTEGER NOT NULL,
    PRIMARY KEY (channel_id, upstream_id, status)
);

CREATE TABLE events (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    id         TEXT NOT NULL UNIQUE,
    account_id TEXT NOT NULL,
    channel_id TEXT,
    chat       TEXT,
    type       TEXT NOT NULL,
    data       TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX events_account ON events(account_id, seq);

CREATE TABLE idempotency_keys (
    account_id   TEXT NOT NULL,
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    response     TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (account_id, key)
);

CREATE TABLE contacts (
    id         TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    wa_id      TEXT NOT NULL,
    name       TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (account_id, wa_id)
);

CREATE TABLE conversations (
    channel_id      TEXT NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
    chat            TEXT NOT NULL,
    last_inbound_at INTEGER NOT NULL,
    PRIMARY KEY (channel_id, chat)
);
